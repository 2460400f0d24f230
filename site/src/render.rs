//! Turning bundles into pages: builds the views once, lists every page,
//! renders them in parallel with one shared Tera (no per-page cloning) and
//! writes them into a temporary directory that is renamed into place.

use crate::bundle::{Bundle, Member};
use crate::error::SiteError;
use crate::layout;
use crate::model::*;
use crate::source::{SourceTree, clean};
use crate::templates::shell_quote;
use crate::{Options, Summary, Verdict};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use vouch_manifests::{Digest, Entry};

/// The marker file that says a folder is a vouch site (and may be replaced).
pub const MARKER: &str = ".vouch-site";

/// One directory of a release's source tree.
pub(crate) struct DirNode {
    pub path: String,
    /// `path` encoded for the site ([`layout::dir_path`]).
    pub enc: String,
    /// The directory's page.
    pub href: String,
    pub name: String,
    pub parent: Option<usize>,
    pub subdirs: Vec<usize>,
    pub files: Vec<usize>,
    pub file_count: u64,
    pub total_size: u64,
}

/// One release, with everything its pages need.
pub(crate) struct Release<'b> {
    pub bundle: &'b Bundle,
    pub view: ReleaseView,
    /// `view.summary` as a Tera value, shared by the release's pages.
    pub summary_value: crate::pages::SharedValue,
    pub dirs: Vec<DirNode>,
    /// Directory path → index in `dirs`.
    pub dir_index: crate::FastMap<String, usize>,
    pub source: Option<SourceTree>,
    pub rdir: String,
    /// Every readable SBOM of the release, merged (for the changes page).
    pub sbom: Option<vouch_manifests::sbom::Sbom>,
    pub changes: ChangesView,
    pub diff_jobs: Vec<crate::changes::DiffJob>,
    /// Path → `added` or `modified`, and its line diff page.
    pub file_changes: HashMap<String, (&'static str, Option<String>)>,
    /// Index of the previous release in the releases list.
    pub previous: Option<usize>,
    /// The reviewers' coverage (with `--reviews`).
    pub reviews: Option<crate::ReleaseReviews>,
}

fn time_of(ts: &str) -> Option<String> {
    let n: i64 = ts.parse().ok()?;
    let t = time::OffsetDateTime::from_unix_timestamp(n).ok()?;
    t.format(&time::format_description::well_known::Rfc3339).ok()
}

fn sbom_doc(doc: &vouch_manifests::sbom::Sbom, anchor: &str) -> SbomDocView {
    let opt = |o: &Option<String>| o.as_deref().map(clean);
    SbomDocView {
        format: doc.format.to_string(),
        spec_version: clean(&doc.spec_version),
        name: opt(&doc.name),
        components: doc
            .components
            .iter()
            .enumerate()
            .map(|(i, c)| ComponentView {
                anchor: format!("{anchor}-c{}", i + 1),
                id: clean(&c.id),
                name: clean(&c.name),
                version: opt(&c.version),
                purl: opt(&c.purl),
                licenses: c.licenses.iter().map(|l| clean(l)).collect(),
                hashes: c.hashes.iter().map(|h| Pair { name: clean(&h.alg), value: clean(&h.value) }).collect(),
                supplier: opt(&c.supplier),
                scope: opt(&c.scope),
                description: opt(&c.description),
            })
            .collect(),
        dependency_count: doc.dependencies.values().map(Vec::len).sum(),
    }
}

fn member_view(path: &str, m: &Member) -> BundleFileView {
    BundleFileView { path: clean(path), size: Some(m.size), digest: m.digest.map(|d| d.to_string()) }
}

fn build_dirs(rdir: &str, files: &[Entry]) -> (Vec<DirNode>, crate::FastMap<String, usize>) {
    let mut dirs = vec![DirNode {
        path: String::new(),
        enc: String::new(),
        href: layout::tree_page_encoded(rdir, ""),
        name: String::new(),
        parent: None,
        subdirs: Vec::new(),
        files: Vec::new(),
        file_count: 0,
        total_size: 0,
    }];
    let mut index: crate::FastMap<String, usize> = crate::FastMap::default();
    index.insert(String::new(), 0);
    fn get(rdir: &str, dirs: &mut Vec<DirNode>, index: &mut crate::FastMap<String, usize>, path: &str) -> usize {
        if let Some(&i) = index.get(path) {
            return i;
        }
        let (parent, name) = match path.rsplit_once('/') {
            Some((p, n)) => (p, n),
            None => ("", path),
        };
        let p = get(rdir, dirs, index, parent);
        let i = dirs.len();
        let enc = if dirs[p].enc.is_empty() {
            layout::segment(name, true)
        } else {
            format!("{}/{}", dirs[p].enc, layout::segment(name, true))
        };
        dirs.push(DirNode {
            path: path.to_string(),
            href: layout::tree_page_encoded(rdir, &enc),
            enc,
            name: name.to_string(),
            parent: Some(p),
            subdirs: Vec::new(),
            files: Vec::new(),
            file_count: 0,
            total_size: 0,
        });
        dirs[p].subdirs.push(i);
        index.insert(path.to_string(), i);
        i
    }
    for (i, e) in files.iter().enumerate() {
        let d = get(rdir, &mut dirs, &mut index, e.path().parent());
        dirs[d].files.push(i);
        let mut cur = Some(d);
        while let Some(c) = cur {
            dirs[c].file_count += 1;
            dirs[c].total_size += e.size();
            cur = dirs[c].parent;
        }
    }
    let names: Vec<String> = dirs.iter().map(|d| d.name.clone()).collect();
    for d in &mut dirs {
        d.subdirs.sort_by(|a, b| names[*a].as_bytes().cmp(names[*b].as_bytes()));
        d.files.sort_by(|a, b| files[*a].path().file_name().as_bytes().cmp(files[*b].path().file_name().as_bytes()));
    }
    (dirs, index)
}

