#!/bin/sh
# failover_start_down: the agent starts with eth0 down, so the association
# comes up on cell; readings flow on cell. eth0 comes up 4 s later: the
# agent moves the primary to eth (at once if the eth peer never failed in
# this association, else after failback_hold_ms = 2 s).
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
. /vmtest/failover-lib.sh
fo_start fs 10.2.0.2 'link_down fa eth0'
thello=$(fo_now_ms)
fo_primary agent fa '10\.2\.0\.1' 5 || { dump agent; fail "primary not on cell"; }
sleep 3
n0=$(ctl_count ctl)
[ "$n0" -ge 30 ] || { dump ctl agent; fail "only $n0 readings on cell"; }
tup=$(fo_now_ms)
link_up fa eth0
log "eth0 up"
wait_for_line "$A" 'primary -> 10\.1\.0\.1:9910 \(path eth\)' 10 || { dump agent; fail "never moved to eth"; }
tback=$(fo_now_ms)
sleep 1.5
bg_kill agent TERM
sleep 0.3
fo_ctl_stop ctl
fo_check ctl
grep -E 'link|primary ->|re-sent|UNREACHABLE|PF|AVAILABLE|CONFIRMED|ALARM|WARN|ERR|association up' "$A" | sed 's/^/  agent: /' | head -n 30
why=$(grep 'primary -> 10\.1\.0\.1' "$A" | tail -n1 | sed 's/.*(path eth): //')
log "moved to eth $((tback - tup)) ms after link up ($why); wall $(( ($(fo_now_ms) - T0) / 1000 )) s"
pass
