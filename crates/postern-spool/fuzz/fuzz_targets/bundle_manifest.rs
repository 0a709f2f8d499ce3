//! The bundle manifest parser behind a valid signature: the input is a manifest body, signed with
//! the test-vector server key before parsing (and parsed once more unsigned, as it is). Anything
//! accepted must re-sign to exactly the signed bytes and keep the format's rules: 1 to 8192
//! items, none twice, each source's items in one run, 1 <= part <= parts.

#![no_main]

use std::collections::HashSet;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use postern_spool::bundle::{BundleManifest, MAX_PART_ITEMS};
use postern_spool::keys::{Domain, SigningKey};

static KEY: LazyLock<SigningKey> = LazyLock::new(|| {
    SigningKey::from_secret_text(include_str!("../../../../tests/vectors/server-signing.key"))
        .expect("test vector secret key")
});

fn signed(key: &SigningKey, body: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = body.to_vec();
    out.extend_from_slice(b"sig ");
    for b in key.sign(Domain::BundleManifest, body) {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 15)]);
    }
    out.push(b'\n');
    out
}

fuzz_target!(|body: &[u8]| {
    let sk = &*KEY;
    let vk = sk.verifying_key();
    let _ = BundleManifest::parse_verified(body, &vk);
    let text = signed(sk, body);
    if let Ok(m) = BundleManifest::parse_verified(&text, &vk) {
        assert!(m.sign(sk).expect("an accepted manifest signs").as_bytes() == text);
        assert!(m.part >= 1 && m.part <= m.parts);
        assert!(!m.items.is_empty() && m.items.len() <= MAX_PART_ITEMS);
        let mut items = HashSet::new();
        let mut done = HashSet::new();
        let mut current = None;
        for (s, i) in &m.items {
            assert!(items.insert(*i), "an item twice");
            if current != Some(*s) {
                if let Some(c) = current {
                    done.insert(c);
                }
                assert!(!done.contains(s), "a source in two runs");
                current = Some(*s);
            }
        }
    }
});
