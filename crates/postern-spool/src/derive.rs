//! From a codename to a source id and a reply identity.
//!
//! ```text
//! master   = Argon2id(password = normalised codename, salt = server salt,
//!                     m = 64 MiB, t = 3, p = 4, output 32 bytes)
//! prk      = HKDF-SHA-256-Extract(salt = "postern/v1", ikm = master)
//! sourceid = HKDF-Expand(prk, info = "postern/v1/source-id", 32)
//! seed     = HKDF-Expand(prk, info = "postern/v1/reply-identity", 32)
//! pqseed   = HKDF-Expand(prk, info = "postern/v1/reply-identity/mlkem768x25519", 32)
//! ```
//!
//! One memory-hard run serves every value; HKDF's domain separation makes them independent, so
//! the stored source id says nothing about the reply keys. `pqseed` is the source's **hybrid**
//! reply identity (an age `mlkem768x25519` identity is its 32-byte X-Wing seed, [`crate::pq`]);
//! `seed` is the classical X25519 one (age clamps any 32 bytes, as RFC 7748 prescribes), kept so
//! that sources made before hybrid reply identities still open their replies. Only a public
//! recipient is ever stored: the hybrid one for sources made on a server whose newsroom keys are
//! hybrid, the classical one otherwise ([`SourceKeys::reply_recipient_for`]), so that a reply is
//! never sealed to a mix of the two kinds.
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
use crate::pq::{HybridIdentity, HybridRecipient};
use crate::recipients::{Recipient, Recipients};

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
    reply: ReplyIdentity,
}

/// A source's reply identity: the hybrid one and the classical one, both from the codename.
/// As an [`age::Identity`] it opens a reply sealed to either, so sources made before hybrid
/// reply identities keep reading their replies. Zeroised on drop; `Debug` shows nothing secret.
#[derive(Clone)]
pub struct ReplyIdentity {
    hybrid: HybridIdentity,
    classical: age::x25519::Identity,
}

impl ReplyIdentity {
    /// A random reply identity, not derived from any codename (for tests and benchmarks).
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> ReplyIdentity {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(seed.as_mut());
        let classical = identity_from_seed(&seed);
        let hybrid = HybridIdentity::generate(rng);
        match classical {
            Some(classical) => ReplyIdentity { hybrid, classical },
            None => ReplyIdentity {
                hybrid,
                classical: age::x25519::Identity::generate(),
            },
        }
    }

    /// The hybrid half.
    pub fn hybrid(&self) -> &HybridIdentity {
        &self.hybrid
    }

    /// The classical half.
    pub fn classical(&self) -> &age::x25519::Identity {
        &self.classical
    }
}

impl age::Identity for ReplyIdentity {
    fn unwrap_stanza(
        &self,
        stanza: &age_core::format::Stanza,
    ) -> Option<Result<age_core::format::FileKey, age::DecryptError>> {
        self.hybrid
            .unwrap_stanza(stanza)
            .or_else(|| self.classical.unwrap_stanza(stanza))
    }
}

impl fmt::Debug for ReplyIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReplyIdentity(..)")
    }
}

impl SourceKeys {
    /// The reply identity. It opens replies to this source; it must never be written anywhere.
    pub fn reply_identity(&self) -> &ReplyIdentity {
        &self.reply
    }

    /// The public half of the hybrid reply identity (`age1pq1…`).
    pub fn reply_recipient(&self) -> HybridRecipient {
        self.reply.hybrid.to_public()
    }

    /// The public half of the classical reply identity (`age1…`), which sources made before
    /// hybrid reply identities have in their records.
    pub fn classical_reply_recipient(&self) -> age::x25519::Recipient {
        self.reply.classical.to_public()
    }

    /// The reply recipient to store for a new source on a server sealing to `newsroom`: hybrid
    /// if the newsroom's keys are, classical otherwise, so that replies (sealed to the source and
    /// the newsroom) never mix the two kinds.
    pub fn reply_recipient_for(&self, newsroom: &Recipients) -> Recipient {
        if newsroom.is_hybrid() {
            Recipient::Hybrid(self.reply_recipient())
        } else {
            Recipient::X25519(self.classical_reply_recipient())
        }
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
    let mut pq_seed = Zeroizing::new([0u8; 32]);
    hk.expand(b"postern/v1/source-id", &mut id)
        .map_err(|_| DeriveError)?;
    hk.expand(b"postern/v1/reply-identity", seed.as_mut())
        .map_err(|_| DeriveError)?;
    hk.expand(
        b"postern/v1/reply-identity/mlkem768x25519",
        pq_seed.as_mut(),
    )
    .map_err(|_| DeriveError)?;
    let classical = identity_from_seed(&seed).ok_or(DeriveError)?;
    let hybrid = HybridIdentity::from_seed(&pq_seed);
    Ok(SourceKeys {
        id: SourceId::from_bytes(id),
        reply: ReplyIdentity { hybrid, classical },
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
        assert_ne!(from_id.to_public(), a.classical_reply_recipient());
        assert_ne!(
            HybridIdentity::from_seed(a.id.as_bytes()).to_public(),
            a.reply_recipient()
        );
        assert_eq!(a.classical_reply_recipient(), b.classical_reply_recipient());
        assert_ne!(a.classical_reply_recipient(), d.classical_reply_recipient());
    }

    #[test]
    fn the_reply_recipient_follows_the_newsroom_kind_and_both_halves_open() {
        use std::io::{Read, Write};
        let c = Codename::parse("abacus abdomen abdominal abide abiding ability ablaze").unwrap();
        let k = derive(
            &c,
            &ServerSalt::from_bytes([7; 16]),
            KdfParams::INSECURE_FAST_FOR_TESTS,
        )
        .unwrap();
        let hybrid_newsroom =
            Recipients::new(vec![HybridIdentity::from_seed(&[9; 32]).to_public()]).unwrap();
        let classical_newsroom =
            Recipients::new(vec![age::x25519::Identity::generate().to_public()]).unwrap();
        let h = k.reply_recipient_for(&hybrid_newsroom);
        assert!(h.is_hybrid());
        assert_eq!(h.to_string(), k.reply_recipient().to_string());
        let cl = k.reply_recipient_for(&classical_newsroom);
        assert!(!cl.is_hybrid());
        assert_eq!(cl.to_string(), k.classical_reply_recipient().to_string());
        // The one reply identity opens what was sealed to either half.
        for r in [h, cl] {
            let enc = age::Encryptor::with_recipients(std::iter::once(match &r {
                Recipient::X25519(x) => x as &dyn age::Recipient,
                Recipient::Hybrid(p) => p as &dyn age::Recipient,
            }))
            .unwrap();
            let mut ct = Vec::new();
            let mut w = enc.wrap_output(&mut ct).unwrap();
            w.write_all(b"reply").unwrap();
            w.finish().unwrap();
            let mut out = Vec::new();
            age::Decryptor::new(&ct[..])
                .unwrap()
                .decrypt(std::iter::once(k.reply_identity() as &dyn age::Identity))
                .unwrap()
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, b"reply");
        }
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
        assert_eq!(format!("{:?}", k.reply_identity()), "ReplyIdentity(..)");
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
