#!/usr/bin/python3
"""Generate the SPF benchmark world: one zone (spfbench.test) of sending domains with the
policies seen in the wild, and the (IP, sender, HELO) pairs to evaluate.

Providers imitate the big ones' shapes (nested includes of ip4/ip6 netblocks, ~all/-all),
ISPs publish a/mx/ip4 relays, and the sending domains mix includes, own lists, mx, a,
redirect=, exists: macros, exp=, and a few broken records (too many look-ups, void look-ups,
syntax errors, two records, none). Deterministic for a given --seed.

usage: gen.py --out DIR [--domains N] [--pairs-per-domain N] [--seed N]
writes DIR/spfbench.test.zone and DIR/pairs.txt ("IP SENDER HELO" per line)
"""
import argparse
import ipaddress
import os
import random

Z = "spfbench.test"


class World:
    def __init__(self, seed):
        self.rnd = random.Random(seed)
        self.rr = []            # zone lines
        self.allowed = {}       # sending domain -> list of IPs its policy authorises

    def add(self, name, rtype, data):
        owner = name[: -len(Z) - 1] if name.endswith("." + Z) else ("@" if name == Z else name + ".")
        self.rr.append(f"{owner:<40} IN {rtype:<5} {data}")

    def txt(self, name, record):
        # one TXT RR of character-strings of at most 250 octets, each cut after a space so
        # that the joined record (RFC 7208 3.3) is the original text
        chunks, rest = [], record
        while len(rest) > 250:
            cut = rest.rfind(" ", 0, 250) + 1 or 250
            chunks.append(rest[:cut])
            rest = rest[cut:]
        chunks.append(rest)
        self.add(name, "TXT", " ".join('"%s"' % c for c in chunks))

    def host_in(self, net):
        net = ipaddress.ip_network(net)
        if net.num_addresses <= 2:
            return str(net.network_address)
        return str(net.network_address + self.rnd.randrange(1, min(net.num_addresses - 1, 1 << 20)))


def netblocks4(w, base, count, prefix):
    """count distinct IPv4 networks of /prefix inside 10.base.0.0/16"""
    nets = set()
    while len(nets) < count:
        a = w.rnd.randrange(0, 256)
        net = ipaddress.ip_network(f"10.{base}.{a}.0/{prefix}", strict=False)
        nets.add(str(net))
    return sorted(nets)


def netblocks6(w, tag, count):
    return [f"2001:db8:{tag:x}:{i * 16:x}::/60" for i in range(count)]


def providers(w):
    """Provider records, and the networks each one authorises."""
    p = {}
    # a Google-like chain: one include per netblock record
    nb1, nb3 = netblocks4(w, 1, 14, 20), netblocks4(w, 2, 10, 22)
    nb2 = netblocks6(w, 0x100, 8)
    w.txt(f"_netblocks.gm.{Z}", "v=spf1 " + " ".join("ip4:" + n for n in nb1) + " ~all")
    w.txt(f"_netblocks2.gm.{Z}", "v=spf1 " + " ".join("ip6:" + n for n in nb2) + " ~all")
    w.txt(f"_netblocks3.gm.{Z}", "v=spf1 " + " ".join("ip4:" + n for n in nb3) + " ~all")
    w.txt(f"_spf.gm.{Z}", f"v=spf1 include:_netblocks.gm.{Z} include:_netblocks2.gm.{Z} "
          f"include:_netblocks3.gm.{Z} ~all")
    p["gm"] = (f"include:_spf.gm.{Z}", nb1 + nb2 + nb3)
    # an Outlook-like protection service: three parts, -all
    parts, nets = [], []
    for i, part in enumerate("abc"):
        n4, n6 = netblocks4(w, 3 + i, 8, 19), netblocks6(w, 0x200 + i, 4)
        w.txt(f"spf{part}.ol.{Z}", "v=spf1 " + " ".join("ip4:" + n for n in n4) + " " +
              " ".join("ip6:" + n for n in n6) + " -all")
        parts.append(f"include:spf{part}.ol.{Z}")
        nets += n4 + n6
    w.txt(f"spf.protection.ol.{Z}", "v=spf1 " + " ".join(parts) + " -all")
    p["ol"] = (f"include:spf.protection.ol.{Z}", nets)
    # bulk senders: flat lists
    for name, base, n, q in (("sg", 6, 6, "~all"), ("mc", 7, 9, "?all"), ("ses", 8, 12, "-all")):
        n4 = netblocks4(w, base, n, 21)
        w.txt(f"{name}.{Z}", "v=spf1 " + " ".join("ip4:" + x for x in n4) + " " + q)
        p[name] = (f"include:{name}.{Z}", n4)
    # a Zoho-like provider: two includes, one of them with a redirect=
    z1, z2 = netblocks4(w, 9, 5, 23), netblocks4(w, 9, 5, 24)
    w.txt(f"spf1.zo.{Z}", "v=spf1 " + " ".join("ip4:" + x for x in z1) + " ~all")
    w.txt(f"spf2.zo.{Z}", f"v=spf1 redirect=spf2b.zo.{Z}")
    w.txt(f"spf2b.zo.{Z}", "v=spf1 " + " ".join("ip4:" + x for x in z2) + " ~all")
    w.txt(f"zo.{Z}", f"v=spf1 include:spf1.zo.{Z} include:spf2.zo.{Z} ~all")
    p["zo"] = (f"include:zo.{Z}", z1 + z2)
    # ISPs with a smarthost: a: and mx plus their customer range
    for k in range(1, 6):
        isp = f"isp{k}.{Z}"
        w.add(f"smtp.{isp}", "A", f"10.50.{k}.10")
        w.add(f"mx.{isp}", "A", f"10.50.{k}.20")
        w.add(isp, "MX", f"10 mx.{isp}.")
        w.txt(isp, f"v=spf1 a:smtp.{isp} mx ip4:10.50.{k}.128/25 -all")
        p[f"isp{k}"] = (f"include:{isp}", [f"10.50.{k}.10/32", f"10.50.{k}.20/32",
                                             f"10.50.{k}.128/25"])
    # corporate parents that subsidiaries redirect= to
    for k in range(1, 11):
        corp = f"_spf.corp{k}.{Z}"
        n4, n6 = netblocks4(w, 60 + k, 3, 26), netblocks6(w, 0x300 + k, 1)
        w.txt(corp, "v=spf1 " + " ".join("ip4:" + x for x in n4) + " ip6:" + n6[0] +
              f" include:_spf.gm.{Z} -all")
        p[f"corp{k}"] = (f"redirect={corp}", n4 + n6 + p["gm"][1])
    return p


