//! The in-toto Statement v1 with a SLSA Provenance v1 predicate that
//! describes a release: subjects are the artifacts; the build definition
//! holds the command, the source identity and the locked dependencies; the
//! Merkle root and the manifest's digest ride along as annotations.
//!
//! The statement is plain data; `vouch-signing` wraps it in a DSSE envelope.

use crate::model::digest::Digest;
use crate::model::manifest::Manifest;
use serde_json::{Map, Value, json};

/// The DSSE payload type of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// in-toto Statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// SLSA Provenance v1.
pub const PREDICATE_TYPE: &str = "https://slsa.dev/provenance/v1";
/// vouch's build type.
pub const BUILD_TYPE: &str = "https://vouch.invalid/build-types/command/v1";

/// Builds the statement for `manifest` (whose canonical bytes hash to
/// `manifest_digest`), naming the builder `builder_id`.
pub fn statement(manifest: &Manifest, manifest_digest: &Digest, builder_id: &str) -> Value {
    let subjects: Vec<Value> = manifest
        .artifacts
        .iter()
        .flatten()
        .map(|a| json!({"name": a.path.as_str(), "digest": {"sha256": a.digest.hex()}}))
        .collect();
    let build = manifest.build.clone().unwrap_or_default();
    let vcs = manifest.source.vcs.as_ref();

    let mut source_digest = Map::new();
    if let Some(v) = vcs {
        source_digest.insert("gitCommit".into(), Value::from(v.commit.clone()));
    }
    let mut source = Map::new();
    source.insert(
        "uri".into(),
        Value::from(match vcs.and_then(|v| v.remote.clone()) {
            Some(r) => format!("git+{r}"),
            None => format!("vouch:source/{}", manifest.bundle_name()),
        }),
    );
    if !source_digest.is_empty() {
        source.insert("digest".into(), Value::Object(source_digest));
    }
    source.insert(
        "annotations".into(),
        json!({
            "vouch.merkle_root": manifest.source.merkle_root.to_string(),
            "vouch.manifest_digest": manifest_digest.to_string(),
            "vouch.file_count": manifest.source.count,
        }),
    );

    let mut resolved = vec![Value::Object(source.clone())];
    for d in &build.dependencies {
        let mut r = Map::new();
        r.insert("name".into(), Value::from(d.name.clone()));
        r.insert("uri".into(), Value::from(format!("pkg:cargo/{}@{}", d.name, d.version)));
        if let Some(c) = &d.checksum {
            r.insert("digest".into(), json!({"sha256": c}));
        }
        resolved.push(Value::Object(r));
    }

    let mut external = Map::new();
    external.insert("project".into(), json!({"name": manifest.project.name, "version": manifest.project.version}));
    external.insert("command".into(), Value::from(build.command.clone()));
    external.insert("workdir".into(), Value::from(build.workdir.clone()));
    external.insert("source".into(), Value::Object(source));

    json!({
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": external,
                "internalParameters": {
                    "env": build.env,
                    "toolchain": build.toolchain,
                    "host": build.host,
                    "no_build": build.no_build,
                },
                "resolvedDependencies": resolved,
            },
            "runDetails": {
                "builder": {"id": builder_id},
                "metadata": {"invocationId": format!("{}@{}", manifest.bundle_name(), manifest_digest)},
            },
        },
    })
}
