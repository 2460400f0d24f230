//! Inline SVG charts drawn at build time (no script): horizontal bars with
//! a label and a value per row, single or stacked. Each chart is
//! `role="img"` with a `<title>` and `<desc>`; every label is escaped and
//! cleaned of characters HTML forbids. Colours come from the style sheet
//! (classes `bar`, `bar-add`, `bar-mod`, `bar-del`), so the charts follow
//! the light and dark schemes.

use crate::source::{clean, escape_text, plain_marks};
use std::fmt::Write as _;

/// One row: a label, segments (value, CSS class) and the text after the bar.
pub struct Row {
    pub label: String,
    pub segments: Vec<(u64, &'static str)>,
    pub value: String,
}

/// A legend entry: CSS class and text.
pub type Legend = (&'static str, &'static str);

const WIDTH: u32 = 760;
const LABEL_W: u32 = 230;
const BAR_W: u32 = 360;
const ROW_H: u32 = 26;
const MAX_LABEL: usize = 30;

fn text(s: &str, out: &mut String) {
    // No `<span>` in SVG text (the HTML parser would leave the SVG):
    // bidirectional and invisible characters as plain `⟨U+XXXX⟩`.
    escape_text(&plain_marks(&clean(s)), out);
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= MAX_LABEL {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX_LABEL - 1).collect();
        t.push('…');
        t
    }
}

/// A bar chart. `id` must be unique on the page (it names the title and
/// description for `aria-labelledby`).
pub fn bars(id: &str, title: &str, desc: &str, rows: &[Row], legend: &[Legend]) -> String {
    let max = rows.iter().map(|r| r.segments.iter().map(|s| s.0).sum::<u64>()).max().unwrap_or(0).max(1);
    let legend_h = if legend.is_empty() { 0 } else { ROW_H };
    let height = legend_h + ROW_H * rows.len() as u32 + 8;
    let mut out = String::with_capacity(512 + rows.len() * 320);
    let _ = write!(
        out,
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\"><title id=\"{id}-title\">"
    );
    text(title, &mut out);
    let _ = write!(out, "</title><desc id=\"{id}-desc\">");
    text(desc, &mut out);
    out.push_str("</desc>");
    let mut x = LABEL_W;
    for (class, name) in legend {
        let _ = write!(
            out,
            "<rect class=\"{class}\" x=\"{x}\" y=\"6\" width=\"12\" height=\"12\"/><text class=\"legend\" x=\"{}\" y=\"17\">",
            x + 17
        );
        text(name, &mut out);
        out.push_str("</text>");
        x += 30 + 8 * name.chars().count() as u32;
    }
    for (i, r) in rows.iter().enumerate() {
        let y = legend_h + ROW_H * i as u32 + 4;
        let _ = write!(out, "<g><text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">", LABEL_W - 10, y + 16);
        text(&shorten(&r.label), &mut out);
        out.push_str("</text>");
        let mut bx = LABEL_W as u64 * 1000;
        for &(v, class) in &r.segments {
            if v == 0 {
                continue;
            }
            // Thousandths of a pixel, so stacked segments add up exactly;
            // at least one pixel so a small non-zero value stays visible.
            let w = (v as u128 * BAR_W as u128 * 1000 / max as u128).max(1000) as u64;
            let _ = write!(
                out,
                "<rect class=\"{class}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"18\"/>",
                milli(bx),
                y + 2,
                milli(w)
            );
            bx += w;
        }
        let _ = write!(out, "<text class=\"value\" x=\"{}\" y=\"{}\">", milli(bx) + 8.0, y + 16);
        text(&r.value, &mut out);
        out.push_str("</text></g>");
    }
    out.push_str("</svg>");
    out
}

fn milli(v: u64) -> f64 {
    (v as f64 / 1000.0 * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_bars_scale() {
        let rows = vec![
            Row { label: "<script>alert(1)</script>".into(), segments: vec![(100, "bar")], value: "100 B".into() },
            Row { label: "b\u{1}".into(), segments: vec![(25, "bar-add"), (25, "bar-del")], value: "50".into() },
        ];
        let s = bars("c", "Sizes of <x>", "desc & more", &rows, &[("bar-add", "added")]);
        assert!(s.starts_with("<svg class=\"chart\" role=\"img\" aria-labelledby=\"c-title c-desc\""));
        assert!(s.contains("<title id=\"c-title\">Sizes of &lt;x&gt;</title>"));
        assert!(s.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!s.contains("<script"));
        assert!(!s.contains('\u{1}'));
        assert!(s.contains("x=\"230\" y=\"32\" width=\"360\""), "{s}");
        assert!(s.contains("x=\"320\" y=\"58\" width=\"90\""), "{s}");
    }
}
