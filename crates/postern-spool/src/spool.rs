//! The spool directory: layout, atomic writes, and the startup sweep.
//!
//! ```text
//! <spool>/postern-spool                         "postern-spool 1\n": layout version
//! <spool>/tmp/<random>.tmp                      in-flight writes; removed by the sweep
//! <spool>/sources/<source id>/source.rec        signed SourceRecord
//! <spool>/sources/<source id>/items/<id>.age    ciphertext: one age file, one envelope
//! <spool>/sources/<source id>/items/<id>.rec    signed ItemRecord; its presence commits the item
//! ```
//!
//! Every file is written Maildir style: to a fresh name under `tmp/`, fsynced, renamed into place,
//! and the directory fsynced. The ciphertext is renamed into place before its record, so a reader
//! that lists records never meets a half-written item; a crash leaves at most a temporary or a
//! ciphertext without a record, and [`Spool::sweep`] removes both at startup. Names are random or
//! derived ids, never timestamps or original file names.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use rand_core::CryptoRng;

use crate::day::Day;
use crate::envelope::{Header, Kind, seal};
use crate::ids::{ItemId, SourceId};
use crate::keys::SigningKey;
use crate::recipients::Recipients;
use crate::record::{Digest, ItemRecord, RecordHasher, SourceRecord};

/// Name of the layout version file at the spool root.
pub const LAYOUT_FILE: &str = "postern-spool";
/// Its exact content.
pub const LAYOUT_TEXT: &str = "postern-spool 1\n";

/// A spool operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum SpoolError {
    /// The directory is not a spool, or a spool of another layout version.
    NotASpool,
    /// A file system operation failed; the string names the operation, never a file name that
    /// could identify a source.
    Io(&'static str, io::Error),
    /// Sealing failed.
    Seal(crate::error::SealError),
    /// An item with this id is already committed (ids are random: this means a bug or tampering).
    Exists,
    /// The source has no record yet: call [`Spool::ensure_source`] before committing its items.
    NoSource,
}

impl fmt::Display for SpoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpoolError::NotASpool => {
                f.write_str("not a Postern spool (or one of an unknown version)")
            }
            SpoolError::Io(what, e) => write!(f, "spool: {what}: {e}"),
            SpoolError::Seal(e) => write!(f, "spool: {e}"),
            SpoolError::Exists => f.write_str("spool: an item with this id already exists"),
            SpoolError::NoSource => f.write_str("spool: the item's source has no record"),
        }
    }
}

impl std::error::Error for SpoolError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SpoolError::Io(_, e) => Some(e),
            SpoolError::Seal(e) => Some(e),
            SpoolError::NotASpool | SpoolError::Exists | SpoolError::NoSource => None,
        }
    }
}

pub(crate) fn io_err(what: &'static str) -> impl FnOnce(io::Error) -> SpoolError {
    move |e| SpoolError::Io(what, e)
}

/// What [`Spool::sweep`] removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Temporaries of interrupted writes.
    pub temporaries: usize,
    /// Ciphertexts whose record was never written.
    pub orphans: usize,
}

/// A spool directory.
#[derive(Clone, Debug)]
pub struct Spool {
    root: PathBuf,
}

impl Spool {
    /// Creates a spool at `root` (mode 0700), or opens the one already there.
    pub fn create<R: CryptoRng + ?Sized>(root: &Path, rng: &mut R) -> Result<Spool, SpoolError> {
        mkdir(root)?;
        let spool = Spool {
            root: root.to_path_buf(),
        };
        mkdir(&spool.tmp_dir())?;
        mkdir(&spool.root.join("sources"))?;
        let layout = root.join(LAYOUT_FILE);
        if !layout.exists() {
            spool.write_atomic_new(&layout, LAYOUT_TEXT.as_bytes(), rng)?;
        }
        Spool::open(root)
    }

