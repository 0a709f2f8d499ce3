//! `import`: bring a bundle or a spool copy into the store, all or nothing.
//!
//! The input is treated as hostile. Every record must verify with the pinned server key; every
//! ciphertext must match the size and SHA-256 its record states; every item must sit under the
//! source its record names, and that source must have a signed record. Ciphertext is staged under
//! the store's `tmp/` while it is checked, and nothing is moved into the store until the whole
//! input has passed. A failure leaves the store exactly as it was.
//!
//! A bundle must hold exactly what its manifest (signed by the same key) lists, in its order:
//! an item added, dropped or moved, or a bundle cut at an entry boundary, is refused, and the
//! message names what is missing. A bundle is often one part of a selection: each part imports
//! on its own, in any order, and `<home>/selections/<selection id>` records which parts arrived,
//! so that every import can say which parts are still missing.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use postern_spool::bundle::{BundleError, BundleManifest, EntryName, MAX_PARTS, read_bundle};
use postern_spool::ids::{ItemId, SelectionId, SourceId};
use postern_spool::keys::VerifyingKey;
use postern_spool::record::{ItemRecord, MAX_RECORD_LEN, SourceRecord};
use postern_spool::spool::{LAYOUT_FILE, Spool};

use crate::ui::{byte_bar, user_error};
use postern_spool::spool::{open_regular, read_regular as read_bounded};

/// What an import brought in.
pub struct ImportReport {
    pub sources: usize,
    pub new_items: usize,
    pub known_items: usize,
    /// The items this import brought in.
    pub new: Vec<(SourceId, ItemId)>,
    /// For a bundle: its signed manifest.
    pub manifest: Option<BundleManifest>,
}

/// Which parts of one selection the reviewer holds.
#[derive(Debug, PartialEq, Eq)]
pub struct Parts {
    pub selection: SelectionId,
    pub parts: u32,
    pub have: std::collections::BTreeSet<u32>,
}

impl Parts {
    /// The part numbers still missing, ascending.
    pub fn missing(&self) -> Vec<u32> {
        (1..=self.parts)
            .filter(|n| !self.have.contains(n))
            .collect()
    }
}

const SELECTIONS: &str = "selections";

/// Reads `<home>/selections/<id>`: `postern-selection 1`, `parts <m>`, then `part <n>` lines,
/// ascending. Bounded, and strict: anything else is treated as damaged.
fn read_parts(home: &Path, id: &SelectionId) -> Result<Option<Parts>> {
    let path = home.join(SELECTIONS).join(id.to_string());
    let bytes = match crate::home::read_bounded(&path, 1 << 20) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).context("reading the record of a selection's parts"),
    };
    let damaged = || anyhow::anyhow!("the record of a selection's parts is damaged");
    let text = std::str::from_utf8(&bytes).map_err(|_| damaged())?;
    let mut lines = text.lines();
    if lines.next() != Some("postern-selection 1") {
        return Err(damaged());
    }
    let parts: u32 = lines
        .next()
        .and_then(|l| l.strip_prefix("parts "))
        .and_then(|n| n.parse().ok())
        .filter(|n| (1..=MAX_PARTS).contains(n))
        .ok_or_else(damaged)?;
    let mut have = std::collections::BTreeSet::new();
    for l in lines {
        let n: u32 = l
            .strip_prefix("part ")
            .and_then(|n| n.parse().ok())
            .filter(|n| (1..=parts).contains(n))
            .ok_or_else(damaged)?;
        have.insert(n);
    }
    Ok(Some(Parts {
        selection: *id,
        parts,
        have,
    }))
}

