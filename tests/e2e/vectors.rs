//! The spec's test vectors (`tests/vectors/`, one file per fault): every one must give exactly
//! the reason the spec names, and every file in the folder must be covered here.

use std::collections::BTreeSet;
use std::fs;
use std::io::BufReader;

use postern_spool::OpenFailure;
use postern_spool::codename::Codename;
use postern_spool::derive::{KdfParams, ServerSalt, derive};
use postern_spool::envelope::{CopyError, Header, Kind, open};
use postern_spool::keys::VerifyingKey;
use postern_spool::record::{ItemRecord, RecordError};

use crate::support::workspace_root;

fn identities() -> Vec<Box<dyn age::Identity + Send + Sync>> {
    let path = workspace_root().join("tests/vectors/identity.txt");
    age::IdentityFile::from_file(path.to_string_lossy().into_owned())
        .unwrap()
        .into_identities()
        .unwrap()
}

fn open_vector(name: &str) -> Result<(Header, Vec<u8>), OpenFailure> {
    let ids = identities();
    let data = fs::read(workspace_root().join("tests/vectors/envelope").join(name)).unwrap();
    let mut r = open(
        BufReader::new(data.as_slice()),
        ids.iter().map(|i| i.as_ref() as &dyn age::Identity),
    )
    .map_err(|e| e.reason())?;
    let mut out = Vec::new();
    r.copy_to(&mut out).map_err(|e| match e {
        CopyError::Open(e) => e.reason(),
        CopyError::Write(e) => panic!("{e}"),
    })?;
    Ok((r.header().clone(), out))
}

const FAULTS: &[(&str, OpenFailure)] = &[
    ("not-age.age", OpenFailure::NotAge),
    ("wrong-recipient.age", OpenFailure::NoMatchingKey),
    ("truncated-payload.age", OpenFailure::Damaged),
    ("ciphertext-trailing-garbage.age", OpenFailure::Damaged),
    ("flipped-bit.age", OpenFailure::Damaged),
    ("bad-magic.age", OpenFailure::NotAnEnvelope),
    ("unknown-version.age", OpenFailure::UnknownVersion(2)),
    ("oversize-header.age", OpenFailure::HeaderTooLarge),
    ("header-trailing-bytes.age", OpenFailure::MalformedHeader),
    ("unknown-kind.age", OpenFailure::MalformedHeader),
    ("nonzero-flags.age", OpenFailure::MalformedHeader),
    ("name-not-utf8.age", OpenFailure::MalformedHeader),
    ("type-control-char.age", OpenFailure::MalformedHeader),
    ("huge-frame-length.age", OpenFailure::BadFraming),
    ("short-frame-not-last.age", OpenFailure::BadFraming),
    ("huge-declared-length.age", OpenFailure::LengthMismatch),
    ("length-mismatch.age", OpenFailure::LengthMismatch),
    ("truncated-plaintext.age", OpenFailure::Truncated),
    ("missing-end-record.age", OpenFailure::Truncated),
    ("nonzero-padding.age", OpenFailure::BadPadding),
    ("short-padding.age", OpenFailure::BadPadding),
    ("trailing-garbage.age", OpenFailure::TrailingData),
];

/// Valid envelopes whose names are hostile: they open, and the name is exactly what was sealed.
pub const HOSTILE_NAMES: &[(&str, &str)] = &[
    ("name-dotdot.age", "../../../../tmp/postern-escape.txt"),
    ("name-absolute.age", "/tmp/postern-escape-absolute.txt"),
    ("name-nul.age", "evil\u{0}name.txt"),
    (
        "name-terminal-escape.age",
        "\u{1b}]0;owned\u{7}\u{1b}[2Jreport.txt",
    ),
    ("name-bidi.age", "invoice\u{202e}fdp.exe"),
];

const OK: &[&str] = &[
    "ok-message.age",
    "ok-file.age",
    "ok-empty.age",
    "ok-segment.age",
];

#[test]
fn every_envelope_fault_is_refused_with_its_reason() {
    for (name, want) in FAULTS {
        assert_eq!(open_vector(name).map(|_| ()), Err(*want), "{name}");
    }
}

