//! One upload, one entry: the journalist's source page folds a resumable upload's segments and
//! manifest into one row with its size and state, deletes it whole (recorded first, finished
//! after a crash) and only after a confirmation page. Spools are synthetic: signed records
//! written directly, ciphertexts empty (the pages read only records).

use std::path::PathBuf;

use axum::http::StatusCode;
use postern_server::config::{CONFIG_FILE, Config};
use postern_server::storage::index::SpoolIndex;
use postern_server::storage::upload_parts::{self, UploadParts, Which};
use postern_server::storage::uploads;
use postern_spool::day::Day;
use postern_spool::envelope::Kind;
use postern_spool::ids::{ItemId, SourceId, UploadId};
use postern_spool::record::{Digest, ItemRecord, SourceRecord};
use postern_spool::spool::Spool;

use crate::web::{Browser, Harness, journalist_login};

/// 2026-12-01, the harness's today.
const TODAY: Day = Day(20_788);

struct Synth {
    cfg: Config,
    spool: Spool,
    source: SourceId,
}

impl Synth {
    fn new(h: &Harness, seed: u8) -> Synth {
        let cfg = Config::load(&h.data.join(CONFIG_FILE)).unwrap();
        let spool = Spool::open(&cfg.spool_dir()).unwrap();
        let source = SourceId::from_bytes([seed; 32]);
        let rec = SourceRecord {
            source,
            reply: age::x25519::Identity::generate().to_public().to_string(),
            day: Day(TODAY.0 - 30),
        };
        spool
            .ensure_source(&mut rand::rng(), &rec, &cfg.signing_key)
            .unwrap();
        Synth { cfg, spool, source }
    }

    /// A committed item: its signed record, and an empty placeholder ciphertext.
    fn item(&self, kind: Kind, day: Day, size: u64) -> ItemId {
        let id = ItemId::random(&mut rand::rng());
        let rec = ItemRecord::new(
            id,
            self.source,
            kind,
            day,
            size,
            Digest::Blake3([0; 32]),
            &self.cfg.recipients,
        );
        let (age, rec_path) = self.spool.item_paths(&self.source, &id);
        std::fs::create_dir_all(age.parent().unwrap()).unwrap();
        std::fs::write(&age, b"").unwrap();
        std::fs::write(&rec_path, rec.sign(&self.cfg.signing_key)).unwrap();
        id
    }

    /// A complete upload of `n` segments of `size` bytes each, and its manifest.
    fn complete_upload(&self, n: usize, size: u64, day: Day) -> (UploadId, Vec<ItemId>) {
        let segments: Vec<ItemId> = (0..n)
            .map(|_| self.item(Kind::Segment, day, size))
            .collect();
        let manifest = self.item(Kind::Manifest, day, 4096);
        let id = UploadId::random(&mut rand::rng());
        uploads::ensure_dir(&self.spool).unwrap();
        let parts = UploadParts {
            source: self.source,
            manifest: Some(manifest),
            length: n as u64 * size,
            day,
            segments: segments.clone(),
        };
        upload_parts::store(&self.spool, &id, Which::Parts, &parts).unwrap();
        let mut all = segments;
        all.push(manifest);
        (id, all)
    }

    /// An upload in progress: `n` segments of `size` bytes of `length`, with its log written as
    /// the server writes it (spool-format §13.5).
    fn open_upload(&self, n: u64, size: u64, length: u64, expires: Day) -> (UploadId, Vec<ItemId>) {
        let id = UploadId::random(&mut rand::rng());
        let items: Vec<ItemId> = (0..n)
            .map(|_| self.item(Kind::Segment, Day(TODAY.0 - 1), size))
            .collect();
        let mut log = vec![format!(
            "postern-upload-log 2 {} {length} {length} 0 {} 01",
            self.source, expires.0
        )];
        for (i, item) in items.iter().enumerate() {
            let i = i as u64;
            log.push(format!("pending {item}"));
            log.push(format!(
                "segment {i} {item} {} {size} {} 0 {}",
                i * size,
                "00".repeat(32),
                expires.0
            ));
        }
        self.write_log(&id, &log);
        (id, items)
    }

    fn write_log(&self, id: &UploadId, lines: &[String]) {
        use sha2::Digest;
        uploads::ensure_dir(&self.spool).unwrap();
        let text: String = lines
            .iter()
            .map(|l| {
                format!(
                    "{l} {}\n",
                    hex::encode(&sha2::Sha256::digest(l.as_bytes())[..4])
                )
            })
            .collect();
        std::fs::write(self.parts_file(id, "log"), text).unwrap();
    }

    fn exists(&self, item: &ItemId) -> bool {
        let (age, rec) = self.spool.item_paths(&self.source, item);
        age.exists() || rec.exists()
    }

    fn parts_file(&self, id: &UploadId, ext: &str) -> PathBuf {
        self.spool
            .root()
            .join("uploads")
            .join(format!("{id}.{ext}"))
    }
}

