#!/usr/bin/env python3
"""Verifies a vouch provenance envelope with securesystemslib (a real DSSE
peer, not vouch's code) and checks the in-toto Statement v1 / SLSA
Provenance v1 fields the specs require.

usage: dsse_verify.py ENVELOPE MINISIGN_PUBLIC_KEY_FILE
prints the statement's subjects as "name sha256" lines; exit 0 when valid.
"""
import base64
import json
import sys

from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey


def minisign_public(path):
    line = [l for l in open(path, encoding="utf-8").read().splitlines() if l and not l.startswith("untrusted comment:")][0]
    raw = base64.b64decode(line)
    assert raw[:2] == b"Ed" and len(raw) == 42, "not a minisign Ed25519 public key"
    keyid = "%016X" % int.from_bytes(raw[2:10], "little")
    return keyid, raw[10:].hex()


def main():
    env_path, pub_path = sys.argv[1], sys.argv[2]
    keyid, pub_hex = minisign_public(pub_path)
    key = SSlibKey(keyid, "ed25519", "ed25519", {"public": pub_hex})
    with open(env_path, encoding="utf-8") as f:
        envelope = Envelope.from_dict(json.load(f))
    accepted = envelope.verify([key], 1)  # raises VerificationError if not
    assert keyid in accepted, accepted
    assert envelope.payload_type == "application/vnd.in-toto+json", envelope.payload_type

    st = json.loads(envelope.payload)
    # in-toto attestation framework, Statement v1: required fields.
    assert st["_type"] == "https://in-toto.io/Statement/v1", st["_type"]
    assert isinstance(st["subject"], list) and st["subject"], "subject must be a non-empty list"
    for s in st["subject"]:
        assert isinstance(s["digest"], dict) and s["digest"], "each subject needs a digest"
        for alg, val in s["digest"].items():
            int(val, 16)
            assert val == val.lower()
    assert isinstance(st["predicateType"], str) and st["predicateType"]
    assert isinstance(st["predicate"], dict)
    # SLSA Provenance v1: required fields.
    assert st["predicateType"] == "https://slsa.dev/provenance/v1"
    bd = st["predicate"]["buildDefinition"]
    assert isinstance(bd["buildType"], str) and bd["buildType"]
    assert isinstance(bd["externalParameters"], dict)
    for r in bd.get("resolvedDependencies", []):
        assert any(k in r for k in ("uri", "digest", "content")), r
    assert isinstance(st["predicate"]["runDetails"]["builder"]["id"], str)
    for s in st["subject"]:
        print(s.get("name", ""), s["digest"]["sha256"])


if __name__ == "__main__":
    main()
