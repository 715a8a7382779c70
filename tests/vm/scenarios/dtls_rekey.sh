#!/bin/sh
# dtls_rekey: renegotiation on the same association (RFC 6083 4.7), with
# 20 ms each way on the link so records are in flight while it runs.
#   1. the reference controller: the agent rekeys every second (its
#      lifetime); key ids advance 1 -> 2 -> 3: the agent's kernel accepts
#      the controller's Finished under each new key (the rekey completes),
#      the controller's kernel the agent's readings under it (they keep
#      arriving; tshark sees the agent's DATA under each id), readings on
#      two streams flow with nothing lost or duplicated, every ping
#      the controller sends meanwhile (every 150 ms) is answered, and no
#      record is dropped on the agent (the controller's ACKs and commands
#      of the old epoch that arrive mid-renegotiation are read). The
#      capture goes to the host's tshark: DATA under key ids 1, 2 and 3.
#      Beside it, a board whose handshake stalls half way (SIGSTOP after
#      its ClientHello, 300 ms each way on its link) is ABORTed by the
#      controller at its handshake deadline, counted in the summary line,
#      and handshakes once it runs again.
#   2. OpenSSL s_server -client_renegotiation: the agent's rekeys are
#      accepted (keys 2 and 3 on the wire, checked with tshark; readings
#      still decrypted by s_server after them).
#   3. OpenSSL s_server as it comes (OpenSSL 3.0 refuses client-initiated
#      renegotiation with a no_renegotiation alert): the agent closes
#      that association gracefully (close_notify, SHUTDOWN, no ABORT),
#      connects again and handshakes anew (key 1 of a new association);
#      readings resume at s_server.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/dtls-lib.sh

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
command -v openssl >/dev/null || fail "no openssl with SCTP in the image (scripts/openssl-sctp.sh)"
K=$VMTEST_WORK/k
dtls_creds $K
ns_create a; ns_create c; ns_create s
veth_pair a eth0 10.14.0.1/24 c eth0 10.14.0.2/24
veth_pair s eth0 10.14.1.1/24 c e1 10.14.1.2/24
netem a eth0 delay 20ms || fail "netem"
netem c eth0 delay 20ms || fail "netem"
netem s eth0 delay 300ms || fail "netem"
netem c e1 delay 300ms || fail "netem"
psk_table $K/table pi-1 $K/psk.hex
printf 'pi-stall %s\n' "$(cat $K/psk.hex)" >> $K/table
mkini() { # FILE NAME ADDR REKEY_S
	agent_ini $1 $2
	ini_ctrl $1 c1 $3
	printf '[sensor.boilerroom]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = 100\nstream = 1\nunit = count\n' >> $1
	ini_counter $1 furnace 2 100
	ini_psk $1 $2 $K/psk.hex
	printf 'rekey_interval_s = %s\n' $4 >> $1
}
INI=$VMTEST_WORK/agent.ini
mkini $INI pi-1 10.14.0.2 1
mkini $VMTEST_WORK/stall.ini pi-stall 10.14.1.2 0
sed -i 's/^init_timeout_ms = .*/init_timeout_ms = 1500/' $VMTEST_WORK/stall.ini	# RTT 600 ms
sctpagent --check-config $INI >/dev/null || { sctpagent --check-config $INI; fail "config refused"; }

# 1. the reference controller
PCAP=$VMTEST_WORK/rekey.pcap
bg_start cap c tcpdump -Z root -U -n -i eth0 -s 0 -w $PCAP sctp
wait_for_line "$(bg_log cap)" 'listening on' 10 || fail "tcpdump did not start"
cmds=""
for t in 0.6 0.75 0.9 1.05 1.2 1.35 1.5 1.65 1.8 1.95 2.1 2.25 2.4 2.55 2.7 2.85; do
	cmds="$cmds --cmd ping --cmd-at $t"
