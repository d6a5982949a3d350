#!/usr/bin/python3
"""Hostile SMTP servers for the mxdiag lab: what a client must survive.

Started by lab.sh inside the lab. Each persona has its own address (names in
the zone hostile.test, PTRs back) and listens on ports 25 and 587; those that
speak TLS also on 465 (implicit TLS):

  192.0.2.41 slowbanner.hostile.test  the banner arrives one byte per second, for ever
  192.0.2.42 endless.hostile.test     normal banner; EHLO is answered with 250- lines
                                      that never end
  192.0.2.43 hugeline.hostile.test    the banner is one 1 MB line
  192.0.2.44 badutf8.hostile.test     every reply carries invalid UTF-8, NUL, escape
                                      sequences and control characters; otherwise
                                      plays along (AUTH offered without TLS, accepts
                                      MAIL/RCPT, refuses DATA)
  192.0.2.45 tlsdrop.hostile.test     offers STARTTLS, says 220, reads the ClientHello,
                                      sends 5 bytes of a TLS record and hangs up (on
                                      465 the same happens to the implicit handshake)
  192.0.2.46 endlesschain.hostile.test  STARTTLS (and 465) with a certificate chain of
                                      600 certificates (about 190 KB) whose last
                                      issuer never appears

Stdlib plus python3-cryptography (for the chain). Logs one JSON object per
event to $LAB_SPOOL/hostile-smtp.jsonl: connect, every client line (AUTH
payloads as "***", like personas.py), tls, disconnect. DATA/BDAT is refused and
also written to $LAB_SPOOL/alerts.jsonl.
"""
import argparse
import asyncio
import datetime
import itertools
import json
import os
import ssl
import sys
import time

PERSONAS = {  # address -> (name, host name)
    "192.0.2.41": ("slowbanner", "slowbanner.hostile.test"),
    "192.0.2.42": ("endless", "endless.hostile.test"),
    "192.0.2.43": ("hugeline", "hugeline.hostile.test"),
    "192.0.2.44": ("badutf8", "badutf8.hostile.test"),
    "192.0.2.45": ("tlsdrop", "tlsdrop.hostile.test"),
    "192.0.2.46": ("endlesschain", "endlesschain.hostile.test"),
}
TLS_PERSONAS = ("tlsdrop", "endlesschain")
CHAIN_LEN = 600
CONN_LIFETIME = 300  # seconds: no connection of ours outlives a test run by much
SPOOL = None
TLS_DIR = None
CONN_IDS = itertools.count(1)
_chain_ctx = None
# invalid UTF-8 (lone continuation, overlong, surrogate, past U+10FFFF, truncated), NUL,
# an ANSI colour escape, backspace, bell, DEL, C1 controls
BAD = (b"\x80\xbf \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xe3\x81 \x00 \x1b[31mred\x1b[0m "
       b"\x08\x07\x7f \xc2\x9b31m \xff\xfe")


def log(persona, conn, peer, entry):
    if SPOOL is None:
        return
    entry = dict(entry, ts=round(time.time(), 3), persona="hostile-" + persona, conn=conn,
                 peer=list(peer[:2]) if peer else None)
    with open(os.path.join(SPOOL, "hostile-smtp.jsonl"), "a") as f:
        f.write(json.dumps(entry) + "\n")
    if entry["type"] == "DATA_ATTEMPT":
        with open(os.path.join(SPOOL, "alerts.jsonl"), "a") as f:
            f.write(json.dumps(entry) + "\n")
        print("hostile_smtp: ALERT: %s got %s" % (persona, entry.get("verb")), file=sys.stderr)


async def chain_context():
    """The endless chain's SSLContext, made on first use (in a thread): the lab is ready
    without waiting for 600 signatures and the import of cryptography."""
    global _chain_ctx
    if _chain_ctx is None:
        _chain_ctx = asyncio.get_running_loop().run_in_executor(None, make_chain, TLS_DIR)
    return await _chain_ctx


