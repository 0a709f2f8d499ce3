//! The walk of one source in one language, with JavaScript off: every page, a submission of a
//! message and two files, logging out and in, the language switch, a 320 px window; then the
//! reviewer checks what arrived, the newsroom replies, and the source reads and deletes the
//! reply. One test per language.

use std::fs;
use std::path::Path;
use std::time::Instant;

use fantoccini::{Client, Locator};

use super::{Driver, EN, Lang, NARROW, RU, Tab, WIDE, screenshot_dir, screenshot_root};
use crate::support::{Reviewer, Server, bin, content, messages_in, run, stderr};

/// What one source sent, for the reviewer to find.
struct Sent {
    message: String,
    files: Vec<(String, Vec<u8>)>,
    codename: String,
}

/// The whole walk of one source in one language: returns what was sent.
async fn walk(c: &Client, port: u16, l: &Lang, files_dir: &Path, seed: u32) -> Sent {
    let code = l.code;
    let mut t = Tab {
        c,
        base: format!("http://127.0.0.1:{port}"),
        shots: screenshot_dir(code),
        n: 0,
    };
    c.set_window_size(WIDE.0, WIDE.1).await.unwrap();

    // Landing → "Get a codename".
    t.goto(&format!("/{code}/")).await;
    assert_eq!(
        t.find("html").await.attr("lang").await.unwrap().as_deref(),
        Some(code)
    );
    t.shot("landing").await;
    let button = t
        .find(&format!("form[action='/{code}/generate'] button"))
        .await;
    assert_eq!(button.text().await.unwrap(), l.get_codename);
    t.click_to(button, &format!("/{code}/generate")).await;

    // The codename, shown once.
    t.assert_page(&format!("/{code}/generate"), code, l.codename_title)
        .await;
    let codename = t.text("p.codename").await;
    assert_eq!(codename.split(' ').count(), 7, "{codename:?}");
    assert!(
        codename
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch == ' ' || ch == '-'),
        "{codename:?}"
    );
    t.shot("codename").await;
    let next = t.find(&format!("a.button[href='/{code}/home']")).await;
    assert_eq!(next.text().await.unwrap(), l.continue_link);
    t.click_to(next, &format!("/{code}/home")).await;

    // Home, before anything was sent.
    t.assert_page(&format!("/{code}/home"), code, l.home_heading)
        .await;
    assert!(t.text("p.note").await.starts_with(l.home_unknown));
    t.shot("home").await;

    // A message with Cyrillic and a unique marker, and two files chosen at once.
    let marker = format!("BROWSER-MARKER-{code}-{:08x}", rand::random::<u32>());
    let message = format!("{marker} Документы во вложении — два файла. Two files attached.");
    let files = vec![
        (
            l.file_name.to_owned(),
            format!("Notes, заметки: {marker}\n").into_bytes(),
        ),
        (format!("browser-{code}-data.bin"), content(70_001, seed)),
    ];
    let mut paths = Vec::new();
    for (name, bytes) in &files {
        let p = files_dir.join(name);
        fs::write(&p, bytes).unwrap();
        paths.push(p.to_str().unwrap().to_owned());
    }
    t.find("textarea#message")
        .await
        .send_keys(&message)
        .await
        .unwrap();
    t.find("input#files[type=file]")
        .await
        .send_keys(&paths.join("\n"))
        .await
        .unwrap();
    assert_eq!(
        t.find("textarea#message")
            .await
            .prop("value")
            .await
            .unwrap(),
        Some(message.clone()),
        "the message was typed as given"
    );
    t.shot("home-filled").await;
    let send = t
        .find(&format!("form[action='/{code}/submit'] button"))
        .await;
    assert_eq!(send.text().await.unwrap(), l.submit);
    t.click_to(send, &format!("/{code}/submit")).await;

    // Thank you: the message and both files.
    assert_eq!(t.text("p.notice").await, l.stored_two_files);
    t.shot("submitted").await;

    // Log out with the button in the header.
    let logout = t.find(".header-logout button").await;
    t.click_to(logout, &format!("/{code}/logout")).await;
    t.assert_page(&format!("/{code}/logout"), code, l.logged_out_heading)
        .await;
    let main = t.text("main").await;
    assert!(main.contains(l.new_identity), "{main}");
    assert!(main.contains("Ctrl+Shift+U"), "{main}");
    assert!(
        c.find(Locator::Css(".header-logout")).await.is_err(),
        "no logout button once logged out"
    );
    t.shot("logged-out").await;

    // Back to the start page, then "I already have a codename".
    let start = c.find(Locator::LinkText(l.link_start)).await.unwrap();
    t.click_to(start, &format!("/{code}/")).await;
    let login = c.find(Locator::LinkText(l.have_codename)).await.unwrap();
    t.click_to(login, &format!("/{code}/login")).await;
    t.assert_page(&format!("/{code}/login"), code, l.login_title)
        .await;
    t.shot("login").await;
    let input = t.find("input#codename").await;
    assert_eq!(
        input.attr("type").await.unwrap().as_deref(),
        Some("password")
    );
    input.send_keys(&codename).await.unwrap();
    let enter = t
        .find(&format!("form[action='/{code}/login'] button"))
        .await;
    t.click_to(enter, &format!("/{code}/home")).await;

    // Home again, as the same source: the "nothing sent yet" note is gone.
    t.assert_page(&format!("/{code}/home"), code, l.home_heading)
        .await;
    assert!(
        c.find(Locator::Css("p.note")).await.is_err(),
        "logged in again as the source that submitted"
    );
    t.find("section.logout button").await;
    t.shot("home-again").await;

    // The language switch keeps the page and the session.
    let other = t
        .find(&format!("nav.langs a[hreflang='{}']", l.other))
        .await;
    t.click_to(other, &format!("/{}/home", l.other)).await;
    t.assert_page(&format!("/{}/home", l.other), l.other, l.other_home_heading)
        .await;
    assert!(c.find(Locator::Css("p.note")).await.is_err());
    let current = t.find("nav.langs a[aria-current='page']").await;
    assert_eq!(
        current.attr("hreflang").await.unwrap().as_deref(),
        Some(l.other)
    );
    t.shot(&format!("home-switched-to-{}", l.other)).await;
    let back = t.find(&format!("nav.langs a[hreflang='{code}']")).await;
    t.click_to(back, &format!("/{code}/home")).await;
    t.assert_page(&format!("/{code}/home"), code, l.home_heading)
        .await;
    let logout = t.find("section.logout button").await;
    t.click_to(logout, &format!("/{code}/logout")).await;
    t.assert_page(&format!("/{code}/logout"), code, l.logged_out_heading)
        .await;

    // A 320 px window: every page fits, without a sideways scroll bar.
    c.set_window_size(NARROW, 700).await.unwrap();
    t.goto(&format!("/{code}/")).await;
    assert_eq!(t.shot("landing-320").await.0, NARROW);
    t.assert_fits().await;
    let get = t
        .find(&format!("form[action='/{code}/generate'] button"))
        .await;
    t.click_to(get, &format!("/{code}/generate")).await;
    assert_eq!(t.shot("codename-320").await.0, NARROW);
    t.assert_fits().await;
    let next = t.find(&format!("a.button[href='/{code}/home']")).await;
    t.click_to(next, &format!("/{code}/home")).await;
    assert_eq!(t.shot("home-320").await.0, NARROW);
    t.assert_fits().await;
    let logout = t.find("section.logout button").await;
    t.click_to(logout, &format!("/{code}/logout")).await;
    t.goto(&format!("/{code}/login")).await;
    assert_eq!(t.shot("login-320").await.0, NARROW);
    t.assert_fits().await;

    Sent {
        message,
        files,
        codename,
    }
}

