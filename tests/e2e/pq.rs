//! Post-quantum sealing (age's hybrid `mlkem768x25519` recipients), checked against typage
//! (npm `age-encryption`, an age implementation that is not ours, installed in `tests/typage` by
//! `.ci/run`): typage opens what Postern seals (spool items and replies to hybrid reply
//! identities), Postern's reviewer opens what typage seals to its key, each parses the other's
//! keys; the known-answer and fault vectors of `tests/vectors/pq/`; and a mixed recipient set is
//! refused by `postern init` and `postern check`.

use std::fs;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use postern_spool::codename::Codename;
use postern_spool::day::Day;
use postern_spool::derive::{KdfParams, ServerSalt, derive};
use postern_spool::envelope::{EnvelopeReader, EnvelopeWriter, Header, Kind, open, seal};
use postern_spool::ids::ItemId;
use postern_spool::keys::SigningKey;
use postern_spool::pq::{HybridIdentity, HybridRecipient};
use postern_spool::recipients::{Recipient, Recipients};
use postern_spool::record::{ItemRecord, SourceRecord};
use postern_spool::replies::seal_reply;
use rand::SeedableRng;
use rand::rngs::StdRng;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use crate::support::{
    PASSPHRASE, Reviewer, ServerSpool, bin, content, run, stderr, stdout, workspace_root,
};

fn typage_script() -> PathBuf {
    let p = workspace_root().join("tests/typage/typage.mjs");
    assert!(
        workspace_root()
            .join("tests/typage/node_modules/age-encryption")
            .exists(),
        "typage is not installed: run `npm ci` in tests/typage (tests/run does)"
    );
    p
}

/// Runs typage with `args`, feeding `input` on stdin.
fn typage(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new("node")
        .arg(typage_script())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning node");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn typage_ok(args: &[&str], input: &[u8]) -> Vec<u8> {
    let out = typage(args, input);
    assert!(
        out.status.success(),
        "typage {:?}: {}",
        args.first(),
        stderr(&out)
    );
    out.stdout
}

fn envelope(kind: Kind, name: &str, body: &[u8]) -> (Header, Vec<u8>) {
    let mut h = Header::new(kind, ItemId::from_bytes([9; 16]), Day(20_421));
    h.name = name.into();
    let mut w = EnvelopeWriter::new(&h, Vec::new()).unwrap();
    w.write_all(body).unwrap();
    (h, w.finish().unwrap())
}

fn parse_plaintext(pt: &[u8]) -> (Header, Vec<u8>) {
    let mut r = EnvelopeReader::new(pt).unwrap();
    let mut out = Vec::new();
    r.copy_to(&mut out).unwrap();
    (r.header().clone(), out)
}

/// The newsroom's identity out of the reviewer's passphrase-protected key file, opened by
/// typage (so typage reads the stored key format too).
fn reviewer_identity_via_typage(reviewer: &Reviewer) -> String {
    let sealed = fs::read(reviewer.home().join("identity.age")).unwrap();
    let text = typage_ok(&["decrypt-passphrase", PASSPHRASE], &sealed);
    let text = String::from_utf8(text).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-PQ-1"))
        .expect("a hybrid identity in the key file")
        .to_owned();
    // typage derives the same recipient as keygen printed.
    let r = String::from_utf8(typage_ok(&["recipient", &line], b"")).unwrap();
    assert_eq!(r.trim(), reviewer.recipient);
    line
}

#[test]
fn pq_typage_opens_a_hybrid_spool_item_sealed_by_postern() {
    let reviewer = Reviewer::new();
    assert!(reviewer.recipients().is_hybrid());
    let mut server = ServerSpool::new(reviewer.recipients(), 31);
    let source = server.source();
    let body = content(200_000, 7);
    let rec = server.store(&source, Kind::File, "report.pdf", &body);
    assert_eq!(rec.recipients, vec![reviewer.recipient.clone()]);
    let (age_path, _) = server.spool.item_paths(&source, &rec.item);
    let ct = fs::read(&age_path).unwrap();
    assert!(String::from_utf8_lossy(&ct[..200]).contains("\n-> mlkem768x25519 "));
    let identity = reviewer_identity_via_typage(&reviewer);
    let pt = typage_ok(&["decrypt", &identity], &ct);
    let (h, got) = parse_plaintext(&pt);
    assert_eq!((h.kind, h.name.as_str()), (Kind::File, "report.pdf"));
    assert!(got == body, "typage's plaintext differs");
    // A stranger's hybrid key opens nothing.
    let stranger = String::from_utf8(typage_ok(&["keygen"], b"")).unwrap();
    let out = typage(&["decrypt", stranger.lines().next().unwrap()], &ct);
    assert!(!out.status.success());
}

