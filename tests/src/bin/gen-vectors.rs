#![allow(clippy::indexing_slicing)] // A developer tool over data it builds itself.
//! Writes the spool-format test vectors under `tests/vectors/` (run from the workspace root:
//! `cargo run -p postern-e2e --bin gen-vectors`).
//!
//! The envelope plaintexts are built byte by byte here, independently of the library's encoder,
//! so that the vectors check the library against the spec rather than against itself. age
//! encryption is randomised, so the files differ on every run; commit them once and keep them.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use postern_spool::codename::Codename;
use postern_spool::derive::{KdfParams, ServerSalt, derive, identity_from_seed};
use postern_spool::keys::{Domain, SigningKey};
use rand::SeedableRng;
use rand::rngs::StdRng;

const FRAME: usize = 65_536;

fn padme(len: u64) -> u64 {
    if len < 2 {
        return len;
    }
    let e = 63 - u64::from(len.leading_zeros());
    let s = 64 - u64::from(e.leading_zeros());
    let mask = (1u64 << (e - s)) - 1;
    (len + mask) & !mask
}

#[derive(Clone)]
struct Env {
    magic: Vec<u8>,
    version: u8,
    kind: u8,
    flags: u8,
    id: [u8; 16],
    day: u32,
    name: Vec<u8>,
    ctype: Vec<u8>,
    segment: Option<([u8; 16], u64, u64)>,
    header_extra: Vec<u8>,
    header_len_override: Option<u32>,
    content: Vec<u8>,
}

impl Env {
    fn new(kind: u8, name: &[u8], ctype: &[u8], content: &[u8]) -> Env {
        Env {
            magic: b"PSTRNENV".to_vec(),
            version: 1,
            kind,
            flags: 0,
            id: [0x11; 16],
            day: 20_421,
            name: name.to_vec(),
            ctype: ctype.to_vec(),
            segment: None,
            header_extra: Vec::new(),
            header_len_override: None,
            content: content.to_vec(),
        }
    }

    fn header(&self) -> Vec<u8> {
        let mut h = vec![self.kind, self.flags];
        h.extend_from_slice(&self.id);
        h.extend_from_slice(&self.day.to_be_bytes());
        h.extend_from_slice(&(self.name.len() as u16).to_be_bytes());
        h.extend_from_slice(&self.name);
        h.extend_from_slice(&(self.ctype.len() as u16).to_be_bytes());
        h.extend_from_slice(&self.ctype);
        if let Some((up, idx, off)) = self.segment {
            h.extend_from_slice(&up);
            h.extend_from_slice(&idx.to_be_bytes());
            h.extend_from_slice(&off.to_be_bytes());
        }
        h.extend_from_slice(&self.header_extra);
        h
    }

    fn prelude_and_header(&self) -> Vec<u8> {
        let h = self.header();
        let mut out = self.magic.clone();
        out.push(self.version);
        let len = self.header_len_override.unwrap_or(h.len() as u32);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&h);
        out
    }

    fn frames(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for chunk in self.content.chunks(FRAME) {
            out.extend_from_slice(&(chunk.len() as u32).to_be_bytes());
            out.extend_from_slice(chunk);
        }
        out
    }

    /// The canonical plaintext.
    fn plaintext(&self) -> Vec<u8> {
        let mut out = self.prelude_and_header();
        out.extend_from_slice(&self.frames());
        out.extend_from_slice(&0u32.to_be_bytes());
        out.extend_from_slice(&(self.content.len() as u64).to_be_bytes());
        pad(out)
    }
}

fn pad(mut out: Vec<u8>) -> Vec<u8> {
    let target = padme(out.len() as u64) as usize;
    out.resize(target, 0);
    out
}

fn seal(plaintext: &[u8], to: &age::x25519::Recipient) -> Result<Vec<u8>> {
    let enc = age::Encryptor::with_recipients(std::iter::once(to as &dyn age::Recipient))?;
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out)?;
    w.write_all(plaintext)?;
    w.finish()?;
    Ok(out)
}

fn write(dir: &Path, name: &str, data: &[u8]) -> Result<()> {
    fs::write(dir.join(name), data).with_context(|| format!("writing {name}"))
}

