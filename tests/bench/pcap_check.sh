#!/bin/sh
# pcap_check.sh [--streams 0,3,5] [--bytes] FILE.pcap...: host-side check of
# VM captures with tshark. For each file: every SCTP DATA / I-DATA chunk must
# carry PPID 0x53414731 (1396786993) and a stream of --streams (if given).
# Prints one line per file:
#   FILE chunks=N idata_frames=N sids=0:a,3:b ppid_bad=0 sid_bad=0 pkts=N
#        ip_bytes=N init_ext=.. initack_ext=..
# (init_ext / initack_ext: the Supported Extensions chunk types of the INIT /
# INIT ACK, e.g. 64 = I-DATA offered; "-" = none listed)
# (pkts / ip_bytes: every IPv4 packet of the capture, both directions, IP
# total length summed: what the bench divides by the readings delivered).
# Exit 1 if a check failed.
set -eu
STREAMS=""
while [ $# -gt 0 ]; do
	case "$1" in
	--streams) STREAMS=$2; shift 2 ;;
	--) shift; break ;;
	-*) echo "usage: $0 [--streams LIST] FILE..." >&2; exit 2 ;;
	*) break ;;
	esac
done
command -v tshark >/dev/null || { echo "pcap_check: tshark missing (apt-get install tshark)" >&2; exit 2; }
rc=0
for f in "$@"; do
	# DATA chunk fields; a frame with several chunks gives comma lists
	chunks=$(tshark -r "$f" -Y 'sctp.data_sid || sctp.data_payload_proto_id' -T fields \
		-e sctp.data_sid -e sctp.data_payload_proto_id 2>/dev/null | awk -F'\t' '
		# tshark prints both as hex (0x0003, 0x53414731): to decimal
		function num(x,   i, v, d) {
			if (x !~ /^0[xX]/) return x + 0
			v = 0
			for (i = 3; i <= length(x); i++) {
				d = index("0123456789abcdef", tolower(substr(x, i, 1))) - 1
				v = v * 16 + d
			}
			return v
		}
		{ n = split($1, s, ","); split($2, p, ",")
		  for (i = 1; i <= n; i++) printf "%d %.0f\n", num(s[i]), num(p[i]) }')
	idata=$(tshark -r "$f" -Y 'sctp.chunk_type == 64' 2>/dev/null | wc -l)
	n=$(printf '%s\n' "$chunks" | grep -c . || :)
	sids=$(printf '%s\n' "$chunks" | awk 'NF { c[$1]++ } END { for (s in c) printf "%s:%d\n", s, c[s] }' |
		sort -n | paste -sd, -)
	ppid_bad=$(printf '%s\n' "$chunks" | awk 'NF && $2 != 1396786993' | wc -l)
	sid_bad=0
	if [ -n "$STREAMS" ]; then
		sid_bad=$(printf '%s\n' "$chunks" | awk -v ok=",$STREAMS," 'NF && index(ok, "," $1 ",") == 0' | wc -l)
	fi
	set -- $(tshark -r "$f" -Y ip -T fields -e ip.len 2>/dev/null | awk '{ n++; s += $1 } END { print n + 0, s + 0 }')
	iext=$(tshark -r "$f" -Y 'sctp.chunk_type == 1' -T fields -e sctp.supported_chunk_type 2>/dev/null | head -n1)
	aext=$(tshark -r "$f" -Y 'sctp.chunk_type == 2' -T fields -e sctp.supported_chunk_type 2>/dev/null | head -n1)
	echo "$f chunks=$n idata_frames=$idata sids=$sids ppid_bad=$ppid_bad sid_bad=$sid_bad pkts=$1 ip_bytes=$2 init_ext=${iext:--} initack_ext=${aext:--}"
	[ "$n" -gt 0 ] && [ "$ppid_bad" = 0 ] && [ "$sid_bad" = 0 ] || rc=1
done
exit $rc
