#!/bin/sh
# resolve_controller: controllers given by host name, resolved by the
# agent (c-ares) against dnsmasq on the controller's side, through the
# VM's /etc/resolv.conf:
#   c1 = ctl.vmtest (A): connects; then DNS moves the name to another
#        address, the old controller dies, and the reconnect goes to the
#        new address ("moved" in the log);
#   c2 = dual.vmtest (A + AAAA over two links): one association to both;
#   c3 = ghost.vmtest: NXDOMAIN, logged per attempt with the name and the
#        reason, retried with backoff, harmless to the others;
#   then the nameserver dies: the next reconnect of c1 uses the name's
#   last addresses.
. /vmtest/lib.sh
if [ -f /vmtest/ctl-lib.sh ]; then . /vmtest/ctl-lib.sh; else . /bin/ctl-lib.sh; fi

[ -d /proc/net/sctp ] || fail "/proc/net/sctp missing (no kernel SCTP)"
W=$VMTEST_WORK
ns_create agent
ns_create ctrl
veth_pair agent eth0 10.1.0.1/24 ctrl eth0 10.1.0.2/24
addr_add ctrl eth0 10.1.0.3/24
addr_add ctrl eth0 10.1.0.4/24
veth_pair agent eth1 - ctrl eth1 -
ns_exec agent $IP -6 addr add fd00:2::1/64 dev eth1 nodad
ns_exec ctrl $IP -6 addr add fd00:2::4/64 dev eth1 nodad

printf '10.1.0.2 ctl.vmtest\n10.1.0.4 dual.vmtest\nfd00:2::4 dual.vmtest\n' >"$W/hosts"
bg_start dns ctrl dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
	--no-hosts --addn-hosts="$W/hosts" --listen-address=10.1.0.2 --bind-interfaces \
	--local=/vmtest/ --user=root --group=root --pid-file="$W/dns.pid" --log-facility=- \
	--log-queries
[ -f /etc/resolv.conf ] && cp /etc/resolv.conf "$W/resolv.conf.saved"
printf 'nameserver 10.1.0.2\noptions timeout:1 attempts:2\n' >/etc/resolv.conf
restore() {
	if [ -f "$W/resolv.conf.saved" ]; then
		cp "$W/resolv.conf.saved" /etc/resolv.conf
	else
		rm -f /etc/resolv.conf
	fi
}
no() { dump "$@"; restore; }
wait_for_line "$(bg_log dns)" 'started, version' 10 || { no dns; fail "dnsmasq did not start"; }

INI=$W/agent.ini
agent_ini $INI rs
printf 'resolve_timeout_ms = 2000\n' >>$INI
printf '[path.eth]\ninterface = eth0\naddress = 10.1.0.1\npriority = 10\n' >>$INI
printf '[path.v6]\ninterface = eth1\naddress = fd00:2::1\npriority = 20\n' >>$INI
ini_ctrl $INI c1 ctl.vmtest@eth
ini_ctrl $INI c2 dual.vmtest
ini_ctrl $INI c3 ghost.vmtest
ini_counter $INI temp 1 200
ctl_start ctlA ctrl 10.1.0.2
ctl_start ctlD ctrl 10.1.0.4,fd00:2::4
bg_start agent agent sctpagent -f -c $INI
A=$(bg_log agent)
wait_for_line "$(bg_log ctlA)" '^\{"event":"hello"' 15 || { no agent dns; fail "c1 (ctl.vmtest) never connected"; }
wait_for_line "$(bg_log ctlD)" '^\{"event":"hello"' 15 || { no agent dns; fail "c2 (dual.vmtest) never connected"; }
grep -q "ctrl=c1: 'ctl.vmtest' is 10.1.0.2" "$A" || { no agent; fail "no lookup line for ctl.vmtest"; }
grep -qE "ctrl=c2: 'dual.vmtest' is (10.1.0.4, fd00:2::4|fd00:2::4, 10.1.0.4)" "$A" ||
	{ no agent; fail "dual.vmtest: want its A and AAAA"; }
grep -q "ctrl=c2 .*connecting to 2 addresses" "$A" || { no agent; fail "c2 not connected to both addresses"; }
# the association of c2 knows both peer addresses (two families, two
# links; /proc writes IPv6 in full)
ns_exec agent cat /proc/net/sctp/assocs >"$W/assocs"
grep '<->.*10\.1\.0\.4' "$W/assocs" | grep -q '<->.*fd00:0002:0000:0000:0000:0000:0000:0004' ||
	{ cat "$W/assocs"; restore; fail "c2's association lacks a peer address"; }
wait_for_lines "$A" "ctrl=c3: 'ghost.vmtest' does not resolve: no such host name \(NXDOMAIN\)" 2 10 ||
	{ no agent dns; fail "ghost.vmtest: want an NXDOMAIN line per attempt"; }

# DNS moves ctl.vmtest; the old controller dies; the reconnect follows
sed -i 's/^10.1.0.2 ctl.vmtest/10.1.0.3 ctl.vmtest/' "$W/hosts"
kill -HUP "$(bg_pid dns)"
sleep 0.3
ctl_start ctlB ctrl 10.1.0.3
sleep 0.3
bg_kill ctlA KILL
wait_for_line "$(bg_log ctlB)" '^\{"event":"hello"' 15 || { no agent ctlB dns; fail "c1 did not follow the DNS change"; }
grep -q "ctrl=c1: 'ctl.vmtest' moved: 10.1.0.3 (was 10.1.0.2)" "$A" || { no agent; fail "no 'moved' line"; }
wait_for_line "$(bg_log ctlB)" '^\{"agent":"rs"' 10 || { no ctlB; fail "no readings at the new address"; }

# the nameserver dies: c1's next reconnect keeps the last addresses
bg_kill dns KILL
bg_kill ctlB KILL
sleep 0.5
ctl_start ctlC ctrl 10.1.0.3
wait_for_line "$(bg_log ctlC)" '^\{"event":"hello"' 20 || { no agent ctlC; fail "no reconnect through the DNS outage"; }
grep -qE "ctrl=c1: 'ctl.vmtest' does not resolve: .*; using its last addresses 10.1.0.3" "$A" ||
	{ no agent; fail "no 'using its last addresses' line"; }
bg_alive agent || { no agent; fail "agent died"; }
n3=$(count_lines "$A" "'ghost.vmtest' does not resolve")
bg_kill agent TERM
restore
log "c1 followed ctl.vmtest 10.1.0.2 -> 10.1.0.3 and kept it through a DNS outage; c2 on A+AAAA; ghost.vmtest NXDOMAIN x$n3"
pass
