#!/bin/sh
# pcap_extract.sh SERIAL_LOG OUTDIR: write every pcap a VM scenario printed
# between "PCAP-BEGIN TAG" and "PCAP-END TAG" (pl_pcap_emit in
# tests/vm/pipeline-lib.sh, run.sh --append pipeline.pcap=1) to OUTDIR/TAG.pcap.
# Prints the file names.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 SERIAL_LOG OUTDIR" >&2; exit 2; }
mkdir -p "$2"
tr -d '\r' < "$1" | awk -v dir="$2" '
	/^PCAP-BEGIN / { tag = $2; f = dir "/" tag ".b64"; printf "" > f; next }
	/^PCAP-END / { close(f); print tag; tag = ""; next }
	tag != "" && /^[A-Za-z0-9+\/=]+$/ { print > f }
' | while read -r tag; do
	base64 -d "$2/$tag.b64" > "$2/$tag.pcap"
	rm -f "$2/$tag.b64"
	echo "$2/$tag.pcap"
done
