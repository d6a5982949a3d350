#!/usr/bin/python3
"""Generate the bulk benchmark world: one zone (bulk.test) of N mail domains with the shapes
a hosting provider's customer list has, and the list of lines for `check --batch`.

Shapes (shares of the domains): mail at a big provider (MX at shared provider hosts, SPF
include of the provider's netblock record, DKIM at the provider's selectors, DMARC p=none or
quarantine), self-hosted (one or two own MX with A and AAAA, SPF `mx -all` or `ip4:`, a DKIM
key, DMARC reject), parked (null MX "0 .", SPF "-all"), broken (MX without address, two SPF
records, MX target a CNAME) and gone (the name does not exist: NXDOMAIN for everything).
A quarter of the lines give the sending address too (--ip), for PTR, SPF verdict and
blocklist look-ups. Deterministic for a given --seed.

usage: gen.py --out DIR [--domains N] [--seed N]
writes DIR/bulk.test.zone and DIR/domains.txt ("DOMAIN [IP]" per line)
"""
import argparse
import os
import random

Z = "bulk.test"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--domains", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=19)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    rr = [f"$ORIGIN {Z}.", "$TTL 86400",
          f"@ IN SOA ns.{Z}. hostmaster.{Z}. 1 3600 600 86400 3600", f"@ IN NS ns.{Z}.",
          "ns IN A 127.0.0.1"]
    # five providers, each with shared MX hosts, an SPF netblock record, DKIM selectors
    provs = []
    for p in range(5):
        name = f"prov{p}"
        hosts = [f"mx{k}.{name}" for k in range(1, 4)]
        for k, h in enumerate(hosts):
            rr.append(f"{h} IN A 10.{60 + p}.0.{k + 1}")
            rr.append(f"{h} IN AAAA 2001:db8:{60 + p:x}::{k + 1}")
        rr.append(f'_spf.{name} IN TXT "v=spf1 ip4:10.{60 + p}.0.0/16 ip6:2001:db8:{60 + p:x}::/48 ~all"')
        provs.append((name, hosts, ["selector1", "google", "k1"][p % 3]))
    kinds = {}
    lines = []
    # a real 2048-bit RSA public key (openssl genrsa 2048 | openssl rsa -pubout), so the
    # DKIM check parses a key as it would at a customer's domain; its private half is gone
    key = ("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAt+a9T3uFaxdUnUqKSPNd0fzixzQW1OZsSXy9"
           "EBpQKGuda88JPW08NG2T9NffgpJHUpmgYCNTtCV9yXZ1hpzieOMmzRS8q8Xb+m+Nwt/aHLo7+i28VZgQ"
           "uyCtSAMEYcTl/bDPsc7ue0Ip0tn0IzX9GR8zyYhjoTS5qsWY2x6Ghl/Ohs1URj7l6DPIIMDE/BFaAxkB"
           "HTimHQxerN0Z3TKpBPHB+LrDhMw/SYxss5Yy2qfR3a8CeYXXdQ6NduJoO32jRqlBTJAhixLVd2AQ4pzK"
           "fnxe9iiieqzDs5NqvtIGsiZWkEeTUbxTA8bmpgfcfXf1PaCzIJ1JFrd/vtaGSOaI5wIDAQAB")
    # two strings: one TXT string holds at most 255 bytes (RFC 1035 3.3.14)
    dkim = f'"v=DKIM1; k=rsa; p={key[:200]}" "{key[200:]}"'
    for i in range(a.domains):
        d = f"d{i}"
        fq = f"{d}.{Z}"
        r = rnd.random()
        ip = None
        if r < 0.55:
            kind = "provider"
            name, hosts, sel = provs[rnd.randrange(len(provs))]
            for k, h in enumerate(hosts[: rnd.choice([1, 2, 3])]):
                rr.append(f"{d} IN MX {10 * (k + 1)} {h}")
            rr.append(f'{d} IN TXT "v=spf1 include:_spf.{name}.{Z} -all"')
            rr.append(f'{d} IN TXT "provider-site-verification={rnd.getrandbits(64):x}"')
            rr.append(f'{sel}._domainkey.{d} IN TXT {dkim}')
            if rnd.random() < 0.7:
                rr.append(f'_dmarc.{d} IN TXT "v=DMARC1; p={rnd.choice(["none", "quarantine"])}; rua=mailto:dmarc@{fq}"')
            ip = f"10.{60 + provs.index((name, hosts, sel))}.0.{rnd.randrange(1, 250)}"
        elif r < 0.80:
            kind = "self-hosted"
            n = rnd.choice([1, 2])
            for k in range(n):
                rr.append(f"{d} IN MX {10 * (k + 1)} mail{k}.{d}")
                rr.append(f"mail{k}.{d} IN A 10.70.{i % 250}.{k + 1}")
                if rnd.random() < 0.5:
                    rr.append(f"mail{k}.{d} IN AAAA 2001:db8:70:{i:x}::{k + 1}")
            rr.append(f"{d} IN A 10.71.{i % 250}.{(i // 250) % 250 + 1}")
            rr.append(f'{d} IN TXT "{rnd.choice(["v=spf1 mx -all", "v=spf1 mx a ~all", f"v=spf1 ip4:10.70.{i % 250}.0/24 -all"])}"')
            rr.append(f'default._domainkey.{d} IN TXT {dkim}')
            rr.append(f'_dmarc.{d} IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@{fq}"')
            ip = f"10.70.{i % 250}.1"
        elif r < 0.88:
            kind = "parked"
            rr.append(f"{d} IN MX 0 .")
            rr.append(f'{d} IN TXT "v=spf1 -all"')
            rr.append(f'_dmarc.{d} IN TXT "v=DMARC1; p=reject"')
        elif r < 0.96:
            kind = "broken"
            b = rnd.randrange(3)
            if b == 0:
                rr.append(f"{d} IN MX 10 mail.{d}")
            elif b == 1:
                rr.append(f"{d} IN MX 10 mail.{d}")
                rr.append(f"mail.{d} IN A 10.72.{i % 250}.1")
                rr.append(f'{d} IN TXT "v=spf1 mx -all"')
                rr.append(f'{d} IN TXT "v=spf1 include:_spf.prov0.{Z} ~all"')
            else:
                rr.append(f"{d} IN MX 10 alias.{d}")
                rr.append(f"alias.{d} IN CNAME mail.{d}")
                rr.append(f"mail.{d} IN A 10.72.{i % 250}.2")
        else:
            kind = "gone"
        kinds[kind] = kinds.get(kind, 0) + 1
        lines.append(f"{fq} {ip}" if ip is not None and rnd.random() < 0.25 else fq)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, f"{Z}.zone"), "w") as f:
        f.write("\n".join(rr) + "\n")
    with open(os.path.join(a.out, "domains.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{a.domains} domains ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}), "
          f"{len(rr)} zone records")


if __name__ == "__main__":
    main()