fn release_view(
    b: &Bundle,
    verdict: Option<&Verdict>,
    source_given: bool,
) -> (ReleaseView, Option<vouch_manifests::sbom::Sbom>) {
    let mut merged: Option<vouch_manifests::sbom::Sbom> = None;
    let m = &b.manifest;
    let (name, version) = (m.project.name.as_str(), m.project.version.as_str());
    let rdir = layout::release_dir(name, version);
    let mut signatures = Vec::new();
    for (path, member) in b.members.range("signatures/".to_string()..) {
        let Some(fname) = path.strip_prefix("signatures/") else {
            break;
        };
        let Some(key_id) = fname.strip_suffix(".minisig") else {
            continue;
        };
        if fname.contains('/') {
            continue;
        }
        let p = crate::sig::parse(member.bytes.as_deref().unwrap_or_default());
        let time = p.fields.iter().find(|f| f.key == "timestamp").and_then(|f| time_of(&f.value));
        let key_id = clean(key_id);
        signatures.push(SignatureView {
            file: clean(path),
            key_href: format!("keys.html#key-{}", layout::segment(&key_id, false)),
            key_id,
            embedded_key_id: p.embedded_key_id,
            untrusted_comment: p.untrusted_comment.as_deref().map(clean),
            trusted_comment: p.trusted_comment.as_deref().map(clean),
            fields: p
                .fields
                .into_iter()
                .map(|f| crate::sig::Field { key: clean(&f.key), value: clean(&f.value) })
                .collect(),
            time,
            problem: p.problem,
            status: verdict.and_then(|v| v.signatures.get(path).cloned()),
        });
    }
    let bundle_ref = shell_quote(&b.file_name);
    let artifacts: Vec<ArtifactView> = m
        .artifacts
        .iter()
        .flatten()
        .map(|a| {
            let fname = a.path.file_name().to_string();
            let copy = format!("artifacts/{fname}");
            let member = b.members.get(&copy);
            ArtifactView {
                path: a.path.to_string(),
                name: fname.clone(),
                size: a.size,
                digest: a.digest.to_string(),
                in_bundle: member.map(|_| copy.clone()),
                copy_matches: member.map(|mb| mb.digest == Some(a.digest)),
                verify_command: format!(
                    "vouch verify {bundle_ref} --trust trust.toml --artifact {}",
                    shell_quote(&fname)
                ),
                rebuild_command: format!("vouch rebuild {bundle_ref} --source path/to/source --trust trust.toml"),
                sha256_command: format!("sha256sum {}", shell_quote(&fname)),
            }
        })
        .collect();
    let sboms = m
        .sboms
        .iter()
        .flatten()
        .map(|s| {
            let anchor = format!("sbom-{}", layout::segment(s.path.as_str(), false));
            let member = b.members.get(s.path.as_str());
            let digest_matches = member.map(|mb| mb.digest == Some(s.digest));
            let (document, problem) = match member {
                None => (None, Some("not in the bundle".to_string())),
                Some(_) if digest_matches != Some(true) => {
                    (None, Some("its digest differs from the manifest's, so it is not shown".to_string()))
                }
                Some(mb) => match vouch_manifests::sbom::parse(
                    mb.bytes.as_deref().unwrap_or_default(),
                    Path::new(s.path.as_str()),
                ) {
                    Ok(doc) => {
                        let view = sbom_doc(&doc, &anchor);
                        match &mut merged {
                            Some(all) => all.components.extend(doc.components),
                            None => merged = Some(doc),
                        }
                        (Some(view), None)
                    }
                    Err(e) => (None, Some(clean(&vouch_manifests::error_chain(&e)))),
                },
            };
            SbomView {
                path: s.path.to_string(),
                format: s.format.as_str().to_string(),
                digest: s.digest.to_string(),
                present: member.is_some(),
                digest_matches,
                document,
                problem,
                anchor,
            }
        })
        .collect::<Vec<_>>();
    let mut reports = Vec::new();
    for (path, member) in b.members.range("reports/".to_string()..) {
        if !path.starts_with("reports/") {
            break;
        }
        if path.ends_with(".minisig") {
            continue;
        }
        let mut fields = Vec::new();
        let mut problem = None;
        match serde_json::from_slice::<serde_json::Value>(member.bytes.as_deref().unwrap_or_default()) {
            Ok(serde_json::Value::Object(map)) => {
                for (k, v) in map.iter().take(64) {
                    let value = match v {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Number(n) => n.to_string(),
                        serde_json::Value::Bool(b) => b.to_string(),
                        _ => continue,
                    };
                    fields.push(Pair { name: clean(k), value: clean(&value) });
                }
            }
            Ok(_) => problem = Some("not a JSON object".to_string()),
            Err(e) => problem = Some(format!("not JSON: {e}")),
        }
        reports.push(ReportView {
            path: clean(path),
            size: member.size,
            digest: member.digest.map(|d| d.to_string()),
            signed: b.members.contains_key(&format!("{path}.minisig")),
            fields,
            problem,
        });
    }
    let provenance = b.members.get("provenance.dsse.json").map(|mb| {
        let parsed = serde_json::from_slice::<serde_json::Value>(mb.bytes.as_deref().unwrap_or_default());
        let (payload_type, problem) = match parsed {
            Ok(v) => (v.get("payloadType").and_then(|p| p.as_str()).map(clean), None),
            Err(e) => (None, Some(format!("not JSON: {e}"))),
        };
        ProvenanceView { size: mb.size, digest: mb.digest.map(|d| d.to_string()), payload_type, problem }
    });
    let build = m.build.as_ref().map(|bd| BuildView {
        command: bd.command.iter().map(|s| clean(s)).collect(),
        command_line: clean(&bd.command.iter().map(|s| shell_quote(s)).collect::<Vec<_>>().join(" ")),
        workdir: clean(&bd.workdir),
        env: bd.env.iter().map(|(k, v)| Pair { name: clean(k), value: clean(v) }).collect(),
        toolchain: bd.toolchain.iter().map(|(k, v)| Pair { name: clean(k), value: clean(v) }).collect(),
        host: bd.host.as_deref().map(clean),
        path_remap: bd
            .path_remap
            .iter()
            .map(|p| Pair { name: p.role.as_str().to_string(), value: clean(&p.to) })
            .collect(),
        dependencies: bd
            .dependencies
            .iter()
            .map(|d| DependencyView {
                name: clean(&d.name),
                version: clean(&d.version),
                source: d.source.as_deref().map(clean),
                checksum: d.checksum.as_deref().map(clean),
            })
            .collect(),
        no_build: bd.no_build,
        vendored: bd.vendored.as_ref().map(|v| BundleFileView {
            path: v.path.to_string(),
            size: b.members.get(v.path.as_str()).map(|mb| mb.size),
            digest: Some(v.digest.to_string()),
        }),
    });
    let valid_signatures = verdict
        .map(|_| signatures.iter().filter(|s| s.status.as_ref().is_some_and(|st| st.state == Validity::Valid)).count());
    let summary = ReleaseSummary {
        name: name.to_string(),
        version: version.to_string(),
        bundle: b.file_name.clone(),
        origin: b.origin.as_str(),
        created: m.created.clone(),
        vcs: m.source.vcs.as_ref().map(|v| VcsView {
            commit: clean(&v.commit),
            tree: clean(&v.tree),
            tag: v.tag.as_deref().map(clean),
            remote: v.remote.as_deref().map(clean),
            dirty: v.dirty,
        }),
        count: m.source.count,
        total_size: m.source.files.iter().map(|e| e.size()).sum(),
        merkle_root: m.source.merkle_root.to_string(),
        manifest_digest: b.manifest_digest.to_string(),
        href: layout::release_page(name, version),
        tree_href: layout::tree_page(&rdir, ""),
        components_href: layout::components_page(name, version),
        changes_href: layout::changes_page(name, version),
        licenses_href: layout::licenses_page(name, version),
        previous_version: None,
        change_count: None,
        file_change_count: None,
        source_given,
        signature_count: signatures.len(),
        key_ids: signatures.iter().map(|s| s.key_id.clone()).collect(),
        valid_signatures,
        policy: verdict.map(|v| v.policy.clone()),
        artifact_count: artifacts.len(),
        sbom_count: sboms.len(),
        report_count: reports.len(),
        reviews: None,
        log: None,
    };
    let view = ReleaseView {
        summary,
        build,
        artifacts,
        sboms,
        reports,
        provenance,
        signatures,
        bundle_files: b.members.iter().map(|(p, mb)| member_view(p, mb)).collect(),
        top_dirs: Vec::new(),
        size_chart: String::new(),
        review_folders: Vec::new(),
        review_chart: String::new(),
    };
    (view, merged)
}

/// The release page's size chart: source bytes per top-level directory.
fn top_dirs(dirs: &[DirNode], files: &[Entry], name: &str, version: &str) -> (Vec<TopDirView>, String) {
    const SHOWN: usize = 12;
    let root = &dirs[0];
    let mut rows: Vec<TopDirView> = root
        .subdirs
        .iter()
        .map(|&d| TopDirView {
            name: clean(&dirs[d].name),
            root_files: false,
            href: Some(dirs[d].href.clone()),
            files: dirs[d].file_count,
            size: dirs[d].total_size,
        })
        .collect();
    if !root.files.is_empty() {
        rows.push(TopDirView {
            name: "files at the top level".into(),
            root_files: true,
            href: Some(root.href.clone()),
            files: root.files.len() as u64,
            size: root.files.iter().map(|&f| files[f].size()).sum(),
        });
    }
    rows.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.name.cmp(&b.name)));
    if rows.len() > SHOWN + 1 {
        let rest = rows.split_off(SHOWN);
        rows.push(TopDirView {
            name: format!("{} more", rest.len()),
            root_files: false,
            href: None,
            files: rest.iter().map(|r| r.files).sum(),
            size: rest.iter().map(|r| r.size).sum(),
        });
    }
    let chart_rows: Vec<crate::svg::Row> = rows
        .iter()
        .map(|r| crate::svg::Row {
            label: if r.root_files || r.href.is_none() { r.name.clone() } else { format!("{}/", r.name) },
            segments: vec![(r.size, "bar")],
            value: format!(
                "{}, {} file{}",
                crate::templates::filesize(r.size),
                r.files,
                if r.files == 1 { "" } else { "s" }
            ),
        })
        .collect();
    let svg = crate::svg::bars(
        "size-chart",
        &format!("Source size of {name} {version} by top-level directory"),
        &format!(
            "{} files, {} in all; the largest entries first.",
            root.file_count,
            crate::templates::filesize(root.total_size)
        ),
        &chart_rows,
        &[],
    );
    (rows, svg)
}

/// A release's place in the log: its index, or why it is not there.
fn release_log_view(l: &vouch_signing::log::Listing, b: &Bundle) -> ReleaseLogView {
    let (name, version) = (&b.manifest.project.name, &b.manifest.project.version);
    let found = l.entries.iter().find_map(|e| {
        let r = e.release.as_ref()?;
        (r.name == *name && r.version == *version).then_some((e.index, r.digest))
    });
    let (index, problem) = match found {
        Some((i, d)) if d == b.manifest_digest => (Some(i), None),
        Some((i, d)) => (
            None,
            Some(format!(
                "the log has another manifest for this release at index {i} ({d}); this bundle's is {}",
                b.manifest_digest
            )),
        ),
        None => (None, Some("not in the release log".to_string())),
    };
    ReleaseLogView {
        origin: clean(&l.origin),
        index,
        size: l.size,
        witnesses: l.cosigners.iter().map(|c| clean(&c.name)).collect(),
        problem: problem.map(|p| clean(&p)),
    }
}

/// The log page: head, cosignatures and every entry linked to its release.
fn log_page_view(l: &vouch_signing::log::Listing, bundles: &[Bundle]) -> LogPageView {
    LogPageView {
        origin: clean(&l.origin),
        size: l.size,
        root: l.root.clone(),
        key: clean(&l.key),
        cosigners: l
            .cosigners
            .iter()
            .map(|c| Pair { name: clean(&c.name), value: vouch_signing::policy::show_time(c.time as i64) })
            .collect(),
        unchecked: l.unchecked.iter().map(|u| clean(u)).collect(),
        entries: l
            .entries
            .iter()
            .map(|e| {
                let (href, state) = match &e.release {
                    Some(r) => match bundles
                        .iter()
                        .find(|b| b.manifest.project.name == r.name && b.manifest.project.version == r.version)
                    {
                        Some(b) if b.manifest_digest == r.digest => {
                            (Some(layout::release_page(&r.name, &r.version)), "shown")
                        }
                        Some(_) => (None, "differs"),
                        None => (None, "absent"),
                    },
                    None => (None, "absent"),
                };
                LogEntryView { index: e.index, text: clean(&e.text), href, state }
            })
            .collect(),
    }
}

