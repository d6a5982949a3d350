#!/usr/bin/python3
"""Scripted SMTP personas for the mxdiag hermetic test lab.

Started by tests/lab/lab.sh inside the lab's network namespace. Run it with
Debian's /usr/bin/python3: python3-aiosmtpd is a Debian package that pyenv
and venv interpreters cannot see. All personas share one asyncio loop in one
process; the table PERSONAS below says who listens where.

Logging (what tests assert on): every persona writes JSON Lines to
$LAB_SPOOL/<persona>.jsonl, one object per event, each with "ts", "persona",
"conn" (connection number, unique in the lab run), "local" ([ip, port]) and
"peer" ([ip, port]):
  {"type": "connect"}
  {"type": "banner", "reply": ["220 ..."]}
  {"type": "cmd", "verb": "MAIL", "arg": "FROM:<a@b>", "tls": false,
   "reply": ["250 2.1.0 Ok"]}            every line the client sent, in order;
                                         AUTH payloads (initial response and
                                         every continuation line) are "***"
  {"type": "tls", "version": "TLSv1.3"}  after a STARTTLS handshake
  {"type": "txn", "helo": ..., "tls": ..., "auth": "alice@isp.test" | null,
   "mail_from": ..., "mail_reply": ..., "rcpts": [{"addr": ..., "reply": ...}],
   "end": "RSET" | "QUIT" | "MAIL" | "HELO" | "EHLO" | "STARTTLS" | "DATA" |
          "BDAT" | "disconnect"}        one per MAIL transaction
  {"type": "disconnect"}
DATA and BDAT are ALWAYS refused with 554 (mxdiag must never send message
content); such an attempt is also logged as {"type": "DATA_ATTEMPT"} in the
persona's file AND in $LAB_SPOOL/alerts.jsonl, and printed to stderr. A test
can simply assert that alerts.jsonl does not exist.
"""
import argparse
import asyncio
import email.utils
import itertools
import json
import logging
import os
import re
import ssl
import sys
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

log = logging.getLogger("personas")

SUBMISSION_USERS = {  # smarthost accounts: login -> password
    "alice@isp.test": "alice-pass",
    "bob@isp.test": "bob-pass",
}
CONN_IDS = itertools.count(1)
# Host names whose certificate carries a key of the repository's (a lab-only test key):
# DANE's TLSA records in the signed zone dane.test name it.
FIXED_KEYS = {
    "mx.good.dane.test": os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                      "dane.key"),
}
# every MX name the DANE persona answers for (one certificate names them all)
DANE_SANS = ["mx.good.dane.test", "mx.roll.dane.test", "mx.bad.dane.test",
             "mx.unusable.dane.test", "mx.daneunsigned.test", "mx.notlsa.dane.test"]
SPOOL = "."


def write_jsonl(name, entry):
    with open(os.path.join(SPOOL, name + ".jsonl"), "a") as f:
        f.write(json.dumps(entry) + "\n")


def split_addr(address):
    """'user@dom' -> ('user', 'dom'); quoted local parts keep their quotes."""
    local, at, dom = (address or "").rpartition("@")
    if not at:
        return address or "", ""
    return local, dom.lower().rstrip(".")


def is_final(line):
    """True for the last line of a reply (NNN<SP>... or bare NNN)."""
    return len(line) <= 3 or line[3:4] != "-"


