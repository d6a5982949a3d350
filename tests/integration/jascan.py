#!/usr/bin/python3
"""Scan mxdiag's Japanese output for English words (issue 20, item 2).

Usage: jascan.py FILE...   (text output, or JSON: one document or JSON Lines)
Prints one line per English fragment, "FILE: fragment  <<  the text it is in", and exits 1
if there was any.

Japanese text may hold Latin letters only where they are not English: names, codes,
commands and the server's own words. The scanner cuts the text at every Japanese
character into Latin runs, and a run passes when nothing but these is left in it:
  - quoted text ("...", '...', `...`, 「...」): record text, the server's words, examples;
  - text after a label that introduces the server's words or a log ("サーバーの応答:");
  - code: a run that is a command or a configuration line (a PowerShell cmdlet
    Verb-Noun, a main.cf "name = value", postmap/postfix/mxdiag/dig/openssl ...);
  - names: domain names, e-mail addresses, IP addresses and prefixes, URLs, paths,
    finding ids (area.what), status codes (550, 5.7.1), options (--ip) and their
    upper-case metavariables, tags (p=, s=), SPF terms (ip4:, include:);
  - the short lists below: acronyms, product and protocol names, the codes of
    RFC 7208 results, and SPF's mechanism names.
Everything else of two letters or more is an English word inside Japanese.
"""
import json
import re
import sys

# Acronyms and codes a Japanese administrator reads as they are. Keep this short: a word
# belongs here only if Japanese documentation (JPRS, JPAAWG, the ISPs, Microsoft's
# Japanese pages) writes it in Latin letters too. Statuses (OK, WARN, FAIL, ...) are not
# here: in Japanese output they are words (正常, 警告, 失敗, ...).
ACRONYMS = {
    'SPF', 'DKIM', 'DMARC', 'MX', 'PTR', 'TLS', 'STARTTLS', 'SMTP', 'DNS', 'HELO', 'EHLO',
    'AUTH', 'IP', 'IPv4', 'IPv6', 'ISP', 'OP25B', 'MTA', 'STS', 'RPT', 'DANE', 'TLSA',
    'DNSSEC', 'RFC', 'NXDOMAIN', 'SERVFAIL', 'TXT', 'AAAA', 'CNAME', 'NS', 'SRV', 'DS', 'AD',
    'TCP', 'ICMP', 'HTTPS', 'URL', 'DSN', 'NDR', 'MIME', 'JSON', 'CA', 'RSA', 'SHA', 'FQDN',
    'DATA', 'RCPT', 'MAIL', 'FROM', 'TO', 'RSET', 'QUIT', 'PLAIN', 'LOGIN', 'SASL', 'ID',
    'ms', 'MB', 'KB', 'LF', 'CRLF', 'FCrDNS', 'DNSBL', 'Web',
}
# Names of products, services, formats and special mailboxes: not translated in Japanese.
NAMES = {
    'Exchange', 'Online', 'Office', 'Microsoft', 'Outlook', 'Postfix', 'Exim', 'OpenSMTPD',
    'Sendmail', 'sendmail', 'Gmail', 'Google', 'Yahoo', 'Active', 'Directory', 'OpenSSL',
    'Spamhaus', 'Spamcop', 'Barracuda', 'Sisimai', 'PowerShell', 'Windows', 'Nagios',
    'Icinga', 'Naemon', 'Thunderbird', 'docomo', 'au', 'SoftBank', 'OCN', 'So-net',
    'mxdiag', 'base64', 'mbox', 'Maildir', 'eml', 'localhost', 'postmaster', 'From',
}
# Words of records and policies, written as the record writes them: RFC 7208 results and
# terms, DMARC's p= values, MTA-STS's keys and modes.
RECORD_WORDS = {
    'pass', 'fail', 'softfail', 'neutral', 'none', 'permerror', 'temperror', 'all',
    'include', 'mx', 'ptr', 'exists', 'redirect', 'exp', 'ip4', 'ip6', 'a',
    'reject', 'quarantine', 'pct', 'testing', 'enforce', 'version', 'mode', 'max_age',
}
ALLOWED = ACRONYMS | NAMES | RECORD_WORDS
STATUSES = {'OK', 'INFO', 'WARN', 'FAIL', 'UNKNOWN'}

