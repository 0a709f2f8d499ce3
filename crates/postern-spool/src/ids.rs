//! Random and derived identifiers, and their one canonical text form.
//!
//! Every id is lower-case hexadecimal of a fixed length. Parsing accepts nothing else, so an id
//! taken from a file name, a bundle or a URL can be joined to a path without any further check.

use std::fmt;

use rand_core::CryptoRng;

macro_rules! hex_id {
    ($(#[$doc:meta])* $name:ident, $len:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name([u8; $len]);

        impl $name {
            /// Length of the id in bytes.
            pub const LEN: usize = $len;

            /// The id made of these bytes.
            pub const fn from_bytes(bytes: [u8; $len]) -> Self {
                Self(bytes)
            }

            /// The raw bytes.
            pub const fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }

            /// Parses the canonical form: exactly `2 * LEN` lower-case hex digits.
            pub fn parse(s: &str) -> Option<Self> {
                parse_hex::<$len>(s).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::encode(self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self)
            }
        }
    };
}

hex_id!(
    /// The id of one spool item (a message, a file, a reply, a segment or a manifest): 128 random
    /// bits. It is also the envelope's submission id.
    ItemId,
    16
);
hex_id!(
    /// A source's lookup key, derived from the codename (see [`crate::derive`]). It names the
    /// source's directory in the spool and reveals nothing about the codename.
    SourceId,
    32
);
hex_id!(
    /// The id of one resumable upload, shared by all its segments and its manifest.
    UploadId,
    16
);
hex_id!(
    /// The id of one bundle selection, shared by all its parts: derived from what the selection
    /// holds and its part size (`bundle::selection_id`), so that the same selection always gets
    /// the same id and the same bytes.
    SelectionId,
    16
);

impl ItemId {
    /// A fresh random item id.
    pub fn random<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut b = [0u8; 16];
        rng.fill_bytes(&mut b);
        Self(b)
    }
}

impl UploadId {
    /// A fresh random upload id.
    pub fn random<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut b = [0u8; 16];
        rng.fill_bytes(&mut b);
        Self(b)
    }
}

/// Parses exactly `2 * N` lower-case hex digits.
pub(crate) fn parse_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != 2 * N
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_hex_only() {
        let id = ItemId::parse("00112233445566778899aabbccddeeff").unwrap();
        assert_eq!(id.to_string(), "00112233445566778899aabbccddeeff");
        for bad in [
            "00112233445566778899AABBCCDDEEFF",
            "00112233445566778899aabbccddeef",
            "00112233445566778899aabbccddeeff0",
            "../112233445566778899aabbccddeeff",
            "",
            "00112233445566778899aabbccddee\u{e9}",
        ] {
            assert!(ItemId::parse(bad).is_none(), "{bad:?}");
        }
    }
}
