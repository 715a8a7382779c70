#!/bin/sh
# pipeline_capture: tcpdump on the controller's veth while the agent sends two
# counter sensors (temp on stream 3 every 20 ms, hum on stream 5 every 40 ms),
# once with bundle_count=1 and once with bundle_count=10. From the pcap
# itself (tcpdump -r -v): every DATA chunk carries PPID 0x53414731 and a stream
# of the configuration (0 control, 3 temp, 5 hum), both sensor streams appear,
# and bundling cuts sensor DATA chunks and packets per delivered reading by
# about 10x (accepted 6..14x). With pipeline.pcap=1 on the kernel command line
# the pcaps are printed (base64) for tests/bench/pcap_check.sh.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/pipeline-lib.sh

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
T=${PL_CAPTURE_S:-4}
ns_create ag; ns_create c1
veth_pair ag eth0 10.3.0.1/24 c1 eth0 10.3.0.2/24

# run B: one capture run with bundle_count=B; sets R_* variables.
run() {
	local b=$1 ini=$VMTEST_WORK/b$1.ini pcap=$VMTEST_WORK/b$1.pcap
	agent_ini $ini cap$b
	ini_ctrl $ini C1 10.3.0.2
	ini_counter $ini temp 3 20
	printf 'bundle_count = %s\nbundle_ms = 3000\n' $b >> $ini
	ini_counter $ini hum 5 40
	printf 'bundle_count = %s\nbundle_ms = 3000\n' $b >> $ini
	pl_cap_start cap$b c1 eth0 $pcap
	ctl_start C$b c1 10.3.0.2
	bg_start agent$b ag sctpagent -f -c $ini
	wait_for_line "$(bg_log C$b)" '^\{"event":"hello"' 10 || { dump C$b agent$b; fail "b=$b: no HELLO"; }
	sleep $T
	bg_kill agent$b TERM
	sleep 0.3
	ctl_stop C$b
	pl_cap_stop cap$b
	local L=$(bg_log C$b) hello
	hello=$(ctl_event C$b hello | head -n1)
	echo "$hello" | grep -q '{"stream":3,"sensor":"temp"' &&
		echo "$hello" | grep -q '{"stream":5,"sensor":"hum"' ||
		fail "b=$b: HELLO stream map is not temp=3 hum=5: $hello"
	# the controller got each sensor on its stream only
	[ "$(grep -c '"stream":3,"seq":[0-9]*,"sensor":"temp"' $L)" = "$(ctl_count C$b 3)" ] &&
		[ "$(grep -c '"stream":5,"seq":[0-9]*,"sensor":"hum"' $L)" = "$(ctl_count C$b 5)" ] ||
		fail "b=$b: a sensor arrived on another stream"
	R_READ=$(ctl_count C$b)
	[ "$R_READ" -ge 50 ] || { dump C$b agent$b; fail "b=$b: only $R_READ readings"; }
	pl_chunks $pcap > $VMTEST_WORK/b$b.chunks
	R_BADPPID=$(awk '$3 != "0x53414731"' $VMTEST_WORK/b$b.chunks | wc -l)
	R_BADSID=$(awk '$2 != 0 && $2 != 3 && $2 != 5' $VMTEST_WORK/b$b.chunks | wc -l)
	R_S3=$(awk '$2 == 3' $VMTEST_WORK/b$b.chunks | wc -l)
	R_S5=$(awk '$2 == 5' $VMTEST_WORK/b$b.chunks | wc -l)
	R_IDATA=$(grep -c '^I-DATA' $VMTEST_WORK/b$b.chunks)
	R_PKTS=$(( $(pl_data_pkts $pcap 3) + $(pl_data_pkts $pcap 5) ))
	R_ALLPKTS=$(pl_pkts $pcap)
	R_BYTES=$(pl_ip_bytes $pcap)
	log "b=$b: readings $R_READ, sensor DATA chunks sid3=$R_S3 sid5=$R_S5 (I-DATA $R_IDATA), packets with sensor data $R_PKTS, all packets $R_ALLPKTS, IP bytes $R_BYTES, bad ppid $R_BADPPID, bad sid $R_BADSID"
	[ "$R_BADPPID" = 0 ] || { head -n 5 $VMTEST_WORK/b$b.chunks; fail "b=$b: $R_BADPPID DATA chunks without PPID 0x53414731"; }
	[ "$R_BADSID" = 0 ] || fail "b=$b: $R_BADSID DATA chunks on unconfigured streams"
	[ "$R_S3" -gt 0 ] && [ "$R_S5" -gt 0 ] || fail "b=$b: no DATA on stream 3 or 5 in the capture"
	pl_pcap_emit $pcap capture_b$b
	echo "PIPELINE-CAPTURE bundle=$b readings=$R_READ chunks=$((R_S3 + R_S5)) pkts=$R_PKTS ip_bytes=$R_BYTES"
}

run 1
r1=$R_READ c1=$((R_S3 + R_S5)) p1=$R_PKTS
run 10
r10=$R_READ c10=$((R_S3 + R_S5)) p10=$R_PKTS
# chunks per reading ratio (x100 fixed point): (c1/r1) / (c10/r10)
cr=$(( c1 * r10 * 100 / (r1 * c10) ))
pr=$(( p1 * r10 * 100 / (r1 * p10) ))
log "DATA chunks/reading: b=1 $(awk "BEGIN{printf \"%.3f\", $c1/$r1}"), b=10 $(awk "BEGIN{printf \"%.3f\", $c10/$r10}"): ${cr}/100 x; packets/reading ratio ${pr}/100 x"
[ $((c1 * 100 / r1)) -ge 90 ] && [ $((c1 * 100 / r1)) -le 110 ] ||
	fail "bundle_count=1: $c1 DATA chunks for $r1 readings (want ~1 per reading)"
[ $cr -ge 600 ] && [ $cr -le 1400 ] || fail "bundling cut DATA chunks per reading by ${cr}/100 x, want ~10x"
[ $pr -ge 500 ] || fail "bundling cut packets per reading by only ${pr}/100 x"
pass
