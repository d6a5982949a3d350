# Real mail servers in the lab (issue 16): one Postfix master (MX, submission,
# open relay), Exim and OpenSMTPD. Sourced by lab.sh; everything here runs inside
# the namespace. Each server's state ends up in $W/mta/<name>.state: "up", or
# "SKIP: reason" when it cannot run here (tests skip), or "FAILED: reason"
# (tests fail). See README.md, "Real mail servers".

MTA_CACHE=${LAB_MTA_CACHE:-/var/cache/mxdiag-lab/mta} # Exim and OpenSMTPD, dpkg -x'ed
MTA_V4="192.0.2.71 192.0.2.72 192.0.2.73 192.0.2.74 192.0.2.75 192.0.2.76 192.0.2.81
203.0.113.60 192.0.2.29" # .29: no PTR, the bounce writer's source for the no-PTR case
MTA_CERTS="mx.pfmx.test smtp.pfsub.test mx.eximmx.test mx.smtpdtls.test"
# uids for the users Exim and OpenSMTPD want, added to the lab's own /etc/passwd
MTA_UID0=64970

mta_state() { printf '%s\n' "$2" >"$LAB_WORK_DIR/mta/$1.state"; }

# Why a server cannot run here (prints the reason), or nothing.
mta_why_not() {
	if [ "${LAB_MTA:-1}" = 0 ]; then
		echo "real mail servers disabled (LAB_MTA=0)"
		return
	fi
	if [ "$(id -u)" -ne 0 ] || ! grep -qE '^ *0 +0 +4294967295' /proc/self/uid_map; then
		echo "real mail servers need root outside a user namespace (they switch to their own uids)"
		return
	fi
	case $1 in
	postfix)
		[ -x /usr/lib/postfix/sbin/master ] && id postfix >/dev/null 2>&1 ||
			echo "Postfix is not installed (scripts/install-deps.sh lab)"
		command -v saslpasswd2 >/dev/null || echo "saslpasswd2 missing (sasl2-bin)"
		;;
	exim) [ -x "$MTA_CACHE/exim/usr/sbin/exim4" ] ||
		echo "Exim is not unpacked in $MTA_CACHE (scripts/install-deps.sh lab)" ;;
	opensmtpd)
		[ -x "$MTA_CACHE/opensmtpd/usr/sbin/smtpd" ] ||
			echo "OpenSMTPD is not unpacked in $MTA_CACHE (scripts/install-deps.sh lab)" ;;
	esac
}

