#!/bin/sh
# interop_sctp_darn: lksctp-tools' sctp_darn as the controller. The agent
# associates with it; sctp_darn prints, per message, an SNDRCV block
# (sinfo_stream, sinfo_ppid as the raw host-order value) and a DATA(len)
# line with the payload (non-printables as '.'). It must show the HELLO on
# stream 0 and readings on stream 1, all with PPID "SAG1".
. /vmtest/lib.sh
if [ -f /vmtest/ctl-lib.sh ]; then . /vmtest/ctl-lib.sh; else . /bin/ctl-lib.sh; fi

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
INI=/tmp/interop_sctp_darn.ini
agent_ini $INI td
ns_create d
veth_pair - v1 10.0.1.2/24 d eth0 10.0.1.1/24
ini_ctrl $INI darn 10.0.1.1
ini_counter $INI temp 1 100
bg_start darn d sctp_darn -H 10.0.1.1 -P 9910 -l
wait_sctp_listen d 9910 10 || { dump darn; fail "sctp_darn not listening"; }
bg_start agent - sctpagent -f -c $INI
wait_for_lines "$(bg_log darn)" 'sinfo_stream 1$' 10 10 || { dump darn agent; fail "sctp_darn got < 10 messages on stream 1"; }
bg_kill agent TERM
sleep 0.3
bg_kill darn TERM
D=$(bg_log darn)
grep -q 'COMM_UP' "$D" || { dump darn; fail "sctp_darn saw no COMM_UP"; }
# "stream ppid datalen text" per message
awk '/sinfo_stream/ { st = $2 } /sinfo_ppid/ { pp = $2 }
	/^DATA\(/ { print st, pp, $0 }' "$D" > /tmp/darn.msgs
n0=$(awk '$1 == 0' /tmp/darn.msgs | wc -l)
n1=$(awk '$1 == 1' /tmp/darn.msgs | wc -l)
nother=$(awk '$1 != 0 && $1 != 1' /tmp/darn.msgs | wc -l)
# 0x53414731 "SAG1" on the wire; sctp_darn prints it without ntohl
badppid=$(awk '$2 != 826753363 && $2 != 1396787025' /tmp/darn.msgs | wc -l)
[ "$n0" -ge 1 ] || { head -n 40 "$D"; fail "no message on stream 0 (HELLO)"; }
[ "$n1" -ge 10 ] || { head -n 40 "$D"; fail "$n1 messages on stream 1, want >= 10"; }
[ "$nother" = 0 ] || fail "$nother messages on unexpected streams"
[ "$badppid" = 0 ] || { head -n 5 /tmp/darn.msgs; fail "$badppid messages with another PPID"; }
awk '$1 == 0' /tmp/darn.msgs | head -n1 | grep -q 'namebtd' || { head -n 3 /tmp/darn.msgs; fail "stream 0 message is not the HELLO of agent td"; }
awk '$1 == 1' /tmp/darn.msgs | head -n1 | grep -q 'dtemp' || { head -n 3 /tmp/darn.msgs; fail "stream 1 message is not a temp reading"; }
log "sctp_darn: $n0 message(s) on stream 0 (HELLO), $n1 on stream 1 (readings), PPID SAG1"
pass