/// The release's review coverage: summary, per-folder rows and chart.
fn review_views(view: &mut ReleaseView, rr: &crate::ReleaseReviews, b: &Bundle) {
    let Some(cov) = &rr.coverage else { return };
    let pct = |covered: usize, files: usize| {
        if files == 0 { "100.0".to_string() } else { format!("{:.1}", 100.0 * covered as f64 / files as f64) }
    };
    let req = rr.requirement.as_ref();
    view.summary.reviews = Some(ReviewSummaryView {
        criteria: clean(&cov.criteria.join(", ")),
        percent: pct(cov.covered_files, cov.files),
        covered_files: cov.covered_files,
        files: cov.files,
        covered_bytes: cov.covered_bytes,
        bytes: cov.bytes,
        held: req.map(|r| r.held),
        failures: req.map(|r| r.failures.iter().map(|f| clean(f)).collect()).unwrap_or_default(),
        warnings: req.map(|r| r.warnings.iter().map(|f| clean(f)).collect()).unwrap_or_default(),
        counted: rr.counted,
        not_counted: rr.not_counted.iter().map(|(f, w)| Pair { name: clean(f), value: clean(w) }).collect(),
        left_count: cov.left.len(),
        flagged_count: cov.flagged.len(),
        left_href: layout::left_page(&b.manifest.project.name, &b.manifest.project.version),
    });
    view.review_folders = cov
        .by_folder
        .iter()
        .map(|(name, &(files, covered))| ReviewFolderView {
            name: if name == "." { "files at the top level".into() } else { clean(name) },
            files,
            covered,
            percent: pct(covered, files),
        })
        .collect();
    let rows: Vec<crate::svg::Row> = view
        .review_folders
        .iter()
        .map(|f| crate::svg::Row {
            label: f.name.clone(),
            segments: vec![(f.covered as u64, "bar-add"), ((f.files - f.covered) as u64, "bar-del")],
            value: format!("{}% of {} file{}", f.percent, f.files, if f.files == 1 { "" } else { "s" }),
        })
        .collect();
    view.review_chart = crate::svg::bars(
        "review-chart",
        &format!(
            "Review coverage of {} {} by top-level directory",
            b.manifest.project.name, b.manifest.project.version
        ),
        &format!("{} of {} files covered under {}.", cov.covered_files, cov.files, cov.criteria.join(", ")),
        &rows,
        &[("bar-add", "covered"), ("bar-del", "left to review or flagged")],
    );
}

/// Who reviewed a file's exact bytes, and their notes (linked to lines).
pub(crate) fn file_reviews(
    rr: &crate::ReleaseReviews,
    path: &str,
) -> (Vec<crate::model::FileReviewView>, Vec<FileNoteView>) {
    let Some((reviews, notes)) = rr.files.get(path) else { return (Vec::new(), Vec::new()) };
    let notes = notes
        .iter()
        .map(|n| FileNoteView { line: n.line, text: clean(&n.text), href: n.line.map(|l| format!("#L{l}")) })
        .collect();
    (reviews.clone(), notes)
}

/// Components grouped by license expression, those without one first.
pub(crate) fn license_groups(sboms: &[SbomView]) -> Vec<LicenseGroupView> {
    let mut none = Vec::new();
    let mut by: BTreeMap<&str, Vec<LicensedView>> = BTreeMap::new();
    for s in sboms {
        let Some(doc) = &s.document else { continue };
        for c in &doc.components {
            let v = LicensedView {
                name: c.name.clone(),
                version: c.version.clone(),
                purl: c.purl.clone(),
                sbom: s.path.clone(),
                href: c.anchor.clone(),
            };
            if c.licenses.is_empty() {
                none.push(v);
            } else {
                for l in &c.licenses {
                    by.entry(l.as_str()).or_default().push(v.clone());
                }
            }
        }
    }
    let sort = |v: &mut Vec<LicensedView>| {
        v.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.version.cmp(&b.version)));
    };
    let mut out = Vec::new();
    if !none.is_empty() {
        sort(&mut none);
        out.push(LicenseGroupView { expression: None, anchor: "license-none".into(), components: none });
    }
    let mut groups: Vec<(&str, Vec<LicensedView>)> = by.into_iter().collect();
    groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(b.0)));
    for (i, (l, mut v)) in groups.into_iter().enumerate() {
        sort(&mut v);
        out.push(LicenseGroupView {
            expression: Some(l.to_string()),
            anchor: format!("license-{}", i + 1),
            components: v,
        });
    }
    out
}

/// Releases of one project, newest first: SemVer order when every version
/// is SemVer, else by `created` (then version text).
fn order_releases(rs: &[&ReleaseSummary]) -> (Vec<usize>, &'static str) {
    let parsed: Option<Vec<semver::Version>> = rs.iter().map(|r| semver::Version::parse(&r.version).ok()).collect();
    let mut idx: Vec<usize> = (0..rs.len()).collect();
    match parsed {
        Some(vs) => {
            idx.sort_by(|&a, &b| vs[b].cmp(&vs[a]).then_with(|| rs[b].version.cmp(&rs[a].version)));
            (idx, "semver")
        }
        None => {
            idx.sort_by(|&a, &b| rs[b].created.cmp(&rs[a].created).then_with(|| rs[b].version.cmp(&rs[a].version)));
            (idx, "created")
        }
    }
}

pub(crate) fn crumb(title: &str, href: Option<String>) -> Crumb {
    Crumb { title: title.to_string(), href, rel: false, version: false }
}

pub(crate) fn release_crumbs(s: &ReleaseSummary) -> Vec<Crumb> {
    vec![
        crumb("Releases", Some("index.html".into())),
        crumb(&s.name, Some(format!("index.html#p-{}", s.name))),
        crumb(&s.version, Some(s.href.clone())),
    ]
}

pub(crate) fn dir_crumbs(r: &Release, d: &DirNode, current: bool) -> Vec<Crumb> {
    let mut c = release_crumbs(&r.view.summary);
    let mut chain = Vec::new();
    let mut cur = Some(d);
    while let Some(x) = cur {
        chain.push(x);
        cur = x.parent.map(|p| &r.dirs[p]);
    }
    chain.reverse();
    let last = chain.len() - 1;
    for (i, x) in chain.into_iter().enumerate() {
        let title = if x.path.is_empty() { "source" } else { x.name.as_str() };
        let href = if current && i == last { None } else { Some(x.href.clone()) };
        c.push(crumb(title, href));
    }
    c
}

/// The row of `e`'s path in the release at `pos` of a project's releases
/// `idx` (newest first): its digest, how it stands against the older
/// releases, and its page there.
fn history_row(releases: &[Release], idx: &[usize], pos: usize, e: &Entry, project_dir: &str) -> crate::history::Row {
    let path = e.path().as_str();
    // The newest older release with the path, and whether it is the one
    // just before.
    let older = idx.iter().enumerate().skip(pos + 1).find_map(|(opos, &j)| {
        let files = &releases[j].bundle.manifest.source.files;
        files.binary_search_by(|f| f.path().as_str().as_bytes().cmp(path.as_bytes())).ok().map(|k| (opos, &files[k]))
    });
    let state = match older {
        None => "first",
        Some((opos, _)) if opos != pos + 1 => "added",
        Some((_, oe)) if oe.digest() != e.digest() || oe.commit() != e.commit() || oe.kind() != e.kind() => "changed",
        Some(_) => "unchanged",
    };
    let r = &releases[idx[pos]];
    let rel = |h: String| h.strip_prefix(project_dir).map(str::to_string).unwrap_or(h);
    let page = if r.source.is_some() {
        layout::file_page(&r.rdir, path)
    } else {
        layout::tree_page(&r.rdir, e.path().parent())
    };
    let diff = match r.file_changes.get(path) {
        Some(("modified", d)) if state == "changed" => d.clone().map(rel),
        _ => None,
    };
    let digest = e.digest().map(|d| d.to_string()).or_else(|| e.commit().map(str::to_string));
    crate::history::Row { digest, state, page: rel(page), diff }
}

/// Rows on one part of a long page (a directory's entries, a release's
/// changed files); the rest are on further parts, each linked from all.
pub const PAGE_ROWS: usize = 2000;

/// How many parts `rows` rows take (one at least).
pub(crate) fn parts(rows: usize) -> usize {
    rows.div_ceil(PAGE_ROWS).max(1)
}

/// The links between the parts of a page (`None` for a page of one part).
pub(crate) fn pager(page: &str, part: usize, rows: usize, what: &'static str) -> Option<PagerView> {
    let n = parts(rows);
    (n > 1).then(|| PagerView {
        what,
        rows,
        current: part + 1,
        parts: (0..n)
            .map(|k| PartView {
                n: k + 1,
                first: k * PAGE_ROWS + 1,
                last: ((k + 1) * PAGE_ROWS).min(rows),
                href: layout::part_page(page, k),
                current: k == part,
            })
            .collect(),
    })
}

pub(crate) fn entry_kind(e: &Entry) -> &'static str {
    e.kind().as_str()
}

