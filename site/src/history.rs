//! The history of every path of a project, for the file pages: classic
//! scripts `r/<project>/history/<xx>.js`, one per shard (the first byte of
//! the path's SHA-256, as two hex digits; only shards that hold a path are
//! written), each setting one global that `static/release.js` reads:
//!
//! ```js
//! window.VOUCH_HISTORY = {"project": "hello",
//!   "releases": [[version, changes page], ...],          // newest first
//!   "paths": [[path, [[release, digest, state, page, diff], ...]], ...]};
//! ```
//!
//! `release` indexes `releases`; `state` is `first`, `added`, `changed` or
//! `unchanged` (see the file page); `page` and `diff` (`""` when there is
//! no line diff) are relative to `r/<project>/`. Paths are sorted, rows
//! newest first. Strings are written by [`crate::search::js_string`], and
//! the shards are arrays, so no path becomes a property of anything.

use crate::search::js_string;
use rayon::prelude::*;
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;

/// One release of one path.
pub struct Row {
    pub release: usize,
    pub digest: Option<String>,
    pub state: &'static str,
    pub page: String,
    pub diff: Option<String>,
}

/// The shard of `path` (as the manifest spells it).
pub fn shard(path: &str) -> String {
    let d = Sha256::digest(path.as_bytes());
    format!("{:02x}", d[0])
}

/// Every shard's script, by file name, for one project: `releases` are
/// `(version, changes page)`, and `paths` map each path as the manifest
/// spells it to its shown form and rows.
pub fn scripts(
    project: &str,
    releases: &[(String, String)],
    paths: &BTreeMap<String, (String, Vec<Row>)>,
) -> Vec<(String, String)> {
    let mut head = String::from("window.VOUCH_HISTORY={\"project\":");
    js_string(project, &mut head);
    head.push_str(",\"releases\":[");
    for (i, (v, changes)) in releases.iter().enumerate() {
        if i > 0 {
            head.push(',');
        }
        head.push('[');
        js_string(v, &mut head);
        head.push(',');
        js_string(changes, &mut head);
        head.push(']');
    }
    head.push_str("],\"paths\":[");
    let mut shards: BTreeMap<String, Vec<(&str, &[Row])>> = BTreeMap::new();
    for (raw, (shown, rows)) in paths {
        shards.entry(shard(raw)).or_default().push((shown, rows));
    }
    shards
        .into_iter()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(name, mut items)| {
            items.sort_by(|a, b| a.0.cmp(b.0));
            let mut out = head.clone();
            for (i, (path, rows)) in items.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('[');
                js_string(path, &mut out);
                out.push_str(",[");
                for (j, r) in rows.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    out.push('[');
                    out.push_str(&r.release.to_string());
                    out.push(',');
                    js_string(
                        r.digest.as_deref().map(|d| d.strip_prefix("sha256:").unwrap_or(d)).unwrap_or(""),
                        &mut out,
                    );
                    out.push(',');
                    js_string(r.state, &mut out);
                    out.push(',');
                    js_string(&r.page, &mut out);
                    out.push(',');
                    js_string(r.diff.as_deref().unwrap_or(""), &mut out);
                    out.push(']');
                }
                out.push_str("]]");
            }
            out.push_str("]};\n");
            (format!("{name}.js"), out)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shard_holds_its_paths_rows_escaped() {
        let mut paths = BTreeMap::new();
        let row = |release, state: &'static str| Row {
            release,
            digest: Some("sha256:ab".into()),
            state,
            page: "1.0.0/file/</script>.html".into(),
            diff: None,
        };
        paths.insert("</script>".to_string(), ("</script>".to_string(), vec![row(0, "unchanged"), row(1, "first")]));
        let out = scripts(
            "p",
            &[("1.1.0".into(), "1.1.0/changes.html".into()), ("1.0.0".into(), "1.0.0/changes.html".into())],
            &paths,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0, format!("{}.js", shard("</script>")));
        assert!(!out[0].1.contains("</script>"), "{}", out[0].1);
        assert!(
            out[0].1.contains("[0,\"ab\",\"unchanged\",\"1.0.0/file/\\u003c/script\\u003e.html\",\"\"]"),
            "{}",
            out[0].1
        );
    }
}