/// A reply that tries to be markup and a terminal escape; the source must see it as text.
const BROWSER_REPLY: &str =
    "<b>not bold</b><script>document.title='pwned'</script> \u{1b}[31m Ответ редакции: спасибо.";

/// The source logs in again and reads the newsroom's reply as plain text, then deletes it.
async fn read_reply(c: &Client, port: u16, l: &Lang, codename: &str) {
    let code = l.code;
    let mut t = Tab {
        c,
        base: format!("http://127.0.0.1:{port}"),
        shots: screenshot_dir(code),
        n: 50,
    };
    c.set_window_size(WIDE.0, WIDE.1).await.unwrap();
    t.goto(&format!("/{code}/login")).await;
    t.find("input#codename")
        .await
        .send_keys(codename)
        .await
        .unwrap();
    let enter = t
        .find(&format!("form[action='/{code}/login'] button"))
        .await;
    t.click_to(enter, &format!("/{code}/home")).await;
    let shown = t.text("pre.reply").await;
    assert!(
        shown.contains("<b>not bold</b><script>document.title='pwned'</script>"),
        "the markup is shown as text: {shown:?}"
    );
    assert!(shown.contains("Ответ редакции: спасибо."), "{shown:?}");
    assert!(c.find(Locator::Css("pre.reply b")).await.is_err());
    assert!(c.find(Locator::Css("pre.reply script")).await.is_err());
    assert_ne!(c.title().await.unwrap(), "pwned");
    t.shot("home-reply").await;
    let delete = t
        .find(&format!("form[action='/{code}/replies/delete'] button"))
        .await;
    t.click_to(delete, &format!("/{code}/replies/delete")).await;
    assert_eq!(t.text("p.notice").await, l.reply_deleted);
    assert!(c.find(Locator::Css("pre.reply")).await.is_err());
    t.shot("reply-deleted").await;
    let logout = t.find("section.logout button").await;
    t.click_to(logout, &format!("/{code}/logout")).await;
}

