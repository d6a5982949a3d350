#!/usr/bin/python3
"""SMTP persona and OP25B self-checks, run by verify.sh inside the lab.

Stdlib only (smtplib, ssl, socket). Prints "ok    NAME" or "FAIL  NAME" plus
details, one per check. Never sends DATA except in the one check that proves
the personas refuse it (its alert is moved aside afterwards).
"""
import base64
import errno
import json
import os
import smtplib
import socket
import ssl
import subprocess
import time

CA = os.environ["LAB_CA"]
SPOOL = os.environ["LAB_SPOOL"]
CLIENT = os.environ["LAB_CLIENT_IP"]
CLIENT6 = os.environ["LAB_CLIENT_IP6"]
HELO = "client.lab.test"
PASS = FAIL = 0


def check(name):
    def deco(fn):
        global PASS, FAIL
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - report any failure
            FAIL += 1
            print(f"FAIL  {name}\n      | {type(e).__name__}: {e}")
        else:
            PASS += 1
            print(f"ok    {name}")
        return fn
    return deco


def expect(cond, detail=""):
    if not cond:
        raise AssertionError(detail)


def ctx(check_hostname=True):
    c = ssl.create_default_context(cafile=CA)
    c.check_hostname = check_hostname
    return c


def smtp(host, port=25, timeout=3):
    return smtplib.SMTP(host, port, local_hostname=HELO, timeout=timeout)


def reply(r):
    code, msg = r
    return f"{code} {msg.decode(errors='replace')}"


def rcpt(host, to, frm="bob@isp.test", port=25, tls=False):
    with smtp(host, port) as s:
        s.ehlo()
        if tls:
            s.starttls(context=ctx())
            s.ehlo()
        r = reply(s.docmd("MAIL", f"FROM:<{frm}>"))
        expect(r.startswith("250"), "MAIL: " + r)
        return reply(s.docmd("RCPT", f"TO:<{to}>"))


def banner(host, port=25, timeout=3):
    with socket.create_connection((host, port), timeout) as so:
        return so.makefile("rb").readline().decode().strip()


def entries(persona):
    p = os.path.join(SPOOL, persona + ".jsonl")
    with open(p) as f:
        return [json.loads(line) for line in f]


def op25b(mode):
    subprocess.run(["lab-op25b", mode], check=True)


# ------------------------------------------------------------------- goodmx
@check("goodmx: banner 220 mx1.example.test")
def _():
    b = banner("192.0.2.25")
    expect(b.startswith("220 mx1.example.test "), b)


@check("goodmx: STARTTLS, certificate for mx1.example.test verifies with LAB_CA")
def _():
    with smtp("mx1.example.test") as s:
        s.ehlo()
        expect(s.has_extn("starttls"), "no STARTTLS in EHLO")
        s.starttls(context=ctx())
        cert = s.sock.getpeercert()
        expect(("DNS", "mx1.example.test") in cert["subjectAltName"], str(cert))


@check("goodmx: alice@example.test 250")
def _():
    r = rcpt("mx1.example.test", "alice@example.test", tls=True)
    expect(r.startswith("250"), r)


@check("goodmx: postmaster@example.test 250")
def _():
    r = rcpt("192.0.2.25", "postmaster@example.test")
    expect(r.startswith("250"), r)


@check("goodmx: unknown user 550 5.1.1 ... User unknown")
def _():
    r = rcpt("192.0.2.25", "nobody@example.test")
    expect(r == "550 5.1.1 <nobody@example.test>: Recipient address rejected: "
           "User unknown", r)


@check("goodmx: other domain 550 5.7.1 Unable to relay")
def _():
    r = rcpt("192.0.2.25", "x@elsewhere.test")
    expect(r == "550 5.7.1 Unable to relay", r)


@check("goodmx: IPv6 [2001:db8::25]:25 accepts alice")
def _():
    r = rcpt("2001:db8::25", "alice@example.test")
    expect(r.startswith("250"), r)


@check("goodmx: DATA refused with 554 and logged as an alert")
def _():
    with smtp("192.0.2.25") as s:
        s.ehlo()
        s.docmd("MAIL", "FROM:<bob@isp.test>")
        s.docmd("RCPT", "TO:<alice@example.test>")
        r = reply(s.docmd("DATA"))
        expect(r.startswith("554 "), r)
    alerts = os.path.join(SPOOL, "alerts.jsonl")
    with open(alerts) as f:
        a = [json.loads(x) for x in f]
    expect(len(a) == 1 and a[0]["verb"] == "DATA", str(a))
    expect(any(e["type"] == "DATA_ATTEMPT" for e in entries("goodmx")))
    os.rename(alerts, alerts + ".selftest")  # keep the real alert file clean


