#!/usr/bin/python3
"""Time mxdiag's batch mode, pyspf, libspf2's spfquery and Mail::SPF on the same pairs in one
run (rounds interleaved, median kept: these machines are noisy), check that the four agree
(printing every disagreement), and print evaluations per second and mxdiag's ratio to each.

usage: bench.py --mxdiag PATH --resolver IP --pairs FILE [--rounds N] [--show N]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_lines(text, n):
    res = [l.strip() for l in text.splitlines() if l.strip()]
    return res if len(res) == n else None


def parse_mxdiag(text, n):
    res = [None] * n
    for line in text.splitlines():
        o = json.loads(line)
        if 1 <= o["line"] <= n:
            res[o["line"] - 1] = o.get("result", "error")
    return None if None in res else res


def parse_spfquery(text, n):
    """spfquery -file prints, per query, an optional StartError..EndError block and then four
    lines: the result, the SMTP explanation, a comment and the Received-SPF header. When it
    cannot compile a record the result is "(invalid)" and the other three lines are empty:
    that is RFC 7208's permerror for a syntax error (4.6)."""
    lines = text.split("\n")
    res, i = [], 0
    while i < len(lines):
        if lines[i] == "StartError":
            while i < len(lines) and lines[i] != "EndError":
                i += 1
            i += 1
            continue
        if lines[i] == "" and i == len(lines) - 1:
            break
        res.append("permerror" if lines[i] == "(invalid)" else lines[i])
        i += 4
    return res if len(res) == n else None


def tools(a):
    return [
        ("mxdiag", [a.mxdiag, "--resolver", a.resolver, "spf", "--batch", a.pairs], parse_mxdiag),
        ("pyspf", ["/usr/bin/python3", os.path.join(HERE, "pyspf_batch.py"), a.pairs],
         parse_lines),
        ("spfquery", ["spfquery.libspf2", "-file", a.pairs], parse_spfquery),
        ("Mail::SPF", ["perl", os.path.join(HERE, "mailspf_batch.pl"), a.pairs], parse_lines),
    ]


def run(cmd):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       errors="replace")
    return time.perf_counter() - t0, p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mxdiag", required=True)
    ap.add_argument("--resolver", required=True)
    ap.add_argument("--pairs", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--show", type=int, default=40, help="disagreements printed in full")
    a = ap.parse_args()
    pairs = [l.split() for l in open(a.pairs) if l.strip()]
    n = len(pairs)
    ts = tools(a)
    times = {name: [] for name, _, _ in ts}
    results = {}
    # warm-up: every tool once, so unbound holds every answer any of them asks for
    for name, cmd, parse in ts:
        _, p = run(cmd)
        if parse(p.stdout, n) is None:
            keep = os.path.join(os.path.dirname(a.pairs), name.replace(":", "") + ".out")
            with open(keep, "w") as f:
                f.write(p.stdout)
            print(f"{name}: no usable output (exit {p.returncode}, kept in {keep}): "
                  f"{p.stderr[:300]}")
            return 1
    for r in range(a.rounds):
        order = ts[r % len(ts):] + ts[:r % len(ts)]
        for name, cmd, parse in order:
            dt, p = run(cmd)
            res = parse(p.stdout, n)
            if res is None:
                print(f"{name}: no usable output in round {r + 1} (exit {p.returncode})")
                return 1
            times[name].append(dt)
            results[name] = res
    names = [name for name, _, _ in ts]
    med = {name: statistics.median(times[name]) for name in names}
    best = {name: min(times[name]) for name in names}
    print(f"SPF benchmark: {n} (IP, sender) pairs, warm unbound, {a.rounds} rounds; "
          "median (and best) wall time of a whole run")
    print(f"{'tool':<10} {'seconds':>8} {'evals/s':>9}  {'mxdiag x':>9} {'(best)':>10}")
    for name in names:
        eps = n / med[name]
        r, rb = med[name] / med["mxdiag"], best[name] / best["mxdiag"]
        ratio = f"{'-':>9} {'':>10}" if name == "mxdiag" else f"{r:>8.1f}x {'(' + format(rb, '.1f') + 'x)':>10}"
        rounds = " ".join(f"{t:.3f}" for t in times[name])
        print(f"{name:<10} {med[name]:>8.3f} {eps:>9.0f}  {ratio}  rounds: {rounds}")
    print("(mxdiag x: how many times faster mxdiag is than the tool; below 1 it is slower)")
    # agreement
    differ = [i for i in range(n) if len({results[t][i] for t in names}) > 1]
    print(f"\nagreement: {n - len(differ)} of {n} pairs give the same result in all four")
    for t in names[1:]:
        d = sum(1 for i in range(n) if results[t][i] != results["mxdiag"][i])
        print(f"  {t:<10} differs from mxdiag on {d} pairs")
    dist = {}
    for r in results["mxdiag"]:
        dist[r] = dist.get(r, 0) + 1
    print("  mxdiag results: " + ", ".join(f"{k} {v}" for k, v in sorted(dist.items())))
    if differ:
        print(f"\ndisagreements ({len(differ)}; first {min(a.show, len(differ))}):")
        for i in differ[:a.show]:
            ip, sender, _ = pairs[i]
            got = " ".join(f"{t}={results[t][i]}" for t in names)
            print(f"  {i + 1:>5} {ip:<28} {sender:<36} {got}")
        kinds = {}
        for i in differ:
            key = " ".join(f"{t}={results[t][i]}" for t in names)
            kinds[key] = kinds.get(key, 0) + 1
        print("disagreements by pattern:")
        for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]):
            print(f"  {v:>5}  {k}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
