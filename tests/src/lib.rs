//! Helpers for vouch's end-to-end tests: a scratch directory, a command
//! runner for the built `vouch` binary, and lookup of the real peer tools.
//!
//! A peer tool (minisign, a validator, a browser) that is missing fails the
//! test under `CI=true`; elsewhere it fails too, with a hint to run
//! `bash scripts/test.sh`, which installs them. Nothing is skipped.

pub mod fuzz;

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().expect("repo root")
}

/// The built `vouch` binary, guaranteed fresh.
///
/// In order: `VOUCH_BIN` (taken as given: a binary chosen on purpose, e.g. a
/// release build); `CARGO_BIN_EXE_vouch` at run time (cargo-nextest sets it
/// for the tests of vouch-cli, the package that owns the binary, which cargo
/// builds before them); else `target/<profile>/vouch`, the binary `cargo build
/// --workspace --bins` wrote beside this test executable (`scripts/test.sh`
/// runs that build first). This last one is refused, naming both files, when
/// any source file it was compiled from changed after it was built: a stale
/// binary would otherwise test old code and pass.
pub fn vouch_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(p) = std::env::var_os("VOUCH_BIN") {
            return PathBuf::from(p);
        }
        if let Some(p) = std::env::var_os("CARGO_BIN_EXE_vouch") {
            return PathBuf::from(p);
        }
        // target/<profile>/deps/<test exe> -> target/<profile>/vouch
        let bin = profile_dir().join(format!("vouch{}", std::env::consts::EXE_SUFFIX));
        assert!(
            bin.exists(),
            "{} not found: build it first with `cargo build --workspace --bins` (scripts/test.sh does)",
            bin.display()
        );
        if let Err(stale) = check_fresh(&bin) {
            panic!("{stale}");
        }
        bin
    })
    .clone()
}

/// `target/<profile>`, the directory of the binaries this test was built with.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.parent().and_then(Path::parent).expect("target dir").to_path_buf()
}

/// `Err` naming the newest source file that changed after `bin` was built.
///
/// The sources are those cargo's dep-info `<bin>.d` lists (exactly the
/// files rustc read for the binary and the crates it links, templates
/// included); without a dep-info file, every file under the workspace
/// crates' `src/`. Cargo rebuilds when one of them is newer than its last
/// build's start, so a binary older than one of them is stale.
pub fn check_fresh(bin: &Path) -> Result<(), String> {
    let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let built = mtime(bin).ok_or_else(|| format!("cannot read the modification time of {}", bin.display()))?;
    let sources = match std::fs::read_to_string(bin.with_extension("d")) {
        Ok(d) => dep_info_sources(&d),
        Err(_) => {
            let mut files = Vec::new();
            for krate in ["cli", "manifests", "signing", "site"] {
                walk_files(&repo_root().join(krate).join("src"), &mut files);
            }
            files
        }
    };
    let newest = sources.into_iter().filter_map(|p| mtime(&p).map(|t| (t, p))).filter(|(t, _)| *t > built).max();
    match newest {
        None => Ok(()),
        Some((t, src)) => {
            let ago = |t: std::time::SystemTime| {
                std::time::SystemTime::now()
                    .duration_since(t)
                    .map(|d| format!("{}s ago", d.as_secs()))
                    .unwrap_or_default()
            };
            Err(format!(
                "{} is stale: built {}, but {} changed after that, {}: rebuild with `cargo build --workspace --bins` \
                 (scripts/test.sh does)",
                bin.display(),
                ago(built),
                src.display(),
                ago(t)
            ))
        }
    }
}

/// The prerequisites of a Makefile-style dep-info file (`target: a b\ c`).
fn dep_info_sources(d: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for line in d.lines() {
        let Some((_, deps)) = line.split_once(": ") else { continue };
        let mut cur = String::new();
        let mut chars = deps.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => cur.extend(chars.next()),
                ' ' => {
                    if !cur.is_empty() {
                        out.push(PathBuf::from(std::mem::take(&mut cur)));
                    }
                }
                c => cur.push(c),
            }
        }
        if !cur.is_empty() {
            out.push(PathBuf::from(cur));
        }
    }
    out
}

fn walk_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() { walk_files(&p, out) } else { out.push(p) }
    }
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
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("{}: stdout is not the expected JSON: {e}\n{}", self.what, self.stdout))
    }
}

