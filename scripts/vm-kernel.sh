#!/bin/sh
# vm-kernel.sh [--kernel SERIES] ARCH [OUT]
#
# Fetch a Debian kernel for ARCH (amd64 | arm64) with `apt-get download`, keep
# only the kernel image and the modules the VM test bed needs (sctp and its
# dependencies, veth, sch_netem, sch_tbf, af_packet when modular; the disk bed:
# virtio-pci, virtio-blk, ext4, dm-mod, dm-flakey, loop; the carrier-NAT
# scenario: nf_tables with masquerade), and write:
#
#   OUT/vmlinuz            kernel image
#   OUT/version            kernel release, e.g. 6.1.0-57-amd64
#   OUT/modules.load       module paths in load order (dependencies first)
#   OUT/lib/modules/VER/   the kept .ko files (uncompressed), a trimmed
#                          modules.dep, modules.builtin
#
# SERIES picks the Debian release whose kernel metapackage is followed:
#   6.1   Debian 12 (bookworm), the machine's own apt lists (default)
#   6.12  Debian 13 (trixie), the kernel current Raspberry Pi OS runs: from a
#         private sources list whose lists are cached in build/vm/apt-trixie/
#         (the machine's sources are never touched). Its packages are merged-
#         /usr (./usr/lib/modules) with xz-compressed modules, which are
#         decompressed here: busybox insmod may not read .ko.xz.
#
# OUT defaults to build/vm/ARCH/kernel (6.1) or build/vm/ARCH/kernel.SERIES.
# The trimmed kernel is cached in build/vm/ARCH/kernel-VER/, so a second run
# downloads nothing. The .deb itself is deleted after extraction.
set -eu

SERIES=${VM_KERNEL:-6.1}
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) SERIES=$2; shift 2 ;;
	*) break ;;
	esac
done
ARCH=${1:-}
case "$ARCH" in
amd64|arm64) ;;
*) echo "usage: $0 [--kernel 6.1|6.12] amd64|arm64 [OUT]" >&2; exit 2 ;;
esac
case "$SERIES" in
6.1) SUITE=bookworm ;;
6.12) SUITE=trixie ;;
*) echo "$0: unknown kernel series '$SERIES' (expected 6.1 or 6.12)" >&2; exit 2 ;;
esac

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE="$ROOT/build/vm/$ARCH"
if [ "$SERIES" = 6.1 ]; then
	OUT=${2:-$CACHE/kernel}
else
	OUT=${2:-$CACHE/kernel.$SERIES}
fi
# Modules we want (names as in modules.dep, without .ko). Dependencies are
# added. One per word: other test beds append theirs.
WANT="crc32c_generic sctp veth sch_netem sch_tbf af_packet"
# The disk bed (run.sh --disk): on Debian's 6.1 kernels all of these are
# modules on amd64; arm64 has virtio and virtio_ring built in.
WANT="$WANT virtio_pci virtio_blk ext4 dm_mod dm_flakey"
# nftables NAT and a protocol drop (the carrier-NAT scenario, nat_cell).
WANT="$WANT nf_tables nft_chain_nat nft_masq nft_ct"
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

# apt for SUITE: the machine's own for bookworm; for trixie a private
# configuration (sources, lists, cache under build/, no dpkg status).
APT_OPTS=""
if [ "$SUITE" != bookworm ]; then
	A="$ROOT/build/vm/apt-$SUITE"
	mkdir -p "$A/lists/partial" "$A/cache/archives/partial"
	exec 8>"$ROOT/build/vm/.apt-$SUITE.lock"	# shared by both arches
	flock 8
	mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)\/* *$/\1/p' \
		/etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
	echo "deb [arch=amd64,arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
		"${mirror:-http://deb.debian.org/debian} $SUITE main" > "$A/sources.list"
	APT_OPTS="-o Dir::Etc::sourcelist=$A/sources.list -o Dir::Etc::sourceparts=-
 -o Dir::State::lists=$A/lists -o Dir::Cache=$A/cache -o Dir::State::status=/dev/null
 -o Acquire::Languages=none -o APT::Get::List-Cleanup=false"
fi
# shellcheck disable=SC2086
apt_update() {
	if [ -n "$APT_OPTS" ]; then
		log "apt-get update of the private $SUITE lists in build/vm/apt-$SUITE"
		apt-get -qq $APT_OPTS update
	else
		apt-get update -qq
	fi
}
# shellcheck disable=SC2086
resolve_meta() {
	apt-cache $APT_OPTS depends "linux-image-$ARCH$Q" 2>/dev/null |
		sed -n 's/^ *Depends: *\(linux-image-[0-9][^ :]*\).*/\1/p' | head -n1 || true
}

pkg=$(resolve_meta)
if [ -z "$pkg" ]; then
	log "apt lists do not know linux-image-$ARCH ($SUITE); running apt-get update"
	apt_update || log "apt-get update failed"
	pkg=$(resolve_meta)
