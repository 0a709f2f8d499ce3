//! X-Wing (MLKEM768-X25519, HPKE KEM id 0x647a) as an [`hpke::Kem`].
//!
//! This is the KEM of age's `mlkem768x25519` recipient type, as fixed by the C2SP age spec
//! (which points at draft-ietf-hpke-pq and filippo.io/hpke-pq; it is X-Wing,
//! draft-connolly-cfrg-xwing-kem):
//!
//! ```text
//! expand(seed)   = SHAKE-256(seed, 96 bytes) = d (32) || z (32) || sk_X (32)
//!                  (dk_M, ek_M) = ML-KEM-768.KeyGen_internal(d, z)
//!                  pk_X = X25519(sk_X, basepoint)
//! public key     = ek_M (1184) || pk_X (32)                             1216 bytes
//! encaps(pk, r)  = r = m (32) || ek_X (32)
//!                  (ss_M, ct_M) = ML-KEM-768.Encaps_internal(ek_M, m)
//!                  ct_X = X25519(ek_X, basepoint); ss_X = X25519(ek_X, pk_X)
//! ciphertext     = ct_M (1088) || ct_X (32)                             1120 bytes
//! shared secret  = SHA3-256(ss_M || ss_X || ct_X || pk_X || "\.//^\")     32 bytes
//! ```
//!
//! ML-KEM itself is RustCrypto's `ml-kem` (FIPS 203); only the combiner and the key expansion are
//! written here, because the released `x-wing` crate cannot be linked beside age 0.12 (see the
//! workspace manifest). Their correctness is pinned by the spec's own example key and stanza and
//! by interop with typage (`tests/vectors/pq/`, `tests/e2e/pq.rs`).

use hpke::generic_array::typenum::{self, U32, Unsigned};
use hpke::kem::SharedSecret;
use hpke::{Deserializable, HpkeError, Serializable};
use ml_kem::kem::Decapsulate;
use ml_kem::{EncapsulateDeterministic, EncodedSizeUser, KemCore, MlKem768};
use rand_core06::{CryptoRng, RngCore};
use sha3::digest::{ExtendableOutput, Update, XofReader};
use sha3::{Digest, Sha3_256, Shake256};
use zeroize::{Zeroize, Zeroizing};

/// The X-Wing combiner label, `\.//^\`.
const LABEL: &[u8; 6] = b"\\.//^\\";

type MlDk = <MlKem768 as KemCore>::DecapsulationKey;
type MlEk = <MlKem768 as KemCore>::EncapsulationKey;
type MlCt = ml_kem::Ciphertext<MlKem768>;
type MlEkSize = <MlEk as EncodedSizeUser>::EncodedSize;
type MlCtSize = <MlKem768 as KemCore>::CiphertextSize;

/// Length of an ML-KEM-768 encapsulation key.
pub(crate) const ML_EK_LEN: usize = 1184;
/// Length of an ML-KEM-768 ciphertext.
pub(crate) const ML_CT_LEN: usize = 1088;
/// Length of an X-Wing public key.
pub(crate) const PUBLIC_KEY_LEN: usize = ML_EK_LEN + 32;
/// Length of an X-Wing ciphertext (the HPKE `enc`).
pub(crate) const CIPHERTEXT_LEN: usize = ML_CT_LEN + 32;

/// The decapsulation key: the 32-byte seed, and what it expands to. Zeroised on drop (the
/// expanded ML-KEM key by `ml-kem`'s `zeroize` feature, the X25519 scalar by x25519-dalek's).
#[derive(Clone)]
pub(crate) struct PrivateKey {
    seed: Zeroizing<[u8; 32]>,
    dk_m: MlDk,
    sk_x: x25519_dalek::StaticSecret,
    pk: PublicKey,
}

impl PrivateKey {
    pub(crate) fn from_seed(seed: &[u8; 32]) -> PrivateKey {
        let mut xof = Shake256::default();
        xof.update(seed);
        let mut reader = xof.finalize_xof();
        let mut d = Zeroizing::new([0u8; 32]);
        let mut z = Zeroizing::new([0u8; 32]);
        let mut x = Zeroizing::new([0u8; 32]);
        reader.read(d.as_mut());
        reader.read(z.as_mut());
        reader.read(x.as_mut());
        let (dk_m, ek_m) = MlKem768::generate_deterministic(&(*d).into(), &(*z).into());
        let sk_x = x25519_dalek::StaticSecret::from(*x);
        let pk_x = x25519_dalek::PublicKey::from(&sk_x);
        PrivateKey {
            seed: Zeroizing::new(*seed),
            dk_m,
            sk_x,
            pk: PublicKey { ek_m, pk_x },
        }
    }

    pub(crate) fn seed(&self) -> &[u8; 32] {
        &self.seed
    }

    pub(crate) fn public(&self) -> &PublicKey {
        &self.pk
    }
}

