#!/bin/sh
# bench_bytes: bytes on the wire per reading for bundle_count 1, 10 and 50,
# in plaintext and with DTLS (PSK, the default suite; the handshake and
# SCTP-AUTH included) (scripts/bench.sh, docs/BENCH.md). One counter sensor
# "temp" (21.5, 22, ..., unit Cel) every 10 ms on stream 1 to one
# controller, BENCH_S seconds per bundle size and mode (default 6).
# tcpdump on the controller's veth captures the whole association (INIT to
# SHUTDOWN COMPLETE, both directions: DATA, SACKs, heartbeats, HELLO, the
# controller's ACK messages; with DTLS the handshake, AUTH chunks and
# close_notify too). Prints per run
#   BENCH mode=plain|dtls bundle=B readings=N pkts=P ip_bytes=X
# (X = sum of IP total lengths), and with pipeline.pcap=1 the pcaps
# (bench_bB / bench_dtls_bB) for the host-side tshark check. Fails if a run
# delivered too few readings or a bundle size did not lower the bytes per
# reading.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/pipeline-lib.sh
. /vmtest/dtls-lib.sh

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
T=$(sed -n "s/.*bench_s=\([0-9]*\).*/\1/p" /proc/cmdline)
T=${T:-${BENCH_S:-6}}
K=$VMTEST_WORK/k
dtls_creds $K
psk_table $K/table bench $K/psk.hex
for mode in plain dtls; do
prev=0
for b in 1 10 50; do
	t=$b
	[ $mode = plain ] || t=dtls_b$b
	ns_create ag$t; ns_create c$t
	veth_pair ag$t eth0 10.6.0.1/24 c$t eth0 10.6.0.2/24
	ini=$VMTEST_WORK/b$t.ini pcap=$VMTEST_WORK/bench_b$b.pcap sec=""
	[ $mode = plain ] || pcap=$VMTEST_WORK/bench_dtls_b$b.pcap sec="--dtls-psk $K/table"
	agent_ini $ini bench
	ini_ctrl $ini C1 10.6.0.2
	printf '[sensor.temp]\ndriver = simulated\nsource = counter:start=21.5,step=0.5\ninterval_ms = 10\nstream = 1\nunit = Cel\nbundle_count = %s\nbundle_ms = 5000\n' $b >> $ini
	[ $mode = plain ] || ini_psk $ini bench $K/psk.hex
	pl_cap_start cap$t c$t eth0 $pcap
	# a controller on a metered link keeps the kernel's delayed SACK (every
	# 2nd packet or 200 ms): bytes matter more than a fast agent RTO here
	ctl_start C$t c$t 10.6.0.2 --sack-freq 2 $sec
	bg_start agent$t ag$t sctpagent -f -c $ini
	b=$t
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
	b=${t#dtls_b}
	echo "BENCH mode=$mode bundle=$b readings=$n pkts=$pkts ip_bytes=$bytes"
	log "$mode bundle $b: $n readings, $pkts packets, $bytes IP bytes, $(awk "BEGIN{printf \"%.1f\", $bytes/$n}") B/reading"
	bpr=$((bytes * 100 / n))
	[ $prev = 0 ] || [ $bpr -lt $prev ] || fail "$mode bundle $b: $bpr/100 B/reading, not below the previous size's $prev/100"
	prev=$bpr
	if [ $mode = plain ]; then
		pl_pcap_emit $pcap bench_b$b
	else
		r=$(dtls_cap_check $pcap temp)
		[ "${r%% *}" = ok ] || fail "dtls bundle $b capture: $r"
		pl_pcap_emit $pcap bench_dtls_b$b
	fi
done
done
pass
