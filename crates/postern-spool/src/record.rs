//! Signed records: what the server vouches for about each item and each source.
//!
//! A record is a short text file with one `key value` line per field in a fixed order, then a
//! `sig` line holding the Ed25519 signature (see [`crate::keys`]) over every byte before it. There
//! is exactly one valid encoding of each record: parsing is strict (fixed order, no extra spaces or
//! lines, canonical numbers, at most [`MAX_RECORD_LEN`] bytes), so what is verified is what is
//! read. The grammar is in `docs/spool-format.md`.

use std::fmt;

use crate::day::Day;
use crate::envelope::Kind;
use crate::ids::{ItemId, SourceId, parse_hex};
use crate::keys::{Domain, SigningKey, VerifyingKey};
use crate::recipients::{Recipient, Recipients};

/// Largest record file accepted, in bytes.
/// (An item record names up to 32 recipients; a hybrid `age1pq1…` one is 1959 characters.)
pub const MAX_RECORD_LEN: usize = 65536;

/// Why a record was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordError {
    /// Larger than [`MAX_RECORD_LEN`].
    TooLarge,
    /// A record of a version this build does not know.
    UnknownVersion,
    /// Not in canonical form.
    Malformed,
    /// The signature does not verify with the pinned key: forged, altered, or signed by another
    /// server.
    BadSignature,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RecordError::TooLarge => "record is larger than any valid record",
            RecordError::UnknownVersion => "record version not supported by this build",
            RecordError::Malformed => "record is not in canonical form",
            RecordError::BadSignature => {
                "record signature does not verify with the pinned server key (altered, forged, or from another server)"
            }
        })
    }
}

impl std::error::Error for RecordError {}

/// A record's digest of its item's ciphertext, with the algorithm that made it. The algorithm is
/// fixed by the record's version (1: SHA-256, 2: BLAKE3-256) and written in its digest line, so it
/// is part of the signed text: a record cannot be read as the other kind without its signature
/// failing. Verify a ciphertext with [`Digest::hasher`], never with a fixed algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Digest {
    /// SHA-256 (FIPS 180-4): records of version 1, written before BLAKE3.
    Sha256([u8; 32]),
    /// BLAKE3 with its default 32-byte output: records of version 2, written for every new item.
    Blake3([u8; 32]),
}

impl Digest {
    /// The 32 digest bytes, whichever the algorithm (what segment manifests, selections and ETags
    /// carry onward).
    pub fn bytes(&self) -> &[u8; 32] {
        match self {
            Digest::Sha256(b) | Digest::Blake3(b) => b,
        }
    }

    /// A streaming hasher of this digest's algorithm.
    pub fn hasher(&self) -> RecordHasher {
        match self {
            Digest::Sha256(_) => RecordHasher::sha256(),
            Digest::Blake3(_) => RecordHasher::blake3(),
        }
    }

    /// Whether `data` hashes to this digest under its algorithm.
    pub fn matches(&self, data: &[u8]) -> bool {
        let mut h = self.hasher();
        h.update(data);
        h.finalize() == *self
    }

    fn version(&self) -> &'static str {
        match self {
            Digest::Sha256(_) => "1",
            Digest::Blake3(_) => "2",
        }
    }

    fn line_key(&self) -> &'static str {
        match self {
            Digest::Sha256(_) => "sha256",
            Digest::Blake3(_) => "blake3",
        }
    }
}

/// A streaming hash of a ciphertext, in the algorithm of a record version: [`RecordHasher::new`]
/// for new items (BLAKE3), [`Digest::hasher`] to check an item against its record. Flat memory.
#[derive(Clone)]
pub struct RecordHasher(HasherInner);

#[derive(Clone)]
enum HasherInner {
    Sha256(sha2::Sha256),
    // Boxed: BLAKE3's chunk stack makes its state about 1.9 KB.
    Blake3(Box<blake3::Hasher>),
}

impl Default for RecordHasher {
    fn default() -> Self {
        RecordHasher::new()
    }
}

