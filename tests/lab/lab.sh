#!/bin/bash
# mxdiag hermetic test lab: real DNS and SMTP servers in a private network
# namespace, with documentation-range addresses on lo and no route anywhere.
#
# Usage:
#   tests/lab/lab.sh run CMD [ARG...]  start the lab, run CMD inside it with the
#                                      lab environment, tear down, exit with
#                                      CMD's status
#   tests/lab/lab.sh shell             interactive shell inside the lab
#   tests/lab/lab.sh verify            start the lab, self-check every zone case
#                                      and persona, print "N passed, N failed"
#
# Exit status: CMD's status (run), 0/1 (verify); 77 = skip (a required program
# is missing, or this host does not allow the namespace); 125 = the lab itself
# failed to start (message on stderr).
#
# Environment (outside):
#   LAB_DELAY_MS=20      one-way delay of the slow name server LAB_SLOW_NS
#   LAB_KEEP=1           keep the work directory (logs, spool, configs)
#   LAB_USERNS=0|1       (root only) 0: no user namespace (the default for
#                        root: the real mail servers need their own uids);
#                        1: a user namespace, without the real mail servers
#   LAB_READY_TIMEOUT=5  seconds to wait for each daemon before giving up
#   LAB_QUIET=1          no start-up line on stderr (run mode)
#
# Inside (also in $LAB_WORK/lab.env): LAB_RESOLVER LAB_AUTH_NS LAB_DEAD_NS
# LAB_SLOW_NS LAB_DELAY_MS LAB_CA LAB_SPOOL LAB_CLIENT_IP LAB_CLIENT_IP6
# LAB_WORK LAB_DIR, MXD_DNSBL (the lab's blocklists, tests/lab/dnsbl.json),
# MXD_PORT25_TARGETS (port 25's default targets: lab servers), and
# lab-op25b on PATH. See tests/lab/README.md.
set -u
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3 # Debian's python: pyenv/venv pythons cannot see python3-aiosmtpd
export PATH="$PATH:/usr/sbin:/sbin"

LAB_AUTH_NS=192.0.2.53
LAB_RESOLVER=192.0.2.54
LAB_DEAD_NS=192.0.2.59
LAB_SLOW_NS=192.0.2.153
LAB_CLIENT_IP=198.51.100.7
LAB_CLIENT_IP6=2001:db8::7
LAB_DELAY_MS=${LAB_DELAY_MS:-20}
LAB_HOSTNAME=client.lab.test
. "$LAB_DIR/mta.sh" # the real mail servers (MTA_V4, MTA_CERTS, setup_*)
. "$LAB_DIR/bouncers.sh" # their sending side, which writes real DSNs (bouncers_start)
# every address on lo; the personas' addresses come from personas.py
V4_ADDRS="$LAB_CLIENT_IP $LAB_AUTH_NS $LAB_RESOLVER $LAB_DEAD_NS $LAB_SLOW_NS
192.0.2.25 192.0.2.26 192.0.2.27 192.0.2.28 192.0.2.30 192.0.2.31 192.0.2.32
192.0.2.33 192.0.2.34 192.0.2.35 192.0.2.36 192.0.2.37 192.0.2.38 192.0.2.80 192.0.2.97 192.0.2.98
192.0.2.99 203.0.113.10 203.0.113.12 203.0.113.13 203.0.113.25 198.51.100.25
192.0.2.40 192.0.2.41 192.0.2.42 192.0.2.43 192.0.2.44 192.0.2.45 192.0.2.46 192.0.2.60 192.0.2.61
$MTA_V4"
V6_ADDRS="$LAB_CLIENT_IP6 2001:db8::25 2001:db8::35 2001:db8::53 2001:db8::54
2001:db8::80 2001:db8::100:25"

now_ms() { NOW=$((${EPOCHREALTIME/./} / 1000)); }   # sets NOW, no fork
mark() { # LAB_TRACE=1: time line per start-up phase
	[ "${LAB_TRACE:-0}" = 1 ] || return 0
	now_ms
	echo "lab: +$((NOW - T0)) ms $*" >&2
}
die() { echo "lab.sh: $*" >&2; exit 125; }