/// A command to run, with a clean environment for determinism.
pub struct TestCommand {
    cmd: Command,
    what: String,
    stdin: Option<Vec<u8>>,
}

impl TestCommand {
    /// `vouch ARGS...`, with SOURCE_DATE_EPOCH and CI-specific variables
    /// removed, and the default caches under `target/test-cache` rather
    /// than the user's home.
    pub fn vouch<I, S>(args: I) -> TestCommand
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut t = TestCommand::new(vouch_bin(), args);
        t.cmd.env_remove("SOURCE_DATE_EPOCH");
        t.cmd.env("XDG_CACHE_HOME", repo_root().join("target/test-cache"));
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
        TestCommand { cmd, what, stdin: None }
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
    /// Feeds `bytes` on standard input (else it is empty: `/dev/null`).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }
    pub fn run(mut self) -> Run {
        let Some(input) = self.stdin.take() else {
            let o = self.cmd.output().unwrap_or_else(|e| panic!("cannot run {}: {e}", self.what));
            return Run::from_output(self.what, o);
        };
        let mut child = self
            .cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.what));
        let mut pipe = child.stdin.take().expect("stdin");
        // A writer thread: a child that fills its stdout before reading all
        // of its stdin would otherwise deadlock with us.
        let writer = std::thread::spawn(move || {
            // A child that exits without reading everything closes the pipe.
            let _ = pipe.write_all(&input);
        });
        let o = child.wait_with_output().unwrap_or_else(|e| panic!("cannot run {}: {e}", self.what));
        writer.join().expect("stdin writer");
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

/// `vouch release` arguments, built up: the project, key and output
/// directory first, then options ([`ReleaseArgs::args`]), then the build
/// command ([`ReleaseArgs::build`]).
#[derive(Debug, Clone)]
pub struct ReleaseArgs(Vec<String>);

impl ReleaseArgs {
    /// `release --source SRC --name NAME --version VERSION --key KEY --out OUT`.
    pub fn new(src: impl AsRef<Path>, name: &str, version: &str, key: &Path, out: impl AsRef<Path>) -> ReleaseArgs {
        let path = |p: &Path| p.display().to_string();
        ReleaseArgs(vec![
            "release".into(),
            "--source".into(),
            path(src.as_ref()),
            "--name".into(),
            name.into(),
            "--version".into(),
            version.into(),
            "--key".into(),
            path(key),
            "--out".into(),
            path(out.as_ref()),
        ])
    }

