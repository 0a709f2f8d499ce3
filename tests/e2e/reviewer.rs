//! `postern-review` end to end: keys, trust, import (bundle and spool copy), list, read, extract,
//! and every refusal of hostile input.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use postern_spool::envelope::Kind;

use crate::support::{Reviewer, ServerSpool, content, stderr, stdout};

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn short(id: &impl ToString) -> String {
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
    let names = files_in(&out);
    assert_eq!(
        names,
        vec![
            format!("message-{}.txt", short(&msg.item)),
            "small.txt".into(),
            "video.mp4".into()
        ]
    );
    assert!(fs::read(out.join("video.mp4")).unwrap() == big);
    assert!(fs::read(out.join("small.txt")).unwrap() == small);
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
        out.to_str().unwrap(),
    ]);
    assert!(files_in(&out).contains(&"small (2).txt".to_string()));
    assert!(fs::read(out.join("small (2).txt")).unwrap() == small);
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

/// Runs an import that must be refused, and checks that the store stayed empty.
fn refused(reviewer: &Reviewer, input: &Path, expect: &str) {
    let out = reviewer.cmd(&["import", input.to_str().unwrap()]);
    let err = stderr(&out);
    assert!(
        !out.status.success(),
        "import of {} succeeded: {}",
        input.display(),
        stdout(&out)
    );
    assert!(err.contains(expect), "expected {expect:?} in:\n{err}");
    assert!(err.contains("hint:"), "no next step in:\n{err}");
    let list = reviewer.ok(&["list"]);
    assert!(
        list.contains("No sources yet"),
        "something was imported: {list}"
    );
    // No staged leftovers either.
    assert!(files_in(&reviewer.home().join("store/tmp")).is_empty());
}

#[test]
fn altered_unsigned_or_foreign_input_is_refused_whole() {
    let reviewer = Reviewer::new();
    let mut server = ServerSpool::new(reviewer.recipients(), 3);
    let s = server.source();
    let a = server.store(&s, Kind::File, "a.bin", &content(200_000, 5));
    server.store(&s, Kind::File, "b.bin", &content(1000, 6));
    reviewer.ok(&["trust", &server.verifying_key()]);
    let work = tempfile::tempdir().unwrap();

    // Signed by another server.
    let impostor = ServerSpool::new(reviewer.recipients(), 4);
    let mut impostor = impostor;
    let is = impostor.source();
    impostor.store(&is, Kind::File, "x", b"x");
    refused(
        &reviewer,
        &impostor.root(),
        "does not verify with the pinned server key",
    );
    let ib = work.path().join("impostor.tar");
    impostor.bundle(&ib);
    refused(&reviewer, &ib, "does not verify with the pinned server key");

    // One byte of one ciphertext altered, in a spool copy and in a bundle.
    let copy = work.path().join("copy");
    copy_dir(&server.root(), &copy);
    let (age_path, _) = server.spool.item_paths(&s, &a.item);
    let rel = age_path.strip_prefix(server.root()).unwrap();
    let mut bytes = fs::read(copy.join(rel)).unwrap();
    bytes[5000] ^= 0x20;
    fs::write(copy.join(rel), &bytes).unwrap();
    refused(&reviewer, &copy, "does not match its signed record");
    let good = work.path().join("good.tar");
    server.bundle(&good);
    let mut tar = fs::read(&good).unwrap();
    let at = find(&tar, &fs::read(&age_path).unwrap()[..64]).unwrap() + 3000;
    tar[at] ^= 0x01;
    let altered = work.path().join("altered.tar");
    fs::write(&altered, &tar).unwrap();
    refused(&reviewer, &altered, "does not match its signed record");

    // Truncated bundle.
    let tar = fs::read(&good).unwrap();
    let cut = work.path().join("cut.tar");
    fs::write(&cut, &tar[..tar.len() / 2]).unwrap();
    refused(&reviewer, &cut, "bundle refused");

    // An unsigned item slipped into a spool copy: with a forged record, and with none.
    let copy2 = work.path().join("copy2");
    copy_dir(&server.root(), &copy2);
    let items_dir = copy2.join(rel).parent().unwrap().to_path_buf();
    fs::write(
        items_dir.join(format!("{}.age", "ab".repeat(16))),
        b"age-encryption.org/v1\n",
    )
    .unwrap();
    refused(
        &reviewer,
        &copy2,
        "without both its ciphertext and its signed record",
    );
    let forged = fs::read_to_string(items_dir.join(format!("{}.rec", a.item)))
        .unwrap()
        .replace(&a.item.to_string(), &"ab".repeat(16));
    fs::write(items_dir.join(format!("{}.rec", "ab".repeat(16))), forged).unwrap();
    refused(
        &reviewer,
        &copy2,
        "does not verify with the pinned server key",
    );

    // A symlink or a stray file in a spool copy.
    let copy3 = work.path().join("copy3");
    copy_dir(&server.root(), &copy3);
    std::os::unix::fs::symlink("/etc/passwd", copy3.join(rel).with_file_name("evil.rec")).unwrap();
    refused(&reviewer, &copy3, "items folder");

    // Not a spool, not a bundle.
    refused(&reviewer, work.path(), "not a Postern spool");
    let junk = work.path().join("junk.tar");
    fs::write(&junk, vec![0x41u8; 4096]).unwrap();
    refused(&reviewer, &junk, "bundle refused");

    // After all that, the good bundle still imports.
    assert!(
        reviewer
            .ok(&["import", good.to_str().unwrap()])
            .contains("Imported 2 new item(s)")
    );
}

