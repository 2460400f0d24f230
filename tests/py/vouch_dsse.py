"""Shared by dsse_verify.py and review_verify.py: a minisign public key file
as a securesystemslib key, and a DSSE envelope verified with it by
securesystemslib (a real DSSE peer, not vouch's code)."""
import base64
import json

from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey


def minisign_public(path):
    line = [l for l in open(path, encoding="utf-8").read().splitlines() if l and not l.startswith("untrusted comment:")][0]
    raw = base64.b64decode(line)
    assert raw[:2] == b"Ed" and len(raw) == 42, "not a minisign Ed25519 public key"
    keyid = "%016X" % int.from_bytes(raw[2:10], "little")
    return keyid, raw[10:].hex()


def verified_envelope(env_path, pub_path):
    """The envelope at env_path, verified with the minisign key at pub_path
    (raises VerificationError if it does not verify); in-toto payload type."""
    keyid, pub_hex = minisign_public(pub_path)
    key = SSlibKey(keyid, "ed25519", "ed25519", {"public": pub_hex})
    with open(env_path, encoding="utf-8") as f:
        envelope = Envelope.from_dict(json.load(f))
    accepted = envelope.verify([key], 1)
    assert keyid in accepted, accepted
    assert envelope.payload_type == "application/vnd.in-toto+json", envelope.payload_type
    return envelope