#[test]
fn pq_typage_opens_a_reply_sealed_to_a_hybrid_reply_identity() {
    let mut rng = StdRng::seed_from_u64(17);
    let newsroom_id = HybridIdentity::generate(&mut rng);
    let newsroom = Recipients::new(vec![newsroom_id.to_public()]).unwrap();
    let codename = Codename::generate(&mut rng);
    let keys = derive(
        &codename,
        &ServerSalt::from_bytes([3; 16]),
        KdfParams::INSECURE_FAST_FOR_TESTS,
    )
    .unwrap();
    let reply = keys.reply_recipient_for(&newsroom);
    assert!(reply.is_hybrid());
    let record = SourceRecord {
        source: keys.id,
        reply: reply.to_string(),
        day: Day(20_421),
    };
    let signing = SigningKey::generate(&mut rng);
    let text = "Thank you. Please send the second volume.";
    let sealed = seal_reply(&mut rng, text, &record, &newsroom, Day(20_422), &signing).unwrap();
    assert_eq!(sealed.record.recipients.len(), 2);
    assert!(
        sealed
            .record
            .recipients
            .iter()
            .all(|r| r.starts_with("age1pq1"))
    );
    // typage opens it with the source's derived hybrid identity ...
    let source_secret = keys.reply_identity().hybrid().to_secret_string();
    let pt = typage_ok(
        &["decrypt", source_secret.expose_secret()],
        &sealed.ciphertext,
    );
    let (h, got) = parse_plaintext(&pt);
    assert_eq!(h.kind, Kind::Reply);
    assert_eq!(got, text.as_bytes());
    // ... and with the newsroom's, and the classical half of the reply identity opens nothing.
    let pt = typage_ok(
        &["decrypt", newsroom_id.to_secret_string().expose_secret()],
        &sealed.ciphertext,
    );
    assert_eq!(parse_plaintext(&pt).1, text.as_bytes());
    let classical = keys.reply_identity().classical().to_string();
    let out = typage(&["decrypt", classical.expose_secret()], &sealed.ciphertext);
    assert!(!out.status.success());
    // The server's reply view opens it with the reply identity, as at login.
    let mut r = open(
        &sealed.ciphertext[..],
        std::iter::once(keys.reply_identity() as &dyn age::Identity),
    )
    .unwrap();
    let mut out = Vec::new();
    r.copy_to(&mut out).unwrap();
    assert_eq!(out, text.as_bytes());
}

#[test]
fn pq_a_source_made_before_hybrid_reply_identities_still_opens_its_replies() {
    let mut rng = StdRng::seed_from_u64(18);
    let codename = Codename::generate(&mut rng);
    let keys = derive(
        &codename,
        &ServerSalt::from_bytes([4; 16]),
        KdfParams::INSECURE_FAST_FOR_TESTS,
    )
    .unwrap();
    // Its record names the classical recipient, as every record did before.
    let record = SourceRecord {
        source: keys.id,
        reply: keys.classical_reply_recipient().to_string(),
        day: Day(20_000),
    };
    let signing = SigningKey::generate(&mut rng);
    // With a classical newsroom: sealed to both. With a hybrid one: never mixed, so to the
    // source alone (the reviewer passes its earlier classical set when it has one).
    let classical_newsroom = age::x25519::Identity::generate();
    let hybrid_newsroom = HybridIdentity::generate(&mut rng);
    for (newsroom, want) in [
        (
            Recipients::new(vec![classical_newsroom.to_public()]).unwrap(),
            2,
        ),
        (
            Recipients::new(vec![hybrid_newsroom.to_public()]).unwrap(),
            1,
        ),
    ] {
        let sealed =
            seal_reply(&mut rng, "hello", &record, &newsroom, Day(20_422), &signing).unwrap();
        assert_eq!(sealed.record.recipients.len(), want);
        assert!(
            sealed
                .record
                .recipients
                .iter()
                .all(|r| !r.starts_with("age1pq1"))
        );
        let mut r = open(
            &sealed.ciphertext[..],
            std::iter::once(keys.reply_identity() as &dyn age::Identity),
        )
        .unwrap();
        let mut out = Vec::new();
        r.copy_to(&mut out).unwrap();
        assert_eq!(out, b"hello");
    }
}