class LabSMTP(SMTP):
    """aiosmtpd SMTP with per-command logging, DATA refusal and a few quirks.

    One instance per connection (asyncio protocol factory)."""

    def __init__(self, handler, persona, *, greet_delay=0.0, banner=None,
                 enhanced_starttls_530=True, **kw):
        super().__init__(handler, **kw)
        self.persona = persona
        self.greet_delay = greet_delay
        self.banner = banner          # None: normal 220; else a full line
        self.enhanced_starttls_530 = enhanced_starttls_530
        self.conn = next(CONN_IDS)
        self.cur = None               # command being answered
        self.auth_pending = False
        self.txn = None
        self.local = None

    # -- logging helpers
    def _tls_active(self):
        return self._tls_protocol is not None or (
            self.transport is not None and
            self.transport.get_extra_info("ssl_object") is not None)

    def _log(self, type_, **kw):
        entry = {"ts": round(time.time(), 6), "persona": self.persona,
                 "type": type_, "conn": self.conn, "local": self.local,
                 "peer": list(self.session.peer[:2]) if self.session and
                 self.session.peer else None}
        entry.update(kw)
        write_jsonl(self.persona, entry)
        return entry

    def _auth_login(self):
        ad = self.session.auth_data if self.session else None
        if isinstance(ad, LoginPassword):
            return ad.login.decode(errors="replace")
        return None

    def _end_txn(self, how):
        if self.txn is not None:
            t, self.txn = self.txn, None
            self._log("txn", helo=self.session.host_name,
                      tls=self._tls_active(), auth=self._auth_login(),
                      end=how, **t)

    # -- connection life cycle
    def connection_made(self, transport):
        first = self.transport is None
        super().connection_made(transport)
        if first:
            sock = transport.get_extra_info("sockname")
            self.local = list(sock[:2]) if sock else None
            self._log("connect")
        else:  # STARTTLS handshake done: new (TLS) transport
            ssl_obj = transport.get_extra_info("ssl_object")
            self._log("tls", version=ssl_obj.version() if ssl_obj else None,
                      cipher=(ssl_obj.cipher() or [None])[0] if ssl_obj else None)

    def connection_lost(self, error):
        if self.conn is None:
            return super().connection_lost(error)
        self._flush_cmd()
        self._end_txn("disconnect")
        self._log("disconnect")
        self.conn = None
        super().connection_lost(error)

    def _client_connected_cb(self, reader, writer):
        super()._client_connected_cb(reader, writer)
        orig = reader.readuntil

        async def readuntil(separator=b"\n"):
            line = await orig(separator)
            self._on_line(line)
            return line
        # StreamReader.readline() also goes through readuntil(), so AUTH
        # continuation lines pass here too.
        reader.readuntil = readuntil

    def _on_line(self, raw):
        text = raw.rstrip(b"\r\n").decode("utf-8", errors="replace")
        if self.auth_pending and self.cur is not None:
            self.cur.setdefault("responses", []).append("***")
            return
        self._flush_cmd()
        verb, _, arg = text.partition(" ")
        verb = verb.upper()
        arg = arg.strip()
        if verb == "AUTH":
            parts = arg.split()
            arg = parts[0] if parts else ""
            if len(parts) > 1:
                arg += " ***"
            self.auth_pending = True
        self.cur = {"verb": verb, "arg": arg, "tls": self._tls_active(),
                    "reply": []}

    def _flush_cmd(self):
        if self.cur is not None:
            c, self.cur = self.cur, None
            self.auth_pending = False
            self._log("cmd", **c)
            self._account(c)

    def _account(self, c):
        """Keep the per-transaction summary up to date."""
        verb = c["verb"]
        final = c["reply"][-1] if c["reply"] else ""
        if verb == "MAIL":
            self._end_txn("MAIL")
            m = re.match(r"(?i)FROM:\s*<([^>]*)>", c["arg"])
            self.txn = {"mail_from": m.group(1) if m else c["arg"],
                        "mail_reply": final, "rcpts": []}
            if not final.startswith("2"):
                self._end_txn("MAIL-rejected")
        elif verb == "RCPT" and self.txn is not None:
            m = re.match(r"(?i)TO:\s*<([^>]*)>", c["arg"])
            self.txn["rcpts"].append({"addr": m.group(1) if m else c["arg"],
                                      "reply": final})
        elif verb in ("RSET", "QUIT", "HELO", "EHLO", "STARTTLS", "DATA",
                      "BDAT"):
            self._end_txn(verb)

    async def push(self, status):
        if isinstance(status, bytes):
            status = status.decode("utf-8", errors="replace")
        if (self.enhanced_starttls_530 and
                status == "530 Must issue a STARTTLS command first"):
            status = "530 5.7.0 Must issue a STARTTLS command first"
        if self.cur is not None:
            self.cur["reply"].append(status)
            if is_final(status) and not status.startswith("334"):
                self._flush_cmd()
        await super().push(status)

    async def _handle_client(self):
        if self.greet_delay:
            await asyncio.sleep(self.greet_delay)
        if self.banner is not None:
            # A server that greets with a refusal and hangs up (e.g. 421)
            self._log("banner", reply=[self.banner])
            await super().push(self.banner)
            self.transport.close()
            return
        self._log("banner", reply=[f"220 {self.hostname} {self.__ident__}"])
        return await super()._handle_client()

    # -- never accept message content
    async def _refuse_content(self, verb):
        msg = ("554 5.7.1 lab persona %s refuses %s: mxdiag must never send "
               "message content" % (self.persona, verb))
        entry = self._log("DATA_ATTEMPT", verb=verb, helo=self.session.host_name,
                          txn=self.txn, auth=self._auth_login())
        write_jsonl("alerts", entry)
        print("LAB ALERT: %s received %s from %s (conn %d)" % (
            self.persona, verb, self.session.peer, self.conn),
            file=sys.stderr, flush=True)
        await self.push(msg)

    async def smtp_DATA(self, arg):
        await self._refuse_content("DATA")

    async def smtp_BDAT(self, arg):
        await self._refuse_content("BDAT")