def make_chain(tls_dir):
    """Leaf for endlesschain.hostile.test issued by "chain 1", issued by "chain 2", ...
    up to "chain CHAIN_LEN", whose issuer never appears. One key signs them all."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    os.makedirs(tls_dir, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def cert(subject, issuer, serial, ca, sans=()):
        b = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
             .public_key(key.public_key()).serial_number(serial)
             .not_valid_before(now - datetime.timedelta(hours=1))
             .not_valid_after(now + datetime.timedelta(days=30))
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if sans:
            b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]),
                                critical=False)
        return b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)

    host = PERSONAS["192.0.2.46"][1]
    pems = [cert(host, "chain 1", 1, False, [host])]
    pems += [cert("chain %d" % i, "chain %d" % (i + 1), i + 1, True)
             for i in range(1, CHAIN_LEN + 1)]
    chain = os.path.join(tls_dir, "hostile-chain.pem")
    keyf = os.path.join(tls_dir, "hostile-chain.key")
    with open(chain, "wb") as f:
        f.write(b"".join(pems))
    with open(keyf, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(chain, keyf)
    return ctx


class Session:
    def __init__(self, persona, host, reader, writer):
        self.persona, self.host = persona, host
        self.reader, self.writer = reader, writer
        self.conn = next(CONN_IDS)
        self.peer = writer.get_extra_info("peername")
        self.tls = writer.get_extra_info("ssl_object") is not None

    def log(self, **entry):
        log(self.persona, self.conn, self.peer, entry)

    async def send(self, data):
        self.writer.write(data)
        await self.writer.drain()

    async def reply(self, *lines):
        out = b""
        for i, line in enumerate(lines):
            code, text = line[:3], line[3:]
            sep = b" " if i == len(lines) - 1 else b"-"
            out += code + sep + text + b"\r\n"
        await self.send(out)

    async def banner(self):
        h = self.host.encode()
        if self.persona == "slowbanner":
            for b in itertools.chain(b"220 " + h + b" ESMTP", itertools.repeat(ord("."))):
                await self.send(bytes([b]))
                await asyncio.sleep(1)
        elif self.persona == "hugeline":
            await self.send(b"220 " + h + b" " + b"A" * (1 << 20) + b"\r\n")
        elif self.persona == "badutf8":
            await self.reply(b"220" + h + b" ESMTP " + BAD)
        else:
            await self.reply(b"220" + h + b" ESMTP hostile lab server")
        self.log(type="banner")

    async def ehlo(self):
        h = self.host.encode()
        if self.persona == "endless":
            i = 0
            while True:  # until the client hangs up
                await self.send(b"".join(b"250-X-ENDLESS-%d\r\n" % (i + k) for k in range(64)))
                i += 64
                await asyncio.sleep(0)
        if self.persona == "badutf8":
            await self.reply(b"250" + h + b" " + BAD, b"250PIPELINING", b"250AUTH PLAIN LOGIN",
                             b"250X-" + BAD, b"250ENHANCEDSTATUSCODES")
            return
        caps = [b"250" + h, b"250PIPELINING", b"250ENHANCEDSTATUSCODES"]
        if self.persona in TLS_PERSONAS and not self.tls:
            caps.append(b"250STARTTLS")
        await self.reply(*caps)

    async def starttls(self):
        if self.persona not in TLS_PERSONAS or self.tls:
            await self.reply(b"502 5.5.1 STARTTLS not offered")
            return True
        if self.persona == "tlsdrop":
            await self.reply(b"220 2.0.0 Ready to start TLS")
            await self.tls_drop()
            return False
        ctx = await chain_context()
        # No ClientHello may land in the stream's buffer: pause before saying 220
        # (start_tls() resumes reading once the TLS layer is in place).
        self.writer.transport.pause_reading()
        await self.reply(b"220 2.0.0 Ready to start TLS")
        await self.writer.start_tls(ctx)
        self.tls = True
        self.log(type="tls", chain=CHAIN_LEN + 1)
        return True

    async def tls_drop(self):
        hello = await asyncio.wait_for(self.reader.read(16384), 10)
        self.log(type="tls-drop", client_hello_bytes=len(hello))
        # a handshake record header announcing 16 KB, then nothing
        await self.send(b"\x16\x03\x03\x40\x00")

    async def run(self, port):
        self.log(type="connect", port=port)
        if self.persona == "tlsdrop" and port == 465:
            await self.tls_drop()
            return
        if self.tls:
            self.log(type="tls", chain=CHAIN_LEN + 1)
        await self.banner()
        auth_lines = 0
        while True:
            line = await asyncio.wait_for(self.reader.readline(), 60)
            if not line:
                break
            text = line.rstrip(b"\r\n").decode("utf-8", "replace")
            if auth_lines > 0:  # SASL continuation: never logged
                auth_lines -= 1
                self.log(type="cmd", verb="", arg="***")
                await self.reply(b"235 2.7.0 Authentication successful" if auth_lines == 0
                                 else b"334 UGFzc3dvcmQ6")
                continue
            verb, _, arg = text.partition(" ")
            verb = verb.upper()
            if verb == "AUTH":
                mech, _, initial = arg.partition(" ")
                self.log(type="cmd", verb=verb, arg=mech + (" ***" if initial else ""))
            else:
                self.log(type="cmd", verb=verb, arg=arg)
            if verb == "EHLO":
                await self.ehlo()
            elif verb == "HELO":
                await self.reply(b"250" + self.host.encode())
            elif verb == "STARTTLS":
                if not await self.starttls():
                    break
            elif verb == "AUTH":
                mech = arg.split(" ")[0].upper()
                if mech == "PLAIN" and " " in arg:
                    await self.reply(b"235 2.7.0 Authentication successful")
                elif mech == "PLAIN":
                    auth_lines = 1
                    await self.reply(b"334 ")
                elif mech == "LOGIN":
                    auth_lines = 2
                    await self.reply(b"334 VXNlcm5hbWU6")
                else:
                    await self.reply(b"504 5.5.4 Unrecognized authentication type")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                extra = b" " + BAD if self.persona == "badutf8" else b""
                await self.reply(b"250 2.0.0 Ok" + extra)
            elif verb in ("DATA", "BDAT"):
                self.log(type="DATA_ATTEMPT", verb=verb)
                await self.reply(b"554 5.7.1 hostile lab persona refuses DATA")
            elif verb == "QUIT":
                await self.reply(b"221 2.0.0 Bye")
                break
            else:
                await self.reply(b"500 5.5.2 Error: command not recognized")


class ImplicitTLS(asyncio.Protocol):
    """Port 465 of endlesschain: the handshake starts at once, with the chain made on first
    use. Reading is paused before the ClientHello can reach a stream buffer."""

    def connection_made(self, transport):
        transport.pause_reading()
        asyncio.get_running_loop().create_task(self.upgrade(transport))

    async def upgrade(self, transport):
        loop = asyncio.get_running_loop()
        local = transport.get_extra_info("sockname")
        reader = asyncio.StreamReader(limit=1 << 16)
        proto = asyncio.StreamReaderProtocol(reader)
        try:
            tls = await loop.start_tls(transport, proto, await chain_context(),
                                       server_side=True, ssl_handshake_timeout=30)
        except (ConnectionError, OSError, ssl.SSLError, asyncio.TimeoutError) as e:
            persona = PERSONAS.get(local[0], ("unknown",))[0]
            log(persona, next(CONN_IDS), transport.get_extra_info("peername"),
                {"type": "tls-failed", "port": 465, "error": str(e)})
            transport.close()
            return
        await serve_client(reader, asyncio.StreamWriter(tls, proto, reader, loop))


async def serve_client(reader, writer):
    local = writer.get_extra_info("sockname")
    persona, host = PERSONAS.get(local[0], ("unknown", "unknown.hostile.test"))
    s = Session(persona, host, reader, writer)
    try:
        await asyncio.wait_for(s.run(local[1]), CONN_LIFETIME)
    except (asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError, OSError,
            ssl.SSLError, ValueError):
        pass
    finally:
        s.log(type="disconnect")
        try:
            writer.close()
        except Exception:
            pass


async def main():
    global SPOOL, TLS_DIR
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spool")
    ap.add_argument("--tls-dir", required=True, help="where the chain and its key are written")
    ap.add_argument("--ready-file")
    args = ap.parse_args()
    SPOOL, TLS_DIR = args.spool, args.tls_dir
    waits = []
    loop = asyncio.get_running_loop()
    for addr, (persona, _) in PERSONAS.items():
        for port in (25, 587, 465) if persona in TLS_PERSONAS else (25, 587):
            if persona == "endlesschain" and port == 465:
                srv = await loop.create_server(ImplicitTLS, addr, port, reuse_address=True)
            else:  # tlsdrop's 465 is plain TCP: its "handshake" is tls_drop()
                srv = await asyncio.start_server(serve_client, addr, port,
                                                 reuse_address=True, limit=1 << 16)
            waits.append(srv.serve_forever())
    if args.ready_file:
        with open(args.ready_file + ".tmp", "w") as fh:
            fh.write(str(os.getpid()))
        os.rename(args.ready_file + ".tmp", args.ready_file)
    await asyncio.gather(*waits)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
