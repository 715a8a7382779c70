#!/bin/sh
# agent_clock: readings before the wall clock is synchronized, and steps
# of the clock (issue 13). The VM has no NTP: its kernel says
# unsynchronized (STA_UNSYNC) from boot, as a Pi without RTC does before
# NTP; systemd-timesyncd's flag file marks it synchronized.
#   - unsynchronized: the agent says so, and every reading at sctpctl
#     carries "unsync":true;
#   - /run/systemd/timesync/synchronized appears: the agent says the clock
#     is synchronized, readings come without the flag;
#   - date -s one hour ahead: the agent logs the jump forward with its
#     size, reading times move on by that hour, seqs stay contiguous;
#   - date -s two hours back: the jump back is logged;
#   - the flag file goes: after a step the kernel says unsynchronized
#     (date -s sets STA_UNSYNC), readings are flagged again.
. /vmtest/lib.sh
if [ -f /vmtest/ctl-lib.sh ]; then . /vmtest/ctl-lib.sh; else . /bin/ctl-lib.sh; fi

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
W=$VMTEST_WORK
FLAG=/run/systemd/timesync/synchronized
rm -f $FLAG
# step DELTA_S: date -s by DELTA_S seconds; restore undoes what is left
# (the steps add up to 0), so later scenarios in this VM keep their clock
OFF=0
step() { OFF=$((OFF + $1)); date -s "@$(( $(date +%s) + $1 ))" >/dev/null || fail "date -s failed"; }
restore() { date -s "@$(( $(date +%s) - OFF ))" >/dev/null 2>&1; OFF=0; rm -f $FLAG; }
INI=$W/agent.ini
agent_ini $INI tclk
ini_ctrl $INI c1 127.0.0.1
ini_counter $INI temp 1 100
C=$W/c1.log
A=$W/agent.log

ctl_start c1 - 127.0.0.1
bg_start agent - sctpagent -f -c $INI
wait_for_lines $C '"stream":1,"seq":' 5 20 || { dump c1 agent; fail "no readings"; }
grep -q 'clock: the wall clock is not synchronized' $A || { dump agent; fail "no 'not synchronized' line"; }
ctl_readings c1 1 | head -5 | grep -vq '"unsync":true}$' && { dump c1; fail "unsynchronized readings without \"unsync\":true"; }

mkdir -p ${FLAG%/*} && touch $FLAG
wait_for_line $A 'clock: the wall clock is synchronized' 5 || { dump agent; fail "the flag file was not seen"; }
n=$(ctl_count c1)
wait_for_lines $C '"stream":1,"seq":' $((n + 5)) 10 || { dump c1 agent; fail "no readings after the sync"; }
ctl_readings c1 1 | tail -3 | grep -q '"unsync"' && { dump c1; fail "synchronized readings flagged"; }
before=$(ctl_last_time c1)

step 3600
wait_for_line $A 'clock: the wall clock jumped forward by 3[56][0-9][0-9]\.[0-9]{3} s' 5 ||
	{ restore; dump agent; fail "no jump forward line"; }
n=$(ctl_count c1)
wait_for_lines $C '"stream":1,"seq":' $((n + 5)) 10 || { restore; dump c1 agent; fail "no readings after the step"; }
after=$(ctl_last_time c1)
[ $((after - before)) -ge 3590000 ] || { restore; fail "reading times moved by $((after - before)) ms, want ~1 h"; }
ctl_readings c1 1 | tail -3 | grep -q '"unsync"' &&
	{ restore; dump c1; fail "flagged while the flag file says synchronized"; }

step -7200
wait_for_line $A 'clock: the wall clock jumped back by 7[12][0-9][0-9]\.[0-9]{3} s' 5 ||
	{ restore; dump agent; fail "no jump back line"; }

rm -f $FLAG
step 3600
wait_for_lines $A 'clock: the wall clock is not synchronized' 2 5 ||
	{ restore; dump agent; fail "no second 'not synchronized' line"; }
n=$(ctl_count c1)
wait_for_lines $C '"stream":1,"seq":' $((n + 5)) 10 || { restore; dump c1 agent; fail "no readings at the end"; }
ctl_readings c1 1 | tail -3 | grep -vq '"unsync":true}$' && { restore; dump c1; fail "readings after date -s not flagged"; }
bg_kill agent TERM
bg_wait agent 10 >/dev/null
restore
ctl_stop c1
r=$(ctl_seqcheck c1 1)
case $r in ok*) ;; *) dump c1; fail "stream 1 across the steps: $r" ;; esac
log "readings: $r; $(grep -c 'clock: ' $A) clock lines"
pass
