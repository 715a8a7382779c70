#!/bin/sh
# failover_blackhole: the Ethernet link stays up but drops everything
# (netem loss 100% on both ends) for 4 s. No netlink event: SCTP alone must
# see it (T3 / heartbeat -> UNREACHABLE, or PF with pf_threshold), the agent
# moves the primary to cell; readings keep flowing without loss, dup or
# reorder. Then the loss is removed: the eth peer is AVAILABLE again and
# the primary returns to eth after failback_hold_ms (2 s).
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/failover-lib.sh
fo_start fb
fo_steady
sleep 1.5
tdown=$(fo_now_ms)
blackhole fa eth0
blackhole fc eth0
log "eth blackholed (both ends)"
wait_for_line "$A" 'peer 10\.1\.0\.1:9910 \(path eth\): (UNREACHABLE|PF)' 5 || { dump agent; fail "SCTP never reported eth UNREACHABLE/PF"; }
tdet=$(fo_now_ms)
wait_for_line "$A" 'primary -> 10\.2\.0\.1:9910 \(path cell\)' 2 || { dump agent; fail "no switch to cell"; }
sleep 3
n0=$(ctl_count ctl)
sleep 1
[ $(($(ctl_count ctl) - n0)) -ge 12 ] || { dump agent ctl; fail "readings do not flow on cell"; }
tup=$(fo_now_ms)
netem_clear fa eth0
netem_clear fc eth0
log "eth restored"
wait_for_line "$A" 'peer 10\.1\.0\.1:9910 \(path eth\): (AVAILABLE|CONFIRMED)' 6 || { dump agent; fail "eth never AVAILABLE again"; }
tav=$(fo_now_ms)
wait_for_line "$A" 'primary -> 10\.1\.0\.1:9910 \(path eth\)' 8 || { dump agent; fail "no failback to eth"; }
tback=$(fo_now_ms)
sleep 1
bg_kill agent TERM
sleep 0.3
fo_ctl_stop ctl
fo_check ctl
lat=$(fo_latency ctl $((tdown - 1000)) $((tdown + 1500)))
grep -E 'link DOWN|link up|primary ->|re-sent|UNREACHABLE|PF|AVAILABLE|CONFIRMED|ALARM|WARN|ERR' "$A" | sed 's/^/  agent: /' | head -n 30
log "detected $((tdet - tdown)) ms after the blackhole; around it: $lat; AVAILABLE $((tav - tup)) ms after restore, failback $((tback - tav)) ms after that (hold 2000); wall $(( ($(fo_now_ms) - T0) / 1000 )) s"
pass
