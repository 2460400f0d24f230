//! SBOMs: one component model ([`Sbom`], [`Component`]) for the CycloneDX and
//! SPDX documents vouch reads and writes.
//!
//! Reading streams the file through a buffered reader into serde structs that
//! keep only the fields of the model, so memory grows with the number of
//! components, not with the size of what is ignored; files above
//! [`MAX_SBOM_BYTES`] are refused before parsing, and serde_json's recursion
//! limit (128 levels) bounds nesting depth.

pub mod cyclonedx;
pub mod diff;
pub mod generate;
pub mod model;
pub mod spdx;

pub use model::{Component, Hash, Sbom, SbomFormat};

use std::path::{Path, PathBuf};

/// The largest SBOM file [`read`] accepts (512 MiB).
pub const MAX_SBOM_BYTES: u64 = 512 * 1024 * 1024;

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
            let v = text
                .split("spdx.org/rdf/")
                .nth(1)
                .and_then(|r| r.split('/').next())
                .unwrap_or("3")
                .to_string();
            return Ok(Detected::Spdx3(v));
        }
    }
    Err(SbomError::UnknownFormat { path: path.to_path_buf() })
}

/// Reads an SBOM file (CycloneDX JSON 1.2–1.6, SPDX JSON 2.2/2.3, SPDX 3.0
/// JSON-LD) into the component model, streaming it from disk.
pub fn read(path: &Path) -> Result<Sbom, SbomError> {
    let open = || {
        std::fs::File::open(path)
            .map(std::io::BufReader::new)
            .map_err(|source| SbomError::Read { path: path.to_path_buf(), source })
    };
    let size = std::fs::metadata(path)
        .map_err(|source| SbomError::Read { path: path.to_path_buf(), source })?
        .len();
    if size > MAX_SBOM_BYTES {
        return Err(SbomError::TooLarge { path: path.to_path_buf(), size, limit: MAX_SBOM_BYTES });
    }
    let probe: Probe = serde_json::from_reader(open()?).map_err(|e| json_err(e, path))?;
    let detected = detect(probe, path)?;
    ingest(detected, &mut serde_json::Deserializer::from_reader(open()?), path)
}

/// Parses SBOM bytes; `path` names the document in errors.
pub fn parse(bytes: &[u8], path: &Path) -> Result<Sbom, SbomError> {
    if bytes.len() as u64 > MAX_SBOM_BYTES {
        return Err(SbomError::TooLarge { path: path.to_path_buf(), size: bytes.len() as u64, limit: MAX_SBOM_BYTES });
    }
    let probe: Probe = serde_json::from_slice(bytes).map_err(|e| json_err(e, path))?;
    let detected = detect(probe, path)?;
    ingest(detected, &mut serde_json::Deserializer::from_slice(bytes), path)
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
