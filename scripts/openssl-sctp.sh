#!/bin/bash
# Build a static `openssl` with SCTP (enable-sctp) from Debian's source
# package, for the DTLS-over-SCTP interop scenarios in the VM: Debian 12's
# own openssl is built without SCTP (`openssl list -disabled` says SCTP).
#
# Usage: scripts/openssl-sctp.sh ARCH...      (amd64 | arm64)
# Output: build/openssl-sctp/ARCH/openssl (static), one line per ARCH.
#
# The source comes from a private deb-src list under build/ (the machine's
# own apt sources are never touched): `apt-get source openssl/bookworm`,
# unpacked once with dpkg-source (Debian's patches applied). Only what
# s_server / s_client need is built (libcrypto.a, libssl.a, apps/openssl:
# no tests, no docs, no shared libraries, no engines or modules); the result
# is cached under a key of (source version, arch, this script's options),
# so a second run does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=$ROOT/build/openssl-sctp
APT=$OUT/apt
JOBS=${JOBS:-$(nproc)}
say() { echo "openssl-sctp: $*" >&2; }

# Everything s_server/s_client -dtls1_2 -sctp with PSK or ECDSA certificates
# needs stays; algorithms and subsystems nobody uses here go (faster build).
OPTS="enable-sctp no-shared no-module no-dso no-engine no-tests
 no-legacy no-comp no-async no-afalgeng no-padlockeng no-capieng no-devcryptoeng
 no-idea no-mdc2 no-rc2 no-rc4 no-rc5 no-bf no-cast no-seed no-camellia no-aria
 no-sm2 no-sm3 no-sm4 no-whirlpool no-md4 no-rmd160 no-siphash no-gost
 no-srp no-ts no-cms no-cmp no-ocsp no-ct no-srtp no-nextprotoneg no-ec2m no-ssl3 no-weak-ssl-ciphers no-unit-test
 no-external-tests no-fuzz-afl no-fuzz-libfuzzer -static"

mkdir -p "$OUT"
exec 8>"$OUT/.lock"
flock 8

aptget() {
	apt-get -q -o Dir::Etc::sourcelist="$APT/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::lists="$APT/lists" -o Dir::Cache="$APT/cache" \
		-o APT::Sandbox::User=root "$@"
}

# The unpacked source tree (cached): build/openssl-sctp/src/openssl-VERSION.
fetch_source() {
	local have
	have=$(ls -d "$OUT"/src/openssl-*/ 2>/dev/null | head -n1 || :)
	if [ -n "$have" ] && [ -f "$have/.unpacked" ]; then
		SRC=${have%/}
		return
	fi
	mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$OUT/src/dl"
	cat >"$APT/sources.list" <<-EOF
	deb-src http://deb.debian.org/debian bookworm main
	EOF
	say "apt-get update (private deb-src list in $APT)"
	aptget update >/dev/null 2>&1 || aptget update >/dev/null
	say "apt-get source openssl/bookworm"
	(cd "$OUT/src/dl" && aptget source --download-only openssl/bookworm >/dev/null)
	local dsc ver
	dsc=$(ls "$OUT"/src/dl/openssl_*.dsc | head -n1)
	ver=$(sed -n 's/^Version: //p' "$dsc")
	ver=${ver%%-*}
	SRC=$OUT/src/openssl-$ver
	rm -rf "$SRC"
	dpkg-source -q -x "$dsc" "$SRC" >/dev/null 2>&1
	rm -rf "$OUT/src/dl"
	touch "$SRC/.unpacked"
}

build_arch() { # ARCH
	local arch=$1 target cross="" extra="" key dir bin t0
	case $arch in
	amd64) target=linux-x86_64 ;;
	arm64) target=linux-aarch64; cross=aarch64-linux-gnu- ;;
	*) say "unknown arch $arch"; return 2 ;;
	esac
	key="$(basename "$SRC") $arch $target $(echo $OPTS)"
	dir=$OUT/$arch
	bin=$dir/openssl
	if [ -x "$bin" ] && [ "$(cat "$dir/.key" 2>/dev/null)" = "$key" ]; then
		echo "$bin (cached)"
		return 0
	fi
	t0=$SECONDS
	rm -rf "$dir"
	mkdir -p "$dir/obj" "$dir/inc/netinet"
	# netinet/sctp.h (libsctp-dev) is architecture-independent; the cross
	# compiler has no copy of its own.
	cp /usr/include/netinet/sctp.h "$dir/inc/netinet/"
	[ -n "$cross" ] && extra="--cross-compile-prefix=$cross"
	say "configuring $target in $dir/obj"
	(cd "$dir/obj" && "$SRC/Configure" $target $extra $OPTS -idirafter "$dir/inc" \
		--prefix=/nonexistent --openssldir=/etc/ssl >"$dir/configure.log" 2>&1) ||
		{ tail -20 "$dir/configure.log" >&2; return 1; }
	say "building apps/openssl for $arch (make -j$JOBS)"
	(cd "$dir/obj" && make -j"$JOBS" build_generated >"$dir/build.log" 2>&1 &&
		make -j"$JOBS" apps/openssl >>"$dir/build.log" 2>&1) ||
		{ tail -30 "$dir/build.log" >&2; return 1; }
	"${cross}strip" -o "$bin" "$dir/obj/apps/openssl"
	file "$bin" | grep -q 'statically linked' || { say "$bin is not static"; return 1; }
	rm -rf "$dir/obj"
	echo "$key" >"$dir/.key"
	say "$arch built in $((SECONDS - t0)) s ($(stat -c %s "$bin") bytes)"
	echo "$bin"
}

[ $# -gt 0 ] || { echo "usage: $0 amd64|arm64..." >&2; exit 2; }
SRC=""
need=0
for a in "$@"; do
	[ -x "$OUT/$a/openssl" ] && [ -f "$OUT/$a/.key" ] || need=1
done
# A cached binary needs no source (the key holds the version it was built from).
if [ $need = 1 ] || ! ls -d "$OUT"/src/openssl-*/ >/dev/null 2>&1; then
	fetch_source
else
	SRC=$(ls -d "$OUT"/src/openssl-*/ | head -n1)
	SRC=${SRC%/}
fi
rc=0
for a in "$@"; do
	build_arch "$a" || rc=1
done
exit $rc