# ------------------------------------------------------------------ outer side
check_deps() {
	local c missing=()
	local -A pkg=([nsd]=nsd [unbound]=unbound [dig]=bind9-dnsutils
		[ldns-keygen]=ldnsutils [ldns-signzone]=ldnsutils [nft]=nftables
		[ip]=iproute2 [unshare]=util-linux [mount]=mount)
	for c in unshare nsd unbound dig ldns-keygen ldns-signzone nft ip mount; do
		command -v "$c" >/dev/null || missing+=("$c (${pkg[$c]})")
	done
	if [ ! -x "$PY" ]; then
		missing+=("$PY (python3)")
	else # Debian's python modules (a file test: starting python costs 0.1 s)
		local m
		for m in aiosmtpd cryptography; do
			[ -e "/usr/lib/python3/dist-packages/$m/__init__.py" ] ||
				"$PY" -Es -c "import $m" 2>/dev/null ||
				missing+=("python module $m (python3-$m)")
		done
	fi
	if [ ${#missing[@]} -gt 0 ]; then
		local list
		printf -v list '%s, ' "${missing[@]}"
		echo "lab.sh: SKIP: missing ${list%, }; install with scripts/install-deps.sh lab" >&2
		exit 77
	fi
}

outer() {
	local mode=${1:-}
	case "$mode" in
	run) shift; [ $# -gt 0 ] || { echo "usage: lab.sh run CMD [ARG...]" >&2; exit 64; } ;;
	shell | verify) shift ;;
	*) echo "usage: lab.sh run CMD [ARG...] | shell | verify" >&2; exit 64 ;;
	esac
	check_deps
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/mxdiag-lab.XXXXXX") || die "cannot create a work directory"
	local upid="" rc err
	cleanup() {
		[ -n "$upid" ] && kill -KILL "$upid" 2>/dev/null && wait "$upid" 2>/dev/null
		upid=""
		if [ "${LAB_KEEP:-0}" = 1 ]; then echo "lab.sh: kept $WORK" >&2; else rm -rf "$WORK"; fi
	}
	# On INT/TERM/HUP: SIGKILL our unshare; --kill-child then kills the
	# namespace's init and with it every process of the private PID namespace.
	trap 'cleanup; exit 130' INT
	trap 'cleanup; exit 143' TERM
	trap 'cleanup; exit 129' HUP
	# In a shell, ^C belongs to the shell inside: only a no-op handler here
	# (an ignored signal would be inherited by everything inside).
	[ "$mode" = shell ] && trap : INT QUIT
	local base=(--net --mount --uts --pid --fork --kill-child --mount-proc) try
	local tries=("--map-root-user")
	if [ "$(id -u)" -eq 0 ]; then
		# root: plain namespaces, so that the real mail servers (mta.sh) can
		# switch to their own uids; a user namespace only if asked to
		if [ "${LAB_USERNS:-0}" = 1 ]; then tries+=(""); else tries=(""); fi
	fi
	for try in "${tries[@]}"; do
		# In the background, so that our traps run at once. A background job
		# would start with SIGINT/SIGQUIT ignored and everything inside would
		# inherit that: env restores them. unshare's own errors go to
		# unshare.err; the inner side puts fd 2 back.
		env --default-signal=INT,QUIT unshare "${base[@]}" $try \
			bash "$LAB_DIR/lab.sh" __inner "$WORK" "$mode" "$@" \
			0<&0 3>&2 2>"$WORK/unshare.err" &
		upid=$!
		while :; do
			wait "$upid"
			rc=$?
			kill -0 "$upid" 2>/dev/null || break # else a no-op trap interrupted wait
		done
		upid=""
		[ -e "$WORK/started" ] && break
	done
	if [ ! -e "$WORK/started" ]; then
		err=$(tr '\n' ' ' <"$WORK/unshare.err" 2>/dev/null)
		cleanup
		echo "lab.sh: SKIP: cannot create the lab namespace (unshare ${base[*]} --map-root-user: ${err:-failed}); user namespaces are not permitted here" >&2
		exit 77
	fi
	cleanup
	exit $rc
}