done
ctl_start ctl c 10.14.0.2,10.14.1.2 --dtls-psk $K/table --dtls-hs-timeout 6000 --ack-ms 20 $cmds
bg_start agent a sctpagent -f -c $INI
bg_start stall s sctpagent -f -c $VMTEST_WORK/stall.ini
A=$(bg_log agent)
wait_for_line "$(bg_log stall)" 'DTLS: handshake started' 10 || { dump stall; fail "stalling board: no handshake"; }
kill -STOP "$(bg_pid stall)"	# its ClientHello is on the way, the answer not yet read
wait_for_line "$A" 'DTLS up: .*SCTP-AUTH key 1' 10 || { dump agent ctl; fail "no DTLS handshake"; }
wait_for_line "$A" 'DTLS rekeyed: .*SCTP-AUTH key 3' 12 || { dump agent ctl; fail "no second rekey (key 3)"; }
# the controller's kernel accepts what the agent sends under the new keys:
# readings keep arriving (a chunk under a key id it lacks is discarded)
n0=$(grep -c '^{"agent":"pi-1"' "$(bg_log ctl)")
wait_for_lines "$(bg_log ctl)" '^\{"agent":"pi-1"' $((n0 + 10)) 5 || { dump ctl agent; fail "no readings after the second rekey"; }
wait_for_line "$(bg_log ctl)" '"state":"refused".*handshake not completed within 6000 ms' 12 ||
	{ dump ctl stall; fail "the stalled board was not aborted at the deadline"; }
grep -q 'DTLS up: .*SCTP-AUTH key 1' "$(bg_log stall)" && fail "the stalled board completed its handshake?"
log "stalled board: $(grep -o 'assoc [0-9]* refused: handshake not completed.*' "$(bg_log ctl)" | head -n1)"
netem_clear s eth0
netem_clear c e1
kill -CONT "$(bg_pid stall)"
wait_for_line "$(bg_log stall)" 'DTLS up: ' 15 || { dump stall ctl; fail "the stalled board did not recover"; }
wait_for_lines "$(bg_log ctl)" '^\{"event":"reply".*"msg":"pong"' 16 10 || { dump ctl agent; fail "not every ping answered"; }
st=$(agent_dtls_status agent)
log "agent: ${st#*DTLS: }"
case $st in
*"early "*"(dropped 0)"*) ;;
*) dump agent; fail "agent dropped records: $st" ;;
esac
case $st in *"bad 0,"*) ;; *) fail "agent: bad records: $st" ;; esac
bg_kill agent TERM
bg_kill stall TERM
sleep 0.5
ctl_stop ctl
bg_kill cap INT
sleep 0.3
grep '"agent":"pi-1"' "$(bg_log ctl)" > "$(bg_log ctl_pi1)"
for s in 1 2; do
	r=$(ctl_seqcheck ctl_pi1 $s)
	set -- $r
	[ "$1" = ok ] || {
		grep -v '^{"agent"' "$(bg_log ctl)" | tail -n 40
		grep '"agent":"pi-1"' "$(bg_log ctl)" | grep '"stream":'$s',' | head -n 30 | cut -c1-160
		grep -v 'sensor=' "$A" | tail -n 60
		fail "stream $s: $r"
	}
	[ "$2" -ge 40 ] || fail "stream $s: only $2 readings"
done
[ "$(ctl_summary ctl gaps)" = 0 ] || fail "gaps in the controller summary"
rk=$(dtls_summary ctl rekeys)
[ "${rk:-0}" -ge 2 ] || { dump ctl; fail "controller summary: rekeys=$rk"; }
[ "$(dtls_summary ctl timeouts)" = 1 ] || { grep "refused" "$(bg_log ctl)"; fail "controller summary: timeouts=$(dtls_summary ctl timeouts)"; }
[ "$(dtls_summary ctl refused)" = 1 ] || { grep "refused" "$(bg_log ctl)"; grep -i "refused\|abort\|DTLS\|COMM\|reconnect" "$(bg_log stall)" | head -30; dump agent; fail "controller summary: refused=$(dtls_summary ctl refused)"; }
[ "$(dtls_summary ctl handshakes)" = 2 ] || fail "controller summary: handshakes=$(dtls_summary ctl handshakes)"
r=$(dtls_cap_check $PCAP boilerroom)
set -- $r
[ "$1" = ok ] || fail "capture: $r"
dtls_pcap_emit $PCAP dtls_rekey 3
log "reference controller: $rk rekeys, readings under keys 1-3 delivered, streams 1-2 in order, 16 pings answered; summary $(grep '^{"summary"' "$(bg_log ctl)" | sed 's/.*"dtls"/"dtls"/')"

