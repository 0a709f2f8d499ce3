//! From a codename to a source id and a reply identity.
//!
//! ```text
//! master   = Argon2id(password = normalised codename, salt = server salt,
//!                     m = 64 MiB, t = 3, p = 4, output 32 bytes)
//! prk      = HKDF-SHA-256-Extract(salt = "postern/v1", ikm = master)
//! sourceid = HKDF-Expand(prk, info = "postern/v1/source-id", 32)
//! seed     = HKDF-Expand(prk, info = "postern/v1/reply-identity", 32)
//! ```
//!
//! One memory-hard run serves both values; HKDF's domain separation makes them independent, so
//! the stored source id says nothing about the reply key. The seed becomes an age X25519 identity
//! (age clamps any 32 bytes, as RFC 7748 prescribes); only its public recipient is ever stored.
//! The salt is server-wide because lookup must be deterministic: security rests on the codename's
//! ~90 bits, the Argon2 cost only slows a guesser who holds the spool.

use std::fmt;

use argon2::{Algorithm, Argon2, Params, Version};
use hkdf::Hkdf;
use rand_core::CryptoRng;
use secrecy::ExposeSecret;
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use crate::codename::Codename;
use crate::ids::{SourceId, parse_hex};

/// Argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory, in KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// The production parameters: RFC 9106's second recommended option.
    pub const DEFAULT: KdfParams = KdfParams {
        m_kib: 64 * 1024,
        t: 3,
        p: 4,
    };

    /// Cheap parameters for tests that derive many keys. Never use them for a real server.
    pub const INSECURE_FAST_FOR_TESTS: KdfParams = KdfParams {
        m_kib: 64,
        t: 1,
        p: 1,
    };
}

impl Default for KdfParams {
    fn default() -> Self {
        KdfParams::DEFAULT
    }
}

/// The server-wide salt made by `postern init`: 16 random bytes, stored as 32 hex digits.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerSalt([u8; 16]);

impl ServerSalt {
    /// A fresh salt.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> ServerSalt {
        let mut b = [0u8; 16];
        rng.fill_bytes(&mut b);
        ServerSalt(b)
    }

    /// The salt with these bytes.
    pub fn from_bytes(b: [u8; 16]) -> ServerSalt {
        ServerSalt(b)
    }

    /// Parses 32 lower-case hex digits.
    pub fn parse(s: &str) -> Option<ServerSalt> {
        parse_hex::<16>(s).map(ServerSalt)
    }
}

impl fmt::Display for ServerSalt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for ServerSalt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServerSalt({self})")
    }
}

/// What a codename yields: the stored lookup id and the source's reply identity.
pub struct SourceKeys {
    /// The lookup key, stored on disk.
    pub id: SourceId,
    reply: age::x25519::Identity,
}

impl SourceKeys {
    /// The reply identity. It opens replies to this source; it must never be written anywhere.
    pub fn reply_identity(&self) -> &age::x25519::Identity {
        &self.reply
    }

    /// The public half of the reply identity, which the spool stores.
    pub fn reply_recipient(&self) -> age::x25519::Recipient {
        self.reply.to_public()
    }
}

impl fmt::Debug for SourceKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceKeys")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Derivation failed: only possible with invalid cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeriveError;

impl fmt::Display for DeriveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid key-derivation parameters")
    }
}

impl std::error::Error for DeriveError {}

/// Runs the derivation for `codename` (one Argon2id run, then HKDF).
pub fn derive(
    codename: &Codename,
    salt: &ServerSalt,
    params: KdfParams,
) -> Result<SourceKeys, DeriveError> {
    let argon = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(params.m_kib, params.t, params.p, Some(32)).map_err(|_| DeriveError)?,
    );
    let mut master = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(codename.expose().as_bytes(), &salt.0, master.as_mut())
        .map_err(|_| DeriveError)?;
    let hk = Hkdf::<Sha256>::new(Some(b"postern/v1"), master.as_ref());
    let mut id = [0u8; 32];
    let mut seed = Zeroizing::new([0u8; 32]);
    hk.expand(b"postern/v1/source-id", &mut id)
        .map_err(|_| DeriveError)?;
    hk.expand(b"postern/v1/reply-identity", seed.as_mut())
        .map_err(|_| DeriveError)?;
    let reply = identity_from_seed(&seed).ok_or(DeriveError)?;
    Ok(SourceKeys {
        id: SourceId::from_bytes(id),
        reply,
    })
}

/// Builds an age X25519 identity from 32 secret bytes.
///
/// age has no constructor from raw bytes, so the bytes are Bech32-encoded as an
/// `AGE-SECRET-KEY-1…` string and parsed; every intermediate is zeroised.
pub fn identity_from_seed(seed: &[u8; 32]) -> Option<age::x25519::Identity> {
    let hrp = bech32::Hrp::parse("AGE-SECRET-KEY-").ok()?;
    let mut s = bech32::encode_upper::<bech32::Bech32>(hrp, seed).ok()?;
    let parsed = s.parse::<age::x25519::Identity>().ok();
    s.zeroize();
    // Round-trip check: the identity must serialise back to exactly the string we built.
    if let Some(id) = &parsed {
        let back = id.to_string();
        let mut again = bech32::encode_upper::<bech32::Bech32>(hrp, seed).ok()?;
        let same = back.expose_secret() == again;
        again.zeroize();
        if !same {
            return None;
        }
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivation_is_deterministic_and_separated() {
        let salt = ServerSalt::from_bytes([7; 16]);
        let c = Codename::parse("abacus abdomen abdominal abide abiding ability ablaze").unwrap();
        let a = derive(&c, &salt, KdfParams::INSECURE_FAST_FOR_TESTS).unwrap();
        let b = derive(&c, &salt, KdfParams::INSECURE_FAST_FOR_TESTS).unwrap();
        assert_eq!(a.id, b.id);
        assert_eq!(a.reply_recipient(), b.reply_recipient());
        // Another salt, another codename: everything changes.
        let other_salt = derive(
            &c,
            &ServerSalt::from_bytes([8; 16]),
            KdfParams::INSECURE_FAST_FOR_TESTS,
        )
        .unwrap();
        assert_ne!(a.id, other_salt.id);
        let c2 = Codename::parse("abacus abdomen abdominal abide abiding ability zoom").unwrap();
        let d = derive(&c2, &salt, KdfParams::INSECURE_FAST_FOR_TESTS).unwrap();
        assert_ne!(a.id, d.id);
        assert_ne!(a.reply_recipient(), d.reply_recipient());
        // The source id is not the seed of the reply key.
        let from_id = identity_from_seed(a.id.as_bytes()).unwrap();
        assert_ne!(from_id.to_public(), a.reply_recipient());
    }

    #[test]
    fn debug_hides_the_identity() {
        let c = Codename::parse("abacus abdomen abdominal abide abiding ability ablaze").unwrap();
        let k = derive(
            &c,
            &ServerSalt::from_bytes([1; 16]),
            KdfParams::INSECURE_FAST_FOR_TESTS,
        )
        .unwrap();
        let dbg = format!("{k:?}");
        assert!(!dbg.contains("AGE-SECRET-KEY"));
        assert!(dbg.contains(&k.id.to_string()));
    }

    #[test]
    fn bad_params_are_an_error() {
        let c = Codename::parse("abacus abdomen abdominal abide abiding ability ablaze").unwrap();
        let p = KdfParams {
            m_kib: 1,
            t: 0,
            p: 0,
        };
        assert_eq!(
            derive(&c, &ServerSalt::from_bytes([1; 16]), p).unwrap_err(),
            DeriveError
        );
    }
}