# ------------------------------------------------------------------ inner side
# We are PID 1 of a private PID namespace: when this script exits, the kernel
# kills every daemon started below, so teardown needs no bookkeeping.

# sleep without forking /usr/bin/sleep: read with a timeout on a silent pipe
# (SLEEP_FD is opened in inner)
nap() { read -r -t "$1" -u "$SLEEP_FD" _ || true; }

port_open() { # port_open HOST PORT : TCP connect test, no fork
	local fd
	exec {fd}<>"/dev/tcp/$1/$2" || return 1
	exec {fd}>&-
}

wait_for() { # wait_for WHAT LOG CMD... : poll CMD for up to LAB_READY_TIMEOUT s
	local what=$1 logf=$2 deadline
	shift 2
	now_ms
	deadline=$((NOW + ${LAB_READY_TIMEOUT:-5} * 1000))
	until "$@" >/dev/null 2>&1; do
		now_ms
		if [ "$NOW" -ge $deadline ]; then
			echo "lab.sh: $what not ready after ${LAB_READY_TIMEOUT:-5} s; giving up (LAB_KEEP=1 keeps the logs). Last lines of ${logf#"$LAB_WORK_DIR"/}:" >&2
			tail -n 15 "$logf" 2>/dev/null | sed 's/^/  | /' >&2
			return 1
		fi
		nap 0.005
	done
}

