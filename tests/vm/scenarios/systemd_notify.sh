#!/bin/sh
# systemd_notify: the real agent with a NOTIFY_SOCKET of the scenario's
# own (notify_listen: an AF_UNIX datagram socket in the work dir, with
# SO_PASSCRED as systemd has), as systemd would start it with Type=notify
# and WatchdogSec=1: READY=1 once the endpoint is open, from the agent's
# own pid (NotifyAccess=main); STATUS= following the association;
# WATCHDOG=1 every ~500 ms, none while the loop is stopped (SIGSTOP: what
# a stuck loop looks like to systemd), again after SIGCONT; SIGHUP brings
# RELOADING=1 with a plausible MONOTONIC_USEC= and then READY=1; SIGTERM
# brings STOPPING=1. Then an abstract-namespace socket, and a
# WATCHDOG_PID of another process (no pings).
. /vmtest/lib.sh
if [ -f /vmtest/ctl-lib.sh ]; then . /vmtest/ctl-lib.sh; else . /bin/ctl-lib.sh; fi

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
W=$VMTEST_WORK
INI=$W/agent.ini
agent_ini $INI sn
ini_ctrl $INI c1 127.0.0.1
ini_counter $INI temp 1 200
ctl_start ctl1 - 127.0.0.1

bg_start nl - notify_listen "$W/notify"
wait_for_line "$(bg_log nl)" 'listening' 5 || { dump nl; fail "notify_listen did not start"; }
N=$(bg_log nl)
bg_start agent - env NOTIFY_SOCKET="$W/notify" WATCHDOG_USEC=1000000 sctpagent -f -c $INI
AP=$(bg_pid agent)

wait_for_line "$N" ' READY=1\|STATUS=' 10 || { dump nl agent; fail "no READY=1"; }
ready=$(grep -m1 ' READY=1' "$N")
case "$ready" in
*" pid=$AP READY=1|STATUS="*" controllers up"*) ;;
*) dump nl agent; fail "READY line not from the agent ($AP) or without STATUS: $ready" ;;
esac
wait_for_line "$N" 'STATUS=1/1 controllers up, 1 sensors$' 10 || { dump nl agent; fail "no STATUS= after the association came up"; }

# watchdog: WatchdogSec=1 -> a ping every 500 ms
sleep 3
p0=$(count_lines "$N" ' WATCHDOG=1$')
[ "$p0" -ge 5 ] || { dump nl; fail "only $p0 WATCHDOG=1 in ~3.5 s (want a ping every 500 ms)"; }
gaps=$(grep ' WATCHDOG=1$' "$N" | awk 'NR > 1 { d = $1 - prev; if (d > max) max = d } { prev = $1 } END { print max + 0 }')
[ "$gaps" -le 900 ] || { dump nl; fail "longest gap between pings $gaps ms (want ~500)"; }

# a stopped loop stops pinging: what makes systemd restart a stuck agent
kill -STOP "$AP"
sleep 2
p1=$(count_lines "$N" ' WATCHDOG=1$')
sleep 1.5
p2=$(count_lines "$N" ' WATCHDOG=1$')
kill -CONT "$AP"
[ "$p2" = "$p1" ] || { dump nl; fail "pings while the agent was stopped ($p1 -> $p2)"; }
sleep 1.2
p3=$(count_lines "$N" ' WATCHDOG=1$')
[ "$p3" -gt "$p2" ] || { dump nl agent; fail "no pings after SIGCONT"; }

# reload: RELOADING=1 + MONOTONIC_USEC, then READY=1
up_us=$(awk '{ printf "%d", $1 * 1000000 }' /proc/uptime)
kill -HUP "$AP"
wait_for_line "$N" ' RELOADING=1\|MONOTONIC_USEC=' 5 || { dump nl agent; fail "no RELOADING=1"; }
mono=$(sed -n 's/.* RELOADING=1|MONOTONIC_USEC=\([0-9]*\)$/\1/p' "$N" | head -n1)
[ -n "$mono" ] || { dump nl; fail "RELOADING=1 without MONOTONIC_USEC"; }
d=$((mono - up_us))
[ "$d" -ge -1000000 ] && [ "$d" -le 5000000 ] || { dump nl; fail "MONOTONIC_USEC=$mono is not CLOCK_MONOTONIC (uptime ${up_us} us)"; }
awk '/ RELOADING=1/ { r = 1; next } r && / READY=1/ { ok = 1 } END { exit !ok }' "$N" ||
	{ dump nl agent; fail "no READY=1 after RELOADING=1"; }

# the controller goes: the status says who is down
ctl_stop ctl1
wait_for_line "$N" 'STATUS=0/1 controllers up, 1 sensors; down: c1' 10 || { dump nl agent; fail "STATUS did not follow the lost association"; }

bg_kill agent TERM
tail -n 3 "$N" | grep -q " pid=$AP STOPPING=1|STATUS=stopping" || { dump nl agent; fail "no STOPPING=1 at SIGTERM"; }
bg_kill nl
log "READY, STATUS, $p3 pings (longest gap $gaps ms), none while stopped, RELOADING MONOTONIC_USEC=$mono, STOPPING"

# the abstract namespace, and a watchdog meant for another process
bg_start nl2 - notify_listen "@sctpagent-vmtest-$$"
wait_for_line "$(bg_log nl2)" 'listening' 5 || fail "notify_listen (abstract) did not start"
bg_start agent2 - env NOTIFY_SOCKET="@sctpagent-vmtest-$$" WATCHDOG_USEC=400000 WATCHDOG_PID=1 \
	sctpagent -f -c $INI
wait_for_line "$(bg_log nl2)" ' READY=1' 10 || { dump nl2 agent2; fail "no READY=1 on an abstract socket"; }
sleep 1
[ "$(count_lines "$(bg_log nl2)" 'WATCHDOG=1')" = 0 ] || { dump nl2; fail "pings with WATCHDOG_PID of another process"; }
bg_kill agent2 TERM
pass
