//! The code search index: the identifiers and words of every source file
//! rendered with `--source`, one index per release, as classic scripts
//! that `static/search.js` loads by inserting `<script src>` elements (no
//! `fetch` from `file://`), sharded by the first two characters of a word
//! so that a query loads only the shards of its words.
//!
//! ```text
//! search/code/<project>/_releases.js          its releases with an index, newest first
//! search/code/<project>/<version>/files.js    the release's indexed files and shards
//! search/code/<project>/<version>/<xy>.js     the words that start with `xy`
//! search/code/<project>/<version>/def-<xy>.js definitions (universal-ctags), by [`def_shard`]
//! search/code/<project>/<version>/lines-<k>.js the text of the lines kept, of whole files
//! ```
//!
//! A release's scripts depend on that release alone (its files, their
//! bytes, the definitions found in them): adding a release to the site
//! changes none of them, only `_releases.js`. No script names itself or
//! its release: each hands its data to the page that asked for it,
//!
//! ```js
//! (window.VOUCH_CODE = window.VOUCH_CODE || []).push([document.currentScript, DATA]);
//! // _releases.js: [[version, dir, base, defs], ...]     (defs: 1 or 0)
//! // files.js:     [[path, href, ...], ["hi", ..., "def-hi", ...], [first file of each chunk, ...]]
//! // hi.js:        ["hiargs", total, [file, line, file, line, ...], ...]
//! // def-hi.js:    ["hiargs", total, [[file, line, "kind name"], ...], ...]
//! // lines-0.js:   [file, [line, "text", line, "text", ...], ...]
//! ```
//!
//! so identical shards of two releases are identical files. `href` is
//! relative to the release's folder, `""` for `file/<path>.html` spelled
//! as is; `file` indexes the files table. The text of a line is stored
//! once, however many words of it are kept, in the chunk of lines
//! (about [`LINES_CHUNK`] bytes of whole files) that holds its file; the
//! page loads only the chunks of the lines it shows (of every candidate
//! line for a phrase, which is checked against the text). A word is
//! `[A-Za-z_][A-Za-z0-9_]*`, two to 64 characters, keyed in lower case;
//! `text` is the line, trimmed and cut at [`SNIPPET`] bytes. A word keeps
//! its first [`MAX_POSTINGS`] lines per release (in file order) and its
//! total count. Shards are arrays, not objects, so that no word (say
//! `__proto__`) can become a property of anything. Files with a line over
//! [`MAX_LINE`] bytes are taken for minified or generated and skipped;
//! their page says so (as does the page of a file over 1 MiB, never
//! rendered). [`words_of`] gives the words of a file whose page is not
//! rendered in the build, read and checked as the page would be.

use crate::search::js_string;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;

/// A line longer than this marks a file as minified or generated.
pub const MAX_LINE: usize = 1000;
/// Bytes of a line kept to show in a result.
pub const SNIPPET: usize = 160;
/// Lines kept per word and release.
pub const MAX_POSTINGS: usize = 100;
/// Bytes of line text per `lines-<k>.js` chunk, about (a chunk holds
/// whole files, so one file over this is a chunk of its own).
pub const LINES_CHUNK: usize = 32 * 1024;

/// The words of one file, in two buffers (few allocations per file), its
/// own or borrowed from the bytes [`FileWords::encode`] wrote (the user's
/// cache of an earlier build, read once).
#[derive(Debug, Clone, Default)]
pub struct FileWords<'a> {
    /// The words in lower case, one after another.
    text: Cow<'a, str>,
    /// The shown text of each line with a word, one after another.
    shown: Cow<'a, str>,
    /// Line number and the range of its text in `shown`.
    lines: Triples<'a>,
    /// The range of a word in `text` and the index of its line in `lines`
    /// (each word once per line).
    words: Triples<'a>,
}

/// Three `u32` a row: a vector, or little-endian bytes checked to hold
/// whole rows.
#[derive(Debug, Clone)]
enum Triples<'a> {
    Own(Vec<(u32, u32, u32)>),
    Le(&'a [u8]),
}