setup_net() {
	local a n polls=0
	{
		echo "link set lo up"
		# IPv6 first: the kernel inserts their local routes asynchronously
		for a in $V6_ADDRS; do echo "addr add $a/128 dev lo nodad"; done
		for a in $V4_ADDRS; do echo "addr add $a/32 dev lo"; done
		# Connections between lab addresses would come from the destination
		# address itself; make them come from the customer's address instead,
		# so servers see 198.51.100.7 (PTR 198-51-100-7.dyn.isp.test).
		for a in $V4_ADDRS; do
			[ "$a" = "$LAB_CLIENT_IP" ] && continue
			echo "route change table local local $a dev lo proto kernel scope host src $LAB_CLIENT_IP"
		done
	} | ip -batch - || return 1
	# DNS black hole for resolver-timeout tests: drop in the INPUT hook (a drop
	# in OUTPUT would give the sender EPERM at once instead of a timeout).
	nft -f - <<-EOF || return 1
		table inet lab {
			chain in {
				type filter hook input priority 0; policy accept;
				ip daddr $LAB_DEAD_NS drop
			}
		}
	EOF
	echo "$LAB_HOSTNAME" >/proc/sys/kernel/hostname 2>/dev/null || hostname "$LAB_HOSTNAME" || true
	# IPv6: "route change" cannot match the kernel's local route (metric 0),
	# so delete it and add one with the client source address, once the
	# kernel has inserted all of them.
	set -- $V6_ADDRS
	while n=$(ip -6 -o route show table local type local dev lo | grep -c 'proto kernel') &&
		[ "$n" -lt $(($# + 1)) ]; do # +1: ::1
		polls=$((polls + 1))
		[ $polls -gt 100 ] && { echo "IPv6 local routes missing" >&2; return 1; }
		nap 0.002
	done
	for a in $V6_ADDRS; do
		[ "$a" = "$LAB_CLIENT_IP6" ] && continue
		echo "route del table local local $a dev lo proto kernel"
		echo "route add table local local $a dev lo proto static src $LAB_CLIENT_IP6"
	done | ip -batch - || return 1
}

setup_etc() {
	local W=$1 f line
	printf 'nameserver %s\noptions timeout:2 attempts:1\n' "$LAB_RESOLVER" >"$W/etc/resolv.conf"
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s\n' \
		"$LAB_CLIENT_IP" "$LAB_HOSTNAME" >"$W/etc/hosts"
	# host lookups: files then DNS only (no mdns, myhostname, resolved ...)
	{
		if [ -r /etc/nsswitch.conf ]; then
			while IFS= read -r line; do
				[[ $line == hosts:* ]] && line="hosts:          files dns"
				printf '%s\n' "$line"
			done </etc/nsswitch.conf
		else
			printf 'passwd: files\ngroup: files\nhosts: files dns\n'
		fi
	} >"$W/etc/nsswitch.conf"
	for f in resolv.conf hosts nsswitch.conf; do
		if [ -L "/etc/$f" ] && [ ! -e "/etc/$f" ]; then
			# dangling symlink (e.g. to a stopped systemd-resolved's stub
			# file): cover its directory with a tmpfs (private mount
			# namespace) and put our file where the link points
			local target dir
			target=$(readlink -m "/etc/$f")
			dir=${target%/*}
			while [ -n "$dir" ] && [ ! -d "$dir" ]; do dir=${dir%/*}; done
			{ mount -t tmpfs lab-etc "${dir:-/}" && mkdir -p "${target%/*}" &&
				cp "$W/etc/$f" "$target"; } ||
				{ echo "lab.sh: cannot provide /etc/$f (dangling link to $target)" >&2; return 1; }
			continue
		fi
		[ -e "/etc/$f" ] || continue
		mount --bind "$W/etc/$f" "/etc/$f" || { echo "lab.sh: cannot bind-mount /etc/$f" >&2; return 1; }
	done
}

# DNSSEC: dnssec.test and dane.test signed now (valid), expired.test with
# 2019..2020 validity. Writes keys/<zone>.anchor-name (the KSK's DS file, unbound's
# trust anchor).
setup_dnssec() {
	local W=$1 z
	cd "$W/keys" || return 1
	for z in dnssec.test expired.test dane.test; do
		(
			ksk=$(ldns-keygen -a ECDSAP256SHA256 -k $z) && zsk=$(ldns-keygen -a ECDSAP256SHA256 $z) || exit 1
			if [ $z != expired.test ]; then
				ldns-signzone -n -o $z -f ../zones/$z.zone.signed "$LAB_DIR/zones/$z.zone" "$ksk" "$zsk"
			else
				ldns-signzone -i 20190101000000 -e 20200101000000 -o $z \
					-f ../zones/$z.zone.signed "$LAB_DIR/zones/$z.zone" "$ksk" "$zsk"
			fi || exit 1
			echo "$W/keys/$ksk.ds" >$z.anchor-name
		) &
	done
	wait
	[ -s dnssec.test.anchor-name ] && [ -s expired.test.anchor-name ] &&
		[ -s dane.test.anchor-name ]
}

# DKIM keys (dkim.test and its Microsoft 365 tenant zone): fresh from openssl on every
# start, put where the zone templates say @RSA512@ ... as the strings of a TXT record.
DKIM_ZONES="dkim.test dkimtest.onmicrosoft.com"
setup_dkim() {
	local W=$1 k z b64 line s
	local -A val
	cd "$W/keys" || return 1
	for k in rsa512 rsa1024 rsa2048 ed25519; do
		case $k in
		rsa*) openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${k#rsa}" -out "dkim-$k.pem" &&
			openssl pkey -in "dkim-$k.pem" -pubout -outform DER -out "dkim-$k.der" ;;
		*) openssl genpkey -algorithm ED25519 -out "dkim-$k.pem" &&
			openssl pkey -in "dkim-$k.pem" -pubout -outform DER -out "dkim-$k.der" ;;
		esac &
	done
	wait
	for k in rsa512 rsa1024 rsa2048 ed25519 ed25519spki; do
		case $k in
		ed25519) b64=$(tail -c 32 dkim-ed25519.der | base64 -w0) ;; # the bare key
		ed25519spki) b64=$(base64 -w0 dkim-ed25519.der) ;;
		*) b64=$(base64 -w0 "dkim-$k.der") ;;
		esac
		[ -n "$b64" ] || return 1
		b64="p=$b64" s=""
		while [ -n "$b64" ]; do s+="\"${b64:0:250}\" "; b64=${b64:250}; done
		val[${k^^}]=$s
	done
	for z in $DKIM_ZONES; do
		while IFS= read -r line; do
			for k in "${!val[@]}"; do line=${line//@$k@/${val[$k]}}; done
			printf '%s\n' "$line"
		done <"$LAB_DIR/zones/$z.zone" >"../zones/$z.zone"
	done
}

# NSD and unbound configurations (no forks: this machine class forks slowly)
setup_dns() {
	local W=$1 f o zf line delegated=" "
	# fake root: delegate every zone that root.zone does not delegate itself
	while IFS= read -r line; do
		printf '%s\n' "$line"
		[[ $line =~ ^([^\;[:space:]]+)\.[[:space:]]+IN[[:space:]]+NS[[:space:]] ]] &&
			delegated+="${BASH_REMATCH[1]} "
	done <"$LAB_DIR/zones/root.zone" >"$W/zones/root.zone"
	for f in "$LAB_DIR"/zones/*.zone; do
		o=${f##*/}
		o=${o%.zone}
		[ "$o" = root ] || [[ $delegated == *" $o "* ]] ||
			printf '%-32s IN NS a.root.lab.test.\n' "$o." >>"$W/zones/root.zone"
	done
	cat >"$W/nsd.conf" <<-EOF
		server:
		    ip-address: $LAB_AUTH_NS
		    ip-address: 2001:db8::53
		    ip-address: $LAB_AUTH_NS@5300
		    port: 53
		    server-count: 1
		    username: ""
		    chroot: ""
		    zonesdir: "$W/zones"
		    database: ""
		    zonelistfile: "$W/nsd.zonelist"
		    xfrdfile: "$W/nsd.xfrdstate"
		    xfrdir: "$W"
		    pidfile: "$W/nsd.pid"
		    logfile: "$W/log/nsd.log"
		    verbosity: 1
		    hide-version: yes
		    refuse-any: no
		remote-control:
		    control-enable: no
	EOF
	for f in "$LAB_DIR"/zones/*.zone; do
		o=${f##*/}
		o=${o%.zone}
		case $o in
		dnssec.test | expired.test | dane.test) zf="$W/zones/$o.zone.signed" ;;
		root) o=. zf="$W/zones/root.zone" ;;
		*) zf=$f ;;
		esac
		[[ " $DKIM_ZONES " == *" $o "* ]] && zf="$W/zones/$o.zone"
		printf 'zone:\n    name: "%s"\n    zonefile: "%s"\n' "$o" "$zf" >>"$W/nsd.conf"
	done
	printf '%s\n' ".                 3600000 IN NS   a.root.lab.test." \
		"a.root.lab.test.  3600000 IN A    $LAB_AUTH_NS" \
		"a.root.lab.test.  3600000 IN AAAA 2001:db8::53" >"$W/root.hints"
	cat >"$W/unbound.conf" <<-EOF
		server:
		    interface: $LAB_RESOLVER
		    interface: 2001:db8::54
		    port: 53
		    username: ""
		    chroot: ""
		    directory: "$W"
		    pidfile: "$W/unbound.pid"
		    use-syslog: no
		    logfile: "$W/log/unbound.log"
		    verbosity: 1
		    val-log-level: 2
		    num-threads: 1
		    do-daemonize: no
		    so-reuseport: no
		    outgoing-range: 64
		    access-control: 0.0.0.0/0 allow
		    access-control: ::/0 allow
		    root-hints: "$W/root.hints"
		    module-config: "validator iterator"
		    # names unbound would otherwise answer itself (RFC 6761/6303)
		    local-zone: "test." nodefault
		    local-zone: "invalid." nodefault
		    local-zone: "local." nodefault
		    local-zone: "2.0.192.in-addr.arpa." nodefault
		    local-zone: "100.51.198.in-addr.arpa." nodefault
		    local-zone: "113.0.203.in-addr.arpa." nodefault
		    local-zone: "8.b.d.0.1.0.0.2.ip6.arpa." nodefault
		    # the REFUSED case
		    local-zone: "refused.test." refuse
		    cache-max-ttl: 300
		    cache-max-negative-ttl: 60
		    val-bogus-ttl: 5
		    include: "$W/unbound.anchors.conf"
		remote-control:
		    control-enable: no
	EOF
}

