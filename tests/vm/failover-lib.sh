# failover-lib.sh: the multihomed bed of the failover_* and bench_failover
# VM scenarios. Source after lib.sh and ctl-lib.sh:
#   . /vmtest/lib.sh; . /vmtest/ctl-lib.sh; . /vmtest/failover-lib.sh
# Busybox sh/awk only.
#
# Topology (fo_bed P): namespaces ${P}a (agent) and ${P}c (controller)
#   ${P}a eth0  10.1.0.2/24 <-> ${P}c eth0 10.1.0.1/24   (no delay)
#   ${P}a cell0 10.2.0.2/24 <-> ${P}c eth1 10.2.0.1/24   (netem 40 ms +-5 ms, both ends)
# The same addresses are reused by every bed: beds never share a namespace.
#
# The controller runs as `sctpctl -l 10.1.0.1,10.2.0.1 -p 9910 -n c` with
# its stdout read by a timestamping reader (fo_ctl_start): $(bg_log NAME)
# gets the plain JSON lines (ctl-lib.sh helpers work on it), NAME.ts the
# same lines prefixed with the receive wall time in ms ("rx_ms" of the
# line when sctpctl prints one, else ash's $EPOCHREALTIME at read time).

FO_CTL_ADDRS=10.1.0.1,10.2.0.1
# The controller's SCTP port in fo_ini and fo_ctl_start (several peers may
# share a bed on different ports).
FO_PORT=9910
# the board's Ethernet RTO floor (board/rpi/sctpagent.ini [path.eth] rto_min_ms)
FO_ETH_RTO_MIN=20

# fo_now_ms: wall clock in ms (ash's $EPOCHREALTIME, no fork).
fo_now_ms() {
	local t=$EPOCHREALTIME
	if [ -n "$t" ]; then
		echo "$t" | awk '{ printf "%.0f\n", $1 * 1000 }'
	else
		echo $(($(date +%s%N) / 1000000))
	fi
}

# fo_bed P [DELAY JITTER]: namespaces and links of one bed.
fo_bed() {
	local p=$1 d=${2:-40ms} j=${3:-5ms}
	ns_create ${p}a
	ns_create ${p}c
	# net.sctp.* is per network namespace and starts from the kernel's
	# defaults (addip off): ASCONF (RFC 5061) needs addip + auth on both ends.
	ns_exec ${p}a sh -c 'echo 1 >/proc/sys/net/sctp/auth_enable; echo 1 >/proc/sys/net/sctp/addip_enable'
	ns_exec ${p}c sh -c 'echo 1 >/proc/sys/net/sctp/auth_enable; echo 1 >/proc/sys/net/sctp/addip_enable'
	veth_pair ${p}a eth0 10.1.0.2/24 ${p}c eth0 10.1.0.1/24
	veth_pair ${p}a cell0 10.2.0.2/24 ${p}c eth1 10.2.0.1/24
	# A veth passes SCTP's GSO super-packets (up to 64 KiB of chunks) to its
	# peer whole, where a NIC's path segments them first: the peer's capture
	# would see packets larger than its snapshot and lose the chunks past it
	# (seen: 3.7 KB packets in a replay burst). MTU-sized GSO keeps the wire
	# what a board's Ethernet puts on it.
	for i in "${p}a eth0" "${p}a cell0" "${p}c eth0" "${p}c eth1"; do
		set -- $i
		ns_exec $1 $IP link set dev $2 gso_max_size 1500 || fail "gso_max_size on $1 $2"
	done
	netem ${p}a cell0 delay $d $j || fail "netem on cell0"
	netem ${p}c eth1 delay $d $j || fail "netem on controller eth1"
}

