//! The templates and static files, embedded in the binary and laid out like
//! a Zola theme (`templates/*.html`, `templates/partials/*.html`,
//! `static/*`). `--templates DIR` replaces any of them one by one: a file
//! `DIR/page.html` replaces `page.html`, `DIR/partials/x.html` replaces or
//! adds a partial, `DIR/static/style.css` replaces the style sheet.
//!
//! Every filter and function the templates can use is registered in
//! [`register`], before any template is parsed.

use crate::error::{SiteError, tera_detail};
use std::collections::BTreeMap;
use std::path::Path;
use tera::{Kwargs, State, Tera};

/// The built-in templates, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("index.html", include_str!("../templates/index.html")),
    ("release.html", include_str!("../templates/release.html")),
    ("section.html", include_str!("../templates/section.html")),
    ("page.html", include_str!("../templates/page.html")),
    ("components.html", include_str!("../templates/components.html")),
    ("keys.html", include_str!("../templates/keys.html")),
    ("changes.html", include_str!("../templates/changes.html")),
    ("diff.html", include_str!("../templates/diff.html")),
    ("licenses.html", include_str!("../templates/licenses.html")),
    ("left.html", include_str!("../templates/left.html")),
    ("log.html", include_str!("../templates/log.html")),
    ("search.html", include_str!("../templates/search.html")),
    ("partials/breadcrumbs.html", include_str!("../templates/partials/breadcrumbs.html")),
    ("partials/pager.html", include_str!("../templates/partials/pager.html")),
    ("partials/signatures.html", include_str!("../templates/partials/signatures.html")),
    ("partials/ui.html", include_str!("../templates/partials/ui.html")),
];

/// The built-in static files, by name under `static/`.
pub const STATIC: &[(&str, &[u8])] = &[
    ("style.css", include_bytes!("../static/style.css")),
    ("search.js", include_bytes!("../static/search.js")),
    ("lines.js", include_bytes!("../static/lines.js")),
    ("release.js", include_bytes!("../static/release.js")),
];

/// Templates and static files ready to render.
pub struct Theme {
    pub tera: Tera,
    /// Static files by path under `static/`, sorted.
    pub statics: BTreeMap<String, Vec<u8>>,
    /// SHA-256 over every template and static file, by name: what a page's
    /// key holds of the theme (see `reuse`).
    pub digest: [u8; 32],
}

/// Human-readable size: `532 B`, `1.2 KiB`, `3.4 MiB`.
pub fn filesize(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.1} {}", UNITS[u])
}

/// Quotes `s` for a POSIX shell when it needs it.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-+/=:@,%".contains(&b)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Registers every filter and function the templates use. Called once,
/// before templates are added (Tera checks filter names while parsing).
pub fn register(tera: &mut Tera) {
    // `{{ n | filesize }}`: bytes as B / KiB / MiB...
    tera.register_filter("filesize", |n: u64, _: Kwargs, _: &State| filesize(n));
    // `{{ d | hex }}`: a `sha256:<hex>` digest without its prefix.
    tera.register_filter("hex", |d: &str, _: Kwargs, _: &State| d.strip_prefix("sha256:").unwrap_or(d).to_string());
    // `{{ d | short }}`: the first 12 hex digits of a digest.
    tera.register_filter("short", |d: &str, _: Kwargs, _: &State| {
        let h = d.strip_prefix("sha256:").unwrap_or(d);
        h.chars().take(12).collect::<String>()
    });
    // `{{ s | shell_quote }}`: quoted for a POSIX shell.
    tera.register_filter("shell_quote", |s: &str, _: Kwargs, _: &State| shell_quote(s));
    // `{{ s | plain }}`: bidirectional and invisible characters as the text
    // `⟨U+XXXX⟩`, for a `<title>` or an attribute where no markup can go.
    tera.register_filter("plain", |s: &str, _: Kwargs, _: &State| crate::source::plain_marks(s).into_owned());
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, std::path::PathBuf)>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let Some(name) = e.file_name().to_str().map(str::to_string) else {
            continue;
        };
        let rel = format!("{prefix}{name}");
        let ft = e.file_type()?;
        if ft.is_dir() {
            walk(&e.path(), &format!("{rel}/"), out)?;
        } else if ft.is_file() {
            out.push((rel, e.path()));
        }
    }
    Ok(())
}

/// Loads the built-in theme, with any files of `overrides` replacing or
/// adding to it.
pub fn load(overrides: Option<&Path>) -> Result<Theme, SiteError> {
    let mut templates: BTreeMap<String, String> =
        TEMPLATES.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    let mut statics: BTreeMap<String, Vec<u8>> = STATIC.iter().map(|(n, b)| (n.to_string(), b.to_vec())).collect();
    if let Some(dir) = overrides {
        let mut files = Vec::new();
        walk(dir, "", &mut files).map_err(|source| SiteError::TemplatesDir { path: dir.to_path_buf(), source })?;
        for (rel, path) in files {
            let bytes = std::fs::read(&path).map_err(|source| SiteError::Read { path: path.clone(), source })?;
            if let Some(s) = rel.strip_prefix("static/") {
                statics.insert(s.to_string(), bytes);
            } else if rel.ends_with(".html") {
                let text = String::from_utf8(bytes).map_err(|_| SiteError::Template {
                    name: path.display().to_string(),
                    detail: "not UTF-8".into(),
                })?;
                templates.insert(rel, text);
            }
        }
    }
    let digest = {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for (n, t) in &templates {
            h.update((n.len() as u64).to_le_bytes());
            h.update(n.as_bytes());
            h.update((t.len() as u64).to_le_bytes());
            h.update(t.as_bytes());
        }
        for (n, b) in &statics {
            h.update((n.len() as u64).to_le_bytes());
            h.update(n.as_bytes());
            h.update((b.len() as u64).to_le_bytes());
            h.update(b);
        }
        h.finalize().into()
    };
    let mut tera = Tera::default();
    tera.set_escape_fn(crate::source::escape_html);
    register(&mut tera);
    tera.add_raw_templates(templates.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        .map_err(|e| SiteError::Template { name: "(templates)".into(), detail: tera_detail(&e) })?;
    Ok(Theme { tera, statics, digest })
}

#[cfg(test)]
mod tests {
    #[test]
    fn helpers() {
        assert_eq!(super::filesize(532), "532 B");
        assert_eq!(super::filesize(1536), "1.5 KiB");
        assert_eq!(super::shell_quote("a/b.rs"), "a/b.rs");
        assert_eq!(super::shell_quote("it's"), "'it'\\''s'");
        super::load(None).unwrap();
    }
}
