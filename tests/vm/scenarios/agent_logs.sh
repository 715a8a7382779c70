#!/bin/sh
# agent_logs: how the agent writes its log (issue 13).
#   - stderr is the journal (JOURNAL_STREAM = the device:inode of its
#     stderr, as systemd sets it): every line is "<N>module: text", the
#     syslog priority and no time stamp of its own (journald stamps);
#   - JOURNAL_STREAM naming another file (a child whose stderr was
#     redirected) or absent: every line starts with a UTC wall-clock stamp
#     "YYYY-MM-DDTHH:MM:SS.mmmZ L ";
#   - a controller that refuses every INIT (nobody listens): the reconnect
#     lines are rate-limited (log_burst = 3 per log_window_ms = 2 s), and
#     a "suppressed N similar lines" line carries the count.
. /vmtest/lib.sh
if [ -f /vmtest/ctl-lib.sh ]; then . /vmtest/ctl-lib.sh; else . /bin/ctl-lib.sh; fi

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
W=$VMTEST_WORK
INI=$W/agent.ini
agent_ini $INI tlog
cat >> $INI <<EOF2
log_burst = 3
log_window_ms = 2000
EOF2
ini_ctrl $INI c1 127.0.0.1
ini_ctrl $INI gone 127.0.0.9
sed -i 's/^reconnect_min_ms = .*/reconnect_min_ms = 100/; s/^reconnect_max_ms = .*/reconnect_max_ms = 100/' $INI
ini_counter $INI temp 1 100
STAMP='^[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{3}Z [EWIDT] [a-z]+: '

ctl_start c1 - 127.0.0.1
# 1. the journal: the log file exists first, so its inode is the one fd 2 gets
A=$W/agent.log
: > $A
js=$(stat -c '%d:%i' $A)
bg_start agent - env JOURNAL_STREAM=$js sctpagent -f -c $INI
wait_for_lines "$(bg_log c1)" '"stream":1,"seq":' 5 20 || { dump c1 agent; fail "no readings"; }
wait_for_line $A 'suppressed [0-9]+ similar lines? in [0-9]+ s, the last: ctrl=gone ' 15 ||
	{ dump agent; fail "journal: no 'suppressed' line for the refused controller"; }
bg_kill agent TERM
bg_wait agent 10 >/dev/null
grep -q "^<6>main: agent 'tlog' started " $A || { dump agent; fail "journal: no '<6>main: agent started'"; }
grep -q '^<4>main: clock: the wall clock is not synchronized' $A || { dump agent; fail "journal: no '<4>' warning"; }
grep -Eq '^<6>assoc: suppressed [0-9]+ similar lines? in [0-9]+ s, the last: ctrl=gone ' $A ||
	{ dump agent; fail "journal: the 'suppressed' line is not <6> (the level of its lines)"; }
bad=$(grep -Evc '^<[0-7]>[a-z]+: ' $A)
[ "$bad" = 0 ] || { grep -Ev '^<[0-7]>[a-z]+: ' $A | head -5; fail "journal: $bad lines without a <N> prefix"; }
grep -Eq '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]' $A && { dump agent; fail "journal: a line carries a time stamp"; }
# rate limit: per window of 2 s at most 3 reconnect lines of 'gone' pass
# (plus the summaries), where ~10 per second are tried
n=$(grep -c 'ctrl=gone .*reconnect in' $A)
sup=$(sed -n 's/.*assoc: suppressed \([0-9]*\) similar lines\{0,1\} in.*ctrl=gone .*/\1/p' $A | awk '{s += $1} END {print s + 0}')
[ "$sup" -gt 0 ] || { dump agent; fail "rate limit: nothing suppressed"; }
log "journal: $(wc -l < $A) lines, 'gone' reconnect lines passed $n, suppressed $sup"

# 2. JOURNAL_STREAM of another file, then none: wall-clock stamps
for mode in other none; do
	: > $A
	if [ $mode = other ]; then
		bg_start agent - env JOURNAL_STREAM=$(stat -c '%d:%i' $INI) sctpagent -f -c $INI --duration 2
	else
		bg_start agent - sctpagent -f -c $INI --duration 2
	fi
	bg_wait agent 15 >/dev/null
	grep -Eq "${STAMP}agent 'tlog' started " $A || { dump agent; fail "$mode: no stamped 'started' line"; }
	bad=$(grep -Evc "$STAMP" $A)
	[ "$bad" = 0 ] || { grep -Ev "$STAMP" $A | head -5; fail "$mode: $bad lines without a wall-clock stamp"; }
	grep -q '^<[0-7]>' $A && fail "$mode: a journal prefix without the journal"
	# the stamp is this wall clock (UTC), to the second give or take 10
	t=$(sed -n "s/^\([0-9-]*T[0-9:]*\)\.[0-9]*Z I main: agent 'tlog' started.*/\1/p" $A | head -1)
	ts=$(date -u -d "$(echo $t | tr T ' ')" +%s 2>/dev/null) || fail "$mode: cannot read stamp '$t'"
	now=$(date +%s)
	[ $((now - ts)) -ge 0 ] && [ $((now - ts)) -le 10 ] || fail "$mode: stamp $t is not now ($(date -u))"
done
pass
