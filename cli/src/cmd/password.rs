//! Where a secret key's password comes from: `--password-file FILE`,
//! `--password-env VAR`, or a prompt when stdin is a terminal. Never from an
//! argument. `vouch release` flattens [`PasswordArgs`] too.

use crate::cli::password::PasswordArgs;
use anyhow::{Context, Result, bail};
use std::io::IsTerminal;
use std::path::Path;
use vouch_signing::keys::{Protection, SecretKey, SecretKeyFile};

/// Whether to ask twice (for a new key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    Once,
    Twice,
}

impl PasswordArgs {
    /// Whether a non-interactive source was given.
    pub fn given(&self) -> bool {
        self.password_file.is_some() || self.password_env.is_some()
    }

    /// The password from the file or variable, if one was given.
    pub fn password_from_source(&self) -> Result<Option<Vec<u8>>> {
        if let Some(p) = &self.password_file {
            let bytes = std::fs::read(p).with_context(|| format!("cannot read password file {}", p.display()))?;
            let line = bytes.split(|&b| b == b'\n').next().unwrap_or(&[]);
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            return Ok(Some(line.to_vec()));
        }
        if let Some(v) = &self.password_env {
            let val =
                std::env::var_os(v).with_context(|| format!("environment variable {v} (--password-env) is not set"))?;
            return Ok(Some(val.into_encoded_bytes()));
        }
        Ok(None)
    }

    /// The password: from the given source, else a prompt on a terminal.
    /// `what` names the key in the prompt and errors.
    pub fn read(&self, what: &str, confirm: Confirm) -> Result<Vec<u8>> {
        if let Some(p) = self.password_from_source()? {
            return Ok(p);
        }
        if !std::io::stdin().is_terminal() {
            return Err(crate::hints::no_password_source(what));
        }
        let first = rpassword::prompt_password(format!("password for {what}: "))
            .with_context(|| format!("cannot read the password for {what}"))?;
        if confirm == Confirm::Twice {
            let again = rpassword::prompt_password("password again: ")
                .with_context(|| format!("cannot read the password for {what}"))?;
            if again != first {
                bail!("the passwords for {what} do not match");
            }
        }
        Ok(first.into_bytes())
    }

    /// Reads a secret key, asking for its password only if it is encrypted.
    pub fn load_secret_key(&self, path: &Path) -> Result<SecretKey> {
        let file = SecretKeyFile::read(path)?;
        let password = match file.protection() {
            Protection::Encrypted => Some(self.read(&path.display().to_string(), Confirm::Once)?),
            Protection::Unencrypted => None,
        };
        file.decrypt(password.as_deref()).map_err(crate::hints::secret_key)
    }
}