    /// Opens an existing spool, checking its layout version. The layout file is read as any file
    /// of a copied spool is ([`read_regular`]): never through a link, only if it is a regular
    /// file, at most 64 bytes. A symlink to `/dev/zero`, a FIFO or a 2 GB file is "not a spool",
    /// at once.
    pub fn open(root: &Path) -> Result<Spool, SpoolError> {
        match read_regular(&root.join(LAYOUT_FILE), 64) {
            Ok(b) if b == LAYOUT_TEXT.as_bytes() => Ok(Spool {
                root: root.to_path_buf(),
            }),
            Ok(_) => Err(SpoolError::NotASpool),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound
                        | io::ErrorKind::InvalidData
                        | io::ErrorKind::FileTooLarge
                ) =>
            {
                Err(SpoolError::NotASpool)
            }
            Err(e) => Err(SpoolError::Io("reading the layout file", e)),
        }
    }

    /// The spool's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// The directory of one source.
    pub fn source_dir(&self, source: &SourceId) -> PathBuf {
        self.root.join("sources").join(source.to_string())
    }

    /// The source record of one source.
    pub fn source_record_path(&self, source: &SourceId) -> PathBuf {
        self.source_dir(source).join("source.rec")
    }

    /// The ciphertext and record paths of one item.
    pub fn item_paths(&self, source: &SourceId, item: &ItemId) -> (PathBuf, PathBuf) {
        let dir = self.source_dir(source).join("items");
        (
            dir.join(format!("{item}.age")),
            dir.join(format!("{item}.rec")),
        )
    }

    /// Removes what interrupted writes left behind: every temporary, and every ciphertext whose
    /// record was never written. Run it at startup, before anything writes.
    pub fn sweep(&self) -> Result<SweepReport, SpoolError> {
        let mut report = SweepReport::default();
        for entry in fs::read_dir(self.tmp_dir()).map_err(io_err("listing temporaries"))? {
            let entry = entry.map_err(io_err("listing temporaries"))?;
            remove_file_or_gone(&entry.path())?;
            report.temporaries += 1;
        }
        for source in self.sources()? {
            for folder in ["items", "replies"] {
                report.orphans += sweep_orphans(&self.source_dir(&source).join(folder))?;
            }
        }
        sync_dir(&self.tmp_dir())?;
        Ok(report)
    }

    /// Every source with a directory, in id order. Entries whose names are not canonical source
    /// ids are ignored (they cannot have been written by Postern).
    pub fn sources(&self) -> Result<Vec<SourceId>, SpoolError> {
        let mut out = Vec::new();
        for entry in fs::read_dir(self.root.join("sources")).map_err(io_err("listing sources"))? {
            let entry = entry.map_err(io_err("listing sources"))?;
            if let Some(id) = entry.file_name().to_str().and_then(SourceId::parse) {
                out.push(id);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Every committed item (one with a record) of a source, in id order.
    pub fn items(&self, source: &SourceId) -> Result<Vec<ItemId>, SpoolError> {
        let mut out = Vec::new();
        let list = match fs::read_dir(self.source_dir(source).join("items")) {
            Ok(l) => l,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(SpoolError::Io("listing items", e)),
        };
        for entry in list {
            let entry = entry.map_err(io_err("listing items"))?;
            let name = entry.file_name();
            if let Some(id) = name
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

    /// Writes a source's record unless it already has one (a source exists on disk only from
    /// its first submission on).
    pub fn ensure_source<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        record: &SourceRecord,
        key: &SigningKey,
    ) -> Result<(), SpoolError> {
        let path = self.source_record_path(&record.source);
        if path.exists() {
            return Ok(());
        }
        mkdir(&self.source_dir(&record.source))?;
        mkdir(&self.source_dir(&record.source).join("items"))?;
        sync_dir(&self.root.join("sources"))?;
        self.write_atomic_new(&path, record.sign(key).as_bytes(), rng)?;
        for p in [&path, &self.source_dir(&record.source)] {
            set_day_times(p, record.day)?;
        }
        Ok(())
    }

    /// Starts a new item: a temporary file under `tmp/` that hashes what is written to it.
    pub fn begin_item<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> Result<ItemWriter, SpoolError> {
        let (file, tmp) = self.create_temp(rng)?;
        Ok(ItemWriter {
            item: ItemId::random(rng),
            file: Some(file),
            tmp,
            hasher: RecordHasher::new(),
            len: 0,
        })
    }

    /// Seals `content` as one item and commits it: the convenience path for small items.
    pub fn store<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        key: &SigningKey,
        recipients: &Recipients,
        source: &SourceId,
        mut header: Header,
        content: &mut dyn io::Read,
    ) -> Result<ItemRecord, SpoolError> {
        let mut w = self.begin_item(rng)?;
        header.submission_id = w.item;
        let kind = header.kind;
        let day = header.day;
        let mut sealer = seal(recipients, &header, &mut w).map_err(SpoolError::Seal)?;
        io::copy(content, &mut sealer).map_err(io_err("sealing content"))?;
        sealer.finish().map_err(SpoolError::Seal)?;
        w.commit(self, rng, source, (kind, day), recipients, key)
    }

    /// A new empty temporary file under `tmp/` (mode 0600), for staging.
    pub fn temp_file<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
    ) -> Result<(File, PathBuf), SpoolError> {
        self.create_temp(rng)
    }

    /// Installs an already-signed source record unless the source has one. Returns whether it
    /// was written. (For copying verified records, as the reviewer's import does.)
    pub fn install_source_record<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        source: &SourceId,
        record: &[u8],
    ) -> Result<bool, SpoolError> {
        let path = self.source_record_path(source);
        if path.exists() {
            return Ok(false);
        }
        mkdir(&self.source_dir(source))?;
        mkdir(&self.source_dir(source).join("items"))?;
        sync_dir(&self.root.join("sources"))?;
        self.write_atomic_new(&path, record, rng)?;
        for p in [&path, &self.source_dir(source)] {
            set_day_times(p, record_day(record))?;
        }
        Ok(true)
    }

    /// Installs a verified item: moves the staged ciphertext (a file under `tmp/`, already
    /// fsynced) into place, then writes its already-signed record, which commits it.
    pub fn install_item<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        source: &SourceId,
        item: &ItemId,
        staged_ciphertext: &Path,
        record: &[u8],
    ) -> Result<(), SpoolError> {
        let items = self.source_dir(source).join("items");
        mkdir(&self.source_dir(source))?;
        mkdir(&items)?;
        let (age_path, rec_path) = self.item_paths(source, item);
        fs::rename(staged_ciphertext, &age_path).map_err(io_err("moving ciphertext into place"))?;
        sync_dir(&items)?;
        if !self.write_atomic_new(&rec_path, record, rng)? {
            return Err(SpoolError::Exists);
        }
        for path in [&age_path, &rec_path, &items] {
            set_day_times(path, record_day(record))?;
        }
        Ok(())
    }

    /// Commits a ciphertext that the caller wrote to a temporary from [`Spool::temp_file`] and
    /// fsynced (the async server path): moves it into place and writes its signed record, sealed
    /// to `recipients` and signed with `key`. The source record must exist.
    pub fn commit_staged<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        staged: &Path,
        item: &StagedItem,
        recipients: &Recipients,
        key: &SigningKey,
    ) -> Result<ItemRecord, SpoolError> {
        let StagedItem {
            item,
            source,
            kind,
            day,
            size,
            digest,
        } = *item;
        if !self.source_record_path(&source).exists() {
            return Err(SpoolError::NoSource);
        }
        let items = self.source_dir(&source).join("items");
        let (age_path, rec_path) = self.item_paths(&source, &item);
        if rec_path.exists() || age_path.exists() {
            return Err(SpoolError::Exists);
        }
        fs::rename(staged, &age_path).map_err(io_err("moving ciphertext into place"))?;
        sync_dir(&items)?;
        let record = ItemRecord::new(item, source, kind, day, size, digest, recipients);
        if !self.write_atomic_new(&rec_path, record.sign(key).as_bytes(), rng)? {
            return Err(SpoolError::Exists);
        }
        // The file system keeps no time finer than the record does.
        for path in [&age_path, &rec_path, &items] {
            set_day_times(path, day)?;
        }
        Ok(record)
    }

    pub(crate) fn create_temp<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
    ) -> Result<(File, PathBuf), SpoolError> {
        let path = self.tmp_dir().join(format!("{}.tmp", ItemId::random(rng)));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(io_err("creating a temporary"))?;
        Ok((file, path))
    }

    /// Writes `bytes` to `dest` atomically, unless `dest` exists (then nothing is written).
    /// Returns whether the file was created.
    pub(crate) fn write_atomic_new<R: CryptoRng + ?Sized>(
        &self,
        dest: &Path,
        bytes: &[u8],
        rng: &mut R,
    ) -> Result<bool, SpoolError> {
        let (mut file, tmp) = self.create_temp(rng)?;
        let result = (|| {
            file.write_all(bytes)
                .map_err(io_err("writing a temporary"))?;
            file.sync_all().map_err(io_err("syncing a temporary"))?;
            // A hard link never replaces an existing file, unlike rename.
            let created = match fs::hard_link(&tmp, dest) {
                Ok(()) => true,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => false,
                Err(e) => return Err(SpoolError::Io("committing a file", e)),
            };
            if let Some(parent) = dest.parent() {
                sync_dir(parent)?;
            }
            Ok(created)
        })();
        let _ = fs::remove_file(&tmp);
        result
    }
}

