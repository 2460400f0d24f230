"""Verifies a C2SP tlog-cosignature/v1 line in a checkpoint, from the C2SP
text alone (c2sp.org/signed-note, c2sp.org/tlog-cosignature), with
`cryptography`'s Ed25519.

usage: cosignature_verify.py CHECKPOINT WITNESS_VKEY
prints "ok <name> <time>" and exits 0, or exits 1.
"""
import base64
import hashlib
import struct
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def main():
    note = open(sys.argv[1], "rb").read()
    vkey = sys.argv[2]
    name, key_id_hex, key_b64 = vkey.split("+", 2)
    raw = base64.b64decode(key_b64)
    if len(raw) != 33 or raw[0] != 0x04:
        sys.exit("not a cosignature/v1 Ed25519 verifier key")
    public = raw[1:]
    # key ID = SHA-256(<name> || "\n" || 0x04 || 32-byte public key)[:4]
    key_id = hashlib.sha256(name.encode() + b"\n" + b"\x04" + public).digest()[:4]
    if key_id.hex() != key_id_hex:
        sys.exit("key id does not match")
    # The note text ends at the last blank line; signature lines follow.
    cut = note.rindex(b"\n\n")
    text, sigs = note[: cut + 1], note[cut + 2 :]
    for line in sigs.decode().splitlines():
        assert line.startswith("\u2014 "), line
        sig_name, sig_b64 = line[2:].split(" ")
        blob = base64.b64decode(sig_b64)
        if sig_name != name or blob[:4] != key_id:
            continue  # not this witness's line
        # timestamped_signature: u64 big-endian timestamp || 64-byte signature
        (timestamp,) = struct.unpack(">Q", blob[4:12])
        signature = blob[12:]
        if len(signature) != 64:
            sys.exit("signature is not 64 bytes")
        message = b"cosignature/v1\n" + b"time %d\n" % timestamp + text
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
        except Exception:
            sys.exit("cosignature does not verify")
        print(f"ok {name} {timestamp}")
        return
    sys.exit("no cosignature by " + name)


main()
