//! A line diff (Myers' O(ND) algorithm) bounded in size: files over
//! [`MAX_LINES`] lines or more than [`MAX_EDITS`] edits apart get no line
//! diff (the changes page says why), so one huge change cannot stall a
//! build. The common prefix and suffix are stripped first, in linear time.

use serde::Serialize;
use std::collections::HashMap;

/// Most lines per side compared.
pub const MAX_LINES: usize = 50_000;
/// Most inserted plus deleted lines searched for.
pub const MAX_EDITS: usize = 2_000;
/// Unchanged lines shown around each change.
pub const CONTEXT: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Same,
    Add,
    Del,
}

/// One line of a hunk.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub op: Op,
    /// Line number in the old file (none for an added line).
    pub old: Option<usize>,
    /// Line number in the new file (none for a deleted line).
    pub new: Option<usize>,
    pub text: String,
}

/// A run of changes with [`CONTEXT`] lines around them.
#[derive(Debug, Clone, Serialize)]
pub struct Hunk {
    /// `@@ -a,b +c,d @@`.
    pub header: String,
    pub lines: Vec<Line>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LineDiff {
    pub hunks: Vec<Hunk>,
    pub added: usize,
    pub removed: usize,
}

/// Why there is no line diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TooBig {
    Lines,
    Edits,
}

fn split(s: &str) -> Vec<&str> {
    if s.is_empty() {
        return Vec::new();
    }
    s.strip_suffix('\n').unwrap_or(s).split('\n').collect()
}

/// The edit script between `a` and `b` as a list of ops (Same, Del, Add).
fn script(a: &[u32], b: &[u32]) -> Result<Vec<Op>, TooBig> {
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..].iter().rev().zip(b[pre..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (ma, mb) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    let mut ops = vec![Op::Same; pre];
    ops.extend(myers(ma, mb)?);
    ops.extend(std::iter::repeat_n(Op::Same, suf));
    Ok(ops)
}

fn myers(a: &[u32], b: &[u32]) -> Result<Vec<Op>, TooBig> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    if n == 0 || m == 0 {
        let mut v = vec![Op::Del; n as usize];
        v.extend(std::iter::repeat_n(Op::Add, m as usize));
        return Ok(v);
    }
    let max = ((n + m) as usize).min(MAX_EDITS) as isize;
    let off = max + 1;
    let mut v = vec![0isize; (2 * max + 3) as usize];
    // The frontier after each step d, for the walk back.
    let mut trace: Vec<Vec<isize>> = Vec::new();
    let mut found = None;
    'outer: for d in 0..=max {
        for k in (-d..=d).step_by(2) {
            let down = k == -d || (k != d && v[(off + k - 1) as usize] < v[(off + k + 1) as usize]);
            let mut x = if down { v[(off + k + 1) as usize] } else { v[(off + k - 1) as usize] + 1 };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[(off + k) as usize] = x;
            if x >= n && y >= m {
                trace.push(v[(off - d) as usize..=(off + d) as usize].to_vec());
                found = Some(d);
                break 'outer;
            }
        }
        trace.push(v[(off - d) as usize..=(off + d) as usize].to_vec());
    }
    let Some(dmax) = found else {
        return Err(TooBig::Edits);
    };
    // Walk back from (n, m).
    let mut ops = Vec::with_capacity((n + m) as usize);
    let (mut x, mut y) = (n, m);
    for d in (1..=dmax).rev() {
        let prev = &trace[(d - 1) as usize];
        let at = |k: isize| prev[(k + d - 1) as usize];
        let k = x - y;
        let down = k == -d || (k != d && at(k - 1) < at(k + 1));
        let pk = if down { k + 1 } else { k - 1 };
        let px = at(pk);
        let py = px - pk;
        let (mx, my) = if down { (px, py + 1) } else { (px + 1, py) };
        while x > mx && y > my {
            ops.push(Op::Same);
            x -= 1;
            y -= 1;
        }
        if down {
            ops.push(Op::Add);
        } else {
            ops.push(Op::Del);
        }
        x = px;
        y = py;
    }
    while x > 0 && y > 0 {
        ops.push(Op::Same);
        x -= 1;
        y -= 1;
    }
    ops.reverse();
    Ok(ops)
}

/// The lines of both sides as numbers, equal lines equal numbers, so
/// comparing is one integer compare.
fn number<'a>(a: &[&'a str], b: &[&'a str]) -> (Vec<u32>, Vec<u32>) {
    let mut ids: HashMap<&'a str, u32> = HashMap::with_capacity(a.len() + b.len());
    let mut out = [Vec::with_capacity(a.len()), Vec::with_capacity(b.len())];
    for (k, lines) in [a, b].into_iter().enumerate() {
        for s in lines {
            let next = ids.len() as u32;
            out[k].push(*ids.entry(*s).or_insert(next));
        }
    }
    let [ia, ib] = out;
    (ia, ib)
}

