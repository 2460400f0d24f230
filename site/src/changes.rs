//! What changed between two releases of a project: source files (the
//! manifests' trees, `vouch_manifests::model::diff`), `build.dependencies`, SBOM
//! components (`vouch_manifests::sbom::diff`) and the build record. Line
//! diffs of modified files are computed later, one page each, when both
//! releases' sources are given ([`line_diff`]).

use crate::layout;
use crate::linediff;
use crate::model::*;
use crate::source::{SourceTree, clean};
use crate::svg;
use std::collections::BTreeMap;
use vouch_manifests::model::manifest::Dependency;
use vouch_manifests::sbom::Sbom;
use vouch_manifests::{Entry, EntryKind};

/// One side of a comparison.
pub struct Side<'a> {
    pub version: &'a str,
    pub rdir: &'a str,
    pub href: &'a str,
    pub tree_href: &'a str,
    pub files: &'a [Entry],
    pub build: Option<&'a BuildView>,
    pub dependencies: &'a [Dependency],
    /// Every readable SBOM, merged (none when the release has none).
    pub sbom: Option<&'a Sbom>,
    pub source_given: bool,
}

/// A line diff page to render: the path and its entries in both releases.
pub struct DiffJob {
    pub page: String,
    pub old: usize,
    pub new: usize,
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map(|(p, _)| p).unwrap_or("")
}

/// The file's page, or its directory's without the source.
fn file_href(side: &Side, path: &str) -> String {
    if side.source_given { layout::file_page(side.rdir, path) } else { layout::tree_page(side.rdir, parent(path)) }
}

/// The line diff page of `path` in release folder `rdir`.
pub fn diff_page(rdir: &str, path: &str) -> String {
    let f = layout::file_page(rdir, path);
    let rest = f.strip_prefix(rdir).and_then(|r| r.strip_prefix("file/")).unwrap_or(&f);
    format!("{rdir}diff/{rest}")
}

fn direction(old: Option<&str>, new: Option<&str>) -> &'static str {
    match (old.and_then(|v| semver::Version::parse(v).ok()), new.and_then(|v| semver::Version::parse(v).ok())) {
        (Some(a), Some(b)) if b > a => "upgraded",
        (Some(a), Some(b)) if b < a => "downgraded",
        _ => "changed",
    }
}

fn top_of(path: &str) -> &str {
    match path.split_once('/') {
        Some((top, _)) => top,
        None => "",
    }
}

