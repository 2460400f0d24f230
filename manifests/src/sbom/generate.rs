//! Generating SBOMs for Cargo projects, offline.
//!
//! An SBOM describes what a build compiles for its target: the packages
//! `cargo tree --offline --locked -e normal,build --target TRIPLE` lists (the
//! packages `cargo build` selects, with default features, their normal and
//! build dependencies for that target; dev dependencies and other platforms'
//! crates are not compiled, so they are not listed). That needs only the
//! crates the host's build needed, so a fresh CI runner that has built the
//! project gives the same document as a machine whose cache holds every
//! crate. Versions, sources and checksums come from `Cargo.lock`; licenses
//! from cargo (workspace inheritance resolved); descriptions from each
//! package's own `Cargo.toml`.
//!
//! When `cargo tree` cannot run (no cargo, or a crate the build needs is not
//! in the cache), the document lists every package of `Cargo.lock`, for every
//! target, with licenses from the workspace's own `Cargo.toml` files
//! (inheritance included) and from the registry cache where present; the
//! document says so, and [`Generated::without_license`] names each package
//! whose license could not be known, with the reason.
//!
//! Output is deterministic: components sorted by name, version and source;
//! the CycloneDX serial number and the SPDX document namespace are derived
//! from a SHA-256 of the document's own content; the time comes only from
//! `SOURCE_DATE_EPOCH` (CycloneDX then has `metadata.timestamp`, else none;
//! SPDX, which requires `creationInfo.created`, gets 1970-01-01T00:00:00Z
//! when it is not given).

use super::SbomFormat;
use crate::model::lockfile::{self, LockedPackage, LockfileError};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("{dir} has no Cargo.toml")]
    NoManifest { dir: PathBuf },
    #[error("{dir} has no Cargo.lock")]
    NoLock {
        dir: PathBuf,
        /// A `Cargo.lock` in an enclosing directory (DIR is probably a
        /// workspace member; the SBOM is made at the workspace root).
        above: Option<PathBuf>,
    },
    #[error(transparent)]
    Lock(#[from] LockfileError),
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("SOURCE_DATE_EPOCH {0} is out of range")]
    Time(i64),
    #[error("cannot serialize the SBOM")]
    Serialize(#[source] serde_json::Error),
}

/// What [`generate`] needs besides the format.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// The Cargo project (the directory holding `Cargo.toml` and `Cargo.lock`).
    pub dir: PathBuf,
    /// The cargo program to run for `cargo tree`.
    pub cargo: PathBuf,
    /// `CARGO_HOME`: passed to cargo, and where the registry cache is looked
    /// up for descriptions (and, without `cargo tree`, licenses); `None`:
    /// cargo's default, no lookup.
    pub cargo_home: Option<PathBuf>,
    /// The target triple the SBOM describes; `None`: cargo's host.
    pub target: Option<String>,
    /// `SOURCE_DATE_EPOCH`, the only source of the document's time.
    pub source_date_epoch: Option<i64>,
}

/// How the package list was made; the document says the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "from")]
pub enum MetadataSource {
    /// `cargo tree` ran: the packages a build for `target` compiles.
    CargoTree { target: String },
    /// It could not (its reason): every package of `Cargo.lock`, for every target.
    Lock { reason: String },
}

/// A package whose license is not in the document, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unlicensed {
    /// `name@version`.
    pub package: String,
    pub reason: String,
}

/// A generated document and what the caller should report.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The JSON document, ending in a newline.
    pub bytes: Vec<u8>,
    /// Number of components (packages), the described ones included.
    pub components: usize,
    /// Every package without a known license, sorted.
    pub without_license: Vec<Unlicensed>,
    pub metadata: MetadataSource,
}

/// How a package is used by the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    /// A package the build selects (a workspace member).
    Member,
    /// Reached from a member through normal dependencies only.
    Runtime,
    /// Needed only to build (through a build dependency).
    Build,
    /// Not known (no `cargo tree`).
    Unknown,
}

/// The kinds of one dependency edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum EdgeKind {
    Normal,
    Build,
}

/// One package, with everything the writers need.
#[derive(Debug, Clone)]
struct Pkg {
    lock: LockedPackage,
    license: Option<String>,
    /// Why `license` is `None`.
    unlicensed: Option<String>,
    description: Option<String>,
    role: Role,
    /// (index into the package list, kind); kinds unknown → Normal.
    edges: BTreeSet<(usize, EdgeKind)>,
}