impl Default for Triples<'_> {
    fn default() -> Self {
        Triples::Own(Vec::new())
    }
}

impl Triples<'_> {
    fn len(&self) -> usize {
        match self {
            Triples::Own(v) => v.len(),
            Triples::Le(b) => b.len() / 12,
        }
    }

    /// Row `k` (below [`Triples::len`]).
    fn get(&self, k: usize) -> (u32, u32, u32) {
        match self {
            Triples::Own(v) => v[k],
            Triples::Le(b) => {
                let r: &[u8; 12] = b[12 * k..12 * k + 12].try_into().unwrap_or(&[0; 12]);
                let n = |at: usize| u32::from_le_bytes([r[at], r[at + 1], r[at + 2], r[at + 3]]);
                (n(0), n(4), n(8))
            }
        }
    }
}

impl FileWords<'_> {
    /// Each word (lower case) with its line number and shown text.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u32, &str)> + '_ {
        (0..self.words.len()).map(|k| {
            let (a, b, li) = self.words.get(k);
            let (n, s, e) = self.lines.get(li as usize);
            (&self.text[a as usize..b as usize], n, &self.shown[s as usize..e as usize])
        })
    }

    /// Appends this file's words to `out` in the form [`FileWords::decode`]
    /// reads: four little-endian `u32` counts (bytes of `text`, bytes of
    /// `shown`, lines, words), the two texts, then three `u32` per line and
    /// per word.
    pub fn encode(&self, out: &mut Vec<u8>) {
        for n in [self.text.len(), self.shown.len(), self.lines.len(), self.words.len()] {
            out.extend_from_slice(&(n as u32).to_le_bytes());
        }
        out.extend_from_slice(self.text.as_bytes());
        out.extend_from_slice(self.shown.as_bytes());
        for t in [&self.lines, &self.words] {
            for k in 0..t.len() {
                let (a, b, c) = t.get(k);
                for n in [a, b, c] {
                    out.extend_from_slice(&n.to_le_bytes());
                }
            }
        }
    }
}