#[test]
fn pq_the_reviewer_opens_what_typage_sealed_to_its_hybrid_key() {
    let reviewer = Reviewer::new();
    let mut server = ServerSpool::new(reviewer.recipients(), 32);
    let source = server.source();
    let body = content(3 * 65_536 + 5, 8);
    let item = ItemId::from_bytes([0x66; 16]);
    let mut h = Header::new(Kind::File, item, Day(20_421));
    h.name = "sealed-by-typage.bin".into();
    let mut w = EnvelopeWriter::new(&h, Vec::new()).unwrap();
    w.write_all(&body).unwrap();
    let plaintext = w.finish().unwrap();
    let ct = typage_ok(&["encrypt", &reviewer.recipient], &plaintext);
    assert!(String::from_utf8_lossy(&ct[..200]).contains("\n-> mlkem768x25519 "));
    let (age_path, rec_path) = server.spool.item_paths(&source, &item);
    fs::write(&age_path, &ct).unwrap();
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
    let work = tempfile::tempdir().unwrap();
    let outdir = work.path().join("out");
    reviewer.ok(&["extract", "6666", "--to", outdir.to_str().unwrap()]);
    assert!(fs::read(crate::support::extracted(&outdir, "sealed-by-typage.bin")).unwrap() == body);
}

#[test]
fn pq_keys_parse_both_ways() {
    // typage's keys in Postern.
    for _ in 0..3 {
        let out = String::from_utf8(typage_ok(&["keygen"], b"")).unwrap();
        let mut lines = out.lines();
        let (id, r) = (lines.next().unwrap(), lines.next().unwrap());
        let pid: HybridIdentity = id.parse().unwrap();
        let pr: HybridRecipient = r.parse().unwrap();
        assert_eq!(pid.to_public(), pr);
        assert_eq!(pr.to_string(), r);
        assert_eq!(pid.to_secret_string().expose_secret(), id);
        assert!(matches!(r.parse::<Recipient>(), Ok(Recipient::Hybrid(_))));
    }
    // Postern's keys in typage: the same recipient, and a file typage seals to it opens here.
    let mut rng = StdRng::seed_from_u64(19);
    let id = HybridIdentity::generate(&mut rng);
    let secret = id.to_secret_string();
    let r = String::from_utf8(typage_ok(&["recipient", secret.expose_secret()], b"")).unwrap();
    assert_eq!(r.trim(), id.to_public().to_string());
    let (_, pt) = envelope(Kind::Message, "", b"from typage");
    let ct = typage_ok(&["encrypt", r.trim()], &pt);
    let mut reader = open(&ct[..], std::iter::once(&id as &dyn age::Identity)).unwrap();
    let mut out = Vec::new();
    reader.copy_to(&mut out).unwrap();
    assert_eq!(out, b"from typage");
    // And a file Postern seals, typage opens.
    let ct = {
        let set = Recipients::new(vec![id.to_public()]).unwrap();
        let h = Header::new(Kind::Message, ItemId::from_bytes([1; 16]), Day(1));
        let mut s = seal(&set, &h, Vec::new()).unwrap();
        s.write_all(b"from postern").unwrap();
        s.finish().unwrap()
    };
    let pt = typage_ok(&["decrypt", secret.expose_secret()], &ct);
    assert_eq!(parse_plaintext(&pt).1, b"from postern");
}

