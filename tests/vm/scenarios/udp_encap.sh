#!/bin/sh
# udp_encap: kernel SCTP over UDP (RFC 6951, Linux >= 5.11) on one path.
# The agent's [path.cell] has udp_port = 9899, Ethernet none; the
# controller listens with --udp-port 9899. The agent's namespace starts
# with net.sctp.udp_port = 0 and the agent sets it. On the wire (tcpdump
# on both controller links): Ethernet carries native SCTP only, cellular
# SCTP-in-UDP only, both directions (the controller answers to the port
# the packets came from); the cellular link drops native SCTP as a carrier
# does, and the agent never tries it there. Eth link down: readings go on over UDP, none
# lost. Then a read-only /proc/sys: transport = kernel stops with a line
# naming the sysctl; transport = auto runs on the userspace stack instead
# and delivers to the same kernel controller (usrsctp <-> Linux over UDP).
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/failover-lib.sh
. /vmtest/pipeline-lib.sh
[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
T0=$(fo_now_ms)
W=$VMTEST_WORK
fo_bed u 5ms 1ms
INI=$W/agent.ini
fo_ini $INI udp board 1000
awk '{ print } /^interface = cell0$/ { print "udp_port = 9899" }' $INI > $INI.tmp && mv $INI.tmp $INI
fo_sensors $INI 100
[ "$(ns_exec ua cat /proc/sys/net/sctp/udp_port)" = 0 ] || fail "agent netns: net.sctp.udp_port is not 0 at start"
# the cellular link passes UDP only, as a carrier's does: native SCTP is
# dropped (and counted) where each end sends and receives it
for x in "ua cell0" "uc eth1"; do
	set -- $x
	ns_exec $1 nft -f - <<EOF || fail "nft on $1"
table inet carrier {
	chain o { type filter hook output priority 0; policy accept; oifname "$2" meta l4proto sctp counter drop; }
	chain i { type filter hook input priority 0; policy accept; iifname "$2" meta l4proto sctp counter drop; }
}
EOF
done
native_out() { ns_exec $1 nft list chain inet carrier o | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'; }
pl_cap_start cap0 uc eth0 $W/eth.pcap sctp or udp port 9899
pl_cap_start cap1 uc eth1 $W/cell.pcap sctp or udp port 9899
fo_ctl_start ctl uc --udp-port 9899
fo_agent_start agent ua $INI
A=$(bg_log agent)
wait_for_line "$(bg_log ctl)" '^\{"event":"hello"' 15 || { dump ctl ctl.err agent; fail "no HELLO"; }
grep -q 'set net.sctp.udp_port = 9899' "$A" || { dump agent; fail "the agent did not set net.sctp.udp_port"; }
[ "$(ns_exec ua cat /proc/sys/net/sctp/udp_port)" = 9899 ] || fail "net.sctp.udp_port not 9899 after start"
fo_steady uc
sleep 1
link_down ua eth0
wait_for_line "$A" 'path=eth if=eth0: link DOWN' 3 || { dump agent; fail "no link DOWN"; }
# on cell now (a spurious PF on a loaded host may have put it there first)
fo_primary agent ua '10\.2\.0\.1' 3 || { dump agent ctl.err; fail "no switch to cell"; }
n0=$(ctl_count ctl)
sleep 1.5
[ $(($(ctl_count ctl) - n0)) -ge 25 ] || { dump agent ctl; fail "too few readings over UDP"; }
link_up ua eth0
sleep 0.5
bg_kill agent TERM
sleep 0.3
fo_ctl_stop ctl
fo_check ctl
pl_cap_stop cap0
pl_cap_stop cap1

# the wire: the SCTP common header sits at the UDP payload (ports 9910)
count() { tcpdump -Z root -r "$1" -nn "$2" 2>/dev/null | wc -l; }
SCTP_IN_UDP='udp port 9899 and (udp[8:2] = 9910 or udp[10:2] = 9910)'
e_native=$(count $W/eth.pcap 'ip proto 132')
e_udp=$(count $W/eth.pcap 'udp port 9899')
c_native=$(count $W/cell.pcap 'ip proto 132')
c_up=$(count $W/cell.pcap "src 10.2.0.2 and $SCTP_IN_UDP")
c_down=$(count $W/cell.pcap "src 10.2.0.1 and $SCTP_IN_UDP")
log "eth: $e_native native SCTP, $e_udp UDP; cell: $c_native native, $c_up up / $c_down down SCTP-in-UDP"
[ "$e_native" -gt 20 ] && [ "$e_udp" = 0 ] || fail "Ethernet not native-only: $e_native native, $e_udp UDP"
[ "$c_native" = 0 ] || { tcpdump -Z root -r $W/cell.pcap -nn -tt -v 'ip proto 132' 2>/dev/null | head -n 20
	fail "$c_native native SCTP packets on the UDP path"; }
a_native=$(native_out ua); c_out=$(native_out uc)
log "native SCTP tried on the UDP-only link: agent $a_native, controller $c_out (dropped)"
[ "${a_native:-1}" = 0 ] || fail "the agent sent $a_native native SCTP packets on its UDP path"
[ "$c_up" -gt 20 ] && [ "$c_down" -gt 10 ] || fail "SCTP-in-UDP on cell: $c_up up, $c_down down"
# the controller answers to the agent's own UDP port (learnt, RFC 6951 5.4)
[ "$(count $W/cell.pcap 'src 10.2.0.1 and udp dst port 9899')" = "$c_down" ] ||
	fail "controller replies not to the agent's UDP port"

# read-only /proc/sys: the agent cannot set the sysctl
ns_create ux
veth_pair ux eth0 10.3.0.2/24 uc eth2 10.3.0.1/24
ns_exec ux $IP route add default via 10.3.0.1
fo_ctl_start ctl2 uc --udp-port 9899
for t in kernel auto; do
	X=$W/x-$t.ini
	agent_ini $X "ux-$t"
	cat >> $X <<EOF
transport = $t
[path.eth]
interface = eth0
address = 10.3.0.2
udp_port = 9899
[controller.c]
address = 10.1.0.1@eth
port = 9910
EOF
	ini_counter $X s1 1 100
	bg_start ag-$t ux unshare -m sh -c 'mount -o bind /proc/sys /proc/sys &&
		mount -o remount,bind,ro /proc/sys && exec sctpagent -f -c "$0"' $X
done
wait_for_line "$(bg_log ag-kernel)" 'net\.sctp\.udp_port is 0 and cannot be set' 10 ||
	{ dump ag-kernel; fail "transport kernel: no line naming net.sctp.udp_port"; }
bg_wait ag-kernel 10
rc=$?
[ $rc = 1 ] || { dump ag-kernel; fail "transport kernel: exit $rc, not 1"; }
wait_for_line "$(bg_log ag-auto)" 'SCTP transport: userspace stack' 10 || { dump ag-auto; fail "auto did not fall back"; }
wait_for_line "$(bg_log ctl2)" '"event":"hello","agent":"ux-auto"' 15 || { dump ag-auto ctl2 ctl2.err; fail "usrsctp agent: no HELLO at the kernel controller"; }
wait_for_lines "$(bg_log ctl2)" '"agent":"ux-auto".*"seq":' 5 10 || { dump ag-auto ctl2; fail "usrsctp agent: no readings"; }
grep -h 'udp_port\|transport' "$(bg_log ag-kernel)" "$(bg_log ag-auto)" | sed 's/^/  /' | head -n 4
log "wall $(( ($(fo_now_ms) - T0) / 1000 )) s"
pass
