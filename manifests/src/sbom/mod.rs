//! SBOMs: one component model ([`Sbom`], [`Component`]) for the CycloneDX and
//! SPDX documents vouch reads and writes.
//!
//! Reading streams the file through a buffered reader into serde structs that
//! keep only the fields of the model, so memory grows with the number of
//! components, not with the size of what is ignored; files above
//! [`MAX_SBOM_BYTES`] are refused before parsing, a document may hold at most
//! [`MAX_ELEMENTS`] array elements in the kept fields (so a file of many tiny
//! objects cannot expand without bound: worst case about 1 GB), and
//! serde_json's recursion limit (128 levels) bounds nesting depth.
//!
//! A document is read in one pass into a struct holding the fields of every
//! supported format; only when that fails is it read again, format and
//! version first, so that the error says what is wrong.

pub mod cyclonedx;
pub mod diff;
pub mod generate;
pub mod model;
pub mod spdx;

pub use model::{Component, Hash, Sbom, SbomFormat};

use std::path::{Path, PathBuf};

/// The largest SBOM file [`read`] accepts (512 MiB).
pub const MAX_SBOM_BYTES: u64 = 512 * 1024 * 1024;

/// The most array elements (components, packages, relationships, edges,
/// hashes...) one document may hold: with [`MAX_SBOM_BYTES`] this bounds the
/// memory a read takes even for documents of many tiny objects.
pub const MAX_ELEMENTS: u64 = 2_000_000;

thread_local! {
    /// Array elements the document being read may still hold (reads are
    /// synchronous: one document per thread at a time).
    static BUDGET: std::cell::Cell<u64> = const { std::cell::Cell::new(MAX_ELEMENTS) };
    /// What [`fresh_budget`] resets to (lowered by unit tests only).
    static LIMIT: std::cell::Cell<u64> = const { std::cell::Cell::new(MAX_ELEMENTS) };
}

/// Deserializes a `Vec`, counting its elements against [`MAX_ELEMENTS`].
pub(crate) fn bounded<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    struct Visitor<T>(std::marker::PhantomData<T>);
    impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an array")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::new();
            while let Some(x) = seq.next_element()? {
                let left = BUDGET.with(|b| b.get());
                if left == 0 {
                    return Err(serde::de::Error::custom(format_args!(
                        "more than {} array elements (components, relationships, hashes...): over vouch's limit",
                        LIMIT.with(|l| l.get())
                    )));
                }
                BUDGET.with(|b| b.set(left - 1));
                out.push(x);
            }
            Ok(out)
        }
    }
    d.deserialize_seq(Visitor(std::marker::PhantomData))
}

/// Resets the element budget for one parse.
fn fresh_budget() {
    BUDGET.with(|b| b.set(LIMIT.with(|l| l.get())));
}

/// Why an SBOM could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    #[error("cannot read SBOM {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("SBOM {path} is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge { path: PathBuf, size: u64, limit: u64 },
    #[error("SBOM {path} is not valid JSON")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path} is neither a CycloneDX nor an SPDX JSON document (no bomFormat, spdxVersion or SPDX 3 @context)")]
    UnknownFormat { path: PathBuf },
    #[error("{format} SBOM {path} has spec version {version:?}, which vouch does not read (it reads {supported})")]
    UnsupportedVersion { path: PathBuf, format: &'static str, version: String, supported: &'static str },
    #[error("SBOM {path} is not a valid {format} document")]
    Invalid {
        path: PathBuf,
        format: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("SBOM {path} has the component reference {reference:?} more than once")]
    DuplicateRef { path: PathBuf, reference: String },
    #[error("SBOM {path}: {detail}")]
    Malformed { path: PathBuf, detail: String },
}

/// Which document format the top level of a JSON SBOM announces.
#[derive(Debug, serde::Deserialize)]
struct Probe {
    #[serde(rename = "bomFormat", default)]
    bom_format: Option<serde_json::Value>,
    #[serde(rename = "specVersion", default)]
    spec_version: Option<serde_json::Value>,
    #[serde(rename = "spdxVersion", default)]
    spdx_version: Option<serde_json::Value>,
    #[serde(rename = "@context", default)]
    context: Option<serde_json::Value>,
}

