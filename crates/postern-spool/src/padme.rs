//! PADMÉ padding (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and
//! Communication with PURBs", PETS 2019).
//!
//! A length `L` is rounded up so that only the top `floor(log2(floor(log2 L))) + 1` bits of it
//! remain significant. The overhead is at most about 12% and falls as files grow, while the number
//! of distinct padded sizes, and so what a stored size reveals, is `O(log log L)` bits.

/// The PADMÉ bucket of `len`: the smallest permitted size that is at least `len`.
///
/// Lengths so large that rounding up would overflow are returned unchanged (no real file comes
/// within a factor of two of `u64::MAX`).
pub fn padme(len: u64) -> u64 {
    if len < 2 {
        return len;
    }
    let e = 63 - u64::from(len.leading_zeros()); // floor(log2 len)
    let s = 64 - u64::from(e.leading_zeros()); // floor(log2 e) + 1
    let last_bits = e - s;
    let mask = (1u64 << last_bits) - 1;
    match len.checked_add(mask) {
        Some(v) => v & !mask,
        None => len,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Values from the PURBs paper's reference implementation.
        assert_eq!(padme(0), 0);
        assert_eq!(padme(1), 1);
        assert_eq!(padme(2), 2);
        assert_eq!(padme(9), 10);
        assert_eq!(padme(100), 104);
        assert_eq!(padme(1000), 1024);
        assert_eq!(padme(1025), 1088);
        assert_eq!(padme(1 << 30), 1 << 30);
        assert_eq!(padme((1 << 30) + 1), (1 << 30) + (1 << 25));
    }

    #[test]
    fn monotone_bounded_and_idempotent() {
        let mut prev = 0;
        for len in 0..100_000u64 {
            let p = padme(len);
            assert!(p >= len && p >= prev);
            assert!(p as f64 <= len as f64 * 1.125 + 1.0, "{len} -> {p}");
            assert_eq!(padme(p), p);
            prev = p;
        }
        assert_eq!(padme(u64::MAX), u64::MAX);
    }
}
