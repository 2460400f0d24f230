//! `vouch manifest prove|verify-proof`: RFC 9162 inclusion proofs of one
//! file in a manifest.

use crate::cli::manifest::{ProveArgs, VerifyProofArgs};
use crate::exit::{Status, failed};
use crate::output::{print_raw, print_text};
use anyhow::{Context, Result};
use vouch_manifests::Digest;
use vouch_manifests::model::manifest::Manifest;
use vouch_manifests::model::merkle::{Proof, ProofCheck};

pub fn prove(a: ProveArgs) -> Result<Status> {
    let m = Manifest::read(&a.file)?;
    let proof = Proof::for_path(&m, &a.path).ok_or_else(|| crate::hints::no_entry(&a.file, &a.path))?;
    let mut bytes = serde_json::to_vec_pretty(&proof)?;
    bytes.push(b'\n');
    match &a.output {
        Some(p) => vouch_manifests::tree::fsutil::write_atomic(p, &bytes, None)?,
        None => print_raw(&bytes)?,
    }
    Ok(Status::Held)
}

pub fn verify_proof(a: VerifyProofArgs) -> Result<Status> {
    let trusted: Digest = a.root.parse().context("--root")?;
    let p = Proof::read(&a.proof).map_err(|e| if e.does_not_hold() { failed(e.into()) } else { e.into() })?;
    let (path, check) = (&p.entry.path(), p.check(trusted));
    print_text(&match check {
        ProofCheck::Holds => format!(
            "OK: {path} ({} {}) is entry {} of {} under root {trusted}\n",
            p.entry.kind(),
            p.entry.content_id(),
            p.leaf_index,
            p.tree_size
        ),
        ProofCheck::OtherRoot(r) => {
            format!("MISMATCH: proof for {path} leads to root {r}\n          trusted root is      {trusted}\n")
        }
        ProofCheck::BadPath => format!(
            "MISMATCH: proof for {path} has an audit path of the wrong length for leaf {} of {}\n",
            p.leaf_index, p.tree_size
        ),
    })?;
    Ok(if check == ProofCheck::Holds { Status::Held } else { Status::DoesNotHold })
}
