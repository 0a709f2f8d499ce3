#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)] // A developer tool over data it builds itself.
//! Writes the post-quantum test vectors under `tests/vectors/pq/` (run from the workspace root:
//! `cargo run -p postern-e2e --bin gen-pq-vectors`):
//!
//! - `kat.txt`: known answers for the `mlkem768x25519` stanza with fixed seeds, file keys and
//!   encapsulation randomness (`seed | file key | randomness | stanza argument | body`);
//! - `kat-item.age`: a spool item sealed to the first seed (age's file key is random, so it
//!   differs on every run: commit it once and keep it);
//! - `faults/*.age`: that item with one fault in its hybrid stanza each;
//! - `faults/keys.txt`: `reason | string` lines of malformed keys.
//!
//! `spec-example.txt` is copied from the C2SP age spec by hand and never written here. The suite
//! (`tests/e2e/pq.rs`) checks every file with Postern and with typage.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use base64::Engine;
use base64::prelude::BASE64_STANDARD_NO_PAD as B64;
use postern_spool::day::Day;
use postern_spool::envelope::{Header, Kind, seal};
use postern_spool::ids::ItemId;
use postern_spool::pq::{HybridIdentity, RECIPIENT_HRP};
use postern_spool::recipients::Recipients;
use secrecy::ExposeSecret;

#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Bech32Long {}

impl bech32::Checksum for Bech32Long {
    type MidstateRepr = u32;
    const CODE_LENGTH: usize = 4096;
    const CHECKSUM_LENGTH: usize = 6;
    const GENERATOR_SH: [u32; 5] = bech32::Bech32::GENERATOR_SH;
    const TARGET_RESIDUE: u32 = bech32::Bech32::TARGET_RESIDUE;
}

#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Bech32mLong {}

impl bech32::Checksum for Bech32mLong {
    type MidstateRepr = u32;
    const CODE_LENGTH: usize = 4096;
    const CHECKSUM_LENGTH: usize = 6;
    const GENERATOR_SH: [u32; 5] = bech32::Bech32m::GENERATOR_SH;
    const TARGET_RESIDUE: u32 = bech32::Bech32m::TARGET_RESIDUE;
}

fn seeds() -> [[u8; 32]; 3] {
    [[0x42; 32], [0x00; 32], core::array::from_fn(|i| i as u8)]
}

