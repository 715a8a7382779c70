#!/bin/sh
# failover_peers: Ethernet faults against the three peers (FO_PEERS: the
# reference controller at the kernel's delayed SACK, the same SACKing
# every packet, sctp_darn as a plain Linux peer), one agent each (three
# counter sensors, 20 readings/s, the Pi's path defaults, hold-down 2 s),
# all in one bed so every fault hits the three at once:
#   1. the agent's eth0 goes down for 2 s (netlink): each moves to cell
#      at once ("local link down") and back after the hold-down;
#   2. eth is blackholed on both ends for 2 s (netem loss 100%, no
#      netlink event): SCTP sees it (PF/UNREACHABLE), each moves to cell
#      and back after eth is AVAILABLE again plus the hold-down.
# Then, per peer: no reading lost, none duplicated after deduplication,
# each stream in order (fo_check; for sctp_darn from the capture of what
# arrived in its namespace, fo_cap_ctl), exactly the 2 failovers of the 2
# faults and none spurious (a failover right after a VM stall is
# forgiven, and said; so is one whose path was back within a second,
# at most one per agent: see below). On the wire (sctp_darn's capture, chunks never
# retransmitted): every DATA chunk sent on eth carries the I bit, and on
# the metered cell path only those the stack sent there before the agent
# heard of the fault.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/failover-lib.sh
. /vmtest/pipeline-lib.sh
[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
T0=$(fo_now_ms)
fo_stallmon_start
fo_bed f
FO_NOWAIT=1
for peer in $FO_PEERS; do
	fo_peer_start $peer fc $peer
	FO_PORT=$(fo_peer_port $peer)
	fo_ini $VMTEST_WORK/a$peer.ini a$peer board 2000
	fo_sensors $VMTEST_WORK/a$peer.ini
done
for peer in $FO_PEERS; do fo_peer_wait $peer fc $peer; done
for peer in $FO_PEERS; do fo_agent_start a$peer fa $VMTEST_WORK/a$peer.ini; done
for peer in $FO_PEERS; do
	fo_peer_hello $peer $peer 1 15 || { dump a$peer; fail "$peer: no HELLO"; }
	fo_primary a$peer fa '10\.1\.0\.1' 5 || { dump a$peer; fail "$peer: primary never on eth"; }
done
set -- $FO_PEERS
fo_peer_confirmed fc 10.2.0.2 $# 15 || fail "the peers never confirmed the agents' cell address"
log "peers confirmed the agents' cell address after $FO_CONFIRM_MS ms more"
# the cell round trip as the status shows it (netem 40 ms each way), in ms:
# Linux reports srtt in jiffies ("srtt=22" at HZ=250 before the port
# converted it)
fo_status a$1 || { dump a$1; fail "$1: no status"; }
srtt=$(grep -E 'path cell [0-9.:]+: [A-Z ]+ srtt=' "$(bg_log a$1)" | tail -n1 | sed 's/.* srtt=\([0-9]*\).*/\1/')
log "$1: cell srtt ${srtt:-?} ms"
[ "${srtt:-0}" -ge 60 ] && [ "$srtt" -le 2000 ] || { dump a$1; fail "$1: cell srtt ${srtt:-?} ms in the status, the round trip is 80 ms"; }
each() {	# each ERE TIMEOUT WHAT: wait for ERE in every agent's log
	local peer
	for peer in $FO_PEERS; do
		wait_for_line "$(bg_log a$peer)" "$1" $2 || { dump a$peer; fail "$peer: $3"; }
	done
}
# fo_all_on_eth WHAT: a forgiven failover on a VM stall may have taken an
# agent to cell just before a fault: each fault starts with every agent's
# last primary move on eth (back after the hold-down; a grep of the
# agents' short logs, so the fault follows within a few ms), so it is the
# fault that moves them
fo_all_on_eth() {
	local peer t=0 off
	while :; do
		off=""
		for peer in $FO_PEERS; do
			grep 'primary -> ' "$(bg_log a$peer)" | tail -n1 | grep -q '(path cell)' && off="$off $peer"
		done
		[ -z "$off" ] && return 0
		t=$((t + 1))
		[ $t -le 50 ] || fail "primary not back on eth before $1:$off"
		sleep 0.2
	done
}
sleep 2
fo_all_on_eth "the link down"
link_down fa eth0
log "eth0 down"
each 'primary -> 10\.2\.0\.1:[0-9]+ \(path cell\): local link down' 2 "no switch to cell on link down"
sleep 2
link_up fa eth0
log "eth0 up"
each 'primary -> 10\.1\.0\.1:[0-9]+ \(path eth\)' 8 "no failback after the link came back"
sleep 1
fo_all_on_eth "the blackhole"
# failbacks so far: the blackhole's is the next one
for peer in $FO_PEERS; do
	n=$(count_lines "$(bg_log a$peer)" 'primary -> 10\.1\.0\.1:[0-9]+ \(path eth\)')
	eval B_$peer=$n
done
tb=$(fo_mono_ms)
blackhole fa eth0
blackhole fc eth0
log "eth blackholed"
each 'primary -> 10\.2\.0\.1:[0-9]+ \(path cell\): (PF|UNREACHABLE)$' 5 "no switch to cell on the blackhole"
sleep 2
netem_clear fa eth0
netem_clear fc eth0
te=$(fo_mono_ms)
log "eth restored"
for peer in $FO_PEERS; do
	eval b=\$B_$peer
	wait_for_lines "$(bg_log a$peer)" 'primary -> 10\.1\.0\.1:[0-9]+ \(path eth\)' $((b + 1)) 12 ||
		{ dump a$peer; fail "$peer: no failback after the blackhole"; }
done
sleep 1
for peer in $FO_PEERS; do
	fo_status a$peer || { dump a$peer; fail "$peer: no status"; }
	eval F_$peer=\$FO_FAILOVERS S_$peer=\$FO_SPURIOUS
	bg_kill a$peer TERM
done
sleep 0.5
for peer in $FO_PEERS; do
	fo_peer_stop $peer $peer
	fo_check $peer
	set -- $(fo_failovers_unexplained a$peer $tb $te)
	eval f=\$F_$peer s=\$S_$peer
	link=$(count_lines "$(bg_log a$peer)" 'primary -> 10\.2\.0\.1:[0-9]+ \(path cell\): local link down')
	grep -E 'link DOWN|link up|primary ->|re-sent|UNREACHABLE|: PF|AVAILABLE|spurious|ALARM' "$(bg_log a$peer)" | sed "s/^/  a$peer: /" | head -n 20
	log "$peer: $FO_SUM; failovers $f (spurious $s): $link on the link down, $2 in the blackhole, $1 else not explained by a VM stall"
	[ "$link" = 1 ] && [ "$2" = 1 ] || { cat "$(bg_log a$peer)"; fail "$peer: $link failovers on the link down, $2 in the blackhole: want 1 each"; }
	# one failover without a fault whose path was back within a second is
	# the loaded TCG guest (a SACK later than the Ethernet floor, no stall
	# vm_stallmon could see: 2 of 6 clean-clone runs on arm64 6.12 had
	# one): said, not failed. More, or one that stayed down, fails.
	# Spurious failovers are measured on a quiet host: make bench-failover.
	quick=$(echo "$3" | tr ',' '\n' | grep -c ':back=[0-9]\{1,3\}ms$')
	if [ "$1" != 0 ]; then
		[ "$1" = 1 ] && [ "$quick" = 1 ] || { cat "$(bg_log a$peer)"; fail "$peer: $f failovers ($s counted spurious) for 2 faults; unexplained: $3"; }
		log "$peer: tolerated one failover without a fault, back within 1 s ($3)"
	fi
	# on the wire: SACK-IMMEDIATELY on eth, never on the metered cell
	if [ $peer = darn ]; then
		set -- $(for k in data_eth sack_now_eth data_cell sack_now_cell; do ctl_summary $peer $k; done)
		log "$peer: DATA chunks (never retransmitted) with the I bit: $2 of $1 on eth, $4 of $3 on cell"
		# on cell only what the stack sent there before the agent heard
		# of the fault (at most a tenth)
		[ "$1" = "$2" ] && [ "$3" -gt 0 ] && [ $(($4 * 10)) -le "$3" ] || fail "$peer: I bit on $2 of $1 DATA chunks on eth, $4 of $3 on cell"
	fi
done
log "VM $(fo_stall_summary) (>= $FO_STALL_MS ms); wall $(( ($(fo_now_ms) - T0) / 1000 )) s"
pass
