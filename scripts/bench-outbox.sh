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
[ "${BENCH_HOST:-1}" = 0 ] || {
	echo "# outbox micro-benchmarks $(date -u +%Y-%m-%dT%H:%MZ), $(uname -m), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), file system $(stat -f -c %T "$fs")"
	build/host/outbox_bench_wear
	echo
	build/host/outbox_bench_io "$fs" 2>"$OUT/io.log"
} | tee "$OUT/table.txt"
rm -rf "$fs"

# --- the agent on the ext4 virtio disk, in the VM -----------------------------
# tests/vm/scenarios/bench_outbox.sh (device writes per reading from
# /proc/diskstats, Rss with a full outbox, recovery per MiB) and
# outbox_outage.sh with a longer outage at 256 kbit/s (replay rate vs
# link rate). BENCH_VM=0 skips it (BENCH_HOST=0 the host part); BENCH_ARCH (amd64), BENCH_WEAR_S (20),
# BENCH_FULL_MB (4), BENCH_OUTAGE_MSGS (9000), BENCH_KBIT (256).
[ "${BENCH_VM:-1}" = 0 ] && exit 0
ARCH=${BENCH_ARCH:-amd64}
cfg=qemu_$ARCH
{ make --no-print-directory -j2 CONFIG=$cfg &&
	make --no-print-directory -j2 -f scripts/build.mk O=build/$cfg progs; } \
	>>"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log"; exit 1; }
BIN=$OUT/bin
mkdir -p "$BIN"
cp build/$cfg/sctpagent.stripped "$BIN/sctpagent"
cp build/$cfg/sctpctl "$BIN/"
KBIT=${BENCH_KBIT:-256}
echo "bench-outbox: the agent in the $ARCH VM on an ext4 virtio disk (about 5 min)" >&2
tests/vm/run.sh --arch "$ARCH" --bindir "$BIN" --scenarios bench_outbox,outbox_outage \
	--mkdisk 256M --log "$OUT/serial-vm.log" --timeout 1500 --scenario-timeout 700 \
	--append "wear_s=${BENCH_WEAR_S:-20} full_mb=${BENCH_FULL_MB:-4} outage_msgs=${BENCH_OUTAGE_MSGS:-9000} outage_kbit=$KBIT" \
	>"$OUT/run-vm.log" 2>&1 ||
	echo "bench-outbox: $(grep -E '^(FAIL|MISSING)' "$OUT/run-vm.log" | tr '\n' ' ')(the figures below are still what was measured)" >&2
tr -d '\r' < "$OUT/serial-vm.log" > "$OUT/serial-vm.txt"
kv() { sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
{
	echo
	echo "# the agent in the VM: $(grep -o 'kernel [^ ]* ([^)]*)' "$OUT/run-vm.log" | head -n1), TCG, ext4 on virtio-blk, host load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "device writes per reading (/proc/diskstats of the virtio disk, journal included; one sensor; baseline sync_interval_ms=0 in the same run)"
	printf '%-6s %-5s %-7s %-8s %-10s %-10s %-12s %-10s %s\n' rate/s ctrl sync_ms readings writes/rdg KiB/rdg flushes/rdg writes/s writes_vs_every
	grep '^BENCH-OB wear' "$OUT/serial-vm.txt" | awk '
		function v(k,  i) { for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2) + 0 }
		{ r = v("rate"); c = $0; sub(/.*ctrl=/, "", c); sub(/ .*/, "", c); s = v("sync"); n = v("readings")
		  k = r "/" c "/" s; W[k] = v("writes"); K[k] = v("kib"); F[k] = v("flushes"); N[k] = n; o[++m] = k; R[k] = r; C[k] = c; S[k] = s }
		END { for (i = 1; i <= m; i++) { k = o[i]; b = R[k] "/" C[k] "/0"; n = N[k] ? N[k] : 1
			printf "%-6d %-5s %-7d %-8d %-10.3f %-10.3f %-12.3f %-10.2f %.3f\n", R[k], C[k], S[k], N[k],
			  W[k] / n, K[k] / n, F[k] / n, W[k] * R[k] / n, W[b] ? W[k] / W[b] : 0 } }'
	echo
	echo "replay after an outage (bytes on the tbf-shaped link during the replay / its time; baseline: the link's rate)"
	o=$(grep 'OUTAGE held=' "$OUT/serial-vm.txt" | tail -n1)
	printf '%-8s %-10s %-12s %-11s %-11s %s\n' msgs replay_ms link_bytes replay_kbit link_kbit vs_link
	awk -v h="$(echo "$o" | kv held)" -v ms="$(echo "$o" | kv replay_ms)" -v b="$(echo "$o" | kv link_bytes)" \
		-v r="$(echo "$o" | kv rate_kbit)" -v l="$KBIT" \
		'BEGIN { printf "%-8d %-10d %-12d %-11d %-11d %.2f\n", h, ms, b, r, l, r / l }'
	echo
	echo "recovery after kill -9 with a full outbox (cold page cache; baseline: cat of the same files, same cache state)"
	l=$(grep '^BENCH-OB recovery' "$OUT/serial-vm.txt" | tail -n1)
	printf '%-10s %-9s %-12s %-8s %-12s %-12s %s\n' bytes segments recovery_ms read_ms recov_ms/MiB read_ms/MiB ratio
	awk -v B="$(echo "$l" | kv bytes)" -v S="$(echo "$l" | kv segments)" -v M="$(echo "$l" | kv ms)" -v R="$(echo "$l" | kv read_ms)" \
		'BEGIN { mib = B / 1048576; if (!mib) mib = 1; printf "%-10d %-9d %-12d %-8d %-12.1f %-12.1f %.2f\n",
		  B, S, M, R, M / mib, R / mib, R ? M / R : 0 }'
	echo
	echo "agent Rss (smaps_rollup) with an empty and a full outbox (32 sensors, controller down; baseline: empty, same run)"
	printf '%-6s %-8s %-14s %s\n' phase rss_kB outbox_bytes vs_empty
	grep '^BENCH-OB rss' "$OUT/serial-vm.txt" | awk '
		{ p = $3; sub(/phase=/, "", p); r = $4; sub(/rss_kb=/, "", r); b = $5; sub(/outbox_bytes=/, "", b)
		  if (p == "empty") e = r; printf "%-6s %-8d %-14d %.2f\n", p, r, b, e ? r / e : 0 }'
} | tee -a "$OUT/table.txt"
