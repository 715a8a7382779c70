#!/bin/bash
# scripts/bench.sh (make bench): bytes on the wire per reading, SCTP bundles
# vs MQTT QoS 1, and what DTLS costs (bytes, time to the first message,
# handshake, failover, binary size), each with its baseline measured in the
# same run and the ratio; and the agent's resident memory with 4
# controllers x 16 sensors, all up (the baseline) and all down long enough
# to fill its memory budget.
#
# SCTP: the VM scenario tests/vm/scenarios/bench_bytes.sh runs the agent with
#   bundle_count 1, 10 and 50 (one sensor every 10 ms, BENCH_S s each) to one
#   sctpctl and captures the association on the controller's veth; the pcaps
#   come out on the serial console (pipeline.pcap=1) and the host's tshark
#   sums the IP lengths of every packet (both directions: DATA, SACK,
#   heartbeats, INIT..SHUTDOWN, HELLO and ACK messages) and checks stream ids
#   and PPID (tests/bench/pcap_check.sh). Divided by the readings delivered.
#   The same with DTLS (PSK, default suite; handshake and AUTH chunks
#   included) beside it.
# DTLS time (VM scenario tests/vm/scenarios/bench_dtls.sh, same boot):
#   agent start -> HELLO at the controller for plaintext / PSK / certificates
#   (BENCH_RUNS runs each, median) on a link without delay and with 40 ms
#   each way, the handshake as the agent logs it; the Ethernet link-down
#   of the failover bed, plaintext vs DTLS (BENCH_FO_RUNS runs each).
# Size: the static rpi_arm64 / rpi_armhf agents with DTLS (the defconfigs)
#   and without (CONFIG_DTLS=n, built here in build/bench-nodtls-*).
# MQTT: a private mosquitto on 127.0.0.1:<free port>, one mosquitto_pub -l
#   session (one TCP connection) publishing N readings, one JSON object each
#   ({"n":"temp","u":"Cel","v":21.5,"t":...}) with QoS 1, paced every 10 ms
#   like the sensor; tcpdump on lo, tshark sums the IP lengths of the
#   connection both ways (handshake, CONNECT, PUBLISH, PUBACK, DISCONNECT,
#   FIN) divided by the PUBACKs seen.
#
# Memory: the VM scenario tests/vm/scenarios/bench_memory.sh samples the
#   agent's Rss (/proc/PID/smaps_rollup) every 0.25 s for BENCH_MEM_S s with
#   every controller up and ACKing, then BENCH_DOWN_S s with all of them
#   killed; memory_budget_kb = BENCH_BUDGET_KB (default 1024).
#
# Cellular: tests/vm/scenarios/bench_bytes_cell.sh, one reading per second
#   with Ethernet down (everything on the metered cell path, netem 40 ms),
#   the Pi's path defaults, the reference controller at the kernel's delayed
#   SACK: this agent (metered cell: no SACK-IMMEDIATELY), the same with the
#   cell path unmetered (the I bit on every message), and the baseline: the
#   agent of commit BENCH_BASE built from git (default ad06e4d: main before the
#   fast-failover work of issue 9 merged, same protocol v2) in the same VM run. tcpdump on the
#   agent's cell0 from the HELLO for BENCH_CELL_S s, tshark sums the IP
#   lengths; divided by the readings delivered in that window.
#
# Environment: BENCH_ARCH (amd64|arm64, default amd64), BENCH_S (seconds per
# bundle size in the VM, default 6), BENCH_N (MQTT readings, default 600),
# BENCH_RUNS (handshake runs per mode and link, default 5), BENCH_FO_RUNS
# (failover runs per mode, default 5),
# BENCH_CELL_S (cellular window, default 90), BENCH_BASE (baseline commit,
# "" = none), BENCH_MEM (0 = skip the memory part), BENCH_MEM_S (15),
# BENCH_DOWN_S (30), BENCH_BUDGET_KB (1024), BENCH_RATE_MS (sensor interval,
# 100), BENCH_OUT (work directory, default build/bench/DATE), BENCH_SERIAL
# (reuse the serial log of an earlier run with pipeline.pcap=1: no VM).
# Output: the tables on stdout, also in $BENCH_OUT/table.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ARCH=${BENCH_ARCH:-amd64}
BENCH_S=${BENCH_S:-6}
CELL_S=${BENCH_CELL_S:-90}
BASE=${BENCH_BASE-ad06e4d}
N=${BENCH_N:-600}
RUNS=${BENCH_RUNS:-5}
FO_RUNS=${BENCH_FO_RUNS:-5}
OUT=${BENCH_OUT:-$ROOT/build/bench/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
say() { echo "bench: $*" >&2; }

# --- packages ----------------------------------------------------------------
need=""
for p in tshark:tshark tcpdump:tcpdump mosquitto:mosquitto mosquitto_pub:mosquitto-clients; do
	command -v "${p%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${p%%:*}" ] || need="$need ${p#*:}"
