//! The non-secret state of a resumable upload, kept between requests in
//! `<spool>/uploads/<upload id>.state` (spool-format §13.5). Written atomically: a temporary under
//! the spool's `tmp/`, fsync, rename, fsync of `uploads/`. Parsed strictly and bounded: the file is
//! the server's own, but a damaged one must fail closed, not panic.
//!
//! Here too are the steps of an upload's life that touch the spool: [`create`] (the name and type
//! sealed at once to the newsroom), [`record_segment`] (a committed body becomes a segment) and
//! [`complete`] (the manifest item), so that the tus handlers only speak HTTP.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use postern_spool::day::Day;
use postern_spool::envelope::{Header, Kind, seal};
use postern_spool::ids::{ItemId, SourceId, UploadId};
use postern_spool::record::SourceRecord;
use postern_spool::segments::{MAX_META_LEN, MAX_SEGMENTS, Manifest, SegmentEntry};
use postern_spool::spool::Spool;

use crate::fsutil::read_bounded;
use crate::storage::staging::{Staged, Store};
use crate::storage::upload_parts;

/// Largest state file read (`MAX_SEGMENTS` lines of about 140 bytes, and the header).
const MAX_STATE_LEN: u64 = 48 << 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadState {
    pub source: SourceId,
    pub length: u64,
    /// Bytes of the file (the rest, up to `length`, is the client's zero padding).
    pub content: u64,
    pub offset: u64,
    /// Removed after this day without progress.
    pub expires: Day,
    /// Whether every request so far carried a checksum.
    pub checksum: bool,
    /// Sealed by the client: every request must carry a checksum (a cut-off body would be a
    /// broken age file), and nothing is padded by the server's manifest.
    pub encrypted: bool,
    /// The sealed name and type (an age file only the newsroom can open).
    pub meta: Vec<u8>,
    pub segments: Vec<SegmentEntry>,
}

impl UploadState {
    pub fn encode(&self) -> String {
        let mut s = format!(
            "postern-upload 1\nsource {}\nlength {}\ncontent {}\noffset {}\nexpires {}\nchecksum {}\nencrypted {}\nmeta {}\n",
            self.source,
            self.length,
            self.content,
            self.offset,
            self.expires.0,
            u8::from(self.checksum),
            u8::from(self.encrypted),
            hex::encode(&self.meta)
        );
        for e in &self.segments {
            s.push_str(&e.line());
        }
        s.push_str(&format!("end {}\n", self.segments.len()));
        s
    }

    pub fn parse(bytes: &[u8]) -> Option<UploadState> {
        let text = std::str::from_utf8(bytes).ok()?;
        let mut lines = text.strip_suffix('\n')?.split('\n');
        let mut field =
            |key: &str| -> Option<&str> { lines.next()?.strip_prefix(key)?.strip_prefix(' ') };
        if field("postern-upload")? != "1" {
            return None;
        }
        let source = SourceId::parse(field("source")?)?;
        let length = field("length")?.parse().ok()?;
        let content = field("content")?.parse().ok()?;
        let offset = field("offset")?.parse().ok()?;
        let expires = Day(field("expires")?.parse().ok()?);
        let checksum = match field("checksum")? {
            "0" => false,
            "1" => true,
            _ => return None,
        };
        let encrypted = match field("encrypted")? {
            "0" => false,
            "1" => true,
            _ => return None,
        };
        let meta_hex = field("meta")?;
        if meta_hex.len() > 2 * MAX_META_LEN {
            return None;
        }
        let meta = hex::decode(meta_hex).ok()?;
        let mut segments = Vec::new();
        loop {
            let line = lines.next()?;
            if let Some(n) = line.strip_prefix("end ") {
                if n.parse::<usize>().ok()? != segments.len() || lines.next().is_some() {
                    return None;
                }
                break;
            }
            if segments.len() as u64 >= MAX_SEGMENTS {
                return None;
            }
            segments.push(SegmentEntry::parse_line(line).ok()?);
        }
        let st = UploadState {
            source,
            length,
            content,
            offset,
            expires,
            checksum,
            encrypted,
            meta,
            segments,
        };
        (st.encode().as_bytes() == bytes && st.content <= st.length && st.offset <= st.length)
            .then_some(st)
    }
}