impl fmt::Debug for RecordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            HasherInner::Sha256(_) => "RecordHasher(sha256)",
            HasherInner::Blake3(_) => "RecordHasher(blake3)",
        })
    }
}

impl RecordHasher {
    /// The hash of records written now (version 2, BLAKE3).
    pub fn new() -> RecordHasher {
        RecordHasher::blake3()
    }

    /// SHA-256, for version 1 records.
    pub fn sha256() -> RecordHasher {
        RecordHasher(HasherInner::Sha256(<sha2::Sha256 as sha2::Digest>::new()))
    }

    /// BLAKE3, for version 2 records.
    pub fn blake3() -> RecordHasher {
        RecordHasher(HasherInner::Blake3(Box::new(blake3::Hasher::new())))
    }

    /// Hashes more bytes.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            HasherInner::Sha256(h) => sha2::Digest::update(h, data),
            HasherInner::Blake3(h) => {
                h.update(data);
            }
        }
    }

    /// The digest of everything hashed.
    pub fn finalize(self) -> Digest {
        match self.0 {
            HasherInner::Sha256(h) => Digest::Sha256(sha2::Digest::finalize(h).into()),
            HasherInner::Blake3(h) => Digest::Blake3(*h.finalize().as_bytes()),
        }
    }
}

/// What the server states about one stored item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemRecord {
    /// The item id (also its file name and its envelope's submission id).
    pub item: ItemId,
    /// The source the item belongs to.
    pub source: SourceId,
    /// What the item is.
    pub kind: Kind,
    /// The day it was stored.
    pub day: Day,
    /// Length of the ciphertext file in bytes (the padded size plus age's overhead).
    pub size: u64,
    /// Digest of the ciphertext file: SHA-256 (version 1) or BLAKE3 (version 2).
    pub digest: Digest,
    /// The recipients the item was sealed to.
    pub recipients: Vec<String>,
}

/// What the server states about a source: its reply recipient and first day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceRecord {
    /// The source.
    pub source: SourceId,
    /// The source's reply recipient (`age1pq1…`, or `age1…` for a source made before hybrid
    /// reply identities), derived from its codename.
    pub reply: String,
    /// The day of its first submission.
    pub day: Day,
}

impl ItemRecord {
    /// Builds a record for a sealed item.
    pub fn new(
        item: ItemId,
        source: SourceId,
        kind: Kind,
        day: Day,
        size: u64,
        digest: Digest,
        recipients: &Recipients,
    ) -> ItemRecord {
        ItemRecord {
            item,
            source,
            kind,
            day,
            size,
            digest,
            recipients: recipients.strings(),
        }
    }

    fn body(&self) -> String {
        let mut s = format!(
            "postern-item {}\nitem {}\nsource {}\nkind {}\nday {}\nsize {}\n{} {}\n",
            self.digest.version(),
            self.item,
            self.source,
            self.kind,
            self.day.0,
            self.size,
            self.digest.line_key(),
            hex::encode(self.digest.bytes())
        );
        for r in &self.recipients {
            s.push_str("recipient ");
            s.push_str(r);
            s.push('\n');
        }
        s
    }

    /// The signed text of the record.
    pub fn sign(&self, key: &SigningKey) -> String {
        sign_body(self.body(), Domain::ItemRecord, key)
    }

    /// The signed text of a reply's record: the same fields, signed by the newsroom's key in the
    /// reply-record domain. Only records of kind [`Kind::Reply`] may be signed so.
    pub fn sign_reply(&self, key: &SigningKey) -> Option<String> {
        (self.kind == Kind::Reply).then(|| sign_body(self.body(), Domain::ReplyRecord, key))
    }

    /// Parses and verifies a record with the pinned server key.
    pub fn parse_verified(bytes: &[u8], key: &VerifyingKey) -> Result<ItemRecord, RecordError> {
        Self::parse_in(bytes, Domain::ItemRecord, key)
    }

