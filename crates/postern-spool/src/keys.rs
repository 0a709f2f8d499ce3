//! Ed25519 signing keys: the server's spool key and the newsroom's reply key.
//!
//! age tells a reader that a file was sealed to it, not who sealed it: anyone with the public
//! recipients can make a valid age file. So the server signs a record for every item it stores
//! (the digest of its ciphertext, its kind, its day, its recipient set), and the reviewer, which
//! pinned the server's key at setup, refuses anything unsigned or altered on the way. The newsroom
//! signs reply bundles the same way in the other direction.
//!
//! Every signature is over a domain-separated message (`"postern/v1/<purpose>\0" || bytes`), so a
//! signature made for one purpose can never be replayed as another.

use std::fmt;

use ed25519_dalek::{Signature, Signer};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::ids::parse_hex;

/// What a signature is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Domain {
    /// An item record in the spool.
    ItemRecord,
    /// A source record in the spool.
    SourceRecord,
    /// A reply bundle's manifest, signed by the newsroom.
    ReplyBundle,
    /// A reply's record, signed by the newsroom.
    ReplyRecord,
    /// The manifest of a bundle (or of one part of a selection), signed by the server.
    BundleManifest,
}

impl Domain {
    fn prefix(self) -> &'static [u8] {
        match self {
            Domain::ItemRecord => b"postern/v1/item-record\0",
            Domain::SourceRecord => b"postern/v1/source-record\0",
            Domain::ReplyBundle => b"postern/v1/reply-bundle\0",
            Domain::ReplyRecord => b"postern/v1/reply-record\0",
            Domain::BundleManifest => b"postern/v1/bundle-manifest\0",
        }
    }
}

const PUBLIC_PREFIX: &str = "ed25519:";
const SECRET_PREFIX: &str = "POSTERN-ED25519-SECRET-KEY:";

/// An Ed25519 signing key. `Debug` shows only the public half; the secret is zeroised on drop.
pub struct SigningKey(ed25519_dalek::SigningKey);

/// An Ed25519 public key, written `ed25519:<64 hex digits>`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct VerifyingKey(ed25519_dalek::VerifyingKey);

impl SigningKey {
    /// A fresh key.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> SigningKey {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(seed.as_mut());
        SigningKey(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// A second handle on the same key (for a part of the server that signs on its own).
    pub fn duplicate(&self) -> SigningKey {
        SigningKey(self.0.clone())
    }

    /// The public half.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey(self.0.verifying_key())
    }

    /// Signs `msg` for `domain`; returns the 64-byte signature.
    pub fn sign(&self, domain: Domain, msg: &[u8]) -> [u8; 64] {
        let mut m = Vec::with_capacity(domain.prefix().len() + msg.len());
        m.extend_from_slice(domain.prefix());
        m.extend_from_slice(msg);
        self.0.sign(&m).to_bytes()
    }

    /// The secret key file text: `POSTERN-ED25519-SECRET-KEY:<64 hex digits>\n`.
    pub fn to_secret_text(&self) -> Zeroizing<String> {
        let seed = Zeroizing::new(self.0.to_bytes());
        Zeroizing::new(format!("{SECRET_PREFIX}{}\n", hex::encode(&seed[..])))
    }

    /// Parses [`SigningKey::to_secret_text`] (surrounding whitespace ignored).
    pub fn from_secret_text(s: &str) -> Option<SigningKey> {
        let hexpart = s.trim().strip_prefix(SECRET_PREFIX)?;
        let seed = Zeroizing::new(parse_hex::<32>(hexpart)?);
        Some(SigningKey(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey(public: {})", self.verifying_key())
    }
}

impl VerifyingKey {
    /// Checks a signature made by [`SigningKey::sign`] for `domain` (strict RFC 8032 checks:
    /// no malleable or small-order encodings).
    pub fn verify(&self, domain: Domain, msg: &[u8], sig: &[u8; 64]) -> bool {
        let mut m = Vec::with_capacity(domain.prefix().len() + msg.len());
        m.extend_from_slice(domain.prefix());
        m.extend_from_slice(msg);
        self.0
            .verify_strict(&m, &Signature::from_bytes(sig))
            .is_ok()
    }

    /// Parses `ed25519:<64 lower-case hex digits>` (surrounding whitespace ignored).
    pub fn parse(s: &str) -> Option<VerifyingKey> {
        let bytes = parse_hex::<32>(s.trim().strip_prefix(PUBLIC_PREFIX)?)?;
        ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .ok()
            .map(VerifyingKey)
    }
}

impl fmt::Display for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PUBLIC_PREFIX}{}", hex::encode(self.0.to_bytes()))
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn sign_verify_domains_and_text_forms() {
        let k = SigningKey::generate(&mut StdRng::seed_from_u64(1));
        let v = k.verifying_key();
        let sig = k.sign(Domain::ItemRecord, b"hello");
        assert!(v.verify(Domain::ItemRecord, b"hello", &sig));
        assert!(!v.verify(Domain::ReplyBundle, b"hello", &sig));
        assert!(!v.verify(Domain::ItemRecord, b"hellO", &sig));
        assert_eq!(VerifyingKey::parse(&v.to_string()), Some(v));
        assert_eq!(VerifyingKey::parse(&v.to_string().to_uppercase()), None);
        let text = k.to_secret_text();
        let k2 = SigningKey::from_secret_text(&text).unwrap();
        assert_eq!(k2.verifying_key(), v);
        assert!(!format!("{k:?}").contains(&text[SECRET_PREFIX.len()..SECRET_PREFIX.len() + 64]));
    }
}
