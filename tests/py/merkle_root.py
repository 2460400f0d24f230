#!/usr/bin/env python3
"""Independent recomputation of a vouch manifest's Merkle root and proofs,
following only the design brief's leaf encoding and RFC 9162 section 2.1.

usage: merkle_root.py MANIFEST            -> prints the root hex
       merkle_root.py --proof PROOF ROOT  -> exit 0 if the proof leads to ROOT
"""
import hashlib
import json
import sys


def leaf_data(e):
    field = e["digest"][len("sha256:"):] if "digest" in e else e["commit"]
    return f"{e['kind']} {field} {e['size']} {e['path']}".encode("utf-8")


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


def mth(hs):
    n = len(hs)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hs[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node(mth(hs[:k]), mth(hs[k:]))


def verify(proof, root_hex):
    # RFC 9162 2.1.3.2
    fn, sn = proof["leaf_index"], proof["tree_size"] - 1
    r = leaf_hash(leaf_data(proof["entry"]))
    for p in proof["path"]:
        p = bytes.fromhex(p[len("sha256:"):])
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r.hex() == root_hex


if __name__ == "__main__":
    if sys.argv[1] == "--proof":
        with open(sys.argv[2], encoding="utf-8") as f:
            ok = verify(json.load(f), sys.argv[3])
        sys.exit(0 if ok else 1)
    with open(sys.argv[1], encoding="utf-8") as f:
        m = json.load(f)
    files = m["source"]["files"]
    paths = [e["path"].encode("utf-8") for e in files]
    assert paths == sorted(paths), "files not sorted by path bytes"
    print(mth([leaf_hash(leaf_data(e)) for e in files]).hex())
