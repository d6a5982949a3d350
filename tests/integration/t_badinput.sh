# Bad input everywhere (issue 8): malformed command lines for every command, each refused
# with one clear error line (then at most a hint) and exit 64 (usage) or 3, never a crash
# (exit >= 128 or a sanitizer report). Sourced by run.sh inside the lab; no server is
# needed for most rows, so they are fast. Table: EXITS, a name, then the arguments.
#   tests/integration/run.sh tests/integration/t_badinput.sh

B_DIR="$OUT/badinput"
mkdir -p "$B_DIR/dir"
: >"$B_DIR/empty"
head -c 65536 /dev/urandom >"$B_DIR/binary"
printf 'v=spf1 \x00\xff\xfe\n\x01\x02\x03' >"$B_DIR/nul.txt"
printf '{"causes": 3}' >"$B_DIR/kb-nocauses.json"
printf 'alice-pass\n' >"$B_DIR/password"
# over explain's 10 MB ceiling (sparse: no disk space used)
truncate -s 17M "$B_DIR/huge.eml"
B_LONG=$(head -c 100000 /dev/zero | tr '\0' a)	# 100 KB (Linux takes 128 KB per argument)
B_L64=$(printf '%064d' 0 | tr 0 a)			# a 64-character label
B_255=$(printf 'a%.0s.' {1..127})a			# 255 characters: 128 labels
B_HT=--timeout=2
B_SH="smarthost smtp.isp.test:587 --from alice@isp.test"

