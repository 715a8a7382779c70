#!/bin/bash
# bench-failover: failover latency of the agent on real kernel SCTP (qemu VM,
# tests/vm/scenarios/bench_failover.sh): link-down and blackhole of the
# Ethernet path, RUNS runs each at a random phase, board defaults vs Linux's
# default SCTP settings; steady-state Ethernet latency; idle cellular bytes.
# Usage: scripts/bench-failover.sh [--arch amd64|arm64] [--runs N] [--bindir DIR]
# Prints (one line each):
#   failover <case> worst_ms=.. median_worst_ms=.. gap_ms=.. lost=.. dup=.. baseline_worst_ms=.. [...]
#   steady eth latency median_ms=.. p99_ms=.. n=.. baseline_median_ms=.. baseline_p99_ms=..
#   idle cell bytes_per_month board=..MB linux=..MB (...)
# and the per-run lines with --verbose. Exit 1 if the VM run failed.
set -u
cd "$(dirname "$0")/.."
ARCH=amd64 RUNS=5 BINDIR= VERBOSE=0
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) ARCH=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--bindir) BINDIR=$2; shift 2 ;;
	--verbose) VERBOSE=1; shift ;;
	*) echo "usage: $0 [--arch amd64|arm64] [--runs N] [--bindir DIR] [--verbose]" >&2; exit 2 ;;
	esac
done
cfg=qemu_$ARCH
if [ -z "$BINDIR" ]; then
	BINDIR=build/$cfg/benchbin
	if ! { make --no-print-directory -j"$(nproc)" CONFIG=$cfg &&
		make --no-print-directory -j"$(nproc)" -f scripts/build.mk O=build/$cfg progs; } \
		>build/.log-bench-failover-$cfg 2>&1; then
		echo "bench-failover: build $cfg failed" >&2
		tail -20 build/.log-bench-failover-$cfg >&2
		exit 1
	fi
	rm -rf "$BINDIR"
	mkdir -p "$BINDIR"
	cp build/$cfg/sctpagent.stripped "$BINDIR/sctpagent"
	cp build/$cfg/sctpctl "$BINDIR/"
fi
log=$(mktemp /tmp/bench-failover.XXXXXX.log)
start=$SECONDS
tests/vm/run.sh --arch "$ARCH" --bindir "$BINDIR" --scenarios bench_failover \
	--duration "$RUNS" --scenario-timeout 900 --timeout 1200 --log "$log" >"$log.out" 2>&1
rc=$?
[ $VERBOSE = 1 ] && grep -E 'BENCH-RUN|STEADY|IDLE' "$log" | tr -d '\r'
kernel=$(grep -m1 '^VMTEST-KERNEL' "$log" | tr -d '\r' | cut -d' ' -f2-)
echo "# bench-failover: arch $ARCH, kernel $kernel, $RUNS runs per case, cell 40 ms +-5 ms each way, $((SECONDS - start)) s"
grep '^BENCH ' "$log" | tr -d '\r' | sed 's/^BENCH //'
if [ $rc -ne 0 ] || ! grep -q 'VMTEST bench_failover PASS' "$log"; then
	echo "bench-failover: VM run failed (log $log)" >&2
	tail -30 "$log.out" >&2
	exit 1
fi
[ "${KEEP_LOG:-0}" = 1 ] && echo "# serial log: $log" || rm -f "$log" "$log.out"
