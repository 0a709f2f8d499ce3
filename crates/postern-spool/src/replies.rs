//! Replies: from the newsroom's air-gapped reviewer, through the server, to a source.
//!
//! A reply is an envelope of kind [`Kind::Reply`] sealed to the source's reply recipient **and**
//! the newsroom's recipients (so journalists can read their own history), with an item record
//! signed by the **newsroom's** key in its own signature domain. Replies cross the air gap in a
//! reply bundle, a tar stream:
//!
//! ```text
//! postern-replies/BUNDLE                       "postern-replies 1\n"        (first entry)
//! postern-replies/MANIFEST                     signed list of every reply   (second entry)
//! postern-replies/<source id>/<item id>.rec    a reply's record, signed by the newsroom,
//! postern-replies/<source id>/<item id>.age    then its ciphertext
//! ```
//!
//! The manifest is signed too, so nothing can be added to, dropped from or reordered in a bundle
//! without the server noticing: the replies must appear exactly in the manifest's (sorted) order,
//! each once, and nothing else may. [`read_reply_bundle`] checks the manifest's signature before
//! it reads any reply, verifies every record and every ciphertext's size and digest, and hands the
//! server one verified reply at a time; the server stages them and commits only once the whole
//! bundle was read without error. The grammar is in `docs/spool-format.md` §12.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use rand_core::CryptoRng;
use sha2::{Digest as _, Sha256};

use crate::bundle::{BundleError, EntryFault};
use crate::day::Day;
use crate::envelope::{Header, Kind, seal};
use crate::error::SealError;
use crate::ids::{ItemId, SourceId, UploadId};
use crate::keys::{Domain, SigningKey, VerifyingKey};
use crate::recipients::Recipients;
use crate::record::{
    Digest, ItemRecord, MAX_RECORD_LEN, RecordError, SourceRecord, parse_canonical_u32, sign_body,
    split_signed_max,
};
use crate::spool::{
    Spool, SpoolError, io_err, mkdir, record_day, remove_file_or_gone, set_day_times, sync_dir,
};
use crate::tarstream::TarReader;

/// Longest reply content, in bytes of UTF-8.
pub const MAX_REPLY_LEN: usize = 512 * 1024;
/// Largest reply ciphertext accepted from a bundle or the spool, in bytes.
pub const MAX_REPLY_AGE_LEN: u64 = 1 << 20;
/// Most replies in one bundle.
pub const MAX_REPLIES: usize = 1000;
/// Largest manifest, in bytes (room for [`MAX_REPLIES`] lines).
pub const MAX_MANIFEST_LEN: usize = 128 * 1024;
/// Content of the `BUNDLE` entry of a reply bundle.
pub const REPLIES_TEXT: &str = "postern-replies 1\n";

const ROOT: &str = "postern-replies/";

/// A sealed reply, ready for the reviewer's store and a bundle.
pub struct SealedReply {
    /// The record (kind reply) the newsroom signed.
    pub record: ItemRecord,
    /// Its signed text.
    pub record_text: String,
    /// The age file.
    pub ciphertext: Vec<u8>,
}