# bad EXITS NAME -- ARGS...: runs mxdiag ARGS (no --json: people read these messages).
# Passes when the exit code is one of EXITS, nothing crashed, stderr holds 1 to 3 lines,
# the first naming mxdiag and at most 500 characters long, and, for exit 64, stdout is
# empty. H_KNOWN as in t_hostile.sh: a known bug in code this suite does not own.
bad() {
	local exits=$1 name=$2; shift 3
	local out="$B_DIR/out" err="$B_DIR/err" rc=0 msgs=() first n
	timeout -s KILL 30 "$MXDIAG" "$@" >"$out" 2>"$err" </dev/null || rc=$?
	[ "$rc" -lt 128 ] || msgs+=("crashed or hung (exit $rc): $(head -c 300 "$err")")
	[[ " $exits " == *" $rc "* ]] || msgs+=("exit $rc, want one of: $exits")
	grep -qE 'Sanitizer|runtime error:' "$err" &&
		msgs+=("sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error:' "$err")")
	n=$(wc -l <"$err")
	first=$(head -n 1 "$err")
	# Exit 3 may instead explain itself as an UNKNOWN finding in the report.
	if [ "$rc" = 64 ] || { [ "$rc" = 3 ] && ! grep -q '^UNKNOWN' "$out"; }; then
		[ "$n" -ge 1 ] && [ "$n" -le 3 ] || msgs+=("$n lines on stderr, want 1 to 3")
		[[ $first == mxdiag* ]] || msgs+=("first stderr line does not name mxdiag: ${first:0:200}")
		[ "${#first}" -le 500 ] || msgs+=("error line of ${#first} characters")
	fi
	[ "$rc" != 64 ] || [ ! -s "$out" ] || msgs+=("usage error, yet stdout: $(head -c 200 "$out")")
	if [ ${#msgs[@]} -eq 0 ]; then
		ok "bad input: $name${H_KNOWN:+ [known bug fixed: remove H_KNOWN]}"
	elif [ -n "${H_KNOWN:-}" ]; then
		skip "bad input: $name" "known bug in $H_KNOWN (${msgs[0]})"
	else
		not_ok "bad input: $name" "${msgs[@]}" "stderr: $(head -c 300 "$err")"
	fi
}

# --- global options and commands
bad "64" "no command" --
bad "64" "unknown command" -- frobnicate example.test
bad "64" "unknown global option" -- --frobnicate check example.test
bad "64" "--timeout not a number" -- --timeout abc check example.test
bad "64" "--timeout zero" -- --timeout 0 check example.test
bad "64" "--timeout negative" -- --timeout -1 check example.test
bad "64" "--timeout huge" -- --timeout 1e9 check example.test
bad "64" "--timeout nan" -- --timeout nan check example.test
bad "64" "--timeout without a value" -- check example.test --timeout
bad "64" "--resolver not an address" -- --resolver 999.1.1.1 check example.test
bad "64" "--resolver host name" -- --resolver resolver.lab.test check example.test
bad "64" "--resolver port 0" -- --resolver 192.0.2.54:0 check example.test
bad "64" "--resolver port 65536" -- --resolver 192.0.2.54:65536 check example.test
bad "64" "--resolver unclosed IPv6" -- --resolver '[2001:db8::54' check example.test
bad "64" "--resolver empty" -- --resolver '' check example.test
bad "64" "--lang unknown" -- --lang xx check example.test
bad "64" "--ca-file missing (smarthost)" -- $B_HT --ca-file /nonexistent $B_SH
bad "64" "--ca-file missing (inbound: else it reports STARTTLS missing)" -- \
	$B_HT --ca-file /nonexistent inbound example.test
bad "64" "--ca-file is a directory (smarthost)" -- $B_HT --ca-file "$B_DIR/dir" $B_SH
bad "64 3" "--ca-file is binary (smarthost)" -- $B_HT --ca-file "$B_DIR/binary" $B_SH
bad "64 3" "--ca-file is binary (inbound)" -- $B_HT --ca-file "$B_DIR/binary" inbound example.test
bad "64" "100 KB argument as the command" -- "$B_LONG"

# --- check DOMAIN (and every domain argument: the same validator)
bad "64" "check: missing domain" -- check
bad "64" "check: empty domain" -- check ''
bad "64" "check: leading hyphen" -- check -- -bad.test
bad "64" "check: trailing hyphen" -- check bad-.test
bad "64" "check: empty label" -- check a..test
bad "64" "check: only a dot" -- check .
bad "64" "check: label of 64" -- check "$B_L64.test"
bad "64" "check: name of 255 characters" -- check "$B_255"
bad "2" "check: IDN in U-label form is looked up (it does not exist)" -- check 'ドメイン.テスト'
bad "64" "check: Latin-1 bytes" -- check $'caf\xe9.test'
bad "64" "check: address instead of a domain" -- check alice@example.test
bad "64" "check: host:port" -- check example.test:25
bad "64" "check: IP literal in brackets" -- check '[192.0.2.25]'
bad "64" "check: control characters" -- check $'exa\x01mple.test'
bad "64" "check: newline" -- check $'example.test\nx'
bad "64" "check: 100 KB domain" -- check "$B_LONG"
bad "64" "check: two domains" -- check example.test nomx.test
bad "64" "check: --ip not an address" -- check example.test --ip 999.1.1.1
bad "64" "check: --ip a name" -- check example.test --ip mail.example.test
bad "64" "check: --ip with a prefix" -- check example.test --ip 198.51.100.7/32
bad "64" "check: --helo with a space" -- check example.test --helo 'bad name'
bad "64" "check: --helo empty" -- check example.test --helo ''
bad "64" "check: unknown option" -- check example.test --frobnicate

# --- spf
bad "64" "spf: no --ip" -- spf example.test
bad "64" "spf: --ip out of range" -- spf example.test --ip 198.51.100.256
bad "64" "spf: --ip IPv6 garbage" -- spf example.test --ip 2001:db8:::1
bad "64" "spf: bad domain" -- spf 'a..b' --ip 198.51.100.7
# --sender and --helo only feed macros (RFC 7208 7.3): accepted as given, no crash
bad "0 64" "spf: --sender without @" -- spf example.test --ip 198.51.100.7 --sender alice
bad "0 64" "spf: --sender with a bad domain" -- spf example.test --ip 198.51.100.7 --sender a@-x.test
bad "0 64" "spf: --helo bad" -- spf example.test --ip 198.51.100.7 --helo 'a..b'
bad "64" "spf: --batch missing file" -- spf --batch /nonexistent
bad "64 3" "spf: --batch a directory" -- spf --batch "$B_DIR/dir"
bad "0 1 2 3 64" "spf: --batch binary lines" -- spf --batch "$B_DIR/nul.txt"

# --- port25
bad "64" "port25: bad target" -- port25 'a..b'
bad "64" "port25: target with a port" -- port25 example.test:25
bad "64" "port25: --submission bad" -- port25 example.test --submission 'a b'
bad "64" "port25: --submission port abc" -- port25 example.test --submission smtp.isp.test:abc
bad "64" "port25: --helo bad" -- port25 example.test --helo '-x'

# --- smarthost
bad "64" "smarthost: no host" -- smarthost --from alice@isp.test
bad "64" "smarthost: port 0" -- smarthost smtp.isp.test:0 --from alice@isp.test
bad "64" "smarthost: port 65536" -- smarthost smtp.isp.test:65536 --from alice@isp.test
bad "64" "smarthost: port abc" -- smarthost smtp.isp.test:abc --from alice@isp.test
bad "64" "smarthost: port empty" -- smarthost smtp.isp.test: --from alice@isp.test
bad "64" "smarthost: empty host" -- smarthost :587 --from alice@isp.test
bad "64" "smarthost: unclosed IPv6" -- smarthost '[2001:db8::10:587' --from alice@isp.test
bad "64" "smarthost: IPv6 port out of range" -- smarthost '[2001:db8::10]:99999' --from alice@isp.test
bad "64" "smarthost: name in brackets" -- smarthost '[smtp.isp.test]:587' --from alice@isp.test
bad "64" "smarthost: --from missing" -- smarthost smtp.isp.test
bad "64" "smarthost: --from without @" -- $B_SH --from alice
bad "64" "smarthost: --from bad domain" -- smarthost smtp.isp.test --from 'alice@a..b'
bad "64" "smarthost: --from 100 KB" -- smarthost smtp.isp.test --from "$B_LONG@isp.test"
bad "64" "smarthost: --rcpt bad" -- $B_SH --rcpt 'bob@'
bad "64" "smarthost: --user without a password source" -- $B_SH --user alice@isp.test
bad "64" "smarthost: --password on the command line" -- $B_SH --user alice@isp.test --password x
bad "64" "smarthost: --password-file missing" -- $B_SH --user alice@isp.test --password-file /nonexistent
bad "64" "smarthost: --password-file a directory" -- $B_SH --user alice@isp.test --password-file "$B_DIR/dir"
bad "64" "smarthost: --password-file unreadable (/proc/self/mem)" -- $B_SH --user alice@isp.test --password-file /proc/self/mem
bad "64" "smarthost: --password-file empty" -- $B_SH --user alice@isp.test --password-file "$B_DIR/empty"
bad "64" "smarthost: --password-env unset" -- $B_SH --user alice@isp.test --password-env MXD_NO_SUCH_VARIABLE
bad "64" "smarthost: both password sources" -- $B_SH --user alice@isp.test --password-file "$B_DIR/password" --password-env HOME
bad "64" "smarthost: --helo bad" -- $B_SH --helo 'a b'
if [ "$(id -u)" -ne 0 ]; then
	cp "$B_DIR/password" "$B_DIR/password-000" && chmod 000 "$B_DIR/password-000"
	bad "64" "smarthost: --password-file mode 000" -- $B_SH --user alice@isp.test --password-file "$B_DIR/password-000"
	chmod 600 "$B_DIR/password-000"
else
	skip "bad input: smarthost: --password-file mode 000" "running as root, who reads any file (the /proc/self/mem row covers a read error)"
fi

# --- inbound, relay
bad "64" "inbound: no domain" -- inbound
bad "64" "inbound: bad domain" -- inbound 'a..b'
bad "64" "inbound: --rcpt bad" -- inbound example.test --rcpt 'x y@example.test'
bad "64" "inbound: --from bad" -- inbound example.test --from '@example.test'
bad "64" "relay: no host" -- relay
bad "64" "relay: port 0" -- relay mail.openrelay.test:0
bad "64" "relay: bad host" -- relay 'a..b'
bad "64" "relay: --to bad" -- relay mail.openrelay.test --to nobody
bad "64" "relay: --from bad" -- relay mail.openrelay.test --from 'a@'
bad "64" "relay: --domain bad" -- relay mail.openrelay.test --domain -x.test

# --- explain
bad "64" "explain: missing file" -- explain /nonexistent
# A file that cannot be read is no misuse of the options: the error, no --help hint.
for b_args in "explain /nonexistent" "check --batch /nonexistent" "spf --batch /nonexistent" \
    "explain --kb /nonexistent $B_DIR/nul.txt" "--ca-file /nonexistent inbound example.test"; do
	# shellcheck disable=SC2086
	b_err=$("$MXDIAG" $b_args 2>&1 >/dev/null)
	b_rc=$?
	if [ "$b_rc" = 64 ] && [ "$(printf '%s\n' "$b_err" | wc -l)" = 1 ] &&
	    ! grep -q -- '--help' <<<"$b_err"; then
		ok "$b_args: exit 64, one line, no --help hint"
	else
		not_ok "$b_args: exit 64, one line, no --help hint" "exit $b_rc" "$b_err"
	fi
done
bad "64 3" "explain: a directory" -- explain "$B_DIR/dir"
bad "64 3" "explain: unreadable (/proc/self/mem)" -- explain /proc/self/mem
bad "64" "explain: --kb missing" -- explain --kb /nonexistent "$B_DIR/nul.txt"
bad "64" "explain: --kb binary" -- explain --kb "$B_DIR/binary" "$B_DIR/nul.txt"
bad "64" "explain: --kb empty" -- explain --kb "$B_DIR/empty" "$B_DIR/nul.txt"
bad "64" "explain: --kb without causes" -- explain --kb "$B_DIR/kb-nocauses.json" "$B_DIR/nul.txt"
bad "64" "explain: 17 MB input" -- explain --no-dns "$B_DIR/huge.eml"
bad "64" "explain: --sender bad" -- explain --no-dns --sender 'a@@b' "$B_DIR/nul.txt"
# Not usage errors: explain reads anything. Only no crash, and a verdict.
bad "0 1 2 3" "explain: 64 KB of random bytes" -- explain --no-dns "$B_DIR/binary"
bad "64" "explain: empty file" -- explain --no-dns "$B_DIR/empty"
bad "0 1 2 3" "explain: NUL and 8-bit bytes" -- explain --no-dns "$B_DIR/nul.txt"
bad "0 1 2 3" "explain: binary in batch mode" -- explain --no-dns "$B_DIR/binary" "$B_DIR/empty"
# JSON mode keeps usage errors on stderr, and binary input gives valid JSON.
bad "64" "--json usage error" -- --json check 'a..b'
"$MXDIAG" --json explain --no-dns "$B_DIR/binary" >"$B_DIR/binary.json" 2>/dev/null
if /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' \
	"$B_DIR/binary.json" 2>/dev/null; then ok "bad input: explain --json of random bytes is valid JSON"
else not_ok "bad input: explain --json of random bytes is valid JSON" "$(head -c 200 "$B_DIR/binary.json")"; fi
