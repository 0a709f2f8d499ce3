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

/// One `#[test]` per fault vector (`name: "file" => reason,`), and the list of them all.
macro_rules! faults {
    ($($name:ident: $file:literal => $want:expr,)*) => {
        const FAULTS: &[(&str, OpenFailure)] = &[$(($file, $want)),*];

        /// Formerly one loop over the fault vectors: one test per vector.
        mod every_envelope_fault_is_refused_with_its_reason {
            use super::*;
            $(
                #[test]
                fn $name() {
                    assert_eq!(open_vector($file).map(|_| ()), Err($want), "{}", $file);
                }
            )*
        }
    };
}

faults! {
    not_age: "not-age.age" => OpenFailure::NotAge,
    wrong_recipient: "wrong-recipient.age" => OpenFailure::NoMatchingKey,
    truncated_payload: "truncated-payload.age" => OpenFailure::Damaged,
    ciphertext_trailing_garbage: "ciphertext-trailing-garbage.age" => OpenFailure::Damaged,
    flipped_bit: "flipped-bit.age" => OpenFailure::Damaged,
    bad_magic: "bad-magic.age" => OpenFailure::NotAnEnvelope,
    unknown_version: "unknown-version.age" => OpenFailure::UnknownVersion(2),
    oversize_header: "oversize-header.age" => OpenFailure::HeaderTooLarge,
    header_trailing_bytes: "header-trailing-bytes.age" => OpenFailure::MalformedHeader,
    unknown_kind: "unknown-kind.age" => OpenFailure::MalformedHeader,
    nonzero_flags: "nonzero-flags.age" => OpenFailure::MalformedHeader,
    name_not_utf8: "name-not-utf8.age" => OpenFailure::MalformedHeader,
    type_control_char: "type-control-char.age" => OpenFailure::MalformedHeader,
    huge_frame_length: "huge-frame-length.age" => OpenFailure::BadFraming,
    short_frame_not_last: "short-frame-not-last.age" => OpenFailure::BadFraming,
    huge_declared_length: "huge-declared-length.age" => OpenFailure::LengthMismatch,
    length_mismatch: "length-mismatch.age" => OpenFailure::LengthMismatch,
    truncated_plaintext: "truncated-plaintext.age" => OpenFailure::Truncated,
    missing_end_record: "missing-end-record.age" => OpenFailure::Truncated,
    nonzero_padding: "nonzero-padding.age" => OpenFailure::BadPadding,
    short_padding: "short-padding.age" => OpenFailure::BadPadding,
    trailing_garbage: "trailing-garbage.age" => OpenFailure::TrailingData,
}

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
}

/// Valid envelopes with hostile names open, with exactly the name that was sealed: one test per
/// vector (they were part of `valid_envelope_vectors_open`).
mod hostile_name_vectors_open_with_the_sealed_name {
    use super::*;

    fn opens(file: &str) {
        let (_, name) = HOSTILE_NAMES.iter().find(|(f, _)| *f == file).unwrap();
        let (h, _) = open_vector(file).unwrap();
        assert_eq!(h.name, *name, "{file}");
    }

    #[test]
    fn dot_dot() {
        opens("name-dotdot.age");
    }

    #[test]
    fn absolute() {
        opens("name-absolute.age");
    }

    #[test]
    fn nul() {
        opens("name-nul.age");
    }

    #[test]
    fn terminal_escape() {
        opens("name-terminal-escape.age");
    }

    #[test]
    fn bidi() {
        opens("name-bidi.age");
    }