@check("goodmx log: every command with its reply, peer is the client address")
def _():
    es = entries("goodmx")
    cmds = [e for e in es if e["type"] == "cmd"]
    verbs = {e["verb"] for e in cmds}
    expect({"EHLO", "MAIL", "RCPT", "STARTTLS", "QUIT", "DATA"} <= verbs, verbs)
    expect(all(e["reply"] for e in cmds), "command without reply")
    peers = {e["peer"][0] for e in es}
    expect(peers == {CLIENT, CLIENT6}, peers)
    r = [e for e in cmds if e["verb"] == "RCPT" and "nobody" in e["arg"]]
    expect(r and r[0]["reply"][0].startswith("550 5.1.1"), str(r))


@check("goodmx log: transactions with sender, recipients and replies")
def _():
    t = [e for e in entries("goodmx") if e["type"] == "txn"]
    expect(any(x["mail_from"] == "bob@isp.test" and x["tls"] and
               x["rcpts"][0]["addr"] == "alice@example.test" and
               x["rcpts"][0]["reply"].startswith("250") for x in t), str(t[:2]))
    expect(any(x["end"] == "DATA" for x in t), "no txn ended by DATA")


# ---------------------------------------------------------------- smarthost
def sub(port=587, user=None, pw=None, mech=None, frm=None, to="x@elsewhere.test"):
    """Submission dialogue; returns the RCPT reply (or raises)."""
    if port == 465:
        s = smtplib.SMTP_SSL("smtp.isp.test", 465, local_hostname=HELO,
                             timeout=3, context=ctx())
    else:
        s = smtp("smtp.isp.test", port)
    with s:
        s.ehlo()
        if port != 465:
            s.starttls(context=ctx())
            s.ehlo()
        if user:
            s.user, s.password = user, pw
            if mech == "LOGIN":
                r = s.auth("LOGIN", s.auth_login, initial_response_ok=False)
            else:
                r = s.auth("PLAIN", s.auth_plain)
            expect(r[0] == 235, reply(r))
        r = reply(s.docmd("MAIL", f"FROM:<{frm or user}>"))
        if not r.startswith("250"):
            return "MAIL " + r
        return reply(s.docmd("RCPT", f"TO:<{to}>"))


@check("smarthost 587: no STARTTLS -> 530 5.7.0 Must issue a STARTTLS command first")
def _():
    with smtp("203.0.113.10", 587) as s:
        s.ehlo()
        expect(s.has_extn("starttls") and not s.has_extn("auth"), str(s.esmtp_features))
        r = reply(s.docmd("MAIL", "FROM:<alice@isp.test>"))
        expect(r == "530 5.7.0 Must issue a STARTTLS command first", r)


@check("smarthost 587: STARTTLS but no AUTH -> 530 5.7.0 Authentication required")
def _():
    r = sub(frm="alice@isp.test")
    expect(r == "MAIL 530 5.7.0 Authentication required", r)


@check("smarthost 587: STARTTLS + AUTH PLAIN alice relays")
def _():
    r = sub(user="alice@isp.test", pw="alice-pass")
    expect(r.startswith("250"), r)


@check("smarthost 587: STARTTLS + AUTH LOGIN bob relays")
def _():
    r = sub(user="bob@isp.test", pw="bob-pass", mech="LOGIN")
    expect(r.startswith("250"), r)


@check("smarthost 587: bad password -> 535 5.7.8")
def _():
    try:
        sub(user="alice@isp.test", pw="wrong-pass")
    except smtplib.SMTPAuthenticationError as e:
        r = f"{e.smtp_code} {e.smtp_error.decode()}"
        expect(r == "535 5.7.8 Authentication credentials invalid", r)
    else:
        raise AssertionError("login succeeded")


@check("smarthost 587: MAIL FROM != login -> 550 5.7.1 Client does not have permissions")
def _():
    r = sub(user="alice@isp.test", pw="alice-pass", frm="boss@example.test")
    expect(r == "MAIL 550 5.7.1 Client does not have permissions to send as "
           "this sender", r)


@check("smarthost 465: implicit TLS (cert smtp.isp.test) + AUTH relays")
def _():
    r = sub(465, user="alice@isp.test", pw="alice-pass")
    expect(r.startswith("250"), r)


@check("smarthost 465: no AUTH -> 530 5.7.0")
def _():
    r = sub(465, frm="alice@isp.test")
    expect(r == "MAIL 530 5.7.0 Authentication required", r)


