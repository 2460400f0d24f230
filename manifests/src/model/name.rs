//! Project names and versions: `[A-Za-z0-9][A-Za-z0-9._+-]*`, so that
//! `<name>-<version>` is a safe directory name.

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid {what} {value:?}: must match [A-Za-z0-9][A-Za-z0-9._+-]*")]
pub struct NameError {
    pub what: &'static str,
    pub value: String,
}

/// Checks a project name or version; `what` names it in the error.
pub fn check(what: &'static str, value: &str) -> Result<(), NameError> {
    let mut chars = value.chars();
    let ok = matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-'));
    if ok { Ok(()) } else { Err(NameError { what, value: value.to_string() }) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names() {
        super::check("name", "hello").unwrap();
        super::check("version", "1.2.3-rc.1+build.5").unwrap();
        for bad in ["", "-a", ".a", "a/b", "a b", "a..\u{e9}"] {
            assert!(super::check("name", bad).is_err(), "{bad:?}");
        }
    }
}