/// The rows of the items table.
fn rows(page: &str) -> Vec<&str> {
    let body = page
        .split("<tbody>")
        .nth(1)
        .and_then(|b| b.split("</tbody>").next())
        .expect("an items table");
    body.split("<tr").skip(1).collect()
}

#[tokio::test]
async fn an_upload_is_one_entry_with_its_size_and_state_newest_first() {
    let h = Harness::new(|_| {});
    let s = Synth::new(&h, 7);
    let message = s.item(Kind::Message, Day(TODAY.0 - 10), 1024);
    let (done, done_items) = s.complete_upload(3, 16 << 20, Day(TODAY.0 - 2));
    let (open, open_items) = s.open_upload(2, 8 << 20, 64 << 20, Day(TODAY.0 + 5));
    // The server keeps a complete upload's log until its day (to answer HEAD): still one row.
    let size = 16u64 << 20;
    let mut log = vec![format!(
        "postern-upload-log 2 {} {} {} 0 {} 01",
        s.source,
        3 * size,
        3 * size,
        TODAY.0 + 5
    )];
    for (i, item) in done_items[..3].iter().enumerate() {
        let i = i as u64;
        log.push(format!("pending {item}"));
        log.push(format!(
            "segment {i} {item} {} {size} {} 0 {}",
            i * size,
            "00".repeat(32),
            TODAY.0 + 5
        ));
    }
    log.push(format!("finishing {}", done_items[3]));
    log.push(format!("complete {}", done_items[3]));
    s.write_log(&done, &log);
    let mut b = Browser::new(&h.journalist);
    journalist_login(&h, &mut b, "alice").await;
    let page = b.get(&format!("/sources/{}", s.source)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let rows = rows(&page.body);
    assert_eq!(
        rows.len(),
        3,
        "one row per message and per upload: {rows:#?}"
    );
    // Newest first: the open upload (yesterday), the complete one, the message.
    assert!(
        rows[0].contains("in progress: 16.0 MiB of 64.0 MiB (25 %)"),
        "{}",
        rows[0]
    );
    assert!(rows[0].contains(&format!("upload {}", &open.to_string()[..8])));
    assert!(
        rows[1].contains("complete") && rows[1].contains("48.0 MiB"),
        "{}",
        rows[1]
    );
    assert!(rows[1].contains(&format!("upload {}", &done.to_string()[..8])));
    assert!(rows[2].contains(&format!("{message}.age")) && rows[2].contains("1.0 KiB"));
    for seg in done_items.iter().chain(&open_items) {
        assert!(
            !page.body.contains(&seg.to_string()),
            "a part is never listed"
        );
    }
    // The sources list counts entries, not parts.
    let list = b.get("/sources").await;
    let row = list.body.split(&s.source.to_string()).nth(1).unwrap();
    assert!(row.contains("<td>3</td><td>3</td>"), "{row}");
    // Past its expiry day, an unfinished upload says so.
    let (_, _) = s.open_upload(1, 1 << 20, 4 << 20, Day(TODAY.0 - 1));
    let page = b.get(&format!("/sources/{}", s.source)).await;
    assert!(
        page.body.contains("expired at 1.0 MiB of 4.0 MiB (25 %)"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn deleting_an_upload_asks_first_then_removes_every_part() {
    let h = Harness::new(|_| {});
    let s = Synth::new(&h, 8);
    let (done, items) = s.complete_upload(4, 1 << 20, Day(TODAY.0 - 1));
    let (open, open_items) = s.open_upload(2, 1 << 20, 8 << 20, Day(TODAY.0 + 5));
    let keep = s.item(Kind::File, Day(TODAY.0 - 3), 2048);
    let mut b = Browser::new(&h.journalist);
    let csrf = journalist_login(&h, &mut b, "alice").await;
    let base = format!("/sources/{}", s.source);
    let page = b.get(&base).await;
    assert!(
        page.body
            .contains(&format!("action=\"{base}/uploads/{done}/delete\""))
    );
    assert!(
        page.body.contains("class=\"danger\""),
        "Delete looks unlike Star"
    );
    // Star stays the plain accent button; every Delete is styled and labelled apart.
    assert!(
        page.body.contains("<button type=\"submit\">Star</button>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(&format!(
            "class=\"danger\" type=\"submit\">Delete Upload upload {}",
            &done.to_string()[..8]
        )),
        "{}",
        page.body
    );
    // A part cannot be deleted on its own.
    let r = b
        .post_form(
            &format!("{base}/items/{}/delete", items[0]),
            &[("csrf", &csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // The first POST only asks.
    let action = format!("{base}/uploads/{done}/delete");
    let r = b.post_form(&action, &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("cannot be undone") && r.body.contains("name=\"confirm\" value=\"yes\""),
        "{}",
        r.body
    );
    assert!(
        items.iter().all(|i| s.exists(i)),
        "nothing deleted before the confirmation"
    );
    // Without the token, even confirmed: refused.
    let r = b.post_form(&action, &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(items.iter().all(|i| s.exists(i)));
    let r = b
        .post_form(&action, &[("csrf", &csrf), ("confirm", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body
            .contains("The upload and all its parts were deleted.")
    );
    assert!(items.iter().all(|i| !s.exists(i)), "every part is gone");
    assert!(!s.parts_file(&done, "parts").exists() && !s.parts_file(&done, "deleting").exists());
    // An upload in progress goes with its state: the source cannot go on with it.
    let action = format!("{base}/uploads/{open}/delete");
    let r = b
        .post_form(&action, &[("csrf", &csrf), ("confirm", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(open_items.iter().all(|i| !s.exists(i)));
    assert!(uploads::read_one(&s.spool, &open).unwrap().is_none());
    // A file asks too, and the other items stay.
    let action = format!("{base}/items/{keep}/delete");
    let r = b.post_form(&action, &[("csrf", &csrf)]).await;
    assert!(r.body.contains("cannot be undone"));
    assert!(s.exists(&keep));
    let r = b
        .post_form(&action, &[("csrf", &csrf), ("confirm", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!s.exists(&keep));
}

#[test]
fn an_interrupted_upload_deletion_is_finished_by_the_next_run() {
    let h = Harness::new(|_| {});
    let s = Synth::new(&h, 9);
    let (id, items) = s.complete_upload(5, 4096, Day(TODAY.0 - 1));
    // As if the process died right after recording the deletion and removing two parts.
    let parts = upload_parts::load(&s.spool, &id, Which::Parts)
        .unwrap()
        .unwrap();
    upload_parts::store(&s.spool, &id, Which::Deleting, &parts).unwrap();
    for i in &items[..2] {
        let (age, rec) = s.spool.item_paths(&s.source, i);
        std::fs::remove_file(rec).unwrap();
        std::fs::remove_file(age).unwrap();
    }
    let index = SpoolIndex::new(
        Spool::open(&s.cfg.spool_dir()).unwrap(),
        s.cfg.signing_key.verifying_key(),
    );
    // Meanwhile the upload is no entry at all.
    let info = index.source(&s.source).unwrap().unwrap();
    let files = index.upload_files().unwrap();
    let entries = SpoolIndex::entries(&info, files.get(&s.source).unwrap(), TODAY);
    assert!(entries.is_empty(), "{entries:?}");
    assert_eq!(index.finish_deletions().unwrap(), 1);
    assert!(items.iter().all(|i| !s.exists(i)));
    assert!(!s.parts_file(&id, "parts").exists() && !s.parts_file(&id, "deleting").exists());
    // Re-runnable: nothing left to do.
    assert_eq!(index.finish_deletions().unwrap(), 0);
}

/// Issue 12's scale: a 100 GB upload of 6,400 segments is one row, and the page stays light.
#[tokio::test]
async fn the_page_of_a_source_with_a_100_gb_upload_is_one_row_under_50_kb() {
    let h = Harness::new(|_| {});
    let s = Synth::new(&h, 10);
    let seg = 100_000_000_000u64 / 6400;
    s.complete_upload(6400, seg, Day(TODAY.0 - 1));
    s.item(Kind::Message, Day(TODAY.0 - 2), 1024);
    let mut b = Browser::new(&h.journalist);
    journalist_login(&h, &mut b, "alice").await;
    let page = b.get(&format!("/sources/{}", s.source)).await;
    assert_eq!(page.status, StatusCode::OK);
    let rows = rows(&page.body);
    assert_eq!(rows.len(), 2);
    assert!(
        rows[0].contains("93.1 GiB") && rows[0].contains("complete"),
        "{}",
        rows[0]
    );
    assert!(page.body.len() < 50_000, "{} bytes", page.body.len());
}

/// The index caches a source by its folders' stamps, and committing an item sets the files'
/// and the `items/` folder's times to midnight of the day (no finer time on disk). A second item
/// committed the same day, after the first listing was cached and trusted, must still be seen:
/// the stamp can't be the modification time, which is midnight both times.
#[test]
fn an_item_committed_later_the_same_day_is_listed_although_times_are_set_to_the_day() {
    let h = Harness::new(|_| {});
    let s = Synth::new(&h, 0x5a);
    let index = SpoolIndex::new(
        Spool::open(&s.cfg.spool_dir()).unwrap(),
        s.cfg.signing_key.verifying_key(),
    );
    let commit = || {
        let header =
            postern_spool::envelope::Header::new(Kind::Message, ItemId::from_bytes([0; 16]), TODAY);
        s.spool
            .store(
                &mut rand::rng(),
                &s.cfg.signing_key,
                &s.cfg.recipients,
                &s.source,
                header,
                &mut &b"a message"[..],
            )
            .unwrap()
    };
    commit();
    let count = || index.source(&s.source).unwrap().unwrap().items.len();
    assert_eq!(count(), 1);
    // Past the two seconds in which a stamp is not trusted: the cached listing is now trusted.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_eq!(count(), 1);
    commit();
    assert_eq!(count(), 2, "the second item is listed at once");
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_eq!(count(), 2, "and still once its stamp is trusted");
}
