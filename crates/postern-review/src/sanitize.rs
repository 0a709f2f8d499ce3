//! Making attacker-chosen text safe: for a terminal, and as a file name.
//!
//! Everything inside an envelope was chosen by whoever sealed it, and anyone with the newsroom's
//! public key can seal. A message may carry terminal escape sequences (to rewrite the screen, set
//! the window title, or worse); a file name may be `../../.bashrc`, absolute, contain NUL, or use
//! bidirectional overrides to disguise `txt.exe` as `exe.txt`.

/// Characters that must never reach a terminal as themselves.
fn is_dangerous(c: char) -> bool {
    c.is_control() // C0, DEL and C1 (includes ESC and CSI)
        || matches!(c,
            '\u{061C}' | '\u{200E}' | '\u{200F}'            // bidi marks
            | '\u{202A}'..='\u{202E}'                       // bidi embeddings and overrides
            | '\u{2066}'..='\u{2069}'                       // bidi isolates
            | '\u{2028}' | '\u{2029}'                       // line and paragraph separators
            | '\u{FEFF}' | '\u{200B}'..='\u{200D}'          // zero-width characters
        )
}

/// Text safe to print: newlines and tabs kept, every other dangerous character shown as an
/// escape such as `\u{1b}`.
pub fn for_terminal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\n' || c == '\t' || !is_dangerous(c) {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        }
    }
    out
}

/// Longest file name produced, in bytes (file systems allow 255).
const MAX_NAME: usize = 200;

/// A file name that is safe to create inside a folder: never empty, never `.` or `..`, no path
/// separator, no dangerous character, no leading dot (no hidden files), at most 200 bytes.
/// `fallback` is used when nothing usable is left.
pub fn file_name(original: &str, fallback: &str) -> String {
    // Keep only the last path component, whatever the separator convention of the sender.
    let last = original.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .map(|c| if is_dangerous(c) || c == ':' { '_' } else { c })
        .collect();
    let trimmed = cleaned
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' ']);
    let mut name = truncate_keeping_extension(trimmed, MAX_NAME);
    if name.is_empty() {
        name = fallback.to_owned();
    }
    name
}

fn truncate_keeping_extension(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let (stem, ext) = match s.rfind('.') {
        Some(i) if s.len() - i <= 16 && i > 0 => s.split_at(i),
        _ => (s, ""),
    };
    let mut cut = max.saturating_sub(ext.len());
    while cut > 0 && !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{ext}", stem.get(..cut).unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_text() {
        assert_eq!(for_terminal("a\x1b[2Jb\n\tc\r"), "a\\u{1b}[2Jb\n\tc\\u{d}");
        assert_eq!(for_terminal("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(for_terminal("abc\u{202e}txt.exe"), "abc\\u{202e}txt.exe");
        assert_eq!(for_terminal("Привет"), "Привет");
    }

    #[test]
    fn file_names() {
        let cases = [
            ("../../etc/passwd", "passwd"),
            ("/etc/shadow", "shadow"),
            ("..\\..\\windows\\system.ini", "system.ini"),
            ("..", "fallback"),
            ("", "fallback"),
            ("...", "fallback"),
            (".bashrc", "bashrc"),
            ("a\0b", "a_b"),
            ("\x1b]0;pwned\x07evil.txt", "_]0;pwned_evil.txt"),
            ("report\u{202e}fdp.exe", "report_fdp.exe"),
            ("C:evil", "C_evil"),
            ("отчёт.pdf", "отчёт.pdf"),
        ];
        for (input, want) in cases {
            assert_eq!(file_name(input, "fallback"), want, "{input:?}");
        }
        let long = format!("{}.pdf", "é".repeat(300));
        let got = file_name(&long, "f");
        assert!(got.len() <= MAX_NAME && got.ends_with(".pdf"));
    }
}
