//! `Header::decode` on arbitrary bytes; anything accepted must re-encode to exactly the input.

#![no_main]

use libfuzzer_sys::fuzz_target;
use postern_spool::envelope::{Header, MAX_HEADER_LEN};

fuzz_target!(|data: &[u8]| {
    if let Some(header) = Header::decode(data) {
        let encoded = header.encode().expect("a decoded header must encode");
        assert!(
            encoded == data,
            "decode/encode is not a canonical round trip"
        );
        assert!(encoded.len() <= 1337 && encoded.len() <= MAX_HEADER_LEN as usize);
    }
});
