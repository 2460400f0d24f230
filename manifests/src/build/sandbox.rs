//! Confining a rebuild with Landlock (Linux 5.13+; this code asks for ABI 3
//! file rights, ABI 4 network rights when no network namespace is used,
//! and ABI 6 scopes where the kernel has them) and a network namespace.
//!
//! What a confined build may touch:
//! * read, write, create, remove, rename: beneath the writable paths (the
//!   work directory) and `/dev/null`;
//! * read and execute: beneath the readable paths (the recorded toolchain,
//!   the system's read-only directories, a few named files of `/etc`);
//! * nothing else: no home directory, no keys, no other file;
//! * no network: the build runs in a fresh network namespace (`unshare
//!   -rn`), or, where that is not possible, with Landlock's TCP bind and
//!   connect rights denied; [`network_cut`] fails when neither is possible;
//! * no signal to a process outside the sandbox and no abstract UNIX socket
//!   created outside it (Landlock ABI 6 scopes, where the kernel has them).
//!
//! The restriction applies to the calling process and everything it starts
//! afterwards; `vouch` applies it in a small launcher process, started with
//! an empty environment, right before it sets the build's environment and
//! executes the build command.

use std::path::{Path, PathBuf};

/// How well the kernel enforced the restriction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enforcement {
    Full,
    Partial,
    /// The kernel has no Landlock: nothing is confined.
    None,
}

/// How the build is cut off the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkCut {
    /// A new user and network namespace (`unshare -rn`, util-linux) with
    /// only a loopback interface, which is down.
    Namespace { unshare: PathBuf },
    /// Landlock's network rules (ABI 4): TCP bind and connect denied.
    Landlock,
}

/// The system's read-only directories a build may read and execute from.
pub const SYSTEM_READ: &[&str] = &["/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/proc", "/sys"];

/// Files and folders of `/etc` a build may read (the dynamic linker's
/// cache, user and group names, the time zone, the `alternatives` links);
/// the rest of `/etc` (e.g. `shadow`, `ssh/`, `ssl/private`) is not readable.
pub const ETC_READ: &[&str] = &[
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/alternatives",
    "/etc/os-release",
    "/etc/debian_version",
];

/// Device files a build may read (and `/dev/null`, which it may write).
pub const DEV_READ: &[&str] = &["/dev/zero", "/dev/urandom", "/dev/random", "/dev/full"];

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot confine the build to {paths}")]
    Landlock {
        paths: String,
        #[source]
        source: landlock::RulesetError,
    },
    #[error("cannot open {path} to allow access beneath it")]
    Path {
        path: PathBuf,
        #[source]
        source: landlock::PathFdError,
    },
    #[error("this kernel has no Landlock (ABI 3, Linux 6.2+): the build cannot be confined")]
    NoLandlock,
    #[error(
        "the build cannot be cut off the network: no user and network namespace ({namespace}) and no Landlock network rules (Linux 6.7+)"
    )]
    NoNetworkCut { namespace: String },
}

/// The readable system paths that exist here: [`SYSTEM_READ`], [`ETC_READ`]
/// and [`DEV_READ`].
pub fn system_readable() -> Vec<PathBuf> {
    SYSTEM_READ.iter().chain(ETC_READ).chain(DEV_READ).map(PathBuf::from).filter(|p| p.exists()).collect()
}

/// How this machine can cut a build off the network: a network namespace
/// when `unshare -rn true` works, else Landlock's network rules, else an error.
pub fn network_cut() -> Result<NetworkCut, SandboxError> {
    let unshare = ["/usr/bin/unshare", "/bin/unshare"].iter().map(Path::new).find(|p| p.is_file());
    let why = match unshare {
        Some(u) => {
            let out = std::process::Command::new(u)
                .args(["-rn", "--", "true"])
                .env_clear()
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .output();
            match out {
                Ok(o) if o.status.success() => return Ok(NetworkCut::Namespace { unshare: u.to_path_buf() }),
                Ok(o) => format!("{} -rn failed: {}", u.display(), String::from_utf8_lossy(&o.stderr).trim()),
                Err(e) => format!("{} cannot run: {e}", u.display()),
            }
        }
        None => "unshare (util-linux) is not installed".into(),
    };
    if landlock_network_available() {
        return Ok(NetworkCut::Landlock);
    }
    Err(SandboxError::NoNetworkCut { namespace: why })
}

