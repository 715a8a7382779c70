#!/bin/sh
# dtls_tshark.sh SERIAL_LOG ARCH: the host-side check of the captures the
# dtls_* scenarios printed (dtls_pcap_emit: base64 between
# "DTLSPCAP-BEGIN TAG KEYS NAME" and "DTLSPCAP-END TAG"): with tshark,
# every packet that carries a DATA chunk carries an AUTH chunk before it,
# the AUTH chunks after the handshake use shared key id >= 1 (the exporter
# key, so the kernels on both ends agreed on it), each key id 1..KEYS
# authenticates some DATA chunk the agent sent (source port not 9910;
# rekeys: the ids advance, and data kept flowing under each), and the
# sensor NAME is nowhere in clear. One line
# per capture:
# "  [ARCH] PASS dtls_tshark_TAG" or "  [ARCH] FAIL dtls_tshark_TAG: why".
set -u
log=$1 arch=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
tr -d '\r' < "$log" | awk -v dir="$dir" '
	/^DTLSPCAP-BEGIN / { tag = $2; f = dir "/" tag ".b64"; printf "" > f
		e = dir "/" tag ".exp"
		print ($3 == "" ? 1 : $3) " " ($4 == "" ? "boilerroom" : $4) > e
		close(e); next }
	/^DTLSPCAP-END / { close(f); tag = ""; next }
	tag != "" && /^[A-Za-z0-9+\/=]+$/ { print > f }'
rc=0
for b in "$dir"/*.b64; do
	[ -e "$b" ] || continue
	tag=$(basename "$b" .b64)
	p=$dir/$tag.pcap
	read -r keys name < "$dir/$tag.exp"
	base64 -d "$b" > "$p" 2>/dev/null
	why=$(tshark -r "$p" -T fields -e frame.number -e sctp.chunk_type -e sctp.shared_key_id -e sctp.srcport 2>/dev/null |
		awk -F'\t' -v keys="$keys" '
		{ n = split($2, t, ","); d = 0; a = 0
		  for (i = 1; i <= n; i++) { if (t[i] == 15 && !d) a = 1; if (t[i] == 0 || t[i] == 64) d = 1 }
		  if (d) { data++; if (!a) { print "frame " $1 ": DATA without a preceding AUTH chunk"; exit }
		           k = $3 + 0; if (k >= 1) keyed++; if ($4 != 9910) seen[k]++ } }
		END { if (!data) { print "no DATA chunk in the capture"; exit }
		      if (!keyed) { print "no DATA chunk authenticated with the exporter key (id >= 1)"; exit }
		      ids = ""
		      for (k = 1; k <= keys; k++) {
			if (!seen[k]) { printf "no DATA chunk of the agent authenticated with key id %d\n", k; exit }
			ids = ids (k > 1 ? "," : "") "id" k "=" seen[k] }
		      printf "ok %d %d %s\n", data, keyed, ids }')
	case $why in
	ok*)
		if grep -q "$name" "$p"; then
			echo "  [$arch] FAIL dtls_tshark_$tag: the sensor name '$name' is on the wire in clear"; rc=1
		else
			set -- $why
			echo "  [$arch] PASS dtls_tshark_$tag ($2 DATA packets, all with AUTH, $3 with key id >= 1; agent DATA packets per key: $4)"
		fi ;;
	*) echo "  [$arch] FAIL dtls_tshark_$tag: $why"; rc=1 ;;
	esac
done
exit $rc
