//! A reply bundle uploaded on the journalist interface: checked like `postern import-replies`
//! (CSRF first, all or nothing, once), then read by the source.

use std::fs;

use super::{JServer, JournalistLogin, UA, source_submits, spool_sources};
use crate::http::{Browser, Multipart, csrf_of};
use crate::support::stderr;

#[test]
fn journalist_uploads_a_reply_bundle_checked_like_import_replies() {
    let (mut js, reviewer) = JServer::new("");
    let out = js.cli(&["trust-newsroom", &reviewer.signing_pub]);
    assert!(out.status.success(), "{}", stderr(&out));
    js.restart();
    let codename = source_submits(&js.server, "hello", &[]);
    let sid = spool_sources(&js.server)[0];
    reviewer.ok(&["trust", &js.server.signing_pub()]);
    reviewer.ok(&["import", js.server.spool().to_str().unwrap()]);
    let text = reviewer.dir.path().join("reply.txt");
    fs::write(&text, "MARKER-WEB-REPLY thank you").unwrap();
    reviewer.ok(&[
        "reply",
        &sid.to_string()[..8],
        "--file",
        text.to_str().unwrap(),
    ]);
    let bundle_path = reviewer.dir.path().join("replies.tar");
    reviewer.ok(&["export-replies", "--to", bundle_path.to_str().unwrap()]);
    let bundle = fs::read(&bundle_path).unwrap();
    let replies_dir = js
        .server
        .spool()
        .join("sources")
        .join(sid.to_string())
        .join("replies");
    let stored = || fs::read_dir(&replies_dir).map(|d| d.count()).unwrap_or(0);

    let mut alice = js.add("alice");
    let mut c = js.client();
    c.login(&mut alice);
    let upload = |c: &mut Browser, csrf: &str, data: &[u8]| {
        let (ct, body) = Multipart::new()
            .text("csrf", csrf)
            .file("bundle", "replies.tar", data)
            .finish();
        c.send("POST", "/replies", &[("Content-Type", &ct)], &body)
    };
    // A forged token: refused before the bundle is read.
    let r = upload(&mut c, &"0".repeat(64), &bundle);
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(stored(), 0);
    let csrf = c.csrf("/sources");
    assert!(c.get("/sources").text().contains("action=\"/replies\""));
    // Altered in transit: refused whole.
    let mut altered = bundle.clone();
    let mid = altered.len() / 2;
    altered[mid] ^= 0x10;
    let r = upload(&mut c, &csrf, &altered);
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("nothing was imported"), "{}", r.text());
    assert_eq!(stored(), 0);
    // The real one goes in, once.
    let r = upload(&mut c, &csrf, &bundle);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("Imported 1 new reply"), "{}", r.text());
    let r = upload(&mut c, &csrf, &bundle);
    assert!(r.text().contains("1 already delivered"), "{}", r.text());
    assert_eq!(stored(), 2);
    // The source reads it.
    let mut b = Browser::new(js.server.port, UA);
    let page = b.get("/en/login");
    let r = b.post_form(
        "/en/login",
        &[("csrf", &csrf_of(&page.text())), ("codename", &codename)],
    );
    assert_eq!(r.status, 303);
    assert!(
        b.get("/en/home")
            .text()
            .contains("MARKER-WEB-REPLY thank you")
    );
    assert!(!js.server.log_text().contains("MARKER-WEB-REPLY"));
}