/// Seals `text` as a reply to the source of `source`, for the source's reply recipient and the
/// newsroom's `newsroom` recipients, and signs its record with the newsroom's `key`.
///
/// A file is never sealed to a mix of hybrid and classical recipients. If the source's reply
/// recipient is not of the newsroom set's kind (a source made before the newsroom moved to
/// hybrid keys), the reply is sealed to the source alone: it is then exactly as strong as the
/// source's own key, and the caller should pass the newsroom's set of the source's kind (its
/// previous keys, which the reviewer keeps after a rotation) to keep a newsroom copy.
pub fn seal_reply<R: CryptoRng + ?Sized>(
    rng: &mut R,
    text: &str,
    source: &SourceRecord,
    newsroom: &Recipients,
    day: Day,
    key: &SigningKey,
) -> Result<SealedReply, SealError> {
    if text.len() > MAX_REPLY_LEN {
        return Err(SealError::InvalidHeader("reply longer than 512 KiB"));
    }
    let source_recipient = source.reply_recipient().ok_or(SealError::InvalidHeader(
        "the source record has no valid reply recipient",
    ))?;
    let source_set = Recipients::new(vec![source_recipient.clone()])
        .map_err(|_| SealError::InvalidHeader("the source's reply recipient is unusable"))?;
    let recipients = if source_recipient.is_hybrid() == newsroom.is_hybrid() {
        source_set
            .union(newsroom)
            .map_err(|_| SealError::InvalidHeader("too many recipients"))?
    } else {
        source_set
    };
    let item = ItemId::random(rng);
    let header = Header::new(Kind::Reply, item, day);
    let mut sealer = seal(&recipients, &header, Vec::new())?;
    sealer.write_all(text.as_bytes())?;
    let ciphertext = sealer.finish()?;
    let record = ItemRecord::new(
        item,
        source.source,
        Kind::Reply,
        day,
        ciphertext.len() as u64,
        // Replies keep record version 1 (SHA-256): a server older than this reviewer still
        // reads them. Readers take both versions.
        Digest::Sha256(Sha256::digest(&ciphertext).into()),
        &recipients,
    );
    let record_text = record
        .sign_reply(key)
        .ok_or(SealError::InvalidHeader("not a reply"))?;
    Ok(SealedReply {
        record,
        record_text,
        ciphertext,
    })
}

/// The signed list of a reply bundle's replies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplyManifest {
    /// A random id of this bundle.
    pub bundle: UploadId,
    /// The day the bundle was made.
    pub day: Day,
    /// The replies, sorted strictly ascending by (source, item): unique.
    pub replies: Vec<(SourceId, ItemId)>,
}

impl ReplyManifest {
    fn body(&self) -> String {
        let mut s = format!(
            "postern-reply-bundle 1\nbundle {}\nday {}\n",
            self.bundle, self.day.0
        );
        for (source, item) in &self.replies {
            s.push_str(&format!("reply {source}/{item}\n"));
        }
        s
    }

    /// The signed text. The replies are sorted first.
    pub fn sign(mut self, key: &SigningKey) -> String {
        self.replies.sort();
        self.replies.dedup();
        sign_body(self.body(), Domain::ReplyBundle, key)
    }

    /// Parses and verifies a manifest with the pinned newsroom key.
    pub fn parse_verified(bytes: &[u8], key: &VerifyingKey) -> Result<ReplyManifest, RecordError> {
        let (body, mut lines) = split_signed_max(
            bytes,
            MAX_MANIFEST_LEN,
            "postern-reply-bundle",
            Domain::ReplyBundle,
            key,
        )?;
        let bundle = UploadId::parse(lines.field("bundle")?).ok_or(RecordError::Malformed)?;
        let day = Day(parse_canonical_u32(lines.field("day")?)?);
        let mut replies: Vec<(SourceId, ItemId)> = Vec::new();
        while let Some(v) = lines.optional("reply")? {
            let (s, i) = v.split_once('/').ok_or(RecordError::Malformed)?;
            let pair = (
                SourceId::parse(s).ok_or(RecordError::Malformed)?,
                ItemId::parse(i).ok_or(RecordError::Malformed)?,
            );
            if replies.last().is_some_and(|prev| *prev >= pair) {
                return Err(RecordError::Malformed); // unsorted or repeated
            }
            replies.push(pair);
        }
        if replies.is_empty() || replies.len() > MAX_REPLIES {
            return Err(RecordError::Malformed);
        }
        lines.end()?;
        let m = ReplyManifest {
            bundle,
            day,
            replies,
        };
        if m.body().as_bytes() != body {
            return Err(RecordError::Malformed);
        }
        Ok(m)
    }
}

