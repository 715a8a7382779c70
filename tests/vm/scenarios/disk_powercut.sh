#!/bin/sh
# disk_powercut: the disk bed itself (no agent). What reached the virtio disk
# (sync, fsync) survives qemu being killed; what only sat in the guest's page
# cache does not; the journal replays and the file system mounts again.
. /vmtest/lib.sh
need_disk
D=$VMTEST_DISK/powercut
case $VMTEST_BOOT in
1)
	rm -rf "$D"
	mkdir -p "$D"
	hold_page_cache
	i=0
	while [ $i -lt 100 ]; do echo "synced line $i"; i=$((i + 1)); done > "$D/synced"
	(cd "$D" && md5sum synced > synced.md5)
	sync
	check "fsync" dd if=/dev/zero of="$D/fsynced" bs=4k count=16 conv=fsync 2>/dev/null
	# Not synced: an append to a durable file, a new 256 KiB file.
	echo "unsynced line" >> "$D/synced"
	dd if=/dev/urandom of="$D/unsynced" bs=4k count=64 2>/dev/null
	check "256 KiB written" [ "$(wc -c < "$D/unsynced")" = 262144 ]
	powercut
	;;
*)
	log "boot $VMTEST_BOOT after the cut: $(dmesg | grep -i 'ext4.*recovery complete' | tail -n1)"
	check "the synced file survived" [ -f "$D/synced" ]
	(cd "$D" && md5sum -c synced.md5 >/dev/null 2>&1) ||
		fail "synced file changed: $(wc -l < "$D/synced") lines (100 expected; the unsynced append must be gone)"
	check "the fsynced file survived" [ "$(wc -c < "$D/fsynced" 2>/dev/null)" = 65536 ]
	if [ -f "$D/unsynced" ] && [ "$(wc -c < "$D/unsynced")" = 262144 ]; then
		fail "256 KiB never synced survived the cut: the bed does not lose the page cache"
	fi
	log "unsynced file after the cut: $(ls -l "$D/unsynced" 2>&1)"
	rm -rf "$D"
	sync
	pass
	;;
esac