write_env() {
	local W=$1
	cat >"$W/lab.env" <<-EOF
		LAB_WORK=$W
		LAB_DIR=$LAB_DIR
		LAB_AUTH_NS=$LAB_AUTH_NS
		LAB_RESOLVER=$LAB_RESOLVER
		LAB_DEAD_NS=$LAB_DEAD_NS
		LAB_SLOW_NS=$LAB_SLOW_NS
		LAB_DELAY_MS=$LAB_DELAY_MS
		LAB_CA=$W/tls/ca.pem
		LAB_SPOOL=$W/spool
		LAB_CLIENT_IP=$LAB_CLIENT_IP
		LAB_CLIENT_IP6=$LAB_CLIENT_IP6
	EOF
}

start_lab() {
	local W=$1 dnssec_pid dkim_pid z a
	now_ms
	T0=$NOW
	LAB_WORK_DIR=$W
	mkdir -p "$W"/{zones,keys,tls,spool,log,etc}
	if ! setup_net >"$W/log/net.log" 2>&1; then
		# e.g. Ubuntu's AppArmor userns restriction: the namespace is created
		# but without the capabilities to configure it
		if grep -qi 'not permitted\|permission denied' "$W/log/net.log"; then
			echo "lab.sh: SKIP: no network privileges inside the user namespace ($(head -1 "$W/log/net.log")); user namespaces are restricted here" >&2
			exit 77
		fi
		cat "$W/log/net.log" >&2
		die "network setup failed"
	fi
	mark net
	# Python is the slowest to start: launch it first. One process runs every
	# SMTP persona, writes the lab CA and certificates (tls/), and runs the
	# DNS delay proxy (delayproxy.py) on LAB_SLOW_NS.
	"$PY" -EsB "$LAB_DIR/personas.py" --spool "$W/spool" --tls-dir "$W/tls" \
		--delay-proxy "$LAB_SLOW_NS,$LAB_AUTH_NS,$LAB_DELAY_MS" \
		--ready-file "$W/personas.ready" --extra-certs "${MTA_CERTS// /,}" \
		>"$W/log/personas.log" 2>&1 &
	# Hostile servers (hostile.test, 192.0.2.40-46): their own processes, in parallel.
	"$PY" -EsB "$LAB_DIR/hostile_dns.py" --spool "$W/spool" \
		--ready-file "$W/hostile-dns.ready" >"$W/log/hostile-dns.log" 2>&1 &
	"$PY" -EsB "$LAB_DIR/hostile_smtp.py" --spool "$W/spool" --tls-dir "$W/tls" \
		--ready-file "$W/hostile-smtp.ready" >"$W/log/hostile-smtp.log" 2>&1 &
	(setup_dnssec "$W") >"$W/log/dnssec.log" 2>&1 &
	dnssec_pid=$!
	(setup_dkim "$W") >"$W/log/dkim.log" 2>&1 &
	dkim_pid=$!
	setup_etc "$W" || die "cannot set up /etc files"
	mta_users "$W" || die "cannot set up the lab's /etc/passwd for the real mail servers"
	mark etc
	setup_dns "$W"
	write_env "$W"
	mark "etc, dns configs"
	wait $dnssec_pid || { cat "$W/log/dnssec.log" >&2; die "DNSSEC signing failed"; }
	for z in dnssec.test expired.test dane.test; do
		read -r a <"$W/keys/$z.anchor-name"
		echo "    trust-anchor-file: \"$a\""
	done >"$W/unbound.anchors.conf"
	mark "dnssec signed"
	wait $dkim_pid || { cat "$W/log/dkim.log" >&2; die "DKIM key generation failed"; }
	mark "dkim keys"
	nsd -d -c "$W/nsd.conf" >"$W/log/nsd.out" 2>&1 &
	unbound -d -c "$W/unbound.conf" >"$W/log/unbound.out" 2>&1 &
	wait_for "nsd ($LAB_AUTH_NS:53)" "$W/log/nsd.log" port_open "$LAB_AUTH_NS" 53 || die "lab start-up failed"
	wait_for "unbound ($LAB_RESOLVER:53)" "$W/log/unbound.log" port_open "$LAB_RESOLVER" 53 ||
		die "lab start-up failed"
	mark "nsd and unbound listening"
	mta_start "$W"
	mark "real mail servers started"
	(bouncers_start "$W") >>"$W/log/bouncers.out" 2>&1 & # off the start-up path
	# one real query through the whole chain: unbound -> fake root -> zone
	wait_for "DNS resolution through $LAB_RESOLVER" "$W/log/unbound.log" \
		dig +time=1 +tries=1 "@$LAB_RESOLVER" lab.test SOA || die "lab start-up failed"
	mark "dns answers"
	wait_for "SMTP personas and delay proxy" "$W/log/personas.log" test -s "$W/personas.ready" ||
		die "lab start-up failed"
	mark "personas, certificates and delay proxy"
	wait_for "hostile DNS server" "$W/log/hostile-dns.log" test -s "$W/hostile-dns.ready" &&
		wait_for "hostile SMTP servers" "$W/log/hostile-smtp.log" \
			test -s "$W/hostile-smtp.ready" || die "lab start-up failed"
	mark "hostile servers"
	mta_wait "$W"
	mark "real mail servers"
	now_ms
	LAB_UP_MS=$((NOW - T0))
}

