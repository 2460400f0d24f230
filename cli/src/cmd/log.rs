//! `vouch log`: the append-only release log (C2SP tlog-tiles, signed
//! checkpoints, witness cosignatures, tlog-proofs in bundles).

use crate::cli::log::{
    AppendArgs, CheckArgs, CompareArgs, ConsistencyArgs, InitArgs, LogCommand, ProveArgs, VerifyArgs, WitnessArgs,
};
use crate::exit::Status;
use crate::hints::log as lift;
use crate::output::{Format, print_json, print_text};
use anyhow::{Context, Result};
use std::fmt::Write as _;
use vouch_signing::log::{self as rlog, CheckOptions, CompareOptions, LogKeyFrom, LogWorkflowError, WitnessOptions};

pub fn run(cmd: LogCommand) -> Result<Status> {
    match cmd {
        LogCommand::Init(a) => init(a),
        LogCommand::Append(a) => append(a),
        LogCommand::Prove(a) => prove(a),
        LogCommand::Witness(a) => witness(a),
        LogCommand::Check(a) => check(a),
        LogCommand::Compare(a) => compare(a),
        LogCommand::Verify(a) => verify(a),
        LogCommand::Consistency(a) => consistency(a),
    }
}

fn init(a: InitArgs) -> Result<Status> {
    let key = a.password.load_secret_key(&a.key)?;
    let vk = rlog::init(&a.log, &a.origin, &key).map_err(|e| lift(e.into()))?;
    print_text(&format!("{vk}\n"))?;
    crate::output::eprint_line(&format!(
        "created log {} (origin {}); its verifier key is in {}",
        a.log.display(),
        a.origin,
        a.log.join("vkey").display()
    ));
    Ok(Status::Held)
}

fn append(a: AppendArgs) -> Result<Status> {
    let key = a.password.load_secret_key(&a.key)?;
    let r = rlog::append(&a.log, &key, &a.bundles).map_err(|e| lift(e.into()))?;
    if a.format == Format::Json {
        print_json(&r)?;
    } else {
        let mut s = String::new();
        for b in &r.bundles {
            let what = if b.added { "appended" } else { "already in the log" };
            let _ = writeln!(
                s,
                "{} {}: {what} at index {} ({})",
                b.name,
                b.version,
                b.index,
                b.bundle.join(rlog::PROOF_FILE).display()
            );
        }
        let _ = writeln!(s, "log {}: size {} -> {}, root {}", r.origin, r.old_size, r.size, r.root);
        print_text(&s)?;
    }
    Ok(Status::Held)
}

fn prove(a: ProveArgs) -> Result<Status> {
    let r = rlog::prove(&a.log, &a.bundles).map_err(|e| lift(e.into()))?;
    if a.format == Format::Json {
        print_json(&r)?;
    } else {
        let mut s = String::new();
        for b in &r {
            let _ = writeln!(
                s,
                "{} {}: index {}, proof written to {}",
                b.name,
                b.version,
                b.index,
                b.bundle.join(rlog::PROOF_FILE).display()
            );
        }
        print_text(&s)?;
    }
    Ok(Status::Held)
}

fn now(v: &Option<String>) -> Result<u64> {
    match v {
        Some(v) => u64::try_from(crate::cmd::sign::parse_now(v)?).context("--now is before 1970"),
        None => Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .context("the clock is before 1970")?
            .as_secs()),
    }
}

fn witness(a: WitnessArgs) -> Result<Status> {
    let time = now(&a.now)?;
    let key = a.password.load_secret_key(&a.key)?;
    let opts = WitnessOptions { log: a.log.clone(), name: a.name.clone(), state: a.state.clone(), time };
    let w = rlog::witness_log(&opts, &key).map_err(lift)?;
    if a.format == Format::Json {
        print_json(&w)?;
    } else {
        let mut s = String::new();
        if w.head.first_use {
            let _ = writeln!(
                s,
                "first use: pinned log {} with key {}\n  compare this key with the one the vendor gave you",
                w.head.origin, w.head.key
            );
        }
        let since = w.head.previous.map(|p| format!(", consistent with size {p} seen before")).unwrap_or_default();
        let _ = writeln!(s, "cosigned {} at size {}, root {}{since}", w.head.origin, w.head.size, w.head.root);
        let _ = writeln!(s, "witness key (for the policy's [log] witnesses): {}", w.witness_key);
        print_text(&s)?;
    }
    Ok(Status::Held)
}