/// The project as a package graph.
struct Graph {
    packages: Vec<Pkg>,
    /// Indices of the described packages (what the build selects).
    roots: Vec<usize>,
    metadata: MetadataSource,
    /// `name@version` of the locked packages not compiled for the target
    /// (listed in the document's metadata, so that a check against the
    /// lock tells them from a package the SBOM omits).
    not_compiled: Vec<String>,
}

impl Graph {
    /// One sentence for the document: how its package list was made.
    fn method(&self) -> String {
        match &self.metadata {
            MetadataSource::CargoTree { target } => format!(
                "the packages `cargo build` compiles for {target} (default features, normal and build \
                 dependencies), from `cargo tree --offline --locked -e normal,build --target {target}`; versions \
                 and checksums from Cargo.lock, whose other packages are not compiled for {target}"
            ),
            MetadataSource::Lock { .. } => "every package of Cargo.lock, for every target (cargo tree could not run \
                 offline); licenses from the packages' own Cargo.toml where available"
                .to_string(),
        }
    }
}

/// Generates an SBOM of the Cargo project in `opts.dir`.
pub fn generate(opts: &GenerateOptions, format: SbomFormat) -> Result<Generated, GenerateError> {
    let graph = load(opts)?;
    let created = match opts.source_date_epoch {
        Some(t) => Some(rfc3339(t)?),
        None => None,
    };
    let value = match format {
        SbomFormat::CycloneDx => cyclonedx_document(&graph, created.as_deref()),
        SbomFormat::Spdx => spdx_document(&graph, created.as_deref().unwrap_or("1970-01-01T00:00:00Z")),
    }
    .map_err(GenerateError::Serialize)?;
    let mut without_license: Vec<Unlicensed> = graph
        .packages
        .iter()
        .filter(|p| p.license.is_none())
        .map(|p| Unlicensed {
            package: format!("{}@{}", p.lock.name, p.lock.version),
            reason: p.unlicensed.clone().unwrap_or_else(|| "no license is known".into()),
        })
        .collect();
    without_license.sort_by(|a, b| a.package.cmp(&b.package));
    Ok(Generated { bytes: value, components: graph.packages.len(), without_license, metadata: graph.metadata })
}

fn rfc3339(t: i64) -> Result<String, GenerateError> {
    let dt = time::OffsetDateTime::from_unix_timestamp(t).map_err(|_| GenerateError::Time(t))?;
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    dt.format(&f).map_err(|_| GenerateError::Time(t))
}

/// Legacy Cargo license strings (`MIT/Apache-2.0`) as SPDX expressions.
fn normalize_license(l: Option<String>) -> Option<String> {
    let l = l?.trim().to_string();
    if l.is_empty() {
        return None;
    }
    if l.contains('/') {
        let parts: Vec<&str> = l.split('/').map(str::trim).filter(|s| !s.is_empty()).collect();
        return Some(parts.join(" OR "));
    }
    Some(l)
}

fn load(opts: &GenerateOptions) -> Result<Graph, GenerateError> {
    let dir = &opts.dir;
    let manifest = dir.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(GenerateError::NoManifest { dir: dir.clone() });
    }
    let lock_path = dir.join("Cargo.lock");
    if !lock_path.is_file() {
        let above = std::path::absolute(dir)
            .ok()
            .and_then(|d| d.ancestors().skip(1).map(|a| a.join("Cargo.lock")).find(|l| l.is_file()));
        return Err(GenerateError::NoLock { dir: dir.clone(), above });
    }
    let lock = lockfile::read(&lock_path)?;
    let local = LocalManifests::read(dir)?;
    let registry = RegistryCache::new(opts.cargo_home.as_deref());
    let all: Vec<Pkg> = lock
        .packages
        .iter()
        .map(|l| Pkg {
            lock: l.clone(),
            license: None,
            unlicensed: None,
            description: None,
            role: Role::Unknown,
            edges: BTreeSet::new(),
        })
        .collect();
    match run_tree(opts).and_then(|(target, text)| parse_tree(&text, &all).map(|t| (target, t))) {
        Ok((target, tree)) => Ok(from_tree(all, tree, &local, &registry, MetadataSource::CargoTree { target })),
        Err(reason) => Ok(from_lock(all, &local, &registry, MetadataSource::Lock { reason })),
    }
}

/// The host triple cargo builds for by default.
fn host_triple(cargo: &Path) -> Result<String, String> {
    let out = std::process::Command::new(cargo)
        .arg("-vV")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", cargo.display()))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(|h| h.trim().to_string())
        .ok_or_else(|| format!("`{} -vV` names no host triple", cargo.display()))
}

