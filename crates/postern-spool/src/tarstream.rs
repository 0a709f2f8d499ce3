//! A strict, bounded reader of the tar streams Postern writes: bundles and reply bundles.
//!
//! The `tar` crate reads GNU long-name, long-link and PAX extension entries whole into memory
//! before its caller sees anything, whatever size their header declares, and its errors quote the
//! offending header field. This reader parses the 512-byte headers itself instead. It:
//!
//! - checks every header's checksum and magic (POSIX ustar `ustar\0` `00`, or GNU `ustar  \0`);
//! - refuses a GNU long-name (`L`) entry or a PAX per-file (`x`) header larger than
//!   [`MAX_EXTENSION_LEN`] from its header alone, before it reads a byte of it, and allows at most
//!   one of each before an entry;
//! - hands other extension kinds (`K` long link, `g` PAX global header) to its caller as entries of
//!   their own type, unread, so the caller's "regular files only" check refuses them;
//! - never buffers entry data: the caller reads it through [`TarReader::data`], and whatever it
//!   leaves is skipped in bounded chunks;
//! - says what went wrong in fixed words, never quoting a byte of the input.
//!
//! Reading stops at the first all-zero block, or at a clean end of the stream at an entry
//! boundary (which is indistinguishable from a complete stream, `docs/spool-format.md` §8).

use std::io::{self, Read};

/// Size of a tar block.
const BLOCK: usize = 512;
/// Largest GNU long-name entry or PAX extended header accepted, in bytes. Postern's longest entry
/// name is 130 bytes; a few KiB is plenty for any honest writer.
pub const MAX_EXTENSION_LEN: u64 = 4096;

/// The header of one entry, after its extensions were applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EntryHeader {
    /// The type flag byte (`b'0'` or `0` for a regular file).
    pub kind: u8,
    /// The entry's name: PAX `path`, else GNU long name, else ustar prefix and name.
    pub name: Vec<u8>,
    /// Size of the entry's data, in bytes.
    pub size: u64,
}

impl EntryHeader {
    /// A regular file (type `0` or NUL).
    pub fn is_regular(&self) -> bool {
        self.kind == b'0' || self.kind == 0
    }
}

fn bad(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

fn truncated() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the tar stream ends inside an entry",
    )
}

/// Reads tar entries one header at a time.
pub(crate) struct TarReader<R> {
    inner: R,
    /// Data bytes of the current entry not yet read by the caller.
    remaining: u64,
    /// Padding after the current entry's data.
    padding: u64,
    done: bool,
}

impl<R: Read> TarReader<R> {
    pub fn new(inner: R) -> Self {
        TarReader {
            inner,
            remaining: 0,
            padding: 0,
            done: false,
        }
    }

    /// The next entry, or `None` at the end of the archive. Skips what the caller left of the
    /// previous entry.
    pub fn next_entry(&mut self) -> io::Result<Option<EntryHeader>> {
        if self.done {
            return Ok(None);
        }
        let rest = self.remaining.saturating_add(self.padding);
        self.remaining = 0;
        self.padding = 0;
        self.skip(rest)?;
        let mut long_name: Option<Vec<u8>> = None;
        let mut pax: Option<Pax> = None;
        loop {
            let mut block = [0u8; BLOCK];
            if !self.read_block(&mut block)? {
                if long_name.is_some() || pax.is_some() {
                    return Err(truncated());
                }
                self.done = true;
                return Ok(None);
            }
            if block.iter().all(|b| *b == 0) {
                if long_name.is_some() || pax.is_some() {
                    return Err(bad("the tar stream ends after an extension header"));
                }
                self.done = true;
                return Ok(None);
            }
            let header = Header::parse(&block)?;
            match header.kind {
                b'L' | b'x' => {
                    // Refused from the header alone, before a byte of it is read.
                    if header.size > MAX_EXTENSION_LEN {
                        return Err(bad(if header.kind == b'L' {
                            "a GNU long-name entry is larger than 4 KiB"
                        } else {
                            "a PAX extended header is larger than 4 KiB"
                        }));
                    }
                    let data = self.read_small(header.size)?;
                    if header.kind == b'L' {
                        if long_name.is_some() {
                            return Err(bad("two GNU long-name entries in a row"));
                        }
                        long_name = Some(trim_nul(&data).to_vec());
                    } else {
                        if pax.is_some() {
                            return Err(bad("two PAX extended headers in a row"));
                        }
                        pax = Some(Pax::parse(&data)?);
                    }
                }
                kind => {
                    let size = pax.as_ref().and_then(|p| p.size).unwrap_or(header.size);
                    let name = pax
                        .and_then(|p| p.path)
                        .or(long_name)
                        .unwrap_or(header.name);
                    if kind == b'0' || kind == 0 {
                        self.remaining = size;
                        self.padding = padding(size);
                    } else {
                        // Not a regular file: its data (a long link, a global header) is never
                        // read; the caller refuses it, and nothing after it is read.
                        self.done = true;
                    }
                    return Ok(Some(EntryHeader { kind, name, size }));
                }
            }
        }
    }