/// Records that part `m.part` of its selection is imported; returns every part held.
pub fn record_part(home: &Path, m: &BundleManifest) -> Result<Parts> {
    let mut parts = match read_parts(home, &m.selection)? {
        Some(p) if p.parts == m.parts => p,
        // Another part count under the same id cannot come from one server: start again.
        _ => Parts {
            selection: m.selection,
            parts: m.parts,
            have: Default::default(),
        },
    };
    parts.have.insert(m.part);
    let dir = home.join(SELECTIONS);
    fs::create_dir_all(&dir).context("creating the selections folder")?;
    let mut text = format!("postern-selection 1\nparts {}\n", parts.parts);
    for n in &parts.have {
        text.push_str(&format!("part {n}\n"));
    }
    let path = dir.join(m.selection.to_string());
    let tmp = dir.join(format!("{}.tmp", m.selection));
    let _ = fs::remove_file(&tmp);
    crate::home::write_new(&tmp, text.as_bytes(), 0o600)?;
    fs::rename(&tmp, &path).context("recording a selection's parts")?;
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .context("syncing the selections folder")?;
    Ok(parts)
}

struct StagedItem {
    source: SourceId,
    item: ItemId,
    record_bytes: Vec<u8>,
    tmp: PathBuf,
}

/// Everything read and verified, waiting to be committed. Dropping it removes the staged files.
struct Staging<'a> {
    store: &'a Spool,
    key: VerifyingKey,
    sources: BTreeMap<SourceId, Vec<u8>>,
    items: Vec<StagedItem>,
    pending: Option<(SourceId, ItemId, ItemRecord, Vec<u8>)>,
    bar: indicatif::ProgressBar,
}

impl Drop for Staging<'_> {
    fn drop(&mut self) {
        for it in &self.items {
            let _ = fs::remove_file(&it.tmp);
        }
    }
}

impl Staging<'_> {
    fn source_record(&mut self, source: SourceId, bytes: Vec<u8>) -> Result<(), String> {
        let rec = SourceRecord::parse_verified(&bytes, &self.key)
            .map_err(|e| format!("source record refused: {e}"))?;
        if rec.source != source {
            return Err("source record is filed under another source (moved in transit?)".into());
        }
        self.sources.insert(source, bytes);
        Ok(())
    }

    fn item_record(
        &mut self,
        source: SourceId,
        item: ItemId,
        bytes: Vec<u8>,
    ) -> Result<(), String> {
        if !self.sources.contains_key(&source) {
            return Err("item of a source that has no signed source record".into());
        }
        let rec = ItemRecord::parse_verified(&bytes, &self.key)
            .map_err(|e| format!("item record refused: {e}"))?;
        if rec.source != source || rec.item != item {
            return Err("item record is filed under another name (moved in transit?)".into());
        }
        self.pending = Some((source, item, rec, bytes));
        Ok(())
    }

    fn item_data(
        &mut self,
        source: SourceId,
        item: ItemId,
        data: &mut dyn Read,
    ) -> Result<(), String> {
        let Some((ps, pi, rec, record_bytes)) = self.pending.take() else {
            return Err("ciphertext without a record".into());
        };
        if ps != source || pi != item {
            return Err("ciphertext does not belong to the record before it".into());
        }
        let (file, tmp) = self
            .store
            .temp_file(&mut rand::rng())
            .map_err(|e| format!("cannot stage: {e}"))?;
        // Register at once so that the staged file is removed on any failure below.
        self.items.push(StagedItem {
            source,
            item,
            record_bytes,
            tmp,
        });
        // The record says which hash (version 1: SHA-256, version 2: BLAKE3).
        let mut hasher = rec.digest.hasher();
        let mut len = 0u64;
        let mut buf = vec![0u8; 1 << 16];
        // Read at most one byte more than the record promises: enough to see a mismatch.
        let mut limited = data.take(rec.size.saturating_add(1));
        let bar = &self.bar;
        // Reading and hashing on this thread, writing (with background flushes) on another.
        let (read, written) = crate::pipeline::write_behind(&file, Some(&file), |out| {
            loop {
                let n = match limited.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(format!("reading ciphertext failed: {e}")),
                };
                let chunk = buf.get(..n).unwrap_or(&[]);
                hasher.update(chunk);
                out.write_all(chunk)
                    .map_err(|e| format!("cannot stage: {e}"))?;
                len += n as u64;
                bar.inc(n as u64);
            }
            Ok(())
        });
        written.map_err(|e| format!("cannot stage: {e}"))?;
        read?;
        file.sync_all().map_err(|e| format!("cannot stage: {e}"))?;
        if len != rec.size || hasher.finalize() != rec.digest {
            return Err(
                "ciphertext does not match its signed record (altered or truncated in transit)"
                    .into(),
            );
        }
        Ok(())
    }

    /// Moves everything into the store. Conflicts are checked first, so a conflict changes
    /// nothing.
    fn commit(mut self) -> Result<ImportReport> {
        if self.pending.is_some() {
            anyhow::bail!("the input ends after an item record, without its ciphertext");
        }
        let mut report = ImportReport {
            sources: self.sources.len(),
            new_items: 0,
            known_items: 0,
            new: Vec::new(),
            manifest: None,
        };
        for (source, bytes) in &self.sources {
            let path = self.store.source_record_path(source);
            if path.exists() && read_bounded(&path, MAX_RECORD_LEN as u64)? != *bytes {
                return Err(user_error(
                    "the input's record of a source differs from the one already imported",
                    "this should never happen with one server; ask the operator whether the server was reset",
                ));
            }
        }
        let mut fresh = Vec::new();
        for it in &self.items {
            let (_, rec_path) = self.store.item_paths(&it.source, &it.item);
            if rec_path.exists() {
                if read_bounded(&rec_path, MAX_RECORD_LEN as u64)? != it.record_bytes {
                    return Err(user_error(
                        "an item in the input has the id of an imported item but another record",
                        "the input was tampered with or comes from another server; do not use it",
                    ));
                }
                report.known_items += 1;
            } else {
                fresh.push(it);
            }
        }
        let mut rng = rand::rng();
        for (source, bytes) in &self.sources {
            self.store.install_source_record(&mut rng, source, bytes)?;
        }
        for it in fresh {
            self.store
                .install_item(&mut rng, &it.source, &it.item, &it.tmp, &it.record_bytes)?;
            report.new_items += 1;
            report.new.push((it.source, it.item));
        }
        self.bar.finish_and_clear();
        // Staged files that were already known are removed by Drop.
        self.items.retain(|it| it.tmp.exists());
        Ok(report)
    }
}