/// Runs `cargo tree`; its target and output, or why it could not be used.
fn run_tree(opts: &GenerateOptions) -> Result<(String, String), String> {
    let target = match &opts.target {
        Some(t) => t.clone(),
        None => host_triple(&opts.cargo)?,
    };
    let mut cmd = std::process::Command::new(&opts.cargo);
    cmd.args(["tree", "--offline", "--locked", "-e", "normal,build", "--charset", "ascii", "--format", "{p}\t{l}"])
        .args(["--target", &target, "--manifest-path"])
        .arg(opts.dir.join("Cargo.toml"))
        .stdin(std::process::Stdio::null());
    if let Some(h) = &opts.cargo_home {
        cmd.env("CARGO_HOME", h);
    }
    let out = cmd.output().map_err(|e| format!("cannot run {}: {e}", opts.cargo.display()))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let line = err
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("error"))
            .or_else(|| err.lines().map(str::trim).find(|l| !l.is_empty()))
            .unwrap_or("no message")
            .to_string();
        return Err(format!("cargo tree --offline failed: {line}"));
    }
    String::from_utf8(out.stdout).map(|s| (target, s)).map_err(|_| "cargo tree printed non-UTF-8 text".into())
}

/// What `cargo tree` printed, as indices into the lock's packages.
#[derive(Debug, Default, PartialEq, Eq)]
struct Tree {
    /// The packages printed at depth 0, in order.
    roots: Vec<usize>,
    /// Every printed package with its license as cargo printed it.
    licenses: BTreeMap<usize, String>,
    /// (from, to, kind).
    edges: BTreeSet<(usize, usize, EdgeKind)>,
}

/// Parses `cargo tree --charset ascii --format "{p}\t{l}"` output: a depth
/// is a run of four-character groups (`|   ` or four spaces) then `|-- ` or
/// `` `-- ``; a `[build-dependencies]` line at depth d makes the following
/// children of the depth-d package build dependencies.
fn parse_tree(text: &str, lock: &[Pkg]) -> Result<Tree, String> {
    let mut tree = Tree::default();
    // (package, kind of the edges to its next children) per depth.
    let mut stack: Vec<(usize, EdgeKind)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        let mut rest = line;
        let mut groups = 0;
        while let Some(r) = rest.strip_prefix("|   ").or_else(|| rest.strip_prefix("    ")) {
            rest = r;
            groups += 1;
        }
        let depth = if let Some(r) = rest.strip_prefix("|-- ").or_else(|| rest.strip_prefix("`-- ")) {
            rest = r;
            groups + 1
        } else if rest.starts_with('[') {
            let kind = match rest.trim() {
                "[build-dependencies]" => EdgeKind::Build,
                other => return Err(format!("cargo tree printed an unexpected section {other:?}")),
            };
            if stack.len() <= groups {
                return Err(format!("cargo tree printed a section at an unexpected depth: {line:?}"));
            }
            stack.truncate(groups + 1);
            stack[groups].1 = kind;
            continue;
        } else if groups == 0 {
            0
        } else {
            return Err(format!("cargo tree printed an unexpected line: {line:?}"));
        };
        if depth > stack.len() {
            return Err(format!("cargo tree printed an unexpected depth: {line:?}"));
        }
        let (pkg, license) = rest.split_once('\t').ok_or_else(|| format!("unexpected cargo tree line {line:?}"))?;
        let license = license.trim_end().trim_end_matches("(*)").trim_end();
        let i = locked_index(pkg, lock)?;
        stack.truncate(depth);
        match stack.last() {
            Some(&(parent, kind)) => {
                tree.edges.insert((parent, i, kind));
            }
            None => {
                if !tree.roots.contains(&i) {
                    tree.roots.push(i);
                }
            }
        }
        tree.licenses.insert(i, license.to_string());
        stack.push((i, EdgeKind::Normal));
    }
    if tree.roots.is_empty() {
        return Err("cargo tree printed no package".into());
    }
    Ok(tree)
}

/// The lock's package for cargo tree's `{p}`: `name vVERSION[ (SOURCE)][ (proc-macro)]`.
fn locked_index(p: &str, lock: &[Pkg]) -> Result<usize, String> {
    let mut words = p.split(' ');
    let (Some(name), Some(version)) = (words.next(), words.next().and_then(|v| v.strip_prefix('v'))) else {
        return Err(format!("unexpected cargo tree package {p:?}"));
    };
    let rest: String = words.collect::<Vec<_>>().join(" ");
    let rest = rest.trim_end_matches("(proc-macro)").trim();
    let candidates: Vec<usize> =
        (0..lock.len()).filter(|&i| lock[i].lock.name == name && lock[i].lock.version == version).collect();
    let pick = match candidates.as_slice() {
        [one] => Some(*one),
        many => many.iter().copied().find(|&i| match lock[i].lock.source.as_deref() {
            None => rest.starts_with("(/"),
            Some(s) if lock[i].lock.is_crates_io() => rest.is_empty() && s.contains("crates.io"),
            Some(s) => {
                let url = s.split_once('+').map_or(s, |(_, u)| u);
                let url = url.split(['?', '#']).next().unwrap_or(url);
                !rest.is_empty() && rest.contains(url)
            }
        }),
    };
    pick.ok_or_else(|| format!("cargo tree listed {name} {version}, which Cargo.lock does not have"))
}

