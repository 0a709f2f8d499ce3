use std::collections::HashMap;

use proptest::prelude::*;
use sha2::{Digest, Sha256};

use super::*;
use crate::day::Day;
use crate::envelope::SegmentInfo;

/// A segment item as the store holds it: its record's facts, its envelope header and content.
#[derive(Clone)]
struct StoredSegment {
    kind: Kind,
    sha256: [u8; 32],
    header: Header,
    content: Vec<u8>,
}

fn item(n: u64, salt: u8) -> ItemId {
    let mut b = [salt; 16];
    b[..8].copy_from_slice(&n.to_be_bytes());
    ItemId::from_bytes(b)
}

fn segment(
    upload: UploadId,
    item: ItemId,
    index: u64,
    offset: u64,
    content: &[u8],
) -> StoredSegment {
    let mut header = Header::new(Kind::Segment, item, Day(20_000));
    header.segment = Some(SegmentInfo {
        upload_id: upload,
        index,
        offset,
    });
    // Stands for the SHA-256 of the ciphertext: distinct per item and content.
    let mut h = Sha256::new();
    h.update(item.as_bytes());
    h.update(content);
    StoredSegment {
        kind: Kind::Segment,
        sha256: h.finalize().into(),
        header,
        content: content.to_vec(),
    }
}

/// Splits `data` at `cuts` into segments of upload `upload`, padded with `pad` zeros.
fn build(
    data: &[u8],
    cuts: &[usize],
    pad: usize,
    upload: UploadId,
) -> (Manifest, HashMap<ItemId, StoredSegment>) {
    let mut all = data.to_vec();
    all.extend(std::iter::repeat_n(0u8, pad));
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|c| c % all.len().max(1))
        .filter(|c| *c > 0)
        .collect();
    points.push(all.len());
    points.sort_unstable();
    points.dedup();
    let mut store = HashMap::new();
    let mut segments = Vec::new();
    let mut start = 0usize;
    for (index, end) in points.into_iter().enumerate() {
        let id = item(index as u64, 7);
        let s = segment(upload, id, index as u64, start as u64, &all[start..end]);
        segments.push(SegmentEntry {
            index: index as u64,
            item: id,
            offset: start as u64,
            length: (end - start) as u64,
            digest: s.sha256,
        });
        store.insert(id, s);
        start = end;
    }
    let m = Manifest {
        upload,
        length: all.len() as u64,
        content: data.len() as u64,
        encrypted: false,
        meta: vec![0xa5; 40],
        segments,
    };
    (m, store)
}

/// What the reviewer does: parse, plan, then read each segment in order through `Reassembly`,
/// in pieces of `chunk` bytes.
fn reassemble(
    manifest_text: &[u8],
    store: &HashMap<ItemId, StoredSegment>,
    chunk: usize,
) -> Result<Vec<u8>, SegmentError> {
    let m = Manifest::parse(manifest_text)?;
    let plan = m.plan(|id| store.get(id).map(|s| (s.kind, s.sha256)))?;
    let mut r = Reassembly::new(&plan);
    let mut out = Vec::new();
    while let Some(step) = r.next_step() {
        let s = store
            .get(&step.item)
            .ok_or(SegmentError::Missing(step.index))?;
        r.begin(&s.header)?;
        for piece in s.content.chunks(chunk.max(1)) {
            out.extend_from_slice(r.feed(piece)?);
        }
        r.end()?;
    }
    r.finish()?;
    Ok(out)
}

fn upload(n: u8) -> UploadId {
    UploadId::from_bytes([n; 16])
}

