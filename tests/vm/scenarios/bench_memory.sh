#!/bin/sh
# bench_memory: the agent's resident memory (Rss of /proc/PID/smaps_rollup,
# which walks the page tables; VmRSS in /proc/PID/status lags by up to 64
# pages per thread with split RSS counting) with 4 controllers x 16
# sensors (scripts/bench.sh, docs/BENCH.md). Phase 1: every controller up
# and ACKing, MEM_S seconds; phase 2: every controller killed (the agent
# keeps reconnecting and holds their readings) for DOWN_S seconds, long
# enough to fill a memory budget of BUDGET_KB several times over. Rss is
# sampled every 0.25 s. Prints
#   BENCH-MEM phase=up|down samples=N rss_min_kb=A rss_avg_kb=B rss_max_kb=C
#   BENCH-MEM budget_kb=B held=H peak=P evicted=E
# (held/peak/evicted: the agent's own accounting, from its status log).
# Fails if the down phase grew the agent by more than the budget + 256 KiB
# over its all-up steady state, or if nothing was evicted (budget not hit).
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
arg() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" /proc/cmdline; }
MEM_S=$(arg mem_s); MEM_S=${MEM_S:-15}
DOWN_S=$(arg down_s); DOWN_S=${DOWN_S:-30}
BUDGET_KB=$(arg budget_kb); BUDGET_KB=${BUDGET_KB:-1024}
RATE=$(arg rate_ms); RATE=${RATE:-100}
INI=$VMTEST_WORK/mem.ini
agent_ini $INI mem
echo "memory_budget_kb = $BUDGET_KB" >> $INI
for i in 1 2 3 4; do
	ns_create c$i
	veth_pair - v$i 10.7.$i.2/24 c$i eth0 10.7.$i.1/24
	ini_ctrl $INI C$i 10.7.$i.1
done
s=0
while [ $s -lt 16 ]; do
	s=$((s + 1))
	printf '[sensor.s%02d]\ndriver = simulated\nsource = counter:start=%d\ninterval_ms = %d\nstream = %d\nunit = Cel\n' \
		$s $s $RATE $s >> $INI
done
for i in 1 2 3 4; do ctl_start C$i c$i 10.7.$i.1 --quiet; done
bg_start agent - sctpagent -f -c $INI
for i in 1 2 3 4; do
	wait_for_line "$(bg_log C$i)" '^\{"event":"hello"' 20 || { dump C$i agent; fail "no HELLO at C$i"; }
done
PID=$(pidof sctpagent)
[ -n "$PID" ] && [ "$(echo $PID | wc -w)" = 1 ] || fail "agent pid: '$PID'"
sleep 3	# past start-up: every queue and buffer in use

# sample SECONDS: VmRSS every 0.25 s -> "n min avg max" (kB)
sample() {
	local end=$(( $(cut -d. -f1 /proc/uptime) + $1 )) n=0 sum=0 min=999999999 max=0 v
	while [ "$(cut -d. -f1 /proc/uptime)" -lt $end ]; do
		v=$(sed -n 's/^Rss:[^0-9]*\([0-9]*\).*/\1/p' /proc/$PID/smaps_rollup)
		[ -n "$v" ] || fail "agent gone"
		n=$((n + 1)); sum=$((sum + v))
		[ $v -lt $min ] && min=$v
		[ $v -gt $max ] && max=$v
		sleep 0.25
	done
	echo "$n $min $((sum / n)) $max"
}
set -- $(sample $MEM_S)
echo "BENCH-MEM phase=up samples=$1 rss_min_kb=$2 rss_avg_kb=$3 rss_max_kb=$4"
up_max=$4
for i in 1 2 3 4; do bg_kill C$i KILL; done
set -- $(sample $DOWN_S)
echo "BENCH-MEM phase=down samples=$1 rss_min_kb=$2 rss_avg_kb=$3 rss_max_kb=$4"
down_max=$4
kill -USR1 $PID
sleep 1
st=$(grep 'memory budget' "$(bg_log agent)" | tail -n1)
held=$(echo "$st" | sed -n 's/.*: \([0-9]*\) bytes held.*/\1/p')
peak=$(echo "$st" | sed -n 's/.*peak \([0-9]*\).*/\1/p')
ev=$(echo "$st" | sed -n 's/.*, \([0-9]*\) evicted.*/\1/p')
echo "BENCH-MEM budget_kb=$BUDGET_KB held=$held peak=$peak evicted=$ev"
log "up: max $up_max kB; down: max $down_max kB; budget $BUDGET_KB KiB, held $held, peak $peak, evicted $ev"
[ "${ev:-0}" -gt 0 ] || { dump agent; fail "the budget was never reached (evicted $ev): raise down_s"; }
[ $((down_max - up_max)) -le $((BUDGET_KB + 256)) ] ||
	fail "RSS grew $((down_max - up_max)) kB while all were down: more than the budget + 256 KiB"
pass