/// Compares `old` (the previous release) with `new`.
pub fn compare(old: &Side, new: &Side) -> (ChangesView, Vec<DiffJob>) {
    let tree = vouch_manifests::model::diff::diff(old.files, new.files);
    let digest = |e: &Entry| e.digest().map(|d| d.to_string()).or_else(|| e.commit().map(str::to_string));
    let mut by_dir: BTreeMap<String, DirChangeView> = BTreeMap::new();
    let mut bump = |path: &str, which: u8| {
        let top = top_of(path);
        let e = by_dir.entry(top.to_string()).or_insert_with(|| DirChangeView {
            name: if top.is_empty() { "files at the top level".into() } else { clean(top) },
            added: 0,
            removed: 0,
            modified: 0,
        });
        match which {
            0 => e.added += 1,
            1 => e.removed += 1,
            _ => e.modified += 1,
        }
    };
    let added: Vec<FileChangeView> = tree
        .added
        .iter()
        .map(|e| {
            bump(e.path().as_str(), 0);
            FileChangeView {
                path: clean(e.path().as_str()),
                kind: e.kind().as_str(),
                old_kind: None,
                old_size: None,
                new_size: Some(e.size()),
                old_digest: None,
                new_digest: digest(e),
                old_href: None,
                new_href: Some(file_href(new, e.path().as_str())),
                diff_href: None,
            }
        })
        .collect();
    let removed: Vec<FileChangeView> = tree
        .removed
        .iter()
        .map(|e| {
            bump(e.path().as_str(), 1);
            FileChangeView {
                path: clean(e.path().as_str()),
                kind: e.kind().as_str(),
                old_kind: None,
                old_size: Some(e.size()),
                new_size: None,
                old_digest: digest(e),
                new_digest: None,
                old_href: Some(file_href(old, e.path().as_str())),
                new_href: None,
                diff_href: None,
            }
        })
        .collect();
    // Indices of the modified entries on both sides (both lists are sorted
    // by path bytes, so one merge walk finds them).
    let mut jobs = Vec::new();
    let mut modified = Vec::with_capacity(tree.changed.len());
    let (mut i, mut j) = (0usize, 0usize);
    for c in &tree.changed {
        while i < old.files.len() && old.files[i].path().as_str() != c.path {
            i += 1;
        }
        while j < new.files.len() && new.files[j].path().as_str() != c.path {
            j += 1;
        }
        bump(&c.path, 2);
        let regular = |k: EntryKind| matches!(k, EntryKind::File | EntryKind::Exec);
        let diff_href = (old.source_given
            && new.source_given
            && regular(c.old_kind)
            && regular(c.new_kind)
            && i < old.files.len()
            && j < new.files.len())
        .then(|| {
            let page = diff_page(new.rdir, &c.path);
            jobs.push(DiffJob { page: page.clone(), old: i, new: j });
            page
        });
        let id = |s: &str| (s != "-").then(|| s.to_string());
        modified.push(FileChangeView {
            path: clean(&c.path),
            kind: c.new_kind.as_str(),
            old_kind: (c.old_kind != c.new_kind).then(|| c.old_kind.as_str()),
            old_size: Some(c.old_size),
            new_size: Some(c.new_size),
            old_digest: id(&c.old),
            new_digest: id(&c.new),
            old_href: Some(file_href(old, &c.path)),
            new_href: Some(file_href(new, &c.path)),
            diff_href,
        });
    }
    let mut by_dir: Vec<DirChangeView> = by_dir.into_values().collect();
    by_dir.sort_by(|a, b| {
        (b.added + b.removed + b.modified).cmp(&(a.added + a.removed + a.modified)).then_with(|| a.name.cmp(&b.name))
    });
    let file_count = added.len() + removed.len() + modified.len();
    let chart_svg = (file_count > 0).then(|| {
        const SHOWN: usize = 12;
        let mut rows: Vec<svg::Row> = by_dir
            .iter()
            .take(SHOWN)
            .map(|d| svg::Row {
                label: if d.name == "files at the top level" { d.name.clone() } else { format!("{}/", d.name) },
                segments: vec![
                    (d.added as u64, "bar-add"),
                    (d.modified as u64, "bar-mod"),
                    (d.removed as u64, "bar-del"),
                ],
                value: format!("+{} ~{} −{}", d.added, d.modified, d.removed),
            })
            .collect();
        if by_dir.len() > SHOWN {
            let rest = &by_dir[SHOWN..];
            let (a, m, r) = rest.iter().fold((0, 0, 0), |t, d| (t.0 + d.added, t.1 + d.modified, t.2 + d.removed));
            rows.push(svg::Row {
                label: format!("{} more directories", rest.len()),
                segments: vec![(a as u64, "bar-add"), (m as u64, "bar-mod"), (r as u64, "bar-del")],
                value: format!("+{a} ~{m} −{r}"),
            });
        }
        svg::bars(
            "changes-chart",
            &format!("Files changed per top-level directory since {}", old.version),
            &format!(
                "{} added, {} modified, {} removed, in {} top-level director{}.",
                added.len(),
                modified.len(),
                removed.len(),
                by_dir.len(),
                if by_dir.len() == 1 { "y" } else { "ies" }
            ),
            &rows,
            &[("bar-add", "added"), ("bar-mod", "modified"), ("bar-del", "removed")],
        )
    });

    let dependencies = (!old.dependencies.is_empty() || !new.dependencies.is_empty())
        .then(|| dep_changes(old.dependencies, new.dependencies));
    let components = match (old.sbom, new.sbom) {
        (None, None) => None,
        (o, n) => {
            let empty = Sbom {
                format: vouch_manifests::sbom::SbomFormat::CycloneDx,
                spec_version: String::new(),
                name: None,
                components: Vec::new(),
                dependencies: BTreeMap::new(),
                target: None,
                not_compiled: Vec::new(),
            };
            let d = vouch_manifests::sbom::diff::diff(o.unwrap_or(&empty), n.unwrap_or(&empty));
            let named = |n: &vouch_manifests::sbom::diff::Named| NamedView {
                name: clean(&n.name),
                version: n.version.as_deref().map(clean),
                licenses: n.licenses.iter().map(|l| clean(l)).collect(),
            };
            let cl = |v: &[String]| v.iter().map(|l| clean(l)).collect::<Vec<_>>();
            Some(ComponentChangesView {
                added: d.added.iter().map(named).collect(),
                removed: d.removed.iter().map(named).collect(),
                changed: d
                    .version_changed
                    .iter()
                    .map(|c| VersionChangeView {
                        name: clean(&c.name),
                        old: c.old.as_deref().map(clean),
                        new: c.new.as_deref().map(clean),
                        direction: direction(c.old.as_deref(), c.new.as_deref()),
                    })
                    .collect(),
                license_changed: d
                    .license_changed
                    .iter()
                    .map(|c| LicenseChangeView {
                        name: clean(&c.name),
                        version: c.version.as_deref().map(clean),
                        old: cl(&c.old),
                        new: cl(&c.new),
                    })
                    .collect(),
                note: match (o.is_some(), n.is_some()) {
                    (false, _) => {
                        Some(format!("{} has no readable SBOM: every component counts as added", old.version))
                    }
                    (_, false) => Some("this release has no readable SBOM: every component counts as removed".into()),
                    _ => None,
                },
            })
        }
    };
    let build = build_changes(old.build, new.build);
    let total = file_count
        + dependencies.as_ref().map_or(0, |d| d.added.len() + d.removed.len() + d.changed.len())
        + components
            .as_ref()
            .map_or(0, |c| c.added.len() + c.removed.len() + c.changed.len() + c.license_changed.len())
        + build.len();
    (
        ChangesView {
            previous: Some(PreviousView {
                version: old.version.to_string(),
                href: old.href.to_string(),
                tree_href: old.tree_href.to_string(),
                source_given: old.source_given,
            }),
            added_count: added.len(),
            removed_count: removed.len(),
            modified_count: modified.len(),
            added,
            removed,
            modified,
            by_dir,
            chart_svg,
            dependencies,
            components,
            build,
            file_count,
            total,
        },
        jobs,
    )
}

