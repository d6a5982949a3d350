#!/usr/bin/python3
"""Assert on one mxdiag --json document: finding ids and statuses, overall status.

usage: jcheck.py FILE [--has ID[:STATUS]]... [--not ID]... [--status STATUS]
                      [--data ID:KEY[=VALUE]]... [--count ID:N]...
                      [--doc PATH=VALUE]... [--all ID:STATUS]... [--none-worse-than STATUS]
--doc reads a member of the document by a dotted path (verdict.outbound.path=relay);
--none-worse-than fails for any finding ranked above STATUS (OK < INFO < WARN < FAIL;
UNKNOWN is allowed unless STATUS is UNKNOWN-free: it is not a problem found).
Prints one line per failed assertion and exits 1 when any failed.
"""
import json
import sys


def main(argv):
    path, args = argv[1], argv[2:]
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print(f"not JSON: {e}")
        return 1
    findings = doc.get("findings", [])
    bad = []
    i = 0
    while i < len(args):
        opt, val = args[i], args[i + 1]
        i += 2
        if opt == "--has":
            fid, _, st = val.partition(":")
            hits = [f for f in findings if f["id"] == fid]
            if not hits:
                bad.append(f"missing finding {fid}")
            elif st and not any(f["status"] == st for f in hits):
                bad.append(f"{fid} has status {[f['status'] for f in hits]}, want {st}")
        elif opt == "--not":
            if any(f["id"] == val for f in findings):
                bad.append(f"unexpected finding {val}")
        elif opt == "--status":
            if doc.get("status") != val:
                bad.append(f"overall status {doc.get('status')}, want {val}")
        elif opt == "--count":
            fid, _, n = val.partition(":")
            got = sum(1 for f in findings if f["id"] == fid)
            if got != int(n):
                bad.append(f"{fid} occurs {got} times, want {n}")
        elif opt == "--data":
            fid, _, kv = val.partition(":")
            key, eq, want = kv.partition("=")
            vals = [str(f.get("data", {}).get(key)) for f in findings if f["id"] == fid]
            if not eq:  # ID:KEY alone: the key is present
                if not any(key in f.get("data", {}) for f in findings if f["id"] == fid):
                    bad.append(f"{fid}.data has no {key}")
            elif want not in vals:
                bad.append(f"{fid}.data.{key} is {vals}, want {want}")
        elif opt == "--all":  # every finding with ID has STATUS
            fid, _, st = val.partition(":")
            sts = [f["status"] for f in findings if f["id"] == fid]
            if not sts or any(x != st for x in sts):
                bad.append(f"{fid} statuses {sts}, want all {st}")
        elif opt == "--doc":
            path, _, want = val.partition("=")
            node = doc
            for part in path.split("."):
                if isinstance(node, list) and part.isdigit():  # idn.0.input
                    node = node[int(part)] if int(part) < len(node) else None
                else:
                    node = node.get(part) if isinstance(node, dict) else None
            got = json.dumps(node) if isinstance(node, (dict, list, bool)) or node is None \
                else str(node)
            if got != want:
                bad.append(f"{path} is {got}, want {want}")
        elif opt == "--none-worse-than":
            rank = {"OK": 0, "INFO": 1, "WARN": 2, "FAIL": 3}
            worse = [f"{f['id']}:{f['status']}" for f in findings
                     if rank.get(f["status"], -1) > rank[val]]
            if worse:
                bad.append(f"findings worse than {val}: {', '.join(worse)}")
        else:
            bad.append(f"jcheck: unknown option {opt}")
    for b in bad:
        print(b)
    if bad:
        ids = ", ".join(f"{f['id']}:{f['status']}" for f in findings)
        print(f"  (findings: {ids})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
