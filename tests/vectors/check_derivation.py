#!/usr/bin/env python3
"""Independent check of tests/vectors/derivation.txt against docs/spool-format.md.

Recomputes every vector with other implementations (argon2-cffi, pyca/cryptography, and the
BIP-173 reference Bech32 code below) so that the vectors test the Rust code against the spec,
not against itself. Needs: pip install argon2-cffi cryptography.

The fifth column, the hybrid (mlkem768x25519) reply recipient, is checked by handing the
derived X-Wing seed, as an AGE-SECRET-KEY-PQ-1... identity, to typage (npm age-encryption,
installed in tests/typage by .ci/run) and comparing the recipient it computes. With
--print-hybrid, prints each vector line with the fifth column computed that way.
"""
import subprocess
import sys
from pathlib import Path

TYPAGE = Path(__file__).resolve().parent.parent / "typage" / "typage.mjs"

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        b = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((b >> i) & 1) else 0
    return chk


def bech32_encode(hrp, data8):
    acc, bits, data5 = 0, 0, []
    for b in data8:
        acc = (acc << 8) | b
        bits += 8
        while bits >= 5:
            bits -= 5
            data5.append((acc >> bits) & 31)
    if bits:
        data5.append((acc << (5 - bits)) & 31)
    hrp_exp = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    pm = polymod(hrp_exp + data5 + [0] * 6) ^ 1
    checksum = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(CHARSET[d] for d in data5 + checksum)


def hkdf(master, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"postern/v1", info=info).derive(master)


def typage_recipient(pq_seed):
    identity = bech32_encode("age-secret-key-pq-", pq_seed).upper()
    out = subprocess.run(["node", str(TYPAGE), "recipient", identity], check=True,
                         capture_output=True, text=True)
    return out.stdout.strip()


def main():
    args = [a for a in sys.argv[1:] if a != "--print-hybrid"]
    print_hybrid = "--print-hybrid" in sys.argv[1:]
    path = Path(args[0] if args else Path(__file__).with_name("derivation.txt"))
    n = 0
    for line in path.read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("|")]
        codename, salt, source_id, recipient = fields[:4]
        master = hash_secret_raw(codename.encode(), bytes.fromhex(salt), time_cost=3,
                                 memory_cost=65536, parallelism=4, hash_len=32, type=Type.ID, version=19)
        sid = hkdf(master, b"postern/v1/source-id").hex()
        seed = hkdf(master, b"postern/v1/reply-identity")
        pub = X25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        rcpt = bech32_encode("age", pub)
        assert sid == source_id, f"source id mismatch for vector {n + 1}"
        assert rcpt == recipient, f"recipient mismatch for vector {n + 1}"
        pq = typage_recipient(hkdf(master, b"postern/v1/reply-identity/mlkem768x25519"))
        if print_hybrid:
            print(" | ".join([codename, salt, source_id, recipient, pq]))
        else:
            assert len(fields) == 5, f"vector {n + 1} has no hybrid reply recipient"
            assert pq == fields[4], f"hybrid recipient mismatch for vector {n + 1}"
        n += 1
    assert n > 0, "no vectors"
    if not print_hybrid:
        print(f"derivation vectors: {n} passed, 0 failed (classical and hybrid reply recipients)")


if __name__ == "__main__":
    main()
