//! A reply travels from `postern-review reply` through `postern import-replies` to the source,
//! who reads it exactly (as text, in both languages) and deletes it; and the reply identity the
//! server derives for that is in no file and no log.

use std::fs;
use std::process::Command;

use postern_spool::codename::Codename;
use postern_spool::derive::{KdfParams, ServerSalt, derive};

use super::{
    REPLY, UA, import_replies, log_in, log_out, new_source, reply_files, server_trusting,
    the_source,
};
use crate::http::{Browser, Multipart, csrf_of};
use crate::support::{Reviewer, all_files, bin, contains, run, stderr, stdout};

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
