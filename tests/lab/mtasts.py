"""MTA-STS policy server for the mxdiag lab (RFC 8461 3.3), run inside
personas.py's asyncio loop (one interpreter start for every lab daemon).

One HTTPS listener (MTA_STS_ADDR, port 443) serves mta-sts.<case>.test for
every case below, with a lab-CA certificate per name chosen by SNI. Each
request is logged to $LAB_SPOOL/mtasts.jsonl as {"host", "path", "case"}.
"""
import asyncio
import json
import os
import time

MTA_STS_ADDR = "192.0.2.60"


def _policy(*lines, sep="\r\n"):
    return (sep.join(lines) + sep).encode()


# case domain -> (status, headers, body, stall): what mta-sts.<domain> serves
CASES = {
    # enforce, CRLF, a *. pattern covering the real MX mx1.example.test
    "stsgood.test": (200, {}, _policy("version: STSv1", "mode: enforce",
                                      "mx: *.example.test", "max_age: 604800"), False),
    # testing, LF line ends, a misspelt key beside the real one
    "ststesting.test": (200, {}, _policy("version: STSv1", "mode: testing",
                                         "mx: mx1.example.test", "max_age: 86400",
                                         "max-age: 86400", sep="\n"), False),
    # enforce, "*.test" does not cover mx1.example.test (the star is one label)
    "stsmiss.test": (200, {}, _policy("version: STSv1", "mode: enforce", "mx: *.test",
                                      "mx: mail.stsmiss.test", "max_age: 604800"), False),
    # enforce, the pattern covers the MX, but its certificate names another host
    "stscert.test": (200, {}, _policy("version: STSv1", "mode: enforce",
                                      "mx: mx.wrongcert.test", "max_age: 604800"), False),
    # a good testing policy served as text/html
    "ststype.test": (200, {"Content-Type": "text/html; charset=utf-8"},
                     _policy("version: STSv1", "mode: testing", "mx: mx1.example.test",
                             "max_age: 86400"), False),
    # withdrawn: mode none needs no mx
    "stsnone.test": (200, {}, _policy("version: STSv1", "mode: none", "max_age: 86400"),
                     False),
    "stsbad.test": (200, {}, _policy("version: STSv2", "mode: enforce",
                                     "mx: mx1.example.test", "max_age: 604800"), False),
    "stsredir.test": (301, {"Location": "https://www.stsredir.test/mta-sts.txt"},
                      b"moved\r\n", False),
    # larger than the 64 KiB senders (and mxdiag) read
    "stsbig.test": (200, {}, _policy("version: STSv1", "mode: enforce",
                                     "mx: mx1.example.test", "max_age: 604800") +
                    b"#" * (100 * 1024), False),
    # the headers, then nothing: a server that stalls
    "stsslow.test": (200, {}, b"", True),
    # a good policy behind a certificate for another name (no certificate of its own)
    "stswrongname.test": (200, {}, _policy("version: STSv1", "mode: enforce",
                                           "mx: mx1.example.test", "max_age: 604800"),
                          False),
}

# the names that get a certificate of their own
NAMES = ["mta-sts." + d for d in CASES if d != "stswrongname.test"]


def _log(spool, entry):
    entry["ts"] = time.time()
    with open(os.path.join(spool, "mtasts.jsonl"), "a") as f:
        f.write(json.dumps(entry) + "\n")


async def _handle(reader, writer, spool):
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError,
            asyncio.TimeoutError, ConnectionError):
        writer.close()
        return
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    path = parts[1] if len(parts) > 1 else ""
    host = ""
    for line in lines[1:]:
        if line.lower().startswith("host:"):
            host = line[5:].strip().split(":")[0].lower()
    case = host[len("mta-sts."):] if host.startswith("mta-sts.") else ""
    _log(spool, {"host": host, "path": path, "case": case})
    if case not in CASES or path != "/.well-known/mta-sts.txt":
        status, headers, body, stall = 404, {}, b"not found\r\n", False
    else:
        status, headers, body, stall = CASES[case]
    reason = {200: "OK", 301: "Moved Permanently", 404: "Not Found"}[status]
    headers = dict({"Content-Type": "text/plain"}, **headers)
    hdr = ["HTTP/1.1 %d %s" % (status, reason), "Connection: close"]
    hdr += ["%s: %s" % kv for kv in headers.items()]
    if stall:
        hdr.append("Content-Length: 100")
    else:
        hdr.append("Content-Length: %d" % len(body))
    try:
        writer.write(("\r\n".join(hdr) + "\r\n\r\n").encode() + body)
        await writer.drain()
        if stall:
            await asyncio.sleep(3600)
        writer.close()
    except ConnectionError:
        pass


async def start(tls, spool):
    """tls: name -> loaded SSLContext (personas.py's, lab-CA certificates)."""
    ctx = tls[NAMES[0]]  # any one of them; SNI picks the name's own

    def sni(sslobj, name, _ctx):
        if name in tls:
            sslobj.context = tls[name]

    ctx.sni_callback = sni
    srv = await asyncio.start_server(lambda r, w: _handle(r, w, spool),
                                     host=MTA_STS_ADDR, port=443, ssl=ctx,
                                     reuse_address=True)
    return srv.serve_forever()
