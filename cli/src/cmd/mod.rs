//! One thin module per subcommand.

pub mod demo;
pub mod manifest;
pub mod sbom;
pub mod site;

use crate::cli::{Cli, Command};
use crate::exit::Status;

pub fn run(cli: Cli) -> anyhow::Result<Status> {
    match cli.command {
        Command::Manifest(c) => manifest::run(c),
        Command::Sbom(c) => sbom::run(c),
        Command::Site(c) => site::run(c),
        Command::Demo(a) => demo::run(a),
    }
}