done
if [ -n "$need" ]; then
	say "installing$need"
	echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need >"$OUT/apt.log" 2>&1 ||
		{ apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need >"$OUT/apt.log" 2>&1; } ||
		{ say "apt-get install$need failed (see $OUT/apt.log)"; exit 1; }
fi
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)

# --- SCTP in the VM ------------------------------------------------------------
cfg=qemu_$ARCH
say "building $cfg"
{ make --no-print-directory -j"$(nproc)" CONFIG=$cfg &&
	make --no-print-directory -j"$(nproc)" -f scripts/build.mk O=build/$cfg progs; } >"$OUT/build.log" 2>&1 ||
	{ tail -20 "$OUT/build.log"; exit 1; }
BIN=$OUT/bin
mkdir -p "$BIN"
cp build/$cfg/sctpagent.stripped "$BIN/sctpagent"
cp build/$cfg/sctpctl "$BIN/"
# the cellular baseline: the agent of $BASE, built once per commit and arch
if [ -n "$BASE" ] && [ -z "${BENCH_SERIAL:-}" ]; then
	rev=$(git rev-parse --short=12 "$BASE^{commit}" 2>/dev/null) || rev=""
	bdir=$ROOT/build/bench-base-$rev
	if [ -z "$rev" ]; then
		say "baseline commit $BASE not in this clone: no baseline row"
	elif [ -x "$bdir/src/build/$cfg/sctpagent.stripped" ] || {
		say "building the baseline agent of $rev ($cfg)"
		rm -rf "$bdir/src" && mkdir -p "$bdir/src/build" &&
		git archive "$rev" | tar -x -C "$bdir/src" &&
		for d in "$ROOT"/build/sysroot-*; do [ -d "$d" ] && ln -sfn "$d" "$bdir/src/build/"; done
		make --no-print-directory -C "$bdir/src" -j"$(nproc)" CONFIG=$cfg >"$OUT/build-base.log" 2>&1; }; then
		cp "$bdir/src/build/$cfg/sctpagent.stripped" "$BIN/sctpagent-base"
	else
		tail -20 "$OUT/build-base.log" >&2
		say "the baseline agent of $rev did not build: no baseline row"
	fi
fi
if [ -n "${BENCH_SERIAL:-}" ]; then
	say "reusing the VM serial log $BENCH_SERIAL"
	tr -d '\r' < "$BENCH_SERIAL" > "$OUT/serial.log"
	echo "run.sh: kernel $(sed -n 's/.*VMTEST-KERNEL \([^ ]*\).*/\1/p' "$OUT/serial.log" | head -n1)" > "$OUT/run.log"
elif say "running bench_bytes, bench_bytes_cell and bench_dtls in the $ARCH VM (about $((BENCH_S * 6 + CELL_S + RUNS * 12 + FO_RUNS * 25 + 120)) s)"; ! tests/vm/run.sh --arch "$ARCH" --bindir "$BIN" --scenarios bench_bytes,bench_bytes_cell,bench_dtls --duration "$BENCH_S" \
	--append "pipeline.pcap=1 bench_s=$BENCH_S bench_cell_s=$CELL_S bench_runs=$RUNS bench_fo_runs=$FO_RUNS" --log "$OUT/serial.log" \
	--scenario-timeout $((CELL_S + 900)) --timeout $((BENCH_S * 6 + CELL_S + RUNS * 12 + FO_RUNS * 25 + 1500)) >"$OUT/run.log" 2>&1; then
	cat "$OUT/run.log" >&2
	exit 1
