#!/bin/sh
# interop_usrsctp_examples: usrsctp's own example programs (Debian's
# libusrsctp-examples, nobody here wrote them) as peers of the agent on
# kernel SCTP with UDP encapsulation: controller "d" is discard_server
# (SCTP port 9), controller "e" echo_server (port 7), each in its own
# namespace on UDP 9899. The agent associates with both; discard_server
# prints the agent's messages; echo_server sends them back, which the
# agent counts as rejected input and survives; SIGTERM shuts both down
# gracefully. On the wire: SCTP-in-UDP both ways, no native SCTP.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/pipeline-lib.sh
[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
command -v usrsctp_discard_server >/dev/null || fail "no usrsctp examples in the image"
W=$VMTEST_WORK
ns_create xa
ns_create xd
ns_create xe
veth_pair xa eth0 10.8.1.2/24 xd eth0 10.8.1.1/24
veth_pair xa eth1 10.8.2.2/24 xe eth0 10.8.2.1/24
pl_cap_start capd xd eth0 $W/d.pcap sctp or udp port 9899
pl_cap_start cape xe eth0 $W/e.pcap sctp or udp port 9899
bg_start disc xd usrsctp_discard_server 9899
bg_start echo xe usrsctp_echo_server 9899
sleep 0.5
INI=$W/agent.ini
agent_ini $INI ex
printf 'transport = kernel\n' >> $INI
printf '[controller.d]\naddress = 10.8.1.1 udp=9899\nport = 9\n' >> $INI
printf '[controller.e]\naddress = 10.8.2.1 udp=9899\nport = 7\n' >> $INI
ini_counter $INI s1 1 100
bg_start agent xa sctpagent -f -c $INI
A=$(bg_log agent)
for c in d e; do
	wait_for_line "$A" "ctrl=$c .*association up" 10 || { dump agent disc echo; fail "no association with $c"; }
done
wait_for_lines "$(bg_log disc)" 'Msg of length [0-9]+ received from .*10\.8\.1\.2.* on stream 1' 10 10 ||
	{ dump agent disc; fail "discard_server got no readings"; }
wait_for_lines "$A" 'ctrl=e .*rejected message from controller' 5 10 ||
	{ dump agent echo; fail "no echoed messages back at the agent"; }
bg_kill agent TERM
for c in d e; do
	grep -q "ctrl=$c .*shutdown complete" "$A" || { dump agent; fail "no graceful shutdown with $c"; }
done
pl_cap_stop capd
pl_cap_stop cape
count() { tcpdump -Z root -r "$1" -nn "$2" 2>/dev/null | wc -l; }
for c in d e; do
	n=$(count $W/$c.pcap 'ip proto 132')
	up=$(count $W/$c.pcap 'udp dst port 9899 and src net 10.8.0.0/16 and src host not 10.8.1.1 and src host not 10.8.2.1')
	down=$(count $W/$c.pcap 'udp src port 9899 and (src host 10.8.1.1 or src host 10.8.2.1)')
	log "$c: $up agent->peer, $down peer->agent SCTP-in-UDP, $n native"
	# packets, not messages: a slow guest bundles several readings into
	# one packet (seen: 10 packets for INIT, COOKIE ECHO and 11 messages);
	# the handshake alone is 2 each way
	[ "$n" = 0 ] && [ "$up" -ge 4 ] && [ "$down" -ge 3 ] || fail "$c: wire $up up, $down down, $n native"
done
grep -E 'association up|rejected|shutdown complete' "$A" | sort | uniq -c | sed 's/^/  /' | head -n 6
pass
