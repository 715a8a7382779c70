#!/bin/sh
# disk_flakey: a disk whose writes fail (dm-flakey error_writes over the
# virtio disk; no agent). fsync reports the I/O error, reads keep working,
# and the data written before the failure is intact once the disk is good
# again.
. /vmtest/lib.sh
need_disk
W=$VMTEST_WORK
dmsetup targets 2>/dev/null | grep -q '^flakey' || fail "no dm-flakey target"
sectors=$(cat /sys/block/vda/size)
FL=/dev/mapper/vt_flakey
MNT=/mnt/flakey
table() { echo "0 $sectors $*"; }
restore() {
	dmsetup suspend vt_flakey 2>/dev/null
	dmsetup load vt_flakey --table "$(table linear /dev/vda 0)" 2>/dev/null
	dmsetup resume vt_flakey 2>/dev/null
	umount "$MNT" 2>/dev/null
	dmsetup remove vt_flakey 2>/dev/null
	grep -q " $VMTEST_DISK " /proc/mounts || mount -t ext4 /dev/vda "$VMTEST_DISK"
}
trap restore EXIT
check "umount $VMTEST_DISK" umount "$VMTEST_DISK"
check "dmsetup create" dmsetup create vt_flakey --table "$(table linear /dev/vda 0)"
[ -b $FL ] || dmsetup mknodes vt_flakey
mkdir -p $MNT
check "mount $FL" mount -t ext4 $FL $MNT
rm -rf $MNT/flakey
mkdir -p $MNT/flakey
echo before > $MNT/flakey/before
sync
# From now on every write fails: up 0 s, down 3600 s, error_writes.
check "flakey table" dmsetup suspend vt_flakey
check "flakey load" dmsetup load vt_flakey --table "$(table flakey /dev/vda 0 0 3600 1 error_writes)"
check "flakey resume" dmsetup resume vt_flakey
if dd if=/dev/zero of=$MNT/flakey/after bs=4k count=8 conv=fsync 2>"$W/dd.err"; then
	fail "fsync succeeded on a disk whose writes fail"
fi
log "dd: $(tr '\n' ' ' < "$W/dd.err")"
grep -qiE 'Input/output error|I/O error|Read-only' "$W/dd.err" || fail "dd failed without an I/O error: $(cat "$W/dd.err")"
check "reads still work" [ "$(cat $MNT/flakey/before)" = before ]
log "kernel: $(dmesg | grep -iE 'flakey|I/O error|journal' | tail -n 3 | tr '\n' ' ')"
restore
trap - EXIT
check "the disk is back" grep -q " $VMTEST_DISK " /proc/mounts
check "data from before the failure" [ "$(cat "$VMTEST_DISK/flakey/before")" = before ]
rm -rf "$VMTEST_DISK/flakey"
sync
pass