fi
tr -d '\r' < "$OUT/serial.log" > "$OUT/serial.txt"
if [ "${BENCH_MEM:-1}" != 0 ]; then
	MEM_S=${BENCH_MEM_S:-15} DOWN_S=${BENCH_DOWN_S:-30} BUDGET_KB=${BENCH_BUDGET_KB:-1024}
	say "running bench_memory in the $ARCH VM (about $((MEM_S + DOWN_S + 40)) s)"
	tests/vm/run.sh --arch "$ARCH" --bindir "$BIN" --scenarios bench_memory \
		--append "mem_s=$MEM_S down_s=$DOWN_S budget_kb=$BUDGET_KB rate_ms=${BENCH_RATE_MS:-100}" \
		--log "$OUT/serial-mem.log" --timeout 400 --scenario-timeout 300 >"$OUT/run-mem.log" 2>&1 ||
		{ cat "$OUT/run-mem.log" >&2; exit 1; }
	tr -d '\r' < "$OUT/serial-mem.log" > "$OUT/serial-mem.txt"
fi
tests/bench/pcap_extract.sh "$OUT/serial.txt" "$OUT" >/dev/null
tests/bench/pcap_check.sh --streams 0,1 "$OUT"/bench_b*.pcap "$OUT"/bench_dtls_b*.pcap "$OUT"/bench_cell_*.pcap >"$OUT/pcap_check.txt" ||
	{ cat "$OUT/pcap_check.txt" >&2; say "pcap check failed"; exit 1; }

# --- static sizes with and without DTLS ---------------------------------------------
size_of() { stat -c %s "$1"; }
for a in arm64 armhf; do
	say "building rpi_$a with DTLS and with CONFIG_DTLS=n"
	nd=build/bench-nodtls-rpi_$a
	mkdir -p "$nd"
	{ cat board/rpi/rpi_${a}_defconfig; echo "# CONFIG_DTLS is not set"; } > "$nd/nodtls_defconfig"
	{ make --no-print-directory -j"$(nproc)" CONFIG=rpi_$a &&
		/usr/bin/python3 scripts/kconfig.py defconfig "$nd/nodtls_defconfig" "$nd" &&
		make --no-print-directory -j"$(nproc)" -f scripts/build.mk O="$nd" all; } >>"$OUT/build.log" 2>&1 ||
		{ tail -20 "$OUT/build.log"; exit 1; }
	grep -q '^CONFIG_DTLS=y' build/rpi_$a/.config || { say "rpi_$a has no DTLS"; exit 1; }
	grep -q '^# CONFIG_DTLS is not set' "$nd/.config" || { say "$nd still has DTLS"; exit 1; }
	eval "size_dtls_$a=\$(size_of build/rpi_$a/sctpagent.stripped)"
	eval "size_plain_$a=\$(size_of $nd/sctpagent.stripped)"
done

# --- MQTT QoS 1 on the host's loopback ----------------------------------------------
port=""
for p in $(shuf -i 20000-60000 -n 20); do
	ss -Htln "sport = :$p" | grep -q . || { port=$p; break; }
