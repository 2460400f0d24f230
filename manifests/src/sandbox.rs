//! Confining a build's writes to its work directory with Landlock (Linux
//! 5.13+), so a rebuild cannot change files outside it. Reading and
//! executing stay allowed everywhere; writing, creating, removing and
//! renaming are allowed only beneath the given directories.
//!
//! The restriction applies to the calling process and everything it starts
//! afterwards; `vouch` applies it in a small launcher process right before it
//! executes the build command.

use std::path::PathBuf;

/// How well the kernel enforced the restriction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enforcement {
    Full,
    Partial,
    /// The kernel has no Landlock: writes are not confined.
    None,
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot confine writes to {paths}")]
    Landlock {
        paths: String,
        #[source]
        source: landlock::RulesetError,
    },
    #[error("cannot open {path} to allow writes beneath it")]
    Path {
        path: PathBuf,
        #[source]
        source: landlock::PathFdError,
    },
}

/// Restricts writes of this process (and its future children) to beneath
/// `writable`.
#[cfg(target_os = "linux")]
pub fn restrict_writes(writable: &[PathBuf]) -> Result<Enforcement, SandboxError> {
    use landlock::{ABI, Access, AccessFs, PathBeneath, PathFd, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus};
    // V2 brings the Refer right: without it every rename into another
    // directory fails with EXDEV, which rustc and cargo do. V3 adds Truncate.
    let abi = ABI::V3;
    let shown = || writable.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
    let ll = |source| SandboxError::Landlock { paths: shown(), source };
    let mut rs = Ruleset::default().handle_access(AccessFs::from_all(abi)).map_err(ll)?.create().map_err(ll)?;
    let root = PathFd::new("/").map_err(|source| SandboxError::Path { path: "/".into(), source })?;
    rs = rs.add_rule(PathBeneath::new(root, AccessFs::from_read(abi))).map_err(ll)?;
    for p in writable {
        // A directory gets every right beneath it; a file (e.g. /dev/null)
        // only the rights that apply to files.
        let access = if p.is_dir() { AccessFs::from_all(abi) } else { AccessFs::from_file(abi) };
        let fd = PathFd::new(p).map_err(|source| SandboxError::Path { path: p.clone(), source })?;
        rs = rs.add_rule(PathBeneath::new(fd, access)).map_err(ll)?;
    }
    let status = rs.restrict_self().map_err(ll)?;
    Ok(match status.ruleset {
        RulesetStatus::FullyEnforced => Enforcement::Full,
        RulesetStatus::PartiallyEnforced => Enforcement::Partial,
        RulesetStatus::NotEnforced => Enforcement::None,
    })
}

#[cfg(not(target_os = "linux"))]
pub fn restrict_writes(_writable: &[PathBuf]) -> Result<Enforcement, SandboxError> {
    Ok(Enforcement::None)
}
