//! Comparing SBOMs: with each other ([`diff`]), with the locked
//! dependencies ([`check_lock`], [`check_bundle`]), and a license summary
//! ([`licenses`]).

use super::{Component, Sbom, SbomError};
use crate::Digest;
use crate::model::manifest::{Dependency, Manifest, ManifestError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A component as a diff or check names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Named {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
}

impl Named {
    fn of(c: &Component) -> Self {
        Named { name: c.name.clone(), version: c.version.clone(), licenses: c.licenses.clone() }
    }

    /// `name@version`.
    pub fn label(&self) -> String {
        match &self.version {
            Some(v) => format!("{}@{v}", self.name),
            None => self.name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionChange {
    pub name: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseChange {
    pub name: String,
    pub version: Option<String>,
    pub old: Vec<String>,
    pub new: Vec<String>,
}

/// What changed between two SBOMs. Components are matched by package type
/// (from the purl) and name; a name present once on each side with
/// different versions is a version change, otherwise versions are matched
/// exactly and the rest are added or removed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SbomDiff {
    pub added: Vec<Named>,
    pub removed: Vec<Named>,
    pub version_changed: Vec<VersionChange>,
    pub license_changed: Vec<LicenseChange>,
}

impl SbomDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.version_changed.is_empty()
            && self.license_changed.is_empty()
    }
}

/// `cargo`, `npm`, ... from a purl; empty without one.
fn purl_type(c: &Component) -> String {
    c.purl
        .as_deref()
        .and_then(|p| p.strip_prefix("pkg:"))
        .and_then(|p| p.split('/').next())
        .map(|t| t.to_ascii_lowercase())
        .unwrap_or_default()
}

fn sorted_licenses(c: &Component) -> Vec<&str> {
    let mut l: Vec<&str> = c.licenses.iter().map(String::as_str).collect();
    l.sort();
    l.dedup();
    l
}

/// Compares `old` with `new`.
pub fn diff(old: &Sbom, new: &Sbom) -> SbomDiff {
    // Borrowed: a diff of two large SBOMs holds no third copy of either.
    type Key<'a> = (String, &'a str);
    type Group<'a> = BTreeMap<Key<'a>, BTreeMap<Option<&'a str>, &'a Component>>;
    fn group(s: &Sbom) -> Group<'_> {
        let mut m: Group<'_> = BTreeMap::new();
        for c in &s.components {
            m.entry((purl_type(c), c.name.as_str())).or_default().entry(c.version.as_deref()).or_insert(c);
        }
        m
    }
    let (a, b) = (group(old), group(new));
    let mut d = SbomDiff::default();
    let keys: BTreeSet<&Key<'_>> = a.keys().chain(b.keys()).collect();
    let empty = BTreeMap::new();
    let owned = |v: Option<&str>| v.map(str::to_owned);
    for k in keys {
        let olds = a.get(k).unwrap_or(&empty);
        let news = b.get(k).unwrap_or(&empty);
        if let ([(ov, oc)], [(nv, nc)]) =
            (olds.iter().collect::<Vec<_>>().as_slice(), news.iter().collect::<Vec<_>>().as_slice())
        {
            if ov != nv {
                d.version_changed.push(VersionChange { name: k.1.to_string(), old: owned(**ov), new: owned(**nv) });
            }
            if sorted_licenses(oc) != sorted_licenses(nc) {
                d.license_changed.push(LicenseChange {
                    name: k.1.to_string(),
                    version: owned(**nv),
                    old: oc.licenses.clone(),
                    new: nc.licenses.clone(),
                });
            }
            continue;
        }
        for (v, c) in olds {
            match news.get(v) {
                None => d.removed.push(Named::of(c)),
                Some(n) if sorted_licenses(c) != sorted_licenses(n) => d.license_changed.push(LicenseChange {
                    name: k.1.to_string(),
                    version: owned(*v),
                    old: c.licenses.clone(),
                    new: n.licenses.clone(),
                }),
                Some(_) => {}
            }
        }
        for (v, c) in news {
            if !olds.contains_key(v) {
                d.added.push(Named::of(c));
            }
        }
    }
    d
}

/// Components per license expression, and those without any.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LicenseSummary {
    /// Expression → `name@version` of the components declaring it (a
    /// component with several expressions is counted under each).
    pub licenses: BTreeMap<String, Vec<String>>,
    /// Components with no license.
    pub none: Vec<String>,
}

pub fn licenses(sbom: &Sbom) -> LicenseSummary {
    let mut s = LicenseSummary::default();
    for c in &sbom.components {
        if c.licenses.is_empty() {
            s.none.push(c.label());
        }
        for l in &c.licenses {
            s.licenses.entry(l.clone()).or_default().push(c.label());
        }
    }
    for v in s.licenses.values_mut() {
        v.sort();
        v.dedup();
    }
    s.none.sort();
    s
}

