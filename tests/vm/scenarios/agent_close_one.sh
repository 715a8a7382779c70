#!/bin/sh
# agent_close_one: three controllers A, B, C; B sends CMD close 1500 (go
# away for 1.5 s) after 2 s. B gets REPLY status 0 and a SHUTDOWN_COMP
# (graceful, this association only); the agent keeps B's readings and
# connects again 1.2..1.8 s later, with a new HELLO, and then B has every
# seq of the run once, in order, nothing lost; A and C keep receiving
# throughout.
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
ctl_start B B 10.0.2.1 --cmd 'close 1500' --cmd-at 2
ctl_start C C 10.0.3.1

bg_start agent - sctpagent -f -c $INI
for c in A B C; do
	wait_for_line "$(bg_log $c)" '^\{"event":"hello"' 10 || { dump $c agent; fail "no HELLO at $c"; }
done
wait_for_line "$(bg_log B)" '^\{"event":"reply"' 10 || { dump B agent; fail "B got no reply to close"; }
wait_for_lines "$(bg_log B)" '^\{"event":"hello"' 2 10 || { dump B agent; fail "the agent did not come back to B"; }
sleep 1.5
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
[ "$(ctl_event B assoc up | wc -l)" = 2 ] || { dump B; fail "B did not see exactly two COMM_UPs"; }
t_back=$(jget "$(ctl_event B hello | sed -n 2p)" time)
away=$((t_back - t_close))
[ $away -ge 1100 ] && [ $away -le 2600 ] || { dump agent; fail "back at B $away ms after the close, want 1200..1800 (+ connect)"; }
r=$(ctl_seqcheck B 1)
set -- $r
[ "$1" = ok ] || { dump B; fail "B: $r (readings of the close not all delivered)"; }
[ "$3" = 1 ] || fail "B starts at seq $3"
[ "$(ctl_summary B lost)" = 0 ] && [ "$(ctl_summary B gaps)" = 0 ] ||
	{ dump B; fail "B: lost $(ctl_summary B lost), gaps $(ctl_summary B gaps)"; }
for c in A C; do
	r=$(ctl_seqcheck $c 1)
	set -- $r
	[ "$1" = ok ] || { dump $c; fail "$c: $r"; }
	t=$(ctl_last_time $c)
	[ $((t - t_close)) -gt 2000 ] || { dump $c; fail "$c last reading $((t - t_close)) ms after the close, want > 2000"; }
	log "$c: $2 readings, last $((t - t_close)) ms after the close"
done
log "B: closed at $t_close, back after $away ms, every seq delivered once"
pass
