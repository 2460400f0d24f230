//! The in-toto Statement v1 with a SLSA Provenance v1 predicate that
//! describes a release: subjects are the artifacts; the build definition
//! holds the command, the source identity and the locked dependencies; the
//! Merkle root and the manifest's digest ride along as annotations.
//!
//! The statement is plain data, one typed model for both sides: `vouch
//! release` builds it with [`statement`] and `vouch-signing` wraps its
//! canonical bytes in a DSSE envelope; `vouch verify` parses a verified
//! payload back into a [`Statement`]. Unknown fields are ignored when
//! parsing (in-toto lets producers add them), so no type here denies them.

use crate::model::digest::Digest;
use crate::model::manifest::Manifest;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The DSSE payload type of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// in-toto Statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// SLSA Provenance v1.
pub const PREDICATE_TYPE: &str = "https://slsa.dev/provenance/v1";
/// vouch's build type.
pub const BUILD_TYPE: &str = "https://vouch.invalid/build-types/command/v1";

/// An in-toto Statement v1 holding SLSA provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// [`STATEMENT_TYPE`].
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// One per artifact of the release.
    pub subject: Vec<Subject>,
    /// [`PREDICATE_TYPE`].
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    pub predicate: Predicate,
}

/// An artifact the statement is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// The artifact's path, relative to the source root.
    pub name: String,
    /// Its SHA-256 (`sha256`, bare hex).
    pub digest: DigestSet,
}

/// An in-toto digest set, holding the algorithms vouch writes; others are
/// ignored when read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestSet {
    /// SHA-256 as bare lowercase hex (an artifact; a dependency's checksum).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// A git commit id (the source).
    #[serde(rename = "gitCommit", default, skip_serializing_if = "Option::is_none")]
    pub git_commit: Option<String>,
}

/// The SLSA Provenance v1 predicate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Predicate {
    #[serde(rename = "buildDefinition")]
    pub build_definition: BuildDefinition,
    #[serde(rename = "runDetails")]
    pub run_details: RunDetails,
}

/// What was built, and from what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildDefinition {
    /// [`BUILD_TYPE`].
    #[serde(rename = "buildType")]
    pub build_type: String,
    #[serde(rename = "externalParameters")]
    pub external_parameters: ExternalParameters,
    #[serde(rename = "internalParameters")]
    pub internal_parameters: InternalParameters,
    /// The source first (the same value as
    /// [`ExternalParameters::source`]), then one per locked dependency.
    #[serde(rename = "resolvedDependencies")]
    pub resolved_dependencies: Vec<ResolvedDependency>,
}

/// The parameters a rebuilder controls: the project, the command and the
/// source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalParameters {
    pub project: ProjectRef,
    /// The build's argument vector; empty when nothing was built.
    pub command: Vec<String>,
    /// Relative to the source root.
    pub workdir: String,
    /// The source: its URI, git commit and the vouch annotations.
    pub source: ResolvedDependency,
}

/// A project name and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectRef {
    pub name: String,
    pub version: String,
}

/// The build environment as the manifest records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InternalParameters {
    /// The allow-listed build variables.
    pub env: BTreeMap<String, String>,
    /// Tool name → version line.
    pub toolchain: BTreeMap<String, String>,
    /// The host triple; written as `null` when the manifest has none.
    pub host: Option<String>,
    /// Whether the artifacts were recorded without a build.
    pub no_build: bool,
}

/// A resource the build used: the source, or a locked dependency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedDependency {
    /// A dependency's crate name; the source has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `git+<remote>` or `vouch:source/<name>-<version>` for the source,
    /// `pkg:cargo/<name>@<version>` for a dependency.
    pub uri: String,
    /// The source's git commit; a dependency's checksum. Absent when
    /// unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<DigestSet>,
    /// The source's vouch annotations; dependencies have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<SourceAnnotations>,
}

/// What ties the provenance to one manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceAnnotations {
    /// The manifest's `source.merkle_root` (`sha256:<hex>`).
    #[serde(rename = "vouch.merkle_root")]
    pub merkle_root: String,
    /// The digest of the manifest's canonical bytes (`sha256:<hex>`).
    #[serde(rename = "vouch.manifest_digest")]
    pub manifest_digest: String,
    /// The manifest's `source.count`.
    #[serde(rename = "vouch.file_count")]
    pub file_count: u64,
}

/// Who built it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunDetails {
    pub builder: Builder,
    pub metadata: BuildMetadata,
}

/// The builder: the release key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Builder {
    /// `urn:vouch:release-key:<KEYID>`.
    pub id: String,
}

/// About this one build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildMetadata {
    /// `<name>-<version>@<manifest digest>`.
    #[serde(rename = "invocationId")]
    pub invocation_id: String,
}

