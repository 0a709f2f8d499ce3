//! `EnvelopeReader` over an arbitrary plaintext (the layer inside age).
//!
//! Reads the content twice, once in large reads from a plain slice and once in tiny reads from a
//! reader that trickles 1 to 3 bytes and sometimes reports `Interrupted`, and checks that both give
//! the same content and the same outcome. An accepted envelope must re-encode to the input exactly.

#![no_main]

use std::io::{self, Read, Write};

use libfuzzer_sys::fuzz_target;
use postern_spool::OpenFailure;
use postern_spool::envelope::{EnvelopeReader, EnvelopeWriter, Header};

/// Hands out at most 1 to 3 bytes per call and, every fifth call, `Interrupted`.
struct Trickle<'a> {
    data: &'a [u8],
    calls: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls % 5 == 0 {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = (self.calls % 3 + 1).min(buf.len()).min(self.data.len());
        let (head, tail) = self.data.split_at(n);
        buf[..n].copy_from_slice(head);
        self.data = tail;
        Ok(n)
    }
}

type Outcome = Result<(Header, Vec<u8>), OpenFailure>;

fn read_all<R: Read>(input: R, buf_len: usize, max_steps: usize) -> Outcome {
    let mut r = EnvelopeReader::new(input).map_err(|e| e.reason())?;
    let mut content = Vec::new();
    let mut buf = vec![0u8; buf_len];
    for _ in 0..max_steps {
        match r.read_content(&mut buf) {
            Ok(0) => {
                assert_eq!(r.content_len(), content.len() as u64);
                // Once done, it stays done.
                assert_eq!(r.read_content(&mut buf).ok(), Some(0));
                return Ok((r.header().clone(), content));
            }
            Ok(n) => {
                assert!(n <= buf.len());
                content.extend_from_slice(&buf[..n]);
            }
            Err(e) => {
                assert_ne!(e.reason(), OpenFailure::Io, "a slice reader cannot fail");
                // Once failed, it stays failed, with the same reason.
                let again = r.read_content(&mut buf).map_err(|e| e.reason());
                assert_eq!(again, Err(e.reason()));
                return Err(e.reason());
            }
        }
    }
    panic!("no end after {max_steps} reads of a {buf_len}-byte buffer");
}

fuzz_target!(|data: &[u8]| {
    // Every successful read returns at least one byte of input, so this bounds the loop.
    let bound = data.len() + 16;
    let big = read_all(data, 65_536, bound);
    let small = read_all(Trickle { data, calls: 0 }, 7, bound);
    match (&big, &small) {
        (Ok((h1, c1)), Ok((h2, c2))) => {
            assert!(h1 == h2, "header differs with read size");
            assert_eq!(c1, c2, "content differs with read size");
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "failure reason differs with read size"),
        _ => panic!(
            "outcome differs with read size: {:?} vs {:?}",
            big.as_ref().err(),
            small.as_ref().err()
        ),
    }
    if let Ok((header, content)) = big {
        // Canonical: an accepted envelope is exactly what the writer makes of its header and content.
        let mut w = EnvelopeWriter::new(&header, Vec::new()).expect("accepted header must encode");
        w.write_all(&content).expect("write to Vec");
        let again = w.finish().expect("finish to Vec");
        assert!(again == data, "accepted envelope is not canonical");
    }
});
