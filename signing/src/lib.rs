//! vouch's signing layer: minisign keys and signatures byte-compatible with
//! the reference `minisign` CLI, the signed manifest's trusted comment and
//! bundle signing, DSSE envelopes, the `trust.toml` policy, and rollback state.
//!
//! * [`keys`]: [`keys::PublicKey`], [`keys::SecretKey`] (generate, read with an
//!   optional password, write encrypted or not), key ids.
//! * [`sig`]: `.minisig` parsing (with minisign's comment limits), signing
//!   (prehashed `ED`), verification (legacy `Ed` only when allowed).
//! * [`manifest_sig`]: the pinned trusted comment of a manifest signature, its
//!   binding to `manifest.json`, and signing a bundle directory.
//! * [`dsse`]: DSSE envelopes signed with a minisign key's Ed25519 key.
//! * [`policy`]: `trust.toml`, its lint, and evaluation of a bundle's signatures.
//! * [`state`]: rollback protection for a reviewer's accepted releases.
//! * [`review`]: reviewers' signed reviews and coverage; [`review_cache`]: the
//!   verified-review cache.
//! * The workflows, one call each: [`verify`] (a bundle),
//!   [`verify_signature`] (one signature, with rollback state), [`rebuild`]
//!   (verify, rebuild, compare, sign the report), [`review_workflow`] (sign a
//!   review, coverage status), [`key_file`] (a new pair, what a key file
//!   holds), [`log`] (the release log's commands).
//!
//! Nothing here prints or exits: every operation returns a typed error naming
//! the file or key it is about.

pub mod dsse;
pub mod key_file;
pub mod keys;
pub mod log;
pub mod manifest_sig;
pub mod note;
pub mod policy;
pub mod rebuild;
pub mod release;
pub mod reports;
pub mod review;
pub mod review_cache;
pub mod review_workflow;
pub mod sig;
pub mod state;
pub mod verify;
pub mod verify_signature;

pub use keys::{KeyId, PublicKey, SecretKey, SecretKeyFile};
pub use sig::{Legacy, Signature};