# 2. s_server -client_renegotiation
ns_exec c sysctl -q -w net.sctp.auth_enable=1
OSSL="openssl s_server -dtls1_2 -sctp -4 -accept 9910 -ign_eof -nocert -psk $(cat $K/psk.hex) -psk_identity pi-1 -cipher ECDHE-PSK-CHACHA20-POLY1305"
PCAP=$VMTEST_WORK/ossl.pcap
bg_start cap2 c tcpdump -Z root -U -n -i eth0 -s 0 -w $PCAP sctp
wait_for_line "$(bg_log cap2)" 'listening on' 10 || fail "tcpdump did not start"
bg_start_in ossl c $OSSL -naccept 1 -client_renegotiation
wait_sctp_listen c 9910 10 || { dump ossl; fail "s_server not listening"; }
bg_start agent2 a sctpagent -f -c $INI
A=$(bg_log agent2)
wait_for_line "$A" 'DTLS rekeyed: .*SCTP-AUTH key 3' 12 || { dump agent2 ossl; fail "s_server -client_renegotiation: no second rekey"; }
n0=$(grep -a -o 'boilerroom' "$(bg_log ossl)" | wc -l)
sleep 0.6
n1=$(grep -a -o 'boilerroom' "$(bg_log ossl)" | wc -l)
[ $((n1 - n0)) -ge 3 ] || { dump agent2 ossl; fail "s_server: only $((n1 - n0)) readings decrypted after the rekey"; }
grep -q 'refused\|aborting' "$A" && { dump agent2; fail "agent refused or aborted against s_server"; }
bg_kill agent2 TERM
sleep 0.5
bg_kill cap2 INT
sleep 0.3
bg_kill ossl KILL
r=$(dtls_cap_check $PCAP boilerroom)
set -- $r
[ "$1" = ok ] || fail "s_server capture: $r"
dtls_pcap_emit $PCAP dtls_rekey_openssl 3
log "s_server -client_renegotiation: the agent's rekeys accepted (key 2, 3), readings decrypted after them"

# 3. s_server as it comes: refuses client-initiated renegotiation
bg_start_in ossl3 c $OSSL -naccept 2
wait_sctp_listen c 9910 10 || { dump ossl3; fail "s_server not listening"; }
bg_start agent3 a sctpagent -f -c $INI
A=$(bg_log agent3)
wait_for_line "$A" 'the peer refused to renegotiate \(no_renegotiation alert\); closing this association for a new one' 12 ||
	{ dump agent3 ossl3; fail "refused renegotiation not handled"; }
wait_for_lines "$A" 'DTLS up: .*SCTP-AUTH key 1' 2 8 || { dump agent3 ossl3; fail "no new association after the refusal"; }
n0=$(grep -a -o 'boilerroom' "$(bg_log ossl3)" | wc -l)
sleep 0.6
n1=$(grep -a -o 'boilerroom' "$(bg_log ossl3)" | wc -l)
[ $((n1 - n0)) -ge 3 ] || { dump agent3 ossl3; fail "s_server: only $((n1 - n0)) readings on the new association"; }
grep -q 'aborting\|handshake failed\|rekey failed' "$A" && { dump agent3; fail "the refusal was handled with an abort"; }
log "s_server (default): $(grep -c 'no_renegotiation' "$A") refusal(s), each a graceful close and a new association; readings resumed"
bg_kill agent3 TERM
bg_kill ossl3 KILL
pass