/// Writes a reply bundle holding `replies`, signed with the newsroom's `key`.
pub fn write_reply_bundle<W: Write, R: CryptoRng + ?Sized>(
    rng: &mut R,
    out: W,
    day: Day,
    key: &SigningKey,
    replies: &[SealedReply],
) -> io::Result<W> {
    if replies.is_empty() || replies.len() > MAX_REPLIES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a reply bundle holds 1 to 1000 replies",
        ));
    }
    let mut sorted: Vec<&SealedReply> = replies.iter().collect();
    sorted.sort_by_key(|r| (r.record.source, r.record.item));
    let manifest = ReplyManifest {
        bundle: UploadId::random(rng),
        day,
        replies: sorted
            .iter()
            .map(|r| (r.record.source, r.record.item))
            .collect(),
    }
    .sign(key);
    let mut tar = tar::Builder::new(out);
    append(&mut tar, &format!("{ROOT}BUNDLE"), REPLIES_TEXT.as_bytes())?;
    append(&mut tar, &format!("{ROOT}MANIFEST"), manifest.as_bytes())?;
    for r in sorted {
        let base = format!("{ROOT}{}/{}", r.record.source, r.record.item);
        append(&mut tar, &format!("{base}.rec"), r.record_text.as_bytes())?;
        append(&mut tar, &format!("{base}.age"), &r.ciphertext)?;
    }
    tar.into_inner()
}

fn append<W: Write>(tar: &mut tar::Builder<W>, name: &str, data: &[u8]) -> io::Result<()> {
    // Fixed metadata: no owner, no time, mode 0600. The bundle says nothing about the host.
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o600);
    h.set_mtime(0);
    h.set_uid(0);
    h.set_gid(0);
    h.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut h, name, data)
}

/// A reply read from a bundle, with its record and ciphertext verified.
pub struct VerifiedReply {
    /// The verified record.
    pub record: ItemRecord,
    /// Its exact signed text.
    pub record_text: Vec<u8>,
    /// The ciphertext: exactly the record's size and digest.
    pub ciphertext: Vec<u8>,
}

/// One entry name of a reply bundle after the manifest.
fn parse_reply_name(name: &str) -> Option<(SourceId, ItemId, bool)> {
    let rest = name.strip_prefix(ROOT)?;
    let (sid, file) = rest.split_once('/')?;
    let sid = SourceId::parse(sid)?;
    if let Some(iid) = file.strip_suffix(".rec").and_then(ItemId::parse) {
        return Some((sid, iid, false));
    }
    let iid = file.strip_suffix(".age").and_then(ItemId::parse)?;
    Some((sid, iid, true))
}

