#!/bin/sh
# mkinitramfs.sh ARCH BINDIR OUT.cpio.gz [KERNELDIR]
#
# Build the VM test bed's initramfs for ARCH (amd64 | arm64):
#   /init                      tests/vm/init (boots, loads modules, runs scenarios)
#   /bin/busybox + applets     busybox-static for ARCH
#   /sbin/ip, /sbin/tc         Debian iproute2 (busybox has no veth peer/netns/netem)
#   /usr/bin/sctp_darn, sctp_test   lksctp-tools
#   /usr/bin/stdbuf + libstdbuf.so  coreutils (line-buffered logs of dynamic tools)
#   /usr/bin/tcpdump           tcpdump + libpcap (captures; use -Z root)
#   /usr/sbin/dnsmasq          dnsmasq (a nameserver; use --user=root)
#   /usr/sbin/dmsetup          device-mapper (dm-flakey for the disk bed)
#   /usr/bin/jq                jq (JSON checks of sctpagent status --json)
#   /usr/lib/<triplet>/...     their shared libraries and the dynamic loader
#   /lib/modules/VER/...       the modules from scripts/vm-kernel.sh
#   /bin/*                     every file in BINDIR (static agent binaries); "-" = none
#   /vmtest/lib.sh, /vmtest/scenarios/*.sh
#
# Debian packages for ARCH are fetched with `apt-get download` once and cached
# (extracted) in build/vm/ARCH/userland/. KERNELDIR defaults to the output of
# scripts/vm-kernel.sh ARCH (build/vm/ARCH/kernel), which is run if missing.
set -eu

ARCH=${1:-}
BINDIR=${2:-}
OUT=${3:-}
case "$ARCH" in
amd64) TRIPLET=x86_64-linux-gnu ;;
arm64) TRIPLET=aarch64-linux-gnu ;;
*) ARCH="" ;;
esac
if [ -z "$ARCH" ] || [ -z "$BINDIR" ] || [ -z "$OUT" ]; then
	echo "usage: $0 amd64|arm64 BINDIR|- OUT.cpio.gz [KERNELDIR]" >&2
	exit 2
fi

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE="$ROOT/build/vm/$ARCH"
KDIR=${4:-$CACHE/kernel}
log() { echo "mkinitramfs: $*" >&2; }

[ -f "$KDIR/version" ] || "$ROOT/scripts/vm-kernel.sh" "$ARCH" "$KDIR" >/dev/null
KVER=$(cat "$KDIR/version")

# --- userland packages (cached, extracted) ---------------------------------
PKGS="busybox-static lksctp-tools libsctp1 libc6 iproute2 libbpf1 libelf1 zlib1g
libmnl0 libbsd0 libmd0 libcap2 libxtables12 coreutils
tcpdump libpcap0.8 libssl3 libdbus-1-3 libsystemd0 libgcrypt20 libgpg-error0
liblzma5 libzstd1 liblz4-1
dmsetup libdevmapper1.02.1 libselinux1 libudev1 libpcre2-8-0"
# dnsmasq: the nameserver of the resolve_* scenarios (controllers given by
# host name), with the libraries the ones above do not bring.
PKGS="$PKGS dnsmasq-base libidn2-0 libunistring2 libnetfilter-conntrack3
libnfnetlink0 libnettle8 libhogweed6 libgmp10 libnftables1 libnftnl11 libjansson4"
# jq: JSON checks of the status_command scenario (sctpagent status --json).
PKGS="$PKGS jq libjq1 libonig5"
UL="$CACHE/userland"
stamp=$(echo $PKGS)
mkdir -p "$CACHE"
# Several runs may share build/vm (parallel sessions): serialize cache work.
exec 9>"$CACHE/.userland.lock"
flock 9
if [ ! -f "$UL/.complete" ] || [ "$(cat "$UL/.complete")" != "$stamp" ]; then
	if [ "$ARCH" != "$(dpkg --print-architecture)" ] &&
		! dpkg --print-foreign-architectures | grep -qx "$ARCH"; then
		log "adding foreign architecture $ARCH to dpkg and running apt-get update"
		dpkg --add-architecture "$ARCH"
		apt-get update -qq
	fi
	rm -rf "$UL"
	mkdir -p "$UL/deb" "$UL/root"
	list=""
	for p in $PKGS; do list="$list $p:$ARCH"; done
	log "downloading for $ARCH:"
	(cd "$UL/deb" && apt-get download --print-uris $list | cut -d' ' -f1,3 >&2)
	(cd "$UL/deb" && apt-get download $list 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2)
	for d in "$UL"/deb/*.deb; do dpkg -x "$d" "$UL/root"; done
	rm -rf "$UL/deb" "$UL/root/usr/share" "$UL"/root/usr/lib/*/gconv
	echo "$stamp" > "$UL/.complete"
	log "userland for $ARCH cached in $UL ($(du -sh "$UL" | cut -f1))"