/// The changes page of the oldest release: nothing to compare with.
pub fn first() -> ChangesView {
    ChangesView {
        previous: None,
        added: Vec::new(),
        removed: Vec::new(),
        modified: Vec::new(),
        added_count: 0,
        removed_count: 0,
        modified_count: 0,
        by_dir: Vec::new(),
        chart_svg: None,
        dependencies: None,
        components: None,
        build: Vec::new(),
        file_count: 0,
        total: 0,
    }
}

fn dep_view(d: &Dependency) -> DependencyView {
    DependencyView {
        name: clean(&d.name),
        version: clean(&d.version),
        source: d.source.as_deref().map(clean),
        checksum: d.checksum.as_deref().map(clean),
    }
}

/// Dependencies by name: one version on each side that differs is a
/// version change; otherwise versions are matched exactly.
fn dep_changes(old: &[Dependency], new: &[Dependency]) -> DepChangesView {
    type Group<'a> = BTreeMap<&'a str, BTreeMap<&'a str, &'a Dependency>>;
    fn group(ds: &[Dependency]) -> Group<'_> {
        let mut g: Group<'_> = BTreeMap::new();
        for d in ds {
            g.entry(d.name.as_str()).or_default().insert(d.version.as_str(), d);
        }
        g
    }
    let (a, b) = (group(old), group(new));
    let mut v = DepChangesView {
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
        old_count: old.len(),
        new_count: new.len(),
    };
    let empty = BTreeMap::new();
    let names: std::collections::BTreeSet<&str> = a.keys().chain(b.keys()).copied().collect();
    for n in names {
        let (o, nw) = (a.get(n).unwrap_or(&empty), b.get(n).unwrap_or(&empty));
        if o.len() == 1 && nw.len() == 1 {
            let (ov, nv) = (*o.keys().next().unwrap_or(&""), *nw.keys().next().unwrap_or(&""));
            if ov != nv {
                v.changed.push(VersionChangeView {
                    name: clean(n),
                    old: Some(clean(ov)),
                    new: Some(clean(nv)),
                    direction: direction(Some(ov), Some(nv)),
                });
            }
            continue;
        }
        for (ver, d) in o {
            if !nw.contains_key(ver) {
                v.removed.push(dep_view(d));
            }
        }
        for (ver, d) in nw {
            if !o.contains_key(ver) {
                v.added.push(dep_view(d));
            }
        }
    }
    v
}

