//! Source files for the file pages (`--source NAME@VERSION=DIR`): each file
//! is read from DIR (never through a symlink), hashed and compared with the
//! manifest; text files up to [`MAX_RENDERED`] whose digest matches are
//! rendered as escaped, line-numbered HTML.

use serde::Serialize;
use std::collections::HashSet;
use std::io::Read;
use std::path::PathBuf;
use vouch_manifests::{Digest, Entry, EntryKind};

/// Files larger than this are "not rendered" (their digest is still checked).
pub const MAX_RENDERED: u64 = 1 << 20;

/// The reviewer's copy of one release's source tree.
#[derive(Debug)]
pub struct SourceTree {
    pub root: PathBuf,
    /// Directories of the manifest that are not real directories in `root`
    /// (missing, symlinks, files).
    pub bad_dirs: HashSet<String>,
}

impl SourceTree {
    /// Checks once which of `dirs` (paths relative to `root`) are real
    /// directories.
    pub fn new(root: PathBuf, dirs: &[&str]) -> SourceTree {
        let bad_dirs = dirs
            .iter()
            .filter(|d| !d.is_empty())
            .filter(|d| !std::fs::symlink_metadata(root.join(d)).is_ok_and(|m| m.is_dir()))
            .map(|d| d.to_string())
            .collect();
        SourceTree { root, bad_dirs }
    }
}

/// What the file page shows about the file's content.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Content {
    /// `rendered`, `empty`, `binary`, `large`, `mismatch`, `missing`,
    /// `symlink` or `submodule`.
    pub state: &'static str,
    /// Whether the copy in the source directory matches the manifest
    /// (`None` when it could not be compared).
    pub matches: Option<bool>,
    /// The digest of the copy in the source directory, when read.
    pub actual_digest: Option<String>,
    /// Why the file could not be compared (missing, a symlink on disk...).
    pub detail: Option<String>,
    /// A symlink's target as found on disk.
    pub actual_target: Option<String>,
    /// Number of lines rendered.
    pub lines: usize,
    /// Escaped, line-numbered HTML of the text (`<pre class="code">`).
    pub code_html: String,
}

fn missing(detail: impl Into<String>) -> Content {
    Content { state: "missing", detail: Some(detail.into()), ..Default::default() }
}

/// Reads and checks one manifest entry in the source tree.
pub fn inspect(tree: &SourceTree, entry: &Entry, buf: &mut [u8]) -> Content {
    let parent = entry.path.parent();
    if !parent.is_empty() {
        let mut p = parent;
        loop {
            if tree.bad_dirs.contains(p) {
                return missing(format!("{p} is not a directory in the source directory (missing or a symlink)"));
            }
            match p.rsplit_once('/') {
                Some((up, _)) => p = up,
                None => break,
            }
        }
    }
    let path = tree.root.join(entry.path.to_path());
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return missing("not in the source directory"),
        Err(e) => return missing(format!("cannot read it: {e}")),
    };
    match entry.kind {
        EntryKind::Submodule => return Content { state: "submodule", ..Default::default() },
        EntryKind::Symlink => {
            if !meta.file_type().is_symlink() {
                return missing("not a symlink in the source directory");
            }
            let target = std::fs::read_link(&path).ok().and_then(|t| t.to_str().map(str::to_string));
            let matches = target.as_deref() == entry.target.as_deref();
            return Content { state: "symlink", matches: Some(matches), actual_target: target, ..Default::default() };
        }
        EntryKind::File | EntryKind::Exec => {}
    }
    if !meta.is_file() {
        return missing("not a regular file in the source directory");
    }
    let Some(want) = entry.digest else { return missing("the manifest has no digest for it") };
    let mut f = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => return missing(format!("cannot open it: {e}")),
    };
    if meta.len() > MAX_RENDERED || entry.size > MAX_RENDERED {
        return match vouch_manifests::digest::hash_reader(f, buf) {
            Ok((d, _)) => Content {
                state: if d == want { "large" } else { "mismatch" },
                matches: Some(d == want),
                actual_digest: Some(d.to_string()),
                ..Default::default()
            },
            Err(e) => missing(format!("cannot read it: {e}")),
        };
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    if let Err(e) = (&mut f).take(MAX_RENDERED + 1).read_to_end(&mut bytes) {
        return missing(format!("cannot read it: {e}"));
    }
    let d = Digest::of(&bytes);
    let mut c = Content { matches: Some(d == want), actual_digest: Some(d.to_string()), ..Default::default() };
    if d != want {
        c.state = "mismatch";
        return c;
    }
    if bytes.is_empty() {
        c.state = "empty";
        return c;
    }
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) if memchr::memchr(0, &bytes).is_none() => t,
        _ => {
            c.state = "binary";
            return c;
        }
    };
    let (html, lines) = code_html(text);
    c.state = "rendered";
    c.code_html = html;
    c.lines = lines;
    c
}

