# pipeline_priority: a 96 kbit/s path (tc tbf on the agent's egress, a
# queue of about 4 packets), four bulk sensors (every 10 ms, bundles of 16
# readings with long names and units, about one full packet per message,
# priority 200, streams 2..5: about twice what the path carries) and an alarm
# sensor (every 250 ms, priority 0, unordered, stream 1: a dropped alarm
# waits for its own retransmission only). Latency = controller receive
# time (uptime, see pl_ctl_ts) - sample time, with the wall/uptime offset
# taken from the controller's HELLO line; bulk counts each message by its
# newest reading. Run A (priorities set): the alarm median stays low (< 1 s
# and < 1/2 of the bulk median) while bulk queues up (median >= 1 s).
# Run B (all priority 128, the same FCFS order the kernel uses by default) is
# the baseline: its alarm median must be at least 2x A's.
# I-DATA: interleave = true and net.sctp.intl_enable=1 in every namespace;
# the capture says whether DATA or I-DATA chunks were used (sctpctl does not
# offer I-DATA, so it is not negotiated: logged, not failed). With
# pipeline.pcap=1 the pcaps are printed; tests/bench/pcap_check.sh shows the
# Supported Extensions of INIT and INIT ACK (64 = I-DATA).
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/pipeline-lib.sh

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
T=${PL_PRIO_S:-9}
RATE=${PL_PRIO_RATE:-96kbit}
LONG=bulk-channel-with-a-long-name

# run TAG PRIO_ALARM PRIO_BULK: sets MED_ALARM MED_BULK (ms)
run() {
	local tag=$1 pa=$2 pb=$3 ini=$VMTEST_WORK/$1.ini L off i
	# fresh namespaces per run (nothing left over from the previous one)
	ns_create ag$tag; ns_create c$tag
	veth_pair ag$tag eth0 10.5.0.1/24 c$tag eth0 10.5.0.2/24
	for i in ag$tag c$tag; do
		ns_exec $i sysctl -q -w net.sctp.intl_enable=1 || log "no net.sctp.intl_enable"
	done
	ns_exec ag$tag $TC qdisc replace dev eth0 root tbf rate $RATE burst 1600 limit 6000 ||
		fail "tc tbf failed"
	agent_ini $ini pr$tag
	echo "interleave = true" >> $ini
	# short RTO: a packet the tbf drops is resent in 200 ms, not 1 s
	printf '[path.eth]\ninterface = eth0\nrto_min_ms = 200\nrto_initial_ms = 500\n' >> $ini
	ini_ctrl $ini C1 10.5.0.2
	ini_counter $ini alarm 1 250
	# unordered: one alarm lost at the tbf does not hold back the next ones
	printf 'priority = %s\nordered = false\n' $pa >> $ini
	for i in 2 3 4 5; do
		printf '[sensor.%s-%s]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = 10\nstream = %s\nunit = count-of-things\nbundle_count = 16\nbundle_ms = 1000\npriority = %s\n' \
			$LONG $i $i $pb >> $ini
	done
	pl_cap_start cap$tag c$tag eth0 $VMTEST_WORK/$tag.pcap
	pl_ctl_ts C$tag c$tag 10.5.0.2 --interleave
	bg_start agent$tag ag$tag sctpagent -f -c $ini
	L=$(bg_log C$tag)
	wait_for_line $L '"event":"hello"' 10 || { dump C$tag agent$tag; fail "$tag: no HELLO"; }
	sleep $T
	bg_kill agent$tag KILL
	bg_kill C$tag TERM
	pl_cap_stop cap$tag
	ns_exec ag$tag $TC -s qdisc show dev eth0 | head -n 3 | tr '\n' ' ' | sed "s/^/[$tag] /"; echo
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
	# tcpdump 4.99 has no name for I-DATA: "[Unknown chunk type: 0x40]"
	N_IDATA=$(tcpdump -Z root -r $VMTEST_WORK/$tag.pcap -nn -v 2>/dev/null | grep -cE 'I-DATA|chunk type: (64|0x40)')
	N_DATA=$(pl_chunks $VMTEST_WORK/$tag.pcap | grep -c '^DATA')
	log "$tag (alarm prio $pa, bulk prio $pb, $RATE): alarm $N_ALARM readings, median latency $MED_ALARM ms (max $MAX_ALARM); bulk $N_BULK messages, median $MED_BULK ms; chunks DATA $N_DATA, I-DATA $N_IDATA"
	pl_pcap_emit $VMTEST_WORK/$tag.pcap priority_$tag
	[ "$N_ALARM" -ge 10 ] && [ "$N_BULK" -ge 10 ] || { dump C$tag agent$tag; fail "$tag: too few readings (alarm $N_ALARM, bulk msgs $N_BULK)"; }
}

run A 0 200
a_alarm=$MED_ALARM a_bulk=$MED_BULK a_idata=$N_IDATA
grep -q 'stream priorities not applied' $(bg_log agentA) && fail "agent could not set stream priorities: $(grep 'priorities not applied' $(bg_log agentA))"
run B 128 128
b_alarm=$MED_ALARM b_bulk=$MED_BULK
[ "$a_idata" -gt 0 ] || fail "I-DATA not negotiated: only DATA chunks on the wire"
grep -q 'association up: .*I-DATA' $(bg_log agentA) || fail "the agent did not log I-DATA at COMM_UP"
log "I-DATA negotiated: $a_idata I-DATA chunks"
[ "$a_bulk" -ge 1000 ] || fail "bulk did not queue up (median $a_bulk ms): the path is not congested"
# The alarm cannot beat the tbf's own queue (about 4 full packets, 0.5 s
# at 96 kbit/s) whatever the scheduler does, while bulk's median depends on
# how much a CPU-starved guest produced (1.5 s under TCG on a loaded host,
# 3-4 s on a quiet one): half the bulk median, not a third, is what a
# working scheduler always gives; run B's 2x below is the real comparison.
[ "$a_alarm" -lt 1000 ] && [ $((a_alarm * 2)) -lt "$a_bulk" ] ||
	fail "priority 0 alarm median $a_alarm ms vs bulk $a_bulk ms (want < 1000 and < bulk/2)"
[ "$b_alarm" -gt $((a_alarm * 2)) ] ||
	fail "without priorities the alarm median is $b_alarm ms, with them $a_alarm ms: the scheduler made no difference"
pass
