#!/bin/sh
# nat_cell: a carrier NAT on the cellular path. The agent's cell0
# (100.64.0.2, carrier-grade NAT space) reaches the controller's
# 198.51.100.2 only through router namespace nr, which masquerades
# (nftables, ports fully random) and drops IP protocol 132, as carriers
# do; Ethernet (192.0.2.2 <-> 192.0.2.1) is direct and native. Every
# address is of global scope: Linux leaves private addresses (10/8,
# 172.16/12, 192.168/16) out of an INIT or INIT-ACK sent to a public one
# (net.sctp.addr_scope_policy = 1, its default; README, troubleshooting).
#   1) plain SCTP over the cellular path cannot associate (the router
#      drops the INITs: its counter moves, no HELLO);
#   2) with [path.cell] udp_port = 9899 the association comes up over the
#      NAT: the INIT goes over UDP so the controller learns the NAT's
#      public address (RFC 6951; the address listed in the INIT is the
#      private one), its packets reach the controller from the NAT's
#      address and a translated UDP port, and the agent asks the
#      controller (RFC 5061 Set Primary) to send to its Ethernet address:
#      while Ethernet is up the controller's traffic stays off the NAT;
#   3) Ethernet link down: failover to cellular through the NAT, 0 lost,
#      no association lost (the controller knew the NAT address all
#      along); link up: back on Ethernet.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/pipeline-lib.sh
[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
command -v nft >/dev/null || fail "no nft in the image"
W=$VMTEST_WORK
ns_create na
ns_create nr
ns_create nc
for n in na nc; do
	ns_exec $n sh -c 'echo 1 >/proc/sys/net/sctp/auth_enable; echo 1 >/proc/sys/net/sctp/addip_enable'
done
veth_pair na eth0 192.0.2.2/24 nc eth0 192.0.2.1/24
veth_pair na cell0 100.64.0.2/24 nr lan 100.64.0.1/24
veth_pair nr wan 198.51.100.1/24 nc eth1 198.51.100.2/24
ns_exec na $IP route add 198.51.100.0/24 via 100.64.0.1
ns_exec nr sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward'
ns_exec nr nft -f - <<'EOF' || fail "nft rules"
table ip cgnat {
	chain drop132 {
		type filter hook forward priority 0; policy accept;
		meta l4proto sctp counter drop
	}
	chain masq {
		type nat hook postrouting priority 100; policy accept;
		oifname "wan" masquerade fully-random
	}
}
EOF
# the controller's packets out of each link, to see where it sends
ns_exec nc nft -f - <<'EOF' || fail "nft counters"
table ip ctlout {
	chain sent {
		type filter hook output priority 0; policy accept;
		oifname "eth0" counter
		oifname "eth1" counter
	}
	chain got {
		type filter hook input priority 0; policy accept;
		iifname "eth1" counter
	}
}
EOF
out_count() { # IFNAME: packets the controller sent out of it so far
	ns_exec nc nft list chain ip ctlout sent | sed -n "s/.*oifname \"$1\" counter packets \([0-9]*\).*/\1/p"
}
nat_in() { # packets the controller received over the NAT so far
	ns_exec nc nft list chain ip ctlout got | sed -n 's/.*iifname "eth1" counter packets \([0-9]*\).*/\1/p'
}
dropped() { ns_exec nr nft list chain ip cgnat drop132 | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'; }
pl_cap_start capw nc eth1 $W/wan.pcap sctp or udp or icmp
ctl_start ctl nc 192.0.2.1,198.51.100.2 --udp-port 9899

# 1) plain SCTP through the carrier NAT
P=$W/plain.ini
agent_ini $P plain
cat >> $P <<'EOF'
[path.cell]
interface = cell0
address = 100.64.0.2
[controller.c]
address = 198.51.100.2@cell
port = 9910
EOF
ini_counter $P s1 1 100
bg_start plain na sctpagent -f -c $P
sleep 1.5
grep -q '"agent":"plain"' "$(bg_log ctl)" && { dump plain ctl; fail "plain SCTP associated through the NAT"; }
d=$(dropped)
[ "${d:-0}" -gt 0 ] || { dump plain; fail "the router dropped no SCTP"; }
log "plain SCTP: no association; the router dropped $d protocol-132 packets"
bg_kill plain TERM

# 2) SCTP over UDP through the NAT, Ethernet native
INI=$W/agent.ini
agent_ini $INI nat
cat >> $INI <<'EOF'
[path.eth]
interface = eth0
address = 192.0.2.2
priority = 10
heartbeat_ms = 1000
rto_initial_ms = 100
rto_min_ms = 30
rto_max_ms = 1000
path_max_retrans = 2
failback_hold_ms = 1000
[path.cell]
interface = cell0
address = 100.64.0.2
priority = 50
udp_port = 9899
heartbeat_ms = 1000
rto_initial_ms = 300
rto_min_ms = 100
rto_max_ms = 1000
path_max_retrans = 3
pf_threshold = 1
failback_hold_ms = 1000
[controller.c]
address = 192.0.2.1@eth, 198.51.100.2@cell
port = 9910
EOF
ini_counter $INI s1 1 100
ini_counter $INI s2 2 250
bg_start agent na sctpagent -f -c $INI
A=$(bg_log agent)
L=$(bg_log ctl)
wait_for_line "$L" '"event":"hello","agent":"nat"' 15 || { dump agent ctl; fail "no association over UDP through the NAT"; }
sleep 1.5	# both paths confirmed, primary on eth, Set Primary done
grep -q 'cannot ask the peer' "$A" && { dump agent ctl; fail "Set Primary refused"; }
grep -q 'COMM_LOST' "$A" && { dump agent ctl; fail "the association was lost"; }
# Its own traffic (replies, ACKs, SACKs of what came over Ethernet) on
# Ethernet; over the NAT only heartbeats and answers to what the agent
# sent there (HEARTBEAT-ACKs; SACKs of a retransmission a spurious RTO of
# a loaded guest put on the alternate path: Linux SACKs where the DATA
# came from). Without Set Primary all of it goes over the NAT. A loaded
# guest may take a while to get the ASCONF through: up to 5 windows of 2 s.
for win in 1 2 3 4 5; do
	e0=$(out_count eth0); c0=$(out_count eth1); i0=$(nat_in)
	sleep 2
	e1=$(out_count eth0); c1=$(out_count eth1); i1=$(nat_in)
	log "controller out, 2 s with Ethernet up (window $win): eth0 $((e1 - e0)), eth1 (NAT) $((c1 - c0)) packets; in over the NAT $((i1 - i0))"
	[ $((c1 - c0)) -le $((6 + i1 - i0)) ] && [ $((e1 - e0)) -gt $((c1 - c0)) ] && break
	[ $win = 5 ] && { dump agent ctl; fail "the controller keeps sending over the NAT ($((c1 - c0)) packets in 2 s)"; }
done

# 3) Ethernet down: over the NAT
n0=$(ctl_count ctl)
link_down na eth0
wait_for_line "$A" 'primary -> 198\.51\.100\.2:9910 \(path cell\): local link down' 3 ||
	{ dump agent; fail "no switch to cell"; }
sleep 1.5
n1=$(ctl_count ctl)
[ $((n1 - n0)) -ge 15 ] || { dump agent ctl; fail "only $((n1 - n0)) readings through the NAT"; }
link_up na eth0
wait_for_line "$A" 'primary -> 192\.0\.2\.1:9910 \(path eth\)' 8 || { dump agent; fail "no failback to eth"; }
sleep 1
bg_kill agent TERM
wait_for_line "$L" '"state":"shutdown_comp".*"agent":"nat"' 5 || { dump agent ctl; fail "no SHUTDOWN_COMPLETE"; }
grep -q '"state":"lost"' "$L" && { dump agent ctl; fail "an association was lost"; }
ctl_stop ctl
pl_cap_stop capw
for s in 1 2; do
	r=$(ctl_seqcheck ctl $s)
	case "$r" in ok*) ;; *) dump ctl; fail "stream $s: $r" ;; esac
done
[ "$(ctl_summary ctl gaps)" = 0 ] || fail "gaps: $(ctl_summary ctl gaps)"
# the wire on the controller's NAT side: the agent is the NAT's address
# with a translated port, never 100.64.0.2, never native SCTP
count() { tcpdump -Z root -r $W/wan.pcap -nn "$1" 2>/dev/null | wc -l; }
nat=$(count 'src host 198.51.100.1 and udp and not src port 9899')
priv=$(count 'host 100.64.0.2')
native=$(count 'ip proto 132')
log "NAT side: $nat packets from 198.51.100.1 (translated port), $priv from 100.64.0.2, $native native SCTP; $(ctl_count ctl) readings, 0 lost"
[ "$nat" -gt 30 ] && [ "$priv" = 0 ] && [ "$native" = 0 ] || fail "NAT side: $nat / $priv / $native"
pass
