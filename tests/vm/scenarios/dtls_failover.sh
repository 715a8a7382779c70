#!/bin/sh
# dtls_failover: failover_link with DTLS on (failover-lib.sh bed: eth
# without delay, cell 40 ms each way, the board profile; three sensors
# every 70 ms, so the re-send window of a link-down, two Ethernet RTOs +
# 20 ms >= 80 ms, always holds messages of each). The DTLS connection
# belongs to the association, not to a path: the Ethernet link-down moves
# the traffic to cellular at once with no new handshake (key 1 all along,
# nothing refused), readings keep flowing on cell, nothing is lost,
# duplicated as printed or out of order per stream, the recent messages
# the agent re-sends on the new primary go through the secure channel (the
# controller decrypts them and drops them as duplicates), every DATA chunk
# on the cellular path is AUTHenticated (tcpdump here, tshark on the
# host): the assertions of failover_link. The latency around the
# link-down is logged, not asserted (a loaded TCG host stalls the guest
# for seconds); `make bench` (bench_dtls) compares it with a plaintext
# bed in the same run.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/failover-lib.sh
. /vmtest/dtls-lib.sh

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
T0=$(fo_now_ms)
K=$VMTEST_WORK/k
dtls_creds $K
fo_bed f
psk_table $K/table pi-d $K/psk.hex
INI=$VMTEST_WORK/agent.ini
fo_ini $INI pi-d board 2000
ini_counter $INI boilerroom 1 70
ini_counter $INI furnace 2 70
ini_counter $INI chimney 3 70
ini_psk $INI pi-d $K/psk.hex
PCAP=$VMTEST_WORK/cell.pcap
bg_start cap fc tcpdump -Z root -U -n -i eth1 -s 0 -w $PCAP sctp
wait_for_line "$(bg_log cap)" 'listening on' 10 || fail "tcpdump did not start"
fo_ctl_start ctl fc --dtls-psk $K/table
fo_agent_start agent fa $INI
A=$(bg_log agent)
wait_for_line "$(bg_log ctl)" '^\{"event":"hello"' 15 || { dump ctl agent; fail "no HELLO through DTLS"; }
# the controller must have confirmed the agent's cell address first: until
# then it sends its SACKs for cell DATA to the dead Ethernet address
# (fo_steady; seen: "only 27 readings in 2 s on cell" on arm64 6.12)
fo_steady
# on Ethernet and quiet for 1 s (on a loaded TCG host a 20 ms RTO can fire
# spuriously: PF, cell primary for the 2 s hold-down)
changes() { grep -cE 'primary ->|: PF' "$A"; }
quiet=0
for i in 1 2 3 4 5 6; do
	fo_on_eth
	c0=$(changes)
	sleep 1
	[ "$(changes)" = "$c0" ] && { quiet=1; break; }
	log "a path changed before the link-down: waiting again"
done
[ $quiet = 1 ] || { dump agent; fail "the paths never stayed quiet for 1 s"; }
rs0=$(sed -n 's/.*re-sent \([0-9]*\) message(s).*/\1/p' "$A" | awk '{ s += $1 } END { print s + 0 }')
n0=$(ctl_count ctl)
tdown=$(fo_now_ms)
link_down fa eth0
log "eth0 down"
if ! wait_for_line "$A" 'primary -> 10\.2\.0\.1:9910 \(path cell\): local link down' 2; then
	# on a loaded TCG host a spurious PF can move the primary just before
	fo_primary agent fa '10\.2\.0\.1' 3 || { dump agent; fail "no switch to cell on link down"; }
	log "note: a PF had already moved the primary to cell when the link went down"
fi
sleep 2
n1=$(ctl_count ctl)
[ $((n1 - n0)) -ge 40 ] || { dump agent ctl; fail "only $((n1 - n0)) readings in 2 s on cell"; }
st=$(agent_dtls_status agent)
bg_kill agent TERM
sleep 0.3
fo_ctl_stop ctl
bg_kill cap INT
sleep 0.3
fo_check ctl
# the DTLS connection survived the failover: one handshake, key 1, nothing refused
[ "$(dtls_summary ctl handshakes)" = 1 ] || { dump ctl; fail "$(dtls_summary ctl handshakes) handshakes (expected 1)"; }
[ "$(dtls_summary ctl refused)" = 0 ] || fail "refusals at the controller"
case $st in
*"key 1; handshakes 1, rekeys 0"*"bad 0,"*"(dropped 0)"*) ;;
*) dump agent; fail "agent DTLS status: $st" ;;
esac
grep -q 'secure channel refused\|aborting' "$A" && { dump agent; fail "the agent refused or aborted"; }
# the re-sent recent messages went through the secure channel
rs=$(sed -n 's/.*re-sent \([0-9]*\) message(s).*/\1/p' "$A" | awk '{ s += $1 } END { print s + 0 }')
[ $((rs - rs0)) -ge 3 ] || { dump agent; fail "the link-down re-sent $((rs - rs0)) messages (expected one per sensor at least)"; }
dups=$(ctl_summary ctl dups)
[ "${dups:-0}" -ge 1 ] && [ "$dups" -le "$rs" ] ||
	{ dump ctl; fail "the controller dropped $dups duplicates for $rs re-sent messages"; }
[ "$(ctl_summary ctl bad)" = 0 ] || fail "bad messages at the controller"
r=$(dtls_cap_check $PCAP boilerroom)
set -- $r
[ "$1" = ok ] || fail "cell capture: $r"
ncell=$2
[ "$ncell" -ge 40 ] || fail "only $ncell DATA packets on the cellular path"
dtls_pcap_emit $PCAP dtls_failover_cell
lat=$(fo_latency ctl $((tdown - 500)) $((tdown + 1500)))
worst=$(echo "$lat" | sed -n 's/.*worst=\([0-9-]*\).*/\1/p')
log "$FO_SUM; around link down $lat; re-sent $((rs - rs0)) through DTLS ($dups dropped as duplicates); $ncell DATA packets on cell, all AUTHenticated; wall $(( ($(fo_now_ms) - T0) / 1000 )) s"
[ "$worst" -ge 0 ] || fail "no reading sampled around the link-down"
pass
