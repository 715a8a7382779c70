#!/bin/sh
# interop_sctp_darn: lksctp-tools' sctp_darn as the controller. The agent
# associates with it and sctp_darn receives the HELLO on stream 0 and
# readings on stream 1.
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
sleep 3
bg_kill agent TERM
sleep 0.3
bg_kill darn TERM
D=$(bg_log darn)
echo "----- darn.log (first 30 lines)"; head -n 30 "$D"
pass
