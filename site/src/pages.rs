//! Every page but the file pages: one [`Job`] per page, listed by [`plan`]
//! from the releases and rendered in parallel by [`Pages::render_all`]
//! with one shared Tera; and the [`Renderer`] that writes a page.

use crate::error::{SiteError, tera_detail};
use crate::layout;
use crate::model::*;
use crate::render::{PAGE_ROWS, Release, crumb, dir_crumbs, entry_kind, license_groups, pager, parts, release_crumbs};
use crate::source::clean;
use crate::templates::Theme;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use tera::{Context, Value};

pub(crate) enum Job {
    Index,
    Keys,
    Release(usize),
    Components(usize),
    Licenses(usize),
    /// A release's changes page, one part of [`PAGE_ROWS`] files.
    Changes(usize, usize),
    Diff(usize, usize),
    Search,
    /// A directory page, one part of [`PAGE_ROWS`] entries.
    Dir(usize, usize, usize),
    Left(usize),
    Log,
}

/// Every page but the file pages, in the order they are handed out.
pub(crate) fn plan(releases: &[Release], log: bool) -> Vec<Job> {
    let mut jobs = vec![Job::Index, Job::Keys, Job::Search];
    if log {
        jobs.push(Job::Log);
    }
    for (i, r) in releases.iter().enumerate() {
        jobs.push(Job::Release(i));
        jobs.push(Job::Components(i));
        jobs.push(Job::Licenses(i));
        let c = &r.changes;
        for part in 0..parts(c.added.len() + c.modified.len() + c.removed.len()) {
            jobs.push(Job::Changes(i, part));
        }
        for k in 0..r.diff_jobs.len() {
            jobs.push(Job::Diff(i, k));
        }
        for (d, node) in r.dirs.iter().enumerate() {
            for part in 0..parts(node.subdirs.len() + node.files.len()) {
                jobs.push(Job::Dir(i, d, part));
            }
        }
        if r.reviews.is_some() {
            jobs.push(Job::Left(i));
        }
    }
    // The costliest first (a diff, then the pages of most rows), so that no
    // large page is left to one thread at the end.
    let rows = |j: &Job| -> usize {
        match *j {
            Job::Diff(..) => usize::MAX,
            Job::Dir(i, d, part) => {
                let n = &releases[i].dirs[d];
                (n.subdirs.len() + n.files.len()).saturating_sub(part * PAGE_ROWS).min(PAGE_ROWS)
            }
            Job::Changes(i, part) => {
                let c = &releases[i].changes;
                (c.added.len() + c.modified.len() + c.removed.len()).saturating_sub(part * PAGE_ROWS).min(PAGE_ROWS)
            }
            _ => 0,
        }
    };
    jobs.sort_by_key(|j| std::cmp::Reverse(rows(j)));
    jobs
}

/// What the pages other than the file pages are made of.
pub(crate) struct Pages<'a> {
    pub releases: &'a [Release<'a>],
    pub projects: &'a [ProjectView],
    pub problems: &'a [String],
    pub log_page: &'a Option<LogPageView>,
    pub trust_value: SharedValue,
    pub signers: &'a [SignerView],
    pub search_projects: &'a [SearchProjectView],
    pub defs_note: &'a Option<String>,
    pub title: &'a str,
    pub renderer: &'a Renderer<'a>,
}

