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
