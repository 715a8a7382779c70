#!/bin/bash
# tests/net/run.sh: the real agent on the userspace SCTP stack, on this
# host, no VM: the static armhf / arm64 agents (the Raspberry Pi builds)
# run under qemu-arm / qemu-aarch64 (QEMU user-mode) in a network
# namespace with two veth paths (eth0, wwan0) to the reference controller
# (native sctpctl) in another; SCTP runs over UDP (RFC 6951, usrsctp), so
# the host kernel needs no SCTP. Per arch, one agent run in phases:
#   readings + commands  HELLO, readings, ping / set_interval / read_now /
#                        status replies
#   link down            eth0 down: readings go on over wwan0, none lost
#   blackhole            nftables drops everything on eth0 (link up)
#   controller restart   SIGKILL, a new controller: what the first one got
#                        and what the agent replays leave no hole
#   stop                 SIGTERM: SHUTDOWN_COMPLETE, exit 0
# Then (arm64) a new address on an "address = auto" path: the userspace
# stack is re-initialised, the association made again, nothing lost; and
# the port/sctp.h conformance suite on usrsctp (native, and the armhf
# build under qemu-arm) and on the fake port. Needs root (ip netns), qemu-user-static, nftables, python3.
#
# Usage: tests/net/run.sh [ARCH...]   ARCH: armhf arm64 host (default
# armhf arm64); expects the builds of scripts/test.sh (build/rpi_ARCH,
# build/host). Prints "PASS name" / "FAIL name: why", then "N passed, M
# failed"; exit 0 only if all passed.
set -u
cd "$(dirname "$0")/../.."
. tests/net/lib.sh
ARCHS=${*:-armhf arm64}
CTL=build/host/sctpctl
CHECK=tests/net/check.py
PASS=0
FAIL=0
trap net_cleanup EXIT