/// The folder of upload states.
pub fn dir(spool: &Spool) -> PathBuf {
    spool.root().join("uploads")
}

pub fn path(spool: &Spool, id: &UploadId) -> PathBuf {
    dir(spool).join(format!("{id}.state"))
}

/// Creates `uploads/` (mode 0700) if missing.
pub fn ensure_dir(spool: &Spool) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match fs::DirBuilder::new().mode(0o700).create(dir(spool)) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    }
}

/// Reads a state; `Ok(None)` if there is none.
pub fn load(spool: &Spool, id: &UploadId) -> io::Result<Option<UploadState>> {
    let buf = match read_bounded(&path(spool, id), MAX_STATE_LEN) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    UploadState::parse(&buf)
        .map(Some)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "damaged upload state"))
}

/// Writes a state atomically.
pub fn store(spool: &Spool, id: &UploadId, state: &UploadState) -> io::Result<()> {
    let (mut file, tmp) = spool
        .temp_file(&mut rand::rng())
        .map_err(|e| io::Error::other(e.to_string()))?;
    let result = (|| {
        file.write_all(state.encode().as_bytes())?;
        file.sync_all()?;
        fs::rename(&tmp, path(spool, id))?;
        fs::File::open(dir(spool))?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Removes a state (the upload is complete, terminated or expired).
pub fn remove(spool: &Spool, id: &UploadId) -> io::Result<()> {
    match fs::remove_file(path(spool, id)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => fs::File::open(dir(spool))?.sync_all(),
    }
}

/// Every upload with a state, by id.
pub fn list(spool: &Spool) -> io::Result<Vec<UploadId>> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir(spool))? {
        let name = e?.file_name();
        if let Some(id) = name
            .to_str()
            .and_then(|n| n.strip_suffix(".state"))
            .and_then(UploadId::parse)
        {
            out.push(id);
        }
    }
    Ok(out)
}

/// Removes an upload's committed segments (record first, as spool-format §7.2 asks), then its
/// state.
pub fn discard(spool: &Spool, id: &UploadId, state: &UploadState) -> io::Result<()> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    for s in &state.segments {
        let (age, rec) = spool.item_paths(&state.source, &s.item);
        for p in [rec, age] {
            match fs::remove_file(&p) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        if let Some(parent) = Path::new(&spool.item_paths(&state.source, &s.item).0).parent()
            && !dirs.iter().any(|d| d == parent)
        {
            dirs.push(parent.to_path_buf());
        }
    }
    for d in dirs {
        fs::File::open(d)?.sync_all()?;
    }
    remove(spool, id)
}

/// Removes every upload whose expiry day is before `today`. Returns how many.
pub fn expire(spool: &Spool, today: Day) -> usize {
    let Ok(ids) = list(spool) else {
        return 0;
    };
    let mut n = 0;
    for id in ids {
        if let Ok(Some(st)) = load(spool, &id)
            && st.expires < today
            && discard(spool, &id, &st).is_ok()
        {
            n += 1;
        }
    }
    n
}

/// What a creation request asks for, once checked against its limits.
pub struct NewUpload {
    pub source: SourceId,
    /// The source's public reply recipient, for its record.
    pub reply: String,
    pub length: u64,
    pub content: u64,
    pub encrypted: bool,
    pub name: String,
    pub ctype: String,
    /// Most bytes all open uploads together may still send.
    pub max_open_bytes: u64,
    /// Most open uploads of this source.
    pub max_open_per_source: usize,
    /// Most open uploads in all.
    pub max_open: usize,
    /// Days without progress before the upload is removed.
    pub expire_days: u32,
}

/// Why an upload could not be created.
#[derive(Debug)]
#[non_exhaustive]
pub enum CreateError {
    /// The open uploads would exceed their total.
    Full,
    /// The source, or all sources together, have as many open uploads as allowed.
    TooMany,
    /// Sealing or writing failed.
    Server(&'static str),
}

impl std::fmt::Display for CreateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CreateError::Full => f.write_str("open uploads at their limit"),
            CreateError::TooMany => f.write_str("too many open uploads"),
            CreateError::Server(what) => write!(f, "server error ({what})"),
        }
    }
}

