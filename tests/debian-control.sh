#!/bin/sh
# debian/control builds with what scripts/install-deps.sh installs for a build: every
# package of BUILD_PKGS is a Build-Depends (build-essential is implied, ca-certificates
# is for running against real servers only), and nothing else is.
set -u
top=${srcdir:-.}
want=$(sed -n '/^BUILD_PKGS="/,/"$/p' "$top/scripts/install-deps.sh" | tr -d '"' |
	sed 's/^BUILD_PKGS=//' | tr ' ' '\n' | grep -v -e '^$' -e '^build-essential$' \
	-e '^ca-certificates$' | sort)
have=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' "$top/debian/control" | sed 's/^Build-Depends://' |
	grep -v '^[A-Z]' | tr ',' '\n' | sed 's/[(<].*//; s/^[[:space:]]*//; s/[[:space:]]*$//' |
	grep -v -e '^$' -e '^debhelper-compat$' | sort)
fail=0
for p in $want; do
	echo "$have" | grep -qx "$p" || { echo "not a Build-Depends in debian/control: $p"; fail=1; }
done
for p in $have; do
	echo "$want" | grep -qx "$p" || { echo "Build-Depends not in install-deps.sh: $p"; fail=1; }
done
n=$(echo "$want" | wc -l)
[ $fail -eq 0 ] && echo "ok: debian/control's Build-Depends are install-deps.sh's $n build packages"
exit $fail
