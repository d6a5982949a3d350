#!/bin/bash
# Make real bounces (DSNs) for explain's tests (issue 16): a Postfix "writer" in the lab
# sends one message per cause to the lab's real servers and personas, and every DSN it
# writes back to the sender is kept as emails/<case>.eml, labelled by construction
# (the cause we staged) in manifest.json, the corpus's format (tests/bounces/data).
# Run inside the lab, as root; it rewrites this folder's emails/ and manifest.json:
#   tests/lab/lab.sh run tests/bounces/lab/make.sh
# Nothing here runs in make check: the emails are committed test data.
set -eu
[ -n "${LAB_WORK:-}" ] || { echo "make.sh: run me through tests/lab/lab.sh run" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
. "$LAB_DIR/mta.sh"
D=$LAB_WORK/writer
P=$D/postfix
M=$D/mail
mkdir -p "$M"
postfix_dirs "$P"
chown postfix: "$M"

# CASES: name | reason | status | sender | recipient | what is staged. The sender's
# local part names the case, so its DSN lands in maildir <case>/.
CASES=$(cat <<'EOF'
userunknown|userunknown|5.1.1|userunknown@writer.test|nosuch@pfmx.test|unknown user at the Postfix MX (virtual_mailbox_maps)
exim-userunknown|userunknown|5.0.0|exim-userunknown@writer.test|nosuch@eximmx.test|unknown user at the Exim MX (550 Unrouteable address)
smtpd-userunknown|userunknown|5.0.0|smtpd-userunknown@writer.test|nosuch@smtpdmx.test|unknown user at the OpenSMTPD MX (550 Invalid recipient)
norelaying|norelaying|5.7.1|norelaying@writer.test|someone@relay-via-pfmx.test|the Postfix MX refuses to relay (554 5.7.1 Relay access denied)
sendernotfound|rejected|4.1.8|sendernotfound@nxsender.test|alice@pfmx.test|sender domain does not resolve: reject_unknown_sender_domain (450 4.1.8) until the queue lifetime ends
nxdomain|hostunknown|5.4.4|nxdomain@writer.test|someone@doesnotexist.test|recipient domain is NXDOMAIN
nullmx|notaccept|5.1.0|nullmx@writer.test|someone@nullmx.test|recipient domain has a null MX (RFC 7505)
mxnoaddr|hostunknown|5.4.4|mxnoaddr@writer.test|someone@mxnoaddr.test|the MX host has no address
refused|expired|4.4.1|refused@writer.test|someone@nomx.test|connection refused (implicit MX 192.0.2.80) until the queue lifetime ends
greylisted|expired|4.7.1|greylisted@writer.test|someone@greylist.test|greylisted (451 4.7.1) until the queue lifetime ends
tlsrequired|securityerror|4.7.4|tlsrequired@writer.test|someone@openrelay.test|TLS required by the sender's policy (smtp_tls_policy_maps encrypt), the MX offers no STARTTLS, until the queue lifetime ends
mesgtoobig|mesgtoobig|5.3.4|mesgtoobig@writer.test|alice@pfmx.test|10.5 MB message, the MX announces SIZE 10240000
dnsbl|blocked|5.7.1|dnsbl@writer.test|postmaster@pfrbl.test|the writer's address is on the DNSBL the Postfix MX uses (reject_rbl_client rbl.test)
noptr|requireptr|4.7.1|noptr@writer.test|postmaster@pfptr.test|the writer connects from 192.0.2.29, which has no PTR; the MX has reject_unknown_reverse_client_hostname (450 4.7.1), until the queue lifetime ends
EOF
)
# sent after the others, with Postfix's bounce_template_file in Japanese (ISO-2022-JP)
# and a 100 kB mailbox limit (the first pass needs no message size limit)
JA_CASES=$(cat <<'EOF'
mailboxfull|mailboxfull|5.2.2|mailboxfull@writer.test|full@writer.test|the writer's own mailbox full@ is a 96 kB mbox file and virtual_mailbox_limit is 100 kB
ja-userunknown|userunknown|5.1.1|ja-userunknown@writer.test|nosuch@pfmx.test|unknown user at the Postfix MX; the writer's bounce template is Japanese (ISO-2022-JP)
ja-refused|expired|4.4.1|ja-refused@writer.test|someone@nomx.test|connection refused until the queue lifetime ends; Japanese template
EOF
)

cat >"$P/conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $P/queue
data_directory = $P/data
daemon_directory = /usr/lib/postfix/sbin
command_directory = /usr/sbin
mail_owner = postfix
setgid_group = postdrop
maillog_file = $D/postfix.log
maillog_file_prefixes = $D
myhostname = mta.writer.test
mydomain = writer.test
myorigin = writer.test
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
local_recipient_maps =
# the DSNs come home: every sender domain is a local maildir domain here
virtual_mailbox_domains = writer.test nxsender.test
virtual_mailbox_base = $M
virtual_mailbox_maps = texthash:$P/conf/mailboxes
virtual_uid_maps = static:$(id -u postfix)
virtual_gid_maps = static:$(id -g postfix)
virtual_mailbox_limit = 0
message_size_limit = 0
# one try: a temporary failure bounces at once (the "until expiry" cases)
maximal_queue_lifetime = 0
bounce_queue_lifetime = 0
delay_warning_time = 0
bounce_size_limit = 4096
smtp_connect_timeout = 3s
smtp_helo_timeout = 5s
# the personas log DATA as an alarm: never pipeline it after the RCPTs
smtp_discard_ehlo_keywords = pipelining
smtp_tls_security_level = may
smtp_tls_CAfile = $LAB_CA
smtp_tls_policy_maps = texthash:$P/conf/tls_policy
transport_maps = texthash:$P/conf/transport
biff = no
EOF
# (virtual(8) refuses $1 from a regexp table): one maildir per case sender
while IFS='|' read -r name _ _ from _; do
	printf '%s %s/\n' "$from" "$name"
done <<<"$CASES
$JA_CASES" >"$P/conf/mailboxes"
echo "full@writer.test full" >>"$P/conf/mailboxes" # an mbox file: the limit is its size
printf 'openrelay.test encrypt\n' >"$P/conf/tls_policy"
printf '%s\n' 'relay-via-pfmx.test smtp:[192.0.2.71]' 'pfptr.test noptr:' >"$P/conf/transport"
{
	postfix_services
	# the no-PTR case: from the lab address that has no reverse name
	echo "noptr     unix - - n - - smtp -o smtp_bind_address=192.0.2.29"
} >"$P/conf/master.cf"
touch -d '1 minute ago' "$P/conf/"*
/usr/lib/postfix/sbin/master -c "$P/conf" -d >"$D/master.out" 2>&1 &
for _ in $(seq 100); do [ -S "$P/queue/public/pickup" ] || [ -p "$P/queue/public/pickup" ] && break; sleep 0.05; done

msg() { # msg FROM TO CASE: a small message; mesgtoobig gets 10.5 MB of text
	printf 'From: %s\nTo: %s\nSubject: lab bounce case %s\nMessage-ID: <%s@writer.test>\n\n' \
		"$1" "$2" "$3" "$3"
	echo "This message was sent by tests/bounces/lab/make.sh to make a bounce ($3)."
	case $3 in
	mesgtoobig) head -c 11000000 /dev/zero | tr '\0' 'x' | fold -w 76 ;;
	mailboxfull) head -c 8000 /dev/zero | tr '\0' 'x' | fold -w 76 ;;
	esac
}
send_wait() { # send_wait CASES: send each case, wait until its DSN is in its maildir
	local name reason status from to what got want
	while IFS='|' read -r name reason status from to what; do
		msg "$from" "$to" "$name" | /usr/sbin/sendmail -C "$P/conf" -f "$from" -- "$to"
	done <<<"$1"
	want=$(grep -c . <<<"$1")
	for _ in $(seq 300); do # a few seconds; bounded at 30
		got=0
		while IFS='|' read -r name _; do
			ls "$M/$name/new/"* >/dev/null 2>&1 && got=$((got + 1))
		done <<<"$1"
		[ "$got" -ge "$want" ] && break
		sleep 0.1
	done
	echo "make.sh: $got of $want DSNs arrived" >&2
}
send_wait "$CASES"

