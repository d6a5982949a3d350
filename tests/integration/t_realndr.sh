# Bounces written by real mail servers (issue 16): the lab's bounce writers
# (tests/lab/bouncers.sh: a Postfix instance, an Exim configuration and an OpenSMTPD of
# their own) send one message per cause to the lab's servers and personas; each MTA
# writes its own DSN back to the sender's maildir, and explain must name the cause, the
# status and who must act. The DSNs are the MTAs' output as written, never edited; they
# are copied to $OUT/realndr/ (and to $RN_SAVE, when set, to refresh tests/bounces/realmta).
# Every wait is bounded: the whole file takes about 15 s (OpenSMTPD's refused and TLS
# cases expire last).

RN_DIR=$LAB_WORK/bouncers
RN_OUT=$OUT/realndr
RN_EXIM="${LAB_MTA_CACHE:-/var/cache/mxdiag-lab/mta}/exim/usr/sbin/exim4 -C $RN_DIR/exim/exim.conf"
mkdir -p "$RN_OUT"

# MTA|case|recipient|finding|reason|status|act|Action: what was staged, the answer by
# construction, and the DSN's Action field. The status is the enhanced code the DSN
# carries: its Status field, or the remote server's code quoted in its Diagnostic-Code or
# text when the writer put only 5.0.0 in Status (Exim, OpenSMTPD). Where the writer names
# no cause, the answer is expired: Exim without retry rules says only "retry timeout
# exceeded", OpenSMTPD only "Envelope expired" (Action: delayed, Status 4.4.7); OpenSMTPD
# 6.8 retries a null MX (RFC 7505) until expiry, and its SIZE check names no code.
RN_CASES=$(cat <<'EOF'
postfix|userunknown|nosuch@pfmx.test|ndr.user-unknown|userunknown|5.1.1|sender|failed
postfix|norelaying|someone@relay-via-pfmx.test|ndr.relay-denied|norelaying|5.7.1|sender-admin|failed
postfix|mesgtoobig|alice@pfmx.test|ndr.message-too-big|mesgtoobig|5.3.4|sender|failed
postfix|nxdomain|someone@doesnotexist.test|ndr.recipient-domain-not-found|hostunknown|5.4.4|sender|failed
postfix|nullmx|someone@nullmx.test|ndr.null-mx|notaccept|5.1.0|sender|failed
postfix|mxnoaddr|someone@mxnoaddr.test|ndr.recipient-domain-not-found|hostunknown|5.4.4|sender|failed
postfix|refused|someone@nomx.test|ndr.port25-unreachable|expired|4.4.1|sender-admin|failed
postfix|tlsrequired|someone@openrelay.test|ndr.tls-required|securityerror|4.7.4|sender-admin|failed
postfix|greylisted|someone@greylist.test|ndr.greylisted-expired|expired|4.7.1|sender-admin|failed
exim|userunknown|nosuch@pfmx.test|ndr.user-unknown|userunknown|5.1.1|sender|failed
exim|norelaying|someone@relay-via-pfmx.test|ndr.relay-denied|norelaying|5.7.1|sender-admin|failed
exim|mesgtoobig|alice@pfmx.test|ndr.message-too-big|mesgtoobig|5.3.4|sender|failed
exim|nxdomain|someone@doesnotexist.test|ndr.recipient-domain-not-found|hostunknown|5.0.0|sender|failed
exim|nullmx|someone@nullmx.test|ndr.null-mx|notaccept|5.0.0|sender|failed
exim|mxnoaddr|someone@mxnoaddr.test|ndr.recipient-domain-not-found|hostunknown|5.0.0|sender|failed
exim|refused|someone@nomx.test|ndr.expired|expired|5.0.0|sender-admin|failed
exim|tlsrequired|someone@openrelay.test|ndr.expired|expired|5.0.0|sender-admin|failed
exim|greylisted|someone@greylist.test|ndr.greylisted|blocked|4.7.1|retry|delayed
opensmtpd|userunknown|nosuch@pfmx.test|ndr.user-unknown|userunknown|5.1.1|sender|failed
opensmtpd|norelaying|someone@relay-via-pfmx.test|ndr.relay-denied|norelaying|5.7.1|sender-admin|failed
opensmtpd|mesgtoobig|alice@pfmx.test|ndr.message-too-big|mesgtoobig|5.0.0|sender|failed
opensmtpd|nxdomain|someone@doesnotexist.test|ndr.recipient-domain-not-found|hostunknown|5.0.0|sender|failed
opensmtpd|nullmx|someone@nullmx.test|ndr.expired|expired|4.4.7|sender-admin|delayed
opensmtpd|mxnoaddr|someone@mxnoaddr.test|ndr.expired|expired|4.4.7|sender-admin|delayed
opensmtpd|refused|someone@nomx.test|ndr.expired|expired|4.4.7|sender-admin|delayed
opensmtpd|tlsrequired|someone@openrelay.test|ndr.expired|expired|4.4.7|sender-admin|delayed
opensmtpd|greylisted|someone@greylist.test|ndr.expired|expired|4.4.7|sender-admin|delayed
EOF
)

