#!/bin/bash
# Debian packages with dpkg-deb (no debhelper needed):
#   sctpagent_VERSION_ARCH.deb  for armhf and arm64 (build/rpi_ARCH): the
#     static agent, its unit, /etc/sctpagent/sctpagent.ini, the sctp
#     module and sysctls at boot, the state directory, man pages, docs;
#   sctpctl_VERSION_ARCH.deb    the reference controller for the
#     controller's machine (amd64: build/host), and the agent for it too
#     (sctpagent_VERSION_amd64.deb, board "host": gateways, the systemd VM
#     test).
# The layout and the maintainer scripts follow Debian policy and what
# dh_installsystemd / dh_installman / dh_installdocs would produce;
# lintian checks them (scripts/deb/test.sh). Reproducible: every time
# stamp is the changelog's date (SOURCE_DATE_EPOCH).
# Usage: scripts/deb/build.sh OUTDIR [ARCH...]   (default: armhf arm64 amd64)
set -eu
cd "$(dirname "$0")/../.."
OUT=${1:?usage: $0 OUTDIR [ARCH...]}
shift
ARCHS=${*:-armhf arm64 amd64}
D=scripts/deb
V=$(cat VERSION)
JOBS=${JOBS:-2}
MAINT=$(sed -n 's/^ -- \(.*>\)  .*/\1/p' $D/changelog | head -n1)
CV=$(sed -n '1s/^sctpagent (\([^)]*\)).*/\1/p' $D/changelog)
[ "$CV" = "$V" ] || { echo "deb: $D/changelog is at $CV, VERSION at $V" >&2; exit 1; }
SOURCE_DATE_EPOCH=$(date -d "$(sed -n 's/^ -- .*>  //p' $D/changelog | head -n1)" +%s)
export SOURCE_DATE_EPOCH
mkdir -p "$OUT"
umask 022

# built_using TRIPLET SYSROOT|- LIB...: "src (= ver), ..." of the static
# libraries linked in: libc from the (cross) libc6-dev, the others from the
# sysroot's record (scripts/sysroot.sh) or the host's packages.
built_using() {
	local triplet=$1 sysroot=$2 libc p out=""
	shift 2
	case $triplet in
	"$(gcc -dumpmachine)") libc=libc6-dev ;;
	aarch64-linux-gnu) libc=libc6-dev-arm64-cross ;;
	arm-linux-gnueabihf) libc=libc6-dev-armhf-cross ;;
	esac
	out=$(dpkg-query -W -f='${source:Package} (= ${source:Version})' $libc)
	for p in "$@"; do
		if [ "$sysroot" != - ]; then
			out="$out, $(awk -v p="$p" '$1 == p { print $2 " (= " $3 ")" }' "$sysroot/.versions")"
		else
			out="$out, $(dpkg-query -W -f='${source:Package} (= ${source:Version})' "$p")"
		fi
	done
	echo "$out"
}

# inst MODE SRC DEST (in the tree $T)
inst() { install -D -m "$1" "$2" "$T/$3"; }
gz() { # SRC DEST.gz (in the tree): gzip -9n, no name or time stamp
	mkdir -p "$(dirname "$T/$2")"
	gzip -9nc "$1" >"$T/$2"
	chmod 644 "$T/$2"
}

# control PACKAGE ARCH DEPENDS BUILT-USING DESCRIPTION-FILE
control() {
	local size
	size=$(find "$T" -path "$T/DEBIAN" -prune -o -type f -printf '%s\n' |
		awk '{ s += int(($1 + 1023) / 1024) } END { print s }')
	{
		echo "Package: $1"
		echo "Version: $V"
		echo "Architecture: $2"
		echo "Maintainer: $MAINT"
		echo "Installed-Size: $size"
		[ -n "$3" ] && echo "Depends: $3"
		echo "Built-Using: $4"
		echo "Section: net"
		echo "Priority: optional"
		cat "$5"
	} >"$T/DEBIAN/control"
	(cd "$T" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort |
		xargs -r md5sum >DEBIAN/md5sums)
}

pack() { # TREE OUT.deb
	find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	dpkg-deb --root-owner-group -Zxz --build "$1" "$2" >/dev/null
	echo "deb: $2 ($(stat -c %s "$2") bytes)"
}

