//! Builds: running one and recording how it ran (here), assembling a
//! release bundle ([`release`]), rebuilding one and comparing
//! ([`rebuild`]), confining it ([`sandbox`]) and naming the causes of
//! differences ([`causes`]).
//!
//! Running a build and recording how it ran: the argument vector, the
//! allow-listed environment, the toolchain, the host triple and the path
//! remapping that makes Cargo builds reproducible in another directory.
//!
//! Nothing here records timings or the wall clock.

pub mod causes;
pub mod rebuild;
pub mod release;
pub mod sandbox;

use crate::model::manifest::{PathRemap, RemapRole};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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
    matches!(
        name,
        "SOURCE_DATE_EPOCH"
            | "RUSTFLAGS"
            | "CARGO_ENCODED_RUSTFLAGS"
            | "TZ"
            | "LANG"
            | "LC_ALL"
            | "CC"
            | "CXX"
            | "CFLAGS"
            | "CXXFLAGS"
            | "CPPFLAGS"
            | "LDFLAGS"
            | "CMAKE_BUILD_TYPE"
            | "GOFLAGS"
            | "CGO_ENABLED"
            | "GOOS"
            | "GOARCH"
    ) || name.starts_with("CARGO_PROFILE_")
        || name.starts_with("CARGO_BUILD_")
}

/// The allow-listed subset of `vars`.
pub fn recorded_env(vars: impl IntoIterator<Item = (String, String)>) -> BTreeMap<String, String> {
    vars.into_iter().filter(|(k, _)| env_allowed(k)).collect()
}

/// Runs `program args` and returns its first output line, if it runs.
fn version_line(program: &str, args: &[&str]) -> Option<String> {
    version_line_in(program, args, None)
}

/// Toolchain identity (`rustc -vV`, `cargo -V`, `cc --version` when present)
/// and the host triple from `rustc -vV`, as `rustc` and `cargo` on PATH run
/// from the current directory.
pub fn toolchain() -> (BTreeMap<String, String>, Option<String>) {
    toolchain_for(&Tools { kind: BuildKind::Other, dir: None, sysroot: None, env: &BTreeMap::new() })
}

/// What kind of build a command is, for what vouch records and applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildKind {
    Cargo,
    /// make, CMake, ninja, `./configure`, or a script in a tree that has one
    /// of their files: the C and C++ compilers get the prefix maps, and the
    /// build tools it uses are recorded.
    C(CTools),
    Other,
}

/// The build tools a C or C++ build runs (beyond the compilers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CTools {
    pub make: bool,
    pub cmake: bool,
    pub ninja: bool,
}

/// The kind of build `command` is in `source`: Cargo when the program is
/// `cargo`; C when the command names make, cmake, ninja or a configure
/// script (as its program or a word of a shell script), or, when it names
/// none of them, when the tree has a Makefile, CMakeLists.txt or configure
/// script. A configure script and CMake (whose default generator writes
/// Makefiles; `-G Ninja` picks ninja) run make.
pub fn build_kind(command: &[String], source: &Path) -> BuildKind {
    if is_cargo(command) {
        return BuildKind::Cargo;
    }
    let line = command.join(" ");
    let words: Vec<&str> =
        line.split(|c: char| !c.is_ascii_alphanumeric() && !matches!(c, '.' | '/' | '_' | '-')).collect();
    let named = |tool: &str| words.iter().any(|w| *w == tool || w.ends_with(&format!("/{tool}")));
    let ninja_generator = line.contains("-G Ninja") || line.contains("-GNinja") || line.contains("-G \"Ninja");
    let mut t = CTools {
        make: named("make") || named("gmake"),
        cmake: named("cmake"),
        ninja: named("ninja") || ninja_generator,
    };
    let mut configure = named("configure");
    if t == CTools::default() && !configure {
        let has = |f: &str| source.join(f).is_file();
        t.make = has("Makefile") || has("makefile") || has("GNUmakefile");
        t.cmake = has("CMakeLists.txt");
        configure = has("configure");
    }
    if !(t.make || t.cmake || t.ninja || configure) {
        return BuildKind::Other;
    }
    t.make |= configure || (t.cmake && !ninja_generator);
    BuildKind::C(t)
}