/// Reads a reply bundle made by the holder of `key`, calling `visit` with each verified reply in
/// order, and returns the manifest. Refuses the whole bundle at the first fault: the caller must
/// stage what `visit` receives and commit only on `Ok`.
pub fn read_reply_bundle<R: Read>(
    input: R,
    key: &VerifyingKey,
    mut visit: impl FnMut(VerifiedReply) -> Result<(), String>,
) -> Result<ReplyManifest, BundleError> {
    let mut tar = TarReader::new(input);
    let mut manifest: Option<ReplyManifest> = None;
    let mut next = 0usize; // index into the manifest of the reply expected next
    let mut pending: Option<(ItemRecord, Vec<u8>)> = None;
    let mut seen: HashSet<ItemId> = HashSet::new();
    let mut index = 0usize;
    while let Some(header) = tar.next_entry()? {
        index += 1;
        let bad_as = |fault, why| BundleError::BadEntry { index, why, fault };
        let bad = |why| bad_as(EntryFault::Malformed, why);
        if !header.is_regular() {
            return Err(if index == 1 {
                BundleError::NotABundle
            } else {
                bad("not a regular file")
            });
        }
        let size = header.size;
        let name = std::str::from_utf8(&header.name).map_err(|_| bad("name is not UTF-8"))?;
        if index == 1 {
            if name != format!("{ROOT}BUNDLE") || size != REPLIES_TEXT.len() as u64 {
                return Err(BundleError::NotABundle);
            }
            let mut marker = Vec::new();
            tar.data().take(64).read_to_end(&mut marker)?;
            if marker != REPLIES_TEXT.as_bytes() {
                return Err(if marker.starts_with(b"postern-replies ") {
                    BundleError::UnknownVersion
                } else {
                    BundleError::NotABundle
                });
            }
            continue;
        }
        let Some(m) = &manifest else {
            if name != format!("{ROOT}MANIFEST") {
                return Err(bad("the second entry is not the signed manifest"));
            }
            if size > MAX_MANIFEST_LEN as u64 {
                return Err(bad("manifest too large"));
            }
            let mut text = Vec::new();
            tar.data()
                .take(MAX_MANIFEST_LEN as u64)
                .read_to_end(&mut text)?;
            manifest = Some(
                ReplyManifest::parse_verified(&text, key).map_err(|e| match e {
                    RecordError::BadSignature => bad_as(
                        EntryFault::NotSigned,
                        "the manifest is not signed by the pinned newsroom key",
                    ),
                    RecordError::UnknownVersion => bad("manifest version not supported"),
                    _ => bad("the manifest is malformed"),
                })?,
            );
            continue;
        };
        let (sid, iid, is_data) = parse_reply_name(name).ok_or(bad("unexpected name"))?;
        match pending.take() {
            None => {
                if is_data {
                    return Err(bad("ciphertext without a record before it"));
                }
                if m.replies.get(next) != Some(&(sid, iid)) {
                    return Err(bad("reply not in the manifest, or out of its order"));
                }
                if size > MAX_RECORD_LEN as u64 {
                    return Err(bad("record too large"));
                }
                let mut text = Vec::new();
                tar.data()
                    .take(MAX_RECORD_LEN as u64)
                    .read_to_end(&mut text)?;
                let rec = ItemRecord::parse_verified_reply(&text, key).map_err(|e| match e {
                    RecordError::BadSignature => bad_as(
                        EntryFault::NotSigned,
                        "a reply record is not signed by the pinned newsroom key",
                    ),
                    _ => bad("a reply record is malformed"),
                })?;
                if rec.source != sid || rec.item != iid {
                    return Err(bad("a reply record is filed under another name"));
                }
                if !seen.insert(iid) {
                    return Err(bad("reply appears twice"));
                }
                pending = Some((rec, text));
            }
            Some((rec, record_text)) => {
                if !is_data || rec.source != sid || rec.item != iid {
                    return Err(bad("a reply record is not followed by its ciphertext"));
                }
                if size != rec.size || size > MAX_REPLY_AGE_LEN {
                    return Err(bad_as(
                        EntryFault::Altered,
                        "ciphertext size differs from its record",
                    ));
                }
                let mut ciphertext = Vec::new();
                tar.data()
                    .take(MAX_REPLY_AGE_LEN)
                    .read_to_end(&mut ciphertext)?;
                if ciphertext.len() as u64 != rec.size || !rec.digest.matches(&ciphertext) {
                    return Err(bad_as(
                        EntryFault::Altered,
                        "ciphertext does not match its signed record",
                    ));
                }
                next += 1;
                visit(VerifiedReply {
                    record: rec,
                    record_text,
                    ciphertext,
                })
                .map_err(|why| BundleError::Refused { index, why })?;
            }
        }
    }
    let Some(m) = manifest else {
        return Err(if index == 0 {
            BundleError::NotABundle
        } else {
            BundleError::BadEntry {
                index: index + 1,
                why: "the signed manifest is missing",
                fault: EntryFault::CutShort,
            }
        });
    };
    if pending.is_some() || next != m.replies.len() {
        return Err(BundleError::BadEntry {
            index: index + 1,
            why: "the bundle ends before every reply of its manifest",
            fault: EntryFault::CutShort,
        });
    }
    Ok(m)
}

