#!/bin/sh
# ps_conformance_udp: the port/sctp.h conformance suite on kernel SCTP
# over UDP (RFC 6951): every peer address (127.0.0.1, 127.0.0.2) has UDP
# port 9899, listeners accept SCTP over UDP, in a namespace of its own
# (net.sctp.udp_port is per namespace). tcpdump on lo: the suite's
# associations are SCTP-in-UDP only, no native SCTP between the two.
. /vmtest/lib.sh
. /vmtest/pipeline-lib.sh
[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
command -v ps_conformance >/dev/null || fail "ps_conformance not in BINDIR"
ns_create pc
ns_exec pc $IP addr add 127.0.0.2/8 dev lo
pl_cap_start cap pc lo $VMTEST_WORK/lo.pcap 'ip proto 132 or udp port 9899'
out=$VMTEST_WORK/ps_conformance.out
ns_exec pc ps_conformance --transport kernel --encap 9899 > "$out" 2>&1
rc=$?
pl_cap_stop cap
cat "$out"
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n1)
[ -n "$summary" ] || fail "no summary (exit $rc)"
[ $rc = 0 ] || fail "$summary: $(grep '^not ok' "$out" | head -n3 | tr '\n' ';')"
native=$(tcpdump -Z root -r $VMTEST_WORK/lo.pcap -nn 'ip proto 132 and src net 127.0.0.0/8 and dst net 127.0.0.0/8' 2>/dev/null | wc -l)
udp=$(tcpdump -Z root -r $VMTEST_WORK/lo.pcap -nn 'udp port 9899' 2>/dev/null | wc -l)
log "on lo: $udp SCTP-in-UDP packets, $native native SCTP"
[ "$native" = 0 ] && [ "$udp" -gt 50 ] || fail "wire: $native native SCTP, $udp UDP packets"
pass
