#!/bin/sh
# bench_failover_udp: failover latency over SCTP over UDP (RFC 6951), run
# by scripts/bench-failover.sh ($DURATION = runs per case, default 5). The
# bed and method of bench_failover (cell 40 ms +-5 ms each way; the fault
# at a random phase after 1.5 s of traffic, held 3 s; worst = longest
# delivery latency of a reading sampled in [fault - 0.5 s, fault + 1.5 s))
# with three agent profiles, all on the board defaults:
#   native   kernel SCTP, no UDP (the baseline, measured in this run)
#   kudp     kernel SCTP over UDP on both paths ([path.*] udp_port)
#   usrsctp  the userspace stack (transport = udp)
# The controller is kernel SCTP accepting both (sctpctl --udp-port 9899).
# Lines: "BENCH-RUN ...", then "failover PROFILE CASE ..." summaries.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/failover-lib.sh
[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
RUNS=${DURATION:-5}
# bench.profiles=a,b / bench.cases=c on the kernel command line narrow it
PROFILES=$(sed -n 's/.*bench\.profiles=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
CASES=$(sed -n 's/.*bench\.cases=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
PROFILES=${PROFILES:-native kudp usrsctp}
CASES=${CASES:-link blackhole}
[ "$RUNS" -ge 1 ] && [ "$RUNS" -le 20 ] || RUNS=5
R=$VMTEST_WORK/results
: > $R
T0=$(fo_now_ms)
fo_bed f
for p in native kudp usrsctp; do
	I=$VMTEST_WORK/$p.ini
	fo_ini $I bench board 2000
	fo_sensors $I 150
	case $p in
	kudp) awk '{ print } /^interface = (eth0|cell0)$/ { print "udp_port = 9899" }' $I > $I.t && mv $I.t $I ;;
	# the kernel's own UDP socket holds 9899 in fa once kudp ran
	usrsctp) awk '{ print } /^\[agent\]$/ { print "transport = udp"; print "udp_port = 9900" }' $I > $I.t && mv $I.t $I ;;
	esac
done
N=0
for c in $CASES; do
	for p in $PROFILES; do
		i=0
		while [ $i -lt $RUNS ]; do
			i=$((i + 1))
			N=$((N + 1))
			CTL=ctl$N AG=agent$N
			fo_ctl_start $CTL fc --udp-port 9899
			fo_agent_start $AG fa $VMTEST_WORK/$p.ini
			wait_for_line "$(bg_log $CTL)" '^\{"event":"hello"' 15 || { dump $CTL $AG; fail "$p: no HELLO"; }
			fo_primary $AG fa '10\.1\.0\.1' 5 || { dump $AG; fail "$p: primary not on eth"; }
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
			bg_kill $AG TERM
			sleep 0.2
			fo_ctl_stop $CTL
			lat=$(fo_latency $CTL $((tf - 500)) $((tf + 1500)))
			bad=$(ctl_readings $CTL | awk '{ match($0, /"stream":[0-9]+/); st = substr($0, RSTART + 9, RLENGTH - 9)
				match($0, /"seq":[0-9]+/); s = substr($0, RSTART + 6, RLENGTH - 6) + 0
				if ((st in last) && s != last[st] + 1) bad++
				last[st] = s } END { print bad + 0 }')
			echo "BENCH-RUN case=$c profile=$p run=$i $lat lost=$(ctl_summary $CTL gaps) printed_bad=$bad" | tee -a $R
		done
	done
done
awk '
function kv(k,   i, f) { for (i = 1; i <= NF; i++) { split($i, f, "="); if (f[1] == k) return f[2] } return "" }
function med(a, n,   i, j, x) { for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x } return n ? a[int((n - 1) / 2)] : -1 }
$1 == "BENCH-RUN" {
	k = kv("profile") " " kv("case"); w = kv("worst") + 0
	if (!(k in mx) || w > mx[k]) mx[k] = w
	W[k, n[k]++] = w; lost[k] += kv("lost"); bad[k] += kv("printed_bad"); keys[k] = 1
	all[k] = all[k] (all[k] == "" ? "" : ",") w
}
END {
	for (k in keys) {
		for (i = 0; i < n[k]; i++) a[i] = W[k, i]
		printf "failover %s worst_ms=%d median_worst_ms=%d lost=%d dup=%d runs=%d per_run=%s\n", k, mx[k], med(a, n[k]), lost[k], bad[k], n[k], all[k]
	}
}' $R | sort | sed 's/^/BENCH /'
log "bench wall $(( ($(fo_now_ms) - T0) / 1000 )) s"
pass