done
[ -n "$port" ] || { say "no free port"; exit 1; }
cat >"$OUT/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
log_dest file $OUT/mosquitto.log
CONF
broker="" cap=""
cleanup() {
	[ -z "$cap" ] || kill "$cap" 2>/dev/null || :
	[ -z "$broker" ] || kill "$broker" 2>/dev/null || :
	wait 2>/dev/null || :
}
trap cleanup EXIT INT TERM
"$MOSQUITTO" -c "$OUT/mosquitto.conf" >"$OUT/mosquitto.out" 2>&1 &
broker=$!
for _ in $(seq 50); do ss -Htln "sport = :$port" | grep -q . && break; sleep 0.1; done
ss -Htln "sport = :$port" | grep -q . || { cat "$OUT/mosquitto.out" >&2; say "mosquitto did not start"; exit 1; }
# mqtt_run NAME CMD...: capture port $port on lo while CMD publishes; sets
# MQ_PKTS MQ_BYTES MQ_ACKS (PUBACK packet ids seen) MQ_PER_SEG (PUBLISHes
# per TCP segment that carried any).
mqtt_run() {
	local name=$1 pc=$OUT/mqtt_$1.pcap
	shift
	tcpdump -i lo -U -s 0 -w "$pc" "tcp port $port" >"$OUT/tcpdump_$name.log" 2>&1 &
	cap=$!
	for _ in $(seq 50); do grep -q 'listening on' "$OUT/tcpdump_$name.log" && break; sleep 0.1; done
	"$@"
	sleep 0.5
	kill "$cap"; wait "$cap" 2>/dev/null || :; cap=""
	read -r MQ_PKTS MQ_BYTES < <(tshark -r "$pc" -Y ip -T fields -e ip.len 2>/dev/null |
		awk '{ n++; s += $1 } END { print n + 0, s + 0 }')
	MQ_ACKS=$(tshark -r "$pc" -d tcp.port==$port,mqtt -Y 'mqtt.msgtype == 4' -T fields -e mqtt.msgid 2>/dev/null |
		tr ',' '\n' | grep -c . || :)
	MQ_PER_SEG=$(tshark -r "$pc" -d tcp.port==$port,mqtt -Y 'mqtt.msgtype == 3' -T fields -e mqtt.msgid 2>/dev/null |
		awk -F, '{ n++; s += NF } END { printf "%.1f", n ? s / n : 0 }')
	[ "$MQ_ACKS" -gt 0 ] || { say "$name: no PUBACK captured"; exit 1; }
	[ "$MQ_ACKS" -ge "$N" ] || say "warning: $name: $MQ_ACKS PUBACKs for $N readings"
}
say "publishing $N readings (QoS 1, one JSON object each, every 10 ms) to mosquitto on 127.0.0.1:$port"
t0=$(date +%s%3N)
pub_l() {
	awk -v n="$N" -v t0="$t0" 'BEGIN { for (i = 0; i < n; i++)
		printf "{\"n\":\"temp\",\"u\":\"Cel\",\"v\":%g,\"t\":%.3f}\n", 21.5 + 0.5 * i, (t0 + 10 * i) / 1000 }' |
		while IFS= read -r l; do printf '%s\n' "$l"; sleep 0.01; done |
		mosquitto_pub -h 127.0.0.1 -p "$port" -q 1 -i sctpagent-bench -t sctpagent/bench/temp -l
}
mqtt_run pub_l pub_l
l_bytes=$MQ_BYTES l_pkts=$MQ_PKTS l_acks=$MQ_ACKS l_seg=$MQ_PER_SEG
mq_bpr=$(awk -v b="$l_bytes" -v n="$l_acks" 'BEGIN { printf "%.1f", b / n }')
mqtt_run raw python3 tests/bench/mqtt_pub.py 127.0.0.1 "$port" "$N" 0.01 >/dev/null
r_bytes=$MQ_BYTES r_pkts=$MQ_PKTS r_acks=$MQ_ACKS
mq_raw_bpr=$(awk -v b="$r_bytes" -v n="$r_acks" 'BEGIN { printf "%.1f", b / n }')
kill "$broker"; wait "$broker" 2>/dev/null || :; broker=""

