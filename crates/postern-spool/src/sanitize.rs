//! Making attacker-chosen text safe: for a terminal, and as a file name.
//!
//! Everything inside an envelope was chosen by whoever sealed it, and anyone with the newsroom's
//! public key can seal. A message may carry terminal escape sequences (to rewrite the screen, set
//! the window title, or worse); a file name may be `../../.bashrc`, absolute, contain NUL, or use
//! bidirectional overrides to disguise `txt.exe` as `exe.txt`. Error text is attacker-chosen too
//! (a tar library quotes header fields, an OS error quotes a path): every binary passes what it
//! prints through [`for_terminal`], errors included.

/// Characters that must never reach a terminal as themselves: controls (C0, DEL, C1, which
/// include ESC, CSI, OSC and BEL), line and paragraph separators, every character of general
/// category Cf (format: bidi controls, zero-width characters, the soft hyphen, the TAG block…) and
/// every Unicode default-ignorable code point (Hangul fillers, variation selectors, U+180E…), plus
/// the private-use planes and noncharacters, whose rendering nobody can predict. Each of these can
/// hide or reorder text on screen; all are shown as an escape instead.
///
/// The ranges are Unicode 16's `DerivedCoreProperties.txt` (`Default_Ignorable_Code_Point`) and
/// `DerivedGeneralCategory.txt` (`Cf`, `Zl`, `Zp`, `Co`), merged; a newer Unicode that assigns a new
/// format character outside them would pass, which is why whole blocks are taken where the
/// standard reserves them (U+2060–U+206F, U+FFF0–U+FFFB, U+E0000–U+E0FFF).
pub fn is_dangerous(c: char) -> bool {
    c.is_control() // C0, DEL and C1 (includes ESC and CSI)
        || matches!(u32::from(c),
            0x00AD                      // soft hyphen
            | 0x034F                    // combining grapheme joiner
            | 0x0600..=0x0605           // Arabic number signs (Cf)
            | 0x061C                    // Arabic letter mark
            | 0x06DD | 0x070F           // Arabic end of ayah, Syriac abbreviation mark
            | 0x0890..=0x0891 | 0x08E2  // Arabic pound/piastre marks, disputed end of ayah
            | 0x115F..=0x1160           // Hangul choseong/jungseong fillers
            | 0x17B4..=0x17B5           // Khmer inherent vowels
            | 0x180B..=0x180F           // Mongolian variation selectors and vowel separator
            | 0x200B..=0x200F           // zero-width space, joiners, LRM, RLM
            | 0x2028..=0x202E           // line/paragraph separators, bidi embeddings/overrides
            | 0x2060..=0x206F           // word joiner, invisible operators, bidi isolates, …
            | 0x3164                    // Hangul filler
            | 0xFE00..=0xFE0F           // variation selectors
            | 0xFEFF                    // zero-width no-break space (BOM)
            | 0xFFA0                    // halfwidth Hangul filler
            | 0xFFF0..=0xFFFB           // unassigned specials, interlinear annotation
            | 0xFFFE..=0xFFFF           // noncharacters
            | 0xE000..=0xF8FF           // private use
            | 0x110BD | 0x110CD         // Kaithi number signs
            | 0x13430..=0x1345F         // Egyptian hieroglyph format controls
            | 0x1BCA0..=0x1BCA3         // shorthand format controls
            | 0x1D173..=0x1D17A         // musical symbol format controls
            | 0xE0000..=0xE0FFF         // TAG block, variation selectors supplement
            | 0xF0000..=0x10FFFF        // supplementary private use
        )
        || (u32::from(c) & 0xFFFE) == 0xFFFE // U+xFFFE and U+xFFFF of every plane
        || (0xFDD0..=0xFDEF).contains(&u32::from(c)) // noncharacters
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
        assert_eq!(for_terminal("a\u{7}b\u{7f}"), "a\\u{7}b\\u{7f}");
    }

    #[test]
    fn invisible_characters_are_shown() {
        // Default-ignorable and format characters that hide text on screen.
        for c in [
            '\u{00AD}',
            '\u{034F}',
            '\u{061C}',
            '\u{115F}',
            '\u{1160}',
            '\u{17B4}',
            '\u{180E}',
            '\u{200B}',
            '\u{200D}',
            '\u{2060}',
            '\u{2061}',
            '\u{2064}',
            '\u{2066}',
            '\u{206F}',
            '\u{3164}',
            '\u{FE0F}',
            '\u{FEFF}',
            '\u{FFA0}',
            '\u{FFF9}',
            '\u{E0001}',
            '\u{E0041}',
            '\u{E007F}',
            '\u{E0100}',
            '\u{1D173}',
            '\u{1BCA0}',
            '\u{13430}',
            '\u{E000}',
            '\u{10FFFD}',
            '\u{FDD0}',
            '\u{1FFFE}',
            '\u{0600}',
            '\u{110BD}',
        ] {
            let shown = for_terminal(&format!("a{c}b"));
            assert_eq!(
                shown,
                format!("a\\u{{{:x}}}b", u32::from(c)),
                "{:x}",
                u32::from(c)
            );
            assert!(shown.is_ascii());
            assert_eq!(file_name(&format!("a{c}b.txt"), "f"), "a_b.txt");
        }
        // Visible text stays as it is, including scripts that use joiners' neighbours.
        for s in ["naïve café", "日本語", "اَلْعَرَبِيَّةُ", "한국어", "हिन्दी", "🙂"]
        {
            assert_eq!(for_terminal(s), s);
        }
    }

    #[test]
    fn no_format_character_passes() {
        // Every code point whose Unicode general category is Cf, Zl or Zp, as listed in
        // Unicode 16 (UnicodeData.txt), must be dangerous.
        let cf: &[(u32, u32)] = &[
            (0x00AD, 0x00AD),
            (0x0600, 0x0605),
            (0x061C, 0x061C),
            (0x06DD, 0x06DD),
            (0x070F, 0x070F),
            (0x0890, 0x0891),
            (0x08E2, 0x08E2),
            (0x180E, 0x180E),
            (0x200B, 0x200F),
            (0x2028, 0x202E),
            (0x2060, 0x2064),
            (0x2066, 0x206F),
            (0xFEFF, 0xFEFF),
            (0xFFF9, 0xFFFB),
            (0x110BD, 0x110BD),
            (0x110CD, 0x110CD),
            (0x13430, 0x1343F),
            (0x1BCA0, 0x1BCA3),
            (0x1D173, 0x1D17A),
            (0xE0001, 0xE0001),
            (0xE0020, 0xE007F),
        ];
        for &(a, b) in cf {
            for u in a..=b {
                if let Some(c) = char::from_u32(u) {
                    assert!(is_dangerous(c), "U+{u:04X}");
                }
            }
        }
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
