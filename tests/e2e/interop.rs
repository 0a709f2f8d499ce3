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
        postern_spool::record::Digest::Sha256(Sha256::digest(&ct).into()),
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

/// The payload sizes where age's STREAM has its edge cases: empty (the one empty chunk), one
/// full chunk (a full last chunk), a full chunk and one byte, two full chunks.
const STREAM_EDGES: [usize; 5] = [0, 1, 65_536, 65_537, 2 * 65_536];

#[test]
fn the_age_cli_and_our_stream_payload_agree_at_every_chunk_edge() {
    use postern_spool::envelope::stream;
    use std::io::Read;

    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.txt");
    let out = run(Command::new(tool("age-keygen")).arg("-o").arg(&key));
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(Command::new(tool("age-keygen")).arg("-y").arg(&key));
    let recipient: age::x25519::Recipient = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let identity: age::x25519::Identity = fs::read_to_string(&key)
        .unwrap()
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
        .unwrap()
        .parse()
        .unwrap();
    for n in STREAM_EDGES {
        let body = content(n, 9);
        // Ours sealed, the CLI opens.
        let mut w = stream::encrypt(
            std::iter::once(&recipient as &dyn age::Recipient),
            Vec::new(),
        )
        .unwrap();
        w.write_all(&body).unwrap();
        let ours = dir.path().join(format!("ours-{n}.age"));
        fs::write(&ours, w.finish().unwrap()).unwrap();
        let pt = dir.path().join(format!("ours-{n}.pt"));
        let out = run(Command::new(tool("age"))
            .arg("-d")
            .arg("-i")
            .arg(&key)
            .arg("-o")
            .arg(&pt)
            .arg(&ours));
        assert!(out.status.success(), "size {n}: age -d: {}", stderr(&out));
        // Go age creates its output file on the first byte it writes: none for an empty payload.
        let got = match fs::read(&pt) {
            Err(e) if n == 0 && e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            r => r.unwrap(),
        };
        assert!(got == body, "size {n}: age -d output");
        // The CLI sealed, ours opens.
        let plain = dir.path().join(format!("cli-{n}.pt"));
        fs::write(&plain, &body).unwrap();
        let theirs = dir.path().join(format!("cli-{n}.age"));
        let out = run(Command::new(tool("age"))
            .arg("-r")
            .arg(recipient.to_string())
            .arg("-o")
            .arg(&theirs)
            .arg(&plain));
        assert!(out.status.success(), "size {n}: age -r: {}", stderr(&out));
        let ct = fs::read(&theirs).unwrap();
        let mut r =
            stream::decrypt(&ct[..], std::iter::once(&identity as &dyn age::Identity)).unwrap();
        let mut got = Vec::new();
        r.read_to_end(&mut got).unwrap();
        assert!(got == body, "size {n}: our reader's output");
        // One byte more, or one less, and ours refuses it.
        let mut longer = ct.clone();
        longer.push(0);
        let mut r = stream::decrypt(
            &longer[..],
            std::iter::once(&identity as &dyn age::Identity),
        )
        .unwrap();
        assert!(r.read_to_end(&mut Vec::new()).is_err(), "size {n}: +1 byte");
        let shorter = &ct[..ct.len() - 1];
        let mut r =
            stream::decrypt(shorter, std::iter::once(&identity as &dyn age::Identity)).unwrap();
        assert!(r.read_to_end(&mut Vec::new()).is_err(), "size {n}: -1 byte");
    }
}