/// The outbox of each source: `sources/<source id>/replies/<item id>.age` and `.rec`, written
/// and committed like items (the record commits), and swept the same way.
impl Spool {
    /// The ciphertext and record paths of one reply.
    pub fn reply_paths(&self, source: &SourceId, item: &ItemId) -> (PathBuf, PathBuf) {
        let dir = self.source_dir(source).join("replies");
        (
            dir.join(format!("{item}.age")),
            dir.join(format!("{item}.rec")),
        )
    }

    /// Every committed reply (one with a record) to a source, in id order.
    pub fn replies(&self, source: &SourceId) -> Result<Vec<ItemId>, SpoolError> {
        let mut out = Vec::new();
        let list = match fs::read_dir(self.source_dir(source).join("replies")) {
            Ok(l) => l,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(SpoolError::Io("listing replies", e)),
        };
        for entry in list {
            let entry = entry.map_err(io_err("listing replies"))?;
            if let Some(id) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".rec"))
                .and_then(ItemId::parse)
            {
                out.push(id);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Puts a verified reply into its source's outbox: the ciphertext, then the record, which
    /// commits it. Returns `Ok(false)` if exactly this reply is already there (importing a bundle
    /// again completes an import that was interrupted, and changes nothing else), and
    /// [`SpoolError::Exists`] if a different record holds its id. The source must exist.
    pub fn install_reply<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        source: &SourceId,
        item: &ItemId,
        ciphertext: &[u8],
        record: &[u8],
    ) -> Result<bool, SpoolError> {
        if !self.source_record_path(source).exists() {
            return Err(SpoolError::NoSource);
        }
        let dir = self.source_dir(source).join("replies");
        mkdir(&dir)?;
        let (age_path, rec_path) = self.reply_paths(source, item);
        if dir.join(format!("{item}.deleted")).exists() {
            // Delivered once and deleted by the source: an old bundle must not bring it back.
            return Ok(false);
        }
        match fs::read(&rec_path) {
            Ok(existing) if existing == record => return Ok(false),
            Ok(_) => return Err(SpoolError::Exists),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(SpoolError::Io("reading a reply record", e)),
        }
        // A ciphertext without its record is what an interrupted import leaves: replace it.
        remove_file_or_gone(&age_path)?;
        if !self.write_atomic_new(&age_path, ciphertext, rng)? {
            return Err(SpoolError::Exists);
        }
        if !self.write_atomic_new(&rec_path, record, rng)? {
            return Err(SpoolError::Exists);
        }
        // The file system keeps no time finer than the record does.
        for path in [&age_path, &rec_path, &dir] {
            set_day_times(path, record_day(record))?;
        }
        Ok(true)
    }

