//! Checked relative paths, as the design brief pins them: relative, UTF-8,
//! `/`-separated, no `.` or `..` segment, no empty segment, no leading `/`,
//! no NUL, backslash or C0 control character.
//!
//! Once a [`RelPath`] exists it is safe to join onto a root: it cannot escape.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelPath(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unsafe path {path:?}: {reason}")]
pub struct PathError {
    pub path: String,
    pub reason: &'static str,
}

impl RelPath {
    pub fn new(path: impl Into<String>) -> Result<Self, PathError> {
        let path = path.into();
        let reason = check(&path);
        match reason {
            None => Ok(RelPath(path)),
            Some(reason) => Err(PathError { path, reason }),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The path as a native relative path.
    pub fn to_path(&self) -> std::path::PathBuf {
        self.0.split('/').collect()
    }
    /// The parent directory ("" for a top-level entry).
    pub fn parent(&self) -> &str {
        self.0.rsplit_once('/').map(|(p, _)| p).unwrap_or("")
    }
    /// The last segment.
    pub fn file_name(&self) -> &str {
        self.0.rsplit_once('/').map(|(_, f)| f).unwrap_or(&self.0)
    }
}

fn check(path: &str) -> Option<&'static str> {
    if path.is_empty() {
        return Some("empty path");
    }
    if path.starts_with('/') {
        return Some("absolute path");
    }
    for c in path.chars() {
        if c == '\0' {
            return Some("contains NUL");
        }
        if c == '\\' {
            return Some("contains a backslash");
        }
        if (c as u32) < 0x20 {
            return Some("contains a control character");
        }
    }
    for seg in path.split('/') {
        match seg {
            "" => return Some("empty segment"),
            "." => return Some("contains a '.' segment"),
            ".." => return Some("contains a '..' segment"),
            _ => {}
        }
    }
    None
}

impl fmt::Display for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl fmt::Debug for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}
impl AsRef<str> for RelPath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for RelPath {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}
impl<'de> Deserialize<'de> for RelPath {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RelPath::new(s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn accepts_and_refuses() {
        for ok in ["a", "a/b.rs", ".hidden/x", "a..b", "ünï/cödé", "..a"] {
            RelPath::new(ok).unwrap();
        }
        for bad in ["", "/a", "a//b", "a/", "./a", "a/./b", "../a", "a/..", "a\\b", "a\0b", "a\nb", "a\tb"] {
            assert!(RelPath::new(bad).is_err(), "{bad:?}");
        }
    }
}
