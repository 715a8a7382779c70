#!/bin/sh
# dtls_refusals: certificate mode against the reference controller, with a
# good board delivering all along while others are refused on the same
# controller socket (each refusal ABORTs its own association only):
#   - a board whose certificate comes from another CA,
#   - a board with an expired certificate,
#   - a plaintext agent against the DTLS controller,
# each refused, logged and counted by both sides, and retried with a
# growing delay (no hot loop); then a DTLS agent against a plaintext
# controller refuses it.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/dtls-lib.sh

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
K=$VMTEST_WORK/k
dtls_creds $K
ns_create c
for i in 1 2 3 4; do
	ns_create a$i
	veth_pair a$i eth0 10.13.$i.1/24 c e$i 10.13.$i.2/24
done
mk() { # N NAME CERT KEY|plain
	local f=$VMTEST_WORK/a$1.ini
	agent_ini $f $2
	ini_ctrl $f c1 10.13.$1.2
	printf 'tls_name = ctl.test\n' >> $f
	printf '[sensor.boilerroom]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = 100\nstream = 1\nunit = count\n' >> $f
	# the product's default handshake timeout: four boards' certificate
	# handshakes and retries queue at one controller on one TCG vCPU, and
	# on a loaded host its answer took more than 3 s (every handshake of
	# the good board timed out, no refusal ever reached)
	[ "$3" = plain ] || ini_cert $f $K $3 $4 10000
}
mk 1 pi-0001 $K/agent.pem $K/agent.key
mk 2 pi-rogue $K/rogue.pem $K/rogue.key
mk 3 pi-old $K/expired.pem $K/expired.key
mk 4 pi-plain plain
ctl_start ctl c 10.13.1.2,10.13.2.2,10.13.3.2,10.13.4.2 --dtls-ca $K/ca.pem \
	--dtls-cert $K/ctl.pem --dtls-key $K/ctl.key
for i in 1 2 3 4; do bg_start a$i a$i sctpagent -f -c $VMTEST_WORK/a$i.ini; done
wait_for_line "$(bg_log ctl)" '^\{"event":"hello".*"agent":"pi-0001"' 60 || { dump ctl a1; fail "good board: no HELLO"; }
C=$(bg_log ctl)
# (waits, not a fixed sleep, and long: certificate handshakes are slow on
# a loaded TCG host; each returns as soon as its line is there)
wait_for_line "$C" '"state":"refused".*not signed by our CA' 60 || { dump ctl a2; fail "rogue CA not refused by the controller"; }
wait_for_line "$C" '"state":"refused".*expired on 2021-01-01' 60 || {
	grep -v '"does not authenticate\|^{"agent"\|event AUTH\|"state":"up"\|"state":"lost"' "$C" | cut -c1-300 | head -n 60
	dump a3; fail "expired certificate not refused"
}
wait_for_line "$C" '"state":"refused".*(plaintext|does not authenticate DATA)' 60 || { dump ctl a4; fail "plaintext agent not refused"; }
wait_for_lines "$C" '^\{"agent":"pi-0001"' 40 30 || { dump ctl a1; fail "good board: fewer than 40 readings next to the refusals"; }
for i in 2 3; do	# two failures each, so the delay between them can be compared
	wait_for_lines "$(bg_log a$i)" 'reconnect in [0-9]* ms' 2 60 || { dump a$i; fail "a$i: no second retry"; }
done
grep -q 'handshake failed' "$(bg_log a2)" || { dump a2; fail "rogue board: no failure logged"; }
grep -q 'handshake failed' "$(bg_log a3)" || { dump a3; fail "expired board: no failure logged"; }
grep -q 'COMM_LOST\|rejected\|ABORT\|reconnect in' "$(bg_log a4)" || { dump a4; fail "plaintext agent: nothing logged"; }
for i in 2 3; do
	delays=$(sed -n 's/.*reconnect in \([0-9]*\) ms.*/\1/p' "$(bg_log a$i)" | tr '\n' ' ')
	set -- $delays
	[ $# -ge 2 ] && [ "$2" -gt "$1" ] || { dump a$i; fail "a$i: reconnect delays not growing: $delays"; }
done
grep -q 'pi-rogue\|pi-old\|pi-plain' "$C" && ctl_readings ctl | grep -q '"agent":"pi-\(rogue\|old\|plain\)"' &&
	fail "a refused board's readings got through"
r=$(ctl_seqcheck ctl 1)
set -- $r
[ "$1" = ok ] || { dump ctl; fail "good board: $r"; }
[ "$2" -ge 40 ] || { dump ctl a1; fail "good board: only $2 readings next to the refusals"; }
refused=$(grep -c '"state":"refused"' "$C")
log "good board: $2 readings in order; $refused refusals (rogue CA, expired, plaintext)"
for i in 1 2 3 4; do bg_kill a$i TERM; done
ctl_stop ctl
# the summary line counts them (and the good board's one handshake)
refused=$(grep -c '"state":"refused"' "$C")
[ "$(dtls_summary ctl refused)" -ge 3 ] && [ "$(dtls_summary ctl refused)" = "$refused" ] ||
	{ dump ctl; fail "summary: refused=$(dtls_summary ctl refused), $refused refusal events"; }
[ "$(dtls_summary ctl handshakes)" = 1 ] || fail "summary: handshakes=$(dtls_summary ctl handshakes)"

# a DTLS board against a plaintext controller
ctl_start plain c 10.13.1.2
bg_start a5 a1 sctpagent -f -c $VMTEST_WORK/a1.ini
# (a plaintext controller has no SCTP-AUTH: refused at COMM_UP; one that
# had it would be refused at the handshake timeout)
wait_for_line "$(bg_log a5)" 'secure channel refused: (the controller does not support SCTP-AUTH|.*no handshake answer)' 30 ||
	{ dump a5 plain; fail "DTLS board vs plaintext controller: not refused"; }
ctl_readings plain | grep -q . && fail "plaintext controller got readings from a DTLS board"
pass
