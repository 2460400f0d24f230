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

/// A checked project name or version: what [`check`] accepts, so no code
/// holds one that is not a safe directory name part.
macro_rules! checked_name {
    ($(#[$doc:meta])* $t:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $t(String);

        impl $t {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $t {
            type Error = NameError;
            fn try_from(s: String) -> Result<Self, NameError> {
                check($what, &s)?;
                Ok($t(s))
            }
        }

        impl TryFrom<&str> for $t {
            type Error = NameError;
            fn try_from(s: &str) -> Result<Self, NameError> {
                $t::try_from(s.to_string())
            }
        }

        impl std::str::FromStr for $t {
            type Err = NameError;
            fn from_str(s: &str) -> Result<Self, NameError> {
                $t::try_from(s)
            }
        }

        impl From<$t> for String {
            fn from(n: $t) -> String {
                n.0
            }
        }

        impl std::ops::Deref for $t {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<std::path::Path> for $t {
            fn as_ref(&self) -> &std::path::Path {
                std::path::Path::new(&self.0)
            }
        }

        impl std::borrow::Borrow<str> for $t {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $t {
            fn eq(&self, o: &str) -> bool {
                self.0 == o
            }
        }

        impl PartialEq<&str> for $t {
            fn eq(&self, o: &&str) -> bool {
                self.0 == *o
            }
        }

        impl PartialEq<String> for $t {
            fn eq(&self, o: &String) -> bool {
                &self.0 == o
            }
        }

        impl PartialEq<$t> for String {
            fn eq(&self, o: &$t) -> bool {
                *self == o.0
            }
        }
    };
}

checked_name!(
    /// A project's name.
    Name,
    "project name"
);
checked_name!(
    /// A release's version.
    Version,
    "version"
);

#[cfg(test)]
mod tests {
    #[test]
    fn names() {
        super::check("name", "hello").unwrap();
        super::check("version", "1.2.3-rc.1+build.5").unwrap();
        for bad in ["", "-a", ".a", "a/b", "a b", "a..\u{e9}"] {
            assert!(super::check("name", bad).is_err(), "{bad:?}");
            assert!(bad.parse::<super::Name>().is_err(), "{bad:?}");
            assert!(serde_json::from_str::<super::Version>(&serde_json::to_string(bad).unwrap()).is_err(), "{bad:?}");
        }
        let v: super::Version = serde_json::from_str("\"1.0.0\"").unwrap();
        assert_eq!((v.as_str(), serde_json::to_string(&v).unwrap().as_str()), ("1.0.0", "\"1.0.0\""));
    }
}
