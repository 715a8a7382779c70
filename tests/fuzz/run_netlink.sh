#!/bin/sh
# SPDX-License-Identifier: MIT
# Build and run the rtnetlink parser fuzzer (port/posix/nlparse.c) for a
# bounded time, then replay the corpus with a plain gcc+ASan driver. Exit
# non-zero on any finding.
#   FUZZ_TIME  seconds for libFuzzer (default 30)
#   FUZZ_RUNS  also cap the number of runs (default: no cap)
#   OUT        work directory (default build/scratch-netlink/fuzz)
# Seeds: the running kernel's own RTM_GETLINK/RTM_GETADDR dump datagrams
# (tests/interop/netlink_dump.c raw; skipped where NETLINK_ROUTE is not
# available) plus a few hand-made control messages.
# Without clang/libFuzzer only the replay runs.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$ROOT/build/scratch-netlink/fuzz}
TIME=${FUZZ_TIME:-30}
SRC="$ROOT/tests/fuzz/fuzz_netlink.c $ROOT/port/posix/nlparse.c $ROOT/port/netaddr.c"
mkdir -p "$OUT/corpus" "$OUT/seeds" "$OUT/artifacts"

gcc -std=c11 -O1 -I"$ROOT" "$ROOT/tests/interop/netlink_dump.c" \
	"$ROOT/port/posix/netlink.c" "$ROOT/port/posix/nlparse.c" \
	"$ROOT/port/netaddr.c" -o "$OUT/netlink_dump"
if "$OUT/netlink_dump" raw "$OUT/seeds"; then
	cat "$OUT/seeds"/link-* "$OUT/seeds"/addr-* >"$OUT/seeds/all"
else
	echo "no NETLINK_ROUTE here: kernel seeds skipped" >&2
fi
# NLMSG_DONE (len 20, error 0), NLMSG_ERROR -EBUSY, NLMSG_NOOP (little endian)
printf '\024\000\000\000\003\000\002\000\001\000\000\000\000\000\000\000\000\000\000\000' >"$OUT/seeds/done"
printf '\044\000\000\000\002\000\000\000\001\000\000\000\000\000\000\000\360\377\377\377\024\000\000\000\026\000\001\003\001\000\000\000\000\000\000\000' >"$OUT/seeds/error"
printf '\020\000\000\000\001\000\000\000\000\000\000\000\000\000\000\000' >"$OUT/seeds/noop"

rc=0
if command -v clang >/dev/null 2>&1; then
	clang -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -I"$ROOT" $SRC -o "$OUT/fuzz_netlink"
	set -- -max_total_time="$TIME" -max_len=8192 \
		-artifact_prefix="$OUT/artifacts/" -print_final_stats=1
	[ -n "${FUZZ_RUNS:-}" ] && set -- "$@" -runs="$FUZZ_RUNS"
	"$OUT/fuzz_netlink" "$@" "$OUT/corpus" "$OUT/seeds" || rc=$?
else
	echo "clang not found: libFuzzer run skipped" >&2
fi

# Plain-C replay (gcc + ASan/UBSan): corpus, seeds and any crash artifacts.
gcc -std=c11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	-I"$ROOT" $SRC "$ROOT/tests/fuzz/replay.c" -o "$OUT/replay"
"$OUT/replay" "$OUT/seeds" "$OUT/corpus" "$OUT/artifacts" || rc=$?
exit $rc