/// What a staged ciphertext becomes once committed: the facts its signed record states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StagedItem {
    pub item: ItemId,
    pub source: SourceId,
    pub kind: Kind,
    pub day: Day,
    /// Ciphertext length.
    pub size: u64,
    /// Digest of the ciphertext: BLAKE3 for every item written now (record version 2).
    pub digest: Digest,
}

/// An item being written. Drop it without [`ItemWriter::commit`] and the temporary is removed.
pub struct ItemWriter {
    item: ItemId,
    file: Option<File>,
    tmp: PathBuf,
    hasher: RecordHasher,
    len: u64,
}

impl ItemWriter {
    /// The new item's id; put it in the envelope header as the submission id.
    pub fn item(&self) -> ItemId {
        self.item
    }

    /// Ciphertext bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Makes the item durable and visible: fsync, rename into the source's directory, write and
    /// commit its signed record. The source record must exist ([`Spool::ensure_source`]).
    pub fn commit<R: CryptoRng + ?Sized>(
        mut self,
        spool: &Spool,
        rng: &mut R,
        source: &SourceId,
        (kind, day): (Kind, Day),
        recipients: &Recipients,
        key: &SigningKey,
    ) -> Result<ItemRecord, SpoolError> {
        let file = self.file.take().ok_or(SpoolError::Io(
            "committing",
            io::Error::other("already committed"),
        ))?;
        file.sync_all().map_err(io_err("syncing ciphertext"))?;
        drop(file);
        let digest = std::mem::take(&mut self.hasher).finalize();
        let staged = StagedItem {
            item: self.item,
            source: *source,
            kind,
            day,
            size: self.len,
            digest,
        };
        let record = spool.commit_staged(rng, &self.tmp, &staged, recipients, key)?;
        Ok(record)
    }
}

