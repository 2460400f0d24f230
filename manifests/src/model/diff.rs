//! Differences between two lists of entries: added, removed, changed.

use crate::model::manifest::{Entry, EntryKind};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// One changed path, with what it was and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub path: String,
    pub old_kind: EntryKind,
    pub new_kind: EntryKind,
    pub old_size: u64,
    pub new_size: u64,
    /// Digest (or `commit <id>` for submodules) before and after.
    pub old: String,
    pub new: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeDiff {
    pub added: Vec<Entry>,
    pub removed: Vec<Entry>,
    pub changed: Vec<Change>,
}

impl TreeDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Compares two entry lists, each sorted by path bytes.
pub fn diff(old: &[Entry], new: &[Entry]) -> TreeDiff {
    let mut d = TreeDiff::default();
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        let ord = match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) => a.path().as_str().as_bytes().cmp(b.path().as_str().as_bytes()),
            (Some(_), None) => Ordering::Less,
            (None, _) => Ordering::Greater,
        };
        match ord {
            Ordering::Less => {
                d.removed.push(old[i].clone());
                i += 1;
            }
            Ordering::Greater => {
                d.added.push(new[j].clone());
                j += 1;
            }
            Ordering::Equal => {
                let (a, b) = (&old[i], &new[j]);
                if a != b {
                    d.changed.push(Change {
                        path: a.path().to_string(),
                        old_kind: a.kind(),
                        new_kind: b.kind(),
                        old_size: a.size(),
                        new_size: b.size(),
                        old: a.content_id(),
                        new: b.content_id(),
                    });
                }
                i += 1;
                j += 1;
            }
        }
    }
    d
}

/// A source tree compared with a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCheck {
    pub manifest_root: crate::model::digest::Digest,
    pub source_root: crate::model::digest::Digest,
    pub diff: TreeDiff,
}

impl SourceCheck {
    /// True when the tree equals the manifest, root included.
    pub fn matches(&self) -> bool {
        self.diff.is_empty() && self.manifest_root == self.source_root
    }
}

/// Recomputes `opts.root` (git's tracked files now in a checkout, else every
/// file but `.git/`) and compares it with `manifest`.
pub fn check_source(
    manifest: &crate::model::manifest::Manifest,
    opts: &crate::tree::scan::ScanOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<SourceCheck, crate::tree::scan::ScanError> {
    let mut opts = opts.clone();
    opts.tracked = crate::tree::scan::Tracked::Index;
    opts.dirty = crate::tree::scan::Dirty::Allow;
    let scan = crate::tree::scan::scan(&opts, progress)?;
    Ok(SourceCheck {
        manifest_root: manifest.source.merkle_root,
        source_root: crate::model::merkle::root_of_entries(&scan.entries),
        diff: diff(&manifest.source.files, &scan.entries),
    })
}
