//! The component model every SBOM format is read into, and what the review
//! site renders. Format-neutral: references are CycloneDX `bom-ref`s or SPDX
//! `SPDXID`s as the document spelled them.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which family of document an SBOM came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SbomFormat {
    /// Serialized `cyclonedx`, as in manifests' `sboms[].format`.
    #[serde(rename = "cyclonedx")]
    CycloneDx,
    Spdx,
}

impl SbomFormat {
    /// The name used in manifests' `sboms[].format`: `cyclonedx` or `spdx`.
    pub fn as_str(self) -> &'static str {
        match self {
            SbomFormat::CycloneDx => "cyclonedx",
            SbomFormat::Spdx => "spdx",
        }
    }
}

impl std::fmt::Display for SbomFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SbomFormat::CycloneDx => "CycloneDX",
            SbomFormat::Spdx => "SPDX",
        })
    }
}

/// One SBOM, whatever format it was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sbom {
    /// The document family.
    pub format: SbomFormat,
    /// The spec version as the document states it (`1.6`, `2.3`, `3.0.1`).
    pub spec_version: String,
    /// What the SBOM describes: CycloneDX `metadata.component.name`, or the
    /// SPDX document `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Every component (CycloneDX components, nested ones flattened in
    /// document order; SPDX packages). The described component of a
    /// CycloneDX document (`metadata.component`) is not among them.
    pub components: Vec<Component>,
    /// Dependency edges: a reference → the references it depends on.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dependencies: BTreeMap<String, Vec<String>>,
    /// The target triple the document was made for, where it says so
    /// (vouch writes it in the CycloneDX property `vouch:cargo:target` or an
    /// SPDX `creationInfo.comment` line `vouch:cargo:target=TRIPLE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// `name@version` of the locked packages the document says are not
    /// compiled for `target` (vouch's `vouch:cargo:not-compiled`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_compiled: Vec<String>,
}

/// What vouch's SPDX `creationInfo.comment` says of the target: the
/// triple and the packages not compiled for it.
pub(crate) fn target_of_comment(comment: &str) -> (Option<String>, Vec<String>) {
    let mut target = None;
    let mut not_compiled = Vec::new();
    for line in comment.lines() {
        if let Some(t) = line.strip_prefix("vouch:cargo:target=") {
            target = Some(t.trim().to_string());
        } else if let Some(list) = line.strip_prefix("vouch:cargo:not-compiled=") {
            not_compiled.extend(list.split_whitespace().map(str::to_string));
        }
    }
    (target, not_compiled)
}

/// One component (CycloneDX) or package (SPDX).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    /// The CycloneDX `bom-ref` or SPDX `SPDXID`; when a CycloneDX component
    /// has no `bom-ref`, its purl, else `name@version`.
    pub id: String,
    /// The name (CycloneDX `group/name` when a group is given).
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Package URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// License expressions or names, as declared; empty when none is known
    /// (SPDX `NOASSERTION`/`NONE` are dropped).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<Hash>,
    /// Supplier (or CycloneDX publisher) name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    /// CycloneDX `scope` (`required`, `optional`, `excluded`), or `build` /
    /// `dev` where a vouch CycloneDX document says so (property
    /// `vouch:cargo:dependency-kind`), or the scope derived from SPDX
    /// relationships (`dev`, `build`, `test`, `optional`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A checksum of a component.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Hash {
    /// Algorithm in CycloneDX spelling (`SHA-256`, `SHA-1`, `MD5`, ...).
    pub alg: String,
    /// Lowercase hex.
    pub value: String,
}

impl Component {
    /// `name@version`, or the name alone.
    pub fn label(&self) -> String {
        match &self.version {
            Some(v) => format!("{}@{}", self.name, v),
            None => self.name.clone(),
        }
    }
}