/// Renders the site described by `opts`, in named steps (as zola's
/// `Site::build`): read the bundles, collect the releases, start ctags,
/// link each release to its previous one, compare, build the search
/// indexes and file histories, list the signers, plan the pages, write
/// the statics and scripts, render the pages and the file pages, write the
/// marker and the code indexes, and swap the site into place.
///
/// The site is written into a temporary directory next to `opts.output`
/// and renamed into place only when every page rendered. An existing
/// `opts.output` is replaced only if it is empty or a vouch site (holds the
/// `.vouch-site` marker); anything else is refused.
pub fn build(opts: &Options) -> Result<Summary, SiteError> {
    // The open-file limit raised and the table of open files grown to the
    // folder handles a build holds, before the build's threads share it.
    crate::reuse::handle_budget();
    crate::reuse::start_hashing_binary();
    check_output(&opts.output)?;
    // Held until the new site is in place: builds into one folder take
    // turns, each reusing what the one before it left.
    let _turn = lock_output(&opts.output)?;
    // The previous build, read while the bundles are checked: its marker,
    // read once, gives its pages and names the user's cache records of
    // this site, which are read while the pages are planned (the file
    // pages are the first to need them), as is which ctags there is and
    // what it found in earlier builds.
    let old_loading = {
        let output = opts.output.clone();
        std::thread::spawn(move || {
            let old_marker = crate::reuse::read_marker(&output);
            let old_site = old_marker.as_deref().map(crate::seen::SiteId::of);
            let seen = std::thread::spawn(move || crate::seen::Seen::load(old_site));
            let words = std::thread::spawn(move || crate::wordcache::WordCache::load(old_site));
            let ctags = std::thread::spawn(move || {
                let ctags = crate::tags::probe();
                let cache = crate::tags::Cache::load(old_site, &ctags);
                (ctags, cache)
            });
            let previous = crate::reuse::Previous::of(&output, old_marker.as_deref());
            (previous, seen, words, ctags)
        })
    };
    let mut theme = crate::templates::load(opts.templates.as_deref())?;
    let mut skipped = Vec::new();
    let mut problems = Vec::new();
    let bundles = crate::bundle::read_all_checked(&opts.bundles, &mut skipped, &mut problems)?;
    let sources = sources(opts, &bundles)?;
    let (previous, seen_loading, words_loading, ctags_probe) =
        old_loading.join().unwrap_or_else(|p| std::panic::resume_unwind(p));

    let mut releases = collect_releases(opts, &bundles, &sources);
    // A release whose `file/` folder the previous site lists may have it
    // moved whole from there (see `file_pages::render_all`): its folders
    // are made only if it is not, and what the old one holds is listed
    // meanwhile.
    let deferred: Vec<bool> = releases
        .iter()
        .map(|r| r.source.is_some() && previous.folder_key(&crate::file_pages::files_dir(r)).is_some())
        .collect();
    for (r, _) in releases.iter().zip(&deferred).filter(|(_, d)| **d) {
        previous.start_listing(&crate::file_pages::files_dir(r));
    }
    let shared = crate::reuse::shared(&theme.digest, &opts.title);
    let ctags = ctags_probe.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
    let (defs, ctags_runs) = start_definitions(ctags, &releases, &previous, &shared);
    let ordered = link_previous(&mut releases);
    let (defs, tag_cache) = defs.join(ctags_runs);
    compare(&mut releases);
    let projects = project_views(&releases, &ordered);
    // The file histories beside the rest (neither needs the other).
    let (history, (search_scripts, search_projects, signers, log_page)) = rayon::join(
        || histories(&releases, &ordered, &previous, &shared),
        || {
            let search_scripts = search_indexes(&releases, &ordered, &previous, &shared);
            let search_projects = search_projects(&releases, &ordered, &defs);
            let signers = signers(opts, &releases);
            let log_page = log_checks(opts, &bundles, &mut problems);
            (search_scripts, search_projects, signers, log_page)
        },
    );
    let problems: Vec<String> = problems.iter().map(|p| clean(p)).collect();
    let jobs = crate::pages::plan(&releases, log_page.is_some());

    let (parent, tmp) = staging(&opts.output)?;
    let out = tmp.path();
    let mut shared_files = crate::reuse::Dedup::new(out);
    let (scripts, dirs) = rayon::join(
        || write_scripts(out, &theme, &search_scripts, &history, &mut shared_files),
        || make_dirs(out, &releases, &deferred),
    );
    let (mut files, mut bytes) = scripts?;
    dirs?;

    theme.tera.global_context().insert("site", &crate::pages::SiteView { title: opts.title.clone() });
    let renderer = crate::pages::Renderer {
        theme: &theme,
        out,
        bytes: AtomicU64::new(0),
        previous: &previous,
        folders: crate::reuse::Folders::new(out),
        shared,
        keyed: Default::default(),
        kept: Default::default(),
    };
    crate::pages::Pages {
        releases: &releases,
        projects: &projects,
        problems: &problems,
        log_page: &log_page,
        trust_value: crate::pages::SharedValue::of(&opts.trust),
        signers: &signers,
        search_projects: &search_projects,
        defs_note: &defs.note,
        title: &opts.title,
        renderer: &renderer,
    }
    .render_all(&jobs)?;
    let seen = seen_loading.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
    let word_cache = words_loading.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
    let mut made =
        crate::file_pages::render_all(&releases, &defs, &renderer, &previous, &seen, &word_cache, &deferred)?;
    let reused = made.reused;
    let moves = std::mem::take(&mut made.moves);
    let mut kept_tags: Vec<(String, Digest, Vec<crate::tags::Tag>)> = defs
        .by_content
        .iter()
        .filter(|(_, (_, copy))| made.verified.contains(copy))
        .map(|((l, d), (t, _))| (l.to_string(), *d, t.clone()))
        .collect();
    let asked: std::collections::HashSet<(&str, Digest)> = defs.by_content.keys().map(|(l, d)| (*l, *d)).collect();
    kept_tags.extend(tag_cache.carried(|l, d| asked.contains(&(l, d)), |d| defs.first.contains_key(&d)));
    let mut keyed = std::mem::take(&mut *renderer.keyed.lock().unwrap_or_else(|p| p.into_inner()));
    keyed.append(&mut made.keyed);
    keyed.extend(history.keyed.iter().cloned());
    keyed.extend(search_scripts.keyed.iter().cloned());
    let kept_pages = renderer.kept.load(Ordering::Relaxed);
    let pages = jobs.len() + made.pages;
    files += pages;
    bytes += renderer.bytes.load(Ordering::Relaxed);

    // The marker, and what this build found of its sources kept for the
    // next build of the site (named by its marker), while the code index
    // is made.
    let (kept_indexes, marked) = std::thread::scope(|s| {
        let saving = s.spawn(|| {
            let marker = crate::reuse::marker(&keyed);
            let path = out.join(MARKER);
            std::fs::write(&path, &marker).map_err(|source| SiteError::Write { path, source })?;
            let site = crate::seen::SiteId::of(marker.as_bytes());
            seen.save(site);
            tag_cache.save(site, kept_tags);
            word_cache.save(site, |d| defs.first.contains_key(d));
            Ok::<(), SiteError>(())
        });
        let made = code_indexes(&releases, &ordered, &defs, &previous, made, out, &mut shared_files);
        (made, saving.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    });
    marked?;
    let kept_indexes = kept_indexes?;
    files += shared_files.files;
    bytes += shared_files.bytes;

    // Into place: the previous site's folders this build keeps whole are
    // moved in (put back if one cannot be), then the new site replaces it.
    let tmp_path = tmp.keep();
    let moved = move_folders(&moves, &tmp_path);
    if let Err(e) = moved.and_then(|()| swap_into_place(&tmp_path, &opts.output, &parent)) {
        for (old, rel) in &moves {
            let _ = std::fs::rename(tmp_path.join(rel), old);
        }
        let _ = std::fs::remove_dir_all(&tmp_path);
        return Err(e);
    }
    Ok(Summary { releases: releases.len(), pages, reused, kept_pages, kept_indexes, files, bytes, skipped, problems })
}

/// The `--source` folders by bundle name: each must name a release that is
/// there, be a directory and be given once.
fn sources(opts: &Options, bundles: &[Bundle]) -> Result<BTreeMap<String, PathBuf>, SiteError> {
    let mut sources: BTreeMap<String, PathBuf> = BTreeMap::new();
    for s in &opts.sources {
        let key = format!("{}-{}", s.name, s.version);
        if !bundles.iter().any(|b| b.name == key) {
            return Err(SiteError::SourceSpec {
                spec: format!("{}@{}={}", s.name, s.version, s.dir.display()),
                detail: format!("no bundle {key} in {}", opts.bundles.display()),
            });
        }
        if !s.dir.is_dir() {
            return Err(SiteError::SourceSpec {
                spec: format!("{}@{}={}", s.name, s.version, s.dir.display()),
                detail: format!("{} is not a directory", s.dir.display()),
            });
        }
        if sources.insert(key.clone(), s.dir.clone()).is_some() {
            return Err(SiteError::SourceSpec {
                spec: format!("{}@{}={}", s.name, s.version, s.dir.display()),
                detail: format!("{key} is given twice"),
            });
        }
    }
    Ok(sources)
}

/// Every release with the views its pages need, in bundle-name order.
fn collect_releases<'b>(
    opts: &Options,
    bundles: &'b [Bundle],
    sources: &BTreeMap<String, PathBuf>,
) -> Vec<Release<'b>> {
    let verdicts: Vec<Option<Verdict>> = bundles.par_iter().map(|b| opts.checker.map(|c| c.check(b))).collect();
    let review_results: Vec<Option<crate::ReleaseReviews>> =
        bundles.par_iter().map(|b| opts.reviews.map(|c| c.check(b))).collect();
    let mut releases: Vec<Release> = bundles
        .par_iter()
        .zip(verdicts.par_iter())
        .zip(review_results.into_par_iter())
        .map(|((b, v), reviews)| {
            let src = sources.get(&b.name);
            let (mut view, sbom) = release_view(b, v.as_ref(), src.is_some());
            let rdir = layout::release_dir(&b.manifest.project.name, &b.manifest.project.version);
            let (dirs, dir_index) = build_dirs(&rdir, &b.manifest.source.files);
            let (rows, chart) =
                top_dirs(&dirs, &b.manifest.source.files, &b.manifest.project.name, &b.manifest.project.version);
            view.top_dirs = rows;
            view.size_chart = chart;
            if let Some(rr) = &reviews {
                review_views(&mut view, rr, b);
            }
            if let Some(l) = opts.log {
                view.summary.log = Some(release_log_view(l, b));
            }
            let source = src.map(|root| {
                let paths: Vec<&str> = dirs.iter().map(|d| d.path.as_str()).collect();
                SourceTree::new(root.clone(), &paths)
            });
            let summary_value = crate::pages::SharedValue::of(&view.summary);
            Release {
                bundle: b,
                view,
                summary_value,
                dirs,
                dir_index,
                source,
                rdir,
                sbom,
                changes: crate::changes::first(),
                diff_jobs: Vec::new(),
                file_changes: HashMap::new(),
                previous: None,
                reviews,
            }
        })
        .collect();
    releases.sort_by(|a, b| a.bundle.name.cmp(&b.bundle.name));
    releases
}