/// Builds the statement for `manifest` (whose canonical bytes hash to
/// `manifest_digest`), naming the builder `builder_id`.
pub fn statement(manifest: &Manifest, manifest_digest: &Digest, builder_id: &str) -> Statement {
    let subject = manifest
        .artifacts
        .iter()
        .flatten()
        .map(|a| Subject {
            name: a.path.as_str().to_string(),
            digest: DigestSet { sha256: Some(a.digest.hex()), git_commit: None },
        })
        .collect();
    let build = manifest.build.clone().unwrap_or_default();
    let vcs = manifest.source.vcs.as_ref();
    let source = ResolvedDependency {
        name: None,
        uri: match vcs.and_then(|v| v.remote.as_ref()) {
            Some(r) => format!("git+{r}"),
            None => format!("vouch:source/{}", manifest.bundle_name()),
        },
        digest: vcs.map(|v| DigestSet { sha256: None, git_commit: Some(v.commit.clone()) }),
        annotations: Some(SourceAnnotations {
            merkle_root: manifest.source.merkle_root.to_string(),
            manifest_digest: manifest_digest.to_string(),
            file_count: manifest.source.count,
        }),
    };
    let mut resolved_dependencies = vec![source.clone()];
    resolved_dependencies.extend(build.dependencies.iter().map(|d| ResolvedDependency {
        name: Some(d.name.clone()),
        uri: format!("pkg:cargo/{}@{}", d.name, d.version),
        digest: d.checksum.as_ref().map(|c| DigestSet { sha256: Some(c.clone()), git_commit: None }),
        annotations: None,
    }));
    Statement {
        statement_type: STATEMENT_TYPE.to_string(),
        subject,
        predicate_type: PREDICATE_TYPE.to_string(),
        predicate: Predicate {
            build_definition: BuildDefinition {
                build_type: BUILD_TYPE.to_string(),
                external_parameters: ExternalParameters {
                    project: ProjectRef {
                        name: manifest.project.name.to_string(),
                        version: manifest.project.version.to_string(),
                    },
                    command: build.command,
                    workdir: build.workdir,
                    source,
                },
                internal_parameters: InternalParameters {
                    env: build.env,
                    toolchain: build.toolchain,
                    host: build.host,
                    no_build: build.no_build,
                },
                resolved_dependencies,
            },
            run_details: RunDetails {
                builder: Builder { id: builder_id.to_string() },
                metadata: BuildMetadata { invocation_id: format!("{}@{}", manifest.bundle_name(), manifest_digest) },
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::canonical;
    use std::path::Path;

    /// A manifest with two artifacts, a git remote and three locked
    /// dependencies (one without a checksum), or with none of these.
    fn manifest(full: bool) -> Manifest {
        let root = crate::model::merkle::root(&[]);
        let json = if full {
            format!(
                r#"{{"schema":"vouch.manifest/v1","project":{{"name":"hello","version":"1.2.3"}},"created":"2026-01-01T00:00:00Z",
                "source":{{"vcs":{{"type":"git","commit":"{c}","tree":"{t}","tag":"v1.2.3","remote":"https://example.invalid/hello.git","dirty":false}},
                  "merkle_root":"{root}","count":0,"files":[]}},
                "build":{{"command":["cargo","build","--release","--features=a \"b\" é"],"workdir":".",
                  "env":{{"SOURCE_DATE_EPOCH":"1700000000","LANG":"C.UTF-8"}},
                  "toolchain":{{"rustc":"rustc 1.95.0","cargo":"cargo 1.95.0"}},"host":"x86_64-unknown-linux-gnu",
                  "dependencies":[
                    {{"name":"anyhow","version":"1.0.0","source":"registry+https://github.com/rust-lang/crates.io-index","checksum":"{k1}"}},
                    {{"name":"local","version":"0.1.0"}},
                    {{"name":"serde","version":"1.0.200","source":"registry+https://github.com/rust-lang/crates.io-index","checksum":"{k2}"}}]}},
                "artifacts":[{{"path":"target/release/hello","size":5,"digest":"{d1}"}},{{"path":"target/release/hello.d","size":3,"digest":"{d2}"}}]}}"#,
                c = "a".repeat(40),
                t = "b".repeat(40),
                k1 = "1".repeat(64),
                k2 = "2".repeat(64),
                d1 = Digest::of(b"hello"),
                d2 = Digest::of(b"dep"),
            )
        } else {
            format!(
                r#"{{"schema":"vouch.manifest/v1","project":{{"name":"bare","version":"0.0.1"}},
                "source":{{"merkle_root":"{root}","count":0,"files":[]}}}}"#
            )
        };
        Manifest::from_slice(json.as_bytes(), Path::new("m.json")).expect("the test manifest parses")
    }

    /// The statements' canonical bytes, pinned: the typed model replaced a
    /// `json!` construction and was checked byte for byte against it on
    /// these two manifests; any change here changes what releases sign.
    const GOLDEN_FULL: &str = r#"{"_type":"https://in-toto.io/Statement/v1","predicate":{"buildDefinition":{"buildType":"https://vouch.invalid/build-types/command/v1","externalParameters":{"command":["cargo","build","--release","--features=a \"b\" é"],"project":{"name":"hello","version":"1.2.3"},"source":{"annotations":{"vouch.file_count":0,"vouch.manifest_digest":"sha256:05b3abf2579a5eb66403cd78be557fd860633a1fe2103c7642030defe32c657f","vouch.merkle_root":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},"digest":{"gitCommit":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},"uri":"git+https://example.invalid/hello.git"},"workdir":"."},"internalParameters":{"env":{"LANG":"C.UTF-8","SOURCE_DATE_EPOCH":"1700000000"},"host":"x86_64-unknown-linux-gnu","no_build":false,"toolchain":{"cargo":"cargo 1.95.0","rustc":"rustc 1.95.0"}},"resolvedDependencies":[{"annotations":{"vouch.file_count":0,"vouch.manifest_digest":"sha256:05b3abf2579a5eb66403cd78be557fd860633a1fe2103c7642030defe32c657f","vouch.merkle_root":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},"digest":{"gitCommit":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},"uri":"git+https://example.invalid/hello.git"},{"digest":{"sha256":"1111111111111111111111111111111111111111111111111111111111111111"},"name":"anyhow","uri":"pkg:cargo/anyhow@1.0.0"},{"name":"local","uri":"pkg:cargo/local@0.1.0"},{"digest":{"sha256":"2222222222222222222222222222222222222222222222222222222222222222"},"name":"serde","uri":"pkg:cargo/serde@1.0.200"}]},"runDetails":{"builder":{"id":"urn:vouch:release-key:0123456789ABCDEF"},"metadata":{"invocationId":"hello-1.2.3@sha256:05b3abf2579a5eb66403cd78be557fd860633a1fe2103c7642030defe32c657f"}}},"predicateType":"https://slsa.dev/provenance/v1","subject":[{"digest":{"sha256":"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"},"name":"target/release/hello"},{"digest":{"sha256":"8ce3e71ef8635d2bf27913bb680d7f88ad0238ea42c779c4b30f4e587d07da8e"},"name":"target/release/hello.d"}]}"#;
    const GOLDEN_BARE: &str = r#"{"_type":"https://in-toto.io/Statement/v1","predicate":{"buildDefinition":{"buildType":"https://vouch.invalid/build-types/command/v1","externalParameters":{"command":[],"project":{"name":"bare","version":"0.0.1"},"source":{"annotations":{"vouch.file_count":0,"vouch.manifest_digest":"sha256:05b3abf2579a5eb66403cd78be557fd860633a1fe2103c7642030defe32c657f","vouch.merkle_root":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},"uri":"vouch:source/bare-0.0.1"},"workdir":""},"internalParameters":{"env":{},"host":null,"no_build":false,"toolchain":{}},"resolvedDependencies":[{"annotations":{"vouch.file_count":0,"vouch.manifest_digest":"sha256:05b3abf2579a5eb66403cd78be557fd860633a1fe2103c7642030defe32c657f","vouch.merkle_root":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},"uri":"vouch:source/bare-0.0.1"}]},"runDetails":{"builder":{"id":"urn:vouch:release-key:0123456789ABCDEF"},"metadata":{"invocationId":"bare-0.0.1@sha256:05b3abf2579a5eb66403cd78be557fd860633a1fe2103c7642030defe32c657f"}}},"predicateType":"https://slsa.dev/provenance/v1","subject":[]}"#;

    #[test]
    fn the_statements_canonical_bytes_are_pinned() {
        let digest = Digest::of(b"manifest");
        for (full, golden) in [(true, GOLDEN_FULL), (false, GOLDEN_BARE)] {
            let st = statement(&manifest(full), &digest, "urn:vouch:release-key:0123456789ABCDEF");
            assert_eq!(String::from_utf8(canonical::to_vec(&st).unwrap()).unwrap(), golden);
        }
    }

    #[test]
    fn the_verifier_reads_back_what_the_writer_wrote() {
        let digest = Digest::of(b"manifest");
        for full in [true, false] {
            let st = statement(&manifest(full), &digest, "urn:vouch:release-key:0123456789ABCDEF");
            let back: Statement = serde_json::from_slice(&canonical::to_vec(&st).unwrap()).unwrap();
            assert_eq!(back, st);
        }
    }
}