impl Pages<'_> {
    /// Renders every job's page, in parallel.
    pub(crate) fn render_all(&self, jobs: &[Job]) -> Result<(), SiteError> {
        jobs.par_iter().try_for_each(|job| self.render(job))
    }

    fn render(&self, job: &Job) -> Result<(), SiteError> {
        let Pages {
            releases,
            projects,
            problems,
            log_page,
            trust_value,
            signers,
            search_projects,
            defs_note,
            title,
            renderer,
        } = self;
        let out = renderer.out;
        match *job {
            Job::Index => {
                let mut ctx = PageContext::default();
                ctx.insert("projects", &projects);
                ctx.insert("problems", &problems);
                let has_log = log_page.is_some();
                ctx.insert("log_page", &has_log);
                ctx.insert_shared("trust", trust_value);
                renderer.keyed("index.html", "index.html", "index", title, &[crumb("Releases", None)], ctx)
            }
            Job::Keys => {
                let mut ctx = PageContext::default();
                ctx.insert("signers", &signers);
                ctx.insert_shared("trust", trust_value);
                let crumbs = [crumb("Releases", Some("index.html".into())), crumb("Keys and policy", None)];
                renderer.keyed("keys.html", "keys.html", "keys", "Keys and policy", &crumbs, ctx)
            }
            Job::Release(i) => {
                let r = &releases[i];
                let mut ctx = PageContext::default();
                ctx.insert("release", &r.view);
                ctx.insert_shared("trust", trust_value);
                let mut crumbs = release_crumbs(&r.view.summary);
                if let Some(c) = crumbs.last_mut() {
                    c.href = None;
                }
                let t = format!("{} {}", r.view.summary.name, r.view.summary.version);
                renderer.keyed(&r.view.summary.href, "release.html", "release", &t, &crumbs, ctx)
            }
            Job::Components(i) => {
                let r = &releases[i];
                let mut ctx = PageContext::default();
                ctx.insert_shared("release", &r.summary_value);
                ctx.insert("sboms", &r.view.sboms);
                let mut crumbs = release_crumbs(&r.view.summary);
                crumbs.push(crumb("components", None));
                let t = format!("Components of {} {}", r.view.summary.name, r.view.summary.version);
                renderer.keyed(&r.view.summary.components_href, "components.html", "components", &t, &crumbs, ctx)
            }
            Job::Search => {
                let mut ctx = PageContext::default();
                ctx.insert("projects", &search_projects);
                ctx.insert("code_postings", &crate::codesearch::MAX_POSTINGS);
                ctx.insert("defs_note", &defs_note);
                let crumbs = [crumb("Releases", Some("index.html".into())), crumb("Search", None)];
                renderer.keyed(layout::SEARCH_PAGE, "search.html", "search", "Search", &crumbs, ctx)
            }
            Job::Licenses(i) => {
                let r = &releases[i];
                let groups = license_groups(&r.view.sboms);
                let mut ctx = PageContext::default();
                ctx.insert_shared("release", &r.summary_value);
                ctx.insert("sboms", &r.view.sboms);
                ctx.insert("groups", &groups);
                let mut crumbs = release_crumbs(&r.view.summary);
                crumbs.push(crumb("licenses", None));
                let t = format!("Licenses in {} {}", r.view.summary.name, r.view.summary.version);
                renderer.keyed(&r.view.summary.licenses_href, "licenses.html", "licenses", &t, &crumbs, ctx)
            }
            Job::Changes(i, part) => {
                let r = &releases[i];
                let c = &r.changes;
                let rows = c.modified.len() + c.added.len() + c.removed.len();
                let range = part * PAGE_ROWS..((part + 1) * PAGE_ROWS).min(rows);
                // The lists in their order (modified, added, removed), cut to this part.
                let mut at = 0;
                let mut cut = |list: &Vec<FileChangeView>| {
                    let (a, b) =
                        (range.start.saturating_sub(at).min(list.len()), range.end.saturating_sub(at).min(list.len()));
                    at += list.len();
                    list[a..b].to_vec()
                };
                let view = ChangesView {
                    modified: cut(&c.modified),
                    added: cut(&c.added),
                    removed: cut(&c.removed),
                    ..c.clone_without_files()
                };
                let page = layout::part_page(&r.view.summary.changes_href, part);
                let pager = pager(&r.view.summary.changes_href, part, rows, "files");
                let mut ctx = PageContext::default();
                ctx.insert_shared("release", &r.summary_value);
                ctx.insert("changes", &view);
                ctx.insert("pager", &pager);
                let mut crumbs = release_crumbs(&r.view.summary);
                crumbs.push(crumb("changes", None));
                let t = format!("Changes in {} {}", r.view.summary.name, r.view.summary.version);
                renderer.keyed(&page, "changes.html", "changes", &t, &crumbs, ctx)
            }
            Job::Diff(i, k) => {
                let r = &releases[i];
                let Some(p) = r.previous.map(|p| &releases[p]) else {
                    return Ok(());
                };
                let (Some(old_tree), Some(new_tree)) = (p.source.as_ref(), r.source.as_ref()) else {
                    return Ok(());
                };
                let job = &r.diff_jobs[k];
                let (oe, ne) = (&p.bundle.manifest.source.files[job.old], &r.bundle.manifest.source.files[job.new]);
                let (state, detail, diff) = crate::changes::line_diff(old_tree, oe, new_tree, ne);
                let path = ne.path().as_str();
                let view = DiffView {
                    path: clean(path),
                    previous: PreviousView {
                        version: p.view.summary.version.clone(),
                        href: p.view.summary.href.clone(),
                        tree_href: p.view.summary.tree_href.clone(),
                        source_given: true,
                    },
                    old_href: layout::file_page(&p.rdir, path),
                    new_href: layout::file_page(&r.rdir, path),
                    old_digest: oe.digest().map(|d| d.to_string()),
                    new_digest: ne.digest().map(|d| d.to_string()),
                    state,
                    detail,
                    added: diff.as_ref().map_or(0, |d| d.added),
                    removed: diff.as_ref().map_or(0, |d| d.removed),
                    hunks: diff.map(|d| d.hunks).unwrap_or_default(),
                };
                if let Some(dir) = Path::new(&job.page).parent() {
                    std::fs::create_dir_all(out.join(dir))
                        .map_err(|source| SiteError::Write { path: out.join(dir), source })?;
                }
                let mut ctx = PageContext::default();
                ctx.insert_shared("release", &r.summary_value);
                ctx.insert("diff", &view);
                let mut crumbs = release_crumbs(&r.view.summary);
                crumbs.push(crumb("changes", Some(r.view.summary.changes_href.clone())));
                crumbs.push(crumb(&view.path, None));
                let t = format!(
                    "{} — changes since {} — {} {}",
                    view.path, p.view.summary.version, r.view.summary.name, r.view.summary.version
                );
                renderer.keyed(&job.page, "diff.html", "diff", &t, &crumbs, ctx)
            }
            Job::Dir(i, d, part) => {
                let r = &releases[i];
                let node = &r.dirs[d];
                let files = &r.bundle.manifest.source.files;
                let rows = node.subdirs.len() + node.files.len();
                let range = part * PAGE_ROWS..((part + 1) * PAGE_ROWS).min(rows);
                let subdirs = &node.subdirs[range.start.min(node.subdirs.len())..range.end.min(node.subdirs.len())];
                let in_files =
                    range.start.saturating_sub(node.subdirs.len())..range.end.saturating_sub(node.subdirs.len());
                let in_files = &node.files[in_files];
                let page = layout::part_page(&node.href, part);
                let crumbs = dir_crumbs(r, node, true);
                let t = if node.path.is_empty() {
                    format!("Source of {} {}", r.view.summary.name, r.view.summary.version)
                } else {
                    format!("{}/ — {} {}", clean(&node.path), r.view.summary.name, r.view.summary.version)
                };
                // The key holds what the page is made of, not its view (most
                // folders of a release kept from the previous build are not
                // rendered): the release, the folder, the part, each row's
                // subfolder or entry, and whether file pages are linked.
                let mut h = renderer.hasher();
                h.bytes(b"dir page").bytes(page.as_bytes()).bytes(b"section.html").bytes(t.as_bytes()).json(&crumbs);
                h.bytes(&r.summary_value.json).bytes(r.rdir.as_bytes()).bytes(&[u8::from(r.source.is_some())]);
                h.bytes(node.path.as_bytes()).bytes(node.name.as_bytes()).bytes(node.enc.as_bytes());
                h.bytes(node.href.as_bytes())
                    .bytes(&node.file_count.to_le_bytes())
                    .bytes(&node.total_size.to_le_bytes());
                h.bytes(&(part as u64).to_le_bytes()).bytes(&(rows as u64).to_le_bytes());
                for &s in subdirs {
                    let sd = &r.dirs[s];
                    h.bytes(b"d").bytes(sd.name.as_bytes()).bytes(sd.href.as_bytes());
                    h.bytes(&sd.total_size.to_le_bytes()).bytes(&sd.file_count.to_le_bytes());
                }
                for &f in in_files {
                    let e = &files[f];
                    h.bytes(b"f").bytes(e.path().file_name().as_bytes()).bytes(entry_kind(e).as_bytes());
                    h.bytes(&e.size().to_le_bytes()).maybe(e.digest().as_ref().map(|d| &d.0[..]));
                    h.maybe(e.target().map(str::as_bytes)).maybe(e.commit().map(str::as_bytes));
                }
                renderer.keyed_by(&page, h.finish(), || {
                    let mut entries = Vec::with_capacity(range.len());
                    for &s in subdirs {
                        let sd = &r.dirs[s];
                        entries.push(DirEntryView {
                            name: clean(&sd.name),
                            kind: "dir",
                            size: sd.total_size,
                            digest: None,
                            target: None,
                            commit: None,
                            files: Some(sd.file_count),
                            href: Some(sd.href.clone()),
                        });
                    }
                    for &f in in_files {
                        let e = &files[f];
                        entries.push(DirEntryView {
                            name: clean(e.path().file_name()),
                            kind: entry_kind(e),
                            size: e.size(),
                            digest: e.digest().map(|d| d.to_string()),
                            target: e.target().map(clean),
                            commit: e.commit().map(str::to_string),
                            files: None,
                            href: r
                                .source
                                .as_ref()
                                .map(|_| layout::file_page_encoded(&r.rdir, &node.enc, e.path().file_name())),
                        });
                    }
                    let view = DirView {
                        path: clean(&node.path),
                        name: clean(&node.name),
                        file_count: node.file_count,
                        total_size: node.total_size,
                        entries,
                    };
                    let mut ctx = Context::new();
                    ctx.insert_value("release", r.summary_value.value.clone());
                    ctx.insert("dir", &view);
                    ctx.insert("pager", &pager(&node.href, part, rows, "entries"));
                    renderer.page(&page, "section.html", "section", &t, &crumbs, ctx)
                })
            }
            Job::Log => {
                let mut ctx = PageContext::default();
                ctx.insert("log", &log_page);
                let crumbs = [crumb("Releases", Some("index.html".into())), crumb("Release log", None)];
                renderer.keyed("log.html", "log.html", "log", "Release log", &crumbs, ctx)
            }
            Job::Left(i) => {
                let r = &releases[i];
                let Some(cov) = r.reviews.as_ref().and_then(|rr| rr.coverage.as_ref()) else {
                    return Ok(());
                };
                let flagged: std::collections::HashSet<&str> = cov.flagged.iter().map(String::as_str).collect();
                let sizes: HashMap<&str, u64> =
                    r.bundle.manifest.source.files.iter().map(|e| (e.path().as_str(), e.size())).collect();
                let view = |p: &String| LeftFileView {
                    path: clean(p),
                    href: r.source.as_ref().map(|_| layout::file_page(&r.rdir, p)),
                    size: sizes.get(p.as_str()).copied().unwrap_or(0),
                    changed: r.file_changes.contains_key(p.as_str()),
                    flagged: flagged.contains(p.as_str()),
                };
                // Changed since the previous release first, then the rest, each in manifest order.
                let mut files: Vec<LeftFileView> =
                    cov.left.iter().filter(|p| r.file_changes.contains_key(p.as_str())).map(view).collect();
                files.extend(cov.left.iter().filter(|p| !r.file_changes.contains_key(p.as_str())).map(view));
                let mut ctx = PageContext::default();
                ctx.insert_shared("release", &r.summary_value);
                ctx.insert("files", &files);
                let mut crumbs = release_crumbs(&r.view.summary);
                crumbs.push(crumb("left to review", None));
                let t = format!("Left to review in {} {}", r.view.summary.name, r.view.summary.version);
                let href = layout::left_page(&r.view.summary.name, &r.view.summary.version);
                renderer.keyed(&href, "left.html", "left", &t, &crumbs, ctx)
            }
        }
    }
}