/// Every top-level field any supported format uses, for reading a document
/// in one pass (the key names of the formats do not overlap). Fields are
/// listed, not flattened: serde's flatten would buffer the whole document.
#[derive(serde::Deserialize)]
struct RawAny {
    #[serde(rename = "bomFormat", default)]
    bom_format: Option<serde_json::Value>,
    #[serde(rename = "specVersion", default)]
    spec_version: Option<serde_json::Value>,
    #[serde(rename = "spdxVersion", default)]
    spdx_version: Option<serde_json::Value>,
    #[serde(rename = "@context", default)]
    context: Option<serde_json::Value>,
    // CycloneDX
    #[serde(default)]
    metadata: Option<cyclonedx::RawMetadata>,
    #[serde(default, deserialize_with = "crate::sbom::bounded")]
    components: Vec<cyclonedx::RawComponent>,
    #[serde(default, deserialize_with = "crate::sbom::bounded")]
    dependencies: Vec<cyclonedx::RawDependency>,
    // SPDX 2
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "crate::sbom::bounded")]
    packages: Vec<spdx::RawPackage>,
    #[serde(default, deserialize_with = "crate::sbom::bounded")]
    relationships: Vec<spdx::RawRelationship>,
    #[serde(rename = "creationInfo", default)]
    creation_info: Option<spdx::RawCreationInfo>,
    // SPDX 3
    #[serde(rename = "@graph", default, deserialize_with = "crate::sbom::bounded")]
    graph: Vec<spdx::RawElement>,
}

impl RawAny {
    fn convert(self, path: &Path) -> Result<Sbom, SbomError> {
        let probe = Probe {
            bom_format: self.bom_format,
            spec_version: self.spec_version,
            spdx_version: self.spdx_version,
            context: self.context,
        };
        match detect(probe, path)? {
            Detected::CycloneDx(v) => {
                cyclonedx::check_version(&v, path)?;
                let raw = cyclonedx::RawBom {
                    metadata: self.metadata,
                    components: self.components,
                    dependencies: self.dependencies,
                };
                cyclonedx::convert(raw, &v, path)
            }
            Detected::Spdx2(v) => {
                spdx::check_version2(&v, path)?;
                let raw = spdx::RawDoc {
                    name: self.name,
                    packages: self.packages,
                    relationships: self.relationships,
                    creation_info: self.creation_info,
                };
                spdx::convert2(raw, &v, path)
            }
            Detected::Spdx3(v) => {
                spdx::check_version3(&v, path)?;
                spdx::convert3(spdx::RawGraph { graph: self.graph }, &v, path)
            }
        }
    }
}

/// The format and version a probe found.
enum Detected {
    CycloneDx(String),
    Spdx2(String),
    Spdx3(String),
}

fn detect(p: Probe, path: &Path) -> Result<Detected, SbomError> {
    let s = |v: &Option<serde_json::Value>| v.as_ref().and_then(|v| v.as_str()).map(str::to_owned);
    if let Some(f) = &p.bom_format {
        if f.as_str() != Some("CycloneDX") {
            return Err(SbomError::UnknownFormat { path: path.to_path_buf() });
        }
        let v = s(&p.spec_version).ok_or_else(|| SbomError::Malformed {
            path: path.to_path_buf(),
            detail: "CycloneDX document has no specVersion string".into(),
        })?;
        return Ok(Detected::CycloneDx(v));
    }
    if let Some(v) = s(&p.spdx_version) {
        return Ok(Detected::Spdx2(v));
    }
    if let Some(ctx) = &p.context {
        let text = ctx.to_string();
        if text.contains("spdx.org/rdf/3") {
            let v = text.split("spdx.org/rdf/").nth(1).and_then(|r| r.split('/').next()).unwrap_or("3").to_string();
            return Ok(Detected::Spdx3(v));
        }
    }
    Err(SbomError::UnknownFormat { path: path.to_path_buf() })
}

/// Reads an SBOM file (CycloneDX JSON 1.2–1.6, SPDX JSON 2.2/2.3, SPDX 3.0
/// JSON-LD) into the component model, streaming it from disk.
pub fn read(path: &Path) -> Result<Sbom, SbomError> {
    read_limited(path, MAX_SBOM_BYTES)
}

/// [`read`], refusing files larger than `max_bytes`.
pub fn read_limited(path: &Path, max_bytes: u64) -> Result<Sbom, SbomError> {
    // `take` bounds what is read even if the file grows after the size check.
    let open = || {
        crate::tree::fsutil::open_regular(path, crate::tree::fsutil::Symlinks::FollowOnce)
            .map(|f| std::io::BufReader::new(std::io::Read::take(f, max_bytes.saturating_add(1))))
            .map_err(|source| SbomError::Read { path: path.to_path_buf(), source })
    };
    let size = std::fs::metadata(path).map_err(|source| SbomError::Read { path: path.to_path_buf(), source })?.len();
    if size > max_bytes {
        return Err(SbomError::TooLarge { path: path.to_path_buf(), size, limit: max_bytes });
    }
    // One pass when the document parses; on a data error, a second look
    // (format and version first) explains what is wrong with it.
    fresh_budget();
    match serde_json::from_reader::<_, RawAny>(open()?) {
        Ok(raw) => raw.convert(path),
        Err(e) if !e.is_data() => Err(json_err(e, path)),
        Err(_) => {
            let probe: Probe = serde_json::from_reader(open()?).map_err(|e| json_err(e, path))?;
            let detected = detect(probe, path)?;
            fresh_budget();
            ingest(detected, &mut serde_json::Deserializer::from_reader(open()?), path)
        }
    }
}