impl Write for ItemWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("item already committed"))?;
        let n = file.write(buf)?;
        let done = buf.get(..n).unwrap_or(&[]);
        self.hasher.update(done);
        self.len += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for ItemWriter {
    fn drop(&mut self) {
        // Gone already if it was committed (or moved into place before a failure, which leaves
        // an orphan for the sweep); otherwise this removes the abandoned temporary.
        let _ = fs::remove_file(&self.tmp);
    }
}

/// Reads a file of an untrusted tree (a copied spool, a store): at most `max` bytes, never through
/// a symbolic link, and only if it is a regular file. The file is opened without following a link
/// in its last component and without blocking (a FIFO does not hang the reader), then checked with
/// `fstat` on the opened descriptor (so a swap after the check changes nothing), then read with a
/// bound. A link, a FIFO, a device, a directory is `InvalidData`; a file over `max` bytes is
/// `FileTooLarge`, refused from its size before a byte is read.
pub fn read_regular(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let file = open_regular(path)?;
    let len = file.metadata()?.len();
    if len > max {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            "file too large",
        ));
    }
    let mut out = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    (&file).take(max.saturating_add(1)).read_to_end(&mut out)?;
    if out.len() as u64 > max {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            "file too large",
        ));
    }
    Ok(out)
}

