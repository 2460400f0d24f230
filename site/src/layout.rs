//! Where each page lives in the site, as `/`-separated paths relative to
//! the site root. Links in the context are root-relative; templates prefix
//! them with `root` (`""`, `"../"`, ...) so every link is relative and the
//! folder can move.
//!
//! ```text
//! index.html                              projects and releases
//! keys.html                               keys and trust policy
//! static/...                              style sheet
//! r/<name>/<version>/index.html           release
//! search.html                             search (script), plain links without
//! search/<name>.js                        a project's search index (classic script)
//! search/code/<name>/_releases.js         its releases with a code index (with --source)
//! search/code/<name>/<version>/*.js       a release's code search index
//! r/<name>/<version>/components.html      SBOM components
//! r/<name>/<version>/licenses.html        components by license
//! r/<name>/<version>/changes.html         what changed since the previous release
//! r/<name>/<version>/diff/<path>.html     line diff of a modified file (both sources)
//! r/<name>/<version>/tree/<dir>/index.html  source directory
//! r/<name>/<version>/file/<path>.html     source file (with --source)
//! ```
//!
//! Source path segments are encoded by [`segment`]: ASCII letters, digits,
//! `.`, `_`, `-`, `+` and non-ASCII letters and digits stay; every other
//! character becomes `~XX` per UTF-8 byte. A directory segment ending in
//! `.html` (any case) gets its last dot encoded, so directories never clash
//! with `<file>.html` pages or `index.html`. The encoding is injective.

use sha2::{Digest as _, Sha256};

/// Longest file name written (most file systems allow 255 bytes).
const MAX_NAME: usize = 240;

/// Encodes one path segment for use as a file name and in a URL.
pub fn segment(seg: &str, is_dir: bool) -> String {
    let mut out = String::with_capacity(seg.len());
    for c in seg.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+') || (!c.is_ascii() && c.is_alphanumeric()) {
            out.push(c);
        } else {
            let mut b = [0u8; 4];
            for byte in c.encode_utf8(&mut b).bytes() {
                out.push('~');
                out.push(char::from(b"0123456789ABCDEF"[(byte >> 4) as usize]));
                out.push(char::from(b"0123456789ABCDEF"[(byte & 15) as usize]));
            }
        }
    }
    if is_dir && out.len() >= 5 && out[out.len() - 5..].eq_ignore_ascii_case(".html") {
        let at = out.len() - 5;
        out.replace_range(at..at + 1, "~2E");
    }
    if out.len() > MAX_NAME {
        // Too long for a file name: a digest of the segment, marked with `~~`
        // (which the encoding above never produces).
        let h = Sha256::digest(seg.as_bytes());
        out = format!("~~{}", hex::encode(&h[..16]));
    }
    out
}

/// The encoded form of a directory path (`""` for the root).
pub fn dir_path(dir: &str) -> String {
    if dir.is_empty() {
        return String::new();
    }
    let mut out = String::with_capacity(dir.len() + 8);
    for (i, seg) in dir.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(&segment(seg, true));
    }
    out
}

/// A release's folder: `r/<name>/<version>/`.
/// Part `k` (from 0) of a long page: the page itself, then `x~2.html`,
/// `x~3.html`... (`~` is escaped in every name from a manifest, so no
/// source path can take these names).
pub fn part_page(page: &str, k: usize) -> String {
    match (k, page.strip_suffix(".html")) {
        (0, _) | (_, None) => page.to_string(),
        (k, Some(stem)) => format!("{stem}~{}.html", k + 1),
    }
}

/// A project's folder, above its releases' (`r/<name>/`).
pub fn project_dir(name: &str) -> String {
    format!("r/{name}/")
}

pub fn release_dir(name: &str, version: &str) -> String {
    format!("r/{name}/{version}/")
}

pub fn release_page(name: &str, version: &str) -> String {
    format!("{}index.html", release_dir(name, version))
}

pub fn components_page(name: &str, version: &str) -> String {
    format!("{}components.html", release_dir(name, version))
}

pub fn changes_page(name: &str, version: &str) -> String {
    format!("{}changes.html", release_dir(name, version))
}

pub fn licenses_page(name: &str, version: &str) -> String {
    format!("{}licenses.html", release_dir(name, version))
}