# ------------------------------------------------------------------ handlers
class Persona:
    """Base handler: accepts any sender and any recipient."""

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        # Postfix-like: advertise PIPELINING and ENHANCEDSTATUSCODES too
        return (responses[:1] + ["250-PIPELINING"] + responses[1:-1] +
                ["250-ENHANCEDSTATUSCODES", responses[-1]])

    async def handle_MAIL(self, server, session, envelope, address, options):
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(self, server, session, envelope, address, options):
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"


class MX(Persona):
    """A normal MX: local domains with a user list, no relaying.

    users=None accepts any local part (a backup MX that cannot check)."""

    def __init__(self, domains, users=("postmaster", "alice", "bob",
                                       "dmarc-reports", "abuse")):
        self.domains = set(domains)
        self.users = set(users) if users is not None else None

    def relay_ok(self, server, session, local, dom):
        return False

    def rcpt_verdict(self, server, session, address):
        local, dom = split_addr(address)
        if not dom and local.lower() == "postmaster":
            return None  # RFC 5321 4.5.1: <postmaster> must be accepted
        if dom not in self.domains:
            if self.relay_ok(server, session, local, dom):
                return None
            return self.relay_denied(address)
        if self.users is not None and local.lower() not in self.users:
            return (f"550 5.1.1 <{address}>: Recipient address rejected: "
                    "User unknown")
        return None

    def relay_denied(self, address):
        return "550 5.7.1 Unable to relay"

    async def handle_RCPT(self, server, session, envelope, address, options):
        bad = self.rcpt_verdict(server, session, address)
        if bad:
            return bad
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"


class Bypass(MX):
    """Refuses plain relaying but lets relay 'bypass' variants through:
    percent hack (user%elsewhere.test@bypass.test), a quoted local part
    holding an @ ("user@elsewhere.test"@bypass.test) and bang paths
    (elsewhere.test!user@bypass.test)."""

    def rcpt_verdict(self, server, session, address):
        local, dom = split_addr(address)
        if dom in self.domains and ("%" in local or "!" in local or
                                    (local.startswith('"') and "@" in local)):
            return None  # the bug: forwarded to the embedded domain
        return super().rcpt_verdict(server, session, address)

    def relay_denied(self, address):
        return f"554 5.7.1 <{address}>: Relay access denied"


class Greylist(MX):
    def rcpt_verdict(self, server, session, address):
        return "451 4.7.1 Greylisted, try again later"


class Exchange(MX):
    """Exchange-like front end that wants authentication for every RCPT."""

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        peer = session.peer[0] if session.peer else "unknown"
        out = [f"250-{server.hostname} Hello [{peer}]", "250-SIZE 37748736",
               "250-PIPELINING", "250-DSN", "250-ENHANCEDSTATUSCODES"]
        if server._tls_protocol is None:
            out.append("250-STARTTLS")
        else:
            out.append("250-AUTH GSSAPI NTLM")
        out += ["250-8BITMIME", "250-BINARYMIME", "250-CHUNKING",
                "250 XRDST"]
        return out

    async def handle_MAIL(self, server, session, envelope, address, options):
        envelope.mail_from = address
        return "250 2.1.0 Sender OK"

    def rcpt_verdict(self, server, session, address):
        return "530 5.7.1 Client was not authenticated"


