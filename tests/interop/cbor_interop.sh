#!/bin/sh
# SPDX-License-Identifier: MIT
# Interop of agent/cbor + agent/msg with python3-cbor2 (Debian package).
# Builds tests/interop/cbor_vectors, then runs cbor_interop.py.
# Exit 0 when every check passes; prints "N passed, M failed".
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$ROOT/build/scratch-cbor/interop}
CC=${CC:-gcc}
mkdir -p "$OUT"
/usr/bin/python3 -c 'import cbor2' 2>/dev/null || {
	echo "python3-cbor2 missing: apt-get install python3-cbor2" >&2
	exit 2
}
$CC -std=c11 -Wall -Wextra -Werror -O2 ${CFLAGS:-} -I"$ROOT" \
	"$ROOT/tests/interop/cbor_vectors.c" "$ROOT/agent/cbor.c" \
	"$ROOT/agent/msg.c" -o "$OUT/cbor_vectors"
exec /usr/bin/python3 "$ROOT/tests/interop/cbor_interop.py" \
	"$OUT/cbor_vectors" "$OUT"
