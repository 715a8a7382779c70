#!/bin/sh
# bench_failover: failover latency benchmark (run by scripts/bench-failover.sh;
# $DURATION = runs per case, default 5). One VM boot:
#   - idle: two more beds (board defaults / Linux defaults) with one sensor
#     every 24 h count the agent's cell0 bytes (rx+tx: both ends'
#     heartbeats) while everything else runs, scaled to 30 days;
#   - steady: ~200 readings on Ethernet without a fault (board / Linux);
#   - per profile (board = board/rpi defaults, linux = no [path], Linux
#     SCTP defaults, no agent policy) and case (link = ip link set eth0
#     down in the agent namespace; blackhole = netem loss 100% on both eth
#     ends), RUNS fresh associations: the fault is injected at a random
#     phase (0-149 ms) after 1.5 s of steady traffic and held 3 s.
# Per run: worst = longest delivery latency (controller receive time -
# sample time) of a reading sampled in [fault - 0.5 s, fault + 1.5 s);
# gap = longest interval between two arrivals around the fault.
# Lines: "BENCH-RUN ...", then the summary lines "failover CASE ...",
# "steady ...", "idle ..." that scripts/bench-failover.sh prints.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/failover-lib.sh
[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
RUNS=${DURATION:-5}
[ "$RUNS" -ge 1 ] && [ "$RUNS" -le 20 ] || RUNS=5
R=$VMTEST_WORK/results
: > $R
T0=$(fo_now_ms)

# --- idle beds --------------------------------------------------------------
idle_bytes() { ns_exec $1 cat /proc/net/dev | awk '$1 == "cell0:" { print $2 + $10 }'; }
for p in board linux; do
	b=i$(echo $p | cut -c1)
	fo_bed $b
	fo_ini $VMTEST_WORK/idle-$p.ini idle-$p $p
	ini_counter $VMTEST_WORK/idle-$p.ini slow 1 86400000
	# a controller of metered agents keeps its own heartbeats sparse too
	hb=""
	[ $p = board ] && hb="--hb-ms 600000"
	fo_ctl_start ctl-idle-$p ${b}c --quiet $hb
	fo_agent_start agent-idle-$p ${b}a $VMTEST_WORK/idle-$p.ini
done
for p in board linux; do
	wait_for_line "$(bg_log ctl-idle-$p)" '^\{"event":"hello"' 15 || { dump ctl-idle-$p agent-idle-$p; fail "idle $p: no HELLO"; }
done
sleep 3	# path confirmation heartbeats are over
IB0=$(idle_bytes iba); IL0=$(idle_bytes ila); TI0=$(fo_now_ms)

fo_bed f
ini() {	# ini FILE PROFILE: the benchmark agent
	fo_ini $1 bench $2 2000
	fo_sensors $1 150
}
ini $VMTEST_WORK/board.ini board
ini $VMTEST_WORK/linux.ini linux
N=0
start_pair() {	# start_pair PROFILE: fresh controller + agent, steady traffic
	N=$((N + 1))
	CTL=ctl$N
	AG=agent$N
	fo_ctl_start $CTL fc
	fo_agent_start $AG fa $VMTEST_WORK/$1.ini
	wait_for_line "$(bg_log $CTL)" '^\{"event":"hello"' 15 || { dump $CTL $AG; fail "$1: no HELLO"; }
	[ $1 = board ] && { fo_primary $AG fa '10\.1\.0\.1' 5 || { dump $AG; fail "primary not on eth"; }; }
}
stop_pair() {
	bg_kill $AG TERM
	sleep 0.2
	fo_ctl_stop $CTL
}
# printed_violations CTL: seq violations as printed (dup/gap/order), 0 = ok
printed_violations() {
	ctl_readings $1 | awk '{ match($0, /"stream":[0-9]+/); st = substr($0, RSTART + 9, RLENGTH - 9)
		match($0, /"seq":[0-9]+/); s = substr($0, RSTART + 6, RLENGTH - 6) + 0
		if ((st in last) && s != last[st] + 1) bad++
		last[st] = s } END { print bad + 0 }'
}

# --- steady state on Ethernet ----------------------------------------------
for p in board linux; do
	start_pair $p
	sleep 1
	t1=$(fo_now_ms)
	sleep 10
	t2=$(fo_now_ms)
	sleep 0.5
	stop_pair
	echo "STEADY $p $(fo_latency $CTL $t1 $t2)" | tee -a $R
