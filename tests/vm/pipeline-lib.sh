# pipeline-lib.sh: helpers for the pipeline_* and bench_bytes* VM scenarios,
# on top of lib.sh and ctl-lib.sh (source those first). Busybox sh/awk only.
#   captures:   pl_cap_start NAME NS IF FILE [FILTER], pl_cap_stop NAME,
#               pl_chunks FILE (one line per DATA/I-DATA chunk: KIND SID PPID),
#               pl_ip_bytes FILE (sum of IP lengths), pl_pcap_emit FILE TAG
#   timestamps: pl_ctl_ts NAME NS ADDR [sctpctl args]: sctpctl whose lines are
#               prefixed with the VM's uptime in ms at reception (10 ms steps)
#   stats:      pl_median (numbers on stdin, one per line)

# pl_cap_start NAME NS IF FILE [FILTER...]: tcpdump -w FILE on IF in NS
# (default filter: sctp), unbuffered; waits until it listens.
pl_cap_start() {
	local n=$1 ns=$2 ifc=$3 f=$4
	shift 4
	[ $# -gt 0 ] || set -- sctp
	command -v tcpdump >/dev/null || fail "no tcpdump in the VM image (tests/vm/mkinitramfs.sh)"
	bg_start "$n" "$ns" tcpdump -Z root -U -n -i "$ifc" -s 0 -w "$f" "$@"
	wait_for_line "$(bg_log "$n")" 'listening on' 10 || { dump "$n"; fail "tcpdump $n did not start"; }
}
# pl_cap_stop NAME: let the last packets in, stop tcpdump (SIGINT flushes).
pl_cap_stop() {
	sleep 0.3
	bg_kill "$1" INT
}
# pl_chunks FILE: "DATA|I-DATA SID PPID" per data chunk of the pcap, PPID as
# tcpdump prints it (0x53414731). tcpdump -v prints e.g.
#   1) [DATA] (B)(E) [TSN: 123] [SID: 1] [SSEQ 5] [PPID 0x53414731]
pl_chunks() {
	tcpdump -Z root -r "$1" -nn -v 2>/dev/null | awk '
	/DATA\]/ {
		n = split($0, c, /\([0-9]+\) \[/)
		for (i = 2; i <= n; i++) {
			if (c[i] !~ /^(I-)?DATA\]/) continue
			kind = (c[i] ~ /^I-DATA/) ? "I-DATA" : "DATA"
			sid = "?"; ppid = "?"
			if (match(c[i], /SID: [0-9]+/)) sid = substr(c[i], RSTART + 5, RLENGTH - 5)
			if (match(c[i], /PPID 0x[0-9a-fA-F]+/)) ppid = substr(c[i], RSTART + 5, RLENGTH - 5)
			print kind, sid, ppid
		}
	}'
}
# pl_data_pkts FILE SID: packets with at least one data chunk on stream SID.
pl_data_pkts() {
	tcpdump -Z root -r "$1" -nn -v 2>/dev/null | grep -cE "DATA\] [^,]*\[SID: $2\]"
}
# pl_pkts FILE: number of packets in the pcap.
pl_pkts() { tcpdump -Z root -r "$1" -nn 2>/dev/null | wc -l; }
# pl_ip_bytes FILE: sum of the IP total lengths of all packets (both directions).
pl_ip_bytes() {
	tcpdump -Z root -r "$1" -nn -v 2>/dev/null | awk '
	match($0, /, length [0-9]+\)/) { s += substr($0, RSTART + 9, RLENGTH - 10) }
	END { print s + 0 }'
}
# pl_pcap_emit FILE TAG: base64 of FILE on stdout (the serial console) between
# "PCAP-BEGIN TAG" and "PCAP-END TAG", only when the kernel command line has
# pipeline.pcap=1 (run.sh --append pipeline.pcap=1); tests/bench/pcap_extract.sh
# turns the console log back into files.
pl_pcap_emit() {
	grep -q 'pipeline.pcap=1' /proc/cmdline || return 0
	echo "PCAP-BEGIN $2"
	base64 "$1"
	echo "PCAP-END $2"
}
# pl_ctl_ts NAME NS ADDR [sctpctl args...]: like ctl_start, but every output
# line is prefixed with the reception time "UPTIME_MS " (/proc/uptime, 10 ms
# steps, read by one awk: no fork per line). Busybox date has no %N and
# sctpctl prints no receive time, so this is the controller's clock.
pl_ctl_ts() {
	local name=$1 ns=$2 addr=$3
	shift 3
	bg_start "$name" "$ns" sh -c 'sctpctl "$@" 2>&1 | awk "{ getline u < \"/proc/uptime\"
		close(\"/proc/uptime\"); split(u, a, \" \"); printf \"%d %s\\n\", a[1] * 1000, \$0; fflush() }"' \
		sh -l "$addr" -n "$name" "$@"
	wait_sctp_listen "$ns" 9910 10 || { dump "$name"; fail "controller $name not listening"; }
}
# pl_median: median of the numbers on stdin (one per line); empty input: -1.
pl_median() {
	sort -n | awk '{ a[NR] = $1 } END { if (!NR) { print -1; exit }
		print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'
}