    /// Adds `more` arguments.
    pub fn args<I, S>(mut self, more: I) -> ReleaseArgs
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.0.extend(more.into_iter().map(|s| s.as_ref().to_string()));
        self
    }

    /// Ends the options with `--` and the build command `argv`.
    pub fn build(self, argv: &[&str]) -> ReleaseArgs {
        self.args(["--"]).args(argv)
    }

    /// The command, to add environment variables to.
    pub fn command(self) -> TestCommand {
        TestCommand::vouch(self.0)
    }

    /// Runs it.
    pub fn run(self) -> Run {
        self.command().run()
    }
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
        let keys = key_pair(&dir.mkdir("keys"), "release");
        Release { key: keys.secret, public: keys.public, src, bundles: dir.join("bundles"), key_id: keys.key_id, dir }
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
        let mut args = self.example_args(version).args(extra);
        if !build.is_empty() {
            args = args.build(build);
        }
        args.command().env("SOURCE_DATE_EPOCH", "1700000000").run()
    }

    /// `vouch release` arguments for project `name` at `src`, signed with
    /// this set-up's key into its bundles directory.
    pub fn args(&self, src: impl AsRef<Path>, name: &str, version: &str) -> ReleaseArgs {
        ReleaseArgs::new(src, name, version, &self.key, &self.bundles)
    }

    /// The example's arguments: `hello` at `src`, without git, its
    /// `target/` left out and `target/release/hello` its artifact.
    pub fn example_args(&self, version: &str) -> ReleaseArgs {
        self.args(&self.src, "hello", version).args([
            "--no-git",
            "--exclude",
            "target",
            "--artifact",
            "target/release/hello",
        ])
    }

    /// A trust policy trusting the release key for `roles`.
    pub fn policy(&self, name: &str, roles: &[&str]) -> PathBuf {
        let line = public_key_line(&self.public);
        let roles = roles.iter().map(|r| format!("{r:?}")).collect::<Vec<_>>().join(", ");
        self.dir.write(
            name,
            format!("[keys.acme-release]\npublic = \"{line}\"\nroles = [{roles}]\n\n[roles.release]\nthreshold = 1\n"),
        )
    }

    /// An independent rebuilder's key pair, `builder-keys/builder.key`
    /// and `.pub`.
    pub fn builder_key(&self) -> KeyPair {
        key_pair(&self.dir.mkdir("builder-keys"), "builder")
    }

    /// A trust policy trusting the release key for the release role and
    /// `builder` (as `gov-rebuilder`) for the builder role, one of each
    /// needed.
    pub fn builder_policy(&self, name: &str, builder: &KeyPair) -> PathBuf {
        let (release_pub, builder_pub) = (public_key_line(&self.public), public_key_line(&builder.public));
        self.dir.write(
            name,
            format!(
                "[keys.acme-release]\npublic = \"{release_pub}\"\nroles = [\"release\"]\n\n[keys.gov-rebuilder]\npublic = \"{builder_pub}\"\nroles = [\"builder\"]\n\n[roles.release]\nthreshold = 1\n\n[roles.builder]\nthreshold = 1\n"
            ),
        )
    }

    pub fn bundle(&self, version: &str) -> PathBuf {
        self.bundles.join(format!("hello-{version}"))
    }

    /// Puts the once-per-run build of the example ([`built_hello`]) at
    /// `src/target/release/hello`, for [`Release::record`]: a bundle of a
    /// built project without running cargo again.
    pub fn install_built(&self) {
        let to = self.src.join("target/release/hello");
        std::fs::create_dir_all(to.parent().unwrap()).expect("mkdir");
        std::fs::copy(built_hello(), &to).expect("copy the built example");
    }
}

impl Default for Release {
    fn default() -> Self {
        Self::new()
    }
}

/// A key pair written by `vouch key generate --unencrypted`.
pub struct KeyPair {
    pub secret: PathBuf,
    pub public: PathBuf,
    /// The key id vouch echoed, upper-case hex.
    pub key_id: String,
}

/// `vouch key generate --out DIR --name NAME --unencrypted`.
pub fn key_pair(dir: &Path, name: &str) -> KeyPair {
    let r =
        TestCommand::vouch(["key", "generate", "--out", dir.to_str().unwrap(), "--name", name, "--unencrypted"]).run();
    r.ok();
    let key_id = r.stderr.lines().find_map(|l| l.strip_prefix("key id: ")).expect("key id echoed").to_string();
    KeyPair { secret: dir.join(format!("{name}.key")), public: dir.join(format!("{name}.pub")), key_id }
}

/// The reference `minisign -S` of `file` with secret key `key` into `sig`,
/// under `trusted_comment`.
pub fn minisign_sign(key: &Path, file: &Path, sig: &Path, trusted_comment: &str) -> Run {
    let [key, file, sig] = [key, file, sig].map(|p| p.display().to_string());
    TestCommand::new(peer_tool("minisign"), ["-S", "-s", &key, "-m", &file, "-x", &sig, "-t", trusted_comment]).run()
}

/// [`minisign_sign`], as a legacy (non-prehashed) signature: `minisign -S -l`.
pub fn minisign_sign_legacy(key: &Path, file: &Path, sig: &Path, trusted_comment: &str) -> Run {
    let [key, file, sig] = [key, file, sig].map(|p| p.display().to_string());
    TestCommand::new(peer_tool("minisign"), ["-S", "-l", "-s", &key, "-m", &file, "-x", &sig, "-t", trusted_comment])
        .run()
}

/// `vouch site build BUNDLES -o OUT` plus `extra` arguments.
pub fn site_build(bundles: &Path, out: &Path, extra: &[&str]) -> TestCommand {
    let [bundles, out] = [bundles, out].map(|p| p.display().to_string());
    TestCommand::vouch(["site", "build", &bundles, "-o", &out].into_iter().chain(extra.iter().copied()))
}

/// A bundle's `manifest.json`, parsed as JSON.
pub fn manifest_json(bundle: &Path) -> serde_json::Value {
    let p = bundle.join("manifest.json");
    serde_json::from_slice(&std::fs::read(&p).expect("read manifest.json")).expect("manifest.json is JSON")
}