impl PartialEq for PrivateKey {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        bool::from(self.seed.ct_eq(other.seed.as_ref()))
    }
}
impl Eq for PrivateKey {}

impl Serializable for PrivateKey {
    type OutputSize = U32;
    fn write_exact(&self, buf: &mut [u8]) {
        if let Some(out) = buf.get_mut(..32) {
            out.copy_from_slice(self.seed.as_ref());
        }
    }
}

impl Deserializable for PrivateKey {
    fn from_bytes(encoded: &[u8]) -> Result<Self, HpkeError> {
        let seed: [u8; 32] = encoded
            .try_into()
            .map_err(|_| HpkeError::IncorrectInputLength(32, encoded.len()))?;
        let seed = Zeroizing::new(seed);
        Ok(PrivateKey::from_seed(&seed))
    }
}

/// The encapsulation key: ML-KEM-768's, then X25519's.
#[derive(Clone, Debug)]
pub(crate) struct PublicKey {
    ek_m: MlEk,
    pk_x: x25519_dalek::PublicKey,
}

impl PublicKey {
    /// Parses a 1216-byte public key, with FIPS 203's modulus check on the ML-KEM part (every
    /// 12-bit coefficient of `t` below q = 3329), so every accepted key has one encoding.
    pub(crate) fn parse(encoded: &[u8]) -> Option<PublicKey> {
        if encoded.len() != PUBLIC_KEY_LEN {
            return None;
        }
        let (m, x) = encoded.split_at(ML_EK_LEN);
        let (t, _rho) = m.split_at(ML_EK_LEN - 32);
        for c in t.chunks_exact(3) {
            let [b0, b1, b2] = c else { return None };
            let (b0, b1, b2) = (u16::from(*b0), u16::from(*b1), u16::from(*b2));
            let lo = b0 | ((b1 & 0x0f) << 8);
            let hi = (b1 >> 4) | (b2 << 4);
            if lo >= 3329 || hi >= 3329 {
                return None;
            }
        }
        let m: &ml_kem::array::Array<u8, MlEkSize> = m.try_into().ok()?;
        let x: [u8; 32] = x.try_into().ok()?;
        Some(PublicKey {
            ek_m: MlEk::from_bytes(m),
            pk_x: x25519_dalek::PublicKey::from(x),
        })
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.ek_m.as_bytes() == other.ek_m.as_bytes() && self.pk_x == other.pk_x
    }
}
impl Eq for PublicKey {}

impl Serializable for PublicKey {
    type OutputSize = typenum::Sum<MlEkSize, U32>;
    fn write_exact(&self, buf: &mut [u8]) {
        if buf.len() == PUBLIC_KEY_LEN {
            let (m, x) = buf.split_at_mut(ML_EK_LEN);
            m.copy_from_slice(&self.ek_m.as_bytes());
            x.copy_from_slice(self.pk_x.as_bytes());
        }
    }
}

impl Deserializable for PublicKey {
    fn from_bytes(encoded: &[u8]) -> Result<Self, HpkeError> {
        PublicKey::parse(encoded).ok_or(HpkeError::ValidationError)
    }
}

/// The X-Wing ciphertext, the HPKE `enc`.
#[derive(Clone)]
pub(crate) struct EncappedKey {
    ct_m: MlCt,
    ct_x: [u8; 32],
}

impl Serializable for EncappedKey {
    type OutputSize = typenum::Sum<MlCtSize, U32>;
    fn write_exact(&self, buf: &mut [u8]) {
        if buf.len() == CIPHERTEXT_LEN {
            let (m, x) = buf.split_at_mut(ML_CT_LEN);
            m.copy_from_slice(&self.ct_m);
            x.copy_from_slice(&self.ct_x);
        }
    }
}

impl Deserializable for EncappedKey {
    fn from_bytes(encoded: &[u8]) -> Result<Self, HpkeError> {
        if encoded.len() != CIPHERTEXT_LEN {
            return Err(HpkeError::IncorrectInputLength(
                CIPHERTEXT_LEN,
                encoded.len(),
            ));
        }
        let (m, x) = encoded.split_at(ML_CT_LEN);
        let ct_m: &MlCt = m.try_into().map_err(|_| HpkeError::ValidationError)?;
        let ct_x: [u8; 32] = x.try_into().map_err(|_| HpkeError::ValidationError)?;
        Ok(EncappedKey { ct_m: *ct_m, ct_x })
    }
}

fn combiner(ss_m: &[u8], ss_x: &[u8; 32], ct_x: &[u8; 32], pk_x: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha3_256::new();
    Digest::update(&mut h, ss_m);
    Digest::update(&mut h, ss_x);
    Digest::update(&mut h, ct_x);
    Digest::update(&mut h, pk_x);
    Digest::update(&mut h, LABEL);
    h.finalize().into()
}

/// The KEM, for `hpke::single_shot_{seal,open}`.
pub(crate) struct XWing;

