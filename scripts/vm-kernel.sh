#!/bin/sh
# vm-kernel.sh ARCH [OUT]
#
# Fetch Debian's current kernel for ARCH (amd64 | arm64) with `apt-get download`,
# keep only the kernel image and the modules the VM test bed needs (sctp and its
# dependencies, veth, sch_netem, sch_tbf, af_packet when modular; the disk bed:
# virtio-pci, virtio-blk, ext4, dm-mod, dm-flakey, loop), and write:
#
#   OUT/vmlinuz            kernel image
#   OUT/version            kernel release, e.g. 6.1.0-57-amd64
#   OUT/modules.load       module paths in load order (dependencies first)
#   OUT/lib/modules/VER/   the kept .ko files, a trimmed modules.dep, modules.builtin
#
# OUT defaults to build/vm/ARCH/kernel. The trimmed kernel is cached in
# build/vm/ARCH/kernel-VER/, so a second run downloads nothing. The .deb itself
# is deleted after extraction to keep disk use modest.
set -eu

ARCH=${1:-}
case "$ARCH" in
amd64|arm64) ;;
*) echo "usage: $0 amd64|arm64 [OUT]" >&2; exit 2 ;;
esac

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE="$ROOT/build/vm/$ARCH"
OUT=${2:-$CACHE/kernel}
# Modules we want (names as in modules.dep, without .ko). Dependencies are added.
WANT="crc32c_generic sctp veth sch_netem sch_tbf af_packet"
# The disk bed (run.sh --disk): on Debian's 6.1 kernels all of these are
# modules on amd64; arm64 has virtio and virtio_ring built in.
WANT="$WANT virtio_pci virtio_blk ext4 dm_mod dm_flakey"
# Small file systems in an image (the outbox's full-disk scenarios).
WANT="$WANT loop"

mkdir -p "$CACHE"
# Several runs may share build/vm (parallel sessions): serialize cache work.
exec 9>"$CACHE/.kernel.lock"
flock 9

log() { echo "vm-kernel: $*" >&2; }

host_arch=$(dpkg --print-architecture)
if [ "$ARCH" != "$host_arch" ]; then
	if ! dpkg --print-foreign-architectures | grep -qx "$ARCH"; then
		log "adding foreign architecture $ARCH to dpkg and running apt-get update"
		dpkg --add-architecture "$ARCH"
		apt-get update -qq
	fi
	Q=":$ARCH"
else
	Q=""
fi

# Which kernel does the metapackage point at today?
meta="linux-image-$ARCH$Q"
pkg=$(apt-cache depends "$meta" 2>/dev/null |
	sed -n 's/^ *Depends: *\(linux-image-[0-9][^ :]*\).*/\1/p' | head -n1 || true)
