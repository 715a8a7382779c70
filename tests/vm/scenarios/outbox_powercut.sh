#!/bin/sh
# outbox_powercut: the VM itself killed (qemu terminated: the guest's page
# cache is gone) while the agent writes readings its controller (down)
# never acknowledged, state_dir on ext4 on the virtio disk; booted again on
# the same image. Start-up succeeds; every reading taken more than the sync
# interval (1 s, + 0.5 s for a loaded TCG guest) before the cut arrives,
# each once, in order; nothing is named lost.
. /vmtest/lib.sh
. /vmtest/ctl-lib.sh
need_disk
D=$VMTEST_DISK/outbox_powercut
INI=$VMTEST_WORK/agent.ini
mkini() {
	agent_ini "$INI" pc "$D/state"
	ini_set "$INI" sync_interval_ms 1000
	ini_ctrl "$INI" c1 10.9.1.2
	ini_counter "$INI" fast 1 20
}
net() {
	ns_create agent
	ns_create ctrl
	veth_pair agent eth0 10.9.1.1/24 ctrl eth0 10.9.1.2/24
}
case $VMTEST_BOOT in
1)
	rm -rf "$D"
	mkdir -p "$D"
	# the cut's time goes to the device with O_DIRECT: no journal
	# commit, so nothing else reaches the disk through it
	dd if=/dev/zero of="$D/cut" bs=4096 count=1 2>/dev/null
	sync
	hold_page_cache
	net
	mkini
	bg_start agent agent sctpagent -c "$INI"
	sleep 6
	check "the agent runs" bg_alive agent
	# the seconds of the cut, rounded down: the threshold only gets lower
	printf '%-4096s' "$(date +%s)" | dd of="$D/cut" bs=4096 count=1 oflag=direct \
		conv=notrunc 2>/dev/null || fail "O_DIRECT write of the cut time"
	powercut
	;;
*)
	cut=$(tr -d ' \000' < "$D/cut")
	[ -n "$cut" ] || fail "no cut time on the disk"
	net
	mkini
	ctl_start c1 ctrl 10.9.1.2
	bg_start agent agent sctpagent -c "$INI"
	wait_for_line "$(bg_log agent)" 'outbox: .*: epoch [0-9]*;' 20 ||
		{ dump agent; fail "the agent did not start after the cut"; }
	e1=$(( $(agent_epoch "$(bg_log agent)") - 1 ))
	# the old run's readings, then the new one's: until it settles
	wait_for_lines "$(bg_log c1)" "\"epoch\":$((e1 + 1))}" 20 30 ||
		{ dump agent c1; fail "no readings of the new run"; }
	sleep 2
	r=$(ctl_exactly_once c1 "$e1")
	case "$r" in ok*) ;; *) dump c1; fail "$r" ;; esac
	last=$(ctl_readings c1 1 | grep "\"epoch\":$e1}" | tail -n1)
	[ -n "$last" ] || fail "nothing of the run before the cut arrived"
	t_last=$(jget "$last" time)
	need=$(( cut * 1000 - 1500 ))
	log "cut at ${cut}000 ms: the last reading that survived was taken at $t_last" \
	    "($(( cut * 1000 - t_last )) ms before; $(jget "$last" seq) readings of epoch $e1)"
	[ "$t_last" -ge "$need" ] ||
		fail "readings taken up to $(( cut * 1000 - t_last )) ms before the cut were lost (sync interval 1000 ms)"
	grep -q "recovery\|recovered" "$(bg_log agent)" || :
	bg_kill agent TERM
	ctl_stop c1
	[ "$(ctl_summary c1 lost)" = 0 ] || fail "summary lost $(ctl_summary c1 lost)"
	rm -rf "$D"
	sync
	pass
	;;
esac