#[test]
fn valid_envelope_vectors_open() {
    let (h, body) = open_vector("ok-message.age").unwrap();
    assert_eq!(h.kind, Kind::Message);
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "Hello from a source. Привет.\n"
    );
    let (h, body) = open_vector("ok-file.age").unwrap();
    assert_eq!(
        (h.kind, h.name.as_str(), h.content_type.as_str()),
        (Kind::File, "report.pdf", "application/pdf")
    );
    assert_eq!(body.len(), 100_000);
    assert_eq!(h.day.to_string(), "2025-11-29");
    let (h, body) = open_vector("ok-empty.age").unwrap();
    assert!(body.is_empty() && h.name == "empty.txt");
    let (h, body) = open_vector("ok-segment.age").unwrap();
    let seg = h.segment.unwrap();
    assert_eq!(
        (h.kind, seg.index, seg.offset, body.len()),
        (Kind::Segment, 3, 15_000, 5000)
    );
    for (file, name) in HOSTILE_NAMES {
        let (h, _) = open_vector(file).unwrap();
        assert_eq!(h.name, *name, "{file}");
    }
}

#[test]
fn every_vector_file_is_covered() {
    let on_disk: BTreeSet<String> = fs::read_dir(workspace_root().join("tests/vectors/envelope"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let covered: BTreeSet<String> = FAULTS
        .iter()
        .map(|(n, _)| n.to_string())
        .chain(HOSTILE_NAMES.iter().map(|(n, _)| n.to_string()))
        .chain(OK.iter().map(|n| n.to_string()))
        .collect();
    assert_eq!(on_disk, covered);
    let records: BTreeSet<String> = fs::read_dir(workspace_root().join("tests/vectors/records"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let covered: BTreeSet<String> = RECORD_FAULTS
        .iter()
        .map(|(n, _)| n.to_string())
        .chain(["ok.rec".to_string()])
        .collect();
    assert_eq!(records, covered);
}

const RECORD_FAULTS: &[(&str, RecordError)] = &[
    ("bad-signature.rec", RecordError::BadSignature),
    ("altered-field.rec", RecordError::BadSignature),
    ("unknown-version.rec", RecordError::UnknownVersion),
    ("non-canonical-number.rec", RecordError::Malformed),
    ("unsorted-recipients.rec", RecordError::Malformed),
    ("extra-line.rec", RecordError::Malformed),
    ("crlf.rec", RecordError::Malformed),
    ("oversize.rec", RecordError::TooLarge),
];

#[test]
fn record_vectors() {
    let dir = workspace_root().join("tests/vectors");
    let key =
        VerifyingKey::parse(&fs::read_to_string(dir.join("server-signing.pub")).unwrap()).unwrap();
    let ok =
        ItemRecord::parse_verified(&fs::read(dir.join("records/ok.rec")).unwrap(), &key).unwrap();
    assert_eq!((ok.size, ok.day.0, ok.kind), (123_456, 20_421, Kind::File));
    for (name, want) in RECORD_FAULTS {
        let bytes = fs::read(dir.join("records").join(name)).unwrap();
        assert_eq!(
            ItemRecord::parse_verified(&bytes, &key).unwrap_err(),
            *want,
            "{name}"
        );
    }
}

#[test]
fn derivation_vectors() {
    let text = fs::read_to_string(workspace_root().join("tests/vectors/derivation.txt")).unwrap();
    let mut n = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let f: Vec<&str> = line.split('|').map(str::trim).collect();
        let keys = derive(
            &Codename::parse(f[0]).unwrap(),
            &ServerSalt::parse(f[1]).unwrap(),
            KdfParams::DEFAULT,
        )
        .unwrap();
        assert_eq!(keys.id.to_string(), f[2]);
        assert_eq!(keys.classical_reply_recipient().to_string(), f[3]);
        assert_eq!(keys.reply_recipient().to_string(), f[4]);
        // Sloppy typing of the same codename derives the same keys.
        let sloppy = format!("  {}  ", f[0].to_uppercase().replace(' ', "\t "));
        let again = derive(
            &Codename::parse(&sloppy).unwrap(),
            &ServerSalt::parse(f[1]).unwrap(),
            KdfParams::DEFAULT,
        )
        .unwrap();
        assert_eq!(again.id, keys.id);
        n += 1;
    }
    assert_eq!(n, 3);
}
