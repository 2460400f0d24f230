//! The attack suite: every attack class vouch is meant to withstand, or is
//! known not to, each a module naming the tests that cover it, so a reader
//! sees at a glance what is covered and what is not.
//!
//! The classes are TUF's list ("Survivable key compromise in software update
//! systems", Samuel et al., CCS 2010, and the TUF specification's "Attacks
//! and weaknesses"), plus five that follow from what vouch reads and renders:
//! path traversal, symlink escape, untrusted code in rebuilds, terminal
//! injection and HTML injection. The README's "Security" section states the
//! same classes as promises.
//!
//! Each module's doc comment lists the existing tests by `file::name`; the
//! tests written here are the ones that were missing and quick to write
//! against the built binary. Where vouch does not defend against a class,
//! the module says so and its test pins the current behaviour (so the day a
//! defence lands, the test changes with it, rather than a test that cannot
//! fail standing in for a guarantee).
//!
//! Below the signature layer, the parsers of attacker-controlled bytes are
//! fuzzed (`fuzz/`, `bench/fuzz.sh`); `tests/tests/fuzz_replay.rs` replays
//! every kept input through the same entry points.

use std::path::{Path, PathBuf};
use vouch_tests::{Dir, Run, TestCommand};

/// 2026-01-01T00:00:00Z, the `created` time of [`vouch_tests::manifest_bundle`].
const T0: i64 = 1_767_225_600;
const DAY: i64 = 86_400;

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn vouch<const N: usize>(args: [&str; N]) -> Run {
    TestCommand::vouch(args).run()
}

/// A scratch set-up: release keys `a` and `b`, a one-file source tree, and
/// unsigned bundles made from it on demand.
struct Setup {
    d: Dir,
}

impl Setup {
    fn new() -> Setup {
        let d = Dir::new();
        let keys = d.mkdir("keys");
        for k in ["a", "b"] {
            vouch_tests::key_pair(&keys, k);
        }
        d.write("src/main.rs", "fn main() {}\n");
        Setup { d }
    }

    fn key(&self, k: &str) -> PathBuf {
        self.d.join(format!("keys/{k}.key"))
    }

    fn public_line(&self, k: &str) -> String {
        let text = std::fs::read_to_string(self.d.join(format!("keys/{k}.pub"))).unwrap();
        text.lines().nth(1).unwrap().to_string()
    }

    /// An unsigned bundle `hello-<version>` of the source tree.
    fn bundle(&self, version: &str) -> PathBuf {
        vouch_tests::manifest_bundle(&self.d, "src", "hello", version)
    }

    /// Signs `bundle` with key `k` at `time` (the trusted timestamp).
    fn sign(&self, bundle: &Path, k: &str, time: i64) {
        vouch(["sign", &s(bundle), "--key", &s(&self.key(k)), "--now", &time.to_string()]).ok();
    }

    /// A policy with keys `a` (plus `extra_a` lines) and `b`, both release
    /// keys, and the release threshold.
    fn policy(&self, extra_a: &str, threshold: u32) -> PathBuf {
        self.d.write(
            "trust.toml",
            format!(
                "[keys.a]\npublic = \"{}\"\nroles = [\"release\"]\n{extra_a}\n\
                 [keys.b]\npublic = \"{}\"\nroles = [\"release\"]\n\n\
                 [roles.release]\nthreshold = {threshold}\n",
                self.public_line("a"),
                self.public_line("b"),
            ),
        )
    }

    fn verify(&self, bundle: &Path, policy: &Path, extra: &[&str]) -> Run {
        let mut a = vec!["verify".to_string(), s(bundle), "--trust".into(), s(policy)];
        a.extend(extra.iter().map(|x| x.to_string()));
        TestCommand::vouch(a).run()
    }
}

/// Rewrites a bundle's manifest.json through `edit` (not re-signed).
fn edit_manifest(bundle: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let p = bundle.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    edit(&mut m);
    std::fs::write(&p, serde_json::to_vec(&m).unwrap()).unwrap();
}

