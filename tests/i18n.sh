#!/bin/sh
# Languages (issue 7, item 2): po/ja.po is complete for the current sources, and key commands
# that need no network speak Japanese with --lang ja and English with --lang en, without
# falling back to an untranslated English string or a bare finding id.
# make check entry; run by hand as: srcdir=. MXDIAG=/path/to/mxdiag tests/i18n.sh
set -u
top=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top=$(cd "$top" && pwd)
MXDIAG=${MXDIAG:-$PWD/mxdiag}
PYTHON=${PYTHON:-python3}
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() {
	fail=$((fail + 1)); echo "not ok - $1"; shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/    /'; done
}

for t in msgfmt msgcmp xgettext "$PYTHON"; do
	command -v "$t" >/dev/null 2>&1 || { echo "skip - $t not installed (gettext tools)"; exit 77; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mxdiag-i18n.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# --- The catalogue itself ------------------------------------------------------------------

mkdir -p "$tmp/locale/ja/LC_MESSAGES"
if out=$(msgfmt --check --statistics -o "$tmp/locale/ja/LC_MESSAGES/mxdiag.mo" \
    "$top/po/ja.po" 2>&1); then
	ok "po/ja.po compiles with msgfmt --check ($out)"
else
	not_ok "po/ja.po compiles with msgfmt --check" "$out"
fi
case $out in
*untranslated* | *fuzzy*) not_ok "po/ja.po has no untranslated or fuzzy entries" "$out" ;;
*) ok "po/ja.po has no untranslated or fuzzy entries" ;;
esac

# One word for one thing in the Japanese texts (catalogue and knowledge base): port 25 is
# "ポート 25" as 587 and 465 are "ポート 587", never "25番ポート"; a provider is "事業者".
# msgfmt cannot see this; a reader meets both spellings in one report.
terms=$(grep -nE '25 ?番ポート|プロバイダー一覧' "$top/po/ja.po" "$top/data/kb.json")
if [ -z "$terms" ]; then
	ok "ja texts: one word for port 25 and for a provider"
else
	not_ok "ja texts: one word for port 25 and for a provider" "$(printf '%s\n' "$terms" | head -5)"
fi

# Every file that marks messages is in POTFILES.in, or `make update-po` misses its messages.
(cd "$top" && grep -lE '(^|[^A-Za-z0-9_])N?_\(' $(find src checks -name "*.c") | LC_ALL=C sort) \
    >"$tmp/potfiles.want"
grep -v '^[[:space:]]*\(#\|$\)' "$top/po/POTFILES.in" | LC_ALL=C sort >"$tmp/potfiles.have"
if d=$(diff "$tmp/potfiles.have" "$tmp/potfiles.want"); then
	ok "po/POTFILES.in lists every source file with _() or N_()"
else
	not_ok "po/POTFILES.in lists every source file with _() or N_() (< listed, > missing)" "$d"
fi

# The template of the sources as they are now (the keywords of po/Makevars), against ja.po:
# a new English message without a Japanese translation fails here.
if ! (cd "$top" && xgettext --keyword=_ --keyword=N_ --from-code=UTF-8 -C \
    -o "$tmp/mxdiag.pot" $(cat "$tmp/potfiles.want")) 2>"$tmp/xgettext.err"; then
	not_ok "xgettext extracts the messages of src/ and checks/" "$(cat "$tmp/xgettext.err")"
elif msgcmp "$top/po/ja.po" "$tmp/mxdiag.pot" >"$tmp/msgcmp.out" 2>&1; then
	ok "po/ja.po translates every message of the current sources ($(grep -c '^msgid ' \
	    "$tmp/mxdiag.pot") msgids incl. header)"
else
	not_ok "po/ja.po translates every message of the current sources (run make -C po update-po)" \
	    "$(grep -B1 -A3 'this message' "$tmp/msgcmp.out" | grep -v '^--$' | head -40)"
fi

# --- The program in both languages -----------------------------------------------------------

if [ ! -x "$MXDIAG" ]; then
	not_ok "mxdiag binary at $MXDIAG"
	echo "$pass passed, $fail failed"
	exit 1
fi
MXD_LOCALEDIR=$tmp/locale
MXD_KB=${MXD_KB:-$top/data/kb.json}
export MXD_LOCALEDIR MXD_KB
unset LANGUAGE LC_MESSAGES 2>/dev/null
LC_ALL=C
export LC_ALL

