#!/bin/bash
# Every VM scenario on every kernel, as `make test` runs them: builds the
# emulated board's static binaries (agent, reference controller, port
# conformance program) for amd64 and arm64, then boots the kernels at the
# same time, each in its own VM (or its list split over several VMs), and
# runs the scenarios in them. One line per scenario and arch+kernel:
#   "  [arm64 6.12.117+deb13-arm64] PASS    smoke (6.4s)"
# then the wall time of each VM and of the whole phase. Exit 0 only if all
# passed.
#
# Usage: tests/vm/run-all.sh [all|scenario,...]
# Environment (defaults sized for a 2-core CI machine, see README.md):
#   VM_TARGETS   arch:kernel list   (default "amd64:6.1 arm64:6.1 arm64:6.12")
#   VM_PARALLEL  VMs at a time      (default 3)
#   VM_SHARDS    VMs per target     (default 1: the whole list in one VM)
#   VM_SMP       vCPUs per VM       (default 1)
set -u
cd "$(dirname "$0")/../.."
JOBS=$(nproc)
rc=0
# The scenarios make test runs (a new one joins the list once it passes on
# every kernel); `tests/vm/run-all.sh all` runs every file but demo.
SCENARIOS="smoke loopback ps_conformance agent_loopback agent_three_ctrl
 agent_close_one agent_reconnect agent_graceful_stop interop_sctp_darn
 failover_link failover_blackhole failover_flaps failover_start_down
 failover_cell_addr failover_both_down
 failover_peers failover_steady
 pipeline_streams pipeline_capture pipeline_priority
 disk_flakey disk_powercut
 agent_signals agent_stall
 agent_logs agent_clock
 systemd_notify resolve_controller status_command reload_live reload_ctrl
 dtls_psk dtls_openssl dtls_refusals
 dtls_failover dtls_rekey
 udp_encap ps_conformance_udp interop_usrsctp interop_usrsctp_examples nat_cell
 outbox_kill outbox_powercut outbox_outage outbox_disk_full outbox_flakey"
