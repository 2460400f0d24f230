//! SPDX JSON: reading SPDX 2.2/2.3 documents and SPDX 3.0 JSON-LD into the
//! component model (packages become components; files are not components).

use super::{Component, Hash, Sbom, SbomError, SbomFormat};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The SPDX 2 versions [`ingest2`] reads (`spdxVersion` without `SPDX-`).
pub const READABLE_VERSIONS: &[&str] = &["2.2", "2.3"];

#[derive(Deserialize)]
pub(crate) struct RawDoc {
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default, deserialize_with = "crate::sbom::bounded")]
    pub(crate) packages: Vec<RawPackage>,
    #[serde(default, deserialize_with = "crate::sbom::bounded")]
    pub(crate) relationships: Vec<RawRelationship>,
    #[serde(rename = "creationInfo", default)]
    pub(crate) creation_info: Option<RawCreationInfo>,
}

#[derive(Deserialize)]
pub(crate) struct RawCreationInfo {
    #[serde(default)]
    comment: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct RawPackage {
    #[serde(rename = "SPDXID")]
    id: String,
    name: String,
    #[serde(rename = "versionInfo", default)]
    version: Option<String>,
    #[serde(rename = "licenseDeclared", default)]
    license_declared: Option<String>,
    #[serde(rename = "licenseConcluded", default)]
    license_concluded: Option<String>,
    #[serde(default, deserialize_with = "crate::sbom::bounded")]
    checksums: Vec<RawChecksum>,
    #[serde(default)]
    supplier: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(rename = "externalRefs", default, deserialize_with = "crate::sbom::bounded")]
    external_refs: Vec<RawExternalRef>,
}

#[derive(Deserialize)]
struct RawChecksum {
    algorithm: String,
    #[serde(rename = "checksumValue")]
    value: String,
}

#[derive(Deserialize)]
struct RawExternalRef {
    #[serde(rename = "referenceType")]
    kind: String,
    #[serde(rename = "referenceLocator")]
    locator: String,
}

#[derive(Deserialize)]
pub(crate) struct RawRelationship {
    #[serde(rename = "spdxElementId")]
    from: String,
    #[serde(rename = "relationshipType")]
    kind: String,
    #[serde(rename = "relatedSpdxElement")]
    to: String,
}

/// `NOASSERTION`, `NONE` and empty strings say nothing.
fn meaningful(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty() && s != "NOASSERTION" && s != "NONE")
}

/// SPDX checksum algorithm names in CycloneDX spelling (`SHA256` → `SHA-256`).
pub fn alg_to_cdx(alg: &str) -> String {
    let up = alg.to_ascii_uppercase();
    match up.as_str() {
        "SHA1" => "SHA-1".into(),
        "SHA224" => "SHA-224".into(),
        "SHA256" => "SHA-256".into(),
        "SHA384" => "SHA-384".into(),
        "SHA512" => "SHA-512".into(),
        "SHA3_256" | "SHA3-256" => "SHA3-256".into(),
        "SHA3_384" | "SHA3-384" => "SHA3-384".into(),
        "SHA3_512" | "SHA3-512" => "SHA3-512".into(),
        "BLAKE2B256" | "BLAKE2B-256" => "BLAKE2b-256".into(),
        "BLAKE2B384" | "BLAKE2B-384" => "BLAKE2b-384".into(),
        "BLAKE2B512" | "BLAKE2B-512" => "BLAKE2b-512".into(),
        _ => up,
    }
}

/// `Organization: ACME (a@b)` → `ACME`.
fn supplier_name(s: Option<String>) -> Option<String> {
    let s = meaningful(s)?;
    let rest = s
        .split_once(':')
        .map(|(k, v)| if k == "Organization" || k == "Person" || k == "Tool" { v } else { s.as_str() });
    let rest = rest.unwrap_or(&s).trim();
    let name = match rest.rfind(" (") {
        Some(i) if rest.ends_with(')') => &rest[..i],
        _ => rest,
    };
    Some(name.trim().to_string())
}

/// The relationship types that are dependency edges, as
/// (reversed: the edge runs from `relatedSpdxElement` to `spdxElementId`; scope).
fn dependency_edge(kind: &str) -> Option<(bool, Option<&'static str>)> {
    Some(match kind {
        "DEPENDS_ON" | "STATIC_LINK" | "DYNAMIC_LINK" => (false, None),
        "DEPENDENCY_OF" | "RUNTIME_DEPENDENCY_OF" | "PROVIDED_DEPENDENCY_OF" => (true, None),
        "DEV_DEPENDENCY_OF" => (true, Some("dev")),
        "BUILD_DEPENDENCY_OF" => (true, Some("build")),
        "TEST_DEPENDENCY_OF" => (true, Some("test")),
        "OPTIONAL_DEPENDENCY_OF" => (true, Some("optional")),
        _ => return None,
    })
}

