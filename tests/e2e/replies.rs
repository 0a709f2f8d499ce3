//! Replies: from the reviewer on the air-gapped machine, through `postern import-replies`, to
//! the source's page; and every way a reply bundle can be wrong.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use postern_spool::codename::Codename;
use postern_spool::day::Day;
use postern_spool::derive::{KdfParams, ServerSalt, derive};
use postern_spool::ids::{ItemId, SourceId};
use postern_spool::keys::SigningKey;
use postern_spool::recipients::Recipients;
use postern_spool::record::SourceRecord;
use postern_spool::replies::{SealedReply, seal_reply, write_reply_bundle};
use postern_spool::spool::Spool;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::http::{Browser, Multipart, codename_of, csrf_of};
use crate::support::{Reviewer, Server, bin, run, stderr, stdout};

const UA: &str = "Mozilla/5.0 (PosternReplyAgent-UA-51ad) Gecko/20100101";
/// HTML, a terminal escape sequence and Cyrillic, with a unique marker.
const REPLY: &str = "<script>alert('MARKER-REPLY-3e9d')</script> \u{1b}[31mRED\u{1b}[0m Ответ: спасибо, пришлите остальное.";

fn postern(server: &Server, args: &[&str]) -> Output {
    run(Command::new(bin("postern"))
        .args(args)
        .arg("--config")
        .arg(&server.config))
}

fn import_replies(server: &Server, bundle: &Path) -> Output {
    run(Command::new(bin("postern"))
        .arg("import-replies")
        .arg("--config")
        .arg(&server.config)
        .arg(bundle))
}

/// A server whose newsroom key is `key` (pinned before it starts).
fn server_trusting(recipient: &str, key: &str) -> Server {
    let mut server = Server::new(recipient, |c| c);
    server.kill();
    let out = postern(&server, &["trust-newsroom", key]);
    assert!(out.status.success(), "{}", stderr(&out));
    server.start();
    server
}