/// An SBOM compared with locked dependencies, by name and version.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LockCheck {
    /// Components the SBOM declares that the lock does not have.
    pub only_in_sbom: Vec<String>,
    /// Locked packages with a source (registry, git) the SBOM lacks, when
    /// the SBOM names no target.
    pub only_in_lock: Vec<String>,
    /// The SBOM's target triple, when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Locked packages the SBOM made for `target` lacks: not compiled for
    /// that target (another platform's, a dev dependency, an optional
    /// dependency off by default); not a mismatch.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_for_target: Vec<String>,
    /// Local packages (no source: the workspace's own) the SBOM does not
    /// list as components; not a mismatch, since a CycloneDX document
    /// describes its subject in `metadata.component`.
    pub local_not_listed: Vec<String>,
    /// Components matched.
    pub matched: usize,
}

impl LockCheck {
    pub fn holds(&self) -> bool {
        self.only_in_sbom.is_empty() && self.only_in_lock.is_empty()
    }
}

/// Compares `sbom`'s components with `locked` packages.
pub fn check_lock(sbom: &Sbom, locked: &[Dependency]) -> LockCheck {
    let lock: BTreeSet<(String, String)> = locked.iter().map(|d| (d.name.clone(), d.version.clone())).collect();
    let mut in_sbom = BTreeSet::new();
    let mut r = LockCheck { target: sbom.target.clone(), ..LockCheck::default() };
    for c in &sbom.components {
        let key = (c.name.clone(), c.version.clone().unwrap_or_default());
        if lock.contains(&key) {
            if in_sbom.insert(key) {
                r.matched += 1;
            }
        } else {
            r.only_in_sbom.push(c.label());
        }
    }
    for d in locked {
        if !in_sbom.contains(&(d.name.clone(), d.version.clone())) {
            let label = format!("{}@{}", d.name, d.version);
            // An SBOM made for one target lists what is not compiled for it.
            match &d.source {
                None => r.local_not_listed.push(label),
                Some(_) if r.target.is_some() && sbom.not_compiled.contains(&label) => r.not_for_target.push(label),
                Some(_) => r.only_in_lock.push(label),
            }
        }
    }
    r.only_in_sbom.sort();
    r.only_in_sbom.dedup();
    r.only_in_lock.sort();
    r.only_in_lock.dedup();
    r.not_for_target.sort();
    r.not_for_target.dedup();
    r.local_not_listed.sort();
    r
}

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("manifest {path} has no build record with dependencies to check against")]
    NoDependencies { path: PathBuf },
    #[error("manifest {path} lists no SBOMs")]
    NoSboms { path: PathBuf },
    #[error("cannot read SBOM {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Sbom(#[from] SbomError),
}

/// One SBOM of a bundle, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleSbomCheck {
    /// Relative to the bundle.
    pub path: String,
    pub format: crate::sbom::SbomFormat,
    /// The digest `manifest.json` records.
    pub expected_digest: Digest,
    /// The digest of the file in the bundle.
    pub actual_digest: Digest,
    pub lock: LockCheck,
}

impl BundleSbomCheck {
    pub fn holds(&self) -> bool {
        self.expected_digest == self.actual_digest && self.lock.holds()
    }
}

/// Checks every SBOM a bundle's manifest lists: its digest, then its
/// components against the build record's dependencies.
pub fn check_bundle(bundle: &Path) -> Result<Vec<BundleSbomCheck>, CheckError> {
    let mpath = bundle.join("manifest.json");
    let m = Manifest::read(&mpath)?;
    let deps = match &m.build {
        Some(b) if !b.dependencies.is_empty() => b.dependencies.clone(),
        _ => return Err(CheckError::NoDependencies { path: mpath }),
    };
    let sboms = match &m.sboms {
        Some(s) if !s.is_empty() => s.clone(),
        _ => return Err(CheckError::NoSboms { path: mpath }),
    };
    let mut out = Vec::new();
    for s in sboms {
        let p = bundle.join(s.path.to_path());
        let file = std::fs::File::open(&p).map_err(|source| CheckError::Read { path: p.clone(), source })?;
        let mut buf = vec![0u8; 1 << 16];
        let (actual, _) = crate::model::digest::hash_reader(file, &mut buf)
            .map_err(|source| CheckError::Read { path: p.clone(), source })?;
        let sbom = super::read(&p)?;
        out.push(BundleSbomCheck {
            path: s.path.as_str().to_string(),
            format: s.format,
            expected_digest: s.digest,
            actual_digest: actual,
            lock: check_lock(&sbom, &deps),
        });
    }
    Ok(out)
}
