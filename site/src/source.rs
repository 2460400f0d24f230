//! Source files for the file pages (`--source NAME@VERSION=DIR`): each file
//! is read from DIR (never through a symlink), hashed and compared with the
//! manifest; text files up to [`MAX_RENDERED`] whose digest matches are
//! rendered as escaped, line-numbered HTML.

use crate::highlight::Lang;
use serde::Serialize;
use std::collections::HashSet;
use std::io::Read;
use std::path::PathBuf;
use vouch_manifests::tree::fsutil::FileStamp;
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
    /// A handle on each real directory, while [`DIR_HANDLES`] lasts: its
    /// files are looked at by name in it, not by a path walked from `/`
    /// for each (a release of 50,000 files in 1,500 folders).
    #[cfg(unix)]
    dirs: std::collections::HashMap<String, rustix::fd::OwnedFd>,
}

/// How many directory handles the source trees of a build hold at once:
/// an eighth of the open-file limit (see `reuse::handle_budget`), so that
/// what the site's folders hold and the files being read still fit.
#[cfg(unix)]
static DIR_HANDLES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl SourceTree {
    /// Checks once which of `dirs` (paths relative to `root`, `""` for
    /// itself) are real directories, and opens them.
    pub fn new(root: PathBuf, dirs: &[&str]) -> SourceTree {
        #[cfg(unix)]
        let mut handles = std::collections::HashMap::new();
        let mut bad_dirs = HashSet::new();
        #[cfg(unix)]
        let budget = crate::reuse::handle_budget() / 2;
        for &d in dirs {
            #[cfg(unix)]
            if let Some(opened) = open_dir_handle(&root, &handles, d, budget) {
                match opened {
                    Some(fd) => {
                        handles.insert(d.to_string(), fd);
                    }
                    None if !d.is_empty() => {
                        bad_dirs.insert(d.to_string());
                    }
                    None => {}
                }
                continue;
            }
            if !d.is_empty() && !std::fs::symlink_metadata(root.join(d)).is_ok_and(|m| m.is_dir()) {
                bad_dirs.insert(d.to_string());
            }
        }
        SourceTree {
            root,
            bad_dirs,
            #[cfg(unix)]
            dirs: handles,
        }
    }

    /// What `entry`'s path names in the tree, not following a symlink
    /// (the caller has checked the folders above it).
    fn lstat(&self, entry: &Entry, path: &std::path::Path) -> std::io::Result<Before> {
        #[cfg(unix)]
        if let Some(fd) = self.dirs.get(entry.path().parent()) {
            use rustix::fs::{AtFlags, FileType, StatxFlags};
            let x = rustix::fs::statx(fd, entry.path().file_name(), AtFlags::SYMLINK_NOFOLLOW, StatxFlags::BASIC_STATS)
                .map_err(|e| std::io::Error::from_raw_os_error(e.raw_os_error()))?;
            let kind = FileType::from_raw_mode(u32::from(x.stx_mode));
            let ns = |t: rustix::fs::StatxTimestamp| i128::from(t.tv_sec) * 1_000_000_000 + i128::from(t.tv_nsec);
            let file = kind == FileType::RegularFile;
            return Ok(Before {
                file,
                symlink: kind == FileType::Symlink,
                len: x.stx_size,
                // As `FileStamp::of` reads the same file's metadata.
                stamp: file.then(|| FileStamp {
                    dev: rustix::fs::makedev(x.stx_dev_major, x.stx_dev_minor),
                    ino: x.stx_ino,
                    size: x.stx_size,
                    mtime: ns(x.stx_mtime),
                    ctime: ns(x.stx_ctime),
                }),
            });
        }
        let m = std::fs::symlink_metadata(path)?;
        Ok(Before { file: m.is_file(), symlink: m.file_type().is_symlink(), len: m.len(), stamp: FileStamp::of(&m) })
    }
}

/// Opens the folder `d` of `root` (`""` for itself) as a handle, counted
/// in [`DIR_HANDLES`]: `None` once `budget` handles are held, else the
/// handle, or `None` inside if it is not a real folder. Never through a
/// symlink, but for the root the reviewer named; by name in its parent's
/// handle when `held` has it (parents come first), so no path is walked
/// again.
#[cfg(unix)]
fn open_dir_handle(
    root: &std::path::Path,
    held: &std::collections::HashMap<String, rustix::fd::OwnedFd>,
    d: &str,
    budget: usize,
) -> Option<Option<rustix::fd::OwnedFd>> {
    use rustix::fs::{Mode, OFlags};
    use std::sync::atomic::Ordering::Relaxed;
    if DIR_HANDLES.fetch_add(1, Relaxed) >= budget {
        DIR_HANDLES.fetch_sub(1, Relaxed);
        return None;
    }
    let follow = if d.is_empty() { OFlags::empty() } else { OFlags::NOFOLLOW };
    let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC | follow;
    let (parent, name) = d.rsplit_once('/').unwrap_or(("", d));
    let opened = match held.get(parent).filter(|_| !d.is_empty()) {
        Some(up) => rustix::fs::openat(up, name, flags, Mode::empty()),
        None => rustix::fs::open(root.join(d), flags, Mode::empty()),
    };
    if opened.is_err() {
        DIR_HANDLES.fetch_sub(1, Relaxed);
    }
    Some(opened.ok())
}

