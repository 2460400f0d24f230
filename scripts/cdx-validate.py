#!/usr/bin/env python3
"""Validate CycloneDX JSON files against the spec 1.6 JSON schema, strictly
(no additional properties), with cyclonedx-python-lib's JsonStrictValidator.

Usage: cdx-validate.py FILE...   Exit 0 when every file is valid, 1 when any
is not (each error is printed with the file name), 2 on usage or I/O errors.
Run it with the test venv's python (scripts/setup-test-deps.sh installs
cyclonedx-python-lib[json-validation]).
"""
import sys

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator


def main(argv):
    if len(argv) < 2:
        print("usage: cdx-validate.py FILE...", file=sys.stderr)
        return 2
    validator = JsonStrictValidator(SchemaVersion.V1_6)
    bad = 0
    for path in argv[1:]:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            print(f"{path}: cannot read: {e}", file=sys.stderr)
            return 2
        error = validator.validate_str(text)
        if error is not None:
            data = getattr(error, "data", None)
            message = getattr(data, "message", None) or str(error)
            where = "/".join(str(p) for p in getattr(data, "absolute_path", []) or [])
            print(f"{path}: invalid CycloneDX 1.6 at /{where}: {message}", file=sys.stderr)
            bad += 1
        else:
            print(f"{path}: valid CycloneDX 1.6")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
