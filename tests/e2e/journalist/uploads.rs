//! A resumable upload on the journalist interface, through the real binary: however many PATCH
//! bodies it arrived in, it is one row with its padded size and state (issue 12, evidence 2), and
//! deleting it asks first, then removes every part.

use super::{JServer, JournalistLogin, all_items, sid_of_page};
use crate::support::content;
use crate::tus::ApiSource;

/// The rows of a source page's items table.
fn rows(page: &str) -> Vec<String> {
    let body = page
        .split("<tbody>")
        .nth(1)
        .and_then(|b| b.split("</tbody>").next())
        .expect("an items table");
    body.split("<tr").skip(1).map(str::to_owned).collect()
}

#[test]
fn a_resumable_upload_is_one_row_with_its_size_and_complete_and_goes_whole() {
    let (js, _reviewer) = JServer::new("");
    let mut alice = js.add("alice");
    let a = ApiSource::new(js.server.port);
    // Three PATCH bodies, and an upload that stopped after one of four.
    let data = content(3 << 20, 5);
    let done = a.create(data.len() as u64, "video.mp4");
    for (i, chunk) in data.chunks(1 << 20).enumerate() {
        let r = a.patch(&done, (i as u64) << 20, chunk, &[]);
        assert_eq!(r.status, 204, "{r:?}");
    }
    let open = a.create(4 << 20, "second.mp4");
    let r = a.patch(&open, 0, &data[..1 << 20], &[]);
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(
        all_items(&js.server).len(),
        5,
        "four segments and a manifest"
    );

    let mut c = js.client();
    c.login(&mut alice);
    let list = c.get("/sources").text();
    let sid = sid_of_page(&list);
    let page = c.get(&format!("/sources/{sid}")).text();
    let rows = rows(&page);
    assert_eq!(rows.len(), 2, "one row per upload: {page}");
    let complete = rows
        .iter()
        .find(|r| r.contains(">complete<"))
        .expect("a complete upload");
    assert!(complete.contains(" MiB<"), "a readable size: {complete}");
    assert!(
        rows.iter()
            .any(|r| r.contains("in progress: 1.0 MiB of 4.0 MiB (25 %)")),
        "{page}"
    );
    for (_, item) in all_items(&js.server) {
        assert!(
            !page.contains(&item.to_string()),
            "no part is listed on its own"
        );
    }

    // Delete the complete one: a confirmation page first, then every part goes.
    let uid = done.rsplit('/').next().unwrap();
    let action = format!("/sources/{sid}/uploads/{uid}/delete");
    assert!(page.contains(&format!("action=\"{action}\"")), "{page}");
    let csrf = c.csrf(&format!("/sources/{sid}"));
    let r = c.post_form(&action, &[("csrf", &csrf)]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("It cannot be undone."), "{}", r.text());
    assert_eq!(all_items(&js.server).len(), 5, "nothing deleted yet");
    let r = c.post_form(&action, &[("csrf", &csrf), ("confirm", "yes")]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        all_items(&js.server).len(),
        1,
        "only the other upload's segment is left"
    );
    let page = c.get(&format!("/sources/{sid}")).text();
    assert_eq!(self::rows(&page).len(), 1, "{page}");
}

/// The items named by the `.age` entries of a bundle.
fn bundle_items(tar: &[u8]) -> std::collections::BTreeSet<String> {
    super::parts::tar_entries(tar)
        .into_iter()
        .filter_map(|(_, name)| {
            name.strip_suffix(".age")
                .and_then(|n| n.rsplit('/').next())
                .map(str::to_owned)
        })
        .collect()
}