#[cfg(unix)]
impl Drop for SourceTree {
    fn drop(&mut self) {
        DIR_HANDLES.fetch_sub(self.dirs.len(), std::sync::atomic::Ordering::Relaxed);
    }
}

/// What a file of a source tree was before it was read.
#[derive(Debug)]
struct Before {
    file: bool,
    symlink: bool,
    len: u64,
    stamp: Option<FileStamp>,
}

/// What the file page shows about the file's content.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Content {
    /// `rendered`, `empty`, `binary`, `large`, `mismatch`, `missing`,
    /// `symlink` or `submodule`.
    pub state: &'static str,
    /// Whether the copy shown (this entry's in its source directory, or
    /// the first copy of the same digest, see [`shown`]) matches the manifest
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
    /// The line-number links beside the code (`<a href="#L<n>">`), one a line.
    pub gutter_html: String,
    /// How many bidirectional or invisible characters the text holds (each
    /// shown as a visible mark).
    pub marks: usize,
    /// The language the code is highlighted as, if any.
    pub language: Option<&'static str>,
    /// Whether the text is in the code search: `indexed`, or why not
    /// (`minified`); empty when not rendered.
    pub search: &'static str,
    /// The words for the code search (taken out before rendering).
    #[serde(skip)]
    pub words: Option<crate::codesearch::FileWords<'static>>,
}

impl Content {
    /// Feeds every field a page is shown to a page key, as its JSON would
    /// hold them, without making the JSON (most pages are not rendered).
    pub(crate) fn key(&self, h: &mut crate::reuse::KeyHasher) {
        let Content {
            state,
            matches,
            actual_digest,
            detail,
            actual_target,
            lines,
            code_html,
            gutter_html,
            marks,
            language,
            search,
            words: _,
        } = self;
        h.bytes(state.as_bytes()).maybe(matches.map(|m| if m { &b"1"[..] } else { &b"0"[..] }));
        h.maybe(actual_digest.as_deref().map(str::as_bytes)).maybe(detail.as_deref().map(str::as_bytes));
        h.maybe(actual_target.as_deref().map(str::as_bytes)).bytes(&(*lines as u64).to_le_bytes());
        h.bytes(code_html.as_bytes()).bytes(gutter_html.as_bytes()).bytes(&(*marks as u64).to_le_bytes());
        h.maybe(language.map(str::as_bytes)).bytes(search.as_bytes());
    }
}

fn missing(detail: impl Into<String>) -> Checked {
    Content { state: "missing", detail: Some(detail.into()), ..Default::default() }.into()
}

/// A manifest entry read from the source tree and checked against the
/// manifest, before it is rendered: what the page says of the copy, and
/// the bytes of a matching file small enough to render.
#[derive(Debug, Default)]
pub struct Checked {
    pub content: Content,
    bytes: Option<Vec<u8>>,
    /// A file known to hold the manifest's bytes but not read yet (known
    /// unchanged since the previous build, see `seen`, or another copy of
    /// the same bytes, see [`Copy`]): read by [`Checked::load`] when needed.
    unread: Option<Copy>,
    /// The copy found to hold the manifest's bytes, for other entries with
    /// the same digest (see [`shown`]).
    copy: Option<Copy>,
}

/// A regular file in a source directory found, in this build, to hold the
/// bytes of a manifest digest.
#[derive(Debug, Clone)]
pub struct Copy {
    /// Shared by every entry shown from this copy (most of a release's
    /// files are shown from the copy of an earlier one).
    path: std::sync::Arc<std::path::Path>,
    len: u64,
    /// Its stamp when it was hashed or known (see `seen`), when settled: a
    /// read that sees the same stamp before and after reads those bytes.
    stamp: Option<FileStamp>,
}

impl Copy {
    fn of(path: &std::path::Path, m: &Before, now: i128) -> Copy {
        let stamp = m.stamp.filter(|s| s.settled(now));
        Copy { path: path.into(), len: m.len, stamp }
    }
}

impl Checked {
    /// The text to render and index: the bytes of a matching, non-empty
    /// file when they are UTF-8 without NUL.
    pub fn text(&self) -> Option<&str> {
        let b = self.bytes.as_deref()?;
        if memchr::memchr(0, b).is_some() {
            return None;
        }
        std::str::from_utf8(b).ok()
    }

    /// The code search's words of the text, or why it is not indexed.
    pub fn words(&self) -> Option<Result<crate::codesearch::FileWords<'static>, &'static str>> {
        self.text().map(crate::codesearch::words)
    }
}

impl Checked {
    /// Whether it is a file to render (text, or binary once read).
    pub fn has_bytes(&self) -> bool {
        self.bytes.is_some() || self.unread.is_some()
    }

    /// Whether it is a file known to hold the manifest's bytes, not read
    /// yet (see [`Checked::load`]).
    pub fn unread(&self) -> bool {
        self.unread.is_some()
    }

    /// The copy found to hold the manifest's bytes, if this entry's is one.
    pub fn copy(&self) -> Option<&Copy> {
        self.copy.as_ref()
    }