rn_msg() { # rn_msg MTA CASE TO: the message; Message-ID <MTA-CASE@writer.test> names the case
	printf 'From: %s-%s@writer.test\r\nTo: %s\r\nSubject: lab bounce case %s %s\r\nMessage-ID: <%s-%s@writer.test>\r\n\r\n' \
		"$1" "$2" "$3" "$1" "$2" "$1" "$2"
	printf 'Sent by tests/integration/t_realndr.sh to make a bounce (%s, %s).\r\n' "$1" "$2"
	# just over the SIZE the Postfix MX announces (10240000): refused before DATA, never
	# sent; OpenSMTPD returns all of it, and explain reads at most 10 MB
	[ "$2" != mesgtoobig ] || head -c 10150000 /dev/zero | tr '\0' 'x' | fold -w 78 | sed 's/$/\r/'
}

rn_send() { # rn_send MTA CASE TO
	local from=$1-$2@writer.test
	case $1 in
	postfix) rn_msg "$@" | /usr/sbin/sendmail -C "$RN_DIR/postfix/conf" -f "$from" -- "$3" ;;
	exim) rn_msg "$@" | $RN_EXIM -odi -f "$from" -- "$3" >/dev/null 2>&1 & ;;
	opensmtpd)
		rn_msg "$@" >"$RN_OUT/.os-$2.msg"
		/usr/bin/python3 - "$from" "$3" "$RN_OUT/.os-$2.msg" <<-'PY' || echo "rn_send: OpenSMTPD refused $2" >&2
			import smtplib, sys
			with smtplib.SMTP("127.0.0.1", 2526, timeout=10) as s:
			    s.sendmail(sys.argv[1], [sys.argv[2]], open(sys.argv[3], "rb").read())
		PY
		rm -f "$RN_OUT/.os-$2.msg" ;;
	esac
}

# rn_find MTA CASE ACTION: the DSN (file) quoting <MTA-CASE@writer.test> with that Action
# (once found, remembered: OpenSMTPD's too-big DSN carries all 10 MB of the message)
declare -A rn_file=()
rn_find() {
	local f
	[ -z "${rn_file[$1/$2]:-}" ] || { echo "${rn_file[$1/$2]}"; return 0; }
	for f in "$RN_DIR/$1/mail/inbox/new/"*; do
		[ -f "$f" ] || continue
		head -c 20000 "$f" | grep -qF "<$1-$2@writer.test>" &&
			head -c 20000 "$f" | grep -qi "^Action: $3" && {
			rn_file[$1/$2]=$f
			echo "$f"
			return 0
		}
	done
	return 1
}

rn_up=()
for _ in $(seq 50); do # the writers start in the background with the lab: 5 s at most
	[ -f "$RN_DIR/postfix.state" ] && [ -f "$RN_DIR/exim.state" ] &&
		[ -f "$RN_DIR/opensmtpd.state" ] && break
	sleep 0.1
done
for m in postfix exim opensmtpd; do
	st=$(cat "$RN_DIR/$m.state" 2>/dev/null || echo "SKIP: no bounce writer state (lab without bouncers.sh)")
	case $st in
	up) rn_up+=("$m") ;;
	SKIP:*) skip "real bounces from $m" "${st#SKIP: }" ;;
	*) not_ok "real bounces from $m: the writer runs" "$st" ;;
	esac
done

