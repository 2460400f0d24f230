//! Naming the likely cause of a difference between a released artifact and
//! its rebuild, so that a vendor can act on it: the printable strings of
//! each binary are compared, and a string present in one and not the other
//! is matched against what is known to differ between the two builds (the
//! release's source path, the rebuild's work directory, the recorded VCS
//! commit, the build time, the build host).
//!
//! This is a heuristic: it names what it finds, with the string as found;
//! it never claims a difference is explained when nothing matched.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};

/// What a differing string points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CauseKind {
    /// The release's absolute source path is embedded (e.g. `__FILE__`, debug
    /// info without a prefix map).
    ReleaseSourcePath,
    /// The rebuild's work directory is embedded.
    WorkDirectory,
    /// The recorded VCS commit is embedded in one build only (a build
    /// script asking git, which the other could not).
    VcsCommit,
    /// A date or time of the build is embedded (`__DATE__`, `__TIME__`,
    /// a build timestamp): the build ignores `SOURCE_DATE_EPOCH`.
    Timestamp,
    /// The build host's name is embedded.
    BuildHost,
}

/// Which of the two binaries holds the string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Release,
    Rebuilt,
}

/// One named cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cause {
    pub kind: CauseKind,
    /// The binary whose string it is.
    pub side: Side,
    /// The string as found (at most 200 bytes of it).
    pub found: String,
}

impl Cause {
    /// A sentence naming the cause and what to do about it.
    pub fn describe(&self) -> String {
        let side = match self.side {
            Side::Release => "the release",
            Side::Rebuilt => "the rebuild",
        };
        match self.kind {
            CauseKind::ReleaseSourcePath => format!(
                "{side} embeds the release's source path {:?}: map it (-ffile-prefix-map, --remap-path-prefix)",
                self.found
            ),
            CauseKind::WorkDirectory => {
                format!("{side} embeds the rebuild's work directory in {:?}: a path is not remapped", self.found)
            }
            CauseKind::VcsCommit => {
                format!("{side} embeds the VCS commit in {:?}: the build reads git metadata", self.found)
            }
            CauseKind::Timestamp => format!(
                "{side} embeds a build time in {:?}: honour SOURCE_DATE_EPOCH (no __DATE__/__TIME__)",
                self.found
            ),
            CauseKind::BuildHost => format!("{side} embeds the build host's name in {:?}", self.found),
        }
    }
}

/// What is known about the two builds.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    /// The manifest's file paths (a release-only string ending in one of
    /// them, after an absolute prefix, names the release's source path).
    pub files: HashSet<String>,
    /// The rebuild's work directory (canonical).
    pub work: String,
    /// The recorded VCS commit (hex), if any.
    pub commit: Option<String>,
    /// The rebuild's start and end, unix seconds.
    pub window: (i64, i64),
    /// This host's name.
    pub host: Option<String>,
}

