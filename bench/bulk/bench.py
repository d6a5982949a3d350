#!/usr/bin/python3
"""Time, in one run, against one warm resolver: dnsperf asking the questions mxdiag asks (the
ceiling in queries per second), `mxdiag check --batch`, and `mxdiag check` run once per
domain (the peer: a loop of single runs, on a sample); then mxdiag's peak RSS at a small and
a big batch. Rounds are interleaved and the median kept: these machines are noisy.

usage: bench.py --mxdiag PATH --resolver IP --domains FILE [--rounds N] [--sample N]
                [--concurrency N] [--small N] [--big N] [--work DIR]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time


def run_timed(cmd, out=subprocess.DEVNULL, stdin=None):
    """wall seconds and peak RSS (KiB, from /usr/bin/time -v) of cmd"""
    t0 = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, stdout=out, stderr=subprocess.PIPE,
                       stdin=stdin, text=True)
    wall = time.monotonic() - t0
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return wall, int(m.group(1)) if m else 0, p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mxdiag", required=True)
    ap.add_argument("--resolver", required=True)
    ap.add_argument("--domains", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sample", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--big", type=int, default=100000)
    ap.add_argument("--work", default="/tmp")
    a = ap.parse_args()
    mx = [a.mxdiag, "--json", "--resolver", a.resolver, "--timeout", "5"]
    lines = [l for l in open(a.domains).read().splitlines() if l.strip()]
    n = len(lines)
    out_path = os.path.join(a.work, "batch.jsonl")

    # warm-up, untimed: every answer in unbound's cache; the questions asked, for dnsperf
    p = subprocess.run(mx + ["-vv", "check", "--batch", a.domains], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    qs = re.findall(r"^mxdiag: dns: (\S+) (\S+) -> ", p.stderr, re.M)
    qfile = os.path.join(a.work, "queries.txt")
    with open(qfile, "w") as f:
        for name, qtype in qs:
            f.write(f"{name or '.'} {qtype}\n")
    dp_base = ["dnsperf", "-s", a.resolver, "-d", qfile, "-c", "4", "-q", "256", "-t", "5"]
    subprocess.run(dp_base + ["-n", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    sample = lines[: a.sample]
    dnsperf_qps, batch_wall, batch_qps, loop_wall = [], [], [], []
    queries = 0
    for r in range(a.rounds):
        for tool in (["dnsperf", "batch", "loop"][r % 3:] + ["dnsperf", "batch", "loop"][: r % 3]):
            if tool == "dnsperf":
                p = subprocess.run(dp_base + ["-n", "3"], capture_output=True, text=True)
                m = re.search(r"Queries per second:\s+([\d.]+)", p.stdout)
                if m:
                    dnsperf_qps.append(float(m.group(1)))
            elif tool == "batch":
                with open(out_path, "w") as out:
                    wall, _, p = run_timed(mx + ["check", "--batch", a.domains, "--concurrency",
                                                 str(a.concurrency)], out=out)
                docs = [json.loads(l) for l in open(out_path)]
                queries = sum(d["stats"]["dns"]["queries"] for d in docs if "stats" in d)
                if len(docs) != n:
                    sys.exit(f"bench/bulk: batch printed {len(docs)} lines for {n}: {p.stderr[-300:]}")
                batch_wall.append(wall)
                batch_qps.append(queries / wall)
            else:
                t0 = time.monotonic()
                for l in sample:
                    f = l.split()
                    cmd = mx + ["check", f[0]] + (["--ip", f[1]] if len(f) > 1 else [])
                    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                loop_wall.append(time.monotonic() - t0)

    # peak RSS: the same domains cycled to --small and --big lines
    rss = {}
    for k in (a.small, a.big):
        path = os.path.join(a.work, f"domains-{k}.txt")
        with open(path, "w") as f:
            for i in range(k):
                f.write(lines[i % n] + "\n")
        wall, kib, p = run_timed(mx + ["check", "--batch", path, "--concurrency",
                                       str(a.concurrency)])
        rss[k] = (kib, wall)

    dq = statistics.median(dnsperf_qps) if dnsperf_qps else 0.0
    bq = statistics.median(batch_qps)
    bw = statistics.median(batch_wall)
    lw = statistics.median(loop_wall)
    bd, ld = n / bw, len(sample) / lw
    print(f"bulk benchmark: {n} domains, {queries} queries a batch ({len(qs)} replayed by dnsperf), "
          f"warm unbound at {a.resolver}, --concurrency {a.concurrency}, {a.rounds} rounds "
          f"(median), {os.cpu_count()} CPUs")
    print(f"{'':34} {'queries/s':>10} {'domains/s':>10}")
    print(f"{'dnsperf (same questions)':34} {dq:10.0f} {'-':>10}")
    print(f"{'mxdiag check --batch':34} {bq:10.0f} {bd:10.1f}")
    print(f"{'mxdiag check, once per domain':34} {'-':>10} {ld:10.1f}   ({len(sample)} domains)")
    print()
    print(f"batch vs dnsperf, queries/s:          {100 * bq / dq if dq else 0:5.1f}%   (target >= 50%)")
    print(f"batch vs per-domain loop, domains/s:  {bd / ld:5.1f}x   (target >= 20x)")
    small, big = rss[a.small], rss[a.big]
    print(f"peak RSS: {a.small} domains {small[0] / 1024:.1f} MiB ({small[1]:.1f} s), "
          f"{a.big} domains {big[0] / 1024:.1f} MiB ({big[1]:.1f} s): "
          f"{big[0] / small[0] if small[0] else 0:.2f}x   (target <= 1.5x)")


if __name__ == "__main__":
    main()
