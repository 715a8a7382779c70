# ctl-lib.sh: helpers for the agent_* / interop_* VM scenarios, on top of
# lib.sh. Source after lib.sh: `. /vmtest/lib.sh; . /vmtest/ctl-lib.sh`.
# Busybox sh/awk/sed only (no jq, no python in the VM). They rely on the
# fixed key order of sctpctl's JSON lines (tests/controller/README.md):
#   reading: {"agent":..,"controller":..,"assoc":..,"stream":..,"seq":..,
#             "sensor":..,"value":..,"unit":..,"time":..}
#   events:  {"event":"hello"|"assoc"|"reply"|"cmd"|"shutdown",...}
#   exit:    {"summary":true,...}

# agent_ini FILE NAME [STATE_DIR]: start an agent ini (append sections with
# cat >>). Each agent has its own state_dir (its outbox), by default under
# the scenario's work directory: scenarios of one boot never see each
# other's readings.
agent_ini() {
	local sd=${3:-$VMTEST_WORK/state/$2}
	mkdir -p "$(dirname "$sd")"
	cat > "$1" <<EOF
[agent]
name = $2
log_level = info
state_dir = $sd
reconnect_min_ms = 300
reconnect_max_ms = 4000
init_max_attempts = 2
init_timeout_ms = 500
shutdown_timeout_ms = 3000
EOF
}
# ini_set FILE KEY VALUE: set KEY of the [agent] section agent_ini wrote
# (replaced if there, else appended: call it before adding other sections).
ini_set() {
	if grep -q "^$2 = " "$1"; then
		sed -i "s|^$2 = .*|$2 = $3|" "$1"
	else
		echo "$2 = $3" >> "$1"
	fi
}
# ini_ctrl FILE NAME ADDR: a [controller.NAME] on port 9910.
ini_ctrl() {
	printf '[controller.%s]\naddress = %s\nport = 9910\n' "$2" "$3" >> "$1"
}
# ini_counter FILE NAME STREAM INTERVAL_MS: a simulated counter sensor 1,2,3...
ini_counter() {
	printf '[sensor.%s]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = %s\nstream = %s\nunit = count\n' \
		"$2" "$4" "$3" >> "$1"
}

# ctl_start NAME NS ADDR [sctpctl args...]: controller NAME in NS on ADDR;
# waits until it listens. Output: $(bg_log NAME).
ctl_start() {
	local name=$1 ns=$2 addr=$3
	shift 3
	bg_start "$name" "$ns" sctpctl -l "$addr" -n "$name" "$@"
	wait_sctp_listen "$ns" 9910 10 || { dump "$name"; fail "controller $name not listening"; }
}
# ctl_stop NAME: SIGTERM, wait for the summary line.
ctl_stop() {
	bg_kill "$1" TERM
	grep -q '^{"summary":true' "$(bg_log "$1")" || { dump "$1"; fail "controller $1 printed no summary"; }
}

# jget LINE KEY: the value of a number or boolean KEY of a JSON line; a
# string value is printed without its quotes (no escapes expected).
jget() {
	echo "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\).*/\1/p" | head -n1
}
# ctl_summary NAME KEY: top-level KEY of NAME's summary line.
ctl_summary() {
	local l
	l=$(grep '^{"summary":true' "$(bg_log "$1")" | tail -n1)
	jget "$(echo "$l" | sed 's/,"agents":.*//')" "$2"
}
# ctl_readings NAME [STREAM]: reading lines of NAME (of STREAM).
ctl_readings() {
	if [ -n "${2:-}" ]; then
		grep "^{\"agent\":.*\"stream\":$2,\"seq\"" "$(bg_log "$1")"
	else
		grep '^{"agent":' "$(bg_log "$1")"
	fi
}
# ctl_count NAME [STREAM]: number of reading lines.
ctl_count() { ctl_readings "$@" | wc -l; }
# ctl_seqcheck NAME STREAM: "ok N FIRST LAST" if the printed seqs of STREAM
# are strictly increasing by one (no gap, no dup, in order), else
# "bad REASON". N = lines.
ctl_seqcheck() {
	ctl_readings "$1" "$2" | awk '
	{
		if (!match($0, /"seq":[0-9]+/)) { print "bad no seq: " $0; bad = 1; exit }
		s = substr($0, RSTART + 6, RLENGTH - 6) + 0
		if (n > 0 && s != last + 1) {
			printf "bad seq %d after %d (line %d)\n", s, last, n + 1; bad = 1; exit
		}
		if (n == 0) first = s
		last = s; n++
	}
	END {
		if (bad) exit 1
		if (n == 0) { print "bad no readings"; exit 1 }
		printf "ok %d %d %d\n", n, first, last
	}'
}
# ctl_last_time NAME: wall time (ms) of NAME's last reading line, 0 if none.
ctl_last_time() {
	local l
	l=$(ctl_readings "$1" | tail -n1)
	[ -n "$l" ] && jget "$l" time || echo 0
}
# ctl_event NAME EVENT [STATE]: matching event lines.
ctl_event() {
	if [ -n "${3:-}" ]; then
		grep "^{\"event\":\"$2\".*\"state\":\"$3\"" "$(bg_log "$1")"
	else
		grep "^{\"event\":\"$2\"" "$(bg_log "$1")"
	fi
}
# now_ms: wall clock in ms (busybox date has no %N: use /proc/uptime offset
# against the controllers' clock_wall_ms is not needed; awk srand gives s).
now_ms() { echo "$(date +%s)000"; }