fn new_source(b: &mut Browser) -> String {
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

fn log_in(b: &mut Browser, lang: &str, codename: &str) {
    let page = b.get(&format!("/{lang}/login"));
    let r = b.post_form(
        &format!("/{lang}/login"),
        &[("csrf", &csrf_of(&page.text())), ("codename", codename)],
    );
    assert_eq!(r.status, 303, "{}", r.text());
}

fn log_out(b: &mut Browser) {
    let home = b.get("/en/home");
    let r = b.post_form("/en/logout", &[("csrf", &csrf_of(&home.text()))]);
    assert_eq!(r.status, 200);
}

fn the_source(server: &Server) -> SourceId {
    let spool = Spool::open(&server.spool()).unwrap();
    let sources = spool.sources().unwrap();
    assert_eq!(sources.len(), 1);
    sources[0]
}

fn reply_files(server: &Server, sid: &SourceId) -> Vec<PathBuf> {
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

fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            all_files(&e.path(), out);
        } else {
            out.push(e.path());
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_reply_reaches_the_source_exactly_and_deletion_removes_it() {
    let reviewer = Reviewer::new();
    let server = server_trusting(&reviewer.recipient, &reviewer.signing_pub);
    let mut b = Browser::new(server.port, UA);
    let codename = new_source(&mut b);
    let sid = the_source(&server);
    let sid8 = &sid.to_string()[..8];

    // The journalist imports, reads, replies and exports.
    reviewer.ok(&["trust", &server.signing_pub()]);
    reviewer.ok(&["import", server.spool().to_str().unwrap()]);
    let listing = reviewer.ok(&["list", sid8]);
    assert!(listing.contains("message"), "{listing}");
    assert!(
        listing.contains("new"),
        "the last import is marked new: {listing}"
    );
    let text_file = reviewer.dir.path().join("reply.txt");
    fs::write(&text_file, REPLY).unwrap();
    let out = reviewer.ok(&["reply", sid8, "--file", text_file.to_str().unwrap()]);
    assert!(out.contains("queued"), "{out}");
    // The journalists keep the reply: it is in the conversation, and reads as text.
    let listing = reviewer.ok(&["list", sid8]);
    let reply_line = listing.lines().find(|l| l.contains("reply")).unwrap();
    let reply_id8 = reply_line.split_whitespace().next().unwrap().to_owned();
    let shown = reviewer.ok(&["read", &reply_id8]);
    assert!(shown.contains("Ответ: спасибо"), "{shown}");
    assert!(
        !shown.contains('\u{1b}'),
        "an escape reached the terminal: {shown:?}"
    );
    let bundle = reviewer.dir.path().join("replies.tar");
    reviewer.ok(&["export-replies", "--to", bundle.to_str().unwrap()]);
    // Nothing left to export; the file is never overwritten.
    let again = reviewer.cmd(&["export-replies", "--to", bundle.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("no reply is waiting"),
        "{}",
        stderr(&again)
    );

    // The server imports it, once.
    let out = import_replies(&server, &bundle);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Imported 1 new reply"),
        "{}",
        stdout(&out)
    );
    let out = import_replies(&server, &bundle);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("0 new") && stdout(&out).contains("1 already delivered"));
    assert_eq!(reply_files(&server, &sid).len(), 2);

    // The source, in the same session and after logging in again, sees the exact text, as text.
    let escaped = "&#60;script&#62;alert(&#39;MARKER-REPLY-3e9d&#39;)&#60;/script&#62;";
    for relogin in [false, true] {
        if relogin {
            log_out(&mut b);
            log_in(&mut b, "en", &codename);
        }
        let home = b.get("/en/home").text();
        assert!(home.contains(escaped), "{home}");
        assert!(!home.contains("<script>"), "{home}");
        assert!(!home.contains('\u{1b}'), "a raw escape reached the page");
        assert!(home.contains("\u{fffd}[31mRED"), "{home}");
        assert!(
            home.contains("Ответ: спасибо, пришлите остальное."),
            "{home}"
        );
    }
    // In the Russian interface too.
    log_out(&mut b);
    log_in(&mut b, "ru", &codename);
    let home = b.get("/ru/home").text();
    assert!(home.contains("Ответ от"), "{home}");
    assert!(home.contains("Удалить этот ответ"), "{home}");
    assert!(home.contains("Ответ: спасибо"), "{home}");

    // Another source sees none of it.
    let mut other = Browser::new(server.port, UA);
    new_source(&mut other);
    assert!(!other.get("/en/home").text().contains("MARKER-REPLY"));

    // The source deletes it: gone from the page and from the spool.
    let id = home
        .split("name=\"reply\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 32);
    // A forged token deletes nothing.
    let r = b.post_form(
        "/ru/replies/delete",
        &[("csrf", &"0".repeat(64)), ("reply", &id)],
    );
    assert_eq!(r.status, 403);
    assert_eq!(reply_files(&server, &sid).len(), 2);
    let r = b.post_form(
        "/ru/replies/delete",
        &[("csrf", &csrf_of(&home)), ("reply", &id)],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("Ответ удалён."), "{}", r.text());
    assert!(!r.text().contains("MARKER-REPLY"));
    assert!(
        reply_files(&server, &sid)
            .iter()
            .all(|p| p.extension().unwrap() == "deleted"),
        "only the deletion marker is left"
    );
    // Importing the same bundle again does not bring it back.
    let out = import_replies(&server, &bundle);
    assert!(stdout(&out).contains("0 new"), "{}", stdout(&out));
    assert!(!b.get("/en/home").text().contains("MARKER-REPLY"));

    // The source can go on writing in the same conversation.
    let home = b.get("/en/home");
    let mp = Multipart::new()
        .text("csrf", &csrf_of(&home.text()))
        .text("message", "second message");
    assert_eq!(b.post_multipart("/en/submit", mp).status, 200);
    assert_eq!(server.item_count(), 3);

    // Nothing of the reply's text or the codename is in the logs or the data folder.
    let log = server.log_text();
    for marker in ["MARKER-REPLY-3e9d", "Ответ", codename.as_str(), UA] {
        assert!(!log.contains(marker), "log carries {marker:?}:\n{log}");
    }
    let mut files = Vec::new();
    all_files(&server.data(), &mut files);
    for f in files {
        let bytes = fs::read(&f).unwrap();
        for marker in ["MARKER-REPLY-3e9d", "Ответ", codename.as_str()] {
            assert!(
                !contains(&bytes, marker.as_bytes()),
                "{} carries {marker:?}",
                f.display()
            );
        }
    }
}

#[test]
fn the_reply_identity_is_in_no_file_and_no_log() {
    let reviewer = Reviewer::new();
    let server = server_trusting(&reviewer.recipient, &reviewer.signing_pub);
    let mut b = Browser::new(server.port, UA);
    let codename = new_source(&mut b);
    let sid = the_source(&server);
    reviewer.ok(&["trust", &server.signing_pub()]);
    reviewer.ok(&["import", server.spool().to_str().unwrap()]);
    // This time from $EDITOR: a script standing in for the journalist's editor.
    let editor = reviewer.dir.path().join("editor.sh");
    fs::write(&editor, "#!/bin/sh\nprintf 'a reply' > \"$1\"\n").unwrap();
    run(Command::new("chmod").arg("700").arg(&editor));
    let out = run(Command::new(bin("postern-review"))
        .arg("--home")
        .arg(reviewer.home())
        .arg("--passphrase-file")
        .arg(&reviewer.passphrase_file)
        .args(["reply", &sid.to_string()[..8]])
        .env_remove("VISUAL")
        .env("EDITOR", &editor));
    assert!(out.status.success(), "{}", stderr(&out));
    // The draft is gone once the reply is sealed.
    let drafts = fs::read_dir(reviewer.home())
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy().starts_with("reply-draft")
        })
        .count();
    assert_eq!(drafts, 0);
    let bundle = reviewer.dir.path().join("replies.tar");
    reviewer.ok(&["export-replies", "--to", bundle.to_str().unwrap()]);
    assert!(import_replies(&server, &bundle).status.success());
    // Log in again (the identity is derived and kept in memory) and read the reply.
    log_out(&mut b);
    log_in(&mut b, "en", &codename);
    assert!(b.get("/en/home").text().contains("a reply"));

    // The identity the server held: derived here the same way, from the codename and the salt.
    let salt = fs::read_to_string(server.data().join("salt")).unwrap();
    let keys = derive(
        &Codename::parse(&codename).unwrap(),
        &ServerSalt::parse(salt.trim()).unwrap(),
        KdfParams::DEFAULT,
    )
    .unwrap();
    assert_eq!(keys.id, sid, "the test derives what the server derived");
    use age::secrecy::ExposeSecret;
    // Both halves of the reply identity: the classical one and the hybrid one.
    let secrets = [
        keys.reply_identity()
            .classical()
            .to_string()
            .expose_secret()
            .to_owned(),
        keys.reply_identity()
            .hybrid()
            .to_secret_string()
            .expose_secret()
            .to_owned(),
    ];
    let mut files = Vec::new();
    all_files(&server.data(), &mut files);
    files.push(server.log.clone());
    for secret in &secrets {
        let (_, raw) = bech32::decode(secret).unwrap();
        assert_eq!(raw.len(), 32);
        for f in &files {
            let bytes = fs::read(f).unwrap();
            for needle in [
                secret.as_bytes(),
                secret.to_lowercase().as_bytes(),
                &raw[..],
                hex::encode(&raw).as_bytes(),
            ] {
                assert!(
                    !contains(&bytes, needle),
                    "{} holds the reply identity",
                    f.display()
                );
            }
        }
    }
}

