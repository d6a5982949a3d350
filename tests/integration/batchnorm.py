#!/usr/bin/python3
"""Print mxdiag JSON documents with what differs between two runs of the same check taken out,
one per line, sorted, so that two runs can be compared with cmp/diff.

usage: batchnorm.py FILE...   (each a document or JSON Lines)
Taken out: stats (counters of the run and its elapsed time), "ms" members, "in N ms" in
texts, TTLs of answer records (a cache counts them down), their order (a resolver rotates
an RRset), the order of evidence lists
(answers arrive in network order), and the order of findings (equal ones keep the order
their answers arrived in). Bad-line objects ({"line", "error"}) are kept as they are.
"""
import json
import re
import sys

MS = re.compile(r"( in |, )\d+ ms")
TTL = re.compile(r"\t\d+\tIN\t")


def norm(o):
    if isinstance(o, dict):
        return {k: norm(v) for k, v in o.items() if k not in ("stats", "ms", "elapsed_ms")}
    if isinstance(o, list):
        items = [norm(x) for x in o]
        if items and all(isinstance(x, dict) and ("kind" in x or "id" in x) for x in items):
            items.sort(key=lambda x: json.dumps(x, sort_keys=True))
        elif items and all(isinstance(x, str) for x in items) and "\tIN\t" in items[0]:
            items.sort()
        return items
    if isinstance(o, str):
        return TTL.sub("\tTTL\tIN\t", MS.sub(r"\1N ms", o))
    return o


def docs(path):
    text = open(path, encoding="utf-8").read()
    try:
        yield json.loads(text)
        return
    except ValueError:
        pass
    for line in text.splitlines():
        if line.strip():
            yield json.loads(line)


out = []
for p in sys.argv[1:]:
    for d in docs(p):
        out.append(json.dumps(norm(d), sort_keys=True, ensure_ascii=False))
for line in sorted(out):
    print(line)
