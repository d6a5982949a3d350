#!/usr/bin/python3
"""Regenerate the ISPDB entries of data/providers.json from a checkout of the Thunderbird
ISPDB (https://github.com/thunderbird/autoconfig, MPL-2.0): the outgoing (SMTP) servers of
the listed files, as facts (host, port, TLS mode, AUTH, login form), each with its source.

usage: scripts/providers-from-ispdb.py AUTOCONFIG-CHECKOUT >ispdb-entries.json
Entries from the providers' own pages are kept by hand in data/providers.json.
"""
import json
import os
import sys
import xml.etree.ElementTree as ET

# The mail providers and Japanese ISPs mxdiag users relay through (files of ispdb/).
FILES = """
googlemail.com hotmail.com office365.com yahoo.com me.com aol.com gmx.net gmx.com
mail.com zoho.com zoho.eu messagingengine.com
ocn.ne.jp biglobe.ne.jp nifty.com yahoo.co.jp ybb.ne.jp i.softbank.jp iijmio-mail.jp
dd.iij4u.or.jp goo.jp zoho.jp jet.ne.jp janis.or.jp cty-net.ne.jp cc9.ne.jp mnet.ne.jp
tiki.ne.jp mx1.tiki.ne.jp mail.wind.ne.jp ic-net.or.jp hal.ne.jp clio.ne.jp bb-niigata.jp
nsat.jp go.tvm.ne.jp kokuyou.ne.jp parabox.or.jp inet-shibata.or.jp iwafune.ne.jp
""".split()
TLS = {"SSL": "implicit", "STARTTLS": "starttls", "plain": "none"}
LOGIN = {"%EMAILADDRESS%": "address", "%EMAILLOCALPART%": "localpart"}
SRC = "https://github.com/thunderbird/autoconfig/blob/master/ispdb/"


def entry(root, path, name):
    x = ET.parse(path).getroot().find("emailProvider")
    servers, login, auths = [], None, set()
    for s in x.findall("outgoingServer"):
        if s.get("type") != "smtp":
            continue
        a = {e.text for e in s.findall("authentication")}
        auths |= a
        servers.append({"host": s.findtext("hostname"), "port": int(s.findtext("port")),
                        "tls": TLS[s.findtext("socketType")]})
        u = s.findtext("username")
        login = LOGIN.get(u, u) if login is None else login
    if any(a.startswith("password") for a in auths):
        auth = "password"
    elif "OAuth2" in auths:
        auth = "oauth2"
    else:
        auth = "none"
    doms = []
    for d in x.findall("domain"):
        if d.text not in doms:
            doms.append(d.text.lower())
    e = {"name": x.findtext("displayName"), "domains": doms, "servers": servers,
         "auth": auth, "source": SRC + name, "source_kind": "ispdb"}
    if login:
        e["login"] = login
    return e


def main(top):
    out = []
    for f in FILES:
        for name in (f + ".xml", f):
            p = os.path.join(top, "ispdb", name)
            if os.path.exists(p):
                out.append(entry(top, p, name))
                break
        else:
            sys.exit(f"{f}: not in {top}/ispdb")
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    print()


main(sys.argv[1])
