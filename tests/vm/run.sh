#!/bin/sh
# run.sh --arch amd64|arm64 --scenarios a,b,c [--kernel 6.1|6.12] [--bindir DIR]
#        [--timeout SEC] [--log FILE] [--duration SEC] [--scenario-timeout SEC]
#        [--smp N] [--kvm|--no-kvm] [--verbose] [--append "kernel args"]
#        [--disk IMG | --mkdisk SIZE] [--max-boots N]
# TCG is the default: on this workplace /dev/kvm exists but a KVM guest hangs
# before its first console byte. --kvm (or VMTEST_KVM=auto) uses KVM if usable.
# --disk IMG: a virtio-blk disk (raw, cache=writeback; /dev/vda, mounted on
# /mnt/disk by /init); --mkdisk SIZE makes a fresh ext4 image in the run dir.
#
# Boot Debian's kernel in qemu-system with the test bed initramfs, run the
# scenarios inside the VM, and report one line per scenario (PASS/FAIL/MISSING).
# Exits 0 only if every requested scenario printed PASS. A scenario that
# prints "VMTEST-POWERCUT NAME" has qemu killed at once (what the guest had
# not flushed to the disk is lost) and the VM booted again on the same disk,
# resuming at NAME with vmtest.boot=2, 3, ... (at most --max-boots boots).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

ARCH=amd64
BINDIR=-
SCENARIOS=""
TIMEOUT=600
LOG=""
DURATION=""
SCEN_TIMEOUT=""
SMP=2
USE_KVM=${VMTEST_KVM:-no}
VERBOSE=0
APPEND=""
DISK=""
MKDISK=""
MAX_BOOTS=4
KSERIES=6.1
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) ARCH=$2; shift ;;
	--kernel) KSERIES=$2; shift ;;
	--bindir) BINDIR=$2; shift ;;
	--scenarios) SCENARIOS=$2; shift ;;
	--timeout) TIMEOUT=$2; shift ;;
	--log) LOG=$2; shift ;;
	--duration) DURATION=$2; shift ;;
	--scenario-timeout) SCEN_TIMEOUT=$2; shift ;;
	--smp) SMP=$2; shift ;;
	--no-kvm) USE_KVM=no ;;
	--kvm) USE_KVM=auto ;;
	--verbose|-v) VERBOSE=1 ;;
	--append) APPEND=$2; shift ;;
	--disk) DISK=$2; shift ;;
	--mkdisk) MKDISK=$2; shift ;;
	--max-boots) MAX_BOOTS=$2; shift ;;
	-h|--help) usage ;;
	*) echo "run.sh: unknown argument $1" >&2; usage ;;
	esac
	shift
done
case "$ARCH" in amd64|arm64) ;; *) usage ;; esac
case "$KSERIES" in 6.1|6.12) ;; *) usage ;; esac
[ -n "$SCENARIOS" ] || usage
[ "$BINDIR" = - ] || BINDIR=$(cd "$BINDIR" && pwd)
[ -z "$DISK" ] || [ -z "$MKDISK" ] || usage
[ -z "$DISK" ] || [ -f "$DISK" ] || { echo "run.sh: no disk image $DISK" >&2; exit 2; }