    /// Reads a file known to hold the manifest's bytes but not read yet;
    /// a no-op for anything else. Its digest is checked again (it may have
    /// changed since), unless its stamp, settled when it was known, is the
    /// same before and after the read: then no write reached it since.
    pub fn load(&mut self, want: Digest) {
        let Some(copy) = self.unread.take() else { return };
        let read = vouch_manifests::tree::fsutil::open_nofollow(&copy.path).and_then(|mut f| {
            let before = f.metadata()?;
            if !before.is_file() {
                return Err(std::io::Error::other("not a regular file in the source directory"));
            }
            let mut bytes = Vec::with_capacity(before.len() as usize + 1);
            (&mut f).take(MAX_RENDERED + 1).read_to_end(&mut bytes)?;
            let same = copy.stamp.is_some_and(|s| {
                FileStamp::of(&before) == Some(s) && f.metadata().ok().and_then(|m| FileStamp::of(&m)) == Some(s)
            });
            Ok((bytes, same))
        });
        match read {
            Ok((bytes, true)) => self.bytes = Some(bytes),
            Ok((bytes, false)) if Digest::of(&bytes) == want => self.bytes = Some(bytes),
            Ok((bytes, false)) => {
                let d = Digest::of(&bytes);
                self.content = Content {
                    state: "mismatch",
                    matches: Some(false),
                    actual_digest: Some(d.to_string()),
                    ..Default::default()
                };
            }
            Err(e) => self.content = missing(format!("cannot read it: {e}")).content,
        }
    }
}

impl From<Content> for Checked {
    fn from(content: Content) -> Checked {
        Checked { content, bytes: None, unread: None, copy: None }
    }
}

/// An entry whose digest another entry's copy, checked in this build,
/// was found to hold: it shows those bytes (read when needed), and its own
/// copy is not read. What it says is what [`check`] says of a copy that
/// matches.
pub fn shown(entry: &Entry, copy: &Copy) -> Checked {
    let c = Content { matches: Some(true), actual_digest: entry.digest().map(|d| d.to_string()), ..Default::default() };
    match copy.len {
        0 => Content { state: "empty", ..c }.into(),
        n if n > MAX_RENDERED || entry.size() > MAX_RENDERED => Content { state: "large", ..c }.into(),
        _ => Checked { content: c, bytes: None, unread: Some(copy.clone()), copy: None },
    }
}

/// Reads and checks one manifest entry in the source tree, and renders it.
pub fn inspect(tree: &SourceTree, entry: &Entry, buf: &mut [u8]) -> Content {
    render(check(tree, entry, buf, None), entry)
}

