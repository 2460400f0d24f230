//! Generating SBOMs for Cargo projects, offline.
//!
//! The package list, versions, sources and checksums come from `Cargo.lock`.
//! `cargo metadata --offline --locked --format-version 1` adds licenses,
//! descriptions and the kind of every dependency edge (normal, build, dev);
//! when it cannot run (a crate's source is not in the local registry cache,
//! no cargo), each registry crate's `Cargo.toml` is read from
//! `$CARGO_HOME/registry/src/*/<name>-<version>/` where present, the edges
//! come from the lock without kinds, and crates found nowhere are still
//! listed, without a license ([`Generated::without_license`] names them).
//!
//! Output is deterministic: components sorted by name, version and source;
//! the CycloneDX serial number and the SPDX document namespace are derived
//! from a SHA-256 of the document's own content; the time comes only from
//! `SOURCE_DATE_EPOCH` (CycloneDX then has `metadata.timestamp`, else none;
//! SPDX, which requires `creationInfo.created`, gets 1970-01-01T00:00:00Z
//! when it is not given).

use super::SbomFormat;
use crate::lockfile::{self, LockedPackage, LockfileError};
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
    /// The cargo program to run for `cargo metadata`.
    pub cargo: PathBuf,
    /// `CARGO_HOME`: passed to cargo, and where the registry cache is looked
    /// up when `cargo metadata` fails; `None`: cargo's default, no lookup.
    pub cargo_home: Option<PathBuf>,
    /// `SOURCE_DATE_EPOCH`, the only source of the document's time.
    pub source_date_epoch: Option<i64>,
}

/// Where licenses, descriptions and edge kinds came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "from")]
pub enum MetadataSource {
    /// `cargo metadata --offline` ran.
    CargoMetadata,
    /// It did not (its reason); the lock and the registry cache were used.
    LockAndCache { reason: String },
}

/// A generated document and what the caller should report.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The JSON document, ending in a newline.
    pub bytes: Vec<u8>,
    /// Number of components (packages), the described ones included.
    pub components: usize,
    /// `name@version` of every package without a known license.
    pub without_license: Vec<String>,
    pub metadata: MetadataSource,
}

/// How a package is used by the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    /// A workspace member.
    Member,
    /// Reached from a member through normal dependencies only.
    Runtime,
    /// Needed only to build (through a build dependency).
    Build,
    /// Needed only for tests, examples and benchmarks (through a dev dependency).
    Dev,
    /// Not known (no `cargo metadata`).
    Unknown,
}

/// The kinds of one dependency edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum EdgeKind {
    Normal,
    Build,
    Dev,
}

/// One package, with everything the writers need.
#[derive(Debug, Clone)]
struct Pkg {
    lock: LockedPackage,
    license: Option<String>,
    description: Option<String>,
    role: Role,
    /// (index into the package list, kind); kinds unknown → Normal.
    edges: BTreeSet<(usize, EdgeKind)>,
}

/// The project as a package graph.
struct Graph {
    packages: Vec<Pkg>,
    /// Indices of the described packages (the root package, or every
    /// member of a virtual workspace).
    roots: Vec<usize>,
    metadata: MetadataSource,
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<MetaPackage>,
    workspace_members: Vec<String>,
    resolve: Option<MetaResolve>,
}

#[derive(Deserialize)]
struct MetaPackage {
    id: String,
    name: String,
    version: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    license: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize)]
struct MetaResolve {
    nodes: Vec<MetaNode>,
    #[serde(default)]
    root: Option<String>,
}

#[derive(Deserialize)]
struct MetaNode {
    id: String,
    #[serde(default)]
    deps: Vec<MetaDep>,
}

#[derive(Deserialize)]
struct MetaDep {
    pkg: String,
    #[serde(default)]
    dep_kinds: Vec<MetaDepKind>,
}

#[derive(Deserialize)]
struct MetaDepKind {
    #[serde(default)]
    kind: Option<String>,
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
    let mut without_license: Vec<String> = graph
        .packages
        .iter()
        .filter(|p| p.license.is_none())
        .map(|p| format!("{}@{}", p.lock.name, p.lock.version))
        .collect();
    without_license.sort();
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
    let mut packages: Vec<Pkg> = lock
        .packages
        .iter()
        .map(|l| Pkg { lock: l.clone(), license: None, description: None, role: Role::Unknown, edges: BTreeSet::new() })
        .collect();
    let cargo_home = opts.cargo_home.clone();
    let mut roots = Vec::new();
    let metadata = match run_metadata(opts, &cargo_home) {
        Ok(meta) => {
            apply_metadata(&mut packages, &mut roots, meta);
            MetadataSource::CargoMetadata
        }
        Err(reason) => {
            fallback(&mut packages, &mut roots, &manifest, cargo_home.as_deref())?;
            MetadataSource::LockAndCache { reason }
        }
    };
    Ok(Graph { packages, roots, metadata })
}