# --- tables --------------------------------------------------------------------------
# bpr MODE B: "readings pkts ip_bytes" of a bundle_bytes run (tshark's bytes)
bpr() {
	local line chk tag=bench_b$2
	[ "$1" = dtls ] && tag=bench_dtls_b$2
	line=$(grep "^BENCH mode=$1 bundle=$2 " "$OUT/serial.txt" | head -n1)
	chk=$(grep "$tag.pcap" "$OUT/pcap_check.txt")
	echo "$(echo "$line" | sed 's/.*readings=\([0-9]*\).*/\1/') $(echo "$chk" | sed 's/.* pkts=\([0-9]*\).*/\1/') $(echo "$chk" | sed 's/.* ip_bytes=\([0-9]*\).*/\1/')"
}
# med LIST: median of comma-separated numbers (-1 = missing, ignored)
med() { echo "$1" | tr ',' '\n' | awk '$1 >= 0' | sort -n | awk '{ v[n++] = $1 } END { if (!n) print -1; else if (n % 2) print v[int(n/2)]; else printf "%.0f\n", (v[n/2-1] + v[n/2]) / 2 }'; }
rng() { echo "$1" | tr ',' '\n' | awk '$1 >= 0' | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }
hs() { grep "^BENCH-HS mode=$1 delay_ms=$2 " "$OUT/serial.txt" | head -n1 | sed -n "s/.* $3=\([^ ]*\).*/\1/p"; }
fo() { grep "^BENCH-FO mode=$1 " "$OUT/serial.txt" | sed -n "s/.* $2=\([0-9-]*\).*/\1/p" | paste -sd, -; }
{
	echo "# sctpagent bench $(date -u +%Y-%m-%dT%H:%MZ), $ARCH VM (kernel $(sed -n 's/^run.sh: kernel \([^ ]*\).*/\1/p' "$OUT/run.log" | head -n1)), ${BENCH_S} s per bundle size, sensor every 10 ms; host load $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo "# MQTT: mosquitto $("$MOSQUITTO" -h 2>/dev/null | sed -n 's/^mosquitto version \([^ ]*\).*/\1/p' | head -n1) on lo; mosquitto_pub -l: $l_acks readings, $l_pkts packets, $l_bytes IP bytes ($l_seg PUBLISH per segment); one PUBLISH per segment (tests/bench/mqtt_pub.py): $r_acks readings, $r_pkts packets, $r_bytes IP bytes = $mq_raw_bpr B/reading"
	echo
	echo "## bytes on the wire per reading (IP, both directions, whole association)"
	printf '%-7s %-9s %-8s %-10s %-19s %-24s %-6s %s\n' bundle readings packets ip_bytes sctp_B_per_reading mqtt_qos1_B_per_reading ratio ratio_vs_mqtt_1perseg
	for b in 1 10 50; do
		set -- $(bpr plain $b)
		vm_by=$(grep "^BENCH mode=plain bundle=$b " "$OUT/serial.txt" | head -n1 | sed 's/.*ip_bytes=\([0-9]*\).*/\1/')
		[ "$3" = "$vm_by" ] || say "note: bundle $b: tshark $3 IP bytes, tcpdump in the VM $vm_by"
		awk -v b=$b -v n=$1 -v p=$2 -v by=$3 -v m=$mq_bpr -v r=$mq_raw_bpr 'BEGIN {
			s = by / n; printf "%-7s %-9d %-8d %-10d %-19.1f %-24.1f %-6.2f %.2f\n", b, n, p, by, s, m, s / m, s / r }'
	done
	echo
	echo "## with DTLS (PSK, TLS-ECDHE-PSK-WITH-CHACHA20-POLY1305-SHA256, SCTP-AUTH HMAC-SHA-256) beside plaintext, same run"
	printf '%-7s %-13s %-12s %-12s %-12s %-11s %s\n' bundle dtls_readings dtls_packets plain_B_per dtls_B_per dtls/plain dtls/mqtt
	for b in 1 10 50; do
		set -- $(bpr plain $b)
		pb=$(awk -v n=$1 -v by=$3 'BEGIN { printf "%.1f", by / n }')
		set -- $(bpr dtls $b)
		awk -v b=$b -v n=$1 -v p=$2 -v by=$3 -v pb=$pb -v m=$mq_bpr 'BEGIN {
			s = by / n; printf "%-7s %-13d %-12d %-12.1f %-12.1f %-11.2f %.2f\n", b, n, p, pb, s, s / pb, s / m }'
	done
	echo
	echo "## time to the first message: agent start -> HELLO at the controller, median of $RUNS runs (ms)"
	printf '%-13s %-6s %-14s %-12s %-10s %s\n' link mode start_to_hello range ratio 'dtls_handshake (range)'
	for d in 0 40; do
		base=$(med "$(hs plain $d start_to_hello_ms)")
		for m in plain psk cert; do
			l=$(hs $m $d start_to_hello_ms) h=$(hs $m $d hs_ms)
			v=$(med "$l")
			hh="-"
			[ "$h" = - ] || hh="$(med "$h") ($(rng "$h"))"
			awk -v d="$d ms each way" -v m=$m -v v=$v -v r="$(rng "$l")" -v b=$base -v hh="$hh" 'BEGIN {
				printf "%-13s %-6s %-14s %-12s %-10.2f %s\n", d, m, v, r, (b > 0 ? v / b : 0), hh }'
		done
	done
	echo
	echo "## Ethernet link-down (failover bed, board profile), $FO_RUNS runs each: median (range), ms"
	printf '%-6s %-16s %-16s %-6s %-12s %s\n' mode worst_latency longest_gap lost dup_printed worst_ratio_vs_plain
	pw=$(med "$(fo plain worst_ms)")
	for m in plain dtls; do
		w=$(fo $m worst_ms) g=$(fo $m gap_ms)
		lost=$(fo $m gaps | tr ',' '\n' | awk '{ s += $1 } END { print s + 0 }')
		awk -v m=$m -v w="$(med "$w") ($(rng "$w"))" -v g="$(med "$g") ($(rng "$g"))" -v l=$lost \
			-v r="$(med "$w")" -v p=$pw 'BEGIN { printf "%-6s %-16s %-16s %-6s %-12s %.2f\n", m, w, g, l, 0, (p > 0 ? r / p : 0) }'
	done
	echo
	echo "## static agent (stripped), with DTLS (defconfig) and CONFIG_DTLS=n, built in this run"
	printf '%-7s %-12s %-12s %-12s %s\n' arch with_dtls without delta ratio
	for a in arm64 armhf; do
		eval "w=\$size_dtls_$a p=\$size_plain_$a"
		awk -v a=$a -v w=$w -v p=$p 'BEGIN { printf "%-7s %-12d %-12d %-12d %.2f\n", a, w, p, w - p, w / p }'
	done
	echo
	# cellular, 1 reading/s: bytes on cell0 (both directions) per reading
	echo "# cellular path, 1 reading/s, Ethernet down, reference controller at the kernel's delayed SACK, ${CELL_S} s window (tshark on the agent's cell0)"
	printf '%-10s %-40s %-9s %-8s %-10s %-13s %-9s %s\n' agent sack_immediately readings packets ip_bytes B_per_reading vs_base I_bit_pkts
	base_bpr=""
	for c in base metered unmetered; do
		line=$(grep "^BENCH cell=$c " "$OUT/serial.txt" | head -n1 || :)
		[ -n "$line" ] || continue
		# readings = the stream-1 DATA chunks in the same window (first
		# transmissions: distinct TSNs), so bytes and readings match
		n=$(tshark -r "$OUT/bench_cell_$c.pcap" -Y 'sctp.data_sid' -T fields -e sctp.data_sid \
			-e sctp.data_tsn 2>/dev/null | awk -F'\t' '{ ns = split($1, s, ","); split($2, t, ",")
				for (i = 1; i <= ns; i++) if (s[i] + 0 == 1 || s[i] == "0x0001") u[t[i]] = 1 }
				END { n = 0; for (k in u) n++; print n }')
		imm=$(echo "$line" | sed 's/.*sack_now=\([0-9]*\).*/\1/')
		read -r pk by < <(tshark -r "$OUT/bench_cell_$c.pcap" -Y ip -T fields -e ip.len 2>/dev/null |
			awk '{ n++; s += $1 } END { print n + 0, s + 0 }')
		bpr=$(awk -v b="$by" -v n="$n" 'BEGIN { printf "%.1f", b / n }')
		[ $c = base ] && base_bpr=$bpr
		case $c in
		base) what="$rev (no SACK-IMMEDIATELY)" ;;
		metered) what="this agent, cell metered: off" ;;
		unmetered) what="this agent, cell unmetered: every message" ;;
		esac
		printf '%-10s %-40s %-9d %-8d %-10d %-13s %-9s %s\n' $c "$what" "$n" "$pk" "$by" "$bpr" \
			"$([ -n "$base_bpr" ] && awk -v a="$bpr" -v b="$base_bpr" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }' || echo -)" "$imm"
	done
} | tee "$OUT/table.txt"

