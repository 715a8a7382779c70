#!/bin/sh
# dtls_failover: the Ethernet link-down of failover_link with DTLS on, and
# beside it, in the same run and at the same moment, the same bed in
# plaintext as the baseline (failover-lib.sh: eth without delay, cell
# 40 ms each way, the board profile, three sensors every 150 ms).
# The DTLS connection belongs to the association, not to a path: the
# link-down moves the traffic to cellular without a new handshake (key 1
# all along, no refusal), nothing is lost, duplicated as printed or out
# of order per stream, the recent messages the agent re-sends on the new
# primary go through the secure channel (the controller decrypts them and
# drops them as duplicates), every DATA chunk on the cellular path is
# AUTHenticated (tcpdump here, tshark on the host), and the delivery
# figures around the link-down (worst latency, longest gap) stay within
# a bound of the plaintext bed's.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/failover-lib.sh
. /vmtest/dtls-lib.sh

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
T0=$(fo_now_ms)
K=$VMTEST_WORK/k
dtls_creds $K
fo_bed p	# plaintext: pa, pc
fo_bed d	# DTLS: da, dc
psk_table $K/table pi-d $K/psk.hex
for m in p d; do
	fo_ini $VMTEST_WORK/$m.ini pi-$m board 2000
	ini_counter $VMTEST_WORK/$m.ini boilerroom 1 150
	ini_counter $VMTEST_WORK/$m.ini furnace 2 150
	ini_counter $VMTEST_WORK/$m.ini chimney 3 150
done
ini_psk $VMTEST_WORK/d.ini pi-d $K/psk.hex
PCAP=$VMTEST_WORK/cell.pcap
bg_start cap dc tcpdump -Z root -U -n -i eth1 -s 0 -w $PCAP sctp
wait_for_line "$(bg_log cap)" 'listening on' 10 || fail "tcpdump did not start"
fo_ctl_start ctlp pc
fo_ctl_start ctld dc --dtls-psk $K/table
fo_agent_start agentp pa $VMTEST_WORK/p.ini
fo_agent_start agentd da $VMTEST_WORK/d.ini
AP=$(bg_log agentp) AD=$(bg_log agentd)
wait_for_line "$(bg_log ctlp)" '^\{"event":"hello"' 15 || { dump ctlp agentp; fail "plaintext: no HELLO"; }
wait_for_line "$(bg_log ctld)" '^\{"event":"hello"' 15 || { dump ctld agentd; fail "DTLS: no HELLO"; }
fo_primary agentp pa '10\.1\.0\.1' 5 || { dump agentp; fail "plaintext: primary never on eth"; }
fo_primary agentd da '10\.1\.0\.1' 5 || { dump agentd; fail "DTLS: primary never on eth"; }
sleep 1.5
tdown=$(fo_now_ms)
link_down pa eth0
link_down da eth0
log "eth0 down on both beds"
for a in agentp agentd; do
	wait_for_line "$(bg_log $a)" 'primary -> 10\.2\.0\.1:9910 \(path cell\): local link down' 3 ||
		{ dump $a; fail "$a: no switch to cell on link down"; }
done
sleep 3
link_up pa eth0
link_up da eth0
for a in agentp agentd; do
	wait_for_line "$(bg_log $a)" 'primary -> 10\.1\.0\.1:9910 \(path eth\)' 8 || { dump $a; fail "$a: no failback to eth"; }
done
sleep 1
st=$(agent_dtls_status agentd)
bg_kill agentp TERM
bg_kill agentd TERM
sleep 0.3
fo_ctl_stop ctlp
fo_ctl_stop ctld
bg_kill cap INT
sleep 0.3
fo_check ctlp
sum_p=$FO_SUM
fo_check ctld
sum_d=$FO_SUM
# the DTLS connection survived the failover: one handshake, key 1, no refusal
[ "$(dtls_summary ctld handshakes)" = 1 ] || { dump ctld; fail "DTLS: $(dtls_summary ctld handshakes) handshakes (expected 1)"; }
[ "$(dtls_summary ctld refused)" = 0 ] || fail "DTLS: refusals at the controller"
case $st in
*"key 1; handshakes 1, rekeys 0"*"bad 0,"*"(dropped 0)"*) ;;
*) dump agentd; fail "DTLS agent status: $st" ;;
esac
grep -q 'secure channel refused\|aborting' "$AD" && { dump agentd; fail "DTLS agent refused or aborted"; }
# the re-sent recent messages went through the secure channel
rs=$(sed -n 's/.*re-sent \([0-9]*\) message(s).*/\1/p' "$AD" | head -n1)
[ "${rs:-0}" -ge 1 ] || { dump agentd; fail "DTLS agent re-sent nothing on the new primary"; }
dups=$(ctl_summary ctld dups)
[ "${dups:-0}" -ge 1 ] || { dump ctld; fail "the controller saw none of the re-sent messages (dups=$dups)"; }
[ "$(ctl_summary ctld bad)" = 0 ] || fail "DTLS controller: bad messages"
r=$(dtls_cap_check $PCAP boilerroom)
set -- $r
[ "$1" = ok ] || fail "cell capture: $r"
ncell=$2
[ "$ncell" -ge 20 ] || fail "only $ncell DATA packets on the cellular path"
dtls_pcap_emit $PCAP dtls_failover_cell
# delivery figures beside the plaintext bed's
lp=$(fo_latency ctlp $((tdown - 500)) $((tdown + 1500)))
ld=$(fo_latency ctld $((tdown - 500)) $((tdown + 1500)))
log "plaintext: $sum_p; around link down $lp"
log "DTLS:      $sum_d; around link down $ld; re-sent $rs through DTLS; $ncell DATA packets on cell, all AUTHenticated"
kv() { echo "$1" | sed -n "s/.*$2=\([0-9-]*\).*/\1/p"; }
wp=$(kv "$lp" worst) wd=$(kv "$ld" worst) gp=$(kv "$lp" gap) gd=$(kv "$ld" gap)
echo "BENCH dtls_failover plain_worst_ms=$wp dtls_worst_ms=$wd plain_gap_ms=$gp dtls_gap_ms=$gd resent=$rs ctl_dups=$dups"
# within 150 ms of the plaintext bed (TCG on a loaded host adds jitter to both)
[ "$wd" -le $((wp + 150)) ] || fail "DTLS worst latency $wd ms vs plaintext $wp ms"
[ "$gd" -le $((gp + 300)) ] || fail "DTLS longest gap $gd ms vs plaintext $gp ms"
log "wall $(( ($(fo_now_ms) - T0) / 1000 )) s"
pass