#[derive(Clone, Debug)]
enum Tamper {
    /// The manifest leaves a segment out.
    DropEntry(usize),
    /// The manifest lists a segment twice.
    DuplicateEntry(usize),
    /// The manifest swaps two segments (offsets and indexes kept with their lines).
    SwapEntries(usize, usize),
    /// Two segments' places swapped, with indexes and offsets renumbered to look contiguous.
    SwapRenumbered(usize, usize),
    /// A segment's stored content is cut short.
    TruncateSegment(usize),
    /// A segment's stored content grows by a byte.
    ExtendSegment(usize),
    /// A segment is missing from the store.
    DropStored(usize),
    /// A segment of another upload (same length, valid record) takes a segment's place.
    Foreign(usize),
    /// A segment's record names another ciphertext.
    OtherCiphertext(usize),
    /// The manifest claims a shorter total.
    ShortTotal,
    /// A stored segment claims another offset in its envelope.
    MovedSegment(usize),
    /// A padding byte is not zero.
    DirtyPadding,
}

fn apply(t: &Tamper, m: &mut Manifest, store: &mut HashMap<ItemId, StoredSegment>) -> bool {
    let n = m.segments.len();
    match *t {
        Tamper::DropEntry(i) => {
            m.segments.remove(i % n);
        }
        Tamper::DuplicateEntry(i) => {
            let e = m.segments[i % n];
            m.segments.insert(i % n, e);
        }
        Tamper::SwapEntries(i, j) => {
            if n < 2 || i % n == j % n {
                return false;
            }
            m.segments.swap(i % n, j % n);
        }
        Tamper::SwapRenumbered(i, j) => {
            if n < 2 || i % n == j % n {
                return false;
            }
            m.segments.swap(i % n, j % n);
            let mut off = 0;
            for (k, e) in m.segments.iter_mut().enumerate() {
                e.index = k as u64;
                e.offset = off;
                off += e.length;
            }
        }
        Tamper::TruncateSegment(i) => {
            let id = m.segments[i % n].item;
            store.get_mut(&id).unwrap().content.pop();
        }
        Tamper::ExtendSegment(i) => {
            let id = m.segments[i % n].item;
            store.get_mut(&id).unwrap().content.push(0);
        }
        Tamper::DropStored(i) => {
            store.remove(&m.segments[i % n].item);
        }
        Tamper::Foreign(i) => {
            let e = &mut m.segments[i % n];
            let id = item(e.index, 9);
            let content = store[&e.item].content.clone();
            let s = segment(upload(2), id, e.index, e.offset, &content);
            e.item = id;
            e.digest = s.sha256;
            store.insert(id, s);
        }
        Tamper::OtherCiphertext(i) => {
            let id = m.segments[i % n].item;
            store.get_mut(&id).unwrap().sha256[0] ^= 1;
        }
        Tamper::ShortTotal => {
            if m.length == 0 {
                return false;
            }
            m.length -= 1;
            m.content = m.content.min(m.length);
        }
        Tamper::MovedSegment(i) => {
            let id = m.segments[i % n].item;
            let h = &mut store.get_mut(&id).unwrap().header;
            if let Some(seg) = h.segment.as_mut() {
                seg.offset += 1;
            }
        }
        Tamper::DirtyPadding => {
            if m.length == m.content {
                return false;
            }
            let last = m.segments[n - 1].item;
            let c = &mut store.get_mut(&last).unwrap().content;
            *c.last_mut().unwrap() = 1;
        }
    }
    true
}