/// The packages `tree` lists, with roles, licenses and descriptions.
fn from_tree(
    all: Vec<Pkg>,
    tree: Tree,
    local: &LocalManifests,
    registry: &RegistryCache,
    metadata: MetadataSource,
) -> Graph {
    // Keep the listed packages, in the lock's (sorted) order.
    let keep: Vec<usize> = (0..all.len()).filter(|i| tree.licenses.contains_key(i)).collect();
    let new_index: BTreeMap<usize, usize> = keep.iter().enumerate().map(|(n, &o)| (o, n)).collect();
    let mut packages: Vec<Pkg> = keep.iter().map(|&o| all[o].clone()).collect();
    for &(from, to, kind) in &tree.edges {
        packages[new_index[&from]].edges.insert((new_index[&to], kind));
    }
    let roots: Vec<usize> = tree.roots.iter().map(|r| new_index[r]).collect();
    // Roles: runtime = reachable through normal edges only; build = the rest.
    let mut runtime = vec![false; packages.len()];
    let mut stack = roots.clone();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut runtime[i], true) {
            continue;
        }
        stack.extend(packages[i].edges.iter().filter(|e| e.1 == EdgeKind::Normal).map(|e| e.0));
    }
    for (n, p) in packages.iter_mut().enumerate() {
        p.role = if roots.contains(&n) {
            Role::Member
        } else if runtime[n] {
            Role::Runtime
        } else {
            Role::Build
        };
        p.license = normalize_license(tree.licenses.get(&keep[n]).cloned());
        if p.license.is_none() {
            p.unlicensed = Some("its Cargo.toml declares no license expression".into());
        }
        p.description = match &p.lock.source {
            None => local.get(&p.lock).and_then(|m| m.description.clone()),
            Some(_) => registry.get(&p.lock).and_then(|m| m.description),
        };
    }
    let not_compiled = all
        .iter()
        .enumerate()
        .filter(|(i, _)| !tree.licenses.contains_key(i))
        .map(|(_, p)| format!("{}@{}", p.lock.name, p.lock.version))
        .collect();
    Graph { packages, roots, metadata, not_compiled }
}

/// Every package of the lock, edges without kinds, licenses where known.
fn from_lock(
    mut packages: Vec<Pkg>,
    local: &LocalManifests,
    registry: &RegistryCache,
    metadata: MetadataSource,
) -> Graph {
    let mut roots = Vec::new();
    for (i, p) in packages.iter_mut().enumerate() {
        p.edges = p.lock.dependencies.iter().map(|&j| (j, EdgeKind::Normal)).collect();
        let found = match &p.lock.source {
            None => {
                let m = local.get(&p.lock);
                if m.is_some_and(|m| m.member) {
                    roots.push(i);
                    p.role = Role::Member;
                }
                m.cloned().ok_or("its Cargo.toml was not found in the workspace")
            }
            Some(s) if s.starts_with("registry+") || s.starts_with("sparse+") => {
                registry.get(&p.lock).ok_or("its .crate is not in the cargo registry cache")
            }
            Some(_) => Err("git sources are not read without cargo"),
        };
        match found {
            Ok(m) => {
                p.license = m.license;
                p.description = m.description;
                if p.license.is_none() {
                    p.unlicensed = Some("its Cargo.toml declares no license expression".into());
                }
            }
            Err(why) => p.unlicensed = Some(why.into()),
        }
    }
    Graph { packages, roots, metadata, not_compiled: Vec::new() }
}

/// What a package's `Cargo.toml` says of it.
#[derive(Debug, Clone, Default)]
struct PackageInfo {
    license: Option<String>,
    description: Option<String>,
    /// A workspace member (or the root package).
    member: bool,
}

#[derive(Deserialize)]
struct CrateToml {
    #[serde(default)]
    package: Option<CrateTomlPackage>,
    #[serde(default)]
    workspace: Option<WorkspaceToml>,
}