/// `site` in every template's context.
#[derive(serde::Serialize)]
pub(crate) struct SiteView {
    pub title: String,
}

pub(crate) struct Renderer<'a> {
    pub theme: &'a Theme,
    pub out: &'a Path,
    /// Bytes written so far.
    pub bytes: AtomicU64,
    /// The previous build in the output folder, whose pages are linked
    /// where a key is the same.
    pub previous: &'a crate::reuse::Previous,
    /// The folders of the site being written, to link pages into.
    pub folders: crate::reuse::Folders,
    /// What every key of this build starts with (see `reuse::shared`).
    pub shared: [u8; 32],
    /// The pages other than file pages, by key, for the marker.
    pub keyed: Mutex<Vec<(crate::reuse::Key, String)>>,
    /// How many of those were linked from the previous build.
    pub kept: AtomicUsize,
}

/// A page's context, hashed as it is filled: the key of a page other than
/// a file page is every value its template is given (see `reuse`), so it
/// cannot leave one out. A value is converted for Tera only when the page
/// is rendered (most pages of a grown site are linked from the previous
/// build by their key).
#[derive(Default)]
pub(crate) struct PageContext<'a> {
    values: Vec<(&'static str, std::borrow::Cow<'a, [u8]>)>,
    fill: Vec<Fill<'a>>,
}

