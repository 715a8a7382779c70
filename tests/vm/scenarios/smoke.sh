#!/bin/sh
# smoke: proves the bed. Kernel SCTP is there, two namespaces joined by a veth
# pair, sctp_darn listening in one and a sctp_darn client in the other sending
# messages that the listener must receive.
. /vmtest/lib.sh

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"

ns_create a
ns_create b
veth_pair a eth0 10.10.1.1/24 b eth0 10.10.1.2/24
ns_exec a $IP link show eth0 | grep -q UP || fail "veth not up in a"
ns_exec a ping -c1 -W2 10.10.1.2 >/dev/null || fail "no IP connectivity over veth"

# netem works (sch_netem + iproute2 tc): 10 ms each way on b's side.
netem b eth0 delay 10ms || fail "tc netem failed"
ns_exec b $TC qdisc show dev eth0 | grep -q netem || fail "netem qdisc not installed"

bg_start listener a sctp_darn -H 10.10.1.1 -P 5000 -l
wait_sctp_listen a 5000 10 || { dump listener; fail "listener not listening"; }

N=5
bg_start_in client b sctp_darn -H 10.10.1.2 -P 5001 -h 10.10.1.1 -p 5000 -s
i=1
while [ $i -le $N ]; do
	bg_send client "smoke-msg-$i"
	i=$((i + 1))
done
if ! wait_for_lines "$(bg_log listener)" 'smoke-msg-[0-9]' $N 15; then
	dump listener client
	fail "listener got $(count_lines "$(bg_log listener)" 'smoke-msg-[0-9]') of $N messages"
fi
[ "$(sctp_assocs a)" -ge 1 ] || fail "no association in /proc/net/sctp/assocs"
bg_close_in client
bg_kill client
bg_kill listener
log "listener received $N messages"
pass