/// Reads and checks one manifest entry in the source tree (see
/// [`Checked`]); with `seen`, a file unchanged on disk since the previous
/// build is not read again, and what is read is recorded.
pub fn check(tree: &SourceTree, entry: &Entry, buf: &mut [u8], seen: Option<&crate::seen::Seen>) -> Checked {
    let parent = entry.path().parent();
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
    let path = tree.root.join(entry.path().to_path());
    match entry.kind() {
        EntryKind::Submodule => {
            return Content { state: "submodule", ..Default::default() }.into();
        }
        EntryKind::Symlink => {
            let meta = match std::fs::symlink_metadata(&path) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return missing("not in the source directory"),
                Err(e) => return missing(format!("cannot read it: {e}")),
            };
            if !meta.file_type().is_symlink() {
                return missing("not a symlink in the source directory");
            }
            let target = std::fs::read_link(&path).ok().and_then(|t| t.to_str().map(str::to_string));
            let matches = target.as_deref() == entry.target();
            return Content { state: "symlink", matches: Some(matches), actual_target: target, ..Default::default() }
                .into();
        }
        EntryKind::File | EntryKind::Exec => {}
    }
    let Some(want) = entry.digest() else {
        return missing("the manifest has no digest for it");
    };
    // Never open anything but a regular file (a device's driver would run).
    let before = match tree.lstat(entry, &path) {
        Ok(m) if m.file => m,
        Ok(m) if m.symlink => return missing("a symlink in the source directory, not a file"),
        Ok(_) => return missing("not a regular file in the source directory"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return missing("not in the source directory"),
        Err(e) => return missing(format!("cannot read it: {e}")),
    };
    let now = seen.map_or_else(FileStamp::now, |s| s.now());
    if let Some(d) = seen.zip(before.stamp).and_then(|(s, stamp)| s.known(stamp)).map(Digest)
        && d == want
    {
        let copy = Copy::of(&path, &before, now);
        let mut c = shown(entry, &copy);
        c.copy = Some(copy);
        return c;
    }
    // One open that refuses a symlink (O_NOFOLLOW) and never blocks on a
    // FIFO (O_NONBLOCK); the kind is then checked on the open file.
    let mut f = match vouch_manifests::tree::fsutil::open_nofollow(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return missing("not in the source directory"),
        Err(e) if vouch_manifests::tree::fsutil::is_symlink_error(&e) => {
            return missing("a symlink in the source directory, not a file");
        }
        Err(e) => return missing(format!("cannot open it: {e}")),
    };
    let meta = match f.metadata() {
        Ok(m) => m,
        Err(e) => return missing(format!("cannot read it: {e}")),
    };
    if !meta.is_file() {
        return missing("not a regular file in the source directory");
    }
    if meta.len() > MAX_RENDERED || entry.size() > MAX_RENDERED {
        return match vouch_manifests::model::digest::hash_reader(f, buf) {
            Ok((d, _)) => {
                if let Some(s) = seen {
                    s.remember(before.stamp, d.0);
                }
                let mut c: Checked = Content {
                    state: if d == want { "large" } else { "mismatch" },
                    matches: Some(d == want),
                    actual_digest: Some(d.to_string()),
                    ..Default::default()
                }
                .into();
                c.copy = (d == want).then(|| Copy::of(&path, &before, now));
                c
            }
            Err(e) => missing(format!("cannot read it: {e}")),
        };
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    if let Err(e) = (&mut f).take(MAX_RENDERED + 1).read_to_end(&mut bytes) {
        return missing(format!("cannot read it: {e}"));
    }
    let d = Digest::of(&bytes);
    if let Some(s) = seen {
        s.remember(before.stamp, d.0);
    }
    let mut c = Content { matches: Some(d == want), actual_digest: Some(d.to_string()), ..Default::default() };
    if d != want {
        c.state = "mismatch";
        return c.into();
    }
    let copy = Some(Copy::of(&path, &before, now));
    if bytes.is_empty() {
        c.state = "empty";
        return Checked { content: c, copy, ..Default::default() };
    }
    Checked { content: c, bytes: Some(bytes), unread: None, copy }
}

/// Renders a checked entry: a matching text file as highlighted,
/// line-numbered HTML with its words for the code search; anything else
/// as it was checked.
pub fn render(mut checked: Checked, entry: &Entry) -> Content {
    if let Some(want) = entry.digest() {
        checked.load(want);
    }
    if checked.bytes.is_none() {
        return checked.content;
    }
    let Some(text) = checked.text() else {
        let mut c = checked.content;
        c.state = "binary";
        return c;
    };
    let lang = crate::highlight::lang_of(entry.path().file_name());
    let code = code_view(text, lang);
    let words = crate::codesearch::words(text);
    let mut c = checked.content;
    c.language = lang.map(|l| l.name);
    match words {
        Ok(w) => {
            c.words = Some(w);
            c.search = "indexed";
        }
        Err(why) => c.search = why,
    }
    c.state = "rendered";
    c.code_html = code.html;
    c.gutter_html = gutter_html(code.lines);
    c.lines = code.lines;
    c.marks = code.marks;
    c
}

/// Whether `entry` is a regular file in the source directory, with no
/// missing or symlinked directory above it (checked before a tool such as
/// ctags reads it by name).
pub fn is_plain_file(tree: &SourceTree, entry: &Entry) -> bool {
    let mut p = entry.path().parent();
    while !p.is_empty() {
        if tree.bad_dirs.contains(p) {
            return false;
        }
        p = p.rsplit_once('/').map(|(up, _)| up).unwrap_or("");
    }
    tree.lstat(entry, &tree.root.join(entry.path().to_path())).is_ok_and(|m| m.file)
}

/// Reads a regular file's text for a line diff: checked like [`inspect`]
/// (never through a symlink, only a regular file, digest equal to the
/// manifest's), at most `limit` bytes, UTF-8 without NUL. The error is a
/// state (`binary`, `large`, `unreadable`) and why.
pub fn read_text(tree: &SourceTree, entry: &Entry, limit: u64) -> Result<String, (&'static str, String)> {
    let c = |why: &str| ("unreadable", why.to_string());
    if !matches!(entry.kind(), EntryKind::File | EntryKind::Exec) {
        return Err(c("not a regular file"));
    }
    let mut p = entry.path().parent();
    while !p.is_empty() {
        if tree.bad_dirs.contains(p) {
            return Err(c("a directory above it is missing or a symlink in the source directory"));
        }
        p = p.rsplit_once('/').map(|(up, _)| up).unwrap_or("");
    }
    let Some(want) = entry.digest() else {
        return Err(c("the manifest has no digest for it"));
    };
    if entry.size() > limit {
        return Err(("large", format!("larger than {} KiB", limit / 1024)));
    }
    let path = tree.root.join(entry.path().to_path());
    match tree.lstat(entry, &path) {
        Ok(m) if m.file => {}
        Ok(_) => return Err(c("not a regular file in the source directory")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(c("not in the source directory"));
        }
        Err(e) => return Err(c(&format!("cannot read it: {e}"))),
    }
    let f = vouch_manifests::tree::fsutil::open_nofollow(&path).map_err(|e| c(&format!("cannot open it: {e}")))?;
    match f.metadata() {
        Ok(m) if m.is_file() => {}
        _ => return Err(c("not a regular file in the source directory")),
    }
    let mut bytes = Vec::with_capacity(entry.size() as usize + 1);
    f.take(limit + 1).read_to_end(&mut bytes).map_err(|e| c(&format!("cannot read it: {e}")))?;
    if Digest::of(&bytes) != want {
        return Err(c("its SHA-256 differs from the manifest's"));
    }
    if memchr::memchr(0, &bytes).is_some() {
        return Err(("binary", "binary file".into()));
    }
    String::from_utf8(bytes).map_err(|_| ("binary", "not UTF-8 text".to_string()))
}

/// Bytes that need a look when escaping text: `&`, `<`, `>`, `\n`, C0
/// controls other than tab, FF and CR, DEL, and the UTF-8 lead bytes of the
/// characters HTML forbids (C1 controls: 0xC2; noncharacters: 0xEF, 0xF0-0xF4)
/// or that are shown as marks (bidirectional and invisible: 0xE2, 0xEF).
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = !matches!(b as u8, b'\t' | b'\x0c' | b'\r');
        b += 1;
    }
    t[b'&' as usize] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[0x7f] = true;
    t[0xc2] = true;
    t[0xe2] = true;
    t[0xef] = true;
    let mut l = 0xf0;
    while l <= 0xf4 {
        t[l] = true;
        l += 1;
    }
    t
};

