//! How the reviewer talks to its user: errors with a next step, and progress bars.

use std::fmt;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

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

/// Prints an error and, when there is one, the recommended next step.
pub fn report_error(e: &anyhow::Error) {
    eprintln!("error: {e:#}");
    if let Some(u) = e.chain().find_map(|c| c.downcast_ref::<UserError>()) {
        eprintln!("hint: {}", u.hint);
    }
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
