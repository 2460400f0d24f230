//! The file pages: each file of a release with `--source` checked against
//! its manifest entry and given a key (see `reuse`); a page is hard-linked
//! from the previous build when its key is there, linked to the page of
//! this build with the same key, or rendered. Each page's key and the
//! code search's words of its file are handed back for the marker and the
//! code index.

use crate::error::SiteError;
use crate::layout;
use crate::model::*;
use crate::pages::Renderer;
use crate::render::{DirNode, Release, crumb, entry_kind, file_reviews};
use crate::source::{self, SourceTree, clean};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;
use tera::Context;
use vouch_manifests::EntryKind;

/// The files of a release that ctags reads: regular files of its
/// languages, small enough to render.
pub(crate) fn ctags_paths(r: &Release, tree: &SourceTree) -> Vec<String> {
    ctags_entries(r, tree).into_iter().map(|(_, p, _, _)| p).collect()
}

/// The regular files of a release that ctags parses (see [`ctags_paths`]):
/// entry, path, language and digest.
pub(crate) fn ctags_entries(
    r: &Release,
    tree: &SourceTree,
) -> Vec<(usize, String, &'static str, vouch_manifests::Digest)> {
    r.bundle
        .manifest
        .source
        .files
        .iter()
        .enumerate()
        .filter(|(_, e)| e.size() <= source::MAX_RENDERED && crate::tags::has_definitions(e.path().as_str()))
        .filter_map(|(f, e)| {
            let d = e.digest().filter(|_| matches!(e.kind(), EntryKind::File | EntryKind::Exec))?;
            let lang = crate::highlight::lang_of(e.path().file_name())?;
            Some((f, e, lang.name, d))
        })
        .filter(|(_, e, _, _)| source::is_plain_file(tree, e))
        .map(|(f, e, l, d)| (f, e.path().as_str().to_string(), l, d))
        .collect()
}

/// The first entry with each digest, in release, then entry order, of the
/// releases with sources: the copy checked first (see [`render_all`]).
pub(crate) fn first_copies(releases: &[Release]) -> crate::FastMap<vouch_manifests::Digest, (usize, usize)> {
    let mut first = crate::FastMap::default();
    for (i, r) in releases.iter().enumerate().filter(|(_, r)| r.source.is_some()) {
        for (f, e) in r.bundle.manifest.source.files.iter().enumerate() {
            if let Some(d) = e.digest().filter(|_| matches!(e.kind(), EntryKind::File | EntryKind::Exec)) {
                first.entry(d).or_insert((i, f));
            }
        }
    }
    first
}

struct FilePages<'a> {
    releases: &'a [Release<'a>],
    tags: &'a [Option<HashMap<String, Vec<crate::tags::Tag>>>],
    /// Per release: ctags not run over it (its code index is kept).
    tags_skipped: &'a [bool],
    /// What the pages' keys hold of ctags: its version, or why it cannot run.
    ctags: &'a Result<String, String>,
    defs_note: &'a Option<String>,
    renderer: &'a Renderer<'a>,
    previous: &'a crate::reuse::Previous,
    seen: &'a crate::seen::Seen,
    /// The words of bytes the previous build split, and this build's.
    words: &'a crate::wordcache::WordCache,
    /// Per release: whether its code index must be built (its words gathered).
    need_words: &'a [bool],
    claims: crate::reuse::Claims,
    /// A hasher holding what every file page's key starts with.
    key_start: crate::reuse::KeyHasher,
    /// Per release: its file pages may all be kept in the previous site's
    /// `file/` folder, moved whole (see [`render_all`]), so only their keys
    /// are made at first.
    defer: Vec<bool>,
}

/// How a file page came to be.
enum Made {
    Rendered,
    /// Hard-linked from the previous build.
    Reused,
    /// The same key as this page of this build (linked once it is written).
    SameAs(String),
    /// Only its key made: kept if its release's `file/` folder is moved
    /// from the previous site, made again otherwise.
    Deferred,
}

struct FileDone<'a> {
    key: crate::reuse::Key,
    page: String,
    how: Made,
    /// The code search's words (`Some(None)`: not indexed), gathered only
    /// where the release's index is not expected to be kept.
    words: Option<Option<crate::codesearch::FileWords<'a>>>,
    /// Whether a later build may reuse it (not when ctags failed for it).
    record: bool,
    /// The copy found to hold the manifest's bytes, if this entry's is one.
    copy: Option<source::Copy>,
}

