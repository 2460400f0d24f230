//! The search index: per project a classic script, `search/<project>.js`,
//! that lists its releases' parts, and per release a part,
//! `search/parts/<project>/<version>.js`, which depends on that release
//! alone (adding a release writes its own part and the list).
//! `static/search.js` loads them on demand by inserting `<script src>`
//! elements (no `fetch`, which `file://` forbids):
//!
//! ```js
//! // search/hello.js: the parts, newest first, relative to the site root
//! window.VOUCH_SEARCH = window.VOUCH_SEARCH || {};
//! window.VOUCH_SEARCH["hello"] = {"parts": ["search/parts/hello/1.1.0.js", ...]};
//! // search/parts/hello/1.0.0.js
//! (window.VOUCH_SEARCH_PARTS = window.VOUCH_SEARCH_PARTS || []).push([document.currentScript,
//!   {"version": "1.0.0", "base": "r/hello/1.0.0/", "href": "index.html",
//!    "files": [path, href, path, href, ...],
//!    "components": [name, version, href, ...]}]);
//! ```
//!
//! `href`s are relative to `base`, which is relative to the site root; a
//! file's `href` is `""` when it is `file/<path>.html` with the path as is.
//! Strings are JSON strings with `<`, `>`, `&`, U+2028 and U+2029 written
//! as `\u` escapes too, so no file name can end the script or change its
//! meaning, wherever the text ends up. Written in one linear pass.

/// The bytes [`js_string`] looks at: what it escapes, and the first byte of
/// U+2028 and U+2029.
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[0x7f] = true;
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'&' as usize] = true;
    t[0xE2] = true;
    t
};

/// Appends `s` as a JavaScript string literal.
pub fn js_string(s: &str, out: &mut String) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    // Byte by byte: everything escaped is ASCII but U+2028 and U+2029
    // (E2 80 A8 and E2 80 A9 in UTF-8), so other bytes are copied in runs.
    while i < bytes.len() {
        let b = bytes[i];
        if !SPECIAL[usize::from(b)] {
            i += 1;
            continue;
        }
        let esc: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            b'<' => Some("\\u003c"),
            b'>' => Some("\\u003e"),
            b'&' => Some("\\u0026"),
            0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA8) => Some("\\u2028"),
            0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA9) => Some("\\u2029"),
            b if b < 0x20 || b == 0x7f => None,
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&s[start..i]);
        let len = if b == 0xE2 { 3 } else { 1 };
        match esc {
            Some(e) => out.push_str(e),
            None => {
                out.push_str("\\u00");
                out.push_str(&hex::encode([b]));
            }
        }
        i += len;
        start = i;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// `search/<project>.js`: the project's parts, newest first.
pub fn list_script(project: &str, parts: &[String]) -> String {
    let mut out = String::from("window.VOUCH_SEARCH = window.VOUCH_SEARCH || {};\nwindow.VOUCH_SEARCH[");
    js_string(project, &mut out);
    out.push_str("] = {\"parts\": [");
    for (k, p) in parts.iter().enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        js_string(p, &mut out);
    }
    out.push_str("]};\n");
    out
}

/// Builds one release's part of its project's index.
pub struct ReleaseIndex {
    out: String,
    in_list: bool,
    items: usize,
}

impl ReleaseIndex {
    /// Starts the part of a release; its files and components follow.
    pub fn new(version: &str, base: &str, href: &str) -> ReleaseIndex {
        let mut out = String::with_capacity(4096);
        out.push_str("(window.VOUCH_SEARCH_PARTS = window.VOUCH_SEARCH_PARTS || []).push([document.currentScript,\n");
        out.push_str("{\"version\": ");
        js_string(version, &mut out);
        out.push_str(", \"base\": ");
        js_string(base, &mut out);
        out.push_str(", \"href\": ");
        js_string(href, &mut out);
        ReleaseIndex { out, in_list: false, items: 0 }
    }

    fn close_list(&mut self) {
        if self.in_list {
            self.out.push(']');
            self.in_list = false;
        }
    }

    /// Starts the release's `files` or `components` list.
    pub fn list(&mut self, name: &str) {
        self.close_list();
        self.out.push_str(", ");
        js_string(name, &mut self.out);
        self.out.push_str(": [");
        self.in_list = true;
        self.items = 0;
    }

    /// Adds the fields of one item to the open list.
    pub fn item(&mut self, fields: &[&str]) {
        for f in fields {
            if self.items > 0 {
                self.out.push(',');
            }
            if self.items & 63 == 0 {
                self.out.push('\n');
            }
            js_string(f, &mut self.out);
            self.items += 1;
        }
    }

    pub fn finish(mut self) -> String {
        self.close_list();
        self.out.push_str("}]);\n");
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_reads_back_and_nothing_unsafe_is_left() {
        // Each ASCII byte, the neighbours of U+2028 and U+2029 (which
        // share their first byte), and other multi-byte characters.
        let mut text: String = (0u8..0x80).map(char::from).collect();
        text.push_str("\u{2027}\u{2028}\u{2029}\u{202a}→é😀\u{e2}");
        let mut s = String::new();
        js_string(&text, &mut s);
        let back: String = serde_json::from_str(&s).unwrap();
        assert_eq!(back, text);
        let inner = &s[1..s.len() - 1];
        for bad in ['<', '>', '&', '\n', '\r', '\u{2028}', '\u{2029}', '\u{7f}', '\u{1}'] {
            assert!(!inner.contains(bad), "{bad:?} left in {s}");
        }
        assert!(inner.contains("\u{2027}\\u2028\\u2029\u{202a}→é😀\u{e2}"), "{s}");
    }

    #[test]
    fn strings_cannot_break_out() {
        let mut s = String::new();
        js_string("</script><script>window.__xss=1</script>\u{2028}\"\\&\u{1}é", &mut s);
        assert_eq!(
            s,
            "\"\\u003c/script\\u003e\\u003cscript\\u003ewindow.__xss=1\\u003c/script\\u003e\\u2028\\\"\\\\\\u0026\\u0001é\""
        );
        // It is a JSON string meaning the same text.
        let back: String = serde_json::from_str(&s).unwrap();
        assert_eq!(back, "</script><script>window.__xss=1</script>\u{2028}\"\\&\u{1}é");

        let mut p = ReleaseIndex::new("1.0.0", "r/hello/1.0.0/", "index.html");
        p.list("files");
        p.item(&["a.rs", "file/a.rs.html"]);
        p.list("components");
        p.item(&["serde", "1.0", "components.html"]);
        let js = p.finish();
        let json = js
            .strip_prefix("(window.VOUCH_SEARCH_PARTS = window.VOUCH_SEARCH_PARTS || []).push([document.currentScript,")
            .and_then(|j| j.strip_suffix("]);\n"))
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(v["files"][1], "file/a.rs.html");
        assert_eq!(v["components"][0], "serde");
        let empty = ReleaseIndex::new("0.9.0", "r/hello/0.9.0/", "index.html");
        assert!(empty.finish().ends_with("\"href\": \"index.html\"}]);\n"));
        let list = list_script("he\"llo", &["search/parts/hello/1.0.0.js".into()]);
        let json = list.split_once("window.VOUCH_SEARCH[\"he\\\"llo\"] = ").unwrap().1.trim_end().trim_end_matches(';');
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(v["parts"][0], "search/parts/hello/1.0.0.js");
    }
}
