#!/bin/sh
# agent_close_one: three controllers A, B, C; B sends CMD close after 2 s.
# B gets REPLY status 0 and a SHUTDOWN_COMP (graceful, this association
# only), no reading sampled after the close, and the agent never reconnects
# to B; A and C keep receiving to the end (> 2 s after the close).
. /vmtest/lib.sh
if [ -f /vmtest/ctl-lib.sh ]; then . /vmtest/ctl-lib.sh; else . /bin/ctl-lib.sh; fi

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
INI=/tmp/agent_close_one.ini
agent_ini $INI tc
i=1
for c in A B C; do
	ns_create $c
	veth_pair - v$i 10.0.$i.2/24 $c eth0 10.0.$i.1/24
	ini_ctrl $INI $c 10.0.$i.1
	i=$((i + 1))
done
ini_counter $INI temp 1 50
ini_slow $INI slow 2 100	# read on the worker: the TERM still reaches the loop
ctl_start A A 10.0.1.1
ctl_start B B 10.0.2.1 --cmd close --cmd-at 2
ctl_start C C 10.0.3.1

bg_start agent - sctpagent -f -c $INI
for c in A B C; do
	wait_for_line "$(bg_log $c)" '^\{"event":"hello"' 10 || { dump $c agent; fail "no HELLO at $c"; }
done
wait_for_line "$(bg_log B)" '^\{"event":"reply"' 10 || { dump B agent; fail "B got no reply to close"; }
sleep 3.5
bg_kill agent TERM
sleep 0.5
for c in A B C; do ctl_stop $c; done

rep=$(ctl_event B reply | head -n1)
[ "$(jget "$rep" status)" = 0 ] || { dump B; fail "close reply: $rep"; }
t_close=$(jget "$rep" time)
if ! ctl_event B assoc shutdown_comp >/dev/null &&
	! grep -q 'ctrl=B .*shutdown complete' "$(bg_log agent)"; then
	dump B agent
	fail "no SHUTDOWN_COMP for B (controller or agent log)"
fi
ctl_event B assoc lost >/dev/null && { dump B; fail "B's association was lost, not shut down"; }
tb=$(ctl_last_time B)
[ "$tb" -le "$t_close" ] || { dump B; fail "B got a reading sampled at $tb after the close ($t_close)"; }
[ "$(ctl_event B assoc up | wc -l)" = 1 ] || { dump B; fail "B saw more than one COMM_UP"; }
n=$(grep -c 'ctrl=B .*connecting to' "$(bg_log agent)")
[ "$n" = 1 ] || { dump agent; fail "agent connected to B $n times (reconnected after close)"; }
for c in A C; do
	r=$(ctl_seqcheck $c 1)
	set -- $r
	[ "$1" = ok ] || { dump $c; fail "$c: $r"; }
	t=$(ctl_last_time $c)
	[ $((t - t_close)) -gt 2000 ] || { dump $c; fail "$c last reading $((t - t_close)) ms after the close, want > 2000"; }
	log "$c: $2 readings, last $((t - t_close)) ms after the close"
done
log "B: closed at $t_close, last reading sampled $((t_close - tb)) ms before"
pass