class Smarthost(MX):
    """ISP submission server. 587/465: AUTH required (enforced by aiosmtpd's
    auth_required), MAIL FROM must equal the login. Port 25: answers, takes
    mail for isp.test users, relays only after AUTH."""

    async def handle_MAIL(self, server, session, envelope, address, options):
        login = server._auth_login()
        if login is not None and address.lower() != login.lower():
            return ("550 5.7.1 Client does not have permissions to send as "
                    "this sender")
        return await super().handle_MAIL(server, session, envelope, address,
                                         options)

    def rcpt_verdict(self, server, session, address):
        if server._auth_login() is not None:
            return None
        return super().rcpt_verdict(server, session, address)

    def relay_denied(self, address):
        return f"554 5.7.1 <{address}>: Relay access denied"


class CustomerRelay(MX):
    """An ISP's relay for its own lines: port 25 without AUTH, relays for
    client addresses of the ISP's customers (198.51.100.0/24) only."""

    def relay_ok(self, server, session, local, dom):
        peer = session.peer[0] if session.peer else ""
        return peer.startswith("198.51.100.")


def smarthost_authenticator(server, session, envelope, mechanism, auth_data):
    if not isinstance(auth_data, LoginPassword):
        return AuthResult(success=False, handled=False)
    login = auth_data.login.decode(errors="replace")
    ok = SUBMISSION_USERS.get(login) == auth_data.password.decode(
        errors="replace")
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


# --------------------------------------------------------------------- table
def exchange_banner():
    return ("Microsoft ESMTP MAIL Service ready at " +
            email.utils.formatdate(localtime=False))