#[derive(Deserialize)]
struct CrateTomlPackage {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<toml::Value>,
    #[serde(default)]
    license: Option<toml::Value>,
    #[serde(default)]
    description: Option<toml::Value>,
}

#[derive(Deserialize, Default)]
struct WorkspaceToml {
    #[serde(default)]
    members: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    package: Option<BTreeMap<String, toml::Value>>,
}

/// A string field, or `{ workspace = true }` resolved against `inherited`.
fn field(v: Option<&toml::Value>, key: &str, inherited: Option<&BTreeMap<String, toml::Value>>) -> Option<String> {
    match v? {
        toml::Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        toml::Value::Table(t) if t.get("workspace").and_then(toml::Value::as_bool) == Some(true) => {
            inherited?.get(key)?.as_str().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
        }
        _ => None,
    }
}

/// The workspace's own packages, read from their `Cargo.toml` files under
/// the project directory (`target/` and hidden directories skipped), keyed
/// by (name, version); `{ workspace = true }` fields resolved against the
/// root's `[workspace.package]`.
struct LocalManifests(BTreeMap<(String, String), PackageInfo>);

impl LocalManifests {
    fn read(dir: &Path) -> Result<Self, GenerateError> {
        let root_path = dir.join("Cargo.toml");
        let text = std::fs::read_to_string(&root_path)
            .map_err(|source| GenerateError::Read { path: root_path.clone(), source })?;
        let root: Option<CrateToml> = toml::from_str(&text).ok();
        let ws = root.as_ref().and_then(|r| r.workspace.as_ref());
        let inherited = ws.and_then(|w| w.package.as_ref());
        let globs = |list: &[String]| {
            let mut b = globset::GlobSetBuilder::new();
            for g in list {
                if let Ok(g) = globset::GlobBuilder::new(g.trim_end_matches('/')).literal_separator(true).build() {
                    b.add(g);
                }
            }
            b.build().unwrap_or_else(|_| globset::GlobSet::empty())
        };
        let members = globs(ws.map(|w| w.members.as_slice()).unwrap_or_default());
        let exclude = globs(ws.map(|w| w.exclude.as_slice()).unwrap_or_default());
        let mut out = BTreeMap::new();
        let walk = walkdir::WalkDir::new(dir).sort_by_file_name().into_iter().filter_entry(|e| {
            e.depth() == 0
                || !(e.file_type().is_dir()
                    && (e.file_name() == "target" || e.file_name().to_string_lossy().starts_with('.')))
        });
        for e in walk.filter_map(Result::ok) {
            if e.file_name() != "Cargo.toml" || !e.file_type().is_file() {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(e.path()) else { continue };
            let Ok(CrateToml { package: Some(p), .. }) = toml::from_str::<CrateToml>(&text) else { continue };
            let (Some(name), Some(version)) = (p.name.clone(), field(p.version.as_ref(), "version", inherited)) else {
                continue;
            };
            let rel = e.path().parent().and_then(|d| d.strip_prefix(dir).ok()).unwrap_or(Path::new(""));
            let member = rel.as_os_str().is_empty() && root.as_ref().is_some_and(|r| r.package.is_some())
                || (members.is_match(rel) && !exclude.is_match(rel));
            let info = PackageInfo {
                license: normalize_license(field(p.license.as_ref(), "license", inherited)),
                description: field(p.description.as_ref(), "description", inherited),
                member,
            };
            out.entry((name, version)).or_insert(info);
        }
        Ok(LocalManifests(out))
    }

    fn get(&self, p: &LockedPackage) -> Option<&PackageInfo> {
        self.0.get(&(p.name.clone(), p.version.clone()))
    }
}

/// The registry cache's downloaded crates,
/// `$CARGO_HOME/registry/cache/*/<name>-<version>.crate`, each package's
/// `Cargo.toml` read from inside the archive. (Not the extracted
/// `registry/src`: whether a crate was extracted depends on what ran before,
/// and the document must not.)
struct RegistryCache(Vec<PathBuf>);

/// The largest `Cargo.toml` read out of a `.crate`.
const MAX_CRATE_MANIFEST: u64 = 1 << 20;

impl RegistryCache {
    fn new(cargo_home: Option<&Path>) -> Self {
        let mut dirs: Vec<PathBuf> = cargo_home
            .map(|h| h.join("registry").join("cache"))
            .and_then(|d| std::fs::read_dir(d).ok())
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        dirs.sort();
        RegistryCache(dirs)
    }

