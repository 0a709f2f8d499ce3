//! The newsroom's public recipients: who every submission is sealed to.
//!
//! A recipient is either age's classical X25519 type (`age1…`) or its hybrid post-quantum type
//! (`age1pq1…`, [`crate::pq`]). A set never mixes the two: one classical stanza beside a hybrid
//! one would hand the file key to whoever breaks X25519, undoing the hybrid's protection (the
//! C2SP age spec: the same file SHOULD NOT be encrypted to both). So [`Recipients`] refuses a
//! mixed set when it is parsed or built, before anything is sealed, and age's encryptor refuses it
//! again through the hybrid recipient's `postquantum` label.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

use crate::pq::HybridRecipient;

/// Most recipients a spool accepts. Each adds one stanza to every item: about 100 bytes for a
/// classical recipient, about 1.6 KB for a hybrid one.
pub const MAX_RECIPIENTS: usize = 32;

/// One public recipient: classical X25519 or hybrid ML-KEM-768 + X25519.
#[derive(Clone, PartialEq, Eq)]
pub enum Recipient {
    /// age's X25519 recipient, `age1…`. Readable by every age tool; not quantum-resistant.
    X25519(age::x25519::Recipient),
    /// age's `mlkem768x25519` recipient, `age1pq1…`: needs both ML-KEM-768 and X25519 broken.
    Hybrid(HybridRecipient),
}

impl Recipient {
    /// True for a hybrid post-quantum recipient.
    pub fn is_hybrid(&self) -> bool {
        matches!(self, Recipient::Hybrid(_))
    }

    /// `"hybrid"` or `"classical"`, for messages.
    pub fn kind(&self) -> &'static str {
        if self.is_hybrid() {
            "hybrid"
        } else {
            "classical"
        }
    }

    pub(crate) fn as_dyn(&self) -> &dyn age::Recipient {
        match self {
            Recipient::X25519(r) => r,
            Recipient::Hybrid(r) => r,
        }
    }
}

impl From<age::x25519::Recipient> for Recipient {
    fn from(r: age::x25519::Recipient) -> Self {
        Recipient::X25519(r)
    }
}

impl From<HybridRecipient> for Recipient {
    fn from(r: HybridRecipient) -> Self {
        Recipient::Hybrid(r)
    }
}

/// A string that is neither recipient type (the message never echoes it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidRecipient;

impl fmt::Display for InvalidRecipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not an age recipient (age1… or age1pq1…)")
    }
}

impl std::error::Error for InvalidRecipient {}

impl FromStr for Recipient {
    type Err = InvalidRecipient;

    /// Parses the canonical form of either type. A hybrid recipient's string starts with
    /// `age1pq1`; anything else is tried as X25519, and must then re-encode to itself.
    fn from_str(s: &str) -> Result<Self, InvalidRecipient> {
        if s.starts_with("age1pq1") {
            return s
                .parse::<HybridRecipient>()
                .map(Recipient::Hybrid)
                .map_err(|_| InvalidRecipient);
        }
        // An X25519 string is 62 characters; refuse anything longer before parsing.
        if s.len() > 64 {
            return Err(InvalidRecipient);
        }
        let r = s
            .parse::<age::x25519::Recipient>()
            .map_err(|_| InvalidRecipient)?;
        if r.to_string() != s {
            return Err(InvalidRecipient);
        }
        Ok(Recipient::X25519(r))
    }
}

impl fmt::Display for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Recipient::X25519(r) => r.fmt(f),
            Recipient::Hybrid(r) => r.fmt(f),
        }
    }
}

impl fmt::Debug for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Recipient::X25519(r) => write!(f, "X25519({r})"),
            Recipient::Hybrid(r) => r.fmt(f),
        }
    }
}

/// A non-empty, sorted, duplicate-free set of recipients, all classical or all hybrid.
#[derive(Clone, PartialEq, Eq)]
pub struct Recipients(Vec<Recipient>);

