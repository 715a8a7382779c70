#!/bin/sh
# agent_graceful_stop: SIGTERM to the agent with two controllers up and a
# third still CONNECTING (its address is behind a veth that drops
# everything, so INIT is never answered): the two see SHUTDOWN_COMP
# (SCTP_EOF, not an ABORT/COMM_LOST), the connecting one is aborted (Linux
# deletes an EOF'd INIT without any event, which left the agent waiting),
# and the agent exits 0 without hitting its shutdown timeout.
# Two of its sensors read on worker threads (simulated_slow, a DS18B20
# fixture): the signal must still reach the loop.
. /vmtest/lib.sh
if [ -f /vmtest/ctl-lib.sh ]; then . /vmtest/ctl-lib.sh; else . /bin/ctl-lib.sh; fi

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
INI=/tmp/agent_graceful_stop.ini
agent_ini $INI tg
sed -i 's/^init_max_attempts = .*/init_max_attempts = 30/' $INI
ini_ctrl $INI c1 127.0.0.1
ini_ctrl $INI c2 127.0.0.2
ini_ctrl $INI c3 10.98.0.2
ini_counter $INI temp 1 50
ns_create sink
veth_pair - vsink 10.98.0.1/24 sink eth0 10.98.0.2/24
netem sink eth0 loss 100%
ini_slow $INI slow 2 100
w1_fixture $VMTEST_WORK/fix 28-00000abcdef0 21500
ini_w1 $INI w1 3 200 $VMTEST_WORK/fix 28-00000abcdef0
ctl_start ctl1 - 127.0.0.1
ctl_start ctl2 - 127.0.0.2

bg_start agent - sctpagent -f -c $INI
for c in ctl1 ctl2; do
	wait_for_line "$(bg_log $c)" '^\{"event":"hello"' 10 || { dump $c agent; fail "no HELLO at $c"; }
	wait_for_line "$(bg_log $c)" '"stream":3,"seq":1,' 10 || { dump $c agent; fail "no DS18B20 reading at $c"; }
done
sleep 1
pid=$(bg_pid agent)
kill -TERM "$pid"
bg_wait agent 5
rc=$?
[ $rc = 124 ] && { dump agent; fail "agent still running 5 s after SIGTERM"; }
[ $rc = 0 ] || { dump agent; fail "agent exit status $rc"; }
sleep 0.3
for c in ctl1 ctl2; do
	ctl_event $c assoc shutdown_comp >/dev/null || { dump $c agent; fail "$c saw no shutdown_comp"; }
	ctl_event $c assoc lost >/dev/null && { dump $c; fail "$c saw the association lost"; }
	ctl_event $c shutdown >/dev/null || { dump $c; fail "$c saw no SHUTDOWN event"; }
done
[ "$(grep -c 'shutdown complete' "$(bg_log agent)")" = 2 ] || { dump agent; fail "agent did not log 2 x shutdown complete"; }
grep -q 'shutdown timeout' "$(bg_log agent)" && { dump agent; fail "agent hit its shutdown timeout"; }
grep -q 'ctrl=c3 .*closed while connecting: aborted' "$(bg_log agent)" ||
	{ dump agent; fail "the connecting controller c3 was not aborted"; }
for c in ctl1 ctl2; do
	ctl_stop $c
	for s in 1 2 3; do
		r=$(ctl_seqcheck $c $s)
		set -- $r
		[ "$1" = ok ] || { dump $c; fail "$c stream $s: $r"; }
	done
done
log "agent exited 0; both controllers saw SHUTDOWN + SHUTDOWN_COMP; c3 aborted while connecting"
pass
