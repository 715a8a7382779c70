# lib.sh: helpers for VM test bed scenarios. Source it: `. /vmtest/lib.sh`.
# Runs under busybox sh inside the VM. Conventions:
#   - a scenario ends with exactly one `pass` or `fail REASON` (both exit);
#   - a namespace NAME is a holder process (`unshare -n sleep`); "-" or "root"
#     means the VM's initial namespace;
#   - background processes have a NAME; their output goes to $VMTEST_WORK/NAME.log,
#     line-buffered for dynamically linked programs (coreutils' libstdbuf is
#     preloaded); static programs (sctpagent, sctpctl) must flush each line.
# Everything a scenario starts is killed on exit (and /init kills whatever is left).

VMTEST_NAME=${VMTEST_NAME:-$(basename "$0" .sh)}
VMTEST_WORK=${VMTEST_WORK:-/tmp/$VMTEST_NAME}
DURATION=${DURATION:-10}
_VT_STATE=$VMTEST_WORK/.state
# Debian's iproute2, by full path: busybox sh prefers its own (smaller) ip
# applet, which cannot create a veth peer, move links to a namespace or netem.
IP=/usr/sbin/ip
TC=/usr/sbin/tc
# Prefix for background commands: line-buffered stdio (what `stdbuf -oL -eL` does).
_VT_LINEBUF="env LD_PRELOAD=/usr/libexec/coreutils/libstdbuf.so _STDBUF_O=L _STDBUF_E=L"
mkdir -p "$VMTEST_WORK" "$_VT_STATE/ns" "$_VT_STATE/bg"

# --- verdict ---------------------------------------------------------------
# pass / fail REASON: record the verdict and exit. /init prints the one
# "VMTEST NAME PASS|FAIL REASON" line from it (so a fail inside $(...) is not
# lost); the first verdict wins.
pass() {
	[ -s /tmp/vmtest.verdict ] || echo "VMTEST $VMTEST_NAME PASS" > /tmp/vmtest.verdict
	echo "[$VMTEST_NAME] verdict: $(cat /tmp/vmtest.verdict)" >&2
	exit 0
}
fail() {
	[ -s /tmp/vmtest.verdict ] || echo "VMTEST $VMTEST_NAME FAIL $*" > /tmp/vmtest.verdict
	echo "[$VMTEST_NAME] verdict: $(cat /tmp/vmtest.verdict)" >&2
	exit 1
}
# check DESCRIPTION cmd...: run cmd, fail with DESCRIPTION if it fails.
check() {
	local what=$1
	shift
	"$@" || fail "$what"
}
log() { echo "[$VMTEST_NAME $(cut -d' ' -f1 /proc/uptime)] $*"; }
# dump NAME...: print background logs (for diagnosis before fail).
dump() {
	local n
	for n in "$@"; do
		echo "----- $n.log (last 20 lines)"
		tail -n 20 "$VMTEST_WORK/$n.log" 2>/dev/null
	done
}

