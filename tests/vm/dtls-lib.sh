# dtls-lib.sh: helpers for the dtls_* VM scenarios, on top of lib.sh and
# ctl-lib.sh. Credentials are the test fixtures of tests/data/dtls
# (copied to /vmtest/dtls by mkinitramfs.sh); git does not keep modes, so
# dtls_creds copies them to DIR with the modes the agent insists on.

# dtls_creds DIR: fixtures into DIR, keys 0600, certificates 0644.
dtls_creds() {
	mkdir -p "$1"
	cp /vmtest/dtls/* "$1/"
	chmod 600 "$1"/*.key "$1"/*.hex
	chmod 644 "$1"/*.pem
}
# ini_psk FILE IDENTITY KEYFILE [extra lines]: a [security] dtls-psk section.
ini_psk() {
	printf '[security]\nmode = dtls-psk\npsk_identity = %s\npsk_key_file = %s\nhandshake_timeout_ms = 3000\n' \
		"$2" "$3" >> "$1"
}
# ini_cert FILE DIR CERT KEY [HS_MS]: a [security] dtls-cert section (CA =
# DIR/ca.pem), handshake timeout HS_MS (default 3000).
ini_cert() {
	printf '[security]\nmode = dtls-cert\nca_file = %s/ca.pem\ncert_file = %s\nkey_file = %s\nhandshake_timeout_ms = %s\n' \
		"$2" "$3" "$4" "${5:-3000}" >> "$1"
}
# psk_table FILE IDENTITY HEXFILE...: sctpctl's identity -> key table.
psk_table() {
	local f=$1 id=$2
	shift 2
	: > "$f"
	for k in "$@"; do printf '%s %s\n' "$id" "$(cat "$k")" >> "$f"; id="$id-x"; done
	chmod 600 "$f"
}
# dtls_cap_check PCAP NAME: every packet with a DATA chunk also carries an
# AUTH chunk before it, and NAME (a sensor name) is nowhere in the bytes.
# Prints "ok DATA_PKTS" or "bad REASON".
dtls_cap_check() {
	local bad txt=$VMTEST_WORK/.capcheck.txt
	tcpdump -Z root -r "$1" -nn -v >"$txt" 2>/dev/null
	bad=$(awk '
		/DATA\]/ { n++; a = index($0, "[AUTH]"); d = index($0, "DATA]")
			# tcpdump 4.99 names AUTH (chunk type 15) "Unknown chunk type: 0xf"
			if (!a) a = index($0, "[Unknown chunk type: 0xf]")
			if (!a || a > d) { print "packet without AUTH before DATA: " $0; exit } }
		END { if (!n) print "no DATA chunk captured" }' "$txt")
	[ -z "$bad" ] || { echo "bad $bad"; return; }
	if grep -q "$2" "$1"; then echo "bad plaintext '$2' on the wire"; return; fi
	echo "ok $(grep -c 'DATA\]' "$txt")"
}
# dtls_pcap_emit FILE TAG [KEYS [NAME]]: the capture to the console
# (base64) for the host's tshark check (tests/vm/dtls_tshark.sh), always
# (small files). KEYS (default 1): SCTP-AUTH key ids 1..KEYS must each
# authenticate DATA chunks in it (rekeys); NAME (default boilerroom): a
# sensor name that must not be on the wire in clear.
dtls_pcap_emit() {
	echo "DTLSPCAP-BEGIN $2 ${3:-1} ${4:-boilerroom}"
	base64 "$1"
	echo "DTLSPCAP-END $2"
}
# dtls_summary NAME KEY: KEY of the "dtls" member of sctpctl NAME's summary.
dtls_summary() {
	grep '^{"summary":true' "$(bg_log "$1")" | tail -n1 |
		sed -n 's/.*"dtls":{\([^}]*\)}.*/\1/p' | tr ',' '\n' |
		sed -n "s/^\"$2\":\([0-9]*\)$/\1/p"
}
# agent_dtls_status AGENT: SIGUSR1, then the agent's last "DTLS:" status
# line (counters).
agent_dtls_status() {
	local n
	n=$(count_lines "$(bg_log "$1")" 'DTLS: .*handshakes')
	kill -USR1 "$(bg_pid "$1")" 2>/dev/null
	wait_for_lines "$(bg_log "$1")" 'DTLS: .*handshakes' $((n + 1)) 5 >/dev/null
	grep 'DTLS: .*handshakes' "$(bg_log "$1")" | tail -n1
}
