//! A source submits through a real onion service: a private Tor network on loopback
//! (`tests/support/tor-testnet`), `postern serve` on a unix socket behind it, and a raw HTTP
//! client over the Tor client's SOCKS5 port. The reviewer then gets the exact bytes.

use std::fs;
use std::time::Instant;

use crate::http::{Browser, Multipart, codename_of, csrf_of};
use crate::support::{Reviewer, Server, content, messages_in};
use crate::tornet::TorNet;

#[test]
fn a_source_submits_through_a_real_onion_service() {
    let started = Instant::now();
    let reviewer = Reviewer::new();
    // A short folder: a unix socket path must stay under 108 bytes.
    let sockdir = tempfile::Builder::new()
        .prefix("pt-")
        .tempdir_in("/tmp")
        .unwrap();
    let sock = sockdir.path().join("source.sock");
    let server = Server::new_unix(&reviewer.recipient, &sock, |c| c);
    // One public onion service `source` (with proof-of-work) that forwards port 80 to `sock`.
    let net = TorNet::start(
        "postern-tor-",
        [
            "--service".to_owned(),
            format!("source=unix:{}", sock.display()),
            "--pow".to_owned(),
            "source".to_owned(),
        ],
    );
    let onion = net.get("ONION_SOURCE").to_owned();
    assert!(
        onion.len() == 62 && onion.ends_with(".onion"),
        "a v3 onion name: {onion}"
    );
    let socks = net.get("SOCKS").to_owned();
    assert!(socks.starts_with("127.0.0.1:"), "{socks}");

    let mut b = Browser::over_tor(
        &socks,
        &onion,
        format!("source-{:016x}", rand::random::<u64>()),
        format!("{:016x}", rand::random::<u64>()),
    );
    let landing = b.send("GET", "/en/", &[], b"");
    assert_eq!(landing.status, 200, "{}", landing.text());
    assert!(
        b.form_cookie.is_some() && b.cookie.is_none(),
        "the landing page sets the forms' nonce cookie, and no session"
    );
    let form = |csrf: &str| format!("csrf={csrf}");
    let page = b.send(
        "POST",
        "/en/generate",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form(&csrf_of(&landing.text())).as_bytes(),
    );
    assert_eq!(page.status, 200, "{}", page.text());
    let codename = codename_of(&page.text());
    assert_eq!(codename.split(' ').count(), 7, "{codename}");

    let home = b.send("GET", "/en/home", &[], b"");
    assert_eq!(home.status, 200, "{}", home.text());
    let message = "Sent over a real onion service. Отправлено через onion-сервис.";
    let file = content(1024 * 1024 + 13, 77);
    let (ct, body) = Multipart::new()
        .text("csrf", &csrf_of(&home.text()))
        .text("message", message)
        .file("files", "onion-leak.bin", &file)
        .finish();
    let r = b.send("POST", "/en/submit", &[("Content-Type", &ct)], &body);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.text().contains("1 file"),
        "the thank-you page: {}",
        r.text()
    );
    assert_eq!(server.item_count(), 2);

    // The reviewer gets exactly what was sent.
    let out = reviewer.receive(&server, "Imported 2 new item(s) from 1 source(s)");
    assert!(
        fs::read(out.file("onion-leak.bin")).unwrap() == file,
        "the file arrived byte for byte"
    );
    let texts = messages_in(out.path());
    assert_eq!(texts, vec![message.to_owned()]);

    // A large upload with postern-send over the same network (resumable uploads, issue 6).
    crate::tus::postern_send_over_tor(&socks, &onion, &codename, &server, &reviewer);
    eprintln!("whole test: {:.1?}", started.elapsed());
    drop(net);
    drop(server);
}
