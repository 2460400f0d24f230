//! `vouch log`: the append-only release log (C2SP tlog-tiles, signed
//! checkpoints, witness cosignatures, tlog-proofs in bundles).

use crate::cli::log::{
    AppendArgs, CheckArgs, CompareArgs, ConsistencyArgs, InitArgs, LogCommand, ProveArgs, VerifyArgs, WitnessArgs,
};
use crate::exit::Status;
use crate::hints::log as lift;
use crate::output::{print_text, report};
use anyhow::{Context, Result};
use std::fmt::Write as _;
use vouch_signing::log::{self as rlog, CheckOptions, CompareOptions, LogKeyFrom, LogWorkflowError, WitnessOptions};
use vouch_signing::policy::show_time;

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
    }?;
    Ok(Status::Held)
}

fn init(a: InitArgs) -> Result<()> {
    let key = a.password.load_secret_key(&a.key)?;
    let vk = rlog::init(&a.log, &a.origin, &key).map_err(|e| lift(e.into()))?;
    print_text(&format!("{vk}\n"))?;
    let (log, vkey) = (a.log.display(), a.log.join("vkey"));
    crate::output::eprint_line(&format!(
        "created log {log} (origin {}); its verifier key is in {}",
        a.origin,
        vkey.display()
    ));
    Ok(())
}

fn append(a: AppendArgs) -> Result<()> {
    let key = a.password.load_secret_key(&a.key)?;
    let r = rlog::append(&a.log, &key, &a.bundles).map_err(|e| lift(e.into()))?;
    report(a.format, &r, |r| {
        let mut s = String::new();
        for b in &r.bundles {
            let what = if b.added { "appended" } else { "already in the log" };
            let proof = b.bundle.join(rlog::PROOF_FILE);
            let _ = writeln!(s, "{} {}: {what} at index {} ({})", b.name, b.version, b.index, proof.display());
        }
        s + &format!("log {}: size {} -> {}, root {}\n", r.origin, r.old_size, r.size, r.root)
    })
}

fn prove(a: ProveArgs) -> Result<()> {
    let r = rlog::prove(&a.log, &a.bundles).map_err(|e| lift(e.into()))?;
    report(a.format, &r, |r| {
        let line = |b: &rlog::Logged| {
            let proof = b.bundle.join(rlog::PROOF_FILE);
            format!("{} {}: index {}, proof written to {}\n", b.name, b.version, b.index, proof.display())
        };
        r.iter().map(line).collect()
    })
}

fn witness(a: WitnessArgs) -> Result<()> {
    let time = match &a.now {
        Some(v) => u64::try_from(crate::cmd::sign::parse_now(v)?).context("--now is before 1970")?,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .context("the clock is before 1970")?
            .as_secs(),
    };
    let key = a.password.load_secret_key(&a.key)?;
    let opts = WitnessOptions { log: a.log.clone(), name: a.name.clone(), state: a.state.clone(), time };
    let w = rlog::witness_log(&opts, &key).map_err(lift)?;
    report(a.format, &w, |w| {
        let h = &w.head;
        let mut s = String::new();
        if h.first_use {
            let _ = writeln!(s, "first use: pinned log {} with key {}", h.origin, h.key);
            s.push_str("  compare this key with the one the vendor gave you\n");
        }
        let since = h.previous.map(|p| format!(", consistent with size {p} seen before")).unwrap_or_default();
        let _ = writeln!(s, "cosigned {} at size {}, root {}{since}", h.origin, h.size, h.root);
        s + &format!("witness key (for the policy's [log] witnesses): {}\n", w.witness_key)
    })
}

fn check(a: CheckArgs) -> Result<()> {
    let opts = CheckOptions { log: a.log.clone(), policy: a.trust.clone(), state: a.state.clone() };
    let c = rlog::check_log(&opts).map_err(lift)?;
    report(a.format, &c, |c| {
        let h = &c.head;
        let mut s = format!("log {}: size {}, root {}; signature, entries and tiles hold\n", h.origin, h.size, h.root);
        let _ = writeln!(s, "cosignatures: {} of {} needed", c.cosigners.len(), c.witness_threshold);
        for w in &c.cosigners {
            let _ = writeln!(s, "  {} at {}", w.name, show_time(w.time as i64));
        }
        s + &h.previous.map(|p| format!("consistent with size {p} seen before\n")).unwrap_or_default()
    })
}

fn compare(a: CompareArgs) -> Result<()> {
    let opts = CompareOptions {
        heads: a.checkpoints.clone(),
        log: a.log.clone(),
        key: a.trust.clone().map_or(LogKeyFrom::Vkey, LogKeyFrom::Policy),
        evidence: a.evidence.clone(),
    };
    let heads = match rlog::compare_heads(&opts) {
        Ok(heads) => heads,
        // A split view: both signed heads are printed, as evidence.
        Err(LogWorkflowError::Refused(r)) => {
            if let Some(ev) = r.error.evidence() {
                let (a, b) = (String::from_utf8_lossy(&ev.a), String::from_utf8_lossy(&ev.b));
                let (n, m) = (ev.a_size, ev.b_size);
                print_text(&format!("{}\nevidence, head of size {n}:\n{a}evidence, head of size {m}:\n{b}", r.error))?;
            }
            return Err(lift(LogWorkflowError::Refused(r)));
        }
        Err(e) => return Err(lift(e)),
    };
    report(a.format, &heads, |heads| {
        let line = |h: &rlog::Compared| {
            format!("{}: size {}, root {}: consistent with the log\n", h.path.display(), h.size, h.root)
        };
        heads.iter().map(line).collect()
    })
}

fn verify(a: VerifyArgs) -> Result<()> {
    let out = rlog::verify_proofs(&a.bundles, &a.trust).map_err(lift)?;
    report(a.format, &out, |out| {
        let mut s = String::new();
        for (b, p) in a.bundles.iter().zip(out) {
            let names: Vec<&str> = p.cosigners.iter().map(|c| c.name.as_str()).collect();
            let by = if names.is_empty() { "none".to_string() } else { names.join(", ") };
            let (i, o, n) = (p.index, &p.origin, p.size);
            let _ = writeln!(s, "{}: included at index {i} of {o} size {n}, cosigned by {by}", b.display());
        }
        s
    })
}

fn consistency(a: ConsistencyArgs) -> Result<()> {
    use base64::Engine as _;
    let (head, p) = rlog::consistency(&a.log, a.from).map_err(|e| lift(e.into()))?;
    let mut s = format!("{} {}\n", a.from, head.checkpoint.size);
    for h in p {
        let _ = writeln!(s, "{}", base64::engine::general_purpose::STANDARD.encode(h));
    }
    print_text(&s)
}
