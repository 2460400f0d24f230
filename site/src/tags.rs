//! Definitions, from universal-ctags (the tool OpenGrok uses): one [`run`]
//! per release with sources, over the files the code search covers, in
//! their source directory (shared out between one `ctags` process per
//! core), asking only for the fields shown. The run
//! reads no option file of the tree
//! (`--options=NONE`: a `.ctags.d/` in reviewed source is the vendor's,
//! not ours), parses only the languages listed in [`LANGUAGES`], and is
//! given only regular files of those languages (the list is checked
//! before the run; each file's symbols are shown only on a page whose
//! bytes matched the manifest). Without universal-ctags, the site says
//! that definitions are not indexed.

use crate::seen::SiteId;
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use vouch_manifests::Digest;

/// The languages whose definitions are indexed.
pub const LANGUAGES: &str = "Rust,C,C++,Go,Python,JavaScript,TypeScript,Java,Sh";

/// Whether ctags is given a file: one the site highlights as a language of
/// [`LANGUAGES`] (not TOML, YAML or JSON, which ctags would open and skip).
pub(crate) fn has_definitions(path: &str) -> bool {
    let name = path.rsplit_once('/').map_or(path, |(_, n)| n);
    crate::highlight::lang_of(name)
        .is_some_and(|l| matches!(l.name, "rust" | "c" | "go" | "python" | "javascript" | "java" | "shell"))
}

/// One definition.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tag {
    pub name: String,
    pub kind: String,
    pub line: u32,
    /// The enclosing definition, if any (`HiArgs` for a field of it).
    pub scope: Option<String>,
}

/// Whether universal-ctags with JSON output can be run: its version line,
/// or the reason when not.
pub fn probe() -> Result<String, String> {
    let out = Command::new("ctags")
        .args(["--options=NONE", "--version"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("universal-ctags is not installed (ctags: {e})"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || !text.contains("Universal Ctags") {
        return Err("the ctags found is not universal-ctags".into());
    }
    if !text.contains("+json") {
        let f = Command::new("ctags").args(["--options=NONE", "--list-features"]).output();
        if !f.is_ok_and(|f| String::from_utf8_lossy(&f.stdout).contains("json")) {
            return Err("universal-ctags was built without JSON output".into());
        }
    }
    Ok(text.lines().next().unwrap_or_default().to_string())
}

#[derive(serde::Deserialize)]
struct Line {
    #[serde(rename = "_type")]
    kind_of: String,
    name: Option<String>,
    path: Option<String>,
    line: Option<u32>,
    kind: Option<String>,
    scope: Option<String>,
}

/// Runs ctags in `root` over `paths` (relative, checked to be regular
/// files), those of [`LANGUAGES`] only; returns each path's definitions,
/// by line. The files are shared out round-robin between one ctags per
/// core (ctags is single-threaded, and the pages wait for it).
pub fn run(root: &Path, paths: &[String]) -> Result<HashMap<String, Vec<Tag>>, String> {
    let mut out: HashMap<String, Vec<Tag>> = HashMap::new();
    let paths: Vec<&String> = paths.iter().filter(|p| has_definitions(p)).collect();
    if paths.is_empty() {
        return Ok(out);
    }
    let procs = std::thread::available_parallelism().map_or(1, |n| n.get()).min(paths.len().div_ceil(256)).max(1);
    let lists: Vec<String> =
        (0..procs).map(|k| paths.iter().skip(k).step_by(procs).map(|p| format!("{p}\n")).collect()).collect();
    let runs: Vec<Result<HashMap<String, Vec<Tag>>, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = lists.into_iter().map(|list| s.spawn(move || run_one(root, list))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("ctags: the reader failed".into()))).collect()
    });
    for run in runs {
        for (path, tags) in run? {
            out.entry(path).or_default().extend(tags);
        }
    }
    for tags in out.values_mut() {
        tags.sort_by(|a, b| a.line.cmp(&b.line).then_with(|| a.name.cmp(&b.name)));
    }
    Ok(out)
}

/// One ctags process over `list` (one path a line).
fn run_one(root: &Path, list: String) -> Result<HashMap<String, Vec<Tag>>, String> {
    let mut out: HashMap<String, Vec<Tag>> = HashMap::new();
    let mut child = Command::new("ctags")
        .args([
            "--options=NONE",
            "--output-format=json",
            // Only what is shown: name, file, line, long kind and scope
            // (no search pattern, no file-scope flag, no type); line
            // numbers rather than patterns; no pseudo-tags.
            "--fields=NFnKs",
            "--extras=-p",
            "-n",
            "--sort=no",
            &format!("--languages={LANGUAGES}"),
            "-L",
            "-",
            "-f",
            "-",
        ])
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run ctags: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("ctags: no stdin")?;
    let writer = std::thread::spawn(move || stdin.write_all(list.as_bytes()));
    let stdout = child.stdout.take().ok_or("ctags: no stdout")?;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, stdout);
    // Bytes, not text: a line that is not UTF-8 JSON (a name in another
    // encoding) is skipped, not the run.
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).map_err(|e| format!("reading ctags output: {e}"))? == 0 {
            break;
        }
        let Ok(l) = serde_json::from_slice::<Line>(&line) else { continue };
        if l.kind_of != "tag" {
            continue;
        }
        let (Some(name), Some(path), Some(n)) = (l.name, l.path, l.line) else { continue };
        out.entry(path).or_default().push(Tag { name, kind: l.kind.unwrap_or_default(), line: n, scope: l.scope });
    }
    let _ = writer.join();
    let status = child.wait().map_err(|e| format!("ctags: {e}"))?;
    if !status.success() {
        return Err(format!("ctags failed ({status})"));
    }
    Ok(out)
}

