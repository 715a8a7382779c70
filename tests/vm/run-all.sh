#!/bin/bash
# Every VM scenario on both kernels, as `make test` runs them: builds the
# emulated board's static binaries (agent, reference controller, port
# conformance program) for amd64 and arm64, boots each kernel once and runs
# all scenarios in it. One line per scenario and arch; exit 0 only if all
# passed. Usage: tests/vm/run-all.sh [scenario,...]
set -u
cd "$(dirname "$0")/../.."
JOBS=$(nproc)
rc=0
# The scenarios make test runs (a new one joins the list once it passes on
# both kernels); `tests/vm/run-all.sh all` runs every file but demo.
SCENARIOS="smoke loopback ps_conformance agent_loopback agent_three_ctrl
 agent_close_one agent_reconnect agent_graceful_stop interop_sctp_darn
 failover_link failover_blackhole failover_flaps failover_start_down
 failover_cell_addr failover_both_down
 pipeline_streams pipeline_capture pipeline_priority
 udp_encap ps_conformance_udp interop_usrsctp interop_usrsctp_examples nat_cell"
list=$(echo $SCENARIOS | tr ' ' ,)
if [ "${1:-}" = all ]; then
	list=$(ls tests/vm/scenarios/*.sh | xargs -n1 basename | sed 's/\.sh$//' |
		grep -vE '^(demo|bench_)' | paste -sd, -)
elif [ -n "${1:-}" ]; then
	list=$1
fi

for arch in amd64 arm64; do
	cfg=qemu_$arch
	bindir=build/$cfg/vmbin
	if ! { make --no-print-directory -j"$JOBS" CONFIG=$cfg &&
		make --no-print-directory -j"$JOBS" -f scripts/build.mk O=build/$cfg progs; } \
		>build/.log-vm-$cfg 2>&1; then
		echo "FAIL build $cfg"
		tail -20 build/.log-vm-$cfg
		rc=1
		continue
	fi
	rm -rf "$bindir"
	mkdir -p "$bindir"
	cp build/$cfg/sctpagent.stripped "$bindir/sctpagent"
	for p in sctpctl ps_conformance; do
		[ -x build/$cfg/$p ] && cp build/$cfg/$p "$bindir/"
	done
	cp tests/vm/ctl-lib.sh "$bindir/" 2>/dev/null || :
	echo "== $arch: $(file -b $bindir/sctpagent | cut -d, -f1,2) $(file -b $bindir/sctpagent | grep -o 'statically linked')"
	start=$SECONDS
	out=$(tests/vm/run.sh --arch $arch --bindir "$bindir" --scenarios "$list" \
		--timeout 1500 --scenario-timeout 150 2>&1)
	r=$?
	printf '%s\n' "$out" | grep -E '^(PASS|FAIL|MISSING)|kernel|time' | sed "s/^/  [$arch] /"
	[ $r -eq 0 ] || { rc=1; printf '%s\n' "$out" | tail -40 | sed 's/^/    | /'; }
	echo "  [$arch] wall $((SECONDS - start)) s"
done
exit $rc