@check("smarthost 25: answers, refuses relay without AUTH")
def _():
    b = banner("203.0.113.10")
    expect(b.startswith("220 smtp.isp.test"), b)
    r = rcpt("203.0.113.10", "x@elsewhere.test", frm="alice@isp.test")
    expect(r.startswith("554 5.7.1"), r)


@check("smarthost log: AUTH payloads are ***, no password or credential leaked")
def _():
    p = os.path.join(SPOOL, "smarthost.jsonl")
    text = open(p).read()
    for secret in ("alice-pass", "bob-pass", "wrong-pass",
                   base64.b64encode(b"\0alice@isp.test\0alice-pass").decode(),
                   base64.b64encode(b"bob-pass").decode(),
                   base64.b64encode(b"bob@isp.test").decode()):
        expect(secret not in text, "leaked: " + secret)
    auth = [e for e in entries("smarthost") if e["type"] == "cmd" and e["verb"] == "AUTH"]
    expect(any(e["arg"] == "PLAIN ***" for e in auth), str(auth))
    expect(any(e["arg"] == "LOGIN" and e.get("responses") == ["***", "***"]
               for e in auth), str(auth))
    t = [e for e in entries("smarthost") if e["type"] == "txn" and e["auth"]]
    expect(any(x["auth"] == "alice@isp.test" and x["tls"] for x in t), str(t))


# ------------------------------------------------------------ other personas
@check("ispmx: mx.isp.test accepts bob@isp.test")
def _():
    expect(banner("203.0.113.25").startswith("220 mx.isp.test "))
    r = rcpt("203.0.113.25", "bob@isp.test", frm="alice@example.test")
    expect(r.startswith("250"), r)


@check("exchange: banner Microsoft ESMTP MAIL Service ready at <date>")
def _():
    b = banner("192.0.2.26")
    expect(b.startswith("220 mx.exch.test Microsoft ESMTP MAIL Service ready at "), b)


@check("exchange: Exchange-style EHLO")
def _():
    with smtp("192.0.2.26") as s:
        code, msg = s.ehlo()
        expect(msg.decode().startswith(f"mx.exch.test Hello [{CLIENT}]"), msg)
        expect(s.has_extn("xrdst") and s.has_extn("chunking"), str(s.esmtp_features))


@check("exchange: self-signed certificate fails verification")
def _():
    with smtp("mx.exch.test") as s:
        s.ehlo()
        try:
            s.starttls(context=ctx())
        except ssl.SSLCertVerificationError as e:
            expect("self-signed" in str(e) or "self signed" in str(e), str(e))
        else:
            raise AssertionError("verified")


@check("exchange: RCPT -> 530 5.7.1 Client was not authenticated")
def _():
    r = rcpt("192.0.2.26", "user@exch.test")
    expect(r == "530 5.7.1 Client was not authenticated", r)


@check("openrelay: relays anything")
def _():
    expect(banner("192.0.2.27").startswith("220 mail.openrelay.test "))
    r = rcpt("192.0.2.27", "victim@elsewhere.test", frm="a@nowhere.test")
    expect(r.startswith("250"), r)


@check("bypass: plain relay refused")
def _():
    r = rcpt("192.0.2.30", "x@elsewhere.test")
    expect(r.startswith("554 5.7.1"), r)


@check("bypass: percent hack accepted")
def _():
    r = rcpt("192.0.2.30", "user%elsewhere.test@bypass.test")
    expect(r.startswith("250"), r)


@check("bypass: quoted local part with @ accepted")
def _():
    r = rcpt("192.0.2.30", '"user@elsewhere.test"@bypass.test')
    expect(r.startswith("250"), r)


@check("bypass: bang path accepted")
def _():
    r = rcpt("192.0.2.30", "elsewhere.test!user@bypass.test")
    expect(r.startswith("250"), r)


@check("bypass: unknown local user refused")
def _():
    r = rcpt("192.0.2.30", "nobody@bypass.test")
    expect(r.startswith("550 5.1.1"), r)


@check("backup: primary mx1.backup.test answers 421 and hangs up")
def _():
    try:
        smtp("mx1.backup.test").close()
    except smtplib.SMTPConnectError as e:
        expect(e.smtp_code == 421, str(e))
    else:
        raise AssertionError("connected")


@check("backup: mx2.backup.test accepts any backup.test recipient")
def _():
    r = rcpt("mx2.backup.test", "nosuchuser@backup.test")
    expect(r.startswith("250"), r)
    r = rcpt("mx2.backup.test", "x@elsewhere.test")
    expect(r.startswith("550 5.7.1"), r)