/// Which tools to measure, where.
#[derive(Debug, Clone)]
pub struct Tools<'a> {
    pub kind: BuildKind,
    /// Where `rustc` runs (so that `rust-toolchain.toml` there is honoured
    /// by rustup); `None`: the current directory.
    pub dir: Option<&'a Path>,
    /// A toolchain folder whose `bin/rustc` and `bin/cargo` to measure
    /// instead of those on PATH.
    pub sysroot: Option<&'a Path>,
    /// The build's `CC` and `CXX`, if set.
    pub env: &'a BTreeMap<String, String>,
}

fn version_line_in(program: &str, args: &[&str], dir: Option<&Path>) -> Option<String> {
    let mut c = Command::new(program);
    c.args(args).stdin(Stdio::null()).stderr(Stdio::null());
    if let Some(d) = dir {
        c.current_dir(d);
    }
    let out = c.output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).lines().next().map(|l| l.trim().to_string()).filter(|l| !l.is_empty())
}

/// Toolchain identity for a build of `t.kind`: `rustc -vV` (first line),
/// `cargo -V`, `cc --version` (of `CC` when set) always; for C builds also
/// `c++ --version` (of `CXX`), `make --version`, `cmake --version` and
/// `ninja --version` (first lines) where the build uses them; and the host
/// triple from `rustc -vV`.
pub fn toolchain_for(t: &Tools<'_>) -> (BTreeMap<String, String>, Option<String>) {
    let mut out = BTreeMap::new();
    let mut host = None;
    let bin = |name: &str| {
        t.sysroot.map(|s| s.join("bin").join(name).display().to_string()).unwrap_or_else(|| name.to_string())
    };
    let mut rustc = Command::new(bin("rustc"));
    rustc.arg("-vV").stdin(Stdio::null()).stderr(Stdio::null());
    if let Some(d) = t.dir {
        rustc.current_dir(d);
    }
    if let Ok(o) = rustc.output()
        && o.status.success()
    {
        let text = String::from_utf8_lossy(&o.stdout);
        if let Some(first) = text.lines().next() {
            out.insert("rustc".to_string(), first.trim().to_string());
        }
        host = text.lines().find_map(|l| l.strip_prefix("host: ")).map(|h| h.trim().to_string());
    }
    if let Some(v) = version_line_in(&bin("cargo"), &["-V"], t.dir) {
        out.insert("cargo".into(), v);
    }
    let cc = t.env.get("CC").map(String::as_str).filter(|c| !c.is_empty()).unwrap_or("cc");
    if let Some(v) = version_line_in(cc, &["--version"], t.dir) {
        out.insert("cc".into(), v);
    }
    if let BuildKind::C(tools) = t.kind {
        let cxx = t.env.get("CXX").map(String::as_str).filter(|c| !c.is_empty()).unwrap_or("c++");
        if let Some(v) = version_line_in(cxx, &["--version"], t.dir) {
            out.insert("c++".into(), v);
        }
        for (used, tool) in [(tools.make, "make"), (tools.cmake, "cmake"), (tools.ninja, "ninja")] {
            if used && let Some(v) = version_line_in(tool, &["--version"], t.dir) {
                out.insert(tool.into(), v);
            }
        }
    }
    (out, host)
}

/// The environment of a C or C++ build: the recorded `CFLAGS` and
/// `CXXFLAGS` (or none) followed by `-ffile-prefix-map=<source>=/vouch/source`
/// (which maps `__FILE__`, debug info and its compilation directory), and the
/// remapping to record.
pub fn c_env(recorded: &BTreeMap<String, String>, source: &Path) -> (BTreeMap<String, String>, Vec<PathRemap>) {
    let mut set = BTreeMap::new();
    let map = format!("-ffile-prefix-map={}={REMAP_SOURCE}", source.display());
    for name in ["CFLAGS", "CXXFLAGS"] {
        let v = match recorded.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
            Some(flags) => format!("{flags} {map}"),
            None => map.clone(),
        };
        set.insert(name.to_string(), v);
    }
    (set, vec![PathRemap { role: RemapRole::Source, to: REMAP_SOURCE.into() }])
}