/// The "left to review" page of a release (with `--reviews`).
pub fn left_page(name: &str, version: &str) -> String {
    format!("{}left.html", release_dir(name, version))
}

/// The search page.
pub const SEARCH_PAGE: &str = "search.html";

/// A project's search index script.
pub fn search_script(name: &str) -> String {
    format!("search/{}.js", segment(name, false))
}

/// A release's part of its project's search index (see `search`).
pub fn search_part(name: &str, version: &str) -> String {
    format!("search/parts/{}/{}.js", segment(name, false), segment(version, false))
}

/// A project's code search folder (`search/code/<project>/`, see
/// [`crate::codesearch`]).
pub fn code_search_dir(name: &str) -> String {
    format!("search/code/{}/", segment(name, false))
}

/// A project's list of releases with a code index (`_releases.js` in its
/// code search folder: no version starts with `_`, so no release folder
/// has this name).
pub fn code_releases_script(name: &str) -> String {
    format!("{}_releases.js", code_search_dir(name))
}

/// A release's code search folder (`search/code/<project>/<version>/`):
/// its index depends on that release alone.
pub fn code_release_dir(name: &str, version: &str) -> String {
    format!("{}{}/", code_search_dir(name), segment(version, true))
}

/// The page of a source directory (`""` is the root).
pub fn tree_page(release_dir: &str, dir: &str) -> String {
    tree_page_encoded(release_dir, &dir_path(dir))
}

/// [`tree_page`] for an already encoded directory path.
pub fn tree_page_encoded(release_dir: &str, enc_dir: &str) -> String {
    if enc_dir.is_empty() {
        format!("{release_dir}tree/index.html")
    } else {
        format!("{release_dir}tree/{enc_dir}/index.html")
    }
}

/// [`file_page`] for a file `name` in an already encoded directory path.
pub fn file_page_encoded(release_dir: &str, enc_parent: &str, name: &str) -> String {
    let seg = segment(name, false);
    let mut out = String::with_capacity(release_dir.len() + enc_parent.len() + seg.len() + 12);
    out.push_str(release_dir);
    out.push_str("file/");
    if !enc_parent.is_empty() {
        out.push_str(enc_parent);
        out.push('/');
    }
    out.push_str(&seg);
    out.push_str(".html");
    out
}

/// The page of a source file.
pub fn file_page(release_dir: &str, path: &str) -> String {
    let (parent, name) = match path.rsplit_once('/') {
        Some((p, n)) => (p, n),
        None => ("", path),
    };
    let mut out = format!("{release_dir}file/");
    if !parent.is_empty() {
        out.push_str(&dir_path(parent));
        out.push('/');
    }
    out.push_str(&segment(name, false));
    out.push_str(".html");
    out
}

/// The prefix that leads from `page` back to the site root.
pub fn root_of(page: &str) -> String {
    "../".repeat(page.matches('/').count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_hostile_and_colliding_names() {
        assert_eq!(segment("main.rs", false), "main.rs");
        assert_eq!(segment("a b~", false), "a~20b~7E");
        assert_eq!(
            segment("\"><img src=x onerror=alert(1)>", false),
            "~22~3E~3Cimg~20src~3Dx~20onerror~3Dalert~281~29~3E"
        );
        assert_eq!(segment("ünï", false), "ünï");
        // A directory `x.html` and the page of a file `x` differ.
        assert_eq!(file_page("r/a/1/", "x"), "r/a/1/file/x.html");
        assert_eq!(file_page("r/a/1/", "x.html/y"), "r/a/1/file/x~2Ehtml/y.html");
        assert_eq!(tree_page("r/a/1/", "index.HTML"), "r/a/1/tree/index~2EHTML/index.html");
        assert_eq!(root_of("r/a/1/index.html"), "../../../");
        assert_eq!(file_page_encoded("r/a/1/", &dir_path("x.html"), "y"), file_page("r/a/1/", "x.html/y"));
        assert_eq!(tree_page_encoded("r/a/1/", &dir_path("a/b")), tree_page("r/a/1/", "a/b"));
        assert_eq!(root_of("index.html"), "");
        let long = "a".repeat(300);
        assert!(segment(&long, false).len() < 64);
    }
}
