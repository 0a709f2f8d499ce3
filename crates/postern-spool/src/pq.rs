//! age's hybrid post-quantum recipient type, `mlkem768x25519` (C2SP age spec).
//!
//! A spool copied today must not open once X25519 falls to a quantum computer. This recipient
//! type needs both ML-KEM-768 and X25519 broken: the file key is sealed with HPKE (RFC 9180) base
//! mode, KEM MLKEM768-X25519 (X-Wing, [`xwing`]), KDF HKDF-SHA-256, AEAD ChaCha20-Poly1305,
//! `info = "age-encryption.org/mlkem768x25519"`, empty AAD.
//!
//! ```text
//! identity   AGE-SECRET-KEY-PQ-1…  Bech32 of the 32-byte X-Wing seed (upper case)
//! recipient  age1pq1…              Bech32 of the 1216-byte X-Wing public key (lower case;
//!                                  longer than BIP-173's 90 characters, as age writes it)
//! stanza     -> mlkem768x25519 <base64 of the 1120-byte enc>
//!            <base64 of the 32-byte HPKE ciphertext of the file key>
//! ```
//!
//! Every parser here is bounded and canonical: a key string has exactly one accepted spelling
//! (one case, the Bech32 checksum, the exact length, and for recipients FIPS 203's modulus
//! check), and a stanza is accepted only with exactly one argument that is the canonical unpadded
//! base64 of 1120 bytes and a body of exactly 32 bytes (checked before any decryption, against
//! partitioning oracles). Secrets live in zeroising types and never appear in `Debug`.
//!
//! The recipient declares the age label `postquantum`, so age's encryptor itself refuses a file
//! that would also carry a classical stanza (the spec: the same file SHOULD NOT be encrypted to
//! both). [`crate::recipients::Recipients`] refuses such a set earlier, with a clear message.
//!
//! Randomness: the age `Recipient` trait takes no RNG, so, exactly like age's own X25519
//! recipient, [`HybridRecipient`]'s trait implementation draws its 64 bytes of encapsulation
//! randomness from the operating system. Everything else takes randomness as a parameter
//! ([`HybridIdentity::generate`], [`HybridRecipient::wrap_with_randomness`]).

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use age_core::format::{FileKey, Stanza};
use base64::Engine;
use base64::prelude::BASE64_STANDARD_NO_PAD;
use bech32::primitives::decode::CheckedHrpstring;
use hpke::{Deserializable, Serializable};
use rand_core::CryptoRng;
use rand_core06::RngCore as _;
use secrecy::SecretString;
use zeroize::{Zeroize, Zeroizing};

pub(crate) mod xwing;

/// The stanza's tag (its first argument, in the spec's words).
pub const STANZA_TAG: &str = "mlkem768x25519";
/// The HPKE `info` of the stanza.
pub const HPKE_INFO: &[u8] = b"age-encryption.org/mlkem768x25519";
/// The age label every hybrid recipient declares.
pub const LABEL: &str = "postquantum";
/// Bech32 human-readable part of a recipient.
pub const RECIPIENT_HRP: &str = "age1pq";
/// Bech32 human-readable part of an identity.
pub const IDENTITY_HRP: &str = "AGE-SECRET-KEY-PQ-";
/// Length of a recipient (X-Wing public key), in bytes.
pub const RECIPIENT_LEN: usize = xwing::PUBLIC_KEY_LEN;
/// Length of the stanza's encapsulated key, in bytes.
pub const ENC_LEN: usize = xwing::CIPHERTEXT_LEN;
/// Length of an `age1pq1…` string: HRP, separator, 1216 bytes in 5-bit groups, checksum.
pub const RECIPIENT_STRING_LEN: usize = 6 + 1 + (RECIPIENT_LEN * 8).div_ceil(5) + 6;
/// Length of an `AGE-SECRET-KEY-PQ-1…` string.
pub const IDENTITY_STRING_LEN: usize = 18 + 1 + (32 * 8_usize).div_ceil(5) + 6;
/// Length of the base64 stanza argument.
const ENC_B64_LEN: usize = (ENC_LEN * 4).div_ceil(3);
/// Length of the stanza body: a 16-byte file key and a 16-byte tag.
const BODY_LEN: usize = 32;

/// Bech32 (BIP-173's checksum) without its 90-character limit, as age encodes long keys.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Bech32Long {}

impl bech32::Checksum for Bech32Long {
    type MidstateRepr = u32;
    const CODE_LENGTH: usize = 4096;
    const CHECKSUM_LENGTH: usize = bech32::Bech32::CHECKSUM_LENGTH;
    const GENERATOR_SH: [u32; 5] = bech32::Bech32::GENERATOR_SH;
    const TARGET_RESIDUE: u32 = bech32::Bech32::TARGET_RESIDUE;
}

