//! The Merkle tree of RFC 9162 §2.1 over manifest entries, and inclusion
//! proofs.
//!
//! Leaf hash = SHA-256(0x00 ‖ leaf data), node = SHA-256(0x01 ‖ left ‖ right),
//! split at the largest power of two strictly below n; the empty tree's
//! root is SHA-256("").

use crate::model::digest::Digest;
use crate::model::manifest::Entry;
use serde::{Deserialize, Serialize};

/// The release log's hashing (the same RFC 9162 tree), over digests.
use crate::log::tree;

pub fn leaf_hash(data: &[u8]) -> Digest {
    Digest(tree::leaf_hash(data))
}

pub fn node_hash(left: &Digest, right: &Digest) -> Digest {
    Digest(tree::node_hash(&left.0, &right.0))
}

/// Largest power of two strictly less than `n` (n ≥ 2).
fn split(n: usize) -> usize {
    debug_assert!(n >= 2);
    1usize << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// MTH over leaf hashes.
pub fn root(leaves: &[Digest]) -> Digest {
    match leaves.len() {
        0 => Digest::of(b""),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The leaf hash of each entry, in order (hashed in parallel: a large
/// manifest is checked beside others, and this is most of its time).
pub fn leaves_of_entries(entries: &[Entry]) -> Vec<Digest> {
    use rayon::prelude::*;
    entries.par_iter().with_min_len(1024).map(|e| leaf_hash(e.leaf_data().as_bytes())).collect()
}

pub fn root_of_entries(entries: &[Entry]) -> Digest {
    root(&leaves_of_entries(entries))
}

/// PATH(m, D[n]) of RFC 9162 §2.1.3.1: the audit path for leaf `m`.
pub fn inclusion_path(leaves: &[Digest], m: usize) -> Vec<Digest> {
    let n = leaves.len();
    assert!(m < n, "leaf index out of range");
    if n == 1 {
        return Vec::new();
    }
    let k = split(n);
    if m < k {
        let mut p = inclusion_path(&leaves[..k], m);
        p.push(root(&leaves[k..]));
        p
    } else {
        let mut p = inclusion_path(&leaves[k..], m - k);
        p.push(root(&leaves[..k]));
        p
    }
}

/// Verifies an inclusion path (RFC 9162 §2.1.3.2); returns the root it
/// leads to, or `None` when the path's length does not fit the tree.
pub fn root_from_path(leaf: Digest, index: u64, size: u64, path: &[Digest]) -> Option<Digest> {
    let path: Vec<tree::Hash> = path.iter().map(|d| d.0).collect();
    tree::root_from_inclusion(&leaf.0, index, size, &path).ok().map(Digest)
}

/// Schema of proof documents.
pub const PROOF_SCHEMA: &str = "vouch.proof/v1";

/// An inclusion proof for one manifest entry, as `vouch manifest prove`
/// writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proof {
    pub schema: String,
    /// The project and version of the manifest the proof came from.
    pub project: crate::model::manifest::Project,
    /// The entry itself; its leaf data is recomputed from it.
    pub entry: Entry,
    /// Zero-based index of the entry in `source.files`.
    pub leaf_index: u64,
    /// Number of entries.
    pub tree_size: u64,
    /// The audit path, leaf to root.
    pub path: Vec<Digest>,
    /// The root the proof leads to (check it against a signed manifest).
    pub root: Digest,
}

impl Proof {
    /// Builds the proof for the entry at `index`.
    pub fn for_entry(m: &crate::model::manifest::Manifest, index: usize) -> Proof {
        let leaves = leaves_of_entries(&m.source.files);
        Proof {
            schema: PROOF_SCHEMA.into(),
            project: m.project.clone(),
            entry: m.source.files[index].clone(),
            leaf_index: index as u64,
            tree_size: leaves.len() as u64,
            path: inclusion_path(&leaves, index),
            root: root(&leaves),
        }
    }

    /// The root this proof leads to, recomputed from the entry and path.
    pub fn computed_root(&self) -> Option<Digest> {
        root_from_path(leaf_hash(self.entry.leaf_data().as_bytes()), self.leaf_index, self.tree_size, &self.path)
    }

    /// Builds the proof for the entry recorded at `path` (as recorded:
    /// relative, `/`-separated); `None` when the manifest has no such entry.
    pub fn for_path(m: &crate::model::manifest::Manifest, path: &str) -> Option<Proof> {
        let index = m.source.files.binary_search_by(|e| e.path().as_str().as_bytes().cmp(path.as_bytes())).ok()?;
        Some(Proof::for_entry(m, index))
    }

    /// Reads a proof file as [`Proof::for_entry`]'s JSON.
    pub fn read(path: &std::path::Path) -> Result<Proof, ProofFileError> {
        let bytes = std::fs::read(path).map_err(|source| ProofFileError::Read { path: path.to_path_buf(), source })?;
        let proof: Proof = serde_json::from_slice(&bytes)
            .map_err(|source| ProofFileError::NotAProof { path: path.to_path_buf(), source })?;
        if proof.schema != PROOF_SCHEMA {
            return Err(ProofFileError::Schema { path: path.to_path_buf(), schema: proof.schema });
        }
        Ok(proof)
    }

    /// Whether this proof leads to the `trusted` root.
    pub fn check(&self, trusted: Digest) -> ProofCheck {
        match self.computed_root() {
            Some(r) if r == trusted => ProofCheck::Holds,
            Some(r) => ProofCheck::OtherRoot(r),
            None => ProofCheck::BadPath,
        }
    }
}

/// What a proof leads to, against a trusted root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofCheck {
    /// It leads to the trusted root.
    Holds,
    /// It leads to this other root.
    OtherRoot(Digest),
    /// Its audit path has the wrong length for its leaf and tree size.
    BadPath,
}

/// Why a proof file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ProofFileError {
    #[error("cannot read proof {}", .path.display())]
    Read {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("proof {} is not a vouch proof", .path.display())]
    NotAProof {
        path: std::path::PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("proof {} has schema {schema:?}", .path.display())]
    Schema { path: std::path::PathBuf, schema: String },
}

impl ProofFileError {
    /// A file that is there but is no proof: checked, and it does not hold.
    pub fn does_not_hold(&self) -> bool {
        !matches!(self, ProofFileError::Read { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Digest> {
        (0..n).map(|i| leaf_hash(format!("leaf {i}").as_bytes())).collect()
    }

    #[test]
    fn empty_and_single() {
        assert_eq!(root(&[]).to_string(), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        // Leaf hash of the empty string, RFC 6962 test vector.
        assert_eq!(leaf_hash(b"").hex(), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
        let l = leaves(1);
        assert_eq!(root(&l), l[0]);
    }

    #[test]
    fn rfc6962_reference_vectors() {
        // The eight leaves used by the Certificate Transparency reference
        // implementation's tests, and its published roots.
        let data: [&[u8]; 8] = [
            b"",
            b"\x00",
            b"\x10",
            b"\x20\x21",
            b"\x30\x31",
            b"\x40\x41\x42\x43",
            b"\x50\x51\x52\x53\x54\x55\x56\x57",
            b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
        ];
        let l: Vec<Digest> = data.iter().map(|d| leaf_hash(d)).collect();
        let roots = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        for (i, want) in roots.iter().enumerate() {
            assert_eq!(root(&l[..=i]).hex(), *want, "root of {} leaves", i + 1);
        }
    }

    #[test]
    fn every_proof_verifies_and_tampering_fails() {
        for n in 1..=33 {
            let l = leaves(n);
            let r = root(&l);
            for m in 0..n {
                let p = inclusion_path(&l, m);
                assert_eq!(root_from_path(l[m], m as u64, n as u64, &p), Some(r), "n={n} m={m}");
                if n > 1 {
                    // Wrong index, wrong leaf, truncated or extended path.
                    let other = (m + 1) % n;
                    assert_ne!(root_from_path(l[m], other as u64, n as u64, &p), Some(r));
                    assert_ne!(root_from_path(l[other], m as u64, n as u64, &p), Some(r));
                    assert_eq!(root_from_path(l[m], m as u64, n as u64, &p[..p.len() - 1]), None);
                    let mut longer = p.clone();
                    longer.push(r);
                    assert_eq!(root_from_path(l[m], m as u64, n as u64, &longer), None);
                }
            }
        }
    }
}
