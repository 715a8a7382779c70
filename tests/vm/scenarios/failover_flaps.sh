#!/bin/sh
# failover_flaps: 20 flaps of the agent's eth0 (down 0.3 s, up 0.3 s). No
# reading lost, duplicated (as printed) or out of order; the primary moves
# to cell at the first flap and does not flap back while the cable flaps
# (failback_hold_ms 2 s restarts at every link up): at most 4 "primary ->"
# lines, the last one back to eth after the flaps. A flapping path raises
# one alarm, not a line per flip: one "is flapping" ALARM, at most 3 "link
# DOWN" lines (those before it), and the status counts every failure.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/failover-lib.sh
fo_start ff
fo_steady
sleep 1
p0=$(count_lines "$A" 'primary ->')
tdown=$(fo_now_ms)
i=0
while [ $i -lt 20 ]; do
	link_down fa eth0
	sleep 0.3
	link_up fa eth0
	sleep 0.3
	i=$((i + 1))
done
tend=$(fo_now_ms)
log "20 flaps done in $((tend - tdown)) ms"
p1=$(count_lines "$A" 'primary ->')
fo_status agent || { dump agent; fail "no status"; }
downs=$(grep 'path=eth if=eth0: link [a-zA-Z]*, [0-9]* failures' "$A" | tail -n1 | sed 's/.*, \([0-9]*\) failures.*/\1/')
lines=$(count_lines "$A" 'path=eth if=eth0: link DOWN')
alarms=$(count_lines "$A" 'ALARM: path=eth if=eth0 is flapping')
wait_for_line "$A" 'primary -> 10\.1\.0\.1:9910 \(path eth\)' 8 || { dump agent; fail "no failback to eth after the flaps"; }
sleep 1
bg_kill agent TERM
sleep 0.3
fo_ctl_stop ctl
fo_check ctl
sw=$(($(count_lines "$A" 'primary ->') - p0))
lat=$(fo_latency ctl $((tdown - 500)) $tend)
grep -E 'primary ->|re-sent|UNREACHABLE|PF|ALARM|WARN|ERR' "$A" | grep -v 'link DOWN' | sed 's/^/  agent: /' | head -n 30
log "failures counted $downs/20 ($lines link DOWN lines, $alarms alarm); primary switches during flaps $((p1 - p0)), total $sw; spurious $FO_SPURIOUS; during the flaps: $lat; wall $(( ($(fo_now_ms) - T0) / 1000 )) s"
[ "$downs" -ge 10 ] || { dump agent; fail "agent counted only $downs failures of 20 flaps"; }
[ "$alarms" = 1 ] || { dump agent; fail "$alarms flapping alarms, want 1"; }
[ "$lines" -le 3 ] || { dump agent; fail "$lines link DOWN lines: the flips were not muted"; }
[ "$FO_SPURIOUS" = 0 ] || { dump agent; fail "$FO_SPURIOUS spurious failovers"; }
[ "$sw" -le 4 ] || { dump agent; fail "primary flapped: $sw switches"; }
pass