# fo_peer_confirmed NS ADDR N TIMEOUT_S: wait until N associations in the
# peer namespace NS have confirmed the agent's address ADDR (state ACTIVE
# in its /proc/net/sctp/remaddr); sets FO_CONFIRM_MS, the time waited.
# A Linux peer heartbeats an address the INIT did not come from only
# after an RTO (rto_initial, 3 s +-50%), and until it is answered sends
# nothing else there (RFC 9260 5.4): its SACKs for DATA that came from
# that address go to its active path. So a fault on the agent's primary
# in the first 1.5-4.5 s leaves the backup path without SACKs (T3
# backoff, PF, at worst COMM_LOST and a reconnect; bench_failover saw a
# 1.4 s stall). The steady-state fault cases wait for it; the agent
# cannot shorten it (docs/BENCH-failover.md, "before the peer confirmed").
fo_peer_confirmed() {
	local t0 n
	t0=$(fo_now_ms)
	while :; do
		n=$(ns_exec "$1" cat /proc/net/sctp/remaddr 2>/dev/null | awk -v a="$2" '
			{ x = $1; sub(/^\*/, "", x); if (x == a && $NF == 2) n++ } END { print n + 0 }')
		if [ "$n" -ge "$3" ]; then
			FO_CONFIRM_MS=$(($(fo_now_ms) - t0))
			return 0
		fi
		[ $(($(fo_now_ms) - t0)) -lt $(($4 * 1000)) ] || return 1
		sleep 0.1
	done
}

# fo_ini FILE NAME PROFILE [HOLD_MS] [CELL_ADDR]: agent config.
#   PROFILE board: the board defaults of board/rpi/sctpagent.ini (eth:
#     heartbeat 1 s, RTO 100/$FO_ETH_RTO_MIN/1000, path_max_retrans 2, PF at the first
#     timeout; cell: metered, heartbeat 600 s, RTO 1000/300/3000,
#     path_max_retrans 4, PF after 2 timeouts; assoc_max_retrans = their sum), the failback
#     hold set to HOLD_MS (default 2000) so the scenarios stay short.
#   PROFILE linux: no [path.*] at all: Linux's SCTP defaults (heartbeat
#     30 s, RTO 3000/1000/60000, path max retrans 5) and no agent policy.
#   CELL_ADDR: the [path.cell] address (default 10.2.0.2; "auto" allowed).
# Sensors: three counters on streams 1-3, every 150 ms (20 readings/s);
# append other sections with cat >>.
fo_ini() {
	local f=$1 name=$2 prof=$3 hold=${4:-2000} cell=${5:-10.2.0.2}
	agent_ini "$f" "$name"
	# the failover scenarios count link and primary events in the log:
	# every line, not the rate limit's first 10 per minute
	echo 'log_burst = 0' >> "$f"
	if [ "$prof" = linux ]; then
		printf '[controller.c]\naddress = 10.1.0.1, 10.2.0.1\nport = %s\n' $FO_PORT >> "$f"
	else
		cat >> "$f" <<EOF
[path.eth]
interface = eth0
address = 10.1.0.2
priority = 10
heartbeat_ms = 1000
rto_initial_ms = 100
rto_min_ms = $FO_ETH_RTO_MIN
rto_max_ms = 1000
path_max_retrans = 2
pf_threshold = 0
failback_hold_ms = $hold
confirm_timeout_ms = 5000
[path.cell]
interface = cell0
address = $cell
priority = 50
metered = yes
heartbeat_ms = 600000
rto_initial_ms = 1000
rto_min_ms = 300
rto_max_ms = 3000
path_max_retrans = 4
pf_threshold = 2
failback_hold_ms = $hold
confirm_timeout_ms = 5000
[controller.c]
address = 10.1.0.1@eth, 10.2.0.1@cell
port = $FO_PORT
EOF
	fi
}
fo_sensors() {
	ini_counter "$1" s1 1 ${2:-150}
	ini_counter "$1" s2 2 ${2:-150}
	ini_counter "$1" s3 3 ${2:-150}
}

# fo_ctl_start NAME NS [sctpctl args...]: multihomed controller behind a
# timestamping reader; waits until it listens.
fo_ctl_start() {
	local name=$1 ns=$2 w=$VMTEST_WORK
	shift 2
	rm -f "$w/$name.fifo"
	mkfifo "$w/$name.fifo"
	# reader: plain line to NAME.log, "RX_MS line" to NAME.ts
	bg_start $name.rd - sh -c '
		exec >"$3" 3>"$2"
		while IFS= read -r l; do
			t=$EPOCHREALTIME
			echo "$l"
			echo "$t $l" >&3
		done <"$1"' rd "$w/$name.fifo" "$w/$name.ts" "$w/$name.log"
	bg_start $name.err "$ns" sh -c 'exec sctpctl "$@" >"$0"' "$w/$name.fifo" \
		-l $FO_CTL_ADDRS -p $FO_PORT -n c "$@"
	echo "$(bg_pid $name.err)" > "$_VT_STATE/bg/$name"
	wait_sctp_listen "$ns" $FO_PORT 10 || { dump $name $name.err; fail "controller $name not listening"; }
}
# fo_ctl_stop NAME: SIGTERM, wait for the reader to drain, check summary.
fo_ctl_stop() {
	bg_kill "$1" TERM
	bg_wait $1.rd 5 >/dev/null
	grep -q '^{"summary":true' "$(bg_log "$1")" || { dump "$1" "$1.err"; fail "controller $1 printed no summary"; }
}

# fo_agent_start NAME NS INI: start the agent, wait for the HELLO at CTL.
fo_agent_start() {
	bg_start "$1" "$2" sctpagent -f -c "$3"
}

# fo_check CTL [STREAMS]: every stream (default 1 2 3) in order without
# gap or dup as printed; sets FO_SUM="readings=.. dups=.. gaps=.. ooo=.."
# and FO_N (lines).
fo_check() {
	local c=$1 s r n=0
	for s in ${2:-1 2 3}; do
		r=$(ctl_seqcheck "$c" $s)
		set -- $r
		[ "$1" = ok ] || { dump "$c" agent; fail "$c stream $s as printed: $r"; }
		n=$((n + $2))
	done
	FO_N=$n
	FO_SUM="readings=$(ctl_summary "$c" readings) dups=$(ctl_summary "$c" dups) gaps=$(ctl_summary "$c" gaps) ooo=$(ctl_summary "$c" out_of_order) bad=$(ctl_summary "$c" bad)"
	[ "$(ctl_summary "$c" gaps)" = 0 ] || { dump "$c"; fail "$c summary: $FO_SUM"; }
	[ "$(ctl_summary "$c" bad)" = 0 ] || { dump "$c"; fail "$c summary: $FO_SUM"; }
	log "$c: $n readings printed, in order, no gap/dup; summary $FO_SUM"
}

# fo_latency CTL FROM_MS TO_MS: over readings sampled in [FROM, TO):
# "n=.. worst=.. median=.. p99=.. gap=.." (ms; gap = longest interval
# between two arrivals whose arrival is in [FROM, TO + 3000)).
fo_latency() {
	awk -v from="$2" -v to="$3" '
	function num(k,   s) {
		if (!match($0, "\"" k "\":[0-9.]+")) return -1
		s = substr($0, RSTART, RLENGTH); sub(/.*:/, "", s); return s + 0
	}
	/^[0-9.]+ \{"agent":/ {
		rx = num("rx_ms"); if (rx < 0) rx = $1 * 1000
		t = num("time")
		if (rx >= from && rx < to + 3000) {
			if (nrx && rx - lastrx > gap) gap = rx - lastrx
			lastrx = rx; nrx++
		} else if (rx < from) { lastrx = rx; nrx = 1 }
		if (t < from || t >= to) next
		l[n++] = rx - t
	}
	END {
		if (!n) { print "n=0 worst=-1 median=-1 p99=-1 gap=-1"; exit }
		for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (l[j] < l[i]) { x = l[i]; l[i] = l[j]; l[j] = x }
		p = int(n * 0.99); if (p >= n) p = n - 1
		printf "n=%d worst=%.0f median=%.1f p99=%.1f gap=%.0f\n", n, l[n-1], l[int(n/2)], l[p], gap
	}' "$VMTEST_WORK/$1.ts"
}

# fo_primary AGENT NS ADDR_ERE TIMEOUT: SIGUSR1 the agent until its status
# shows ADDR_ERE as PRIMARY (the kernel may pick the primary itself, in which
# case the agent logs no "primary ->" line).
fo_primary() {
	local t=0 n
	while [ $t -lt $(($4 * 5)) ]; do
		n=$(count_lines "$(bg_log $1)" "path [a-z-]+ $3:[0-9]+: ACTIVE PRIMARY")
		bg_kill_usr1 $1
		sleep 0.2
		[ "$(count_lines "$(bg_log $1)" "path [a-z-]+ $3:[0-9]+: ACTIVE PRIMARY")" -gt "$n" ] && return 0
		t=$((t + 1))
	done
	return 1
}
bg_kill_usr1() { kill -USR1 "$(bg_pid "$1")" 2>/dev/null; }

# fo_count FILE ERE: like count_lines (alias for readability).
fo_count() { count_lines "$@"; }

# fo_start NAME [CELL_ADDR] [BEFORE]: the common start of a failover
# scenario: the bed "f", the board profile (hold 2 s, cell address default
# 10.2.0.2 or "auto"), three sensors, the controller "ctl" and the agent
# "agent" (log in $A, config in $INI), up to the controller's HELLO. BEFORE
# is a command run on the bed before anything starts (e.g. a link down).
# Sets T0 (ms) first.
fo_start() {
	[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
	T0=$(fo_now_ms)
	fo_bed f
	[ -z "${3:-}" ] || $3
	INI=$VMTEST_WORK/agent.ini
	fo_ini $INI "$1" board 2000 ${2:-10.2.0.2}
	fo_sensors $INI
	fo_ctl_start ctl fc
	fo_agent_start agent fa $INI
	A=$(bg_log agent)
	wait_for_line "$(bg_log ctl)" '^\{"event":"hello"' 15 || { dump ctl ctl.err agent; fail "no HELLO"; }
}
# fo_on_eth: wait until the agent made the Ethernet address primary.
fo_on_eth() {
	fo_primary agent fa '10\.1\.0\.1' 5 || { dump agent; fail "primary never on eth"; }
}
# fo_steady [CTL_NS]: the steady state a fault test means: eth primary,
# and the controller (in CTL_NS, default fc) has confirmed the agent's
# cell address 10.2.0.2. Until then it sends its SACKs for cell DATA to
# the Ethernet address, so a fault inside that window (1.5-4.5 s after
# COMM_UP: one rto_initial) stalls cell instead of testing the failover.
fo_steady() {
	fo_on_eth
	fo_peer_confirmed ${1:-fc} 10.2.0.2 1 15 || { dump agent ctl; fail "the controller never confirmed the agent's cell address"; }
}

# --- peers -------------------------------------------------------------------
# Three kinds of controller-side peer (FO_PEERS), each listening in the
# bed's controller namespace on 10.1.0.1 and 10.2.0.1 (wildcard for darn),
# on its own port (FO_PEER_PORT: several share a bed):
#   ctl   the reference controller at the kernel's delayed SACK (every 2nd
#         packet or 200 ms: its default)
#   ctl1  the same with --sack-freq 1 (a SACK for every packet)
#   darn  lksctp-tools' sctp_darn bound to the wildcard (so multihomed), a
#         plain Linux peer at every kernel default; it prints what it
#         receives, cannot tell a reading from a byte, and sends no ACK
# For darn, tcpdump records everything that arrives in its namespace
# (-i any) and fo_peer_stop turns the capture into what a deduplicating
# controller would have printed (fo_cap_ctl), so fo_check, fo_latency
# and ctl_summary work on every peer alike.
FO_PEERS="ctl ctl1 darn"
FO_PEER_PORT_ctl=9910 FO_PEER_PORT_ctl1=9911 FO_PEER_PORT_darn=9912
fo_peer_port() { eval echo \$FO_PEER_PORT_$1; }

# fo_peer_start NAME NS PEER [sctpctl args...]: NAME's port is PEER's.
# With darn, or FO_CAP=1, tcpdump records what arrives in NS (every
# interface) in NAME.pcap first; FO_SNAP=N keeps only N bytes of each
# packet (e.g. 128: the chunk headers, enough for fo_wire and
# fo_cell_data; fo_cap_ctl needs the default 1600).
# FO_NOWAIT=1: start without waiting (then fo_peer_wait NAME NS PEER).
fo_peer_start() {
	local name=$1 ns=$2 peer=$3 port
	shift 3
	port=$(fo_peer_port $peer)
	[ -n "$port" ] || fail "fo_peer_start: unknown peer $peer"
	if [ $peer = darn ] || [ "${FO_CAP:-0}" != 0 ]; then
		command -v tcpdump >/dev/null || fail "no tcpdump in the VM image"
		echo "${FO_SNAP:-1600}" > "$VMTEST_WORK/$name.capsnap"
		# immediate mode: libpcap's ring would hold packets up to 1 s;
		# a veth MTU of snapshot (not 256 KiB) and 4 MiB make its ring
		# thousands of packets deep, so a slow tcpdump under load drops none
		bg_start "$name.cap" "$ns" tcpdump -Z root -U --immediate-mode -B 4096 -n -i any -s "${FO_SNAP:-1600}" \
			-w "$VMTEST_WORK/$name.pcap" sctp port $port
		[ "${FO_NOWAIT:-0}" = 1 ] || wait_for_line "$(bg_log "$name.cap")" 'listening on' 10 ||
			{ dump "$name.cap"; fail "tcpdump $name.cap did not start"; }
	fi
	case $peer in
	ctl|ctl1)
		[ $peer = ctl1 ] && set -- --sack-freq 1 "$@"
		if [ "${FO_NOWAIT:-0}" = 1 ]; then
			bg_start "$name" "$ns" sctpctl -l $FO_CTL_ADDRS -p $port -n $peer "$@"
		else
			local saved=$FO_PORT
			FO_PORT=$port
			fo_ctl_start "$name" "$ns" "$@"
			FO_PORT=$saved
		fi ;;
	darn)
		bg_start "$name.darn" "$ns" sctp_darn -H 0.0.0.0 -P $port -l
		[ "${FO_NOWAIT:-0}" = 1 ] || wait_sctp_listen "$ns" $port 10 ||
			{ dump "$name.darn"; fail "sctp_darn $name not listening"; }
		;;
	esac
}
fo_peer_wait() {
	if [ -f "$(bg_log "$1.cap")" ]; then
		wait_for_line "$(bg_log "$1.cap")" 'listening on' 10 || { dump "$1.cap"; fail "tcpdump $1.cap did not start"; }
	fi
	wait_sctp_listen "$2" $(fo_peer_port $3) 10 || { dump "$1" "$1.darn"; fail "peer $1 not listening"; }
}
# fo_peer_hello NAME PEER N TIMEOUT: wait until N agents' HELLOs arrived.
fo_peer_hello() {
	case $2 in
	darn) wait_for_lines "$(bg_log "$1.darn")" '^   sinfo_stream 0$' "$3" "$4" ;;
	*) wait_for_lines "$(bg_log "$1")" '^\{"event":"hello"' "$3" "$4" ;;
	esac
}
# fo_peer_count NAME PEER [STREAM]: readings received so far (darn:
# messages on streams >= 1, or on STREAM, as it printed them, duplicates
# included; ctl: printed reading lines).
fo_peer_count() {
	case $2 in
	darn) count_lines "$(bg_log "$1.darn")" "^   sinfo_stream ${3:-[1-9][0-9]*}\$" ;;
	*) ctl_count "$1" ${3:-} ;;
	esac
}
# fo_peer_stop NAME PEER: stop the peer after the agents stopped (darn
# with a capture of every interface: it becomes NAME.log, checked against
# what sctp_darn printed).
fo_peer_stop() {
	local name=$1 n_cap n_darn
	if [ -f "$(bg_log "$name.cap")" ]; then
		fo_cap_settle "$VMTEST_WORK/$name.pcap"
		pl_cap_stop "$name.cap"
		bg_wait "$name.cap" 5 >/dev/null
	fi
	case $2 in
	darn)
		bg_kill "$name.darn" TERM
		[ "$(cat "$VMTEST_WORK/$name.capsnap")" = 1600 ] || return 0
		n_cap=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$(bg_log "$name.cap")")
		[ "${n_cap:-0}" = 0 ] || { dump "$name.cap"; fail "$name: tcpdump dropped $n_cap packets: the capture cannot tell what sctp_darn got"; }
		fo_cap_ctl "$VMTEST_WORK/$name.pcap" "$name" $(fo_peer_port darn)
		# the capture holds every message sctp_darn received, no more
		n_cap=$(grep -c '^{"agent":' "$(bg_log "$name")")
		n_darn=$(fo_peer_count "$name" darn)
		n_cap=$((n_cap + $(ctl_summary "$name" dups)))
		[ "$n_cap" = "$n_darn" ] || { dump "$name.darn" "$name.cap"; fail "$name: capture has $n_cap messages on sensor streams, sctp_darn printed $n_darn"; }
		;;
	*) fo_ctl_stop "$name" ;;
	esac
}

