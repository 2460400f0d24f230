//! The reviewer's two workflows over [`crate::review`]: sign a review of
//! files of a release ([`ReviewDraft::prepare`], then [`ReviewDraft::sign`]
//! once the reviewer's key is at hand), and the coverage of a release by a
//! folder of reviews under a policy ([`status`]).

use crate::keys::SecretKey;
use crate::policy::{Policy, PolicyError};
use crate::review::{self, Coverage, FileStatus, NotCounted, Note, RequirementResult, Selection, SignRequest, Verdict};
use crate::review_cache::{CacheChoice, CacheError};
use std::path::PathBuf;
use vouch_manifests::Digest;
use vouch_manifests::tree::bundle::{BundleError, OpenBundle};

/// Which files of the release a review names.
#[derive(Debug, Clone)]
pub enum Files {
    /// Every file of the release.
    All,
    /// Files matching any of these globs (`*` stays within a folder).
    Globs(Vec<String>),
    /// The paths listed in this file, one per line.
    PathsFrom(PathBuf),
    /// Files added or changed since this older bundle of the same project.
    ChangedSince(PathBuf),
}

/// What a review says.
#[derive(Debug, Clone)]
pub struct ReviewSignOptions {
    /// The release bundle (directory or `.tar`) whose files were read.
    pub bundle: PathBuf,
    pub files: Files,
    /// What the review vouches for, e.g. `safe-to-deploy`.
    pub criteria: String,
    pub verdict: Verdict,
    /// Notes, one per line `PATH[:LINE]: TEXT`.
    pub notes: Option<PathBuf>,
    /// Who reviewed (default: `key <KEYID>`).
    pub reviewer: Option<String>,
    /// The folder the review is written into.
    pub out: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewWorkflowError {
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The older bundle of a delta review is another project.
    #[error("{} is project {old_name:?}, not {name:?}", .old.display())]
    OtherProject { old: PathBuf, old_name: String, name: String },
    #[error("cannot read {}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read notes {}", .path.display())]
    ReadNotes {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot create {}", .path.display())]
    Mkdir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Review(#[from] Box<review::ReviewError>),
    /// The reviews folder cannot be read.
    #[error(transparent)]
    Reviews(Box<review::ReviewError>),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error(transparent)]
    Write(#[from] vouch_manifests::tree::fsutil::WriteError),
}

impl From<review::ReviewError> for ReviewWorkflowError {
    fn from(e: review::ReviewError) -> Self {
        ReviewWorkflowError::Review(Box::new(e))
    }
}

/// A review ready to be signed: the release, the subjects and the notes.
pub struct ReviewDraft {
    opts: ReviewSignOptions,
    bundle: OpenBundle,
    old: Option<OpenBundle>,
    paths: Option<Vec<String>>,
    notes: Vec<Note>,
}

/// A review written.
#[derive(Debug, Clone)]
pub struct WrittenReview {
    pub path: PathBuf,
    /// How many files it names.
    pub subjects: usize,
    pub criteria: String,
    pub verdict: Verdict,
}

impl ReviewDraft {
    /// Opens the release (and the older one), selects the files, and reads
    /// the notes: everything that can fail before the key is needed.
    pub fn prepare(opts: ReviewSignOptions) -> Result<ReviewDraft, ReviewWorkflowError> {
        let bundle = OpenBundle::open(&opts.bundle)?;
        let old = match &opts.files {
            Files::ChangedSince(p) => Some(OpenBundle::open(p)?),
            _ => None,
        };
        if let Some(o) = &old
            && o.manifest.project.name != bundle.manifest.project.name
        {
            return Err(ReviewWorkflowError::OtherProject {
                old: o.origin.clone(),
                old_name: o.manifest.project.name.to_string(),
                name: bundle.manifest.project.name.to_string(),
            });
        }
        let paths = match &opts.files {
            Files::PathsFrom(f) => {
                let text = std::fs::read_to_string(f)
                    .map_err(|source| ReviewWorkflowError::Read { path: f.clone(), source })?;
                Some(text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect())
            }
            _ => None,
        };
        let mut draft = ReviewDraft { opts, bundle, old, paths, notes: Vec::new() };
        let subjects = review::select(&draft.bundle.manifest, &draft.selection())?;
        if let Some(f) = &draft.opts.notes {
            let text = std::fs::read_to_string(f)
                .map_err(|source| ReviewWorkflowError::ReadNotes { path: f.clone(), source })?;
            draft.notes = review::parse_notes(&text, &f.display().to_string(), &subjects)?;
        }
        Ok(draft)
    }

    fn selection(&self) -> Selection<'_> {
        match (&self.opts.files, &self.old, &self.paths) {
            (Files::Globs(g), _, _) => Selection::Globs(g.clone()),
            (Files::PathsFrom(_), _, Some(p)) => Selection::Paths(p.clone()),
            (Files::ChangedSince(_), Some(o), _) => Selection::ChangedSince(&o.manifest),
            _ => Selection::All,
        }
    }

    /// Signs the review at `time` (unix seconds) and writes it into the
    /// output folder.
    pub fn sign(self, key: &SecretKey, time: i64) -> Result<WrittenReview, ReviewWorkflowError> {
        let req = SignRequest {
            manifest: &self.bundle.manifest,
            manifest_digest: self.bundle.manifest_digest,
            selection: self.selection(),
            criteria: self.opts.criteria.clone(),
            verdict: self.opts.verdict,
            reviewer: self.opts.reviewer.clone().unwrap_or_else(|| format!("key {}", key.key_id().hex())),
            notes: self.notes.clone(),
            time,
        };
        let signed = review::sign(&req, key)?;
        let out = &self.opts.out;
        std::fs::create_dir_all(out).map_err(|source| ReviewWorkflowError::Mkdir { path: out.clone(), source })?;
        let path = out.join(&signed.file_name);
        vouch_manifests::tree::fsutil::write_atomic(&path, &signed.bytes, None)?;
        Ok(WrittenReview { path, subjects: signed.subjects, criteria: self.opts.criteria, verdict: self.opts.verdict })
    }
}

/// Whose coverage to report.
#[derive(Debug, Clone)]
pub struct StatusOptions {
    pub bundle: PathBuf,
    /// The reviewers' folder of `*.review.dsse.json` files.
    pub reviews: PathBuf,
    /// The trust policy: which reviewer keys count, and its `[review]`.
    pub policy: PathBuf,
    /// The release reviewed before: files changed since it come first.
    pub previous: Option<PathBuf>,
    pub cache: CacheChoice,
}

/// A review file that does not count, and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NotCountedView {
    pub file: String,
    pub reason: String,
    #[serde(flatten)]
    pub detail: NotCounted,
}

/// The coverage of a release (its JSON form is `vouch review status
/// --format json`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct StatusReport {
    pub project: String,
    pub version: String,
    pub manifest_sha256: Digest,
    /// Coverage per criteria found in the counted reviews.
    pub criteria: Vec<Coverage>,
    pub requirement: Option<RequirementResult>,
    /// Files left to review under the requirement's criteria (or all
    /// criteria), changed since the previous release first.
    pub left: Vec<String>,
    pub changed_since_previous: Vec<String>,
    pub flagged: Vec<FileStatus>,
    pub counted: Vec<review::Counted>,
    pub not_counted: Vec<NotCountedView>,
    /// Whether the policy's `[review]` holds (true without one).
    #[serde(skip)]
    pub held: bool,
}