/// **Arbitrary software**: the attacker serves a bundle, a manifest or an
/// artifact of their own. Every file a manifest lists is checked against its
/// signed digest, and only signatures by policy keys count.
///
/// Covered by: `verify::altered_or_missing_files_are_named`,
/// `verify::untrusted_keys_and_foreign_signatures_fail`,
/// `verify::wrong_artifacts_name_the_closest_and_bad_inputs_exit_2`,
/// `signing::bad_signatures_and_inputs`,
/// `signing::bundle_signing_cosigning_and_binding`,
/// `site::a_source_file_that_differs_from_the_manifest_is_flagged`, and below.
mod arbitrary_software {
    use super::*;

    /// An unsigned bundle, and one signed by a key outside the policy, do
    /// not verify; the policy's key then makes the same bundle verify.
    #[test]
    fn unsigned_and_foreign_key_bundles_are_refused() {
        let x = Setup::new();
        let b = x.bundle("1.0.0");
        let policy = x.d.write(
            "only-b.toml",
            format!(
                "[keys.b]\npublic = \"{}\"\nroles = [\"release\"]\n\n[roles.release]\nthreshold = 1\n",
                x.public_line("b")
            ),
        );
        x.verify(&b, &policy, &[]).code(1).says("NOT VERIFIED");
        x.sign(&b, "a", T0 + DAY);
        x.verify(&b, &policy, &[]).code(1).says("not in the policy").says("NOT VERIFIED");
        x.sign(&b, "b", T0 + DAY);
        x.verify(&b, &policy, &[]).ok().says("VERIFIED: hello 1.0.0");
    }
}

/// **Rollback**: the attacker serves an older, genuinely signed release.
/// With `--state`, a release older than (or of the same precedence as, with
/// other bytes than) an accepted one is refused, and nothing refused is
/// recorded. A release accepted before still verifies after a newer one
/// (deployed binaries of it may still be checked against it): the state
/// stops releases never accepted, not the re-verification of accepted ones.
/// Without `--state` vouch has no memory: an old release verifies.
///
/// Covered by: `verify::rollback_and_same_version_different_digest_are_refused`,
/// `verify::the_same_version_with_other_build_metadata_and_another_digest_is_refused`,
/// `verify::a_concurrent_newer_and_older_pair_never_leaves_only_the_older`,
/// `verify::fifty_concurrent_verifies_of_distinct_projects_are_all_recorded`,
/// `verify::a_symlinked_state_is_followed_and_its_target_updated`,
/// `verify::a_read_only_state_is_refused_and_a_state_keeps_its_mode`,
/// `verify::a_state_that_is_not_a_regular_file_or_too_large_is_refused_without_hanging`,
/// `signing::rollback_state`, `signing::trust_policy_with_rollback_state`.
mod rollback {}

/// **Indefinite freeze**: the attacker (or a mirror) keeps serving an old
/// release so that the reviewer never sees the newer one. **Not covered**:
/// the formats carry no expiry and no freshness statement (no timestamp
/// role), so an old release verifies forever, and the validity window of a
/// key is checked against the signature's own timestamp, not the time of
/// verification. The release log (its checkpoints, witnessed and compared
/// between agencies) is where freshness can come from; until `verify`
/// requires a recent checkpoint, a frozen view is not detected.
mod indefinite_freeze {
    use super::*;

