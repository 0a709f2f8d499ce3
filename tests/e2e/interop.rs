//! Interop with the stock age CLI (Debian's `age` package), both ways. Debian 12's age is 1.1,
//! which predates hybrid keys, so these tests use classical newsroom keys (`keygen --classical`,
//! the flag that exists for such tools); hybrid interop is in `pq.rs`, against typage.

use std::fs;
use std::io::Write;
use std::process::{Command, Stdio};

use postern_spool::day::Day;
use postern_spool::envelope::{EnvelopeReader, EnvelopeWriter, Header, Kind, seal};
use postern_spool::ids::ItemId;
use postern_spool::recipients::Recipients;
use postern_spool::record::ItemRecord;
use sha2::{Digest, Sha256};

use crate::support::{PASSPHRASE, Reviewer, ServerSpool, content, run, stderr, tool};

fn sealed_envelope(recipients: &Recipients, body: &[u8]) -> Vec<u8> {
    let mut h = Header::new(Kind::File, ItemId::from_bytes([5; 16]), Day(20_421));
    h.name = "interop.bin".into();
    let mut s = seal(recipients, &h, Vec::new()).unwrap();
    s.write_all(body).unwrap();
    s.finish().unwrap()
}

fn parse_plaintext(pt: &[u8]) -> (Header, Vec<u8>) {
    let mut r = EnvelopeReader::new(pt).unwrap();
    let mut out = Vec::new();
    r.copy_to(&mut out).unwrap();
    (r.header().clone(), out)
}

#[test]
fn age_cli_opens_what_we_seal_to_an_age_keygen_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.txt");
    let out = run(Command::new(tool("age-keygen")).arg("-o").arg(&key));
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(Command::new(tool("age-keygen")).arg("-y").arg(&key));
    let recipient = String::from_utf8(out.stdout).unwrap();
    let body = content(300_000, 1);
    let ct = sealed_envelope(&Recipients::parse([recipient.trim()]).unwrap(), &body);
    fs::write(dir.path().join("item.age"), &ct).unwrap();
    let out = run(Command::new(tool("age"))
        .arg("-d")
        .arg("-i")
        .arg(&key)
        .arg("-o")
        .arg(dir.path().join("pt"))
        .arg(dir.path().join("item.age")));
    assert!(out.status.success(), "age -d: {}", stderr(&out));
    let (h, got) = parse_plaintext(&fs::read(dir.path().join("pt")).unwrap());
    assert_eq!(h.name, "interop.bin");
    assert!(got == body);
}

#[test]
fn age_cli_opens_what_we_seal_with_a_postern_review_key_file() {
    let reviewer = Reviewer::classical();
    let body = content(100_000, 2);
    let ct = sealed_envelope(&reviewer.recipients(), &body);
    let dir = tempfile::tempdir().unwrap();
    let item = dir.path().join("item.age");
    let pt = dir.path().join("pt");
    fs::write(&item, &ct).unwrap();
    // age asks for the identity file's passphrase on a terminal: give it one with script(1).
    let age_cmd = format!(
        "{} -d -i {} -o {} {}",
        tool("age").display(),
        reviewer.home().join("identity.age").display(),
        pt.display(),
        item.display()
    );
    let mut child = Command::new(tool("script"))
        .args(["-qec", &age_cmd, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{PASSPHRASE}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    assert!(
        out.status.success(),
        "age -d with the reviewer's key file: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let (_, got) = parse_plaintext(&fs::read(&pt).unwrap());
    assert!(got == body);
}

#[test]
fn the_reviewer_opens_what_the_age_cli_sealed() {
    let reviewer = Reviewer::classical();
    let mut server = ServerSpool::new(reviewer.recipients(), 11);
    let source = server.source();
    // The envelope plaintext, sealed by the stock age CLI instead of the library.
    let body = content(2 * 65_536 + 17, 3);
    let item = ItemId::from_bytes([0x77; 16]);
    let mut h = Header::new(Kind::File, item, Day(20_421));
    h.name = "sealed-by-age.bin".into();
    let mut w = EnvelopeWriter::new(&h, Vec::new()).unwrap();
    w.write_all(&body).unwrap();
    let plaintext = w.finish().unwrap();
    let work = tempfile::tempdir().unwrap();
    fs::write(work.path().join("pt"), &plaintext).unwrap();
    let (age_path, rec_path) = server.spool.item_paths(&source, &item);
    let out = run(Command::new(tool("age"))
        .args(["-r", &reviewer.recipient, "-o"])
        .arg(&age_path)
        .arg(work.path().join("pt")));
    assert!(out.status.success(), "age -r: {}", stderr(&out));
    let ct = fs::read(&age_path).unwrap();
    let rec = ItemRecord::new(
        item,
        source,
        Kind::File,
        Day(20_421),
        ct.len() as u64,
        Sha256::digest(&ct).into(),
        &reviewer.recipients(),
    );
    fs::write(&rec_path, rec.sign(&server.key)).unwrap();

    reviewer.ok(&["trust", &server.verifying_key()]);
    let imported = reviewer.ok(&["import", server.root().to_str().unwrap()]);
    assert!(imported.contains("Imported 1 new item"), "{imported}");
    let outdir = work.path().join("out");
    reviewer.ok(&["extract", "7777", "--to", outdir.to_str().unwrap()]);
    assert!(fs::read(crate::support::extracted(&outdir, "sealed-by-age.bin")).unwrap() == body);
}
