//! `vouch trust check`: lint a trust policy.

use crate::cli::trust::{CheckArgs, TrustCommand};
use crate::exit::Status;
use crate::output::{Format, print_json, print_text};
use anyhow::Result;
use serde::Serialize;
use std::fmt::Write as _;
use vouch_signing::policy::{Finding, Policy, Role, Severity};

#[derive(Serialize)]
struct RoleSummary {
    role: Role,
    threshold: u32,
    keys: Vec<String>,
}

#[derive(Serialize)]
struct CheckOutput {
    policy: String,
    sha256: vouch_manifests::Digest,
    keys: usize,
    roles: Vec<RoleSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    log: Option<LogSummary>,
    findings: Vec<Finding>,
    usable: bool,
}

#[derive(Serialize)]
struct LogSummary {
    origin: String,
    key: String,
    witnesses: Vec<String>,
    witness_threshold: u32,
}

pub fn run(cmd: TrustCommand) -> Result<Status> {
    match cmd {
        TrustCommand::Check(a) => check(a),
    }
}

fn check(a: CheckArgs) -> Result<Status> {
    let p = Policy::read(&a.policy)?;
    let roles = Role::ALL
        .into_iter()
        .map(|role| RoleSummary {
            role,
            threshold: p.threshold(role),
            keys: p.keys.iter().filter(|k| k.roles.contains(&role)).map(|k| k.name.clone()).collect(),
        })
        .collect();
    let out = CheckOutput {
        policy: a.policy.display().to_string(),
        sha256: p.sha256,
        keys: p.keys.len(),
        roles,
        log: p.log.as_ref().map(|l| LogSummary {
            origin: l.origin.clone(),
            key: l.key.to_string(),
            witnesses: l.witnesses.iter().map(|w| w.to_string()).collect(),
            witness_threshold: l.witness_threshold,
        }),
        findings: p.findings().to_vec(),
        usable: p.check_usable().is_ok(),
    };
    match a.format {
        Format::Json => print_json(&out)?,
        Format::Human => {
            let mut s = String::new();
            writeln!(s, "policy   {} ({})", out.policy, out.sha256)?;
            writeln!(s, "keys     {}", out.keys)?;
            for r in &out.roles {
                writeln!(
                    s,
                    "role {:<9} threshold {}, keys: {}",
                    r.role.as_str(),
                    r.threshold,
                    if r.keys.is_empty() { "none".to_string() } else { r.keys.join(", ") }
                )?;
            }
            if let Some(l) = &out.log {
                writeln!(
                    s,
                    "log {} ({}), {} of {} witnesses needed",
                    l.origin,
                    l.key,
                    l.witness_threshold,
                    l.witnesses.len()
                )?;
                for w in &l.witnesses {
                    writeln!(s, "  witness {w}")?;
                }
            }
            for f in &out.findings {
                let tag = match f.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                writeln!(s, "{tag}: {}", f.message)?;
            }
            writeln!(s, "{}", if out.usable { "usable" } else { "NOT usable" })?;
            print_text(&s)?;
        }
    }
    Ok(if out.usable { Status::Held } else { Status::DoesNotHold })
}