fn tamper_strategy() -> impl Strategy<Value = Tamper> {
    let i = 0usize..64;
    prop_oneof![
        i.clone().prop_map(Tamper::DropEntry),
        i.clone().prop_map(Tamper::DuplicateEntry),
        (i.clone(), i.clone()).prop_map(|(a, b)| Tamper::SwapEntries(a, b)),
        (i.clone(), i.clone()).prop_map(|(a, b)| Tamper::SwapRenumbered(a, b)),
        i.clone().prop_map(Tamper::TruncateSegment),
        i.clone().prop_map(Tamper::ExtendSegment),
        i.clone().prop_map(Tamper::DropStored),
        i.clone().prop_map(Tamper::Foreign),
        i.clone().prop_map(Tamper::OtherCiphertext),
        Just(Tamper::ShortTotal),
        i.clone().prop_map(Tamper::MovedSegment),
        Just(Tamper::DirtyPadding),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_cut_points_reassemble_to_the_input(
        data in proptest::collection::vec(any::<u8>(), 1..4096),
        cuts in proptest::collection::vec(any::<usize>(), 0..40),
        pad in 0usize..300,
        chunk in 1usize..700,
    ) {
        let (m, store) = build(&data, &cuts, pad, upload(1));
        let text = m.encode();
        prop_assert_eq!(Manifest::parse(text.as_bytes()).unwrap(), m.clone());
        let out = reassemble(text.as_bytes(), &store, chunk).unwrap();
        prop_assert_eq!(out, data);
    }

    #[test]
    fn every_tampering_of_the_segment_set_is_refused(
        data in proptest::collection::vec(any::<u8>(), 2..2048),
        cuts in proptest::collection::vec(any::<usize>(), 1..20),
        pad in 0usize..100,
        chunk in 1usize..500,
        t in tamper_strategy(),
    ) {
        let (mut m, mut store) = build(&data, &cuts, pad, upload(1));
        prop_assume!(apply(&t, &mut m, &mut store));
        let r = reassemble(m.encode().as_bytes(), &store, chunk);
        prop_assert!(r.is_err(), "{:?} was accepted", t);
    }

    #[test]
    fn manifest_parsing_never_panics_and_is_canonical(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(m) = Manifest::parse(&bytes) {
            prop_assert_eq!(m.encode().into_bytes(), bytes);
        }
    }
}

#[test]
fn every_single_byte_change_of_a_manifest_is_refused_or_changes_the_plan() {
    let data: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
    let (m, store) = build(&data, &[100, 350, 351, 900], 24, upload(1));
    let text = m.encode().into_bytes();
    assert_eq!(reassemble(&text, &store, 64).unwrap(), data);
    // The `content` line is the one field the tiling cannot check (it only says where the
    // padding starts; a non-zero "padding" byte is still refused): it may change the output.
    let content_line = {
        let s = String::from_utf8(text.clone()).unwrap();
        let start = s.find("content ").unwrap();
        start..start + s[start..].find('\n').unwrap()
    };
    let meta_line = {
        let s = String::from_utf8(text.clone()).unwrap();
        let start = s.find("meta ").unwrap();
        start..start + s[start..].find('\n').unwrap()
    };
    let mut refused = 0;
    for i in 0..text.len() {
        for flip in [0x01u8, 0x20] {
            let mut b = text.clone();
            b[i] ^= flip;
            match reassemble(&b, &store, 64) {
                Err(_) => refused += 1,
                // The sealed `meta` is authenticated by age when the reviewer opens it.
                Ok(out) => assert!(
                    (content_line.contains(&i) && out != data) || meta_line.contains(&i),
                    "byte {i} ^ {flip:#x} accepted"
                ),
            }
        }
    }
    assert!(refused > text.len());
}

#[test]
fn non_canonical_manifests_are_refused() {
    let (m, _) = build(b"hello world", &[5], 0, upload(1));
    let good = m.encode();
    assert!(Manifest::parse(good.as_bytes()).is_ok());
    for bad in [
        good.replace("length 11", "length 011"),
        good.replace("postern-manifest 1", "postern-manifest 2"),
        good.replace("end 2", "end 3"),
        good.replace('\n', "\r\n"),
        format!("{good}\n"),
        good.trim_end().to_owned(),
        good.replace("content 11", "content 12"),
        good.replace("segment 0 ", "segment  0 "),
        good.replace("encrypted 0", "encrypted 2"),
        good.replace("encrypted 0\n", ""),
    ] {
        assert!(Manifest::parse(bad.as_bytes()).is_err(), "{bad:?}");
    }
}