/// Why a recipient list was refused. Never echoes the input, which might be a secret key pasted
/// by mistake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecipientsError {
    /// The list is empty.
    Empty,
    /// More than [`MAX_RECIPIENTS`].
    TooMany,
    /// Entry number `.0` (counting from 1) is an age secret key, not a recipient.
    SecretKey(usize),
    /// Entry number `.0` (counting from 1) is not an `age1…` or `age1pq1…` recipient.
    Invalid(usize),
    /// The set mixes hybrid (`age1pq1…`) and classical (`age1…`) recipients.
    Mixed,
}

impl fmt::Display for RecipientsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecipientsError::Empty => {
                f.write_str("no recipient given: at least one age1pq1… (or age1…) key is needed")
            }
            RecipientsError::TooMany => write!(f, "more than {MAX_RECIPIENTS} recipients"),
            RecipientsError::SecretKey(n) => write!(
                f,
                "recipient {n} is an age SECRET key: only public age1pq1…/age1… recipients belong here; treat that key as exposed"
            ),
            RecipientsError::Invalid(n) => {
                write!(
                    f,
                    "recipient {n} is not a valid age recipient (hybrid age1pq1… or classical age1…)"
                )
            }
            RecipientsError::Mixed => f.write_str(
                "the recipients mix hybrid post-quantum (age1pq1…) and classical (age1…) keys: a classical stanza beside a hybrid one gives the file key to whoever breaks X25519. Use only age1pq1… keys (or, for old tools, only age1… keys)",
            ),
        }
    }
}

impl std::error::Error for RecipientsError {}

impl Recipients {
    /// Parses `age1pq1…` / `age1…` strings (surrounding whitespace ignored). A set that mixes
    /// the two is refused.
    pub fn parse<I, S>(items: I) -> Result<Recipients, RecipientsError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut out = Vec::new();
        for (i, s) in items.into_iter().enumerate() {
            let s = s.as_ref().trim();
            if s.to_ascii_uppercase().starts_with("AGE-SECRET-KEY-") {
                return Err(RecipientsError::SecretKey(i + 1));
            }
            if out.len() >= MAX_RECIPIENTS {
                return Err(RecipientsError::TooMany);
            }
            let r = s
                .parse::<Recipient>()
                .map_err(|_| RecipientsError::Invalid(i + 1))?;
            out.push(r);
        }
        Recipients::new(out)
    }

    /// Builds a set from parsed recipients (sorted and de-duplicated); refuses a mixed set.
    pub fn new<R: Into<Recipient>>(list: Vec<R>) -> Result<Recipients, RecipientsError> {
        let mut list: Vec<(String, Recipient)> = list
            .into_iter()
            .map(|r| {
                let r = r.into();
                (r.to_string(), r)
            })
            .collect();
        list.sort_by(|a, b| a.0.cmp(&b.0));
        list.dedup_by(|a, b| a.0 == b.0);
        let list: Vec<Recipient> = list.into_iter().map(|(_, r)| r).collect();
        let Some(first) = list.first() else {
            return Err(RecipientsError::Empty);
        };
        if list.len() > MAX_RECIPIENTS {
            return Err(RecipientsError::TooMany);
        }
        if list.iter().any(|r| r.is_hybrid() != first.is_hybrid()) {
            return Err(RecipientsError::Mixed);
        }
        Ok(Recipients(list))
    }

    /// True if the set is hybrid post-quantum (then every member is).
    pub fn is_hybrid(&self) -> bool {
        self.0.first().is_some_and(Recipient::is_hybrid)
    }

    /// The recipients, in canonical order.
    pub fn iter(&self) -> impl Iterator<Item = &Recipient> {
        self.0.iter()
    }

    /// The canonical strings (`age1pq1…` or `age1…`), in order.
    pub fn strings(&self) -> Vec<String> {
        self.0.iter().map(|r| r.to_string()).collect()
    }

    /// Adds `other`'s recipients (used to seal replies to a source and the newsroom). Refused
    /// if the two sets are of different kinds.
    pub fn union(&self, other: &Recipients) -> Result<Recipients, RecipientsError> {
        Recipients::new(self.0.iter().chain(other.0.iter()).cloned().collect())
    }

    pub(crate) fn as_dyn(&self) -> impl Iterator<Item = &dyn age::Recipient> {
        self.0.iter().map(Recipient::as_dyn)
    }
}