fn vector_lines(name: &str) -> Vec<String> {
    fs::read_to_string(workspace_root().join("tests/vectors/pq").join(name))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn pq_the_spec_example_key_is_read_the_same_by_postern_and_typage() {
    let l = vector_lines("spec-example.txt");
    let id: HybridIdentity = l[0].parse().unwrap();
    assert_eq!(id.to_public().to_string(), l[1]);
    let r = String::from_utf8(typage_ok(&["recipient", &l[0]], b"")).unwrap();
    assert_eq!(r.trim(), l[1]);
}

#[test]
fn pq_known_answer_vectors() {
    // kat.txt: seed | file key | 64 bytes of encapsulation randomness | stanza argument | body
    // (hex, hex, hex, base64, base64), made with `gen-vectors`, and opened by the spec's rules.
    let lines = vector_lines("kat.txt");
    assert!(lines.len() >= 3);
    for line in &lines {
        let f: Vec<&str> = line.split('|').map(str::trim).collect();
        let seed: [u8; 32] = hex::decode(f[0]).unwrap().try_into().unwrap();
        let fk: [u8; 16] = hex::decode(f[1]).unwrap().try_into().unwrap();
        let rnd: [u8; 64] = hex::decode(f[2]).unwrap().try_into().unwrap();
        let id = HybridIdentity::from_seed(&seed);
        let stanza = id.to_public().wrap_with_randomness(&fk, &rnd);
        assert_eq!(stanza.args, vec![f[3].to_owned()]);
        assert_eq!(
            base64::Engine::encode(&base64::prelude::BASE64_STANDARD_NO_PAD, &stanza.body),
            f[4]
        );
        let got = age::Identity::unwrap_stanza(&id, &stanza).unwrap().unwrap();
        assert_eq!(got.expose_secret(), &fk);
    }
    // kat-item.age: one spool item sealed by Postern to the first vector's seed, whose
    // plaintext typage must give back exactly as Postern does.
    let ct = fs::read(workspace_root().join("tests/vectors/pq/kat-item.age")).unwrap();
    let f: Vec<&str> = lines[0].split('|').map(str::trim).collect();
    let seed: [u8; 32] = hex::decode(f[0]).unwrap().try_into().unwrap();
    let id = HybridIdentity::from_seed(&seed);
    let mut r = open(&ct[..], std::iter::once(&id as &dyn age::Identity)).unwrap();
    let mut ours = Vec::new();
    r.copy_to(&mut ours).unwrap();
    assert_eq!(r.header().name, "kat.txt");
    assert_eq!(ours, b"Postern post-quantum known-answer item\n");
    let pt = typage_ok(&["decrypt", id.to_secret_string().expose_secret()], &ct);
    assert_eq!(parse_plaintext(&pt).1, ours);
}

#[test]
fn pq_fault_vectors_are_refused_by_postern_and_typage() {
    // faults/<name>.age: the KAT item with one fault in its hybrid stanza. Postern's identity
    // refuses the stanza before any decryption (InvalidHeader, reported as a damaged file), and
    // typage refuses the file too.
    let dir = workspace_root().join("tests/vectors/pq/faults");
    let lines = vector_lines("kat.txt");
    let f: Vec<&str> = lines[0].split('|').map(str::trim).collect();
    let seed: [u8; 32] = hex::decode(f[0]).unwrap().try_into().unwrap();
    let id = HybridIdentity::from_seed(&seed);
    let secret = id.to_secret_string();
    let mut n = 0;
    let mut names: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for path in names
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "age"))
    {
        let ct = fs::read(path).unwrap();
        let e = open(&ct[..], std::iter::once(&id as &dyn age::Identity));
        assert!(e.is_err(), "{} opened", path.display());
        let out = typage(&["decrypt", secret.expose_secret()], &ct);
        assert!(!out.status.success(), "typage opened {}", path.display());
        n += 1;
    }
    assert!(n >= 7, "only {n} stanza fault vectors");
    // keys.txt: `reason | string` lines; each string is refused as a recipient or identity by
    // Postern, and by typage where it applies.
    let keys = vector_lines("faults/keys.txt");
    assert!(keys.len() >= 8);
    for line in &keys {
        let (reason, s) = line.split_once(" | ").unwrap();
        assert!(
            s.parse::<Recipient>().is_err(),
            "{reason}: accepted as a recipient"
        );
        assert!(s.parse::<HybridRecipient>().is_err(), "{reason}");
        assert!(s.parse::<HybridIdentity>().is_err(), "{reason}");
        assert!(Recipients::parse([s]).is_err(), "{reason}");
    }
}

#[test]
fn pq_a_mixed_recipient_set_is_refused_by_init_and_check() {
    let hybrid = HybridIdentity::generate(&mut StdRng::seed_from_u64(20))
        .to_public()
        .to_string();
    let classical = age::x25519::Identity::generate().to_public().to_string();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let init = |rs: &[&str]| {
        let mut c = Command::new(bin("postern"));
        c.args(["init", "--listen", "127.0.0.1:8080", "--data"])
            .arg(&data);
        for r in rs {
            c.args(["--recipient", r]);
        }
        run(&mut c)
    };
    for set in [[&hybrid, &classical], [&classical, &hybrid]] {
        let out = init(&[set[0], set[1]]);
        assert!(!out.status.success(), "init accepted a mixed set");
        assert!(
            stderr(&out).contains("mix") && stderr(&out).contains("age1pq1"),
            "{}",
            stderr(&out)
        );
        assert!(!data.exists(), "a refused init created something");
    }
    // A hybrid set is accepted, and check passes it ...
    let out = init(&[&hybrid]);
    assert!(out.status.success(), "{}", stderr(&out));
    let config = data.join("postern.toml");
    let text = fs::read_to_string(&config).unwrap();
    assert!(text.contains(&hybrid));
    let check = || {
        run(Command::new(bin("postern"))
            .args(["check", "--config"])
            .arg(&config))
    };
    let out = check();
    let line = |out: &Output| {
        stdout(out)
            .lines()
            .find(|l| l.contains("recipients"))
            .unwrap_or("")
            .to_owned()
    };
    assert!(line(&out).starts_with("OK"), "{}", stdout(&out));
    // ... and a classical key added to it afterwards is a FAIL naming the mix.
    let mixed = text.replace(
        &format!("\"{hybrid}\""),
        &format!("\"{hybrid}\", \"{classical}\""),
    );
    assert_ne!(mixed, text);
    fs::write(&config, mixed).unwrap();
    let out = check();
    assert!(!out.status.success());
    let l = line(&out);
    assert!(
        l.starts_with("FAIL") && l.contains("mix"),
        "{}",
        stdout(&out)
    );
}