    /// Parses and verifies a reply's record with the pinned newsroom key; its kind must be
    /// [`Kind::Reply`].
    pub fn parse_verified_reply(
        bytes: &[u8],
        key: &VerifyingKey,
    ) -> Result<ItemRecord, RecordError> {
        let rec = Self::parse_in(bytes, Domain::ReplyRecord, key)?;
        if rec.kind != Kind::Reply {
            return Err(RecordError::Malformed);
        }
        Ok(rec)
    }

    fn parse_in(
        bytes: &[u8],
        domain: Domain,
        key: &VerifyingKey,
    ) -> Result<ItemRecord, RecordError> {
        let (body, version, mut lines) = split_signed_versions(
            bytes,
            MAX_RECORD_LEN,
            "postern-item",
            &["1", "2"],
            domain,
            key,
        )?;
        let item = ItemId::parse(lines.field("item")?).ok_or(RecordError::Malformed)?;
        let source = SourceId::parse(lines.field("source")?).ok_or(RecordError::Malformed)?;
        let kind = Kind::parse(lines.field("kind")?).ok_or(RecordError::Malformed)?;
        let day = Day(parse_canonical_u32(lines.field("day")?)?);
        let size = parse_canonical_u64(lines.field("size")?)?;
        // The version names the digest line: a version 1 record with a blake3 line, or the
        // reverse, is malformed (and the re-encoding below would differ anyway).
        let digest = match version {
            "1" => Digest::Sha256(
                parse_hex::<32>(lines.field("sha256")?).ok_or(RecordError::Malformed)?,
            ),
            "2" => Digest::Blake3(
                parse_hex::<32>(lines.field("blake3")?).ok_or(RecordError::Malformed)?,
            ),
            _ => return Err(RecordError::UnknownVersion),
        };
        let mut recipients: Vec<String> = Vec::new();
        while let Some(r) = lines.optional("recipient")? {
            if recipients.len() >= crate::recipients::MAX_RECIPIENTS {
                return Err(RecordError::Malformed);
            }
            let parsed = r.parse::<Recipient>().map_err(|_| RecordError::Malformed)?;
            if parsed.to_string() != r || recipients.last().is_some_and(|prev| prev.as_str() >= r) {
                return Err(RecordError::Malformed); // not canonical, not sorted, or duplicated
            }
            recipients.push(r.to_owned());
        }
        // Non-empty, and never a mix of hybrid and classical recipients.
        if Recipients::parse(&recipients).is_err() {
            return Err(RecordError::Malformed);
        }
        lines.end()?;
        let rec = ItemRecord {
            item,
            source,
            kind,
            day,
            size,
            digest,
            recipients,
        };
        // Canonical: re-encoding gives back exactly the signed bytes.
        if rec.body().as_bytes() != body {
            return Err(RecordError::Malformed);
        }
        Ok(rec)
    }
}

impl SourceRecord {
    fn body(&self) -> String {
        format!(
            "postern-source 1\nsource {}\nreply {}\nday {}\n",
            self.source, self.reply, self.day.0
        )
    }

    /// The signed text of the record.
    pub fn sign(&self, key: &SigningKey) -> String {
        sign_body(self.body(), Domain::SourceRecord, key)
    }

    /// Parses and verifies a record with the pinned server key.
    pub fn parse_verified(bytes: &[u8], key: &VerifyingKey) -> Result<SourceRecord, RecordError> {
        let (body, mut lines) = split_signed(bytes, "postern-source", Domain::SourceRecord, key)?;
        let source = SourceId::parse(lines.field("source")?).ok_or(RecordError::Malformed)?;
        let reply = lines.field("reply")?;
        let parsed = reply
            .parse::<Recipient>()
            .map_err(|_| RecordError::Malformed)?;
        if parsed.to_string() != reply {
            return Err(RecordError::Malformed);
        }
        let day = Day(parse_canonical_u32(lines.field("day")?)?);
        lines.end()?;
        let rec = SourceRecord {
            source,
            reply: reply.to_owned(),
            day,
        };
        if rec.body().as_bytes() != body {
            return Err(RecordError::Malformed);
        }
        Ok(rec)
    }

