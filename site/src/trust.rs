//! Signature status under a trust policy, from the signing crate's policy
//! evaluation (the same one `vouch verify` runs), for `--trust`.

use crate::bundle::Bundle;
use crate::model::{KeyView, PolicySummary, RoleCount, RoleView, SignatureStatus, TrustView, Validity};
use crate::{SignatureCheck, Verdict};
use std::path::Path;
use vouch_signing::policy::{Policy, show_time};
use vouch_signing::sig::Legacy;
use vouch_signing::verify::{SignedFiles, evaluate};

/// Checks bundles with a trust policy.
pub struct PolicyCheck {
    pub policy: Policy,
}

impl SignatureCheck for PolicyCheck {
    fn check(&self, bundle: &Bundle) -> Verdict {
        let files = SignedFiles {
            files: bundle
                .members
                .iter()
                .filter(|(rel, _)| rel.starts_with("signatures/") || rel.starts_with("reports/"))
                .filter_map(|(rel, m)| Some((rel.clone(), m.bytes.clone()?)))
                .collect(),
            refused: Vec::new(),
        };
        let manifest = bundle.members.get("manifest.json").and_then(|m| m.bytes.clone()).unwrap_or_default();
        let label = Path::new(&bundle.file_name).join("manifest.json");
        let mut notes = Vec::new();
        let r = evaluate(&self.policy, &label, &manifest, &files, Legacy::Refuse, &mut notes).report;
        let mut signatures = std::collections::BTreeMap::new();
        for s in r.signatures.iter().chain(&r.builder_reports) {
            let state = if s.counted {
                Validity::Valid
            } else if s.reason.as_ref().is_some_and(|r| r.is_untrusted()) {
                Validity::Untrusted
            } else {
                Validity::Invalid
            };
            let reason = match (&s.reason, &s.key_name) {
                (Some(why), _) => why.to_string(),
                (None, Some(name)) => {
                    let roles: Vec<&str> = s.roles.iter().map(|r| r.as_str()).collect();
                    format!("key {name}, counted for {}", roles.join(", "))
                }
                (None, None) => "counted".into(),
            };
            signatures.insert(
                s.file.clone(),
                SignatureStatus {
                    state,
                    reason,
                    key_name: s.key_name.clone(),
                    roles: s.roles.iter().map(|r| r.as_str().to_string()).collect(),
                },
            );
        }
        let roles: Vec<RoleCount> = r
            .roles
            .iter()
            .map(|rc| RoleCount {
                role: rc.role.as_str().to_string(),
                threshold: u64::from(rc.threshold),
                found: u64::from(rc.valid),
            })
            .collect();
        let summary = if r.held {
            format!(
                "meets {} (sha256 {})",
                self.policy.path.file_name().and_then(|n| n.to_str()).unwrap_or("the policy"),
                r.policy_sha256
            )
        } else {
            let short: Vec<String> = roles
                .iter()
                .filter(|rc| rc.found < rc.threshold)
                .map(|rc| format!("{}: {} of {}", rc.role, rc.found, rc.threshold))
                .collect();
            format!("does not meet the policy ({})", short.join("; "))
        };
        Verdict { signatures, policy: PolicySummary { held: r.held, summary, roles } }
    }
}

/// The policy as the keys page shows it.
pub fn trust_view(policy: &Policy) -> TrustView {
    TrustView {
        file_name: policy.path.file_name().and_then(|n| n.to_str()).unwrap_or("trust.toml").to_string(),
        sha256: policy.sha256.to_string(),
        keys: policy
            .keys
            .iter()
            .map(|k| KeyView {
                name: k.name.clone(),
                key_id: k.public.key_id_hex(),
                public: k.public.to_base64(),
                roles: k.roles.iter().map(|r| r.as_str().to_string()).collect(),
                not_before: k.not_before.map(show_time),
                not_after: k.not_after.map(show_time),
                revoked: k.revoked.map(show_time),
                compromised: k.compromised,
            })
            .collect(),
        roles: policy
            .thresholds
            .iter()
            .map(|(r, t)| RoleView { name: r.as_str().to_string(), threshold: u64::from(*t) })
            .collect(),
    }
}

/// The reviewers' folder, read once, counted for each release under the
/// policy exactly as `vouch review status` and `vouch verify --reviews` do
/// (each envelope verified at most once for all releases).
pub struct PolicyReviews {
    pub set: vouch_signing::review::ReviewSet,
}

impl crate::ReviewCheck for PolicyReviews {
    fn check(&self, bundle: &Bundle) -> crate::ReleaseReviews {
        use vouch_signing::review;
        let manifest = &bundle.manifest;
        let policy = self.set.policy();
        let reviews = self.set.check(manifest, bundle.manifest_digest);
        let (coverage, requirement) = match &policy.review {
            Some(req) => {
                let (r, _) = review::evaluate(manifest, &reviews, req);
                (r.coverage.clone(), Some(r))
            }
            None => {
                let mut names: Vec<String> = reviews.counted.iter().map(|r| r.criteria.clone()).collect();
                names.sort();
                names.dedup();
                (review::coverage(manifest, &reviews, &names, 1).0, None)
            }
        };
        let criteria = &coverage.criteria;
        let counted = reviews.counted.len();
        let not_counted = reviews.not_counted.iter().map(|(f, w)| (f.clone(), w.to_string())).collect();
        let per_review = reviews
            .counted
            .into_iter()
            .filter(|r| criteria.contains(&r.criteria))
            .map(|r| {
                let view = crate::model::FileReviewView {
                    key: crate::source::clean(&r.key),
                    reviewer: crate::source::clean(&r.reviewer),
                    criteria: crate::source::clean(&r.criteria),
                    verdict: r.verdict.as_str(),
                    time: crate::source::clean(&r.time),
                    release: crate::source::clean(&r.release),
                };
                (view, r.notes, r.matched)
            })
            .collect();
        let paths = manifest.source.files.iter().map(|e| e.path().as_str().to_string()).collect();
        let files = crate::FileReviews::new(paths, per_review);
        crate::ReleaseReviews { coverage: Some(coverage), requirement, files, counted, not_counted }
    }
}