# ctl_exactly_once NAME [MIN_EPOCH]: "ok EPOCHS LINES" if, for every
# (epoch, stream) of NAME's reading lines (epochs >= MIN_EPOCH), the seqs
# are 1, 2, ... last, each once and in that order (bundle_count 1), and
# no gap line named anything lost; else "bad REASON". Reading lines end
# with "epoch":E (tests/controller/README.md).
ctl_exactly_once() {
	awk -v min="${2:-0}" '
	/^\{"agent":/ {
		if (!match($0, /"stream":[0-9]+,"seq":[0-9]+/)) next
		split(substr($0, RSTART, RLENGTH), a, /[:,]/)
		st = a[2] + 0; sq = a[4] + 0
		if (!match($0, /"epoch":[0-9]+\}$/)) { print "bad no epoch: " $0; bad = 1; exit }
		ep = substr($0, RSTART + 8, RLENGTH - 9) + 0
		if (ep < min) next
		k = ep "/" st
		if (sq != last[k] + 1) {
			printf "bad epoch %d stream %d: seq %d after %d\n", ep, st, sq, last[k] + 0
			bad = 1; exit
		}
		if (!(k in last)) n_es++
		last[k] = sq; lines++; eps[ep] = 1
	}
	/^\{"event":"gap"/ && !/"lost":0,/ {
		if (match($0, /"epoch":[0-9]+/) && substr($0, RSTART + 8, RLENGTH - 8) + 0 < min) next
		print "bad lost: " $0; bad = 1; exit
	}
	END {
		if (bad) exit 1
		for (e in eps) n++
		printf "ok %d %d\n", n, lines
	}' "$(bg_log "$1")"
}
# ctl_epoch_last NAME EPOCH STREAM: the highest seq of (EPOCH, STREAM) NAME
# printed (0 if none).
ctl_epoch_last() {
	grep "^{\"agent\":.*\"stream\":$3,\"seq\":.*\"epoch\":$2}\$" "$(bg_log "$1")" |
		sed -n 's/.*"seq":\([0-9]*\).*/\1/p' | tail -n1 | grep . || echo 0
}
# agent_epoch LOGFILE: the epoch an agent's run took (its outbox line).
agent_epoch() {
	sed -n 's/.*outbox: .*: epoch \([0-9]*\);.*/\1/p' "$1" | head -n1
}
# ini_slow FILE NAME STREAM INTERVAL_MS: a counter on simulated_slow, read
# on the agent's worker thread like a slow bus (1-Wire, I2C).
ini_slow() {
	printf '[sensor.%s]\ndriver = simulated_slow\nsource = counter:start=1\ninterval_ms = %s\nstream = %s\nunit = count\n' \
		"$2" "$4" "$3" >> "$1"
}
# w1_fixture ROOT ID MILLI_C: a DS18B20 as the kernel's w1_therm shows it,
# under ROOT (the driver's root=), read on the worker.
w1_fixture() {
	mkdir -p "$1/sys/bus/w1/devices/$2"
	echo "$3" > "$1/sys/bus/w1/devices/$2/temperature"
}
# ini_w1 FILE NAME STREAM INTERVAL_MS ROOT ID: a ds18b20 sensor.
ini_w1() {
	printf '[sensor.%s]\ndriver = ds18b20\nsource = id=%s,root=%s\ninterval_ms = %s\nstream = %s\nunit = Cel\n' \
		"$2" "$6" "$5" "$4" "$3" >> "$1"
}