/// Creates an upload (blocking): its name and type sealed at once to the newsroom, its state
/// stored. An empty upload is complete at once. Returns its id and expiry day.
pub fn create(store: &Store, new: NewUpload) -> Result<(UploadId, Day), CreateError> {
    // The global cap: what open uploads still may send, plus this one.
    let mut open = 0u64;
    let (mut count, mut of_source) = (0usize, 0usize);
    for id in list(&store.spool).map_err(|_| CreateError::Server("list"))? {
        if let Ok(Some(s)) = load(&store.spool, &id) {
            open = open.saturating_add(s.length - s.offset);
            count += 1;
            if s.source == new.source {
                of_source += 1;
            }
        }
    }
    if open.saturating_add(new.length) > new.max_open_bytes {
        return Err(CreateError::Full);
    }
    // The caps on open uploads, per source and in all.
    if of_source >= new.max_open_per_source || count >= new.max_open {
        return Err(CreateError::TooMany);
    }
    let today = store.today();
    let id = UploadId::random(&mut rand::rng());
    let mut h = Header::new(Kind::Manifest, ItemId::from_bytes(*id.as_bytes()), today);
    h.name = new.name;
    h.content_type = new.ctype;
    let meta = seal(&store.recipients, &h, Vec::new())
        .and_then(|s| s.finish())
        .map_err(|_| CreateError::Server("seal"))?;
    let expires = Day(today.0.saturating_add(new.expire_days));
    let s = UploadState {
        source: new.source,
        length: new.length,
        content: new.content,
        offset: 0,
        expires,
        checksum: true,
        encrypted: new.encrypted,
        meta,
        segments: Vec::new(),
    };
    if new.length == 0 {
        // Nothing will follow: the (empty) upload is complete at once.
        let record = SourceRecord {
            source: new.source,
            reply: new.reply,
            day: today,
        };
        store
            .spool
            .ensure_source(&mut rand::rng(), &record, &store.signing_key)
            .map_err(|_| CreateError::Server("source record"))?;
        complete(store, id, &s, today).map_err(CreateError::Server)?;
    } else {
        self::store(&store.spool, &id, &s).map_err(|_| CreateError::Server("state"))?;
    }
    Ok((id, expires))
}

/// Commits a staged body as the next segment of upload `id` (blocking), then stores the new
/// state, or the manifest if this was the last byte. Returns the new state.
pub fn record_segment(
    store: &Store,
    id: UploadId,
    mut s: UploadState,
    record: &SourceRecord,
    staged: Staged,
    had_checksum: bool,
    expire_days: u32,
) -> Result<UploadState, &'static str> {
    let (item, sha256, day, length) = (staged.item, staged.sha256, staged.day, staged.content);
    let index = s.segments.len() as u64;
    store.commit(record, vec![staged]).map_err(|_| "commit")?;
    s.segments.push(SegmentEntry {
        index,
        item,
        offset: s.offset,
        length,
        sha256,
    });
    s.offset += length;
    s.checksum &= had_checksum;
    s.expires = Day(day.0.saturating_add(expire_days));
    if s.offset == s.length {
        complete(store, id, &s, day)?;
    } else {
        self::store(&store.spool, &id, &s).map_err(|_| "state")?;
    }
    Ok(s)
}

