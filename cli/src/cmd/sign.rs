//! `vouch sign`: sign a file (`FILE.minisig`) or a bundle's manifest
//! (`signatures/<KEYID>.minisig`).

use crate::cli::sign::SignArgs;
use crate::exit::Status;
use crate::output::print_text;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use vouch_signing::manifest_sig::{self, SigningTime};
use vouch_signing::sig;

/// Parses a hidden `--now` value: unix seconds or RFC 3339.
pub fn parse_now(v: &str) -> Result<i64> {
    if let Ok(n) = v.parse::<i64>() {
        return Ok(n);
    }
    time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .with_context(|| format!("--now {v:?} is neither unix seconds nor an RFC 3339 time"))
}

pub fn signing_time(now: &Option<String>) -> Result<SigningTime> {
    Ok(match now {
        Some(v) => SigningTime::At(parse_now(v)?),
        None => SigningTime::Now,
    })
}

pub fn run(a: SignArgs) -> Result<Status> {
    let time = signing_time(&a.now)?;
    let meta = std::fs::metadata(&a.path).with_context(|| format!("cannot read {}", a.path.display()))?;
    let key = a.password.load_secret_key(&a.key)?;
    if meta.is_dir() {
        if a.sig.is_some() {
            bail!("--sig is for files: a bundle's signature goes to signatures/<KEYID>.minisig");
        }
        let m = a.path.join(manifest_sig::MANIFEST_FILE);
        if !m.is_file() {
            return Err(crate::hints::folder_without_manifest(&a.path));
        }
        let s = manifest_sig::sign_bundle(&a.path, &key, time)?;
        print_text(&format!(
            "signed {} {} with key {}: {}\n",
            s.comment.project,
            s.comment.version,
            s.key_id,
            s.path.display()
        ))?;
        return Ok(Status::Held);
    }
    let name = file_name(&a.path)?;
    let comment = sig::default_trusted_comment(time.unix(), &name);
    let signature = sig::sign_file(&key, &a.path, &comment, None)?;
    let out = a.sig.clone().unwrap_or_else(|| {
        let mut p = a.path.clone().into_os_string();
        p.push(".minisig");
        PathBuf::from(p)
    });
    vouch_manifests::tree::fsutil::write_atomic(&out, signature.to_text().as_bytes(), None)?;
    print_text(&format!("signed {} with key {}: {}\n", a.path.display(), key.key_id(), out.display()))?;
    Ok(Status::Held)
}

fn file_name(p: &Path) -> Result<String> {
    let n = p.file_name().with_context(|| format!("{} has no file name", p.display()))?;
    let n = n.to_str().with_context(|| format!("{} has a file name that is not UTF-8", p.display()))?;
    Ok(n.to_string())
}