/// Why a key string was refused. Never echoes the input, which may be a secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// Not the exact length of this key type.
    Length,
    /// Not Bech32 with a valid checksum, or in the wrong (or mixed) case.
    Encoding,
    /// Another key type (another human-readable part).
    WrongType,
    /// The bytes are not a valid key (for a recipient: FIPS 203's modulus check).
    InvalidKey,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyError::Length => "not the length of an age hybrid key",
            KeyError::Encoding => "not a canonical Bech32 string (checksum or case)",
            KeyError::WrongType => "not an age hybrid (mlkem768x25519) key",
            KeyError::InvalidKey => "the key bytes are invalid",
        })
    }
}

impl std::error::Error for KeyError {}

fn decode_bech32(s: &str, hrp: &str, upper: bool, len: usize) -> Result<Vec<u8>, KeyError> {
    let want = if upper {
        IDENTITY_STRING_LEN
    } else {
        RECIPIENT_STRING_LEN
    };
    if s.len() != want {
        return Err(KeyError::Length);
    }
    let canonical_case = if upper {
        !s.bytes().any(|b| b.is_ascii_lowercase())
    } else {
        !s.bytes().any(|b| b.is_ascii_uppercase())
    };
    let parsed = CheckedHrpstring::new::<Bech32Long>(s).map_err(|_| KeyError::Encoding)?;
    if !canonical_case {
        return Err(KeyError::Encoding);
    }
    let expected = bech32::Hrp::parse(hrp).map_err(|_| KeyError::WrongType)?;
    if parsed.hrp() != expected {
        return Err(KeyError::WrongType);
    }
    let bytes: Vec<u8> = parsed.byte_iter().collect();
    if bytes.len() != len {
        return Err(KeyError::Length);
    }
    Ok(bytes)
}

/// An `age1pq1…` recipient: an X-Wing public key.
#[derive(Clone, PartialEq, Eq)]
pub struct HybridRecipient(Box<xwing::PublicKey>);

impl HybridRecipient {
    /// The 1216-byte public key.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.to_bytes().to_vec()
    }

    /// Parses a 1216-byte public key (length and modulus checked).
    pub fn from_bytes(b: &[u8]) -> Option<HybridRecipient> {
        xwing::PublicKey::parse(b).map(|k| HybridRecipient(Box::new(k)))
    }

    /// Wraps `file_key` into one stanza with the given 64 bytes of encapsulation randomness
    /// (32 for ML-KEM, 32 for the ephemeral X25519 key). For known-answer tests, and for callers
    /// who pass randomness from their own CSPRNG: it must be fresh and secret, never reused.
    pub fn wrap_with_randomness(&self, file_key: &[u8; 16], randomness: &[u8; 64]) -> Stanza {
        let mut rng = xwing::GivenBytes::new(randomness);
        let sealed = hpke::single_shot_seal::<
            hpke::aead::ChaCha20Poly1305,
            hpke::kdf::HkdfSha256,
            xwing::XWing,
            _,
        >(
            &hpke::OpModeS::Base,
            &*self.0,
            HPKE_INFO,
            file_key,
            b"",
            &mut rng,
        );
        // Base-mode sealing of 16 bytes with this KEM cannot fail, and reads exactly the
        // 64 bytes given; anything else would be a bug, answered with an unusable stanza.
        match sealed {
            Ok((enc, body)) if rng.all_used() => Stanza {
                tag: STANZA_TAG.to_owned(),
                args: vec![BASE64_STANDARD_NO_PAD.encode(enc.to_bytes())],
                body,
            },
            _ => Stanza {
                tag: STANZA_TAG.to_owned(),
                args: vec![],
                body: vec![],
            },
        }
    }
}

impl FromStr for HybridRecipient {
    type Err = KeyError;

    /// Parses the canonical `age1pq1…` form (lower case, exact length).
    fn from_str(s: &str) -> Result<Self, KeyError> {
        let bytes = decode_bech32(s, RECIPIENT_HRP, false, RECIPIENT_LEN)?;
        HybridRecipient::from_bytes(&bytes).ok_or(KeyError::InvalidKey)
    }
}

impl fmt::Display for HybridRecipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hrp = bech32::Hrp::parse(RECIPIENT_HRP).map_err(|_| fmt::Error)?;
        bech32::encode_lower_to_fmt::<Bech32Long, _>(f, hrp, &self.0.to_bytes())
            .map_err(|_| fmt::Error)
    }
}

impl fmt::Debug for HybridRecipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.to_string();
        write!(f, "HybridRecipient({}…)", s.get(..24).unwrap_or(&s))
    }
}