done

# --- faults ------------------------------------------------------------------
for c in link blackhole; do
	for p in board linux; do
		i=0
		while [ $i -lt $RUNS ]; do
			i=$((i + 1))
			start_pair $p
			sleep 1.5
			sleep 0.$(printf %03d $((RANDOM % 150)))
			tf=$(fo_now_ms)
			if [ $c = link ]; then
				link_down fa eth0
			else
				blackhole fa eth0
				blackhole fc eth0
			fi
			sleep 3
			if [ $c = link ]; then link_up fa eth0; else netem_clear fa eth0; netem_clear fc eth0; fi
			sleep 1
			stop_pair
			lat=$(fo_latency $CTL $((tf - 500)) $((tf + 1500)))
			pv=$(printed_violations $CTL)
			sw=$(grep -E 'primary ->|re-sent|UNREACHABLE|: PF' "$(bg_log $AG)" | head -n 3 | sed 's/.*state=up: //' | tr '\n' '|' | tr ' ' '_')
			echo "BENCH-RUN case=$c profile=$p run=$i phase_ms=$((tf % 150)) $lat lost=$(ctl_summary $CTL gaps) ctl_dups=$(ctl_summary $CTL dups) printed_bad=$pv agent=$sw" | tee -a $R
		done
	done
done

# --- idle bytes ---------------------------------------------------------------
while [ $(($(fo_now_ms) - TI0)) -lt 65000 ]; do sleep 1; done
IB1=$(idle_bytes iba); IL1=$(idle_bytes ila); TI1=$(fo_now_ms)
for p in board linux; do bg_kill agent-idle-$p TERM; done
echo "IDLE window_ms=$((TI1 - TI0)) board_bytes=$((IB1 - IB0)) linux_bytes=$((IL1 - IL0))" | tee -a $R

# --- summary ------------------------------------------------------------------
awk '
function med(a, n,   i, j, x) { for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x } return n ? a[int((n - 1) / 2)] : -1 }
function kv(k,   i, f) { for (i = 1; i <= NF; i++) { split($i, f, "="); if (f[1] == k) return f[2] } return "" }
$1 == "BENCH-RUN" {
	c = kv("case"); p = kv("profile"); k = c SUBSEP p
	w = kv("worst") + 0; if (!(k in mx) || w > mx[k]) mx[k] = w
	W[k, nr[k]] = w; G[k, nr[k]] = kv("gap") + 0; nr[k]++
	lost[k] += kv("lost"); dup[k] += kv("printed_bad"); cd[k] += kv("ctl_dups")
	cases[c] = 1
}
$1 == "STEADY" { sm[$2] = kv("median"); sp[$2] = kv("p99"); sn[$2] = kv("n") }
$1 == "IDLE" { iw = kv("window_ms"); ib = kv("board_bytes"); il = kv("linux_bytes") }
END {
	for (c in cases) {
		k = c SUBSEP "board"; kb = c SUBSEP "linux"
		for (i = 0; i < nr[k]; i++) { a[i] = W[k, i]; g[i] = G[k, i] }
		mw = med(a, nr[k]); mg = med(g, nr[k])
		for (i = 0; i < nr[kb]; i++) a[i] = W[kb, i]
		bmw = med(a, nr[kb])
		printf "failover %s worst_ms=%d median_worst_ms=%d gap_ms=%d lost=%d dup=%d baseline_worst_ms=%d baseline_median_worst_ms=%d ctl_dups=%d runs=%d baseline_lost=%d baseline_dup=%d\n", \
			c, mx[k], mw, mg, lost[k], dup[k], mx[kb], bmw, cd[k], nr[k], lost[kb], dup[kb]
	}
	printf "steady eth latency median_ms=%s p99_ms=%s n=%s baseline_median_ms=%s baseline_p99_ms=%s\n", sm["board"], sp["board"], sn["board"], sm["linux"], sp["linux"]
	s = 30 * 86400 * 1000 / iw
	printf "idle cell bytes_per_month board=%.2fMB linux=%.2fMB (window %.1f s: board %d B, linux %d B)\n", ib * s / 1e6, il * s / 1e6, iw / 1000, ib, il
}' $R | sort | sed 's/^/BENCH /'
log "bench wall $(( ($(fo_now_ms) - T0) / 1000 )) s"
pass