    /// Current behaviour: with 2.0.0 released, 1.0.0 still verifies, for a
    /// reviewer who never saw 2.0.0 and again and again for one who accepted
    /// 1.0.0, even though its key's `not-after` has passed. After 2.0.0 is
    /// accepted, 1.0.0 (accepted before) still verifies, as "already
    /// accepted"; only a release never accepted and older than 2.0.0 is a
    /// rollback.
    #[test]
    fn an_old_release_verifies_forever_and_past_a_keys_not_after() {
        let x = Setup::new();
        let old = x.bundle("1.0.0");
        x.sign(&old, "a", T0 + DAY);
        let new = x.bundle("2.0.0");
        x.sign(&new, "a", T0 + 2 * DAY);
        let between = x.bundle("1.5.0");
        x.sign(&between, "a", T0 + 2 * DAY);
        // Key a's window ended on 2026-01-10, long before this test runs.
        let policy = x.policy("not-after = 2026-01-10T00:00:00Z", 1);
        let state = x.d.join("state.json");
        let st = s(&state);
        x.verify(&old, &policy, &["--state", &st]).ok().says("VERIFIED: hello 1.0.0");
        x.verify(&old, &policy, &["--state", &st]).ok().says("VERIFIED: hello 1.0.0");
        assert!(!std::fs::read_to_string(&state).unwrap().contains("2.0.0"), "nothing tells the reviewer of 2.0.0");
        x.verify(&new, &policy, &["--state", &st]).ok();
        x.verify(&old, &policy, &["--state", &st]).ok().says("already accepted").says("VERIFIED: hello 1.0.0");
        x.verify(&between, &policy, &["--state", &st]).code(1).says("rollback");
    }
}

/// **Endless data**: the attacker serves files that never end, or that
/// expand when parsed. Every file vouch reads from a bundle is bounded
/// before it is parsed (manifest, signatures, provenance, SBOMs, state,
/// archive members and extension headers), FIFOs and devices are refused
/// without being opened for reading, and SBOM parsing has an element budget.
///
/// Covered by: `hardening::bundle_files_that_are_symlinks_fifos_or_misplaced_are_refused_without_reading_them`,
/// `hardening::tar_extension_headers_claiming_gigabytes_are_refused_before_parsing`,
/// `verify::a_state_that_is_not_a_regular_file_or_too_large_is_refused_without_hanging`,
/// `sbom::a_100_mb_sbom_is_bounded`, `rebuild::a_hanging_build_is_killed_at_the_timeout_and_cleaned_up`,
/// `vouch-manifests archive::tests::pax_size_override` (a PAX `size` record
/// that disagrees with its header, found by the `archive` fuzz target), and
/// the fuzz targets' replay (`fuzz_replay`).
mod endless_data {}

/// **Extraneous dependencies**: the attacker adds dependencies or files the
/// release did not have. The manifest's `build.dependencies` come from
/// `Cargo.lock` and are signed; `sbom check` compares an SBOM with them and
/// a rebuild runs offline against the locked set only. A file in a bundle
/// that the manifest does not list is **ignored** (never read, never used,
/// never reported as verified): it cannot make a bundle fail or pass.
///
/// Covered by: `sbom::check_against_cargo_lock`,
/// `sbom::check_bundle_against_its_build_record`,
/// `rebuild::rebuilds_bit_for_bit_offline_with_an_empty_cargo_home`, and below.
mod extraneous_dependencies {
    use super::*;

    /// Current behaviour: unlisted files under `deps/` and `artifacts/` and
    /// an unlisted SBOM neither fail the bundle nor show up as checked.
    #[test]
    fn unlisted_files_in_a_bundle_are_ignored() {
        let x = Setup::new();
        let b = x.bundle("1.0.0");
        x.sign(&b, "a", T0 + DAY);
        let policy = x.policy("", 1);
        x.d.write("bundles/hello-1.0.0/deps/evil.tar", "not a tar");
        x.d.write("bundles/hello-1.0.0/sbom/extra.cdx.json", "{}");
        let r = x.verify(&b, &policy, &[]);
        r.ok().says("VERIFIED: hello 1.0.0");
        for name in ["evil.tar", "extra.cdx.json"] {
            assert!(!r.stdout.contains(name) && !r.stderr.contains(name), "{name} is reported:\n{}", r.stdout);
        }
    }
}

/// **Mix-and-match**: the attacker combines pieces of different releases
/// (a signature of one manifest with another manifest, one release's
/// provenance with another's). A manifest signature's trusted comment names
/// the project, version and SHA-256 of the manifest it signs; provenance
/// names the manifest's digest and the artifacts'.
///
/// Covered by: `signing::manifest_comment_must_match_the_manifest`,
/// `signing::bundle_signing_cosigning_and_binding`,
/// `verify::a_duplicate_provenance_subject_fails_naming_it`, and below.
mod mix_and_match {
    use super::*;