impl age::Recipient for HybridRecipient {
    fn wrap_file_key(
        &self,
        file_key: &FileKey,
    ) -> Result<(Vec<Stanza>, HashSet<String>), age::EncryptError> {
        use age::secrecy::ExposeSecret;
        let mut randomness = Zeroizing::new([0u8; 64]);
        rand_core06::OsRng
            .try_fill_bytes(randomness.as_mut())
            .map_err(|e| age::EncryptError::Io(std::io::Error::other(e)))?;
        let stanza = self.wrap_with_randomness(file_key.expose_secret(), &randomness);
        if stanza.args.len() != 1 {
            return Err(age::EncryptError::Io(std::io::Error::other(
                "hybrid sealing failed",
            )));
        }
        Ok((vec![stanza], HashSet::from([LABEL.to_owned()])))
    }
}

/// An `AGE-SECRET-KEY-PQ-1…` identity: a 32-byte X-Wing seed. Zeroised on drop; `Debug`
/// shows only the start of the public recipient.
#[derive(Clone)]
pub struct HybridIdentity(xwing::PrivateKey);

impl HybridIdentity {
    /// A fresh identity from `rng`.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> HybridIdentity {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(seed.as_mut());
        HybridIdentity::from_seed(&seed)
    }

    /// The identity with this seed (as age encodes it: the seed is the identity).
    pub fn from_seed(seed: &[u8; 32]) -> HybridIdentity {
        HybridIdentity(xwing::PrivateKey::from_seed(seed))
    }

    /// The public recipient.
    pub fn to_public(&self) -> HybridRecipient {
        HybridRecipient(Box::new(self.0.public().clone()))
    }

    /// The `AGE-SECRET-KEY-PQ-1…` string.
    pub fn to_secret_string(&self) -> SecretString {
        let mut s = String::with_capacity(IDENTITY_STRING_LEN);
        let ok = bech32::Hrp::parse(IDENTITY_HRP).ok().and_then(|hrp| {
            bech32::encode_upper_to_fmt::<bech32::Bech32, _>(&mut s, hrp, self.0.seed()).ok()
        });
        if ok.is_none() {
            s.zeroize();
        }
        SecretString::from(s)
    }

    /// Unwraps one stanza per the spec: `None` if it is not an `mlkem768x25519` stanza or is
    /// not for this identity; an error if it is one but malformed.
    fn unwrap(&self, stanza: &Stanza) -> Option<Result<FileKey, age::DecryptError>> {
        if stanza.tag != STANZA_TAG {
            return None;
        }
        let [arg] = stanza.args.as_slice() else {
            return Some(Err(age::DecryptError::InvalidHeader));
        };
        if arg.len() != ENC_B64_LEN || stanza.body.len() != BODY_LEN {
            return Some(Err(age::DecryptError::InvalidHeader));
        }
        let Ok(enc) = BASE64_STANDARD_NO_PAD.decode(arg) else {
            return Some(Err(age::DecryptError::InvalidHeader));
        };
        let Ok(enc) = xwing::EncappedKey::from_bytes(&enc) else {
            return Some(Err(age::DecryptError::InvalidHeader));
        };
        let opened = hpke::single_shot_open::<
            hpke::aead::ChaCha20Poly1305,
            hpke::kdf::HkdfSha256,
            xwing::XWing,
        >(
            &hpke::OpModeR::Base,
            &self.0,
            &enc,
            HPKE_INFO,
            &stanza.body,
            b"",
        )
        .ok()
        .map(Zeroizing::new)?;
        let key: Result<[u8; 16], _> = opened.as_slice().try_into();
        match key {
            Ok(mut k) => {
                let fk = FileKey::new(Box::new(k));
                k.zeroize();
                Some(Ok(fk))
            }
            Err(_) => Some(Err(age::DecryptError::DecryptionFailed)),
        }
    }
}

impl FromStr for HybridIdentity {
    type Err = KeyError;

    /// Parses the canonical `AGE-SECRET-KEY-PQ-1…` form (upper case, exact length).
    fn from_str(s: &str) -> Result<Self, KeyError> {
        let bytes = Zeroizing::new(decode_bech32(s, IDENTITY_HRP, true, 32)?);
        let seed: Zeroizing<[u8; 32]> =
            Zeroizing::new(bytes.as_slice().try_into().map_err(|_| KeyError::Length)?);
        Ok(HybridIdentity::from_seed(&seed))
    }
}

impl fmt::Debug for HybridIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HybridIdentity(public: {:?})", self.to_public())
    }
}

impl age::Identity for HybridIdentity {
    fn unwrap_stanza(&self, stanza: &Stanza) -> Option<Result<FileKey, age::DecryptError>> {
        self.unwrap(stanza)
    }
}

#[cfg(test)]
mod tests;
