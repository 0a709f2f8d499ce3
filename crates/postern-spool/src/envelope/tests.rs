#![cfg(feature = "open")]

use std::io::Write;

use proptest::prelude::*;

use super::*;
use crate::error::OpenFailure;

fn keys(n: usize) -> (Vec<age::x25519::Identity>, Recipients) {
    let ids: Vec<_> = (0..n).map(|_| age::x25519::Identity::generate()).collect();
    let r = Recipients::new(ids.iter().map(|i| i.to_public()).collect()).unwrap();
    (ids, r)
}

fn header(kind: Kind) -> Header {
    let mut h = Header::new(kind, ItemId::from_bytes([9; 16]), Day(20_000));
    h.name = "r\u{e9}sum\u{e9} 2026.pdf".into();
    h.content_type = "application/pdf".into();
    if kind == Kind::Segment {
        h.segment = Some(SegmentInfo {
            upload_id: UploadId::from_bytes([3; 16]),
            index: 7,
            offset: 1 << 33,
        });
    }
    h
}

fn seal_vec(r: &Recipients, h: &Header, content: &[u8], write_size: usize) -> Vec<u8> {
    let mut s = seal(r, h, Vec::new()).unwrap();
    for chunk in content.chunks(write_size.max(1)) {
        s.write_all(chunk).unwrap();
    }
    assert_eq!(s.content_len(), content.len() as u64);
    s.finish().unwrap()
}

fn open_vec(ct: &[u8], id: &age::x25519::Identity) -> Result<(Header, Vec<u8>), OpenFailure> {
    let mut r = open(ct, [id as &dyn age::Identity]).map_err(|e| e.reason())?;
    let mut out = Vec::new();
    r.copy_to(&mut out).map_err(|e| match e {
        CopyError::Open(e) => e.reason(),
        CopyError::Write(_) => OpenFailure::Io,
    })?;
    Ok((r.header().clone(), out))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn round_trip(
        len in prop_oneof![0usize..300, 65_530usize..65_545, 0usize..(3 << 20)],
        n_recipients in 1usize..=5,
        which in 0usize..5,
        write_size in prop_oneof![Just(1usize << 20), 1usize..70_000],
        kind_idx in 0usize..5,
        seed in any::<u64>(),
    ) {
        let content: Vec<u8> = (0..len).map(|i| (i as u64).wrapping_mul(seed | 1).to_le_bytes()[3]).collect();
        let (ids, r) = keys(n_recipients);
        let h = header(Kind::ALL[kind_idx]);
        let ct = seal_vec(&r, &h, &content, write_size);
        let (got_h, got) = open_vec(&ct, &ids[which % n_recipients]).unwrap();
        prop_assert_eq!(got_h, h);
        prop_assert!(got == content);
        // Not sealed to a stranger.
        let stranger = age::x25519::Identity::generate();
        prop_assert_eq!(open_vec(&ct, &stranger).unwrap_err(), OpenFailure::NoMatchingKey);
    }

    #[test]
    fn plaintext_is_padme_padded_and_independent_of_write_pattern(
        len in 0usize..200_000, a in 1usize..100_000, b in 1usize..100_000,
    ) {
        let content = vec![0x5a; len];
        let h = header(Kind::File);
        let mut one = EnvelopeWriter::new(&h, Vec::new()).unwrap();
        for c in content.chunks(a) { one.write_all(c).unwrap(); }
        let one = one.finish().unwrap();
        let mut two = EnvelopeWriter::new(&h, Vec::new()).unwrap();
        for c in content.chunks(b) { two.write_all(c).unwrap(); two.flush().unwrap(); }
        let two = two.finish().unwrap();
        prop_assert!(one == two);
        prop_assert_eq!(crate::padme::padme(one.len() as u64), one.len() as u64);
        let mut reader = EnvelopeReader::new(one.as_slice()).unwrap();
        let mut out = Vec::new();
        reader.copy_to(&mut out).unwrap();
        prop_assert!(out == content);
    }

    #[test]
    fn header_round_trip(name in ".{0,300}", ty in "[ -~]{0,255}", kind_idx in 0usize..5, day in any::<u32>()) {
        let mut h = header(Kind::ALL[kind_idx]);
        h.name = name;
        h.content_type = ty;
        h.day = Day(day);
        let enc = h.encode().unwrap();
        prop_assert_eq!(Header::decode(&enc), Some(h));
        // Any strict prefix or extension is refused.
        for cut in 0..enc.len() {
            prop_assert_eq!(Header::decode(&enc[..cut]), None);
        }
        let mut longer = enc.clone();
        longer.push(0);
        prop_assert_eq!(Header::decode(&longer), None);
    }
}