    /// A reader of the current entry's data: exactly its size, then end of file.
    pub fn data(&mut self) -> EntryData<'_, R> {
        EntryData { tar: self }
    }

    /// Reads one block; `false` at a clean end of the stream before its first byte.
    fn read_block(&mut self, block: &mut [u8; BLOCK]) -> io::Result<bool> {
        let mut got = 0;
        while got < BLOCK {
            let Some(dst) = block.get_mut(got..) else {
                break;
            };
            match self.inner.read(dst) {
                Ok(0) if got == 0 => return Ok(false),
                Ok(0) => return Err(truncated()),
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// Reads an extension's data (at most [`MAX_EXTENSION_LEN`]) and its padding.
    fn read_small(&mut self, size: u64) -> io::Result<Vec<u8>> {
        let mut data = Vec::new();
        (&mut self.inner).take(size).read_to_end(&mut data)?;
        if data.len() as u64 != size {
            return Err(truncated());
        }
        self.skip(padding(size))?;
        Ok(data)
    }

    fn skip(&mut self, n: u64) -> io::Result<()> {
        let copied = io::copy(&mut (&mut self.inner).take(n), &mut io::sink())?;
        if copied != n {
            return Err(truncated());
        }
        Ok(())
    }
}

/// The data of the current entry; see [`TarReader::data`].
pub(crate) struct EntryData<'a, R> {
    tar: &'a mut TarReader<R>,
}

impl<R: Read> Read for EntryData<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.tar.remaining == 0 || buf.is_empty() {
            return Ok(0);
        }
        let max = usize::try_from(self.tar.remaining)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let dst = buf.get_mut(..max).unwrap_or(&mut []);
        let n = self.tar.inner.read(dst)?;
        if n == 0 {
            return Err(truncated());
        }
        self.tar.remaining = self.tar.remaining.saturating_sub(n as u64);
        Ok(n)
    }
}

fn padding(size: u64) -> u64 {
    (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64
}

fn trim_nul(b: &[u8]) -> &[u8] {
    let end = b.iter().position(|c| *c == 0).unwrap_or(b.len());
    b.get(..end).unwrap_or(b)
}

/// The fields of one 512-byte header that Postern uses.
struct Header {
    kind: u8,
    name: Vec<u8>,
    size: u64,
}

impl Header {
    fn parse(block: &[u8; BLOCK]) -> io::Result<Header> {
        let field = |a: usize, b: usize| block.get(a..b).unwrap_or(&[]);
        let stored =
            parse_octal(field(148, 156)).ok_or(bad("a tar header's checksum is not a number"))?;
        let sum: u64 = block
            .iter()
            .enumerate()
            .map(|(i, b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u64::from(*b)
                }
            })
            .sum();
        if stored != sum {
            return Err(bad("a tar header's checksum is wrong"));
        }
        let ustar = field(257, 263) == b"ustar\0" && field(263, 265) == b"00";
        let gnu = field(257, 265) == b"ustar  \0";
        if !ustar && !gnu {
            return Err(bad("a header is neither POSIX ustar nor GNU tar"));
        }
        let size =
            parse_numeric(field(124, 136)).ok_or(bad("a tar header's size is not a number"))?;
        let mut name = trim_nul(field(0, 100)).to_vec();
        let prefix = trim_nul(field(345, 500));
        if ustar && !prefix.is_empty() {
            let mut full = prefix.to_vec();
            full.push(b'/');
            full.extend_from_slice(&name);
            name = full;
        }
        Ok(Header {
            kind: block.get(156).copied().unwrap_or(0),
            name,
            size,
        })
    }
}