    fn get(&self, p: &LockedPackage) -> Option<PackageInfo> {
        let stem = format!("{}-{}", p.name, p.version);
        self.0.iter().find_map(|d| {
            let file = std::fs::File::open(d.join(format!("{stem}.crate"))).ok()?;
            let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
            let wanted = Path::new(&stem).join("Cargo.toml");
            let entry = archive.entries().ok()?.filter_map(Result::ok).find(|e| e.path().is_ok_and(|q| q == wanted))?;
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::Read::take(entry, MAX_CRATE_MANIFEST), &mut text).ok()?;
            let c = toml::from_str::<CrateToml>(&text).ok()?.package?;
            Some(PackageInfo {
                license: normalize_license(field(c.license.as_ref(), "license", None)),
                description: field(c.description.as_ref(), "description", None),
                member: false,
            })
        })
    }
}

/// `pkg:cargo/<name>@<version>`, percent-encoding what purl requires.
pub fn purl(name: &str, version: &str) -> String {
    fn enc(s: &str) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }
    format!("pkg:cargo/{}@{}", enc(name), enc(version))
}

/// A name-based UUID (version 5 layout) from a SHA-256 of `content`.
fn uuid_from(content: &[u8]) -> String {
    let h = sha2::Sha256::digest(content);
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &x[0..8], &x[8..12], &x[12..16], &x[16..20], &x[20..32])
}

fn crates_io_download(p: &LockedPackage) -> Option<String> {
    p.is_crates_io().then(|| format!("https://crates.io/api/v1/crates/{}/{}/download", p.name, p.version))
}

/// Pretty JSON with a trailing newline.
fn to_bytes<T: Serialize>(v: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = serde_json::to_vec_pretty(v)?;
    out.push(b'\n');
    Ok(out)
}

// ---------------------------------------------------------------- CycloneDX

/// CycloneDX 1.6 JSON, written with own structs (no crate covers 1.6).
mod cdx {
    use serde::Serialize;

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Bom {
        pub bom_format: &'static str,
        pub spec_version: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub serial_number: Option<String>,
        pub version: u32,
        pub metadata: Metadata,
        pub components: Vec<Component>,
        pub dependencies: Vec<Dependency>,
    }

    #[derive(Serialize)]
    pub struct Metadata {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub timestamp: Option<String>,
        pub tools: Tools,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub component: Option<Component>,
        pub properties: Vec<Property>,
    }

    #[derive(Serialize)]
    pub struct Tools {
        pub components: Vec<Component>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Component {
        #[serde(rename = "type")]
        pub kind: &'static str,
        #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
        pub bom_ref: Option<String>,
        pub name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub version: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub description: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub scope: Option<&'static str>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub hashes: Vec<Hash>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub licenses: Vec<License>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub purl: Option<String>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub external_references: Vec<ExternalReference>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub properties: Vec<Property>,
    }

    #[derive(Serialize)]
    pub struct Hash {
        pub alg: &'static str,
        pub content: String,
    }

    #[derive(Serialize)]
    pub struct License {
        pub expression: String,
    }

    #[derive(Serialize)]
    pub struct ExternalReference {
        #[serde(rename = "type")]
        pub kind: &'static str,
        pub url: String,
    }