if [ ${#rn_up[@]} -gt 0 ]; then
	t0=$(now_ms)
	# OpenSMTPD's listener, bounded (it starts in the background with the lab)
	for _ in $(seq 50); do
		[[ " ${rn_up[*]} " != *" opensmtpd "* ]] || (: <>/dev/tcp/127.0.0.1/2526) 2>/dev/null && break
		sleep 0.1
	done
	while IFS='|' read -r m c to _; do
		[[ " ${rn_up[*]} " == *" $m "* ]] && rn_send "$m" "$c" "$to"
	done <<<"$RN_CASES"
	# Exim's delayed DSN: a queue run once the message is older than delay_warning (1s)
	if [[ " ${rn_up[*]} " == *" exim "* ]]; then
		sleep 1.5
		$RN_EXIM -qff >/dev/null 2>&1
	fi
	# every DSN, within 30 s (OpenSMTPD's refused and TLS cases come last, after ~11 s)
	deadline=$(($(now_ms) + 30000))
	while [ "$(now_ms)" -lt $deadline ]; do
		missing=0
		while IFS='|' read -r m c _ _ _ _ _ action; do
			[[ " ${rn_up[*]} " == *" $m "* ]] || continue
			rn_find "$m" "$c" "$action" >/dev/null || missing=$((missing + 1))
		done <<<"$RN_CASES"
		[ $missing = 0 ] && break
		sleep 0.2
	done
	echo "# real DSNs collected in $(($(now_ms) - t0)) ms, $missing missing"
	declare -A rn_ja=()
	while IFS='|' read -r m c to fid reason status act action; do
		[[ " ${rn_up[*]} " == *" $m "* ]] || continue
		if ! f=$(rn_find "$m" "$c" "$action"); then
			not_ok "real $m DSN: $c" "no DSN quoting <$m-$c@writer.test> with Action: $action in $RN_DIR/$m/mail/inbox within 30 s" \
				"$(grep -lF "<$m-$c@writer.test>" "$RN_DIR/$m/mail/inbox/new/"* 2>/dev/null |
					while read -r g; do head -c 20000 "$g" | grep -i -m2 -e '^Action:' -e '^Status:' | tr '\n' ' '; done)"
			continue
		fi
		# the MTA's file as written, minus the local delivery's own trace lines (Postfix's
		# Delivered-To, Exim's Envelope-to/Delivery-date/Return-path) which no DSN carries
		grep -v -i -e '^Delivered-To: ' -e '^Return-Path: ' -e '^Envelope-to: ' -e '^Delivery-date: ' \
			"$f" >"$RN_OUT/$m-$c.eml"
		[ -z "${RN_SAVE:-}" ] || cp "$RN_OUT/$m-$c.eml" "$RN_SAVE/"
		case_json "real $m DSN: $c is $reason, $status, $act" "*" \
			--has "$fid" --data "$fid:reason=$reason" --data "$fid:status_code=$status" \
			--data "$fid:act=$act" -- explain --no-dns "$RN_OUT/$m-$c.eml"
		# once per MTA: the same bounce in Japanese
		if [ -z "${rn_ja[$m]:-}" ]; then
			rn_ja[$m]=1
			out=$("$MXDIAG" --json --lang ja explain --no-dns "$RN_OUT/$m-$c.eml" 2>"$RN_OUT/ja.err")
			if /usr/bin/python3 -c '
import json, re, sys
d = json.loads(sys.argv[1])
f = [x for x in d["findings"] if x["id"] == sys.argv[2]][0]
kana = re.compile("[\u3040-\u30ff]")
sys.exit(0 if kana.search(f["message"]) and kana.search(f["fix"]) and
         f["data"]["reason"] == sys.argv[3] else 1)' "$out" "$fid" "$reason"; then
				ok "real $m DSN: $c explained in Japanese (--lang ja)"
			else
				not_ok "real $m DSN: $c explained in Japanese (--lang ja)" "$(head -c 300 "$RN_OUT/ja.err")" \
					"$(grep -E '"(message|fix|reason)"' <<<"$out" | head -c 600)"
			fi
		fi
	done <<<"$RN_CASES"
	# every case failed before DATA: the Postfix MX counts each session's commands
	if [ -f "$LAB_WORK/mta/postfix.log" ]; then
		if grep -qE 'postfix/pfmx/smtpd.* disconnect from .* (data|bdat)=' "$LAB_WORK/mta/postfix.log"; then
			not_ok "real bounce writers: no DATA reached the Postfix MX" \
				"$(grep -E 'disconnect from .* (data|bdat)=' "$LAB_WORK/mta/postfix.log" | head -3)"
		else
			ok "real bounce writers: no DATA reached the Postfix MX"
		fi
	fi
	echo "# t_realndr: $(($(now_ms) - t0)) ms"
fi