inner() {
	local W=$1 mode=$2 rc line
	shift 2
	exec 2>&3 3>&- # stderr back to the caller's (unshare's went to unshare.err)
	: >"$W/started"
	exec {SLEEP_FD}<> <(:)
	start_lab "$W"
	if [ -s "$W/log/nsd.log" ]; then
		while IFS= read -r line; do
			[[ $line == *rror* ]] && echo "lab.sh: WARNING: nsd: $line" >&2
		done <"$W/log/nsd.log"
	fi
	# Blocklists: the lab's own (bl.test), never a real one, for everything run inside.
	export MXD_DNSBL=$LAB_DIR/dnsbl.json
	# Port 25's default targets (port25, and beside inbound and relay): three of the lab's
	# operators, never the real providers.
	export MXD_PORT25_TARGETS="example.test exch.test openrelay.test"
	export PATH="$LAB_DIR/bin:$PATH" LAB_WORK=$W LAB_DIR LAB_AUTH_NS LAB_RESOLVER LAB_DEAD_NS \
		LAB_SLOW_NS LAB_DELAY_MS LAB_CA=$W/tls/ca.pem LAB_SPOOL=$W/spool LAB_CLIENT_IP \
		LAB_CLIENT_IP6 LAB_UP_MS
	[ "${LAB_QUIET:-0}" = 1 ] || [ "$mode" = verify ] ||
		echo "lab: up in $LAB_UP_MS ms (resolver $LAB_RESOLVER, client $LAB_CLIENT_IP)" >&2
	case "$mode" in
	verify) "$LAB_DIR/verify.sh"; rc=$? ;;
	shell)
		echo "lab: inside the mxdiag lab; resolver $LAB_RESOLVER, world in $LAB_DIR/README.md; exit to tear down" >&2
		PS1='[mxdiag-lab] \w\$ ' bash --norc -i
		rc=$?
		;;
	run) "$@"; rc=$? ;;
	esac
	if [ -e "$W/spool/alerts.jsonl" ]; then
		echo "lab: WARNING: a persona received DATA/BDAT; see \$LAB_SPOOL/alerts.jsonl:" >&2
		while IFS= read -r line; do echo "  | $line" >&2; done <"$W/spool/alerts.jsonl"
	fi
	return $rc
}

if [ "${1:-}" = __inner ]; then
	shift
	inner "$@"
	exit $?
fi
outer "$@"