/// Bundles made with the library, signed by a newsroom key the test holds.
struct Newsroom {
    key: SigningKey,
    recipients: Recipients,
}

fn sealed_for(n: &Newsroom, source: &SourceRecord, text: &str, seed: u64) -> SealedReply {
    seal_reply(
        &mut StdRng::seed_from_u64(seed),
        text,
        source,
        &n.recipients,
        Day(20_500),
        &n.key,
    )
    .unwrap()
}

fn bundle_of(key: &SigningKey, replies: &[SealedReply]) -> Vec<u8> {
    write_reply_bundle(
        &mut StdRng::seed_from_u64(1),
        Vec::new(),
        Day(20_500),
        key,
        replies,
    )
    .unwrap()
}

/// A tar stream written by hand, so that names tar libraries refuse (`../x`) can be made.
fn raw_tar(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in entries {
        let mut h = [0u8; 512];
        // Long names go into the ustar prefix field, split at a '/'.
        let (prefix, short) = match name.len() {
            0..=100 => ("", *name),
            _ => name.rsplit_once('/').unwrap(),
        };
        assert!(short.len() <= 100 && prefix.len() <= 155, "{name}");
        h[..short.len()].copy_from_slice(short.as_bytes());
        h[345..345 + prefix.len()].copy_from_slice(prefix.as_bytes());
        h[100..107].copy_from_slice(b"0000600");
        h[108..115].copy_from_slice(b"0000000");
        h[116..123].copy_from_slice(b"0000000");
        h[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
        h[136..147].copy_from_slice(b"00000000000");
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

/// Every entry of a tar stream: (name, data).
fn entries_of(bundle: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut a = tar::Archive::new(bundle);
    a.entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let name = String::from_utf8(e.path_bytes().into_owned()).unwrap();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut e, &mut data).unwrap();
            (name, data)
        })
        .collect()
}