    /// The reply recipient, parsed: hybrid (`age1pq1…`) for sources made since hybrid reply
    /// identities, classical (`age1…`) for older ones.
    pub fn reply_recipient(&self) -> Option<Recipient> {
        self.reply.parse().ok()
    }
}

pub(crate) fn sign_body(mut body: String, domain: Domain, key: &SigningKey) -> String {
    let sig = key.sign(domain, body.as_bytes());
    body.push_str("sig ");
    body.push_str(&hex::encode(sig));
    body.push('\n');
    body
}

/// Checks size, the signature line and the signature, and returns the signed body and a line
/// reader positioned after the version line.
fn split_signed<'a>(
    bytes: &'a [u8],
    magic: &str,
    domain: Domain,
    key: &VerifyingKey,
) -> Result<(&'a [u8], Lines<'a>), RecordError> {
    split_signed_max(bytes, MAX_RECORD_LEN, magic, domain, key)
}

/// [`split_signed`] for signed texts of another size bound.
pub(crate) fn split_signed_max<'a>(
    bytes: &'a [u8],
    max_len: usize,
    magic: &str,
    domain: Domain,
    key: &VerifyingKey,
) -> Result<(&'a [u8], Lines<'a>), RecordError> {
    let (body, _, lines) = split_signed_versions(bytes, max_len, magic, &["1"], domain, key)?;
    Ok((body, lines))
}

/// [`split_signed_max`] for a format with several versions: returns the one the text has (one of
/// `versions`), checked before the signature.
pub(crate) fn split_signed_versions<'a>(
    bytes: &'a [u8],
    max_len: usize,
    magic: &str,
    versions: &[&'static str],
    domain: Domain,
    key: &VerifyingKey,
) -> Result<(&'a [u8], &'static str, Lines<'a>), RecordError> {
    if bytes.len() > max_len {
        return Err(RecordError::TooLarge);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| RecordError::Malformed)?;
    let stripped = text.strip_suffix('\n').ok_or(RecordError::Malformed)?;
    let (body_without_nl, sig_line) = stripped.rsplit_once('\n').ok_or(RecordError::Malformed)?;
    let sig_hex = sig_line
        .strip_prefix("sig ")
        .ok_or(RecordError::Malformed)?;
    let sig = parse_hex::<64>(sig_hex).ok_or(RecordError::Malformed)?;
    let body = bytes
        .get(..body_without_nl.len() + 1)
        .ok_or(RecordError::Malformed)?;
    let body_text = text
        .get(..body_without_nl.len() + 1)
        .ok_or(RecordError::Malformed)?;
    let mut lines = Lines(body_text.split_terminator('\n').peekable());
    // Check the version before the signature, so an unknown version says so.
    let first = lines.0.next().ok_or(RecordError::Malformed)?;
    let version = first
        .strip_prefix(magic)
        .and_then(|v| v.strip_prefix(' '))
        .ok_or(RecordError::Malformed)?;
    let Some(version) = versions.iter().copied().find(|v| *v == version) else {
        return Err(RecordError::UnknownVersion);
    };
    if !key.verify(domain, body, &sig) {
        return Err(RecordError::BadSignature);
    }
    Ok((body, version, lines))
}

pub(crate) struct Lines<'a>(std::iter::Peekable<std::str::SplitTerminator<'a, char>>);

impl<'a> Lines<'a> {
    pub(crate) fn field(&mut self, key: &str) -> Result<&'a str, RecordError> {
        self.optional(key)?.ok_or(RecordError::Malformed)
    }

    pub(crate) fn optional(&mut self, key: &str) -> Result<Option<&'a str>, RecordError> {
        let Some(line) = self.0.peek() else {
            return Ok(None);
        };
        match line.strip_prefix(key).and_then(|v| v.strip_prefix(' ')) {
            Some(v) if !v.is_empty() && !v.contains([' ', '\r', '\t']) => {
                self.0.next();
                Ok(Some(v))
            }
            Some(_) => Err(RecordError::Malformed),
            None => Ok(None),
        }
    }

    pub(crate) fn end(&mut self) -> Result<(), RecordError> {
        match self.0.next() {
            None => Ok(()),
            Some(_) => Err(RecordError::Malformed),
        }
    }
}

