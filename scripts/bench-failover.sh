#!/bin/bash
# bench-failover: failover latency of the agent on real kernel SCTP (qemu VM,
# tests/vm/scenarios/bench_failover.sh) against three peers (the reference
# controller at the kernel's delayed SACK, the same SACKing every packet,
# lksctp-tools' sctp_darn): link-down and blackhole of the Ethernet path,
# RUNS runs each at a random phase, board defaults vs Linux's default SCTP
# settings (the baseline, same VM run); steady Ethernet latency; idle
# cellular bytes; a 100-flap soak. Once per architecture (one VM boot each).
# Usage: scripts/bench-failover.sh [--arch amd64|arm64|all] [--runs N]
#        [--bindir DIR] [--alternatives] [--soak FLAPS | --no-soak]
#        [--peers ctl,ctl1,darn] [--profiles P,..] [--verbose] [--dump]
# Prints per arch a header and (one line each):
#   failover <case> peer=<p> worst_ms=.. median_worst_ms=.. gap_ms=.. lost=.. dup=.. spurious=.. baseline_worst_ms=..
#   # detail <case> peer=<p>: per-run figures, the baseline's median/lost/dup
#   floor cell peer=<p> worst_ms=.. median_worst_ms=..: the same window with
#     eth down since 2.5 s before it (no failover, all on cell): the bed's floor
#   steady eth latency peer=<p> median_ms=.. p99_ms=.. n=.. baseline_median_ms=.. baseline_p99_ms=..
#   idle cell bytes_per_month board=..MB linux=..MB (...)
#   soak peer=<p> flaps=100 failovers=.. real_faults=.. lost=.. dup=.. ooo=.. spurious=.. ...
#   # vm stalls=.. max_late_ms=..  (vCPU stalls >= 20 ms seen: machine load)
# --alternatives adds the reference controller against two other designs
# (peer=ctl/noibit: no SACK-IMMEDIATELY, the learned RTO floor alone;
# peer=ctl/hb: the same with 100 ms Ethernet heartbeats); --profiles
# names them (and floorN: the board with rto_min_ms = N on eth); --verbose adds
# the per-run lines; --dump adds each board fault run's agent log (debug
# level) and its readings slower than 60 ms. Exit 1 if a VM run failed or a soak was not ok. KEEP_LOG=1 keeps the logs.
set -u
cd "$(dirname "$0")/.."
ARCHS="amd64 arm64" RUNS=5 BINDIR= VERBOSE=0 DUMP=0 APPEND=""
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) ARCHS=$2; [ "$ARCHS" = all ] && ARCHS="amd64 arm64"; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--bindir) BINDIR=$2; shift 2 ;;
	--alternatives) APPEND="$APPEND bench.profiles=noibit,hb"; shift ;;
	--profiles) APPEND="$APPEND bench.profiles=$2"; shift 2 ;;
	--no-soak) APPEND="$APPEND bench.soak=0"; shift ;;
	--soak) APPEND="$APPEND bench.soak=$2"; shift 2 ;;
	--peers) APPEND="$APPEND bench.peers=$2"; shift 2 ;;
	--verbose) VERBOSE=1; shift ;;
	--dump) APPEND="$APPEND bench.dump=1"; DUMP=1; shift ;;
	*) echo "usage: $0 [--arch amd64|arm64|all] [--runs N] [--bindir DIR] [--alternatives] [--profiles LIST] [--soak N | --no-soak] [--peers LIST] [--verbose] [--dump]" >&2; exit 2 ;;
	esac
done
rc=0
for arch in $ARCHS; do
	cfg=qemu_$arch
	bindir=$BINDIR
	if [ -z "$bindir" ]; then
		bindir=build/$cfg/benchbin
		if ! { make --no-print-directory -j"$(nproc)" CONFIG=$cfg &&
			make --no-print-directory -j"$(nproc)" -f scripts/build.mk O=build/$cfg progs; } \
			>build/.log-bench-failover-$cfg 2>&1; then
			echo "bench-failover: build $cfg failed" >&2
			tail -20 build/.log-bench-failover-$cfg >&2
			exit 1
		fi
		rm -rf "$bindir"
		mkdir -p "$bindir"
		cp build/$cfg/sctpagent.stripped "$bindir/sctpagent"
		cp build/$cfg/sctpctl build/$cfg/vm_stallmon "$bindir/"
	fi
	log=$(mktemp /tmp/bench-failover-$arch.XXXXXX.log)
	start=$SECONDS
	tests/vm/run.sh --arch "$arch" --bindir "$bindir" --scenarios bench_failover \
		--duration "$RUNS" ${APPEND:+--append "${APPEND# }"} --scenario-timeout 3300 \
		--timeout 3600 --log "$log" >"$log.out" 2>&1
	r=$?
	[ $VERBOSE = 1 ] && grep -E 'BENCH-RUN|STEADY|IDLE|SOAK' "$log" | tr -d '\r'
	[ $DUMP = 1 ] && grep -E '^(AGENTLOG|SLOW) ' "$log" | tr -d '\r'
	kernel=$(grep -m1 '^VMTEST-KERNEL' "$log" | tr -d '\r' | cut -d' ' -f2-)
	echo "# bench-failover: arch $arch, kernel $kernel, $RUNS runs per case and peer, cell 40 ms +-5 ms each way, $((SECONDS - start)) s; host load $(cut -d' ' -f1-3 /proc/loadavg)"
	grep '^BENCH ' "$log" | tr -d '\r' | sed 's/^BENCH //'
	if grep -q '^BENCH soak .* ok=NO' "$log"; then
		echo "bench-failover: $arch soak not ok (lost, duplicated, out of order, spurious, or failovers != real faults)" >&2
		rc=1
	fi
	if [ $r -ne 0 ] || ! grep -q 'VMTEST bench_failover PASS' "$log"; then
		echo "bench-failover: $arch VM run failed (log $log)" >&2
		tail -30 "$log.out" >&2
		rc=1
		continue
	fi
	[ "${KEEP_LOG:-0}" = 1 ] && echo "# serial log: $log" || rm -f "$log" "$log.out"
done
exit $rc
