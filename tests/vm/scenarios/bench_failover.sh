#!/bin/sh
# bench_failover: failover latency benchmark (run by scripts/bench-failover.sh;
# $DURATION = runs per case, default 5). One VM boot, one arch:
#   - idle: two more beds (board defaults / Linux defaults) with one sensor
#     every 24 h count the agent's cell0 bytes (rx+tx: both ends'
#     heartbeats) while everything else runs, scaled to 30 days;
#   - steady: ~200 readings on Ethernet without a fault, per peer (board /
#     Linux defaults);
#   - per peer (FO_PEERS: reference controller at the kernel's delayed
#     SACK, the same SACKing every packet, sctp_darn), profile (board =
#     board/rpi defaults; linux = no [path], Linux SCTP defaults, no agent
#     policy: the baseline) and case (link = ip link set eth0 down in the
#     agent namespace; blackhole = netem loss 100% on both eth ends), RUNS
#     fresh associations: the fault at a random phase (0-149 ms) after
#     1.5 s of steady traffic and once the peer confirmed the agent's
#     cell address (fo_peer_confirmed: a steady state), held 3 s; case cellfloor (board profile
#     only) is the same window with eth down since 2.5 s before it: no
#     failover in it, every reading on the cellular path, so its worst is
#     what the bed allows any agent (the cell delay plus the guest's own
#     latency per reading);
#   - soak: 100 link flaps (down 0.2-3 s, up 0.2-0.3 s or 2.8-3 s at
#     random: away from the 1 s hold-down plus the time SCTP takes to see
#     eth AVAILABLE again, so which downs find eth primary is known from
#     the measured up times; real_faults=N, or N-M when some were too
#     close to call under load), readings at 20/s, one agent per peer at
#     once: 0 lost, 0 dup after dedup, order, failovers = real faults,
#     0 spurious.
#   bench.profiles=P,.. on the kernel command line adds profiles for the
#   reference controller (noibit: eth metered, so no SACK-IMMEDIATELY and
#   the learned floor alone; hb: noibit with 100 ms eth heartbeats;
#   floorN: the board with rto_min_ms = N on eth, not FO_ETH_RTO_MIN);
#   bench.soak=N flaps N times instead of 100 (0: no soak);
#   bench.peers=P,.. runs only those peers;
#   bench.dump=1 prints each board fault run's agent log ("AGENTLOG ...")
#   and its readings slower than 60 ms ("SLOW ...").
# Per run: worst = longest delivery latency (receive time - sample time)
# of a reading sampled in [fault - 0.5 s, fault + 1.5 s); gap = longest
# interval between two arrivals around the fault.
# Lines: "BENCH-RUN ...", "STEADY ...", "IDLE ...", "SOAK ...", then the
# summary lines (prefixed "BENCH ") that scripts/bench-failover.sh prints.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/failover-lib.sh
. /vmtest/pipeline-lib.sh
[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
RUNS=${DURATION:-5}
[ "$RUNS" -ge 1 ] && [ "$RUNS" -le 20 ] || RUNS=5
XPROF=$(sed -n 's/.*bench\.profiles=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
SOAK=$(sed -n 's/.*bench\.soak=\([0-9]*\).*/\1/p' /proc/cmdline)
SOAK=${SOAK:-100}
PEERS=$(sed -n 's/.*bench\.peers=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
[ -z "$PEERS" ] || FO_PEERS=$PEERS
DUMP=$(sed -n 's/.*bench\.dump=\([01]\).*/\1/p' /proc/cmdline)
R=$VMTEST_WORK/results
: > $R
T0=$(fo_now_ms)
fo_stallmon_start

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

# --- the fault bed ------------------------------------------------------------
fo_bed f
ini() {	# ini PEER PROFILE: the benchmark agent's config file
	local f=$VMTEST_WORK/$1-$2.ini base=$2
	case $2 in noibit|hb|floor*) base=board ;; esac
	FO_PORT=$(fo_peer_port $1)
	fo_ini $f bench $base 2000
	fo_sensors $f 150
	[ "${DUMP:-0}" = 1 ] && sed -i 's/^log_level = .*/log_level = debug/' $f
	case $2 in
	noibit) sed -i '/^interface = eth0$/a metered = yes' $f ;;
	hb) sed -i -e '/^interface = eth0$/a metered = yes' -e 's/^heartbeat_ms = 1000$/heartbeat_ms = 100/' $f ;;
	floor*) sed -i "s/^rto_min_ms = $FO_ETH_RTO_MIN\$/rto_min_ms = ${2#floor}/" $f ;;	# eth's only
	esac
	echo $f
}
N=0
start_pair() {	# start_pair PEER PROFILE: fresh peer + agent, steady traffic
	N=$((N + 1))
	CTL=p$N
	AG=agent$N
	fo_peer_start $CTL fc $1
	# a fresh outbox too: sctp_darn ACKs nothing, and the readings an
	# earlier run (or phase) left un-ACKed would replay into this one's
	# fault window (480 of them made the first run's worst 1656 ms)
	rm -rf $VMTEST_WORK/state/bench
	fo_agent_start $AG fa "$(ini $1 $2)"
	fo_peer_hello $CTL $1 1 15 || { dump $CTL $AG; fail "$1 $2: no HELLO"; }
	[ $2 = linux ] || { fo_primary $AG fa '10\.1\.0\.1' 5 || { dump $AG; fail "$1 $2: primary not on eth"; }; }
	fo_peer_confirmed fc 10.2.0.2 1 10 || { dump $AG; fail "$1 $2: the peer never confirmed the agent's cell address"; }
	CONFIRM=$FO_CONFIRM_MS
}
stop_pair() {	# stop_pair PEER PROFILE: sets SPUR (the agent's spurious failovers)
	SPUR=0
	if [ $2 != linux ] && fo_status $AG; then SPUR=$FO_SPURIOUS; fi
	bg_kill $AG TERM
	sleep 0.3
	fo_peer_stop $CTL $1
}
# printed_violations CTL: seq violations as printed (dup/gap/order), 0 = ok
printed_violations() {
	ctl_readings $1 | awk '{ match($0, /"stream":[0-9]+/); st = substr($0, RSTART + 9, RLENGTH - 9)
		match($0, /"seq":[0-9]+/); s = substr($0, RSTART + 6, RLENGTH - 6) + 0
		if ((st in last) && s != last[st] + 1) bad++
		last[st] = s } END { print bad + 0 }'
}
PROFILES="board linux"