fn parse_canonical_u64(s: &str) -> Result<u64, RecordError> {
    let canonical = !s.is_empty()
        && s.len() <= 20
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'));
    if !canonical {
        return Err(RecordError::Malformed);
    }
    s.parse().map_err(|_| RecordError::Malformed)
}

pub(crate) fn parse_canonical_u32(s: &str) -> Result<u32, RecordError> {
    u32::try_from(parse_canonical_u64(s)?).map_err(|_| RecordError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn sample() -> (SigningKey, ItemRecord) {
        let mut rng = StdRng::seed_from_u64(5);
        let k = SigningKey::generate(&mut rng);
        let r = Recipients::new(vec![
            age::x25519::Identity::generate().to_public(),
            age::x25519::Identity::generate().to_public(),
        ])
        .unwrap();
        let rec = ItemRecord::new(
            ItemId::random(&mut rng),
            SourceId::from_bytes([4; 32]),
            Kind::File,
            Day(20_000),
            12_345,
            Digest::Blake3([0xab; 32]),
            &r,
        );
        (k, rec)
    }

    #[test]
    fn reply_records_are_their_own_domain() {
        let (k, mut rec) = sample();
        let v = k.verifying_key();
        // Only a reply may be signed as a reply.
        assert!(rec.sign_reply(&k).is_none());
        rec.kind = Kind::Reply;
        let text = rec.sign_reply(&k).unwrap();
        assert_eq!(
            ItemRecord::parse_verified_reply(text.as_bytes(), &v).unwrap(),
            rec
        );
        // A reply record is not a server item record, and the other way round.
        assert_eq!(
            ItemRecord::parse_verified(text.as_bytes(), &v),
            Err(RecordError::BadSignature)
        );
        let item_text = rec.sign(&k);
        assert_eq!(
            ItemRecord::parse_verified_reply(item_text.as_bytes(), &v),
            Err(RecordError::BadSignature)
        );
    }

    #[test]
    fn round_trip_and_every_single_byte_change_is_refused() {
        let (k, rec) = sample();
        let text = rec.sign(&k);
        let v = k.verifying_key();
        assert_eq!(
            ItemRecord::parse_verified(text.as_bytes(), &v).unwrap(),
            rec
        );
        let bytes = text.as_bytes();
        for i in 0..bytes.len() {
            let mut b = bytes.to_vec();
            b[i] ^= 0x01;
            assert!(ItemRecord::parse_verified(&b, &v).is_err(), "byte {i}");
        }
        let other = SigningKey::generate(&mut StdRng::seed_from_u64(99)).verifying_key();
        assert_eq!(
            ItemRecord::parse_verified(bytes, &other).unwrap_err(),
            RecordError::BadSignature
        );
        // The signature of an item record is no good for a source record.
        assert!(SourceRecord::parse_verified(bytes, &v).is_err());
    }

    #[test]
    fn version_1_sha256_records_still_round_trip() {
        let (k, mut rec) = sample();
        rec.digest = Digest::Sha256([0xcd; 32]);
        let text = rec.sign(&k);
        assert!(text.starts_with("postern-item 1\n"));
        assert!(text.contains(&format!("\nsha256 {}\n", "cd".repeat(32))));
        let v = k.verifying_key();
        assert_eq!(
            ItemRecord::parse_verified(text.as_bytes(), &v).unwrap(),
            rec
        );
        for i in 0..text.len() {
            let mut b = text.as_bytes().to_vec();
            b[i] ^= 0x01;
            assert!(ItemRecord::parse_verified(&b, &v).is_err(), "byte {i}");
        }
    }

    #[test]
    fn version_2_records_carry_blake3() {
        let (k, rec) = sample();
        let text = rec.sign(&k);
        assert!(text.starts_with("postern-item 2\n"));
        assert!(text.contains(&format!("\nblake3 {}\n", "ab".repeat(32))));
        assert!(!text.contains("sha256"));
    }

    #[test]
    fn a_version_with_the_other_digest_line_is_malformed() {
        let (k, rec) = sample();
        let v = k.verifying_key();
        let v2 = rec.body();
        let mut v1 = rec.clone();
        v1.digest = Digest::Sha256(*rec.digest.bytes());
        let v1 = v1.body();
        // Signed properly, but the version and the digest line disagree.
        for body in [
            v1.replace("\nsha256 ", "\nblake3 "),
            v2.replace("\nblake3 ", "\nsha256 "),
        ] {
            let text = sign_body(body, Domain::ItemRecord, &k);
            assert_eq!(
                ItemRecord::parse_verified(text.as_bytes(), &v),
                Err(RecordError::Malformed),
                "{text}"
            );
        }
        // A signed version 1 record turned into version 2 (or back) no longer verifies.
        let t1 = sign_body(v1.clone(), Domain::ItemRecord, &k);
        let t2 = sign_body(v2.clone(), Domain::ItemRecord, &k);
        let swapped = t1
            .replace("postern-item 1\n", "postern-item 2\n")
            .replace("\nsha256 ", "\nblake3 ");
        assert_eq!(
            ItemRecord::parse_verified(swapped.as_bytes(), &v),
            Err(RecordError::BadSignature)
        );
        let swapped = t2
            .replace("postern-item 2\n", "postern-item 1\n")
            .replace("\nblake3 ", "\nsha256 ");
        assert_eq!(
            ItemRecord::parse_verified(swapped.as_bytes(), &v),
            Err(RecordError::BadSignature)
        );
        // Versions past 2 are unknown.
        let t3 = sign_body(
            v2.replace("postern-item 2\n", "postern-item 3\n"),
            Domain::ItemRecord,
            &k,
        );
        assert_eq!(
            ItemRecord::parse_verified(t3.as_bytes(), &v),
            Err(RecordError::UnknownVersion)
        );
    }

    #[test]
    fn digests_check_with_their_own_algorithm() {
        let data = b"ciphertext bytes".to_vec();
        let sha = Digest::Sha256(<sha2::Sha256 as sha2::Digest>::digest(&data).into());
        let b3 = Digest::Blake3(*blake3::hash(&data).as_bytes());
        assert_eq!(
            RecordHasher::new().finalize(),
            Digest::Blake3(*blake3::hash(b"").as_bytes())
        );
        for d in [sha, b3] {
            assert!(d.matches(&data));
            for i in 0..data.len() {
                let mut bad = data.clone();
                bad[i] ^= 0x80;
                assert!(!d.matches(&bad), "byte {i}");
            }
            let mut h = d.hasher();
            h.update(&data[..5]);
            h.update(&data[5..]);
            assert_eq!(h.finalize(), d);
        }
        // The same bytes under the other algorithm are another digest.
        assert!(!Digest::Blake3(*sha.bytes()).matches(&data));
        assert!(!Digest::Sha256(*b3.bytes()).matches(&data));
    }

    #[test]
    fn canonical_numbers() {
        assert_eq!(parse_canonical_u64("0"), Ok(0));
        assert_eq!(parse_canonical_u64("18446744073709551615"), Ok(u64::MAX));
        for bad in ["", "01", "+1", "1 ", "18446744073709551616", "1e3", "-0"] {
            assert!(parse_canonical_u64(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn source_record_round_trip() {
        let (k, _) = sample();
        let rec = SourceRecord {
            source: SourceId::from_bytes([1; 32]),
            reply: age::x25519::Identity::generate().to_public().to_string(),
            day: Day(1),
        };
        let text = rec.sign(&k);
        assert_eq!(
            SourceRecord::parse_verified(text.as_bytes(), &k.verifying_key()).unwrap(),
            rec
        );
    }
}
