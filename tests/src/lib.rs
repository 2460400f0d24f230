//! Helpers for vouch's end-to-end tests: a scratch directory, a command
//! runner for the built `vouch` binary, and lookup of the real peer tools.
//!
//! A peer tool (minisign, a validator, a browser) that is missing fails the
//! test under `CI=true`; elsewhere it fails too, with a hint to run
//! `bash scripts/test.sh`, which installs them. Nothing is skipped.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().expect("repo root")
}

/// The built `vouch` binary (built by `cargo build --workspace --bins`,
/// which `scripts/test.sh` runs before the tests).
pub fn vouch_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("VOUCH_BIN") {
        return PathBuf::from(p);
    }
    // target/<profile>/deps/<test exe> -> target/<profile>/vouch
    let exe = std::env::current_exe().expect("current exe");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = profile_dir.join(format!("vouch{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} not found: build it first with `cargo build --workspace --bins` (scripts/test.sh does)",
        bin.display()
    );
    bin
}

/// Finds a peer tool: `name` on PATH, or in the test venv / node dir.
/// Panics (fails the test) when it is missing.
pub fn peer_tool(name: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(v) = std::env::var_os("VOUCH_TEST_VENV") {
        dirs.push(PathBuf::from(v).join("bin"));
    }
    dirs.push(repo_root().join("target/test-venv/bin"));
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    for d in dirs {
        let p = d.join(name);
        if p.is_file() {
            return p;
        }
    }
    panic!(
        "peer tool `{name}` is not installed{}: run `bash scripts/test.sh`, which installs it",
        if std::env::var("CI").as_deref() == Ok("true") { " (CI=true: a missing peer fails)" } else { "" }
    );
}

/// A scratch directory removed on drop.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Default for Dir {
    fn default() -> Self {
        Self::new()
    }
}

impl Dir {
    pub fn new() -> Dir {
        Dir { tmp: tempfile::Builder::new().prefix("vouch-test-").tempdir().expect("tempdir") }
    }
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }
    pub fn join(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.tmp.path().join(rel)
    }
    /// Writes a file, creating parent directories.
    pub fn write(&self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, contents).expect("write");
        p
    }
    pub fn mkdir(&self, rel: impl AsRef<Path>) -> PathBuf {
        let p = self.join(rel);
        std::fs::create_dir_all(&p).expect("mkdir");
        p
    }
    pub fn read(&self, rel: impl AsRef<Path>) -> Vec<u8> {
        std::fs::read(self.join(rel)).expect("read")
    }
}

/// The result of running a command.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub what: String,
}

impl Run {
    fn from_output(what: String, o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            what,
        }
    }
    /// Asserts the exit code, printing everything between ruled lines if not.
    #[track_caller]
    pub fn code(&self, want: i32) -> &Run {
        if self.code != want {
            panic!(
                "\n{}\nexpected exit {want}, got {}\n---- stdout ----\n{}\n---- stderr ----\n{}\n----------------",
                self.what, self.code, self.stdout, self.stderr
            );
        }
        self
    }
    #[track_caller]
    pub fn ok(&self) -> &Run {
        self.code(0)
    }
    /// Asserts that stdout+stderr contains `needle`.
    #[track_caller]
    pub fn says(&self, needle: &str) -> &Run {
        if !self.stdout.contains(needle) && !self.stderr.contains(needle) {
            panic!(
                "\n{}\nexpected output to contain {needle:?}\n---- stdout ----\n{}\n---- stderr ----\n{}\n----------------",
                self.what, self.stdout, self.stderr
            );
        }
        self
    }
    /// Parses stdout as JSON into `T`.
    #[track_caller]
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{}: stdout is not the expected JSON: {e}\n{}", self.what, self.stdout))
    }
}

/// A command to run, with a clean environment for determinism.
pub struct TestCommand {
    cmd: Command,
    what: String,
}

impl TestCommand {
    /// `vouch ARGS...`, with SOURCE_DATE_EPOCH and CI-specific variables removed.
    pub fn vouch<I, S>(args: I) -> TestCommand
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut t = TestCommand::new(vouch_bin(), args);
        t.cmd.env_remove("SOURCE_DATE_EPOCH");
        t
    }
    pub fn new<I, S>(program: impl AsRef<OsStr>, args: I) -> TestCommand
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(program.as_ref());
        let mut what = program.as_ref().to_string_lossy().into_owned();
        for a in args {
            what.push(' ');
            what.push_str(&a.as_ref().to_string_lossy());
            cmd.arg(a);
        }
        cmd.stdin(Stdio::null());
        TestCommand { cmd, what }
    }
    pub fn env(mut self, k: impl AsRef<OsStr>, v: impl AsRef<OsStr>) -> Self {
        self.cmd.env(k, v);
        self
    }
    pub fn env_remove(mut self, k: impl AsRef<OsStr>) -> Self {
        self.cmd.env_remove(k);
        self
    }
    pub fn current_dir(mut self, d: impl AsRef<Path>) -> Self {
        self.cmd.current_dir(d);
        self
    }
    pub fn run(mut self) -> Run {
        let o = self.cmd.output().unwrap_or_else(|e| panic!("cannot run {}: {e}", self.what));
        Run::from_output(self.what, o)
    }
}

/// Runs `git ARGS` in `dir` with a fixed identity and dates.
pub fn git(dir: &Path, args: &[&str]) -> Run {
    TestCommand::new("git", args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.org")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.org")
        .env("GIT_AUTHOR_DATE", "2026-01-02T03:04:05Z")
        .env("GIT_COMMITTER_DATE", "2026-01-02T03:04:05Z")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .run()
}