/// An octal field: optional leading spaces, octal digits, then NULs or spaces to the end.
fn parse_octal(f: &[u8]) -> Option<u64> {
    let start = f.iter().position(|b| *b != b' ')?;
    let rest = f.get(start..)?;
    let digits = rest
        .iter()
        .take_while(|b| (b'0'..=b'7').contains(b))
        .count();
    if digits == 0 || !rest.get(digits..)?.iter().all(|b| *b == 0 || *b == b' ') {
        return None;
    }
    rest.get(..digits)?.iter().try_fold(0u64, |acc, d| {
        acc.checked_mul(8)?.checked_add(u64::from(d - b'0'))
    })
}

/// A numeric field: octal, or GNU base-256 (first byte's high bit set) for large sizes.
fn parse_numeric(f: &[u8]) -> Option<u64> {
    match f.first() {
        Some(first) if first & 0x80 != 0 => {
            if first & 0x40 != 0 {
                return None; // negative
            }
            let head = u64::from(first & 0x3f);
            f.get(1..)?.iter().try_fold(head, |acc, b| {
                acc.checked_mul(256)?.checked_add(u64::from(*b))
            })
        }
        _ => parse_octal(f),
    }
}

/// The PAX keys Postern applies; every other key is ignored.
struct Pax {
    path: Option<Vec<u8>>,
    size: Option<u64>,
}

impl Pax {
    /// Records `"<len> <key>=<value>\n"`, where `<len>` counts the whole record.
    fn parse(mut data: &[u8]) -> io::Result<Pax> {
        let malformed = || bad("a PAX extended header is malformed");
        let mut pax = Pax {
            path: None,
            size: None,
        };
        while !data.is_empty() {
            let sp = data.iter().position(|b| *b == b' ').ok_or_else(malformed)?;
            let len_text = data.get(..sp).ok_or_else(malformed)?;
            if len_text.is_empty() || len_text.len() > 5 || !len_text.iter().all(u8::is_ascii_digit)
            {
                return Err(malformed());
            }
            let len: usize = std::str::from_utf8(len_text)
                .ok()
                .and_then(|t| t.parse().ok())
                .ok_or_else(malformed)?;
            let record = data.get(..len).ok_or_else(malformed)?;
            data = data.get(len..).ok_or_else(malformed)?;
            let body = record
                .get(sp + 1..)
                .and_then(|r| r.strip_suffix(b"\n"))
                .ok_or_else(malformed)?;
            let eq = body.iter().position(|b| *b == b'=').ok_or_else(malformed)?;
            let key = body.get(..eq).ok_or_else(malformed)?;
            let value = body.get(eq + 1..).ok_or_else(malformed)?;
            match key {
                b"path" => pax.path = Some(value.to_vec()),
                b"size" => {
                    let text = std::str::from_utf8(value).map_err(|_| malformed())?;
                    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(malformed());
                    }
                    pax.size = Some(text.parse().map_err(|_| malformed())?);
                }
                _ => {}
            }
        }
        Ok(pax)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(name: &[u8], kind: u8, size: u64, gnu: bool) -> [u8; BLOCK] {
        let mut h = [0u8; BLOCK];
        h[..name.len()].copy_from_slice(name);
        h[100..108].copy_from_slice(b"0000600\0");
        h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
        h[156] = kind;
        if gnu {
            h[257..265].copy_from_slice(b"ustar  \0");
        } else {
            h[257..263].copy_from_slice(b"ustar\0");
            h[263..265].copy_from_slice(b"00");
        }
        h[148..156].fill(b' ');
        let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        h
    }