OUTDIR="$ROOT/build/vm/$ARCH"
# Each run has its own directory (parallel runs must not share an initramfs
# or a log); build/vm/ARCH/last is a link to the latest one.
RUNDIR="$OUTDIR/runs/$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$RUNDIR"
ln -sfn "runs/$(basename "$RUNDIR")" "$OUTDIR/last"
LOG=${LOG:-$RUNDIR/serial.log}
# Debian 12's 6.1 kernel in kernel/, Debian 13's 6.12 in kernel.6.12/
KDIR="$OUTDIR/kernel"
[ "$KSERIES" = 6.1 ] || KDIR="$OUTDIR/kernel.$KSERIES"
INITRD="$RUNDIR/initramfs.cpio.gz"
# Keep the logs of the last 20 runs.
ls -d "$OUTDIR"/runs/*/ 2>/dev/null | sort | head -n -20 | xargs -r rm -rf

t_start=$(date +%s.%N)
if [ -n "$MKDISK" ]; then
	# Made on the host (e2fsprogs): no mkfs in the guest. Lazy init off, so
	# no background writer in the guest disturbs what a test counts.
	DISK="$RUNDIR/disk.img"
	rm -f "$DISK"
	truncate -s "$MKDISK" "$DISK"
	/sbin/mke2fs -q -F -t ext4 -L vmtest \
		-E lazy_itable_init=0,lazy_journal_init=0 "$DISK" ||
		{ echo "run.sh: mke2fs failed (apt-get install e2fsprogs)" >&2; exit 1; }
fi
"$ROOT/scripts/vm-kernel.sh" --kernel "$KSERIES" "$ARCH" "$KDIR" >/dev/null
"$HERE/mkinitramfs.sh" "$ARCH" "$BINDIR" "$INITRD" "$KDIR"
KVER=$(cat "$KDIR/version")

CMDLINE="quiet loglevel=3 panic=-1 mitigations=off scenarios=$SCENARIOS"
[ -z "$DURATION" ] || CMDLINE="$CMDLINE duration=$DURATION"
[ -z "$SCEN_TIMEOUT" ] || CMDLINE="$CMDLINE scenario_timeout=$SCEN_TIMEOUT"
[ -z "$APPEND" ] || CMDLINE="$CMDLINE $APPEND"

kvm_ok() { [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; }
ACCEL="-accel tcg"
case "$ARCH" in
amd64)
	QEMU=qemu-system-x86_64
	CPU="-cpu max"
	if [ "$USE_KVM" = auto ] && [ "$(uname -m)" = x86_64 ] && kvm_ok; then
		ACCEL="-accel kvm"
		CPU="-cpu host"
	fi
	MACHINE="-M q35"
	CMDLINE="console=ttyS0 $CMDLINE"
	;;
arm64)
	QEMU=qemu-system-aarch64
	# pauth-impdef: QEMU's own pointer-auth algorithm, much faster under TCG.
	CPU="-cpu max,pauth-impdef=on"
	if [ "$USE_KVM" = auto ] && [ "$(uname -m)" = aarch64 ] && kvm_ok; then
		ACCEL="-accel kvm"
		CPU="-cpu host"
	fi
	MACHINE="-M virt"
	CMDLINE="console=ttyAMA0 $CMDLINE"
	;;
esac
DRIVE=""
if [ -n "$DISK" ]; then
	DRIVE="-drive file=$DISK,if=none,format=raw,cache=writeback,id=d0 -device virtio-blk-pci,drive=d0"
	CMDLINE="$CMDLINE vmtest.disk=1"
fi
command -v "$QEMU" >/dev/null || {
	echo "run.sh: $QEMU not found (apt-get install qemu-system-x86 qemu-system-arm)" >&2
	exit 1
}

echo "run.sh: booting $ARCH kernel $KVER ($QEMU, ${ACCEL#-accel }, smp $SMP), initramfs $(du -h "$INITRD" | cut -f1)${DISK:+, disk $DISK}, log $LOG"
rm -f "$LOG" "$LOG".boot*
t_boot=$(date +%s.%N)
QPID=""
tail_pid=""
cleanup() {
	[ -z "$QPID" ] || kill "$QPID" 2>/dev/null || :
	[ -z "$tail_pid" ] || kill "$tail_pid" 2>/dev/null || :
}
trap cleanup EXIT INT TERM

timed_out=0
deadline=$(( $(date +%s) + TIMEOUT ))
boot=1
resume=""
while :; do
	BLOG="$LOG.boot$boot"
	args="$CMDLINE"
	[ "$boot" = 1 ] || args="$args vmtest.boot=$boot vmtest.resume=$resume"
	# shellcheck disable=SC2086
	"$QEMU" $MACHINE $ACCEL $CPU -smp "$SMP" -m 512 -nodefaults -no-user-config \
		-display none -no-reboot -monitor none -serial "file:$BLOG" $DRIVE \
		-kernel "$KDIR/vmlinuz" -initrd "$INITRD" -append "$args" &
	QPID=$!
	if [ "$VERBOSE" = 1 ]; then
		tail -F "$BLOG" 2>/dev/null &
		tail_pid=$!
	fi
	powercut=""
	while kill -0 "$QPID" 2>/dev/null; do
		if [ "$(date +%s)" -ge "$deadline" ]; then
			echo "run.sh: overall timeout ${TIMEOUT}s: killing qemu" >&2
			kill "$QPID" 2>/dev/null || :
			sleep 1
			kill -9 "$QPID" 2>/dev/null || :
			timed_out=1
			break
		fi
		if [ -n "$DISK" ]; then
			powercut=$(grep -a -m1 -o 'VMTEST-POWERCUT [A-Za-z0-9_]*' "$BLOG" 2>/dev/null | cut -d' ' -f2 || :)
			if [ -n "$powercut" ]; then
				# The power cut: no flush, no shutdown. What the guest
				# kernel had not written to the virtio disk is gone.
				kill -9 "$QPID" 2>/dev/null || :
				break
			fi
			sleep 0.1
		else
			sleep 0.2
		fi
	done
	wait "$QPID" 2>/dev/null || :
	QPID=""
	[ -z "$tail_pid" ] || { sleep 0.3; kill "$tail_pid" 2>/dev/null || :; tail_pid=""; }
	cat "$BLOG" >> "$LOG"
	[ -n "$powercut" ] && [ "$timed_out" = 0 ] || break
	if [ "$boot" -ge "$MAX_BOOTS" ]; then
		echo "run.sh: $powercut asked for a power cut at boot $boot; --max-boots $MAX_BOOTS reached" >&2
		break
	fi
	echo "run.sh: power cut by $powercut at boot $boot; booting again on the same disk"
	boot=$((boot + 1))
	resume=$powercut
done
t_end=$(date +%s.%N)
trap - EXIT INT TERM
rm -f "$LOG".boot*

CLEAN=$(mktemp)
tr -d '\r' < "$LOG" > "$CLEAN" 2>/dev/null || :
booted=$(sed -n 's/.*VMTEST-KERNEL \([^ ]*\) \([^ ]*\).*/\1 (\2)/p' "$CLEAN" | head -n1)
up=$(sed -n 's/.*VMTEST-BOOTED uptime=\([0-9.]*\).*/\1/p' "$CLEAN" | head -n1)
done_up=$(sed -n 's/.*VMTEST-DONE uptime=\([0-9.]*\).*/\1/p' "$CLEAN" | head -n1)

