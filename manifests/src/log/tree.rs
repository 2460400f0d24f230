//! RFC 9162 §2.1 Merkle tree hashing over log entries, inclusion and
//! consistency proofs (§2.1.3, §2.1.4), and their verification.
//!
//! Proofs are computed from any [`Nodes`] source: the hash of a complete,
//! aligned subtree of height `h` at index `i` (that is, MTH(D[i·2^h :
//! (i+1)·2^h])). [`crate::log::TileTree`] reads them from tiles; [`MemTree`]
//! holds leaf hashes in memory.

use sha2::{Digest as _, Sha256};

/// A SHA-256 tree hash.
pub type Hash = [u8; 32];

/// Leaf hash: SHA-256(0x00 ‖ data).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// Interior node: SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The empty tree's root: SHA-256 of the empty string.
pub fn empty_root() -> Hash {
    Sha256::digest(b"").into()
}

/// Largest power of two strictly below `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// MTH over a slice of hashes, as if they were leaves (used to hash up a
/// tile's hashes).
pub fn root_of(hashes: &[Hash]) -> Hash {
    match hashes.len() {
        0 => empty_root(),
        1 => hashes[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&root_of(&hashes[..k]), &root_of(&hashes[k..]))
        }
    }
}

/// A source of complete subtree hashes.
pub trait Nodes {
    type Error;
    /// MTH(D[index·2^height : (index+1)·2^height]), a complete subtree.
    fn node(&mut self, height: u32, index: u64) -> Result<Hash, Self::Error>;
}

/// Leaf hashes in memory.
pub struct MemTree(pub Vec<Hash>);

impl Nodes for MemTree {
    type Error = std::convert::Infallible;
    fn node(&mut self, height: u32, index: u64) -> Result<Hash, Self::Error> {
        let lo = (index << height) as usize;
        Ok(root_of(&self.0[lo..lo + (1usize << height)]))
    }
}

/// MTH(D[lo:hi]) for the ranges that RFC 9162's recursion visits (`lo` a
/// multiple of the largest power of two not above `hi - lo`).
pub fn range_hash<N: Nodes>(src: &mut N, lo: u64, hi: u64) -> Result<Hash, N::Error> {
    let n = hi - lo;
    if n == 0 {
        return Ok(empty_root());
    }
    if n.is_power_of_two() && lo.is_multiple_of(n) {
        return src.node(n.trailing_zeros(), lo >> n.trailing_zeros());
    }
    let k = split(n);
    let l = range_hash(src, lo, lo + k)?;
    let r = range_hash(src, lo + k, hi)?;
    Ok(node_hash(&l, &r))
}

/// The root of the tree of `size` leaves.
pub fn tree_hash<N: Nodes>(src: &mut N, size: u64) -> Result<Hash, N::Error> {
    range_hash(src, 0, size)
}

/// PATH(m, D[0:size]): the inclusion proof of leaf `index` (index < size).
pub fn inclusion_proof<N: Nodes>(src: &mut N, index: u64, size: u64) -> Result<Vec<Hash>, N::Error> {
    let mut out = Vec::new();
    path(src, index, 0, size, &mut out)?;
    Ok(out)
}

fn path<N: Nodes>(src: &mut N, m: u64, lo: u64, hi: u64, out: &mut Vec<Hash>) -> Result<(), N::Error> {
    if hi - lo <= 1 {
        return Ok(());
    }
    let k = split(hi - lo);
    if m - lo < k {
        path(src, m, lo, lo + k, out)?;
        out.push(range_hash(src, lo + k, hi)?);
    } else {
        path(src, m, lo + k, hi, out)?;
        out.push(range_hash(src, lo, lo + k)?);
    }
    Ok(())
}

/// PROOF(old, D[0:new]): the consistency proof between two sizes (empty when
/// old is 0 or equals new).
pub fn consistency_proof<N: Nodes>(src: &mut N, old: u64, new: u64) -> Result<Vec<Hash>, N::Error> {
    let mut out = Vec::new();
    if old > 0 && old < new {
        subproof(src, old, 0, new, true, &mut out)?;
    }
    Ok(out)
}

