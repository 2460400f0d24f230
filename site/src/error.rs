//! The one error type of a site build. Every variant names the file,
//! bundle or template it is about; the cause is kept as `#[source]`.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("cannot read bundles directory {path}")]
    BundlesDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("bundle {bundle}: {detail}")]
    Bundle { bundle: PathBuf, detail: String },
    #[error("bundle {bundle}: bad manifest")]
    Manifest {
        bundle: PathBuf,
        #[source]
        source: vouch_manifests::model::manifest::ManifestError,
    },
    #[error("archive {archive}: {detail}")]
    Archive { archive: PathBuf, detail: String },
    #[error("archive {archive}: cannot read")]
    ArchiveIo {
        archive: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("two bundles are both {name}: {first} and {second}")]
    Duplicate { name: String, first: PathBuf, second: PathBuf },
    /// A reviewer's source directory (`NAME@VERSION=DIR`) that cannot be used.
    #[error("source {spec}: {detail}")]
    SourceSpec { spec: String, detail: String },
    #[error("source {spec}")]
    SourceSpecName {
        spec: String,
        #[source]
        source: vouch_manifests::model::name::NameError,
    },
    #[error("cannot read templates directory {path}")]
    TemplatesDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("template {name}: {detail}")]
    Template { name: String, detail: String },
    #[error("cannot render {page} with template {template}: {detail}")]
    Render { page: String, template: String, detail: String },
    #[error("refusing to replace {path}: {detail}")]
    Output { path: PathBuf, detail: String },
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Tera's message with every cause, on one line per cause.
pub(crate) fn tera_detail(err: &tera::Error) -> String {
    let mut out = err.to_string();
    let mut cause = std::error::Error::source(err);
    while let Some(c) = cause {
        out.push_str("\n  ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}
