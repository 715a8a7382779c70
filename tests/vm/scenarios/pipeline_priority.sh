#!/bin/sh
# pipeline_priority: a 48 kbit/s path (tc tbf on the agent's egress), four
# bulk counter sensors (every 10 ms, bundles of 64, priority 200, streams
# 2..5: about 2x what the path carries) and an alarm sensor (every 300 ms,
# priority 0, stream 1). Latency = controller receive time (uptime, see
# pl_ctl_ts) - sample time, with the wall/uptime offset taken from the
# controller's HELLO line; bulk counts each message by its newest reading.
# Run A (priorities set): the alarm median stays low (< 1 s and < 1/3 of the
# bulk median) while bulk queues up. Run B (all priority 128, FCFS) is logged
# as the baseline, and must show the alarm worse than in A.
# I-DATA: interleave = true and net.sctp.intl_enable=1 in both namespaces;
# the capture says whether DATA or I-DATA chunks were used (sctpctl does not
# offer I-DATA, so it is not negotiated: logged, not failed).
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/pipeline-lib.sh

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
T=${PL_PRIO_S:-9}
RATE=${PL_PRIO_RATE:-48kbit}
ns_create ag; ns_create c1
veth_pair ag eth0 10.5.0.1/24 c1 eth0 10.5.0.2/24
for n in ag c1; do ns_exec $n sysctl -q -w net.sctp.intl_enable=1 || log "no net.sctp.intl_enable in $n"; done
ns_exec ag $TC qdisc replace dev eth0 root tbf rate $RATE burst 3000 latency 300ms ||
	fail "tc tbf failed"

# run TAG PRIO_ALARM PRIO_BULK: sets MED_ALARM MED_BULK (ms)
run() {
	local tag=$1 pa=$2 pb=$3 ini=$VMTEST_WORK/$1.ini L off i
	agent_ini $ini pr$tag
	echo "interleave = true" >> $ini
	ini_ctrl $ini C1 10.5.0.2
	ini_counter $ini alarm 1 300
	printf 'priority = %s\n' $pa >> $ini
	for i in 2 3 4 5; do
		ini_counter $ini bulk$i $i 10
		printf 'bundle_count = 64\nbundle_ms = 1000\npriority = %s\n' $pb >> $ini
	done
	pl_cap_start cap$tag c1 eth0 $VMTEST_WORK/$tag.pcap
	pl_ctl_ts C$tag c1 10.5.0.2
	bg_start agent$tag ag sctpagent -f -c $ini
	L=$(bg_log C$tag)
	wait_for_line $L '"event":"hello"' 10 || { dump C$tag agent$tag; fail "$tag: no HELLO"; }
	sleep $T
	bg_kill agent$tag KILL
	bg_kill C$tag TERM
	pl_cap_stop cap$tag
	ns_exec ag $TC -s qdisc show dev eth0 | head -n 3 | tr '\n' ' ' | sed "s/^/[$tag] /"; echo
	# offset wall - uptime from the HELLO line (controller's wall "time")
	off=$(grep '"event":"hello"' $L | head -n1 | awk '{ match($0, /"time":[0-9]+/)
		print substr($0, RSTART + 7, RLENGTH - 7) - $1 }')
	grep '"stream":1,"seq"' $L | awk -v o=$off '{ match($0, /"time":[0-9]+/)
		print $1 + o - substr($0, RSTART + 7, RLENGTH - 7) }' > $VMTEST_WORK/$tag.alarm
	grep '"stream":[2-5],"seq"' $L | awk -v o=$off '{
		match($0, /"stream":[0-9]+,"seq":[0-9]+/); k = substr($0, RSTART, RLENGTH)
		match($0, /"time":[0-9]+/); l = $1 + o - substr($0, RSTART + 7, RLENGTH - 7)
		if (!(k in m) || l < m[k]) m[k] = l }
		END { for (k in m) print m[k] }' > $VMTEST_WORK/$tag.bulk
	MED_ALARM=$(pl_median < $VMTEST_WORK/$tag.alarm)
	MED_BULK=$(pl_median < $VMTEST_WORK/$tag.bulk)
	N_ALARM=$(wc -l < $VMTEST_WORK/$tag.alarm)
	N_BULK=$(wc -l < $VMTEST_WORK/$tag.bulk)
	MAX_ALARM=$(sort -n $VMTEST_WORK/$tag.alarm | tail -n1)
	N_IDATA=$(tcpdump -Z root -r $VMTEST_WORK/$tag.pcap -nn -v 2>/dev/null | grep -cE 'I-DATA|chunk type: 64|\[0x40\]')
	N_DATA=$(pl_chunks $VMTEST_WORK/$tag.pcap | grep -c '^DATA')
	log "$tag (alarm prio $pa, bulk prio $pb, $RATE): alarm $N_ALARM readings, median latency $MED_ALARM ms (max $MAX_ALARM); bulk $N_BULK messages, median $MED_BULK ms; chunks DATA $N_DATA, I-DATA $N_IDATA"
	[ "$N_ALARM" -ge 10 ] && [ "$N_BULK" -ge 10 ] || { dump C$tag agent$tag; fail "$tag: too few readings (alarm $N_ALARM, bulk msgs $N_BULK)"; }
}

run A 0 200
a_alarm=$MED_ALARM a_bulk=$MED_BULK a_idata=$N_IDATA
grep -q 'stream priorities not applied' $(bg_log agentA) && fail "agent could not set stream priorities: $(grep 'priorities not applied' $(bg_log agentA))"
run B 128 128
b_alarm=$MED_ALARM b_bulk=$MED_BULK
if [ "$a_idata" -gt 0 ]; then
	log "I-DATA negotiated: $a_idata I-DATA chunks"
else
	log "I-DATA NOT negotiated (only DATA chunks on the wire; the controller sctpctl does not offer interleaving), so the one-MTU bound for a 64-reading bundle was not measured"
fi
[ "$a_bulk" -ge 1000 ] || fail "bulk did not queue up (median $a_bulk ms): the path is not congested"
[ "$a_alarm" -lt 1000 ] && [ $((a_alarm * 3)) -lt "$a_bulk" ] ||
	fail "priority 0 alarm median $a_alarm ms vs bulk $a_bulk ms (want < 1000 and < bulk/3)"
[ "$b_alarm" -gt $((a_alarm * 2)) ] ||
	fail "without priorities the alarm median is $b_alarm ms, with them $a_alarm ms: the scheduler made no difference"
pass
