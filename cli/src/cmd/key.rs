//! `vouch key generate|show`: minisign key pairs.

use crate::cli::key::{GenerateArgs, KeyCommand, ShowArgs};
use crate::cmd::password::Confirm;
use crate::exit::{Status, hint};
use crate::output::{Format, print_json, print_text};
use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::fmt::Write as _;
use vouch_signing::keys::{Encryption, Overwrite, Protection, PublicKey, SecretKey, SecretKeyFile};

pub fn run(cmd: KeyCommand) -> Result<Status> {
    match cmd {
        KeyCommand::Generate(a) => generate(a),
        KeyCommand::Show(a) => show(a),
    }
}

fn generate(a: GenerateArgs) -> Result<Status> {
    vouch_manifests::name::check("key name", &a.name)?;
    if a.unencrypted && a.password.given() {
        bail!("--unencrypted takes no password: drop --password-file / --password-env");
    }
    let password = if a.unencrypted {
        None
    } else {
        let p = a
            .password
            .read(&format!("the new key {}", a.name), Confirm::Twice)
            .map_err(|e| hint(e, "or pass --unencrypted for a key without a password"))?;
        if p.is_empty() {
            return Err(hint(
                anyhow::anyhow!("the password is empty"),
                "pass --unencrypted for a key without a password",
            ));
        }
        Some(p)
    };
    std::fs::create_dir_all(&a.out).with_context(|| format!("cannot create {}", a.out.display()))?;
    let key = SecretKey::generate()?;
    let encryption = match &password {
        Some(p) => Encryption::Password(p),
        None => Encryption::None,
    };
    let overwrite = if a.force { Overwrite::Replace } else { Overwrite::Refuse };
    let paths = key.write_pair(&a.out, &a.name, encryption, overwrite)?;
    let pk = key.public_key();
    eprintln!(
        "secret key: {} ({})\npublic key: {}\nkey id: {}\n{}",
        paths.secret.display(),
        if password.is_some() { "encrypted" } else { "unencrypted" },
        paths.public.display(),
        pk.key_id(),
        pk.to_base64()
    );
    Ok(Status::Held)
}

#[derive(Serialize)]
struct KeyInfo {
    file: String,
    kind: &'static str,
    algorithm: &'static str,
    key_id: Option<String>,
    public_key: Option<String>,
    protection: Option<Protection>,
    scrypt: Option<vouch_signing::keys::ScryptParams>,
    comment: Option<String>,
}

fn show(a: ShowArgs) -> Result<Status> {
    let what = a.file.display().to_string();
    let bytes = std::fs::read(&a.file).with_context(|| format!("cannot read key {what}"))?;
    let text = String::from_utf8(bytes).with_context(|| format!("key {what} is not UTF-8 text"))?;
    let comment = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("untrusted comment: "))
        .map(|c| c.trim_end_matches('\r').to_string());
    let info = match PublicKey::parse(&text, &what) {
        Ok(pk) => KeyInfo {
            file: what,
            kind: "public",
            algorithm: "Ed25519 (minisign)",
            key_id: Some(pk.key_id_hex()),
            public_key: Some(pk.to_base64()),
            protection: None,
            scrypt: None,
            comment,
        },
        Err(pub_err) => {
            let file = SecretKeyFile::parse(&text, &what).map_err(|sec_err| {
                anyhow::anyhow!("{what} is not a minisign key: as a public key: {pub_err}; as a secret key: {sec_err}")
            })?;
            let key = match file.protection() {
                Protection::Unencrypted => Some(file.decrypt(None)?),
                Protection::Encrypted if a.password.given() => Some(a.password.load_secret_key(&a.file)?),
                Protection::Encrypted => None,
            };
            KeyInfo {
                file: what,
                kind: "secret",
                algorithm: "Ed25519 (minisign)",
                key_id: key.as_ref().map(|k| k.key_id().hex()),
                public_key: key.as_ref().map(|k| k.public_key().to_base64()),
                protection: Some(file.protection()),
                scrypt: file.scrypt_params(),
                comment: file.comment().map(str::to_string),
            }
        }
    };
    if a.format == Format::Json {
        print_json(&info)?;
        return Ok(Status::Held);
    }
    let mut s = String::new();
    writeln!(s, "file        {}", info.file)?;
    writeln!(s, "kind        {} key", info.kind)?;
    writeln!(s, "algorithm   {}", info.algorithm)?;
    match &info.key_id {
        Some(id) => writeln!(s, "key id      {id}")?,
        None => writeln!(s, "key id      (encrypted: give --password-file or --password-env to show it)")?,
    }
    if let Some(p) = &info.public_key {
        writeln!(s, "public key  {p}")?;
    }
    match (info.protection, info.scrypt) {
        (Some(Protection::Encrypted), Some(p)) => {
            writeln!(s, "protection  encrypted (scrypt N=2^{}, r={}, p={})", p.log_n, p.r, p.p)?
        }
        (Some(Protection::Unencrypted), _) => writeln!(s, "protection  unencrypted")?,
        _ => {}
    }
    if let Some(c) = &info.comment {
        writeln!(s, "comment     {}", crate::output::clean_line(c))?;
    }
    print_text(&s)?;
    Ok(Status::Held)
}