    /// Every hostile-name vector has its test above.
    #[test]
    fn all_five_are_tested() {
        assert_eq!(HOSTILE_NAMES.len(), 5);
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
        .chain(["ok.rec".to_string(), "ok-v2.rec".to_string()])
        .collect();
    assert_eq!(records, covered);
}

/// One `#[test]` per record fault vector, and the list of them all.
macro_rules! record_faults {
    ($($name:ident: $file:literal => $want:expr,)*) => {
        const RECORD_FAULTS: &[(&str, RecordError)] = &[$(($file, $want)),*];

        /// Formerly the loop of `record_vectors`: one test per fault vector.
        mod record_vectors {
            use super::*;
            $(
                #[test]
                fn $name() {
                    let bytes = fs::read(workspace_root().join("tests/vectors/records").join($file)).unwrap();
                    assert_eq!(
                        ItemRecord::parse_verified(&bytes, &vector_key()).unwrap_err(),
                        $want,
                        "{}",
                        $file
                    );
                }
            )*
        }
    };
}

record_faults! {
    bad_signature: "bad-signature.rec" => RecordError::BadSignature,
    altered_field: "altered-field.rec" => RecordError::BadSignature,
    unknown_version: "unknown-version.rec" => RecordError::UnknownVersion,
    non_canonical_number: "non-canonical-number.rec" => RecordError::Malformed,
    unsorted_recipients: "unsorted-recipients.rec" => RecordError::Malformed,
    extra_line: "extra-line.rec" => RecordError::Malformed,
    crlf: "crlf.rec" => RecordError::Malformed,
    v1_with_blake3: "v1-with-blake3.rec" => RecordError::Malformed,
    v2_with_sha256: "v2-with-sha256.rec" => RecordError::Malformed,
    oversize: "oversize.rec" => RecordError::TooLarge,
}

/// The key that signed the record vectors.
fn vector_key() -> VerifyingKey {
    let dir = workspace_root().join("tests/vectors");
    VerifyingKey::parse(&fs::read_to_string(dir.join("server-signing.pub")).unwrap()).unwrap()
}

#[test]
fn the_valid_record_vector_verifies() {
    let dir = workspace_root().join("tests/vectors");
    let ok = ItemRecord::parse_verified(
        &fs::read(dir.join("records/ok.rec")).unwrap(),
        &vector_key(),
    )
    .unwrap();
    assert_eq!((ok.size, ok.day.0, ok.kind), (123_456, 20_421, Kind::File));
    assert_eq!(ok.digest, postern_spool::record::Digest::Sha256([0xab; 32]));
    // Version 2: the same fields, a BLAKE3 digest.
    let v2 = ItemRecord::parse_verified(
        &fs::read(dir.join("records/ok-v2.rec")).unwrap(),
        &vector_key(),
    )
    .unwrap();
    assert_eq!(v2.digest, postern_spool::record::Digest::Blake3([0xab; 32]));
    assert_eq!((v2.item, v2.size, v2.day), (ok.item, ok.size, ok.day));
}

/// The `|`-separated fields of the derivation vectors: (codename, salt, source id, classical
/// reply recipient, hybrid reply recipient).
fn derivation_lines() -> Vec<Vec<String>> {
    let text = fs::read_to_string(workspace_root().join("tests/vectors/derivation.txt")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split('|').map(|f| f.trim().to_owned()).collect())
        .collect()
}

/// Vector `n` of `derivation.txt` derives its source id and reply recipient, also from a
/// sloppily typed codename.
fn derivation_vector(n: usize) {
    let lines = derivation_lines();
    let f = &lines[n];
    let keys = derive(
        &Codename::parse(&f[0]).unwrap(),
        &ServerSalt::parse(&f[1]).unwrap(),
        KdfParams::DEFAULT,
    )
    .unwrap();
    assert_eq!(keys.id.to_string(), f[2], "vector {n}");
    assert_eq!(
        keys.classical_reply_recipient().to_string(),
        f[3],
        "vector {n}"
    );
    assert_eq!(keys.reply_recipient().to_string(), f[4], "vector {n}");
    // Sloppy typing of the same codename derives the same keys.
    let sloppy = format!("  {}  ", f[0].to_uppercase().replace(' ', "\t "));
    let again = derive(
        &Codename::parse(&sloppy).unwrap(),
        &ServerSalt::parse(&f[1]).unwrap(),
        KdfParams::DEFAULT,
    )
    .unwrap();
    assert_eq!(again.id, keys.id, "vector {n}");
}

/// Formerly one loop over `derivation.txt`: one test per vector.
mod derivation_vectors {
    use super::*;

    #[test]
    fn first() {
        derivation_vector(0);
    }

    #[test]
    fn second() {
        derivation_vector(1);
    }

    #[test]
    fn third() {
        derivation_vector(2);
    }

    #[test]
    fn there_are_exactly_three() {
        assert_eq!(derivation_lines().len(), 3);
    }
}