    #[derive(Serialize)]
    pub struct Property {
        pub name: &'static str,
        pub value: String,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Dependency {
        #[serde(rename = "ref")]
        pub reference: String,
        pub depends_on: Vec<String>,
    }
}

/// Unique references: the purl, with `#2`, `#3`... when two packages share
/// a name and version (different sources).
fn unique_refs(graph: &Graph, base: impl Fn(&Pkg) -> String) -> Vec<String> {
    let mut seen = BTreeSet::new();
    graph
        .packages
        .iter()
        .map(|p| {
            let b = base(p);
            let mut r = b.clone();
            let mut n = 2;
            while !seen.insert(r.clone()) {
                r = format!("{b}-{n}");
                n += 1;
            }
            r
        })
        .collect()
}

/// The document's statement of how it was made: the method, and for a
/// target's SBOM the target and the locked packages not compiled for it.
fn cdx_properties(graph: &Graph) -> Vec<cdx::Property> {
    use super::cyclonedx::{METHOD_PROPERTY, NOT_COMPILED_PROPERTY, TARGET_PROPERTY};
    let mut out = vec![cdx::Property { name: METHOD_PROPERTY, value: graph.method() }];
    if let MetadataSource::CargoTree { target } = &graph.metadata {
        out.push(cdx::Property { name: TARGET_PROPERTY, value: target.clone() });
        out.extend(graph.not_compiled.iter().map(|p| cdx::Property { name: NOT_COMPILED_PROPERTY, value: p.clone() }));
    }
    out
}

/// The same for SPDX 2.3, whose `creationInfo.comment` holds the method,
/// then `vouch:cargo:target=TRIPLE` and `vouch:cargo:not-compiled=PKG PKG...` lines.
fn spdx_comment(graph: &Graph) -> String {
    let mut out = graph.method();
    if let MetadataSource::CargoTree { target } = &graph.metadata {
        out.push_str(&format!(
            "\nvouch:cargo:target={target}\nvouch:cargo:not-compiled={}",
            graph.not_compiled.join(" ")
        ));
    }
    out
}

fn cyclonedx_document(graph: &Graph, timestamp: Option<&str>) -> Result<Vec<u8>, serde_json::Error> {
    let refs = unique_refs(graph, |p| purl(&p.lock.name, &p.lock.version));
    let component = |i: usize, kind: &'static str| {
        let p = &graph.packages[i];
        let mut external_references = Vec::new();
        if let Some(u) = crates_io_download(&p.lock) {
            external_references.push(cdx::ExternalReference { kind: "distribution", url: u });
        } else if let Some(g) = p.lock.source.as_deref().and_then(|s| s.strip_prefix("git+")) {
            external_references.push(cdx::ExternalReference { kind: "vcs", url: g.to_string() });
        }
        let (scope, kind_prop) = match p.role {
            Role::Member | Role::Runtime => (Some("required"), None),
            Role::Build => (Some("excluded"), Some("build")),
            Role::Unknown => (None, None),
        };
        let mut properties = Vec::new();
        if let Some(k) = kind_prop {
            properties.push(cdx::Property { name: super::cyclonedx::DEPENDENCY_KIND_PROPERTY, value: k.to_string() });
        }
        if let Some(s) = &p.lock.source {
            properties.push(cdx::Property { name: "vouch:cargo:source", value: s.clone() });
        }
        cdx::Component {
            kind,
            bom_ref: Some(refs[i].clone()),
            name: p.lock.name.clone(),
            version: Some(p.lock.version.clone()),
            description: p.description.clone(),
            scope: if kind == "application" { None } else { scope },
            hashes: p.lock.checksum.iter().map(|c| cdx::Hash { alg: "SHA-256", content: c.clone() }).collect(),
            licenses: p.license.iter().map(|l| cdx::License { expression: l.clone() }).collect(),
            purl: Some(purl(&p.lock.name, &p.lock.version)),
            external_references,
            properties,
        }
    };
    let main = if graph.roots.len() == 1 { Some(graph.roots[0]) } else { None };
    let components = (0..graph.packages.len())
        .filter(|&i| Some(i) != main)
        .map(|i| component(i, if graph.packages[i].role == Role::Member { "application" } else { "library" }))
        .collect();
    let dependencies = (0..graph.packages.len())
        .map(|i| {
            let mut depends_on: Vec<String> = graph.packages[i].edges.iter().map(|&(j, _)| refs[j].clone()).collect();
            depends_on.sort();
            depends_on.dedup();
            cdx::Dependency { reference: refs[i].clone(), depends_on }
        })
        .collect();
    let mut bom = cdx::Bom {
        bom_format: "CycloneDX",
        spec_version: "1.6",
        serial_number: None,
        version: 1,
        metadata: cdx::Metadata {
            timestamp: timestamp.map(str::to_owned),
            tools: cdx::Tools {
                components: vec![cdx::Component {
                    kind: "application",
                    bom_ref: None,
                    name: "vouch".into(),
                    version: Some(env!("CARGO_PKG_VERSION").into()),
                    description: None,
                    scope: None,
                    hashes: Vec::new(),
                    licenses: Vec::new(),
                    purl: None,
                    external_references: Vec::new(),
                    properties: Vec::new(),
                }],
            },
            component: main.map(|i| component(i, "application")),
            properties: cdx_properties(graph),
        },
        components,
        dependencies,
    };
    let unnumbered = to_bytes(&bom)?;
    bom.serial_number = Some(format!("urn:uuid:{}", uuid_from(&unnumbered)));
    to_bytes(&bom)
}

// ---------------------------------------------------------------- SPDX 2.3

mod spdx {
    use serde::Serialize;

    #[derive(Serialize)]
    pub struct Document {
        #[serde(rename = "spdxVersion")]
        pub spdx_version: &'static str,
        #[serde(rename = "dataLicense")]
        pub data_license: &'static str,
        #[serde(rename = "SPDXID")]
        pub spdxid: &'static str,
        pub name: String,
        #[serde(rename = "documentNamespace")]
        pub document_namespace: String,
        #[serde(rename = "creationInfo")]
        pub creation_info: CreationInfo,
        pub packages: Vec<Package>,
        pub relationships: Vec<Relationship>,
    }

