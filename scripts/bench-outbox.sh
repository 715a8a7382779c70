#!/bin/bash
# scripts/bench-outbox.sh (make bench-outbox; the first part of make bench):
# host micro-benchmarks of the persistent outbox.
#   writes per reading: bytes and fdatasync calls per reading message at 1,
#     10 and 100 readings/s, counted at the file port on a simulated clock,
#     against an fdatasync after every record (the baseline, same run);
#   recovery: outbox_open() time per MiB with the segment index and with a
#     full scan (what a crash leaves), against a plain read of the same
#     files (same run), on this machine's file system under build/;
#   the fdatasync latency of that file system.
# Output: the tables on stdout, also in $BENCH_OUT/table.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${BENCH_OUT:-build/bench/outbox-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
{ make --no-print-directory -j2 CONFIG=host >/dev/null &&
	make --no-print-directory -j2 -f scripts/build.mk O=build/host \
		build/host/outbox_bench_io build/host/outbox_bench_wear; } \
	>"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log"; exit 1; }
fs="$OUT/fs"
rm -rf "$fs"
mkdir -p "$fs"
{
	echo "# outbox micro-benchmarks $(date -u +%Y-%m-%dT%H:%MZ), $(uname -m), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), file system $(stat -f -c %T "$fs")"
	build/host/outbox_bench_wear
	echo
	build/host/outbox_bench_io "$fs" 2>"$OUT/io.log"
} | tee "$OUT/table.txt"
rm -rf "$fs"
