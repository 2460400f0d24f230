//! The search index: one classic script per project,
//! `search/<project>.js`, that `static/search.js` loads on demand by
//! inserting a `<script src>` element (no `fetch`, which `file://` forbids).
//! Each assigns one entry of a global:
//!
//! ```js
//! window.VOUCH_SEARCH = window.VOUCH_SEARCH || {};
//! window.VOUCH_SEARCH["hello"] = {"releases": [{"version": "1.0.0",
//!   "base": "r/hello/1.0.0/", "href": "index.html",
//!   "files": [path, href, path, href, ...],
//!   "components": [name, version, href, ...]}, ...]};
//! ```
//!
//! `href`s are relative to `base`, which is relative to the site root; a
//! file's `href` is `""` when it is `file/<path>.html` with the path as is.
//! Strings are JSON strings with `<`, `>`, `&`, U+2028 and U+2029 written
//! as `\u` escapes too, so no file name can end the script or change its
//! meaning, wherever the text ends up. Written in one linear pass.

/// Appends `s` as a JavaScript string literal.
pub fn js_string(s: &str, out: &mut String) {
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let esc: Option<&str> = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '<' => Some("\\u003c"),
            '>' => Some("\\u003e"),
            '&' => Some("\\u0026"),
            '\u{2028}' => Some("\\u2028"),
            '\u{2029}' => Some("\\u2029"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match esc {
            Some(e) => out.push_str(e),
            None => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Builds one project's index script.
pub struct ProjectIndex {
    out: String,
    releases: usize,
    in_list: bool,
    items: usize,
}

impl ProjectIndex {
    pub fn new(project: &str) -> ProjectIndex {
        let mut out = String::with_capacity(4096);
        out.push_str("window.VOUCH_SEARCH = window.VOUCH_SEARCH || {};\nwindow.VOUCH_SEARCH[");
        js_string(project, &mut out);
        out.push_str("] = {\"releases\": [");
        ProjectIndex { out, releases: 0, in_list: false, items: 0 }
    }

    fn close_list(&mut self) {
        if self.in_list {
            self.out.push(']');
            self.in_list = false;
        }
    }

    /// Starts a release; its files and components follow.
    pub fn release(&mut self, version: &str, base: &str, href: &str) {
        self.close_list();
        if self.releases > 0 {
            self.out.push_str("},\n");
        }
        self.releases += 1;
        self.out.push_str("{\"version\": ");
        js_string(version, &mut self.out);
        self.out.push_str(", \"base\": ");
        js_string(base, &mut self.out);
        self.out.push_str(", \"href\": ");
        js_string(href, &mut self.out);
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
        if self.releases > 0 {
            self.out.push('}');
        }
        self.out.push_str("]};\n");
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

        let mut p = ProjectIndex::new("hello");
        p.release("1.0.0", "r/hello/1.0.0/", "index.html");
        p.list("files");
        p.item(&["a.rs", "file/a.rs.html"]);
        p.list("components");
        p.item(&["serde", "1.0", "components.html"]);
        p.release("0.9.0", "r/hello/0.9.0/", "index.html");
        p.list("files");
        let js = p.finish();
        let json = js.split_once("window.VOUCH_SEARCH[\"hello\"] = ").unwrap().1.trim_end().trim_end_matches(';');
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(v["releases"][0]["files"][1], "file/a.rs.html");
        assert_eq!(v["releases"][0]["components"][0], "serde");
        assert_eq!(v["releases"][1]["files"].as_array().unwrap().len(), 0);
    }
}