# --- network namespaces ----------------------------------------------------
# ns_create NAME: new network namespace held by a sleeping process; lo is up.
ns_create() {
	local self pid i=0
	self=$(readlink /proc/self/ns/net)
	unshare -n sleep 100000000 </dev/null >/dev/null 2>&1 &
	pid=$!
	# Wait until the holder is really in its new namespace.
	while [ "$(readlink /proc/$pid/ns/net 2>/dev/null)" = "$self" ] ||
		[ -z "$(readlink /proc/$pid/ns/net 2>/dev/null)" ]; do
		i=$((i + 1))
		[ $i -gt 200 ] && fail "ns_create $1: namespace did not appear"
		sleep 0.01
	done
	echo "$pid" > "$_VT_STATE/ns/$1"
	nsenter -F -t "$pid" -n $IP link set lo up
}
# ns_pid NAME: pid of the namespace holder ("" for the root namespace).
ns_pid() {
	case "$1" in
	-|root) echo "" ;;
	*) cat "$_VT_STATE/ns/$1" 2>/dev/null || fail "no namespace $1" ;;
	esac
}
# ns_exec NAME cmd...: run cmd in the namespace (in the foreground).
ns_exec() {
	local pid
	pid=$(ns_pid "$1") || exit 1
	shift
	if [ -z "$pid" ]; then
		"$@"
	else
		nsenter -F -t "$pid" -n "$@"
	fi
}
# veth_pair NS1 IF1 ADDR1/LEN NS2 IF2 ADDR2/LEN: veth between two namespaces,
# addresses set (ADDR may be "-" for none; IPv6 works too), both ends up.
veth_pair() {
	local ns1=$1 if1=$2 a1=$3 ns2=$4 if2=$5 a2=$6 p1 p2 tmp1 tmp2
	p1=$(ns_pid "$ns1") || exit 1
	p2=$(ns_pid "$ns2") || exit 1
	# Create with temporary names in the root namespace, then move and rename,
	# so the same interface name can be used in several namespaces.
	tmp1=vt$$a$RANDOM
	tmp2=vt$$b$RANDOM
	$IP link add "$tmp1" type veth peer name "$tmp2" || fail "veth_pair: $IP link add"
	[ -n "$p1" ] && $IP link set "$tmp1" netns "$p1"
	[ -n "$p2" ] && $IP link set "$tmp2" netns "$p2"
	ns_exec "$ns1" $IP link set "$tmp1" name "$if1"
	ns_exec "$ns2" $IP link set "$tmp2" name "$if2"
	[ "$a1" != - ] && ns_exec "$ns1" $IP addr add "$a1" dev "$if1"
	[ "$a2" != - ] && ns_exec "$ns2" $IP addr add "$a2" dev "$if2"
	ns_exec "$ns1" $IP link set "$if1" up
	ns_exec "$ns2" $IP link set "$if2" up
}
# addr_add NS IF ADDR/LEN, addr_del NS IF ADDR/LEN
addr_add() { ns_exec "$1" $IP addr add "$3" dev "$2"; }
addr_del() { ns_exec "$1" $IP addr del "$3" dev "$2"; }
# link_up NS IF, link_down NS IF (e.g. to cut one path of a multihomed assoc)
link_up() { ns_exec "$1" $IP link set "$2" up; }
link_down() { ns_exec "$1" $IP link set "$2" down; }
# netem NS IF ARGS...: e.g. `netem c eth0 delay 50ms loss 10%` (replaces any qdisc)
netem() {
	local ns=$1 ifc=$2
	shift 2
	ns_exec "$ns" $TC qdisc replace dev "$ifc" root netem "$@"
}
# netem_clear NS IF
netem_clear() { ns_exec "$1" $TC qdisc del dev "$2" root 2>/dev/null || :; }
# blackhole NS IF: drop everything leaving IF (100% loss); undo with netem_clear.
blackhole() { netem "$1" "$2" loss 100%; }

# --- background processes --------------------------------------------------
# bg_start NAME NS cmd...: start cmd in namespace NS, stdout+stderr to
# $VMTEST_WORK/NAME.log, stdin from /dev/null (use bg_start_in for a fifo).
bg_start() {
	local name=$1 ns=$2 pid
	shift 2
	pid=$(ns_pid "$ns") || exit 1
	if [ -z "$pid" ]; then
		$_VT_LINEBUF "$@" </dev/null >"$VMTEST_WORK/$name.log" 2>&1 &
	else
		$_VT_LINEBUF nsenter -F -t "$pid" -n "$@" </dev/null >"$VMTEST_WORK/$name.log" 2>&1 &
	fi
	echo $! > "$_VT_STATE/bg/$name"
}
# bg_start_in NAME NS cmd...: like bg_start, with stdin from the fifo
# $VMTEST_WORK/NAME.in; write lines with bg_send NAME TEXT.
bg_start_in() {
	local name=$1 ns=$2 pid
	shift 2
	pid=$(ns_pid "$ns") || exit 1
	rm -f "$VMTEST_WORK/$name.in"
	mkfifo "$VMTEST_WORK/$name.in"
	if [ -z "$pid" ]; then
		$_VT_LINEBUF "$@" <"$VMTEST_WORK/$name.in" >"$VMTEST_WORK/$name.log" 2>&1 &
	else
		$_VT_LINEBUF nsenter -F -t "$pid" -n "$@" <"$VMTEST_WORK/$name.in" >"$VMTEST_WORK/$name.log" 2>&1 &
	fi
	echo $! > "$_VT_STATE/bg/$name"
	# Hold the fifo open for writing so the reader sees no EOF between sends.
	sleep 100000000 >"$VMTEST_WORK/$name.in" &
	echo $! > "$_VT_STATE/bg/$name.inholder"
}
# bg_send NAME TEXT: write one line to NAME's stdin fifo.
bg_send() { echo "$2" >"$VMTEST_WORK/$1.in"; }
# bg_close_in NAME: close NAME's stdin (EOF).
bg_close_in() { bg_kill "$1.inholder" KILL; }
bg_pid() { cat "$_VT_STATE/bg/$1" 2>/dev/null; }
bg_log() { echo "$VMTEST_WORK/$1.log"; }
# bg_alive NAME: true while it runs.
bg_alive() {
	local pid
	pid=$(bg_pid "$1")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}
