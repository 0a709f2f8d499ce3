//! The newsroom's public recipients: who every submission is sealed to.

use std::fmt;

use sha2::{Digest, Sha256};

/// Most recipients a spool accepts. Each adds one ~100-byte stanza to every item.
pub const MAX_RECIPIENTS: usize = 32;

/// A non-empty, sorted, duplicate-free set of age X25519 recipients.
#[derive(Clone, PartialEq, Eq)]
pub struct Recipients(Vec<age::x25519::Recipient>);

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
    /// Entry number `.0` (counting from 1) is not an `age1…` X25519 recipient.
    Invalid(usize),
}

impl fmt::Display for RecipientsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecipientsError::Empty => {
                f.write_str("no recipient given: at least one age1… key is needed")
            }
            RecipientsError::TooMany => write!(f, "more than {MAX_RECIPIENTS} recipients"),
            RecipientsError::SecretKey(n) => write!(
                f,
                "recipient {n} is an age SECRET key: only public age1… recipients belong here; treat that key as exposed"
            ),
            RecipientsError::Invalid(n) => {
                write!(
                    f,
                    "recipient {n} is not a valid age X25519 recipient (age1…)"
                )
            }
        }
    }
}

impl std::error::Error for RecipientsError {}

impl Recipients {
    /// Parses `age1…` strings (surrounding whitespace ignored).
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
            let r = s
                .parse::<age::x25519::Recipient>()
                .map_err(|_| RecipientsError::Invalid(i + 1))?;
            out.push(r);
        }
        Recipients::new(out)
    }

    /// Builds a set from parsed recipients (sorted and de-duplicated).
    pub fn new(mut list: Vec<age::x25519::Recipient>) -> Result<Recipients, RecipientsError> {
        list.sort_by_key(|r| r.to_string());
        list.dedup();
        if list.is_empty() {
            return Err(RecipientsError::Empty);
        }
        if list.len() > MAX_RECIPIENTS {
            return Err(RecipientsError::TooMany);
        }
        Ok(Recipients(list))
    }

    /// The recipients, in canonical order.
    pub fn iter(&self) -> impl Iterator<Item = &age::x25519::Recipient> {
        self.0.iter()
    }

    /// The canonical strings (`age1…`), in order.
    pub fn strings(&self) -> Vec<String> {
        self.0.iter().map(|r| r.to_string()).collect()
    }

    /// Adds `other`'s recipients (used to seal replies to a source and the newsroom).
    pub fn union(&self, other: &Recipients) -> Result<Recipients, RecipientsError> {
        Recipients::new(self.0.iter().chain(other.0.iter()).cloned().collect())
    }

    pub(crate) fn as_dyn(&self) -> impl Iterator<Item = &dyn age::Recipient> {
        self.0.iter().map(|r| r as &dyn age::Recipient)
    }
}

impl fmt::Debug for Recipients {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.strings()).finish()
    }
}

/// A short fingerprint of a recipient, for comparing over the phone or against a website:
/// the first 20 bytes of SHA-256 over the `age1…` string, as five groups of eight hex digits.
pub fn fingerprint(r: &age::x25519::Recipient) -> String {
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
}
