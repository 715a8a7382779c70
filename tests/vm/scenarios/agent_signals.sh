#!/bin/sh
# agent_signals: the agent's own signals with drivers that read on worker
# threads (simulated_slow, a DS18B20 on a w1_therm fixture), so the kernel
# has threads besides the loop's to hand a process signal to (issue 8: the
# worker used to take SIGUSR1 and die). A third sensor's device is missing
# at the start: the agent starts anyway, the sensor shows as down, and is
# opened once the device appears.
#   - --check-config --probe names the missing sensor, exit 3;
#   - USR1 x5: alive, status lines (with the down sensor) each time;
#   - the missing DS18B20 appears: opened on a retry, its readings arrive;
#   - HUP with c2 removed: alive, c2 gets SHUTDOWN_COMP, c1 keeps reading;
#   - HUP with a broken file: alive, the running configuration stays;
#   - TERM: exit 0 within 5 s, c1 sees SHUTDOWN + SHUTDOWN_COMP, the agent
#     prints its counters and "stopped"; every stream at c1 is contiguous.
. /vmtest/lib.sh
if [ -f /vmtest/ctl-lib.sh ]; then . /vmtest/ctl-lib.sh; else . /bin/ctl-lib.sh; fi

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
W=$VMTEST_WORK
FIX=$W/fix
w1_fixture $FIX 28-00000abcdef0 21500
write_ini() { # FILE WITH_C2
	agent_ini "$1" tsig
	ini_ctrl "$1" c1 127.0.0.1
	[ "$2" = yes ] && ini_ctrl "$1" c2 127.0.0.2
	ini_slow "$1" slow 1 100
	ini_w1 "$1" w1 2 200 $FIX 28-00000abcdef0
	ini_w1 "$1" late 3 200 $FIX 28-00000abcdef7	# not there yet
}
INI=$W/agent.ini
write_ini $INI yes

out=$(sctpagent --check-config $INI --probe 2>&1)
rc=$?
[ $rc = 3 ] || { echo "$out"; fail "--probe exit $rc, want 3"; }
echo "$out" | grep -q 'sensor late (ds18b20): cannot open: 1-Wire device 28-00000abcdef7 not found' ||
	{ echo "$out"; fail "--probe did not name the missing sensor"; }
echo "$out" | grep -q 'sensor w1 (ds18b20): ok, 21.5 Cel; reads on the worker' ||
	{ echo "$out"; fail "--probe: w1 not ok"; }

ctl_start c1 - 127.0.0.1
ctl_start c2 - 127.0.0.2
bg_start agent - sctpagent -f -c $INI
A=$(bg_log agent)
for c in c1 c2; do
	wait_for_line "$(bg_log $c)" '^\{"event":"hello"' 10 || { dump $c agent; fail "no HELLO at $c"; }
done
wait_for_line "$(bg_log c1)" '"stream":2,"seq":1,"sensor":"w1","value":21.5' 10 ||
	{ dump c1 agent; fail "no w1 reading at c1"; }
grep -q 'sensor=late driver=ds18b20 cannot open (1 x): 1-Wire device 28-00000abcdef7 not found' "$A" ||
	{ dump agent; fail "no 'cannot open' line for the missing sensor"; }
bg_alive agent || { dump agent; fail "agent died at the start"; }
pid=$(bg_pid agent)

for i in 1 2 3 4 5; do
	kill -USR1 "$pid"
	wait_for_lines "$A" 'sensor=slow driver=simulated_slow state=ok, reads on the worker' $i 5 ||
		{ dump agent; fail "USR1 $i: no status line"; }
	bg_alive agent || { dump agent; fail "agent died on SIGUSR1 $i"; }
done
grep -q 'sensor=late driver=ds18b20 state=down (1-Wire device 28-00000abcdef7 not found' "$A" ||
	{ dump agent; fail "status does not show the missing sensor down"; }

w1_fixture $FIX 28-00000abcdef7 19000		# the device appears
wait_for_line "$A" 'sensor=late driver=ds18b20 open after [0-9]+ failures' 10 ||
	{ dump agent; fail "the late sensor was not opened"; }
wait_for_line "$(bg_log c1)" '"stream":3,"seq":1,"sensor":"late","value":19' 5 ||
	{ dump c1 agent; fail "no reading of the late sensor"; }

write_ini $INI no				# c2 removed
kill -HUP "$pid"
wait_for_line "$A" 'ctrl=c2 .*removed from the configuration: closing' 5 ||
	{ dump agent; fail "HUP: c2 not closed"; }
wait_for_line "$(bg_log c2)" '"state":"shutdown_comp"' 5 || { dump c2 agent; fail "c2 saw no SHUTDOWN_COMP"; }
bg_alive agent || { dump agent; fail "agent died on SIGHUP"; }
n1=$(ctl_count c1)
echo "[sensor.bad]" >> $INI
printf 'driver = thermal\nsource = zone=x\n' >> $INI
kill -HUP "$pid"
wait_for_line "$A" 'reload: .* has errors; keeping the running configuration' 5 ||
	{ dump agent; fail "HUP with a broken file: no refusal"; }
grep -q "source: 'zone=x': zone='x'" "$A" || { dump agent; fail "the reload error does not name the source"; }
kill -USR1 "$pid"
sleep 1
bg_alive agent || { dump agent; fail "agent died after the reloads"; }
[ "$(ctl_count c1)" -gt $((n1 + 5)) ] || { dump c1 agent; fail "c1 stopped getting readings after the reloads"; }

kill -TERM "$pid"
bg_wait agent 5
rc=$?
[ $rc = 124 ] && { dump agent; fail "agent still running 5 s after SIGTERM"; }
[ $rc = 0 ] || { dump agent; fail "agent exit status $rc after SIGTERM"; }
sleep 0.3
ctl_event c1 shutdown >/dev/null || { dump c1; fail "c1 saw no SHUTDOWN (no EOF)"; }
ctl_event c1 assoc shutdown_comp >/dev/null || { dump c1; fail "c1 saw no SHUTDOWN_COMP"; }
grep -q 'ctrl=c1 .*sent [0-9]* msgs' "$A" || { dump agent; fail "no counters at exit"; }
grep -q 'main: stopped' "$A" || { dump agent; fail "no 'stopped' line"; }
grep -q 'User defined signal\|Hangup\|Terminated' "$A" && { dump agent; fail "a signal's default action ran"; }
ctl_stop c1
ctl_stop c2
for s in 1 2 3; do
	r=$(ctl_seqcheck c1 $s)
	set -- $r
	[ "$1" = ok ] || { dump c1; fail "c1 stream $s: $r"; }
done
log "USR1 x6, HUP x2, TERM with two worker-read drivers: alive, EOF, counters; $(ctl_count c1) readings at c1"
pass
