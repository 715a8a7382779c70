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
	netem ${p}a cell0 delay $d $j || fail "netem on cell0"
	netem ${p}c eth1 delay $d $j || fail "netem on controller eth1"
}

# fo_ini FILE NAME PROFILE [HOLD_MS] [CELL_ADDR]: agent config.
#   PROFILE board: the board defaults of board/rpi/sctpagent.ini (eth:
#     heartbeat 1 s, RTO 100/30/1000, path_max_retrans 2, PF at the first
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
		printf '[controller.c]\naddress = 10.1.0.1, 10.2.0.1\nport = 9910\n' >> "$f"
	else
		cat >> "$f" <<EOF
[path.eth]
interface = eth0
address = 10.1.0.2
priority = 10
heartbeat_ms = 1000
rto_initial_ms = 100
rto_min_ms = 30
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
port = 9910
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
		-l $FO_CTL_ADDRS -p 9910 -n c "$@"
	echo "$(bg_pid $name.err)" > "$_VT_STATE/bg/$name"
	wait_sctp_listen "$ns" 9910 10 || { dump $name $name.err; fail "controller $name not listening"; }
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

# fo_check CTL: every stream 1-3 in order without gap or dup as printed;
# sets FO_SUM="readings=.. dups=.. gaps=.. ooo=.." and FO_N (lines).
fo_check() {
	local s r n=0
	for s in 1 2 3; do
		r=$(ctl_seqcheck "$1" $s)
		set -- "$1" $r
		[ "$2" = ok ] || { dump "$1" agent; fail "stream $s as printed: $r"; }
		n=$((n + $3))
	done
	FO_N=$n
	FO_SUM="readings=$(ctl_summary "$1" readings) dups=$(ctl_summary "$1" dups) gaps=$(ctl_summary "$1" gaps) ooo=$(ctl_summary "$1" out_of_order) bad=$(ctl_summary "$1" bad)"
	[ "$(ctl_summary "$1" gaps)" = 0 ] || { dump "$1"; fail "controller summary: $FO_SUM"; }
	[ "$(ctl_summary "$1" bad)" = 0 ] || { dump "$1"; fail "controller summary: $FO_SUM"; }
	log "$1: $n readings printed, in order, no gap/dup; summary $FO_SUM"
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
		n=$(count_lines "$(bg_log $1)" "path [a-z-]+ $3:9910: ACTIVE PRIMARY")
		bg_kill_usr1 $1
		sleep 0.2
		[ "$(count_lines "$(bg_log $1)" "path [a-z-]+ $3:9910: ACTIVE PRIMARY")" -gt "$n" ] && return 0
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