fn build_changes(old: Option<&BuildView>, new: Option<&BuildView>) -> Vec<BuildChangeView> {
    let mut out = Vec::new();
    let (o, n) = match (old, new) {
        (None, None) => return out,
        (Some(_), None) | (None, Some(_)) => {
            out.push(BuildChangeView {
                field: "build record".into(),
                old: old.map(|_| "recorded".to_string()),
                new: new.map(|_| "recorded".to_string()),
            });
            return out;
        }
        (Some(o), Some(n)) => (o, n),
    };
    let mut field = |name: &str, a: Option<&str>, b: Option<&str>| {
        if a != b {
            out.push(BuildChangeView {
                field: name.to_string(),
                old: a.map(str::to_string),
                new: b.map(str::to_string),
            });
        }
    };
    field("command", Some(&o.command_line), Some(&n.command_line));
    field("workdir", Some(&o.workdir), Some(&n.workdir));
    field("host", o.host.as_deref(), n.host.as_deref());
    let (ob, nb) = (o.no_build.to_string(), n.no_build.to_string());
    field("no_build", Some(&ob), Some(&nb));
    for (prefix, a, b) in [("toolchain", &o.toolchain, &n.toolchain), ("env", &o.env, &n.env)] {
        let am: BTreeMap<&str, &str> = a.iter().map(|p| (p.name.as_str(), p.value.as_str())).collect();
        let bm: BTreeMap<&str, &str> = b.iter().map(|p| (p.name.as_str(), p.value.as_str())).collect();
        let keys: std::collections::BTreeSet<&str> = am.keys().chain(bm.keys()).copied().collect();
        for k in keys {
            field(&format!("{prefix}.{k}"), am.get(k).copied(), bm.get(k).copied());
        }
    }
    let remap = |v: &[Pair]| v.iter().map(|p| format!("{}={}", p.name, p.value)).collect::<Vec<_>>().join(" ");
    let (orm, nrm) = (remap(&o.path_remap), remap(&n.path_remap));
    field("path_remap", Some(&orm), Some(&nrm));
    out
}

/// The largest file a line diff reads per side.
pub const MAX_DIFF_BYTES: u64 = 512 * 1024;

/// Reads both copies (each checked against its manifest digest) and diffs
/// their lines.
pub fn line_diff(
    old_tree: &SourceTree,
    old: &Entry,
    new_tree: &SourceTree,
    new: &Entry,
) -> (&'static str, Option<String>, Option<linediff::LineDiff>) {
    let read = |tree: &SourceTree, e: &Entry, which: &str| {
        crate::source::read_text(tree, e, MAX_DIFF_BYTES).map_err(|(state, why)| (state, format!("{which}: {why}")))
    };
    let a = match read(old_tree, old, "the previous release's copy") {
        Ok(t) => t,
        Err((s, d)) => return (s, Some(d), None),
    };
    let b = match read(new_tree, new, "this release's copy") {
        Ok(t) => t,
        Err((s, d)) => return (s, Some(d), None),
    };
    match linediff::diff(&a, &b) {
        Ok(d) => ("shown", None, Some(d)),
        Err(linediff::TooBig::Lines) => ("too_many", Some(format!("more than {} lines", linediff::MAX_LINES)), None),
        Err(linediff::TooBig::Edits) => {
            ("too_many", Some(format!("more than {} lines differ", linediff::MAX_EDITS)), None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_and_build_fields() {
        let d = |n: &str, v: &str| Dependency { name: n.into(), version: v.into(), source: None, checksum: None };
        let c = dep_changes(
            &[d("a", "1.0.0"), d("b", "1.0.0"), d("c", "1.0.0"), d("c", "2.0.0")],
            &[d("a", "1.1.0"), d("c", "2.0.0"), d("c", "3.0.0"), d("z", "0.1.0")],
        );
        assert_eq!(c.changed.len(), 1);
        assert_eq!((c.changed[0].name.as_str(), c.changed[0].direction), ("a", "upgraded"));
        let names = |v: &[DependencyView]| v.iter().map(|d| format!("{}@{}", d.name, d.version)).collect::<Vec<_>>();
        assert_eq!(names(&c.removed), ["b@1.0.0", "c@1.0.0"]);
        assert_eq!(names(&c.added), ["c@3.0.0", "z@0.1.0"]);
        assert_eq!(diff_page("r/a/1/", "x.html/y z"), "r/a/1/diff/x~2Ehtml/y~20z.html");
        assert_eq!(direction(Some("2.0.0"), Some("1.0.0")), "downgraded");
        assert_eq!(direction(Some("x"), Some("1.0.0")), "changed");
    }
}
