#!/usr/bin/env python3
"""Verifies a vouch provenance envelope with securesystemslib (a real DSSE
peer, not vouch's code) and checks the in-toto Statement v1 / SLSA
Provenance v1 fields the specs require.

usage: dsse_verify.py ENVELOPE MINISIGN_PUBLIC_KEY_FILE
prints the statement's subjects as "name sha256" lines; exit 0 when valid.
"""
import json
import sys

from vouch_dsse import verified_envelope


def main():
    envelope = verified_envelope(sys.argv[1], sys.argv[2])  # raises VerificationError if not

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