# --- steady state on Ethernet ----------------------------------------------
for peer in $FO_PEERS; do
	for p in $PROFILES; do
		start_pair $peer $p
		sleep 1
		t1=$(fo_now_ms)
		sleep 10
		t2=$(fo_now_ms)
		sleep 0.5
		stop_pair $peer $p
		echo "STEADY peer=$peer profile=$p $(fo_latency $CTL $t1 $t2)" | tee -a $R
	done
done

# --- faults ------------------------------------------------------------------
dump_run() {	# dump_run CASE PEER RUN FAULT_MS: bench.dump=1's lines
	sed "s/^/AGENTLOG $1 $2 run=$3 fault_ms=$4: /" "$(bg_log $AG)"
	awk -v tf=$4 -v tag="SLOW $1 $2 run=$3" '/^[0-9.]+ \{"agent":/ {
		t = $0; sub(/.*"time":/, "", t); t += 0; rx = $1 * 1000
		if (match($0, /"rx_ms":[0-9.]+/)) rx = substr($0, RSTART + 8, RLENGTH - 8) + 0
		if (t >= tf - 500 && t < tf + 1500 && rx - t > 60)
			printf "%s sampled=%+d rx=%+d lat=%d %s\n", tag, t - tf, rx - tf, rx - t, substr($0, index($0, "{"), 80) }' \
		"$VMTEST_WORK/$CTL.ts"
}
fault_runs() {	# fault_runs PEER PROFILE CASE
	local i=0 tf lat pv sw
	while [ $i -lt $RUNS ]; do
		i=$((i + 1))
		start_pair $1 $2
		sleep 1.5
		sleep 0.$(printf %03d $((RANDOM % 150)))
		[ $3 != cellfloor ] || { link_down fa eth0; sleep 2.5; }
		tf=$(fo_now_ms)
		case $3 in
		link) link_down fa eth0 ;;
		blackhole) blackhole fa eth0; blackhole fc eth0 ;;
		esac
		sleep 3
		if [ $3 = blackhole ]; then netem_clear fa eth0; netem_clear fc eth0; else link_up fa eth0; fi
		sleep 1
		stop_pair $1 $2
		lat=$(fo_latency $CTL $((tf - 500)) $((tf + 1500)))
		pv=$(printed_violations $CTL)
		sw=$(grep -E 'primary ->|re-sent|UNREACHABLE|: PF' "$(bg_log $AG)" | head -n 3 | sed 's/.*state=up: //' | tr '\n' '|' | tr ' ' '_')
		echo "BENCH-RUN case=$3 peer=$1 profile=$2 run=$i phase_ms=$((tf % 150)) confirm_wait_ms=$CONFIRM $lat lost=$(ctl_summary $CTL gaps) ctl_dups=$(ctl_summary $CTL dups) printed_bad=$pv spurious=$SPUR agent=$sw" | tee -a $R
		[ "${DUMP:-0}" = 1 ] && [ $2 != linux ] && dump_run $3 $1 $i $tf
	done
}
for c in link blackhole; do
	for peer in $FO_PEERS; do
		for p in $PROFILES; do fault_runs $peer $p $c; done
	done
	for p in $XPROF; do fault_runs ctl $p $c; done