impl fmt::Debug for Recipients {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

/// A short fingerprint of a recipient, for comparing over the phone or against a website:
/// the first 20 bytes of SHA-256 over the canonical recipient string (`age1pq1…` or `age1…`),
/// as five groups of eight hex digits.
pub fn fingerprint(r: &Recipient) -> String {
    let digest = Sha256::digest(r.to_string().as_bytes());
    let hex = hex::encode(digest);
    let groups: Vec<&str> = (0..5).filter_map(|i| hex.get(i * 8..i * 8 + 8)).collect();
    groups.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_sort_dedup_and_refuse() {
        let a = age::x25519::Identity::generate().to_public().to_string();
        let b = age::x25519::Identity::generate().to_public().to_string();
        let r = Recipients::parse([&b, &a, &b]).unwrap();
        let mut want = vec![a.clone(), b.clone()];
        want.sort();
        assert_eq!(r.strings(), want);
        assert_eq!(
            Recipients::parse(Vec::<String>::new()).unwrap_err(),
            RecipientsError::Empty
        );
        assert_eq!(
            Recipients::parse([a.as_str(), "age1nope"]).unwrap_err(),
            RecipientsError::Invalid(2)
        );
        use secrecy::ExposeSecret;
        let secret = age::x25519::Identity::generate().to_string();
        let e = Recipients::parse([secret.expose_secret()]).unwrap_err();
        assert_eq!(e, RecipientsError::SecretKey(1));
        assert!(!e.to_string().contains(secret.expose_secret()));
        assert_eq!(fingerprint(&a.parse().unwrap()).len(), 44);
    }

    #[test]
    fn hybrid_sets_and_the_mixing_rule() {
        use crate::pq::HybridIdentity;
        use secrecy::ExposeSecret;
        let h1 = HybridIdentity::from_seed(&[1; 32]).to_public().to_string();
        let h2 = HybridIdentity::from_seed(&[2; 32]).to_public().to_string();
        let c = age::x25519::Identity::generate().to_public().to_string();
        let hs = Recipients::parse([&h2, &h1, &h2]).unwrap();
        assert!(hs.is_hybrid());
        assert_eq!(hs.strings().len(), 2);
        assert!(hs.strings()[0] < hs.strings()[1]);
        let cs = Recipients::parse([&c]).unwrap();
        assert!(!cs.is_hybrid());
        // Mixed, in either order, by parse, by new and by union.
        assert_eq!(
            Recipients::parse([&h1, &c]).unwrap_err(),
            RecipientsError::Mixed
        );
        assert_eq!(
            Recipients::parse([&c, &h1]).unwrap_err(),
            RecipientsError::Mixed
        );
        assert_eq!(hs.union(&cs).unwrap_err(), RecipientsError::Mixed);
        assert!(RecipientsError::Mixed.to_string().contains("age1pq1"));
        // A hybrid secret key pasted by mistake is named as such and never echoed.
        let secret = HybridIdentity::from_seed(&[3; 32]).to_secret_string();
        let e = Recipients::parse([secret.expose_secret()]).unwrap_err();
        assert_eq!(e, RecipientsError::SecretKey(1));
        assert!(!e.to_string().contains(secret.expose_secret()));
        // Fingerprints of hybrid keys have the same shape and differ per key.
        let f1 = fingerprint(&h1.parse().unwrap());
        assert_eq!(f1.len(), 44);
        assert_ne!(f1, fingerprint(&h2.parse().unwrap()));
        // Non-canonical spellings are refused.
        assert!(h1.to_uppercase().parse::<Recipient>().is_err());
        assert!(c.to_uppercase().parse::<Recipient>().is_err());
        assert!(format!("{h1} ").parse::<Recipient>().is_err());
    }
}