/// The `RWQ...` line of a minisign public key file.
pub fn public_key_line(p: &Path) -> String {
    std::fs::read_to_string(p).expect("read public key").lines().nth(1).expect("a key line").to_string()
}

/// Standard base64 with padding, as minisign writes it.
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `target/release/hello` of `examples/hello`, built by a real `cargo build
/// --release --locked` once per test run and shared by every test process
/// (nextest runs each test in its own): cached under
/// `target/<profile>/vouch-test-cache/`, keyed by the example's content
/// only, and put in place by an atomic rename, so concurrent first callers
/// at worst build it twice and never see half a file.
pub fn built_hello() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let example = repo_root().join("examples/hello");
        let mut files = Vec::new();
        walk_files(&example, &mut files);
        files.retain(|f| !f.starts_with(example.join("target")));
        files.sort();
        let mut h = std::hash::DefaultHasher::new();
        for f in &files {
            use std::hash::Hash as _;
            f.strip_prefix(&example).unwrap().hash(&mut h);
            std::fs::read(f).expect("read example").hash(&mut h);
        }
        let cache = profile_dir().join("vouch-test-cache");
        let bin = cache.join(format!("hello-{:016x}", std::hash::Hasher::finish(&h)));
        if bin.is_file() {
            return bin;
        }
        std::fs::create_dir_all(&cache).expect("mkdir cache");
        let work = tempfile::Builder::new().prefix(".build-").tempdir_in(&cache).expect("tempdir");
        copy_tree(&example, work.path());
        TestCommand::new("cargo", ["build", "--release", "--locked", "--quiet"])
            .current_dir(work.path())
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("RUSTFLAGS")
            .run()
            .ok();
        std::fs::rename(work.path().join("target/release/hello"), &bin).expect("put the built example in place");
        bin
    })
}

/// `vouch manifest create SRC --no-git --name NAME --version VERSION -o OUT`,
/// with `SOURCE_DATE_EPOCH` set to `source_date_epoch` (else unset).
pub fn manifest_create(src: &Path, name: &str, version: &str, out: &Path, source_date_epoch: Option<&str>) {
    let mut c = TestCommand::vouch([
        "manifest",
        "create",
        src.to_str().unwrap(),
        "--no-git",
        "--name",
        name,
        "--version",
        version,
        "-o",
        out.to_str().unwrap(),
    ]);
    if let Some(t) = source_date_epoch {
        c = c.env("SOURCE_DATE_EPOCH", t);
    }
    c.run().ok();
}

/// `vouch manifest create`s `<d>/<src>` (no git, SOURCE_DATE_EPOCH fixed)
/// into `<d>/bundles/<name>-<version>/manifest.json`: a minimal unsigned
/// bundle; returns its directory.
pub fn manifest_bundle(d: &Dir, src: &str, name: &str, version: &str) -> PathBuf {
    let bundle = d.mkdir(format!("bundles/{name}-{version}"));
    manifest_create(&d.join(src), name, version, &bundle.join("manifest.json"), Some("1767225600"));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dep_info_lists_every_prerequisite_with_escaped_spaces() {
        let d = "/t/debug/vouch: /w/cli/src/main.rs /w/my\\ dir/a.rs\n\n/w/cli/src/main.rs:\n";
        assert_eq!(dep_info_sources(d), [PathBuf::from("/w/cli/src/main.rs"), PathBuf::from("/w/my dir/a.rs")]);
    }

    #[test]
    fn a_source_newer_than_the_binary_is_named() {
        let d = Dir::new();
        let bin = d.write("vouch", "bin");
        let src = d.write("main.rs", "fn main() {}");
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        std::fs::File::options().write(true).open(&bin).unwrap().set_modified(old).unwrap();
        d.write("vouch.d", format!("{}: {}\n", bin.display(), src.display()));
        let e = check_fresh(&bin).unwrap_err();
        assert!(e.contains("is stale") && e.contains(&src.display().to_string()), "{e}");
        std::fs::File::options()
            .write(true)
            .open(&src)
            .unwrap()
            .set_modified(old - std::time::Duration::from_secs(60))
            .unwrap();
        assert_eq!(check_fresh(&bin), Ok(()));
    }
}