done
for peer in $FO_PEERS; do fault_runs $peer board cellfloor; done

# --- idle bytes ---------------------------------------------------------------
while [ $(($(fo_now_ms) - TI0)) -lt 65000 ]; do sleep 1; done
IB1=$(idle_bytes iba); IL1=$(idle_bytes ila); TI1=$(fo_now_ms)
for p in board linux; do bg_kill agent-idle-$p TERM; done
echo "IDLE window_ms=$((TI1 - TI0)) board_bytes=$((IB1 - IB0)) linux_bytes=$((IL1 - IL0))" | tee -a $R

# --- soak -------------------------------------------------------------------------
soak() {
	local flap=0 d u real=1 amb=0 peer t tu tu0 td up_lo up_hi
	fo_bed k
	FO_NOWAIT=1
	for peer in $FO_PEERS; do
		fo_peer_start s$peer kc $peer
		FO_PORT=$(fo_peer_port $peer)
		fo_ini $VMTEST_WORK/soak-$peer.ini soak-$peer board 1000
		fo_sensors $VMTEST_WORK/soak-$peer.ini 150
	done
	FO_NOWAIT=0
	for peer in $FO_PEERS; do fo_peer_wait s$peer kc $peer; done
	for peer in $FO_PEERS; do fo_agent_start soak-$peer ka $VMTEST_WORK/soak-$peer.ini; done
	for peer in $FO_PEERS; do
		fo_peer_hello s$peer $peer 1 15 || { dump soak-$peer; fail "soak $peer: no HELLO"; }
		fo_primary soak-$peer ka '10\.1\.0\.1' 5 || { dump soak-$peer; fail "soak $peer: primary not on eth"; }
	done
	set -- $FO_PEERS
	fo_peer_confirmed kc 10.2.0.2 $# 15 || fail "soak: the peers never confirmed the agents' cell address"
	sleep 1
	t=$(fo_now_ms)
	# (its own counter: the helpers above loop on a global i, which ash's
	# dynamic scope made this loop's, and it ran no flap at all)
	while [ $flap -lt $SOAK ]; do
		flap=$((flap + 1))
		d=$((200 + RANDOM % 2801))
		if [ $((RANDOM % 2)) = 0 ]; then u=$((200 + RANDOM % 101)); else u=$((2800 + RANDOM % 201)); fi
		[ $flap -lt $SOAK ] || u=4000	# the last: back on eth for good
		if [ $flap -gt 1 ]; then
			# did this down find eth primary again? The agent fails back
			# 1 s (the hold-down) after SCTP sees eth AVAILABLE, which is
			# at link up or up to ~1.3 s later (its next heartbeat):
			# measured up time < 0.9 s: no; > 2.6 s: yes; else either.
			td=$(fo_mono_ms)
			up_lo=$((td - tu)) up_hi=$((td - tu0))
			if [ $up_lo -gt 2600 ]; then real=$((real + 1))
			elif [ $up_hi -ge 900 ]; then amb=$((amb + 1)); fi
		fi
		link_down ka eth0
		sleep $((d / 1000)).$(printf %03d $((d % 1000)))
		tu0=$(fo_mono_ms)
		link_up ka eth0
		tu=$(fo_mono_ms)
		sleep $((u / 1000)).$(printf %03d $((u % 1000)))
	done
	log "soak: $flap flaps in $(( ($(fo_now_ms) - t) / 1000 )) s, $real of them on the primary, $amb maybe"
	for peer in $FO_PEERS; do
		fo_status soak-$peer || { dump soak-$peer; fail "soak $peer: no status"; }
		eval SF_$peer=\$FO_FAILOVERS SS_$peer=\$FO_SPURIOUS
		bg_kill soak-$peer TERM
	done
	sleep 0.5
	for peer in $FO_PEERS; do
		fo_peer_stop s$peer $peer
		grep -E 'spurious failover|primary -> .*: (PF|UNREACHABLE)$' "$(bg_log soak-$peer)" | head -n 40 | sed "s/^/  soak-$peer: /"
		set -- $(fo_failovers_unexplained soak-$peer)
		eval f=\$SF_$peer s=\$SS_$peer
		rf=$real
		[ $amb = 0 ] || rf=$real-$((real + amb))
		lost=$(ctl_summary s$peer gaps) dup=$(printed_violations s$peer) ooo=$(ctl_summary s$peer out_of_order)
		ok=yes
		[ "$lost$dup$ooo$s" = 0000 ] && [ $f -ge $real ] && [ $f -le $((real + amb)) ] || ok=NO
		echo "SOAK peer=$peer flaps=$flap failovers=$f real_faults=$rf lost=$lost dup=$dup ooo=$ooo spurious=$s ok=$ok pf_failovers=$1 readings=$(ctl_summary s$peer readings) ctl_dups=$(ctl_summary s$peer dups)" | tee -a $R
	done
}
[ "$SOAK" = 0 ] || soak

