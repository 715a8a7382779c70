#!/bin/sh
# dtls_openssl: interop with OpenSSL, the original RFC 6083 implementation
# (openssl built with enable-sctp by scripts/openssl-sctp.sh), with
# net.sctp.auth_enable=1 in its namespace (OpenSSL needs the sysctl).
#   1. PSK: the agent handshakes with `s_server -dtls1_2 -sctp`; its HELLO
#      and readings arrive decrypted at s_server's output; data flows after
#      the handshake, which the kernels only allow if both ends derived the
#      same exporter key (every DATA chunk is AUTHenticated with key 1:
#      capture checked here with tcpdump and on the host with tshark).
#   2. certificates: the same with P-256 certificates, s_server requiring
#      the board's certificate.
#   3. a wrong PSK fails on both sides.
#   4. `s_client -dtls1_2 -sctp` handshakes with the reference controller.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/dtls-lib.sh

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
command -v openssl >/dev/null || fail "no openssl with SCTP in the image (scripts/openssl-sctp.sh)"
K=$VMTEST_WORK/k
dtls_creds $K
ns_create a; ns_create c
veth_pair a eth0 10.12.0.1/24 c eth0 10.12.0.2/24
ns_exec c sysctl -q -w net.sctp.auth_enable=1
PSK=$(cat $K/psk.hex)
OSSL="openssl s_server -dtls1_2 -sctp -4 -accept 9910 -ign_eof -naccept 1"
agent_ini_dtls() { # FILE: agent pi-1, one sensor, to 10.12.0.2
	agent_ini $1 pi-1
	ini_ctrl $1 c1 10.12.0.2
	printf 'tls_name = ctl.test\n' >> $1
	printf '[sensor.boilerroom]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = 100\nstream = 1\nunit = count\n' >> $1
}

# 1. PSK
INI=$VMTEST_WORK/psk.ini
agent_ini_dtls $INI
ini_psk $INI pi-1 $K/psk.hex
PCAP=$VMTEST_WORK/ossl.pcap
bg_start cap c tcpdump -Z root -U -n -i eth0 -s 0 -w $PCAP sctp
wait_for_line "$(bg_log cap)" 'listening on' 10 || fail "tcpdump did not start"
bg_start_in ossl c $OSSL -nocert -psk $PSK -psk_identity pi-1 \
	-cipher ECDHE-PSK-CHACHA20-POLY1305 -keymatexport EXPORTER_DTLS_OVER_SCTP -keymatexportlen 64
wait_sctp_listen c 9910 10 || { dump ossl; fail "s_server not listening"; }
bg_start agent a sctpagent -f -c $INI
wait_for_line "$(bg_log agent)" 'DTLS up: TLS-ECDHE-PSK-WITH-CHACHA20-POLY1305-SHA256, SCTP-AUTH key 1' 15 ||
	{ head -n 12 "$(bg_log agent)"; head -n 30 "$(bg_log ossl)"; tcpdump -Z root -r $PCAP -nn -v 2>/dev/null | head -n 20; fail "PSK: no handshake with s_server"; }
wait_for_line "$(bg_log ossl)" 'boilerroom' 10 || { dump agent ossl; fail "PSK: s_server printed no decrypted HELLO"; }
sleep 1.5
grep -q 'Keying material: [0-9A-F]\{128\}' "$(bg_log ossl)" || { dump ossl; fail "s_server exported no 64-byte key"; }
n=$(grep -a -o 'boilerroom' "$(bg_log ossl)" | wc -l)
[ "$n" -ge 5 ] || { dump ossl agent; fail "PSK: only $n decrypted readings at s_server"; }
bg_kill agent TERM
sleep 0.5
bg_kill cap INT
sleep 0.3
r=$(dtls_cap_check $PCAP boilerroom)
set -- $r
[ "$1" = ok ] || fail "PSK capture: $r"
dtls_pcap_emit $PCAP dtls_openssl_psk
log "PSK: s_server decrypted HELLO and $n reading lines; $2 DATA packets, all AUTHenticated"
bg_kill ossl KILL

# 2. certificates
INI=$VMTEST_WORK/cert.ini
agent_ini_dtls $INI
ini_cert $INI $K $K/agent.pem $K/agent.key
bg_start_in ossl2 c $OSSL -cert $K/ctl.pem -key $K/ctl.key -CAfile $K/ca.pem -Verify 1
wait_sctp_listen c 9910 10 || { dump ossl2; fail "s_server (cert) not listening"; }
bg_start agent2 a sctpagent -f -c $INI
wait_for_line "$(bg_log agent2)" 'DTLS up: TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256' 15 ||
	{ dump agent2 ossl2; fail "cert: no handshake with s_server"; }
wait_for_line "$(bg_log ossl2)" 'boilerroom' 10 || { dump agent2 ossl2; fail "cert: no decrypted HELLO"; }
grep -q 'subject=CN = pi-0001' "$(bg_log ossl2)" || grep -q 'pi-0001' "$(bg_log ossl2)" ||
	{ dump ossl2; fail "s_server did not see the board's certificate"; }
bg_kill agent2 TERM
sleep 0.3
bg_kill ossl2 KILL
log "certificates: handshake, board certificate verified by s_server, HELLO decrypted"

# 3. a wrong PSK: both sides fail
INI=$VMTEST_WORK/psk.ini
bg_start_in ossl3 c $OSSL -nocert -psk $(cat $K/psk-wrong.hex) -psk_identity pi-1 -cipher ECDHE-PSK-CHACHA20-POLY1305
wait_sctp_listen c 9910 10 || { dump ossl3; fail "s_server (wrong PSK) not listening"; }
bg_start agent3 a sctpagent -f -c $INI
wait_for_line "$(bg_log agent3)" 'handshake failed' 10 || { dump agent3 ossl3; fail "wrong PSK: agent did not fail"; }
sleep 0.5
grep -qiE 'error|alert|bad record mac|decrypt' "$(bg_log ossl3)" || { dump ossl3; fail "wrong PSK: s_server reported nothing"; }
grep -q 'boilerroom' "$(bg_log ossl3)" && fail "wrong PSK: data got through"
bg_kill agent3 TERM
bg_kill ossl3 KILL
log "wrong PSK: $(grep -o 'handshake failed ([a-z-]*)' "$(bg_log agent3)" | head -n1) at the agent; s_server: $(grep -aiE 'error|alert' "$(bg_log ossl3)" | head -n1 | cut -c1-100)"

# 4. s_client against the reference controller
psk_table $K/table pi-1 $K/psk.hex
ns_exec a sysctl -q -w net.sctp.auth_enable=1	# OpenSSL needs it (the agent does not)
ctl_start ctl c 10.12.0.2 --dtls-psk $K/table
bg_start_in scl a openssl s_client -dtls1_2 -sctp -4 -connect 10.12.0.2:9910 -psk $PSK \
	-psk_identity pi-1 -cipher ECDHE-PSK-CHACHA20-POLY1305
wait_for_line "$(bg_log ctl)" '^\{"event":"dtls".*"state":"up"' 10 || { dump ctl scl; fail "s_client: no handshake with sctpctl"; }
bg_kill scl KILL
ctl_stop ctl
log "s_client -dtls1_2 -sctp: handshake with sctpctl"
pass
