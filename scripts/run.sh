#!/bin/bash
# `make run`: the agent's main job on the emulated board. Builds the QEMU
# virt arm64 board (static arm64 agent + reference controller), boots
# Debian's arm64 kernel in qemu-system-aarch64 and runs the demo scenario
# (tests/vm/scenarios/demo.sh): the agent with board/qemu/sctpagent.ini and
# two controllers, whose JSON lines stream to this terminal.
# Ctrl-C, or --duration SEC (default 120), stops it cleanly: the agent
# closes both associations with SCTP_EOF and the controllers print their
# summaries before the VM powers off.
set -u
cd "$(dirname "$0")/.."
DURATION=120
ARCH=arm64
while [ $# -gt 0 ]; do
	case $1 in
	--duration) DURATION=$2; shift ;;
	--arch) ARCH=$2; shift ;;
	*) echo "usage: make run [RUN_ARGS=\"--duration SEC --arch arm64|amd64\"]" >&2; exit 2 ;;
	esac
	shift
done
cfg=qemu_$ARCH
echo ">>> building the $cfg board (static agent and controller)"
make --no-print-directory -j"$(nproc)" CONFIG=$cfg >/dev/null &&
	make --no-print-directory -j"$(nproc)" -f scripts/build.mk O=build/$cfg progs >/dev/null ||
	{ echo "build failed: run make CONFIG=$cfg V=1" >&2; exit 1; }
bindir=$PWD/build/$cfg/runbin
rm -rf "$bindir"
mkdir -p "$bindir"
cp build/$cfg/sctpagent.stripped "$bindir/sctpagent"
cp build/$cfg/sctpctl "$bindir/"
cp board/qemu/sctpagent.ini "$bindir/sctpagent.ini"

kdir=$PWD/build/vm/$ARCH/kernel
work=$PWD/build/vm/$ARCH/run-demo
mkdir -p "$work"
scripts/vm-kernel.sh "$ARCH" "$kdir" >/dev/null || exit 1
tests/vm/mkinitramfs.sh "$ARCH" "$bindir" "$work/initrd.cpio.gz" "$kdir" >/dev/null || exit 1
if [ "$ARCH" = arm64 ]; then
	qemu=(qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on)
	console=ttyAMA0
else
	qemu=(qemu-system-x86_64 -M q35 -cpu max)
	console=ttyS0
fi
fifo=$work/console
rm -f "$fifo.in" "$fifo.out"
mkfifo "$fifo.in" "$fifo.out"
echo ">>> booting Debian's $ARCH kernel $(cat $kdir/version) under QEMU (TCG); demo for ${DURATION}s, Ctrl-C stops it cleanly"
# its own session: Ctrl-C reaches this script (which stops the demo
# cleanly through the console), not qemu
setsid "${qemu[@]}" -accel tcg -smp 2 -m 512 -nodefaults -no-user-config -display none \
	-no-reboot -monitor none -chardev pipe,id=con,path="$fifo" -serial chardev:con \
	-kernel "$kdir/vmlinuz" -initrd "$work/initrd.cpio.gz" \
	-append "console=$console quiet loglevel=3 panic=-1 scenarios=demo duration=$DURATION scenario_timeout=$((DURATION + 60))" &
qpid=$!
exec 3>"$fifo.in"	# keep the guest's console input open
stopping=0
stop() {
	[ $stopping = 1 ] && return
	stopping=1
	echo
	echo ">>> stopping (the agent closes its associations, controllers print summaries)"
	echo STOP >&3
	( sleep 30; kill $qpid 2>/dev/null ) &
}
# The display ignores Ctrl-C (it must show the summaries that follow);
# this shell waits in `wait`, which a trapped signal interrupts.
( trap '' INT; tr -d '\r' <"$fifo.out" | grep --line-buffered -vE '^VMTEST-(KERNEL|BOOTED)' |
	sed -u 's/^VMTEST demo PASS/>>> demo finished/; s/^VMTEST-DONE.*/>>> VM powered off/' ) &
disp=$!
trap stop INT TERM
while kill -0 $qpid 2>/dev/null; do
	wait $qpid 2>/dev/null
done
wait $disp 2>/dev/null
exec 3>&-
rm -f "$fifo.in" "$fifo.out"
