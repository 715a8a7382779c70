#!/bin/sh
# loopback: sctp_test server and client over 127.0.0.1 on lo.
. /vmtest/lib.sh

bg_start server - sctp_test -H 127.0.0.1 -P 6000 -l
wait_sctp_listen - 6000 10 || { dump server; fail "server not listening"; }
bg_start client - sctp_test -H 127.0.0.1 -P 6001 -h 127.0.0.1 -p 6000 -s -x 5
if ! bg_wait client 30; then
	dump server client
	fail "client failed or timed out"
fi
n=$(count_lines "$(bg_log server)" 'recvmsg.*Data [0-9]+ bytes')
[ "$n" -ge 5 ] || { dump server client; fail "server received $n data messages, want >= 5"; }
grep -qE "COMM(UNICATION)?_UP" "$(bg_log server)" || { head -n 30 "$(bg_log server)"; fail "server saw no COMMUNICATION_UP"; }
log "server received $n messages"
pass