def personas(tls):
    """(persona, handler, hostname, [addresses], port, options) rows.

    tls: dict name -> ssl.SSLContext ('lab' certs signed by the lab CA)."""
    lab_domains = ["example.test", "noaddr.test", "cnamemx.test",
                   "twospf.test", "dnssec.test", "expired.test",
                   "dmarcnone.test", "nodmarc.test", "baddmarc.test",
                   "spf.test", "stsgood.test", "ststesting.test", "stsmiss.test",
                   "stsnone.test"]
    good = MX(lab_domains)
    smart = Smarthost(["isp.test"])
    sub = dict(tls_context=tls["smtp.isp.test"], require_starttls=True,
               auth_required=True, auth_require_tls=True,
               authenticator=smarthost_authenticator,
               ident="ESMTP ISP Submission")
    eq = MX(["eqpref.test"])
    return [
        ("goodmx", good, "mx1.example.test", ["192.0.2.25", "2001:db8::25"],
         25, dict(tls_context=tls["mx1.example.test"],
                  ident="ESMTP Postfix (Debian/GNU)")),
        ("smarthost", smart, "smtp.isp.test", ["203.0.113.10"], 587, sub),
        ("smarthost", smart, "smtp.isp.test", ["203.0.113.10"], 465,
         dict(sub, tls_context=None, require_starttls=False,
              auth_require_tls=False, implicit_tls=tls["smtp.isp.test"],
              ident="ESMTP ISP Submission (implicit TLS)")),
        ("smarthost", smart, "smtp.isp.test", ["203.0.113.10"], 25,
         dict(tls_context=tls["smtp.isp.test"],
              authenticator=smarthost_authenticator,
              ident="ESMTP ISP relay")),
        ("isprelay", CustomerRelay(["isp.test"]), "relay.isp.test",
         ["203.0.113.12"], 25, dict(ident="ESMTP ISP customer relay")),
        ("ispmx", MX(["isp.test"]), "mx.isp.test", ["203.0.113.25"], 25,
         dict(tls_context=tls["mx.isp.test"], ident="ESMTP")),
        ("exchange", Exchange([]), "mx.exch.test", ["192.0.2.26"], 25,
         dict(tls_context=tls["selfsigned"], ident=exchange_banner)),
        ("openrelay", Persona(), "mail.openrelay.test", ["192.0.2.27"], 25,
         dict(ident="ESMTP Sendmail 8.15.2/8.15.2")),
        ("bypass", Bypass(["bypass.test"]), "mx.bypass.test", ["192.0.2.30"],
         25, dict(tls_context=tls["mx.bypass.test"], ident="ESMTP Postfix")),
        ("backup-primary", Persona(), "mx1.backup.test", ["192.0.2.31"], 25,
         dict(banner="421 4.3.2 mx1.backup.test Service not available, "
                     "closing transmission channel")),
        ("backup", MX(["backup.test"], users=None), "mx2.backup.test",
         ["192.0.2.32"], 25,
         dict(tls_context=tls["mx2.backup.test"], ident="ESMTP Postfix")),
        ("greylist", Greylist(["greylist.test"]), "mx.greylist.test",
         ["192.0.2.33"], 25,
         dict(tls_context=tls["mx.greylist.test"], ident="ESMTP Postfix")),
        ("wrongcert", MX(["wrongcert.test", "stscert.test"]), "mx.wrongcert.test",
         ["192.0.2.34"], 25,
         dict(tls_context=tls["other.example.net"], ident="ESMTP Postfix")),
        ("eqpref", eq, "mx-a.eqpref.test", ["192.0.2.35"], 25,
         dict(tls_context=tls["mx-a.eqpref.test"], ident="ESMTP Postfix")),
        ("eqpref", eq, "mx-b.eqpref.test", ["192.0.2.36"], 25,
         dict(tls_context=tls["mx-b.eqpref.test"], ident="ESMTP Postfix")),
        # a hosting platform: two customers' hosts, one greeting name (the platform's)
        ("shared", MX(["shopa.test", "shopb.test"]), "smtp.hostco.test",
         ["192.0.2.37", "192.0.2.38"], 25, dict(ident="ESMTP Postfix")),
        ("aaaaonly", MX(["aaaaonly.test"]), "mx.aaaaonly.test",
         ["2001:db8::35"], 25,
         dict(tls_context=tls["mx.aaaaonly.test"], ident="ESMTP Postfix")),
        # DANE (dane.test): a certificate for mx.good.dane.test on a fixed key
        # (tests/lab/dane.key), so that the signed zone's TLSA records can name it
        ("dane", MX(["good.dane.test", "roll.dane.test", "bad.dane.test",
                     "notlsa.dane.test", "unusable.dane.test",
                     "daneunsigned.test"]),
         "mx.good.dane.test", ["192.0.2.61"], 25,
         dict(tls_context=tls["mx.good.dane.test"], ident="ESMTP Postfix")),
        ("interceptor", Persona(), "intercept.isp.test",
         ["198.51.100.25", "2001:db8::100:25"], 25,
         dict(ident="ESMTP ISP-Transparent-Proxy")),
    ]


