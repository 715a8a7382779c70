#!/bin/sh
# mmdebstrap.sh OUT.tar PACKAGES MIRROR: a Debian 12 arm64 root file system
# (variant essential, plus PACKAGES) as a tarball, from Debian's archive.
# Runs as root of its own user namespace (scripts/deb/userns.sh), with a
# binfmt_misc qemu-aarch64 handler of that namespace's own when the host
# has none (Linux >= 6.7), so the packages' maintainer scripts run under
# qemu-aarch64-static without changing the host.
set -eu
OUT=$1
PKGS=$2
MIRROR=$3
BF=/proc/sys/fs/binfmt_misc
if ! grep -qs '^enabled' $BF/qemu-aarch64; then
	mount -t binfmt_misc binfmt_misc $BF
	printf '%s' ':qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:F' \
		>$BF/register
fi
# check/qemu needs arch-test; the handler was just checked above
exec mmdebstrap --mode=root --skip=check/qemu --variant=essential --architectures=arm64 \
	--include="$PKGS" --format=tar bookworm "$OUT" "$MIRROR"