    #[test]
    fn a_signature_of_another_release_does_not_count() {
        let x = Setup::new();
        let one = x.bundle("1.0.0");
        x.sign(&one, "a", T0 + DAY);
        let two = x.bundle("2.0.0");
        let sigs = two.join("signatures");
        std::fs::create_dir_all(&sigs).unwrap();
        for e in std::fs::read_dir(one.join("signatures")).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), sigs.join(e.file_name())).unwrap();
        }
        let policy = x.policy("", 1);
        x.verify(&two, &policy, &[]).code(1).says("does not count").says("trusted comment says").says("NOT VERIFIED");
    }
}

/// **Malicious mirrors**: whoever carries bundles (a mirror, a USB stick, a
/// file share) can alter, withhold, reorder or replay them. Nothing a mirror
/// serves is trusted: every check is against the reviewer's own policy and
/// state, offline. What a mirror can still do is what the other classes say
/// it can: freeze a reviewer's view (not covered), or roll back a reviewer
/// without `--state`.
///
/// Covered by: `verify::a_good_bundle_verifies_as_directory_and_archive_offline`
/// (no network, in a namespace without interfaces),
/// `verify::hostile_and_truncated_archives_are_refused_leaving_nothing`,
/// `hardening::bundle_files_that_are_symlinks_fifos_or_misplaced_are_refused_without_reading_them`,
/// and every module here.
mod malicious_mirrors {}

/// **Fast-forward**: the attacker makes the reviewer accept a version
/// number far ahead, so that the genuine next release looks like a
/// rollback. Without a release key this needs an edited manifest, which no
/// signature covers, so it is refused before the state is touched. With a
/// release key (key compromise at the threshold) it is possible: the
/// reviewer must then edit the state file by hand.
mod fast_forward {
    use super::*;

    #[test]
    fn an_edited_version_is_refused_and_does_not_advance_the_state() {
        let x = Setup::new();
        let policy = x.policy("", 1);
        let state = x.d.join("state.json");
        let st = s(&state);
        let one = x.bundle("1.0.0");
        x.sign(&one, "a", T0 + DAY);
        x.verify(&one, &policy, &["--state", &st]).ok();
        let before = std::fs::read(&state).unwrap();
        // 2.0.0 signed, then its manifest (and folder) claim 9.9.9.
        let two = x.bundle("2.0.0");
        x.sign(&two, "a", T0 + 2 * DAY);
        edit_manifest(&two, |m| m["project"]["version"] = "9.9.9".into());
        let forged = two.with_file_name("hello-9.9.9");
        std::fs::rename(&two, &forged).unwrap();
        x.verify(&forged, &policy, &["--state", &st]).code(1).says("trusted comment says").says("NOT VERIFIED");
        assert_eq!(std::fs::read(&state).unwrap(), before, "a refused release is not recorded");
        // The genuine next release is still accepted.
        let next = x.bundle("1.1.0");
        x.sign(&next, "a", T0 + 3 * DAY);
        x.verify(&next, &policy, &["--state", &st]).ok().says("VERIFIED: hello 1.1.0");
    }
}

/// **Key compromise below the threshold**: with a release threshold of
/// two, one stolen key signs nothing that verifies, and a copy of one
/// signature under another name does not count twice.
///
/// Covered by: `signing::trust_policy_thresholds_cosigning_validity_revocation`,
/// and below.
///
/// **Key compromise at the threshold**: keys enough to meet the threshold
/// sign whatever the attacker likes, and vouch cannot tell. What it offers
/// is recovery in the policy: `compromised = true` (every signature of the
/// key fails) or `revoked = <time>` (signatures timestamped after it fail;
/// the timestamp is the signer's claim, so a thief can backdate: use
/// `compromised` once a key is stolen). There is no key rotation signed by
/// the old keys: the reviewer edits `trust.toml` on word from the vendor.
///
/// Covered by: `signing::trust_policy_thresholds_cosigning_validity_revocation`,
/// `verify::implausible_signing_times_are_malformed_signatures`, and below.
mod key_compromise {
    use super::*;