ok() { echo "PASS $1${2:+ ($2)}"; PASS=$((PASS + 1)); }
bad() {
	echo "FAIL $1: $2"
	FAIL=$((FAIL + 1))
	for f in "$NET_WORK"/*.log; do
		[ -f "$f" ] && { echo "    --- $(basename "$f")"; tail -n 12 "$f" | sed 's/^/    | /'; }
	done
}
now_ms() { date +%s%3N; }
# check NAME cmd...: PASS/FAIL on the command's status, its line as detail
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$name" "$out"; else bad "$name" "$out"; fi
}

if [ "$(id -u)" != 0 ]; then
	echo "FAIL tests/net: needs root (ip netns)"
	exit 1
fi

ctl() { # NAME [args]: the controller in C on both addresses, over UDP
	local name=$1
	shift
	bg "$name" C "$CTL" -l 10.61.1.2,10.61.2.2 -n "$name" --transport udp "$@"
}

run_arch() {
	local arch=$1 agent runner=() t0 n0 log
	case $arch in
	armhf) agent=build/rpi_armhf/sctpagent; runner=(qemu-arm-static) ;;
	arm64) agent=build/rpi_arm64/sctpagent; runner=(qemu-aarch64-static) ;;
	host) agent=build/host/sctpagent ;;
	*) bad "$arch" "unknown arch"; return ;;
	esac
	[ -x "$agent" ] && [ -x "$CTL" ] || { bad "$arch build" "$agent or $CTL missing"; return; }
	NET_WORK=$(mktemp -d build/net-$arch.XXXXXX)
	NET_ID=sa$$$arch
	net_bed || { bad "$arch bed" "cannot make the namespaces"; return; }
	net_agent_ini "$NET_WORK/agent.ini" "qu-$arch"
	log=$NET_WORK/ctl1.log
	echo "== $arch: $(file -b "$agent" | cut -d, -f1,2)${runner:+ under ${runner[0]}}"

	# ACKs every 1.5 s: a kill leaves un-ACKed readings for the replay
	ctl ctl1 --ack-ms 1500 --cmd ping --cmd-at 2 --cmd "set_interval hum 250" --cmd-at 2.3 \
		--cmd "read_now hum" --cmd-at 2.6 --cmd status --cmd-at 2.9
	wait_for "$log" 'listening' 1 10 || { bad "$arch controller" "not listening"; net_cleanup; return; }
	bg agent A "${runner[@]}" "$agent" -f -c "$NET_WORK/agent.ini"
	if wait_for "$log" '"event":"hello"' 1 15 && wait_for "$log" '"seq":' 20 15 &&
		wait_for "$log" '"event":"reply"' 4 10; then
		check "$arch readings + commands" $CHECK replies "$log" ping set_interval read_now status
	else
		bad "$arch readings + commands" "no HELLO, readings or replies"
		net_cleanup
		return
	fi
	grep -q 'SCTP transport: userspace stack' "$NET_WORK/agent.log" ||
		bad "$arch transport" "the agent did not say it runs on usrsctp"
	# SIGUSR1 to the process: usrsctp's threads block it (port/thread.h),
	# so the loop takes it (status lines) and nobody dies of it
	n0=$(grep -c 'memory budget' "$NET_WORK/agent.log")
	kill -USR1 "$(bg_pid agent)"
	if wait_for "$NET_WORK/agent.log" 'memory budget' $((n0 + 1)) 5 &&
		kill -0 "$(bg_pid agent)" 2>/dev/null; then
		ok "$arch SIGUSR1: status logged, the agent lives on"
	else
		bad "$arch SIGUSR1" "no status line, or the agent died"
	fi

	# link down: the agent sees it (rtnetlink) and moves to wwan0
	count_start A wwan0
	n0=$(udp_count A wwan0)
	t0=$(now_ms)
	link_down A eth0
	sleep 2.5
	check "$arch link down: no reading lost, worst delay" $CHECK delay 1 "$t0" $((t0 + 1500)) "$log"
	[ "$(udp_count A wwan0)" -gt $((n0 + 15)) ] && ok "$arch link down: data over wwan0" ||
		bad "$arch link down: data over wwan0" "$n0 -> $(udp_count A wwan0) packets"
	link_up A eth0
	sleep 2.5		# failback_hold_ms 1000, then back on eth0

	# blackhole: the link stays up, only SCTP's own timers can tell
	t0=$(now_ms)
	blackhole A eth0 on
	sleep 3
	check "$arch blackhole: no reading lost, worst delay" $CHECK delay 1 "$t0" $((t0 + 1500)) "$log"
	blackhole A eth0 off
	sleep 2

	# controller restart: SIGKILL (nothing closes), a new one on the same
	# addresses; the agent re-associates and replays what was not ACKed
	bg_stop ctl1 KILL
	sleep 1
	ctl ctl2
	if wait_for "$NET_WORK/ctl2.log" '"seq":' 15 20; then
		# what the agent replays may be what ctl1 got, or what it never
		# read: no hole over both, and the agent says it replayed
		check "$arch controller restart: no hole" $CHECK seq 1 "$log" "$NET_WORK/ctl2.log"
		grep -qE 'replay done: [1-9][0-9]* reading' "$NET_WORK/agent.log" &&
			ok "$arch controller restart: un-ACKed readings replayed" ||
			bad "$arch controller restart: un-ACKed readings replayed" "no replay in the agent log"
	else
		bad "$arch controller restart" "no readings at the new controller"
	fi

	bg_stop agent TERM
	wait_for "$NET_WORK/ctl2.log" '"state":"shutdown_comp"' 1 5 &&
		grep -q 'every association closed' "$NET_WORK/agent.log" &&
		ok "$arch stop: SHUTDOWN_COMPLETE" || bad "$arch stop" "no graceful shutdown"
	bg_stop ctl2 TERM
	net_cleanup
	[ "${KEEP:-0}" = 1 ] || rm -rf "$NET_WORK"
}

# A new local address (a modem's new IP): usrsctp read the interfaces
# once, so the port re-initialises the stack; the association is made
# again and the replay leaves no hole.
run_reinit() {
	local arch=$1 agent runner=() log
	case $arch in
	armhf) agent=build/rpi_armhf/sctpagent; runner=(qemu-arm-static) ;;
	arm64) agent=build/rpi_arm64/sctpagent; runner=(qemu-aarch64-static) ;;
	*) agent=build/host/sctpagent ;;
	esac
	NET_WORK=$(mktemp -d build/net-reinit.XXXXXX)
	NET_ID=sa$$r
	net_bed || { bad "$arch re-init bed" "cannot make the namespaces"; return; }
	net_agent_ini "$NET_WORK/agent.ini" "qu-reinit"
	sed -i 's/^address = 10\.61\.[12]\.1$/address = auto/' "$NET_WORK/agent.ini"
	log=$NET_WORK/ctl.log
	ctl ctl --ack-ms 1000
	wait_for "$log" 'listening' 1 10 || { bad "$arch re-init" "controller"; net_cleanup; return; }
	bg agent A "${runner[@]}" "$agent" -f -c "$NET_WORK/agent.ini"
	if ! wait_for "$log" '"seq":' 15 15; then
		bad "$arch new local address" "no readings"
		net_cleanup
		return
	fi
	nsx A ip addr add 10.61.2.9/24 dev wwan0
	if wait_for "$NET_WORK/agent.log" 'stack re-initialised' 1 10 &&
		wait_for "$log" '"event":"hello"' 2 15 && sleep 1.5; then
		check "$arch new local address: stack re-init, replay, no hole" $CHECK seq 1 "$log"
	else
		bad "$arch new local address" "no re-init or no new association"
	fi
	bg_stop agent TERM
	bg_stop ctl TERM
	net_cleanup
	rm -rf "$NET_WORK"
}

run_conformance() { # NAME BINARY ARGS...: the suite in a namespace of its own
	local name=$1 out rc
	shift
	NET_WORK=$(mktemp -d build/net-conf.XXXXXX)
	NET_ID=sa$$c
	ns_add conf && ip -n "$(net_ns conf)" addr add 127.0.0.2/8 dev lo
	out=$(nsx conf timeout 120 "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E '^# differs' | sed 's/^/  /'
	if [ $rc = 0 ] && printf '%s\n' "$out" | grep -qE '^[0-9]+ passed, 0 failed'; then
		ok "$name" "$(printf '%s\n' "$out" | tail -n1)"
	else
		echo "$out" >"$NET_WORK/conformance.log"
		bad "$name" "exit $rc; $(printf '%s\n' "$out" | grep -E '^not ok|ERROR|runtime error' | head -n3 | tr '\n' ';')"
	fi
	net_cleanup
	rm -rf "$NET_WORK"
}

start=$SECONDS
for a in $ARCHS; do
	s=$SECONDS
	run_arch "$a"
	echo "  [$a] $((SECONDS - s)) s"
done
s=$SECONDS
run_reinit arm64
echo "  [re-init] $((SECONDS - s)) s"
run_conformance "conformance: usrsctp (host)" build/host/ps_conformance --transport udp
run_conformance "conformance: fake port" build/host/ps_conformance_fake --port-name fake
# the sanitizer build (scripts/test.sh net builds it when build/asan exists)
for p in ps_conformance ps_conformance_fake; do
	[ -x build/asan/$p ] || continue
	a="--transport udp"
	[ $p = ps_conformance_fake ] && a="--port-name fake"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		run_conformance "conformance: $([ $p = ps_conformance ] && echo usrsctp || echo fake) (ASan+UBSan)" \
		build/asan/$p $a
done
# the 32-bit build: the usrsctp structs as armhf lays them out
[ -x build/rpi_armhf/ps_conformance ] &&
	run_conformance "conformance: usrsctp (armhf, qemu-arm)" qemu-arm-static \
		build/rpi_armhf/ps_conformance --transport udp
echo "net tests: $((SECONDS - start)) s"
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
