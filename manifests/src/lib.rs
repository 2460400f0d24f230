//! vouch's data model and everything that works on it without keys:
//! manifests, digests, path rules, tree scanning and hashing, the Merkle tree
//! and its proofs, canonical JSON, diffs and atomic file output.
//!
//! This crate never prints and never exits: every operation returns a typed
//! error that names the file, path or key it is about.

pub mod archive;
pub mod build;
pub mod bundle;
pub mod canonical;
pub mod causes;
pub mod diff;
pub mod digest;
pub mod fsutil;
pub mod git;
pub mod lockfile;
pub mod log;
pub mod manifest;
pub mod merkle;
pub mod name;
pub mod path;
pub mod provenance;
pub mod rebuild;
pub mod release;
pub mod sandbox;
pub mod sbom;
pub mod scan;

pub use digest::Digest;
pub use manifest::{Entry, EntryKind, Manifest, Project, RawManifest, Source, Vcs};
pub use path::RelPath;