impl<'a> FileWords<'a> {
    /// Reads what [`FileWords::encode`] wrote, all of `b`, borrowing it;
    /// `None` unless every count, text and range holds (both texts UTF-8,
    /// each range inside its text on character boundaries, each word's
    /// line there).
    pub fn decode(b: &'a [u8]) -> Option<FileWords<'a>> {
        let u32_at = |b: &[u8], at: usize| -> Option<u32> {
            Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
        };
        let [t, s, l, w] = [0, 4, 8, 12].map(|at| u32_at(b, at).map(|n| n as usize));
        let (t, s, l, w) = (t?, s?, l?, w?);
        let texts = 16usize.checked_add(t)?.checked_add(s)?;
        let mid = l.checked_mul(12)?.checked_add(texts)?;
        let end = w.checked_mul(12)?.checked_add(mid)?;
        if end != b.len() {
            return None;
        }
        let text = std::str::from_utf8(&b[16..16 + t]).ok()?;
        let shown = std::str::from_utf8(&b[16 + t..texts]).ok()?;
        let (lines, words) = (Triples::Le(&b[texts..mid]), Triples::Le(&b[mid..end]));
        let within = |x: &str, a: u32, e: u32| a <= e && x.get(a as usize..e as usize).is_some();
        let ok = (0..l).map(|k| lines.get(k)).all(|(_, a, e)| within(shown, a, e))
            && (0..w).map(|k| words.get(k)).all(|(a, e, li)| within(text, a, e) && (li as usize) < l);
        ok.then_some(FileWords { text: Cow::Borrowed(text), shown: Cow::Borrowed(shown), lines, words })
    }
}

/// Where the words of a file are gathered (see [`SCRATCH`]).
#[derive(Default)]
struct Scratch {
    text: String,
    shown: String,
    lines: Vec<(u32, u32, u32)>,
    words: Vec<(u32, u32, u32)>,
}

thread_local! {
    /// Per-thread scratch space: the words of a file are gathered here and
    /// copied out once at their exact size, so that the index kept until
    /// the end holds no spare capacity and growing vectors do not fragment
    /// the heap.
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// The words of `text`, or why it is not indexed (`minified`).
pub fn words(text: &str) -> Result<FileWords<'static>, &'static str> {
    SCRATCH.with(|s| {
        let mut fw = s.borrow_mut();
        fw.text.clear();
        fw.shown.clear();
        fw.lines.clear();
        fw.words.clear();
        gather(text, &mut fw)?;
        Ok(FileWords {
            text: Cow::Owned(fw.text.as_str().to_owned()),
            shown: Cow::Owned(fw.shown.as_str().to_owned()),
            lines: Triples::Own(fw.lines.as_slice().to_vec()),
            words: Triples::Own(fw.words.as_slice().to_vec()),
        })
    })
}

fn gather(text: &str, fw: &mut Scratch) -> Result<(), &'static str> {
    let mut seen: Vec<(u32, u32)> = Vec::new();
    for (n, line) in text.split('\n').enumerate() {
        if line.len() > MAX_LINE {
            return Err("minified");
        }
        let b = line.as_bytes();
        let mut i = 0;
        seen.clear();
        let mut line_idx = None;
        while i < b.len() {
            let c = b[i];
            if !(c.is_ascii_alphabetic() || c == b'_') {
                // Skip a number or any other byte; never start a word
                // inside one.
                i += 1;
                while i < b.len() && c.is_ascii_digit() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                continue;
            }
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let w = &b[start..i];
            if w.len() < 2 || w.len() > 64 {
                continue;
            }
            if seen.iter().any(|&(a, e)| fw.text.as_bytes()[a as usize..e as usize].eq_ignore_ascii_case(w)) {
                continue;
            }
            let li = *line_idx.get_or_insert_with(|| {
                let t = line.trim();
                let mut end = t.len().min(SNIPPET);
                while !t.is_char_boundary(end) {
                    end -= 1;
                }
                let s0 = fw.shown.len() as u32;
                fw.shown.push_str(&t[..end]);
                fw.lines.push(((n + 1) as u32, s0, fw.shown.len() as u32));
                (fw.lines.len() - 1) as u32
            });
            let a = fw.text.len() as u32;
            for &x in w {
                fw.text.push(x.to_ascii_lowercase() as char);
            }
            let e = fw.text.len() as u32;
            seen.push((a, e));
            fw.words.push((a, e, li));
        }
    }
    Ok(())
}

/// A small, fast hash for the word maps (FxHash's mixing): the keys are
/// the site's own words, not chosen to collide by anyone who could gain
/// from it beyond a slower build.
#[derive(Default, Clone, Copy)]
struct Fx(u64);

impl std::hash::Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        for &x in chunks.remainder() {
            h = (h.rotate_left(5) ^ x as u64).wrapping_mul(K);
        }
        self.0 = h;
    }
}

type FxMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fx>>;

/// One release's indexed files, in the order given.
pub struct ReleaseFiles<'a> {
    /// Path, page (relative to the release's folder), words and
    /// definitions of each file.
    pub files: Vec<(String, String, FileWords<'a>, &'a [crate::tags::Tag])>,
}

/// The first line of every script of the index: the script hands its data
/// to `static/search.js`, which knows which script it asked for.
const PUSH: &str = "(window.VOUCH_CODE = window.VOUCH_CODE || []).push([document.currentScript, ";
const END: &str = "]);\n";

/// One script: `data` (a JSON array) handed over by [`PUSH`].
fn script(capacity: usize) -> String {
    let mut s = String::with_capacity(capacity + PUSH.len() + END.len());
    s.push_str(PUSH);
    s
}

