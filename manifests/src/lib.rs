//! vouch's data model and everything that works on it without keys, a
//! module per noun: [`model`] (the manifest and its parts, canonical JSON,
//! the Merkle tree, diffs, provenance: types and pure functions), [`tree`]
//! (source trees and bundles on disk: scanning, git, bounded and atomic
//! file I/O, the bundle archive reader), [`build`] (running and recording
//! builds, releases, rebuilds and their confinement), [`sbom`] and [`log`]
//! (the release log).
//!
//! This crate never prints and never exits: every operation returns a typed
//! error that names the file, path or key it is about.

pub mod build;
pub mod log;
pub mod model;
pub mod sbom;
pub mod tree;

pub use model::digest::Digest;
pub use model::manifest::{Entry, EntryKind, Manifest, Project, RawManifest, Source, Vcs};
pub use model::path::RelPath;

/// An error and its causes on one line, `error: cause: cause`, for reports
/// that hold a failure as text.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}