    #[test]
    fn below_the_threshold_one_stolen_key_signs_nothing_that_verifies() {
        let x = Setup::new();
        let b = x.bundle("6.6.6");
        x.sign(&b, "a", T0 + DAY);
        let policy = x.policy("", 2);
        x.verify(&b, &policy, &[]).code(1).says("1 of 2").says("NOT VERIFIED");
    }

    /// Current behaviour: at the threshold the attacker's release verifies;
    /// marking a key compromised, or revoked before the signing time, is
    /// what stops it.
    #[test]
    fn at_the_threshold_only_the_policy_stops_the_stolen_keys() {
        let x = Setup::new();
        let b = x.bundle("6.6.6");
        x.sign(&b, "a", T0 + 2 * DAY);
        x.sign(&b, "b", T0 + 2 * DAY);
        x.verify(&b, &x.policy("", 2), &[]).ok().says("VERIFIED: hello 6.6.6");
        x.verify(&b, &x.policy("compromised = true", 2), &[]).code(1).says("compromised").says("NOT VERIFIED");
        x.verify(&b, &x.policy("revoked = 2026-01-02T00:00:00Z", 2), &[]).code(1).says("revoked").says("NOT VERIFIED");
        // A revocation after the (claimed) signing time lets it through.
        x.verify(&b, &x.policy("revoked = 2026-01-04T00:00:00Z", 2), &[]).ok();
    }
}

/// **Path traversal**: a name in a manifest, an archive, an SBOM reference
/// or an artifact path that climbs out of its root (`..`, `/`, backslashes,
/// control characters). Every path is a checked relative path from the
/// moment it is parsed; archives are refused whole.
///
/// Covered by: `manifest::bad_input_is_named_with_exit_2` (a `../a` entry),
/// `release::bad_input_is_named_and_leaves_nothing` (`../escape` artifact),
/// `verify::hostile_and_truncated_archives_are_refused_leaving_nothing`,
/// `vouch-manifests archive::tests::hostile_archives_are_refused`,
/// `site::hostile_names_are_escaped_on_every_page_type`, the `manifest` and
/// `archive` fuzz targets (every member path is a checked relative path),
/// and below.
mod path_traversal {
    use super::*;

    /// A manifest entry `../evil` is refused when the manifest is parsed,
    /// before any signature is looked at, and the path is named. (Exit 2,
    /// "could not check", as for any manifest that does not parse.)
    #[test]
    fn a_manifest_entry_climbing_out_is_refused_naming_it() {
        let x = Setup::new();
        let b = x.bundle("1.0.0");
        x.sign(&b, "a", T0 + DAY);
        edit_manifest(&b, |m| m["source"]["files"][0]["path"] = "../evil".into());
        let r = x.verify(&b, &x.policy("", 1), &[]);
        assert_ne!(r.code, 0, "{}", r.stdout);
        r.says("../evil").says("'..'");
        assert!(!r.stdout.contains("VERIFIED: "), "{}", r.stdout);
    }
}

/// **Symlink escape**: a symlink in the source, the bundle or an archive
/// that points outside it. Source symlinks are recorded (kind `symlink`,
/// the target string hashed), never followed; a bundle's files are opened
/// without following symlinks; archives may not hold links at all; a
/// rebuild refuses a recorded symlink that points outside the tree.
///
/// Covered by: `manifest::every_entry_kind` (an escaping symlink recorded,
/// not followed), `hardening::bundle_files_that_are_symlinks_fifos_or_misplaced_are_refused_without_reading_them`,
/// `verify::hostile_and_truncated_archives_are_refused_leaving_nothing`,
/// `vouch-manifests archive::tests::hostile_archives_are_refused`. The
/// reviewer's own state file may be a symlink and is followed
/// (`verify::a_symlinked_state_is_followed_and_its_target_updated`): it is
/// not attacker-controlled.
mod symlink_escape {}