# bg_kill NAME [SIG]: signal it (default TERM) and reap it.
bg_kill() {
	local pid
	pid=$(bg_pid "$1")
	[ -n "$pid" ] || return 0
	kill -"${2:-TERM}" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$_VT_STATE/bg/$1"
	return 0
}
# bg_wait NAME TIMEOUT: wait for it to exit; returns its status, 124 on timeout.
bg_wait() {
	local pid t=0 lim
	pid=$(bg_pid "$1")
	[ -n "$pid" ] || return 0
	lim=$(($2 * 10))
	while kill -0 "$pid" 2>/dev/null; do
		t=$((t + 1))
		[ $t -gt $lim ] && return 124
		sleep 0.1
	done
	wait "$pid"
}

# --- waiting on output -----------------------------------------------------
# wait_for_line FILE PATTERN TIMEOUT: wait until a line matches (grep -E).
wait_for_line() {
	wait_for_lines "$1" "$2" 1 "$3"
}
# wait_for_lines FILE PATTERN N TIMEOUT: wait until N lines match.
wait_for_lines() {
	local t=0 lim=$(($4 * 10))
	while [ "$(count_lines "$1" "$2")" -lt "$3" ]; do
		t=$((t + 1))
		[ $t -gt $lim ] && return 1
		sleep 0.1
	done
	return 0
}
# count_lines FILE PATTERN: number of lines matching (grep -E), 0 if no file.
count_lines() {
	local c
	c=$(grep -cE "$2" "$1" 2>/dev/null)
	echo "${c:-0}"
}
# wait_sctp_listen NS PORT TIMEOUT: wait until an SCTP endpoint listens on PORT.
wait_sctp_listen() {
	local t=0 lim=$(($3 * 10))
	until ns_exec "$1" cat /proc/net/sctp/eps 2>/dev/null |
		awk -v p="$2" 'NR > 1 && $6 == p { f = 1 } END { exit !f }'; do
		t=$((t + 1))
		[ $t -gt $lim ] && return 1
		sleep 0.1
	done
}
# sctp_assocs NS: number of SCTP associations in the namespace.
sctp_assocs() { ns_exec "$1" cat /proc/net/sctp/assocs 2>/dev/null | awk 'NR > 1' | wc -l; }

# --- cleanup ---------------------------------------------------------------
_vt_cleanup() {
	local f
	for f in "$_VT_STATE"/bg/* "$_VT_STATE"/ns/*; do
		[ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	rm -rf "$_VT_STATE"
}
trap _vt_cleanup EXIT
trap 'fail "killed (time limit?)"' TERM INT

# --- the disk bed (run.sh --disk IMG | --mkdisk SIZE) ------------------------
# /init mounts the virtio disk (/dev/vda, ext4) on $VMTEST_DISK (/mnt/disk).
# $VMTEST_BOOT is 1, and 2 when this scenario runs again after its power
# cut (/init: per scenario, whatever other scenarios of the list did).
need_disk() {
	[ -n "${VMTEST_DISK:-}" ] && grep -q " $VMTEST_DISK " /proc/mounts ||
		fail "no disk mounted (run.sh --disk IMG or --mkdisk SIZE)"
}
# Keep unsynced data in the guest's page cache until the cut: no periodic
# writeback, a long ext4 commit interval (restored by the next boot).
hold_page_cache() {
	sysctl -q -w vm.dirty_writeback_centisecs=0
	sysctl -q -w vm.dirty_expire_centisecs=360000
	mount -o remount,commit=300 "$VMTEST_DISK"
}
# powercut: run.sh kills qemu as soon as it sees this line (no flush, no
# shutdown) and boots again on the same disk; this scenario then runs again
# with VMTEST_BOOT = 2.
powercut() {
	log "cutting the power"
	echo "VMTEST-POWERCUT $VMTEST_NAME"
	sleep 600
	fail "no power cut came (run.sh without --disk?)"
}
