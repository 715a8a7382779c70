#!/bin/sh
# SPDX-License-Identifier: MIT
# port/posix/nlparse.c on messages built by libmnl (host only; needs
# libmnl-dev). OUT: work directory (default build/scratch-netlink/interop).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$ROOT/build/scratch-netlink/interop}
mkdir -p "$OUT"
gcc -std=c11 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=all -I"$ROOT" \
	"$ROOT/tests/interop/netlink_mnl.c" "$ROOT/port/posix/nlparse.c" \
	"$ROOT/port/netaddr.c" -lmnl -o "$OUT/netlink_mnl"
"$OUT/netlink_mnl"
