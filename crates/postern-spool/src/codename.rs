//! Source codenames: seven words from the EFF large word list.
//!
//! A codename is the source's only credential. It is shown once, in the first session, and is
//! never stored anywhere by Postern: the server keeps only what [`crate::derive`] makes of it.
//! 7 words from 7,776 give 7 × log2(7776) ≈ 90.5 bits.
//!
//! Input is normalised before use (trimmed, ASCII letters lower-cased, runs of Unicode whitespace
//! collapsed to one space), so a codename copied with a stray capital or a line break still works. Errors say what
//! kind of mistake was made, never which word: an error message must not echo a secret.

use std::fmt;
use std::sync::LazyLock;

use rand_core::CryptoRng;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroize;

/// Number of words in a codename.
pub const WORDS: usize = 7;

/// Longest input accepted, in bytes, before normalisation. The longest codename is 7 × 9 letters
/// plus 6 spaces; the rest is room for sloppy spacing.
pub const MAX_INPUT_LEN: usize = 256;

static RAW: &str = include_str!("../wordlist/eff_large_wordlist.txt");

/// The EFF large word list, in its original (byte-sorted) order.
pub static WORDLIST: LazyLock<Vec<&'static str>> = LazyLock::new(|| RAW.lines().collect());

/// A normalised, well-formed codename.
///
/// The text is held in a [`SecretString`], zeroised on drop, and `Debug` prints nothing of it.
pub struct Codename(SecretString);

/// Why a typed codename was refused. None of the variants carries any of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodenameError {
    /// Nothing but whitespace was entered.
    Empty,
    /// The input is longer than [`MAX_INPUT_LEN`] bytes.
    TooLong,
    /// The input does not have exactly [`WORDS`] words.
    WrongWordCount,
    /// At least one word is not in the word list.
    UnknownWord,
}

impl fmt::Display for CodenameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CodenameError::Empty => "no codename was entered",
            CodenameError::TooLong => "the codename is far too long",
            CodenameError::WrongWordCount => "a codename has exactly seven words",
            CodenameError::UnknownWord => "a word of the codename is not in the word list",
        })
    }
}

impl std::error::Error for CodenameError {}

impl Codename {
    /// Draws a new codename: [`WORDS`] words chosen uniformly and independently with `rng`.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Codename {
        let list = &*WORDLIST;
        let mut s = String::with_capacity(WORDS * 10);
        for i in 0..WORDS {
            if i > 0 {
                s.push(' ');
            }
            // The list is vendored and has 7,776 entries (checked by a test), so the index is
            // in range; `get` keeps the no-panic rule without an unchecked index.
            let word = list
                .get(uniform_index(rng, list.len()))
                .copied()
                .unwrap_or("");
            s.push_str(word);
        }
        Codename(SecretString::from(s))
    }

    /// Normalises and checks a typed codename.
    pub fn parse(input: &str) -> Result<Codename, CodenameError> {
        if input.len() > MAX_INPUT_LEN {
            return Err(CodenameError::TooLong);
        }
        let mut normalised = String::with_capacity(input.len());
        let mut count = 0usize;
        let mut unknown = false;
        for word in input.split_whitespace() {
            // ASCII case folding only: the word list is ASCII, so any other character simply
            // makes the word unknown, and other implementations need no Unicode tables.
            let mut lower = word.to_ascii_lowercase();
            if WORDLIST.binary_search(&lower.as_str()).is_err() {
                unknown = true;
            }
            if count > 0 {
                normalised.push(' ');
            }
            normalised.push_str(&lower);
            lower.zeroize();
            count += 1;
        }
        let result = match count {
            0 => Err(CodenameError::Empty),
            WORDS if unknown => Err(CodenameError::UnknownWord),
            WORDS => Ok(()),
            _ => Err(CodenameError::WrongWordCount),
        };
        match result {
            Ok(()) => Ok(Codename(SecretString::from(normalised))),
            Err(e) => {
                normalised.zeroize();
                Err(e)
            }
        }
    }

    /// The normalised text: words in lower case separated by single spaces. Handle with care.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Codename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Codename(<redacted>)")
    }
}

