#!/bin/sh
# bench_dtls: what DTLS costs in time (scripts/bench.sh, docs/BENCH.md),
# each figure beside its plaintext baseline measured in the same boot.
#   1. time to the first message: agent start -> the controller's HELLO
#      event (one clock: the VM's wall clock), for plaintext, DTLS PSK and
#      DTLS certificates, on a link without delay and with 40 ms each way
#      (a cellular RTT); RUNS fresh agent processes each. For DTLS also the
#      handshake itself as the agent logs it (COMM_UP -> channel open).
#   2. Ethernet link-down on the failover bed (failover-lib.sh, board
#      profile, three sensors every 150 ms), plaintext and DTLS, FO_RUNS
#      fresh associations each, the fault at a random phase after 1 s of
#      quiet paths: worst latency of a reading sampled in [fault - 0.5 s,
#      fault + 1.5 s) and the longest gap between arrivals; lost / dup.
# Lines (the host computes medians and ratios):
#   BENCH-HS mode=plain|psk|cert delay_ms=D start_to_hello_ms=a,b,.. hs_ms=a,b,..|-
#   BENCH-FO mode=plain|dtls run=N worst_ms=W gap_ms=G readings=N dups=N gaps=N
# Kernel command line: bench_runs=N (default 5), bench_fo_runs=N (default 3).
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/failover-lib.sh
. /vmtest/dtls-lib.sh

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
RUNS=$(sed -n 's/.*bench_runs=\([0-9]*\).*/\1/p' /proc/cmdline)
RUNS=${RUNS:-5}
FO_RUNS=$(sed -n 's/.*bench_fo_runs=\([0-9]*\).*/\1/p' /proc/cmdline)
FO_RUNS=${FO_RUNS:-3}
K=$VMTEST_WORK/k
dtls_creds $K
psk_table $K/table pi-1 $K/psk.hex

# --- 1. time to the first message -----------------------------------------------
ns_create a; ns_create c
veth_pair a eth0 10.15.0.1/24 c eth0 10.15.0.2/24
mkini() { # FILE MODE
	agent_ini $1 pi-1
	ini_ctrl $1 c1 10.15.0.2
	printf 'tls_name = ctl.test\n' >> $1
	ini_counter $1 boilerroom 1 1000
	case $2 in
	psk) ini_psk $1 pi-1 $K/psk.hex ;;
	cert) ini_cert $1 $K $K/agent.pem $K/agent.key ;;
	esac
}
for m in plain psk cert; do mkini $VMTEST_WORK/hs-$m.ini $m; done
for d in 0 40; do
	if [ $d = 0 ]; then
		netem_clear a eth0 2>/dev/null; netem_clear c eth0 2>/dev/null
	else
		netem a eth0 delay ${d}ms || fail netem; netem c eth0 delay ${d}ms || fail netem
	fi
	for m in plain psk cert; do
		case $m in
		plain) ctl_start hc-$m-$d c 10.15.0.2 ;;
		psk) ctl_start hc-$m-$d c 10.15.0.2 --dtls-psk $K/table ;;
		cert) ctl_start hc-$m-$d c 10.15.0.2 --dtls-ca $K/ca.pem --dtls-cert $K/ctl.pem --dtls-key $K/ctl.key ;;
		esac
		C=$(bg_log hc-$m-$d)
		st="" hs=""
		for i in $(seq $RUNS); do
			t0=$(fo_now_ms)
			bg_start ha-$m-$d-$i a sctpagent -f -c $VMTEST_WORK/hs-$m.ini
			wait_for_lines "$C" '^\{"event":"hello"' $i 20 || { dump hc-$m-$d ha-$m-$d-$i; fail "$m/$d ms: no HELLO in run $i"; }
			th=$(jget "$(grep '^{"event":"hello"' "$C" | tail -n1)" time)
			st="$st${st:+,}$((th - t0))"
			if [ $m != plain ]; then
				h=$(sed -n 's/.*DTLS up: .*, \([0-9]*\) ms$/\1/p' "$(bg_log ha-$m-$d-$i)" | head -n1)
				hs="$hs${hs:+,}${h:--1}"
			fi
			bg_kill ha-$m-$d-$i TERM
			bg_wait ha-$m-$d-$i 5 >/dev/null
		done
		ctl_stop hc-$m-$d
		echo "BENCH-HS mode=$m delay_ms=$d start_to_hello_ms=$st hs_ms=${hs:--}"
	done
done

# --- 2. failover link-down, plaintext and DTLS ------------------------------------
fo_run() { # MODE RUN
	local m=$1 r=$2 p=$1$2 ini=$VMTEST_WORK/fo-$1$2.ini ag=fa-$1$2 ct=fc-$1$2 A c0 quiet i tdown lat
	fo_bed $p
	fo_ini $ini pi-$m board 2000
	fo_sensors $ini
	if [ $m = dtls ]; then
		printf 'pi-dtls %s\n' "$(cat $K/psk.hex)" >> $K/table
		ini_psk $ini pi-dtls $K/psk.hex
		fo_ctl_start $ct ${p}c --dtls-psk $K/table
	else
		fo_ctl_start $ct ${p}c
	fi
	fo_agent_start $ag ${p}a $ini
	A=$(bg_log $ag)
	wait_for_line "$(bg_log $ct)" '^\{"event":"hello"' 15 || { dump $ct $ag; fail "$m run $r: no HELLO"; }
	quiet=0
	for i in 1 2 3 4 5 6; do
		fo_primary $ag ${p}a '10\.1\.0\.1' 5 || { dump $ag; fail "$m run $r: primary never on eth"; }
		c0=$(grep -cE 'primary ->|: PF' "$A")
		sleep 1
		[ "$(grep -cE 'primary ->|: PF' "$A")" = "$c0" ] && { quiet=1; break; }
	done
	[ $quiet = 1 ] || fail "$m run $r: paths never quiet"
	sleep 0.$(awk -v s=$(fo_now_ms) 'BEGIN { srand(s); printf "%03d", int(rand() * 150) }')
	tdown=$(fo_now_ms)
	link_down ${p}a eth0
	wait_for_line "$A" 'primary -> 10\.2\.0\.1:9910 \(path cell\)' 3 || { dump $ag; fail "$m run $r: no failover"; }
	sleep 2
	bg_kill $ag TERM
	sleep 0.3
	fo_ctl_stop $ct
	fo_check $ct
	lat=$(fo_latency $ct $((tdown - 500)) $((tdown + 1500)))
	echo "BENCH-FO mode=$m run=$r worst_ms=$(echo "$lat" | sed -n 's/.*worst=\([0-9-]*\).*/\1/p') gap_ms=$(echo "$lat" | sed -n 's/.*gap=\([0-9-]*\).*/\1/p') readings=$(ctl_summary $ct readings) dups=$(ctl_summary $ct dups) gaps=$(ctl_summary $ct gaps)"
}
for r in $(seq $FO_RUNS); do
	fo_run plain $r
	fo_run dtls $r
done
pass
