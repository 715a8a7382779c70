#!/bin/sh
# outbox_kill: the agent killed with SIGKILL at random moments, 50 times in
# a row with its controller up (acknowledging), then 50 times with the
# controller down; state_dir on ext4 on the virtio disk. After each series
# one clean run delivers the rest. Every (epoch, stream) the controller saw
# is 1..last, each seq once (after the controller's dedup), in order,
# nothing named lost; every run's epoch is above the previous one's (+1
# unless a kill hit a start-up before it logged its epoch); and what a run
# had numbered when it logged its status (SIGUSR1, just before the kill)
# arrived.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
need_disk
D=$VMTEST_DISK/outbox_kill
rm -rf "$D"
mkdir -p "$D"
ns_create agent
ns_create ctrl
veth_pair agent eth0 10.9.0.1/24 ctrl eth0 10.9.0.2/24
INI=$VMTEST_WORK/agent.ini
agent_ini "$INI" kl "$D/state"
ini_set "$INI" reconnect_min_ms 100
ini_set "$INI" reconnect_max_ms 200
ini_ctrl "$INI" c1 10.9.0.2
ini_counter "$INI" fast 1 20
ini_counter "$INI" slow 2 100
RUNS=${OUTBOX_KILLS:-50}

# kills TAG: RUNS runs of the agent, each killed after 100..390 ms (one in
# ten at 0..90 ms, in its start-up), just after a status line (SIGUSR1)
# said how many readings it had numbered. Then one pass over the logs
# keeps "epoch numbered" per run in $VMTEST_WORK/TAG.runs and checks the
# epochs grow: by one, plus one for each run in between that was killed
# before it logged its epoch (it may have made one durable first; on a
# loaded host a run killed at 100 ms can still be starting), plus one.
kills() {
	local tag=$1 i=1 pid
	while [ $i -le $RUNS ]; do
		bg_start "$tag$i" agent sctpagent -c "$INI"
		pid=$(bg_pid "$tag$i")
		if [ $((i % 10)) = 5 ]; then
			sleep "0.0$((RANDOM % 10))"
		else
			sleep "0.$((1 + RANDOM % 3))$((RANDOM % 10))"
			kill -USR1 "$pid" 2>/dev/null
			sleep 0.03
		fi
		bg_kill "$tag$i" KILL
		i=$((i + 1))
	done
	i=1
	while [ $i -le $RUNS ]; do echo "$(bg_log "$tag$i")"; i=$((i + 1)); done |
		xargs awk '
		FNR == 1 { if (NR > 1) out(); e = ""; n = 0 }
		/outbox: .*: epoch [0-9]+;/ { match($0, /epoch [0-9]+;/); e = substr($0, RSTART + 6, RLENGTH - 7) + 0 }
		/ readings [0-9]+ \(/ { match($0, / readings [0-9]+ \(/); n = substr($0, RSTART + 10, RLENGTH - 12) + 0 }
		function out() {
			if (e == "") { early++; skipped++; return }
			if (prev && (e <= prev || e > prev + 2 + skipped)) {
				print "bad epoch " e " after " prev " (" skipped " runs between without one)"; bad = 1
			}
			print e, n > runs; prev = e; skipped = 0
		}
		END { out(); print "early " early + 0; exit bad }' runs="$VMTEST_WORK/$tag.runs" \
		> "$VMTEST_WORK/$tag.chk" || fail "$tag: $(grep bad "$VMTEST_WORK/$tag.chk")"
	local early
	early=$(sed -n 's/^early //p' "$VMTEST_WORK/$tag.chk")
	log "$tag: $RUNS kills, $early of them before the epoch was logged"
	[ "$early" -le $((RUNS / 5)) ] || fail "$tag: $early of $RUNS runs never started"
}

# drain TAG CTL: one clean run until CTL has everything, then the checks.
drain() {
	local tag=$1 ctl=$2 min last=-1 now stable=0 t=0 r e
	bg_start "${tag}_last" agent sctpagent -c "$INI"
	wait_for_line "$(bg_log "${tag}_last")" 'outbox: .*: epoch [0-9]*;' 20 ||
		{ dump "${tag}_last"; fail "$tag: the clean run did not start"; }
	e=$(agent_epoch "$(bg_log "${tag}_last")")
	# until the older runs' readings stop coming for 1 s (the replay is
	# done; the new run's keep coming) and the new run's flow
	while [ $stable -lt 5 ] || [ "$(grep -c "\"epoch\":$e}" "$(bg_log "$ctl")")" -lt 10 ]; do
		now=$(grep '^{"agent":' "$(bg_log "$ctl")" | grep -vc "\"epoch\":$e}")
		[ "$now" = "$last" ] && stable=$((stable + 1)) || stable=0
		last=$now
		t=$((t + 1))
		[ $t -gt 300 ] && { dump "${tag}_last" "$ctl"; fail "$tag: replay did not settle"; }
		sleep 0.2
	done
	bg_kill "${tag}_last" TERM
	min=$(head -n1 "$VMTEST_WORK/$tag.runs" | cut -d' ' -f1)
	r=$(ctl_exactly_once "$ctl" "$min")
	case "$r" in ok*) ;; *) dump "$ctl"; fail "$tag: $r" ;; esac
	# most runs got readings out (a loaded guest kills many in start-up)
	[ "$(echo "$r" | cut -d' ' -f2)" -ge $((RUNS / 2)) ] ||
		fail "$tag: only $r (epochs, lines) arrived from $RUNS runs"
	# every run: what it had numbered by its status line arrived
	awk -v runs="$VMTEST_WORK/$tag.runs" '
		/^\{"agent":/ && match($0, /"seq":[0-9]+/) {
			q = substr($0, RSTART + 6, RLENGTH - 6) + 0
			match($0, /"stream":[0-9]+/); st = substr($0, RSTART + 9, RLENGTH - 9)
			match($0, /"epoch":[0-9]+\}/); ep = substr($0, RSTART + 8, RLENGTH - 9) + 0
			if (q > max[ep "/" st]) max[ep "/" st] = q
		}
		END {
			while ((getline l < runs) > 0) {
				split(l, a, " ")
				got = max[a[1] "/1"] + max[a[1] "/2"]
				if (got < a[2]) { print "epoch " a[1] ": " got " arrived, " a[2] " numbered"; exit 1 }
			}
		}' "$(bg_log "$ctl")" > "$VMTEST_WORK/$tag.tail" ||
		fail "$tag: $(cat "$VMTEST_WORK/$tag.tail")"
	log "$tag: then a clean run: $r (epochs, reading lines)"
}

ctl_start c1 ctrl 10.9.0.2
kills up
drain up c1
ctl_stop c1
log "with the controller up: $(ctl_summary c1 readings) readings, $(ctl_summary c1 dups) duplicates removed, $(ctl_summary c1 gaps) gaps, $(ctl_summary c1 lost) lost"
[ "$(ctl_summary c1 gaps)" = 0 ] && [ "$(ctl_summary c1 lost)" = 0 ] ||
	fail "controller up: summary gaps $(ctl_summary c1 gaps) lost $(ctl_summary c1 lost)"

kills down
ctl_start c2 ctrl 10.9.0.2
drain down c2
ctl_stop c2
log "with the controller down: $(ctl_summary c2 readings) readings, $(ctl_summary c2 dups) duplicates removed"
[ "$(ctl_summary c2 lost)" = 0 ] || fail "controller down: summary lost $(ctl_summary c2 lost)"
pass