/// Seals and commits the manifest of a complete upload, then removes its state.
pub fn complete(
    store: &Store,
    id: UploadId,
    s: &UploadState,
    day: Day,
) -> Result<(), &'static str> {
    let m = Manifest {
        upload: id,
        length: s.length,
        content: s.content,
        encrypted: s.encrypted,
        meta: s.meta.clone(),
        segments: s.segments.clone(),
    };
    let header = Header::new(Kind::Manifest, ItemId::from_bytes([0; 16]), day);
    let manifest = store
        .store_small(&s.source, header, m.encode().as_bytes())
        .map_err(|_| "manifest")?;
    // Which items are this upload, for the journalist's one entry (before the state goes).
    let parts = upload_parts::UploadParts {
        source: s.source,
        manifest: Some(manifest.item),
        length: s.length,
        day,
        segments: s.segments.iter().map(|e| e.item).collect(),
    };
    upload_parts::store(&store.spool, &id, upload_parts::Which::Parts, &parts)
        .map_err(|_| "parts")?;
    remove(&store.spool, &id).map_err(|_| "state")?;
    tracing::info!("resumable upload complete");
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use postern_spool::envelope::{Header, Kind};
    use postern_spool::keys::SigningKey;
    use postern_spool::recipients::Recipients;
    use postern_spool::record::SourceRecord;

    #[test]
    fn expired_uploads_go_with_their_segments_and_others_stay() {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = rand::rng();
        let spool = Spool::create(&dir.path().join("spool"), &mut rng).unwrap();
        ensure_dir(&spool).unwrap();
        let key = SigningKey::generate(&mut rng);
        let recipients =
            Recipients::new(vec![age::x25519::Identity::generate().to_public()]).unwrap();
        let source = SourceId::from_bytes([5; 32]);
        let rec = SourceRecord {
            source,
            reply: age::x25519::Identity::generate().to_public().to_string(),
            day: Day(100),
        };
        spool.ensure_source(&mut rng, &rec, &key).unwrap();
        let mut uploads = Vec::new();
        for expires in [Day(10), Day(11)] {
            let item = spool
                .store(
                    &mut rng,
                    &key,
                    &recipients,
                    &source,
                    Header::new(Kind::File, ItemId::from_bytes([0; 16]), Day(9)),
                    &mut &b"segment bytes"[..],
                )
                .unwrap();
            let st = UploadState {
                source,
                length: 100,
                content: 100,
                offset: 13,
                expires,
                checksum: false,
                encrypted: false,
                meta: Vec::new(),
                segments: vec![SegmentEntry {
                    index: 0,
                    item: item.item,
                    offset: 0,
                    length: 13,
                    sha256: item.sha256,
                }],
            };
            let id = UploadId::random(&mut rng);
            store(&spool, &id, &st).unwrap();
            uploads.push((id, item.item));
        }
        assert_eq!(expire(&spool, Day(11)), 1, "only the one past its day");
        assert!(load(&spool, &uploads[0].0).unwrap().is_none());
        assert!(!spool.items(&source).unwrap().contains(&uploads[0].1));
        let (age, _) = spool.item_paths(&source, &uploads[0].1);
        assert!(!age.exists(), "its ciphertext is removed too");
        assert!(load(&spool, &uploads[1].0).unwrap().is_some());
        assert!(spool.items(&source).unwrap().contains(&uploads[1].1));
        assert_eq!(expire(&spool, Day(12)), 1);
        assert!(spool.items(&source).unwrap().is_empty());
        assert!(list(&spool).unwrap().is_empty());
    }

    #[test]
    fn round_trip_and_strict() {
        let st = UploadState {
            source: SourceId::from_bytes([3; 32]),
            length: 1000,
            content: 990,
            offset: 300,
            expires: Day(20_500),
            checksum: true,
            encrypted: false,
            meta: vec![1, 2, 3],
            segments: vec![SegmentEntry {
                index: 0,
                item: ItemId::from_bytes([9; 16]),
                offset: 0,
                length: 300,
                sha256: [7; 32],
            }],
        };
        let text = st.encode();
        assert_eq!(UploadState::parse(text.as_bytes()), Some(st.clone()));
        for bad in [
            text.replace("offset 300", "offset 0300"),
            text.replace("end 1", "end 2"),
            text.replace("checksum 1", "checksum 2"),
            text.replace("offset 300", "offset 1001"),
            format!("{text}x\n"),
        ] {
            assert_eq!(UploadState::parse(bad.as_bytes()), None, "{bad}");
        }
    }
}
