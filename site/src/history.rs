//! The history of every path of a project, for the file pages, as classic
//! scripts in two parts, so that adding a release writes its own part and
//! changes no other release's:
//!
//! ```text
//! r/<project>/history.js                 the project's releases, newest first
//! r/<project>/<version>/history/<xx>.js  that release's row of each path of shard xx
//! ```
//!
//! A shard is the first byte of the path's SHA-256, as two hex digits;
//! only shards that hold a path are written, and `shards` says which (64
//! hex digits, the most significant bit of the first for shard `00`).
//! `static/release.js` reads the list, then loads the path's shard of every
//! release that has it by inserting `<script src>` elements (no `fetch`
//! from `file://`):
//!
//! ```js
//! // history.js
//! window.VOUCH_HISTORY = {"project": "hello",
//!   "releases": [[version, changes page, history folder, shards], ...]};
//! // <version>/history/<xx>.js
//! (window.VOUCH_HISTORY_ROWS = window.VOUCH_HISTORY_ROWS || []).push([document.currentScript,
//!   [[path, digest, state, page, diff], ...]]);
//! ```
//!
//! `state` is `first`, `added`, `changed` or `unchanged` against the older
//! releases (see the file page); a release's rows depend on it and the
//! releases older than it alone. Pages, folders and diffs (`""` when there
//! is no line diff) are relative to `r/<project>/`. Paths are sorted.
//! Strings are written by [`crate::search::js_string`], and the shards are
//! arrays, so no path becomes a property of anything.

use crate::search::js_string;
use rayon::prelude::*;
use sha2::{Digest as _, Sha256};

/// One release's row of one path.
pub struct Row {
    pub digest: Option<String>,
    pub state: &'static str,
    pub page: String,
    pub diff: Option<String>,
}

/// The shard of `path` (as the manifest spells it).
pub fn shard(path: &str) -> String {
    format!("{:02x}", shard_of(path))
}

/// The shard of `path` as a number.
fn shard_of(path: &str) -> u8 {
    Sha256::digest(path.as_bytes())[0]
}

/// The shards of a release's history folder holding the scripts `names`
/// (`<xx>.js`; anything else is not a shard), as `history.js` lists them.
pub fn shard_set(names: &[String]) -> String {
    let mut bits = [0u8; 32];
    for n in names {
        let Some(x) =
            n.strip_suffix(".js").filter(|x| x.len() == 2 && x.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        else {
            continue;
        };
        if let Ok(b) = u8::from_str_radix(x, 16) {
            bits[(b >> 3) as usize] |= 0x80 >> (b & 7);
        }
    }
    hex::encode(bits)
}

/// `history.js` of a project: its releases, newest first, each as
/// `(version, changes page, history folder, shards)`.
pub fn list_script(project: &str, releases: &[(String, String, String, String)]) -> String {
    let mut out = String::from("window.VOUCH_HISTORY={\"project\":");
    js_string(project, &mut out);
    out.push_str(",\"releases\":[");
    for (i, (v, changes, dir, shards)) in releases.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        for (k, s) in [v, changes, dir, shards].into_iter().enumerate() {
            out.push(if k == 0 { '[' } else { ',' });
            js_string(s, &mut out);
        }
        out.push(']');
    }
    out.push_str("]};\n");
    out
}

/// Every shard's script of one release, by file name, in shard order:
/// `rows` hold each path as the manifest spells it (each once), its shown
/// form and this release's row.
pub fn release_scripts(rows: &[(&str, String, Row)]) -> Vec<(String, String)> {
    let by_path: Vec<u8> = rows.par_iter().map(|(raw, _, _)| shard_of(raw)).collect();
    let mut shards: Vec<Vec<(&str, &Row)>> = vec![Vec::new(); 256];
    for ((_, shown, row), &k) in rows.iter().zip(&by_path) {
        shards[usize::from(k)].push((shown, row));
    }
    shards
        .into_par_iter()
        .enumerate()
        .filter(|(_, items)| !items.is_empty())
        .map(|(name, mut items)| {
            let name = format!("{name:02x}");
            items.sort_by(|a, b| a.0.cmp(b.0));
            let mut out = String::from(
                "(window.VOUCH_HISTORY_ROWS = window.VOUCH_HISTORY_ROWS || []).push([document.currentScript, [",
            );
            for (i, (path, r)) in items.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str("\n[");
                js_string(path, &mut out);
                out.push(',');
                js_string(r.digest.as_deref().map(|d| d.strip_prefix("sha256:").unwrap_or(d)).unwrap_or(""), &mut out);
                out.push(',');
                js_string(r.state, &mut out);
                out.push(',');
                js_string(&r.page, &mut out);
                out.push(',');
                js_string(r.diff.as_deref().unwrap_or(""), &mut out);
                out.push(']');
            }
            out.push_str("]]);\n");
            (format!("{name}.js"), out)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shard_holds_its_paths_rows_escaped() {
        let row = Row {
            digest: Some("sha256:ab".into()),
            state: "unchanged",
            page: "1.0.0/file/</script>.html".into(),
            diff: None,
        };
        let out = release_scripts(&[("</script>", "</script>".to_string(), row)]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0, format!("{}.js", shard("</script>")));
        assert!(!out[0].1.contains("</script>"), "{}", out[0].1);
        assert!(
            out[0].1.contains(
                "[\"\\u003c/script\\u003e\",\"ab\",\"unchanged\",\"1.0.0/file/\\u003c/script\\u003e.html\",\"\"]"
            ),
            "{}",
            out[0].1
        );
        let shards = shard_set(&["00.js".into(), "0a.js".into(), "ff.js".into(), "ff.html".into(), "x.js".into()]);
        assert_eq!(shards, format!("80200000{}01", "0".repeat(54)));
        let list = list_script(
            "p</script>",
            &[("1.0.0".into(), "1.0.0/changes.html".into(), "1.0.0/history/".into(), "00".repeat(32))],
        );
        assert_eq!(
            list,
            format!(
                "window.VOUCH_HISTORY={{\"project\":\"p\\u003c/script\\u003e\",\"releases\":[[\"1.0.0\",\"1.0.0/changes.html\",\"1.0.0/history/\",\"{}\"]]}};\n",
                "00".repeat(32)
            )
        );
    }
}