/// Puts one value into a Tera context.
type Fill<'a> = Box<dyn FnOnce(&mut Context) + 'a>;

impl<'a> PageContext<'a> {
    pub(crate) fn insert<T: serde::Serialize + ?Sized>(&mut self, name: &'static str, v: &'a T) {
        self.values.push((name, serde_json::to_vec(v).unwrap_or_default().into()));
        self.fill.push(Box::new(move |c| c.insert(name, v)));
    }

    /// A value shared by many pages, converted once.
    pub(crate) fn insert_shared(&mut self, name: &'static str, v: &'a SharedValue) {
        self.values.push((name, v.json.as_slice().into()));
        self.fill.push(Box::new(move |c| c.insert_value(name, v.value.clone())));
    }

    /// The Tera context of the values.
    fn into_context(self) -> Context {
        let mut ctx = Context::new();
        for fill in self.fill {
            fill(&mut ctx);
        }
        ctx
    }
}

/// A view converted once for Tera, with its JSON for the page keys (a
/// Tera map's order is not fixed, so its own JSON cannot be hashed).
pub(crate) struct SharedValue {
    pub value: Value,
    pub json: Vec<u8>,
}

impl SharedValue {
    pub(crate) fn of<T: serde::Serialize + ?Sized>(v: &T) -> SharedValue {
        SharedValue { value: Value::from_serializable(v), json: serde_json::to_vec(v).unwrap_or_default() }
    }
}