/// Escapes `text` and numbers its lines:
/// `<pre class="code"><code><span id="L1">…</span>\n…</code></pre>`.
/// Characters HTML forbids (C0 controls but tab, LF, FF and CR; DEL; C1
/// controls; noncharacters) are shown as visible symbols.
pub fn code_html(text: &str) -> (String, usize) {
    let c = code_view(text, None);
    (c.html, c.lines)
}

/// A file's text as HTML ([`code_html`]) with its line count and the number
/// of bidirectional and invisible characters shown as marks.
pub struct Code {
    pub html: String,
    pub lines: usize,
    pub marks: usize,
}

/// [`code_html`], also counting the marks, and highlighted when `lang` is
/// given: each token a `<span class=k|c|n>` (keyword, comment, number;
/// string literals are recognised but keep the text colour), closed and reopened at each line break so that a line is
/// always one `<span id="L<n>">`.
pub fn code_view(text: &str, lang: Option<&Lang>) -> Code {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let mut out = String::with_capacity(body.len() + body.len() / 2 + 64);
    out.push_str("<pre class=\"code\"><code><span id=\"L1\">");
    let mut num = itoa_buf();
    let mut marks = 0;
    let mut line = 1usize;
    let mut next_line = |out: &mut String, line: &mut usize| {
        *line += 1;
        out.push_str("</span>\n<span id=\"L");
        out.push_str(num.format(*line));
        out.push_str("\">");
    };
    let mut pos = 0;
    if let Some(lang) = lang {
        for (a, e, class) in crate::highlight::tokens(body, lang) {
            // String literals are found (so that nothing inside one is
            // taken for a keyword or a comment) but keep the text colour.
            if class == crate::highlight::Class::Str {
                continue;
            }
            escape_into(&body[pos..a], &mut out, &mut marks, |out, _| next_line(out, &mut line));
            out.push_str(class.open());
            escape_into(&body[a..e], &mut out, &mut marks, |out, _| {
                out.push_str("</span>");
                next_line(out, &mut line);
                out.push_str(class.open());
            });
            out.push_str("</span>");
            pos = e;
        }
    }
    escape_into(&body[pos..], &mut out, &mut marks, |out, _| next_line(out, &mut line));
    out.push_str("</span>\n</code></pre>");
    Code { html: out, lines: line, marks }
}

/// The line numbers beside a file's `<pre>`: one `<a href="#L<n>">n</a>` a
/// line, so every line links to itself without JavaScript (the code itself
/// stays free of numbers, so copying it copies none).
pub fn gutter_html(lines: usize) -> String {
    let mut out = String::with_capacity(lines * 24 + 64);
    out.push_str("<div class=\"gutter\">");
    let mut num = itoa_buf();
    for n in 1..=lines {
        let s = num.format(n);
        out.push_str("<a href=\"#L");
        out.push_str(s);
        out.push_str("\">");
        out.push_str(s);
        out.push_str("</a>\n");
    }
    out.push_str("</div>");
    out
}

/// The name of a bidirectional control or invisible character that the site
/// shows as a visible mark instead (U+202A-U+202E, U+2066-U+2069,
/// U+200B-U+200F, U+2060-U+2064, U+FEFF), in the style of GitHub's
/// hidden-Unicode warning: such characters can make text read otherwise
/// than it is (`evil\u{202e}gnp.exe` displays as `evilexe.png`).
pub fn mark_name(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{200b}' => "ZERO WIDTH SPACE",
        '\u{200c}' => "ZERO WIDTH NON-JOINER",
        '\u{200d}' => "ZERO WIDTH JOINER",
        '\u{200e}' => "LEFT-TO-RIGHT MARK",
        '\u{200f}' => "RIGHT-TO-LEFT MARK",
        '\u{202a}' => "LEFT-TO-RIGHT EMBEDDING",
        '\u{202b}' => "RIGHT-TO-LEFT EMBEDDING",
        '\u{202c}' => "POP DIRECTIONAL FORMATTING",
        '\u{202d}' => "LEFT-TO-RIGHT OVERRIDE",
        '\u{202e}' => "RIGHT-TO-LEFT OVERRIDE",
        '\u{2060}' => "WORD JOINER",
        '\u{2061}' => "FUNCTION APPLICATION",
        '\u{2062}' => "INVISIBLE TIMES",
        '\u{2063}' => "INVISIBLE SEPARATOR",
        '\u{2064}' => "INVISIBLE PLUS",
        '\u{2066}' => "LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "FIRST STRONG ISOLATE",
        '\u{2069}' => "POP DIRECTIONAL ISOLATE",
        '\u{feff}' => "ZERO WIDTH NO-BREAK SPACE",
        _ => return None,
    })
}