TEMPLATES = [  # (weight, kind)
    (22, "gm"), (16, "ol"), (4, "zo"), (9, "mx-a-sg"), (8, "redirect"), (8, "own"), (8, "isp"),
    (5, "many"), (4, "exists"), (4, "mx"), (2, "neutral"), (2, "toomany"), (2, "voids"),
    (1, "syntax"), (1, "include-eq"), (1, "none"), (1, "two"), (1, "nxredirect"), (1, "exp"),
]


def domain(w, i, prov):
    d = f"d{i:03d}.{Z}"
    base = ipaddress.ip_network(f"10.200.{i // 16}.{(i % 16) * 16}/28")
    own_a, mx1, mx2 = (str(base.network_address + k) for k in (1, 2, 3))
    w.add(d, "A", own_a)
    w.add(f"mail.{d}", "A", own_a)
    w.add(d, "MX", f"10 mx1.{d}.")
    w.add(d, "MX", f"20 mx2.{d}.")
    w.add(f"mx1.{d}", "A", mx1)
    w.add(f"mx2.{d}", "A", mx2)
    v6 = f"2001:db8:ffff:{i:x}::1"
    if i % 3 == 0:
        w.add(d, "AAAA", v6)
        w.add(f"mx1.{d}", "AAAA", f"2001:db8:ffff:{i:x}::2")
    kind = w.rnd.choices([k for _, k in TEMPLATES], [wt for wt, _ in TEMPLATES])[0]
    allowed = []
    if kind in ("gm", "ol", "zo"):
        w.txt(d, f"v=spf1 {prov[kind][0]} {'-all' if kind == 'ol' else '~all'}")
        allowed = prov[kind][1]
    elif kind == "mx-a-sg":
        w.txt(d, f"v=spf1 mx a ip4:{base} {prov['sg'][0]} -all")
        allowed = [f"{mx1}/32", f"{own_a}/32", str(base)] + prov["sg"][1]
    elif kind == "redirect":
        corp = f"corp{w.rnd.randrange(1, 11)}"
        w.txt(d, f"v=spf1 {prov[corp][0]}")
        allowed = prov[corp][1]
    elif kind == "own":
        n4 = [str(ipaddress.ip_network(f"10.{150 + i % 50}.{w.rnd.randrange(256)}.0/24"))
              for _ in range(w.rnd.randrange(3, 15))]
        w.txt(d, "v=spf1 " + " ".join("ip4:" + x for x in n4) + f" ip6:2001:db8:ffff:{i:x}::/64 -all")
        allowed = n4 + [f"2001:db8:ffff:{i:x}::/64"]
    elif kind == "isp":
        isp = f"isp{w.rnd.randrange(1, 6)}"
        w.txt(d, f"v=spf1 a:mail.{d} mx:{d} {prov[isp][0]} -all")
        allowed = [f"{own_a}/32", f"{mx1}/32", f"{mx2}/32"] + prov[isp][1]
    elif kind == "many":
        w.txt(d, f"v=spf1 {prov['gm'][0]} {prov['ol'][0]} {prov['mc'][0]} {prov['ses'][0]} ~all")
        allowed = prov["gm"][1] + prov["ol"][1] + prov["mc"][1] + prov["ses"][1]
    elif kind == "exists":
        w.txt(d, f"v=spf1 exists:%{{i}}._spf.{d} -all")
        for k in range(4):
            ip = f"10.220.{i % 256}.{k + 1}"
            w.add(f"{ip}._spf.{d}", "A", "127.0.0.2")
            allowed.append(ip + "/32")
    elif kind == "mx":
        for k in range(3, w.rnd.randrange(4, 7)):
            w.add(d, "MX", f"{k * 10} mx{k}.{d}.")
            w.add(f"mx{k}.{d}", "A", str(base.network_address + k + 1))
            allowed.append(str(base.network_address + k + 1) + "/32")
        w.txt(d, "v=spf1 mx -all")
        allowed += [f"{mx1}/32", f"{mx2}/32"]
    elif kind == "neutral":
        w.txt(d, f"v=spf1 ip4:{base} ?all" if i % 2 else "v=spf1 +all")
        allowed = [str(base)]
    elif kind == "toomany":
        w.txt(d, f"v=spf1 {prov['gm'][0]} {prov['ol'][0]} include:more.{d} ~all")
        w.txt(f"more.{d}", f"v=spf1 a mx a:mail.{d} ip4:{base} ~all")
        w.add(f"more.{d}", "A", own_a)
        allowed = prov["gm"][1] + prov["ol"][1]
    elif kind == "voids":
        w.txt(d, f"v=spf1 a:nx1.{d} a:nx2.{d} mx:nx3.{d} ip4:{base} -all")
        allowed = [str(base)]
    elif kind == "syntax":
        w.txt(d, f"v=spf1 ip4:{base.network_address}/33 {prov['gm'][0]} -all")
    elif kind == "include-eq":
        w.txt(d, f"v=spf1 ip4:{base} include={prov['gm'][0][8:]} -all")
        allowed = [str(base)]
    elif kind == "two":
        w.txt(d, f"v=spf1 ip4:{base} -all")
        w.txt(d, f"v=spf1 {prov['gm'][0]} ~all")
    elif kind == "nxredirect":
        w.txt(d, f"v=spf1 redirect=_spf.gone{i}.{Z}")
    elif kind == "exp":
        w.txt(d, f"v=spf1 ip4:{base} exp=why.{d} -all")
        w.txt(f"why.{d}", "%{i} is not one of %{d}'s designated mail servers.")
        allowed = [str(base)]
    # kind "none": no TXT at all
    w.txt(f"verify.{d}", f"bench-site-verification={w.rnd.getrandbits(64):016x}")
    w.allowed[d] = allowed
    return d, kind, own_a, v6


