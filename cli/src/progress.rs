//! Progress on stderr: a bar when stderr is a terminal and the work takes
//! more than a moment; nothing otherwise.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

pub struct Bytes {
    bar: Option<ProgressBar>,
}

impl Bytes {
    pub fn new(what: &'static str) -> Self {
        if !std::io::stderr().is_terminal() {
            return Bytes { bar: None };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4));
        bar.set_style(
            ProgressStyle::with_template("{msg} {bytes} ({bytes_per_sec}) {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(what);
        // Draw only after a moment, so quick runs stay silent.
        bar.enable_steady_tick(Duration::from_millis(500));
        Bytes { bar: Some(bar) }
    }
    pub fn add(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
        }
    }
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
