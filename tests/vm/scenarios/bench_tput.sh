#!/bin/sh
# bench_tput: uplink throughput of small readings through the agent as a
# ratio to a raw ps_send() loop on the same port, in the same run (run by
# scripts/bench-tput.sh, docs/BENCH.md), for kernel SCTP, kernel SCTP over
# UDP and the userspace stack; then bytes on the wire per reading with
# and without UDP. $DURATION = seconds per throughput run (default 3);
# three raw / agent pairs per stack, alternating, medians reported.
#   throughput: tests/bench/bench_tput (agent | raw) to a controller that
#     counts and decodes nothing (sctpctl --sink), one veth, no delay;
#     each run on a fresh association; the raw payload is 64 bytes, the
#     agent's readings are sized to about the same (sensor name below)
#   bytes: one sensor every 10 ms for 4 s (bundle_count 1) to a normal
#     controller, tcpdump of the whole association, IP bytes / readings
# Lines: "BENCH tput PROFILE raw=.. agent=.. ratio=.. msg_bytes=..",
#        "BENCH bytes PROFILE readings=.. ip_bytes=.. per_reading=..".
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/pipeline-lib.sh
[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
command -v bench_tput >/dev/null || fail "bench_tput not in BINDIR"
T=${DURATION:-3}
W=$VMTEST_WORK
ns_create ta
ns_create tc
veth_pair ta eth0 10.9.0.2/24 tc eth0 10.9.0.1/24

ini() { # FILE PROFILE INTERVAL_MS NAME
	agent_ini $1 tput
	sed -i 's/^log_level = info$/log_level = warn/' $1
	# the kernel's own UDP socket holds 9899 here once kudp ran
	[ $2 = usrsctp ] && printf 'transport = udp\nudp_port = 9900\n' >> $1
	printf '[path.eth]\ninterface = eth0\naddress = 10.9.0.2\nrto_initial_ms = 200\nrto_min_ms = 50\nrto_max_ms = 400\n' >> $1
	[ $2 = kudp ] && printf 'udp_port = 9899\n' >> $1
	printf '[controller.c]\naddress = 10.9.0.1@eth\nport = 9910\n' >> $1
	printf '[sensor.%s]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = %s\nstream = 1\nunit = Cel\n' $4 $3 >> $1
}
kv() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
N=0
run() { # PROFILE MODE: one throughput run; its TPUT line in $LINE
	N=$((N + 1))
	bg_start sink$N tc sctpctl -l 10.9.0.1 -n sink --sink --udp-port 9899
	wait_for_line "$(bg_log sink$N)" listening 10 || { dump sink$N; fail "sink"; }
	ns_exec ta bench_tput $2 $T $W/$1-tput.ini >$W/tput$N.out 2>$W/tput$N.err
	bg_kill sink$N TERM
	LINE=$(grep '^TPUT' $W/tput$N.out)
	[ -n "$LINE" ] || { cat $W/tput$N.err; fail "$1 $2: bench_tput"; }
	log "$LINE; sink: $(grep '"sink"' "$(bg_log sink$N)")"
}
for p in native kudp usrsctp; do
	# a 20-character name: the agent's reading messages come to ~64 bytes
	ini $W/$p-tput.ini $p 86400000 board-temperature-01
	: > $W/$p.rates
	for i in 1 2 3; do	# alternating, medians: the host is shared
		run $p raw
		echo "raw $(kv "$LINE" rate)" >> $W/$p.rates
		run $p agent
		echo "agent $(kv "$LINE" rate) $(kv "$LINE" bytes)" >> $W/$p.rates
	done
	awk -v p=$p '
	function med(a, n,   i, j, x) { for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x } return a[int((n - 1) / 2)] }
	$1 == "raw" { r[nr++] = $2; rs = rs " " $2 }
	$1 == "agent" { a[na++] = $2; as = as " " $2; b = $3 }
	END { mr = med(r, nr); ma = med(a, na)
		printf "BENCH tput %s raw=%d agent=%d ratio=%.2f msg_bytes=%s raw_runs=%s agent_runs=%s\n", p, mr, ma, ma / mr, b, substr(rs, 2), substr(as, 2) }' $W/$p.rates | tr ' ' ' ' | sed 's/_runs=\([0-9]*\) \([0-9]*\) \([0-9]*\)/_runs=\1,\2,\3/g'

done
for p in native kudp usrsctp; do
	ini $W/$p-bytes.ini $p 10 temp
	pl_cap_start cap$p tc eth0 $W/$p.pcap sctp or udp port 9899
	ctl_start C$p tc 10.9.0.1 --udp-port 9899 --quiet
	bg_start ag$p ta sctpagent -f -c $W/$p-bytes.ini
	wait_for_line "$(bg_log C$p)" '^\{"event":"hello"' 10 || { dump C$p ag$p; fail "$p: no HELLO"; }
	sleep 4
	bg_kill ag$p TERM
	sleep 0.3
	ctl_stop C$p
	pl_cap_stop cap$p
	n=$(ctl_summary C$p readings)
	b=$(pl_ip_bytes $W/$p.pcap)
	[ "$n" -ge 200 ] || fail "$p: only $n readings"
	echo "BENCH bytes $p readings=$n ip_bytes=$b per_reading=$(awk "BEGIN { printf \"%.1f\", $b / $n }")"
done
pass
