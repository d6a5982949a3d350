#!/bin/sh
# Install what mxdiag needs to build, test and run its lab on Debian 12.
# Usage: scripts/install-deps.sh [build|lab|bench|all]   (default: all but bench)
# Runs apt-get through sudo when not root; does nothing when all is present.
set -eu

BUILD_PKGS="build-essential autoconf automake autopoint gettext pkg-config
libldns-dev libc-ares-dev libssl-dev libjansson-dev libcmocka-dev ca-certificates"
LAB_PKGS="nsd unbound ldnsutils bind9-dnsutils python3 python3-aiosmtpd nftables
iproute2 openssl util-linux procps python3-cryptography"
BENCH_PKGS="python3-spf spfquery libmail-spf-perl libsisimai-perl hyperfine"

what=${1:-default}
case "$what" in
	build) pkgs=$BUILD_PKGS ;;
	lab) pkgs=$LAB_PKGS ;;
	bench) pkgs="$BUILD_PKGS $LAB_PKGS $BENCH_PKGS" ;;
	default|all) pkgs="$BUILD_PKGS $LAB_PKGS" ;;
	*) echo "usage: $0 [build|lab|bench|all]" >&2; exit 64 ;;
esac

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "install-deps: installing:$missing" >&2
# Keep the system nsd/unbound from starting: the lab runs its own instances.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod +x /usr/sbin/policy-rc.d
	trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
