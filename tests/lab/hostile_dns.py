#!/usr/bin/python3
"""Hostile DNS server for the mxdiag lab: answers that a careless client chokes on.

Started by lab.sh inside the lab on 192.0.2.40 (ns.hostile.test), UDP and TCP
port 53. It is authoritative for dns.hostile.test, which the NSD zone
hostile.test delegates to it, and it also answers directly when mxdiag is
pointed at it as its resolver (--resolver 192.0.2.40). Stdlib only.

What it does depends on the label left of dns.hostile.test (the "case"; any
prefix such as _dmarc. is ignored). Through the lab resolver (unbound) the
answers are well-formed but malicious:
  cnameloop, cnameloop2   CNAME to each other
  chain<N>                CNAME to chain<N+1>, for ever
  nsloop, nsloop2         delegations whose name servers live in each other
  hugetxt                 one TXT record of 240 strings, 61 KB (TC over UDP)
  manytxt                 300 TXT records, each an SPF record
  manymx                  1000 MX records
  spfa, spfb, spfc        SPF include cycle a -> b -> c -> a
  spfself                 v=spf1 include:%{d} -all (includes itself)
  spffan                  includes itself 9 times, plus a and mx
Asked directly (--resolver 192.0.2.40), the packets themselves are broken:
  tc        TC set on every reply, UDP and TCP: the answer never fits
  tcpdrop   TC over UDP; over TCP the connection is closed unanswered
  tcpslow   TC over UDP; over TCP the reply trickles, one byte per second
  ptrloop   an answer whose owner name is a compression pointer to itself
  ptrfwd    a compression pointer past the end of the packet
  badid     the reply carries another message ID
  wrongq    the reply's question section names another domain
  emptyrr   every answer record has empty RDATA (RDLENGTH 0)
  shortrr   A with 3 octets, AAAA with 4, MX with only its preference,
            TXT whose length octet runs past the RDATA
  garbage   the ID, then random bytes
Every other name under dns.hostile.test is NXDOMAIN; names elsewhere get
REFUSED. One JSON line per query goes to $LAB_SPOOL/hostile-dns.jsonl.
"""
import argparse
import asyncio
import json
import os
import random
import struct
import sys
import time

ZONE = "dns.hostile.test"
NS_NAME = "ns.hostile.test"
NS_ADDR = "192.0.2.40"
TTL = 300
T_A, T_NS, T_CNAME, T_SOA, T_PTR, T_MX, T_TXT, T_AAAA, T_OPT = 1, 2, 5, 6, 12, 15, 16, 28, 41
RAW_CASES = {"tc", "tcpdrop", "tcpslow", "ptrloop", "ptrfwd", "badid", "wrongq",
             "emptyrr", "shortrr", "garbage"}
SPOOL = None


def log(entry):
    if SPOOL is None:
        return
    entry = dict(entry, ts=round(time.time(), 3), persona="hostile-dns")
    with open(os.path.join(SPOOL, "hostile-dns.jsonl"), "a") as f:
        f.write(json.dumps(entry) + "\n")


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rr(name, rtype, rdata, ttl=TTL):
    return wire_name(name) + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


def txt_rdata(*strings):
    """Character-strings of at most 255 octets (RFC 1035 3.3): longer ones are split."""
    out = b""
    for s in strings:
        b = s.encode() if isinstance(s, str) else s
        for i in range(0, max(len(b), 1), 255):
            out += bytes([len(b[i:i + 255])]) + b[i:i + 255]
    return out


def soa_rdata():
    return (wire_name(NS_NAME) + wire_name("hostmaster.lab.test") +
            struct.pack(">IIIII", 2024010101, 3600, 600, 86400, 60))


def parse_query(data):
    """(id, flags, qname, qtype, qclass, question bytes, edns udp size) or None."""
    if len(data) < 12:
        return None
    qid, flags, qd = struct.unpack(">HHH", data[:6])
    if qd != 1 or flags & 0x8000:
        return None
    pos, labels = 12, []
    while True:
        if pos >= len(data):
            return None
        n = data[pos]
        if n == 0:
            pos += 1
            break
        if n & 0xC0 or pos + 1 + n > len(data):
            return None
        labels.append(data[pos + 1:pos + 1 + n].decode("ascii", "replace").lower())
        pos += 1 + n
    if pos + 4 > len(data):
        return None
    qtype, qclass = struct.unpack(">HH", data[pos:pos + 4])
    question = data[12:pos + 4]
    udp = 512
    rest = data[pos + 4:]
    # one OPT record in the additional section (EDNS0): root name, type 41
    if len(rest) >= 11 and rest[0] == 0 and struct.unpack(">H", rest[1:3])[0] == T_OPT:
        udp = max(512, min(struct.unpack(">H", rest[3:5])[0], 4096))
    return qid, flags, ".".join(labels), qtype, qclass, question, udp