/// The coverage of a release by the reviews in a folder, under a policy.
pub fn status(opts: &StatusOptions) -> Result<StatusReport, ReviewWorkflowError> {
    let policy = Policy::read_usable(&opts.policy)?;
    let set = review::ReviewSet::read(&opts.reviews, policy.clone(), opts.cache.open()?)
        .map_err(|e| ReviewWorkflowError::Reviews(Box::new(e)))?;
    // The review files are hashed (or verified) while the bundles are read.
    let (b, prev) = std::thread::scope(|s| {
        s.spawn(|| set.prepare());
        let b = OpenBundle::open(&opts.bundle)?;
        let prev = opts.previous.as_deref().map(OpenBundle::open).transpose()?;
        Ok::<_, ReviewWorkflowError>((b, prev))
    })?;
    let reviews = set.check(&b.manifest, b.manifest_digest);
    let mut names: Vec<String> = reviews.counted.iter().map(|r| r.criteria.clone()).collect();
    names.sort();
    names.dedup();
    let per: Vec<Coverage> =
        names.iter().map(|c| review::coverage(&b.manifest, &reviews, std::slice::from_ref(c), 1).0).collect();
    let requirement = policy.review.as_ref().map(|r| review::evaluate(&b.manifest, &reviews, r));
    // Without a [review] table: every criteria found, one reviewer each.
    let (req_cov, files) = match &requirement {
        Some((r, files)) => (r.coverage.clone(), files.clone()),
        None => review::coverage(&b.manifest, &reviews, &names, 1),
    };
    let changed = changed_since(&b, prev.as_ref());
    let mut left: Vec<String> = req_cov.left.iter().filter(|p| changed.contains(p)).cloned().collect();
    left.extend(req_cov.left.iter().filter(|p| !changed.contains(p)).cloned());
    let flagged: Vec<FileStatus> = files.iter().filter(|f| !f.flagged_by.is_empty()).cloned().collect();
    let held = requirement.as_ref().is_none_or(|(r, _)| r.held);
    Ok(StatusReport {
        project: b.manifest.project.name.to_string(),
        version: b.manifest.project.version.to_string(),
        manifest_sha256: b.manifest_digest,
        criteria: per,
        requirement: requirement.map(|(r, _)| r),
        left,
        changed_since_previous: changed,
        flagged,
        not_counted: reviews
            .not_counted
            .into_iter()
            .map(|(file, w)| NotCountedView { file, reason: w.to_string(), detail: w })
            .collect(),
        counted: reviews.counted,
        held,
    })
}

/// The files of `b` added or changed since `prev`.
fn changed_since(b: &OpenBundle, prev: Option<&OpenBundle>) -> Vec<String> {
    match prev {
        Some(p) => review::select(&b.manifest, &Selection::ChangedSince(&p.manifest))
            .map(|v| v.into_iter().map(|(p, _)| p).collect())
            .unwrap_or_default(),
        None => Vec::new(),
    }
}