fn main() -> Result<()> {
    let root = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "tests/vectors".into()),
    );
    let env_dir = root.join("envelope");
    let rec_dir = root.join("records");
    fs::create_dir_all(&env_dir)?;
    fs::create_dir_all(&rec_dir)?;

    // A fixed, published, test-only identity.
    let identity = identity_from_seed(&[0x42; 32]).context("identity")?;
    let recipient = identity.to_public();
    {
        use age::secrecy::ExposeSecret;
        write(
            &root,
            "identity.txt",
            format!(
                "# TEST-ONLY age identity for the spool test vectors. Never use it for anything else.\n# public key: {recipient}\n{}\n",
                identity.to_string().expose_secret()
            )
            .as_bytes(),
        )?;
    }
    let file_content: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();

    let msg = Env::new(
        1,
        b"",
        b"",
        "Hello from a source. \u{41f}\u{440}\u{438}\u{432}\u{435}\u{442}.\n".as_bytes(),
    );
    let file = Env::new(2, b"report.pdf", b"application/pdf", &file_content);
    let empty = Env::new(2, b"empty.txt", b"text/plain", b"");
    let mut seg = Env::new(4, b"", b"", &file_content[..5000]);
    seg.segment = Some(([0x22; 16], 3, 3 * 5000));

    let mut vectors: Vec<(&str, Vec<u8>)> = Vec::new();
    let ok_file_ct = seal(&file.plaintext(), &recipient)?;
    let ok_msg_ct = seal(&msg.plaintext(), &recipient)?;
    vectors.push(("ok-message.age", ok_msg_ct.clone()));
    vectors.push(("ok-file.age", ok_file_ct.clone()));
    vectors.push(("ok-empty.age", seal(&empty.plaintext(), &recipient)?));
    vectors.push(("ok-segment.age", seal(&seg.plaintext(), &recipient)?));

    // Faults of the age layer.
    vectors.push(("not-age.age", b"This is not an age file.\n".to_vec()));
    let stranger = age::x25519::Identity::generate().to_public();
    vectors.push(("wrong-recipient.age", seal(&msg.plaintext(), &stranger)?));
    vectors.push((
        "truncated-payload.age",
        ok_file_ct[..ok_file_ct.len() - 100].to_vec(),
    ));
    let mut garbage = ok_msg_ct.clone();
    garbage.extend_from_slice(b"GARBAGE");
    vectors.push(("ciphertext-trailing-garbage.age", garbage));
    let mut flipped = ok_file_ct.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x04;
    vectors.push(("flipped-bit.age", flipped));

    // Faults of the envelope, sealed correctly.
    let mut sealed = |name: &'static str, pt: Vec<u8>| -> Result<()> {
        vectors.push((name, seal(&pt, &recipient)?));
        Ok(())
    };
    let mut e = msg.clone();
    e.magic = b"PSTRNENX".to_vec();
    sealed("bad-magic.age", e.plaintext())?;
    let mut e = msg.clone();
    e.version = 2;
    sealed("unknown-version.age", e.plaintext())?;
    let mut e = msg.clone();
    e.header_len_override = Some(1 << 20);
    sealed("oversize-header.age", e.prelude_and_header())?;
    let mut e = msg.clone();
    e.header_extra = vec![0];
    sealed("header-trailing-bytes.age", e.plaintext())?;
    let mut e = msg.clone();
    e.kind = 9;
    sealed("unknown-kind.age", e.plaintext())?;
    let mut e = msg.clone();
    e.flags = 1;
    sealed("nonzero-flags.age", e.plaintext())?;
    let mut e = file.clone();
    e.name = vec![b'a', 0xff, 0xfe, b'b'];
    sealed("name-not-utf8.age", e.plaintext())?;
    let mut e = file.clone();
    e.ctype = b"text/plain\n".to_vec();
    sealed("type-control-char.age", e.plaintext())?;
    {
        let mut pt = msg.prelude_and_header();
        pt.extend_from_slice(&0xFFFF_FFF0u32.to_be_bytes());
        pt.extend_from_slice(&[0u8; 64]);
        sealed("huge-frame-length.age", pad(pt))?;
    }
    {
        let mut pt = msg.prelude_and_header();
        for _ in 0..2 {
            pt.extend_from_slice(&10u32.to_be_bytes());
            pt.extend_from_slice(b"0123456789");
        }
        pt.extend_from_slice(&0u32.to_be_bytes());
        pt.extend_from_slice(&20u64.to_be_bytes());
        sealed("short-frame-not-last.age", pad(pt))?;
    }
    for (name, declared) in [
        ("huge-declared-length.age", 1u64 << 62),
        ("length-mismatch.age", msg.content.len() as u64 + 1),
    ] {
        let mut pt = msg.prelude_and_header();
        pt.extend_from_slice(&msg.frames());
        pt.extend_from_slice(&0u32.to_be_bytes());
        pt.extend_from_slice(&declared.to_be_bytes());
        sealed(name, pad(pt))?;
    }
    {
        let mut pt = msg.prelude_and_header();
        pt.extend_from_slice(&100u32.to_be_bytes());
        pt.extend_from_slice(&[b'x'; 50]);
        sealed("truncated-plaintext.age", pt)?;
    }
    {
        let mut pt = msg.prelude_and_header();
        pt.extend_from_slice(&msg.frames());
        pt.extend_from_slice(&0u32.to_be_bytes());
        sealed("missing-end-record.age", pt)?;
    }
    {
        // Pick a content length whose envelope has at least two bytes of padding.
        let mut e = msg.clone();
        while {
            let unpadded = e.prelude_and_header().len() + e.frames().len() + 12;
            padme(unpadded as u64) < unpadded as u64 + 2
        } {
            e.content.push(b'.');
        }
        let good = e.plaintext();
        let mut bad = good.clone();
        let last = bad.len() - 1;
        bad[last] = 0x01;
        sealed("nonzero-padding.age", bad)?;
        sealed("short-padding.age", good[..good.len() - 1].to_vec())?;
        let mut longer = good.clone();
        longer.push(b'X');
        sealed("trailing-garbage.age", longer)?;
    }
    // Valid envelopes with hostile names.
    for (vname, fname) in [
        ("name-dotdot.age", "../../../../tmp/postern-escape.txt"),
        ("name-absolute.age", "/tmp/postern-escape-absolute.txt"),
        ("name-nul.age", "evil\u{0}name.txt"),
        (
            "name-terminal-escape.age",
            "\u{1b}]0;owned\u{7}\u{1b}[2Jreport.txt",
        ),
        ("name-bidi.age", "invoice\u{202e}fdp.exe"),
    ] {
        let e = Env::new(
            2,
            fname.as_bytes(),
            b"text/plain",
            b"hostile name, harmless content\n",
        );
        sealed(vname, e.plaintext())?;
    }
    for (name, data) in &vectors {
        write(&env_dir, name, data)?;
    }

    // Records, signed by a fixed test-only server key.
    let key = SigningKey::generate(&mut StdRng::seed_from_u64(0x5eed));
    write(&root, "server-signing.key", key.to_secret_text().as_bytes())?;
    write(
        &root,
        "server-signing.pub",
        format!("{}\n", key.verifying_key()).as_bytes(),
    )?;
    let r1 = recipient.to_string();
    let r2 = identity_from_seed(&[0x43; 32])
        .context("identity")?
        .to_public()
        .to_string();
    let (lo, hi) = if r1 < r2 {
        (r1.clone(), r2.clone())
    } else {
        (r2.clone(), r1.clone())
    };
    let body = |day: &str,
                size: &str,
                recips: &[&str],
                extra: &str,
                version: &str,
                nl: &str|
     -> String {
        let mut b = format!(
            "postern-item {version}{nl}item {}{nl}source {}{nl}kind file{nl}day {day}{nl}size {size}{nl}sha256 {}{nl}",
            "11".repeat(16),
            "33".repeat(32),
            "ab".repeat(32)
        );
        for r in recips {
            b.push_str(&format!("recipient {r}{nl}"));
        }
        b.push_str(extra);
        b
    };
    let signed = |b: String, nl: &str| -> String {
        let sig = key.sign(Domain::ItemRecord, b.as_bytes());
        format!("{b}sig {}{nl}", hex::encode(sig))
    };
    let ok = signed(body("20421", "123456", &[&lo, &hi], "", "1", "\n"), "\n");
    write(&rec_dir, "ok.rec", ok.as_bytes())?;
    let mut bad_sig = ok.clone().into_bytes();
    let pos = bad_sig.len() - 10;
    bad_sig[pos] = if bad_sig[pos] == b'0' { b'1' } else { b'0' };
    write(&rec_dir, "bad-signature.rec", &bad_sig)?;
    write(
        &rec_dir,
        "altered-field.rec",
        ok.replace("size 123456", "size 123457").as_bytes(),
    )?;
    // Version 2 (what the server writes since issue 18): the same fields with a BLAKE3 line.
    let v2 = |b: String| b.replace("\nsha256 ", "\nblake3 ");
    write(
        &rec_dir,
        "ok-v2.rec",
        signed(
            v2(body("20421", "123456", &[&lo, &hi], "", "2", "\n")),
            "\n",
        )
        .as_bytes(),
    )?;
    write(
        &rec_dir,
        "v1-with-blake3.rec",
        signed(
            v2(body("20421", "123456", &[&lo, &hi], "", "1", "\n")),
            "\n",
        )
        .as_bytes(),
    )?;
    write(
        &rec_dir,
        "v2-with-sha256.rec",
        signed(body("20421", "123456", &[&lo, &hi], "", "2", "\n"), "\n").as_bytes(),
    )?;
    write(
        &rec_dir,
        "unknown-version.rec",
        signed(
            v2(body("20421", "123456", &[&lo, &hi], "", "3", "\n")),
            "\n",
        )
        .as_bytes(),
    )?;
    write(
        &rec_dir,
        "non-canonical-number.rec",
        signed(body("020421", "123456", &[&lo, &hi], "", "1", "\n"), "\n").as_bytes(),
    )?;
    write(
        &rec_dir,
        "unsorted-recipients.rec",
        signed(body("20421", "123456", &[&hi, &lo], "", "1", "\n"), "\n").as_bytes(),
    )?;
    write(
        &rec_dir,
        "extra-line.rec",
        signed(
            body("20421", "123456", &[&lo, &hi], "note hello\n", "1", "\n"),
            "\n",
        )
        .as_bytes(),
    )?;
    write(
        &rec_dir,
        "crlf.rec",
        signed(
            body("20421", "123456", &[&lo, &hi], "", "1", "\r\n"),
            "\r\n",
        )
        .as_bytes(),
    )?;
    let mut big = ok.clone();
    big.push_str(&"x".repeat(66_000)); // beyond MAX_RECORD_LEN (65536)
    write(&rec_dir, "oversize.rec", big.as_bytes())?;

    // Derivation vectors, with the production parameters.
    let mut d = String::from(
        "# Codename derivation vectors (Argon2id m=65536 KiB, t=3, p=4; HKDF-SHA-256; see docs/spool-format.md).\n# codename | server salt | source id | classical reply recipient | hybrid reply recipient (mlkem768x25519)\n",
    );
    for (codename, salt) in [
        (
            "abacus abdomen abdominal abide abiding ability ablaze",
            [0u8; 16],
        ),
        (
            "zoom yo-yo t-shirt drop-down felt-tip zoom abacus",
            [0xffu8; 16],
        ),
        (
            "correct gravity battery staple unusual tidings zoom",
            *b"postern-test-slt",
        ),
    ] {
        let c = Codename::parse(codename).context("codename")?;
        let salt = ServerSalt::from_bytes(salt);
        let k = derive(&c, &salt, KdfParams::DEFAULT).context("derive")?;
        d.push_str(&format!(
            "{codename} | {salt} | {} | {} | {}\n",
            k.id,
            k.classical_reply_recipient(),
            k.reply_recipient()
        ));
    }
    write(&root, "derivation.txt", d.as_bytes())?;
    println!("wrote vectors to {}", root.display());
    Ok(())
}