/// Definitions from universal-ctags, and which releases' code indexes the
/// previous build already made.
pub(crate) struct Defs {
    /// What the pages' keys hold of ctags: its version, or why it cannot run.
    pub ctags: Result<String, String>,
    /// What every page's key starts with (see [`crate::reuse::shared`]).
    pub shared: [u8; 32],
    /// Per release: its code index's key as expected from the bundle and ctags.
    pub index_pre: Vec<crate::reuse::Key>,
    /// Per release: whether its code index must be built (its words gathered).
    pub need_words: Vec<bool>,
    /// Per release: ctags not run over it (its code index is kept).
    pub tags_skipped: Vec<bool>,
    /// Per release: what ctags found, by path (none when it did not run).
    pub tags: Vec<Option<HashMap<String, Vec<crate::tags::Tag>>>>,
    /// What each language and digest parsed to (in this build or an
    /// earlier one), and the copy (release, entry) its definitions are of:
    /// they are kept, and indexed, only if its bytes matched the manifest.
    pub by_content: ByContent,
    /// The first entry (release, entry) with each digest: the copy checked
    /// first (see `file_pages::first_copies`).
    pub first: crate::FastMap<Digest, (usize, usize)>,
    /// Why definitions are not indexed, when ctags cannot run.
    pub note: Option<String>,
}

