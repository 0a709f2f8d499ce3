//! How the reviewer talks to its user: errors with a next step, and progress bars.

use std::fmt;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use postern_spool::sanitize::for_terminal;

/// An error the user can act on: what went wrong, and what to do next.
#[derive(Debug)]
pub struct UserError {
    pub what: String,
    pub hint: String,
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)
    }
}

impl std::error::Error for UserError {}

/// Builds a [`UserError`] as an `anyhow::Error`.
pub fn user_error(what: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UserError {
        what: what.into(),
        hint: hint.into(),
    })
}

/// Prints an error and, when there is one, the recommended next step. The whole chain goes
/// through the terminal sanitizer: a library's error text can quote attacker-chosen bytes (a tar
/// header field, a path), and nothing such may reach the terminal as itself.
pub fn report_error(e: &anyhow::Error) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "error: {}", for_terminal(&format!("{e:#}")));
    if let Some(u) = e.chain().find_map(|c| c.downcast_ref::<UserError>()) {
        let _ = writeln!(err, "hint: {}", for_terminal(&u.hint));
    }
}

/// Writes a line to stdout through the terminal sanitizer, ignoring a closed pipe.
pub fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", for_terminal(line));
}

/// Writes `note: <line>` to stderr through the terminal sanitizer (what the program is about to
/// do, and why).
pub fn note(line: &str) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "note: {}", for_terminal(line));
}

/// A byte progress bar on stderr, drawn only when stderr is a terminal.
pub fn byte_bar(total: u64, what: &'static str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{msg:>10} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what);
    bar
}

/// A human-readable size.
pub fn human_size(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    let name = UNITS.get(unit).copied().unwrap_or("B");
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {name}")
    }
}

/// Lays out a table: every column as wide as its widest cell (header included), two spaces
/// between columns, numbers (`right[i]`) aligned right. Nothing merges at any count.
pub fn table(header: &[&str], right: &[bool], rows: &[Vec<String>]) -> Vec<String> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.zip(&widths).enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            let pad = w.saturating_sub(cell.chars().count());
            if right.get(i).copied().unwrap_or(false) {
                out.extend(std::iter::repeat_n(' ', pad));
                out.push_str(cell);
            } else {
                out.push_str(cell);
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.trim_end().to_owned()
    };
    let mut out = vec![line(&mut header.iter().copied())];
    for row in rows {
        out.push(line(&mut row.iter().map(String::as_str)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_never_merge() {
        let rows = vec![
            vec!["a".to_string(), "100000".to_string(), "x".to_string()],
            vec![
                "long name here".to_string(),
                "7".to_string(),
                "".to_string(),
            ],
        ];
        let t = table(&["NAME", "ITEMS", "NEW"], &[false, true, true], &rows);
        assert_eq!(t[0], "NAME             ITEMS  NEW");
        assert_eq!(t[1], "a               100000    x");
        assert_eq!(t[2], "long name here       7");
    }
}
