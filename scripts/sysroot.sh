#!/bin/sh
# Fetch a target's libraries into a sysroot: apt-get download + dpkg -x.
# Usage: scripts/sysroot.sh DEBARCH DIR
# DIR/usr/include and DIR/usr/lib/<triplet> then hold the -dev packages'
# headers and static libraries; DIR/lib the target's dynamic loader and
# libc, so qemu-user can run the (cmocka-linked) unit tests with -L DIR.
set -eu
arch=$1
dir=$2
PKGS="libsctp-dev libsctp1 libinih-dev libinih1 libcmocka-dev libcmocka0 libc6 libmbedtls-dev libc-ares-dev"

stamp="$dir/.stamp"
want="$arch $PKGS"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	exit 0
fi
if ! dpkg --print-foreign-architectures | grep -qx "$arch" &&
	[ "$(dpkg --print-architecture)" != "$arch" ]; then
	echo "sysroot: dpkg architecture $arch missing: run scripts/deps.sh" >&2
	exit 1
fi
rm -rf "$dir"
mkdir -p "$dir/debs"
echo "sysroot: fetching $arch:$(echo $PKGS | sed 's/ /,/g') into $dir"
list=""
for p in $PKGS; do list="$list $p:$arch"; done
(cd "$dir/debs" && apt-get download -q $list >/dev/null)
# Which source package and version each came from: the Built-Using field
# of the .debs of statically linked binaries (scripts/deb/build.sh).
: >"$dir/.versions"
for deb in "$dir"/debs/*.deb; do
	dpkg -x "$deb" "$dir"
	dpkg-deb -f "$deb" Package Source Version | awk '
		/^Package:/ { p = $2 } /^Source:/ { s = $2; if ($3 != "") sv = $3 }
		/^Version:/ { v = $2 }
		END { if (s == "") s = p; if (sv != "") { gsub(/[()]/, "", sv); v = sv }
		      print p, s, v }' >>"$dir/.versions"
done
rm -rf "$dir/debs"
echo "$want" >"$stamp"
