#!/usr/bin/env python3
"""Writes the tar-level fault vectors of bundles and reply bundles (docs/spool-format.md §8, §10).

One file per fault; `expected.txt` says what a reader must answer (a fixed word of its error,
never a byte of the input). Deterministic: run it again and nothing changes.
    python3 tests/vectors/bundle/make.py
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SID = "5" * 64
IID = "6" * 32
ESC_NAME = b"\x1b[2J\x1b[H\x1b]0;Imported 9 new item(s)\x07\xc2\x9b31m"


def header(name, kind, size, magic="gnu", size_field=None, prefix=b""):
    h = bytearray(512)
    h[0:len(name)] = name
    h[100:108] = b"0000600\0"
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = size_field if size_field is not None else b"%011o\0" % size
    h[136:148] = b"00000000000\0"
    h[156] = kind
    if magic == "gnu":
        h[257:265] = b"ustar  \0"
    elif magic == "ustar":
        h[257:263] = b"ustar\0"
        h[263:265] = b"00"
        h[345:345 + len(prefix)] = prefix
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


def entry(name, data, kind=ord("0"), **kw):
    out = header(name, kind, len(data), **kw) + data
    return out + b"\0" * (-len(out) % 512)


def long_named(name, data):
    return entry(b"././@LongLink", name + b"\0", kind=ord("L")) + entry(name[:100], data)


def end():
    return b"\0" * 1024


def pax_record(key, value):
    body = b" " + key + b"=" + value + b"\n"
    n = len(body) + 1
    while len(b"%d" % n + body) != n:
        n += 1
    return b"%d" % n + body


MARKER = entry(b"postern-bundle/BUNDLE", b"postern-bundle 2\n")
REPLIES = entry(b"postern-replies/BUNDLE", b"postern-replies 1\n")
ITEM = ("postern-bundle/sources/%s/items/%s.rec" % (SID, IID)).encode()
SOURCE = ("postern-bundle/sources/%s/source.rec" % SID).encode()

vectors = {
    # Extension headers whose declared size alone must refuse them, before a byte is read: the
    # stream holds only the header and one block, so a reader that trusts the size reads to EOF
    # (or allocates 2 GiB) first.
    "longname-2gib.tar": MARKER + header(b"././@LongLink", ord("L"), 2 << 30) + b"A" * 512,
    "pax-1gib.tar": MARKER + header(b"PaxHeader", ord("x"), 1 << 30) + b"A" * 512,
    "longname-5kib.tar": MARKER + entry(b"././@LongLink", b"a" * 5000, kind=ord("L")) + end(),
    "replies-longname-2gib.tar": REPLIES + header(b"././@LongLink", ord("L"), 2 << 30) + b"A" * 512,
    # Extension kinds that are never applied: handed over as entries, refused as not regular.
    "longlink.tar": MARKER + entry(b"././@LongLink", b"target\0", kind=ord("K")) + end(),
    "pax-global.tar": MARKER + entry(b"pax_global_header", pax_record(b"comment", b"x"), kind=ord("g")) + end(),
    # Two extensions of one kind before one entry.
    "two-longnames.tar": MARKER + entry(b"././@LongLink", ITEM + b"\0", kind=ord("L"))
    + long_named(ITEM, b"x") + end(),
    # An extension header, then the end of the archive.
    "ends-after-longname.tar": MARKER + entry(b"././@LongLink", ITEM + b"\0", kind=ord("L")) + end(),
    # A PAX path that tries to leave the bundle.
    "pax-path-dotdot.tar": MARKER + entry(b"PaxHeader", pax_record(b"path", b"../../../../tmp/evil"), kind=ord("x"))
    + entry(b"harmless", b"x") + end(),
    "pax-malformed.tar": MARKER + entry(b"PaxHeader", b"99 path=x\n", kind=ord("x")) + entry(b"x", b"x") + end(),
    # Terminal escapes in header fields: the error must not quote them.
    "escape-in-name.tar": MARKER + entry(ESC_NAME, b"x") + end(),
    "escape-in-longname.tar": MARKER + long_named(b"postern-bundle/" + ESC_NAME * 3, b"x") + end(),
    "escape-raw-c1.tar": MARKER + entry(b"postern-bundle/\x9b31m\x9d0;x\x07", b"x") + end(),
    "escape-in-size.tar": MARKER + header(b"postern-bundle/x", ord("0"), 0, size_field=b"\x1b[2J\x07\0\0\0\0\0\0") + end(),
    "escape-in-magic.tar": header(b"postern-bundle/BUNDLE", ord("0"), 17, magic="none") + b"postern-bundle 2\n" + b"\0" * 495 + end(),
    "escape-in-prefix.tar": MARKER + entry(b"source.rec", b"x", magic="ustar", prefix=ESC_NAME) + end(),
    # Damage.
    "bad-checksum.tar": MARKER[:148] + b"0000000\0" + MARKER[156:] + end(),
    "truncated-in-entry.tar": MARKER + entry(b"postern-bundle/MANIFEST", b"x" * 300)[:-400],
    "truncated-in-header.tar": MARKER + long_named(ITEM, b"x")[:700],
}

expected = {
    "longname-2gib.tar": "larger than 4 KiB",
    "pax-1gib.tar": "larger than 4 KiB",
    "longname-5kib.tar": "larger than 4 KiB",
    "replies-longname-2gib.tar": "larger than 4 KiB",
    "longlink.tar": "not a regular file",
    "pax-global.tar": "not a regular file",
    "two-longnames.tar": "two GNU long-name entries",
    "ends-after-longname.tar": "ends after an extension header",
    "pax-path-dotdot.tar": "unexpected name",
    "pax-malformed.tar": "PAX extended header is malformed",
    "escape-in-name.tar": "unexpected name",
    "escape-in-longname.tar": "unexpected name",
    "escape-raw-c1.tar": MARKER + entry(b"postern-bundle/\x9b31m\x9d0;x\x07", b"x") + end(),
    "escape-raw-c1.tar": "name is not UTF-8",
    "escape-in-size.tar": "size is not a number",
    "escape-in-magic.tar": "neither POSIX ustar nor GNU",
    "escape-in-prefix.tar": "unexpected name",
    "bad-checksum.tar": "checksum is wrong",
    "truncated-in-entry.tar": "ends inside an entry",
    "truncated-in-header.tar": "ends inside an entry",
}

for name, data in vectors.items():
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
with open(os.path.join(HERE, "expected.txt"), "w") as f:
    f.write("# vector<TAB>words the reader's error must contain (never a byte of the input)\n")
    for name in sorted(expected):
        f.write("%s\t%s\n" % (name, expected[name]))