    #[derive(Serialize)]
    pub struct CreationInfo {
        pub created: String,
        pub creators: Vec<String>,
        pub comment: String,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Package {
        #[serde(rename = "SPDXID")]
        pub spdxid: String,
        pub name: String,
        pub version_info: String,
        pub download_location: String,
        pub files_analyzed: bool,
        pub license_concluded: &'static str,
        pub license_declared: String,
        pub copyright_text: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub description: Option<String>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub checksums: Vec<Checksum>,
        pub external_refs: Vec<ExternalRef>,
        pub primary_package_purpose: &'static str,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Checksum {
        pub algorithm: &'static str,
        pub checksum_value: String,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ExternalRef {
        pub reference_category: &'static str,
        pub reference_type: &'static str,
        pub reference_locator: String,
    }

    #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
    #[serde(rename_all = "camelCase")]
    pub struct Relationship {
        pub spdx_element_id: String,
        pub relationship_type: &'static str,
        pub related_spdx_element: String,
    }
}

/// `SPDXRef-Package-<name>-<version>` with every character SPDX ids do not
/// allow turned into `-`.
fn spdx_id(p: &Pkg) -> String {
    let raw = format!("Package-{}-{}", p.lock.name, p.lock.version);
    let clean: String =
        raw.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '-' }).collect();
    format!("SPDXRef-{clean}")
}

fn spdx_document(graph: &Graph, created: &str) -> Result<Vec<u8>, serde_json::Error> {
    let ids = unique_refs(graph, spdx_id);
    let packages = graph
        .packages
        .iter()
        .enumerate()
        .map(|(i, p)| spdx::Package {
            spdxid: ids[i].clone(),
            name: p.lock.name.clone(),
            version_info: p.lock.version.clone(),
            download_location: crates_io_download(&p.lock).unwrap_or_else(|| "NOASSERTION".into()),
            files_analyzed: false,
            license_concluded: "NOASSERTION",
            license_declared: p.license.clone().unwrap_or_else(|| "NOASSERTION".into()),
            copyright_text: "NOASSERTION",
            description: p.description.clone(),
            checksums: p
                .lock
                .checksum
                .iter()
                .map(|c| spdx::Checksum { algorithm: "SHA256", checksum_value: c.clone() })
                .collect(),
            external_refs: vec![spdx::ExternalRef {
                reference_category: "PACKAGE-MANAGER",
                reference_type: "purl",
                reference_locator: purl(&p.lock.name, &p.lock.version),
            }],
            primary_package_purpose: if p.role == Role::Member { "APPLICATION" } else { "LIBRARY" },
        })
        .collect();
    let mut relationships = Vec::new();
    for &r in &graph.roots {
        relationships.push(spdx::Relationship {
            spdx_element_id: "SPDXRef-DOCUMENT".into(),
            relationship_type: "DESCRIBES",
            related_spdx_element: ids[r].clone(),
        });
    }
    let mut edges = Vec::new();
    for (i, p) in graph.packages.iter().enumerate() {
        for &(j, kind) in &p.edges {
            edges.push(match kind {
                EdgeKind::Normal => spdx::Relationship {
                    spdx_element_id: ids[i].clone(),
                    relationship_type: "DEPENDS_ON",
                    related_spdx_element: ids[j].clone(),
                },
                EdgeKind::Build => spdx::Relationship {
                    spdx_element_id: ids[j].clone(),
                    relationship_type: "BUILD_DEPENDENCY_OF",
                    related_spdx_element: ids[i].clone(),
                },
            });
        }
    }
    edges.sort();
    edges.dedup();
    relationships.extend(edges);
    let name = match graph.roots.first() {
        Some(&r) if graph.roots.len() == 1 => {
            format!("{}-{}", graph.packages[r].lock.name, graph.packages[r].lock.version)
        }
        _ => "cargo-workspace".to_string(),
    };
    let mut doc = spdx::Document {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdxid: "SPDXRef-DOCUMENT",
        name: name.clone(),
        document_namespace: String::new(),
        creation_info: spdx::CreationInfo {
            created: created.to_string(),
            creators: vec![format!("Tool: vouch-{}", env!("CARGO_PKG_VERSION"))],
            comment: spdx_comment(graph),
        },
        packages,
        relationships,
    };
    let unnumbered = to_bytes(&doc)?;
    let ns_name: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '-' }).collect();
    doc.document_namespace = format!("https://vouch.invalid/spdx/{ns_name}-{}", uuid_from(&unnumbered));
    to_bytes(&doc)
}