impl hpke::Kem for XWing {
    type PublicKey = PublicKey;
    type PrivateKey = PrivateKey;
    type EncappedKey = EncappedKey;
    type NSecret = U32;
    const KEM_ID: u16 = 0x647a;

    fn sk_to_pk(sk: &PrivateKey) -> PublicKey {
        sk.pk.clone()
    }

    /// X-Wing's DeriveKeyPair: the seed is SHAKE-256(ikm, 32). Postern never calls it (keys
    /// come from a CSPRNG or from the codename derivation); hpke's trait requires it.
    fn derive_keypair(ikm: &[u8]) -> (PrivateKey, PublicKey) {
        let mut xof = Shake256::default();
        xof.update(ikm);
        let mut seed = Zeroizing::new([0u8; 32]);
        xof.finalize_xof().read(seed.as_mut());
        let sk = PrivateKey::from_seed(&seed);
        let pk = sk.pk.clone();
        (sk, pk)
    }

    fn encap<R: CryptoRng + RngCore>(
        pk: &PublicKey,
        sender_id_keypair: Option<(&PrivateKey, &PublicKey)>,
        csprng: &mut R,
    ) -> Result<(SharedSecret<Self>, EncappedKey), HpkeError> {
        if sender_id_keypair.is_some() {
            // Authenticated modes do not exist for a KEM; age uses base mode only.
            return Err(HpkeError::EncapError);
        }
        let mut m = Zeroizing::new([0u8; 32]);
        let mut ek_x = Zeroizing::new([0u8; 32]);
        csprng.fill_bytes(m.as_mut());
        csprng.fill_bytes(ek_x.as_mut());
        let (ct_m, ss_m) = pk
            .ek_m
            .encapsulate_deterministic(&(*m).into())
            .map_err(|_| HpkeError::EncapError)?;
        let ek_x = x25519_dalek::StaticSecret::from(*ek_x);
        let ct_x = x25519_dalek::PublicKey::from(&ek_x).to_bytes();
        let ss_x = ek_x.diffie_hellman(&pk.pk_x);
        let mut ss_m = ss_m;
        let ss = Zeroizing::new(combiner(&ss_m, ss_x.as_bytes(), &ct_x, pk.pk_x.as_bytes()));
        ss_m.as_mut_slice().zeroize();
        let mut out = SharedSecret::<Self>::default();
        out.0.copy_from_slice(ss.as_ref());
        Ok((out, EncappedKey { ct_m, ct_x }))
    }

    fn decap(
        sk: &PrivateKey,
        pk_sender_id: Option<&PublicKey>,
        enc: &EncappedKey,
    ) -> Result<SharedSecret<Self>, HpkeError> {
        if pk_sender_id.is_some() {
            return Err(HpkeError::DecapError);
        }
        let mut ss_m = sk
            .dk_m
            .decapsulate(&enc.ct_m)
            .map_err(|_| HpkeError::DecapError)?;
        let ss_x = sk
            .sk_x
            .diffie_hellman(&x25519_dalek::PublicKey::from(enc.ct_x));
        let ss = Zeroizing::new(combiner(
            &ss_m,
            ss_x.as_bytes(),
            &enc.ct_x,
            sk.pk.pk_x.as_bytes(),
        ));
        ss_m.as_mut_slice().zeroize();
        let mut out = SharedSecret::<Self>::default();
        out.0.copy_from_slice(ss.as_ref());
        Ok(out)
    }
}

/// A `rand_core` 0.6 RNG that hands out exactly the bytes it was given, for known-answer
/// tests of the encapsulation (and, in production, the 64 bytes drawn from the caller).
pub(crate) struct GivenBytes<'a> {
    bytes: &'a [u8],
}

impl<'a> GivenBytes<'a> {
    pub(crate) fn new(bytes: &'a [u8; 64]) -> Self {
        GivenBytes { bytes }
    }
}

impl RngCore for GivenBytes<'_> {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }
    /// Encapsulation reads exactly the 64 bytes it was given. Were it ever to ask for more, it
    /// would get zeros, which [`crate::pq`] rules out by checking that all 64 were consumed.
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        let n = dest.len().min(self.bytes.len());
        let (now, rest) = self.bytes.split_at(n);
        if let Some(d) = dest.get_mut(..n) {
            d.copy_from_slice(now);
        }
        if let Some(d) = dest.get_mut(n..) {
            d.fill(0);
        }
        self.bytes = rest;
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core06::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for GivenBytes<'_> {}

impl GivenBytes<'_> {
    pub(crate) fn all_used(&self) -> bool {
        self.bytes.is_empty()
    }
}

const _: () = {
    // The sizes the encodings above rely on.
    assert!(<MlEkSize as Unsigned>::USIZE == ML_EK_LEN);
    assert!(<MlCtSize as Unsigned>::USIZE == ML_CT_LEN);
};
