//! The `vouch` binary: parses the command line, calls the libraries, prints.
//! No logic of its own lives here; see `manifests`, `signing` and `site`.

mod cli;
mod cmd;
mod exit;
mod hints;
mod output;
mod progress;

use clap::Parser;

/// mimalloc reuses the memory a build frees for its next allocations (a
/// site build allocates and frees a page's worth for each of 100,000 files)
/// with less work than the system allocator: an eighth less CPU time
/// growing a site of the Rust toolchain tree (`bench/site-incremental.sh`).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    let result = cmd::run(cli);
    exit::finish(result)
}
