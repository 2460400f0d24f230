//! `vouch key generate|show`: minisign key pairs.

use crate::cli::key::{GenerateArgs, KeyCommand, ShowArgs};
use crate::cmd::password::Confirm;
use crate::exit::Status;
use crate::output::{Format, print_json, print_text};
use anyhow::{Result, bail};
use std::fmt::Write as _;
use vouch_signing::key_file::{self, InspectedKey, KeyFile};
use vouch_signing::keys::{Encryption, Overwrite, Protection};

pub fn run(cmd: KeyCommand) -> Result<Status> {
    match cmd {
        KeyCommand::Generate(a) => generate(a),
        KeyCommand::Show(a) => show(a),
    }
}

fn generate(a: GenerateArgs) -> Result<Status> {
    vouch_manifests::model::name::check("key name", &a.name)?;
    if a.unencrypted && a.password.given() {
        bail!("--unencrypted takes no password: drop --password-file / --password-env");
    }
    let password = if a.unencrypted {
        None
    } else {
        let p = a
            .password
            .read(&format!("the new key {}", a.name), Confirm::Twice)
            .map_err(crate::hints::new_key_password)?;
        if p.is_empty() {
            return Err(crate::hints::empty_password());
        }
        Some(p)
    };
    let encryption = match &password {
        Some(p) => Encryption::Password(p),
        None => Encryption::None,
    };
    let overwrite = if a.force { Overwrite::Replace } else { Overwrite::Refuse };
    let (key, paths) =
        key_file::generate_pair(&a.out, &a.name, encryption, overwrite).map_err(crate::hints::key_generate)?;
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

fn show(a: ShowArgs) -> Result<Status> {
    let k = InspectedKey::read(&a.file)?;
    // An encrypted secret key is decrypted only when a password source is given.
    let secret = match &k.key {
        KeyFile::Secret(f) if f.protection() == Protection::Encrypted && a.password.given() => {
            Some(a.password.load_secret_key(&a.file)?)
        }
        _ => None,
    };
    let info = k.info(secret.as_ref())?;
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