/// Escapes `text` and numbers its lines:
/// `<pre class="code"><code><span id="L1">…</span>\n…</code></pre>`.
/// Characters HTML forbids (C0 controls but tab, LF, FF and CR; DEL; C1
/// controls; noncharacters) are shown as visible symbols.
pub fn code_html(text: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len() + text.len() / 4 + 64);
    out.push_str("<pre class=\"code\"><code>");
    let body = text.strip_suffix('\n').unwrap_or(text);
    let mut n = 0usize;
    let mut num = itoa_buf();
    for line in body.split('\n') {
        n += 1;
        out.push_str("<span id=\"L");
        out.push_str(num.format(n));
        out.push_str("\">");
        escape_text(line, &mut out);
        out.push_str("</span>\n");
    }
    out.push_str("</code></pre>");
    (out, n)
}

struct Num([u8; 20]);
fn itoa_buf() -> Num {
    Num([0; 20])
}
impl Num {
    fn format(&mut self, mut n: usize) -> &str {
        let mut i = self.0.len();
        loop {
            i -= 1;
            self.0[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        std::str::from_utf8(&self.0[i..]).unwrap_or("0")
    }
}

/// Whether HTML forbids this character in a document.
fn forbidden(c: char) -> bool {
    let u = c as u32;
    (u < 0x20 && !matches!(c, '\t' | '\n' | '\x0c' | '\r'))
        || (0x7f..=0x9f).contains(&u)
        || (0xfdd0..=0xfdef).contains(&u)
        || (u & 0xfffe) == 0xfffe
}

/// Escapes text for an HTML text node (`&`, `<`, `>`), showing forbidden
/// characters as symbols.
pub fn escape_text(s: &str, out: &mut String) {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let rep: Option<&str> = match b {
            b'&' => Some("&amp;"),
            b'<' => Some("&lt;"),
            b'>' => Some("&gt;"),
            b'\t' | b'\x0c' | b'\r' => None,
            0..=0x1f | 0x7f => None,
            0x80.. => None,
            _ => {
                i += 1;
                continue;
            }
        };
        if let Some(r) = rep {
            out.push_str(&s[start..i]);
            out.push_str(r);
            i += 1;
            start = i;
            continue;
        }
        // Tab, FF, CR, other controls or non-ASCII: look at the character.
        let c = s[i..].chars().next().unwrap_or('\u{fffd}');
        let len = c.len_utf8();
        if forbidden(c) {
            out.push_str(&s[start..i]);
            out.push_str("<span class=\"ctl\">");
            let u = c as u32;
            if u < 0x20 {
                out.push(char::from_u32(0x2400 + u).unwrap_or('\u{fffd}'));
            } else if u == 0x7f {
                out.push('\u{2421}');
            } else {
                out.push_str(&format!("\\u{{{u:04X}}}"));
            }
            out.push_str("</span>");
            start = i + len;
        }
        i += len;
    }
    out.push_str(&s[start..]);
}

/// Replaces characters HTML forbids with U+FFFD, for untrusted strings put
/// into the context (SBOM fields, comments, report values).
pub fn clean(s: &str) -> String {
    if s.chars().any(forbidden) {
        s.chars().map(|c| if forbidden(c) { '\u{fffd}' } else { c }).collect()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_escaped_and_numbered() {
        let (h, n) = code_html("a<b>&c\n\x1b[0m\u{85}\n");
        assert_eq!(n, 2);
        assert_eq!(
            h,
            "<pre class=\"code\"><code><span id=\"L1\">a&lt;b&gt;&amp;c</span>\n<span id=\"L2\"><span class=\"ctl\">\u{241b}</span>[0m<span class=\"ctl\">\\u{0085}</span></span>\n</code></pre>"
        );
        assert_eq!(clean("a\u{1}b"), "a\u{fffd}b");
    }
}
