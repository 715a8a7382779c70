#!/bin/sh
# Install every Debian package the build, the tests and `make run` need,
# when missing. Prints what it installs; silent when all is there.
# Usage: scripts/deps.sh [build|test|run|all]   (default all)
set -eu

what=${1:-all}

BUILD="make gcc libc6-dev python3-kconfiglib file binutils
 gcc-arm-linux-gnueabihf gcc-aarch64-linux-gnu libc6-dev-armhf-cross
 libc6-dev-arm64-cross libsctp-dev libinih-dev libmbedtls-dev libc-ares-dev dpkg-dev
 ca-certificates"
TEST="libcmocka-dev qemu-user-static python3-cbor2 clang libclang-rt-14-dev
 llvm qemu-system-x86 qemu-system-arm busybox-static cpio lksctp-tools
 libmnl-dev iproute2 tshark e2fsprogs xz-utils perl dnsmasq-base lintian mmdebstrap systemd man-db"
RUN="qemu-system-arm busybox-static cpio"

case $what in
build) want=$BUILD ;;
test) want="$BUILD $TEST" ;;
run) want="$BUILD $RUN" ;;
all) want="$BUILD $TEST $RUN" ;;
*) echo "usage: $0 [build|test|run|all]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	case " $missing " in *" $p "*) continue ;; esac
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

# Cross sysroots and VM kernels come from the armhf/arm64 package indexes
# (apt-get download only: installing foreign -dev packages through
# multiarch breaks on version skew between the indexes).
need_update=""
for a in armhf arm64; do
	if ! dpkg --print-foreign-architectures | grep -qx "$a"; then
		echo "deps: adding dpkg architecture $a (for apt-get download)"
		dpkg --add-architecture "$a"
		need_update=1
	fi
done

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
if [ -n "$missing" ] || [ -n "$need_update" ]; then
	# A mirror mid-sync can fail one index; what we need is usually in
	# the others, so retry once and then go on with what we have.
	echo "deps: apt-get update"
	$SUDO apt-get update -q >/dev/null 2>&1 ||
		$SUDO apt-get update -q >/dev/null ||
		echo "deps: apt-get update reported errors; continuing" >&2
fi
if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q \
		--no-install-recommends $missing >/dev/null
fi
exit 0