# Compares the JSON documents of one command in English and Japanese: same ids, statuses and
# exit code; every Japanese message and fix is in Japanese, differs from every English text,
# and is not a bare id; the English ones hold no Japanese.
cat >"$tmp/cmp.py" <<'PY'
import json, re, sys
JA = re.compile(r'[\u3040-\u30ff\u3400-\u9fff]')
ID = re.compile(r'^[a-z0-9]+\.[a-z0-9-]+$')
en_path, ja_path = sys.argv[1], sys.argv[2]
bad = []
try:
    en = json.load(open(en_path, encoding='utf-8'))
    ja = json.load(open(ja_path, encoding='utf-8'))
except (OSError, ValueError) as e:
    print(f"not JSON: {e}")
    sys.exit(1)
def key(d):
    return sorted((f['id'], f['status']) for f in d.get('findings', []))
if not ja.get('findings'):
    bad.append('no findings in the Japanese run')
if key(en) != key(ja):
    bad.append(f'ids/statuses differ: en {key(en)} ja {key(ja)}')
for k in ('status', 'exit_code'):
    if en.get(k) != ja.get(k):
        bad.append(f'{k} differs: en {en.get(k)} ja {ja.get(k)}')
en_texts = set()
for f in en.get('findings', []):
    for k in ('message', 'fix'):
        t = f.get(k)
        if t:
            en_texts.add(t)
            if JA.search(t):
                bad.append(f"en {f['id']} {k} holds Japanese: {t[:120]}")
for f in ja.get('findings', []):
    for k in ('message', 'fix'):
        t = f.get(k)
        if t is None:
            if k == 'message':
                bad.append(f"ja {f['id']}: no message")
            continue
        if ID.match(t.strip()) or t.strip() == f['id']:
            bad.append(f"ja {f['id']} {k} is a bare id: {t}")
        elif not JA.search(t):
            bad.append(f"ja {f['id']} {k} is not Japanese: {t[:160]}")
        elif t in en_texts:
            bad.append(f"ja {f['id']} {k} equals the English text: {t[:160]}")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY

# json_case NAME EXIT ARGS...: run ARGS with --json in en and ja, compare (cmp.py).
n=0
json_case() {
	name=$1 want=$2; shift 2
	n=$((n + 1))
	rc_en=0 rc_ja=0
	"$MXDIAG" --lang en --json "$@" >"$tmp/$n.en.json" 2>"$tmp/$n.en.err" || rc_en=$?
	"$MXDIAG" --lang ja --json "$@" >"$tmp/$n.ja.json" 2>"$tmp/$n.ja.err" || rc_ja=$?
	msgs=
	[ "$rc_en" = "$want" ] && [ "$rc_ja" = "$want" ] ||
		msgs="exit en $rc_en ja $rc_ja, want $want: $(head -c 300 "$tmp/$n.ja.err")"
	if r=$("$PYTHON" "$tmp/cmp.py" "$tmp/$n.en.json" "$tmp/$n.ja.json"); then :; else
		msgs="$msgs${msgs:+
}$r"
	fi
	if [ -z "$msgs" ]; then ok "$name"; else not_ok "$name" "$msgs"; fi
}

# text_case NAME EXIT STREAM ARGS...: the Japanese output (1 stdout, 2 stderr) holds Japanese,
# and no line of English prose in it is identical to a line of the English output (an English
# line left in the Japanese output is an untranslated message).
text_case() {
	name=$1 want=$2 stream=$3; shift 3
	n=$((n + 1))
	rc_en=0 rc_ja=0
	"$MXDIAG" --lang en "$@" >"$tmp/$n.en.1" 2>"$tmp/$n.en.2" || rc_en=$?
	"$MXDIAG" --lang ja "$@" >"$tmp/$n.ja.1" 2>"$tmp/$n.ja.2" || rc_ja=$?
	msgs=
	[ "$rc_en" = "$want" ] && [ "$rc_ja" = "$want" ] || msgs="exit en $rc_en ja $rc_ja, want $want"
	"$PYTHON" - "$tmp/$n.en.$stream" "$tmp/$n.ja.$stream" >"$tmp/$n.cmp" <<'PY' || :
import re, sys
JA = re.compile(r'[\u3040-\u30ff\u3400-\u9fff]')
en = open(sys.argv[1], encoding='utf-8').read().splitlines()
ja = open(sys.argv[2], encoding='utf-8').read().splitlines()
bad = []
if not any(JA.search(l) for l in ja):
    bad.append('no Japanese in the output: ' + ' | '.join(ja[:3]))
if any(JA.search(l) for l in en):
    bad.append('Japanese in the English output')
# English prose: two plain words in a row ("the mail"); status, subject and [id] lines and
# the "mxdiag COMMAND TARGET" header are the same in both languages by design.
prose = re.compile(r'(^|\s)[A-Za-z]{2,},? [A-Za-z]{2,}(\s|[.,:;)]|$)')
same = [l for l in ja if l in set(en) and prose.search(l) and not l.startswith('mxdiag ')]
for l in same[:12]:
    bad.append('untranslated line: ' + l.strip())
print('\n'.join(bad))
sys.exit(1 if bad else 0)
PY
	msgs="$msgs${msgs:+
}$(cat "$tmp/$n.cmp")"
	if [ -z "$(printf '%s' "$msgs" | tr -d '[:space:]')" ]; then ok "$name"; else
		not_ok "$name" "$msgs"; fi
}