    fn entry(out: &mut Vec<u8>, name: &[u8], kind: u8, data: &[u8]) {
        out.extend_from_slice(&header(name, kind, data.len() as u64, true));
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(BLOCK) * BLOCK, 0);
    }

    fn read_all(bytes: &[u8]) -> io::Result<Vec<(EntryHeader, Vec<u8>)>> {
        let mut t = TarReader::new(bytes);
        let mut out = Vec::new();
        while let Some(h) = t.next_entry()? {
            let mut data = Vec::new();
            t.data().read_to_end(&mut data)?;
            out.push((h, data));
        }
        Ok(out)
    }

    #[test]
    fn reads_what_the_tar_crate_writes() {
        let long = format!("postern-bundle/{}", "a".repeat(200));
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in [("short", &b"hello"[..]), (long.as_str(), &[7u8; 1000][..])] {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o600);
            h.set_entry_type(tar::EntryType::Regular);
            b.append_data(&mut h, name, data).unwrap();
        }
        let bytes = b.into_inner().unwrap();
        let got = read_all(&bytes).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0.name, b"short");
        assert_eq!(got[0].1, b"hello");
        assert_eq!(got[1].0.name, long.as_bytes());
        assert_eq!(got[1].1, vec![7u8; 1000]);
    }

    #[test]
    fn oversized_extensions_are_refused_before_they_are_read() {
        for kind in [b'L', b'x'] {
            // A header that declares 2 GiB, and nothing after it: refused from the header alone.
            let bytes = header(b"././@LongLink", kind, 2 << 30, true);
            let e = read_all(&bytes).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
            assert!(e.to_string().contains("larger than 4 KiB"), "{e}");
        }
    }

    #[test]
    fn pax_path_and_size_apply_and_links_stay_unread() {
        let mut out = Vec::new();
        let rec = |k: &str, v: &str| {
            let body = format!(" {k}={v}\n");
            let mut n = body.len() + 1;
            while format!("{n}{body}").len() != n {
                n += 1;
            }
            format!("{n}{body}")
        };
        let pax = format!("{}{}", rec("path", "pax/name"), rec("mtime", "1.5"));
        entry(&mut out, b"PaxHeader", b'x', pax.as_bytes());
        entry(&mut out, b"ignored", b'0', b"abc");
        entry(&mut out, b"link", b'K', &[b'a'; 100]);
        let mut t = TarReader::new(&out[..]);
        let h = t.next_entry().unwrap().unwrap();
        assert_eq!((h.name.as_slice(), h.size), (&b"pax/name"[..], 3));
        let h = t.next_entry().unwrap().unwrap();
        assert_eq!(h.kind, b'K');
        assert!(!h.is_regular());
        assert!(t.next_entry().unwrap().is_none());
    }

    #[test]
    fn damaged_headers_are_refused_without_quoting_them() {
        let mut out = Vec::new();
        entry(&mut out, b"\x1b]0;pwned\x07", b'0', b"x");
        let mut bad_sum = out.clone();
        bad_sum[0] ^= 1;
        let e = read_all(&bad_sum).unwrap_err();
        assert!(e.to_string().contains("checksum"), "{e}");
        let mut not_tar = out.clone();
        not_tar[257] = b'X';
        // Fix the checksum so only the magic is wrong.
        not_tar[148..156].fill(b' ');
        let sum: u32 = not_tar[..BLOCK].iter().map(|b| u32::from(*b)).sum();
        not_tar[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        let e = read_all(&not_tar).unwrap_err();
        assert!(!e.to_string().contains('\x1b'));
        assert!(e.to_string().contains("neither"), "{e}");
        // Truncated inside the data.
        let e = read_all(&out[..BLOCK]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        // Ends after an extension header.
        let mut ext = Vec::new();
        entry(&mut ext, b"././@LongLink", b'L', b"name\0");
        ext.resize(ext.len() + 1024, 0);
        assert!(read_all(&ext).is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_octal(b"0000644\0"), Some(0o644));
        assert_eq!(parse_octal(b"  644 \0"), Some(0o644));
        assert_eq!(parse_octal(b"64x4\0"), None);
        assert_eq!(parse_octal(b"\0\0\0"), None);
        let mut big = [0u8; 12];
        big[0] = 0x80;
        big[11] = 5;
        big[10] = 1;
        assert_eq!(parse_numeric(&big), Some(261));
        assert_eq!(parse_numeric(&[0xff; 12]), None);
        assert_eq!(parse_numeric(&[0xbf; 12]), None); // overflows u64
    }
}
