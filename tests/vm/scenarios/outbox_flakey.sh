#!/bin/sh
# outbox_flakey: state_dir on a disk whose writes start failing (dm-flakey
# error_writes over a loop device) while controller a is up and b is down:
# fsync and write return EIO. The agent raises an alarm and keeps every
# reading in memory (a still gets them live), then the disk works again
# and the outbox writes what it held to it. Finally the agent is killed
# with SIGKILL and started again: b gets every reading of both runs once,
# in order, nothing named lost; so does a.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
dmsetup targets 2>/dev/null | grep -q '^flakey' || fail "no dm-flakey target"
IMG=$VMTEST_WORK/flakey.img
MNT=/mnt/obflakey
truncate -s 16M "$IMG" || fail "truncate"
LOOP=$(losetup -f) || fail "no loop device (loop module?)"
check "losetup" losetup "$LOOP" "$IMG"
SECT=$(( 16 * 1024 * 2 ))
table() { echo "0 $SECT $*"; }
cleanup() {
	dmsetup suspend --nolockfs obfl 2>/dev/null
	dmsetup load obfl --table "$(table linear "$LOOP" 0)" 2>/dev/null
	dmsetup resume obfl 2>/dev/null
	umount "$MNT" 2>/dev/null
	dmsetup remove obfl 2>/dev/null
	losetup -d "$LOOP" 2>/dev/null
}
trap 'cleanup; _vt_cleanup' EXIT
check "dmsetup create" dmsetup create obfl --table "$(table linear "$LOOP" 0)"
[ -b /dev/mapper/obfl ] || dmsetup mknodes obfl
check "mke2fs" mke2fs -q /dev/mapper/obfl >/dev/null 2>&1
mkdir -p "$MNT"
check "mount" mount -t ext4 -o errors=continue /dev/mapper/obfl "$MNT"
# --nolockfs: freezing the file system would write to the failing disk
set_table() {
	dmsetup suspend --nolockfs obfl && dmsetup load obfl --table "$(table "$@")" &&
		dmsetup resume obfl || fail "dmsetup $*"
}
ns_create agent
ns_create ctrl
veth_pair agent eth0 10.9.4.1/24 ctrl eth0 10.9.4.2/24
addr_add ctrl eth0 10.9.4.3/24
INI=$VMTEST_WORK/agent.ini
agent_ini "$INI" fl "$MNT/state"
ini_set "$INI" reconnect_min_ms 200
ini_set "$INI" reconnect_max_ms 500
ini_ctrl "$INI" a 10.9.4.2
printf '[controller.b]\naddress = 10.9.4.3\nport = 9911\n' >> "$INI"
ini_counter "$INI" s1 1 20
ini_counter "$INI" s2 2 100
bg_start ca ctrl sctpctl -l 10.9.4.2 -n a
wait_sctp_listen ctrl 9910 10 || fail "a not listening"
bg_start agent agent sctpagent -c "$INI"
wait_for_lines "$(bg_log ca)" '^\{"agent":' 50 30 || { dump agent ca; fail "a got nothing"; }
sleep 2
set_table flakey "$LOOP" 0 0 3600 1 error_writes	# every write fails
wait_for_line "$(bg_log agent)" 'ALARM: the outbox in .* cannot write' 30 ||
	{ dump agent; fail "no alarm when the disk failed"; }
n0=$(ctl_count ca)
sleep 3
[ "$(ctl_count ca)" -gt $((n0 + 50)) ] || fail "a got nothing while the disk failed"
check "the agent runs" bg_alive agent
set_table linear "$LOOP" 0			# the disk works again
wait_for_line "$(bg_log agent)" 'the outbox in .* writes again' 90 ||
	{ dump agent; fail "the outbox did not recover"; }
sleep 1
bg_kill agent KILL
bg_start agent2 agent sctpagent -c "$INI"
bg_start cb ctrl sctpctl -l 10.9.4.3 -p 9911 -n b
wait_sctp_listen ctrl 9911 10 || fail "b not listening"
wait_for_line "$(bg_log agent2)" 'outbox: .*: epoch' 20 || { dump agent2; fail "no restart"; }
e2=$(agent_epoch "$(bg_log agent2)")
wait_for_lines "$(bg_log cb)" "\"epoch\":$e2}" 20 60 || { dump agent2 cb; fail "b: no readings of the new run"; }
sleep 3
bg_kill agent2 TERM
check "a summary" ctl_stop ca
check "b summary" ctl_stop cb
for c in ca cb; do
	r=$(ctl_exactly_once $c)
	case "$r" in ok*) ;; *) dump $c; fail "$c: $r" ;; esac
	[ "$(ctl_summary $c lost)" = 0 ] || fail "$c lost $(ctl_summary $c lost)"
	log "$c: $r, $(ctl_summary $c dups) duplicates removed"
done
grep -q 'memory segments written to the device' "$(bg_log agent)" ||
	fail "the memory tier was not written out"
pass