list=$(echo $SCENARIOS | tr ' ' ,)
if [ "${1:-}" = all ]; then
	list=$(ls tests/vm/scenarios/*.sh | xargs -n1 basename | sed 's/\.sh$//' |
		grep -vE '^(demo|bench_)' | paste -sd, -)
elif [ -n "${1:-}" ]; then
	list=$1
fi
TARGETS=${VM_TARGETS:-"amd64:6.1 arm64:6.1 arm64:6.12"}
PARALLEL=${VM_PARALLEL:-3}
SHARDS=${VM_SHARDS:-1}
SMP=${VM_SMP:-1}
OUT=build/vm/run-all
rm -rf "$OUT"
mkdir -p "$OUT"
t0=$SECONDS

# OpenSSL with SCTP for the dtls_openssl interop (cached in build/; make
# test starts this build early, in the background: here it waits for it).
if ! scripts/openssl-sctp.sh amd64 arm64 >build/.log-openssl 2>&1; then
	echo "FAIL build openssl-sctp (build/.log-openssl)"
	tail -5 build/.log-openssl
	rc=1
fi

# --- binaries, once per arch -----------------------------------------------
declare -A built
for t in $TARGETS; do
	arch=${t%%:*}
	[ -z "${built[$arch]:-}" ] || continue
	cfg=qemu_$arch
	bindir=build/$cfg/vmbin
	if ! { make --no-print-directory -j"$JOBS" CONFIG=$cfg &&
		make --no-print-directory -j"$JOBS" -f scripts/build.mk O=build/$cfg progs; } \
		>build/.log-vm-$cfg 2>&1; then
		echo "FAIL build $cfg"
		tail -20 build/.log-vm-$cfg
		built[$arch]=no
		rc=1
		continue
	fi
	rm -rf "$bindir"
	mkdir -p "$bindir"
	cp build/$cfg/sctpagent.stripped "$bindir/sctpagent"
	for p in sctpctl ps_conformance notify_listen vm_stallmon; do
		[ -x build/$cfg/$p ] && cp build/$cfg/$p "$bindir/"
	done
	cp tests/vm/ctl-lib.sh "$bindir/" 2>/dev/null || :
	echo "== $arch: $(file -b $bindir/sctpagent | cut -d, -f1,2) $(file -b $bindir/sctpagent | grep -o 'statically linked')"
	built[$arch]=yes
done
echo "  build $((SECONDS - t0)) s"

# --- the VMs: one job per target and shard -----------------------------------
# shard K of N of a comma list: every Nth scenario from the Kth
shard() { echo "$1" | tr , '\n' | awk -v k="$2" -v n="$3" 'NR % n == k % n' | paste -sd, -; }
# rotate a comma list by N/D of its length: each VM starts at another
# place in the list, so the timing-sensitive runs (failover_*, pipeline_*:
# 20 ms RTOs, shaped links) of several VMs do not all fall at the same
# time on a 2-core host (the report keeps the list's order)
rotate() { echo "$1" | tr , '\n' | awk -v n="$2" -v d="$3" '{ l[NR] = $0 }
	END { s = int(NR * n / d); for (i = 0; i < NR; i++) print l[(i + s) % NR + 1] }' |
	paste -sd, -; }
jobs_list=()
ntargets=$(echo $TARGETS | wc -w)
j=0
for t in $TARGETS; do
	arch=${t%%:*}
	[ "${built[$arch]}" = yes ] || continue
	for k in $(seq 1 "$SHARDS"); do
		l=$(rotate "$(shard "$list" "$k" "$SHARDS")" $j "$ntargets")
		[ -n "$l" ] && jobs_list+=("$t $k $l")
	done
	j=$((j + 1))
done

run_job() { # i "arch:kernel shard list"
	local i=$1 t arch kser k l start
	read -r t k l <<<"$2"
	arch=${t%%:*} kser=${t#*:}
	start=$SECONDS
	tests/vm/run.sh --arch "$arch" --kernel "$kser" --bindir build/qemu_$arch/vmbin \
		--scenarios "$l" --smp "$SMP" --mkdisk 64M --timeout 2400 --scenario-timeout 300 \
		>"$OUT/$i.out" 2>&1
	echo $? >"$OUT/$i.rc"
	# the dtls_* captures of this VM, checked with the host's tshark
	if [[ ",$l," == *,dtls_* ]]; then
		local slog
		slog=$(sed -n 's/^run\.sh: booting .*, log \(.*\)$/\1/p' "$OUT/$i.out" | tail -n1)
		tests/vm/dtls_tshark.sh "$slog" "$arch $kser" >"$OUT/$i.tshark" 2>&1 ||
			echo 1 >"$OUT/$i.rc"
	fi
	echo $((SECONDS - start)) >"$OUT/$i.wall"
}

# CPU seconds of every finished child (qemu included): how CPU-bound the
# guests are, against the wall time
# (`times` of this shell, not of a subshell: no pipe, no $(...) around it)
child_cpu() {
	times >"$OUT/times"
	CPU=$(tail -n1 "$OUT/times" | awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/);
		printf "%.0f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
}
child_cpu
cpu0=$CPU
tv=$SECONDS
running=0
for i in "${!jobs_list[@]}"; do
	if [ "$running" -ge "$PARALLEL" ]; then
		wait -n
		running=$((running - 1))
	fi
	run_job "$i" "${jobs_list[$i]}" &
	running=$((running + 1))
done
wait

# --- report, target by target, in the list's order ---------------------------
kver_of() { # arch kernel: the release the VM booted (or would have)
	local d=build/vm/$1/kernel
	[ "$2" = 6.1 ] || d=build/vm/$1/kernel.$2
	cat "$d/version" 2>/dev/null || echo "$2"
}
for t in $TARGETS; do
	arch=${t%%:*} kser=${t#*:}
	[ "${built[$arch]}" = yes ] || continue
	tag="$arch $(kver_of "$arch" "$kser")"
	echo "== $tag"
	for s in $(echo "$list" | tr , ' '); do
		line=""
		for i in "${!jobs_list[@]}"; do
			read -r jt _ jl <<<"${jobs_list[$i]}"
			[ "$jt" = "$t" ] && [[ ",$jl," == *",$s,"* ]] || continue
			line=$(grep -E "^(PASS|FAIL|MISSING) +$s( |:|$)" "$OUT/$i.out" | head -n1)
		done
		echo "  [$tag] ${line:-MISSING $s}"
	done
	for i in "${!jobs_list[@]}"; do
		read -r jt k _ <<<"${jobs_list[$i]}"
		[ "$jt" = "$t" ] || continue
		grep -E '^run.sh: kernel' "$OUT/$i.out" | sed "s/^/  [$tag] /"
		[ ! -f "$OUT/$i.tshark" ] || cat "$OUT/$i.tshark"
		echo "  [$tag] wall $(cat "$OUT/$i.wall") s (VM $((k))/$SHARDS, smp $SMP)"
		if [ "$(cat "$OUT/$i.rc")" != 0 ]; then
			rc=1
			tail -40 "$OUT/$i.out" | sed 's/^/    | /'
		fi
	done
done
child_cpu
echo "  VM phase: ${#jobs_list[@]} VMs, $PARALLEL at a time, smp $SMP: wall $((SECONDS - tv)) s," \
	"CPU $((CPU - cpu0)) s on $(nproc) cores (with the build: $((SECONDS - t0)) s)"
exit $rc