/// Appends the visible mark of `c` (named `name`): `<span class="bidi"
/// title="U+202E RIGHT-TO-LEFT OVERRIDE">⟨U+202E⟩</span>`. `quote` is the
/// attribute quote: `'` where the mark may land inside a double-quoted
/// attribute value (there it stays inert text).
fn push_mark(out: &mut String, c: char, name: &str, quote: char) {
    let u = c as u32;
    out.push_str("<span class=");
    out.push(quote);
    out.push_str("bidi");
    out.push(quote);
    out.push_str(" title=");
    out.push(quote);
    out.push_str(&format!("U+{u:04X} {name}"));
    out.push(quote);
    out.push_str(&format!(">\u{27e8}U+{u:04X}\u{27e9}</span>"));
}

/// `s` with every bidirectional or invisible character replaced by the text
/// `⟨U+XXXX⟩`, for places where no markup can go (a page's `<title>`, an
/// `aria-label`, SVG labels).
pub fn plain_marks(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| mark_name(c).is_some()) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if mark_name(c).is_some() {
            out.push_str(&format!("\u{27e8}U+{:04X}\u{27e9}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Escapes `s` into `out`; each `\n` calls `newline(out, next_line_number)`.
/// Bidirectional and invisible characters become marks, counted in `marks`.
/// Returns the number of lines.
fn escape_into(s: &str, out: &mut String, marks: &mut usize, mut newline: impl FnMut(&mut String, usize)) -> usize {
    let bytes = s.as_bytes();
    let mut lines = 1usize;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Skip eight plain ASCII bytes at a time: none below 0x20, none
        // 0x7f or above, none of `&`, `<`, `>`.
        while i + 8 <= bytes.len() {
            let mut w = [0u8; 8];
            w.copy_from_slice(&bytes[i..i + 8]);
            let m = look_mask(u64::from_le_bytes(w));
            if m != 0 {
                // The lowest flagged byte is always a real match.
                i += (m.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        if i >= bytes.len() {
            break;
        }
        let b = bytes[i];
        if !SPECIAL[b as usize] {
            i += 1;
            continue;
        }
        let rep: &str = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'\n' => {
                out.push_str(&s[start..i]);
                lines += 1;
                newline(out, lines);
                i += 1;
                start = i;
                continue;
            }
            _ => {
                let c = s[i..].chars().next().unwrap_or('\u{fffd}');
                let len = c.len_utf8();
                if let Some(name) = mark_name(c) {
                    out.push_str(&s[start..i]);
                    push_mark(out, c, name, '"');
                    *marks += 1;
                    start = i + len;
                } else if forbidden(c) {
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
                continue;
            }
        };
        out.push_str(&s[start..i]);
        out.push_str(rep);
        i += 1;
        start = i;
    }
    out.push_str(&s[start..]);
    lines
}

/// The top bit of each byte of `x` (little-endian) that is below 0x20,
/// 0x7f or above, `&`, `<` or `>`. Bytes above the lowest flagged one may be
/// flagged wrongly (borrows); the lowest one is always right, and zero means
/// none.
#[inline]
fn look_mask(x: u64) -> u64 {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(LO) & !v & HI;
    let below_20 = x.wrapping_sub(LO * 0x20) & !x & HI;
    let high = (x | x.wrapping_add(LO)) & HI; // >= 0x80, or 0x7f (+1 sets the top bit)
    below_20 | high | zero(x ^ (LO * b'&' as u64)) | zero(x ^ (LO * b'<' as u64)) | zero(x ^ (LO * b'>' as u64))
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
/// characters as symbols; newlines are kept.
pub fn escape_text(s: &str, out: &mut String) {
    escape_into(s, out, &mut 0, |out, _| out.push('\n'));
}

/// Tera's escape function for every `{{ }}` in the templates: `&`, `<`, `>`,
/// `"` and `'` as entities, written in runs rather than byte by byte.
/// Bidirectional and invisible characters become visible marks (their
/// markup quoted with `'`, so inside a template's double-quoted attribute
/// value the mark is inert text; templates quote attributes with `"`).
pub fn escape_html(input: &str, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let bytes = input.as_bytes();
    let mut start = 0;
    let mut mark = String::new();
    for (i, &b) in bytes.iter().enumerate() {
        let rep: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            b'\'' => b"&#39;",
            0xe2 | 0xef => {
                let c = input[i..].chars().next().unwrap_or('\u{fffd}');
                let Some(name) = mark_name(c) else { continue };
                mark.clear();
                push_mark(&mut mark, c, name, '\'');
                w.write_all(&bytes[start..i])?;
                w.write_all(mark.as_bytes())?;
                start = i + c.len_utf8();
                continue;
            }
            _ => continue,
        };
        w.write_all(&bytes[start..i])?;
        w.write_all(rep)?;
        start = i + 1;
    }
    w.write_all(&bytes[start..])
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

    #[cfg(unix)]
    #[test]
    fn a_file_looked_at_in_its_folder_has_the_stamp_its_path_gives() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/deep")).unwrap();
        std::fs::write(dir.path().join("src/deep/a.rs"), "fn a() {}\n").unwrap();
        std::os::unix::fs::symlink("deep", dir.path().join("src/link")).unwrap();
        std::os::unix::fs::symlink("deep/a.rs", dir.path().join("src/b.rs")).unwrap();
        std::fs::write(dir.path().join("file"), "").unwrap();
        let tree = SourceTree::new(dir.path().to_path_buf(), &["", "src", "src/deep", "src/link", "file", "gone"]);
        // Real folders are held; a symlinked one, a file and a missing one are bad.
        assert_eq!(tree.dirs.len(), 3);
        let bad: std::collections::BTreeSet<&str> = tree.bad_dirs.iter().map(String::as_str).collect();
        assert_eq!(bad, ["file", "gone", "src/link"].into());
        let entry = |name: &str| Entry::File {
            path: vouch_manifests::RelPath::new(name).unwrap(),
            size: 10,
            digest: Digest::of(b"fn a() {}\n"),
            exec: false,
        };
        let a = tree.lstat(&entry("src/deep/a.rs"), std::path::Path::new("unused")).unwrap();
        let by_path = std::fs::symlink_metadata(dir.path().join("src/deep/a.rs")).unwrap();
        assert!(a.file && !a.symlink && a.len == 10);
        assert_eq!(a.stamp, FileStamp::of(&by_path));
        let b = tree.lstat(&entry("src/b.rs"), std::path::Path::new("unused")).unwrap();
        assert!(b.symlink && !b.file && b.stamp.is_none());
        let gone = tree.lstat(&entry("src/none.rs"), std::path::Path::new("unused")).unwrap_err();
        assert_eq!(gone.kind(), std::io::ErrorKind::NotFound);
        // Checked through the folder handle, the file matches.
        let mut buf = vec![0u8; 4096];
        assert_eq!(check(&tree, &entry("src/deep/a.rs"), &mut buf, None).content.matches, Some(true));
        assert_eq!(check(&tree, &entry("src/b.rs"), &mut buf, None).content.state, "missing");
    }

    #[test]
    fn bytes_shown_from_another_copy_are_read_only_when_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.rs"), "fn a() {}\n").unwrap();
        std::fs::write(dir.path().join("b.rs"), "fn b() {}\n").unwrap();
        // Settled: changed more than a second before it was checked.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let tree = SourceTree::new(dir.path().to_path_buf(), &[]);
        let entry = |name: &str, text: &str| Entry::File {
            path: vouch_manifests::RelPath::new(name).unwrap(),
            size: text.len() as u64,
            digest: Digest::of(text.as_bytes()),
            exec: false,
        };
        let (a, b) = (entry("a.rs", "fn a() {}\n"), entry("b.rs", "fn b() {}\n"));
        let mut buf = vec![0u8; 4096];
        let copy_a = check(&tree, &a, &mut buf, None).copy().cloned().expect("a matches");
        assert!(copy_a.stamp.is_some(), "{copy_a:?}");
        // Another entry with a's digest (say, a later release's) shows a's bytes.
        let mut shown_a = shown(&a, &copy_a);
        assert!(shown_a.has_bytes() && shown_a.content.matches == Some(true));
        shown_a.load(a.digest().unwrap());
        assert_eq!(shown_a.text(), Some("fn a() {}\n"));
        // The copy edited since: its stamp moved, so it is hashed, and differs.
        let copy_b = check(&tree, &b, &mut buf, None).copy().cloned().expect("b matches");
        std::fs::write(dir.path().join("b.rs"), "fn B() {}\n").unwrap();
        let mut shown_b = shown(&b, &copy_b);
        shown_b.load(b.digest().unwrap());
        assert_eq!(shown_b.text(), None);
        assert_eq!(shown_b.content.state, "mismatch");
        assert_eq!(shown_b.content.actual_digest, Some(Digest::of(b"fn B() {}\n").to_string()));
        // A copy that differs from the manifest is no copy for others.
        assert!(check(&tree, &b, &mut buf, None).copy().is_none());
    }

    #[test]
    fn hidden_characters_are_marks_and_code_is_highlighted() {
        // Issue 20: bidi controls in code are marks, counted; tokens never
        // cross a line's span.
        let c = code_view("/* a\u{202e}\nb */ fn x() {}\n", Some(&crate::highlight::RUST));
        assert_eq!(c.lines, 2);
        assert_eq!(c.marks, 1);
        assert_eq!(
            c.html,
            "<pre class=\"code\"><code><span id=\"L1\"><span class=c>/* a<span class=\"bidi\" title=\"U+202E RIGHT-TO-LEFT OVERRIDE\">\u{27e8}U+202E\u{27e9}</span></span></span>\n\
             <span id=\"L2\"><span class=c>b */</span> <span class=k>fn</span> x() {}</span>\n</code></pre>"
        );
        // Without a language, the same text as code_html.
        assert_eq!(code_view("a\nb", None).html, code_html("a\nb").0);
        assert_eq!(plain_marks("a\u{2066}b"), "a\u{27e8}U+2066\u{27e9}b");
        assert_eq!(plain_marks("ab"), "ab");
        assert_eq!(gutter_html(2), "<div class=\"gutter\"><a href=\"#L1\">1</a>\n<a href=\"#L2\">2</a>\n</div>");
        let mut t = String::new();
        escape_text("x\u{200b}y", &mut t);
        assert_eq!(t, "x<span class=\"bidi\" title=\"U+200B ZERO WIDTH SPACE\">\u{27e8}U+200B\u{27e9}</span>y");
        for c in
            ['\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}', '\u{200b}', '\u{200f}', '\u{2060}', '\u{2064}', '\u{feff}']
        {
            assert!(mark_name(c).is_some(), "{c:?}");
        }
        for c in ['\u{2029}', '\u{2065}', '\u{2014}', 'a'] {
            assert!(mark_name(c).is_none(), "{c:?}");
        }
    }

    #[test]
    fn code_is_escaped_and_numbered() {
        let (h, n) = code_html("a<b>&c\n\x1b[0m\u{85}\n");
        assert_eq!(n, 2);
        assert_eq!(
            h,
            "<pre class=\"code\"><code><span id=\"L1\">a&lt;b&gt;&amp;c</span>\n<span id=\"L2\"><span class=\"ctl\">\u{241b}</span>[0m<span class=\"ctl\">\\u{0085}</span></span>\n</code></pre>"
        );
        assert_eq!(clean("a\u{1}b"), "a\u{fffd}b");
        assert_eq!(code_html("").1, 1);
        assert_eq!(
            code_html("x\u{fdd0}\u{1fffe}é").0,
            "<pre class=\"code\"><code><span id=\"L1\">x<span class=\"ctl\">\\u{FDD0}</span><span class=\"ctl\">\\u{1FFFE}</span>é</span>\n</code></pre>"
        );
        for t in [
            "plain text here ok",
            "0123456789abcdefghij\tx",
            "a&b",
            "aaaaaaaaaaaa<bbbbbbbb",
            "aaaaaaaaaa\x7fbbbbbbb",
            "aaaaaaaaaaa\u{85}bbbbbbbbb",
            "aaaaaaaaaa\u{1}bbbbbbbbb",
        ] {
            // The fast path and the byte-by-byte definition agree.
            let mut slow = String::new();
            for c in t.chars() {
                match c {
                    '&' => slow.push_str("&amp;"),
                    '<' => slow.push_str("&lt;"),
                    '>' => slow.push_str("&gt;"),
                    '\u{7f}' => slow.push_str("<span class=\"ctl\">\u{2421}</span>"),
                    '\u{1}' => slow.push_str("<span class=\"ctl\">\u{2401}</span>"),
                    '\u{85}' => slow.push_str("<span class=\"ctl\">\\u{0085}</span>"),
                    c => slow.push(c),
                }
            }
            let mut fast = String::new();
            escape_text(t, &mut fast);
            assert_eq!(fast, slow, "{t:?}");
        }
        // Random strings: the word-at-a-time scan agrees with a char-by-char reference.
        let alphabet = [
            'a',
            'Z',
            ' ',
            '&',
            '<',
            '>',
            '\t',
            '\r',
            '\u{1}',
            '\u{7f}',
            '\u{85}',
            'é',
            '\u{fdd0}',
            '\u{fffe}',
            '\u{1fffe}',
            '\u{10ffff}',
            '\u{a0}',
            '中',
            '\u{ef}',
        ];
        let mut seed = 0x2545f4914f6cdd1du64;
        for _ in 0..2000 {
            let mut t = String::new();
            for _ in 0..(seed % 40) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                t.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            let mut slow = String::new();
            for c in t.chars() {
                match c {
                    '&' => slow.push_str("&amp;"),
                    '<' => slow.push_str("&lt;"),
                    '>' => slow.push_str("&gt;"),
                    c if forbidden(c) && (c as u32) < 0x20 => slow.push_str(&format!(
                        "<span class=\"ctl\">{}</span>",
                        char::from_u32(0x2400 + c as u32).unwrap()
                    )),
                    '\u{7f}' => slow.push_str("<span class=\"ctl\">\u{2421}</span>"),
                    c if forbidden(c) => slow.push_str(&format!("<span class=\"ctl\">\\u{{{:04X}}}</span>", c as u32)),
                    c => slow.push(c),
                }
            }
            let mut fast = String::new();
            escape_text(&t, &mut fast);
            assert_eq!(fast, slow, "{t:?}");
        }
        let mut v = Vec::new();
        escape_html("<a href=\"x\">'&'</a>", &mut v).unwrap();
        assert_eq!(String::from_utf8(v).unwrap(), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        let mut v = Vec::new();
        escape_html("evil\u{202e}gnp.exe—\u{feff}", &mut v).unwrap();
        assert_eq!(
            String::from_utf8(v).unwrap(),
            "evil<span class='bidi' title='U+202E RIGHT-TO-LEFT OVERRIDE'>\u{27e8}U+202E\u{27e9}</span>gnp.exe—\
             <span class='bidi' title='U+FEFF ZERO WIDTH NO-BREAK SPACE'>\u{27e8}U+FEFF\u{27e9}</span>"
        );
        let mut v = Vec::new();
        escape_html("<a href=\"x\">'&'</a>", &mut v).unwrap();
        assert_eq!(String::from_utf8(v).unwrap(), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
