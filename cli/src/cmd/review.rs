//! `vouch review sign|status`: the reviewers' own signed evidence, per file.

use crate::cmd::password::PasswordArgs;
use crate::exit::{Status, hint};
use crate::output::{Format, print_json, print_text};
use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use std::fmt::Write as _;
use std::path::PathBuf;
use vouch_manifests::bundle::OpenBundle;
use vouch_signing::policy::Policy;
use vouch_signing::review::{self, Selection, SignRequest, Verdict};

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Sign a review of files of a release, as a reviewer.
    ///
    /// Writes DIR/<name>-<version>.<KEYID>.<12 hex>.review.dsse.json: an
    /// in-toto Statement in a DSSE envelope whose subjects are the chosen
    /// files with the digests the signed manifest records (never read from
    /// the disk). A review carries forward to later releases for every file
    /// whose bytes did not change.
    Sign(SignArgs),
    /// Coverage of a release by the reviews in a folder, under a policy.
    ///
    /// Per criteria: files and bytes covered, per top-level folder, the files
    /// left to review (with --previous, those changed since it first), the
    /// flagged files with their notes, and which review files counted and
    /// why others did not. Exit 0 when the policy's [review] holds, 1 when it
    /// does not, 2 when it cannot be checked.
    Status(StatusArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerdictArg {
    Pass,
    Concerns,
    Fail,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["all", "path", "paths_from", "changed_since"])))]
