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

/// A release engineer's set-up: a key pair, a copy of the example project,
/// and a bundles directory.
pub struct Release {
    pub dir: Dir,
    pub key: PathBuf,
    pub public: PathBuf,
    pub src: PathBuf,
    pub bundles: PathBuf,
    pub key_id: String,
}

/// Copies a directory tree (files and directories only).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let name = e.file_name();
        if name == "target" {
            continue;
        }
        let ft = e.file_type().expect("file type");
        if ft.is_dir() {
            copy_tree(&e.path(), &to.join(&name));
        } else if ft.is_file() {
            std::fs::copy(e.path(), to.join(&name)).expect("copy");
        }
    }
}

impl Release {
    /// A fresh key (unencrypted, named `release`) and a copy of examples/hello
    /// at `<dir>/src`.
    pub fn new() -> Release {
        let dir = Dir::new();
        let src = dir.join("src");
        copy_tree(&repo_root().join("examples/hello"), &src);
        let keys = dir.mkdir("keys");
        let r = TestCommand::vouch(["key", "generate", "--out", keys.to_str().unwrap(), "--name", "release", "--unencrypted"]).run();
        r.ok();
        let public = keys.join("release.pub");
        let key_id = String::from_utf8(std::fs::read(&public).unwrap())
            .unwrap()
            .lines()
            .next()
            .and_then(|l| l.rsplit(' ').next().map(str::to_string))
            .unwrap();
        Release { key: keys.join("release.key"), public, src, bundles: dir.join("bundles"), key_id, dir }
    }

    /// `vouch release` of the example with a real `cargo build --release
    /// --locked`, plus `extra` arguments before `--`.
    pub fn release(&self, version: &str, extra: &[&str]) -> Run {
        self.run_release(version, extra, &["cargo", "build", "--release", "--locked"])
    }

    /// `vouch release` recording the already-built artifact, no build command.
    pub fn record(&self, version: &str, extra: &[&str]) -> Run {
        self.run_release(version, extra, &[])
    }

    fn run_release(&self, version: &str, extra: &[&str], build: &[&str]) -> Run {
        let mut args: Vec<String> = vec![
            "release".into(),
            "--source".into(),
            self.src.display().to_string(),
            "--name".into(),
            "hello".into(),
            "--version".into(),
            version.into(),
            "--key".into(),
            self.key.display().to_string(),
            "--out".into(),
            self.bundles.display().to_string(),
            "--no-git".into(),
            "--exclude".into(),
            "target".into(),
            "--artifact".into(),
            "target/release/hello".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        if !build.is_empty() {
            args.push("--".into());
            args.extend(build.iter().map(|s| s.to_string()));
        }
        TestCommand::vouch(args).env("SOURCE_DATE_EPOCH", "1700000000").run()
    }

    /// A trust policy trusting the release key for `roles`.
    pub fn policy(&self, name: &str, roles: &[&str]) -> PathBuf {
        let line = String::from_utf8(std::fs::read(&self.public).unwrap()).unwrap().lines().nth(1).unwrap().to_string();
        let roles = roles.iter().map(|r| format!("{r:?}")).collect::<Vec<_>>().join(", ");
        self.dir.write(
            name,
            format!("[keys.acme-release]\npublic = \"{line}\"\nroles = [{roles}]\n\n[roles.release]\nthreshold = 1\n"),
        )
    }

    pub fn bundle(&self, version: &str) -> PathBuf {
        self.bundles.join(format!("hello-{version}"))
    }
}

impl Default for Release {
    fn default() -> Self {
        Self::new()
    }
}

/// `vouch manifest create`s `<d>/<src>` (no git, SOURCE_DATE_EPOCH fixed)
/// into `<d>/bundles/<name>-<version>/manifest.json`: a minimal unsigned
/// bundle; returns its directory.
pub fn manifest_bundle(d: &Dir, src: &str, name: &str, version: &str) -> PathBuf {
    let bundle = d.mkdir(format!("bundles/{name}-{version}"));
    TestCommand::vouch([
        "manifest",
        "create",
        d.join(src).to_str().unwrap(),
        "--no-git",
        "--name",
        name,
        "--version",
        version,
        "-o",
        bundle.join("manifest.json").to_str().unwrap(),
    ])
    .env("SOURCE_DATE_EPOCH", "1767225600")
    .run()
    .ok();
    bundle
}

/// Builds the Go program in `tests/go/<name>` (GOPATH mode against Debian's
/// `golang-golang-x-mod-dev`: no module proxy) once per test run, into
/// `target/test-go/<name>`, and returns its path. Fails when `go` is missing.
pub fn go_program(name: &str) -> PathBuf {
    static BUILT: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let go = peer_tool("go");
    let out_dir = repo_root().join("target/test-go");
    let out = out_dir.join(name);
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if !built.iter().any(|b| b == name) {
        std::fs::create_dir_all(&out_dir).expect("mkdir target/test-go");
        let gopath = std::env::var("VOUCH_GOPATH").unwrap_or_else(|_| "/usr/share/gocode".into());
        let r = TestCommand::new(&go, ["build", "-o", out.to_str().unwrap(), "."])
            .current_dir(repo_root().join("tests/go").join(name))
            .env("GO111MODULE", "off")
            .env("GOPATH", gopath)
            .env("GOCACHE", out_dir.join("cache"))
            .run();
        r.ok();
        built.push(name.to_string());
    }
    out
}