agent_deb() { # ARCH CONFIG
	local a=$1 cfg=$2 triplet sysroot=build/sysroot-$1
	make --no-print-directory -j"$JOBS" CONFIG=$cfg >build/.log-deb-$cfg 2>&1 ||
		{ tail -20 build/.log-deb-$cfg; exit 1; }
	triplet=$(sed -n 's/^CONFIG_CROSS_COMPILE="\(.*\)-"$/\1/p' build/$cfg/.config)
	if [ -z "$triplet" ]; then
		triplet=$(gcc -dumpmachine)
		sysroot=-
	fi
	T=build/deb/sctpagent_${V}_$a
	rm -rf "$T"
	mkdir -p "$T/DEBIAN"
	inst 755 build/$cfg/sctpagent.stripped usr/sbin/sctpagent
	inst 644 $D/sctpagent.service lib/systemd/system/sctpagent.service
	inst 644 $D/sctpagent.ini etc/sctpagent/sctpagent.ini
	inst 644 $D/modules-load.conf etc/modules-load.d/sctpagent.conf
	inst 644 $D/sysctl.conf etc/sysctl.d/60-sctpagent.conf
	install -d -m 755 "$T/var/lib/sctpagent"
	gz docs/man/sctpagent.8 usr/share/man/man8/sctpagent.8.gz
	gz docs/man/sctpagent.ini.5 usr/share/man/man5/sctpagent.ini.5.gz
	inst 644 $D/copyright usr/share/doc/sctpagent/copyright
	gz $D/changelog usr/share/doc/sctpagent/changelog.gz
	for f in README.md docs/CONFIG.md docs/PROTOCOL.md docs/ARCHITECTURE.md docs/RPI.md; do
		gz $f usr/share/doc/sctpagent/$(basename $f).gz
	done
	inst 644 board/rpi/sctpagent.ini usr/share/doc/sctpagent/examples/rpi.ini
	inst 644 $D/sctpagent.lintian-overrides usr/share/lintian/overrides/sctpagent
	for s in postinst prerm postrm; do inst 755 $D/sctpagent.$s DEBIAN/$s; done
	printf '/etc/sctpagent/sctpagent.ini\n/etc/modules-load.d/sctpagent.conf\n/etc/sysctl.d/60-sctpagent.conf\n' \
		>"$T/DEBIAN/conffiles"
	control sctpagent "$a" "adduser" \
		"$(built_using "$triplet" $sysroot libsctp-dev libinih-dev libc-ares-dev libmbedtls-dev libusrsctp-dev)" \
		$D/sctpagent.description
	pack "$T" "$OUT/sctpagent_${V}_$a.deb"
}

ctl_deb() { # ARCH (the build machine's)
	local a=$1
	make --no-print-directory -j"$JOBS" CONFIG=host >build/.log-deb-host 2>&1 &&
		make --no-print-directory -j"$JOBS" -f scripts/build.mk O=build/host progs \
			>>build/.log-deb-host 2>&1 || { tail -20 build/.log-deb-host; exit 1; }
	T=build/deb/sctpctl_${V}_$a
	rm -rf "$T"
	mkdir -p "$T/DEBIAN"
	mkdir -p "$T/usr/sbin"
	strip --strip-all -R .comment -R .note -o "$T/usr/sbin/sctpctl" build/host/sctpctl
	chmod 755 "$T/usr/sbin/sctpctl"
	gz docs/man/sctpctl.8 usr/share/man/man8/sctpctl.8.gz
	inst 644 $D/copyright usr/share/doc/sctpctl/copyright
	gz $D/changelog usr/share/doc/sctpctl/changelog.gz
	gz docs/PROTOCOL.md usr/share/doc/sctpctl/PROTOCOL.md.gz
	gz tests/controller/README.md usr/share/doc/sctpctl/README.md.gz
	inst 644 $D/sctpctl.lintian-overrides usr/share/lintian/overrides/sctpctl
	control sctpctl "$a" "" "$(built_using "$(gcc -dumpmachine)" - libsctp-dev libmbedtls-dev libusrsctp-dev)" \
		$D/sctpctl.description
	pack "$T" "$OUT/sctpctl_${V}_$a.deb"
}

for a in $ARCHS; do
	case $a in
	armhf|arm64) agent_deb "$a" rpi_$a ;;
	"$(dpkg --print-architecture)") agent_deb "$a" host; ctl_deb "$a" ;;
	*) echo "deb: no package for $a on this machine" >&2; exit 2 ;;
	esac
done