#[test]
fn bundles_that_are_not_what_the_newsroom_signed_are_refused_whole() {
    let mut rng = StdRng::seed_from_u64(42);
    let reviewer = Reviewer::new();
    let newsroom = Newsroom {
        key: SigningKey::generate(&mut rng),
        recipients: reviewer.recipients(),
    };
    let server = server_trusting(
        &reviewer.recipient,
        &newsroom.key.verifying_key().to_string(),
    );
    let mut b = Browser::new(server.port, UA);
    new_source(&mut b);
    let sid = the_source(&server);
    let rec_bytes = fs::read(
        server
            .spool()
            .join("sources")
            .join(sid.to_string())
            .join("source.rec"),
    )
    .unwrap();
    let server_key = postern_spool::keys::VerifyingKey::parse(&server.signing_pub()).unwrap();
    let source = SourceRecord::parse_verified(&rec_bytes, &server_key).unwrap();
    let good = [
        sealed_for(&newsroom, &source, "one", 1),
        sealed_for(&newsroom, &source, "two", 2),
    ];
    let good_bundle = bundle_of(&newsroom.key, &good);

    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    // Signed by another key (a forged newsroom).
    let forger = SigningKey::generate(&mut rng);
    let forged = [seal_reply(
        &mut rng,
        "forged",
        &source,
        &newsroom.recipients,
        Day(1),
        &forger,
    )
    .unwrap()];
    cases.push(("signed by another key", bundle_of(&forger, &forged)));
    // Unsigned: the manifest left out.
    let entries = entries_of(&good_bundle);
    let without_manifest: Vec<(&str, &[u8])> = entries
        .iter()
        .filter(|(n, _)| !n.ends_with("MANIFEST"))
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    cases.push(("unsigned", raw_tar(&without_manifest)));
    // Altered after signing: one byte of a ciphertext, and one of a record.
    for (what, suffix) in [("altered ciphertext", ".age"), ("altered record", ".rec")] {
        let altered: Vec<(String, Vec<u8>)> = entries
            .iter()
            .map(|(n, d)| {
                let mut d = d.clone();
                if n.ends_with(suffix) && !n.ends_with("MANIFEST") {
                    let mid = d.len() / 2;
                    d[mid] ^= 0x20;
                }
                (n.clone(), d)
            })
            .collect();
        let refs: Vec<(&str, &[u8])> = altered
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        cases.push((what, raw_tar(&refs)));
    }
    // One reply dropped on the way (the signed manifest still lists it).
    let dropped: Vec<(&str, &[u8])> = entries[..entries.len() - 2]
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    cases.push(("a reply dropped", raw_tar(&dropped)));
    // Truncated in the middle.
    cases.push(("truncated", good_bundle[..good_bundle.len() / 2].to_vec()));
    // Aimed at a source this server does not know.
    let stranger = SourceRecord {
        source: SourceId::from_bytes([0x5a; 32]),
        reply: age::x25519::Identity::generate().to_public().to_string(),
        day: Day(20_000),
    };
    let mixed = [
        sealed_for(&newsroom, &source, "fine", 3),
        sealed_for(&newsroom, &stranger, "lost", 4),
    ];
    cases.push(("an unknown source", bundle_of(&newsroom.key, &mixed)));
    // Path tricks in the names.
    for trick in [
        "../../etc/passwd",
        "/etc/passwd",
        "postern-replies/../x.age",
    ] {
        let mut tricked: Vec<(&str, &[u8])> = entries
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        tricked[2].0 = trick;
        cases.push(("a path trick", raw_tar(&tricked)));
    }
    // Sealed to the newsroom but not to the source: the source could never read it.
    let wrong_recipient = SourceRecord {
        reply: age::x25519::Identity::generate().to_public().to_string(),
        ..source.clone()
    };
    let unreadable = [sealed_for(&newsroom, &wrong_recipient, "unreadable", 5)];
    cases.push((
        "not sealed to the source",
        bundle_of(&newsroom.key, &unreadable),
    ));

    let dir = tempfile::tempdir().unwrap();
    for (i, (what, bytes)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("case-{i}.tar"));
        fs::File::create(&path).unwrap().write_all(bytes).unwrap();
        let out = import_replies(&server, &path);
        assert!(!out.status.success(), "{what}: accepted");
        let err = stderr(&out);
        assert!(err.contains("nothing was imported"), "{what}: {err}");
        eprintln!("{what}: {}", err.trim());
        assert!(
            reply_files(&server, &sid).is_empty(),
            "{what}: something was written"
        );
        assert!(server.temporaries().is_empty(), "{what}: temporaries left");
    }

    // From standard input, the good bundle goes in whole.
    let out = Command::new(bin("postern"))
        .args(["import-replies", "--config"])
        .arg(&server.config)
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map(|mut c| {
            c.stdin.take().unwrap().write_all(&good_bundle).unwrap();
            c.wait_with_output().unwrap()
        })
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(reply_files(&server, &sid).len(), 4);
    // The hand-made tar of the untouched entries is a valid bundle: the faults above were
    // refused for what was changed, not for how the test wrote the tar.
    let path = dir.path().join("rewritten.tar");
    let same: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    fs::write(&path, raw_tar(&same)).unwrap();
    let out = import_replies(&server, &path);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("2 already"), "{}", stdout(&out));
    let home = b.get("/en/home").text();
    assert!(
        home.contains(">one</pre>") && home.contains(">two</pre>"),
        "{home}"
    );

    // A reply planted in the outbox without the newsroom's signature is never shown.
    let planted = seal_reply(
        &mut rng,
        "PLANTED",
        &source,
        &newsroom.recipients,
        Day(1),
        &forger,
    )
    .unwrap();
    let spool = Spool::open(&server.spool()).unwrap();
    let planted_id = ItemId::random(&mut rng);
    spool
        .install_reply(
            &mut rng,
            &sid,
            &planted_id,
            &planted.ciphertext,
            planted.record_text.as_bytes(),
        )
        .unwrap();
    let home = b.get("/en/home").text();
    assert!(!home.contains("PLANTED"), "{home}");
    assert!(home.contains(">one</pre>"));

    // Without a pinned key, nothing is imported.
    let mut bare = Server::new(&reviewer.recipient, |c| c);
    bare.kill();
    let path = dir.path().join("good.tar");
    fs::write(&path, &good_bundle).unwrap();
    let out = import_replies(&bare, &path);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no newsroom key is pinned"),
        "{}",
        stderr(&out)
    );
}
