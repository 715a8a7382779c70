# tests/net/lib.sh: host network namespaces for the userspace-stack tests
# (the host kernel needs no SCTP: usrsctp speaks SCTP over UDP). Sourced by
# tests/net/run.sh and scripts/run-user.sh. Bash, iproute2, nftables.
#
# Names are unique per run (NET_ID), so parallel runs and other users of
# the machine never meet; net_cleanup (an EXIT trap) removes everything.

NET_ID=${NET_ID:-sa$$}
NET_NS=()
NET_PIDS=()
NET_WORK=${NET_WORK:-}

net_ns() { echo "$NET_ID-$1"; }

# ns_add NAME: a namespace with lo up.
ns_add() {
	local ns
	ns=$(net_ns "$1")
	ip netns add "$ns" || return 1
	NET_NS+=("$ns")
	ip -n "$ns" link set lo up
}

# nsx NAME cmd...: run in namespace NAME.
nsx() {
	local ns
	ns=$(net_ns "$1")
	shift
	ip netns exec "$ns" "$@"
}

# veth NS1 IF1 ADDR1/LEN NS2 IF2 ADDR2/LEN: a link between two namespaces.
veth() {
	local a b tmp=v$RANDOM$RANDOM
	a=$(net_ns "$1")
	b=$(net_ns "$4")
	ip link add "${tmp}a" type veth peer name "${tmp}b" || return 1
	ip link set "${tmp}a" netns "$a" name "$2"
	ip link set "${tmp}b" netns "$b" name "$5"
	ip -n "$a" addr add "$3" dev "$2"
	ip -n "$b" addr add "$6" dev "$5"
	ip -n "$a" link set "$2" up
	ip -n "$b" link set "$5" up
}

link_down() { ip -n "$(net_ns "$1")" link set "$2" down; }
link_up() { ip -n "$(net_ns "$1")" link set "$2" up; }

# blackhole NS IF on|off: drop everything in and out of IF (nftables), the
# link stays up: only the SCTP timers can tell.
blackhole() {
	if [ "$3" = on ]; then
		nsx "$1" nft -f - <<EOF
table inet blackhole {
	chain in { type filter hook input priority 0; iifname "$2" drop; }
	chain out { type filter hook output priority 0; oifname "$2" drop; }
}
EOF
	else
		nsx "$1" nft delete table inet blackhole
	fi
}

# udp_count NS IF: UDP packets (SCTP over UDP) that left through IF so far.
count_start() {
	nsx "$1" nft -f - <<EOF
table inet count {
	chain out { type filter hook output priority -10; oifname "$2" udp dport 9899 counter; }
}
EOF
}
udp_count() {
	nsx "$1" nft list table inet count 2>/dev/null |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | head -n1
}

# bg NAME NS cmd...: start in the background, output in $NET_WORK/NAME.log.
bg() {
	local name=$1 ns
	ns=$(net_ns "$2")
	shift 2
	# not through a function: $! must be the process (ip execs the command)
	ip netns exec "$ns" "$@" >"$NET_WORK/$name.log" 2>&1 &
	NET_PIDS+=($!)
	eval "PID_$name=$!"
	disown $!	# no "Killed" notices; bg_stop polls instead of wait
}
bg_pid() { eval "echo \${PID_$1:-}"; }
bg_stop() { # NAME [SIG]: signal it and wait (5 s, then KILL)
	local pid
	pid=$(bg_pid "$1")
	[ -n "$pid" ] || return 0
	kill -"${2:-TERM}" "$pid" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	eval "PID_$1="
}

# wait_for FILE ERE COUNT TIMEOUT_S: COUNT lines matching ERE in FILE.
wait_for() {
	local end=$((SECONDS + $4))
	local n
	while [ $SECONDS -le $end ]; do
		n=$(grep -cE "$2" "$1" 2>/dev/null)
		[ "${n:-0}" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

net_cleanup() {
	for p in "${NET_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	for p in "${NET_PIDS[@]}"; do
		for _ in $(seq 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
	done
	for ns in "${NET_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	NET_NS=()
	NET_PIDS=()
}

# The bed: agent namespace A (eth0 10.61.1.1, wwan0 10.61.2.1) and
# controller namespace C (eth0 10.61.1.2, eth1 10.61.2.2), two veth paths.
net_bed() {
	ns_add A && ns_add C &&
		veth A eth0 10.61.1.1/24 C eth0 10.61.1.2/24 &&
		veth A wwan0 10.61.2.1/24 C eth1 10.61.2.2/24
}

# agent_ini FILE NAME: the bed's agent, Pi-like timers, over UDP. Its
# outbox lives next to FILE (a directory of this run: the outbox keeps
# epochs and readings across runs, so a shared one would replay another
# run's readings).
net_agent_ini() {
	local sd
	sd=$(cd "$(dirname "$1")" && pwd)/state-$2
	rm -rf "$sd"
	cat >"$1" <<EOF
[agent]
name = $2
transport = udp
state_dir = $sd
reconnect_min_ms = 300
reconnect_max_ms = 2000
shutdown_timeout_ms = 3000

[path.eth]
interface = eth0
address = 10.61.1.1
priority = 10
heartbeat_ms = 1000
rto_initial_ms = 100
rto_min_ms = 30
rto_max_ms = 400
path_max_retrans = 2
pf_threshold = 0
failback_hold_ms = 1000

[path.cell]
interface = wwan0
address = 10.61.2.1
priority = 50
heartbeat_ms = 1000
rto_initial_ms = 200
rto_min_ms = 50
rto_max_ms = 400
path_max_retrans = 3
pf_threshold = 1

[controller.c1]
address = 10.61.1.2@eth, 10.61.2.2@cell
port = 9910

[sensor.temp]
driver = simulated
source = counter:start=1
interval_ms = 100
unit = count

[sensor.hum]
driver = simulated
source = triangle:period_s=20,min=30,max=60
interval_ms = 500
unit = %RH
EOF
}