def make_tls(tls_dir, names):
    """Write a fresh lab CA (ca.pem, ca.key), one server key (server.key), a
    CA-signed certificate <name>.pem for every name, and a self-signed
    certificate for the Exchange persona (selfsigned.pem/.key: CN EXCH01,
    like a default Exchange install). EC P-256, valid 30 days."""
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    os.makedirs(tls_dir, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=30)

    def key_pem(k):
        return k.private_bytes(serialization.Encoding.PEM,
                               serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption())

    def write(name, data):
        with open(os.path.join(tls_dir, name), "wb") as f:
            f.write(data)

    def cert(subject, issuer, pub, sign_key, ca=False, sans=()):
        b = (x509.CertificateBuilder().subject_name(subject)
             .issuer_name(issuer).public_key(pub)
             .serial_number(x509.random_serial_number())
             .not_valid_before(start).not_valid_after(end)
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None),
                            critical=True))
        if ca:
            b = b.add_extension(x509.KeyUsage(
                digital_signature=False, content_commitment=False,
                key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False), critical=True)
        else:
            b = (b.add_extension(x509.SubjectAlternativeName(
                    [x509.DNSName(n) for n in sans]), critical=False)
                 .add_extension(x509.ExtendedKeyUsage(
                     [ExtendedKeyUsageOID.SERVER_AUTH]), critical=False))
        return b.sign(sign_key, hashes.SHA256()).public_bytes(
            serialization.Encoding.PEM)

    def dn(cn, org=None):
        attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)] if org else []
        return x509.Name(attrs + [x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = dn("mxdiag lab CA", "mxdiag lab")
    write("ca.key", key_pem(ca_key))
    write("ca.pem", cert(ca_name, ca_name, ca_key.public_key(), ca_key, ca=True))
    srv_key = ec.generate_private_key(ec.SECP256R1())
    write("server.key", key_pem(srv_key))
    for n in names:
        key = FIXED_KEYS.get(n)
        pub = (serialization.load_pem_private_key(open(key, "rb").read(), None)
               .public_key() if key else srv_key.public_key())
        write(n + ".pem", cert(dn(n), ca_name, pub, ca_key,
                               sans=DANE_SANS if key else [n]))
    ss_key = ec.generate_private_key(ec.SECP256R1())
    write("selfsigned.key", key_pem(ss_key))
    write("selfsigned.pem", cert(dn("EXCH01"), dn("EXCH01"), ss_key.public_key(),
                                 ss_key, sans=["EXCH01", "EXCH01.corp.local"]))


async def main():
    global SPOOL
    ap = argparse.ArgumentParser()
    ap.add_argument("--spool", required=True)
    ap.add_argument("--tls-dir", required=True,
                    help="where to write the lab CA and the certificates")
    ap.add_argument("--greet-delay", type=float, default=0.0,
                    help="seconds to wait before every 220 banner")
    ap.add_argument("--delay-proxy", metavar="LISTEN,TARGET,MS",
                    help="also run delayproxy.py's DNS delay proxy here "
                         "(saves an interpreter start), e.g. "
                         "192.0.2.153,192.0.2.53,20 (port 53 both sides)")
    ap.add_argument("--ready-file")
    ap.add_argument("--extra-certs", default="",
                    help="comma-separated host names that also get a lab-CA "
                         "certificate (the real mail servers'); "
                         "<tls-dir>/tls.ready appears once all are written")
    args = ap.parse_args()
    SPOOL = args.spool
    os.makedirs(SPOOL, exist_ok=True)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    loop = asyncio.get_running_loop()
    waits = []
    if args.delay_proxy:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import delayproxy
        listen, target, ms = args.delay_proxy.split(",")
        waits.append(await delayproxy.start(listen, 53, target, 53, float(ms)))

    class TLSDir(dict):  # name -> SSLContext, certificates loaded below
        def __missing__(self, name):
            ctx = self[name] = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            return ctx
    tls = TLSDir()
    table = personas(tls)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import mtasts
    for n in mtasts.NAMES:
        tls[n]  # an MTA-STS policy host: a lab-CA certificate of its own
    extra = [n for n in args.extra_certs.split(",") if n]
    make_tls(args.tls_dir, [n for n in tls if n != "selfsigned"] + extra)
    with open(os.path.join(args.tls_dir, "tls.ready"), "w"):
        pass
    for name, ctx in tls.items():
        base = os.path.join(args.tls_dir, name)
        ctx.load_cert_chain(base + ".pem", base + ".key" if name == "selfsigned"
                            else FIXED_KEYS.get(name) or
                            os.path.join(args.tls_dir, "server.key"))
    waits.append(await mtasts.start(tls, SPOOL))
    for name, handler, hostname, addrs, port, opts in table:
        opts = dict(opts)
        implicit = opts.pop("implicit_tls", None)
        ident = opts.pop("ident", None)

        def factory(handler=handler, name=name, hostname=hostname,
                    opts=opts, ident=ident):
            return LabSMTP(handler, name, hostname=hostname, loop=loop,
                           greet_delay=args.greet_delay,
                           ident=ident() if callable(ident) else ident,
                           timeout=60, **opts)
        srv = await loop.create_server(factory, host=addrs, port=port,
                                       ssl=implicit, reuse_address=True)
        waits.append(srv.serve_forever())
        log.info("%s listening on %s port %d", name, addrs, port)
    if args.ready_file:
        with open(args.ready_file + ".tmp", "w") as fh:
            fh.write(str(os.getpid()))
        os.rename(args.ready_file + ".tmp", args.ready_file)
    await asyncio.gather(*waits)


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")  # aiosmtpd warns about AUTH on 465
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
