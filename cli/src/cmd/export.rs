//! `vouch export provenance BUNDLE`: re-emit the bundle's DSSE envelope.

use crate::cli::export::ExportCommand;
use crate::exit::Status;
use crate::output::print_raw;
use anyhow::Result;
use vouch_manifests::tree::bundle::OpenBundle;

pub fn run(c: ExportCommand) -> Result<Status> {
    match c {
        ExportCommand::Provenance(a) => {
            let b = OpenBundle::open(&a.bundle)?;
            let (bytes, _) = vouch_signing::release::read_provenance(&b.dir)?
                .ok_or_else(|| anyhow::anyhow!("bundle {} has no provenance.dsse.json", a.bundle.display()))?;
            match &a.output {
                Some(p) => vouch_manifests::tree::fsutil::write_atomic(p, &bytes, None)?,
                None => print_raw(&bytes)?,
            }
            Ok(Status::Held)
        }
    }
}
