#!/bin/bash
# `make run-user`: the `make run` demo without a VM. The Raspberry Pi
# agent (static arm64 or armhf, the image you would install) runs under
# QEMU user-mode (qemu-aarch64 / qemu-arm) in a host network namespace
# "board" with board/qemu/sctpagent.ini; two reference controllers (native
# sctpctl) live in namespaces c1 and c2 behind their own veth links. SCTP
# runs over UDP (usrsctp, RFC 6951): qemu-user cannot pass SCTP socket
# options to a kernel, and this host needs no SCTP at all. The
# controllers' JSON lines stream here, tagged. Ctrl-C, or --duration SEC
# (default 120), stops it cleanly: SIGTERM to the agent (SCTP_EOF on both
# associations), then each controller prints its summary.
# Needs root (ip netns). The fast inner loop for developers: a build and
# a run take seconds, no kernel boots.
set -u
cd "$(dirname "$0")/.."
. tests/net/lib.sh
DURATION=120
ARCH=arm64
while [ $# -gt 0 ]; do
	case $1 in
	--duration) DURATION=$2; shift ;;
	--arch) ARCH=$2; shift ;;
	*) echo "usage: make run-user [RUN_ARGS=\"--duration SEC --arch arm64|armhf\"]" >&2; exit 2 ;;
	esac
	shift
done
case $ARCH in
arm64) runner=qemu-aarch64-static ;;
armhf) runner=qemu-arm-static ;;
*) echo "run-user: --arch arm64 or armhf" >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || { echo "run-user: needs root (ip netns)" >&2; exit 1; }
cfg=rpi_$ARCH
echo ">>> building the $cfg agent (static, both SCTP ports) and the host controller"
make --no-print-directory -j"$(nproc)" CONFIG=$cfg >/dev/null &&
	make --no-print-directory -j"$(nproc)" CONFIG=host >/dev/null ||
	{ echo "build failed: run make CONFIG=$cfg V=1" >&2; exit 1; }

NET_WORK=$(mktemp -d build/run-user.XXXXXX)
trap 'net_cleanup; rm -rf "$NET_WORK"' EXIT
ns_add board && ns_add c1 && ns_add c2 &&
	veth board eth0 10.0.1.2/24 c1 eth0 10.0.1.1/24 &&
	veth board eth1 10.0.2.2/24 c2 eth0 10.0.2.1/24 ||
	{ echo "run-user: cannot make the namespaces" >&2; exit 1; }
# the emulated board's file, on the userspace stack
# the outbox in this run's directory, not the host's /var/lib
sed -e 's/^\[agent\]$/[agent]\ntransport = udp/' \
	-e "s|^state_dir = .*|state_dir = $(pwd)/$NET_WORK/state|" \
	board/qemu/sctpagent.ini >"$NET_WORK/sctpagent.ini"

banner() { echo "######## $*"; }
banner "sctpagent demo: build/$cfg/sctpagent under $runner, no VM"
banner "board 10.0.1.2 (eth0) -> controller c1 10.0.1.1:9910 over SCTP/UDP 9899"
banner "board 10.0.2.2 (eth1) -> controller c2 10.0.2.1:9910 over SCTP/UDP 9899"
bg c1 c1 build/host/sctpctl -l 10.0.1.1 -n c1 --transport udp
bg c2 c2 build/host/sctpctl -l 10.0.2.1 -n c2 --transport udp
wait_for "$NET_WORK/c1.log" listening 1 10 && wait_for "$NET_WORK/c2.log" listening 1 10 ||
	{ cat "$NET_WORK"/c*.log; exit 1; }
bg agent board $runner "build/$cfg/sctpagent" -f -c "$NET_WORK/sctpagent.ini"
banner "agent started: $($runner "build/$cfg/sctpagent" --version)"

tag() { while IFS= read -r l; do echo "[$1] $l"; done; }
( tail -n +1 -f --pid=$$ "$NET_WORK/c1.log" | tag c1 ) &
t1=$!
( tail -n +1 -f --pid=$$ "$NET_WORK/c2.log" | tag c2 ) &
t2=$!
stop=0
trap 'stop=1' INT TERM
end=$((SECONDS + DURATION))
while [ $stop = 0 ] && [ $SECONDS -lt $end ]; do
	kill -0 "$(bg_pid agent)" 2>/dev/null || { banner "the agent exited"; tail "$NET_WORK/agent.log"; break; }
	sleep 1
done
trap '' INT
banner "stopping: SIGTERM to the agent (SCTP_EOF on every association)"
bg_stop agent TERM
sleep 0.5
bg_stop c1 TERM
bg_stop c2 TERM
sleep 0.3
kill $t1 $t2 2>/dev/null
banner "agent log (last lines):"
tail -n 12 "$NET_WORK/agent.log" | tag agent
banner "controller summaries:"
grep -h '"summary"' "$NET_WORK/c1.log" "$NET_WORK/c2.log"