rc=0
for s in $(echo "$SCENARIOS" | tr , ' '); do
	line=$(grep -oE "VMTEST $s (PASS|FAIL.*)" "$CLEAN" | head -n1 || :)
	took=$(sed -n "s/.*vmtest: $s took \([0-9.]*s\).*/ (\1)/p" "$CLEAN" | head -n1)
	case "$line" in
	"VMTEST $s PASS") echo "PASS    $s$took" ;;
	"VMTEST $s FAIL"*) echo "FAIL    $s:${line#VMTEST $s FAIL}$took"; rc=1 ;;
	*) echo "MISSING $s"; rc=1 ;;
	esac
done
grep -q 'VMTEST-DONE' "$CLEAN" || { echo "run.sh: VM did not finish (no VMTEST-DONE)"; rc=1; }
if [ $rc != 0 ] && [ "$VERBOSE" = 0 ]; then
	echo "----- last 40 lines of $LOG"
	tail -n 40 "$CLEAN"
	echo "-----"
fi
rm -f "$CLEAN" "$INITRD"
[ $timed_out = 0 ] || rc=1
awk -v a="$t_start" -v b="$t_boot" -v c="$t_end" -v k="${booted:-unknown}" \
	-v u="${up:-?}" -v d="${done_up:-?}" -v n="$boot" 'BEGIN {
	printf "run.sh: kernel %s; prepare %.1fs, qemu %.1fs (%s, userspace at %ss, done at %ss guest uptime%s), total %.1fs\n",
		k, b - a, c - b, n == 1 ? "1 boot" : n " boots", u, d,
		n == 1 ? "" : " of the last boot", c - a }'
exit $rc