fi
if [ -z "$pkg" ]; then
	# Offline and no lists: use the newest cached kernel of SERIES, if any.
	cached=$(ls -d "$CACHE"/kernel-"$SERIES".[0-9]*/ 2>/dev/null | sort -V | tail -n1 || true)
	[ -n "$cached" ] || { log "cannot resolve linux-image-$ARCH ($SUITE) and nothing cached"; exit 1; }
	KDIR=${cached%/}
	log "cannot resolve linux-image-$ARCH ($SUITE); using cached $KDIR"
else
	ver=${pkg#linux-image-}
	KDIR="$CACHE/kernel-$ver"
fi

# apt-get download PKG into $tmp; a 404 (the mirror moved on since the lists
# were fetched) gets one update and a new resolution.
# shellcheck disable=SC2086
download() {
	(cd "$tmp" && apt-get $APT_OPTS download --print-uris "$pkg$Q" | cut -d' ' -f1,3 >&2)
	(cd "$tmp" && apt-get $APT_OPTS download "$pkg$Q" 2>&1 |
		grep -v '^W: Download is performed unsandboxed' >&2)
	ls "$tmp"/*.deb >/dev/null 2>&1
}

# .complete holds the WANT list it was made with: a new list rebuilds.
if [ -f "$KDIR/.complete" ] && [ "$(cat "$KDIR/.complete")" = "$WANT" ]; then
	log "cached: $KDIR ($(cat "$KDIR/version"))"
else
	tmp="$CACHE/tmp-kernel"
	rm -rf "$tmp" "$KDIR"
	mkdir -p "$tmp/x"
	log "downloading $pkg$Q ($SUITE):"
	if ! download; then
		apt_update
		pkg=$(resolve_meta)
		KDIR="$CACHE/kernel-${pkg#linux-image-}"
		rm -rf "$KDIR"
		download || { log "cannot download $pkg$Q"; exit 1; }
	fi
	deb=$(ls "$tmp"/*.deb)
	log "extracting $(basename "$deb") ($(du -h "$deb" | cut -f1))"
	dpkg -x "$deb" "$tmp/x"
	rm -f "$deb"
	# merged /usr (trixie) keeps the modules in ./usr/lib/modules
	mods="$tmp/x/lib/modules"
	[ -d "$mods" ] || mods="$tmp/x/usr/lib/modules"
	kver=$(ls "$mods" | head -n1)
	src="$mods/$kver"
	mkdir -p "$KDIR/lib/modules/$kver"
	cp "$tmp/x/boot/vmlinuz-$kver" "$KDIR/vmlinuz"
	echo "$kver" > "$KDIR/version"
	cp "$src/modules.builtin" "$KDIR/lib/modules/$kver/" 2>/dev/null || :

	# modules.dep is made by depmod at install time and is not in the package
	# (and the host may have no kmod), so resolve dependencies from each
	# module's own .modinfo "depends=" field. Index: normalized name -> path
	# (without a compression suffix: the kept copies are uncompressed).
	(cd "$src" && find kernel -name '*.ko*') | while read -r p; do
		n=$(basename "$p"); n=${n%%.ko*}
		echo "$(echo "$n" | tr - _) $p"
	done > "$tmp/index"
	: > "$tmp/order"
	: > "$tmp/dep"
	modpath() { awk -v n="$(echo "$1" | tr - _)" '$1 == n { print $2; exit }' "$tmp/index"; }
	# plain .ko of a module path: xz/zst/gz decompressed into $tmp/ko/
	plain() {
		case "$1" in
		*.ko) echo "$src/$1" ;;
		*)
			mkdir -p "$tmp/ko/$(dirname "$1")"
			out="$tmp/ko/${1%.*}"
			if [ ! -f "$out" ]; then
				case "$1" in
				*.xz) xz -dc "$src/$1" > "$out" ;;
				*.zst) zstd -qdc "$src/$1" > "$out" ;;
				*.gz) gzip -dc "$src/$1" > "$out" ;;
				esac
			fi
			echo "$out" ;;
		esac
	}
	resolve() { # $1 = module path (relative); appends closure to $tmp/order
		local deps dpaths d dp
		grep -qx "$1" "$tmp/order" && return 0
		deps=$(readelf -p .modinfo "$(plain "$1")" 2>/dev/null |
			sed -n 's/.*depends=\(.*\)$/\1/p' | tr ',' ' ')
		dpaths=""
		for d in $deps; do
			dp=$(modpath "$d")
			[ -n "$dp" ] || { log "error: $1 needs $d, not found"; exit 1; }
			resolve "$dp"
			dpaths="$dpaths ${dp%.ko*}.ko"
		done
		grep -qx "$1" "$tmp/order" || {
			echo "$1" >> "$tmp/order"
			echo "${1%.ko*}.ko:$dpaths" >> "$tmp/dep"
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
	: > "$tmp/load"
	while read -r p; do
		ko="${p%.ko*}.ko"
		mkdir -p "$KDIR/lib/modules/$kver/$(dirname "$p")"
		cp "$(plain "$p")" "$KDIR/lib/modules/$kver/$ko"
		echo "$ko" >> "$tmp/load"
	done < "$tmp/order"
	cp "$tmp/dep" "$KDIR/lib/modules/$kver/modules.dep"
	cp "$tmp/load" "$KDIR/modules.load"
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
