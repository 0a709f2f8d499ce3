//! `Codename::parse` on arbitrary UTF-8, against the normalisation rules of docs/spool-format.md §3:
//! accepted input normalises idempotently to exactly 7 list words joined by single spaces, and the
//! error class matches an independent reading of the rules.

#![no_main]

use libfuzzer_sys::fuzz_target;
use postern_spool::codename::{Codename, CodenameError, MAX_INPUT_LEN, WORDLIST, WORDS};

/// The rules of §3, written out separately from the library.
fn expected(input: &str) -> Result<String, CodenameError> {
    if input.len() > MAX_INPUT_LEN {
        return Err(CodenameError::TooLong);
    }
    let pieces: Vec<String> = input
        .split(char::is_whitespace)
        .filter(|p| !p.is_empty())
        .map(|p| p.chars().map(|c| c.to_ascii_lowercase()).collect())
        .collect();
    if pieces.is_empty() {
        return Err(CodenameError::Empty);
    }
    if pieces.len() != WORDS {
        return Err(CodenameError::WrongWordCount);
    }
    if pieces.iter().any(|p| !WORDLIST.contains(&p.as_str())) {
        return Err(CodenameError::UnknownWord);
    }
    Ok(pieces.join(" "))
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let got = Codename::parse(input);
    match (&got, expected(input)) {
        (Ok(c), Ok(want)) => assert_eq!(c.expose(), want),
        (Err(e), Err(want)) => assert_eq!(*e, want),
        (g, w) => panic!(
            "parse gave {:?}, the rules give {:?}",
            g.as_ref().err(),
            w.err()
        ),
    }
    if let Ok(c) = got {
        let text = c.expose();
        let words: Vec<&str> = text.split(' ').collect();
        assert_eq!(words.len(), WORDS);
        assert!(words.iter().all(|w| WORDLIST.binary_search(w).is_ok()));
        assert!(text.len() <= input.len());
        let again = Codename::parse(text).expect("a normalised codename must parse");
        assert_eq!(again.expose(), text, "normalisation is not idempotent");
    }
});