#[test]
fn an_upload_downloads_as_its_own_selection_with_exactly_its_parts() {
    let (js, _reviewer) = JServer::new("");
    let mut alice = js.add("alice");
    let a = ApiSource::new(js.server.port);
    let data = content(3 << 20, 11);
    let done = a.create(data.len() as u64, "first.mp4");
    for (i, chunk) in data.chunks(1 << 20).enumerate() {
        assert_eq!(a.patch(&done, (i as u64) << 20, chunk, &[]).status, 204);
    }
    let other = a.create(2 << 20, "second.mp4");
    assert_eq!(a.patch(&other, 0, &data[..1 << 20], &[]).status, 204);
    let uid = done.rsplit('/').next().unwrap().to_owned();
    // What the server recorded as the upload's parts: its segments and its manifest.
    let parts =
        std::fs::read_to_string(js.server.spool().join(format!("uploads/{uid}.parts"))).unwrap();
    let mut want: std::collections::BTreeSet<String> = parts
        .lines()
        .filter_map(|l| l.strip_prefix("segment ").or(l.strip_prefix("manifest ")))
        .map(str::to_owned)
        .collect();
    assert_eq!(want.len(), 4, "{parts}");

    let mut c = js.client();
    c.login(&mut alice);
    let sid = sid_of_page(&c.get("/sources").text());
    let page = c.get(&format!("/sources/{sid}")).text();
    let link = format!("/bundle/upload-{sid}-{uid}");
    assert!(page.contains(&format!("href=\"{link}\"")), "{page}");
    let sel = c.get(&link);
    assert_eq!(sel.status, 200, "{}", sel.text());
    assert!(sel.text().contains("Items: 4."), "{}", sel.text());
    let links = super::parts::part_links(&sel.text());
    assert_eq!(links.len(), 1, "{links:?}");
    let part = c.get(&links[0]);
    assert_eq!(part.status, 200);
    assert_eq!(bundle_items(&part.body), want, "exactly the upload's parts");

    // The open upload's link names only its one segment so far.
    let ouid = other.rsplit('/').next().unwrap();
    let sel = c.get(&format!("/bundle/upload-{sid}-{ouid}"));
    assert_eq!(sel.status, 200, "{}", sel.text());
    let part = c.get(&super::parts::part_links(&sel.text())[0]);
    let got = bundle_items(&part.body);
    assert_eq!(got.len(), 1);
    want.extend(got);
    assert_eq!(
        want.len(),
        5,
        "no item of one upload is in the other's bundle"
    );
    // An upload of another source, or none, is not found.
    let zero = "0".repeat(64);
    assert_eq!(c.get(&format!("/bundle/upload-{zero}-{uid}")).status, 404);
}

#[test]
fn deleting_an_open_upload_tells_the_tus_index_and_leaves_nothing() {
    let (js, _reviewer) = JServer::new("");
    let mut alice = js.add("alice");
    let a = ApiSource::new(js.server.port);
    let data = content(2 << 20, 12);
    let open = a.create(4 << 20, "open.mp4");
    assert_eq!(a.patch(&open, 0, &data[..1 << 20], &[]).status, 204);
    assert_eq!(a.offset(&open), 1 << 20);
    let uid = open.rsplit('/').next().unwrap().to_owned();

    let mut c = js.client();
    c.login(&mut alice);
    let sid = sid_of_page(&c.get("/sources").text());
    let action = format!("/sources/{sid}/uploads/{uid}/delete");
    let csrf = c.csrf(&format!("/sources/{sid}"));
    let r = c.post_form(&action, &[("csrf", &csrf), ("confirm", "yes")]);
    assert_eq!(r.status, 200, "{}", r.text());

    // The source's client is told the upload is gone, and nothing it sends brings it back.
    assert_eq!(a.req("HEAD", &open, &[], b"").status, 404);
    let r = a.patch(&open, 1 << 20, &data[1 << 20..(1 << 20) + 16], &[]);
    assert_eq!(r.status, 404, "{r:?}");
    assert_eq!(a.req("HEAD", &open, &[], b"").status, 404);
    assert!(all_items(&js.server).is_empty(), "no segment is left");
    let left: Vec<String> = std::fs::read_dir(js.server.spool().join("uploads"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&uid))
        .collect();
    assert!(left.is_empty(), "no state of the upload is left: {left:?}");
    // The source can start another upload (the deleted one no longer counts as open).
    let again = a.create(1 << 20, "again.mp4");
    assert_eq!(a.patch(&again, 0, &data[..1 << 20], &[]).status, 204);
}
