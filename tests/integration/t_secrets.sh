# Secrets (issue 8): every command that takes SMTP credentials, run with --password-file,
# --password-file - (stdin) and --password-env against the lab smarthost (203.0.113.10,
# STARTTLS on 587, implicit TLS on 465; users in tests/lab/README.md), in text, -vv and
# JSON, with the right and a wrong password, and against servers that fail. The password
# (and its AUTH PLAIN/LOGIN base64) must appear in no stdout, stderr, JSON, persona log or
# /proc/PID/cmdline. Sourced by run.sh inside the lab:
#   tests/integration/run.sh tests/integration/t_secrets.sh

S_DIR="$OUT/secrets"
mkdir -p "$S_DIR"
S_GOOD=alice-pass			# the lab smarthost's password for alice@isp.test
S_BAD="wrong-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"	# unique to this run
printf '%s\n' "$S_GOOD" >"$S_DIR/pw-good"
printf '%s\n' "$S_BAD" >"$S_DIR/pw-bad"
chmod 600 "$S_DIR/pw-good" "$S_DIR/pw-bad"
S_USER=alice@isp.test

# Every form the password could leak in: as typed, and base64 in AUTH PLAIN
# ("\0user\0password") and AUTH LOGIN (the password alone), for both passwords.
s_patterns() {
	local pw
	for pw in "$S_GOOD" "$S_BAD"; do
		printf '%s\n' "$pw"
		printf '\0%s\0%s' "$S_USER" "$pw" | base64 -w0; echo
		printf '%s' "$pw" | base64 -w0; echo
	done
}
s_patterns >"$S_DIR/patterns"

# The commands that take credentials, from their own --help; with the arguments that make
# them log in to the lab smarthost (a new command needs a line here).
s_cmd_args() {
	case $1 in
	smarthost) echo "smarthost smtp.isp.test:587 smtp.isp.test:465 --from $S_USER" ;;
	preflight) echo "preflight isp.test --smarthost smtp.isp.test:587 --from $S_USER" ;;
	*) return 1 ;;
	esac
}
S_CMDS=()
for c in $("$MXDIAG" --help | sed -n 's/^  \([a-z][a-z0-9]*\)  .*/\1/p'); do
	"$MXDIAG" "$c" --help 2>&1 | grep -q -- '--password-file' || continue
	if s_cmd_args "$c" >/dev/null; then S_CMDS+=("$c")
	else not_ok "secrets: $c takes a password but this test has no arguments for it"; fi
done
[ ${#S_CMDS[@]} -gt 0 ] || skip "secrets" "no command takes credentials"

# s_run NAME PWFILE|ENV:FILE|STDIN:FILE MXDIAG-ARGS...: one run with the password from a
# file, an environment variable or stdin; its stdout, stderr and exit code are kept.
S_N=0
s_run() {
	local name=$1 src=$2; shift 2
	local pw rc=0
	S_N=$((S_N + 1))
	case $src in
	ENV:*) pw=$(head -n1 "${src#ENV:}")
		S_SECRET_VAR=$pw "$MXDIAG" "$@" --user "$S_USER" --password-env S_SECRET_VAR ;;
	STDIN:*) "$MXDIAG" "$@" --user "$S_USER" --password-file - <"${src#STDIN:}" ;;
	*) "$MXDIAG" "$@" --user "$S_USER" --password-file "$src" </dev/null ;;
	esac >"$S_DIR/$S_N.out" 2>"$S_DIR/$S_N.err" || rc=$?
	echo "$S_N $rc $name" >>"$S_DIR/runs"
}

S_G="--resolver $LAB_RESOLVER --timeout 2 --ca-file $LAB_CA"
for c in "${S_CMDS[@]}"; do
	read -r -a a <<<"$(s_cmd_args "$c")"
	s_run "$c, file, text" "$S_DIR/pw-good" $S_G "${a[@]}"
	s_run "$c, file, -vv (transcript and debug log)" "$S_DIR/pw-good" $S_G -vv "${a[@]}"
	s_run "$c, file, JSON" "$S_DIR/pw-good" $S_G --json "${a[@]}"
	s_run "$c, stdin, JSON" "STDIN:$S_DIR/pw-good" $S_G --json "${a[@]}"
	s_run "$c, environment, -vv" "ENV:$S_DIR/pw-good" $S_G -vv "${a[@]}"
	s_run "$c, environment, JSON" "ENV:$S_DIR/pw-good" $S_G --json "${a[@]}"
	s_run "$c, wrong password (535), -vv" "$S_DIR/pw-bad" $S_G -vv "${a[@]}"
	s_run "$c, wrong password (535), JSON" "ENV:$S_DIR/pw-bad" $S_G --json "${a[@]}"