/// Imports a bundle file (`-` for standard input) or a spool directory.
pub fn import(store: &Spool, key: VerifyingKey, input: &Path) -> Result<ImportReport> {
    // Staged ciphertext lives in the store's tmp/ until commit: removed on SIGINT/SIGTERM, and
    // by the sweep of the next command after a SIGKILL.
    crate::cleanup::empty_on_signal(&store.root().join("tmp"));
    crate::cleanup::install();
    let meta = if input == Path::new("-") {
        None
    } else {
        Some(fs::metadata(input).with_context(|| format!("cannot read {}", input.display()))?)
    };
    match meta {
        Some(m) if m.is_dir() => import_spool_dir(store, key, input),
        Some(m) => {
            let file =
                File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
            import_bundle(store, key, BufReader::new(file), Some(m.len()))
        }
        None => import_bundle(store, key, io::stdin().lock(), None),
    }
}

fn staging(store: &Spool, key: VerifyingKey, total: Option<u64>) -> Staging<'_> {
    let bar = byte_bar(total.unwrap_or(0), "verifying");
    if total.is_none() {
        bar.set_length(0);
    }
    Staging {
        store,
        key,
        sources: BTreeMap::new(),
        items: Vec::new(),
        pending: None,
        bar,
    }
}

fn import_bundle(
    store: &Spool,
    key: VerifyingKey,
    input: impl Read,
    total: Option<u64>,
) -> Result<ImportReport> {
    let mut st = staging(store, key, total);
    let result = read_bundle(input, &key, |name, size, data| match name {
        EntryName::SourceRecord(s) => st.source_record(s, read_record(data, size)?),
        EntryName::ItemRecord(s, i) => st.item_record(s, i, read_record(data, size)?),
        EntryName::ItemData(s, i) => st.item_data(s, i, data),
    });
    let manifest = match result {
        Ok(m) => m,
        Err(e) => {
            st.bar.finish_and_clear();
            let hint = match e {
                BundleError::Incomplete { .. } => {
                    "the file was cut short (an interrupted download or copy?): download or copy this part again; a browser or `curl -C -` resumes where it stopped"
                }
                BundleError::UnknownVersion => {
                    "get a fresh export from the server (bundles from before signed manifests are not accepted)"
                }
                _ => {
                    "get a fresh export from the server; if it fails again, the bundle is being altered on the way"
                }
            };
            return Err(user_error(
                format!("bundle refused, nothing was imported: {e}"),
                hint,
            ));
        }
    };
    let mut report = st.commit()?;
    report.manifest = Some(manifest);
    Ok(report)
}