#[test]
fn bundle_path_tricks_are_refused() {
    let reviewer = Reviewer::new();
    let mut server = ServerSpool::new(reviewer.recipients(), 5);
    let s = server.source();
    server.store(&s, Kind::File, "a", b"a");
    reviewer.ok(&["trust", &server.verifying_key()]);
    let work = tempfile::tempdir().unwrap();
    let source_rec = fs::read(server.spool.source_record_path(&s)).unwrap();
    let sid = s.to_string();
    let evil_names = [
        format!("postern-bundle/sources/{sid}/../../../../tmp/evil.rec"),
        format!("/postern-bundle/sources/{sid}/source.rec"),
        "postern-bundle/../evil".to_string(),
        format!("postern-bundle/sources/{sid}/items/../source.rec"),
    ];
    for (i, name) in evil_names.iter().enumerate() {
        let path = work.path().join(format!("evil{i}.tar"));
        let mut b = tar::Builder::new(fs::File::create(&path).unwrap());
        raw_append(
            &mut b,
            "postern-bundle/BUNDLE",
            b"postern-bundle 1\n",
            tar::EntryType::Regular,
        );
        raw_append(&mut b, name, &source_rec, tar::EntryType::Regular);
        b.finish().unwrap();
        refused(&reviewer, &path, "unexpected name");
    }
    // A symlink entry with an allowed name.
    let path = work.path().join("link.tar");
    let mut b = tar::Builder::new(fs::File::create(&path).unwrap());
    raw_append(
        &mut b,
        "postern-bundle/BUNDLE",
        b"postern-bundle 1\n",
        tar::EntryType::Regular,
    );
    raw_append(
        &mut b,
        &format!("postern-bundle/sources/{sid}/source.rec"),
        b"",
        tar::EntryType::Symlink,
    );
    b.finish().unwrap();
    refused(&reviewer, &path, "not a regular file");
    assert!(!Path::new("/tmp/evil.rec").exists());
}

/// Appends an entry with a name written straight into the header, bypassing the tar crate's
/// own path checks (an attacker's tar has none).
fn raw_append(b: &mut tar::Builder<fs::File>, name: &str, data: &[u8], kind: tar::EntryType) {
    let mut h = tar::Header::new_ustar();
    let bytes = name.as_bytes();
    if bytes.len() <= 100 {
        h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
    } else {
        // ustar prefix/name split at a slash.
        let split = bytes[..bytes.len() - 1]
            .iter()
            .rposition(|c| *c == b'/')
            .filter(|i| bytes.len() - i - 1 <= 100 && *i <= 155)
            .unwrap();
        let u = h.as_ustar_mut().unwrap();
        u.prefix[..split].copy_from_slice(&bytes[..split]);
        u.name[..bytes.len() - split - 1].copy_from_slice(&bytes[split + 1..]);
    }
    h.set_size(data.len() as u64);
    h.set_mode(0o600);
    h.set_entry_type(kind);
    h.set_cksum();
    b.append(&h, data).unwrap();
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
    let names = files_in(&deep);
    // Five files with hostile names, the message neutralised, and its raw bytes beside it.
    assert_eq!(names.len(), 7, "{names:?}");
    let m = short(&msg.item);
    let raw = fs::read(deep.join(format!("message-{m}.raw"))).unwrap();
    assert_eq!(
        raw,
        "before\u{1b}[2J\u{1b}]0;pwned\u{7}after \u{202e}txt.exe\r\n".as_bytes()
    );
    let shown = fs::read_to_string(deep.join(format!("message-{m}.txt"))).unwrap();
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
        assert!(names.contains(&n.to_string()), "{n} in {names:?}");
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
    assert!(
        files_in(work.path()).is_empty(),
        "{:?}",
        files_in(work.path())
    );
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

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            fs::copy(e.path(), dest).unwrap();
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