/// What the first entry with a digest found of its copy, for the others
/// with that digest: the copy, and its words when they were gathered
/// (`Some(None)`: not indexed).
struct Given<'g, 'w> {
    copy: &'g source::Copy,
    words: Option<Option<&'g crate::codesearch::FileWords<'w>>>,
}

/// A file page's breadcrumbs, relative to its release folder (the page is
/// shared by every release with the same bytes).
fn file_crumbs(r: &Release, d: Option<&DirNode>, name: &str) -> Vec<Crumb> {
    let s = &r.view.summary;
    let rel = |h: &str| h.strip_prefix(r.rdir.as_str()).unwrap_or(h).to_string();
    let mut c = vec![
        crumb("Releases", Some("index.html".into())),
        crumb(&s.name, Some(format!("index.html#p-{}", s.name))),
        Crumb { title: "release".into(), href: Some(rel(&s.href)), rel: true, version: true },
    ];
    let mut chain = Vec::new();
    let mut cur = d;
    while let Some(x) = cur {
        chain.push(x);
        cur = x.parent.map(|p| &r.dirs[p]);
    }
    for x in chain.into_iter().rev() {
        let title = if x.path.is_empty() { "source" } else { x.name.as_str() };
        c.push(Crumb { title: title.into(), href: Some(rel(&x.href)), rel: true, version: false });
    }
    c.push(crumb(name, None));
    c
}

/// A file page's view of `e`, whose page is `rel` and whose folder's page
/// is `dir_rel` (both relative to the release folder), before its content.
fn file_view(e: &vouch_manifests::Entry, rel: &str, dir_rel: &str) -> FileView {
    FileView {
        path: clean(e.path().as_str()),
        name: clean(e.path().file_name()),
        kind: entry_kind(e),
        size: e.size(),
        digest: e.digest().map(|d| d.to_string()),
        target: e.target().map(clean),
        commit: e.commit().map(str::to_string),
        dir_href: dir_rel.to_string(),
        content: Default::default(),
        shard: crate::history::shard(e.path().as_str()),
        depth: rel.matches('/').count() + 1,
        symbols: Vec::new(),
        defs_note: None,
    }
}

/// The page of `e`, an entry of `r`, whose folder is `dnode`.
fn page_in(r: &Release, dnode: Option<&DirNode>, e: &vouch_manifests::Entry) -> String {
    match dnode {
        Some(d) => layout::file_page_encoded(&r.rdir, &d.enc, e.path().file_name()),
        None => layout::file_page(&r.rdir, e.path().as_str()),
    }
}

/// The page of `e`, an entry of `r` (its folder's path encoded once).
pub(crate) fn page_of(r: &Release, e: &vouch_manifests::Entry) -> String {
    page_in(r, r.dir_index.get(e.path().parent()).map(|&d| &r.dirs[d]), e)
}

