#!/bin/sh
# failover_both_down: both links down for 10 s, then only cell comes back.
# The association survives (retransmissions) or is lost and the agent
# reconnects on cell; the scenario asserts the agent delivers again and
# prints what was lost (controller summary gaps), dups and order.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/failover-lib.sh
fo_start fd
sleep 1.5
tdown=$(fo_now_ms)
link_down fa eth0
link_down fa cell0
log "both links down"
sleep 10
n0=$(ctl_count ctl)
link_up fa cell0
tup=$(fo_now_ms)
log "cell up"
# a reading sampled after the cell came back reaches the controller
t=0
while :; do
	last=$(ctl_last_time ctl)
	[ "${last:-0}" -gt "$tup" ] && break
	t=$((t + 1))
	[ $t -gt 150 ] && { dump agent ctl; fail "no fresh reading 15 s after the cell came back"; }
	sleep 0.1
done
trec=$(fo_now_ms)
sleep 1.5
bg_kill agent TERM
sleep 0.3
fo_ctl_stop ctl
grep -E 'link|primary ->|re-sent|UNREACHABLE|PF|AVAILABLE|CONFIRMED|ALARM|WARN|ERR|association up|COMM_LOST|reconnect|requeued|dropped' "$A" | sed 's/^/  agent: /' | head -n 40
ups=$(count_lines "$A" 'association up')
bad=0
for s in 1 2 3; do
	r=$(ctl_seqcheck ctl $s)
	log "stream $s as printed: $r"
	case "$r" in ok*) ;; *) bad=1 ;; esac
done
# arrival order of stream 1 around the outage, for the report
ctl_readings ctl 1 | awk '{ match($0, /"seq":[0-9]+/); s = substr($0, RSTART + 6, RLENGTH - 6); l = ($0 ~ /"late":true/) ? "L" : ""; printf "%s%s ", s, l } END { print "" }' | fold -w 200 | sed 's/^/  stream 1 arrival order: /'
lost=$(ctl_summary ctl gaps)
log "recovered: first fresh reading $((trec - tup)) ms after cell up; associations up: $ups; LOST (controller gaps) = $lost; dups=$(ctl_summary ctl dups) ooo=$(ctl_summary ctl out_of_order) readings=$(ctl_summary ctl readings); wall $(( ($(fo_now_ms) - T0) / 1000 )) s"
pass
