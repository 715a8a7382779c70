#!/bin/bash
# systemd-vm.sh OUTDIR: the amd64 packages under a real systemd (Debian
# 12's 252) on Debian's kernel with SCTP, in qemu-system-x86_64: a Debian
# 12 amd64 root file system with systemd (mmdebstrap, cached by its
# package list) plus the VM test bed's kernel modules, booted as an
# initramfs with systemd as PID 1; scripts/deb/vm-systemd-test.sh runs as
# a unit and prints one "SDTEST ok|FAIL" line per check.
# Prints those lines and "systemd-vm: N passed, M failed"; exit 0 if none
# failed. Needs root (scripts/deb/userns.sh) and qemu-system-x86.
# systemd-vm.sh OUTDIR --rootfs: only build (or find) the cached rootfs.
set -u
cd "$(dirname "$0")/../.."
OUT=${1:-build/deb}
D=scripts/deb
V=$(cat VERSION)
A=$(dpkg --print-architecture)
[ "$A" = amd64 ] || { echo "systemd-vm: amd64 only (this is $A)"; exit 2; }
PKGS="systemd,systemd-sysv,procps,kmod,adduser"
MIRROR=http://deb.debian.org/debian
key=$(echo "bookworm amd64 essential $PKGS $MIRROR $(mmdebstrap --version)" | md5sum | cut -c1-12)
ROOTFS=$OUT/rootfs/bookworm-amd64-systemd-$key.tar
if [ "$(id -u)" = 0 ]; then AS_ROOT=; else AS_ROOT=sudo; fi
mkdir -p "$OUT/rootfs"
if [ ! -f "$ROOTFS" ]; then
	rm -f "$OUT"/rootfs/bookworm-amd64-systemd-*.tar
	t=$SECONDS
	# native: no qemu-user; docs, man pages and locales left out
	if ! $AS_ROOT $D/userns.sh mmdebstrap --mode=root --variant=essential --include="$PKGS" \
		--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
		--format=tar bookworm "$ROOTFS.tmp" "$MIRROR" >"$OUT/rootfs/log-amd64" 2>&1; then
		echo "systemd-vm: mmdebstrap failed (log $OUT/rootfs/log-amd64)"
		tail -10 "$OUT/rootfs/log-amd64"
		exit 1
	fi
	mv "$ROOTFS.tmp" "$ROOTFS"
	echo "systemd-vm: root file system built in $((SECONDS - t)) s ($(du -h "$ROOTFS" | cut -f1))"
fi
[ "${2:-}" != --rootfs ] || exit 0

scripts/vm-kernel.sh amd64 >/dev/null || exit 1
KDIR=build/vm/amd64/kernel
KVER=$(cat $KDIR/version)
W=$(cd "$(mktemp -d "$OUT/systemd-vm.XXXXXX")" && pwd)
trap 'rm -rf "$W"' EXIT

# The initramfs: the root file system, the kernel's modules (with a
# modules.dep for systemd-modules-load), the packages, the test as a unit.
# Built in the user namespace: owners are kept, no device node is needed.
cat >"$W/stage.sh" <<EOF
set -e
mkdir -p $W/root
tar -xf $ROOTFS -C $W/root --exclude='./dev/*'
cd $W/root
mkdir -p lib/modules
cp -a $PWD/$KDIR/lib/modules/$KVER lib/modules/
chroot . /sbin/depmod $KVER	# the root file system's own kmod
cp $PWD/$OUT/sctpagent_${V}_amd64.deb $PWD/$OUT/sctpctl_${V}_amd64.deb root/
install -m 755 $PWD/$D/vm-systemd-test.sh usr/local/sbin/vm-systemd-test
printf '[Unit]\nAfter=multi-user.target\n[Service]\nType=oneshot\nExecStart=/usr/local/sbin/vm-systemd-test\n[Install]\nWantedBy=multi-user.target\n' >etc/systemd/system/vm-systemd-test.service
mkdir -p etc/systemd/system/multi-user.target.wants
ln -s /etc/systemd/system/vm-systemd-test.service etc/systemd/system/multi-user.target.wants/
# what a test boot does not need (each costs seconds of emulated CPU)
for u in getty@tty1 serial-getty@ttyS0 systemd-timesyncd apt-daily.timer apt-daily-upgrade.timer \
	e2scrub_all.timer fstrim.timer dpkg-db-backup.timer systemd-tmpfiles-clean.timer \
	systemd-journal-catalog-update systemd-update-utmp systemd-random-seed \
	systemd-firstboot systemd-machine-id-commit systemd-update-done \
	systemd-hwdb-update ldconfig systemd-pstore systemd-boot-system-token \
	systemd-journal-flush systemd-binfmt sys-kernel-debug.mount sys-kernel-tracing.mount \
	sys-kernel-config.mount sys-fs-fuse-connections.mount dev-hugepages.mount dev-mqueue.mount; do
	ln -sf /dev/null etc/systemd/system/\$u\$(case \$u in *.timer|*.mount) ;; *) echo .service ;; esac)
