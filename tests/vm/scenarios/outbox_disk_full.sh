#!/bin/sh
# outbox_disk_full: state_dir on a file system that fills up (a 384 KiB
# ext2 image on a loop device) with controller a up and b down, the outbox
# allowed more than the disk has (512 KiB: segments of 128 KiB). The
# outbox hits ENOSPC and drops its oldest segments; then another program
# takes every block the outbox frees, until only the segment it wrote last
# is left: the outbox runs from memory (an alarm); the file goes and the
# outbox writes again. Asserts: the agent never stops; a gets every reading once, in
# order, nothing lost; b, back at the end, gets every reading or a GAP
# naming it (never both), and what it is told it lost is what the agent
# counted; the alarm and the recovery are logged.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
IMG=$VMTEST_WORK/small.img
MNT=/mnt/small
truncate -s 384K "$IMG" || fail "truncate"
LOOP=$(losetup -f) || fail "no loop device (loop module?)"
check "losetup" losetup "$LOOP" "$IMG"
cleanup() { umount "$MNT" 2>/dev/null; losetup -d "$LOOP" 2>/dev/null; }
trap 'cleanup; _vt_cleanup' EXIT
check "mke2fs" mke2fs -q -b 1024 "$LOOP" >/dev/null 2>&1
mkdir -p "$MNT"
check "mount $LOOP" mount -t ext4 "$LOOP" "$MNT"
log "small disk: $(df -k "$MNT" | tail -n1)"
ns_create agent
ns_create ctrl
veth_pair agent eth0 10.9.3.1/24 ctrl eth0 10.9.3.2/24
addr_add ctrl eth0 10.9.3.3/24
INI=$VMTEST_WORK/agent.ini
agent_ini "$INI" df "$MNT/state"
ini_set "$INI" reconnect_min_ms 200
ini_set "$INI" reconnect_max_ms 500
ini_set "$INI" outbox_max_bytes 512K
ini_set "$INI" outbox_free_pct 100
ini_ctrl "$INI" a 10.9.3.2
printf '[controller.b]\naddress = 10.9.3.3\nport = 9911\n' >> "$INI"
for s in 1 2 3 4; do ini_counter "$INI" s$s $s 10; done
bg_start ca ctrl sctpctl -l 10.9.3.2 -n a
wait_sctp_listen ctrl 9910 10 || fail "a not listening"
bg_start agent agent sctpagent -c "$INI"
# until the outbox had to drop segments for a full disk
wait_for_line "$(bg_log agent)" 'disk full: dropped' 60 ||
	{ dump agent; log "$(grep 'outbox' "$(bg_log agent)" | tail -n5)"
	  log "$(df -k "$MNT" | tail -n1)"; fail "the disk never filled"; }
log "disk full, oldest dropped: $(grep -c 'disk full: dropped' "$(bg_log agent)") times so far"
# another program takes what is left, and what the outbox frees
t=0
until grep -q 'ALARM: the outbox in .* cannot write' "$(bg_log agent)"; do
	cat /dev/zero >> "$MNT/filler" 2>/dev/null
	t=$((t + 1))
	[ $t -gt 300 ] && { dump agent; fail "no alarm when nothing could be dropped"; }
	sleep 0.1
done
sleep 2
check "the agent runs on memory" bg_alive agent
rm -f "$MNT/filler"
wait_for_line "$(bg_log agent)" 'the outbox in .* writes again' 90 ||
	{ dump agent; fail "the outbox did not recover when space came back"; }
sleep 1
bg_start cb ctrl sctpctl -l 10.9.3.3 -p 9911 -n b
wait_for_lines "$(bg_log cb)" '^\{"agent":' 50 30 || { dump agent cb; fail "b got nothing"; }
sleep 3
kill -USR1 "$(bg_pid agent)"
sleep 0.5
bg_kill agent TERM
check "a summary" ctl_stop ca
check "b summary" ctl_stop cb
r=$(ctl_exactly_once ca)
case "$r" in ok*) ;; *) dump ca; fail "a: $r" ;; esac
[ "$(ctl_summary ca lost)" = 0 ] || fail "a lost $(ctl_summary ca lost)"
# b: no reading after a GAP named it (the controller counts such a seq a
# duplicate, not a reading), every seq seen or named lost
[ "$(ctl_summary cb gaps)" = 0 ] || { dump cb; fail "b: $(ctl_summary cb gaps) seqs neither received nor named lost"; }
lost_b=$(ctl_summary cb lost)
[ "$lost_b" -gt 0 ] || {
	log "b: $(grep -c '^{"agent":' "$(bg_log cb)") readings; $(grep '"event":"gap"' "$(bg_log cb)" | head -n3)"
	log "agent: $(grep -E 'dropped|ALARM|writes again|ctrl=b.*(sent|GAP)' "$(bg_log agent)" | tail -n8)"
	fail "b lost nothing although the disk was full"; }
told=$(grep 'ctrl=b ' "$(bg_log agent)" | sed -n 's/.*, lost \([0-9]*\) in [0-9]* GAPs.*/\1/p' | tail -n1)
[ "$told" = "$lost_b" ] || fail "b: the agent counted ${told:-?} lost, the controller $lost_b"
log "a: $r; b: $(ctl_summary cb readings) readings, $lost_b named lost (= the agent's count)"
pass
