#!/bin/sh
# outbox_outage: the controller is away for "10 minutes" of readings (1200
# messages: 2 sensors at 1/s for 10 minutes, time compressed: at 100/s
# until 1200 are held), state_dir on ext4 on the virtio disk, the agent's
# link shaped with tbf to outage_kbit (kernel command line; 32 kbit/s:
# GPRS-class cellular; a TCG guest on a 2-core host at load 22, smp 1,
# sent only ~47 single-reading messages/s = ~40 kbit/s, so a faster link
# would measure the emulated CPU, not the replay). When the controller
# comes back it slows the sensors to 1/s (set_interval) and the agent
# replays the backlog. Asserts: every reading once, in order, nothing
# named lost; the replay's bytes on the link / its duration >= 0.8 x the
# link rate. Prints the figures; make bench (scripts/bench-outbox.sh) sets
# outage_msgs (1200) and outage_kbit.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
need_disk
D=$VMTEST_DISK/outbox_outage
rm -rf "$D"
mkdir -p "$D"
arg() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" /proc/cmdline; }
# the kernel command line may set them (make bench: a longer outage)
KBIT=$(arg outage_kbit); KBIT=${KBIT:-32}
MSGS=$(arg outage_msgs); MSGS=${MSGS:-1200}
ns_create agent
ns_create ctrl
veth_pair agent eth0 10.9.2.1/24 ctrl eth0 10.9.2.2/24
# the link: KBIT kbit/s out of the agent, a queue of 500 ms
ns_exec agent $TC qdisc replace dev eth0 root tbf rate "${KBIT}kbit" burst 3000 \
	latency 500ms || fail "tbf"
# bytes sent on the agent's eth0 (sysfs shows the VM's own namespace:
# /proc/net/dev is the reader's)
tx_bytes() { ns_exec agent cat /proc/net/dev | sed 's/:/ /' | awk '$1 == "eth0" { print $10 }'; }
INI=$VMTEST_WORK/agent.ini
agent_ini "$INI" og "$D/state"
ini_set "$INI" reconnect_min_ms 200
ini_set "$INI" reconnect_max_ms 500
ini_ctrl "$INI" c1 10.9.2.2
for s in 1 2; do ini_counter "$INI" s$s $s 10; done
bg_start agent agent sctpagent -c "$INI"
# until MSGS are held (a loaded guest samples slower than asked)
held=0 t=0
while [ "${held:-0}" -lt "$MSGS" ]; do
	t=$((t + 1))
	[ $t -gt 120 ] && { dump agent; fail "only ${held:-0} readings held after 120 s"; }
	sleep 1
	kill -USR1 "$(bg_pid agent)"
	sleep 0.2
	held=$(sed -n 's/.*readings \([0-9]*\) (.*/\1/p' "$(bg_log agent)" | tail -n1)
done
tx0=$(tx_bytes)
bg_start c1 ctrl sctpctl -l 10.9.2.2 -n c1 \
	--cmd 'set_interval s1 1000' --cmd-at 0 --cmd 'set_interval s2 1000' --cmd-at 0 \
	--cmd 'set_interval s3 1000' --cmd-at 0 --cmd 'set_interval s4 1000' --cmd-at 0
wait_sctp_listen ctrl 9910 10 || fail "controller not listening"
# until every message numbered before the controller came back is there
t=0
while [ "$(ctl_count c1)" -lt "$held" ]; do
	t=$((t + 1))
	[ $t -gt 3000 ] && { dump agent c1; fail "replay incomplete after 300 s: $(ctl_count c1) of $held"; }
	sleep 0.1
done
tx1=$(tx_bytes)
first=$(ctl_readings c1 | head -n1)
lastl=$(ctl_readings c1 | sed -n "${held}p")
ms=$(( $(jget "$lastl" rx_ms) - $(jget "$first" rx_ms) ))
[ $ms -gt 0 ] || fail "replay took no time?"
sleep 2
bg_kill agent TERM
ctl_stop c1
r=$(ctl_exactly_once c1)
case "$r" in ok*) ;; *) dump c1; fail "$r" ;; esac
bytes=$((tx1 - tx0))
rate=$(( bytes * 8 / ms ))		# kbit/s
pct=$(( rate * 100 / KBIT ))
log "OUTAGE held=$held msgs replay_ms=$ms link_bytes=$bytes rate_kbit=$rate link_kbit=$KBIT ratio_pct=$pct"
[ "$(ctl_summary c1 lost)" = 0 ] || fail "summary lost $(ctl_summary c1 lost)"
[ $pct -ge 80 ] || fail "replay at $rate kbit/s = ${pct}% of the ${KBIT} kbit/s link (< 80%)"
pass