# --- memory ------------------------------------------------------------------------
if [ "${BENCH_MEM:-1}" != 0 ]; then
	memv() { grep "^BENCH-MEM $1" "$OUT/serial-mem.txt" | head -n1 | sed -n "s/.* $2=\([0-9]*\).*/\1/p"; }
	up_avg=$(memv phase=up rss_avg_kb) up_max=$(memv phase=up rss_max_kb)
	dn_avg=$(memv phase=down rss_avg_kb) dn_max=$(memv phase=down rss_max_kb)
	held=$(memv budget_kb held) peak=$(memv budget_kb peak) ev=$(memv budget_kb evicted)
	{
		echo
		echo "# memory: 4 controllers x 16 sensors every ${BENCH_RATE_MS:-100} ms, $ARCH VM (kernel $(sed -n 's/^run.sh: kernel \([^ ]*\).*/\1/p' "$OUT/run-mem.log" | head -n1)); Rss of /proc/PID/smaps_rollup every 0.25 s"
		echo "# memory_budget_kb = $BUDGET_KB; the agent's own accounting at the end: $held bytes held, peak $peak, $ev readings evicted"
		printf '%-16s %-11s %-11s %-16s %-26s %s\n' phase rss_avg_kb rss_max_kb max_vs_all_up limit_kb within
		awk -v a=$up_avg -v m=$up_max 'BEGIN { printf "%-16s %-11d %-11d %-16.2f %-26s %s\n", "all up", a, m, 1, "1536 (goal)", m <= 1536 ? "yes" : "NO" }'
		awk -v a=$dn_avg -v m=$dn_max -v u=$up_max -v b=$BUDGET_KB 'BEGIN { l = u + b + 256;
			printf "%-16s %-11d %-11d %-16.2f %-26s %s\n", "all down " '"$DOWN_S"' " s", a, m, m / u, l " (all up + budget + 256)", m <= l ? "yes" : "NO" }'
	} | tee -a "$OUT/table.txt"
fi
say "pcaps, logs and table in $OUT"