/// Line diff of two texts, with hunks of [`CONTEXT`] lines.
pub fn diff(old: &str, new: &str) -> Result<LineDiff, TooBig> {
    let (a, b) = (split(old), split(new));
    if a.len() > MAX_LINES || b.len() > MAX_LINES {
        return Err(TooBig::Lines);
    }
    // Lines as numbers, so comparing is one integer compare.
    let (ia, ib) = number(&a, &b);
    let ops = script(&ia, &ib)?;
    // Every line with its numbers.
    let mut all: Vec<(Op, usize, usize)> = Vec::with_capacity(ops.len());
    let (mut i, mut j) = (0usize, 0usize);
    let (mut added, mut removed) = (0, 0);
    for op in ops {
        all.push((op, i, j));
        match op {
            Op::Same => {
                i += 1;
                j += 1;
            }
            Op::Del => {
                i += 1;
                removed += 1;
            }
            Op::Add => {
                j += 1;
                added += 1;
            }
        }
    }
    // Group changes with their context into hunks.
    let mut hunks = Vec::new();
    let mut idx = 0;
    while idx < all.len() {
        if all[idx].0 == Op::Same {
            idx += 1;
            continue;
        }
        let start = idx.saturating_sub(CONTEXT);
        let mut end = idx;
        // Extend while the next change is within 2*CONTEXT unchanged lines.
        loop {
            while end < all.len() && all[end].0 != Op::Same {
                end += 1;
            }
            let mut k = end;
            while k < all.len() && all[k].0 == Op::Same && k - end < 2 * CONTEXT {
                k += 1;
            }
            if k < all.len() && all[k].0 != Op::Same {
                end = k;
                continue;
            }
            end = (end + CONTEXT).min(all.len());
            break;
        }
        let slice = &all[start..end];
        let (os, ns) = (slice[0].1, slice[0].2);
        let oc = slice.iter().filter(|l| l.0 != Op::Add).count();
        let nc = slice.iter().filter(|l| l.0 != Op::Del).count();
        let lines = slice
            .iter()
            .map(|&(op, oi, ni)| Line {
                op,
                old: (op != Op::Add).then_some(oi + 1),
                new: (op != Op::Del).then_some(ni + 1),
                text: crate::source::clean(if op == Op::Add { b[ni] } else { a[oi] }),
            })
            .collect();
        hunks.push(Hunk {
            header: format!(
                "@@ -{},{} +{},{} @@",
                if oc == 0 { os } else { os + 1 },
                oc,
                if nc == 0 { ns } else { ns + 1 },
                nc
            ),
            lines,
        });
        idx = end;
    }
    Ok(LineDiff { hunks, added, removed })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rebuilds both sides from the full op list of a zero-context run.
    fn check(a: &str, b: &str) {
        let (la, lb) = (split(a), split(b));
        let (ia, ib) = number(&la, &lb);
        let ops = script(&ia, &ib).unwrap();
        let (mut i, mut j) = (0, 0);
        let (mut ra, mut rb) = (Vec::new(), Vec::new());
        for op in &ops {
            match op {
                Op::Same => {
                    assert_eq!(ia[i], ib[j], "{a:?} {b:?} {ops:?}");
                    ra.push(ia[i]);
                    rb.push(ib[j]);
                    i += 1;
                    j += 1;
                }
                Op::Del => {
                    ra.push(ia[i]);
                    i += 1;
                }
                Op::Add => {
                    rb.push(ib[j]);
                    j += 1;
                }
            }
        }
        assert_eq!(ra, ia);
        assert_eq!(rb, ib);
        // Minimal: edits = n + m - 2 * LCS; compare with a DP LCS.
        let mut dp = vec![vec![0usize; ib.len() + 1]; ia.len() + 1];
        for x in (0..ia.len()).rev() {
            for y in (0..ib.len()).rev() {
                dp[x][y] = if ia[x] == ib[y] { dp[x + 1][y + 1] + 1 } else { dp[x + 1][y].max(dp[x][y + 1]) };
            }
        }
        let edits = ops.iter().filter(|o| **o != Op::Same).count();
        assert_eq!(edits, ia.len() + ib.len() - 2 * dp[0][0], "{a:?} {b:?} {ops:?}");
    }

    #[test]
    fn diffs_are_correct_and_minimal() {
        check("", "");
        check("a\n", "");
        check("", "a\nb\n");
        check("a\nb\nc\n", "a\nc\n");
        check("a\nb\nc\na\nb\nb\na\n", "c\nb\na\nb\na\nc\n");
        let mut seed = 0x9e3779b97f4a7c15u64;
        let mut rnd = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..500 {
            let mut a = String::new();
            let mut b = String::new();
            for _ in 0..rnd() % 12 {
                a.push(char::from(b'a' + (rnd() % 4) as u8));
                a.push('\n');
            }
            for _ in 0..rnd() % 12 {
                b.push(char::from(b'a' + (rnd() % 4) as u8));
                b.push('\n');
            }
            check(&a, &b);
        }
        let d = diff("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n").unwrap();
        assert_eq!(d.hunks.len(), 1);
        assert_eq!(d.hunks[0].header, "@@ -2,7 +2,7 @@");
        assert_eq!((d.added, d.removed), (1, 1));
        assert_eq!(d.hunks[0].lines.len(), 8);
        let big: String = (0..3000).map(|i| format!("{i}\n")).collect();
        let other: String = (0..3000).map(|i| format!("x{i}\n")).collect();
        assert_eq!(diff(&big, &other).unwrap_err(), TooBig::Edits);
    }
}
