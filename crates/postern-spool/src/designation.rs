//! Designations: the "adjective noun" name journalists use for a source.
//!
//! A designation is a pure function of the source id (its first two bytes pick one of 256
//! adjectives and one of 256 nouns), so the server and the reviewer agree on it without storing
//! it. It is a convenience, not an identifier: 65,536 combinations collide in a large newsroom,
//! so listings show the first hex digits of the source id beside it.

use std::sync::LazyLock;

use crate::ids::SourceId;

static ADJECTIVES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| include_str!("../wordlist/adjectives.txt").lines().collect());
static NOUNS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| include_str!("../wordlist/nouns.txt").lines().collect());

/// The designation of a source, such as `quiet harbor`.
pub fn designation(id: &SourceId) -> String {
    let [a, n, ..] = *id.as_bytes();
    let adj = ADJECTIVES.get(usize::from(a)).copied().unwrap_or("unnamed");
    let noun = NOUNS.get(usize::from(n)).copied().unwrap_or("source");
    format!("{adj} {noun}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_cover_every_byte() {
        assert_eq!(ADJECTIVES.len(), 256);
        assert_eq!(NOUNS.len(), 256);
        let mut b = [0u8; 32];
        b[0] = 255;
        b[1] = 255;
        let d = designation(&SourceId::from_bytes(b));
        assert_eq!(d, format!("{} {}", ADJECTIVES[255], NOUNS[255]));
        assert_eq!(
            designation(&SourceId::from_bytes([0; 32])),
            format!("{} {}", ADJECTIVES[0], NOUNS[0])
        );
    }
}
