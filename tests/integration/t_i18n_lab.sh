# Languages in the lab (issue 7, item 2): check on broken lab domains, and inbound, relay,
# port25 and smarthost on the field-notes faults, in English and Japanese.
# Same ids, statuses and exit code in both; every Japanese message and fix is Japanese, not an
# English text and not a bare id. Sourced by run.sh:
#   tests/integration/run.sh tests/integration/t_i18n_lab.sh

i18n_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
i18n_loc=$OUT/i18n-locale

i18n_compare() {
	/usr/bin/python3 - "$@" <<'PY'
import json, re, sys
JA = re.compile(r'[\u3040-\u30ff\u3400-\u9fff]')
ID = re.compile(r'^[a-z0-9]+\.[a-z0-9-]+$')
bad = []
try:
    en = json.load(open(sys.argv[1], encoding='utf-8'))
    ja = json.load(open(sys.argv[2], encoding='utf-8'))
except (OSError, ValueError) as e:
    print(f"not JSON: {e}")
    sys.exit(1)
key = lambda d: sorted((f['id'], f['status']) for f in d.get('findings', []))
if not ja.get('findings'):
    bad.append('no findings in the Japanese run')
if key(en) != key(ja):
    bad.append(f'ids/statuses differ: en {key(en)} ja {key(ja)}')
for k in ('status', 'exit_code'):
    if en.get(k) != ja.get(k):
        bad.append(f'{k} differs: en {en.get(k)} ja {ja.get(k)}')
en_texts = {f.get(k) for f in en.get('findings', []) for k in ('message', 'fix') if f.get(k)}
for t in en_texts:
    if JA.search(t):
        bad.append(f'Japanese in the English run: {t[:120]}')
for f in ja.get('findings', []):
    for k in ('message', 'fix'):
        t = f.get(k)
        if t is None:
            if k == 'message':
                bad.append(f"ja {f['id']}: no message")
        elif ID.match(t.strip()):
            bad.append(f"ja {f['id']} {k} is a bare id: {t}")
        elif not JA.search(t):
            bad.append(f"ja {f['id']} {k} is not Japanese: {t[:160]}")
        elif t in en_texts:
            bad.append(f"ja {f['id']} {k} equals the English text: {t[:160]}")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
}

# i18n_case NAME EXIT ID:STATUS ARGS...: ARGS in both languages, with the same exit code (EXIT,
# or any for "*"); ID:STATUS must be among the findings (the fault the domain is known for).
i18n_n=0
i18n_case() {
	local name=$1 want=$2 must=$3; shift 3
	local rc_en=0 rc_ja=0 msgs=() r
	i18n_n=$((i18n_n + 1))
	local f="$OUT/i18n-$i18n_n"
	MXD_LOCALEDIR=$i18n_loc "$MXDIAG" --lang en --json --resolver "$LAB_RESOLVER" "$@" \
	    >"$f.en.json" 2>"$f.en.err" || rc_en=$?
	MXD_LOCALEDIR=$i18n_loc "$MXDIAG" --lang ja --json --resolver "$LAB_RESOLVER" "$@" \
	    >"$f.ja.json" 2>"$f.ja.err" || rc_ja=$?
	[ "$rc_en" = "$rc_ja" ] && { [ "$want" = "*" ] || [ "$rc_ja" = "$want" ]; } ||
		msgs+=("exit en $rc_en ja $rc_ja, want $want ($(head -c 300 "$f.ja.err"))")
	if ! r=$($JCHECK "$f.ja.json" --has "$must" 2>&1); then
		while IFS= read -r l; do msgs+=("$l"); done <<<"$r"
	fi
	if ! r=$(i18n_compare "$f.en.json" "$f.ja.json" 2>&1); then
		while IFS= read -r l; do msgs+=("$l"); done <<<"$r"
	fi
	if [ ${#msgs[@]} -eq 0 ]; then ok "$name"; else not_ok "$name" "${msgs[@]}"; fi
}

mkdir -p "$i18n_loc/ja/LC_MESSAGES"
if ! command -v msgfmt >/dev/null 2>&1; then
	skip "i18n in the lab" "msgfmt (gettext) not installed"
elif ! i18n_err=$(msgfmt --check -o "$i18n_loc/ja/LC_MESSAGES/mxdiag.mo" \
    "$i18n_top/po/ja.po" 2>&1); then
	not_ok "i18n: po/ja.po compiles" "$i18n_err"
else
	i18n_case "ja/en: no MX, implicit A fallback (nomx.test)" 1 mx.implicit-a:WARN \
	    check nomx.test
	i18n_case "ja/en: null MX (nullmx.test)" 2 mx.null-mx:FAIL check nullmx.test
	i18n_case "ja/en: internal AD domain (corp.local)" 2 domain.not-found:FAIL \
	    check corp.local
	i18n_case "ja/en: sending address without a fitting PTR (example.test --ip)" "*" \
	    mx.present:OK check example.test --ip 198.51.100.7
	i18n_case "ja/en: neither MX nor address (nothing.test)" 2 mx.absent:FAIL \
	    check nothing.test
	i18n_case "ja/en: resolver REFUSED is UNKNOWN (refused.test)" 3 dns.refused:UNKNOWN \
	    check refused.test
	# The field-notes story beyond DNS: Exchange's 530 5.7.1, an open relay, OP25B, a smarthost.
	i18n_case "ja/en: inbound, Exchange refuses anonymous senders (530 5.7.1)" 2 \
	    inbound.anonymous-refused:FAIL --ca-file "$LAB_CA" --timeout 2 inbound exch.test
	i18n_case "ja/en: relay, open relay" 2 relay.open:FAIL \
	    --ca-file "$LAB_CA" --timeout 2 relay mail.openrelay.test
	lab-op25b reject
	i18n_case "ja/en: port25 under OP25B (reset)" 2 port25.blocked-reset:FAIL \
	    --ca-file "$LAB_CA" --timeout 2 port25 example.test exch.test openrelay.test \
	    --submission smtp.isp.test
	lab-op25b off
	printf 'alice-pass\n' >"$OUT/i18n-password"
	i18n_case "ja/en: smarthost 587 with AUTH, recommended settings" 0 \
	    smarthost.recommended:OK --ca-file "$LAB_CA" --timeout 2 smarthost smtp.isp.test:587 \
	    --from alice@isp.test --user alice@isp.test --password-file "$OUT/i18n-password" \
	    --rcpt bob@example.test
	# preflight, the checklist, on a broken and on a healthy setup (issue 7, done when).
	i18n_case "ja/en: preflight, the Exchange story" 2 inbound.anonymous-refused:FAIL \
	    --ca-file "$LAB_CA" --timeout 2 preflight exch.test --ip 198.51.100.7 \
	    --helo exch.corp.local --port25-target example.test --port25-target openrelay.test \
	    --submission smtp.isp.test
	i18n_case "ja/en: preflight, a healthy setup" "*" relay.closed:OK \
	    --ca-file "$LAB_CA" --timeout 2 preflight example.test --ip 192.0.2.25 \
	    --helo mx1.example.test --port25-target example.test --port25-target isp.test \
	    --submission smtp.isp.test --smarthost smtp.isp.test:587 --from alice@isp.test \
	    --user alice@isp.test --password-file "$OUT/i18n-password"
fi
