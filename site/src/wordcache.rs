//! The code search's words of each file by its bytes, kept for the next
//! build of the same site, so that a release added to a site does not read
//! and split again the files it shares with the releases already there.
//!
//! Kept beside the records of `seen` in the user's cache, one file per site
//! named by its marker (the newest [`crate::seen::KEEP`]), for one vouch
//! binary (another one splits every file again):
//!
//! ```text
//! vouch code words 1\n
//! <SHA-256 of the vouch binary: 32 bytes>
//! then per file, by digest: <digest: 32 bytes> <length: u32 LE> <record>
//! ```
//!
//! A record is empty for bytes the index leaves out (binary, minified),
//! else the words as [`FileWords::encode`] writes them. Only words of
//! bytes found to match their digest in a build are kept. The file is read
//! bounded, never through a symlink; anything that does not parse voids
//! the whole file, and a record that does not decode is split again.

use crate::codesearch::FileWords;
use crate::seen::SiteId;
use std::sync::Mutex;
use vouch_manifests::Digest;

const HEAD: &[u8] = b"vouch code words 1\n";
const EXT: &str = ".words";
const MAX_FILE: u64 = 1 << 30;

/// The previous build's words, and this build's.
pub struct WordCache {
    base: Option<std::path::PathBuf>,
    binary: [u8; 32],
    /// The previous build's file, when it was read whole and is of this binary.
    file: Option<std::path::PathBuf>,
    old: Vec<u8>,
    /// Where each digest's record lies in `old`.
    at: crate::FastMap<Digest, (usize, usize)>,
    new: Mutex<Vec<(Digest, Vec<u8>)>>,
}

impl WordCache {
    /// Reads the words kept for the site named `site` (by its marker), if any.
    pub fn load(site: Option<SiteId>) -> WordCache {
        Self::load_in(crate::seen::cache_base(), site, crate::reuse::binary())
    }

    fn load_in(base: Option<std::path::PathBuf>, site: Option<SiteId>, binary: [u8; 32]) -> WordCache {
        let file = base.as_deref().zip(site).map(|(b, m)| crate::seen::cache_file_named(b, m, EXT));
        let old = file
            .as_deref()
            .and_then(|f| {
                vouch_manifests::tree::fsutil::read_bounded(
                    f,
                    MAX_FILE,
                    vouch_manifests::tree::fsutil::Symlinks::Refuse,
                )
                .ok()
            })
            .unwrap_or_default();
        let at = index(&old, &binary);
        let file = file.filter(|_| at.is_some());
        WordCache { base, binary, file, old, at: at.unwrap_or_default(), new: Mutex::new(Vec::new()) }
    }

    /// The words kept for the bytes `digest` (`Some(None)`: not indexed).
    pub fn get(&self, digest: &Digest) -> Option<Option<FileWords<'_>>> {
        let &(a, e) = self.at.get(digest)?;
        let rec = &self.old[a..e];
        if rec.is_empty() {
            return Some(None);
        }
        FileWords::decode(rec).map(Some)
    }

    /// Records the words of bytes found to match `digest` in this build.
    pub fn put(&self, digest: Digest, words: Option<&FileWords<'_>>) {
        let mut rec = Vec::new();
        if let Some(w) = words {
            w.encode(&mut rec);
        }
        self.new.lock().unwrap_or_else(|p| p.into_inner()).push((digest, rec));
    }

    /// Keeps the words of the bytes the site still has (`still`), this
    /// build's and what the previous one kept, for the next build of the
    /// site named `site` (by its marker) (a cache: failing to write it only
    /// costs the next build time).
    ///
    /// The previous build's file, if it holds little that the site no
    /// longer has, is kept with this build's new words appended (under this
    /// marker's name too: a hard link); else the file is written anew.
    pub fn save(&self, site: SiteId, still: impl Fn(&Digest) -> bool) {
        let Some(base) = self.base.as_deref() else { return };
        let new = std::mem::take(&mut *self.new.lock().unwrap_or_else(|p| p.into_inner()));
        let dead: usize = self.at.iter().filter(|(d, _)| !still(d)).map(|(_, &(a, e))| 36 + e - a).sum();
        if let Some(from) = self.file.as_deref().filter(|_| dead * 2 <= self.old.len()) {
            let mut added = std::collections::HashSet::new();
            let mut tail = Vec::new();
            for (d, rec) in &new {
                if !self.at.contains_key(d) && still(d) && added.insert(d) {
                    record(&mut tail, &d.0, rec);
                }
            }
            crate::seen::append_cache(base, site, EXT, from, &tail);
            return;
        }
        let mut rows: Vec<(&[u8; 32], &[u8])> = new.iter().map(|(d, rec)| (&d.0, rec.as_slice())).collect();
        rows.extend(self.at.iter().map(|(d, &(a, e))| (&d.0, &self.old[a..e])));
        // This build's first, then the previous one's: a stable sort and
        // the first of each digest.
        rows.sort_by_key(|&(d, _)| d);
        rows.dedup_by_key(|&mut (d, _)| d);
        crate::seen::save_cache_with(base, site, EXT, |w| {
            use std::io::Write as _;
            w.write_all(HEAD)?;
            w.write_all(&self.binary)?;
            let mut buf = Vec::new();
            for (d, rec) in rows.into_iter().filter(|(d, _)| still(&Digest(**d))) {
                buf.clear();
                record(&mut buf, d, rec);
                w.write_all(&buf)?;
            }
            Ok(())
        });
    }
}