/// Where a release's code index is listed for the search page.
pub struct ReleaseEntry<'a> {
    pub version: &'a str,
    /// Its code index folder (`search/code/<project>/<version>/`).
    pub dir: &'a str,
    /// Its folder (`r/<project>/<version>/`), which file pages are under.
    pub base: &'a str,
    /// Whether its definitions are indexed (universal-ctags ran).
    pub defs: bool,
}

/// `releases.js` of a project: its releases with a code index, newest
/// first, as `[[version, dir, base, defs], ...]` (`defs` is 1 or 0).
pub fn releases_script(releases: &[ReleaseEntry<'_>]) -> String {
    let mut s = script(64 * releases.len() + 4);
    s.push('[');
    for (k, r) in releases.iter().enumerate() {
        if k > 0 {
            s.push(',');
        }
        s.push_str("\n[");
        js_string(r.version, &mut s);
        s.push(',');
        js_string(r.dir, &mut s);
        s.push(',');
        js_string(r.base, &mut s);
        s.push_str(if r.defs { ",1]" } else { ",0]" });
    }
    s.push(']');
    s.push_str(END);
    s
}

/// The scripts of one release's code index: (file name in its folder,
/// content). They depend on the release's files alone, so adding another
/// release to the site changes none of them.
pub fn release_scripts(rel: &ReleaseFiles<'_>) -> Vec<(String, String)> {
    let mut files = script(64 * rel.files.len());
    files.push_str("[[");
    // Words get ids; postings go into one vector (no vector per word),
    // grouped by word afterwards with a counting sort.
    type Posting<'a> = (u32, u32, &'a str);
    let mut ids: FxMap<&str, u32> = FxMap::default();
    let mut by_id: Vec<(&str, u64)> = Vec::new(); // word, total
    let mut flat: Vec<(u32, Posting<'_>)> = Vec::new();
    // definition name in lower case -> (total, [(file, line, "kind name")])
    type Definitions = HashMap<String, (u64, Vec<(u32, u32, String)>)>;
    let mut defs: Definitions = HashMap::new();
    for (f, (path, href, fw, tags)) in rel.files.iter().enumerate() {
        for t in tags.iter() {
            let e = defs.entry(t.name.to_lowercase()).or_default();
            e.0 += 1;
            if e.1.len() < MAX_POSTINGS {
                let what = match &t.scope {
                    Some(sc) => format!("{} {sc}::{}", t.kind, t.name),
                    None => format!("{} {}", t.kind, t.name),
                };
                e.1.push((f as u32, t.line, crate::source::clean(&what)));
            }
        }
        if f > 0 {
            files.push(',');
        }
        if f & 31 == 0 {
            files.push('\n');
        }
        js_string(path, &mut files);
        files.push(',');
        // `""` when the page is `file/<path>.html` spelled as is (most).
        let plain = href.strip_prefix("file/").and_then(|x| x.strip_suffix(".html")).is_some_and(|x| x == path);
        js_string(if plain { "" } else { href }, &mut files);
        for (w, line, text) in fw.iter() {
            let id = *ids.entry(w).or_insert_with(|| {
                by_id.push((w, 0));
                (by_id.len() - 1) as u32
            });
            let e = &mut by_id[id as usize];
            e.1 += 1;
            if e.1 <= MAX_POSTINGS as u64 {
                flat.push((id, (f as u32, line, text)));
            }
        }
    }
    files.push_str("],\n[");
    drop(ids);
    // The text of each line kept, once, in chunks of whole files.
    let mut kept: Vec<Posting<'_>> = flat.iter().map(|(_, p)| *p).collect();
    kept.sort_unstable_by_key(|&(f, line, _)| (f, line));
    kept.dedup_by_key(|&mut (f, line, _)| (f, line));
    // Chunk boundaries first (a chunk starts at a file, once the previous
    // one holds LINES_CHUNK bytes), then the chunks, in parallel.
    let mut bounds: Vec<usize> = Vec::new();
    let mut bytes = usize::MAX;
    for (k, &(f, _, text)) in kept.iter().enumerate() {
        if (k == 0 || kept[k - 1].0 != f) && bytes >= LINES_CHUNK {
            bounds.push(k);
            bytes = 0;
        }
        bytes += text.len() + 8;
    }
    bounds.push(kept.len());
    let chunks: Vec<(u32, String)> = bounds
        .par_windows(2)
        .map(|w| {
            let part = &kept[w[0]..w[1]];
            let mut c = script(LINES_CHUNK + 1024);
            c.push('[');
            for (k, &(f, line, text)) in part.iter().enumerate() {
                if k == 0 || part[k - 1].0 != f {
                    if k > 0 {
                        c.push_str("],");
                    }
                    let _ = write!(c, "\n{f},[");
                } else {
                    c.push(',');
                }
                let _ = write!(c, "{line},");
                js_string(text, &mut c);
            }
            c.push_str("]]");
            c.push_str(END);
            (part[0].0, c)
        })
        .collect();
    drop(kept);
    // Counting sort of the postings by word id (stable: file and line
    // order kept within a word).
    let mut start = vec![0usize; by_id.len() + 1];
    for (id, _) in &flat {
        start[*id as usize + 1] += 1;
    }
    for k in 0..by_id.len() {
        start[k + 1] += start[k];
    }
    let mut at = start.clone();
    let mut sorted: Vec<Posting<'_>> = vec![(0, 0, ""); flat.len()];
    for (id, p) in flat {
        sorted[at[id as usize]] = p;
        at[id as usize] += 1;
    }
    let mut shards: FxMap<&str, Vec<(&str, u32)>> = FxMap::default();
    for (id, (w, _)) in by_id.iter().enumerate() {
        shards.entry(&w[..2]).or_default().push((w, id as u32));
    }
    let mut out = vec![("files.js".to_string(), files)];
    let mut names: Vec<&&str> = shards.keys().collect();
    names.sort();
    let words: Vec<(String, String)> = names
        .par_iter()
        .map(|shard| {
            let mut ws = shards[**shard].clone();
            ws.sort_unstable();
            let mut s = script(1024);
            s.push('[');
            for (k, (w, id)) in ws.iter().enumerate() {
                let total = by_id[*id as usize].1;
                let postings = &sorted[start[*id as usize]..start[*id as usize + 1]];
                if k > 0 {
                    s.push(',');
                }
                s.push('\n');
                js_string(w, &mut s);
                let _ = write!(s, ",{total},[");
                for (p, (f, line, _)) in postings.iter().enumerate() {
                    if p > 0 {
                        s.push(',');
                    }
                    let _ = write!(s, "{f},{line}");
                }
                s.push(']');
            }
            s.push(']');
            s.push_str(END);
            (format!("{shard}.js"), s)
        })
        .collect();
    out.extend(words);
    // Definitions: `def-<xy>.js`, shard by [`def_shard`].
    let mut dshards: HashMap<String, Vec<&String>> = HashMap::new();
    for name in defs.keys() {
        dshards.entry(def_shard(name)).or_default().push(name);
    }
    let mut dnames: Vec<&String> = dshards.keys().collect();
    dnames.sort();
    for shard in dnames {
        let mut ns = dshards[shard].clone();
        ns.sort_unstable();
        let mut s = script(1024);
        s.push('[');
        for (k, name) in ns.iter().enumerate() {
            let (total, postings) = &defs[*name];
            if k > 0 {
                s.push(',');
            }
            s.push('\n');
            js_string(name, &mut s);
            let _ = write!(s, ",{total},[");
            for (p, (f, line, what)) in postings.iter().enumerate() {
                if p > 0 {
                    s.push(',');
                }
                let _ = write!(s, "[{f},{line},");
                js_string(what, &mut s);
                s.push(']');
            }
            s.push(']');
        }
        s.push(']');
        s.push_str(END);
        out.push((format!("def-{shard}.js"), s));
    }
    // The files table also lists the shards, so that a query never asks
    // for one that is not there.
    let mut list = String::with_capacity(out.len() * 8 + 64);
    for (k, (name, _)) in out.iter().skip(1).enumerate() {
        if k > 0 {
            list.push(',');
        }
        if k & 31 == 0 {
            list.push('\n');
        }
        js_string(name.strip_suffix(".js").unwrap_or(name), &mut list);
    }
    list.push_str("],\n[");
    for (k, (first, _)) in chunks.iter().enumerate() {
        if k > 0 {
            list.push(',');
        }
        let _ = write!(list, "{first}");
    }
    list.push_str("]]");
    list.push_str(END);
    out[0].1.push_str(&list);
    out.extend(chunks.into_iter().enumerate().map(|(k, (_, c))| (format!("lines-{k}.js"), c)));
    out
}

/// The code search's words of one manifest entry, read and checked as the
/// file page does ([`crate::source::inspect`]: bounded, a regular file
/// never reached through a symlink, its digest the manifest's), for a file
/// whose page is not rendered in this build; `None` when its page would
/// say it is not indexed.
pub fn words_of(
    tree: &crate::source::SourceTree,
    entry: &vouch_manifests::Entry,
    buf: &mut [u8],
) -> Option<FileWords<'static>> {
    if entry.size() > crate::source::MAX_RENDERED {
        // Never indexed: not read (its page, when rendered, hashes it).
        return None;
    }
    let mut c = crate::source::check(tree, entry, buf, None);
    if let Some(d) = entry.digest() {
        c.load(d);
    }
    c.words()?.ok()
}

