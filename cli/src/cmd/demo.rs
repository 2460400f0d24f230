//! `vouch demo`: the whole chain on the example project shipped in the
//! repository, with a throwaway key: release (a real `cargo build`), show
//! the bundle, verify it as a reviewer, rebuild it bit for bit from a copy
//! of the source in another directory, and render the review site, whose
//! `index.html` path it prints last. Each step is the same command a
//! user would type, printed before it runs.

use crate::cli::demo::DemoArgs;
use crate::exit::Status;
use anyhow::{Context, Result, bail};
use clap::Parser;
use std::path::{Path, PathBuf};

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for e in std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))? {
        let e = e?;
        if e.file_name() == "target" {
            continue;
        }
        let ft = e.file_type()?;
        if ft.is_dir() {
            copy_tree(&e.path(), &to.join(e.file_name()))?;
        } else if ft.is_file() {
            std::fs::copy(e.path(), to.join(e.file_name()))
                .with_context(|| format!("cannot copy {}", e.path().display()))?;
        }
    }
    Ok(())
}

/// Runs one vouch command as a user would type it.
fn step(title: &str, args: &[&str]) -> Result<Status> {
    eprintln!("\n== {title}\n$ vouch {}", args.join(" "));
    let mut argv = vec!["vouch"];
    argv.extend_from_slice(args);
    let cli = crate::cli::Cli::try_parse_from(argv)?;
    super::run(cli)
}

pub fn run(a: DemoArgs) -> Result<Status> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let example = a.example.unwrap_or_else(|| repo.join("examples/hello"));
    let out = a.out.unwrap_or_else(|| repo.join("target/vouch-demo"));
    if out.exists() {
        std::fs::remove_dir_all(&out).with_context(|| format!("cannot empty {}", out.display()))?;
    }
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let out = out.canonicalize()?;
    let s = |p: &Path| p.display().to_string();
    let (keys, src, bundles, copy) =
        (out.join("keys"), out.join("vendor-src/hello"), out.join("bundles"), out.join("reviewer/hello"));
    copy_tree(&example, &src)?;
    copy_tree(&example, &copy)?;
    eprintln!("vouch demo: the example project {} (copied to {})", example.display(), src.display());

    step(
        "a throwaway release key (unencrypted, for the demo only)",
        &["key", "generate", "--out", &s(&keys), "--name", "demo-release", "--unencrypted"],
    )?;
    step(
        "release: build with cargo, record everything, sign",
        &[
            "release",
            "--source",
            &s(&src),
            "--name",
            "hello",
            "--version",
            "0.1.0",
            "--key",
            &s(&keys.join("demo-release.key")),
            "--out",
            &s(&bundles),
            "--no-git",
            "--exclude",
            "target",
            "--artifact",
            "target/release/hello",
            "--include-artifacts",
            "--archive",
            "--",
            "cargo",
            "build",
            "--release",
            "--locked",
        ],
    )?;
    let bundle = bundles.join("hello-0.1.0");
    eprintln!("\n== the bundle");
    list(&bundle, &bundle)?;
    step("the manifest", &["manifest", "show", &s(&bundle.join("manifest.json"))])?;

    let public = std::fs::read_to_string(keys.join("demo-release.pub"))?;
    let line = public.lines().nth(1).context("malformed demo public key")?;
    let policy = out.join("trust.toml");
    std::fs::write(
        &policy,
        format!("[keys.demo-release]\npublic = \"{line}\"\nroles = [\"release\"]\n\n[roles.release]\nthreshold = 1\n"),
    )?;
    let verified = step(
        "a reviewer verifies the bundle, the reviewed source and the deployed binary",
        &[
            "verify",
            &s(&bundles.join("hello-0.1.0.tar")),
            "--trust",
            &s(&policy),
            "--source",
            &s(&copy),
            "--artifact",
            &s(&src.join("target/release/hello")),
        ],
    )?;
    let rebuilt = step(
        "a reviewer rebuilds from the reviewed copy, in another directory",
        &["rebuild", &s(&bundle), "--source", &s(&copy), "--trust", &s(&policy)],
    )?;
    if verified != Status::Held || rebuilt != Status::Held {
        bail!("the demo's verification or rebuild did not hold (see above)");
    }
    let site = out.join("site");
    step(
        "the review site, for reviewers to browse from file://",
        &[
            "site",
            "build",
            &s(&bundles),
            "-o",
            &s(&site),
            "--trust",
            &s(&policy),
            "--source",
            &format!("hello@0.1.0={}", s(&copy)),
        ],
    )?;
    eprintln!("\nvouch demo: done; everything is under {}", out.display());
    eprintln!("open the review site:");
    println!("{}", site.join("index.html").display());
    Ok(Status::Held)
}

fn list(root: &Path, dir: &Path) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<std::io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let rel = p.strip_prefix(root).unwrap_or(&p).display().to_string();
        if e.file_type()?.is_dir() {
            println!("  {rel}/");
            list(root, &p)?;
        } else {
            println!("  {rel}  ({} bytes)", e.metadata()?.len());
        }
    }
    Ok(())
}