const CACHE_HEAD: &str = "vouch ctags 1";
const MAX_CACHE: u64 = 256 << 20;

/// What ctags found in the files of earlier builds of a site, by the
/// language a file is parsed as and the digest of its bytes (ctags reads
/// nothing else), so that a build runs ctags only over bytes no earlier
/// build parsed. Kept beside the source records of `seen` in the user's
/// cache, one file per site named by its marker (the newest
/// [`crate::seen::KEEP`]), for one ctags version: another version, a file
/// that does not parse or a missing one, and every file is parsed again.
/// Only definitions found in a copy whose bytes matched their manifest in
/// that build are kept.
pub struct Cache {
    base: Option<std::path::PathBuf>,
    version: Option<String>,
    old: HashMap<(String, Digest), Vec<Tag>>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct CacheFile {
    format: String,
    ctags: String,
    /// `[language, digest, definitions]`.
    files: Vec<(String, Digest, Vec<Tag>)>,
}

impl Cache {
    /// Reads what the previous build of the site named `site` (by its marker)
    /// kept, if it ran the same ctags (`ctags`: its version line, see
    /// [`probe`]).
    pub fn load(site: Option<SiteId>, ctags: &Result<String, String>) -> Cache {
        let base = crate::seen::cache_base();
        let version = ctags.as_ref().ok().cloned();
        let old = (|| {
            let file = crate::seen::cache_file_named(base.as_deref()?, site?, ".ctags");
            let bytes = vouch_manifests::tree::fsutil::read_bounded(
                &file,
                MAX_CACHE,
                vouch_manifests::tree::fsutil::Symlinks::Refuse,
            )
            .ok()?;
            let f: CacheFile = serde_json::from_slice(&bytes).ok()?;
            (f.format == CACHE_HEAD && Some(&f.ctags) == version.as_ref())
                .then(|| f.files.into_iter().map(|(l, d, t)| ((l, d), t)).collect())
        })()
        .unwrap_or_default();
        Cache { base, version, old }
    }

    /// The definitions kept for bytes `digest` parsed as `lang`.
    pub fn get(&self, lang: &str, digest: Digest) -> Option<&Vec<Tag>> {
        self.old.get(&(lang.to_string(), digest))
    }

    /// What the cache knows that this build did not ask for (the code
    /// index of a release whose inputs did not change is kept, and ctags not
    /// asked), of bytes the site still has (`still`): kept again, so that a
    /// build that parses nothing does not empty the cache.
    pub fn carried(
        &self,
        asked: impl Fn(&str, Digest) -> bool,
        still: impl Fn(Digest) -> bool,
    ) -> Vec<(String, Digest, Vec<Tag>)> {
        self.old
            .iter()
            .filter(|((l, d), _)| still(*d) && !asked(l, *d))
            .map(|((l, d), t)| (l.clone(), *d, t.clone()))
            .collect()
    }

    /// Keeps `files` for the next build of the site whose marker is
    /// `marker` (a cache: failing to write it only costs that build time).
    pub fn save(&self, site: SiteId, mut files: Vec<(String, Digest, Vec<Tag>)>) {
        let (Some(base), Some(version)) = (&self.base, &self.version) else { return };
        files.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let Ok(text) = serde_json::to_vec(&CacheFile { format: CACHE_HEAD.into(), ctags: version.clone(), files })
        else {
            return;
        };
        crate::seen::save_cache(base, site, ".ctags", &text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_shared_between_ctags_runs_and_every_definition_kept() {
        // Fails, never skips, without universal-ctags (the test script installs it).
        probe().unwrap();
        let d = tempfile::tempdir().unwrap();
        let mut paths: Vec<String> = (0..700)
            .map(|k| {
                let p = format!("f{k}.rs");
                std::fs::write(d.path().join(&p), format!("struct S{k} {{\n    n: u32,\n}}\n\nfn f{k}() {{}}\n"))
                    .unwrap();
                p
            })
            .collect();
        // Not a language of LANGUAGES: never given to ctags.
        std::fs::write(d.path().join("c.toml"), "[s]\nx = 1\n").unwrap();
        paths.push("c.toml".into());
        let tags = run(d.path(), &paths).unwrap();
        assert_eq!(tags.len(), 700);
        for k in [0, 1, 2, 350, 699] {
            let t: Vec<(&str, &str, u32, Option<&str>)> = tags[&format!("f{k}.rs")]
                .iter()
                .map(|t| (t.name.as_str(), t.kind.as_str(), t.line, t.scope.as_deref()))
                .collect();
            let s = format!("S{k}");
            let f = format!("f{k}");
            assert_eq!(
                t,
                [
                    (s.as_str(), "struct", 1, None),
                    ("n", "field", 2, Some(s.as_str())),
                    (f.as_str(), "function", 5, None)
                ]
            );
        }
        assert!(!tags.contains_key("c.toml"));
    }
}
