#!/bin/sh
# interop_usrsctp: both directions of the RFC 6951 wire between the two
# SCTP stacks, over UDP port 9899:
#   a) the agent on the userspace stack (usrsctp, transport = udp) -> the
#      reference controller on Linux kernel SCTP with net.sctp.udp_port
#      (sctpctl --udp-port 9899);
#   b) the agent on kernel SCTP, its controller address over UDP
#      ("address = ... udp=9899") -> the controller on usrsctp
#      (sctpctl --transport udp).
# Each: HELLO, readings, a ping command answered (controller -> agent ->
# controller), a graceful stop; on the wire SCTP-in-UDP both ways, no
# native SCTP.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/pipeline-lib.sh
[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
W=$VMTEST_WORK
SCTP_IN_UDP='udp port 9899 and (udp[8:2] = 9910 or udp[10:2] = 9910)'
count() { tcpdump -Z root -r "$1" -nn "$2" 2>/dev/null | wc -l; }

# pair X AGENT_TRANSPORT CTL_ARGS UDP_SUFFIX: agent ns Xa, controller ns Xc
pair() {
	local x=$1 ini=$W/$1.ini
	ns_create ${x}a
	ns_create ${x}c
	veth_pair ${x}a eth0 10.7.$2.2/24 ${x}c eth0 10.7.$2.1/24
	agent_ini $ini "agent-$x"
	printf 'transport = %s\n' $3 >> $ini
	printf '[controller.c]\naddress = 10.7.%s.1%s\nport = 9910\n' $2 "$5" >> $ini
	ini_counter $ini s1 1 100
	pl_cap_start cap$x ${x}c eth0 $W/$x.pcap sctp or udp port 9899
	bg_start ctl$x ${x}c sctpctl -l 10.7.$2.1 -n ctl$x $4 --cmd ping --cmd-at 1
	wait_for_line "$(bg_log ctl$x)" 'listening' 10 || { dump ctl$x; fail "$x: controller"; }
	bg_start ag$x ${x}a sctpagent -f -c $ini
}
pair ua 1 udp "--udp-port 9899" ""
pair ka 2 kernel "--transport udp" " udp=9899"
for x in ua ka; do
	L=$(bg_log ctl$x)
	wait_for_line "$L" '^\{"event":"hello"' 15 || { dump ag$x ctl$x; fail "$x: no HELLO"; }
	wait_for_lines "$L" '"seq":' 10 10 || { dump ag$x ctl$x; fail "$x: no readings"; }
	wait_for_line "$L" '"event":"reply".*"msg":"pong"' 10 || { dump ag$x ctl$x; fail "$x: no ping reply"; }
done
grep -q 'SCTP transport: userspace stack' "$(bg_log agua)" || fail "ua: agent not on usrsctp"
grep -q 'transport usrsctp over UDP' "$(bg_log ctlka)" || fail "ka: controller not on usrsctp"
for x in ua ka; do
	bg_kill ag$x TERM
	wait_for_line "$(bg_log ctl$x)" '"state":"shutdown_comp"' 5 || { dump ag$x ctl$x; fail "$x: no SHUTDOWN_COMPLETE"; }
	bg_kill ctl$x TERM
	pl_cap_stop cap$x
	r=$(ctl_seqcheck ctl$x 1)
	case "$r" in ok*) ;; *) dump ctl$x; fail "$x: $r" ;; esac
	n=$(count $W/$x.pcap 'ip proto 132')
	up=$(count $W/$x.pcap "dst port 9899 and src host $(echo 10.7.$([ $x = ua ] && echo 1 || echo 2).2) and $SCTP_IN_UDP")
	down=$(count $W/$x.pcap "src host $(echo 10.7.$([ $x = ua ] && echo 1 || echo 2).1) and $SCTP_IN_UDP")
	log "$x: $r; wire: $up agent->controller, $down controller->agent SCTP-in-UDP, $n native"
	[ "$n" = 0 ] && [ "$up" -gt 8 ] && [ "$down" -gt 4 ] || fail "$x: wire $up up, $down down, $n native"
done
pass