/// An unbiased index in `0..n` (for `0 < n <= u32::MAX`), by rejection sampling.
fn uniform_index<R: CryptoRng + ?Sized>(rng: &mut R, n: usize) -> usize {
    let n = u32::try_from(n).unwrap_or(u32::MAX).max(1);
    // Largest multiple of n that fits in the u32 range; values at or above it are redrawn.
    let zone = u32::MAX - (u32::MAX - n + 1) % n;
    loop {
        let x = rng.next_u32();
        if x <= zone {
            return usize::try_from(x % n).unwrap_or(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn wordlist_is_the_eff_large_list() {
        assert_eq!(WORDLIST.len(), 7776);
        assert!(
            WORDLIST.windows(2).all(|w| w[0] < w[1]),
            "sorted, no duplicates"
        );
        assert_eq!(WORDLIST[0], "abacus");
        assert_eq!(WORDLIST[7775], "zoom");
        assert!(WORDLIST.iter().all(|w| !w.is_empty() && w.len() <= 9));
    }

    #[test]
    fn generated_codenames_parse_and_are_deterministic_for_a_seed() {
        let a = Codename::generate(&mut StdRng::seed_from_u64(7));
        let b = Codename::generate(&mut StdRng::seed_from_u64(7));
        let c = Codename::generate(&mut StdRng::seed_from_u64(8));
        assert_eq!(a.expose(), b.expose());
        assert_ne!(a.expose(), c.expose());
        assert_eq!(a.expose().split(' ').count(), WORDS);
        assert_eq!(Codename::parse(a.expose()).unwrap().expose(), a.expose());
    }

    #[test]
    fn words_are_spread_over_the_whole_list() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut seen = vec![false; 7776];
        for _ in 0..20_000 {
            let c = Codename::generate(&mut rng);
            for w in c.expose().split(' ') {
                seen[WORDLIST.binary_search(&w).unwrap()] = true;
            }
        }
        // 140,000 draws from 7,776 words: the chance that any word is never drawn is ~1e-4.
        assert!(seen.iter().filter(|s| !**s).count() <= 2);
    }

    #[test]
    fn normalisation() {
        let c = Codename::parse("  Abacus\tABDOMEN  abdominal\n\nabide abiding ability ablaze ")
            .unwrap();
        assert_eq!(
            c.expose(),
            "abacus abdomen abdominal abide abiding ability ablaze"
        );
        let hyphen = Codename::parse("t-shirt yo-yo drop-down felt-tip zoom zoom zoom").unwrap();
        assert_eq!(
            hyphen.expose(),
            "t-shirt yo-yo drop-down felt-tip zoom zoom zoom"
        );
    }

    #[test]
    fn every_error() {
        assert_eq!(Codename::parse("").unwrap_err(), CodenameError::Empty);
        assert_eq!(Codename::parse(" \t\n ").unwrap_err(), CodenameError::Empty);
        assert_eq!(
            Codename::parse("abacus abdomen abdominal abide abiding ability").unwrap_err(),
            CodenameError::WrongWordCount
        );
        assert_eq!(
            Codename::parse("abacus abdomen abdominal abide abiding ability ablaze zoom")
                .unwrap_err(),
            CodenameError::WrongWordCount
        );
        assert_eq!(
            Codename::parse("abacus abdomen abdominal abide abiding ability blorp").unwrap_err(),
            CodenameError::UnknownWord
        );
        assert_eq!(
            Codename::parse("abacus abdomen abdominal abide abiding ability ab\u{e1}cus")
                .unwrap_err(),
            CodenameError::UnknownWord
        );
        assert_eq!(
            Codename::parse(&"zoom ".repeat(60)).unwrap_err(),
            CodenameError::TooLong
        );
        // Errors never echo the input.
        let e = Codename::parse("secretword abdomen abdominal abide abiding ability ablaze")
            .unwrap_err();
        assert!(!e.to_string().contains("secretword"));
        assert!(!format!("{e:?}").contains("secretword"));
    }

    #[test]
    fn debug_is_redacted() {
        let c = Codename::parse("abacus abdomen abdominal abide abiding ability ablaze").unwrap();
        assert_eq!(format!("{c:?}"), "Codename(<redacted>)");
    }

    #[test]
    fn uniform_index_bounds() {
        let mut rng = StdRng::seed_from_u64(3);
        for n in [1usize, 2, 3, 7776] {
            for _ in 0..1000 {
                assert!(uniform_index(&mut rng, n) < n);
            }
        }
    }
}