# --- summary ------------------------------------------------------------------
awk -v stall="$(fo_stall_summary)" '
function med(a, n,   i, j, x) { for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x } return n ? a[int((n - 1) / 2)] : -1 }
function kv(k,   i, f) { for (i = 1; i <= NF; i++) { split($i, f, "="); if (f[1] == k) return f[2] } return "" }
$1 == "BENCH-RUN" {
	k = kv("case") SUBSEP kv("peer") SUBSEP kv("profile")
	w = kv("worst") + 0; if (!(k in mx) || w > mx[k]) mx[k] = w
	# nr[k] + 0: an unset count is "" as a subscript, not 0
	W[k, nr[k] + 0] = w; G[k, nr[k] + 0] = kv("gap") + 0; nr[k]++
	lost[k] += kv("lost"); dup[k] += kv("printed_bad"); cd[k] += kv("ctl_dups"); sp[k] += kv("spurious")
	runs[k] = runs[k] " " w
	cp[kv("case") SUBSEP kv("peer")] = 1; prof[kv("profile")] = 1
}
$1 == "STEADY" { k = kv("peer") SUBSEP kv("profile"); sm[k] = kv("median"); sq[k] = kv("p99"); sn[k] = kv("n"); peers[kv("peer")] = 1 }
$1 == "IDLE" { iw = kv("window_ms"); ib = kv("board_bytes"); il = kv("linux_bytes") }
$1 == "SOAK" { $1 = "soak"; soakl[ns++] = $0 }
function line(c, p, pr,   k, kb, i) {
	k = c SUBSEP p SUBSEP pr; kb = c SUBSEP p SUBSEP "linux"
	for (i = 0; i < nr[k]; i++) { a[i] = W[k, i]; g[i] = G[k, i] }
	mw = med(a, nr[k]); mg = med(g, nr[k])
	printf "failover %s peer=%s%s worst_ms=%d median_worst_ms=%d gap_ms=%d lost=%d dup=%d spurious=%d baseline_worst_ms=%d\n", \
		c, p, pr == "board" ? "" : "/" pr, mx[k], mw, mg, lost[k], dup[k], sp[k], mx[kb]
}
END {
	for (cc in cp) {
		split(cc, x, SUBSEP); c = x[1]; p = x[2]
		if (c == "cellfloor") {
			k = c SUBSEP p SUBSEP "board"
			for (i = 0; i < nr[k]; i++) a[i] = W[k, i]
			printf "floor cell peer=%s worst_ms=%d median_worst_ms=%d runs=%d per-run%s (no failover in the window: all on cell)\n", \
				p, mx[k], med(a, nr[k]), nr[k], runs[k]
			continue
		}
		line(c, p, "board")
		for (pr in prof) if (pr != "board" && pr != "linux" && (c SUBSEP p SUBSEP pr) in nr) line(c, p, pr)
		k = c SUBSEP p SUBSEP "linux"
		for (i = 0; i < nr[k]; i++) a[i] = W[k, i]
		printf "# detail %s peer=%s: runs=%d ctl_dups=%d per-run worst_ms%s; baseline median_worst_ms=%d lost=%d dup=%d per-run%s\n", \
			c, p, nr[c SUBSEP p SUBSEP "board"], cd[c SUBSEP p SUBSEP "board"], runs[c SUBSEP p SUBSEP "board"], med(a, nr[k]), lost[k], dup[k], runs[k]
	}
	for (p in peers) printf "steady eth latency peer=%s median_ms=%s p99_ms=%s n=%s baseline_median_ms=%s baseline_p99_ms=%s\n", \
		p, sm[p SUBSEP "board"], sq[p SUBSEP "board"], sn[p SUBSEP "board"], sm[p SUBSEP "linux"], sq[p SUBSEP "linux"]
	s = iw ? 30 * 86400 * 1000 / iw : 0
	printf "idle cell bytes_per_month board=%.2fMB linux=%.2fMB (window %.1f s: board %d B, linux %d B)\n", ib * s / 1e6, il * s / 1e6, iw / 1000, ib, il
	for (i = 0; i < ns; i++) print soakl[i]
	print "# vm " stall
}' $R | sort -k1,1 -k2,2 -s | sed 's/^/BENCH /'
log "bench wall $(( ($(fo_now_ms) - T0) / 1000 )) s"
pass
