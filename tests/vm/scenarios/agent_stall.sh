#!/bin/sh
# agent_stall: the loop never waits, and neither does the exit.
#   - the agent's stderr is a FIFO that a process holds open but does not
#     read (journald stalled): a flood of SIGUSR1 status output fills it;
#     readings keep flowing to the controller all along (log writes never
#     block the loop), and once someone reads the FIFO the log says how
#     many lines were dropped;
#   - a DS18B20 whose read never returns (its "temperature" is a FIFO with
#     no writer: open() sleeps like a read of a hung 1-Wire bus) holds up
#     neither the other sensors nor the exit: SIGTERM ends the agent within
#     its shutdown plus the sampler's 2 s grace, with a line naming it.
. /vmtest/lib.sh
if [ -f /vmtest/ctl-lib.sh ]; then . /vmtest/ctl-lib.sh; else . /bin/ctl-lib.sh; fi

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
W=$VMTEST_WORK
FIX=$W/fix
mkdir -p $FIX/sys/bus/w1/devices/28-00000abcdef0
mkfifo $FIX/sys/bus/w1/devices/28-00000abcdef0/temperature	# hangs on open
INI=$W/agent.ini
agent_ini $INI tstall
ini_ctrl $INI c1 127.0.0.1
ini_counter $INI fast 1 50
ini_w1 $INI hung 2 500 $FIX 28-00000abcdef0
for i in 3 4 5 6 7 8; do ini_counter $INI s$i $i 1000; done	# longer status output

ctl_start c1 - 127.0.0.1
mkfifo $W/log.fifo
sleep 1000 3<$W/log.fifo &			# holds the read end, reads nothing
holder=$!
sctpagent -f -c $INI >$W/agent.out 2>$W/log.fifo &
pid=$!
wait_for_line "$(bg_log c1)" '^\{"event":"hello"' 10 || { dump c1; fail "no HELLO"; }
wait_for_lines "$(bg_log c1)" '"stream":1,"seq":' 20 10 || { dump c1; fail "no readings"; }

# flood: each SIGUSR1 writes ~15 status lines (~2 KB) into a pipe nobody
# reads; 150 of them (apart, so they do not coalesce) are ~300 KB, several
# times what the pipe (64 KiB) and the agent's log queue (32 KiB) hold
i=0
while [ $i -lt 150 ]; do
	kill -USR1 $pid 2>/dev/null || break
	i=$((i + 1))
	sleep 0.02
done
kill -0 $pid 2>/dev/null || fail "agent died during the SIGUSR1 flood"
n0=$(ctl_count c1 1)
sleep 2
n1=$(ctl_count c1 1)
# 50 ms readings: ~40 in 2 s; a loop stuck in write(2) delivers none
[ $((n1 - n0)) -ge 20 ] || { dump c1; fail "only $((n1 - n0)) readings in 2 s while stderr was not read: the loop stalled"; }
kill -0 $pid 2>/dev/null || fail "agent died while stderr was not read"

cat $W/log.fifo > $W/agent.log &		# someone reads again
reader=$!
wait_for_line $W/agent.log 'log: [0-9]+ lines dropped: the output was not read fast enough' 10 ||
	{ tail -5 $W/agent.log; fail "no 'lines dropped' line once the log was read"; }
dropped=$(sed -n 's/.*log: \([0-9]*\) lines dropped.*/\1/p' $W/agent.log | awk '{ s += $1 } END { print s + 0 }')
kill -USR1 $pid
wait_for_line $W/agent.log 'sensor=hung driver=ds18b20 state=ok, reads on the worker: reads 0, errors 0, skipped [1-9][0-9]*, .*; a read has run for [0-9]+ ms' 5 ||
	{ tail -20 $W/agent.log; fail "the status does not show the hung read"; }

t0=$(cut -d' ' -f1 /proc/uptime)
kill -TERM $pid
n=0
while kill -0 $pid 2>/dev/null; do
	n=$((n + 1))
	[ $n -gt 80 ] && { tail -20 $W/agent.log; fail "agent still running 8 s after SIGTERM (a hung read held the exit)"; }
	sleep 0.1
done
wait $pid
rc=$?
t1=$(cut -d' ' -f1 /proc/uptime)
[ $rc = 0 ] || { tail -20 $W/agent.log; fail "exit status $rc"; }
sleep 0.3
grep -q 'sensor=hung driver=ds18b20: its read has run for [0-9]* ms and is stuck in the kernel' $W/agent.log ||
	{ tail -20 $W/agent.log; fail "no line naming the stuck read"; }
grep -q 'main: stopped' $W/agent.log || { tail -20 $W/agent.log; fail "no 'stopped' line"; }
ctl_event c1 assoc shutdown_comp >/dev/null || { dump c1; fail "c1 saw no SHUTDOWN_COMP"; }
ctl_stop c1
r=$(ctl_seqcheck c1 1)
set -- $r
[ "$1" = ok ] || { dump c1; fail "stream 1: $r"; }
kill $holder $reader 2>/dev/null
log "$((n1 - n0)) readings in 2 s with stderr unread; $dropped log lines dropped and counted; exit $(awk "BEGIN{printf \"%.1f\", $t1-$t0}") s after SIGTERM with a read stuck"
pass
