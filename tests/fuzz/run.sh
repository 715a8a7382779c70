#!/bin/sh
# SPDX-License-Identifier: MIT
# Build and run the agent/msg fuzzer for a bounded time, then replay the
# corpus with a plain gcc+ASan driver. Exit non-zero on any finding.
#   FUZZ_TIME  seconds for libFuzzer (default 60)
#   FUZZ_RUNS  also cap the number of runs (default: no cap)
#   OUT        work directory (default build/scratch-cbor/fuzz)
# Without clang/libFuzzer only the replay runs.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$ROOT/build/scratch-cbor/fuzz}
TIME=${FUZZ_TIME:-60}
SRC="$ROOT/tests/fuzz/fuzz_msg.c $ROOT/agent/cbor.c $ROOT/agent/msg.c"
mkdir -p "$OUT/corpus" "$OUT/seeds" "$OUT/artifacts"

# Seeds: every message the interop program encodes, plus a few edge bodies.
gcc -std=c11 -O1 -I"$ROOT" "$ROOT/tests/interop/cbor_vectors.c" \
	"$ROOT/agent/cbor.c" "$ROOT/agent/msg.c" -o "$OUT/cbor_vectors"
"$OUT/cbor_vectors" encode "$OUT/seeds"
printf '\001\003\000\000\000\000\000\000\277\001\002\377' >"$OUT/seeds/indef"
printf '\001\002\000\000\000\000\000\001\201\201\201\201\201\201\201\201\201\201\201\201\201\201\201\201\201\000' >"$OUT/seeds/deep"
printf '\001\004\000\000\000\000\000\011\241\142op\002' >"$OUT/seeds/cmd_uint"

rc=0
if command -v clang >/dev/null 2>&1; then
	clang -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -I"$ROOT" $SRC -o "$OUT/fuzz_msg"
	set -- -max_total_time="$TIME" -max_len=2048 \
		-dict="$ROOT/tests/fuzz/msg.dict" \
		-artifact_prefix="$OUT/artifacts/" -print_final_stats=1
	[ -n "${FUZZ_RUNS:-}" ] && set -- "$@" -runs="$FUZZ_RUNS"
	"$OUT/fuzz_msg" "$@" "$OUT/corpus" "$OUT/seeds" || rc=$?
else
	echo "clang not found: libFuzzer run skipped" >&2
fi

# Plain-C replay (gcc + ASan/UBSan): corpus, seeds and any crash artifacts.
gcc -std=c11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	-I"$ROOT" $SRC "$ROOT/tests/fuzz/replay.c" -o "$OUT/replay"
"$OUT/replay" "$OUT/seeds" "$OUT/corpus" || rc=$?
exit $rc
