//! `Cargo.lock` (format v3 and v4, and the unversioned v2 format): the
//! locked packages, their sources and registry checksums, and the edges
//! between them.

use crate::model::manifest::Dependency;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LockfileError {
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a valid Cargo.lock")]
    Parse {
        path: PathBuf,
        #[source]
        source: toml::de::Error,
    },
    #[error("{path} is a Cargo.lock of format version {version}, which vouch does not read (it reads 2, 3 and 4)")]
    Version { path: PathBuf, version: String },
    #[error("{path}: {detail}")]
    Invalid { path: PathBuf, detail: String },
}

/// One `[[package]]` of a lock file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedPackage {
    pub name: String,
    pub version: String,
    /// `registry+https://...`, `git+https://...#<commit>`, or `None` for a
    /// local (path or workspace) package.
    pub source: Option<String>,
    /// SHA-256 of the `.crate` file (hex), for registry packages.
    pub checksum: Option<String>,
    /// Indices into [`Lockfile::packages`] of what this package depends on.
    pub dependencies: Vec<usize>,
}

impl LockedPackage {
    /// The build record's view of this package.
    pub fn to_dependency(&self) -> Dependency {
        Dependency {
            name: self.name.clone(),
            version: self.version.clone(),
            source: self.source.clone(),
            checksum: self.checksum.clone(),
        }
    }

    /// Whether the package comes from crates.io.
    pub fn is_crates_io(&self) -> bool {
        self.source.as_deref().is_some_and(|s| {
            s == "registry+https://github.com/rust-lang/crates.io-index" || s == "sparse+https://index.crates.io/"
        })
    }
}

/// A parsed lock file; packages sorted by name, version, source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lockfile {
    /// 2, 3 or 4.
    pub version: u32,
    pub packages: Vec<LockedPackage>,
}

#[derive(Deserialize)]
struct RawLock {
    #[serde(default)]
    version: Option<toml::Value>,
    #[serde(default, rename = "package")]
    packages: Vec<RawPackage>,
    #[serde(default)]
    metadata: Option<toml::Value>,
}

#[derive(Deserialize)]
struct RawPackage {
    name: String,
    version: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    checksum: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
}

/// Reads and parses a lock file.
pub fn read(path: &Path) -> Result<Lockfile, LockfileError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| LockfileError::Read { path: path.to_path_buf(), source })?;
    parse(&text, path)
}

/// Every locked package as a build-record [`Dependency`], sorted by name,
/// then version, then source. Local packages (the workspace's own, path
/// dependencies) are included, with no source.
pub fn dependencies(path: &Path) -> Result<Vec<Dependency>, LockfileError> {
    Ok(read(path)?.packages.iter().map(LockedPackage::to_dependency).collect())
}

/// Parses lock file text; `path` names it in errors.
pub fn parse(text: &str, path: &Path) -> Result<Lockfile, LockfileError> {
    let raw: RawLock =
        toml::from_str(text).map_err(|source| LockfileError::Parse { path: path.to_path_buf(), source })?;
    let version = match &raw.version {
        None if raw.metadata.is_none() => 2,
        None => return Err(LockfileError::Version { path: path.to_path_buf(), version: "1".into() }),
        Some(toml::Value::Integer(v)) if (3..=4).contains(v) => *v as u32,
        Some(v) => return Err(LockfileError::Version { path: path.to_path_buf(), version: v.to_string() }),
    };
    let invalid = |detail: String| LockfileError::Invalid { path: path.to_path_buf(), detail };
    let mut raw_packages = raw.packages;
    raw_packages.sort_by(|a, b| (&a.name, &a.version, &a.source).cmp(&(&b.name, &b.version, &b.source)));
    for w in raw_packages.windows(2) {
        if (&w[0].name, &w[0].version, &w[0].source) == (&w[1].name, &w[1].version, &w[1].source) {
            return Err(invalid(format!("package {} {} is listed twice", w[0].name, w[0].version)));
        }
    }
    for p in &raw_packages {
        if let Some(c) = &p.checksum
            && (c.len() != 64 || !c.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(invalid(format!("package {} {} has checksum {c:?}, not 64 hex digits", p.name, p.version)));
        }
    }
    let mut packages: Vec<LockedPackage> = raw_packages
        .iter()
        .map(|p| LockedPackage {
            name: p.name.clone(),
            version: p.version.clone(),
            source: p.source.clone(),
            checksum: p.checksum.as_ref().map(|c| c.to_ascii_lowercase()),
            dependencies: Vec::new(),
        })
        .collect();
    for (i, p) in raw_packages.iter().enumerate() {
        let mut deps = Vec::new();
        for d in &p.dependencies {
            let j = resolve(&packages, d).ok_or_else(|| {
                invalid(format!(
                    "package {} {} depends on {d:?}, which the lock does not list (or not unambiguously)",
                    p.name, p.version
                ))
            })?;
            if !deps.contains(&j) {
                deps.push(j);
            }
        }
        deps.sort_unstable();
        packages[i].dependencies = deps;
    }
    Ok(Lockfile { version, packages })
}

/// Finds the package a lock `dependencies` entry means: `name`,
/// `name version`, or `name version (source)`.
fn resolve(packages: &[LockedPackage], entry: &str) -> Option<usize> {
    let mut parts = entry.splitn(3, ' ');
    let name = parts.next()?;
    let version = parts.next();
    let source = parts.next().map(|s| s.trim_start_matches('(').trim_end_matches(')'));
    let mut found = packages.iter().enumerate().filter(|(_, p)| {
        p.name == name
            && version.is_none_or(|v| p.version == v)
            && source.is_none_or(|s| p.source.as_deref() == Some(s))
    });
    let first = found.next()?.0;
    if found.next().is_some() { None } else { Some(first) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_v4_and_edges() {
        let text = r#"
version = 4

[[package]]
name = "hello"
version = "0.1.0"
dependencies = ["itoa", "serde 1.0.0"]

[[package]]
name = "itoa"
version = "1.0.19"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "3bd1574e617a9a6c1f8f8181bd7e841e1f20e4277607ef28945765188d6284d4"

[[package]]
name = "serde"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;
        let l = parse(text, Path::new("Cargo.lock")).unwrap();
        assert_eq!(l.version, 4);
        let names: Vec<_> = l.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["hello", "itoa", "serde"]);
        assert_eq!(l.packages[0].dependencies, vec![1, 2]);
        assert!(l.packages[1].is_crates_io());
    }

    #[test]
    fn refuses_bad_locks() {
        for (text, want) in [
            ("version = 9\n", "format version 9"),
            ("[[package]]\nname = 1\n", "not a valid Cargo.lock"),
            ("version = 3\n[[package]]\nname = \"a\"\nversion = \"1\"\ndependencies = [\"b\"]\n", "does not list"),
            ("version = 3\n[[package]]\nname = \"a\"\nversion = \"1\"\nchecksum = \"zz\"\n", "not 64 hex"),
        ] {
            let e = parse(text, Path::new("x/Cargo.lock")).unwrap_err().to_string();
            assert!(e.contains(want) && e.contains("x/Cargo.lock"), "{e}");
        }
    }
}
