#!/bin/sh
# bench_outbox: the outbox on the ext4 virtio disk (scripts/bench-outbox.sh,
# docs/BENCH-outbox.md; run.sh --mkdisk). Prints one line per figure:
#   BENCH-OB wear rate=R sync=MS ctrl=up|down readings=N writes=W kib=K flushes=F
#     the device's writes, KiB written and flushes (/proc/diskstats of vda:
#     ext4's journal and metadata included) while one sensor gives R
#     readings/s for WEAR_S s, with sync_interval_ms MS (the default 1000,
#     and 0 = an fdatasync per record: the baseline), its controller up
#     (acknowledging) or down (everything kept);
#   BENCH-OB rss phase=empty|full rss_kb=N outbox_bytes=B
#     the agent's Rss (smaps_rollup) just after start and with its outbox
#     full (outbox_max_bytes = FULL_MB MiB, controller down, 32 sensors);
#   BENCH-OB recovery bytes=B segments=S ms=T read_ms=R
#     after kill -9 of that agent and a cold page cache: its outbox_open()
#     time against a plain read of the same files (cat, same cold cache).
# Kernel command line: wear_s= (default 20), full_mb= (4).
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
need_disk
arg() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" /proc/cmdline; }
WEAR_S=$(arg wear_s); WEAR_S=${WEAR_S:-20}
FULL_MB=$(arg full_mb); FULL_MB=${FULL_MB:-4}
D=$VMTEST_DISK/bench_outbox
DEV=$(awk -v m="$VMTEST_DISK" '$2 == m { print $1 }' /proc/mounts | sed 's|/dev/||')
[ -n "$DEV" ] || fail "no device under $VMTEST_DISK"
ns_create agent
ns_create ctrl
veth_pair agent eth0 10.9.5.1/24 ctrl eth0 10.9.5.2/24
INI=$VMTEST_WORK/agent.ini
# diskstats: writes completed, sectors written, flushes completed
dstat() { awk -v d="$DEV" '$3 == d { print $8, $10, ($19 == "" ? 0 : $19) }' /proc/diskstats; }
# readings the running agent numbered (its status log, SIGUSR1)
numbered() {
	local n0
	n0=$(grep -c ' readings [0-9]* (' "$(bg_log agent)")
	kill -USR1 "$(bg_pid agent)"
	wait_for_lines "$(bg_log agent)" ' readings [0-9]* \(' $((n0 + 1)) 5 >/dev/null
	sed -n 's/.* readings \([0-9]*\) (.*/\1/p' "$(bg_log agent)" | tail -n1
}
rss_kb() { awk '/^Rss:/ { print $2 }' "/proc/$(bg_pid agent)/smaps_rollup"; }
mkini() { # SYNC_MS [OUTBOX_MAX_BYTES]
	rm -rf "$D"
	mkdir -p "$D"
	agent_ini "$INI" bo "$D/state"
	ini_set "$INI" sync_interval_ms "$1"
	[ -z "${2:-}" ] || ini_set "$INI" outbox_max_bytes "$2"
	ini_set "$INI" reconnect_min_ms 1000
	ini_set "$INI" reconnect_max_ms 2000
	ini_ctrl "$INI" c1 10.9.5.2
}

wear() { # RATE SYNC_MS up|down
	local iv=$((1000 / $1)) s0 s1 r0 r1 secs=$WEAR_S
	[ "$1" -ge 100 ] && secs=$((WEAR_S / 2))
	mkini "$2"
	ini_counter "$INI" s1 1 $iv
	[ "$3" = up ] && ctl_start c1 ctrl 10.9.5.2
	bg_start agent agent sctpagent -c "$INI"
	wait_for_line "$(bg_log agent)" 'outbox: .*: epoch' 20 || { dump agent; fail "agent did not start"; }
	sleep 2
	sync
	r0=$(numbered); s0=$(dstat)
	sleep "$secs"
	r1=$(numbered); s1=$(dstat)
	bg_kill agent TERM
	[ "$3" = up ] && ctl_stop c1
	echo "$s0 $s1" | awk -v r="$1" -v s="$2" -v c="$3" -v n=$((r1 - r0)) '
		{ printf "BENCH-OB wear rate=%d sync=%d ctrl=%s readings=%d writes=%d kib=%d flushes=%d\n",
		  r, s, c, n, $4 - $1, ($5 - $2) / 2, $6 - $3 }'
}
for rate in 1 100; do
	for ctrl in down up; do
		for sync_ms in 1000 0; do
			wear $rate $sync_ms $ctrl
		done
	done
done

# a full outbox: its Rss, then recovery after kill -9
mkini 1000 "${FULL_MB}M"
i=1
while [ $i -le 32 ]; do ini_counter "$INI" f$i $i 10; i=$((i + 1)); done
bg_start agent agent sctpagent -c "$INI"
wait_for_line "$(bg_log agent)" 'outbox: .*: epoch' 20 || { dump agent; fail "agent did not start"; }
sleep 2
echo "BENCH-OB rss phase=empty rss_kb=$(rss_kb) outbox_bytes=$(du -sk "$D/state" | cut -f1)000"
wait_for_line "$(bg_log agent)" 'outbox full: dropped' 240 || { dump agent; fail "the outbox never filled"; }
sleep 2
echo "BENCH-OB rss phase=full rss_kb=$(rss_kb) outbox_bytes=$(du -sk "$D/state" | cut -f1)000"
bg_kill agent KILL
sync
echo 3 > /proc/sys/vm/drop_caches
up_cs() { cut -d' ' -f1 /proc/uptime | tr -d .; }
t0=$(up_cs); cat "$D"/state/outbox/* > /dev/null 2>&1; t1=$(up_cs)
echo 3 > /proc/sys/vm/drop_caches
mv "$(bg_log agent)" "$VMTEST_WORK/agent-full.log"
bg_start agent agent sctpagent -c "$INI"
wait_for_line "$(bg_log agent)" 'outbox: .*: epoch' 60 || { dump agent; fail "agent did not recover"; }
l=$(grep 'outbox: .*: epoch' "$(bg_log agent)" | head -n1)
log "$l"
segs=$(echo "$l" | sed -n 's/.*; \([0-9]*\) segments.*/\1/p')
bytes=$(echo "$l" | sed -n 's/.* segments, \([0-9]*\) bytes recovered.*/\1/p')
ms=$(echo "$l" | sed -n 's/.* recovered in \([0-9]*\) ms.*/\1/p')
echo "BENCH-OB recovery bytes=$bytes segments=$segs ms=$ms read_ms=$(( (t1 - t0) * 10 ))"
bg_kill agent TERM
rm -rf "$D"
pass
