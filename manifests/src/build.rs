//! Running a build and recording how it ran: the argument vector, the
//! allow-listed environment, the toolchain, the host triple and the path
//! remapping that makes Cargo builds reproducible in another directory.
//!
//! Nothing here records timings or the wall clock.

use crate::manifest::PathRemap;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The fixed name the source directory is remapped to.
pub const REMAP_SOURCE: &str = "/vouch/source";
/// The fixed name the cargo home is remapped to.
pub const REMAP_CARGO_HOME: &str = "/vouch/cargo-home";

/// Whether an environment variable may be recorded in a manifest.
pub fn env_allowed(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if ["TOKEN", "SECRET", "PASSWORD", "KEY", "CREDENTIAL"].iter().any(|w| upper.contains(w)) {
        return false;
    }
    matches!(name, "SOURCE_DATE_EPOCH" | "RUSTFLAGS" | "CARGO_ENCODED_RUSTFLAGS" | "TZ" | "LANG" | "LC_ALL")
        || name.starts_with("CARGO_PROFILE_")
        || name.starts_with("CARGO_BUILD_")
}

/// The allow-listed subset of `vars`.
pub fn recorded_env(vars: impl IntoIterator<Item = (String, String)>) -> BTreeMap<String, String> {
    vars.into_iter().filter(|(k, _)| env_allowed(k)).collect()
}

/// Runs `program args` and returns its first output line, if it runs.
fn version_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).lines().next().map(|l| l.trim().to_string()).filter(|l| !l.is_empty())
}

/// Toolchain identity (`rustc -vV`, `cargo -V`, `cc --version` when present)
/// and the host triple from `rustc -vV`.
pub fn toolchain() -> (BTreeMap<String, String>, Option<String>) {
    let mut t = BTreeMap::new();
    let mut host = None;
    if let Ok(out) = Command::new("rustc").arg("-vV").stdin(Stdio::null()).output()
        && out.status.success()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        if let Some(first) = text.lines().next() {
            t.insert("rustc".to_string(), first.trim().to_string());
        }
        host = text.lines().find_map(|l| l.strip_prefix("host: ")).map(|h| h.trim().to_string());
    }
    if let Some(v) = version_line("cargo", &["-V"]) {
        t.insert("cargo".into(), v);
    }
    if let Some(v) = version_line("cc", &["--version"]) {
        t.insert("cc".into(), v);
    }
    (t, host)
}

/// The cargo home: `CARGO_HOME`, else `~/.cargo`.
pub fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
}

/// The remapping recorded in the manifest.
pub fn path_remap() -> Vec<PathRemap> {
    vec![
        PathRemap { role: "source".into(), to: REMAP_SOURCE.into() },
        PathRemap { role: "cargo_home".into(), to: REMAP_CARGO_HOME.into() },
    ]
}

/// `CARGO_ENCODED_RUSTFLAGS` for a build in `source` with cargo home
/// `cargo_home`: the caller's flags (from `CARGO_ENCODED_RUSTFLAGS`, else
/// `RUSTFLAGS`) followed by the remapping of both directories.
pub fn remap_rustflags(env: &BTreeMap<String, String>, source: &Path, cargo_home: Option<&Path>) -> String {
    let mut flags: Vec<String> = match (env.get("CARGO_ENCODED_RUSTFLAGS"), env.get("RUSTFLAGS")) {
        (Some(e), _) if !e.is_empty() => e.split('\u{1f}').map(str::to_string).collect(),
        (_, Some(r)) => r.split_whitespace().map(str::to_string).collect(),
        _ => Vec::new(),
    };
    if let Some(h) = cargo_home {
        flags.push(format!("--remap-path-prefix={}={}", h.display(), REMAP_CARGO_HOME));
    }
    // Later flags win: the source (possibly inside the cargo home) last.
    flags.push(format!("--remap-path-prefix={}={}", source.display(), REMAP_SOURCE));
    flags.join("\u{1f}")
}