text_case "usage error in Japanese: check bad..domain" 64 2 check bad..domain
text_case "usage error in Japanese: unknown command" 64 2 no-such-command
text_case "usage error in Japanese: unknown option" 64 2 check example.test --no-such-option
text_case "main help in Japanese: --help" 0 1 --help
for c in $("$MXDIAG" --lang en --help | sed -n '/^Commands:/,/^$/s/^  \([a-z0-9]*\) .*/\1/p'); do
	text_case "command help in Japanese: $c --help" 0 1 "$c" --help
done

# Resolver unreachable (discard port on loopback): UNKNOWN findings, no network needed.
json_case "check with the resolver unreachable: UNKNOWN findings in both languages" 3 \
    --resolver 127.0.0.1:9 --timeout 1 check example.test
json_case "check --ip --helo with the resolver unreachable" 3 \
    --resolver 127.0.0.1:9 --timeout 1 check example.test --ip 198.51.100.7 --helo mail.example.test
text_case "text report in Japanese: resolver unreachable" 3 1 \
    --resolver 127.0.0.1:9 --timeout 1 check example.test

# Seed 1 (shared/seeds): the Exchange NDR of a sender in an internal AD domain (554 5.1.8).
cat >"$tmp/seed-5.1.8.eml" <<'MAIL'
From: postmaster@exch.test
To: user@corp.local
Subject: Undeliverable: test
Content-Type: text/plain; charset=utf-8

Delivery has failed to these recipients or distribution lists:

rcpt@example.test
The recipient's e-mail system rejected the message.

Diagnostic information for administrators:

Generating server: exch.test

rcpt@example.test
mx1.example.test #554 5.1.8 <user@corp.local>: Sender address rejected: Domain not found ##

Original message headers:

From: user@corp.local
To: rcpt@example.test
Subject: test
MAIL
json_case "explain --no-dns on the 5.1.8 seed NDR" 2 explain --no-dns "$tmp/seed-5.1.8.eml"
text_case "explain --no-dns on the 5.1.8 seed NDR, text" 2 1 explain --no-dns "$tmp/seed-5.1.8.eml"

# The locale alone picks Japanese (LANG=ja_JP.UTF-8, even when that locale is not installed).
rc=0
out=$(env -u LC_ALL LANG=ja_JP.UTF-8 "$MXDIAG" check bad..domain 2>&1) || rc=$?
if [ "$rc" = 64 ] && printf '%s' "$out" | grep -q 'ドメイン'; then
	ok "LANG=ja_JP.UTF-8 without --lang gives Japanese"
else
	not_ok "LANG=ja_JP.UTF-8 without --lang gives Japanese" "exit $rc: $out"
fi

# From the build tree, before `make install`: the catalogue built beside the binary is found
# without MXD_LOCALEDIR (issue 20).
rc=0
out=$(env -u MXD_LOCALEDIR "$MXDIAG" --lang ja check bad..domain 2>&1) || rc=$?
if [ "$rc" = 64 ] && printf '%s' "$out" | grep -q 'ドメイン' &&
   ! printf '%s' "$out" | grep -q 'catalogue was not found'; then
	ok "--lang ja from the build tree finds the built catalogue"
else
	not_ok "--lang ja from the build tree finds the built catalogue" "exit $rc: $out"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