# Labels after which the rest of the line is the server's words or a log, not ours.
QUOTING_LABELS = ('サーバーの応答:', 'サーバーの言葉:', 'ドメインによる説明:')

JA = r'\u3000-\u30ff\u3400-\u9fff\uff00-\uffef'
RUN = re.compile(r'[^' + JA + r']+')
QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`|「[^」]*」|『[^』]*』|(?<![A-Za-z])\'[^\']*\'(?![A-Za-z])')
CODE = re.compile(
    r'\b(?:New|Set|Get|Add|Remove|Enable|Disable|Test|Start|Stop|Restart|Install)'
    r'-[A-Z][A-Za-z]+\b.*'            # a PowerShell cmdlet and its parameters
    r'|\$[a-z]\w* = .*'                # a PowerShell assignment
    r'|\b[a-z][a-z0-9_]+ = \S.*'      # a main.cf line: smtp_helo_name = mail.example.test
    r'|\b(?:postmap|postfix|postconf|mxdiag|dig|openssl|ls)\s.*'   # a shell command
    r'|\S+\.\s+\d+\s+IN\s+[A-Z0-9]+\s.*'    # a record in zone-file form
    r'|\bFEATURE\(.*'                     # a sendmail.mc line
    # an SMTP reply: the code, then the server's own words
    r'|\b[2-5][0-5]\d[ -][245]\.\d{1,3}\.\d{1,3} .*|\b[2-5][0-5]\d [A-Z<#].*')
NAME = re.compile(
    r'[a-z][a-z0-9+.-]*://\S*'                        # URL
    r'|(?:~|\.{0,2})/[\w./@*+-]*|\b[\w.-]+/[\w./*-]*'  # path
    r'|[\w.+%=-]*@[\w.-]+'                            # e-mail address (or @domain)
    r'|\[?[0-9a-fA-F]*:[0-9a-fA-F:.]*:[0-9a-fA-F:.]*\]?(?:/\d+)?'  # IPv6
    r'|(?:[\w*-]+\.)+[\w-]+\.?(?::\d+)?|\.[a-z][a-z0-9-]+'  # name, id, address, 5.7.1
    r'|--?[a-z][a-z0-9-]*'                             # option
    r'|\b[a-z0-9-]+[=:]\S*'                           # tag=, term:
    r'|\$[A-Za-z_]+|%[-\d]*[a-z]'                     # $true, $XDG_CONFIG_HOME
    r'|\b\w*\d\w*\b|\b[245]xx\b'                      # codes and names with digits: s1, 5xx
    r'|\b[a-z0-9]+(?:_[a-z0-9]+)+\b|\bmy[a-z]+\b'       # Postfix parameters
    r'|\b[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+\b'        # a PowerShell parameter: RemoteIPRanges
    r'|\b[A-Za-z]+(?:-[A-Z][A-Za-z0-9]*)+\b'            # DKIM-Signature, ms-Exch-SMTP-...
    r'|\bnull MX\b|\bJSON Lines\b'                    # RFC 7505's term; a format
    r'|\b\w+(?:\|\w+)+\b'                              # an option's values: en|ja
)
# a list of names: (plain、null-sender); taken out before the text is cut at Japanese
# characters, since the Japanese list separator is one
NAME_LIST = re.compile(r'\((?:[a-z][\w.-]*(?:, |、))+[a-z][\w.-]*\)')
WORD = re.compile(r'[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]|[A-Za-z]')
# evidence lines that are logs: "+12ms S: 250 ...", "example.test MX -> NOERROR (1 record) ..."
EVIDENCE_LOG = re.compile(r'\+\d+ms |\S+ [A-Z0-9]+ -> (?:NOERROR|NODATA|NXDOMAIN|SERVFAIL|'
                          r'REFUSED|TIMEOUT|ERROR)\b')
# a finding's head line in text: STATUS  SUBJECT  [id]
HEAD = re.compile(r'^(\S+)\s+(.*?)\s+\[[a-z0-9.-]+\]$')


def bad_word(w):
    if len(w) < 2 or w in STATUSES:
        return len(w) >= 2
    if w in ALLOWED or w.strip('-') in ALLOWED:
        return False
    if all(p in ALLOWED for p in w.split('-')):
        return False        # SMTP-AUTH, MTA-STS
    return not re.fullmatch(r'[A-Z][A-Z_]{2,}', w)   # upper case: a placeholder (SERVER)


def latin_words(text):
    """The English words of one Japanese text: list of (word, run)."""
    for label in QUOTING_LABELS:
        k = text.find(label)
        if k >= 0:
            text = text[:k]
    text = QUOTED.sub(' ', text)
    text = NAME_LIST.sub(' ', text)
    out = []
    for run in RUN.findall(text):
        if not re.search('[A-Za-z]', run):
            continue
        rest = CODE.sub(' ', run)
        rest = NAME.sub(' ', rest)
        bad = [w for w in WORD.findall(rest) if bad_word(w)]
        if bad:
            out.append((' '.join(bad), run.strip()))
    return out


# JSON members that hold our words; everything else (evidence, data) is data. The SPF
# trace's note is ours too, and so is each evidence's "note" and "summary".
TEXT_KEYS = {'message', 'fix', 'answer', 'answers', 'text', 'note', 'summary', 'title',
             'why', 'next', 'who', 'cause', 'hint', 'advice'}
DATA_PARENTS = {'evidence', 'data', 'transcript', 'queries'}


def json_texts(x, key=None, parent=None):
    if isinstance(x, dict):
        for k, v in x.items():
            yield from json_texts(v, k, key if key in DATA_PARENTS else parent)
    elif isinstance(x, list):
        for v in x:
            yield from json_texts(v, key, parent)
    elif isinstance(x, str) and key in TEXT_KEYS:
        # evidence "text" lines are the server's or the resolver's; their "note" is ours
        if parent in DATA_PARENTS and key == 'text':
            return
        yield x


def texts_of(path):
    raw = open(path, encoding='utf-8', errors='replace').read()
    s = raw.lstrip()
    if s.startswith('{'):
        docs = []
        try:
            docs = [json.loads(s)]
        except ValueError:
            docs = [json.loads(l) for l in s.splitlines() if l.strip()]
        for d in docs:
            yield from json_texts(d)
        return
    for line in raw.splitlines():
        # text output: skip the command line echo, evidence (-v) and exit lines
        st = line.strip()
        if not st or st.startswith(('mxdiag ', 'rc=', '>', '<', '?')):
            continue
        if st.startswith('|'):
            # evidence (-v): the SMTP transcript and the DNS answers are logs, in their
            # protocols' words; other evidence (the SPF trace) is ours
            st = st[1:].strip()
            if EVIDENCE_LOG.match(st):
                continue
        m = HEAD.match(st)
        if m:
            st = m.group(1)     # the subject is a name; the status must be a word
        m = re.match(r'\s+(?:\S+(?: [A-Z][A-Z:\[\].]*)?)\s{2,}', line)
        if m and not HEAD.match(st):
            st = line[m.end():]  # a help table: the command or option it defines is a name
        yield st


def main():
    bad = 0
    for path in sys.argv[1:]:
        seen = set()
        if not path.endswith('.err') and not re.search('[' + JA + ']',
                                                        open(path, encoding='utf-8').read()):
            bad += 1
            print(f'{path}: no Japanese at all')
            continue
        for t in texts_of(path):
            for words, run in latin_words(t):
                if (words, run) in seen:
                    continue
                seen.add((words, run))
                bad += 1
                print(f'{path}: {words}  <<  {run[:160]}')
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
