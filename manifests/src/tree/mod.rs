//! Source trees and bundles on disk: scanning and hashing a tree, its git
//! identity, bounded and atomic file I/O, and the one reader of bundle
//! archives.

pub mod archive;
pub mod bundle;
pub mod fsutil;
pub mod git;
pub mod scan;
