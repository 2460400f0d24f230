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
pub(crate) struct RawBom {
    #[serde(default)]
    pub(crate) metadata: Option<RawMetadata>,
    #[serde(default, deserialize_with = "crate::sbom::bounded")]
    pub(crate) components: Vec<RawComponent>,
    #[serde(default, deserialize_with = "crate::sbom::bounded")]
    pub(crate) dependencies: Vec<RawDependency>,
}

#[derive(Deserialize)]
pub(crate) struct RawMetadata {
    #[serde(default)]
    component: Option<RawComponent>,
    #[serde(default, deserialize_with = "crate::sbom::bounded")]
    properties: Vec<RawProperty>,
}

#[derive(Deserialize)]
struct RawProperty {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    value: Option<String>,
}

/// The document property in which vouch says how it made the component list.
pub const METHOD_PROPERTY: &str = "vouch:sbom:method";
/// The document property naming the target triple the SBOM was made for.
pub const TARGET_PROPERTY: &str = "vouch:cargo:target";
/// A document property (one per package) naming a locked package
/// (`name@version`) that is not compiled for that target.
pub const NOT_COMPILED_PROPERTY: &str = "vouch:cargo:not-compiled";

#[derive(Deserialize)]
pub(crate) struct RawComponent {
    #[serde(rename = "bom-ref", default)]
    bom_ref: Option<String>,
    name: String,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    purl: Option<String>,
    #[serde(default, deserialize_with = "crate::sbom::bounded")]
    licenses: Vec<RawLicenseChoice>,
    #[serde(default, deserialize_with = "crate::sbom::bounded")]
    hashes: Vec<RawHash>,
    #[serde(default)]
    supplier: Option<RawOrg>,
    #[serde(default)]
    publisher: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    /// Only the `vouch:cargo:dependency-kind` property is kept.
    #[serde(default)]
    properties: DependencyKind,
    #[serde(default)]
    description: Option<String>,
    #[serde(default, deserialize_with = "crate::sbom::bounded")]
    components: Vec<RawComponent>,
}

/// The value of a component's `vouch:cargo:dependency-kind` property (`build`
/// or `dev`), read from `properties` without keeping the others.
#[derive(Default)]
struct DependencyKind(Option<String>);

/// The name of the property vouch writes on build and dev dependencies.
pub const DEPENDENCY_KIND_PROPERTY: &str = "vouch:cargo:dependency-kind";

impl<'de> Deserialize<'de> for DependencyKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Property {
            #[serde(default)]
            name: Option<String>,
            #[serde(default)]
            value: Option<String>,
        }
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = DependencyKind;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of properties")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<DependencyKind, A::Error> {
                let mut kind = None;
                while let Some(p) = seq.next_element::<Property>()? {
                    if p.name.as_deref() == Some(DEPENDENCY_KIND_PROPERTY) {
                        kind = p.value;
                    }
                }
                Ok(DependencyKind(kind))
            }
        }
        d.deserialize_seq(Visitor)
    }
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
pub(crate) struct RawDependency {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(rename = "dependsOn", default, deserialize_with = "crate::sbom::bounded")]
    depends_on: Vec<String>,
}

/// Reads a CycloneDX document whose `specVersion` is `version` from `de`.
pub(crate) fn ingest<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
    version: &str,
    path: &Path,
) -> Result<Sbom, SbomError> {
    check_version(version, path)?;
    let raw = RawBom::deserialize(de).map_err(|source| {
        if source.is_io() {
            SbomError::Read { path: path.to_path_buf(), source: source.into() }
        } else {
            SbomError::Invalid { path: path.to_path_buf(), format: "CycloneDX", source }
        }
    })?;
    convert(raw, version, path)
}

pub(crate) fn check_version(version: &str, path: &Path) -> Result<(), SbomError> {
    if !READABLE_VERSIONS.contains(&version) {
        return Err(SbomError::UnsupportedVersion {
            path: path.to_path_buf(),
            format: "CycloneDX",
            version: version.to_string(),
            supported: "CycloneDX 1.2 to 1.6",
        });
    }
    Ok(())
}

/// The model of a parsed document whose version [`check_version`] accepted.
pub(crate) fn convert(raw: RawBom, version: &str, path: &Path) -> Result<Sbom, SbomError> {
    let mut ids = Ids { path, explicit: BTreeSet::new(), all: BTreeSet::new() };
    let mut name = None;
    let property = |name: &'static str| -> Vec<String> {
        let props = raw.metadata.iter().flat_map(|m| &m.properties);
        props.filter(|p| p.name.as_deref() == Some(name)).filter_map(|p| p.value.clone()).collect()
    };
    let target = property(TARGET_PROPERTY).into_iter().next();
    let not_compiled = property(NOT_COMPILED_PROPERTY);
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
    Ok(Sbom {
        format: SbomFormat::CycloneDx,
        spec_version: version.to_string(),
        name,
        components,
        dependencies,
        target,
        not_compiled,
    })
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
        // Strings are moved, not copied: the raw component's memory is
        // handed over to the model.
        let mut licenses = Vec::new();
        for l in std::mem::take(&mut c.licenses) {
            let text = match (l.expression, l.license) {
                (Some(e), _) => Some(e),
                (None, Some(lic)) => lic.id.or(lic.name),
                (None, None) => None,
            };
            if let Some(t) = text.filter(|t| !t.is_empty())
                && !licenses.contains(&t)
            {
                licenses.push(t);
            }
        }
        let hashes = std::mem::take(&mut c.hashes)
            .into_iter()
            .map(|mut h| {
                h.content.make_ascii_lowercase();
                Hash { alg: h.alg, value: h.content }
            })
            .collect();
        let supplier = c.supplier.take().and_then(|s| s.name).or_else(|| c.publisher.take());
        let children = std::mem::take(&mut c.components);
        out.push(Component {
            id,
            name,
            version: c.version,
            purl: c.purl,
            licenses,
            hashes,
            supplier,
            // vouch's own documents say which excluded components are
            // build or dev dependencies; the model keeps that as the scope.
            scope: c.properties.0.or(c.scope),
            description: c.description,
        });
        flatten(children, ids, out)?;
    }
    Ok(())
}
