//! The data model: the manifest and its parts (entries, digests, checked
//! paths and names), canonical JSON, the Merkle tree, entry diffs, the
//! provenance statement and `Cargo.lock`. Types and pure functions only: no
//! processes, no writes.

pub mod canonical;
pub mod diff;
pub mod digest;
pub mod lockfile;
pub mod manifest;
pub mod merkle;
pub mod name;
pub mod path;
pub mod provenance;