pub struct SignArgs {
    /// The release bundle (directory or .tar) whose files were read.
    pub bundle: PathBuf,
    /// The reviewer's minisign secret key.
    #[arg(long, value_name = "SECRET")]
    pub key: PathBuf,
    /// What the review vouches for, e.g. safe-to-deploy.
    #[arg(long, value_name = "NAME")]
    pub criteria: String,
    #[arg(long, value_enum)]
    pub verdict: VerdictArg,
    /// Every file of the release.
    #[arg(long)]
    pub all: bool,
    /// Files matching this glob (repeatable; `*` stays within a folder).
    #[arg(long, value_name = "GLOB")]
    pub path: Vec<String>,
    /// Files listed in FILE, one path per line.
    #[arg(long, value_name = "FILE")]
    pub paths_from: Option<PathBuf>,
    /// Files added or changed since this older bundle of the same project.
    #[arg(long, value_name = "OLD_BUNDLE")]
    pub changed_since: Option<PathBuf>,
    /// Notes, one per line `PATH[:LINE]: TEXT`.
    #[arg(long, value_name = "FILE")]
    pub notes: Option<PathBuf>,
    /// Who reviewed (free text; default: the key's policy-independent id).
    #[arg(long, value_name = "TEXT")]
    pub reviewer: Option<String>,
    /// Where to write the review (default: the current directory).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// The signing time, unix seconds or RFC 3339 (tests only; default: now).
    #[arg(long, hide = true)]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    pub bundle: PathBuf,
    /// The reviewers' folder of *.review.dsse.json files.
    #[arg(long, value_name = "DIR")]
    pub reviews: PathBuf,
    /// The trust policy: which reviewer keys count, and its [review] requirement.
    #[arg(long, value_name = "POLICY")]
    pub trust: PathBuf,
    /// The release reviewed before: files changed since it come first.
    #[arg(long, value_name = "OLD_BUNDLE")]
    pub previous: Option<PathBuf>,
    #[command(flatten)]
    pub cache: CacheArgs,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Where results of verified reviews are kept between runs.
#[derive(Debug, Clone, Default, Args)]
pub struct CacheArgs {
    /// The verified-review cache folder (default: $XDG_CACHE_HOME/vouch/reviews,
    /// else ~/.cache/vouch/reviews). An entry is used only for the exact bytes
    /// of a review file and the key that verified it; the policy is applied
    /// again on every run.
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache: Option<PathBuf>,
    /// Verify every review envelope, using and writing no cache.
    #[arg(long)]
    pub no_cache: bool,
}

impl CacheArgs {
    /// The cache to use: `--cache DIR` (an error when it cannot be used),
    /// else the default folder when it can be used, else none.
    pub fn open(&self) -> Result<Option<review::Cache>> {
        if self.no_cache {
            return Ok(None);
        }
        match &self.cache {
            Some(dir) => Ok(Some(review::Cache::open(dir)?)),
            None => Ok(review::Cache::default_dir().and_then(|d| review::Cache::open(&d).ok())),
        }
    }
}

pub fn run(c: ReviewCommand) -> Result<Status> {
    match c {
        ReviewCommand::Sign(a) => sign(a),
        ReviewCommand::Status(a) => status(a),
    }
}

fn sign(a: SignArgs) -> Result<Status> {
    let b = OpenBundle::open(&a.bundle)?;
    let old = a.changed_since.as_deref().map(OpenBundle::open).transpose()?;
    if let Some(o) = &old
        && o.manifest.project.name != b.manifest.project.name
    {
        anyhow::bail!(
            "--changed-since {} is project {:?}, not {:?}",
            o.origin.display(),
            o.manifest.project.name,
            b.manifest.project.name
        );
    }
    let selection = if a.all {
        Selection::All
    } else if !a.path.is_empty() {
        Selection::Globs(a.path.clone())
    } else if let Some(f) = &a.paths_from {
        let text = std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        Selection::Paths(text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect())
    } else {
        Selection::ChangedSince(&old.as_ref().expect("clap requires one selection").manifest)
    };
    let subjects = review::select(&b.manifest, &selection)?;
    let notes = match &a.notes {
        Some(f) => {
            let text = std::fs::read_to_string(f).with_context(|| format!("cannot read notes {}", f.display()))?;
            review::parse_notes(&text, &f.display().to_string(), &subjects)?
        }
        None => Vec::new(),
    };
    let key = a.password.load_secret_key(&a.key)?;
    let time = match &a.now {
        Some(v) => super::sign::parse_now(v)?,
        None => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64,
    };
    let req = SignRequest {
        manifest: &b.manifest,
        manifest_digest: b.manifest_digest,
        selection,
        criteria: a.criteria.clone(),
        verdict: match a.verdict {
            VerdictArg::Pass => Verdict::Pass,
            VerdictArg::Concerns => Verdict::Concerns,
            VerdictArg::Fail => Verdict::Fail,
        },
        reviewer: a.reviewer.clone().unwrap_or_else(|| format!("key {}", key.key_id().hex())),
        notes,
        time,
    };
    let signed = review::sign(&req, &key)?;
    std::fs::create_dir_all(&a.out).with_context(|| format!("cannot create {}", a.out.display()))?;
    let path = a.out.join(&signed.file_name);
    vouch_manifests::fsutil::write_atomic(&path, &signed.bytes, None)?;
    print_text(&format!(
        "wrote {} ({} file{}, {}, {})\n",
        path.display(),
        signed.subjects,
        if signed.subjects == 1 { "" } else { "s" },
        a.criteria,
        req.verdict.as_str()
    ))?;
    Ok(Status::Held)
}

#[derive(serde::Serialize)]
struct StatusReport<'a> {
    project: &'a str,
    version: &'a str,
    manifest_sha256: vouch_manifests::Digest,
    /// Coverage per criteria found in the counted reviews.
    criteria: Vec<review::Coverage>,
    requirement: Option<review::RequirementResult>,
    /// Files left to review under the requirement's criteria (or all
    /// criteria), changed since --previous first.
    left: Vec<String>,
    changed_since_previous: Vec<String>,
    flagged: Vec<review::FileStatus>,
    counted: &'a [review::Counted],
    not_counted: Vec<NotCountedView<'a>>,
}

#[derive(serde::Serialize)]
struct NotCountedView<'a> {
    file: &'a str,
    reason: String,
    #[serde(flatten)]
    detail: &'a review::NotCounted,
}

