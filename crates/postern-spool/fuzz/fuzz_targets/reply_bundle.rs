//! `read_reply_bundle` on an arbitrary tar stream, with the test-vector key as the newsroom key
//! (so seeds written with it get past the manifest's signature). Whatever it accepts must be what
//! the manifest lists, in its order, each reply's ciphertext exactly its record's size and hash.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use postern_spool::keys::{SigningKey, VerifyingKey};
use postern_spool::replies::{MAX_REPLY_AGE_LEN, read_reply_bundle};

static KEY: LazyLock<VerifyingKey> = LazyLock::new(|| {
    SigningKey::from_secret_text(include_str!("../../../../tests/vectors/server-signing.key"))
        .expect("test vector secret key")
        .verifying_key()
});

fuzz_target!(|data: &[u8]| {
    let mut seen = Vec::new();
    let result = read_reply_bundle(data, &KEY, |reply| {
        assert!(reply.ciphertext.len() as u64 == reply.record.size);
        assert!(reply.record.size <= MAX_REPLY_AGE_LEN);
        assert!(reply.record.digest.matches(&reply.ciphertext));
        seen.push((reply.record.source, reply.record.item));
        Ok(())
    });
    if let Ok(manifest) = result {
        assert_eq!(manifest.replies, seen, "accepted replies differ from the manifest");
    }
});
