#!/bin/sh
# failover_cell_addr: eth0 down (traffic on cell), then the modem's address
# changes: 10.2.0.3/24 is added to the agent's cell0 and, 1.5 s later,
# 10.2.0.2 removed. [path.cell] address = auto: the agent must log the bind
# add and remove (sctp_bindx; ASCONF to the controller, addip on in both
# namespaces). Readings must continue. If the peer or kernel refuses the
# ASCONF and the association restarts, the scenario says so and counts
# what was lost instead of failing on it.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/failover-lib.sh
fo_start fa auto
fo_steady
sleep 1
link_down fa eth0
wait_for_line "$A" 'primary -> 10\.2\.0\.1:9910 \(path cell\)' 3 || { dump agent; fail "no switch to cell"; }
sleep 1
# deleting the subnet's primary address would flush 10.2.0.3 (a secondary)
# with it, unless secondaries are promoted (a modem gets a new address the
# same way: the old one goes, the new one stays)
ns_exec fa sh -c 'echo 1 >/proc/sys/net/ipv4/conf/cell0/promote_secondaries'
addr_add fa cell0 10.2.0.3/24
wait_for_line "$A" 'path=cell: add local address 10\.2\.0\.3' 3 || { dump agent; fail "agent did not react to the new cell address"; }
ADDERR=$(grep 'path=cell: add local address 10\.2\.0\.3: ' "$A" | sed 's/.*10\.2\.0\.3: //' | head -n1)
[ -n "$ADDERR" ] && log "agent could not bind 10.2.0.3: $ADDERR"
sleep 1.5
addr_del fa cell0 10.2.0.2/24
wait_for_line "$A" 'path=cell: remove local address 10\.2\.0\.2' 3 || { dump agent; fail "agent did not drop the old cell address"; }
tdel=$(fo_now_ms)
# readings must resume (at once with ASCONF, or after a reconnect)
t=0
n0=$(ctl_count ctl)
while [ $t -lt 12 ]; do
	sleep 1
	t=$((t + 1))
	[ $(($(ctl_count ctl) - n0)) -ge 5 ] && break
	n0=$(ctl_count ctl)
done
n0=$(ctl_count ctl)
sleep 2
n1=$(ctl_count ctl)
ns_exec fc cat /proc/net/sctp/assocs | sed 's/^/  ctl assocs: /'
bg_kill agent TERM
sleep 0.3
fo_ctl_stop ctl
grep -E 'link|primary ->|local address|ASCONF|re-sent|UNREACHABLE|PF|AVAILABLE|CONFIRMED|ADDED|REMOVED|ALARM|WARN|ERR|association up|COMM_LOST|RESTART|reconnect' "$A" | sed 's/^/  agent: /' | head -n 40
grep -iE 'peer|addr' "$(bg_log ctl.err)" | sed 's/^/  ctl: /' | head -n 10
ups=$(count_lines "$A" 'association up')
sum="readings=$(ctl_summary ctl readings) dups=$(ctl_summary ctl dups) gaps=$(ctl_summary ctl gaps) ooo=$(ctl_summary ctl out_of_order)"
log "after the address change: $((n1 - n0)) readings in 2 s; associations up: $ups; controller $sum; wall $(( ($(fo_now_ms) - T0) / 1000 )) s"
[ $((n1 - n0)) -ge 20 ] || { dump agent; fail "readings stopped after the cell address change${ADDERR:+ (bindx add 10.2.0.3 failed: $ADDERR)}"; }
if [ "$ups" -gt 1 ]; then
	log "NOTE: the association restarted (ASCONF not used/accepted); lost (gaps) = $(ctl_summary ctl gaps)"
	pass
fi
fo_check ctl
pass
