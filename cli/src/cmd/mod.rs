//! One thin module per subcommand: its arguments (from `crate::cli`) become
//! library options, one library call does the work, and the result is
//! rendered as text or JSON; errors go through `crate::hints`.

pub mod confine;
pub mod demo;
pub mod export;
pub mod key;
pub mod log;
pub mod manifest;
pub mod password;
pub mod rebuild;
pub mod release;
pub mod review;
pub mod sbom;
pub mod sign;
pub mod site;
pub mod trust;
pub mod verify;
pub mod verify_signature;

use crate::cli::{Cli, Command};
use crate::exit::Status;

pub fn run(cli: Cli) -> anyhow::Result<Status> {
    match cli.command {
        Command::Manifest(c) => manifest::run(c),
        Command::Sbom(c) => sbom::run(c),
        Command::Site(c) => site::run(c),
        Command::Demo(a) => demo::run(a),
        Command::Confine(a) => confine::run(a),
        Command::Rebuild(a) => rebuild::run(a),
        Command::Release(a) => release::run(a),
        Command::Review(c) => review::run(c),
        Command::Verify(a) => verify::run(a),
        Command::Export(c) => export::run(c),
        Command::Key(c) => key::run(c),
        Command::Sign(a) => sign::run(a),
        Command::VerifySignature(a) => verify_signature::run(a),
        Command::Trust(c) => trust::run(c),
        Command::Log(c) => log::run(c),
    }
}