fn read_record(data: &mut dyn Read, size: u64) -> Result<Vec<u8>, String> {
    if size > MAX_RECORD_LEN as u64 {
        return Err("record too large".into());
    }
    let mut out = Vec::new();
    data.take(MAX_RECORD_LEN as u64)
        .read_to_end(&mut out)
        .map_err(|e| format!("reading a record failed: {e}"))?;
    Ok(out)
}

/// A spool copied as a folder. Walked strictly: anything that a Postern server could not have
/// written (unexpected names, links, a ciphertext without its record) refuses the import.
fn import_spool_dir(store: &Spool, key: VerifyingKey, root: &Path) -> Result<ImportReport> {
    if Spool::open(root).is_err() {
        return Err(user_error(
            format!(
                "{} is not a Postern spool (no `{LAYOUT_FILE}` file of a known version)",
                root.display()
            ),
            "point import at the spool folder itself, or at a bundle file",
        ));
    }
    let refuse = |what: String| {
        user_error(
            format!("spool copy refused, nothing was imported: {what}"),
            "copy the spool again while the server is stopped, or use an exported bundle",
        )
    };
    // First pass: the shape of the tree, and the total size for the progress bar.
    let mut plan: Vec<(SourceId, Vec<ItemId>)> = Vec::new();
    let mut total = 0u64;
    let sources_dir = root.join("sources");
    let mut source_entries: Vec<_> = fs::read_dir(&sources_dir)
        .with_context(|| format!("cannot list {}", sources_dir.display()))?
        .collect::<Result<_, _>>()?;
    source_entries.sort_by_key(|e| e.file_name());
    for entry in source_entries {
        let name = entry.file_name();
        let sid = name
            .to_str()
            .and_then(SourceId::parse)
            .filter(|_| entry.file_type().is_ok_and(|t| t.is_dir()))
            .ok_or_else(|| refuse("unexpected entry in sources/ (not a source folder)".into()))?;
        let sdir = entry.path();
        let mut items = Vec::new();
        for e in fs::read_dir(&sdir)? {
            let e = e?;
            let ok = match e.file_name().to_str() {
                Some("source.rec") => e.file_type()?.is_file(),
                Some("items") => e.file_type()?.is_dir(),
                // The server's outbox of replies: written here, so nothing to import.
                Some("replies") => e.file_type()?.is_dir(),
                _ => false,
            };
            if !ok {
                return Err(refuse("unexpected entry in a source folder".into()));
            }
        }
        if !sdir.join("source.rec").is_file() {
            return Err(refuse(
                "a source folder without a signed source record".into(),
            ));
        }
        let idir = sdir.join("items");
        let mut ages = Vec::new();
        let mut recs = Vec::new();
        if idir.exists() {
            for e in fs::read_dir(&idir)? {
                let e = e?;
                if !e.file_type()?.is_file() {
                    return Err(refuse(
                        "unexpected entry in an items folder (not a regular file)".into(),
                    ));
                }
                let n = e.file_name();
                let n = n.to_str().unwrap_or("");
                if let Some(id) = n.strip_suffix(".age").and_then(ItemId::parse) {
                    total += e.metadata()?.len();
                    ages.push(id);
                } else if let Some(id) = n.strip_suffix(".rec").and_then(ItemId::parse) {
                    recs.push(id);
                } else {
                    return Err(refuse("unexpected file in an items folder".into()));
                }
            }
        }
        ages.sort();
        recs.sort();
        if ages != recs {
            return Err(refuse("an item without both its ciphertext and its signed record (unsigned, or copied mid-write)".into()));
        }
        items.extend(ages);
        plan.push((sid, items));
    }
    // Second pass: verify and stage.
    let mut st = staging(store, key, Some(total));
    for (sid, items) in plan {
        let sdir = sources_dir.join(sid.to_string());
        let bytes = read_bounded(&sdir.join("source.rec"), MAX_RECORD_LEN as u64)
            .map_err(|e| refuse(format!("a source record: {e}")))?;
        st.source_record(sid, bytes).map_err(refuse)?;
        for iid in items {
            let base = sdir.join("items").join(iid.to_string());
            let rec = read_bounded(&base.with_extension("rec"), MAX_RECORD_LEN as u64)
                .map_err(|e| refuse(format!("an item record: {e}")))?;
            st.item_record(sid, iid, rec).map_err(refuse)?;
            let mut f = open_regular(&base.with_extension("age"))
                .map_err(|e| refuse(format!("an item's ciphertext: {e}")))?;
            st.item_data(sid, iid, &mut f).map_err(refuse)?;
        }
    }
    st.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder under the system's temporary folder, removed on drop.
    struct TempHome(PathBuf);

    impl TempHome {
        fn new() -> TempHome {
            let mut b = [0u8; 8];
            rand::Rng::fill_bytes(&mut rand::rng(), &mut b);
            let p = std::env::temp_dir().join(format!("postern-review-parts-{}", hex::encode(b)));
            fs::create_dir(&p).unwrap();
            TempHome(p)
        }
    }

    impl Drop for TempHome {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn manifest(part: u32, parts: u32) -> BundleManifest {
        BundleManifest {
            selection: SelectionId::from_bytes([4; 16]),
            part,
            parts,
            items: vec![(SourceId::from_bytes([1; 32]), ItemId::from_bytes([2; 16]))],
        }
    }

    /// A spool with an item of each record version: an old one (version 1, SHA-256) and one as
    /// the server writes now (version 2, BLAKE3). Both import; one altered byte in either is
    /// refused, and nothing is imported.
    #[test]
    fn sha256_and_blake3_items_import_and_an_altered_byte_is_refused() {
        use postern_spool::day::Day;
        use postern_spool::envelope::{Header, Kind, seal};
        use postern_spool::keys::SigningKey;
        use postern_spool::recipients::Recipients;
        use postern_spool::record::Digest;
        use sha2::Digest as _;
        use std::io::Write;

        let home = TempHome::new();
        let mut rng = rand::rng();
        let key = SigningKey::generate(&mut rng);
        let r = Recipients::new(vec![age::x25519::Identity::generate().to_public()]).unwrap();
        let source = SourceId::from_bytes([9; 32]);
        let server_dir = home.0.join("server");
        let server = Spool::create(&server_dir, &mut rng).unwrap();
        let source_rec = SourceRecord {
            source,
            reply: age::x25519::Identity::generate().to_public().to_string(),
            day: Day(1),
        };
        server.ensure_source(&mut rng, &source_rec, &key).unwrap();
        let header = Header::new(Kind::Message, ItemId::from_bytes([0; 16]), Day(2));
        let new = server
            .store(&mut rng, &key, &r, &source, header, &mut &b"new"[..])
            .unwrap();
        assert!(matches!(new.digest, Digest::Blake3(_)));
        // Written as the server did before record version 2.
        let old_id = ItemId::random(&mut rng);
        let mut sealer = seal(&r, &Header::new(Kind::Message, old_id, Day(2)), Vec::new()).unwrap();
        sealer.write_all(b"old").unwrap();
        let ct = sealer.finish().unwrap();
        let sha = Digest::Sha256(sha2::Sha256::digest(&ct).into());
        let old = ItemRecord::new(
            old_id,
            source,
            Kind::Message,
            Day(2),
            ct.len() as u64,
            sha,
            &r,
        );
        let old_text = old.sign(&key);
        assert!(old_text.starts_with("postern-item 1\n"));
        let (age_path, rec_path) = server.item_paths(&source, &old_id);
        fs::write(&age_path, &ct).unwrap();
        fs::write(&rec_path, &old_text).unwrap();

        let store = Spool::create(&home.0.join("store"), &mut rng).unwrap();
        let report = import(&store, key.verifying_key(), &server_dir).unwrap();
        assert_eq!(report.new_items, 2);
        let mut items = store.items(&source).unwrap();
        items.sort();
        let mut want = vec![new.item, old_id];
        want.sort();
        assert_eq!(items, want);

        for (n, id) in [new.item, old_id].into_iter().enumerate() {
            let (age_path, _) = server.item_paths(&source, &id);
            let good = fs::read(&age_path).unwrap();
            let mut bad = good.clone();
            let at = bad.len() / 2;
            bad[at] ^= 1;
            fs::write(&age_path, &bad).unwrap();
            let fresh = Spool::create(&home.0.join(format!("fresh-{n}")), &mut rng).unwrap();
            let Err(err) = import(&fresh, key.verifying_key(), &server_dir) else {
                panic!("an altered ciphertext was imported");
            };
            assert!(
                format!("{err:#}").contains("does not match its signed record"),
                "{err:#}"
            );
            assert!(fresh.sources().unwrap().is_empty());
            fs::write(&age_path, &good).unwrap();
        }
    }

    #[test]
    fn parts_are_recorded_in_any_order_and_the_missing_ones_named() {
        let home = TempHome::new();
        let p = record_part(&home.0, &manifest(3, 4)).unwrap();
        assert_eq!(p.missing(), vec![1, 2, 4]);
        let p = record_part(&home.0, &manifest(1, 4)).unwrap();
        assert_eq!(p.missing(), vec![2, 4]);
        // The same part again changes nothing.
        let p = record_part(&home.0, &manifest(1, 4)).unwrap();
        assert_eq!(p.missing(), vec![2, 4]);
        record_part(&home.0, &manifest(2, 4)).unwrap();
        let p = record_part(&home.0, &manifest(4, 4)).unwrap();
        assert!(p.missing().is_empty());
        assert_eq!(
            read_parts(&home.0, &SelectionId::from_bytes([4; 16])).unwrap(),
            Some(p)
        );
        assert_eq!(
            read_parts(&home.0, &SelectionId::from_bytes([5; 16])).unwrap(),
            None
        );
    }

    #[test]
    fn a_damaged_record_of_parts_is_refused_not_guessed() {
        let home = TempHome::new();
        record_part(&home.0, &manifest(1, 2)).unwrap();
        let path = home
            .0
            .join(SELECTIONS)
            .join(SelectionId::from_bytes([4; 16]).to_string());
        for bad in [
            "postern-selection 2\nparts 2\npart 1\n",
            "postern-selection 1\nparts 0\n",
            "postern-selection 1\nparts 2\npart 3\n",
            "postern-selection 1\nparts 2\npart x\n",
            "postern-selection 1\nparts 100001\n",
        ] {
            fs::write(&path, bad).unwrap();
            assert!(
                read_parts(&home.0, &SelectionId::from_bytes([4; 16])).is_err(),
                "{bad:?}"
            );
        }
    }
}
