#!/bin/sh
# Install what mxdiag needs to build, test and run its lab on Debian 12.
# Usage: scripts/install-deps.sh [build|lab|bench|deb|all]   (default: all but bench, deb)
# Runs apt-get through sudo when not root; does nothing when all is present.
set -eu

BUILD_PKGS="build-essential autoconf automake autopoint gettext pkg-config
libldns-dev libc-ares-dev libssl-dev libjansson-dev libpsl-dev libidn2-dev libcmocka-dev
libcurl4-openssl-dev libmimalloc-dev
ca-certificates bash-completion"
LAB_PKGS="nsd unbound ldnsutils bind9-dnsutils python3 python3-aiosmtpd nftables
iproute2 openssl util-linux procps python3-cryptography python3-jsonschema
postfix sasl2-bin libsasl2-modules libgnutls-dane0 libidn12 libnsl2 libpcre2-8-0 libdb5.3
libevent-2.1-7 parallel yamllint"
# The lab's other real mail servers conflict with Postfix as the system MTA: their
# packages are unpacked (dpkg -x) into MTA_CACHE and run from there (tests/lab/mta.sh).
MTA_DEBS="exim4-daemon-light opensmtpd"
MTA_CACHE=${LAB_MTA_CACHE:-/var/cache/mxdiag-lab/mta}
# The Debian package's build and check (scripts/build-deb.sh; debian/control's
# Build-Depends are BUILD_PKGS).
DEB_PKGS="debhelper dpkg-dev fakeroot lintian"
BENCH_PKGS="python3-spf spfquery libmail-spf-perl libsisimai-perl hyperfine dnsperf time"

what=${1:-default}
case "$what" in
	build) pkgs=$BUILD_PKGS ;;
	lab) pkgs=$LAB_PKGS ;;
	bench) pkgs="$BUILD_PKGS $LAB_PKGS $BENCH_PKGS" ;;
	deb) pkgs="$BUILD_PKGS $DEB_PKGS" ;;
	default|all) pkgs="$BUILD_PKGS $LAB_PKGS" ;;
	*) echo "usage: $0 [build|lab|bench|deb|all]" >&2; exit 64 ;;
esac

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
# unpack_mtas: Exim and OpenSMTPD into $MTA_CACHE/{exim,opensmtpd} (never installed)
unpack_mtas() {
	case "$what" in build|deb) return 0 ;; esac
	[ -x "$MTA_CACHE/exim/usr/sbin/exim4" ] && [ -x "$MTA_CACHE/opensmtpd/usr/sbin/smtpd" ] &&
		return 0
	$SUDO mkdir -p "$MTA_CACHE/debs"
	(cd "$MTA_CACHE/debs" && { $SUDO apt-get download -qq $MTA_DEBS 2>/dev/null ||
		{ $SUDO apt-get update -qq && $SUDO apt-get download -qq $MTA_DEBS; }; }) || return 1
	$SUDO rm -rf "$MTA_CACHE/exim" "$MTA_CACHE/opensmtpd"
	$SUDO dpkg-deb -x "$MTA_CACHE"/debs/exim4-daemon-light_*.deb "$MTA_CACHE/exim" &&
		$SUDO dpkg-deb -x "$MTA_CACHE"/debs/opensmtpd_*.deb "$MTA_CACHE/opensmtpd"
}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
if [ -z "$missing" ]; then
	unpack_mtas
	exit
fi

echo "install-deps: installing:$missing" >&2
# Keep the system nsd/unbound from starting: the lab runs its own instances.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod +x /usr/sbin/policy-rc.d
	trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
# Postfix becomes the system MTA but stays unconfigured (no main.cf), so it never
# starts on the host; the lab runs its own instance with its own config_directory.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
unpack_mtas
