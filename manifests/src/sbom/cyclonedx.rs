//! CycloneDX JSON: reading spec 1.2–1.6 into the component model.

use super::{Component, Hash, Sbom, SbomError, SbomFormat};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The CycloneDX spec versions [`ingest`] reads.
pub const READABLE_VERSIONS: &[&str] = &["1.2", "1.3", "1.4", "1.5", "1.6"];

/// The fields of a CycloneDX document the model keeps; everything else is
/// skipped while streaming.
#[derive(Deserialize)]
struct RawBom {
    #[serde(default)]
    metadata: Option<RawMetadata>,
    #[serde(default)]
    components: Vec<RawComponent>,
    #[serde(default)]
    dependencies: Vec<RawDependency>,
}

#[derive(Deserialize)]
struct RawMetadata {
    #[serde(default)]
    component: Option<RawComponent>,
}

#[derive(Deserialize)]
struct RawComponent {
    #[serde(rename = "bom-ref", default)]
    bom_ref: Option<String>,
    name: String,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    purl: Option<String>,
    #[serde(default)]
    licenses: Vec<RawLicenseChoice>,
    #[serde(default)]
    hashes: Vec<RawHash>,
    #[serde(default)]
    supplier: Option<RawOrg>,
    #[serde(default)]
    publisher: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    components: Vec<RawComponent>,
}

#[derive(Deserialize)]
struct RawLicenseChoice {
    #[serde(default)]
    license: Option<RawLicense>,
    #[serde(default)]
    expression: Option<String>,
}

#[derive(Deserialize)]
struct RawLicense {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawHash {
    alg: String,
    content: String,
}

#[derive(Deserialize)]
struct RawOrg {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawDependency {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(rename = "dependsOn", default)]
    depends_on: Vec<String>,
}

/// Reads a CycloneDX document whose `specVersion` is `version` from `de`.
pub(crate) fn ingest<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
    version: &str,
    path: &Path,
) -> Result<Sbom, SbomError> {
    if !READABLE_VERSIONS.contains(&version) {
        return Err(SbomError::UnsupportedVersion {
            path: path.to_path_buf(),
            format: "CycloneDX",
            version: version.to_string(),
            supported: "CycloneDX 1.2 to 1.6",
        });
    }
    let raw = RawBom::deserialize(de).map_err(|source| {
        if source.is_io() {
            SbomError::Read { path: path.to_path_buf(), source: source.into() }
        } else {
            SbomError::Invalid { path: path.to_path_buf(), format: "CycloneDX", source }
        }
    })?;
    let mut ids = Ids { path, explicit: BTreeSet::new(), all: BTreeSet::new() };
    let mut name = None;
    if let Some(c) = raw.metadata.and_then(|m| m.component) {
        name = Some(full_name(&c));
        if let Some(r) = &c.bom_ref {
            ids.explicit(r)?;
        }
    }
    let mut components = Vec::new();
    flatten(raw.components, &mut ids, &mut components)?;
    let mut dependencies: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for d in raw.dependencies {
        let entry = dependencies.entry(d.reference).or_default();
        for t in d.depends_on {
            if !entry.contains(&t) {
                entry.push(t);
            }
        }
    }
    Ok(Sbom { format: SbomFormat::CycloneDx, spec_version: version.to_string(), name, components, dependencies })
}

/// Tracks component references: explicit `bom-ref`s must be unique;
/// synthesized ones get a `#n` suffix when they would collide.
struct Ids<'a> {
    path: &'a Path,
    explicit: BTreeSet<String>,
    all: BTreeSet<String>,
}

impl Ids<'_> {
    fn explicit(&mut self, r: &str) -> Result<String, SbomError> {
        if !self.explicit.insert(r.to_string()) || !self.all.insert(r.to_string()) {
            return Err(SbomError::DuplicateRef { path: self.path.to_path_buf(), reference: r.to_string() });
        }
        Ok(r.to_string())
    }

    fn synthesized(&mut self, base: String) -> String {
        let mut id = base.clone();
        let mut n = 2;
        while self.all.contains(&id) {
            id = format!("{base}#{n}");
            n += 1;
        }
        self.all.insert(id.clone());
        id
    }
}

fn full_name(c: &RawComponent) -> String {
    match c.group.as_deref().filter(|g| !g.is_empty()) {
        Some(g) => format!("{g}/{}", c.name),
        None => c.name.clone(),
    }
}

fn flatten(raw: Vec<RawComponent>, ids: &mut Ids<'_>, out: &mut Vec<Component>) -> Result<(), SbomError> {
    for mut c in raw {
        let name = full_name(&c);
        let id = match &c.bom_ref {
            Some(r) => ids.explicit(r)?,
            None => ids.synthesized(match (&c.purl, &c.version) {
                (Some(p), _) => p.clone(),
                (None, Some(v)) => format!("{name}@{v}"),
                (None, None) => name.clone(),
            }),
        };
        let mut licenses = Vec::new();
        for l in &c.licenses {
            let text = match (&l.expression, &l.license) {
                (Some(e), _) => Some(e.clone()),
                (None, Some(lic)) => lic.id.clone().or_else(|| lic.name.clone()),
                (None, None) => None,
            };
            if let Some(t) = text.filter(|t| !t.is_empty()) {
                if !licenses.contains(&t) {
                    licenses.push(t);
                }
            }
        }
        let hashes = c
            .hashes
            .iter()
            .map(|h| Hash { alg: h.alg.clone(), value: h.content.to_ascii_lowercase() })
            .collect();
        let supplier = c.supplier.as_ref().and_then(|s| s.name.clone()).or_else(|| c.publisher.clone());
        let children = std::mem::take(&mut c.components);
        out.push(Component {
            id,
            name,
            version: c.version,
            purl: c.purl,
            licenses,
            hashes,
            supplier,
            scope: c.scope,
            description: c.description,
        });
        flatten(children, ids, out)?;
    }
    Ok(())
}