/// The whole walk in `l` on a server of its own (the first source sent `seed`).
fn walk_in(l: &Lang, seed: u32) {
    let started = Instant::now();
    let reviewer = Reviewer::new();
    let server = Server::new(&reviewer.recipient, |config| {
        // The session cookie is Secure, which Chromium keeps only over https (or an onion).
        assert!(config.contains("cookie_secure = true"), "{config}");
        config.replace("cookie_secure = true", "cookie_secure = false")
    });
    let tmp = tempfile::tempdir().unwrap();
    let profile = tmp.path().join("profile");
    let files_dir = tmp.path().join("files");
    fs::create_dir_all(&files_dir).unwrap();
    let driver = Driver::start(tmp.path());

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sent = rt.block_on(async {
        let c = driver.session(&profile).await;
        // Scripts really are off: a page's <noscript> shows, its script does not run.
        c.goto(
            "data:text/html,<title>off</title><script>document.title='on'</script>\
             <noscript><p id=nojs>no script</p></noscript>",
        )
        .await
        .unwrap();
        assert_eq!(c.title().await.unwrap(), "off", "JavaScript is on");
        c.find(Locator::Id("nojs")).await.unwrap();
        let sent = walk(&c, server.port, l, &files_dir, seed).await;
        c.close().await.unwrap();
        sent
    });
    drop(driver);

    // The reviewer gets exactly what was typed and attached.
    let out = reviewer.receive(&server, "Imported 3 new item(s) from 1 source(s)");
    let extracted = fs::read_dir(out.path()).unwrap().count();
    assert_eq!(extracted, 3, "a message and two files");
    let messages = messages_in(out.path());
    assert_eq!(messages, vec![sent.message.clone()]);
    for (name, bytes) in &sent.files {
        let got =
            fs::read(out.file(name)).unwrap_or_else(|e| panic!("{name} was not extracted: {e}"));
        assert!(got == *bytes, "{name} differs from what was attached");
    }
    // The newsroom replies; the operator imports the bundle; the source reads its reply in its
    // language, as text, and deletes it.
    let spool = postern_spool::spool::Spool::open(&server.spool()).unwrap();
    let reply_file = tmp.path().join("reply.txt");
    fs::write(&reply_file, BROWSER_REPLY).unwrap();
    let sources = spool.sources().unwrap();
    assert_eq!(sources.len(), 1);
    reviewer.ok(&[
        "reply",
        &sources[0].to_string()[..12],
        "--file",
        reply_file.to_str().unwrap(),
    ]);
    let bundle = tmp.path().join("replies.tar");
    reviewer.ok(&["export-replies", "--to", bundle.to_str().unwrap()]);
    let mut server = server;
    server.kill();
    for args in [
        vec!["trust-newsroom", reviewer.signing_pub.as_str()],
        vec!["import-replies", bundle.to_str().unwrap()],
    ] {
        let out = run(std::process::Command::new(bin("postern"))
            .arg(args[0])
            .arg("--config")
            .arg(&server.config)
            .args(&args[1..]));
        assert!(out.status.success(), "{}", stderr(&out));
    }
    server.start();
    let driver = Driver::start(tmp.path());
    rt.block_on(async {
        let c = driver.session(&tmp.path().join("profile-2")).await;
        read_reply(&c, server.port, l, &sent.codename).await;
        c.close().await.unwrap();
    });
    drop(driver);

    eprintln!(
        "browser walk in {} done in {:.1} s; screenshots under {}",
        l.code,
        started.elapsed().as_secs_f64(),
        screenshot_root().join(l.code).display()
    );
}

/// Formerly one test walking both languages in turn.
mod a_source_with_javascript_off_walks_every_page {
    use super::*;

    #[test]
    fn in_english() {
        walk_in(&EN, 7);
    }

    #[test]
    fn in_russian() {
        walk_in(&RU, 8);
    }
}