/// Parses SBOM bytes; `path` names the document in errors.
pub fn parse(bytes: &[u8], path: &Path) -> Result<Sbom, SbomError> {
    if bytes.len() as u64 > MAX_SBOM_BYTES {
        return Err(SbomError::TooLarge { path: path.to_path_buf(), size: bytes.len() as u64, limit: MAX_SBOM_BYTES });
    }
    fresh_budget();
    match serde_json::from_slice::<RawAny>(bytes) {
        Ok(raw) => raw.convert(path),
        Err(e) if !e.is_data() => Err(json_err(e, path)),
        Err(_) => {
            let probe: Probe = serde_json::from_slice(bytes).map_err(|e| json_err(e, path))?;
            let detected = detect(probe, path)?;
            fresh_budget();
            ingest(detected, &mut serde_json::Deserializer::from_slice(bytes), path)
        }
    }
}

fn json_err(source: serde_json::Error, path: &Path) -> SbomError {
    if source.is_data() {
        // Valid JSON, but not an object at the top level.
        SbomError::UnknownFormat { path: path.to_path_buf() }
    } else if source.is_io() {
        SbomError::Read { path: path.to_path_buf(), source: source.into() }
    } else {
        SbomError::Json { path: path.to_path_buf(), source }
    }
}

fn ingest<'de, R: serde_json::de::Read<'de>>(
    detected: Detected,
    de: &mut serde_json::Deserializer<R>,
    path: &Path,
) -> Result<Sbom, SbomError> {
    match detected {
        Detected::CycloneDx(v) => cyclonedx::ingest(de, &v, path),
        Detected::Spdx2(v) => spdx::ingest2(de, &v, path),
        Detected::Spdx3(v) => spdx::ingest3(de, &v, path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("t.json")
    }

    #[test]
    fn cyclonedx_components_nested_and_edges() {
        let doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.4","metadata":{"component":{"type":"application","name":"app","bom-ref":"app"}},
            "components":[{"type":"library","bom-ref":"a","group":"g","name":"a","version":"1","licenses":[{"license":{"id":"MIT"}},{"expression":"Apache-2.0 OR MIT"}],
              "hashes":[{"alg":"SHA-256","content":"AB"}],"supplier":{"name":"S"},"components":[{"type":"library","name":"inner","purl":"pkg:x/inner@2"}]}],
            "dependencies":[{"ref":"app","dependsOn":["a"]}]}"#;
        let s = parse(doc, p()).unwrap();
        assert_eq!(s.format, SbomFormat::CycloneDx);
        assert_eq!(s.name.as_deref(), Some("app"));
        assert_eq!(s.components.len(), 2);
        assert_eq!(s.components[0].name, "g/a");
        assert_eq!(s.components[0].licenses, vec!["MIT", "Apache-2.0 OR MIT"]);
        assert_eq!(s.components[0].hashes[0].value, "ab");
        assert_eq!(s.components[0].supplier.as_deref(), Some("S"));
        assert_eq!(s.components[1].id, "pkg:x/inner@2");
        assert_eq!(s.dependencies["app"], vec!["a"]);
    }

    #[test]
    fn bad_inputs_are_named_errors() {
        let cases: &[(&[u8], &str)] = &[
            (b"not json", "not valid JSON"),
            (b"[1,2]", "neither"),
            (b"{\"x\":1}", "neither"),
            (b"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"9.9\"}", "9.9"),
            (
                b"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":[{\"name\":\"a\",\"bom-ref\":\"x\"},{\"name\":\"b\",\"bom-ref\":\"x\"}]}",
                "more than once",
            ),
        ];
        for (doc, want) in cases {
            let e = parse(doc, p()).unwrap_err().to_string();
            assert!(e.contains(want) && e.contains("t.json"), "{e}");
        }
    }

    #[test]
    fn element_count_is_bounded() {
        LIMIT.with(|l| l.set(5));
        let ok = br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"a"},{"name":"b"}],"dependencies":[{"ref":"a","dependsOn":["b"]}]}"#;
        assert_eq!(parse(ok, p()).unwrap().components.len(), 2);
        let over = br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"a"},{"name":"b"},{"name":"c"}],"dependencies":[{"ref":"a","dependsOn":["b","c"]}]}"#;
        let e = parse(over, p()).unwrap_err();
        let chain = format!("{e}: {}", std::error::Error::source(&e).map(|s| s.to_string()).unwrap_or_default());
        assert!(chain.contains("t.json") && chain.contains("more than 5 array elements"), "{chain}");
        LIMIT.with(|l| l.set(MAX_ELEMENTS));
    }

    #[test]
    fn nesting_depth_is_bounded() {
        let mut doc = String::from("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":");
        let depth = 5000;
        for _ in 0..depth {
            doc.push_str("[{\"name\":\"n\",\"components\":");
        }
        doc.push_str("[]");
        for _ in 0..depth {
            doc.push_str("}]");
        }
        doc.push('}');
        assert!(parse(doc.as_bytes(), p()).is_err());
    }
}
