#!/bin/sh
# failover_link: the agent's Ethernet link goes down (ip link set eth0 down
# in the agent's namespace) for 3 s, then up. The agent must log link DOWN
# and move the primary to the cellular address at once (netlink), readings
# keep flowing (no loss, no dup as printed, per-stream order), and after
# link up + failback_hold_ms (2 s here) the primary returns to Ethernet.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/failover-lib.sh
log "EPOCHREALTIME='$EPOCHREALTIME'"
fo_start fl
fo_steady
sleep 2
n0=$(ctl_count ctl)
tdown=$(fo_now_ms)
link_down fa eth0
log "eth0 down"
wait_for_line "$A" 'path=eth if=eth0: link DOWN' 2 || { dump agent; fail "no 'link DOWN' in the agent log"; }
wait_for_line "$A" 'primary -> 10\.2\.0\.1:9910 \(path cell\): local link down' 2 || { dump agent; fail "no switch to cell on link down"; }
sleep 3
n1=$(ctl_count ctl)
[ $((n1 - n0)) -ge 40 ] || { dump agent ctl; fail "only $((n1 - n0)) readings in the 3 s on cell"; }
tup=$(fo_now_ms)
link_up fa eth0
log "eth0 up"
wait_for_line "$A" 'path=eth if=eth0: link up' 2 || { dump agent; fail "no 'link up' in the agent log"; }
wait_for_line "$A" 'primary -> 10\.1\.0\.1:9910 \(path eth\)' 8 || { dump agent; fail "no failback to eth"; }
tback=$(fo_now_ms)
sleep 1.5
bg_kill agent TERM
sleep 0.3
fo_ctl_stop ctl
fo_check ctl
lat=$(fo_latency ctl $((tdown - 1000)) $((tdown + 1000)))
grep -E 'link DOWN|link up|primary ->|re-sent|UNREACHABLE|PF|AVAILABLE|CONFIRMED|ALARM|WARN|ERR' "$A" | sed 's/^/  agent: /' | head -n 30
log "around link down: $lat; failback $((tback - tup)) ms after link up (hold 2000); wall $(( ($(fo_now_ms) - T0) / 1000 )) s"
grep -q 'ALARM' "$A" && { dump agent; fail "unexpected ALARM"; }
pass
