#!/bin/sh
# ps_conformance: the port/sctp.h conformance suite (tests/conformance)
# against kernel SCTP on lo (127.0.0.1 and 127.0.0.2), built statically
# with port/lksctp and put in the bed's BINDIR. A "sink" namespace behind
# a veth whose egress drops everything keeps an association CONNECTING
# (INIT never answered) for the EOF / ABORT checks.
. /vmtest/lib.sh

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
command -v ps_conformance >/dev/null || fail "ps_conformance not in BINDIR"
out=$VMTEST_WORK/ps_conformance.out
ns_create sink
veth_pair - vsink 10.99.0.1/24 sink eth0 10.99.0.2/24
netem sink eth0 loss 100%
CONF_SINK=10.99.0.2 CONF_SINK_LOCAL=10.99.0.1 ps_conformance > "$out" 2>&1
rc=$?
cat "$out"
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n1)
[ -n "$summary" ] || fail "no summary (exit $rc)"
[ $rc = 0 ] || fail "$summary: $(grep '^not ok' "$out" | head -n3 | tr '\n' ';')"
pass
