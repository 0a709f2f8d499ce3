//! Working with sources on the journalist interface: the bundle of everything new, round trip
//! through `postern-review import`, single downloads, the operator's export, log hygiene; stars,
//! "seen" marks and deletion; retention.

use std::collections::HashMap;
use std::fs;
use std::path::PathBuf;

use postern_spool::day::Day;
use postern_spool::envelope::{Header, Kind};
use postern_spool::ids::{ItemId, SourceId};
use postern_spool::keys::SigningKey;
use postern_spool::recipients::Recipients;
use postern_spool::record::SourceRecord;
use postern_spool::spool::Spool;

use super::{JServer, JournalistLogin, all_items, now, sid_of_page, source_submits, spool_sources};
use crate::support::{Reviewer, content, stderr, stdout};

#[test]
fn journalist_bundle_round_trip_through_the_reviewer() {
    let (js, reviewer) = JServer::new("");
    let mut alice = js.add("alice");
    let file = content(300_000, 9);
    let message = "MARKER-J-MESSAGE-6a1c for the journalists";
    let codename = source_submits(
        &js.server,
        message,
        &[("MARKER-J-FILE-31b7.bin", file.clone())],
    );
    let mut c = js.client();
    c.login(&mut alice);
    let list = c.get("/sources").text();
    assert!(list.contains("1 source, 2 new items for you."), "{list}");
    let sid = sid_of_page(&list);
    let source_id = SourceId::parse(&sid).unwrap();
    let designation = postern_spool::designation::designation(&source_id);
    assert!(list.contains(&designation), "{list}");
    let page = c.get(&format!("/sources/{sid}")).text();
    assert_eq!(page.matches("(new)").count(), 2, "{page}");
    assert!(
        !page.contains(&codename) && !page.contains("MARKER-J"),
        "{page}"
    );

    // The bundle of everything new: its page first (size and parts), then its one part.
    let csrf = c.csrf("/sources");
    let r = c.post_form("/bundle", &[("csrf", &csrf), ("source", "")]);
    assert_eq!(r.status, 303, "{}", r.text());
    let page_url = r.header("location").unwrap().to_owned();
    let page = c.get(&page_url).text();
    assert!(page.contains("Items: 2."), "{page}");
    assert!(page.contains("Parts: 1,"), "{page}");
    assert!(
        page.contains("Total size: ") && page.contains(" KiB."),
        "{page}"
    );
    // Nothing is seen before a part downloads.
    assert!(c.get("/sources").text().contains("2 new items for you."));
    // The part link names the selection and the content's selection id (`<token>.<id>/1`).
    let part_url = super::parts::part_links(&page)
        .into_iter()
        .next()
        .expect("a part link");
    assert!(
        part_url.starts_with(&format!("{page_url}.")) && part_url.ends_with("/1"),
        "{page}"
    );
    let r = c.get(&part_url);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/x-tar"));
    assert_eq!(r.header("accept-ranges"), Some("bytes"));
    assert_eq!(
        r.header("content-length"),
        Some(r.body.len().to_string().as_str())
    );
    crate::http::assert_headers_with_validator(&r, "bundle part");
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle.tar");
    fs::write(&bundle, &r.body).unwrap();
    // Downloaded items are seen now.
    let list = c.get("/sources").text();
    assert!(list.contains("0 new items for you."), "{list}");

    reviewer.ok(&["trust", &js.server.signing_pub()]);
    let imported = reviewer.ok(&["import", bundle.to_str().unwrap()]);
    assert!(
        imported.contains("Imported 2 new item(s) from 1 source(s)"),
        "{imported}"
    );
    let out = tempfile::tempdir().unwrap();
    reviewer.ok(&["extract", "--all", "--to", out.path().to_str().unwrap()]);
    assert!(
        fs::read(crate::support::extracted(
            out.path(),
            "MARKER-J-FILE-31b7.bin"
        ))
        .unwrap()
            == file
    );

    // One item, downloaded alone: a one-item signed bundle that holds exactly the spool's
    // ciphertext, and that a reviewer imports.
    let (_, iid) = all_items(&js.server)[0];
    let r = c.get(&format!("/sources/{sid}/items/{iid}"));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/x-tar"));
    let spool = Spool::open(&js.server.spool()).unwrap();
    let (age, _) = spool.item_paths(&source_id, &iid);
    let ct = fs::read(&age).unwrap();
    assert!(r.body.windows(ct.len()).any(|w| w == ct.as_slice()));
    let one = dir.path().join("one.tar");
    fs::write(&one, &r.body).unwrap();
    let single = Reviewer::new();
    single.ok(&["trust", &js.server.signing_pub()]);
    let imported = single.ok(&["import", one.to_str().unwrap()]);
    assert!(
        imported.contains("Imported 1 new item(s) from 1 source(s)"),
        "{imported}"
    );

    // A bundle altered in transit is refused: a flipped byte deep inside a ciphertext.
    let mut altered = fs::read(&bundle).unwrap();
    let at = altered.len() / 2;
    altered[at] ^= 0x01;
    let bad = dir.path().join("altered.tar");
    fs::write(&bad, &altered).unwrap();
    let fresh = Reviewer::new();
    fresh.ok(&["trust", &js.server.signing_pub()]);
    let o = fresh.cmd(&["import", bad.to_str().unwrap()]);
    assert!(!o.status.success(), "an altered bundle must be refused");
    assert!(
        fresh.ok(&["list"]).contains("No sources"),
        "nothing was imported"
    );

    // The operator's export writes the same kind of bundle.
    let exp = tempfile::tempdir().unwrap();
    let o = js.cli(&["export", "--to", exp.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let files: Vec<PathBuf> = fs::read_dir(exp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let imported = fresh.ok(&["import", files[0].to_str().unwrap()]);
    assert!(
        imported.contains("Imported 2 new item(s) from 1 source(s)"),
        "{imported}"
    );
    // --since a future day: an empty bundle.
    let o = js.cli(&[
        "export",
        "--to",
        exp.path().to_str().unwrap(),
        "--since",
        "2999-01-01",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Wrote 0 item(s)"), "{}", stdout(&o));

    // Log hygiene: nothing identifying in the server's log.
    let log = js.server.log_text();
    assert!(log.contains("a journalist logged in"), "{log}");
    for secret in [
        codename.as_str(),
        alice.passphrase.as_str(),
        alice.secret.as_str(),
        "alice",
        sid.as_str(),
        &iid.to_string(),
        &designation,
        "MARKER-J",
        "PosternJournalistUA",
        "198.51.100.23",
        "127.0.0.1:",
    ] {
        // The listening address is logged once at startup, never a peer's.
        if secret == "127.0.0.1:" {
            assert!(log.matches(secret).count() <= 2, "{log}");
            continue;
        }
        assert!(!log.contains(secret), "the log holds {secret:?}:\n{log}");
    }
}

#[test]
fn journalist_star_seen_and_delete() {
    let (js, _r) = JServer::new("");
    let mut alice = js.add("alice");
    let mut bob = js.add("bob");
    source_submits(&js.server, "first", &[("a.bin", content(1000, 1))]);
    source_submits(&js.server, "second", &[]);
    let mut a = js.client();
    a.login(&mut alice);
    let list = a.get("/sources").text();
    assert!(list.contains("2 sources, 3 new items for you."), "{list}");
    let sources = spool_sources(&js.server);
    let (two, one) = {
        let spool = Spool::open(&js.server.spool()).unwrap();
        if spool.items(&sources[0]).unwrap().len() == 2 {
            (sources[0], sources[1])
        } else {
            (sources[1], sources[0])
        }
    };
    // Star the one-item source: it is listed first.
    let csrf = a.csrf(&format!("/sources/{one}"));
    let r = a.post_form(
        &format!("/sources/{one}/star"),
        &[("csrf", &csrf), ("on", "1")],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let list = a.get("/sources").text();
    assert_eq!(sid_of_page(&list), one.to_string(), "starred first");
    assert!(list.contains("class=\"starred\""));
    // Mark seen: per journalist.
    let r = a.post_form(&format!("/sources/{two}/seen"), &[("csrf", &csrf)]);
    assert_eq!(r.status, 303);
    assert!(a.get("/sources").text().contains("1 new item for you."));
    let mut b = js.client();
    b.login(&mut bob);
    let list = b.get("/sources").text();
    assert!(list.contains("3 new items for you."), "{list}");
    assert!(
        !list.contains("class=\"starred\""),
        "stars are per journalist"
    );

    // Delete one item: its ciphertext and record leave the spool.
    let spool = Spool::open(&js.server.spool()).unwrap();
    let items = spool.items(&two).unwrap();
    let (age, rec) = spool.item_paths(&two, &items[0]);
    assert!(age.exists() && rec.exists());
    // The first POST only asks again; nothing is deleted yet.
    let r = a.post_form(
        &format!("/sources/{two}/items/{}/delete", items[0]),
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("Confirm deletion"), "{}", r.text());
    assert!(!r.text().contains("The item was deleted."));
    assert!(
        age.exists() && rec.exists(),
        "nothing deleted before confirmation"
    );
    let r = a.post_form(
        &format!("/sources/{two}/items/{}/delete", items[0]),
        &[("csrf", &csrf), ("confirm", "yes")],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("The item was deleted."));
    assert!(
        !age.exists() && !rec.exists(),
        "ciphertext and record are gone"
    );
    assert_eq!(spool.items(&two).unwrap().len(), 1);
    // No state file keeps the deleted item's id.
    for f in fs::read_dir(js.server.data().join("journalist-state")).unwrap() {
        let text = fs::read_to_string(f.unwrap().path()).unwrap();
        assert!(!text.contains(&items[0].to_string()), "{text}");
    }
    // Deleting a source needs its designation typed.
    let r = a.post_form(
        &format!("/sources/{one}/delete"),
        &[("csrf", &csrf), ("confirm", "wrong")],
    );
    assert!(r.text().contains("Nothing was deleted"), "{}", r.text());
    assert!(spool.source_dir(&one).exists());
    let d = postern_spool::designation::designation(&one);
    let r = a.post_form(
        &format!("/sources/{one}/delete"),
        &[("csrf", &csrf), ("confirm", &d)],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        !spool.source_dir(&one).exists(),
        "the source's folder is gone"
    );
    assert_eq!(spool_sources(&js.server), vec![two]);
    for f in fs::read_dir(js.server.data().join("journalist-state")).unwrap() {
        let text = fs::read_to_string(f.unwrap().path()).unwrap();
        assert!(!text.contains(&one.to_string()), "{text}");
    }
    // Without the CSRF token nothing happens.
    let left = spool.items(&two).unwrap();
    let r = a.post_form(&format!("/sources/{two}/items/{}/delete", left[0]), &[]);
    assert_eq!(r.status, 403);
    assert_eq!(spool.items(&two).unwrap(), left);
}

#[test]
fn retention_deletes_exactly_what_is_older_than_n_days() {
    let (mut js, reviewer) = JServer::new("");
    let data = js.server.data();
    let key =
        SigningKey::from_secret_text(&fs::read_to_string(data.join("spool-signing.key")).unwrap())
            .unwrap();
    let spool = Spool::open(&js.server.spool()).unwrap();
    let today = Day::from_unix_seconds(now());
    let recipients = Recipients::parse([&reviewer.recipient]).unwrap();
    let mut rng = rand::rng();
    let source = SourceId::from_bytes([7; 32]);
    let rec = SourceRecord {
        source,
        reply: reviewer.recipient.clone(),
        day: Day(today.0 - 10),
    };
    spool.ensure_source(&mut rng, &rec, &key).unwrap();
    let mut by_age: HashMap<u32, ItemId> = HashMap::new();
    for age in 0..=6u32 {
        let h = Header::new(
            Kind::Message,
            ItemId::from_bytes([0; 16]),
            Day(today.0 - age),
        );
        let r = spool
            .store(
                &mut rng,
                &key,
                &recipients,
                &source,
                h,
                &mut &b"old news"[..],
            )
            .unwrap();
        by_age.insert(age, r.item);
    }
    // Retention off: nothing goes at a restart.
    js.restart();
    assert_eq!(spool.items(&source).unwrap().len(), 7);
    // Three days: exactly the items of 4, 5 and 6 days ago go.
    let text = fs::read_to_string(&js.server.config).unwrap();
    fs::write(&js.server.config, format!("retention_days = 3\n{text}")).unwrap();
    js.restart();
    let left = spool.items(&source).unwrap();
    for (age, item) in &by_age {
        assert_eq!(left.contains(item), *age <= 3, "item of age {age}");
        let (ciphertext, _) = spool.item_paths(&source, item);
        assert_eq!(ciphertext.exists(), *age <= 3, "ciphertext of age {age}");
    }
    assert!(js.server.log_text().contains("retention deleted old items"));
}

#[test]
fn retention_deletes_an_old_upload_whole_and_keeps_a_recent_one_whole() {
    let (mut js, reviewer) = JServer::new("");
    let data = js.server.data();
    let key =
        SigningKey::from_secret_text(&fs::read_to_string(data.join("spool-signing.key")).unwrap())
            .unwrap();
    let spool = Spool::open(&js.server.spool()).unwrap();
    let today = Day::from_unix_seconds(now());
    let recipients = Recipients::parse([&reviewer.recipient]).unwrap();
    let mut rng = rand::rng();
    let source = SourceId::from_bytes([8; 32]);
    let rec = SourceRecord {
        source,
        reply: reviewer.recipient.clone(),
        day: Day(today.0 - 10),
    };
    spool.ensure_source(&mut rng, &rec, &key).unwrap();
    let mut store = |kind: Kind, age: u32, upload: postern_spool::ids::UploadId, index: u64| {
        let mut h = Header::new(kind, ItemId::from_bytes([0; 16]), Day(today.0 - age));
        if kind == Kind::Segment {
            h.segment = Some(postern_spool::envelope::SegmentInfo {
                upload_id: upload,
                index,
                offset: index * 4,
            });
        }
        spool
            .store(&mut rng, &key, &recipients, &source, h, &mut &b"four"[..])
            .unwrap()
            .item
    };
    // Upload A: every part older than three days. Upload B: an old first segment, but it
    // completed yesterday.
    let (a, b) = (
        postern_spool::ids::UploadId::from_bytes([0xa; 16]),
        postern_spool::ids::UploadId::from_bytes([0xb; 16]),
    );
    let a_items = vec![
        store(Kind::Segment, 6, a, 0),
        store(Kind::Segment, 5, a, 1),
        store(Kind::Manifest, 5, a, 0),
    ];
    let b_items = vec![
        store(Kind::Segment, 6, b, 0),
        store(Kind::Manifest, 1, b, 0),
    ];
    let parts_file = |id: &postern_spool::ids::UploadId, items: &[ItemId], day: u32| {
        let (manifest, segments) = items.split_last().unwrap();
        let mut t = format!(
            "postern-upload-parts 1\nsource {source}\nmanifest {manifest}\nlength {}\nday {day}\n",
            4 * segments.len()
        );
        for s in segments {
            t.push_str(&format!("segment {s}\n"));
        }
        t.push_str(&format!("end {}\n", segments.len()));
        let p = js.server.spool().join(format!("uploads/{id}.parts"));
        fs::write(&p, t).unwrap();
        p
    };
    let a_parts = parts_file(&a, &a_items, today.0 - 5);
    let b_parts = parts_file(&b, &b_items, today.0 - 1);
    let text = fs::read_to_string(&js.server.config).unwrap();
    fs::write(&js.server.config, format!("retention_days = 3\n{text}")).unwrap();
    js.restart();
    let left = spool.items(&source).unwrap();
    for item in &a_items {
        assert!(!left.contains(item), "every part of the old upload goes");
    }
    assert!(!a_parts.exists(), "and its parts file");
    for item in &b_items {
        assert!(left.contains(item), "the recent upload stays whole");
    }
    assert!(b_parts.exists());
    assert!(js.server.log_text().contains("retention deleted old items"));
}
