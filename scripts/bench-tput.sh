#!/bin/bash
# bench-tput (part of make bench): uplink throughput of ~64-byte readings
# through the agent as a ratio to a raw ps_send loop on the same port in
# the same run, for kernel SCTP, kernel SCTP over UDP (RFC 6951) and the
# userspace stack (usrsctp); and bytes on the wire per reading with and
# without UDP. Runs tests/vm/scenarios/bench_tput.sh in the VM (real
# kernel SCTP; the usrsctp agent runs there too, same CPU).
# Usage: scripts/bench-tput.sh [--arch amd64|arm64] [--secs N]
# Prints the table; exit 1 if the VM run failed.
set -u
cd "$(dirname "$0")/.."
ARCH=amd64 SECS=3
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) ARCH=$2; shift 2 ;;
	--secs) SECS=$2; shift 2 ;;
	*) echo "usage: $0 [--arch amd64|arm64] [--secs N]" >&2; exit 2 ;;
	esac
done
cfg=qemu_$ARCH
BINDIR=build/$cfg/benchbin-tput
if ! { make --no-print-directory -j"$(nproc)" CONFIG=$cfg &&
	make --no-print-directory -j"$(nproc)" -f scripts/build.mk O=build/$cfg progs; } \
	>build/.log-bench-tput-$cfg 2>&1; then
	echo "bench-tput: build $cfg failed" >&2
	tail -20 build/.log-bench-tput-$cfg >&2
	exit 1
fi
rm -rf "$BINDIR"
mkdir -p "$BINDIR"
cp build/$cfg/sctpagent.stripped "$BINDIR/sctpagent"
cp build/$cfg/sctpctl build/$cfg/bench_tput "$BINDIR/"
log=$(mktemp /tmp/bench-tput.XXXXXX.log)
start=$SECONDS
tests/vm/run.sh --arch "$ARCH" --bindir "$BINDIR" --scenarios bench_tput \
	--duration "$SECS" --scenario-timeout 300 --timeout 600 --log "$log" >"$log.out" 2>&1
rc=$?
kernel=$(grep -m1 '^VMTEST-KERNEL' "$log" | tr -d '\r' | cut -d' ' -f2-)
echo "# bench-tput: arch $ARCH, kernel $kernel, ${SECS}s per run, $(nproc) host cores, load $(cut -d' ' -f1-3 /proc/loadavg), $((SECONDS - start)) s"
grep '^BENCH tput' "$log" | tr -d '\r' | awk '
BEGIN { print "| stack | raw ps_send loop (msg/s, median of 3) | through the agent (msg/s, median of 3) | ratio (goal >= 0.9) | agent msg bytes | runs raw / agent |"; print "|---|---|---|---|---|---|" }
{ for (i = 4; i <= NF; i++) { split($i, f, "="); v[f[1]] = f[2] }
  printf "| %s | %s | %s | %s | %s | %s / %s |\n", $3, v["raw"], v["agent"], v["ratio"], v["msg_bytes"], v["raw_runs"], v["agent_runs"] }'
echo
grep '^BENCH bytes' "$log" | tr -d '\r' | awk '
BEGIN { print "| stack | readings | IP bytes (both ways, whole association) | bytes per reading |"; print "|---|---|---|---|" }
{ for (i = 4; i <= NF; i++) { split($i, f, "="); v[f[1]] = f[2] }
  printf "| %s | %s | %s | %s |\n", $3, v["readings"], v["ip_bytes"], v["per_reading"] }'
if [ $rc -ne 0 ] || ! grep -q 'VMTEST bench_tput PASS' "$log"; then
	echo "bench-tput: VM run failed (log $log)" >&2
	tail -30 "$log.out" >&2
	exit 1
fi
rm -f "$log" "$log.out"
