#!/bin/sh
# reload_ctrl: SIGHUP adds a controller and re-associates only the one
# whose sensors changed, on the real kernel. c1 (127.0.0.1) takes temp and
# hum, c2 (127.0.0.2) temp alone; c3 listens on 127.0.0.3, not in the file.
#   - c3 added to the file: it gets an association, HELLO and readings;
#     c1 and c2 see no new association;
#   - c2's `sensors = temp` -> `temp, hum` and `streams = 12` (more than
#     the endpoint's INIT asked for at start, 3): only c2's association
#     ends (SHUTDOWN_COMPLETE), the new one has 12 streams in (the INIT
#     was raised on the live socket), its HELLO lists stream 2 (hum) and
#     hum's readings reach it; c1 and c3 untouched.
. /vmtest/lib.sh
if [ -f /vmtest/ctl-lib.sh ]; then . /vmtest/ctl-lib.sh; else . /bin/ctl-lib.sh; fi

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
W=$VMTEST_WORK
INI=$W/agent.ini
# write_ini C2_EXTRA [EXTRA]
write_ini() {
	agent_ini $INI.new rc
	printf '[path.lo]\ninterface = lo\naddress = 127.0.0.1\n' >>$INI.new
	printf '[controller.c1]\naddress = 127.0.0.1@lo\nport = 9910\n' >>$INI.new
	printf '[controller.c2]\naddress = 127.0.0.2@lo\nport = 9910\n%b' "$1" >>$INI.new
	[ -n "${2:-}" ] && printf '%b' "$2" >>$INI.new
	ini_counter $INI.new temp 1 200
	ini_counter $INI.new hum 2 200
	mv $INI.new $INI
}
hup() { kill -HUP "$AP"; wait_for_line "$A" "$1" 5 || { dump agent; fail "no '$1' after SIGHUP"; }; }
ups() { ctl_event "$1" assoc up | wc -l; }
C3='[controller.c3]\naddress = 127.0.0.3@lo\nport = 9910\n'

write_ini 'sensors = temp\n'
ctl_start c1 - 127.0.0.1
ctl_start c2 - 127.0.0.2
ctl_start c3 - 127.0.0.3
bg_start agent - sctpagent -f -c $INI
AP=$(bg_pid agent)
A=$(bg_log agent)
for c in c1 c2; do
	wait_for_line "$(bg_log $c)" '"sensor":"temp"' 10 || { dump $c agent; fail "no reading at $c"; }
done
ctl_event c2 hello | grep -q '"stream":2' && fail "c2's first HELLO lists hum"
[ "$(ctl_count c3)" = 0 ] || fail "c3 got readings before it was in the file"

# c3 added: connected, HELLO, readings; nobody else re-associates
write_ini 'sensors = temp\n' "$C3"
hup 'ctrl=c3 .*added by the reload: connecting'
wait_for_line "$A" 'reload of .* done: .* 0 controllers re-associated, 0 removed, 0 back, 1 added; 0 changes' 5 ||
	{ dump agent; fail "the reload summary does not say 1 added"; }
wait_for_line "$(bg_log c3)" '^\{"event":"hello"' 10 || { dump c3 agent; fail "no HELLO at the added c3"; }
wait_for_line "$(bg_log c3)" '"sensor":"hum"' 10 || { dump c3 agent; fail "no reading at the added c3"; }
ctl_event c3 hello | grep -q '"stream":1,"sensor":"temp".*"stream":2,"sensor":"hum"' ||
	{ dump c3; fail "c3's HELLO does not list temp and hum"; }
[ "$(ups c1)" = 1 ] && [ "$(ups c2)" = 1 ] || fail "adding c3 re-associated c1 or c2"

# c2 takes hum too, with 12 streams: only c2 re-associates
write_ini 'sensors = temp, hum\nstreams = 12\n' "$C3"
hup 'ctrl=c2 .*reload changed its streams, sensors: a new association'
grep -q 'reload: new associations ask for 12 outbound streams (was 3)' "$A" ||
	{ dump agent; fail "the INIT's out_streams were not raised"; }
wait_for_line "$(bg_log c2)" '"state":"shutdown_comp"' 10 || { dump c2 agent; fail "c2's old association did not end"; }
wait_for_lines "$(bg_log c2)" '^\{"event":"hello"' 2 10 || { dump c2 agent; fail "no second HELLO at c2"; }
ctl_event c2 hello | sed -n 2p | grep -q '"stream":2,"sensor":"hum"' ||
	{ dump c2; fail "c2's new HELLO does not list hum"; }
in2=$(jget "$(ctl_event c2 assoc up | sed -n 2p)" in_streams)
[ "$in2" = 12 ] || { dump c2; fail "c2's new association has $in2 streams in, want 12"; }
wait_for_line "$(bg_log c2)" '"stream":2,"seq":[0-9]*,"sensor":"hum"' 10 || { dump c2 agent; fail "no hum reading at c2"; }
[ "$(ups c1)" = 1 ] && [ "$(ups c3)" = 1 ] || fail "c2's change re-associated c1 or c3"
ctl_event c1 assoc | grep -qv '"state":"up"' && fail "c1 saw an association change"
grep -q 'needs a restart' "$A" && { dump agent; fail "a reload named something as needing a restart"; }

seq=$(ctl_seqcheck c1 2) || fail "c1's hum stream is not contiguous across the reloads: $seq"
bg_kill agent TERM
log "c3 added live (HELLO, readings), c2 sensors+streams: it alone re-associated with 12 streams and hum; c1 $seq"
pass