# fo_cap_settle PCAP: wait (up to 3 s) until tcpdump stopped writing it.
fo_cap_settle() {
	local a b t=0
	a=$(wc -c < "$1")
	while [ $t -lt 15 ]; do
		sleep 0.2
		b=$(wc -c < "$1")
		[ "$a" = "$b" ] && return 0
		a=$b t=$((t + 1))
	done
}
# fo_cap_ctl PCAP NAME PORT: what a deduplicating controller would have
# printed from the DATA chunks sent to PORT in PCAP (a capture in the peer's
# namespace: what arrived). Per chunk (first copy of each TSN; a
# retransmission is the same message) it reads the stream, the stream
# sequence number (SSN), and from the agent's message (docs/PROTOCOL.md:
# 8-byte header, seq at offset 4, a 4-byte epoch after it when flag bit 0
# is set; a READINGS body is a SenML pack whose
# first record carries bt) the reading's seq and sample time. Messages of
# a stream of an association are delivered in SSN order, each once all
# before it arrived; in delivery order, across associations (a replay
# after a reconnect), the first copy of each (stream, seq) is a reading,
# later ones (re-sends on failover, replays) duplicates. One agent per
# stream. Writes $(bg_log NAME) with
#   {"agent":"vtag-V","controller":"NAME","assoc":0,"stream":S,"seq":N,"time":T,"rx_ms":R}
# per reading in delivery order and a summary line (readings, dups, gaps
# from seq 1, out_of_order, bad = malformed messages; and per path the
# DATA chunks that arrived once (never retransmitted) and how many of
# them carry the I bit: data_eth, sack_now_eth, data_cell,
# sack_now_cell), and NAME.ts as
# fo_ctl_start does.
fo_cap_ctl() {
	local out
	out=$(bg_log "$2")
	tcpdump -Z root -r "$1" -nn -tt -x "sctp and dst port $3" 2>/dev/null | awk -v ctl="$2" -v port="$3" '
	BEGIN { for (i = 0; i < 256; i++) H[sprintf("%02x", i)] = i }
	function u(o, n,   v, k) { v = 0; for (k = 0; k < n; k++) v = v * 256 + b[o + k]; return v }
	# busybox awk may lack ^ (no math support): powers of two by hand
	function p2(n,   r) { r = 1; while (n > 0) { r *= 2; n-- } while (n < 0) { r /= 2; n++ } return r }
	function dbl(o,   s, e, m, k) {
		s = b[o] >= 128 ? -1 : 1; e = (b[o] % 128) * 16 + int(b[o + 1] / 16)
		m = b[o + 1] % 16; for (k = 2; k < 8; k++) m = m * 256 + b[o + k]
		return s * (1 + m / 4503599627370496) * p2(e - 1023)
	}
	function flt(o,   s, e, m) {
		s = b[o] >= 128 ? -1 : 1; e = (b[o] % 128) * 2 + int(b[o + 1] / 128)
		m = (b[o + 1] % 128) * 65536 + b[o + 2] * 256 + b[o + 3]
		return s * (1 + m / 8388608) * p2(e - 127)
	}
	# a CBOR head at o: sets MT (major type), AV (argument), HL (head length)
	function head(o,   ai) {
		MT = int(b[o] / 32); ai = b[o] % 32; HL = 1; AV = ai
		if (ai == 24) { AV = b[o + 1]; HL = 2 } else if (ai == 25) { AV = u(o + 1, 2); HL = 3 }
		else if (ai == 26) { AV = u(o + 1, 4); HL = 5 } else if (ai == 27) { AV = u(o + 1, 8); HL = 9 }
	}
	# seconds of a CBOR number at o (-1 if none)
	function num(o) {
		if (b[o] == 251) return dbl(o + 1)
		if (b[o] == 250) return flt(o + 1)
		head(o); return MT == 0 ? AV : -1
	}
	# bt of the first record of the READINGS body at o (ms, -1 if none)
	function bt(o, end,   n, k, key) {
		head(o); if (MT != 4) return -1; o += HL
		head(o); if (MT != 5) return -1; n = AV; o += HL
		for (k = 0; k < n && o < end; k++) {
			head(o); key = MT == 1 ? -1 - AV : AV; o += HL
			if (key == -3) return int(num(o) * 1000 + 0.5)
			head(o); o += HL; if (MT == 2 || MT == 3) o += AV
		}
		return -1
	}
	# streams are keyed by the verification tag: one per association
	function packet(   ihl, o, end, ty, fl, ln, tsn, sid, ssn, p, k, vt) {
		if (nb < 20 || b[9] != 132) return
		ihl = (b[0] % 16) * 4
		if (u(ihl + 2, 2) != port) return
		vt = u(ihl + 4, 4)
		o = ihl + 12; end = u(2, 2)
		while (o + 4 <= end && o + 4 <= nb) {
			ty = b[o]; fl = b[o + 1]; ln = u(o + 2, 2)
			if (ln < 4) break
			if (ty == 0 && ln >= 16 + 8 && (fl % 4) == 3 && o + ln <= nb) {
				tsn = u(o + 4, 4); sid = vt SUBSEP u(o + 8, 2); ssn = u(o + 10, 2)
				# per TSN: copies seen, and the path and I bit of the first
				if (!((vt, tsn) in copies)) FP[vt, tsn] = (b[16] == 10 && b[17] == 2 ? "c" : "e") (fl % 16 >= 8 ? "i" : "-")
				copies[vt, tsn]++
				if (!((vt, tsn) in seen) && u(o + 8, 2) > 0) {
					seen[vt, tsn] = 1; p = o + 16; k = cnt[sid]++
					# unordered (U bit): no SSN, delivered on arrival
					S[sid, k] = fl % 8 >= 4 ? -1 : ssn; AT[sid, k] = ts
					# version 1 or 2, READINGS; flag bit 0: a 4-byte epoch
					if ((b[p] != 1 && b[p] != 2) || b[p + 1] != 2) SQ[sid, k] = -1
					else { SQ[sid, k] = u(p + 4, 4); BT[sid, k] = bt(p + 8 + (b[p + 3] % 2) * 4, o + ln) }
				}
			}
			o += int((ln + 3) / 4) * 4
		}
	}
	/^[0-9]+\.[0-9]+ / { packet(); nb = 0; ts = int($1 * 1000 + 0.5); next }
	/^\t0x[0-9a-f]+:/ {
		if (nb >= 1600) next	# an MTU: no more on a veth
		for (f = 2; f <= NF; f++) { b[nb++] = H[substr($f, 1, 2)]; if (length($f) > 2) b[nb++] = H[substr($f, 3, 2)] }
	}
	END {
		packet()
		# the I bit as sent: chunks that arrived once (a retransmission
		# keeps the flags it had, whichever path it takes)
		for (t in copies) if (copies[t] == 1) {
			if (FP[t] ~ /^c/) { dcell++; if (FP[t] ~ /i/) icell++ }
			else { deth++; if (FP[t] ~ /i/) ieth++ }
		}
		for (sid in cnt) for (k = 0; k < cnt[sid]; k++) {
			split(sid, id, SUBSEP)
			printf "%.0f %d %d %.0f %d %.0f\n", id[1], id[2], S[sid, k], AT[sid, k], SQ[sid, k], BT[sid, k]
		}
		# the wire counters ride on a line that sorts last
		printf "9999999999 0 0 0 -2 0 %d %d %d %d %d\n", bad, deth, ieth, dcell, icell
	}' | sort -n -k1,1 -k2,2 -k3,3 | awk '
	# per association (vtag) and stream in SSN order: a message is
	# delivered once it and every one before it arrived; an unordered
	# one (SSN -1, sorted first) when it arrived
	$5 == -2 { print "9999999999999", $0; next }
	{ k = $1 " " $2; if (k != pk) { dl = 0; pk = k } if ($3 < 0) { print $4, $0; next }
	  if ($4 > dl) dl = $4; print dl, $0 }' |
	sort -n -k1,1 | awk -v ctl="$2" '
	# in delivery order, across associations (a replay after a reconnect
	# comes on a new one): the first copy of each (stream, seq) is the
	# reading, later ones duplicates
	$6 == -2 { bad += $8; deth = $9; ieth = $10; dcell = $11; icell = $12; next }
	$6 < 0 { bad++; next }
	{
		sid = $3; q = $6
		if ((sid, q) in got) { dups++; next }
		got[sid, q] = 1; readings++
		if (q < last[sid]) ooo++
		else if (q > last[sid] + 1) gaps += q - last[sid] - 1
		if (q > last[sid]) last[sid] = q
		printf "{\"agent\":\"vtag-%s\",\"controller\":\"%s\",\"assoc\":0,\"stream\":%d,\"seq\":%d,\"time\":%.0f,\"rx_ms\":%.0f}\n", $2, ctl, sid, q, $7, $1
	}
	END { printf "{\"summary\":true,\"controller\":\"%s\",\"readings\":%d,\"dups\":%d,\"gaps\":%d,\"out_of_order\":%d,\"bad\":%d,\"data_eth\":%d,\"sack_now_eth\":%d,\"data_cell\":%d,\"sack_now_cell\":%d}\n", ctl, readings, dups, gaps, ooo, bad, deth, ieth, dcell, icell }' > "$out"
	awk '{ if (match($0, /"rx_ms":[0-9]+/)) printf "%.3f %s\n", substr($0, RSTART + 8, RLENGTH - 8) / 1000, $0; else print "0 " $0 }' "$out" > "$VMTEST_WORK/$2.ts"
}

