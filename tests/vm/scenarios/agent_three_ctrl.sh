#!/bin/sh
# agent_three_ctrl: three sctpctl in three namespaces (veth pairs to the
# root namespace, where the agent runs), two counter sensors on streams 1
# (50 ms) and 2 (100 ms) for ~5 s. Every controller gets both streams in
# order, no gap, no dup; the agent fanned out with SENDALL.
. /vmtest/lib.sh
if [ -f /vmtest/ctl-lib.sh ]; then . /vmtest/ctl-lib.sh; else . /bin/ctl-lib.sh; fi

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
INI=/tmp/agent_three_ctrl.ini
agent_ini $INI t3
for i in 1 2 3; do
	ns_create c$i
	veth_pair - v$i 10.0.$i.2/24 c$i eth0 10.0.$i.1/24
	ini_ctrl $INI C$i 10.0.$i.1
done
ini_counter $INI temp 1 50
ini_counter $INI hum 2 100
ini_slow $INI slow 3 100	# read on the worker: the TERM still reaches the loop
for i in 1 2 3; do ctl_start C$i c$i 10.0.$i.1; done

bg_start agent - sctpagent -f -c $INI
for i in 1 2 3; do
	wait_for_line "$(bg_log C$i)" '^\{"event":"hello"' 10 || { dump C$i agent; fail "no HELLO at C$i"; }
done
# counts, not a fixed sleep: a starved guest fires its timers late
for i in 1 2 3; do
	wait_for_lines "$(bg_log C$i)" '"stream":1,"seq":' 40 30 || { dump C$i agent; fail "C$i: < 40 readings on stream 1 in 30 s"; }
	for s in 2 3; do
		wait_for_lines "$(bg_log C$i)" "\"stream\":$s,\"seq\":" 20 30 ||
			{ dump C$i agent; fail "C$i: < 20 readings on stream $s in 30 s"; }
	done
done
bg_kill agent TERM
sleep 0.5
for i in 1 2 3; do ctl_stop C$i; done

for i in 1 2 3; do
	for s in 1 2 3; do
		r=$(ctl_seqcheck C$i $s)
		set -- $r
		[ "$1" = ok ] || { dump C$i; fail "C$i stream $s: $r"; }
		[ "$3" = 1 ] || fail "C$i stream $s starts at seq $3"
		min=40; [ $s != 1 ] && min=20
		[ "$2" -ge $min ] || { dump C$i agent; fail "C$i stream $s: $2 readings, want >= $min"; }
		log "C$i stream $s: $2 readings, seq $3..$4"
	done
	d=$(ctl_summary C$i dups); g=$(ctl_summary C$i gaps); b=$(ctl_summary C$i bad)
	[ "$d" = 0 ] && [ "$g" = 0 ] && [ "$b" = 0 ] || { dump C$i; fail "C$i summary dups=$d gaps=$g bad=$b"; }
done
l=$(grep -o 'fan-outs by SENDALL [0-9]* ([0-9]* emulated by the port), by unicast [0-9]*' "$(bg_log agent)" | tail -n1)
[ -n "$l" ] || { dump agent; fail "agent printed no fan-out counters"; }
n=$(echo "$l" | awk '{print $4}')
e=$(echo "$l" | awk '{print $5}' | tr -d '(')
[ "$n" -gt 0 ] || { dump agent; fail "SENDALL not used: $l"; }
# the kernel's own SCTP_SENDALL (4.17+), not the port's per-association loop
[ "$e" = 0 ] || { dump agent; fail "SENDALL emulated by the port $e times: $l"; }
log "agent: $l"
pass
