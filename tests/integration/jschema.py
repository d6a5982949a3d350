#!/usr/bin/python3
"""Validate mxdiag's JSON output against docs/mxdiag.schema.json.

usage: jschema.py SCHEMA FILE...
Each FILE holds one document or JSON Lines (explain of several bounces, spf --batch).
An object with "tool" or "findings" is a document; one with "line" an spf --batch line;
other JSON (a knowledge base or provider list a test wrote as input) is not output and is
left alone. Empty files (usage errors print nothing on stdout) are skipped. Prints one line
per invalid object (file, place, reason) and a count; exits 1 when any is invalid.
"""
import json
import sys

import jsonschema


def objects(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if not text.strip():
        return
    try:
        yield "", json.loads(text)
        return
    except ValueError:
        pass
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            yield f" line {n}", json.loads(line)


def main(argv):
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    doc = cls(schema)
    batch = cls({"$ref": "#/$defs/spf_batch_line", "$defs": schema["$defs"]})
    checked = bad = 0
    for path in argv[2:]:
        try:
            found = list(objects(path))
        except (OSError, ValueError) as e:
            print(f"{path}: not JSON: {e}")
            bad += 1
            continue
        for where, obj in found:
            if isinstance(obj, dict) and ("tool" in obj or "findings" in obj):
                v = doc
            elif isinstance(obj, dict) and "line" in obj:
                v = batch
            else:
                continue
            checked += 1
            errors = sorted(v.iter_errors(obj), key=lambda e: list(e.absolute_path))
            if errors:
                bad += 1
                for e in errors[:5]:
                    place = "/".join(str(p) for p in e.absolute_path) or "(top)"
                    print(f"{path}{where}: {place}: {e.message[:300]}")
    print(f"{checked} outputs checked, {bad} invalid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