# fo_status AGENT: ask for the status (SIGUSR1) and set, from it,
# FO_FAILOVERS, FO_SPURIOUS, FO_FLOOR (RTO floor, ms), FO_FLOOR_PATH,
# FO_PRIMARY (the path name of the PRIMARY address), FO_ACKD (worst ack
# delay, ms). Returns 1 if no status came within 5 s.
fo_status() {
	local f n t=0 l
	f=$(bg_log "$1")
	n=$(count_lines "$f" 'RTO floor [0-9]+ ms on path [a-z]+ \(worst')
	bg_kill_usr1 "$1"
	while [ "$(count_lines "$f" 'RTO floor [0-9]+ ms on path [a-z]+ \(worst')" -le "$n" ]; do
		t=$((t + 1))
		[ $t -gt 50 ] && return 1
		sleep 0.1
	done
	l=$(grep 'failovers [0-9]* (spurious' "$f" | tail -n1)
	FO_FAILOVERS=$(echo "$l" | sed 's/.*failovers \([0-9]*\) (spurious \([0-9]*\)).*/\1/')
	FO_SPURIOUS=$(echo "$l" | sed 's/.*failovers \([0-9]*\) (spurious \([0-9]*\)).*/\2/')
	l=$(grep 'RTO floor [0-9]* ms on path [a-z]* (worst' "$f" | tail -n1)
	FO_FLOOR=$(echo "$l" | sed 's/.*RTO floor \([0-9]*\) ms.*/\1/')
	FO_FLOOR_PATH=$(echo "$l" | sed 's/.*ms on path \([a-z]*\) .*/\1/')
	FO_ACKD=$(echo "$l" | sed 's/.*worst ack delay \([0-9]*\) ms.*/\1/')
	FO_PRIMARY=$(grep ': ACTIVE PRIMARY' "$f" | tail -n1 | sed 's/.*state=up: path \([a-z-]*\) .*/\1/')
	return 0
}