/// Appends one file's record: digest, length, the record.
fn record(out: &mut Vec<u8>, digest: &[u8; 32], rec: &[u8]) {
    out.extend_from_slice(digest);
    out.extend_from_slice(&(rec.len() as u32).to_le_bytes());
    out.extend_from_slice(rec);
}

/// Where each record of a cache file lies, if it is one of `binary`.
fn index(bytes: &[u8], binary: &[u8; 32]) -> Option<crate::FastMap<Digest, (usize, usize)>> {
    let rest = bytes.strip_prefix(HEAD)?;
    if rest.get(..32)? != binary {
        return None;
    }
    let mut at = crate::FastMap::default();
    let mut k = HEAD.len() + 32;
    while k < bytes.len() {
        let d: [u8; 32] = bytes.get(k..k + 32)?.try_into().ok()?;
        let n = u32::from_le_bytes(bytes.get(k + 32..k + 36)?.try_into().ok()?) as usize;
        let (a, e) = (k + 36, (k + 36).checked_add(n)?);
        if e > bytes.len() {
            return None;
        }
        at.insert(Digest(d), (a, e));
        k = e;
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_come_back_as_split_and_a_damaged_file_is_voided() {
        let dir = tempfile::tempdir().unwrap();
        let base = Some(dir.path().to_path_buf());
        let text = "fn main() {\n    let héllo_world = 1; // x ünïcode\n}\nfn main_two() {}\n";
        let w = crate::codesearch::words(text).unwrap();
        let (a, b, c) = (Digest([1; 32]), Digest([2; 32]), Digest([3; 32]));
        let cache = WordCache::load_in(base.clone(), Some(SiteId::of(b"m")), [9; 32]);
        cache.put(a, Some(&w));
        cache.put(b, None);
        cache.put(c, Some(&w));
        cache.save(SiteId::of(b"m"), |d| *d != c);
        let again = WordCache::load_in(base.clone(), Some(SiteId::of(b"m")), [9; 32]);
        let got = again.get(&a).unwrap().unwrap();
        assert_eq!(got.iter().collect::<Vec<_>>(), w.iter().collect::<Vec<_>>());
        assert!(matches!(again.get(&b), Some(None)));
        // Bytes the site no longer has are not kept.
        assert!(again.get(&c).is_none());
        // Carried into the next save when this build did not ask for them:
        // the file is kept (linked under the new marker's name), this
        // build's new words appended.
        let d = Digest([4; 32]);
        again.put(d, Some(&w));
        again.save(SiteId::of(b"m2"), |_| true);
        let carried = WordCache::load_in(base.clone(), Some(SiteId::of(b"m2")), [9; 32]);
        assert!(carried.get(&a).unwrap().is_some() && carried.get(&d).unwrap().is_some());
        assert_eq!(carried.at.len(), 3);
        let name = |m: &[u8]| crate::seen::cache_file_named(dir.path(), SiteId::of(m), EXT);
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ino = |m: &[u8]| std::fs::metadata(name(m)).unwrap().ino();
            assert_eq!(ino(b"m"), ino(b"m2"));
        }
        // A file mostly of bytes the site no longer has is written anew.
        WordCache::load_in(base.clone(), Some(SiteId::of(b"m2")), [9; 32]).save(SiteId::of(b"m3"), |x| *x == b);
        let lean = WordCache::load_in(base.clone(), Some(SiteId::of(b"m3")), [9; 32]);
        assert_eq!(lean.at.keys().collect::<Vec<_>>(), [&b]);
        assert!(std::fs::metadata(name(b"m3")).unwrap().len() < std::fs::metadata(name(b"m2")).unwrap().len());
        // Another binary splits everything again.
        assert!(WordCache::load_in(base.clone(), Some(SiteId::of(b"m2")), [8; 32]).get(&a).is_none());
        // A cut file is voided whole.
        let file = name(b"m2");
        let bytes = std::fs::read(&file).unwrap();
        std::fs::write(&file, &bytes[..bytes.len() - 1]).unwrap();
        assert!(WordCache::load_in(base, Some(SiteId::of(b"m2")), [9; 32]).at.is_empty());
    }

    #[test]
    fn a_record_out_of_its_bounds_is_not_decoded() {
        let w = crate::codesearch::words("héllo wörld\nab cd\n").unwrap();
        let mut rec = Vec::new();
        w.encode(&mut rec);
        assert!(FileWords::decode(&rec).is_some());
        // Any byte after the counts damaged: decoded or refused, never a
        // panic (a range past its text or inside a character is refused).
        for k in 16..rec.len() {
            let mut bad = rec.clone();
            bad[k] = 0xff;
            let _ = FileWords::decode(&bad);
        }
        assert!(FileWords::decode(&rec[..rec.len() - 1]).is_none());
        let mut split = rec.clone();
        // The first line's shown text ends inside "é" (bytes 1..3 of "héllo").
        let lines_at = 16
            + u32::from_le_bytes(rec[0..4].try_into().unwrap()) as usize
            + u32::from_le_bytes(rec[4..8].try_into().unwrap()) as usize;
        split[lines_at + 8..lines_at + 12].copy_from_slice(&2u32.to_le_bytes());
        assert!(FileWords::decode(&split).is_none());
    }
}
