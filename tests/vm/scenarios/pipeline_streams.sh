#!/bin/sh
# pipeline_streams: one agent, three counter sensors at different rates
# (fast 100 ms stream 1, mid 250 ms stream 2, slow 1000 ms stream 3) to two
# controllers in two namespaces (C2 takes only fast and slow). Checks:
#  - each HELLO announces exactly that controller's stream map, every reading
#    arrives on the stream its HELLO gave the sensor, per-stream seqs go up by
#    one (no gap, dup or reorder), C2 never sees mid;
#  - C1's READ_NOW slow (t=3 s) gets REPLY status 0 and an extra slow reading
#    (off the 1 s grid, within 400 ms of the reply); read_now of an unknown
#    sensor gets status 3;
#  - SET_INTERVAL slow 100 (t=6.5 s) gets status 0 and raises slow's arrival
#    rate at both controllers: readings in the 5 s after >= 5x the 5 s before.
# Not covered: a malformed CMD (sctpctl cannot send one; sctp_darn cannot set
# the PPID); the unit and net tests cover the decoder's rejections.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/pipeline-lib.sh

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
ns_create ag; ns_create c1; ns_create c2
veth_pair ag eth0 10.4.1.1/24 c1 eth0 10.4.1.2/24
veth_pair ag eth1 10.4.2.1/24 c2 eth0 10.4.2.2/24
INI=$VMTEST_WORK/a.ini
agent_ini $INI st
ini_ctrl $INI C1 10.4.1.2
ini_ctrl $INI C2 10.4.2.2
echo "sensors = fast, slow" >> $INI
ini_counter $INI fast 1 100
ini_counter $INI mid 2 250
ini_counter $INI slow 3 1000

ctl_start C1 c1 10.4.1.2 --cmd 'read_now slow' --cmd-at 3 --cmd 'read_now nosuch' --cmd-at 3.5 \
	--cmd 'set_interval slow 100' --cmd-at 6.5
ctl_start C2 c2 10.4.2.2
bg_start agent ag sctpagent -f -c $INI
for c in C1 C2; do
	wait_for_line "$(bg_log $c)" '^\{"event":"hello"' 10 || { dump $c agent; fail "no HELLO at $c"; }
done
wait_for_line "$(bg_log C1)" '"event":"reply".*"id":3' 15 || { dump C1 agent; fail "no reply to set_interval"; }
sleep 5.5
bg_alive agent || { dump agent; fail "agent died"; }
bg_kill agent TERM
sleep 0.3
ctl_stop C1; ctl_stop C2
L1=$(bg_log C1); L2=$(bg_log C2)

# HELLO stream maps
h1=$(ctl_event C1 hello | head -n1 | sed 's/.*"streams":\[\([^]]*\)\].*/\1/')
h2=$(ctl_event C2 hello | head -n1 | sed 's/.*"streams":\[\([^]]*\)\].*/\1/')
[ "$h1" = '{"stream":1,"sensor":"fast","unit":"count"},{"stream":2,"sensor":"mid","unit":"count"},{"stream":3,"sensor":"slow","unit":"count"}' ] ||
	fail "C1 HELLO streams: $h1"
[ "$h2" = '{"stream":1,"sensor":"fast","unit":"count"},{"stream":3,"sensor":"slow","unit":"count"}' ] ||
	fail "C2 HELLO streams: $h2"
# every reading on the stream its controller's HELLO announced
for c in C1 C2; do
	map=$(ctl_event $c hello | head -n1 | sed 's/.*"streams":\[\([^]]*\)\].*/\1/')
	bad=$(ctl_readings $c | awk -v map="$map" '
		BEGIN { n = split(map, e, /\},\{/)
			for (i = 1; i <= n; i++) {
				match(e[i], /"stream":[0-9]+/); s = substr(e[i], RSTART + 9, RLENGTH - 9)
				match(e[i], /"sensor":"[^"]*"/); m[substr(e[i], RSTART + 10, RLENGTH - 11)] = s
			} }
		{ match($0, /"stream":[0-9]+/); s = substr($0, RSTART + 9, RLENGTH - 9)
		  match($0, /"sensor":"[^"]*"/); n = substr($0, RSTART + 10, RLENGTH - 11)
		  if (!(n in m) || m[n] != s) { print "sensor " n " on stream " s; exit } }')
	[ -z "$bad" ] || fail "$c: $bad"
done
[ "$(ctl_count C2 2)" = 0 ] || fail "C2 received mid (stream 2), not in its sensors"
for c in C1 C2; do
	for s in 1 2 3; do
		[ $c = C2 ] && [ $s = 2 ] && continue
		r=$(ctl_seqcheck $c $s)
		set -- $r
		[ "$1" = ok ] || { dump $c; fail "$c stream $s: $r"; }
		log "$c stream $s: $2 readings, seq $3..$4 strictly increasing"
	done
	d=$(ctl_summary $c dups); g=$(ctl_summary $c gaps); b=$(ctl_summary $c bad)
	[ "$d" = 0 ] && [ "$g" = 0 ] && [ "$b" = 0 ] || fail "$c summary dups=$d gaps=$g bad=$b"
done
# replies (ids follow the --cmd order: 1 read_now slow, 2 read_now nosuch, 3 set_interval)
rep() { grep "^{\"event\":\"reply\".*\"id\":$1," "$L1" | head -n1; }
r1=$(rep 1); r2=$(rep 2); r3=$(rep 3)
log "replies: $r1 | $r2 | $r3"
[ "$(jget "$r1" status)" = 0 ] || fail "read_now slow: reply $r1"
[ "$(jget "$r2" status)" = 3 ] || fail "read_now nosuch: want status 3, got: $r2"
[ "$(jget "$r3" status)" = 0 ] || fail "set_interval slow 100: reply $r3"
# READ_NOW: an extra slow reading close to the reply, off the 1 s grid
t_rn=$(jget "$r1" time)
extra=$(ctl_readings C1 3 | sed 's/.*"time":\([0-9]*\).*/\1/' | awk -v t=$t_rn '
	{ tt[NR] = $1 }
	END { for (i = 2; i < NR; i++) {
		d = tt[i] - t; if (d < 0) d = -d
		g = tt[i] - tt[i - 1]; if (tt[i + 1] - tt[i] < g) g = tt[i + 1] - tt[i]
		if (d <= 400 && g < 900) { print tt[i] - t; exit } } }')
[ -n "$extra" ] || { ctl_readings C1 3 | head -n 8; fail "no extra slow reading near the READ_NOW reply"; }
log "READ_NOW: extra slow reading ${extra} ms from the reply"
# SET_INTERVAL: slow's arrival rate before / after, equal 5 s windows
t_si=$(jget "$r3" time)
for c in C1 C2; do
	set -- $(ctl_readings $c 3 | sed 's/.*"time":\([0-9]*\).*/\1/' | awk -v t=$t_si '
		$1 >= t - 5000 && $1 < t { b++ } $1 >= t + 200 && $1 < t + 5200 { a++ }
		END { print b + 0, a + 0 }')
	log "$c slow: $1 readings in the 5 s before set_interval, $2 in the 5 s after"
	[ "$2" -ge 35 ] && [ "$2" -ge $(($1 * 5)) ] || fail "$c: slow rate did not rise: $1 before, $2 after"
done
pass