/// Checks one file of a release's source (or takes the copy `given` for
/// its digest) and makes its page: hard-linked from the previous build when
/// its key is there, left to link to the page of this build that has its
/// key, or rendered.
fn file_page<'a>(
    fp: &FilePages<'a>,
    i: usize,
    f: usize,
    buf: &mut [u8],
    given: Option<&Given<'_, 'a>>,
    own_defs: bool,
) -> Result<FileDone<'a>, SiteError> {
    let r = &fp.releases[i];
    let e = &r.bundle.manifest.source.files[f];
    let tree = r.source.as_ref().ok_or_else(|| SiteError::Output {
        path: PathBuf::from(&r.rdir),
        detail: "a file page of a release without --source".into(),
    })?;
    let checked = match given {
        Some(g) => source::shown(e, g.copy),
        None => source::check(tree, e, buf, Some(fp.seen)),
    };
    let copy = checked.copy().cloned();
    let parent = e.path().parent();
    let dnode = r.dir_index.get(parent).map(|&d| &r.dirs[d]);
    let page = page_in(r, dnode, e);
    let rel = page.strip_prefix(r.rdir.as_str()).unwrap_or(&page).to_string();
    let dir_href: std::borrow::Cow<str> = match dnode {
        Some(d) => d.href.as_str().into(),
        None => layout::tree_page(&r.rdir, parent).into(),
    };
    let dir_rel = dir_href.strip_prefix(r.rdir.as_str()).unwrap_or(&dir_href);
    let project = &r.view.summary.name;
    let reviews = r.reviews.as_ref().map(|rr| file_reviews(rr, e.path().as_str()));
    // The definitions are ctags' reading of these bytes at this path: the
    // key holds ctags itself, not what it found (which a kept release has
    // not asked it again), and whether its run over this release failed.
    let tags_failed = fp.ctags.is_ok() && !fp.tags_skipped[i] && fp.tags[i].is_none();
    // The key holds what the page is made of, not the page's values made
    // from it (most pages are not rendered): the page's path, the project,
    // the entry and its folder's page, of which `file_view` makes the view,
    // the title and the breadcrumbs (the page path's encoding is one to one).
    // What every file page's key starts with (the build's, and ctags) is
    // hashed once.
    let mut h = fp.key_start.clone();
    h.bytes(rel.as_bytes()).bytes(project.as_bytes());
    h.bytes(e.path().as_str().as_bytes()).bytes(entry_kind(e).as_bytes()).bytes(&e.size().to_le_bytes());
    h.maybe(e.digest().as_ref().map(|d| &d.0[..])).maybe(e.target().map(str::as_bytes));
    h.maybe(e.commit().map(str::as_bytes)).bytes(dir_rel.as_bytes());
    checked.content.key(&mut h);
    h.json(&reviews).bytes(&[u8::from(tags_failed)]);
    let key = h.finish();

    let words = |mut c: source::Checked| {
        if !fp.need_words[i] {
            return None;
        }
        if let Some(w) = given.and_then(|g| g.words) {
            return Some(w.cloned());
        }
        let Some(d) = e.digest() else { return Some(c.words().and_then(Result::ok)) };
        // Bytes known to match but not read: split by an earlier build.
        if c.unread()
            && let Some(w) = fp.words.get(&d)
        {
            return Some(w);
        }
        c.load(d);
        let w = c.words().and_then(Result::ok);
        if c.has_bytes() {
            fp.words.put(d, w.as_ref());
        }
        Some(w)
    };
    if fp.defer[i] {
        return Ok(FileDone { key, page, how: Made::Deferred, words: words(checked), record: !tags_failed, copy });
    }
    if fp.previous.link(&key, &fp.renderer.folders, &page) {
        return Ok(FileDone { key, page, how: Made::Reused, words: words(checked), record: true, copy });
    }
    if let Some(first) = fp.claims.claim(key, &page) {
        let words = words(checked);
        return Ok(FileDone { key, page, how: Made::SameAs(first), words, record: !tags_failed, copy });
    }
    let mut view = file_view(e, &rel, dir_rel);
    let title = format!("{} — {}", view.path, project);
    view.content = source::render(checked, e);
    if view.content.state == "rendered" {
        let lookup = |tags: &HashMap<String, Vec<crate::tags::Tag>>| -> Vec<SymbolView> {
            tags.get(e.path().as_str())
                .map(|ts| {
                    ts.iter()
                        .map(|t| SymbolView {
                            name: clean(&t.name),
                            kind: clean(&t.kind),
                            scope: t.scope.as_deref().map(clean),
                            line: t.line,
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let lang = crate::highlight::lang_of(e.path().file_name()).is_some();
        let run_own = |view: &mut FileView| match crate::tags::run(&tree.root, &[e.path().as_str().to_string()]) {
            Ok(tags) => view.symbols = lookup(&tags),
            Err(_) => view.defs_note = Some("Definitions are not indexed: ctags failed.".into()),
        };
        match (&fp.tags[i], lang) {
            (_, false) => {}
            (Some(tags), true) if !own_defs => view.symbols = lookup(tags),
            (Some(_), true) => run_own(&mut view),
            (None, true) if fp.tags_skipped[i] => run_own(&mut view),
            (None, true) => {
                view.defs_note =
                    Some(fp.defs_note.clone().unwrap_or_else(|| "Definitions are not indexed: ctags failed.".into()));
            }
        }
    }
    let words = Some(view.content.words.take());
    if let (Some(d), "rendered" | "binary") = (e.digest(), view.content.state) {
        fp.words.put(d, words.as_ref().and_then(Option::as_ref));
    }
    let mut ctx = Context::new();
    ctx.insert("project", project);
    ctx.insert("rroot", &"../".repeat(view.depth - 1));
    ctx.insert("file", &view);
    if let Some((reviews, notes)) = &reviews {
        ctx.insert("reviews", reviews);
        ctx.insert("notes", notes);
        ctx.insert("reviewed", &true);
    }
    let record = !tags_failed && view.defs_note.is_none_or(|_| fp.ctags.is_err());
    let crumbs = file_crumbs(r, dnode, &view.name);
    fp.renderer.page(&page, "page.html", "page", &title, &crumbs, ctx)?;
    Ok(FileDone { key, page, how: Made::Rendered, words, record, copy })
}

/// Makes the pages of `jobs` (indexes into `file_jobs`), each with what
/// `given` says of its digest.
fn run<'g, 'a: 'g>(
    fp: &FilePages<'a>,
    file_jobs: &[(usize, usize)],
    jobs: &[usize],
    other: bool,
    given: impl Fn(usize) -> Option<Given<'g, 'a>> + Sync,
) -> Result<Vec<(usize, FileDone<'a>)>, SiteError> {
    jobs.par_iter()
        .map_init(
            || vec![0u8; 1 << 16],
            |buf, &j| {
                let (i, f) = file_jobs[j];
                let g = given(j);
                // Not the first entry with its digest, and shown from its own
                // copy: definitions of these bytes are not the release's.
                let own = other && g.is_none();
                file_page(fp, i, f, buf, g.as_ref(), own).map(|d| (j, d))
            },
        )
        .collect()
}

/// What rendering the file pages handed back.
pub(crate) struct Rendered<'a> {
    /// How many file pages the site has.
    pub pages: usize,
    /// How many were hard-linked from the previous build.
    pub reused: usize,
    /// Each page (or code index folder) a later build may reuse, by key.
    pub keyed: Vec<(crate::reuse::Key, String)>,
    /// The code search's words of every file (see `FileDone::words`), by
    /// release and entry.
    pub code_words: Vec<(usize, usize, Option<Option<crate::codesearch::FileWords<'a>>>)>,
    /// Each release's code index key over its file pages' keys.
    pub index_full: Vec<crate::reuse::Key>,
    /// The entries (release, entry) whose own copy matched the manifest.
    pub verified: Verified,
    /// The previous site's `file/` folders that hold every page of a
    /// release as this build would make it, to be moved whole into the new
    /// site (as the path relative to it) just before it goes into place.
    pub moves: Vec<(PathBuf, String)>,
}

/// The entries (release, entry) whose own copy matched the manifest.
pub(crate) struct Verified(Vec<Vec<bool>>);

impl Verified {
    pub(crate) fn contains(&self, &(i, f): &(usize, usize)) -> bool {
        self.0.get(i).and_then(|r| r.get(f)).copied().unwrap_or(false)
    }
}

/// A release's folder of file pages, `r/<name>/<version>/file/`.
pub(crate) fn files_dir(r: &Release) -> String {
    format!("{}file/", r.rdir)
}

/// The folders of a release's file pages, relative to [`files_dir`]
/// (`""` for itself), in the release's folder order.
fn file_dirs<'r>(r: &'r Release) -> impl Iterator<Item = &'r str> {
    r.dirs.iter().map(|d| d.enc.as_str())
}

/// Makes the folders of a release's file pages in the site `out`.
pub(crate) fn make_file_dirs(out: &std::path::Path, r: &Release) -> Result<(), SiteError> {
    for p in file_dir_paths(out, r) {
        std::fs::create_dir_all(&p).map_err(|source| SiteError::Write { path: p, source })?;
    }
    Ok(())
}

/// The folders of a release's file pages in the site `out`.
pub(crate) fn file_dir_paths<'r>(out: &'r std::path::Path, r: &'r Release) -> impl Iterator<Item = PathBuf> + 'r {
    let base = files_dir(r);
    file_dirs(r).map(move |d| out.join(format!("{base}{d}")))
}

/// Checks every file of every release with sources and makes its page.
pub(crate) fn render_all<'a>(
    releases: &'a [Release<'a>],
    defs: &'a crate::render::Defs,
    renderer: &'a Renderer<'a>,
    previous: &'a crate::reuse::Previous,
    seen: &'a crate::seen::Seen,
    words: &'a crate::wordcache::WordCache,
    deferred: &[bool],
) -> Result<Rendered<'a>, SiteError> {
    let out = renderer.out;
    let fp = FilePages {
        releases,
        tags: &defs.tags,
        tags_skipped: &defs.tags_skipped,
        ctags: &defs.ctags,
        defs_note: &defs.note,
        renderer,
        previous,
        seen,
        words,
        need_words: &defs.need_words,
        claims: crate::reuse::Claims::default(),
        key_start: {
            let mut h = crate::reuse::KeyHasher::new(&defs.shared);
            h.bytes(b"file page").json(&defs.ctags);
            h
        },
        defer: deferred.to_vec(),
    };
    let file_jobs: Vec<(usize, usize)> = releases
        .iter()
        .enumerate()
        .filter(|(_, r)| r.source.is_some())
        .flat_map(|(i, r)| (0..r.bundle.manifest.source.files.len()).map(move |f| (i, f)))
        .collect();
    // Content-addressed: the first entry with a digest (in release, then
    // entry order) is checked first; every other entry with that digest
    // whose first copy holds the manifest's bytes shows those bytes, its
    // own copy not read (a first copy that differs leaves each other entry
    // to its own). Which copies are read depends on the manifests alone, so
    // a site grown release by release is the one built from scratch.
    let first = &defs.first;
    let (mut firsts, mut others) = (Vec::new(), Vec::new());
    for (j, &(i, f)) in file_jobs.iter().enumerate() {
        let e = &releases[i].bundle.manifest.source.files[f];
        match e.digest().filter(|_| matches!(e.kind(), EntryKind::File | EntryKind::Exec)) {
            Some(d) if first[&d] != (i, f) => others.push(j),
            _ => firsts.push(j),
        }
    }
    // Each release with sources: its first job (an entry's job is that
    // plus its index) and its number of entries.
    let mut spans = Vec::new();
    let mut job_start = vec![0usize; releases.len()];
    for (i, r) in releases.iter().enumerate().filter(|(_, r)| r.source.is_some()) {
        let start = spans.last().map_or(0, |&(_, s, n)| s + n);
        job_start[i] = start;
        spans.push((i, start, r.bundle.manifest.source.files.len()));
    }
    // The entries of releases made now first, so that the pages to render
    // start early and the checks of kept releases fill in around them.
    firsts.sort_by_key(|&j| fp.defer[file_jobs[j].0]);
    let done_first = run(&fp, &file_jobs, &firsts, false, |_| None)?;
    let mut at = vec![usize::MAX; file_jobs.len()];
    for (k, (j, _)) in done_first.iter().enumerate() {
        at[*j] = k;
    }
    let given_for = |j: usize| -> Option<Given<'_, 'a>> {
        let (i, f) = file_jobs[j];
        let d = releases[i].bundle.manifest.source.files[f].digest()?;
        let (fi, ff) = first[&d];
        let (_, done) = &done_first[at[job_start[fi] + ff]];
        let words = done.words.as_ref().map(Option::as_ref);
        done.copy.as_ref().map(|copy| Given { copy, words })
    };
    let done_others = run(&fp, &file_jobs, &others, true, given_for)?;

    // Each release's `file/` folder, keyed over its folders and its pages'
    // paths and keys: a release whose folder the previous site holds with
    // this key, and nothing else in it, has it moved whole into the new
    // site (see `render::build`); the pages of any other deferred release
    // are made now.
    let mut by_job: Vec<Option<&FileDone>> = vec![None; file_jobs.len()];
    for (j, d) in done_first.iter().chain(&done_others) {
        by_job[*j] = Some(d);
    }
    // Per release, in parallel: its folder's key, and for a deferred one
    // the previous site's folder to move (`Some(None)`: none holds it).
    #[allow(clippy::type_complexity)]
    let folders: Vec<(usize, crate::reuse::Key, String, Option<Option<PathBuf>>)> = spans
        .par_iter()
        .map(|&(i, start, n)| {
            let r = &releases[i];
            let pages: Vec<&FileDone> = by_job[start..start + n].iter().flatten().copied().collect();
            let rel = files_dir(r);
            let mut h = crate::reuse::KeyHasher::new(&defs.shared);
            h.bytes(b"file folder").bytes(rel.as_bytes());
            for d in file_dirs(r) {
                h.bytes(d.as_bytes());
            }
            for p in &pages {
                h.bytes(p.page.as_bytes()).bytes(&p.key.0);
            }
            let key = h.finish();
            let whole = pages.len() == n && pages.iter().all(|p| p.record);
            if !fp.defer[i] {
                return (i, key, rel, None);
            }
            let mut names: Vec<&str> =
                pages.iter().map(|p| p.page.strip_prefix(rel.as_str()).unwrap_or(&p.page)).collect();
            names.par_sort_unstable();
            let mut sub: Vec<&str> = file_dirs(r).filter(|d| !d.is_empty()).collect();
            sub.sort_unstable();
            let old = previous.folder_holding(&rel, &key, &sub, &names).filter(|_| whole);
            (i, key, rel, Some(old))
        })
        .collect();
    let mut folder_keys: Vec<Option<(crate::reuse::Key, String)>> = vec![None; releases.len()];
    let mut moves = Vec::new();
    let mut again = vec![false; releases.len()];
    for (i, key, rel, outcome) in folders {
        match outcome {
            Some(Some(old)) => moves.push((old, rel.trim_end_matches('/').to_string())),
            Some(None) => again[i] = true,
            None => {}
        }
        folder_keys[i] = Some((key, rel));
    }
    drop(by_job);
    let mut fp = fp;
    let mut redone = Vec::new();
    if again.iter().any(|&a| a) {
        for (i, r) in releases.iter().enumerate().filter(|(i, _)| again[*i]) {
            fp.defer[i] = false;
            make_file_dirs(out, r)?;
        }
        let of_again =
            |jobs: &[usize]| -> Vec<usize> { jobs.iter().copied().filter(|&j| again[file_jobs[j].0]).collect() };
        redone = run(&fp, &file_jobs, &of_again(&firsts), false, |_| None)?;
        redone.extend(run(&fp, &file_jobs, &of_again(&others), true, given_for)?);
    }
    let mut verified = Verified(
        releases
            .iter()
            .map(|r| if r.source.is_some() { vec![false; r.bundle.manifest.source.files.len()] } else { Vec::new() })
            .collect(),
    );
    for (j, _) in done_first.iter().chain(&done_others).filter(|(_, d)| d.copy.is_some()) {
        let (i, f) = file_jobs[*j];
        verified.0[i][f] = true;
    }
    // Each job's page where it was made (the last time: a page made again
    // replaces its deferred one), taken in job order without moving them.
    let mut parts = [done_first, done_others, redone];
    let mut at = vec![(0u8, 0u32); file_jobs.len()];
    for (p, part) in parts.iter().enumerate() {
        for (k, (j, _)) in part.iter().enumerate() {
            at[*j] = (p as u8, k as u32);
        }
    }
    let mut keyed = Vec::with_capacity(file_jobs.len());
    let mut code_words = Vec::with_capacity(file_jobs.len());
    let mut index_full: Vec<crate::reuse::KeyHasher> = defs
        .index_pre
        .iter()
        .map(|k| {
            let mut h = crate::reuse::KeyHasher::new(&defs.shared);
            h.bytes(&k.0);
            h
        })
        .collect();
    let mut reused = 0usize;
    let mut whole = vec![true; releases.len()];
    for (&(p, k), &(i, f)) in at.iter().zip(&file_jobs) {
        let d = &mut parts[p as usize][k as usize].1;
        whole[i] &= d.record;
        match &d.how {
            Made::Reused | Made::Deferred => reused += 1,
            Made::Rendered => {}
            Made::SameAs(first) => {
                let (from, to) = (out.join(first), out.join(&d.page));
                if std::fs::hard_link(&from, &to).is_err() {
                    std::fs::copy(&from, &to).map_err(|source| SiteError::Write { path: to.clone(), source })?;
                }
            }
        }
        code_words.push((i, f, d.words.take()));
        index_full[i].bytes(&d.key.0);
        if d.record {
            keyed.push((d.key, std::mem::take(&mut d.page)));
        } else {
            index_full[i].bytes(b"not kept");
        }
    }
    let index_full: Vec<crate::reuse::Key> = index_full.into_iter().map(crate::reuse::KeyHasher::finish).collect();
    for (i, r) in releases.iter().enumerate().filter(|(_, r)| r.source.is_some()) {
        let dir = layout::code_release_dir(&r.view.summary.name, &r.view.summary.version);
        keyed.push((defs.index_pre[i], dir.clone()));
        keyed.push((index_full[i], dir));
    }
    // A folder a later build may move: every page of it recorded.
    for (i, k) in folder_keys.into_iter().enumerate() {
        if let Some(k) = k.filter(|_| whole[i]) {
            keyed.push(k);
        }
    }
    Ok(Rendered { pages: file_jobs.len(), reused, keyed, code_words, index_full, verified, moves })
}