fn main() -> Result<()> {
    let dir = Path::new("tests/vectors/pq");
    fs::create_dir_all(dir.join("faults")).context("run from the workspace root")?;

    // Known answers.
    let mut kat = String::from(
        "# mlkem768x25519 stanza known answers (see docs/spool-format.md, post-quantum section).\n\
         # seed (hex) | file key (hex) | encapsulation randomness, 64 bytes (hex) | stanza argument (base64) | stanza body (base64)\n",
    );
    for (i, seed) in seeds().iter().enumerate() {
        let fk: [u8; 16] = core::array::from_fn(|j| (j + 16 * i) as u8);
        let rnd: [u8; 64] = core::array::from_fn(|j| (255 - j - i) as u8);
        let id = HybridIdentity::from_seed(seed);
        let st = id.to_public().wrap_with_randomness(&fk, &rnd);
        kat.push_str(&format!(
            "{} | {} | {} | {} | {}\n",
            hex::encode(seed),
            hex::encode(fk),
            hex::encode(rnd),
            st.args[0],
            B64.encode(&st.body)
        ));
    }
    fs::write(dir.join("kat.txt"), kat)?;

    // One item sealed to the first seed.
    let id = HybridIdentity::from_seed(&seeds()[0]);
    let set = Recipients::new(vec![id.to_public()])?;
    let mut h = Header::new(Kind::Message, ItemId::from_bytes([0x5a; 16]), Day(20_421));
    h.name = "kat.txt".into();
    let mut s = seal(&set, &h, Vec::new())?;
    s.write_all(b"Postern post-quantum known-answer item\n")?;
    let item = s.finish()?;
    fs::write(dir.join("kat-item.age"), &item)?;

    // Stanza faults: rewrite the hybrid stanza's lines in the header.
    let text = item.as_slice();
    let start = find(text, b"\n-> mlkem768x25519 ").context("no hybrid stanza")? + 1;
    let arg_start = start + "-> mlkem768x25519 ".len();
    let arg_end = arg_start + find(&text[arg_start..], b"\n").context("stanza line")?;
    let body_end = arg_end + 1 + find(&text[arg_end + 1..], b"\n").context("body line")?;
    let arg = std::str::from_utf8(&text[arg_start..arg_end])?.to_owned();
    let body = B64.decode(&text[arg_end + 1..body_end])?;
    let with = |line: String, body_b64: String| -> Vec<u8> {
        let mut out = text[..start].to_vec();
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(body_b64.as_bytes());
        out.extend_from_slice(&text[body_end..]);
        out
    };
    let body_b64 = B64.encode(&body);
    let mut noncanonical = arg.clone();
    let last = noncanonical.pop().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let pos = alphabet.find(last).unwrap();
    noncanonical.push(alphabet.as_bytes()[(pos & !0b1111) | ((pos + 1) & 0b1111)] as char);
    let faults: Vec<(&str, Vec<u8>)> = vec![
        (
            "no-argument",
            with("-> mlkem768x25519".into(), body_b64.clone()),
        ),
        (
            "two-arguments",
            with(format!("-> mlkem768x25519 {arg} extra"), body_b64.clone()),
        ),
        (
            "enc-truncated",
            with(
                format!("-> mlkem768x25519 {}", &arg[..arg.len() - 4]),
                body_b64.clone(),
            ),
        ),
        (
            "enc-oversized",
            with(format!("-> mlkem768x25519 {arg}AAAA"), body_b64.clone()),
        ),
        (
            "enc-padded",
            with(
                format!("-> mlkem768x25519 {}==", &arg[..arg.len() - 2]),
                body_b64.clone(),
            ),
        ),
        (
            "enc-noncanonical",
            with(
                format!("-> mlkem768x25519 {noncanonical}"),
                body_b64.clone(),
            ),
        ),
        (
            "body-short",
            with(format!("-> mlkem768x25519 {arg}"), B64.encode(&body[..31])),
        ),
        (
            "body-long",
            with(
                format!("-> mlkem768x25519 {arg}"),
                B64.encode([body.as_slice(), &[0]].concat()),
            ),
        ),
    ];
    for (name, bytes) in faults {
        fs::write(dir.join("faults").join(format!("stanza-{name}.age")), bytes)?;
    }

    // Key faults.
    let r = id.to_public().to_string();
    let secret = id.to_secret_string();
    let secret = secret.expose_secret();
    let hrp = bech32::Hrp::parse(RECIPIENT_HRP)?;
    let mut bytes = id.to_public().to_bytes();
    let mut keys = String::from(
        "# Malformed age hybrid keys: reason | string. Each MUST be refused as a recipient and as an identity.\n",
    );
    let mut push = |reason: &str, s: &str| keys.push_str(&format!("{reason} | {s}\n"));
    push("recipient in upper case", &r.to_uppercase());
    let mixed: String = r
        .char_indices()
        .map(|(i, c)| if i == 20 { c.to_ascii_uppercase() } else { c })
        .collect();
    push("recipient in mixed case", &mixed);
    push("recipient truncated by one character", &r[..r.len() - 1]);
    push("recipient with one character more", &format!("{r}q"));
    let mut bad = r.clone();
    let c = bad.pop().unwrap();
    bad.push(if c == 'q' { 'p' } else { 'q' });
    push("recipient with a wrong checksum", &bad);
    push(
        "recipient with a Bech32m checksum",
        &bech32::encode_lower::<Bech32mLong>(hrp, &bytes)?,
    );
    push(
        "recipient of 1215 bytes",
        &bech32::encode_lower::<Bech32Long>(hrp, &bytes[..1215])?,
    );
    push(
        "recipient of 1217 bytes",
        &bech32::encode_lower::<Bech32Long>(hrp, &[bytes.as_slice(), &[0]].concat())?,
    );
    bytes[0] = 0xff;
    bytes[1] |= 0x0f;
    push(
        "recipient whose ML-KEM key has a coefficient >= q (FIPS 203 modulus check)",
        &bech32::encode_lower::<Bech32Long>(hrp, &bytes)?,
    );
    push(
        "recipient with another type's HRP (age1tagpq)",
        &bech32::encode_lower::<Bech32Long>(
            bech32::Hrp::parse("age1tagpq")?,
            &id.to_public().to_bytes(),
        )?,
    );
    push("identity in lower case", &secret.to_lowercase());
    push(
        "identity truncated by one character",
        &secret[..secret.len() - 1],
    );
    let idhrp = bech32::Hrp::parse("AGE-SECRET-KEY-PQ-")?;
    push(
        "identity of 31 bytes",
        &bech32::encode_upper::<bech32::Bech32>(idhrp, &seeds()[0][..31])?,
    );
    push(
        "identity with a Bech32m checksum",
        &bech32::encode_upper::<bech32::Bech32m>(idhrp, &seeds()[0])?,
    );
    push(
        "classical recipient's bytes under the hybrid HRP",
        &bech32::encode_lower::<Bech32Long>(hrp, &[7u8; 32])?,
    );
    fs::write(dir.join("faults/keys.txt"), keys)?;
    println!("wrote tests/vectors/pq/");
    Ok(())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