done
echo vmtest >etc/hostname
printf '127.0.0.1 localhost\n' >etc/hosts
# a machine id: no first-boot work
echo 5ec7a9e47e5f4e0c9d2b1a3c4d5e6f70 >etc/machine-id
find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet >$W/initrd
EOF
if ! $AS_ROOT $D/userns.sh sh "$W/stage.sh" >"$W/stage.log" 2>&1; then
	echo "systemd-vm: staging failed"; tail -10 "$W/stage.log"; exit 1
fi
# /dev/console for PID 1's first output (no device node can be made in the
# user namespace): a second archive, which the kernel unpacks over the first
python3 - "$W/initrd" <<'PY'
import sys
def entry(name, mode, rdev_major=0, rdev_minor=0, ino=1):
    n = name.encode() + b"\0"
    # ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor
    # rdevminor namesize check
    h = "070701" + "".join("%08x" % v for v in (ino, mode, 0, 0, 1, 0, 0, 0, 0,
                                                rdev_major, rdev_minor, len(n), 0))
    b = h.encode() + n
    return b + b"\0" * (-len(b) % 4)
data = entry("dev", 0o40755, ino=1) + entry("dev/console", 0o20600, 5, 1, ino=2) + \
       entry("TRAILER!!!", 0, ino=0)
data += b"\0" * (-len(data) % 512)
with open(sys.argv[1], "ab") as f:
    f.write(data)
PY

t=$SECONDS
# the bound is for a hung guest; a run takes 1-3 minutes of a loaded host
timeout 900 qemu-system-x86_64 -M q35 -cpu max -m 1024 -smp 2 -nographic -no-reboot \
	-kernel $KDIR/vmlinuz -initrd "$W/initrd" \
	-append "console=ttyS0 rdinit=/sbin/init panic=-1 quiet systemd.show_status=0 loglevel=3" \
	</dev/null >"$OUT/systemd-vm.log" 2>&1
qrc=$?
up=$(grep -ao 'SDTEST-BEGIN .*' "$OUT/systemd-vm.log" | tr -d '\r' | sed 's/^SDTEST-BEGIN //')
grep -a '^SDTEST ' "$OUT/systemd-vm.log" | tr -d '\r' | sed 's/^SDTEST //'
p=$(grep -ac '^SDTEST ok' "$OUT/systemd-vm.log")
f=$(grep -ac '^SDTEST FAIL' "$OUT/systemd-vm.log")
if ! grep -aq '^SDTEST-DONE' "$OUT/systemd-vm.log"; then
	echo "systemd-vm: the test did not finish (qemu exit $qrc); last lines of $OUT/systemd-vm.log:"
	tail -25 "$OUT/systemd-vm.log"
	f=$((f + 1))
fi
echo "systemd-vm: $up; $(grep -ao 'SDTEST-DONE .*' "$OUT/systemd-vm.log" | tr -d '\r' | sed 's/^SDTEST-DONE //'); qemu $((SECONDS - t)) s"
echo "systemd-vm: $p passed, $f failed"
[ "$f" = 0 ]