/// **Untrusted code in rebuilds**: `vouch rebuild` runs the release's build
/// command, which is the vendor's code, and only after the bundle verifies
/// under `--trust` exactly as `vouch verify --source` checks it (exit 1, and
/// nothing it controls runs, otherwise). The command runs in a work
/// directory holding exactly the manifest's files, from a launcher that
/// starts with an empty environment and applies Landlock before it sets the
/// recorded variables: writes only beneath the work directory, reads only
/// the work directory, the toolchain and the system's read-only directories,
/// no network (a network namespace, else Landlock's TCP rules), a private
/// cargo home, and SIGINT/SIGTERM or `--timeout` killing the whole process
/// group. A manifest naming a variable outside the allow-list (`LD_PRELOAD`,
/// `PATH`, a secret) or a `workdir` outside the source is refused when it is
/// parsed. **Not covered**: UDP under the Landlock-only network fallback;
/// `/proc` and `/sys` stay readable.
///
/// Covered by: `rebuild::rebuilds_bit_for_bit_offline_with_an_empty_cargo_home`,
/// `rebuild::a_build_writing_outside_its_work_directory_fails`,
/// `rebuild::a_hanging_build_is_killed_at_the_timeout_and_cleaned_up`,
/// `rebuild::a_changed_byte_is_refused_at_the_source_check_or_explained`,
/// `rebuild::a_bundle_that_does_not_verify_is_refused_before_anything_it_controls_runs`,
/// `rebuild::env_names_outside_the_allow_list_and_workdirs_outside_the_source_are_refused_when_parsed`,
/// `rebuild::the_build_starts_from_a_clean_environment`,
/// `rebuild::a_build_cannot_read_outside_its_work_directory_the_toolchain_and_the_system`,
/// `rebuild::a_build_cannot_write_the_cargo_home_or_outside_its_work_directory`,
/// `rebuild::a_build_cannot_reach_the_network`,
/// `rebuild::an_interrupted_rebuild_kills_the_whole_build_and_removes_its_work_directory`,
/// `vouch-manifests manifest::tests::build_env_and_workdir_are_data_the_parser_checks`,
/// and below.
mod untrusted_code_in_rebuilds {
    use super::*;

    #[test]
    fn a_manifest_recording_ld_preload_or_path_is_refused() {
        let x = Setup::new();
        for (name, value) in [("LD_PRELOAD", "/tmp/evil.so"), ("PATH", "/tmp/evil"), ("GITHUB_TOKEN", "x")] {
            let b = x.bundle("1.0.0");
            edit_manifest(&b, |m| {
                m["build"] = serde_json::json!({
                    "command": ["cargo", "build", "--release"],
                    "workdir": ".",
                    "env": { name: value },
                })
            });
            vouch(["manifest", "show", &s(&b.join("manifest.json"))]).code(2).says(name).says("allow");
            std::fs::remove_dir_all(&b).unwrap();
        }
    }
}

/// **Terminal injection**: names and texts from a bundle (paths, comments,
/// project names, SBOM fields) reaching the reviewer's terminal with escape
/// sequences or bidirectional controls. Every attacker-controlled string is
/// printed with controls made visible; JSON output is escaped as JSON.
///
/// Covered by: `hardening::text_from_files_reaches_the_terminal_with_controls_visible`.
mod terminal_injection {}

/// **HTML injection**: the same strings reaching the review site. Every
/// page escapes them (Tera autoescaping), and a real browser loading the
/// pages of hostile bundles runs no script of theirs.
///
/// Covered by: `site::hostile_names_are_escaped_on_every_page_type`,
/// `site::fixture_site_is_valid_html_and_every_link_resolves`,
/// `site_browser::a_reviewer_browses_searches_and_no_script_runs`,
/// `site_trust::trust_policy_status_reaches_the_pages`.
mod html_injection {}