    /// Deletes one reply (record first, so it is gone at once, then the ciphertext), durably,
    /// and leaves an empty `<item id>.deleted` marker so that importing the same bundle again
    /// does not bring it back. Returns whether it existed.
    pub fn delete_reply(&self, source: &SourceId, item: &ItemId) -> Result<bool, SpoolError> {
        let (age_path, rec_path) = self.reply_paths(source, item);
        let existed = match fs::remove_file(&rec_path) {
            Ok(()) => true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(SpoolError::Io("deleting a reply", e)),
        };
        remove_file_or_gone(&age_path)?;
        if existed && let Some(dir) = age_path.parent() {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(dir.join(format!("{item}.deleted")))
            {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(SpoolError::Io("marking a reply deleted", e)),
            }
        }
        if let Some(dir) = age_path.parent()
            && dir.exists()
        {
            // The spool takes no clock: the marker and the folder say nothing of when (the
            // first day of the epoch), rather than the second of the deletion.
            let marker = dir.join(format!("{item}.deleted"));
            if marker.exists() {
                set_day_times(&marker, Day(0))?;
            }
            set_day_times(dir, Day(0))?;
            sync_dir(dir)?;
        }
        Ok(existed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    struct Fixture {
        newsroom_key: SigningKey,
        newsroom: Recipients,
        source: SourceRecord,
    }

    fn fixture() -> Fixture {
        let mut rng = StdRng::seed_from_u64(9);
        Fixture {
            newsroom_key: SigningKey::generate(&mut rng),
            newsroom: Recipients::new(vec![age::x25519::Identity::generate().to_public()]).unwrap(),
            source: SourceRecord {
                source: SourceId::from_bytes([3; 32]),
                reply: age::x25519::Identity::generate().to_public().to_string(),
                day: Day(20_000),
            },
        }
    }

    fn bundle(f: &Fixture, n: usize) -> (Vec<u8>, Vec<SealedReply>) {
        let mut rng = StdRng::seed_from_u64(1);
        let replies: Vec<_> = (0..n)
            .map(|i| {
                seal_reply(
                    &mut rng,
                    &format!("reply {i}"),
                    &f.source,
                    &f.newsroom,
                    Day(20_001),
                    &f.newsroom_key,
                )
                .unwrap()
            })
            .collect();
        let out = write_reply_bundle(&mut rng, Vec::new(), Day(20_001), &f.newsroom_key, &replies)
            .unwrap();
        (out, replies)
    }

    fn read(bytes: &[u8], key: &VerifyingKey) -> Result<Vec<ItemId>, BundleError> {
        let mut got = Vec::new();
        read_reply_bundle(bytes, key, |r| {
            got.push(r.record.item);
            Ok(())
        })?;
        Ok(got)
    }

    fn vector_key() -> SigningKey {
        SigningKey::from_secret_text(include_str!("../../../tests/vectors/server-signing.key"))
            .unwrap()
    }

    fn fuzz_seed_dir() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/reply_bundle")
    }

    /// Writes the reply-bundle fuzz seeds, signed with the test-vector key:
    /// `cargo test -p postern-spool --lib -- --ignored write_reply_bundle_fuzz_seeds`.
    #[test]
    #[ignore]
    fn write_reply_bundle_fuzz_seeds() {
        let mut f = fixture();
        f.newsroom_key = vector_key();
        fs::create_dir_all(fuzz_seed_dir()).unwrap();
        for n in [1, 3] {
            let (bytes, _) = bundle(&f, n);
            fs::write(fuzz_seed_dir().join(format!("seed-{n}.tar")), bytes).unwrap();
        }
    }

    #[test]
    fn the_fuzz_seeds_are_accepted() {
        // If the format changes, regenerate them (see above): a seed that is refused at the
        // manifest teaches the fuzzer nothing past it.
        for n in [1usize, 3] {
            let bytes = fs::read(fuzz_seed_dir().join(format!("seed-{n}.tar"))).unwrap();
            assert_eq!(
                read(&bytes, &vector_key().verifying_key()).unwrap().len(),
                n
            );
        }
    }

    #[test]
    fn round_trip() {
        let f = fixture();
        let (bytes, replies) = bundle(&f, 3);
        let mut want: Vec<_> = replies.iter().map(|r| r.record.item).collect();
        want.sort();
        assert_eq!(read(&bytes, &f.newsroom_key.verifying_key()).unwrap(), want);
        for r in &replies {
            assert_eq!(r.record.kind, Kind::Reply);
            assert_eq!(r.record.recipients.len(), 2);
            assert!(r.record.recipients.contains(&f.source.reply));
        }
    }

    #[test]
    fn another_key_is_refused_before_any_reply() {
        let f = fixture();
        let (bytes, _) = bundle(&f, 2);
        let other = SigningKey::generate(&mut StdRng::seed_from_u64(77)).verifying_key();
        let err = read(&bytes, &other).unwrap_err();
        assert!(
            matches!(err, BundleError::BadEntry { index: 2, .. }),
            "{err}"
        );
    }

    #[test]
    fn every_truncation_and_every_flipped_byte_is_refused() {
        let f = fixture();
        let (bytes, _) = bundle(&f, 2);
        let v = f.newsroom_key.verifying_key();
        // Cut at every 512-byte block boundary short of the whole: never accepted.
        let end_of_data = bytes.len() - 1024; // two zero blocks close the archive
        for cut in (0..end_of_data).step_by(512) {
            assert!(read(&bytes[..cut], &v).is_err(), "cut at {cut}");
        }
        // A flipped bit anywhere in an entry's data (not in the tar padding) is refused.
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..200 {
            let pos = rand::RngExt::random_range(&mut rng, 0..end_of_data);
            let mut b = bytes.clone();
            b[pos] ^= 0x01;
            if let Ok(got) = read(&b, &v) {
                // Only tar padding or unused header bytes can change without effect; the
                // replies that came through are then exactly the original ones.
                assert_eq!(got.len(), 2, "flip at {pos}");
            }
        }
    }

    #[test]
    fn manifest_is_canonical_and_bounded() {
        let f = fixture();
        let key = &f.newsroom_key;
        let v = key.verifying_key();
        let sid = SourceId::from_bytes([1; 32]);
        let m = ReplyManifest {
            bundle: UploadId::from_bytes([5; 16]),
            day: Day(1),
            replies: vec![
                (sid, ItemId::from_bytes([2; 16])),
                (sid, ItemId::from_bytes([1; 16])),
            ],
        };
        let text = m.clone().sign(key);
        let parsed = ReplyManifest::parse_verified(text.as_bytes(), &v).unwrap();
        assert_eq!(parsed.replies[0].1, ItemId::from_bytes([1; 16]));
        // Unsorted lines, signed: malformed.
        let body = format!(
            "postern-reply-bundle 1\nbundle {}\nday 1\nreply {sid}/{}\nreply {sid}/{}\n",
            m.bundle,
            ItemId::from_bytes([2; 16]),
            ItemId::from_bytes([1; 16])
        );
        let unsorted = sign_body(body, Domain::ReplyBundle, key);
        assert_eq!(
            ReplyManifest::parse_verified(unsorted.as_bytes(), &v),
            Err(RecordError::Malformed)
        );
        // No replies: malformed.
        let empty = sign_body(
            format!("postern-reply-bundle 1\nbundle {}\nday 1\n", m.bundle),
            Domain::ReplyBundle,
            key,
        );
        assert_eq!(
            ReplyManifest::parse_verified(empty.as_bytes(), &v),
            Err(RecordError::Malformed)
        );
        // A manifest signature is not a record signature.
        let as_record = sign_body(m.body(), Domain::ReplyRecord, key);
        assert_eq!(
            ReplyManifest::parse_verified(as_record.as_bytes(), &v),
            Err(RecordError::BadSignature)
        );
    }

    #[test]
    fn reply_files_keep_no_time_finer_than_their_records_day() {
        let f = fixture();
        let dir = tempfile::tempdir().unwrap();
        let mut rng = StdRng::seed_from_u64(5);
        let spool = Spool::create(&dir.path().join("spool"), &mut rng).unwrap();
        let (_, replies) = bundle(&f, 2);
        let sid = f.source.source;
        let server_key = SigningKey::generate(&mut rng);
        spool
            .ensure_source(&mut rng, &f.source, &server_key)
            .unwrap();
        let day_of = |d: Day| {
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(u64::from(d.0) * 86_400)
        };
        let times = |p: &std::path::Path| {
            let m = fs::metadata(p).unwrap();
            (m.modified().unwrap(), m.accessed().unwrap())
        };
        for r in &replies {
            assert!(
                spool
                    .install_reply(
                        &mut rng,
                        &sid,
                        &r.record.item,
                        &r.ciphertext,
                        r.record_text.as_bytes()
                    )
                    .unwrap()
            );
            let want = day_of(r.record.day);
            assert_ne!(want, std::time::UNIX_EPOCH, "the fixture has a real day");
            let (age, rec) = spool.reply_paths(&sid, &r.record.item);
            for p in [&age, &rec, &spool.source_dir(&sid).join("replies")] {
                assert_eq!(times(p), (want, want), "{}", p.display());
            }
        }
        // Deleting leaves a marker and changes the folder: neither says when.
        let item = replies[0].record.item;
        assert!(spool.delete_reply(&sid, &item).unwrap());
        let replies_dir = spool.source_dir(&sid).join("replies");
        let marker = replies_dir.join(format!("{item}.deleted"));
        for p in [&marker, &replies_dir] {
            let (m, a) = times(p);
            assert_eq!((m, a), (day_of(Day(0)), day_of(Day(0))), "{}", p.display());
        }
        assert_eq!(record_day(b"postern-item 1\nday 19000\n"), Day(19_000));
        assert_eq!(record_day(b"no day"), Day(0));
    }

    #[test]
    fn outbox_install_is_idempotent_and_delete_is_durable() {
        let f = fixture();
        let dir = tempfile::tempdir().unwrap();
        let mut rng = StdRng::seed_from_u64(4);
        let spool = Spool::create(&dir.path().join("spool"), &mut rng).unwrap();
        let (_, replies) = bundle(&f, 2);
        let sid = f.source.source;
        let r = &replies[0];
        // No source yet: refused.
        assert!(matches!(
            spool.install_reply(
                &mut rng,
                &sid,
                &r.record.item,
                &r.ciphertext,
                r.record_text.as_bytes()
            ),
            Err(SpoolError::NoSource)
        ));
        let server_key = SigningKey::generate(&mut rng);
        spool
            .ensure_source(&mut rng, &f.source, &server_key)
            .unwrap();
        for r in &replies {
            assert!(
                spool
                    .install_reply(
                        &mut rng,
                        &sid,
                        &r.record.item,
                        &r.ciphertext,
                        r.record_text.as_bytes()
                    )
                    .unwrap()
            );
        }
        // Again: nothing changes.
        assert!(
            !spool
                .install_reply(
                    &mut rng,
                    &sid,
                    &r.record.item,
                    &r.ciphertext,
                    r.record_text.as_bytes()
                )
                .unwrap()
        );
        // Another record under the same id: refused.
        assert!(matches!(
            spool.install_reply(
                &mut rng,
                &sid,
                &r.record.item,
                &r.ciphertext,
                replies[1].record_text.as_bytes()
            ),
            Err(SpoolError::Exists)
        ));
        let mut want: Vec<_> = replies.iter().map(|r| r.record.item).collect();
        want.sort();
        assert_eq!(spool.replies(&sid).unwrap(), want);
        // An uncommitted ciphertext is swept.
        let stray = ItemId::random(&mut rng);
        let (stray_age, _) = spool.reply_paths(&sid, &stray);
        fs::write(&stray_age, b"x").unwrap();
        assert_eq!(spool.sweep().unwrap().orphans, 1);
        assert!(!stray_age.exists());
        // Delete: both files gone; a second delete says so.
        assert!(spool.delete_reply(&sid, &r.record.item).unwrap());
        let (a, rec) = spool.reply_paths(&sid, &r.record.item);
        assert!(!a.exists() && !rec.exists());
        assert!(!spool.delete_reply(&sid, &r.record.item).unwrap());
        assert_eq!(spool.replies(&sid).unwrap().len(), 1);
        // Importing it again does not bring it back.
        assert!(
            !spool
                .install_reply(
                    &mut rng,
                    &sid,
                    &r.record.item,
                    &r.ciphertext,
                    r.record_text.as_bytes()
                )
                .unwrap()
        );
        assert!(!a.exists() && !rec.exists());
        assert_eq!(spool.replies(&sid).unwrap().len(), 1);
    }

    #[test]
    fn a_reply_too_long_is_refused() {
        let f = fixture();
        let long = "x".repeat(MAX_REPLY_LEN + 1);
        assert!(
            seal_reply(
                &mut StdRng::seed_from_u64(1),
                &long,
                &f.source,
                &f.newsroom,
                Day(1),
                &f.newsroom_key
            )
            .is_err()
        );
    }
}