/// Opens a file of an untrusted tree for reading: no link followed in the last component, no
/// blocking open, and only a regular file (checked on the opened descriptor).
pub fn open_regular(path: &Path) -> io::Result<File> {
    use rustix::fs::OFlags;
    let fd = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY,
        rustix::fs::Mode::empty(),
    )
    .map_err(|e| match e {
        rustix::io::Errno::LOOP => {
            io::Error::new(io::ErrorKind::InvalidData, "a symbolic link, not a file")
        }
        other => io::Error::from(other),
    })?;
    let file = File::from(fd);
    if !file.metadata()?.file_type().is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "not a regular file",
        ));
    }
    // Back to blocking reads (a regular file never blocks, but say what is meant).
    rustix::fs::fcntl_setfl(&file, OFlags::empty())?;
    Ok(file)
}

/// Creates a directory with mode 0700 if it does not exist.
pub fn mkdir(path: &Path) -> Result<(), SpoolError> {
    match fs::DirBuilder::new().mode(0o700).create(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => Ok(()),
        Err(e) => Err(SpoolError::Io("creating a directory", e)),
    }
}

/// Sets the access and modification times of `path` (a file or a folder) to the first second
/// of `day` (UTC): a committed item's times say no more than its record's day. (The inode's
/// change time cannot be set; see the operator guide.)
pub fn set_day_times(path: &Path, day: Day) -> Result<(), SpoolError> {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(u64::from(day.0) * 86_400);
    let f = File::open(path).map_err(io_err("opening to set its day"))?;
    f.set_times(fs::FileTimes::new().set_accessed(t).set_modified(t))
        .map_err(io_err("setting the day of a file"))
}

/// The day a signed record states (its `day` line), for the times of the files that commit
/// it (the callers have verified the record); the first day of the epoch if it states none.
pub(crate) fn record_day(record: &[u8]) -> Day {
    std::str::from_utf8(record)
        .ok()
        .and_then(|text| text.lines().find_map(|l| l.strip_prefix("day ")))
        .and_then(|d| d.parse::<u32>().ok())
        .map_or(Day(0), Day)
}

/// fsyncs a directory, so that renames and creations in it survive a crash.
pub fn sync_dir(path: &Path) -> Result<(), SpoolError> {
    File::open(path)
        .and_then(|d| d.sync_all())
        .map_err(io_err("syncing a directory"))
}

/// Removes every `<item id>.age` without its `.rec` in one folder; returns how many.
fn sweep_orphans(items: &Path) -> Result<usize, SpoolError> {
    let list = match fs::read_dir(items) {
        Ok(l) => l,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(SpoolError::Io("listing items", e)),
    };
    let mut orphans = 0;
    for entry in list {
        let path = entry.map_err(io_err("listing items"))?.path();
        let orphan_id = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".age"))
            .and_then(ItemId::parse);
        if orphan_id.is_some() && !path.with_extension("rec").exists() {
            remove_file_or_gone(&path)?;
            orphans += 1;
        }
    }
    sync_dir(items)?;
    Ok(orphans)
}

