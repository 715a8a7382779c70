#!/bin/sh
# agent_loopback: one sctpctl on 127.0.0.1, one agent with one counter
# sensor at 50 ms for ~3 s. The controller must get >= 40 readings, seq
# 1..N contiguous, no dup, no gap, and the agent's HELLO.
. /vmtest/lib.sh
# ctl-lib.sh: from /vmtest when the bed ships it, else from BINDIR (/bin).
if [ -f /vmtest/ctl-lib.sh ]; then . /vmtest/ctl-lib.sh; else . /bin/ctl-lib.sh; fi

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
INI=/tmp/agent_loopback.ini
agent_ini $INI t1
ini_ctrl $INI c1 127.0.0.1
ini_counter $INI temp 1 50
ini_slow $INI slow 2 100	# read on the worker: the TERM still reaches the loop

ctl_start ctl - 127.0.0.1
bg_start agent - sctpagent -f -c $INI
wait_for_line "$(bg_log ctl)" '^\{"event":"hello"' 10 || { dump ctl agent; fail "no HELLO at the controller"; }
# counts, not a fixed sleep: a guest starved by a loaded host fires its
# timers late (and the sampler does not catch up on missed periods)
wait_for_lines "$(bg_log ctl)" '"stream":1,"seq":' 40 30 || { dump ctl agent; fail "fewer than 40 readings on stream 1 in 30 s"; }
wait_for_lines "$(bg_log ctl)" '"stream":2,"seq":' 20 30 || { dump ctl agent; fail "fewer than 20 readings on stream 2 in 30 s"; }
bg_kill agent TERM
sleep 0.5
ctl_stop ctl

r=$(ctl_seqcheck ctl 1)
set -- $r
[ "$1" = ok ] || { dump ctl; fail "stream 1: $r"; }
[ "$2" -ge 40 ] || { dump ctl agent; fail "only $2 readings (want >= 40)"; }
[ "$3" = 1 ] || fail "first seq $3, want 1"
s1="$2 readings, seq $3..$4"
grep -q '"agent":"t1","controller":"ctl","assoc":[0-9]*,"stream":1,"seq":1,"sensor":"temp","value":1,"unit":"count"' "$(bg_log ctl)" ||
	{ dump ctl; fail "first reading is not temp=1 count"; }
d=$(ctl_summary ctl dups); g=$(ctl_summary ctl gaps); b=$(ctl_summary ctl bad)
[ "$d" = 0 ] && [ "$g" = 0 ] && [ "$b" = 0 ] || { dump ctl; fail "summary dups=$d gaps=$g bad=$b"; }
[ "$(ctl_summary ctl readings)" = "$(ctl_count ctl)" ] || fail "summary readings $(ctl_summary ctl readings) != printed $(ctl_count ctl)"
ctl_event ctl hello | grep -q '"agent":"t1".*"streams":\[{"stream":1,"sensor":"temp","unit":"count"},{"stream":2,"sensor":"slow","unit":"count"}\]' ||
	{ dump ctl; fail "HELLO does not announce stream 1 temp and 2 slow"; }
r=$(ctl_seqcheck ctl 2)
set -- $r
[ "$1" = ok ] && [ "$2" -ge 20 ] || { dump ctl; fail "stream 2 (worker reads): $r"; }
log "controller got $s1 on stream 1, $2 on stream 2 (worker reads), HELLO ok"
pass
