#!/bin/sh
# bench_bytes: bytes on the wire per reading for bundle_count 1, 10 and 50
# (scripts/bench.sh, docs/BENCH.md). One counter sensor "temp" (21.5, 22, ...,
# unit Cel) every 10 ms on stream 1 to one controller, BENCH_S seconds per
# bundle size (default 6). tcpdump on the controller's veth captures the whole
# association (INIT to SHUTDOWN COMPLETE, both directions: DATA, SACKs,
# heartbeats, HELLO and the controller's ACK messages). Prints per run
#   BENCH bundle=B readings=N pkts=P ip_bytes=X
# (X = sum of IP total lengths), and with pipeline.pcap=1 the pcaps for the
# host-side tshark check. Fails if a run delivered too few readings or a
# bundle size did not lower the bytes per reading.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/pipeline-lib.sh

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
T=$(sed -n "s/.*bench_s=\([0-9]*\).*/\1/p" /proc/cmdline)
T=${T:-${BENCH_S:-6}}
prev=0
for b in 1 10 50; do
	ns_create ag$b; ns_create c$b
	veth_pair ag$b eth0 10.6.0.1/24 c$b eth0 10.6.0.2/24
	ini=$VMTEST_WORK/b$b.ini pcap=$VMTEST_WORK/bench_b$b.pcap
	agent_ini $ini bench
	ini_ctrl $ini C1 10.6.0.2
	printf '[sensor.temp]\ndriver = simulated\nsource = counter:start=21.5,step=0.5\ninterval_ms = 10\nstream = 1\nunit = Cel\nbundle_count = %s\nbundle_ms = 5000\n' $b >> $ini
	pl_cap_start cap$b c$b eth0 $pcap
	# a controller on a metered link keeps the kernel's delayed SACK (every
	# 2nd packet or 200 ms): bytes matter more than a fast agent RTO here
	ctl_start C$b c$b 10.6.0.2 --sack-freq 2
	bg_start agent$b ag$b sctpagent -f -c $ini
	wait_for_line "$(bg_log C$b)" '^\{"event":"hello"' 10 || { dump C$b agent$b; fail "b=$b: no HELLO"; }
	sleep $T
	bg_kill agent$b TERM	# graceful: SHUTDOWN exchange in the capture
	sleep 0.3
	ctl_stop C$b
	pl_cap_stop cap$b
	n=$(ctl_count C$b)
	bytes=$(pl_ip_bytes $pcap)
	pkts=$(pl_pkts $pcap)
	[ "$n" -ge $((T * 50)) ] || { dump C$b agent$b; fail "b=$b: only $n readings in $T s"; }
	[ "$(ctl_summary C$b gaps)" = 0 ] || fail "b=$b: gaps"
	echo "BENCH bundle=$b readings=$n pkts=$pkts ip_bytes=$bytes"
	log "bundle $b: $n readings, $pkts packets, $bytes IP bytes, $(awk "BEGIN{printf \"%.1f\", $bytes/$n}") B/reading"
	bpr=$((bytes * 100 / n))
	[ $prev = 0 ] || [ $bpr -lt $prev ] || fail "bundle $b: $bpr/100 B/reading, not below the previous size's $prev/100"
	prev=$bpr
	pl_pcap_emit $pcap bench_b$b
done
pass
