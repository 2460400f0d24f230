#!/usr/bin/env python3
"""Verifies a vouch review envelope with securesystemslib (a real DSSE peer,
not vouch's code) and parses its payload with the in-toto attestation
framework's own Python package (in-toto-attestation: the Statement v1
protobuf, then its validate()).

usage: review_verify.py ENVELOPE MINISIGN_PUBLIC_KEY_FILE
prints "PREDICATE_TYPE N" (N subjects), then "name sha256" lines; exit 0 when valid.
"""
import base64
import json
import sys

from google.protobuf import json_format
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.statement import Statement
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
    pb = json_format.Parse(envelope.payload.decode("utf-8"), statement_pb2.Statement())
    st = Statement.copy_from_pb(pb)
    st.validate()  # raises ValueError if the Statement is not valid
    pb = st.pb
    assert pb.type == "https://in-toto.io/Statement/v1", pb.type
    print(pb.predicate_type, len(pb.subject))
    for s in pb.subject:
        print(s.name, s.digest["sha256"])


if __name__ == "__main__":
    main()