fi
R="$UL/root"
flock -u 9

case "$OUT" in /*) ;; *) OUT="$(pwd)/$OUT" ;; esac

# --- staging tree ----------------------------------------------------------
ST=$(mktemp -d "$CACHE/initramfs.XXXXXX")
trap 'rm -rf "$ST"' EXIT
cd "$ST"
mkdir -p usr/bin usr/sbin usr/lib/"$TRIPLET" proc sys dev tmp run etc vmtest/scenarios root
ln -s usr/bin bin
ln -s usr/sbin sbin
ln -s usr/lib lib
case "$ARCH" in
amd64) mkdir -p usr/lib64; ln -s usr/lib64 lib64 ;;
esac

cp "$R/bin/busybox" usr/bin/busybox
# Applet list: from the target busybox if it runs here (binfmt/qemu-user),
# else from the host's busybox (same Debian package, same configuration).
# If neither runs, /init installs the links at boot (busybox --install -s).
applets=$("$R/bin/busybox" --list 2>/dev/null || busybox --list 2>/dev/null || echo sh)
for a in $applets; do
	[ "$a" = busybox ] && continue
	[ -e "usr/bin/$a" ] || ln -s busybox "usr/bin/$a"
done

# Dynamic ELF files and their libraries (resolved from DT_NEEDED with readelf).
LIBDIRS="$R/lib/$TRIPLET $R/usr/lib/$TRIPLET"
copy_lib() { # $1 = soname
	[ -e "usr/lib/$TRIPLET/$1" ] && return 0
	for d in $LIBDIRS; do
		if [ -e "$d/$1" ]; then
			cp -L "$d/$1" "usr/lib/$TRIPLET/$1"
			copy_needed "usr/lib/$TRIPLET/$1"
			return 0
		fi
	done
	log "error: library $1 not found for $ARCH"
	exit 1
}
copy_needed() { # $1 = ELF file in the staging tree
	local n
	for n in $(readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		copy_lib "$n"
	done
}
install_elf() { # $1 = source, $2 = destination in staging tree
	cp -L "$1" "$2"
	copy_needed "$2"
}
install_elf "$R/usr/bin/sctp_darn" usr/bin/sctp_darn
install_elf "$R/usr/bin/sctp_test" usr/bin/sctp_test
rm -f usr/bin/ip usr/bin/tc usr/sbin/ip usr/sbin/tc
install_elf "$R/bin/ip" usr/sbin/ip
install_elf "$R/sbin/tc" usr/sbin/tc
# tcpdump (packet capture for the pipeline_* scenarios; run it with -Z root:
# there is no tcpdump user). Its libraries come in through DT_NEEDED.
[ -e "$R/usr/bin/tcpdump" ] && install_elf "$R/usr/bin/tcpdump" usr/bin/tcpdump
# dnsmasq (run it with --user=root --group=root: there is no dnsmasq user).
[ -e "$R/usr/sbin/dnsmasq" ] && install_elf "$R/usr/sbin/dnsmasq" usr/sbin/dnsmasq
# jq (tests/vm/scenarios/status_command.sh).
[ -e "$R/usr/bin/jq" ] && install_elf "$R/usr/bin/jq" usr/bin/jq
# dmsetup: the disk bed's dm-flakey device (tests/vm/scenarios/disk_*.sh).
for d in "$R/sbin/dmsetup" "$R/usr/sbin/dmsetup"; do
	[ -e "$d" ] && { install_elf "$d" usr/sbin/dmsetup; break; }
done
# stdbuf + libstdbuf.so: line-buffered stdout for dynamic tools writing to files.
mkdir -p usr/libexec/coreutils
install_elf "$R/usr/libexec/coreutils/libstdbuf.so" usr/libexec/coreutils/libstdbuf.so
rm -f usr/bin/stdbuf
install_elf "$R/usr/bin/stdbuf" usr/bin/stdbuf
# The dynamic loader at its ABI path.
case "$ARCH" in
amd64) cp -L "$R/lib/$TRIPLET/ld-linux-x86-64.so.2" usr/lib/"$TRIPLET"/
	ln -sf ../lib/"$TRIPLET"/ld-linux-x86-64.so.2 usr/lib64/ld-linux-x86-64.so.2 ;;
arm64) cp -L "$R/lib/$TRIPLET/ld-linux-aarch64.so.1" usr/lib/"$TRIPLET"/
	ln -sf "$TRIPLET"/ld-linux-aarch64.so.1 usr/lib/ld-linux-aarch64.so.1 ;;
esac
# iproute2 looks up netem's delay distribution tables here.
if [ -d "$R/usr/lib/$TRIPLET/tc" ]; then
	cp -r "$R/usr/lib/$TRIPLET/tc" usr/lib/"$TRIPLET"/
fi
mkdir -p usr/lib/tc
for f in "$R"/usr/lib/tc/*.dist; do [ -e "$f" ] && cp "$f" usr/lib/tc/; done

# Kernel modules.
mkdir -p lib/modules
cp -a "$KDIR/lib/modules/$KVER" "lib/modules/$KVER"
cp "$KDIR/modules.load" etc/modules.load

# Our binaries.
if [ "$BINDIR" != "-" ]; then
	[ -d "$BINDIR" ] || { log "error: BINDIR $BINDIR is not a directory"; exit 1; }
	for f in "$BINDIR"/*; do
		[ -f "$f" ] || continue
		rm -f "usr/bin/$(basename "$f")"
		cp -L "$f" usr/bin/
		chmod +x "usr/bin/$(basename "$f")"
		if readelf -l "$f" 2>/dev/null | grep -q 'Requesting program interpreter'; then
			log "note: $(basename "$f") is dynamic; adding its libraries"
			copy_needed "usr/bin/$(basename "$f")"
		fi
	done
fi

# Test bed scripts.
cp "$HERE/init" init
chmod +x init
# lib.sh and any other helper library beside it (not the host-side scripts).
for f in "$HERE"/*.sh; do
	case "$(basename "$f")" in mkinitramfs.sh|run.sh) continue ;; esac
	cp "$f" vmtest/
done
for f in "$HERE"/scenarios/*.sh; do [ -e "$f" ] && cp "$f" vmtest/scenarios/; done
# DTLS test credentials (tests/data/dtls: test keys only) and, when built,
# the static OpenSSL with SCTP (scripts/openssl-sctp.sh) for interop.
mkdir -p vmtest/dtls
cp "$ROOT"/tests/data/dtls/*.pem "$ROOT"/tests/data/dtls/*.key "$ROOT"/tests/data/dtls/*.hex vmtest/dtls/
[ -x "$ROOT/build/openssl-sctp/$ARCH/openssl" ] && cp "$ROOT/build/openssl-sctp/$ARCH/openssl" usr/bin/openssl
echo "root:x:0:0:root:/root:/bin/sh" > etc/passwd
echo "root:x:0:" > etc/group

# --- archive ---------------------------------------------------------------
mkdir -p "$(dirname "$OUT")"
find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet | gzip -6 -n > "$OUT.tmp.$$"
mv "$OUT.tmp.$$" "$OUT"
cd /
rm -rf "$ST"
log "$OUT: kernel $KVER, $(du -h "$OUT" | cut -f1)"