/// The shard of a definition name (in lower case): its first two
/// characters, each kept when an ASCII letter, digit or `_` and `_`
/// otherwise, padded with `_` (static/search.js computes the same).
pub fn def_shard(name: &str) -> String {
    let mut s: String = name
        .chars()
        .take(2)
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c.to_ascii_lowercase() } else { '_' })
        .collect();
    while s.len() < 2 {
        s.push('_');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_shards() {
        let fw = words("pub struct HiArgs {\n  n: u32, // 123abc x\n}\nlet hi = HiArgs::new(hiargs);\n").unwrap();
        let ws: Vec<(&str, u32)> = fw.iter().map(|(w, l, _)| (w, l)).collect();
        assert_eq!(
            ws,
            vec![
                ("pub", 1),
                ("struct", 1),
                ("hiargs", 1),
                ("u32", 2),
                ("let", 4),
                ("hi", 4),
                ("hiargs", 4),
                ("new", 4),
            ]
        );
        assert_eq!(fw.iter().next().unwrap().2, "pub struct HiArgs {");
        assert_eq!(words(&"x".repeat(MAX_LINE + 1)).unwrap_err(), "minified");
        let tags = [crate::tags::Tag { name: "HiArgs".into(), kind: "struct".into(), line: 1, scope: None }];
        let rel = ReleaseFiles {
            files: vec![
                ("a.rs".into(), "file/a.rs.html".into(), fw, &tags[..]),
                ("b c".into(), "file/b~20c.html".into(), words("hi there\n").unwrap(), &[]),
            ],
        };
        let scripts = release_scripts(&rel);
        let names: Vec<&str> = scripts.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["files.js", "hi.js", "le.js", "ne.js", "pu.js", "st.js", "th.js", "u3.js", "def-hi.js", "lines-0.js"]
        );
        let data = |js: &str| -> serde_json::Value {
            let rest = js.strip_prefix(PUSH).unwrap().strip_suffix(END).unwrap();
            serde_json::from_str(rest).unwrap()
        };
        assert_eq!(data(&scripts[8].1), serde_json::json!(["hiargs", 1, [[0, 1, "struct HiArgs"]]]));
        // The files table: a page spelled as its path is `""`; the shards there are.
        let files = data(&scripts[0].1);
        assert_eq!(files[0], serde_json::json!(["a.rs", "", "b c", "file/b~20c.html"]));
        assert_eq!(files[1], serde_json::json!(["hi", "le", "ne", "pu", "st", "th", "u3", "def-hi"]));
        // One chunk of lines, from file 0: each line's text once.
        assert_eq!(files[2], serde_json::json!([0]));
        assert_eq!(
            data(&scripts[9].1),
            serde_json::json!([
                0,
                [1, "pub struct HiArgs {", 2, "n: u32, // 123abc x", 4, "let hi = HiArgs::new(hiargs);"],
                1,
                [1, "hi there"]
            ])
        );
        let list = releases_script(&[
            ReleaseEntry { version: "1.1.0", dir: "search/code/p/1.1.0/", base: "r/p/1.1.0/", defs: true },
            ReleaseEntry { version: "1.0.0", dir: "search/code/p/1.0.0/", base: "r/p/1.0.0/", defs: false },
        ]);
        assert_eq!(data(&list)[1], serde_json::json!(["1.0.0", "search/code/p/1.0.0/", "r/p/1.0.0/", 0]));
        assert_eq!(def_shard("operator+"), "op");
        assert_eq!(def_shard("x"), "x_");
        assert_eq!(def_shard("é"), "__");
        let v = &data(&scripts[1].1);
        assert_eq!(v[0], "hi");
        assert_eq!(v[3], "hiargs");
        assert_eq!(v[4], 2);
        // Lines are chunked by whole files.
        let many: Vec<(String, String, FileWords, &[crate::tags::Tag])> = (0..3)
            .map(|k| {
                // Lines of about 150 bytes, each kept (a word of its own).
                let text: String = (0..100 * (k + 1)).map(|n| format!("w{k}_{n} {}\n", "ab ".repeat(48))).collect();
                (format!("f{k}"), format!("file/f{k}.html"), words(&text).unwrap(), &[][..])
            })
            .collect();
        let scripts = release_scripts(&ReleaseFiles { files: many });
        assert_eq!(data(&scripts[0].1)[2], serde_json::json!([0, 2]));
        assert!(scripts.iter().any(|(n, _)| n == "lines-1.js"));
        assert_eq!(v[2], serde_json::json!([0, 4, 1, 1]));
        assert_eq!(v[5], serde_json::json!([0, 1, 0, 4]));
    }

    #[test]
    fn words_of_reads_only_what_matches_the_manifest() {
        use vouch_manifests::{Digest, Entry, model::path::RelPath};
        let d = tempfile::tempdir().unwrap();
        let text = b"fn hello_world() {}\n";
        std::fs::create_dir_all(d.path().join("src")).unwrap();
        std::fs::write(d.path().join("src/a.rs"), text).unwrap();
        std::fs::write(d.path().join("bin"), b"\0\x01hello").unwrap();
        std::os::unix::fs::symlink(d.path().join("src/a.rs"), d.path().join("link.rs")).unwrap();
        let tree = crate::source::SourceTree::new(d.path().to_path_buf(), &["src"]);
        let entry = |path: &str, bytes: &[u8]| Entry::File {
            path: RelPath::new(path).unwrap(),
            size: bytes.len() as u64,
            digest: Digest::of(bytes),
            exec: false,
        };
        let mut buf = vec![0u8; 4096];
        let w = words_of(&tree, &entry("src/a.rs", text), &mut buf).expect("indexed");
        let ws: Vec<&str> = w.iter().map(|(w, _, _)| w).collect();
        assert_eq!(ws, ["fn", "hello_world"]);
        // The bytes on disk differ from the manifest's: not indexed.
        assert!(words_of(&tree, &entry("src/a.rs", b"fn other() {}\n"), &mut buf).is_none());
        // Never through a symlink, never a binary file, never a missing one.
        assert!(words_of(&tree, &entry("link.rs", text), &mut buf).is_none());
        assert!(words_of(&tree, &entry("bin", b"\0\x01hello"), &mut buf).is_none());
        assert!(words_of(&tree, &entry("src/none.rs", text), &mut buf).is_none());
    }
}