done
# Failing servers, with the password at hand: withheld without TLS, then given anyway
# (--allow-insecure-auth) to a server that sends invalid UTF-8; a banner that never ends;
# a TLS chain that never ends; no lab CA (untrusted: withheld).
if printf '%s ' "${S_CMDS[@]}" | grep -q smarthost; then
	S_F="smarthost --from $S_USER"
	s_run "smarthost: no TLS, AUTH offered: withheld" "$S_DIR/pw-bad" $S_G -vv $S_F badutf8.hostile.test:587
	s_run "smarthost: --allow-insecure-auth to a hostile server" "$S_DIR/pw-bad" $S_G -vv $S_F \
		badutf8.hostile.test:587 --allow-insecure-auth
	s_run "smarthost: --allow-insecure-auth, JSON" "ENV:$S_DIR/pw-bad" $S_G --json $S_F \
		badutf8.hostile.test:587 --allow-insecure-auth
	s_run "smarthost: banner never ends" "$S_DIR/pw-bad" --resolver "$LAB_RESOLVER" --timeout 1 \
		-vv $S_F slowbanner.hostile.test:587
	s_run "smarthost: certificate chain never ends" "$S_DIR/pw-bad" $S_G -vv $S_F \
		endlesschain.hostile.test:587
	s_run "smarthost: without the lab CA (untrusted)" "ENV:$S_DIR/pw-bad" \
		--resolver "$LAB_RESOLVER" --timeout 2 -vv $S_F smtp.isp.test:587
	s_run "smarthost: usage error after the password options" "$S_DIR/pw-bad" $S_F \
		smtp.isp.test:587 --rcpt 'not an address'
fi
# The password did reach the servers that asked for it (else this test proves nothing).
if grep -q '"auth": "alice@isp.test"' "$LAB_SPOOL/smarthost.jsonl" 2>/dev/null; then
	ok "secrets: the lab smarthost saw a successful AUTH"
else
	not_ok "secrets: the lab smarthost saw a successful AUTH" "(no txn with auth in smarthost.jsonl)"
fi
if grep -q '"verb": "AUTH"' "$LAB_SPOOL/hostile-smtp.jsonl" 2>/dev/null; then
	ok "secrets: --allow-insecure-auth did send AUTH to the hostile server"
else
	not_ok "secrets: --allow-insecure-auth did send AUTH to the hostile server"
fi

# Scan every output of every run above, and every log in the lab.
# A run that crashed, or was refused as a usage error by mistake, would prove nothing.
while read -r n rc name; do
	hits=$(grep -lF -f "$S_DIR/patterns" "$S_DIR/$n.out" "$S_DIR/$n.err" 2>/dev/null)
	if [ -n "$hits" ]; then
		not_ok "secrets: no password in the output of: $name" "in ${hits//$S_DIR\//}"
	elif [ "$rc" -ge 128 ] || { [ "$rc" = 64 ] && [[ $name != *"usage error"* ]]; }; then
		not_ok "secrets: no password in the output of: $name" \
			"exit $rc: $(head -c 300 "$S_DIR/$n.err")"
	else ok "secrets: no password in the output of: $name"; fi
done <"$S_DIR/runs"
hits=$(grep -rlF -f "$S_DIR/patterns" "$LAB_SPOOL" "$LAB_WORK/log" 2>/dev/null)
if [ -z "$hits" ]; then ok "secrets: no password in any persona log ($LAB_SPOOL, \$LAB_WORK/log)"
else not_ok "secrets: no password in any persona log" $hits; fi

# /proc/PID/cmdline while it runs (the slow banner keeps it alive for a second), and the
# environment of a --password-file run.
for c in "${S_CMDS[@]}"; do
	[ "$c" = smarthost ] || continue
	"$MXDIAG" --resolver "$LAB_RESOLVER" --timeout 2 smarthost slowbanner.hostile.test:587 \
		--from "$S_USER" --user "$S_USER" --password-file "$S_DIR/pw-bad" >/dev/null 2>&1 &
	pid=$!
	sleep 0.5
	if [ -r "/proc/$pid/cmdline" ]; then
		if tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qF -f "$S_DIR/patterns" ||
			tr '\0' '\n' <"/proc/$pid/environ" | grep -qF -f "$S_DIR/patterns"; then
			not_ok "secrets: password not in /proc/PID/cmdline or environ"
		else ok "secrets: password not in /proc/PID/cmdline or environ"; fi
	else
		skip "secrets: /proc/PID/cmdline" "the process ended before it could be read"
	fi
	wait "$pid"
done
if [ ! -e "$LAB_SPOOL/alerts.jsonl" ]; then ok "secrets: no DATA reached any server"
else not_ok "secrets: no DATA reached any server" "$(head -c 300 "$LAB_SPOOL/alerts.jsonl")"; fi