# fo_wire NAME ADDR: "DATA SACK_NOW" = packets to ADDR in NAME.pcap whose
# first chunk is DATA, and how many of those carry the I bit (RFC 7053).
fo_wire() {
	local f=$VMTEST_WORK/$1.pcap
	echo "$(tcpdump -Z root -r "$f" -nn "dst host $2 and sctp[12] == 0" 2>/dev/null | wc -l)" \
	     "$(tcpdump -Z root -r "$f" -nn "dst host $2 and sctp[12] == 0 and sctp[13] & 8 != 0" 2>/dev/null | wc -l)"
}
# fo_cell_data NAME: DATA chunks to or from the controller's cellular
# address (10.2.0.1) in the peer's capture NAME.pcap (fo_peer_start with
# FO_CAP set).
fo_cell_data() {
	tcpdump -Z root -r "$VMTEST_WORK/$1.pcap" -nn -v 2>/dev/null | awk '
	/ > [0-9.]+: sctp/ { cell = ($0 ~ /10\.2\.0\.1\.[0-9]+[ :]/) }
	cell { n += gsub(/\[DATA\]/, "") }
	END { print n + 0 }'
}

# --- VM stalls -----------------------------------------------------------------
# Under TCG on a loaded host a vCPU may not run for tens of ms: kernel
# timers then fire before the SACK that already arrived is processed,
# and a 30 ms RTO times out with no fault at all. vm_stallmon (a
# real-time thread per CPU, tests/vm/tools/stallmon.c) records every such
# stall; a failover the agent made on a PF/UNREACHABLE is forgiven only if
# a stall of >= FO_STALL_MS ended in the 300 ms before it. Without
# vm_stallmon in the image nothing is forgiven.
FO_STALL_MS=20
fo_stallmon_start() {
	command -v vm_stallmon >/dev/null || { log "no vm_stallmon: failovers on VM stalls are not forgiven"; return 0; }
	bg_start stallmon - vm_stallmon $FO_STALL_MS
}
# fo_stall_summary: "stalls=N max_late_ms=M" so far.
fo_stall_summary() {
	awk '/^STALL / { n++; split($4, l, "="); if (l[2] + 0 > m) m = l[2] + 0 }
		END { printf "stalls=%d max_late_ms=%d\n", n, m }' "$(bg_log stallmon)" 2>/dev/null ||
		echo "stalls=0 max_late_ms=0"
}
# fo_mono_ms: CLOCK_MONOTONIC-like ms (/proc/uptime, 10 ms steps): the
# clock of the agent's log stamps.
fo_mono_ms() { awk '{ printf "%.0f\n", $1 * 1000 }' /proc/uptime; }
# fo_failovers_unexplained AGENT [FROM_MS TO_MS]: the failovers AGENT
# logged on a PF or UNREACHABLE that neither a fault window [FROM, TO]
# (fo_mono_ms; a blackhole the scenario made) nor a VM stall explains.
# Prints "UNEXPLAINED IN_WINDOW DETAIL"; the forgiven ones go to stderr
# with their stall. DETAIL (a word, "-" if none) says of each unexplained
# one when it was (guest uptime, and after the window's end), how soon a
# path came back AVAILABLE and the longest stall in the second before it,
# so that a failure line alone (all CI shows) tells what happened.
# The agent stamps its lines with the wall clock in UTC
# ("2026-12-01T13:02:03.045Z"; older builds: "[ uptime ]"): the time of
# day is put on the monotonic clock by their offset, read back to back.
fo_failovers_unexplained() {
	local s wall up rest
	s=$(bg_log stallmon)
	[ -f "$s" ] || s=/dev/null
	wall=$EPOCHREALTIME
	read up rest < /proc/uptime
	awk -v stalls="$s" -v min=$FO_STALL_MS -v from="${2:--1}" -v to="${3:--1}" \
	    -v wall="$wall" -v up="$up" '
	BEGIN { while ((getline l < stalls) > 0) if (l ~ /^STALL /) {
		split(l, f, /[ =]/); at[n] = f[5] + 0; late[n] = f[7] + 0; n++ }
		now = up * 1000; off = now - (wall - int(wall / 86400) * 86400) * 1000 }
	function stamp() {
		if ($0 ~ /^\[/) return substr($0, 2, index($0, "]") - 2) * 1000
		if (!match($0, /T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]+Z/)) return -1
		split(substr($0, RSTART + 1, RLENGTH - 2), h, ":")
		t = ((h[1] * 60 + h[2]) * 60 + h[3]) * 1000 + off
		if (t > now + 43200000) t -= 86400000
		else if (t < now - 43200000) t += 86400000
		return t
	}
	pend && /: AVAILABLE$/ && (a = stamp()) >= 0 {
		detail = detail sprintf(":back=%dms", a - pend); pend = 0
	}
	/primary -> .*: (PF|UNREACHABLE)$/ {
		if ((t = stamp()) < 0) next
		if (t >= from && t <= to) { win++; next }
		ok = 0; worst = 0
		# stalls are stamped when they end; /proc/uptime has 10 ms steps
		for (i = 0; i < n; i++) {
			if (late[i] >= min && at[i] <= t + 30 && at[i] >= t - 300) { ok = 1; w = i }
			if (at[i] <= t + 30 && at[i] >= t - 1000 && late[i] > worst) worst = late[i]
		}
		if (ok) { printf "forgiven: failover at %.3f s after a %d ms VM stall at %.3f s\n", t / 1000, late[w], at[w] / 1000 > "/dev/stderr"; next }
		bad++
		detail = detail (detail == "" ? "" : ",") sprintf("at=%.2fs", t / 1000)
		if (to >= 0) detail = detail sprintf("(%+.2fs_after_window)", (t - to) / 1000)
		detail = detail sprintf(":stall<=%dms", worst); pend = t
	}
	END { print bad + 0, win + 0, detail == "" ? "-" : detail }' "$(bg_log "$1")"
}