#[cfg(target_os = "linux")]
fn landlock_network_available() -> bool {
    use landlock::{ABI, Access, AccessNet, CompatLevel, Compatible, Ruleset, RulesetAttr};
    Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(AccessNet::from_all(ABI::V4))
        .and_then(|r| r.create())
        .is_ok()
}

#[cfg(not(target_os = "linux"))]
fn landlock_network_available() -> bool {
    false
}

/// Checks, before anything is prepared, that this kernel can confine a
/// build with Landlock (the file rights of ABI 3).
#[cfg(target_os = "linux")]
pub fn check_available() -> Result<(), SandboxError> {
    use landlock::{ABI, Access, AccessFs, CompatLevel, Compatible, Ruleset, RulesetAttr};
    Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(AccessFs::from_all(ABI::V3))
        .and_then(|r| r.create())
        .map(drop)
        .map_err(|_| SandboxError::NoLandlock)
}

#[cfg(not(target_os = "linux"))]
pub fn check_available() -> Result<(), SandboxError> {
    Err(SandboxError::NoLandlock)
}

/// What the build may touch (see the module documentation).
#[derive(Debug, Clone)]
pub struct Confinement {
    /// Every right beneath these (a file gets the rights that apply to files).
    pub writable: Vec<PathBuf>,
    /// Read and execute beneath these.
    pub readable: Vec<PathBuf>,
    /// Deny TCP bind and connect with Landlock (when no network namespace is used).
    pub landlock_network: bool,
}

/// Restricts this process (and its future children) to `c`. A kernel
/// without Landlock is an error: the build is never run unconfined.
#[cfg(target_os = "linux")]
pub fn confine(c: &Confinement) -> Result<Enforcement, SandboxError> {
    use landlock::{
        ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, PathBeneath, PathFd, Ruleset, RulesetAttr,
        RulesetCreatedAttr, RulesetStatus, Scope,
    };
    // V2 brings the Refer right: without it every rename into another
    // directory fails with EXDEV, which rustc and cargo do. V3 adds Truncate.
    let abi = ABI::V3;
    let shown = || c.writable.iter().chain(&c.readable).map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
    let ll = |source| SandboxError::Landlock { paths: shown(), source };
    let mut rs = Ruleset::default().handle_access(AccessFs::from_all(abi)).map_err(ll)?;
    // Signals and abstract UNIX sockets stay inside the sandbox where the
    // kernel can scope them (ABI 6); older kernels skip this.
    rs = rs.scope(Scope::from_all(ABI::V6)).map_err(ll)?;
    if c.landlock_network {
        rs = rs
            .set_compatibility(CompatLevel::HardRequirement)
            .handle_access(AccessNet::from_all(ABI::V4))
            .map_err(ll)?;
    }
    let mut rs = rs.create().map_err(ll)?;
    let read = AccessFs::from_read(abi);
    for p in &c.readable {
        let access = if p.is_dir() { read } else { read & AccessFs::from_file(abi) };
        let fd = PathFd::new(p).map_err(|source| SandboxError::Path { path: p.clone(), source })?;
        rs = rs.add_rule(PathBeneath::new(fd, access)).map_err(ll)?;
    }
    for p in &c.writable {
        // A directory gets every right beneath it; a file (e.g. /dev/null)
        // only the rights that apply to files.
        let access = if p.is_dir() { AccessFs::from_all(abi) } else { AccessFs::from_file(abi) };
        let fd = PathFd::new(p).map_err(|source| SandboxError::Path { path: p.clone(), source })?;
        rs = rs.add_rule(PathBeneath::new(fd, access)).map_err(ll)?;
    }
    let status = rs.restrict_self().map_err(ll)?;
    match status.ruleset {
        RulesetStatus::FullyEnforced => Ok(Enforcement::Full),
        RulesetStatus::PartiallyEnforced => Ok(Enforcement::Partial),
        RulesetStatus::NotEnforced => Err(SandboxError::NoLandlock),
    }
}

#[cfg(not(target_os = "linux"))]
pub fn confine(_c: &Confinement) -> Result<Enforcement, SandboxError> {
    Err(SandboxError::NoLandlock)
}