/// Definitions by language and digest, and the copy (release, entry) they are of.
type ByContent = HashMap<(&'static str, Digest), (Vec<crate::tags::Tag>, (usize, usize))>;
/// Per release: each entry's path, language and digest.
type Wanted = Vec<Option<Vec<(String, &'static str, Digest)>>>;

type TagRun = std::thread::JoinHandle<Result<HashMap<String, Vec<crate::tags::Tag>>, String>>;

/// The ctags runs started, and what each release asks of them.
pub(crate) struct TagRuns {
    /// One run per source folder (by release) with bytes to parse.
    runs: Vec<(usize, TagRun)>,
    /// Per release whose definitions are gathered: each entry's path, and
    /// the language and digest its definitions are kept under.
    wanted: Wanted,
    /// For each language and digest: the copy its definitions are of (the
    /// release, its entry and path), and whether the cache has them.
    at: HashMap<(&'static str, Digest), (usize, usize, String, bool)>,
    cache: crate::tags::Cache,
}

/// Starts universal-ctags over the releases with sources whose code index
/// is not kept, each in a thread of its own (joined by [`Defs::join`]
/// before the pages render). Definitions are found by content: bytes the
/// cache of earlier builds has for a language are not parsed again, and
/// bytes several entries share are parsed once, in the copy the file pages
/// show (the first entry with that digest, see `file_pages`), when it is of
/// the same language, else in the entry's own.
fn start_definitions(
    (ctags, cache): (Result<String, String>, crate::tags::Cache),
    releases: &[Release],
    previous: &crate::reuse::Previous,
    shared: &[u8; 32],
) -> (Defs, TagRuns) {
    // The code index of a release whose inputs are those of the previous
    // build is kept: expected from the bundle and ctags (`index_pre`), and
    // confirmed by every file page's key once they are known. Its words are
    // then not gathered, nor ctags run over it (a page of it that renders
    // runs ctags over its one file).
    let index_pre: Vec<crate::reuse::Key> = releases
        .iter()
        .map(|r| {
            let mut h = crate::reuse::KeyHasher::new(shared);
            h.bytes(b"code index").bytes(r.rdir.as_bytes()).bytes(&r.bundle.manifest_digest.0);
            h.json(&ctags);
            h.finish()
        })
        .collect();
    let need_words: Vec<bool> = index_pre.iter().map(|k| previous.dir(k).is_none()).collect();
    let tags_skipped: Vec<bool> =
        releases.iter().zip(&need_words).map(|(r, need)| !need && r.source.is_some() && ctags.is_ok()).collect();
    let first = crate::file_pages::first_copies(releases);
    #[allow(clippy::type_complexity)]
    let wanted: Vec<Option<Vec<(usize, String, &'static str, Digest)>>> = releases
        .iter()
        .zip(&tags_skipped)
        .map(|(r, &skipped)| {
            let tree = r.source.as_ref()?;
            ctags.as_ref().ok()?;
            if skipped {
                return None;
            }
            Some(crate::file_pages::ctags_entries(r, tree))
        })
        .collect();
    let mut at: HashMap<(&'static str, Digest), (usize, usize, String, bool)> = HashMap::new();
    let mut lists: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (i, w) in wanted.iter().enumerate() {
        for (f, path, lang, d) in w.iter().flatten() {
            if at.contains_key(&(*lang, *d)) {
                continue;
            }
            let shown = first.get(d).and_then(|&(j, f)| {
                let r = &releases[j];
                let e = &r.bundle.manifest.source.files[f];
                let tree = r.source.as_ref()?;
                (crate::highlight::lang_of(e.path().file_name()).map(|l| l.name) == Some(*lang)
                    && crate::source::is_plain_file(tree, e))
                .then(|| (j, f, e.path().as_str().to_string()))
            });
            let (j, f, p) = shown.unwrap_or_else(|| (i, *f, path.clone()));
            let cached = cache.get(lang, *d).is_some();
            if !cached {
                lists.entry(j).or_default().push(p.clone());
            }
            at.insert((*lang, *d), (j, f, p, cached));
        }
    }
    let wanted = wanted.into_iter().map(|w| Some(w?.into_iter().map(|(_, p, l, d)| (p, l, d)).collect())).collect();
    let runs = lists
        .into_iter()
        .map(|(j, mut paths)| {
            paths.sort_unstable();
            paths.dedup();
            let root = releases[j].source.as_ref().map(|t| t.root.clone()).unwrap_or_default();
            (j, std::thread::spawn(move || crate::tags::run(&root, &paths)))
        })
        .collect();
    let note = ctags.as_ref().err().map(|why| format!("Definitions are not indexed: {why}."));
    let defs = Defs {
        ctags,
        shared: *shared,
        index_pre,
        need_words,
        tags_skipped,
        tags: Vec::new(),
        by_content: HashMap::new(),
        first,
        note,
    };
    (defs, TagRuns { runs, wanted, at, cache })
}

impl Defs {
    /// Waits for the ctags runs: each release's definitions by path (none
    /// when a run it needs failed).
    fn join(mut self, runs: TagRuns) -> (Defs, crate::tags::Cache) {
        let TagRuns { runs, wanted, at, cache } = runs;
        let done: HashMap<usize, Option<HashMap<String, Vec<crate::tags::Tag>>>> =
            runs.into_iter().map(|(j, h)| (j, h.join().ok().and_then(Result::ok))).collect();
        let mut by_content: ByContent = HashMap::new();
        self.tags = wanted
            .into_iter()
            .map(|w| {
                let mut out: HashMap<String, Vec<crate::tags::Tag>> = HashMap::new();
                for (path, lang, d) in w? {
                    let (j, f, p, cached) = at.get(&(lang, d))?;
                    let tags = match cached {
                        true => cache.get(lang, d)?.clone(),
                        false => done.get(j)?.as_ref()?.get(p).cloned().unwrap_or_default(),
                    };
                    by_content.entry((lang, d)).or_insert_with(|| (tags.clone(), (*j, *f)));
                    if !tags.is_empty() {
                        out.insert(path, tags);
                    }
                }
                Some(out)
            })
            .collect();
        self.by_content = by_content;
        (self, cache)
    }
}

/// One project's name, its releases (newest first) and how they were ordered.
type Ordered = (String, Vec<usize>, &'static str);

/// Each project's releases, newest first; each release's previous one.
fn link_previous(releases: &mut [Release]) -> Vec<Ordered> {
    let mut by_project: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in releases.iter().enumerate() {
        by_project.entry(r.view.summary.name.clone()).or_default().push(i);
    }
    let mut ordered: Vec<(String, Vec<usize>, &'static str)> = Vec::new();
    for (name, idx) in by_project {
        let sums: Vec<&ReleaseSummary> = idx.iter().map(|&i| &releases[i].view.summary).collect();
        let (order, how) = order_releases(&sums);
        let idx: Vec<usize> = order.into_iter().map(|k| idx[k]).collect();
        for w in idx.windows(2) {
            releases[w[0]].previous = Some(w[1]);
        }
        ordered.push((name, idx, how));
    }
    ordered
}

/// What changed in each release since its previous one.
fn compare(releases: &mut [Release]) {
    let compared: Vec<Option<(ChangesView, Vec<crate::changes::DiffJob>)>> = releases
        .par_iter()
        .map(|r| {
            let p = &releases[r.previous?];
            fn side<'a>(x: &'a Release) -> crate::changes::Side<'a> {
                crate::changes::Side {
                    version: &x.view.summary.version,
                    rdir: &x.rdir,
                    href: &x.view.summary.href,
                    tree_href: &x.view.summary.tree_href,
                    files: &x.bundle.manifest.source.files,
                    build: x.view.build.as_ref(),
                    dependencies: x
                        .bundle
                        .manifest
                        .build
                        .as_ref()
                        .map(|b| b.dependencies.as_slice())
                        .unwrap_or_default(),
                    sbom: x.sbom.as_ref(),
                    source_given: x.source.is_some(),
                }
            }
            Some(crate::changes::compare(&side(p), &side(r)))
        })
        .collect();
    for (i, c) in compared.into_iter().enumerate() {
        let prev = releases[i].previous.map(|p| releases[p].view.summary.version.clone());
        let r = &mut releases[i];
        if let Some((changes, jobs)) = c {
            r.view.summary.change_count = Some(changes.total);
            r.view.summary.file_change_count = Some(changes.file_count);
            for f in &changes.added {
                r.file_changes.insert(f.path.clone(), ("added", None));
            }
            for f in &changes.modified {
                r.file_changes.insert(f.path.clone(), ("modified", f.diff_href.clone()));
            }
            r.changes = changes;
            r.diff_jobs = jobs;
        }
        r.view.summary.previous_version = prev;
        r.summary_value = crate::pages::SharedValue::of(&r.view.summary);
    }
}

/// The index page's projects, by name, releases newest first.
fn project_views(releases: &[Release], ordered: &[Ordered]) -> Vec<ProjectView> {
    ordered
        .iter()
        .map(|(name, idx, order)| ProjectView {
            anchor: format!("p-{name}"),
            name: name.clone(),
            order,
            releases: idx.iter().map(|&i| releases[i].view.summary.clone()).collect(),
        })
        .collect()
}

/// Scripts made per release, each release's kept from the previous build
/// by its key: the path search index (see `search`, a script per
/// release) and the history (see `history`, a folder per release).
struct PerRelease {
    /// Scripts to write, by path in the site.
    scripts: Vec<(String, String)>,
    /// Each release's script or folder by its key, for the marker.
    keyed: Vec<(crate::reuse::Key, String)>,
    /// Those the previous build has with their key: linked from there
    /// (path in this site, in the previous one).
    kept: Vec<(String, PathBuf)>,
}

/// Each project's list of parts, and each release's part: its key over
/// what the part holds (its folder, manifest, whether its sources are
/// given, its components), and its script unless the previous build has
/// the key.
fn search_indexes(
    releases: &[Release],
    ordered: &[Ordered],
    previous: &crate::reuse::Previous,
    shared: &[u8; 32],
) -> PerRelease {
    let mut out = PerRelease { scripts: Vec::new(), keyed: Vec::new(), kept: Vec::new() };
    for (name, idx, _) in ordered {
        let mut parts = Vec::new();
        for &i in idx {
            let r = &releases[i];
            let part = layout::search_part(name, &r.view.summary.version);
            let components: Vec<(&str, Option<&str>, &str)> = r
                .view
                .sboms
                .iter()
                .filter_map(|s| s.document.as_ref())
                .flat_map(|doc| {
                    doc.components.iter().map(|c| (c.name.as_str(), c.version.as_deref(), c.anchor.as_str()))
                })
                .collect();
            let mut k = crate::reuse::KeyHasher::new(shared);
            k.bytes(b"search part").bytes(part.as_bytes()).bytes(r.rdir.as_bytes()).bytes(&r.bundle.manifest_digest.0);
            k.json(&r.source.is_some()).json(&r.view.summary.version).json(&components);
            let key = k.finish();
            out.keyed.push((key, part.clone()));
            parts.push(part.clone());
            if let Some(old) = previous.page(&key) {
                out.kept.push((part, old));
                continue;
            }
            let mut ix = crate::search::ReleaseIndex::new(&r.view.summary.version, &r.rdir, "index.html");
            ix.list("files");
            let files = &r.bundle.manifest.source.files;
            for node in &r.dirs {
                for &f in &node.files {
                    let e = &files[f];
                    let href = if r.source.is_some() {
                        layout::file_page_encoded(&r.rdir, &node.enc, e.path().file_name())
                    } else {
                        node.href.clone()
                    };
                    let rel = href.strip_prefix(r.rdir.as_str()).unwrap_or(&href);
                    let path = clean(e.path().as_str());
                    // `""` when the page is `file/<path>.html` spelled as is
                    // (most paths): the index is then about half the size.
                    let plain =
                        rel.strip_prefix("file/").and_then(|x| x.strip_suffix(".html")).is_some_and(|x| x == path);
                    ix.item(&[&path, if plain { "" } else { rel }]);
                }
            }
            ix.list("components");
            for (cname, version, anchor) in &components {
                ix.item(&[cname, version.unwrap_or(""), &format!("components.html#{anchor}")]);
            }
            out.scripts.push((part, ix.finish()));
        }
        out.scripts.push((layout::search_script(name), crate::search::list_script(name, &parts)));
    }
    out
}

/// What the search page says of each project.
fn search_projects(releases: &[Release], ordered: &[Ordered], defs: &Defs) -> Vec<SearchProjectView> {
    ordered
        .iter()
        .map(|(name, idx, _)| SearchProjectView {
            name: name.clone(),
            src: layout::search_script(name),
            code: idx.iter().any(|&i| releases[i].source.is_some()).then(|| layout::code_search_dir(name)),
            defs: idx.iter().any(|&i| defs.tags[i].is_some() || defs.tags_skipped[i]),
            releases: idx.len(),
            files: idx.iter().map(|&i| releases[i].view.summary.count).sum(),
        })
        .collect()
}

/// Each project's list of releases, and each release's history folder: its
/// key over what its rows depend on (this release and the older ones:
/// their folders, manifests and whether their sources are given, and its
/// changed files), and its scripts unless the previous build has the key.
fn histories(
    releases: &[Release],
    ordered: &[Ordered],
    previous: &crate::reuse::Previous,
    shared: &[u8; 32],
) -> PerRelease {
    let mut h = PerRelease { scripts: Vec::new(), keyed: Vec::new(), kept: Vec::new() };
    for (name, idx, _) in ordered.iter().filter(|(_, idx, _)| idx.iter().any(|&i| releases[i].source.is_some())) {
        let pdir = layout::project_dir(name);
        let rel = |x: &str| x.strip_prefix(pdir.as_str()).unwrap_or(x).to_string();
        let mut list = Vec::new();
        for (pos, &i) in idx.iter().enumerate() {
            let r = &releases[i];
            let s = &r.view.summary;
            let dir = format!("{}history/", r.rdir);
            let mut k = crate::reuse::KeyHasher::new(shared);
            k.bytes(b"history").bytes(dir.as_bytes());
            for &o in &idx[pos..] {
                let o = &releases[o];
                k.bytes(o.rdir.as_bytes()).bytes(&o.bundle.manifest_digest.0).json(&o.source.is_some());
            }
            let mut changed: Vec<_> = r.file_changes.iter().collect();
            changed.sort_unstable();
            k.json(&changed);
            let key = k.finish();
            h.keyed.push((key, dir.clone()));
            // Its shards: the scripts its folder holds.
            let names: Vec<String> = match previous.dir(&key) {
                Some(old) => {
                    let names = std::fs::read_dir(&old)
                        .map(|d| d.filter_map(Result::ok).filter_map(|e| e.file_name().into_string().ok()).collect())
                        .unwrap_or_default();
                    h.kept.push((dir.clone(), old));
                    names
                }
                None => {
                    let files = &r.bundle.manifest.source.files;
                    // A manifest holds each path once.
                    let rows: Vec<(&str, String, crate::history::Row)> = files
                        .par_iter()
                        .map(|e| {
                            (e.path().as_str(), clean(e.path().as_str()), history_row(releases, idx, pos, e, &pdir))
                        })
                        .collect();
                    let scripts = crate::history::release_scripts(&rows);
                    let names = scripts.iter().map(|(f, _)| f.clone()).collect();
                    h.scripts.extend(scripts.into_iter().map(|(f, js)| (format!("{dir}{f}"), js)));
                    names
                }
            };
            list.push((s.version.clone(), rel(&s.changes_href), rel(&dir), crate::history::shard_set(&names)));
        }
        h.scripts.push((format!("{pdir}history.js"), crate::history::list_script(name, &list)));
    }
    h
}

/// The keys page: every key id seen, with what it signed.
fn signers(opts: &Options, releases: &[Release]) -> Vec<SignerView> {
    let mut signers: BTreeMap<String, SignerView> = BTreeMap::new();
    for r in releases {
        for s in &r.view.signatures {
            let e = signers.entry(s.key_id.clone()).or_insert_with(|| SignerView {
                key_id: s.key_id.clone(),
                anchor: format!("key-{}", layout::segment(&s.key_id, false)),
                key_name: opts
                    .trust
                    .as_ref()
                    .and_then(|t| t.keys.iter().find(|k| k.key_id == s.key_id))
                    .map(|k| k.name.clone()),
                signed: Vec::new(),
            });
            e.signed.push(SignedView {
                name: r.view.summary.name.clone(),
                version: r.view.summary.version.clone(),
                href: r.view.summary.href.clone(),
                time: s.time.clone(),
                status: s.status.clone(),
            });
        }
    }
    signers.into_values().collect()
}

/// The release log against the bundles: its page, and what each side lacks
/// added to `problems`.
fn log_checks(opts: &Options, bundles: &[Bundle], problems: &mut Vec<String>) -> Option<LogPageView> {
    let log_page = opts.log.map(|l| log_page_view(l, bundles));
    if let Some(l) = opts.log {
        for b in bundles {
            if let Some(p) = release_log_view(l, b).problem {
                problems.push(format!("{}: {p}", b.name));
            }
        }
        for e in &l.entries {
            if let Some(r) = &e.release
                && !bundles.iter().any(|b| b.manifest.project.name == r.name && b.manifest.project.version == r.version)
            {
                problems
                    .push(format!("{} {} (index {} of the log) is not among the bundles", r.name, r.version, e.index));
            }
        }
    }
    log_page
}

/// A temporary folder beside `output` for the new site, and that parent.
fn staging(output: &Path) -> Result<(PathBuf, tempfile::TempDir), SiteError> {
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|source| SiteError::Write { path: parent.clone(), source })?;
    let tmp = tempfile::Builder::new()
        .prefix(".vouch-site-")
        .tempdir_in(&parent)
        .map_err(|source| SiteError::Write { path: parent.clone(), source })?;
    Ok((parent, tmp))
}

fn mkdir(p: PathBuf) -> Result<(), SiteError> {
    std::fs::create_dir_all(&p).map_err(|source| SiteError::Write { path: p, source })
}

/// Writes the theme's statics, the search scripts and the file histories
/// (these through `shared_files`, which counts its own): the files and
/// bytes written.
fn write_scripts(
    out: &Path,
    theme: &crate::templates::Theme,
    search_scripts: &PerRelease,
    history: &PerRelease,
    shared_files: &mut crate::reuse::Dedup,
) -> Result<(usize, u64), SiteError> {
    mkdir(out.join("static"))?;
    let mut files = 0usize;
    let mut bytes = 0u64;
    for (name, content) in &theme.statics {
        let p = out.join("static").join(name);
        if let Some(d) = p.parent() {
            mkdir(d.to_path_buf())?;
        }
        std::fs::write(&p, content).map_err(|source| SiteError::Write { path: p.clone(), source })?;
        files += 1;
        bytes += content.len() as u64;
    }
    let paths: Vec<PathBuf> = search_scripts.scripts.iter().map(|(rel, _)| out.join(rel)).collect();
    crate::reuse::make_parents(&paths).map_err(|(path, source)| SiteError::Write { path, source })?;
    paths.par_iter().zip(&search_scripts.scripts).try_for_each(|(p, (_, js))| {
        std::fs::write(p, js).map_err(|source| SiteError::Write { path: p.clone(), source })
    })?;
    files += search_scripts.scripts.len();
    bytes += search_scripts.scripts.iter().map(|(_, js)| js.len() as u64).sum::<u64>();
    for (rel, old) in &search_scripts.kept {
        shared_files.link_file(rel, old).map_err(|source| SiteError::Write { path: out.join(rel), source })?;
    }
    let items: Vec<(String, &[u8])> = history.scripts.iter().map(|(rel, js)| (rel.clone(), js.as_bytes())).collect();
    shared_files.write_all(&items).map_err(|(path, source)| SiteError::Write { path, source })?;
    for (dir, old) in &history.kept {
        shared_files.link_dir(dir, old).map_err(|source| SiteError::Write { path: out.join(dir), source })?;
    }
    Ok((files, bytes))
}

/// Waits for, and takes, an exclusive lock (`flock`) on the site in
/// `output`, if there is one: the folder a build replaces is the one whose
/// lock it holds, so two builds into one folder never move or remove each
/// other's pages, and the second reuses the first's.
#[cfg(unix)]
fn lock_output(output: &Path) -> Result<Option<rustix::fd::OwnedFd>, SiteError> {
    use rustix::fs::{CWD, FlockOperation, Mode, OFlags};
    let rerr = |source: rustix::io::Errno| SiteError::Read { path: output.to_path_buf(), source: source.into() };
    loop {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = match rustix::fs::openat(CWD, output, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(rustix::io::Errno::NOENT) => return Ok(None),
            Err(e) => return Err(rerr(e)),
        };
        rustix::fs::flock(&fd, FlockOperation::LockExclusive).map_err(rerr)?;
        // The site locked may have been replaced while this build waited.
        let (held, now) = (rustix::fs::fstat(&fd).map_err(rerr)?, rustix::fs::lstat(output));
        if now.is_ok_and(|n| (n.st_dev, n.st_ino) == (held.st_dev, held.st_ino)) {
            return Ok(Some(fd));
        }
    }
}

#[cfg(not(unix))]
fn lock_output(_output: &Path) -> Result<Option<()>, SiteError> {
    Ok(None)
}

/// Moves each folder `old` of the previous site to its place `rel` in the
/// new site `tmp` (see `file_pages::Rendered::moves`).
fn move_folders(moves: &[(PathBuf, String)], tmp: &Path) -> Result<(), SiteError> {
    for (old, rel) in moves {
        std::fs::rename(old, tmp.join(rel)).map_err(|source| SiteError::Write { path: old.clone(), source })?;
    }
    Ok(())
}

/// The folders of every page: of each release's source folders, and of
/// its file pages unless the release's `file/` folder is `deferred`.
fn make_dirs(out: &Path, releases: &[Release], deferred: &[bool]) -> Result<(), SiteError> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    for (r, &deferred) in releases.iter().zip(deferred) {
        for d in &r.dirs {
            dirs.push(out.join(Path::new(&d.href).parent().unwrap_or(Path::new(""))));
        }
        if r.source.is_some() && !deferred {
            dirs.extend(crate::file_pages::file_dir_paths(out, r));
        }
    }
    // In parallel: a folder made by one thread while another makes its
    // parent is no error for `create_dir_all`.
    dirs.into_par_iter().try_for_each(mkdir)
}

/// The code search index: one folder per release with sources, from the
/// words of each of its files (gathered as the file pages rendered, or
/// read from the source for a page not rendered in this build), and each
/// project's list of those releases; a release's folder whose key the
/// previous build has is linked from it. Returns how many were kept.
fn code_indexes(
    releases: &[Release],
    ordered: &[Ordered],
    defs: &Defs,
    previous: &crate::reuse::Previous,
    made: crate::file_pages::Rendered,
    out: &Path,
    shared_files: &mut crate::reuse::Dedup,
) -> Result<usize, SiteError> {
    let crate::file_pages::Rendered { mut code_words, index_full, verified, .. } = made;
    code_words.sort_unstable_by_key(|(i, f, _)| (*i, *f));
    let mut kept_indexes: Vec<(String, PathBuf)> = Vec::new();
    let mut by_release: Vec<Vec<(usize, Option<Option<crate::codesearch::FileWords<'_>>>)>> =
        (0..releases.len()).map(|_| Vec::new()).collect();
    for (i, f, w) in code_words {
        by_release[i].push((f, w));
    }
    let mut code_scripts: Vec<(String, Vec<(String, String)>)> = by_release
        .into_par_iter()
        .enumerate()
        .filter_map(|(i, got)| {
            let r = &releases[i];
            let tree = r.source.as_ref()?;
            let dir = layout::code_release_dir(&r.view.summary.name, &r.view.summary.version);
            if let Some(old) = previous.dir(&index_full[i]) {
                return Some(Err((dir, old)));
            }
            let entries = &r.bundle.manifest.source.files;
            let mut words: Vec<Option<crate::codesearch::FileWords<'_>>> = Vec::with_capacity(entries.len());
            words.resize_with(entries.len(), || None);
            let mut seen = vec![false; entries.len()];
            for (f, w) in got {
                if let Some(w) = w {
                    seen[f] = true;
                    words[f] = w;
                }
            }
            let unseen: Vec<usize> = (0..entries.len())
                .filter(|&f| {
                    !seen[f]
                        && matches!(
                            entries[f].kind(),
                            vouch_manifests::EntryKind::File | vouch_manifests::EntryKind::Exec
                        )
                })
                .collect();
            let read: Vec<(usize, Option<crate::codesearch::FileWords<'_>>)> = unseen
                .into_par_iter()
                .map_init(|| vec![0u8; 1 << 16], |buf, f| (f, crate::codesearch::words_of(tree, &entries[f], buf)))
                .collect();
            for (f, w) in read {
                words[f] = w;
            }
            // A release expected to keep its index but that does not: ctags now.
            let late = defs.tags_skipped[i]
                .then(|| crate::tags::run(&tree.root, &crate::file_pages::ctags_paths(r, tree)).ok())
                .flatten();
            let release_tags_i = late.as_ref().or(defs.tags[i].as_ref());
            // Definitions by content are indexed only when of bytes that
            // matched (see `Defs::by_content`).
            let of_matched = |e: &Entry| {
                late.is_some()
                    || crate::highlight::lang_of(e.path().file_name())
                        .zip(e.digest())
                        .and_then(|(l, d)| defs.by_content.get(&(l.name, d)))
                        .is_some_and(|(_, copy)| verified.contains(copy))
            };
            let files = words
                .into_iter()
                .enumerate()
                .filter_map(|(f, w)| {
                    let w = w?;
                    let e = &entries[f];
                    let page = crate::file_pages::page_of(r, e);
                    let rel = page.strip_prefix(r.rdir.as_str()).unwrap_or(&page).to_string();
                    let tags = release_tags_i
                        .filter(|_| of_matched(e))
                        .and_then(|t| t.get(e.path().as_str()))
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    Some((clean(e.path().as_str()), rel, w, tags))
                })
                .collect();
            Some(Ok((dir, crate::codesearch::release_scripts(&crate::codesearch::ReleaseFiles { files }))))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .filter_map(|x| match x {
            Ok(made) => Some(made),
            Err((dir, old)) => {
                kept_indexes.push((dir, old));
                None
            }
        })
        .collect();
    for (name, idx, _) in ordered {
        let dirs: Vec<(usize, String)> = idx
            .iter()
            .filter(|&&i| releases[i].source.is_some())
            .map(|&i| (i, layout::code_release_dir(name, &releases[i].view.summary.version)))
            .collect();
        if dirs.is_empty() {
            continue;
        }
        let list: Vec<crate::codesearch::ReleaseEntry> = dirs
            .iter()
            .map(|(i, dir)| crate::codesearch::ReleaseEntry {
                version: &releases[*i].view.summary.version,
                dir,
                base: &releases[*i].rdir,
                defs: defs.tags[*i].is_some() || defs.tags_skipped[*i],
            })
            .collect();
        let script = crate::codesearch::releases_script(&list);
        let path = layout::code_releases_script(name);
        let (dir, file) = path.rsplit_once('/').unwrap_or(("", &path));
        code_scripts.push((format!("{dir}/"), vec![(file.to_string(), script)]));
    }
    let items: Vec<(String, &[u8])> = code_scripts
        .iter()
        .flat_map(|(dir, scripts)| scripts.iter().map(move |(name, js)| (format!("{dir}{name}"), js.as_bytes())))
        .collect();
    shared_files.write_all(&items).map_err(|(path, source)| SiteError::Write { path, source })?;
    for (dir, old) in &kept_indexes {
        shared_files.link_dir(dir, old).map_err(|source| SiteError::Write { path: out.join(dir), source })?;
    }
    Ok(kept_indexes.len())
}

/// Refuses an output folder that exists and is neither empty nor a vouch site.
fn check_output(output: &Path) -> Result<(), SiteError> {
    match std::fs::symlink_metadata(output) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(SiteError::Read { path: output.to_path_buf(), source }),
        Ok(m) if !m.is_dir() => {
            Err(SiteError::Output { path: output.to_path_buf(), detail: "it is not a directory".into() })
        }
        Ok(_) => {
            let empty = std::fs::read_dir(output)
                .map_err(|source| SiteError::Read { path: output.to_path_buf(), source })?
                .next()
                .is_none();
            if empty || output.join(MARKER).is_file() {
                Ok(())
            } else {
                Err(SiteError::Output {
                    path: output.to_path_buf(),
                    detail: format!("it is not empty and not a vouch site (no {MARKER} file); choose another -o"),
                })
            }
        }
    }
}

/// Removes a directory tree, files in parallel.
#[cfg(not(unix))]
fn remove_all(p: &Path) -> std::io::Result<()> {
    let entries: Vec<std::fs::DirEntry> = std::fs::read_dir(p)?.collect::<Result<_, _>>()?;
    entries.par_iter().try_for_each(|e| {
        if e.file_type()?.is_dir() { remove_all(&e.path()) } else { std::fs::remove_file(e.path()) }
    })?;
    std::fs::remove_dir(p)
}

/// Removes a directory tree, files in parallel, each by name in its
/// folder's handle (no path walked per file; a symlink is removed, never
/// followed).
#[cfg(unix)]
fn remove_all(p: &Path) -> std::io::Result<()> {
    use rustix::fs::{AtFlags, CWD, FileType, Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    fn empty(dir: &rustix::fd::OwnedFd, flags: OFlags) -> std::io::Result<()> {
        let mut entries = Vec::new();
        for e in rustix::fs::Dir::read_from(dir)? {
            let e = e?;
            let name = e.file_name();
            if name.to_bytes() != b"." && name.to_bytes() != b".." {
                let t = match e.file_type() {
                    FileType::Unknown => {
                        FileType::from_raw_mode(rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)?.st_mode)
                    }
                    t => t,
                };
                entries.push((name.to_owned(), t == FileType::Directory));
            }
        }
        entries.par_iter().try_for_each(|(name, is_dir)| -> std::io::Result<()> {
            if *is_dir {
                empty(&rustix::fs::openat(dir, name.as_c_str(), flags, Mode::empty())?, flags)?;
                rustix::fs::unlinkat(dir, name.as_c_str(), AtFlags::REMOVEDIR)?;
            } else {
                rustix::fs::unlinkat(dir, name.as_c_str(), AtFlags::empty())?;
            }
            Ok(())
        })
    }
    empty(&rustix::fs::openat(CWD, p, flags, Mode::empty())?, flags)?;
    std::fs::remove_dir(p)
}

fn swap_into_place(tmp: &Path, output: &Path, parent: &Path) -> Result<(), SiteError> {
    check_output(output)?;
    let werr = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SiteError::Write { path, source }
    };
    if output.exists() {
        let old = tempfile::Builder::new().prefix(".vouch-site-old-").tempdir_in(parent).map_err(werr(parent))?.keep();
        std::fs::remove_dir(&old).map_err(werr(&old))?;
        std::fs::rename(output, &old).map_err(werr(output))?;
        if let Err(source) = std::fs::rename(tmp, output) {
            let _ = std::fs::rename(&old, output);
            return Err(SiteError::Write { path: output.to_path_buf(), source });
        }
        let _ = remove_all(&old);
    } else {
        std::fs::rename(tmp, output).map_err(werr(output))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(output, std::fs::Permissions::from_mode(0o755));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{KeyView, PolicySummary, RoleCount, RoleView, SignatureStatus, TrustView, Validity};
    use crate::{Bundle, Options, SignatureCheck, Verdict};
    use std::collections::BTreeMap;
    use vouch_manifests::model::manifest::{Manifest, RawManifest};
    use vouch_manifests::{Project, Source};

    /// Stands in for the signing crate: says what a real check would.
    struct Checker;
    impl SignatureCheck for Checker {
        fn check(&self, bundle: &Bundle) -> Verdict {
            let mut signatures = BTreeMap::new();
            for path in bundle.members.keys().filter(|p| p.starts_with("signatures/")) {
                let state = if path.contains("AAAA") { Validity::Valid } else { Validity::Untrusted };
                signatures.insert(
                    path.clone(),
                    SignatureStatus {
                        state,
                        reason: format!("checked {path}"),
                        key_name: Some("acme-release".into()),
                        roles: vec!["release".into()],
                    },
                );
            }
            Verdict {
                signatures,
                policy: PolicySummary {
                    held: true,
                    summary: "release: 1 of 1 required keys".into(),
                    roles: vec![RoleCount { role: "release".into(), threshold: 1, found: 1 }],
                },
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn removing_an_old_site_removes_its_symlinks_not_what_they_point_to() {
        let d = tempfile::tempdir().unwrap();
        let (site, outside) = (d.path().join("site"), d.path().join("outside"));
        std::fs::create_dir_all(site.join("r/a/b")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("keep.txt"), "mine").unwrap();
        std::fs::write(site.join("index.html"), "x").unwrap();
        std::fs::write(site.join("r/a/b/page.html"), "y").unwrap();
        std::os::unix::fs::symlink(&outside, site.join("r/link")).unwrap();
        std::os::unix::fs::symlink(outside.join("keep.txt"), site.join("r/a/file-link")).unwrap();
        super::remove_all(&site).unwrap();
        assert!(!site.exists());
        assert_eq!(std::fs::read_to_string(outside.join("keep.txt")).unwrap(), "mine");
    }

    #[test]
    fn verdicts_and_policy_reach_the_pages() {
        let tmp = tempfile::tempdir().unwrap();
        let bdir = tmp.path().join("bundles/app-1.0.0");
        std::fs::create_dir_all(bdir.join("signatures")).unwrap();
        let m = Manifest::new(RawManifest {
            schema: vouch_manifests::model::manifest::SCHEMA.into(),
            project: Project { name: "app".parse().unwrap(), version: "1.0.0".parse().unwrap() },
            created: None,
            source: Source {
                vcs: None,
                merkle_root: vouch_manifests::model::merkle::root_of_entries(&[]),
                count: 0,
                files: vec![],
            },
            build: None,
            artifacts: None,
            sboms: None,
        })
        .unwrap();
        m.write(&bdir.join("manifest.json")).unwrap();
        std::fs::write(bdir.join("signatures/AAAAAAAAAAAAAAAA.minisig"), "untrusted comment: x\n").unwrap();
        std::fs::write(bdir.join("signatures/BBBBBBBBBBBBBBBB.minisig"), "untrusted comment: y\n").unwrap();
        let trust = TrustView {
            file_name: "trust.toml".into(),
            sha256: vouch_manifests::Digest::of(b"policy").to_string(),
            keys: vec![KeyView {
                name: "acme-release".into(),
                key_id: "AAAAAAAAAAAAAAAA".into(),
                public: "RWQ...".into(),
                roles: vec!["release".into()],
                not_before: None,
                not_after: None,
                revoked: None,
                compromised: false,
            }],
            roles: vec![RoleView { name: "release".into(), threshold: 1 }],
        };
        let out = tmp.path().join("site");
        let opts = Options {
            bundles: tmp.path().join("bundles"),
            output: out.clone(),
            sources: vec![],
            templates: None,
            title: "t".into(),
            trust: Some(trust),
            checker: Some(&Checker),
            reviews: None,
            log: None,
        };
        crate::build(&opts).unwrap();
        let release = std::fs::read_to_string(out.join("r/app/1.0.0/index.html")).unwrap();
        assert!(
            release.contains(
                "status-valid\">valid</span> <span class=\"reason\">checked signatures/AAAAAAAAAAAAAAAA.minisig"
            ),
            "{release}"
        );
        assert!(release.contains("status-untrusted\">untrusted"));
        assert!(release.contains("release: 1 of 1 required keys"));
        assert!(!release.contains("not checked"));
        let index = std::fs::read_to_string(out.join("index.html")).unwrap();
        assert!(index.contains("policy holds") && index.contains("(1 valid)"), "{index}");
        let keys = std::fs::read_to_string(out.join("keys.html")).unwrap();
        assert!(
            keys.contains("trust.toml")
                && keys.contains("acme-release")
                && keys.contains(&vouch_manifests::Digest::of(b"policy").hex())
        );

        // Without a checker, nothing claims a status.
        let out2 = tmp.path().join("site2");
        crate::build(&Options { output: out2.clone(), trust: None, checker: None, reviews: None, log: None, ..opts })
            .unwrap();
        let release = std::fs::read_to_string(out2.join("r/app/1.0.0/index.html")).unwrap();
        assert!(
            release.contains("not checked")
                && !release.contains("status-valid")
                && !release.contains("status-untrusted")
        );
    }
}