/// What to run.
#[derive(Debug, Clone)]
pub struct BuildSpec {
    /// Absolute source directory; the build runs there (or in `workdir` below it).
    pub source: PathBuf,
    /// The argument vector.
    pub command: Vec<String>,
    /// Working directory relative to `source` ("." for the source itself).
    pub workdir: String,
    /// Extra environment (e.g. the remapping flags); the rest is inherited.
    pub extra_env: BTreeMap<String, String>,
    /// Environment variables to remove.
    pub remove_env: Vec<String>,
    /// Where the combined stdout and stderr go.
    pub log: PathBuf,
    /// Kill the build after this long.
    pub timeout: Option<Duration>,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("build command is empty")]
    Empty,
    #[error("build command {program:?} not found")]
    NotFound { program: String },
    #[error("cannot start build command {program:?}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write build log {path}")]
    Log {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("build failed ({status}); full log: {log}\n{tail}")]
    Failed { status: String, log: PathBuf, tail: String },
    #[error("build timed out after {secs} s and was killed; full log: {log}\n{tail}")]
    TimedOut { secs: u64, log: PathBuf, tail: String },
}

/// The last `n` lines of a file, for error messages.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read(path).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(n);
    lines[start..].iter().map(|l| format!("  | {l}")).collect::<Vec<_>>().join("\n")
}

/// Runs the build, its output going to the log. Returns when it succeeded.
pub fn run(spec: &BuildSpec) -> Result<(), BuildError> {
    let (program, args) = spec.command.split_first().ok_or(BuildError::Empty)?;
    let log_err = |source| BuildError::Log { path: spec.log.clone(), source };
    let log = std::fs::File::create(&spec.log).map_err(log_err)?;
    let log2 = log.try_clone().map_err(log_err)?;
    let dir = if spec.workdir == "." { spec.source.clone() } else { spec.source.join(&spec.workdir) };
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(&dir).stdin(Stdio::null()).stdout(log).stderr(log2);
    for k in &spec.remove_env {
        cmd.env_remove(k);
    }
    cmd.envs(&spec.extra_env);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group, so a timeout kills the whole build.
        cmd.process_group(0);
    }
    let mut child = cmd.spawn().map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            BuildError::NotFound { program: program.clone() }
        } else {
            BuildError::Spawn { program: program.clone(), source }
        }
    })?;
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) => {}
            Err(source) => return Err(BuildError::Spawn { program: program.clone(), source }),
        }
        if let Some(t) = spec.timeout
            && start.elapsed() > t
        {
            kill_group(&mut child);
            let _ = child.wait();
            let mut f = std::fs::OpenOptions::new().append(true).open(&spec.log).map_err(log_err)?;
            let _ = writeln!(f, "vouch: killed after {} s", t.as_secs());
            return Err(BuildError::TimedOut { secs: t.as_secs(), log: spec.log.clone(), tail: tail(&spec.log, 20) });
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    if !status.success() {
        return Err(BuildError::Failed { status: status.to_string(), log: spec.log.clone(), tail: tail(&spec.log, 20) });
    }
    Ok(())
}

fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        // kill(2) on the negative pid reaches the whole process group.
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
    }
    let _ = child.kill();
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list() {
        for ok in ["SOURCE_DATE_EPOCH", "RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_PROFILE_RELEASE_LTO", "CARGO_BUILD_TARGET", "TZ", "LANG", "LC_ALL"] {
            assert!(env_allowed(ok), "{ok}");
        }
        for no in ["PATH", "HOME", "CARGO_BUILD_TOKEN", "CARGO_PROFILE_KEY", "AWS_SECRET", "CARGO_REGISTRY_TOKEN", "GITHUB_TOKEN", "CARGO_BUILD_PASSWORD", "CARGO_BUILD_CREDENTIALS"] {
            assert!(!env_allowed(no), "{no}");
        }
    }

    #[test]
    fn rustflags_keep_the_callers_and_remap() {
        let mut env = BTreeMap::new();
        env.insert("RUSTFLAGS".to_string(), "-C opt-level=2  -g".to_string());
        let f = remap_rustflags(&env, Path::new("/src"), Some(Path::new("/home/u/.cargo")));
        assert_eq!(
            f,
            "-C\u{1f}opt-level=2\u{1f}-g\u{1f}--remap-path-prefix=/home/u/.cargo=/vouch/cargo-home\u{1f}--remap-path-prefix=/src=/vouch/source"
        );
        env.insert("CARGO_ENCODED_RUSTFLAGS".to_string(), "-Cdebuginfo=2".to_string());
        assert!(remap_rustflags(&env, Path::new("/s"), None).starts_with("-Cdebuginfo=2\u{1f}--remap"));
    }
}