def case_of(qname):
    """The case label left of the zone (None for the apex, "" outside the zone)."""
    if qname == ZONE:
        return None
    if not qname.endswith("." + ZONE):
        return ""
    return qname[:-len(ZONE) - 1].split(".")[-1]


def message(qid, flags, question, answer=(), authority=(), additional=(), rcode=0, aa=True,
            tc=False):
    f = 0x8000 | (flags & 0x0100) | (0x0400 if aa else 0) | (0x0200 if tc else 0) | rcode
    return (struct.pack(">HHHHHH", qid, f, 1, len(answer), len(authority), len(additional)) +
            question + b"".join(answer) + b"".join(authority) + b"".join(additional))


def semantic(qname, qtype, case):
    """(rcode, answer, authority, additional, aa) for the well-formed cases."""
    soa = [rr(ZONE, T_SOA, soa_rdata())]
    nodata = (0, [], soa, [], True)
    if case is None:  # the apex
        if qtype == T_SOA:
            return 0, soa, [], [], True
        if qtype == T_NS:
            return 0, [rr(ZONE, T_NS, wire_name(NS_NAME))], [], [], True
        return nodata
    if case in ("cnameloop", "cnameloop2") and qname == case + "." + ZONE:
        other = "cnameloop2" if case == "cnameloop" else "cnameloop"
        return 0, [rr(qname, T_CNAME, wire_name(other + "." + ZONE))], [], [], True
    if case.startswith("chain") and case[5:].isdigit() and qname == case + "." + ZONE:
        nxt = "chain%d.%s" % (int(case[5:]) + 1, ZONE)
        return 0, [rr(qname, T_CNAME, wire_name(nxt))], [], [], True
    if case in ("nsloop", "nsloop2"):
        other = "nsloop2" if case == "nsloop" else "nsloop"
        cut = case + "." + ZONE
        return 0, [], [rr(cut, T_NS, wire_name("ns." + other + "." + ZONE))], [], False
    spf = {
        "spfa": "v=spf1 include:spfb.%s -all" % ZONE,
        "spfb": "v=spf1 include:spfc.%s -all" % ZONE,
        "spfc": "v=spf1 include:spfa.%s -all" % ZONE,
        "spfself": "v=spf1 include:%{d} -all",
        "spffan": "v=spf1 a mx " + " ".join(["include:spffan.%s" % ZONE] * 9) + " ?all",
    }
    if case in spf and qname == case + "." + ZONE:
        if qtype == T_TXT:
            return 0, [rr(qname, T_TXT, txt_rdata(spf[case]))], [], [], True
        return nodata
    if case == "hugetxt" and qname == case + "." + ZONE:
        if qtype != T_TXT:
            return nodata
        # a syntactically valid SPF record of 61 KB: 240 strings of 238 to 245 octets
        strings = ["v=spf1 " + "ip4:192.0.2.1 " * 17] + \
            ["ip4:192.0.2.%d " % (i % 9 + 1) * 17 for i in range(239)]
        return 0, [rr(qname, T_TXT, txt_rdata(*strings))], [], [], True
    if case == "manytxt" and qname == case + "." + ZONE:
        if qtype != T_TXT:
            return nodata
        return 0, [rr(qname, T_TXT, txt_rdata("v=spf1 ip4:192.0.2.%d -all" % (i % 250 + 1),
                                               "n%d" % i)) for i in range(300)], [], [], True
    if case == "manymx" and qname == case + "." + ZONE:
        if qtype != T_MX:
            return nodata
        # the owner is a pointer to the question (0xc00c), so 1000 records fit in 43 KB
        return 0, [b"\xc0\x0c" + struct.pack(">HHIH", T_MX, 1, TTL, 2 + len(t)) +
                   struct.pack(">H", i % 100) + t
                   for i, t in ((i, wire_name("mx%d.manymx.%s" % (i, ZONE)))
                                for i in range(1000))], [], [], True
    if case == "manymx" and qname.endswith(".manymx." + ZONE) and qtype == T_A:
        return 0, [rr(qname, T_A, bytes([192, 0, 2, 80]))], [], [], True
    return 3, [], soa, [], True  # every other name, and names below the cases: NXDOMAIN


