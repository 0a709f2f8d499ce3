//! Item and source records from arbitrary bytes, verified with the pinned test-vector server key
//! (`tests/vectors/server-signing.pub`). Anything accepted must re-sign to exactly the input.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use postern_spool::keys::{SigningKey, VerifyingKey};
use postern_spool::record::{ItemRecord, SourceRecord};

static KEYS: LazyLock<(SigningKey, VerifyingKey)> = LazyLock::new(|| {
    let public = VerifyingKey::parse(include_str!("../../../../tests/vectors/server-signing.pub"))
        .expect("test vector public key");
    let secret =
        SigningKey::from_secret_text(include_str!("../../../../tests/vectors/server-signing.key"))
            .expect("test vector secret key");
    assert_eq!(secret.verifying_key(), public);
    (secret, public)
});

fuzz_target!(|data: &[u8]| {
    let (sk, vk) = &*KEYS;
    if let Ok(rec) = ItemRecord::parse_verified(data, vk) {
        assert!(rec.sign(sk).as_bytes() == data, "item record not canonical");
    }
    if let Ok(rec) = SourceRecord::parse_verified(data, vk) {
        assert!(
            rec.sign(sk).as_bytes() == data,
            "source record not canonical"
        );
    }
});