fn add_edge(deps: &mut BTreeMap<String, Vec<String>>, from: String, to: String) {
    let e = deps.entry(from).or_default();
    if !e.contains(&to) {
        e.push(to);
    }
}

/// Reads an SPDX 2 document whose `spdxVersion` is `version` (`SPDX-2.3`).
pub(crate) fn ingest2<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
    version: &str,
    path: &Path,
) -> Result<Sbom, SbomError> {
    check_version2(version, path)?;
    let raw = RawDoc::deserialize(de).map_err(|source| invalid(source, path))?;
    convert2(raw, version, path)
}

pub(crate) fn check_version2(version: &str, path: &Path) -> Result<(), SbomError> {
    let v = version.strip_prefix("SPDX-").unwrap_or(version);
    if !READABLE_VERSIONS.contains(&v) {
        return Err(SbomError::UnsupportedVersion {
            path: path.to_path_buf(),
            format: "SPDX",
            version: version.to_string(),
            supported: "SPDX 2.2 and 2.3 JSON, SPDX 3.0 JSON-LD",
        });
    }
    Ok(())
}

/// The model of a parsed SPDX 2 document whose version was accepted.
pub(crate) fn convert2(raw: RawDoc, version: &str, path: &Path) -> Result<Sbom, SbomError> {
    let v = version.strip_prefix("SPDX-").unwrap_or(version);
    let mut seen = BTreeSet::new();
    let mut components = Vec::with_capacity(raw.packages.len());
    for p in raw.packages {
        if !seen.insert(p.id.clone()) {
            return Err(SbomError::DuplicateRef { path: path.to_path_buf(), reference: p.id });
        }
        let mut licenses = Vec::new();
        for l in [meaningful(p.license_declared), meaningful(p.license_concluded)].into_iter().flatten() {
            if !licenses.contains(&l) {
                licenses.push(l);
            }
        }
        let purl = p.external_refs.iter().find(|r| r.kind == "purl").map(|r| r.locator.clone());
        components.push(Component {
            id: p.id,
            name: p.name,
            version: meaningful(p.version),
            purl,
            licenses,
            hashes: p
                .checksums
                .into_iter()
                .map(|c| Hash { alg: alg_to_cdx(&c.algorithm), value: c.value.to_ascii_lowercase() })
                .collect(),
            supplier: supplier_name(p.supplier),
            scope: None,
            description: meaningful(p.description).or_else(|| meaningful(p.summary)),
        });
    }
    let mut dependencies = BTreeMap::new();
    let mut scopes: BTreeMap<String, &'static str> = BTreeMap::new();
    for r in raw.relationships {
        if let Some((reversed, scope)) = dependency_edge(&r.kind) {
            let (from, to) = if reversed { (r.to, r.from) } else { (r.from, r.to) };
            if let Some(s) = scope {
                scopes.insert(to.clone(), s);
            }
            add_edge(&mut dependencies, from, to);
        }
    }
    for c in &mut components {
        if let Some(s) = scopes.get(&c.id) {
            c.scope = Some((*s).to_string());
        }
    }
    let (target, not_compiled) =
        raw.creation_info.and_then(|c| c.comment).as_deref().map(super::model::target_of_comment).unwrap_or_default();
    Ok(Sbom {
        format: SbomFormat::Spdx,
        spec_version: v.to_string(),
        name: raw.name,
        components,
        dependencies,
        target,
        not_compiled,
    })
}

fn invalid(source: serde_json::Error, path: &Path) -> SbomError {
    if source.is_io() {
        SbomError::Read { path: path.to_path_buf(), source: source.into() }
    } else {
        SbomError::Invalid { path: path.to_path_buf(), format: "SPDX", source }
    }
}

#[derive(Deserialize)]
pub(crate) struct RawGraph {
    #[serde(rename = "@graph", default, deserialize_with = "crate::sbom::bounded")]
    pub(crate) graph: Vec<RawElement>,
}

/// Any SPDX 3 element; only the fields the model uses.
#[derive(Deserialize)]
pub(crate) struct RawElement {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(rename = "spdxId", alias = "@id", default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "specVersion", default)]
    spec_version: Option<String>,
    #[serde(rename = "software_packageVersion", default)]
    version: Option<String>,
    #[serde(rename = "software_packageUrl", default)]
    purl: Option<String>,
    #[serde(rename = "verifiedUsing", default, deserialize_with = "crate::sbom::bounded")]
    verified_using: Vec<RawIntegrity>,
    #[serde(rename = "suppliedBy", default)]
    supplied_by: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(rename = "simplelicensing_licenseExpression", default)]
    license_expression: Option<String>,
    #[serde(rename = "relationshipType", default)]
    relationship: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default, deserialize_with = "crate::sbom::bounded")]
    to: Vec<String>,
    #[serde(rename = "software_primaryPurpose", default)]
    _purpose: Option<String>,
    #[serde(rename = "rootElement", default, deserialize_with = "crate::sbom::bounded")]
    _root: Vec<String>,
}