pub(crate) fn remove_file_or_gone(path: &Path) -> Result<(), SpoolError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(SpoolError::Io("removing a leftover", e)),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    fn setup() -> (
        tempfile::TempDir,
        Spool,
        StdRng,
        SigningKey,
        Recipients,
        SourceId,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = StdRng::seed_from_u64(1);
        let spool = Spool::create(&dir.path().join("spool"), &mut rng).unwrap();
        let key = SigningKey::generate(&mut rng);
        let r = Recipients::new(vec![age::x25519::Identity::generate().to_public()]).unwrap();
        (dir, spool, rng, key, r, SourceId::from_bytes([7; 32]))
    }

    fn source_record(source: SourceId) -> SourceRecord {
        SourceRecord {
            source,
            reply: age::x25519::Identity::generate().to_public().to_string(),
            day: Day(1),
        }
    }

    #[test]
    fn layout_and_modes() {
        use std::os::unix::fs::PermissionsExt;
        let (dir, spool, mut rng, key, r, source) = setup();
        assert_eq!(
            fs::read_to_string(dir.path().join("spool/postern-spool")).unwrap(),
            LAYOUT_TEXT
        );
        assert_eq!(
            fs::metadata(spool.root()).unwrap().permissions().mode() & 0o777,
            0o700
        );
        // No source on disk before its first submission.
        assert!(spool.sources().unwrap().is_empty());
        spool
            .ensure_source(&mut rng, &source_record(source), &key)
            .unwrap();
        let h = Header::new(Kind::Message, ItemId::from_bytes([0; 16]), Day(2));
        let rec = spool
            .store(&mut rng, &key, &r, &source, h, &mut &b"hi"[..])
            .unwrap();
        assert_eq!(spool.sources().unwrap(), vec![source]);
        assert_eq!(spool.items(&source).unwrap(), vec![rec.item]);
        let (age_path, rec_path) = spool.item_paths(&source, &rec.item);
        for p in [&age_path, &rec_path] {
            assert_eq!(fs::metadata(p).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let bytes = fs::read(&age_path).unwrap();
        assert_eq!(rec.size, bytes.len() as u64);
        // Every new item is a version 2 record: BLAKE3 of the exact ciphertext.
        assert_eq!(rec.digest, Digest::Blake3(*blake3::hash(&bytes).as_bytes()));
        let parsed =
            ItemRecord::parse_verified(&fs::read(&rec_path).unwrap(), &key.verifying_key())
                .unwrap();
        assert_eq!(parsed, rec);
        // Nothing left in tmp/.
        assert_eq!(fs::read_dir(spool.root().join("tmp")).unwrap().count(), 0);
        // Another layout version is refused.
        fs::write(spool.root().join(LAYOUT_FILE), "postern-spool 2\n").unwrap();
        assert!(matches!(
            Spool::open(spool.root()),
            Err(SpoolError::NotASpool)
        ));
    }

    #[test]
    fn a_source_must_exist_before_its_items() {
        let (_dir, spool, mut rng, key, r, source) = setup();
        let h = Header::new(Kind::Message, ItemId::from_bytes([0; 16]), Day(2));
        let err = spool
            .store(&mut rng, &key, &r, &source, h, &mut &b"hi"[..])
            .unwrap_err();
        assert!(matches!(err, SpoolError::NoSource));
        assert_eq!(fs::read_dir(spool.root().join("tmp")).unwrap().count(), 0);
    }

    #[test]
    fn interrupted_writes_are_swept() {
        let (_dir, spool, mut rng, key, r, source) = setup();
        spool
            .ensure_source(&mut rng, &source_record(source), &key)
            .unwrap();
        // A write that was never committed (the process died): its temporary stays until the sweep.
        let mut w = spool.begin_item(&mut rng).unwrap();
        w.write_all(b"partial ciphertext").unwrap();
        std::mem::forget(w);
        // A crash between moving the ciphertext into place and writing its record.
        let orphan = ItemId::from_bytes([9; 16]);
        let (orphan_age, _) = spool.item_paths(&source, &orphan);
        fs::write(&orphan_age, b"age-encryption.org/v1").unwrap();
        // A committed item, and a stray file that Postern never writes: both stay.
        let h = Header::new(Kind::File, ItemId::from_bytes([0; 16]), Day(2));
        let kept = spool
            .store(&mut rng, &key, &r, &source, h, &mut &b"keep"[..])
            .unwrap();
        let stray = spool.source_dir(&source).join("items/notes.age");
        fs::write(&stray, b"x").unwrap();

        let report = spool.sweep().unwrap();
        assert_eq!(
            report,
            SweepReport {
                temporaries: 1,
                orphans: 1
            }
        );
        assert!(!orphan_age.exists());
        assert!(stray.exists());
        assert_eq!(spool.items(&source).unwrap(), vec![kept.item]);
        assert_eq!(spool.sweep().unwrap(), SweepReport::default());
    }

    #[test]
    fn a_dropped_writer_leaves_nothing() {
        let (_dir, spool, mut rng, _key, _r, _source) = setup();
        let mut w = spool.begin_item(&mut rng).unwrap();
        w.write_all(&[0u8; 100_000]).unwrap();
        drop(w);
        assert_eq!(fs::read_dir(spool.root().join("tmp")).unwrap().count(), 0);
    }
}