fn subproof<N: Nodes>(src: &mut N, m: u64, lo: u64, hi: u64, whole: bool, out: &mut Vec<Hash>) -> Result<(), N::Error> {
    let n = hi - lo;
    if m == n {
        if !whole {
            out.push(range_hash(src, lo, hi)?);
        }
        return Ok(());
    }
    let k = split(n);
    if m <= k {
        subproof(src, m, lo, lo + k, whole, out)?;
        out.push(range_hash(src, lo + k, hi)?);
    } else {
        subproof(src, m - k, lo + k, hi, false, out)?;
        out.push(range_hash(src, lo, lo + k)?);
    }
    Ok(())
}

/// Why a proof does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("index {index} is not below the tree size {size}")]
    IndexBeyondSize { index: u64, size: u64 },
    #[error("the new size {new} is smaller than the old size {old}")]
    SizeDecreased { old: u64, new: u64 },
    #[error("the proof has the wrong number of hashes ({got}) for these sizes")]
    WrongLength { got: usize },
    #[error("a consistency proof from the empty tree is meaningless")]
    EmptyOld,
    #[error("the proof does not lead to the expected root")]
    RootMismatch,
}

/// The root an inclusion proof leads to (RFC 9162 §2.1.3.2), or why the
/// proof does not fit a tree of `size` leaves.
pub fn root_from_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash]) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::IndexBeyondSize { index, size });
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(ProofError::WrongLength { got: proof.len() });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength { got: proof.len() });
    }
    Ok(r)
}

/// Verifies an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> Result<(), ProofError> {
    if &root_from_inclusion(leaf, index, size, proof)? != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies a consistency proof (RFC 9162 §2.1.4.2) between the tree of
/// `old` leaves with root `old_root` and the tree of `new` leaves. As in
/// transparency-dev/merkle, a proof from the empty tree (old = 0) is refused:
/// callers compare an empty head with the empty root instead.
pub fn verify_consistency(
    old: u64,
    new: u64,
    proof: &[Hash],
    old_root: &Hash,
    new_root: &Hash,
) -> Result<(), ProofError> {
    if new < old {
        return Err(ProofError::SizeDecreased { old, new });
    }
    if old == 0 {
        return Err(ProofError::EmptyOld);
    }
    if old == new {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength { got: proof.len() });
        }
        return if old_root == new_root { Ok(()) } else { Err(ProofError::RootMismatch) };
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength { got: 0 });
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut fn_, mut sn) = (old - 1, new - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if sn == 0 {
            return Err(ProofError::WrongLength { got: proof.len() });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength { got: proof.len() });
    }
    if &fr != old_root || &sr != new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(n: usize) -> MemTree {
        MemTree((0..n).map(|i| leaf_hash(format!("entry {i}").as_bytes())).collect())
    }

    #[test]
    fn proofs_round_trip_for_every_size_up_to_70() {
        for n in 1..=70u64 {
            let mut t = tree(n as usize);
            let root = tree_hash(&mut t, n).unwrap();
            assert_eq!(root, root_of(&t.0));
            for i in 0..n {
                let p = inclusion_proof(&mut t, i, n).unwrap();
                verify_inclusion(&t.0[i as usize], i, n, &p, &root).unwrap();
                if n > 1 {
                    let other = (i + 1) % n;
                    assert!(verify_inclusion(&t.0[i as usize], other, n, &p, &root).is_err());
                }
            }
            for m in 0..=n {
                let mut tm = tree(m as usize);
                let rm = tree_hash(&mut tm, m).unwrap();
                let p = consistency_proof(&mut t, m, n).unwrap();
                if m == 0 {
                    assert!(p.is_empty() && verify_consistency(m, n, &p, &rm, &root).is_err());
                    continue;
                }
                verify_consistency(m, n, &p, &rm, &root).unwrap();
                if m > 0 && m < n {
                    let bad = leaf_hash(b"other");
                    assert!(verify_consistency(m, n, &p, &bad, &root).is_err());
                }
            }
        }
    }
}