#[test]
fn header_limits_on_seal() {
    let mut h = header(Kind::File);
    h.name = "x".repeat(MAX_NAME_LEN + 1);
    assert!(matches!(h.encode(), Err(SealError::InvalidHeader(_))));
    let mut h = header(Kind::File);
    h.content_type = "text/plain\n".into();
    assert!(matches!(h.encode(), Err(SealError::InvalidHeader(_))));
    let mut h = header(Kind::File);
    h.segment = header(Kind::Segment).segment;
    assert!(matches!(h.encode(), Err(SealError::InvalidHeader(_))));
    let mut h = header(Kind::Segment);
    h.segment = None;
    assert!(matches!(h.encode(), Err(SealError::InvalidHeader(_))));
}

#[test]
fn truncated_and_tampered_ciphertext_is_refused() {
    let (ids, r) = keys(2);
    let ct = seal_vec(&r, &header(Kind::File), &vec![7u8; 200_000], 4096);
    for cut in [1usize, 17, 100, 70_000] {
        let short = &ct[..ct.len() - cut];
        assert_eq!(
            open_vec(short, &ids[0]).unwrap_err(),
            OpenFailure::Damaged,
            "cut {cut}"
        );
    }
    let mut flipped = ct.clone();
    let last = flipped.len() - 30;
    flipped[last] ^= 1;
    assert_eq!(
        open_vec(&flipped, &ids[1]).unwrap_err(),
        OpenFailure::Damaged
    );
    let mut longer = ct.clone();
    longer.extend_from_slice(b"garbage");
    assert_eq!(
        open_vec(&longer, &ids[1]).unwrap_err(),
        OpenFailure::Damaged
    );
    assert_eq!(
        open_vec(b"hello world", &ids[0]).unwrap_err(),
        OpenFailure::NotAge
    );
}

#[test]
fn debug_does_not_show_the_file_name() {
    let h = header(Kind::File);
    assert!(!format!("{h:?}").contains("sum"));
}

#[test]
fn reader_stays_failed() {
    let h = header(Kind::Message);
    let mut w = EnvelopeWriter::new(&h, Vec::new()).unwrap();
    w.write_all(b"hi").unwrap();
    let mut pt = w.finish().unwrap();
    let last = pt.len() - 1;
    pt[last] = 1; // non-zero padding
    let mut r = EnvelopeReader::new(pt.as_slice()).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(r.read_content(&mut buf).unwrap(), 2);
    assert_eq!(
        r.read_content(&mut buf).unwrap_err().reason(),
        OpenFailure::BadPadding
    );
    assert_eq!(
        r.read_content(&mut buf).unwrap_err().reason(),
        OpenFailure::BadPadding
    );
}

#[cfg(feature = "async")]
#[test]
fn async_sealer_writes_exactly_what_the_sync_one_would() {
    let (ids, r) = keys(2);
    let h = header(Kind::File);
    let content: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let mut out = futures::io::Cursor::new(Vec::new());
    futures::executor::block_on(async {
        let mut s = seal_async(&r, &h, &mut out).await.unwrap();
        for chunk in content.chunks(7_777) {
            s.write_all(chunk).await.unwrap();
        }
        assert_eq!(s.content_len(), content.len() as u64);
        s.finish().await.unwrap();
    });
    let ct = out.into_inner();
    let (got_h, got) = open_vec(&ct, &ids[1]).unwrap();
    assert_eq!(got_h, h);
    assert!(got == content);
}