def raw_answer(case, qname, qtype):
    """Answer records for the direct cases (well-formed unless the case says)."""
    if case == "emptyrr":
        return [wire_name(qname) + struct.pack(">HHIH", qtype, 1, TTL, 0)]
    if case == "shortrr":
        bad = {T_A: b"\xc0\x00\x02", T_AAAA: b"\x20\x01\x0d\xb8", T_MX: b"\x00\x0a",
               T_TXT: b"\xffv=spf1", T_PTR: b"\x03ab", T_CNAME: b"\x05ab"}
        return [wire_name(qname) + struct.pack(">HHIH", qtype, 1, TTL, len(bad.get(qtype, b"")))
                + bad.get(qtype, b"")]
    if qtype == T_MX:
        return [rr(qname, T_MX, b"\x00\x0a" + wire_name("mx." + ZONE))]
    if qtype == T_A:
        return [rr(qname, T_A, bytes([192, 0, 2, 80]))]
    if qtype == T_TXT:
        return [rr(qname, T_TXT, txt_rdata("v=spf1 -all"))]
    return []


def respond(data, transport):
    """Reply bytes for one query (None: no reply at all)."""
    q = parse_query(data)
    if q is None:
        return None
    qid, flags, qname, qtype, qclass, question, udp = q
    case = case_of(qname)
    log({"type": "query", "qname": qname, "qtype": qtype, "transport": transport,
         "case": case})
    if case == "":
        return message(qid, flags, question, rcode=5, aa=False)  # REFUSED
    if case not in RAW_CASES:
        rcode, an, ns, ar, aa = semantic(qname, qtype, case)
        reply = message(qid, flags, question, an, ns, ar, rcode=rcode, aa=aa)
        if transport == "udp" and len(reply) > udp:
            return message(qid, flags, question, tc=True)
        return reply
    if case == "tc" or (case in ("tcpdrop", "tcpslow") and transport == "udp"):
        return message(qid, flags, question, tc=True)
    if case == "ptrloop":
        # owner name: a pointer to its own offset (12 + len(question))
        off = 12 + len(question)
        loop = struct.pack(">H", 0xC000 | off) + struct.pack(">HHIH", qtype, 1, TTL, 4) + \
            bytes([192, 0, 2, 80])
        return message(qid, flags, question, [loop])
    if case == "ptrfwd":
        fwd = b"\xc3\xff" + struct.pack(">HHIH", qtype, 1, TTL, 4) + bytes([192, 0, 2, 80])
        return message(qid, flags, question, [fwd])
    if case == "badid":
        return message((qid + 1) & 0xFFFF, flags, question, raw_answer(case, qname, qtype))
    if case == "wrongq":
        other = wire_name("other." + ZONE) + question[-4:]
        return message(qid, flags, other, raw_answer(case, "other." + ZONE, qtype))
    if case == "garbage":
        return struct.pack(">H", qid) + bytes(random.getrandbits(8) for _ in range(300))
    return message(qid, flags, question, raw_answer(case, qname, qtype))


class UDP(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        try:
            reply = respond(data, "udp")
        except Exception as e:  # a test server must not die of a strange query
            print("hostile_dns: %r" % e, file=sys.stderr)
            return
        if reply is not None:
            self.transport.sendto(reply, addr)


async def tcp_client(reader, writer):
    try:
        while True:
            head = await asyncio.wait_for(reader.readexactly(2), 30)
            data = await reader.readexactly(struct.unpack(">H", head)[0])
            q = parse_query(data)
            case = case_of(q[2]) if q else None
            if case == "tcpdrop":
                log({"type": "tcp-drop", "qname": q[2]})
                break
            reply = respond(data, "tcp")
            if reply is None:
                continue
            out = struct.pack(">H", len(reply)) + reply
            if case == "tcpslow":
                for i in range(len(out)):  # one byte per second, until the client gives up
                    writer.write(out[i:i + 1])
                    await writer.drain()
                    await asyncio.sleep(1)
                continue
            writer.write(out)
            await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def start(addr, port):
    """Listen on addr:port (UDP and TCP); returns an awaitable that serves for ever."""
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(UDP, local_addr=(addr, port), reuse_port=False)
    srv = await asyncio.start_server(tcp_client, addr, port, reuse_address=True)
    return srv.serve_forever()


async def main():
    global SPOOL
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", default=NS_ADDR)
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--spool")
    ap.add_argument("--ready-file")
    args = ap.parse_args()
    SPOOL = args.spool
    serve = await start(args.listen, args.port)
    if args.ready_file:
        with open(args.ready_file + ".tmp", "w") as fh:
            fh.write(str(os.getpid()))
        os.rename(args.ready_file + ".tmp", args.ready_file)
    await serve


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
