# Bounce writers (issue 16): the sending side of the real mail servers. One Postfix
# instance of its own, an Exim configuration and an OpenSMTPD daemon of their own, each
# taking a message (Postfix and Exim by sendmail-style injection, OpenSMTPD by SMTP on
# 127.0.0.1:2526) and delivering it to the lab's servers, and each writing its own DSNs
# back to the sender, a local maildir of writer.test. Sourced by lab.sh (after mta.sh);
# everything runs inside the namespace. t_realndr.sh sends the cases and reads the DSNs.
# State: $W/bouncers/<name>.state, "up" or "SKIP: reason" (README.md, "Bounce writers").

BOUNCERS="postfix exim opensmtpd"

bouncer_state() { printf '%s\n' "$2" >"$LAB_WORK_DIR/bouncers/$1.state"; }

# Postfix: its own config_directory and queue (mta.sh's postfix_dirs and services). One
# delivery attempt: a temporary failure bounces at once (maximal_queue_lifetime = 0).
setup_bouncer_postfix() {
	local W=$1 B=$1/bouncers/postfix
	postfix_dirs "$B" || return 1
	mkdir -p "$B/mail" && chown postfix: "$B/mail" || return 1
	cat >"$B/conf/main.cf" <<-EOF
		compatibility_level = 3.6
		queue_directory = $B/queue
		data_directory = $B/data
		daemon_directory = /usr/lib/postfix/sbin
		command_directory = /usr/sbin
		shlib_directory = /usr/lib/postfix
		mail_owner = postfix
		setgid_group = postdrop
		maillog_file = $B/postfix.log
		maillog_file_prefixes = $W
		myhostname = pf.writer.test
		mydomain = writer.test
		myorigin = writer.test
		mydestination =
		inet_interfaces = loopback-only
		inet_protocols = ipv4
		smtp_bind_address = $LAB_CLIENT_IP
		mynetworks = 127.0.0.0/8
		alias_maps =
		local_recipient_maps =
		virtual_mailbox_domains = writer.test
		virtual_mailbox_base = $B/mail
		virtual_mailbox_maps = regexp:$B/conf/mailboxes
		virtual_uid_maps = static:$(id -u postfix)
		virtual_gid_maps = static:$(id -g postfix)
		virtual_mailbox_limit = 0
		message_size_limit = 0
		maximal_queue_lifetime = 0
		bounce_queue_lifetime = 0
		delay_warning_time = 0
		bounce_size_limit = 4096
		smtp_connect_timeout = 3s
		smtp_helo_timeout = 5s
		# the personas alarm on DATA: never pipeline it after the RCPTs
		smtp_discard_ehlo_keywords = pipelining
		smtp_tls_security_level = may
		smtp_tls_CAfile = $W/tls/ca.pem
		smtp_tls_policy_maps = texthash:$B/conf/tls_policy
		transport_maps = texthash:$B/conf/transport
		biff = no
	EOF
	# every writer.test address shares one maildir, mail/inbox/ (virtual(8) takes no $1
	# from a regexp table); t_realndr.sh tells the DSNs apart by the Message-ID they quote
	printf '%s\n' '/@writer\.test$/ inbox/' >"$B/conf/mailboxes"
	printf 'openrelay.test encrypt\n' >"$B/conf/tls_policy"
	printf 'relay-via-pfmx.test smtp:[192.0.2.71]\n' >"$B/conf/transport"
	postfix_services >"$B/conf/master.cf"
	touch -d '1 minute ago' "$B/conf/"* || return 1
	/usr/lib/postfix/sbin/master -c "$B/conf" -d >"$B/master.out" 2>&1 &
}

# Exim: no daemon; `exim4 -C exim.conf -odi` delivers at once. No retry rules: Exim then
# treats a temporary error as permanent and bounces at once (spec, "Retry
# configuration"), except for greylist.test, retried for an hour with a delay warning
# after one second (the "delayed" DSN, made by a queue run).
setup_bouncer_exim() {
	local W=$1 E=$1/bouncers/exim
	mkdir -p "$E/spool" "$E/log" "$E/mail" || return 1
	chown -R Debian-exim: "$E/spool" "$E/log" "$E/mail" || return 1
	cat >"$E/exim.conf" <<-EOF
		exim_path = $MTA_CACHE/exim/usr/sbin/exim4
		primary_hostname = exim.writer.test
		qualify_domain = writer.test
		# every lab address is on lo: only 127.0.0.1 is "the local host" (no daemon runs)
		local_interfaces = 127.0.0.1
		spool_directory = $E/spool
		log_file_path = $E/log/%slog
		pid_file_path = $E/exim.pid
		domainlist local_domains = writer.test
		never_users = root
		keep_environment =
		host_lookup =
		rfc1413_hosts =
		bounce_return_size_limit = 4K
		delay_warning = 1s
		begin routers
		writer_mailbox:
		  driver = accept
		  domains = +local_domains
		  transport = writer_maildir
		relay_via_pfmx:
		  driver = manualroute
		  domains = relay-via-pfmx.test
		  route_list = * 192.0.2.71
		  transport = remote_smtp
		tls_required:
		  driver = dnslookup
		  domains = openrelay.test
		  transport = remote_smtp_tls
		dnslookup:
		  driver = dnslookup
		  domains = ! +local_domains
		  transport = remote_smtp
		  no_more
		begin transports
		remote_smtp:
		  driver = smtp
		  interface = $LAB_CLIENT_IP
		  hosts_avoid_pipelining = *
		  connect_timeout = 3s
		  tls_verify_certificates = $W/tls/ca.pem
		remote_smtp_tls:
		  driver = smtp
		  interface = $LAB_CLIENT_IP
		  hosts_avoid_pipelining = *
		  connect_timeout = 3s
		  hosts_require_tls = *
		writer_maildir:
		  driver = appendfile
		  directory = $E/mail/inbox
		  maildir_format
		  create_directory
		  user = Debian-exim
		  group = Debian-exim
		  mode = 0640
		begin retry
		greylist.test * F,1h,1m
	EOF
	chmod 644 "$E/exim.conf"
}

