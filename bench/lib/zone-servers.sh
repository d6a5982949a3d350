# Sourced by the benchmarks inside the lab (bench/spf, bench/bulk): serve a generated zone
# from its own NSD on 127.0.0.1:5399 behind an unbound on 127.0.0.1:53 (a stub zone for it,
# everything else forwarded to the lab resolver), and point the lab's private
# /etc/resolv.conf at that unbound.
#
# bench_serve_zone DIR ZONE PROBE_NAME PROBE_TYPE: DIR holds ZONE.zone; returns once
# PROBE_NAME/PROBE_TYPE is answered (0), or 125 after printing the servers' logs.
bench_serve_zone() {
	local W=$1 zone=$2 probe=$3 ptype=$4 ready=0
	cat >"$W/nsd.conf" <<EOC
server:
    ip-address: 127.0.0.1@5399
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "$W"
    database: ""
    zonelistfile: "$W/nsd.zonelist"
    xfrdfile: "$W/nsd.xfrdstate"
    xfrdir: "$W"
    pidfile: "$W/nsd.pid"
    logfile: "$W/nsd.log"
    verbosity: 1
remote-control:
    control-enable: no
zone:
    name: "$zone"
    zonefile: "$W/$zone.zone"
EOC
	cat >"$W/unbound.conf" <<EOC
server:
    interface: 127.0.0.1
    port: 53
    username: ""
    chroot: ""
    directory: "$W"
    pidfile: "$W/unbound.pid"
    use-syslog: no
    logfile: "$W/unbound.log"
    verbosity: 0
    num-threads: 1
    do-daemonize: no
    do-not-query-localhost: no
    module-config: "iterator"
    local-zone: "test." nodefault
    msg-cache-size: 64m
    rrset-cache-size: 128m
    cache-min-ttl: 3600
    access-control: 127.0.0.0/8 allow
stub-zone:
    name: "$zone"
    stub-addr: 127.0.0.1@5399
forward-zone:
    name: "."
    forward-addr: $LAB_RESOLVER
remote-control:
    control-enable: no
EOC
	nsd -d -c "$W/nsd.conf" >"$W/nsd.out" 2>&1 &
	unbound -d -c "$W/unbound.conf" >"$W/unbound.out" 2>&1 &
	for _ in $(seq 1 200); do
		if [ -n "$(dig +short +time=1 +tries=1 @127.0.0.1 "$probe" "$ptype" 2>/dev/null)" ]; then
			ready=1
			break
		fi
		sleep 0.05
	done
	if [ $ready = 0 ]; then
		echo "bench: NSD/unbound for $zone did not come up" >&2
		tail -5 "$W"/nsd.log "$W"/nsd.out "$W"/unbound.log "$W"/unbound.out >&2
		return 125
	fi
	# every tool reads /etc/resolv.conf (the lab's private copy): point it at the unbound
	printf 'nameserver 127.0.0.1\noptions timeout:2 attempts:1\n' >/etc/resolv.conf
}
