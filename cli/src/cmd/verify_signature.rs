//! `vouch verify-signature`: check a minisign signature with a public key or
//! a trust policy, the manifest binding, and optionally rollback state.

use crate::cli::verify_signature::VerifySignatureArgs;
use crate::exit::Status;
use crate::output::{Format, clean_line as clean, print_json, print_text};
use anyhow::{Result, bail};
use std::fmt::Write as _;
use vouch_signing::policy;
use vouch_signing::sig::Legacy;
use vouch_signing::verify_signature::{self as vs, SignatureOptions, SignatureReport, Signer};

pub fn run(a: VerifySignatureArgs) -> Result<Status> {
    let signer = match (&a.key, &a.trust) {
        (Some(k), _) => Signer::Key { key: k.clone(), what: "--key".into() },
        (None, Some(t)) => Signer::Policy(t.clone()),
        (None, None) => bail!("--key or --trust is required"),
    };
    let opts = SignatureOptions {
        file: a.file.clone(),
        sig: a.sig.clone(),
        signer,
        legacy: if a.allow_legacy { Legacy::Allow } else { Legacy::Refuse },
        state: a.state.clone(),
    };
    let hints = |e| crate::hints::verify_signature(e, a.trust.as_deref());
    let v = vs::verify_signature(&opts).map_err(hints)?;
    match (v.failure, a.format) {
        (Some(_), Format::Json) => print_json(&v.report)?,
        (Some(e), Format::Human) => return Err(hints(e)),
        (None, Format::Json) => print_json(&v.report)?,
        (None, Format::Human) => print_text(&human(&v.report))?,
    }
    Ok(if v.report.held { Status::Held } else { Status::DoesNotHold })
}

fn human(o: &SignatureReport) -> String {
    let mut s = String::new();
    if let Some(k) = &o.key {
        let _ = writeln!(s, "signature ok: {} by key {}", clean(&k.signature), k.key_id);
        let _ = writeln!(s, "file          {} ({})", clean(&o.file), o.sha256);
        let _ = writeln!(s, "trusted       {}", clean(&k.trusted_comment));
        if let Some(m) = &k.manifest {
            let _ = writeln!(
                s,
                "manifest      {} {} signed at {}, digest matches",
                m.project,
                m.version,
                policy::show_time(m.timestamp)
            );
        }
    }
    if let Some(r) = &o.policy {
        let _ = writeln!(s, "policy        {} ({})", clean(&r.policy), r.policy_sha256);
        let _ = writeln!(s, "manifest      {} ({})", clean(&r.manifest), r.manifest_sha256);
        if let (Some(p), Some(v)) = (&r.project, &r.version) {
            let _ = writeln!(s, "release       {p} {v}");
        }
        for c in r.signatures.iter().chain(&r.builder_reports) {
            let key = match (&c.key_id, &c.key_name) {
                (Some(id), Some(n)) => format!("{id} ({n})"),
                (Some(id), None) => id.to_string(),
                _ => "?".into(),
            };
            if c.counted {
                let roles: Vec<&str> = c.roles.iter().map(|r| r.as_str()).collect();
                let when = c.timestamp.map(policy::show_time).unwrap_or_default();
                let _ = writeln!(s, "  counted     {key} for {} (signed {when}): {}", roles.join(", "), clean(&c.file));
            } else {
                let _ = writeln!(
                    s,
                    "  not counted {key}: {}: {}",
                    clean(&c.file),
                    clean(&c.reason.as_ref().map_or("?".into(), ToString::to_string))
                );
            }
        }
        for r in &r.roles {
            let _ = writeln!(
                s,
                "role {:<9} {} of {} needed{}: {}",
                r.role.as_str(),
                r.valid,
                r.threshold,
                if r.keys.is_empty() { String::new() } else { format!(" ({})", r.keys.join(", ")) },
                if r.held { "held" } else { "NOT held" }
            );
        }
    }
    if let Some(st) = &o.state {
        let _ = writeln!(s, "state         {}: {}; recorded", clean(&st.file), st.acceptance.ordering);
    }
    let _ = writeln!(s, "result        {}", if o.held { "held" } else { "does NOT hold" });
    s
}
