//! `postern-review` end to end: keys, trust, import (bundle and spool copy), list, read, extract,
//! and hostile names and text; every refusal of hostile input is in `refusals`.

mod bench;
mod by_source;
mod large_leak;
mod refusals;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use postern_spool::day::Day;
use postern_spool::envelope::Kind;

use crate::support::{Reviewer, ServerSpool, content, source_folder, stderr};

pub fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

pub fn short(id: &impl ToString) -> String {
    id.to_string()[..8].to_owned()
}

#[test]
fn bundle_round_trip_gives_identical_files_and_the_exact_message() {
    let reviewer = Reviewer::new();
    let mut server = ServerSpool::new(reviewer.recipients(), 1);
    let source = server.source();
    let message = "Meet me at the usual place.\nПриходите в обычное место.\n";
    let msg = server.store(&source, Kind::Message, "", message.as_bytes());
    let small = content(1000, 1);
    let big = content(5 * 1024 * 1024 + 123, 2);
    server.store(&source, Kind::File, "small.txt", &small);
    server.store(&source, Kind::File, "video.mp4", &big);
    let other = server.source();
    server.store(&other, Kind::File, "small.txt", b"a second source");

    let work = tempfile::tempdir().unwrap();
    let bundle = work.path().join("export.tar");
    server.bundle(&bundle);

    // Without a pinned key, nothing is imported.
    let out = reviewer.cmd(&["import", bundle.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no server key is pinned") && stderr(&out).contains("hint:"),
        "{}",
        stderr(&out)
    );

    reviewer.ok(&["trust", &server.verifying_key()]);
    let imported = reviewer.ok(&["import", bundle.to_str().unwrap()]);
    assert!(
        imported.contains("Imported 4 new item(s) from 2 source(s)"),
        "{imported}"
    );
    // Importing again adds nothing.
    let again = reviewer.ok(&["import", bundle.to_str().unwrap()]);
    assert!(
        again.contains("Imported 0 new item(s)") && again.contains("4 already imported"),
        "{again}"
    );

    let list = reviewer.ok(&["list"]);
    let designation = postern_spool::designation::designation(&source);
    assert!(
        list.contains(&designation) && list.contains(&short(&source)),
        "{list}"
    );
    let items = reviewer.ok(&["list", &short(&source)]);
    assert_eq!(
        items.lines().filter(|l| l.contains("file")).count(),
        2,
        "{items}"
    );
    assert!(items.contains("message"));

    let read = reviewer.ok(&["read", &short(&msg.item)]);
    // Every line of the message, behind the frame's bar.
    let framed: String = message.lines().map(|l| format!("\u{2502} {l}\n")).collect();
    assert!(read.contains(&framed), "{read}");

    let out = work.path().join("out");
    reviewer.ok(&[
        "extract",
        "--all",
        "--source",
        &designation,
        "--to",
        out.to_str().unwrap(),
    ]);
    // Filed by source, each name after its day (every mode of `extract` does this).
    assert_eq!(files_in(&out), vec![source_folder(&source)]);
    let out = out.join(source_folder(&source));
    let day = Day(20_421).to_string();
    let names = files_in(&out);
    assert_eq!(
        names,
        vec![
            format!("{day}_message-{}.txt", short(&msg.item)),
            format!("{day}_small.txt"),
            format!("{day}_video.mp4")
        ]
    );
    assert!(fs::read(out.join(format!("{day}_video.mp4"))).unwrap() == big);
    assert!(fs::read(out.join(format!("{day}_small.txt"))).unwrap() == small);
    assert_eq!(fs::read_to_string(out.join(&names[0])).unwrap(), message);
    for n in &names {
        assert_eq!(
            fs::metadata(out.join(n)).unwrap().permissions().mode() & 0o777,
            0o600,
            "{n}"
        );
    }
    // Extracting again never overwrites: it picks a new name.
    reviewer.ok(&[
        "extract",
        "--all",
        "--source",
        &short(&source),
        "--to",
        work.path().join("out").to_str().unwrap(),
    ]);
    assert!(files_in(&out).contains(&format!("{day}_small (2).txt")));
    assert!(fs::read(out.join(format!("{day}_small (2).txt"))).unwrap() == small);
}

#[test]
fn a_spool_copy_imports_like_a_bundle() {
    let reviewer = Reviewer::new();
    let mut server = ServerSpool::new(reviewer.recipients(), 2);
    let s = server.source();
    server.store(&s, Kind::File, "doc.pdf", b"%PDF-1.7 pretend");
    reviewer.ok(&["trust", &server.verifying_key()]);
    let out = reviewer.ok(&["import", server.root().to_str().unwrap()]);
    assert!(
        out.contains("Imported 1 new item(s) from 1 source(s)"),
        "{out}"
    );
}

#[test]
fn hostile_names_and_text_are_neutralised() {
    let reviewer = Reviewer::new();
    let mut server = ServerSpool::new(reviewer.recipients(), 6);
    let s = server.source();
    for (_, name) in crate::vectors::HOSTILE_NAMES {
        server.store(&s, Kind::File, name, b"hostile name, harmless content\n");
    }
    let msg = server.store(
        &s,
        Kind::Message,
        "",
        "before\u{1b}[2J\u{1b}]0;pwned\u{7}after \u{202e}txt.exe\r\n".as_bytes(),
    );
    reviewer.ok(&["trust", &server.verifying_key()]);
    reviewer.ok(&["import", server.root().to_str().unwrap()]);

    let read = reviewer.ok(&["read", &short(&msg.item)]);
    assert!(
        !read.contains('\u{1b}')
            && !read.contains('\u{7}')
            && !read.contains('\u{202e}')
            && !read.contains('\r'),
        "{read:?}"
    );
    assert!(
        read.contains("before\\u{1b}[2J\\u{1b}]0;pwned\\u{7}after \\u{202e}txt.exe\\u{d}"),
        "{read:?}"
    );

    let work = tempfile::tempdir().unwrap();
    let deep = work.path().join("a/b/c");
    let out = reviewer.ok(&["extract", "--all", "--to", deep.to_str().unwrap()]);
    assert!(!out.contains('\u{1b}'), "{out:?}");
    assert_eq!(files_in(&deep), vec![source_folder(&s)]);
    let folder = deep.join(source_folder(&s));
    let names = files_in(&folder);
    // Five files with hostile names, the message neutralised, and its raw bytes beside it.
    assert_eq!(names.len(), 7, "{names:?}");
    let m = short(&msg.item);
    let day = Day(20_421).to_string();
    let raw = fs::read(folder.join(format!("{day}_message-{m}.raw"))).unwrap();
    assert_eq!(
        raw,
        "before\u{1b}[2J\u{1b}]0;pwned\u{7}after \u{202e}txt.exe\r\n".as_bytes()
    );
    let shown = fs::read_to_string(folder.join(format!("{day}_message-{m}.txt"))).unwrap();
    assert_eq!(
        shown,
        "before\\u{1b}[2J\\u{1b}]0;pwned\\u{7}after \\u{202e}txt.exe\\u{d}\n"
    );
    for n in &names {
        assert!(
            !n.starts_with('.')
                && !n.contains('/')
                && !n.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{n:?}"
        );
    }
    for n in [
        "postern-escape.txt",
        "postern-escape-absolute.txt",
        "evil_name.txt",
        "invoice_fdp.exe",
    ] {
        let n = format!("{day}_{n}");
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    // Nothing was written anywhere above the destination.
    assert_eq!(files_in(&work.path().join("a/b")), vec!["c".to_string()]);
    assert_eq!(files_in(&work.path().join("a")), vec!["b".to_string()]);
    assert!(!Path::new("/tmp/postern-escape.txt").exists());
    assert!(!Path::new("/tmp/postern-escape-absolute.txt").exists());
}

#[test]
fn a_payload_that_fails_to_decrypt_leaves_no_file() {
    let reviewer = Reviewer::new();
    let mut server = ServerSpool::new(reviewer.recipients(), 7);
    let s = server.source();
    let rec = server.store(&s, Kind::File, "damaged.bin", &content(300_000, 9));
    reviewer.ok(&["trust", &server.verifying_key()]);
    reviewer.ok(&["import", server.root().to_str().unwrap()]);
    // Damage the stored ciphertext near its end: the first chunks still decrypt.
    let store_age = reviewer
        .home()
        .join("store/sources")
        .join(s.to_string())
        .join("items")
        .join(format!("{}.age", rec.item));
    let mut bytes = fs::read(&store_age).unwrap();
    let at = bytes.len() - 40;
    bytes[at] ^= 1;
    fs::write(&store_age, &bytes).unwrap();
    let work = tempfile::tempdir().unwrap();
    let out = reviewer.cmd(&[
        "extract",
        &short(&rec.item),
        "--to",
        work.path().to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("ciphertext is damaged"),
        "{}",
        stderr(&out)
    );
    let mut left = Vec::new();
    crate::support::all_files(work.path(), &mut left);
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn keys_are_never_overwritten_and_passphrases_checked() {
    let reviewer = Reviewer::new();
    let before = fs::read(reviewer.home().join("identity.age")).unwrap();
    let out = reviewer.cmd(&["keygen", "--scrypt-work-factor", "12"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert_eq!(
        fs::read(reviewer.home().join("identity.age")).unwrap(),
        before
    );
    let mode = fs::metadata(reviewer.home().join("identity.age"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // The key file is passphrase-encrypted: no secret key in it in the clear.
    assert!(!String::from_utf8_lossy(&before).contains("AGE-SECRET-KEY"));

    // A wrong passphrase is refused with a clear message.
    let mut server = ServerSpool::new(reviewer.recipients(), 8);
    let s = server.source();
    let m = server.store(&s, Kind::Message, "", b"hello");
    reviewer.ok(&["trust", &server.verifying_key()]);
    reviewer.ok(&["import", server.root().to_str().unwrap()]);
    fs::write(&reviewer.passphrase_file, "not the passphrase\n").unwrap();
    let out = reviewer.cmd(&["read", &short(&m.item)]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("wrong passphrase"),
        "{}",
        stderr(&out)
    );

    // Pinning a different server key needs --replace.
    let other = ServerSpool::new(reviewer.recipients(), 9);
    let out = reviewer.cmd(&["trust", &other.verifying_key()]);
    assert!(!out.status.success() && stderr(&out).contains("--replace"));
    let out = reviewer.cmd(&["trust", "ed25519:nothex"]);
    assert!(!out.status.success() && stderr(&out).contains("not a server key"));
}