# The lab's /etc/passwd and /etc/group: the host's plus the users Exim and
# OpenSMTPD expect (bind-mounted in the private mount namespace only).
mta_users() {
	local W=$1 u uid=$MTA_UID0 need=()
	[ -z "$(mta_why_not exim)" ] || [ -z "$(mta_why_not opensmtpd)" ] || return 0
	for u in Debian-exim opensmtpd opensmtpq; do
		getent passwd "$u" >/dev/null || need+=("$u")
	done
	[ ${#need[@]} -gt 0 ] || return 0
	cp /etc/passwd "$W/etc/passwd" && cp /etc/group "$W/etc/group" || return 1
	for u in "${need[@]}"; do
		echo "$u:x:$uid:$uid:lab $u:/nonexistent:/usr/sbin/nologin" >>"$W/etc/passwd"
		getent group "$u" >/dev/null || echo "$u:x:$uid:" >>"$W/etc/group"
		uid=$((uid + 1))
	done
	mount --bind "$W/etc/passwd" /etc/passwd && mount --bind "$W/etc/group" /etc/group
}

# One Postfix master, three servers (one smtpd service each, own address,
# host name and restrictions): the MX of pfmx.test, the submission server of
# pfsub.test, and an open relay.
# A Postfix instance's directories under P: conf/, data/ and queue/ with the owners and
# modes postfix(1) would give them (master is started directly, without postfix-script).
postfix_dirs() {
	local P=$1 d
	mkdir -p "$P/conf/sasl" "$P/data" || return 1
	for d in active bounce corrupt defer deferred flush hold incoming maildrop \
		private public saved trace pid; do
		mkdir -p "$P/queue/$d"
	done
	chown -R postfix:postfix "$P/queue" "$P/data" &&
		chown root:root "$P/queue" "$P/queue/pid" &&
		chgrp postdrop "$P/queue/maildrop" "$P/queue/public" &&
		chmod 730 "$P/queue/maildrop" && chmod 710 "$P/queue/public" &&
		chmod 700 "$P/queue/"{active,bounce,corrupt,defer,deferred,flush,hold,incoming,private,saved,trace}
}

# The internal services of master.cf (no chroot), after the instance's own listeners.
postfix_services() {
	cat <<-EOF
		postlog   unix-dgram n - n - 1 postlogd
		pickup    unix n - n 60 1 pickup
		cleanup   unix n - n - 0 cleanup
		qmgr      unix n - n 300 1 qmgr
		tlsmgr    unix - - n 1000? 1 tlsmgr
		rewrite   unix - - n - - trivial-rewrite
		bounce    unix - - n - 0 bounce
		defer     unix - - n - 0 bounce
		trace     unix - - n - 0 bounce
		verify    unix - - n - 1 verify
		flush     unix n - n 1000? 0 flush
		proxymap  unix - - n - - proxymap
		smtp      unix - - n - - smtp
		relay     unix - - n - - smtp
		showq     unix n - n - - showq
		error     unix - - n - - error
		retry     unix - - n - - error
		discard   unix - - n - - discard
		local     unix - n n - - local
		virtual   unix - n n - - virtual
		lmtp      unix - - n - - lmtp
		anvil     unix - - n - 1 anvil
		scache    unix - - n - 1 scache
	EOF
}

setup_postfix() {
	local W=$1 P=$1/mta/postfix
	postfix_dirs "$P" || return 1
	# SASL accounts: the passwords are random per run, in files only
	# (saslpasswd2 -p reads stdin)
	local u pw
	for u in carol dave; do
		pw=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
		(umask 077 && printf '%s\n' "$pw" >"$W/mta/$u.password")
		printf '%s' "$pw" | saslpasswd2 -p -c -f "$P/sasldb2" -u pfsub.test "$u" || return 1
	done
	chgrp postfix "$P/sasldb2" && chmod 640 "$P/sasldb2" || return 1
	# Debian's Postfix reads $config_directory/sasl/smtpd.conf (cyrus_sasl_config_path is ignored)
	cat >"$P/conf/sasl/smtpd.conf" <<-EOF
		pwcheck_method: auxprop
		auxprop_plugin: sasldb
		mech_list: PLAIN LOGIN
		sasldb_path: $P/sasldb2
	EOF
	printf '%s\n' "alice@pfmx.test x" "bob@pfmx.test x" "postmaster@pfmx.test x" "postmaster@pfsub.test x" \
		"carol@pfsub.test x" "dave@pfsub.test x" "boss@pfsub.test x" \
		"postmaster@pfrbl.test x" "postmaster@pfptr.test x" >"$P/conf/vmailbox"
	# who may send as whom after AUTH (reject_sender_login_mismatch)
	printf '%s\n' "carol@pfsub.test carol@pfsub.test" "dave@pfsub.test dave@pfsub.test" \
		"boss@pfsub.test dave@pfsub.test" >"$P/conf/senders"
	cat >"$P/conf/main.cf" <<-EOF
		compatibility_level = 3.6
		queue_directory = $P/queue
		data_directory = $P/data
		daemon_directory = /usr/lib/postfix/sbin
		command_directory = /usr/sbin
		shlib_directory = /usr/lib/postfix
		mail_owner = postfix
		setgid_group = postdrop
		maillog_file = $W/mta/postfix.log
		maillog_file_prefixes = $W/mta
		myhostname = mta.lab.test
		mydestination =
		inet_interfaces = all
		inet_protocols = ipv4
		mynetworks = 127.0.0.0/8
		smtpd_banner = \$myhostname ESMTP \$mail_name (Debian/GNU)
		virtual_mailbox_domains = pfmx.test pfsub.test pfrbl.test pfptr.test
		virtual_mailbox_maps = texthash:$P/conf/vmailbox
		# no DATA ever arrives; were it to, nothing would be stored
		virtual_transport = discard:lab
		smtpd_sender_login_maps = texthash:$P/conf/senders
		smtpd_tls_cert_file = $W/tls/mx.pfmx.test.pem
		smtpd_tls_key_file = $W/tls/server.key
		smtpd_tls_security_level = may
		smtpd_tls_loglevel = 1
		smtpd_helo_required = yes
		smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
		smtpd_recipient_restrictions =
		smtpd_sender_restrictions = reject_unknown_sender_domain
		# mxdiag never sends content; DATA and BDAT are refused and logged
		smtpd_data_restrictions = reject
		smtpd_discard_ehlo_keywords = chunking
		# explain's size proof compares with it (EHLO SIZE 10240000, Postfix's default)
		message_size_limit = 10240000
		smtpd_client_connection_rate_limit = 0
		anvil_rate_time_unit = 60s
		smtpd_peername_lookup = yes
		disable_dns_lookups = no
		biff = no
		append_dot_mydomain = no
		alias_maps =
		local_recipient_maps =
	EOF
	cat >"$P/conf/master.cf" <<-EOF
		192.0.2.71:25 inet n - n - - smtpd
		  -o syslog_name=postfix/pfmx
		  -o myhostname=mx.pfmx.test
		203.0.113.60:587 inet n - n - - smtpd
		  -o syslog_name=postfix/submission
		  -o myhostname=smtp.pfsub.test
		  -o smtpd_tls_cert_file=$W/tls/smtp.pfsub.test.pem
		  -o smtpd_tls_security_level=encrypt
		  -o smtpd_tls_auth_only=yes
		  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
		  -o smtpd_sasl_auth_enable=yes
		  -o smtpd_sasl_path=smtpd
		  -o smtpd_sasl_security_options=noanonymous
		  -o smtpd_sender_restrictions=reject_sender_login_mismatch
		  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
		203.0.113.60:465 inet n - n - - smtpd
		  -o syslog_name=postfix/submissions
		  -o myhostname=smtp.pfsub.test
		  -o smtpd_tls_cert_file=$W/tls/smtp.pfsub.test.pem
		  -o smtpd_tls_wrappermode=yes
		  -o smtpd_sasl_auth_enable=yes
		  -o smtpd_sasl_path=smtpd
		  -o smtpd_sasl_security_options=noanonymous
		  -o smtpd_sender_restrictions=reject_sender_login_mismatch
		  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
		192.0.2.72:25 inet n - n - - smtpd
		  -o syslog_name=postfix/pfopen
		  -o myhostname=mail.pfopen.test
		  -o smtpd_tls_security_level=none
		  -o mynetworks=0.0.0.0/0
		  -o smtpd_sender_restrictions=
		192.0.2.76:25 inet n - n - - smtpd
		  -o syslog_name=postfix/pfrbl
		  -o myhostname=mx.pfrbl.test
		  -o smtpd_tls_security_level=none
		  -o smtpd_client_restrictions=reject_rbl_client,rbl.test
		192.0.2.81:25 inet n - n - - smtpd
		  -o syslog_name=postfix/pfptr
		  -o myhostname=mx.pfptr.test
		  -o smtpd_tls_security_level=none
		  -o smtpd_client_restrictions=reject_unknown_reverse_client_hostname
	EOF
	postfix_services >>"$P/conf/master.cf"
	# Postfix waits (0.3 s at a time) while a table or main.cf is younger than 2 s
	touch -d '1 minute ago' "$P/conf/"* || return 1
	# the queue's parents: the work directory is 0700
	chmod 711 "$W" "$W/mta" || return 1
	/usr/lib/postfix/sbin/master -c "$P/conf" -d >"$W/log/postfix.out" 2>&1 &
	MTA_PID[postfix]=$!
}

# Exim as the MX of eximmx.test: users alice, bob, postmaster; full@ over quota (552 5.2.2
# at RCPT); relaying refused; DATA refused in the predata ACL (and logged).
setup_exim() {
	local W=$1 E=$1/mta/exim
	mkdir -p "$E/spool" "$E/log" || return 1
	chown -R Debian-exim: "$E/spool" "$E/log" || return 1
	cat >"$E/exim.conf" <<-EOF
		exim_path = $MTA_CACHE/exim/usr/sbin/exim4
		primary_hostname = mx.eximmx.test
		local_interfaces = 192.0.2.73
		daemon_smtp_ports = 25
		spool_directory = $E/spool
		log_file_path = $E/log/%slog
		pid_file_path = $E/exim.pid
		log_selector = +smtp_connection +incoming_interface +tls_peerdn
		domainlist local_domains = eximmx.test
		tls_advertise_hosts = *
		tls_certificate = $W/tls/mx.eximmx.test.pem
		tls_privatekey = $W/tls/server.key
		host_lookup = *
		rfc1413_hosts =
		never_users = root
		keep_environment =
		acl_smtp_rcpt = acl_check_rcpt
		acl_smtp_predata = acl_check_predata
		begin acl
		acl_check_rcpt:
		  require message = relay not permitted
		          domains = +local_domains
		  # an over-quota mailbox refused at RCPT, as quota-aware servers do
		  deny    message = 552 5.2.2 <\$local_part@\$domain>: mailbox is full
		          local_parts = full
		  require verify = recipient
		  accept
		acl_check_predata:
		  deny message = lab Exim refuses DATA: mxdiag must never send message content
		begin routers
		lab_users:
		  driver = accept
		  domains = +local_domains
		  local_parts = alice : bob : postmaster
		  transport = lab_null
		begin transports
		lab_null:
		  driver = appendfile
		  file = /dev/null
	EOF
	chmod 644 "$E/exim.conf"
	"$MTA_CACHE/exim/usr/sbin/exim4" -C "$E/exim.conf" -bdf >>"$W/log/exim.out" 2>&1 &
	MTA_PID[exim]=$!
}

# OpenSMTPD as the MX of smtpdmx.test (no STARTTLS) and of smtpdtls.test (STARTTLS
# offered, and every handshake fails: Debian 12's OpenSMTPD 6.8 with OpenSSL 3,
# OpenSMTPD issue 1171 — a real server's real failure). Its paths are compiled in: the spool
# /var/spool/smtpd, the control socket /var/run/smtpd.sock and the chroot
# /var/lib/opensmtpd/empty get tmpfs mounts of their own (a nested mount namespace, so
# nothing is written on the host; /var/lib is hidden from smtpd only, which reads
# nothing else there).
setup_opensmtpd() {
	local W=$1 O=$1/mta/opensmtpd
	mkdir -p "$O" || return 1
	cat >"$O/smtpd.conf" <<-EOF
		pki mx.smtpdtls.test cert "$W/tls/mx.smtpdtls.test.pem"
		pki mx.smtpdtls.test key "$O/server.key"
		table rcpts { "alice@smtpdmx.test", "bob@smtpdmx.test", "postmaster@smtpdmx.test", "alice@smtpdtls.test", "postmaster@smtpdtls.test" }
		table users { "alice@smtpdmx.test" = "nobody", "bob@smtpdmx.test" = "nobody", "postmaster@smtpdmx.test" = "nobody", "alice@smtpdtls.test" = "nobody", "postmaster@smtpdtls.test" = "nobody" }
		table anyaddr { 0.0.0.0/0 }
		filter "nodata" phase data match src <anyaddr> reject "554 5.7.1 lab OpenSMTPD refuses DATA: mxdiag must never send message content"
		listen on 192.0.2.74 port 25 hostname mx.smtpdmx.test filter "nodata"
		listen on 192.0.2.75 port 25 tls pki mx.smtpdtls.test hostname mx.smtpdtls.test filter "nodata"
		# a recipient not in rcpts: "550 Invalid recipient" (without rcpt-to, an
		# address missing from the virtual table is "524 5.2.4 Mailing list expansion
		# problem")
		action "lab" mbox virtual <users>
		match from any for domain { "smtpdmx.test", "smtpdtls.test" } rcpt-to <rcpts> action "lab"
	EOF
	# smtpd refuses a key readable by others (the lab's server.key is 0644)
	(umask 077 && cp "$W/tls/server.key" "$O/server.key") || return 1
	chmod 644 "$O/smtpd.conf"
	unshare --mount --propagation private sh -c '
		mount -t tmpfs lab-run /run && mount -t tmpfs lab-spool /var/spool || exit 1
		if [ ! -d /var/lib/opensmtpd/empty ]; then # its chroot, empty and root-owned
			mount -t tmpfs -o mode=755 lab-lib /var/lib &&
				mkdir -p /var/lib/opensmtpd/empty || exit 1
		fi
		if [ -L /etc/resolv.conf ]; then # its target may have been under /run
			t=$(readlink -m /etc/resolv.conf)
			[ -e "$t" ] || { mkdir -p "${t%/*}" && cp "$1/etc/resolv.conf" "$t"; }
		fi
		exec "$2" -d -f "$3"' sh "$W" "$MTA_CACHE/opensmtpd/usr/sbin/smtpd" "$O/smtpd.conf" \
		>>"$W/mta/opensmtpd.log" 2>&1 &
	MTA_PID[opensmtpd]=$!
}

# Start every server that can run here, in the background (once the lab CA
# has written the certificates).
mta_start() {
	local W=$1 m why
	LAB_WORK_DIR=$W
	mkdir -p "$W/mta"
	MTA_STARTED=""
	declare -gA MTA_PID=()
	for m in postfix exim opensmtpd; do
		why=$(mta_why_not $m)
		if [ -n "$why" ]; then
			mta_state $m "SKIP: $why"
			continue
		fi
		if [ -z "$MTA_STARTED" ]; then
			wait_for "lab certificates" "$W/log/personas.log" test -e "$W/tls/tls.ready" || return 0
			mark "lab certificates written"
		fi
		if "setup_$m" "$W" >>"$W/log/$m.out" 2>&1; then
			MTA_STARTED+=" $m"
			mark "$m set up and started"
		else
			mta_state $m "FAILED: setup failed (LAB_KEEP=1, log/$m.out)"
		fi
	done
}

# ADDR:PORT takes connections, or the server's process PID is gone (no use waiting)
mta_listening() {
	port_open "${2%:*}" "${2##*:}" 2>/dev/null || ! kill -0 "$1" 2>/dev/null
}

# Wait until each started server listens on all its ports; a server that does
# not is FAILED (its tests fail), the lab itself goes on.
mta_wait() {
	local W=$1 m ap ok
	local -A ports=([postfix]="192.0.2.71:25 203.0.113.60:587 203.0.113.60:465 192.0.2.72:25
		192.0.2.76:25 192.0.2.81:25"
		[exim]="192.0.2.73:25" [opensmtpd]="192.0.2.74:25 192.0.2.75:25")
	local -A logs=([postfix]=mta/postfix.log [exim]=log/exim.out [opensmtpd]=mta/opensmtpd.log)
	for m in $MTA_STARTED; do
		ok=1
		for ap in ${ports[$m]}; do
			wait_for "$m ($ap)" "$W/${logs[$m]}" mta_listening "${MTA_PID[$m]}" "$ap" &&
				port_open "${ap%:*}" "${ap##*:}" 2>/dev/null || { ok=0; break; }
			mark "$m $ap"
		done
		if [ $ok = 1 ]; then mta_state $m up; else mta_state $m "FAILED: not listening on $ap (LAB_KEEP=1: ${logs[$m]})"; fi
	done
}