@check("greylist: RCPT -> 451 4.7.1 Greylisted")
def _():
    r = rcpt("192.0.2.33", "postmaster@greylist.test")
    expect(r == "451 4.7.1 Greylisted, try again later", r)


@check("wrongcert: certificate is for other.example.net (hostname mismatch)")
def _():
    with smtp("mx.wrongcert.test") as s:
        s.ehlo()
        try:
            s.starttls(context=ctx())
        except ssl.SSLCertVerificationError as e:
            expect("mismatch" in str(e) or "match" in str(e), str(e))
        else:
            raise AssertionError("verified")
    with smtp("mx.wrongcert.test") as s:
        s.ehlo()
        s.starttls(context=ctx(check_hostname=False))  # chain itself is fine
        cert = s.sock.getpeercert()
        expect(("DNS", "other.example.net") in cert["subjectAltName"], str(cert))


@check("eqpref: both equal-preference MX answer")
def _():
    expect(banner("mx-a.eqpref.test").startswith("220 mx-a.eqpref.test "))
    expect(banner("mx-b.eqpref.test").startswith("220 mx-b.eqpref.test "))


@check("aaaaonly: MX answers on [2001:db8::35] only")
def _():
    expect(banner("2001:db8::35").startswith("220 mx.aaaaonly.test "))
    r = rcpt("mx.aaaaonly.test", "postmaster@aaaaonly.test", tls=True)
    expect(r.startswith("250"), r)


@check("interceptor: banner intercept.isp.test, no STARTTLS")
def _():
    with smtp("198.51.100.25") as s:
        s.ehlo()
        expect(not s.has_extn("starttls"))
    expect(banner("198.51.100.25").startswith("220 intercept.isp.test "))


@check("mx2.example.test (192.0.2.28): connection refused")
def _():
    try:
        socket.create_connection(("192.0.2.28", 25), 2).close()
    except ConnectionRefusedError:
        pass
    else:
        raise AssertionError("connected")


@check("mxprivate: 10.0.0.25 unreachable at once")
def _():
    t = time.monotonic()
    try:
        socket.create_connection(("10.0.0.25", 25), 2).close()
    except OSError as e:
        expect(e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH), str(e))
    expect(time.monotonic() - t < 0.5)


# ---------------------------------------------------------------------- OP25B
def connect_err(host, timeout=2):
    t = time.monotonic()
    try:
        socket.create_connection((host, 25), timeout).close()
        err = None
    except OSError as e:
        err = e
    return err, time.monotonic() - t


def submission_works():
    r = sub(user="alice@isp.test", pw="alice-pass")
    expect(r.startswith("250"), "587: " + r)


try:
    op25b("reject")

    @check("op25b reject: port 25 refused fast (v4 and v6), ISP MX and 587 fine")
    def _():
        for h in ("192.0.2.25", "2001:db8::25"):
            e, dt = connect_err(h)
            expect(isinstance(e, ConnectionRefusedError) and dt < 0.5, f"{h}: {e!r} {dt:.2f}s")
        expect(banner("203.0.113.25").startswith("220 mx.isp.test"))
        submission_works()

    op25b("drop")

    @check("op25b drop: port 25 connect times out, 587 fine")
    def _():
        e, dt = connect_err("192.0.2.25", timeout=1)
        expect(isinstance(e, (socket.timeout, TimeoutError)) and 0.9 < dt < 1.5, f"{e!r} {dt:.2f}s")
        submission_works()

    op25b("icmp")

    @check("op25b icmp: EHOSTUNREACH (admin prohibited)")
    def _():
        e, dt = connect_err("192.0.2.25")
        expect(e is not None and e.errno == errno.EHOSTUNREACH, repr(e))

    op25b("intercept")

    @check("op25b intercept: port 25 lands on intercept.isp.test (v4 and v6)")
    def _():
        for h in ("192.0.2.25", "2001:db8::25", "192.0.2.26"):
            b = banner(h)
            expect(b.startswith("220 intercept.isp.test "), f"{h}: {b}")
        with smtp("mx1.example.test") as s:
            s.ehlo()
            expect(not s.has_extn("starttls"), "STARTTLS not stripped")

    @check("op25b intercept: ISP MX untouched")
    def _():
        expect(banner("203.0.113.25").startswith("220 mx.isp.test "))
finally:
    op25b("off")


@check("op25b off: goodmx reachable again")
def _():
    expect(banner("192.0.2.25").startswith("220 mx1.example.test "))


print(f"selftest: {PASS} passed, {FAIL} failed")
