//! Exit codes, as pinned in the design brief: 0 success; 1 checked and it does
//! not hold; 2 could not check (usage, unreadable or missing input, I/O).
//!
//! Commands return `anyhow::Result<Status>`. An `Err` is "could not check"
//! (exit 2) unless its chain holds a [`Failed`], which marks a clean negative
//! result (exit 1) such as a bad signature an attacker controls.

use std::io::Write;
use std::process::ExitCode;

/// What a command found, when it could check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything held (exit 0).
    Held,
    /// Checked, and it does not hold (exit 1). The command has already
    /// printed why.
    DoesNotHold,
}

/// A clean negative result carried as an error: printed like the error it
/// wraps, exit 1.
///
/// It wraps the error rather than being attached with `.context()`, since
/// anyhow's `chain()` yields context layers as a private type that cannot
/// be downcast.
#[derive(Debug)]
pub struct Failed(anyhow::Error);

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}
impl std::error::Error for Failed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

/// A hint attached to an error: printed after the reasons as `hint: ...`.
#[derive(Debug)]
pub struct Hint(pub String, anyhow::Error);

impl std::fmt::Display for Hint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.1, f)
    }
}
impl std::error::Error for Hint {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.1.source()
    }
}

/// Marks `err` as a clean negative result (exit 1).
pub fn failed(err: anyhow::Error) -> anyhow::Error {
    anyhow::Error::new(Failed(err))
}

/// Adds a hint line to `err`.
pub fn hint(err: anyhow::Error, text: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Hint(text.into(), err))
}

/// Collects the exit code and hints of the wrappers at the head of `cause`
/// (a wrapper's chain continues with the wrapped error's sources, so the
/// wrapped head is looked at here).
fn wrappers(cause: &(dyn std::error::Error + 'static), code: &mut u8, hints: &mut Vec<String>) {
    if let Some(f) = cause.downcast_ref::<Failed>() {
        *code = 1;
        wrappers(f.0.as_ref(), code, hints);
    } else if let Some(h) = cause.downcast_ref::<Hint>() {
        hints.push(h.0.clone());
        wrappers(h.1.as_ref(), code, hints);
    }
}

pub fn finish(result: anyhow::Result<Status>) -> ExitCode {
    match result {
        Ok(Status::Held) => ExitCode::from(0),
        Ok(Status::DoesNotHold) => ExitCode::from(1),
        Err(err) => {
            // A closed pipe (e.g. `vouch ... | head`) exits quietly.
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
                    || c.downcast_ref::<serde_json::Error>()
                        .and_then(|e| e.io_error_kind())
                        .is_some_and(|k| k == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::from(2);
            }
            let mut code: u8 = 2;
            let mut hints = Vec::new();
            let mut lines = Vec::new();
            for cause in err.chain() {
                // A wrapper displays as the error it wraps: print it once.
                wrappers(cause, &mut code, &mut hints);
                let text = crate::output::clean(&cause.to_string()).replace('\n', "\\n");
                if lines.last() != Some(&text) {
                    lines.push(text);
                }
            }
            let stderr = std::io::stderr();
            let mut e = stderr.lock();
            let mut first = true;
            for line in lines {
                if first {
                    let _ = writeln!(e, "error: {line}");
                    first = false;
                } else {
                    let _ = writeln!(e, "  reason: {line}");
                }
            }
            if first {
                let _ = writeln!(e, "error: check failed");
            }
            for h in hints {
                let _ = writeln!(e, "  hint: {}", crate::output::clean(&h));
            }
            ExitCode::from(code)
        }
    }
}
