//! The record field parser behind a valid signature: the input is a record body, which is signed
//! with the test-vector server key for each domain before parsing. Anything accepted must re-sign to
//! exactly the signed bytes, and a signature for one domain must never pass for the other.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use postern_spool::keys::{Domain, SigningKey, VerifyingKey};
use postern_spool::record::{ItemRecord, SourceRecord};

static KEY: LazyLock<SigningKey> = LazyLock::new(|| {
    SigningKey::from_secret_text(include_str!("../../../../tests/vectors/server-signing.key"))
        .expect("test vector secret key")
});

fn signed(key: &SigningKey, domain: Domain, body: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = body.to_vec();
    out.extend_from_slice(b"sig ");
    for b in key.sign(domain, body) {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 15)]);
    }
    out.push(b'\n');
    out
}

fuzz_target!(|body: &[u8]| {
    let sk = &*KEY;
    let vk: VerifyingKey = sk.verifying_key();
    let item = signed(sk, Domain::ItemRecord, body);
    let source = signed(sk, Domain::SourceRecord, body);
    if let Ok(rec) = ItemRecord::parse_verified(&item, &vk) {
        assert!(rec.sign(sk).as_bytes() == item, "item record not canonical");
    }
    if let Ok(rec) = SourceRecord::parse_verified(&source, &vk) {
        assert!(
            rec.sign(sk).as_bytes() == source,
            "source record not canonical"
        );
    }
    assert!(
        ItemRecord::parse_verified(&source, &vk).is_err(),
        "domain confusion"
    );
    assert!(
        SourceRecord::parse_verified(&item, &vk).is_err(),
        "domain confusion"
    );
});
