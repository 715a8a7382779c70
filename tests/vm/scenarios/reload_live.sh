#!/bin/sh
# reload_live: SIGHUP applies each kind of change to the running agent on
# the real kernel without touching what did not change. Controllers c1
# (127.0.0.1) and c2 (127.0.0.2) are up; the agent has one path (lo).
#   - a sensor's interval: readings come at the new rate, no association
#     is made again (c1 and c2 see one association up each), seqs go on;
#   - log_level info -> warn: info lines stop (SIGUSR1's counters);
#   - path parameters (path_max_retrans): the kernel's associations carry
#     the new value (/proc/net/sctp/remaddr), nothing re-associates;
#   - c2 moves to 127.0.0.3 (c3 listens there): only c2's association
#     ends, the controller at .3 gets HELLO and readings, c1 untouched;
#   - sensors live: "new" inserted before temp and hum in the file (no
#     `stream =`: hum keeps stream 2, new gets 3) reads at once, to c1
#     only (its `controllers`: c1 re-associates, its HELLO lists stream
#     3); the controller that does not take it keeps its association;
#     then hum removed: its readings stop, temp and new go on, every
#     stream's seqs contiguous;
#   - a file with errors (and a good change in it): refused whole, the
#     errors named with file and line, nothing applied.
. /vmtest/lib.sh
if [ -f /vmtest/ctl-lib.sh ]; then . /vmtest/ctl-lib.sh; else . /bin/ctl-lib.sh; fi

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
W=$VMTEST_WORK
INI=$W/agent.ini
# write_ini LOG_LEVEL INTERVAL PMR C2_ADDR [EXTRA]: temp on stream 1, then
# $PRE (sensors before the others), hum (no `stream =`) unless NOHUM=1.
PRE= NOHUM=
HUM='[sensor.hum]\ndriver = simulated\nsource = counter:start=1000\ninterval_ms = 500\n'
write_ini() {
	agent_ini $INI.new rl
	sed -i "s/^log_level = .*/log_level = $1/" $INI.new
	printf '[path.lo]\ninterface = lo\naddress = 127.0.0.1\npath_max_retrans = %s\n' "$3" >>$INI.new
	printf '[controller.c1]\naddress = 127.0.0.1@lo\nport = 9910\n' >>$INI.new
	printf '[controller.c2]\naddress = %s@lo\nport = 9910\n' "$4" >>$INI.new
	[ -n "$PRE" ] && printf '%b' "$PRE" >>$INI.new
	ini_counter $INI.new temp 1 "$2"
	[ -z "$NOHUM" ] && printf '%b' "$HUM" >>$INI.new
	[ -n "${5:-}" ] && printf '%b' "$5" >>$INI.new
	mv $INI.new $INI
}
hup() { kill -HUP "$AP"; wait_for_line "$A" "$1" 5 || { dump agent; fail "no '$1' after SIGHUP"; }; }
ups() { ctl_event "$1" assoc up | wc -l; }
rate() { # CTL SECONDS: temp's readings (stream 1) at CTL in SECONDS
	local a b
	a=$(ctl_count "$1" 1)
	sleep "$2"
	b=$(ctl_count "$1" 1)
	echo $((b - a))
}
# wait_hellos CTL N: until CTL has had N HELLOs (5 s)
wait_hellos() {
	local i=0
	while [ "$(ctl_event "$1" hello | wc -l)" -lt "$2" ]; do
		[ $i -ge 50 ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}
# streams_of CTL SENSOR: the distinct streams CTL got SENSOR's readings on
streams_of() {
	ctl_readings "$1" | grep "\"sensor\":\"$2\"" |
		sed -n 's/.*"stream":\([0-9]*\),.*/\1/p' | sort -u | paste -sd, -
}
pmr() { # the kernel's path_max_retrans toward ADDR (remaddr column 5);
	# 127.0.0.1 is also the controllers' view of the agent: every value
	awk -v a="$1" '$1 == a { print $5 }' /proc/net/sctp/remaddr | sort -u | paste -sd, -
}

write_ini info 400 5 127.0.0.2
ctl_start c1 - 127.0.0.1
ctl_start c2 - 127.0.0.2
ctl_start c3 - 127.0.0.3
bg_start agent - sctpagent -f -c $INI
AP=$(bg_pid agent)
A=$(bg_log agent)
for c in c1 c2; do
	wait_for_line "$(bg_log $c)" '"sensor":"temp"' 10 || { dump $c agent; fail "no reading at $c"; }
done
[ "$(pmr 127.0.0.2)" = 5 ] || { cat /proc/net/sctp/remaddr; fail "path_max_retrans not 5 at start"; }

# interval 400 -> 100 ms
r0=$(rate c1 2)
write_ini info 100 5 127.0.0.2
hup 'reload of .* done: 0 agent keys, 0 paths, 1 sensor intervals'
r1=$(rate c1 2)
[ "$r1" -ge $((r0 * 2)) ] || fail "interval: $r0 readings in 2 s before, $r1 after (want 4x)"

# path parameters on the live associations
write_ini info 100 3 127.0.0.2
hup 'reload: \[path.lo\] parameters applied to the live associations'
pmr 127.0.0.1 | tr , '\n' | grep -qx 3 && [ "$(pmr 127.0.0.2)" = 3 ] ||
	{ cat /proc/net/sctp/remaddr; fail "the live associations did not get path_max_retrans 3"; }
[ "$(ups c1)" = 1 ] && [ "$(ups c2)" = 1 ] || fail "an association was made again by a parameter change"

# c2 moves to 127.0.0.3: only its association changes
write_ini info 100 3 127.0.0.3
hup 'ctrl=c2 .*reload changed its addresses'
wait_for_line "$(bg_log c2)" '"state":"shutdown_comp"' 10 || { dump c2 agent; fail "c2's old association did not end"; }
wait_for_line "$(bg_log c3)" '"sensor":"temp"' 10 || { dump c3 agent; fail "no reading at c2's new address"; }
[ "$(ups c1)" = 1 ] || fail "c1 re-associated when c2 moved"
ctl_event c1 assoc | grep -qv '"state":"up"' && fail "c1 saw an association change"

# sensors live. hum got stream 2 at the start (HELLO says so)
ctl_event c1 hello | tail -n1 | grep -q '{"stream":2,"sensor":"hum"' ||
	{ dump c1; fail "hum not on stream 2 in c1's HELLO"; }
wait_for_line "$(bg_log c1)" '"stream":2,"seq":[0-9]*,"sensor":"hum"' 5 || { dump c1 agent; fail "no hum reading"; }
# "new" inserted before the others, taken by c1 only
PRE='[sensor.new]\ndriver = simulated\nsource = counter:start=5000\ninterval_ms = 200\ncontrollers = c1\n'
write_ini info 100 3 127.0.0.3
hup 'reload of .* done: .* 1 sensors added, 0 removed, 0 restarted'
grep -q 'reload: \[sensor.new\] added: driver simulated on stream 3' "$A" || { dump agent; fail "new not added on stream 3"; }
wait_for_line "$(bg_log c1)" '"stream":3,"seq":[0-9]*,"sensor":"new"' 5 || { dump c1 agent; fail "no reading of the new sensor at c1"; }
h0=$(ctl_count c1 2)
sleep 1
[ "$(ctl_count c1 2)" -gt "$h0" ] || fail "hum stopped when new was added"
grep -q '"sensor":"new"' "$(bg_log c3)" && fail "c2 (at .3) got the new sensor it does not take"
[ "$(ups c3)" = 1 ] || fail "c2 (at .3), which does not take new, re-associated"
# c1 takes it: one new association, whose HELLO lists stream 3
wait_hellos c1 2 || { dump c1 agent; fail "c1 did not re-associate for the new sensor"; }
[ "$(ups c1)" = 2 ] || fail "c1 has $(ups c1) associations up, want 2 (one re-association)"
ctl_event c1 hello | tail -n1 | grep -q '{"stream":3,"sensor":"new"' ||
	{ dump c1; fail "c1's new HELLO does not list stream 3"; }
# hum removed: its readings stop, the others go on
NOHUM=1
write_ini info 100 3 127.0.0.3
hup 'reload: \[sensor.hum\] removed'
# both took hum: both re-associate, their HELLO without it
for c in c1:3 c3:2; do
	wait_hellos ${c%:*} ${c#*:} || { dump ${c%:*} agent; fail "${c%:*} did not re-associate when hum went"; }
	ctl_event ${c%:*} hello | tail -n1 | grep -q '"sensor":"hum"' &&
		{ dump ${c%:*}; fail "${c%:*}'s new HELLO still lists hum"; }
done
sleep 0.5
h1=$(ctl_count c1 2) n1=$(ctl_count c1 3) t1=$(ctl_count c1 1)
sleep 1.5
[ "$(ctl_count c1 2)" = "$h1" ] || fail "hum still read after its removal"
[ "$(ctl_count c1 3)" -gt "$n1" ] && [ "$(ctl_count c1 1)" -gt "$t1" ] ||
	fail "temp or new stopped when hum was removed"
[ "$(streams_of c1 temp)" = 1 ] && [ "$(streams_of c1 hum)" = 2 ] &&
	[ "$(streams_of c1 new)" = 3 ] || fail "streams moved: temp $(streams_of c1 temp), hum $(streams_of c1 hum), new $(streams_of c1 new)"
for st in 2 3; do
	sq=$(ctl_seqcheck c1 $st) || fail "c1's stream $st is not contiguous: $sq"
done

# log level info -> warn: SIGUSR1's info lines stop (the reload's own
# "needs a restart" line, for init_timeout_ms, is a warning, so it still
# shows)
n0=$(wc -l <"$A")
kill -USR1 "$AP"
sleep 1
n1=$(wc -l <"$A")
[ "$n1" -gt "$n0" ] || fail "SIGUSR1 printed nothing at info"
write_ini warn 100 3 127.0.0.3
sed -i 's/^init_timeout_ms = .*/init_timeout_ms = 600/' $INI	# named: a warning
kill -HUP "$AP"
sleep 1
tail -n +$((n1 + 1)) "$A" | grep -q 'needs a restart' || { dump agent; fail "reload to warn not done"; }
tail -n +$((n1 + 1)) "$A" | grep -q 'reload of .* done' && fail "info line after log_level = warn"
n2=$(wc -l <"$A")
kill -USR1 "$AP"
sleep 1
[ "$(wc -l <"$A")" = "$n2" ] || { dump agent; fail "SIGUSR1's info lines still printed at warn"; }

# errors: refused whole (the interval change in it is not applied)
write_ini debug 1000 3 127.0.0.3 '[sensor.bad]\ndriver = simulated\ninterval_ms = 1\n'
sed -i 's/^init_timeout_ms = .*/init_timeout_ms = 600/' $INI
hup 'has errors; keeping the running configuration'
grep -q "$INI:[0-9]*: \[sensor.bad\] interval_ms" "$A" || { dump agent; fail "the error does not name file, line and key"; }
r2=$(rate c1 2)
[ "$r2" -ge $((r0 * 2)) ] || fail "a refused file changed the interval ($r2 readings in 2 s)"

seq=$(ctl_seqcheck c1 1) || fail "c1's stream is not contiguous across the reloads: $seq"
bg_kill agent TERM
log "interval ${r0}->${r1}/2s, log_level warn, path_max_retrans 5->3 live, c2 moved to .3 alone, sensor added/removed live (streams kept), bad file refused; c1 $seq"
pass