fn check(a: CheckArgs) -> Result<Status> {
    let opts = CheckOptions { log: a.log.clone(), policy: a.trust.clone(), state: a.state.clone() };
    let c = rlog::check_log(&opts).map_err(lift)?;
    if a.format == Format::Json {
        print_json(&c)?;
    } else {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "log {}: size {}, root {}; signature, entries and tiles hold",
            c.head.origin, c.head.size, c.head.root
        );
        let _ = writeln!(s, "cosignatures: {} of {} needed", c.cosigners.len(), c.witness_threshold);
        for w in &c.cosigners {
            let _ = writeln!(s, "  {} at {}", w.name, vouch_signing::policy::show_time(w.time as i64));
        }
        if let Some(p) = c.head.previous {
            let _ = writeln!(s, "consistent with size {p} seen before");
        }
        print_text(&s)?;
    }
    Ok(Status::Held)
}

fn compare(a: CompareArgs) -> Result<Status> {
    let opts = CompareOptions {
        heads: a.checkpoints.clone(),
        log: a.log.clone(),
        key: a.trust.clone().map_or(LogKeyFrom::Vkey, LogKeyFrom::Policy),
        evidence: a.evidence.clone(),
    };
    match rlog::compare_heads(&opts) {
        Ok(heads) => {
            if a.format == Format::Json {
                print_json(&heads)?;
            } else {
                let mut s = String::new();
                for h in &heads {
                    let _ =
                        writeln!(s, "{}: size {}, root {}: consistent with the log", h.path.display(), h.size, h.root);
                }
                print_text(&s)?;
            }
            Ok(Status::Held)
        }
        Err(LogWorkflowError::Refused(r)) => {
            if let Some(ev) = r.error.evidence() {
                let mut s = format!("{}\nevidence, head of size {}:\n", r.error, ev.a_size);
                s.push_str(&String::from_utf8_lossy(&ev.a));
                let _ = writeln!(s, "evidence, head of size {}:", ev.b_size);
                s.push_str(&String::from_utf8_lossy(&ev.b));
                print_text(&s)?;
            }
            Err(lift(LogWorkflowError::Refused(r)))
        }
        Err(e) => Err(lift(e)),
    }
}

fn verify(a: VerifyArgs) -> Result<Status> {
    let out = rlog::verify_proofs(&a.bundles, &a.trust).map_err(lift)?;
    if a.format == Format::Json {
        print_json(&out)?;
    } else {
        let mut s = String::new();
        for (b, p) in a.bundles.iter().zip(&out) {
            let names: Vec<&str> = p.cosigners.iter().map(|c| c.name.as_str()).collect();
            let _ = writeln!(
                s,
                "{}: included at index {} of {} size {}, cosigned by {}",
                b.display(),
                p.index,
                p.origin,
                p.size,
                if names.is_empty() { "none".to_string() } else { names.join(", ") }
            );
        }
        print_text(&s)?;
    }
    Ok(Status::Held)
}

fn consistency(a: ConsistencyArgs) -> Result<Status> {
    use base64::Engine as _;
    let (head, p) = rlog::consistency(&a.log, a.from).map_err(|e| lift(e.into()))?;
    let mut s = String::new();
    let _ = writeln!(s, "{} {}", a.from, head.checkpoint.size);
    for h in p {
        let _ = writeln!(s, "{}", base64::engine::general_purpose::STANDARD.encode(h));
    }
    print_text(&s)?;
    Ok(Status::Held)
}