fn status(a: StatusArgs) -> Result<Status> {
    let policy = Policy::read_usable(&a.trust)?;
    let set = review::ReviewSet::read(&a.reviews, policy.clone(), a.cache.open()?)
        .map_err(|e| hint(anyhow::Error::from(e), "--reviews names the folder holding *.review.dsse.json files"))?;
    // The review files are hashed (or verified) while the bundles are read.
    let (b, prev) = std::thread::scope(|s| {
        s.spawn(|| set.prepare());
        let b = OpenBundle::open(&a.bundle)?;
        let prev = a.previous.as_deref().map(OpenBundle::open).transpose()?;
        anyhow::Ok((b, prev))
    })?;
    let reviews = set.check(&b.manifest, b.manifest_digest);
    let mut names: Vec<String> = reviews.counted.iter().map(|r| r.criteria.clone()).collect();
    names.sort();
    names.dedup();
    let per: Vec<review::Coverage> =
        names.iter().map(|c| review::coverage(&b.manifest, &reviews, std::slice::from_ref(c), 1).0).collect();
    let requirement = policy.review.as_ref().map(|r| review::evaluate(&b.manifest, &reviews, r));
    // Without a [review] table: every criteria found, one reviewer each.
    let (req_cov, files) = match &requirement {
        Some((r, files)) => (r.coverage.clone(), files.clone()),
        None => review::coverage(&b.manifest, &reviews, &names, 1),
    };
    let changed: Vec<String> = match &prev {
        Some(p) => review::select(&b.manifest, &Selection::ChangedSince(&p.manifest))
            .map(|v| v.into_iter().map(|(p, _)| p).collect())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let mut left: Vec<String> = req_cov.left.iter().filter(|p| changed.contains(p)).cloned().collect();
    left.extend(req_cov.left.iter().filter(|p| !changed.contains(p)).cloned());
    let flagged: Vec<review::FileStatus> = files.iter().filter(|f| !f.flagged_by.is_empty()).cloned().collect();
    let held = requirement.as_ref().is_none_or(|(r, _)| r.held);
    let report = StatusReport {
        project: &b.manifest.project.name,
        version: &b.manifest.project.version,
        manifest_sha256: b.manifest_digest,
        criteria: per,
        requirement: requirement.as_ref().map(|(r, _)| r.clone()),
        left,
        changed_since_previous: changed,
        flagged,
        counted: &reviews.counted,
        not_counted: reviews
            .not_counted
            .iter()
            .map(|(f, w)| NotCountedView { file: f, reason: w.to_string(), detail: w })
            .collect(),
    };
    if a.format == Format::Json {
        print_json(&report)?;
    } else {
        print_text(&render(&report, requirement.as_ref().map(|(r, _)| r)))?;
    }
    Ok(if held { Status::Held } else { Status::DoesNotHold })
}

fn render(r: &StatusReport<'_>, req: Option<&review::RequirementResult>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{} {} ({})", r.project, r.version, r.manifest_sha256);
    for c in &r.criteria {
        let _ = writeln!(
            s,
            "criteria {}: {:.1}% ({} of {} files, {} of {} bytes)",
            c.criteria.join(", "),
            c.percent(),
            c.covered_files,
            c.files,
            c.covered_bytes,
            c.bytes
        );
        for (folder, (n, cov)) in &c.by_folder {
            let _ = writeln!(s, "  {folder:<24} {cov:>6} of {n:<6} files");
        }
    }
    if r.criteria.is_empty() {
        let _ = writeln!(s, "no counted review");
    }
    if !r.left.is_empty() {
        let _ = writeln!(s, "left to review ({}):", r.left.len());
        for p in r.left.iter().take(200) {
            let mark = if r.changed_since_previous.contains(p) { " (changed)" } else { "" };
            let _ = writeln!(s, "  {p}{mark}");
        }
        if r.left.len() > 200 {
            let _ = writeln!(s, "  ... and {} more (--format json lists all)", r.left.len() - 200);
        }
    }
    for f in &r.flagged {
        let _ = writeln!(s, "flagged {} ({}) by {}", f.path, f.digest, f.flagged_by.join(", "));
        for n in &f.notes {
            match n.line {
                Some(l) => {
                    let _ = writeln!(s, "  {}:{l}: {}", n.path, n.text);
                }
                None => {
                    let _ = writeln!(s, "  {}: {}", n.path, n.text);
                }
            }
        }
    }
    for c in r.counted {
        let _ = writeln!(
            s,
            "counted {}: {} ({}), {} {} on {}, {} file(s)",
            c.file,
            c.key,
            c.reviewer,
            c.criteria,
            c.verdict.as_str(),
            c.release,
            c.subjects
        );
    }
    for n in &r.not_counted {
        let _ = writeln!(s, "not counted {}: {}", n.file, n.reason);
    }
    match req {
        Some(q) => {
            for w in &q.warnings {
                let _ = writeln!(s, "warning: {w}");
            }
            for f in &q.failures {
                let _ = writeln!(s, "FAIL: {f}");
            }
            let _ =
                writeln!(s, "{}", if q.held { "REVIEW REQUIREMENT HOLDS" } else { "REVIEW REQUIREMENT DOES NOT HOLD" });
        }
        None => {
            let _ = writeln!(s, "the policy has no [review] requirement");
        }
    }
    s
}
