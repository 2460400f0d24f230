//! Output helpers: `--format human|json`, writing results to stdout.

use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Text for people.
    #[default]
    Human,
    /// One JSON document on stdout.
    Json,
}

/// Prints `value` as pretty JSON followed by a newline on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Prints a command's result: `value` as JSON, or `human(value)` as text.
pub fn report<T: serde::Serialize>(format: Format, value: &T, human: impl FnOnce(&T) -> String) -> anyhow::Result<()> {
    match format {
        Format::Json => print_json(value),
        Format::Human => print_text(&human(value)),
    }
}

/// Writes human-readable `text` to stdout (already formatted, including
/// newlines), with [`clean`] applied: text from files never reaches the
/// terminal as control sequences.
pub fn print_text(text: &str) -> anyhow::Result<()> {
    print_raw(clean(text).as_bytes())
}

/// Writes a document (JSON, a manifest, an SBOM) to stdout byte for byte.
pub fn print_raw(bytes: &[u8]) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(())
}

/// Makes visible every character that could drive or deceive a terminal:
/// C0 controls but newline and tab, DEL and C1 controls as `\xNN` (ESC is
/// `\x1b`), and Unicode bidirectional and invisible formatting characters
/// (U+200B–U+200F, U+202A–U+202E, U+2060–U+2064, U+2066–U+2069, U+FEFF) as
/// `\u{NNNN}`. Nothing is dropped, so what was there can still be told.
pub fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    fn hidden(c: char) -> bool {
        matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}' | '\u{feff}')
    }
    if !s.chars().any(|c| (c.is_control() && c != '\n' && c != '\t') || hidden(c)) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else if hidden(c) {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Untrusted text for one line of terminal output: [`clean`], with newlines
/// and tabs made visible too.
pub fn clean_line(s: &str) -> String {
    clean(s).replace('\n', "\\n").replace('\t', "  ")
}

/// Writes one diagnostic line to stderr, [`clean`]ed.
pub fn eprint_line(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", clean(text));
}
