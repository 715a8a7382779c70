#!/bin/sh
# dtls_psk: DTLS over SCTP (RFC 6083) in PSK mode between the agent and the
# reference controller, in two namespaces with net.sctp.auth_enable left at
# 0 (each socket switches SCTP-AUTH on for itself). Readings arrive in
# order, a command is answered, every DATA chunk on the wire carries an
# AUTH chunk and no sensor name is in clear. Then the controller is
# SIGKILLed and restarted: the agent reconnects, handshakes again and
# replays what the dead controller never acknowledged (no gap).
# `sctpagent status` shows the channel (state, suite, AUTH key id), as a
# table line and as the JSON "dtls" map.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/dtls-lib.sh

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
K=$VMTEST_WORK/k
dtls_creds $K
ns_create a; ns_create c
veth_pair a eth0 10.11.0.1/24 c eth0 10.11.0.2/24
psk_table $K/table pi-1 $K/psk.hex
INI=$VMTEST_WORK/agent.ini
agent_ini $INI pi-1
echo "status_socket = $VMTEST_WORK/status.sock" >>$INI
ini_ctrl $INI c1 10.11.0.2
printf '[sensor.boilerroom]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = 100\nstream = 1\nunit = count\n' >> $INI
ini_psk $INI pi-1 $K/psk.hex
sctpagent --check-config $INI >/dev/null || { sctpagent --check-config $INI; fail "config refused"; }

PCAP=$VMTEST_WORK/psk.pcap
bg_start cap c tcpdump -Z root -U -n -i eth0 -s 0 -w $PCAP sctp
wait_for_line "$(bg_log cap)" 'listening on' 10 || fail "tcpdump did not start"
ctl_start ctl1 c 10.11.0.2 --dtls-psk $K/table --cmd ping --cmd-at 2
bg_start agent a sctpagent -f -c $INI
wait_for_line "$(bg_log ctl1)" '^\{"event":"dtls".*"state":"up"' 10 || { dump ctl1 agent; fail "no DTLS handshake"; }
wait_for_line "$(bg_log ctl1)" '^\{"event":"hello"' 5 || { dump ctl1 agent; fail "no HELLO through DTLS"; }
wait_for_line "$(bg_log ctl1)" '^\{"event":"reply".*"msg":"pong"' 5 || { dump ctl1 agent; fail "no reply to ping"; }
wait_for_lines "$(bg_log ctl1)" '"seq":' 20 10 || { dump ctl1 agent; fail "no readings through DTLS"; }
grep -q 'DTLS up: TLS-ECDHE-PSK-WITH-CHACHA20-POLY1305-SHA256, SCTP-AUTH key 1' "$(bg_log agent)" ||
	{ dump agent; fail "agent: no 'DTLS up' with key 1"; }
ns_exec a sctpagent status --socket $VMTEST_WORK/status.sock >$VMTEST_WORK/st.txt 2>&1 ||
	{ cat $VMTEST_WORK/st.txt; fail "sctpagent status failed"; }
grep -q '^    dtls: open dtls-psk TLS-ECDHE-PSK-WITH-CHACHA20-POLY1305-SHA256, key 1, ' $VMTEST_WORK/st.txt ||
	{ cat $VMTEST_WORK/st.txt; fail "status: no 'dtls: open' line with the suite and key 1"; }
ns_exec a sctpagent status --json --socket $VMTEST_WORK/status.sock >$VMTEST_WORK/st.json ||
	fail "sctpagent status --json failed"
[ "$(jq -r '.[0].dtls | "\(.state) \(.mode) \(.key_id) \(.handshakes) \(.failures)"' $VMTEST_WORK/st.json)" = \
  "open dtls-psk 1 1 0" ] || { cat $VMTEST_WORK/st.json; fail "status --json: dtls map"; }
log "status: $(grep '^    dtls:' $VMTEST_WORK/st.txt | sed 's/^ *//')"
bg_kill cap INT
sleep 0.3
r=$(dtls_cap_check $PCAP boilerroom)
set -- $r
[ "$1" = ok ] || fail "capture: $r"
log "capture: $2 packets with DATA, each authenticated; no plaintext sensor name"
dtls_pcap_emit $PCAP dtls_psk

# controller killed and restarted: handshake again, replay, no gap
bg_kill ctl1 KILL
log "controller killed"
sleep 2
ctl_start ctl2 c 10.11.0.2 --dtls-psk $K/table
wait_for_line "$(bg_log ctl2)" '^\{"event":"dtls".*"state":"up"' 15 || { dump ctl2 agent; fail "no DTLS after the restart"; }
wait_for_lines "$(bg_log ctl2)" '"seq":' 30 10 || { dump ctl2 agent; fail "no readings after the restart"; }
bg_kill agent TERM
sleep 0.5
ctl_stop ctl2
up=$(ctl_event ctl2 assoc up | head -n1)
first=$(ctl_readings ctl2 | head -n1)
t_up=$(jget "$up" time); t_first=$(jget "$first" time)
[ $((t_up - t_first)) -gt 1000 ] || { dump ctl2 agent; fail "nothing replayed after the restart"; }
r=$(ctl_seqcheck ctl2 1)
set -- $r
[ "$1" = ok ] || { dump ctl2; fail "after restart: $r"; }
grep -q 'close_notify' "$(bg_log ctl2)" || log "note: no close_notify seen by ctl2"
log "after the restart: seq $3..$4 ($2 readings) in order, first sampled $((t_up - t_first)) ms before COMM_UP"
pass
