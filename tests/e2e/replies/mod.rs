//! Replies: from the reviewer on the air-gapped machine, through `postern import-replies`, to
//! the source's page (`delivery`); and every way a reply bundle can be wrong (`refused`).

mod delivery;
mod refused;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use postern_spool::ids::SourceId;
use postern_spool::spool::Spool;

use crate::http::{Browser, Multipart, codename_of, csrf_of};
use crate::support::{Server, bin, run, stderr};

pub const UA: &str = "Mozilla/5.0 (PosternReplyAgent-UA-51ad) Gecko/20100101";
/// HTML, a terminal escape sequence and Cyrillic, with a unique marker.
pub const REPLY: &str = "<script>alert('MARKER-REPLY-3e9d')</script> \u{1b}[31mRED\u{1b}[0m Ответ: спасибо, пришлите остальное.";

pub fn postern(server: &Server, args: &[&str]) -> Output {
    run(Command::new(bin("postern"))
        .args(args)
        .arg("--config")
        .arg(&server.config))
}

pub fn import_replies(server: &Server, bundle: &Path) -> Output {
    run(Command::new(bin("postern"))
        .arg("import-replies")
        .arg("--config")
        .arg(&server.config)
        .arg(bundle))
}

/// A server whose newsroom key is `key` (pinned before it starts).
pub fn server_trusting(recipient: &str, key: &str) -> Server {
    let mut server = Server::new(recipient, |c| c);
    server.kill();
    let out = postern(&server, &["trust-newsroom", key]);
    assert!(out.status.success(), "{}", stderr(&out));
    server.start();
    server
}

pub fn new_source(b: &mut Browser) -> String {
    let landing = b.get("/en/");
    let page = b.post_form("/en/generate", &[("csrf", &csrf_of(&landing.text()))]);
    assert_eq!(page.status, 200, "{}", page.text());
    let codename = codename_of(&page.text());
    let home = b.get("/en/home");
    let mp = Multipart::new()
        .text("csrf", &csrf_of(&home.text()))
        .text("message", "first message");
    let r = b.post_multipart("/en/submit", mp);
    assert_eq!(r.status, 200, "{}", r.text());
    codename
}

pub fn log_in(b: &mut Browser, lang: &str, codename: &str) {
    let page = b.get(&format!("/{lang}/login"));
    let r = b.post_form(
        &format!("/{lang}/login"),
        &[("csrf", &csrf_of(&page.text())), ("codename", codename)],
    );
    assert_eq!(r.status, 303, "{}", r.text());
}

pub fn log_out(b: &mut Browser) {
    let home = b.get("/en/home");
    let r = b.post_form("/en/logout", &[("csrf", &csrf_of(&home.text()))]);
    assert_eq!(r.status, 200);
}

pub fn the_source(server: &Server) -> SourceId {
    let spool = Spool::open(&server.spool()).unwrap();
    let sources = spool.sources().unwrap();
    assert_eq!(sources.len(), 1);
    sources[0]
}

pub fn reply_files(server: &Server, sid: &SourceId) -> Vec<PathBuf> {
    match fs::read_dir(
        server
            .spool()
            .join("sources")
            .join(sid.to_string())
            .join("replies"),
    ) {
        Ok(l) => l.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}