/// The toolchain folders rustup has installed (`$RUSTUP_HOME/toolchains/*`,
/// by default `~/.rustup/toolchains/*`), sorted by name.
pub fn rustup_toolchains() -> Vec<PathBuf> {
    let home = std::env::var_os("RUSTUP_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".rustup")));
    let mut v: Vec<PathBuf> = home
        .and_then(|h| std::fs::read_dir(h.join("toolchains")).ok())
        .map(|rd| {
            rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.join("bin").join("rustc").is_file()).collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The first line of `<sysroot>/bin/rustc -vV`.
pub fn rustc_line(sysroot: &Path) -> Option<String> {
    version_line_in(&sysroot.join("bin").join("rustc").display().to_string(), &["-vV"], None)
}

/// The `channel` of a `rust-toolchain.toml` (or legacy `rust-toolchain`)
/// file in `source`, if any.
pub fn toolchain_file_channel(source: &Path) -> Option<String> {
    for name in ["rust-toolchain.toml", "rust-toolchain"] {
        let Ok(text) = std::fs::read_to_string(source.join(name)) else { continue };
        if let Ok(v) = text.parse::<toml::Table>() {
            if let Some(c) = v.get("toolchain").and_then(|t| t.get("channel")).and_then(|c| c.as_str()) {
                return Some(c.to_string());
            }
        } else if name == "rust-toolchain" {
            let line = text.trim();
            if !line.is_empty() && !line.contains(char::is_whitespace) {
                return Some(line.to_string());
            }
        }
    }
    None
}

/// The rustup toolchain name for a recorded `rustc -vV` first line:
/// `rustc 1.95.0 (59807616e 2026-04-14)` → `1.95.0`; a nightly or beta
/// `rustc 1.97.0-nightly (e50aa6fba 2026-05-19)` → `nightly-2026-05-19`
/// (the commit date; the nightly of that date or the next has it).
pub fn install_name(rustc_line: &str) -> Option<String> {
    let mut w = rustc_line.split_whitespace();
    if w.next() != Some("rustc") {
        return None;
    }
    let version = w.next()?;
    let date = rustc_line.rsplit_once(' ').map(|(_, d)| d.trim_end_matches(')')).filter(|d| d.len() == 10);
    match version.split_once('-') {
        None => Some(version.to_string()),
        Some((_, channel)) => {
            let channel = channel.split('.').next().unwrap_or(channel);
            Some(match date {
                Some(d) => format!("{channel}-{d}"),
                None => channel.to_string(),
            })
        }
    }
}

/// The cargo home: `CARGO_HOME`, else `~/.cargo`.
pub fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
}

/// The sysroot of the toolchain `rustc` runs here (for rustup, the
/// toolchain's folder, e.g. `~/.rustup/toolchains/<toolchain>`).
pub fn toolchain_sysroot() -> Option<PathBuf> {
    version_line("rustc", &["--print", "sysroot"]).map(PathBuf::from).filter(|p| p.is_dir())
}

/// The fixed name vendored dependency sources are remapped to.
pub const REMAP_DEPS: &str = "/vouch/deps";

/// Where a Cargo build takes its dependency sources from.
#[derive(Debug, Clone)]
pub enum CargoDeps {
    /// The user's cargo home and its registry cache.
    CargoHome,
    /// A vendored directory (`cargo vendor` output), through a private cargo
    /// home (`home`, created here) that replaces crates.io with it, offline.
    Vendored { dir: PathBuf, home: PathBuf },
    /// A private cargo home laid out like the release's (its `config.toml`
    /// written by the caller), remapped as the cargo home was.
    Private { home: PathBuf },
}

/// The environment of a Cargo build: the caller's recorded flags plus path
/// remapping of the source, the cargo home and vendored sources onto fixed
/// names, and what to record of it.
#[derive(Debug, Clone, Default)]
pub struct CargoEnv {
    pub set: BTreeMap<String, String>,
    pub remove: Vec<String>,
    pub remap: Vec<PathRemap>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot prepare the cargo home {path}")]
pub struct CargoHomeError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Prepares the environment of a Cargo build in `source`. `recorded` is the
/// allow-listed environment (its `RUSTFLAGS`/`CARGO_ENCODED_RUSTFLAGS` are kept).
/// Whether a build may use the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    Allowed,
    Offline,
}

pub fn cargo_env(
    recorded: &BTreeMap<String, String>,
    source: &Path,
    deps: &CargoDeps,
    network: Network,
) -> Result<CargoEnv, CargoHomeError> {
    let mut env = CargoEnv::default();
    let mut remaps: Vec<(PathBuf, &str)> = Vec::new();
    env.remap.push(PathRemap { role: RemapRole::Source, to: REMAP_SOURCE.into() });
    match deps {
        CargoDeps::CargoHome => {
            if let Some(h) = cargo_home() {
                remaps.push((h, REMAP_CARGO_HOME));
            }
            env.remap.push(PathRemap { role: RemapRole::CargoHome, to: REMAP_CARGO_HOME.into() });
        }
        CargoDeps::Private { home } => {
            env.set.insert("CARGO_HOME".into(), home.display().to_string());
            remaps.push((home.clone(), REMAP_CARGO_HOME));
            env.remap.push(PathRemap { role: RemapRole::CargoHome, to: REMAP_CARGO_HOME.into() });
        }
        CargoDeps::Vendored { dir, home } => {
            let err = |source| CargoHomeError { path: home.clone(), source };
            std::fs::create_dir_all(home).map_err(err)?;
            let config = format!(
                "[source.crates-io]\nreplace-with = \"vouch-vendored\"\n\n[source.vouch-vendored]\ndirectory = {}\n\n[net]\noffline = true\n",
                toml_string(&dir.display().to_string())
            );
            std::fs::write(home.join("config.toml"), config).map_err(err)?;
            env.set.insert("CARGO_HOME".into(), home.display().to_string());
            remaps.push((dir.clone(), REMAP_DEPS));
            env.remap.push(PathRemap { role: RemapRole::Deps, to: REMAP_DEPS.into() });
        }
    }
    // Later flags win: the source (possibly below another prefix) last.
    remaps.push((source.to_path_buf(), REMAP_SOURCE));
    let mut flags: Vec<String> = match (recorded.get("CARGO_ENCODED_RUSTFLAGS"), recorded.get("RUSTFLAGS")) {
        (Some(e), _) if !e.is_empty() => e.split('\u{1f}').map(str::to_string).collect(),
        (_, Some(r)) => r.split_whitespace().map(str::to_string).collect(),
        _ => Vec::new(),
    };
    for (from, to) in remaps {
        flags.push(format!("--remap-path-prefix={}={}", from.display(), to));
    }
    env.set.insert("CARGO_ENCODED_RUSTFLAGS".into(), flags.join("\u{1f}"));
    env.remove.extend(["RUSTFLAGS".to_string(), "CARGO_TARGET_DIR".into(), "CARGO_BUILD_TARGET_DIR".into()]);
    if network == Network::Offline {
        env.set.insert("CARGO_NET_OFFLINE".into(), "true".into());
    }
    Ok(env)
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether the command is a Cargo invocation.
pub fn is_cargo(command: &[String]) -> bool {
    command.first().is_some_and(|p| Path::new(p).file_name().is_some_and(|n| n == "cargo"))
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
    /// Extra environment (e.g. the remapping flags); the rest is inherited,
    /// unless the build is confined: then this is its whole environment.
    pub extra_env: BTreeMap<String, String>,
    /// Environment variables to remove (of the inherited environment, or,
    /// when confined, of `extra_env`).
    pub remove_env: Vec<String>,
    /// Where the combined stdout and stderr go.
    pub log: PathBuf,
    /// Kill the build after this long.
    pub timeout: Option<Duration>,
    /// Confine the build (see [`crate::build::sandbox`]).
    pub confine: Option<Confine>,
    /// Set (by a signal handler) to stop the build: its whole process group
    /// is killed and [`BuildError::Interrupted`] returned.
    pub cancel: Option<Arc<AtomicBool>>,
}

/// Run the build through a launcher that confines it: the command becomes
/// `[unshare -rn --] LAUNCHER __confine --write DIR... --read DIR...
/// [--landlock-network] --env NAME=VALUE... -- COMMAND...`, started with an
/// empty environment. The launcher applies the confinement first, then sets
/// the build's environment ([`BuildSpec::extra_env`], nothing inherited) and
/// executes the command.
#[derive(Debug, Clone)]
pub struct Confine {
    pub launcher: PathBuf,
    pub writable: Vec<PathBuf>,
    /// Readable (and executable) beneath; writable paths are readable too.
    pub readable: Vec<PathBuf>,
    pub network: crate::build::sandbox::NetworkCut,
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
    #[error("build interrupted by a signal; its process group was killed")]
    Interrupted { log: PathBuf },
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
    let mut argv: Vec<String> = Vec::new();
    let launcher_program;
    let (run_program, run_args): (&String, &[String]) = match &spec.confine {
        Some(c) => {
            // The launcher resolves the program on the build's PATH.
            let path = spec.extra_env.get("PATH").map(String::as_str).unwrap_or("");
            if !program.contains('/') && which_in(program, path).is_none() {
                return Err(BuildError::NotFound { program: program.clone() });
            }
            if let crate::build::sandbox::NetworkCut::Namespace { unshare } = &c.network {
                argv.extend([unshare.display().to_string(), "-rn".into(), "--".into()]);
            }
            argv.push(c.launcher.display().to_string());
            argv.push("__confine".into());
            for w in &c.writable {
                argv.push("--write".into());
                argv.push(w.display().to_string());
            }
            for r in &c.readable {
                argv.push("--read".into());
                argv.push(r.display().to_string());
            }
            if c.network == crate::build::sandbox::NetworkCut::Landlock {
                argv.push("--landlock-network".into());
            }
            for (k, v) in spec.extra_env.iter().filter(|(k, _)| !spec.remove_env.contains(k)) {
                argv.push("--env".into());
                argv.push(format!("{k}={v}"));
            }
            argv.push("--".into());
            argv.extend(spec.command.iter().cloned());
            launcher_program = argv.remove(0);
            (&launcher_program, &argv[..])
        }
        None => (program, args),
    };
    if spec.cancel.as_ref().is_some_and(|c| c.load(Ordering::SeqCst)) {
        return Err(BuildError::Interrupted { log: spec.log.clone() });
    }
    let log_err = |source| BuildError::Log { path: spec.log.clone(), source };
    let log = std::fs::File::create(&spec.log).map_err(log_err)?;
    let log2 = log.try_clone().map_err(log_err)?;
    let dir = if spec.workdir == "." { spec.source.clone() } else { spec.source.join(&spec.workdir) };
    let mut cmd = Command::new(run_program);
    cmd.args(run_args).current_dir(&dir).stdin(Stdio::null()).stdout(log).stderr(log2);
    if spec.confine.is_some() {
        // Nothing of the caller's environment reaches the launcher (no
        // LD_PRELOAD before the sandbox holds); it sets the build's own.
        cmd.env_clear();
    } else {
        for k in &spec.remove_env {
            cmd.env_remove(k);
        }
        cmd.envs(&spec.extra_env);
    }
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
        if spec.cancel.as_ref().is_some_and(|c| c.load(Ordering::SeqCst)) {
            kill_group(&mut child);
            let _ = child.wait();
            if let Ok(mut f) = std::fs::OpenOptions::new().append(true).open(&spec.log) {
                let _ = writeln!(f, "vouch: interrupted");
            }
            return Err(BuildError::Interrupted { log: spec.log.clone() });
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
        return Err(BuildError::Failed {
            status: status.to_string(),
            log: spec.log.clone(),
            tail: tail(&spec.log, 20),
        });
    }
    Ok(())
}

/// The first `program` on PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(program)).find(|p| p.is_file())
}

/// The first `program` on the search path `path`.
pub fn which_in(program: &str, path: &str) -> Option<PathBuf> {
    std::env::split_paths(path).map(|d| d.join(program)).find(|p| p.is_file())
}

/// Kills the build's whole process group, reaps the build, and waits
/// (a few seconds at most) until no process of the group is left.
fn kill_group(child: &mut std::process::Child) {
    let group = format!("-{}", child.id());
    let quiet = |args: &[&str]| {
        Command::new("kill")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    #[cfg(unix)]
    {
        // kill(2) on the negative pid reaches the whole process group.
        quiet(&["-KILL", "--", &group]);
    }
    let _ = child.kill();
    let _ = child.wait();
    #[cfg(unix)]
    {
        let start = Instant::now();
        while quiet(&["-0", "--", &group]) && start.elapsed() < Duration::from_secs(5) {
            quiet(&["-KILL", "--", &group]);
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list() {
        for ok in [
            "SOURCE_DATE_EPOCH",
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
            "CARGO_PROFILE_RELEASE_LTO",
            "CARGO_BUILD_TARGET",
            "TZ",
            "LANG",
            "LC_ALL",
            "CC",
            "CFLAGS",
            "GOARCH",
            "CGO_ENABLED",
        ] {
            assert!(env_allowed(ok), "{ok}");
        }
        for no in [
            "PATH",
            "HOME",
            "LD_PRELOAD",
            "LD_LIBRARY_PATH",
            "AWS_SECRET_KEY",
            "RUSTC_WRAPPER",
            "CARGO_HOME",
            "GOPATH",
            "CARGO_BUILD_TOKEN",
            "CARGO_PROFILE_KEY",
            "AWS_SECRET",
            "CARGO_REGISTRY_TOKEN",
            "GITHUB_TOKEN",
            "CARGO_BUILD_PASSWORD",
            "CARGO_BUILD_CREDENTIALS",
        ] {
            assert!(!env_allowed(no), "{no}");
        }
    }

    #[test]
    fn install_names() {
        assert_eq!(install_name("rustc 1.95.0 (59807616e 2026-04-14)").as_deref(), Some("1.95.0"));
        assert_eq!(install_name("rustc 1.97.0-nightly (e50aa6fba 2026-05-19)").as_deref(), Some("nightly-2026-05-19"));
        assert_eq!(install_name("rustc 1.96.0-beta.3 (0123456ab 2026-05-01)").as_deref(), Some("beta-2026-05-01"));
        assert_eq!(install_name("gcc"), None);
    }

    #[test]
    fn build_kinds_name_the_tools_the_command_runs() {
        let tree = tempfile::tempdir().unwrap();
        let kind = |cmd: &[&str]| build_kind(&cmd.iter().map(|s| s.to_string()).collect::<Vec<_>>(), tree.path());
        let c = |make, cmake, ninja| BuildKind::C(CTools { make, cmake, ninja });
        assert_eq!(kind(&["cargo", "build"]), BuildKind::Cargo);
        assert_eq!(kind(&["make", "-j2"]), c(true, false, false));
        assert_eq!(kind(&["sh", "-c", "./configure --static && make"]), c(true, false, false));
        assert_eq!(kind(&["sh", "-c", "cmake -S . -B build && cmake --build build"]), c(true, true, false));
        assert_eq!(kind(&["sh", "-c", "cmake -G Ninja -B out && ninja -C out"]), c(false, true, true));
        assert_eq!(kind(&["/usr/bin/ninja"]), c(false, false, true));
        assert_eq!(kind(&["sh", "-c", "cc -DCMAKE_LIKE=1 -o x x.c"]), BuildKind::Other);
        assert_eq!(kind(&["./build.sh"]), BuildKind::Other);
        // A script naming no tool: the tree's files say which.
        std::fs::write(tree.path().join("CMakeLists.txt"), "").unwrap();
        assert_eq!(kind(&["./build.sh"]), c(true, true, false));
        // The tree's files do not add tools to a command that names its own.
        assert_eq!(kind(&["sh", "-c", "./configure && make"]), c(true, false, false));
    }

    #[test]
    fn c_flags_keep_the_callers_and_map_the_source() {
        let mut env = BTreeMap::new();
        env.insert("CFLAGS".to_string(), "-O2 -g".to_string());
        let (set, remap) = c_env(&env, Path::new("/home/v/zlib"));
        assert_eq!(set["CFLAGS"], "-O2 -g -ffile-prefix-map=/home/v/zlib=/vouch/source");
        assert_eq!(set["CXXFLAGS"], "-ffile-prefix-map=/home/v/zlib=/vouch/source");
        assert_eq!(remap[0].role, RemapRole::Source);
    }

    #[test]
    fn rustflags_keep_the_callers_and_remap() {
        let mut env = BTreeMap::new();
        env.insert("RUSTFLAGS".to_string(), "-C opt-level=2  -g".to_string());
        let dir = tempfile::tempdir().unwrap();
        let deps = CargoDeps::Vendored { dir: dir.path().join("v"), home: dir.path().join("home") };
        let e = cargo_env(&env, Path::new("/src"), &deps, Network::Offline).unwrap();
        assert_eq!(
            e.set["CARGO_ENCODED_RUSTFLAGS"],
            format!(
                "-C\u{1f}opt-level=2\u{1f}-g\u{1f}--remap-path-prefix={}={REMAP_DEPS}\u{1f}--remap-path-prefix=/src={REMAP_SOURCE}",
                dir.path().join("v").display()
            )
        );
        assert_eq!(e.set["CARGO_NET_OFFLINE"], "true");
        assert_eq!(e.set["CARGO_HOME"], dir.path().join("home").display().to_string());
        let config = std::fs::read_to_string(dir.path().join("home/config.toml")).unwrap();
        assert!(config.contains("replace-with = \"vouch-vendored\""));
        let roles: Vec<&str> = e.remap.iter().map(|r| r.role.as_str()).collect();
        assert_eq!(roles, ["source", "deps"]);
        env.insert("CARGO_ENCODED_RUSTFLAGS".to_string(), "-Cdebuginfo=2".to_string());
        let e = cargo_env(&env, Path::new("/s"), &CargoDeps::CargoHome, Network::Allowed).unwrap();
        assert!(e.set["CARGO_ENCODED_RUSTFLAGS"].starts_with("-Cdebuginfo=2\u{1f}--remap"));
        assert!(!e.set.contains_key("CARGO_NET_OFFLINE"));
    }
}