if [ -z "$pkg" ] && ! apt-cache show "$meta" >/dev/null 2>&1; then
	log "apt lists do not know $meta; running apt-get update"
	apt-get update -qq
	pkg=$(apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: *\(linux-image-[0-9][^ :]*\).*/\1/p' | head -n1 || true)
fi
if [ -z "$pkg" ]; then
	# Offline and no lists: use the newest cached kernel, if any.
	cached=$(ls -d "$CACHE"/kernel-*/ 2>/dev/null | sort -V | tail -n1 || true)
	[ -n "$cached" ] || { log "cannot resolve $meta and nothing cached"; exit 1; }
	KDIR=${cached%/}
	log "cannot resolve $meta; using cached $KDIR"
else
	ver=${pkg#linux-image-}
	KDIR="$CACHE/kernel-$ver"
fi

# .complete holds the WANT list it was made with: a new list rebuilds.
if [ -f "$KDIR/.complete" ] && [ "$(cat "$KDIR/.complete")" = "$WANT" ]; then
	log "cached: $KDIR ($(cat "$KDIR/version"))"
else
	tmp="$CACHE/tmp-kernel"
	rm -rf "$tmp" "$KDIR"
	mkdir -p "$tmp/x"
	log "downloading $pkg$Q:"
	(cd "$tmp" && apt-get download --print-uris "$pkg$Q" | cut -d' ' -f1,3 >&2)
	(cd "$tmp" && apt-get download "$pkg$Q" >&2)
	deb=$(ls "$tmp"/*.deb)
	log "extracting $(basename "$deb") ($(du -h "$deb" | cut -f1))"
	dpkg -x "$deb" "$tmp/x"
	rm -f "$deb"
	kver=$(ls "$tmp/x/lib/modules" | head -n1)
	src="$tmp/x/lib/modules/$kver"
	mkdir -p "$KDIR/lib/modules/$kver"
	cp "$tmp/x/boot/vmlinuz-$kver" "$KDIR/vmlinuz"
	echo "$kver" > "$KDIR/version"
	cp "$src/modules.builtin" "$KDIR/lib/modules/$kver/" 2>/dev/null || :

	# modules.dep is made by depmod at install time and is not in the package
	# (and the host may have no kmod), so resolve dependencies from each
	# module's own .modinfo "depends=" field. Index: normalized name -> path.
	(cd "$src" && find kernel -name '*.ko*') | while read -r p; do
		n=$(basename "$p"); n=${n%%.ko*}
		echo "$(echo "$n" | tr - _) $p"
	done > "$tmp/index"
	: > "$tmp/order"
	: > "$tmp/dep"
	modpath() { awk -v n="$(echo "$1" | tr - _)" '$1 == n { print $2; exit }' "$tmp/index"; }
	resolve() { # $1 = module path (relative); appends closure to $tmp/order
		local deps dpaths d dp
		grep -qx "$1" "$tmp/order" && return 0
		deps=$(readelf -p .modinfo "$src/$1" 2>/dev/null |
			sed -n 's/.*depends=\(.*\)$/\1/p' | tr ',' ' ')
		dpaths=""
		for d in $deps; do
			dp=$(modpath "$d")
			[ -n "$dp" ] || { log "error: $1 needs $d, not found"; exit 1; }
			resolve "$dp"
			dpaths="$dpaths $dp"
		done
		grep -qx "$1" "$tmp/order" || {
			echo "$1" >> "$tmp/order"
			echo "$1:$dpaths" >> "$tmp/dep"
		}
	}
	for m in $WANT; do
		path=$(modpath "$m")
		if [ -z "$path" ]; then
			if grep -qE "/$m\.ko" "$src/modules.builtin" 2>/dev/null; then
				log "$m is built in"
			else
				log "error: module $m neither modular nor built in"
				[ "$m" = sctp ] && exit 1
			fi
			continue
		fi
		resolve "$path"
	done
	while read -r p; do
		mkdir -p "$KDIR/lib/modules/$kver/$(dirname "$p")"
		cp "$src/$p" "$KDIR/lib/modules/$kver/$p"
	done < "$tmp/order"
	cp "$tmp/dep" "$KDIR/lib/modules/$kver/modules.dep"
	cp "$tmp/order" "$KDIR/modules.load"
	rm -rf "$tmp"
	echo "$WANT" > "$KDIR/.complete"
	log "kernel $kver: $(wc -l < "$KDIR/modules.load") modules kept, $(du -sh "$KDIR" | cut -f1) on disk"
fi

if [ "$(cd "$OUT" 2>/dev/null && pwd)" != "$(cd "$KDIR" && pwd)" ] &&
	{ ! cmp -s "$OUT/version" "$KDIR/version" ||
		! cmp -s "$OUT/.complete" "$KDIR/.complete"; }; then
	if [ -e "$OUT" ] && [ ! -f "$OUT/version" ]; then
		log "refusing to replace $OUT: it is not a kernel directory made by this script"
		exit 1
	fi
	rm -rf "$OUT"
	mkdir -p "$(dirname "$OUT")"
	cp -a "$KDIR" "$OUT"
fi
echo "$OUT"