impl Renderer<'_> {
    /// Renders a page other than a file page, or hard-links the previous
    /// build's page when its key (the template and every value it is
    /// given, with what every key holds) is there.
    pub(crate) fn keyed(
        &self,
        page: &str,
        template: &str,
        kind: &str,
        title: &str,
        crumbs: &[Crumb],
        mut pc: PageContext<'_>,
    ) -> Result<(), SiteError> {
        pc.values.sort_by(|a, b| a.0.cmp(b.0));
        let mut h = self.hasher();
        h.bytes(b"page").bytes(page.as_bytes()).bytes(template.as_bytes()).bytes(kind.as_bytes());
        h.bytes(title.as_bytes()).json(crumbs);
        for (name, json) in &pc.values {
            h.bytes(name.as_bytes()).bytes(json);
        }
        self.keyed_by(page, h.finish(), || self.page(page, template, kind, title, crumbs, pc.into_context()))
    }

    /// A hasher for a page key, holding what every key of the build holds.
    pub(crate) fn hasher(&self) -> crate::reuse::KeyHasher {
        crate::reuse::KeyHasher::new(&self.shared)
    }

    /// Hard-links the previous build's page for `key` as `page`, or makes
    /// it with `render`; either way records it for the marker.
    pub(crate) fn keyed_by(
        &self,
        page: &str,
        key: crate::reuse::Key,
        render: impl FnOnce() -> Result<(), SiteError>,
    ) -> Result<(), SiteError> {
        if self.previous.link(&key, &self.folders, page) {
            self.kept.fetch_add(1, Ordering::Relaxed);
        } else {
            render()?;
        }
        self.keyed.lock().unwrap_or_else(|p| p.into_inner()).push((key, page.to_string()));
        Ok(())
    }

    /// Renders `template` with `ctx` (and what every page has) into `page`.
    pub(crate) fn page(
        &self,
        page: &str,
        template: &str,
        kind: &str,
        title: &str,
        crumbs: &[Crumb],
        mut ctx: Context,
    ) -> Result<(), SiteError> {
        ctx.insert("root", &layout::root_of(page));
        ctx.insert("page_kind", kind);
        ctx.insert("page_path", page);
        ctx.insert("title", title);
        ctx.insert("breadcrumbs", crumbs);
        // Rendered straight into the file (it is in the temporary folder,
        // which is dropped whole if anything fails).
        let path = self.out.join(page);
        let file = std::fs::File::create(&path).map_err(|source| SiteError::Write { path: path.clone(), source })?;
        let mut w = Counter { inner: std::io::BufWriter::with_capacity(64 * 1024, file), n: 0 };
        self.theme.tera.render_to(template, &ctx, &mut w).map_err(|e| {
            match std::error::Error::source(&e).and_then(|s| s.downcast_ref::<std::io::Error>()) {
                Some(io) => {
                    SiteError::Write { path: path.clone(), source: std::io::Error::new(io.kind(), io.to_string()) }
                }
                None => SiteError::Render {
                    page: page.to_string(),
                    template: template.to_string(),
                    detail: tera_detail(&e),
                },
            }
        })?;
        std::io::Write::flush(&mut w).map_err(|source| SiteError::Write { path: path.clone(), source })?;
        self.bytes.fetch_add(w.n, Ordering::Relaxed);
        Ok(())
    }
}

/// A writer that counts the bytes it passes on.
struct Counter<W> {
    inner: W,
    n: u64,
}

impl<W: std::io::Write> std::io::Write for Counter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let k = self.inner.write(buf)?;
        self.n += k as u64;
        Ok(k)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.inner.write_all(buf)?;
        self.n += buf.len() as u64;
        Ok(())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