# Japanese: Postfix's failure template, converted to ISO-2022-JP (bounce(5): the
# Charset: line names the template's encoding). ISO-2022-JP is full of '$' (ESC $ B, and
# in the JIS text itself): each becomes '$$', the template's literal dollar, and then
# @MYHOSTNAME@ the macro. master re-reads main.cf on SIGHUP.
iconv -f UTF-8 -t ISO-2022-JP <<'EOF' | sed 's/\$/$$/g; s/@MYHOSTNAME@/$myhostname/g' >"$P/conf/bounce.cf"
failure_template = <<EOT
Charset: iso-2022-jp
From: MAILER-DAEMON (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
Postmaster-Subject: Postmaster Copy: Undelivered Mail

このメールは @MYHOSTNAME@ のメールシステムが自動的に送信しています。

申し訳ありませんが、お送りいただいたメッセージを次の宛先に配送できませんでした。
元のメッセージを添付します。

ご不明な点は postmaster までお問い合わせください。その際はこの通知を
添えてください。

                   メールシステム
EOT
EOF
/usr/sbin/postconf -c "$P/conf" -e "bounce_template_file = $P/conf/bounce.cf" \
	"message_size_limit = 100000" "virtual_mailbox_limit = 100000"
head -c 98000 /dev/zero | tr '\0' 'x' | fold -w 76 | sed '1s/^/From lab  Thu Jan  1 00:00:00 2026\n/' >"$M/full"
chown postfix: "$M/full"
touch -d '1 minute ago' "$P/conf/"*
kill -HUP "$(sed -n 1p "$P/queue/pid/master.pid" | tr -d ' ')"
sleep 0.5
send_wait "$JA_CASES"

ver=$(/usr/sbin/postconf -c "$P/conf" -h mail_version)
out=$D/out # this folder is replaced only once every case has its DSN
mkdir -p "$out/emails"
entries=()
while IFS='|' read -r name reason status from to what; do
	f=$(ls "$M/$name/new/"* 2>/dev/null | head -1) || true
	if [ -z "$f" ]; then
		echo "make.sh: no DSN for $name" >&2
		exit 1
	fi
	# the label is by construction; the Status Postfix wrote must agree with it
	got=$(sed -n 's/^Status: //p' "$f" | head -1)
	if [ "$got" != "$status" ]; then
		echo "make.sh: $name: the DSN says Status $got, the case says $status" >&2
		exit 1
	fi
	# Delivered-To and Return-Path are the writer's local delivery, not the DSN
	grep -v -e '^Delivered-To: ' -e '^Return-Path: ' "$f" >"$out/emails/postfix-$name.eml"
	entries+=("$name|$reason|$status|$from|$to|$what")
done <<<"$CASES
$JA_CASES"
/usr/bin/python3 - "$out/manifest.json" "Postfix $ver" "${entries[@]}" <<'PY'
import json, sys
out, writer, rows = sys.argv[1], sys.argv[2], sys.argv[3:]
man = []
for r in rows:
    name, reason, status, frm, to, what = r.split("|", 5)
    exp = {"status": status, "replycode": "", "reason": reason,
           "hardbounce": status.startswith("5")}
    man.append({"file": f"emails/postfix-{name}.eml", "reason": reason, "status": status,
                "replycode": "", "lhost": "lab-postfix",
                "japanese": b"charset=iso-2022-jp" in open(
                    f"{out.rsplit('/', 1)[0]}/emails/postfix-{name}.eml", "rb").read(),
                "expected": [exp], "expected_from": "construction",
                "staged": what, "sender": frm, "recipient": to,
                "written_by": f"{writer}, in the mxdiag lab (tests/bounces/lab/make.sh)"})
with open(out, "w") as f:
    json.dump(man, f, indent=1, ensure_ascii=False)
    f.write("\n")
PY
rm -f "$here"/emails/*.eml
mkdir -p "$here/emails"
cp "$out"/emails/*.eml "$here/emails/" && cp "$out/manifest.json" "$here/manifest.json"
echo "make.sh: wrote ${#entries[@]} emails and manifest.json in $here" >&2