/// Runs `cargo metadata`; `Err` carries why it could not be used.
fn run_metadata(opts: &GenerateOptions, cargo_home: &Option<PathBuf>) -> Result<Metadata, String> {
    let mut cmd = std::process::Command::new(&opts.cargo);
    cmd.args(["metadata", "--offline", "--locked", "--format-version", "1", "--manifest-path"])
        .arg(opts.dir.join("Cargo.toml"))
        .stdin(std::process::Stdio::null());
    if let Some(h) = cargo_home {
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
        return Err(format!("cargo metadata --offline failed: {line}"));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata printed unexpected JSON: {e}"))
}

/// The lock's package matching a metadata package.
fn find(packages: &[Pkg], name: &str, version: &str, source: Option<&str>) -> Option<usize> {
    packages.iter().position(|p| p.lock.name == name && p.lock.version == version && p.lock.source.as_deref() == source)
}

fn apply_metadata(packages: &mut [Pkg], roots: &mut Vec<usize>, meta: Metadata) {
    let mut by_id = BTreeMap::new();
    for m in &meta.packages {
        if let Some(i) = find(packages, &m.name, &m.version, m.source.as_deref()) {
            by_id.insert(m.id.clone(), i);
            packages[i].license = normalize_license(m.license.clone());
            packages[i].description = m.description.clone().map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
        }
    }
    let members: Vec<usize> = meta.workspace_members.iter().filter_map(|id| by_id.get(id).copied()).collect();
    let Some(resolve) = meta.resolve else {
        roots.extend(&members);
        return;
    };
    for n in &resolve.nodes {
        let Some(&from) = by_id.get(&n.id) else { continue };
        for d in &n.deps {
            let Some(&to) = by_id.get(&d.pkg) else { continue };
            for k in &d.dep_kinds {
                let kind = match k.kind.as_deref() {
                    Some("dev") => EdgeKind::Dev,
                    Some("build") => EdgeKind::Build,
                    _ => EdgeKind::Normal,
                };
                packages[from].edges.insert((to, kind));
            }
            if d.dep_kinds.is_empty() {
                packages[from].edges.insert((to, EdgeKind::Normal));
            }
        }
    }
    match resolve.root.as_ref().and_then(|r| by_id.get(r)) {
        Some(&r) => roots.push(r),
        None => roots.extend(&members),
    }
    // Roles: runtime = reachable through normal edges only; build = through
    // normal and build edges; dev = anything else reachable.
    let reach = |allowed: &[EdgeKind]| {
        let mut seen = vec![false; packages.len()];
        let mut stack: Vec<usize> = members.clone();
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            for &(j, k) in &packages[i].edges {
                if allowed.contains(&k) && !seen[j] {
                    stack.push(j);
                }
            }
        }
        seen
    };
    let runtime = reach(&[EdgeKind::Normal]);
    let build = reach(&[EdgeKind::Normal, EdgeKind::Build]);
    let any = reach(&[EdgeKind::Normal, EdgeKind::Build, EdgeKind::Dev]);
    for (i, p) in packages.iter_mut().enumerate() {
        p.role = if members.contains(&i) {
            Role::Member
        } else if runtime[i] {
            Role::Runtime
        } else if build[i] {
            Role::Build
        } else if any[i] {
            Role::Dev
        } else {
            Role::Unknown
        };
    }
}

#[derive(Deserialize)]
struct CrateToml {
    #[serde(default)]
    package: Option<CrateTomlPackage>,
}

#[derive(Deserialize)]
struct CrateTomlPackage {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    license: Option<toml::Value>,
    #[serde(default)]
    description: Option<toml::Value>,
}

fn fallback(
    packages: &mut [Pkg],
    roots: &mut Vec<usize>,
    manifest: &Path,
    cargo_home: Option<&Path>,
) -> Result<(), GenerateError> {
    for p in packages.iter_mut() {
        p.edges = p.lock.dependencies.iter().map(|&j| (j, EdgeKind::Normal)).collect();
    }
    // The root package, from the project's own Cargo.toml.
    let text = std::fs::read_to_string(manifest)
        .map_err(|source| GenerateError::Read { path: manifest.to_path_buf(), source })?;
    if let Ok(t) = toml::from_str::<CrateToml>(&text)
        && let Some(p) = t.package
        && let Some(i) = packages.iter().position(|q| Some(&q.lock.name) == p.name.as_ref() && q.lock.source.is_none())
    {
        roots.push(i);
        packages[i].role = Role::Member;
        packages[i].license = normalize_license(p.license.and_then(|v| v.as_str().map(str::to_owned)));
        packages[i].description = p.description.and_then(|v| v.as_str().map(|s| s.trim().to_owned()));
    }
    let src_dirs: Vec<PathBuf> = cargo_home
        .map(|h| h.join("registry").join("src"))
        .and_then(|d| std::fs::read_dir(d).ok())
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    for p in packages.iter_mut() {
        if p.lock.source.as_deref().is_none_or(|s| !s.starts_with("registry+") && !s.starts_with("sparse+")) {
            continue;
        }
        for d in &src_dirs {
            let toml_path = d.join(format!("{}-{}", p.lock.name, p.lock.version)).join("Cargo.toml");
            let Ok(text) = std::fs::read_to_string(&toml_path) else { continue };
            if let Ok(CrateToml { package: Some(c) }) = toml::from_str::<CrateToml>(&text) {
                p.license = normalize_license(c.license.and_then(|v| v.as_str().map(str::to_owned)));
                p.description =
                    c.description.and_then(|v| v.as_str().map(|s| s.trim().to_owned())).filter(|s| !s.is_empty());
                break;
            }
        }
    }
    Ok(())
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
            Role::Dev => (Some("excluded"), Some("dev")),
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
                EdgeKind::Dev => spdx::Relationship {
                    spdx_element_id: ids[j].clone(),
                    relationship_type: "DEV_DEPENDENCY_OF",
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
