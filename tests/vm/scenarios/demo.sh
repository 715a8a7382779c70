#!/bin/sh
# demo: what `make run` shows. The emulated board (namespace "board")
# runs /bin/sctpagent with /bin/sctpagent.ini (board/qemu/sctpagent.ini);
# two reference controllers c1 and c2 live in their own namespaces behind
# their own links. Their JSON lines are streamed to the console until
# $DURATION seconds pass or the host writes "STOP" on the console; then
# the agent gets SIGTERM (SCTP_EOF on both associations) and each
# controller prints its summary (readings, duplicates, gaps).
. /vmtest/lib.sh

INI=/bin/sctpagent.ini
[ -f $INI ] || fail "no $INI in the image"
ns_create board
ns_create c1
ns_create c2
veth_pair board eth0 10.0.1.2/24 c1 eth0 10.0.1.1/24
veth_pair board eth1 10.0.2.2/24 c2 eth0 10.0.2.1/24

banner() { echo "######## $*"; }
banner "sctpagent demo on $(uname -m), kernel $(uname -r)"
banner "board 10.0.1.2 (eth0) -> controller c1 10.0.1.1:9910"
banner "board 10.0.2.2 (eth1) -> controller c2 10.0.2.1:9910"
banner "one SCTP socket, one association per controller, one stream per sensor"
bg_start c1 c1 sctpctl -l 10.0.1.1 -p 9910 -n c1
bg_start c2 c2 sctpctl -l 10.0.2.1 -p 9910 -n c2
wait_sctp_listen c1 9910 10 || fail "c1 not listening"
wait_sctp_listen c2 9910 10 || fail "c2 not listening"
bg_start agent board sctpagent -f -c $INI
banner "agent started: $(sctpagent --version)"

# stream both controllers' lines to the console, each line tagged
tag() { while IFS= read -r l; do echo "[$1] $l"; done; }
( tail -f "$(bg_log c1)" | tag c1 ) &
t1=$!
( tail -f "$(bg_log c2)" | tag c2 ) &
t2=$!
( while read -r line; do
	case "$line" in *STOP*) touch "$VMTEST_WORK/stop"; break ;; esac
  done </dev/console ) 2>/dev/null &

end=$(( $(cut -d. -f1 /proc/uptime) + ${DURATION:-60} ))
while [ ! -f "$VMTEST_WORK/stop" ] && [ "$(cut -d. -f1 /proc/uptime)" -lt $end ]; do
	bg_alive agent || { dump agent; fail "the agent exited"; }
	sleep 1
done
banner "stopping: SIGTERM to the agent (SCTP_EOF on every association)"
bg_kill agent TERM
bg_wait agent 10
sleep 1
bg_kill c1 TERM
bg_kill c2 TERM
sleep 1
kill $t1 $t2 2>/dev/null
banner "agent log (last lines):"
tail -n 12 "$(bg_log agent)" | tag agent
banner "controller summaries:"
grep -h '"summary"' "$(bg_log c1)" "$(bg_log c2)"
pass