#[derive(Deserialize)]
struct RawIntegrity {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    algorithm: String,
    #[serde(rename = "hashValue", default)]
    value: String,
}

/// Reads an SPDX 3.0 JSON-LD document (`@graph`): `software_Package`
/// elements become components, `dependsOn` relationships edges, and
/// `hasDeclaredLicense`/`hasConcludedLicense` give licenses.
pub(crate) fn ingest3<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
    version: &str,
    path: &Path,
) -> Result<Sbom, SbomError> {
    check_version3(version, path)?;
    let raw = RawGraph::deserialize(de).map_err(|source| invalid(source, path))?;
    convert3(raw, version, path)
}

pub(crate) fn check_version3(version: &str, path: &Path) -> Result<(), SbomError> {
    if !(version == "3.0" || version.starts_with("3.0.")) {
        return Err(SbomError::UnsupportedVersion {
            path: path.to_path_buf(),
            format: "SPDX",
            version: version.to_string(),
            supported: "SPDX 2.2 and 2.3 JSON, SPDX 3.0 JSON-LD",
        });
    }
    Ok(())
}

/// The model of a parsed SPDX 3 document whose version was accepted.
pub(crate) fn convert3(raw: RawGraph, version: &str, path: &Path) -> Result<Sbom, SbomError> {
    let mut spec_version = version.to_string();
    let mut expressions = BTreeMap::new();
    let mut agents = BTreeMap::new();
    let mut doc_name = None;
    let mut packages = Vec::new();
    let mut relationships = Vec::new();
    for e in raw.graph {
        match e.kind.as_str() {
            "CreationInfo" => {
                if let Some(v) = e.spec_version {
                    spec_version = v;
                }
            }
            "SpdxDocument" => doc_name = e.name,
            "software_Package" => packages.push(e),
            "Relationship" | "LifecycleScopedRelationship" => relationships.push(e),
            "simplelicensing_LicenseExpression" => {
                if let (Some(id), Some(x)) = (e.id, meaningful(e.license_expression)) {
                    expressions.insert(id, x);
                }
            }
            "Person" | "Organization" | "Agent" | "SoftwareAgent" => {
                if let (Some(id), Some(n)) = (e.id, e.name) {
                    agents.insert(id, n);
                }
            }
            _ => {}
        }
    }
    let mut seen = BTreeSet::new();
    let mut components = Vec::with_capacity(packages.len());
    for p in packages {
        let id = p.id.ok_or_else(|| SbomError::Malformed {
            path: path.to_path_buf(),
            detail: "a software_Package has no spdxId".into(),
        })?;
        if !seen.insert(id.clone()) {
            return Err(SbomError::DuplicateRef { path: path.to_path_buf(), reference: id });
        }
        components.push(Component {
            name: p.name.unwrap_or_default(),
            version: meaningful(p.version),
            purl: p.purl,
            licenses: Vec::new(),
            hashes: p
                .verified_using
                .into_iter()
                .filter(|h| h.kind == "Hash")
                .map(|h| Hash { alg: alg_to_cdx(&h.algorithm), value: h.value.to_ascii_lowercase() })
                .collect(),
            supplier: p.supplied_by.and_then(|a| agents.get(&a).cloned()),
            scope: None,
            description: meaningful(p.description).or_else(|| meaningful(p.summary)),
            id,
        });
    }
    let index: BTreeMap<String, usize> = components.iter().enumerate().map(|(i, c)| (c.id.clone(), i)).collect();
    let mut dependencies = BTreeMap::new();
    for r in relationships {
        let (Some(kind), Some(from)) = (r.relationship, r.from) else { continue };
        match kind.as_str() {
            "dependsOn" => {
                for t in r.to {
                    add_edge(&mut dependencies, from.clone(), t);
                }
            }
            "hasDeclaredLicense" | "hasConcludedLicense" => {
                if let Some(&i) = index.get(&from) {
                    for t in &r.to {
                        if let Some(x) = expressions.get(t)
                            && !components[i].licenses.contains(x)
                        {
                            components[i].licenses.push(x.clone());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(Sbom {
        format: SbomFormat::Spdx,
        spec_version,
        name: doc_name,
        components,
        dependencies,
        target: None,
        not_compiled: Vec::new(),
    })
}
