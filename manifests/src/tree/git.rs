//! Git identity and the list of tracked paths, through git2 (no network).

use std::path::{Path, PathBuf};

/// A tracked path and its mode in git.
#[derive(Debug, Clone)]
pub struct Tracked {
    /// Path bytes as git stores them.
    pub path: Vec<u8>,
    /// `Some(commit hex)` for a submodule (gitlink).
    pub submodule: Option<String>,
}

/// What git says about a checkout.
#[derive(Debug, Clone)]
pub struct Checkout {
    pub workdir: PathBuf,
    pub commit: String,
    pub tree: String,
    pub tag: Option<String>,
    pub remote: Option<String>,
    /// Commit time, seconds since the epoch.
    pub commit_time: i64,
    /// Tracked paths that differ from HEAD (modified, deleted, staged, type
    /// changed), sorted.
    pub dirty_paths: Vec<String>,
    /// Paths tracked at HEAD.
    pub head_paths: Vec<Tracked>,
}

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot read the git repository at {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: git2::Error,
    },
    #[error("the git repository at {path} has no commit yet")]
    NoHead { path: PathBuf },
    #[error("cannot read git data in {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: git2::Error,
    },
    #[error("{path} is a bare git repository: it has no work tree to hash")]
    Bare { path: PathBuf },
}

/// Opens `dir` as the root of a git work tree. Returns `None` when `dir` is
/// not inside a git work tree at all; a `dir` below the work tree's root is
/// not a checkout root and also gives `None`.
pub fn open(dir: &Path) -> Result<Option<git2::Repository>, GitError> {
    let repo = match git2::Repository::open(dir) {
        Ok(r) => r,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
        Err(source) => return Err(GitError::Open { path: dir.to_path_buf(), source }),
    };
    if repo.is_bare() {
        return Err(GitError::Bare { path: dir.to_path_buf() });
    }
    Ok(Some(repo))
}

/// Strips credentials (`user:password@`, `token@`) from a URL's authority.
/// scp-like `git@host:path` addresses carry no secret and are kept.
pub fn strip_credentials(url: &str) -> String {
    if let Some(scheme_end) = url.find("://") {
        let rest = &url[scheme_end + 3..];
        let auth_end = rest.find('/').unwrap_or(rest.len());
        if let Some(at) = rest[..auth_end].rfind('@') {
            return format!("{}{}", &url[..scheme_end + 3], &rest[at + 1..]);
        }
    }
    url.to_string()
}

/// Reads HEAD, tags, remote, dirty state and tracked paths.
pub fn describe(repo: &git2::Repository) -> Result<Checkout, GitError> {
    let workdir = repo.workdir().map(Path::to_path_buf).unwrap_or_default();
    let rd = |source| GitError::Read { path: workdir.clone(), source };
    let head = match repo.head() {
        Ok(h) => h,
        Err(e) if matches!(e.code(), git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound) => {
            return Err(GitError::NoHead { path: workdir });
        }
        Err(e) => return Err(rd(e)),
    };
    let commit = head.peel_to_commit().map_err(rd)?;
    let tree = commit.tree().map_err(rd)?;

    // Tags pointing at HEAD (lightweight or annotated), first by name.
    let mut tags = Vec::new();
    repo.tag_foreach(|oid, name| {
        let peeled = repo.find_object(oid, None).and_then(|o| o.peel(git2::ObjectType::Commit)).map(|o| o.id());
        if peeled.ok() == Some(commit.id())
            && let Ok(n) = std::str::from_utf8(name)
        {
            tags.push(n.trim_start_matches("refs/tags/").to_string());
        }
        true
    })
    .map_err(rd)?;
    tags.sort();

    let remote = repo.find_remote("origin").ok().and_then(|r| r.url().ok().map(strip_credentials));

    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(false).include_ignored(false).include_unmodified(false).exclude_submodules(false);
    let statuses = repo.statuses(Some(&mut opts)).map_err(rd)?;
    let mut dirty_paths: Vec<String> = statuses
        .iter()
        .filter(|s| s.status() != git2::Status::CURRENT && !s.status().is_ignored() && !s.status().is_wt_new())
        .map(|s| String::from_utf8_lossy(s.path_bytes()).into_owned())
        .collect();
    dirty_paths.sort();

    let mut head_paths = Vec::new();
    walk_tree(repo, &tree, &mut Vec::new(), &mut head_paths).map_err(rd)?;

    Ok(Checkout {
        workdir,
        commit: commit.id().to_string(),
        tree: tree.id().to_string(),
        tag: tags.into_iter().next(),
        remote,
        commit_time: commit.time().seconds(),
        dirty_paths,
        head_paths,
    })
}

fn walk_tree(
    repo: &git2::Repository,
    tree: &git2::Tree<'_>,
    prefix: &mut Vec<u8>,
    out: &mut Vec<Tracked>,
) -> Result<(), git2::Error> {
    for e in tree.iter() {
        let len = prefix.len();
        if !prefix.is_empty() {
            prefix.push(b'/');
        }
        prefix.extend_from_slice(e.name_bytes());
        match e.kind() {
            Some(git2::ObjectType::Tree) => {
                let sub = repo.find_tree(e.id())?;
                walk_tree(repo, &sub, prefix, out)?;
            }
            Some(git2::ObjectType::Commit) => {
                out.push(Tracked { path: prefix.clone(), submodule: Some(e.id().to_string()) })
            }
            _ => out.push(Tracked { path: prefix.clone(), submodule: None }),
        }
        prefix.truncate(len);
    }
    Ok(())
}

/// Paths in the index (tracked now, including staged additions), with
/// gitlinks as submodules.
pub fn index_paths(repo: &git2::Repository) -> Result<Vec<Tracked>, GitError> {
    let workdir = repo.workdir().map(Path::to_path_buf).unwrap_or_default();
    let index = repo.index().map_err(|source| GitError::Read { path: workdir, source })?;
    Ok(index
        .iter()
        .map(|e| Tracked { path: e.path.clone(), submodule: (e.mode == 0o160000).then(|| e.id.to_string()) })
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn strips() {
        use super::strip_credentials as s;
        assert_eq!(s("https://user:pw@example.org/a/b.git"), "https://example.org/a/b.git");
        assert_eq!(s("https://ghp_token@example.org/a"), "https://example.org/a");
        assert_eq!(s("https://example.org/a@b"), "https://example.org/a@b");
        assert_eq!(s("git@example.org:a/b.git"), "git@example.org:a/b.git");
        assert_eq!(s("ssh://git@example.org/a"), "ssh://example.org/a");
    }
}