def pairs_for(w, d, allowed, ppd, isp_ips):
    out = []
    helo = f"mail.{d}"
    locals_ = ["user", "info", "noreply", "first.last", "bounce+tag", "postmaster", "x"]
    for k in range(ppd):
        r = k % 9
        if r in (0, 1, 2) and allowed:
            ip = w.host_in(w.rnd.choice(allowed))            # should pass (or be neutral)
        elif r == 3:
            ip = w.rnd.choice(isp_ips)                       # an ISP smarthost
        elif r == 4:
            ip = f"2001:db8:dead:{w.rnd.randrange(65536):x}::{w.rnd.randrange(1, 65536):x}"
        elif r == 5 and allowed:
            v6 = [a for a in allowed if ":" in a]
            ip = w.host_in(w.rnd.choice(v6)) if v6 else f"10.1.{w.rnd.randrange(256)}.7"
        else:
            ip = f"10.250.{w.rnd.randrange(256)}.{w.rnd.randrange(1, 255)}"
        out.append(f"{ip} {w.rnd.choice(locals_)}@{d} {helo}")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--domains", type=int, default=240)
    ap.add_argument("--pairs-per-domain", type=int, default=9)
    ap.add_argument("--seed", type=int, default=7208)
    a = ap.parse_args()
    w = World(a.seed)
    w.rr.append(f"$ORIGIN {Z}.")
    w.rr.append("$TTL 86400")
    w.rr.append("@ IN SOA ns.spfbench.test. hostmaster.spfbench.test. 1 3600 600 86400 3600")
    w.rr.append("@ IN NS ns.spfbench.test.")
    w.rr.append("ns IN A 127.0.0.1")
    prov = providers(w)
    isp_ips = [f"10.50.{k}.10" for k in range(1, 6)]
    pairs, kinds = [], {}
    for i in range(a.domains):
        d, kind, _, _ = domain(w, i, prov)
        kinds[kind] = kinds.get(kind, 0) + 1
        pairs += pairs_for(w, d, w.allowed[d], a.pairs_per_domain, isp_ips)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, f"{Z}.zone"), "w") as f:
        f.write("\n".join(w.rr) + "\n")
    with open(os.path.join(a.out, "pairs.txt"), "w") as f:
        f.write("\n".join(pairs) + "\n")
    print(f"{a.domains} sending domains ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}), "
          f"{len(pairs)} pairs, {len(w.rr)} zone records")


if __name__ == "__main__":
    main()
