//! The `vouch` binary: parses the command line, calls the libraries, prints.
//! No logic of its own lives here; see `manifests`, `signing` and `site`.

mod cli;
mod cmd;
mod exit;
mod hints;
mod output;
mod progress;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    let result = cmd::run(cli);
    exit::finish(result)
}
