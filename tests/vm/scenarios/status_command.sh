#!/bin/sh
# status_command: `sctpagent status` against a running agent on the real
# kernel. Controller c1 is up (sctpctl, which also asks STATUS over SCTP),
# c2 has nobody listening; sensor temp counts, sensor dead cannot open.
# The table names both controllers with their state, c1's path with its
# state, primary flag, srtt and rto, every sensor with its state, last
# value and the driver's reason. --json is valid JSON (jq) with the same
# keys as the STATUS reply the controller got over SCTP (same agent and
# epoch). The socket is 0660; a user other than root/the agent's gets
# nothing even through a 0666 socket (peer credentials). After kill -9 the
# next agent replaces the stale socket file and answers.
. /vmtest/lib.sh
if [ -f /vmtest/ctl-lib.sh ]; then . /vmtest/ctl-lib.sh; else . /bin/ctl-lib.sh; fi

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
command -v jq >/dev/null || fail "no jq in the image (tests/vm/mkinitramfs.sh)"
W=$VMTEST_WORK
RUN=$W/run
S=$RUN/status.sock
mkdir -m 0750 "$RUN"
INI=$W/agent.ini
agent_ini $INI st
echo "status_socket = $S" >>$INI
ini_ctrl $INI c1 127.0.0.1
ini_ctrl $INI c2 127.0.0.2
ini_counter $INI temp 1 200
printf '[sensor.dead]\ndriver = thermal\nsource = zone=0,root=/nonexistent\nstream = 2\n' >>$INI
ctl_start c1 - 127.0.0.1 --cmd status --cmd-at 2

bg_start agent - sctpagent -f -c $INI
AP=$(bg_pid agent)
wait_for_line "$(bg_log c1)" '"event":"reply"' 15 || { dump c1 agent; fail "no STATUS reply at the controller"; }
[ -S "$S" ] || { dump agent; fail "no socket at $S"; }
mode=$(stat -c %a "$S")
[ "$mode" = 660 ] || fail "socket mode $mode (want 660)"

sctpagent status --socket "$S" >$W/table.txt 2>$W/table.err || { cat $W/table.err; dump agent; fail "status failed"; }
cat $W/table.txt
grep -q '^agent st, epoch [0-9]*: [0-9]* readings' $W/table.txt || fail "no agent line"
grep -q '^c1  *up  *sent [0-9]* msgs' $W/table.txt || fail "c1 not shown up"
grep -qE '^c2  *(connecting|down) ' $W/table.txt || fail "c2 not shown connecting/down"
grep -qE '^    127\.0\.0\.1:9910  *ACTIVE  *yes  *[0-9]+ms  *[0-9]+ms  *[0-9]+$' $W/table.txt ||
	fail "c1's path (state, primary, srtt, rto, cwnd) not shown"
grep -qE '^temp  *ok  *200ms [0-9]+ \(' $W/table.txt || fail "temp's last value not shown"
grep -qE '^dead  *down .*nonexistent' $W/table.txt || fail "dead sensor's reason not shown"

sctpagent status --json --socket "$S" >$W/status.json || fail "status --json failed"
jq -e 'length == 2 and .[0].controller == "c1" and .[0].state == "up"
	and .[1].controller == "c2" and (.[0].paths | length) == 1
	and .[0].paths[0].primary == true and .[0].paths[0].srtt_ms >= 0
	and .[0].sensors.temp.last >= 1 and .[0].sensors.temp.state == "ok"
	and .[0].sensors.dead.state == "down" and .[0].sensors.dead.last == null' \
	$W/status.json >/dev/null || { cat $W/status.json; fail "JSON is not what the agent holds"; }
# the same data as the STATUS reply over SCTP: same keys, agent and epoch
grep -m1 '"event":"reply"' "$(bg_log c1)" | jq -c '.data' >$W/reply.json
[ "$(jq -c 'keys' $W/reply.json)" = "$(jq -c '.[0] | keys' $W/status.json)" ] ||
	{ cat $W/reply.json; fail "the status socket's keys differ from the STATUS reply's"; }
[ "$(jq -c '[.agent, .epoch, .controller]' $W/reply.json)" = \
  "$(jq -c '.[0] | [.agent, .epoch, .controller]' $W/status.json)" ] || fail "agent/epoch differ"

# another user: refused by the file mode, and by the credentials check
# even when the file and directory let it in
grep -q '^nobody:' /etc/passwd || echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>/etc/passwd
grep -q '^nogroup:' /etc/group 2>/dev/null || echo 'nogroup:x:65534:' >>/etc/group
as_nobody() { busybox su -s /bin/sh nobody -c "$*"; }
if [ "$(as_nobody id -u 2>/dev/null)" = 65534 ]; then
	as_nobody sctpagent status --socket "$S" >$W/nobody.out 2>&1 &&
		fail "a user other than root got the status"
	grep -q 'permission denied' $W/nobody.out || { cat $W/nobody.out; fail "no permission message"; }
	chmod 0755 "$RUN"
	chmod 0666 "$S"
	as_nobody sctpagent status --socket "$S" >$W/nobody.out 2>&1 &&
		fail "another user got the status through a 0666 socket"
	grep -q 'closed without a reply' $W/nobody.out || { cat $W/nobody.out; fail "credentials not checked"; }
	chmod 0750 "$RUN"
	others="refused to another user (mode, credentials)"
else
	fail "busybox su cannot run a command as nobody: cannot check another user"
fi

# kill -9 leaves the file: the next agent replaces it
kill -9 "$AP"
sleep 0.3
[ -S "$S" ] || fail "the socket file went with kill -9 (expected it left behind)"
sctpagent status --socket "$S" >$W/dead.out 2>&1 && fail "status answered with no agent"
grep -q 'not running' $W/dead.out || { cat $W/dead.out; fail "no 'not running' message for a stale socket"; }
bg_start agent2 - sctpagent -f -c $INI
i=0
until sctpagent status --socket "$S" >$W/table2.txt 2>&1; do
	i=$((i + 1))
	[ $i -lt 50 ] || { cat $W/table2.txt; dump agent2; fail "the restarted agent does not answer"; }
	sleep 0.2
done
bg_kill agent2 TERM
[ -e "$S" ] && fail "the socket file is left after a clean stop"
ctl_stop c1
log "table and JSON (jq) of 2 controllers and 2 sensors, keys as the STATUS reply, mode 0660, $others, stale socket replaced"
pass