# OpenSMTPD: a daemon of its own (own tmpfs spool and control socket, as in mta.sh),
# taking mail on 127.0.0.1:2526. `queue ttl 5s`: a temporary failure bounces at its
# next try after that (1s made a 10 MB message expire before its first try on a busy
# machine).
setup_bouncer_opensmtpd() {
	local W=$1 O=$1/bouncers/opensmtpd
	mkdir -p "$O/mail" && chown nobody: "$O/mail" || return 1
	cat >"$O/smtpd.conf" <<-EOF
		queue ttl 5s
		# every writer.test address is delivered as nobody (mbox/maildir need a system
		# user: a virtual table maps them, as in mta.sh)
		table writers { "@writer.test" = "nobody" }
		listen on 127.0.0.1 port 2526 hostname os.writer.test
		action "writer" maildir "$O/mail/inbox" virtual <writers>
		action "relay" relay helo os.writer.test
		action "via-pfmx" relay host smtp://192.0.2.71 helo os.writer.test
		action "tls-required" relay tls helo os.writer.test
		match from any for domain "writer.test" action "writer"
		match from local for domain "writer.test" action "writer"
		match from local for domain "relay-via-pfmx.test" action "via-pfmx"
		match from local for domain "openrelay.test" action "tls-required"
		match from local for any action "relay"
	EOF
	chmod 644 "$O/smtpd.conf"
	# Its chroot /var/lib/opensmtpd/empty is compiled in too: when the host has none
	# (install-deps.sh makes it for the MX), a tmpfs over /var/lib in this namespace holds one.
	unshare --mount --propagation private sh -c '
		mount -t tmpfs lab-run /run && mount -t tmpfs lab-spool /var/spool || exit 1
		# the delivery helpers (mail.maildir) are found in /usr/libexec/opensmtpd only
		mount -t tmpfs lab-libexec /usr/libexec && mkdir /usr/libexec/opensmtpd &&
			mount --bind "$4" /usr/libexec/opensmtpd || exit 1
		if [ ! -d /var/lib/opensmtpd/empty ]; then
			mount -t tmpfs lab-lib /var/lib && mkdir -p /var/lib/opensmtpd/empty || exit 1
		fi
		if [ -L /etc/resolv.conf ]; then
			t=$(readlink -m /etc/resolv.conf)
			[ -e "$t" ] || { mkdir -p "${t%/*}" && cp "$1/etc/resolv.conf" "$t"; }
		fi
		exec "$2" -d -f "$3"' sh "$W" "$MTA_CACHE/opensmtpd/usr/sbin/smtpd" "$O/smtpd.conf" \
		"$MTA_CACHE/opensmtpd/usr/libexec/opensmtpd" >>"$O/smtpd.log" 2>&1 &
}

# Start every writer whose server can run here (lab.sh runs this in the background: nobody
# waits for them at start-up; t_realndr.sh waits for the state files, bounded).
bouncers_start() {
	local W=$1 m why
	LAB_WORK_DIR=$W
	mkdir -p "$W/bouncers" && chmod 711 "$W/bouncers" || return 0
	for m in $BOUNCERS; do
		why=$(mta_why_not "$m")
		[[ $why == *"chroot /var/lib/opensmtpd/empty"* ]] && why="" # made here (above)
		if [ -n "$why" ]; then
			bouncer_state "$m" "SKIP: $why"
		elif "setup_bouncer_$m" "$W" >>"$W/log/bouncer-$m.out" 2>&1; then
			bouncer_state "$m" up
		else
			bouncer_state "$m" "FAILED: setup failed (LAB_KEEP=1, log/bouncer-$m.out)"
		fi
	done
}
