#!/usr/bin/env python3
"""Verifies a vouch review envelope with securesystemslib (a real DSSE peer,
not vouch's code) and parses its payload with the in-toto attestation
framework's own Python package (in-toto-attestation: the Statement v1
protobuf, then its validate()).

usage: review_verify.py ENVELOPE MINISIGN_PUBLIC_KEY_FILE
prints "PREDICATE_TYPE N" (N subjects), then "name sha256" lines; exit 0 when valid.
"""
import json
import sys

from google.protobuf import json_format
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.statement import Statement
from vouch_dsse import verified_envelope


def main():
    envelope = verified_envelope(sys.argv[1], sys.argv[2])  # raises VerificationError if not
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