/// Printable ASCII runs of at least `min` bytes.
fn strings(bytes: &[u8], min: usize) -> HashSet<&[u8]> {
    let mut out = HashSet::new();
    let mut start = None;
    for (i, &b) in bytes.iter().enumerate() {
        let printable = (0x20..0x7f).contains(&b) || b == b'\t';
        match (printable, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if i - s >= min {
                    out.insert(&bytes[s..i]);
                }
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start
        && bytes.len() - s >= min
    {
        out.insert(&bytes[s..]);
    }
    out
}

fn shown(s: &str) -> String {
    let mut end = s.len().min(200);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Date and time spellings of the seconds in `window` (UTC and this
/// machine's local offset): `__DATE__` (`Dec  1 2026`), ISO dates; and
/// whether a `HH:MM:SS` or unix-seconds value falls within it.
struct Clock {
    dates: BTreeSet<String>,
    window: (i64, i64),
    offsets: Vec<i64>,
}

impl Clock {
    fn new(window: (i64, i64)) -> Clock {
        let mut offsets = vec![0];
        if let Some(o) = local_offset(window.0)
            && o != 0
        {
            offsets.push(o);
        }
        let mut dates = BTreeSet::new();
        for off in &offsets {
            let mut t = window.0 - 60;
            while t <= window.1 + 60 {
                if let Ok(d) = time::OffsetDateTime::from_unix_timestamp(t + off) {
                    let m = MONTHS[d.month() as usize - 1];
                    dates.insert(format!("{m} {:>2} {}", d.day(), d.year()));
                    dates.insert(format!("{}-{:02}-{:02}", d.year(), d.month() as u8, d.day()));
                }
                t += 3600;
            }
            if let Ok(d) = time::OffsetDateTime::from_unix_timestamp(window.1 + off) {
                let m = MONTHS[d.month() as usize - 1];
                dates.insert(format!("{m} {:>2} {}", d.day(), d.year()));
                dates.insert(format!("{}-{:02}-{:02}", d.year(), d.month() as u8, d.day()));
            }
        }
        Clock { dates, window, offsets }
    }

    /// Whether `s` holds a date, time of day or unix time of the window.
    fn matches(&self, s: &str) -> bool {
        if self.dates.iter().any(|d| s.contains(d.as_str())) {
            return true;
        }
        let b = s.as_bytes();
        // HH:MM:SS within the window (of the day, either offset).
        for i in 0..b.len().saturating_sub(7) {
            let w = &b[i..i + 8];
            if w[2] == b':' && w[5] == b':' && [0, 1, 3, 4, 6, 7].iter().all(|&k| w[k].is_ascii_digit()) {
                let n = |k: usize| ((w[k] - b'0') * 10 + (w[k + 1] - b'0')) as i64;
                let secs = n(0) * 3600 + n(3) * 60 + n(6);
                for off in &self.offsets {
                    let lo = (self.window.0 + off - 60).rem_euclid(86400);
                    let span = (self.window.1 - self.window.0 + 120).min(86400);
                    if (secs - lo).rem_euclid(86400) <= span {
                        return true;
                    }
                }
            }
        }
        // Ten-digit unix seconds within the window.
        let mut run = 0;
        for (i, c) in b.iter().enumerate() {
            if c.is_ascii_digit() {
                run += 1;
            } else {
                run = 0;
            }
            let next_digit = b.get(i + 1).is_some_and(|c| c.is_ascii_digit());
            if run == 10 && !next_digit {
                let v: i64 = s[i + 1 - 10..=i].parse().unwrap_or(0);
                if v >= self.window.0 - 60 && v <= self.window.1 + 60 {
                    return true;
                }
            }
        }
        false
    }
}

/// A generic date or time spelling (`Mmm dd yyyy`, `HH:MM:SS`), for the
/// release's side, whose build time is not known here.
fn looks_like_time(s: &str) -> bool {
    let b = s.as_bytes();
    let hms = (0..b.len().saturating_sub(7)).any(|i| {
        let w = &b[i..i + 8];
        w[2] == b':'
            && w[5] == b':'
            && [0, 1, 3, 4, 6, 7].iter().all(|&k| w[k].is_ascii_digit())
            && w[0] <= b'2'
            && w[3] <= b'5'
            && w[6] <= b'5'
    });
    let date = MONTHS.iter().any(|m| {
        s.match_indices(m).any(|(i, _)| {
            let rest = &b[i + 3..];
            rest.len() >= 8
                && rest[0] == b' '
                && (rest[1] == b' ' || rest[1].is_ascii_digit())
                && rest[2].is_ascii_digit()
                && rest[3] == b' '
                && rest[4..8].iter().all(u8::is_ascii_digit)
        })
    });
    hms || date
}

/// The release's source path in a string: an absolute prefix followed by
/// `/<a manifest file>`.
fn source_path_in(s: &str, files: &HashSet<String>) -> Option<String> {
    let start = s.find('/')?;
    let s = &s[start..];
    for (i, _) in s.match_indices('/').skip(1) {
        let rest = &s[i + 1..];
        let end = rest.find([':', ' ', '"', '\'', ')', ',']).unwrap_or(rest.len());
        if files.contains(&rest[..end]) {
            return Some(s[..i].to_string());
        }
    }
    None
}

/// Whether `word` occurs in `s` between non-alphanumeric characters.
fn contains_word(s: &str, word: &str) -> bool {
    s.match_indices(word).any(|(i, _)| {
        let before = s[..i].chars().next_back().is_none_or(|c| !c.is_ascii_alphanumeric());
        let after = s[i + word.len()..].chars().next().is_none_or(|c| !c.is_ascii_alphanumeric());
        before && after
    })
}

/// The likely causes of the difference between `release` and `rebuilt`,
/// one per kind and side, in a fixed order.
pub fn find(release: &[u8], rebuilt: &[u8], hints: &Hints) -> Vec<Cause> {
    let a = strings(release, 4);
    let b = strings(rebuilt, 4);
    let mut only_a: Vec<&str> = a.difference(&b).filter_map(|s| std::str::from_utf8(s).ok()).collect();
    let mut only_b: Vec<&str> = b.difference(&a).filter_map(|s| std::str::from_utf8(s).ok()).collect();
    only_a.sort();
    only_b.sort();
    let mut out: Vec<Cause> = Vec::new();
    let mut add = |kind, side, found: &str| {
        if !out.iter().any(|c: &Cause| c.kind == kind && c.side == side) {
            out.push(Cause { kind, side, found: shown(found) });
        }
    };
    // The release's source path, from a file path of the manifest.
    let mut release_root = None;
    for s in &only_a {
        if let Some(root) = source_path_in(s, &hints.files) {
            add(CauseKind::ReleaseSourcePath, Side::Release, &root);
            release_root = Some(root);
            break;
        }
    }
    let work_found = !hints.work.is_empty() && only_b.iter().any(|s| s.contains(hints.work.as_str()));
    if work_found && let Some(s) = only_b.iter().find(|s| s.contains(hints.work.as_str())) {
        add(CauseKind::WorkDirectory, Side::Rebuilt, s);
    }
    // The rebuild embeds its work directory, the release something else at
    // its place: the release's first absolute directory-like string.
    if work_found
        && release_root.is_none()
        && let Some(s) = only_a
            .iter()
            .find(|s| s.starts_with('/') && !s.contains(char::is_whitespace) && s.matches('/').count() >= 2)
    {
        add(CauseKind::ReleaseSourcePath, Side::Release, s);
    }
    if let Some(commit) = hints.commit.as_deref().filter(|c| c.len() >= 7) {
        let short = &commit[..7];
        for (side, list) in [(Side::Release, &only_a), (Side::Rebuilt, &only_b)] {
            if let Some(s) = list.iter().find(|s| s.contains(short)) {
                add(CauseKind::VcsCommit, side, s);
            }
        }
    }
    let clock = Clock::new(hints.window);
    if let Some(s) = only_b.iter().find(|s| clock.matches(s)) {
        add(CauseKind::Timestamp, Side::Rebuilt, s);
        if let Some(r) = only_a.iter().find(|s| looks_like_time(s)) {
            add(CauseKind::Timestamp, Side::Release, r);
        }
    }
    if let Some(host) = hints.host.as_deref().filter(|h| h.len() >= 2 && *h != "localhost")
        && let Some(s) = only_b.iter().find(|s| contains_word(s, host))
    {
        add(CauseKind::BuildHost, Side::Rebuilt, s);
    }
    out
}

/// This machine's offset from UTC at `t` (its `/etc/localtime`, which a
/// confined build reads too), in seconds, from `date +%z`.
fn local_offset(t: i64) -> Option<i64> {
    let out = std::process::Command::new("date")
        .arg("-d")
        .arg(format!("@{t}"))
        .arg("+%z")
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    let z = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let (sign, digits) = match z.as_bytes().first()? {
        b'+' => (1, &z[1..]),
        b'-' => (-1, &z[1..]),
        _ => return None,
    };
    if digits.len() != 4 {
        return None;
    }
    let h: i64 = digits[..2].parse().ok()?;
    let m: i64 = digits[2..].parse().ok()?;
    Some(sign * (h * 3600 + m * 60))
}

/// This machine's host name.
pub fn host_name() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname").ok().map(|h| h.trim().to_string()).filter(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hints() -> Hints {
        Hints {
            files: ["src/main.c".to_string()].into_iter().collect(),
            work: "/tmp/w/x-rebuild".into(),
            commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
            // 2026-12-01T20:37:13Z
            window: (1796157433, 1796157493),
            host: Some("buildbox".into()),
        }
    }

    #[test]
    fn names_each_cause() {
        let rel = b"\0/home/vendor/proj/src/main.c\0version 1.0 0123456a\0Nov 30 2026 08:00:00\0on otherhost\0";
        let reb = b"\0/tmp/w/x-rebuild/source/src/main.c\0version 1.0\0Dec  1 2026 20:37:20\0on buildbox\0";
        let c = find(rel, reb, &hints());
        let kinds: Vec<(CauseKind, Side)> = c.iter().map(|c| (c.kind, c.side)).collect();
        assert!(kinds.contains(&(CauseKind::ReleaseSourcePath, Side::Release)), "{c:?}");
        assert_eq!(c.iter().find(|c| c.kind == CauseKind::ReleaseSourcePath).unwrap().found, "/home/vendor/proj");
        assert!(kinds.contains(&(CauseKind::WorkDirectory, Side::Rebuilt)), "{c:?}");
        assert!(kinds.contains(&(CauseKind::VcsCommit, Side::Release)), "{c:?}");
        assert!(kinds.contains(&(CauseKind::Timestamp, Side::Rebuilt)), "{c:?}");
        assert!(kinds.contains(&(CauseKind::Timestamp, Side::Release)), "{c:?}");
        assert!(kinds.contains(&(CauseKind::BuildHost, Side::Rebuilt)), "{c:?}");
        assert!(find(rel, rel, &hints()).is_empty());
    }

    #[test]
    fn unix_seconds_in_the_window() {
        let c = find(b"\0built at 1700000000\0", b"\0built at 1796157450\0", &hints());
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].kind, CauseKind::Timestamp);
    }
}
