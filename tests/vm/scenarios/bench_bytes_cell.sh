#!/bin/sh
# bench_bytes_cell: bytes on the cellular path per reading at 1 reading/s
# (scripts/bench.sh, docs/BENCH.md). Two beds side by side, Ethernet down
# from the start so everything goes on cell0 (netem 40 ms +-5 ms each way),
# the Pi's path defaults, one counter sensor every 1000 ms, the reference
# controller at the kernel's delayed SACK with sparse heartbeats (600 s, as
# a controller of metered agents keeps them):
#   metered    [path.cell] metered = yes (the board's): no SACK-IMMEDIATELY
#   unmetered  the same path with metered = no: the I bit on every message
#              (what the metered rule saves)
#   base       /bin/sctpagent-base (scripts/bench.sh puts the agent of an
#              earlier commit there), metered, if present
# tcpdump on the agent's cell0 from the HELLO's arrival for BENCH_CELL_S
# seconds (default 60; bench_cell_s= on the kernel command line), both
# directions. Prints per bed
#   BENCH cell=NAME readings=N pkts=P ip_bytes=X
# and with pipeline.pcap=1 the pcaps (bench_cell_NAME) for the host's tshark.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/failover-lib.sh
. /vmtest/pipeline-lib.sh
[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
T=$(sed -n "s/.*bench_cell_s=\([0-9]*\).*/\1/p" /proc/cmdline)
T=${T:-60}
BEDS="metered unmetered"
command -v sctpagent-base >/dev/null && BEDS="base $BEDS"
for b in $BEDS; do
	p=c$(echo $b | cut -c1)
	fo_bed $p
	link_down ${p}a eth0
	fo_ini $VMTEST_WORK/$b.ini cell-$b board 2000
	ini_counter $VMTEST_WORK/$b.ini s1 1 1000
	[ $b = unmetered ] && sed -i 's/^metered = yes$/metered = no/' $VMTEST_WORK/$b.ini
	fo_ctl_start ctl-$b ${p}c --hb-ms 600000
done
for b in $BEDS; do
	p=c$(echo $b | cut -c1)
	if [ $b = base ]; then
		bg_start agent-$b ${p}a sctpagent-base -f -c $VMTEST_WORK/$b.ini
	else
		fo_agent_start agent-$b ${p}a $VMTEST_WORK/$b.ini
	fi
done
for b in $BEDS; do
	p=c$(echo $b | cut -c1)
	wait_for_line "$(bg_log ctl-$b)" '^\{"event":"hello"' 20 || { dump ctl-$b agent-$b; fail "$b: no HELLO"; }
	pl_cap_start cap-$b ${p}a cell0 $VMTEST_WORK/bench_cell_$b.pcap
	eval N0_$b=$(ctl_count ctl-$b)
done
sleep $T
for b in $BEDS; do
	pl_cap_stop cap-$b
	bg_wait cap-$b 5 >/dev/null
	eval n0=\$N0_$b
	eval N_$b=$(($(ctl_count ctl-$b) - n0))
	bg_kill agent-$b TERM
done
sleep 0.5
for b in $BEDS; do
	eval n=\$N_$b
	fo_ctl_stop ctl-$b
	f=$VMTEST_WORK/bench_cell_$b.pcap
	[ "$(ctl_summary ctl-$b gaps)" = 0 ] || fail "$b: gaps"
	[ "$n" -ge $((T * 8 / 10)) ] || { dump agent-$b; fail "$b: $n readings in $T s"; }
	grep -q 'primary -> 10\.1' "$(bg_log agent-$b)" && fail "$b: traffic went to eth"
	echo "BENCH cell=$b readings=$n pkts=$(pl_pkts $f) ip_bytes=$(pl_ip_bytes $f) sack_now=$(tcpdump -Z root -r $f -nn 'dst host 10.2.0.1 and sctp[12] == 0 and sctp[13] & 8 != 0' 2>/dev/null | wc -l)"
	pl_pcap_emit $f bench_cell_$b
done
pass
