#!/bin/bash
# The whole test suite, as `make test` runs it:
#   unit tests natively, under qemu-arm / qemu-aarch64 (armhf, arm64 builds
#   of the same tests), and under ASan+UBSan; example configs through
#   every build's --check-config; reproducible-build check; CBOR interop
#   and a bounded fuzz run; the armhf/arm64 agents under qemu-user against
#   the reference controller over SCTP/UDP in host network namespaces
#   (tests/net); the VM scenarios on the amd64 and arm64 6.1 kernels
#   (Debian 12) and the arm64 6.12 kernel (Debian 13), in parallel.
# Ends with one line: "N passed, M failed".
#   The man pages against --help, docs/CONFIG.md and the schema; the Pi
#   defaults in board/rpi against docs/RPI.md and the VM board profile; the
#   Debian packages (lintian, install/run/purge in an arm64 root file
#   system) and the systemd unit (verify, security score).
# Usage: scripts/test.sh [all|unit|net|vm|deb]
set -u
cd "$(dirname "$0")/.."
what=${1:-all}
JOBS=${JOBS:-$(nproc)}
pass=0
fail=0
failed=()
vmfail=""

note() { printf '\n== %s\n' "$*"; }
ok() { pass=$((pass + $1)); }
bad() { fail=$((fail + $1)); failed+=("$2"); }

build() { # CONFIG [make args...]
	local cfg=$1
	shift
	make --no-print-directory -j"$JOBS" CONFIG="$cfg" "$@" >build/.log-"$cfg" 2>&1 &&
		make --no-print-directory -j"$JOBS" -f scripts/build.mk O=build/"$cfg" "$@" tests \
			>>build/.log-"$cfg" 2>&1
}

# Run every unit test binary of build/CFG, with an optional runner prefix.
run_units() { # LABEL CFG [runner...]
	local label=$1 cfg=$2 t out p f
	shift 2
	for t in build/"$cfg"/tests/unit/test_*; do
		[ -x "$t" ] && [ "${t%.o}" = "$t" ] && [ "${t%.d}" = "$t" ] || continue
		out=$("$@" "$t" 2>&1)
		rc=$?
		p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p')
		f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | head -1)
		p=${p:-0}
		f=${f:-0}
		if [ $rc -ne 0 ] && [ "$f" = 0 ]; then f=1; fi
		printf '  %-8s %-22s %3s passed %3s failed\n' "$label" "$(basename "$t")" "$p" "$f"
		ok "$p"
		if [ "$f" != 0 ]; then
			bad "$f" "$label/$(basename "$t")"
			printf '%s\n' "$out" | tail -30 | sed 's/^/    | /'
		fi
	done
}

check_examples() { # LABEL AGENT [runner...]
	local label=$1 agent=$2 ini out
	shift 2
	for ini in board/*/sctpagent.ini; do
		if out=$("$@" "$agent" --check-config "$ini" 2>&1); then
			ok 1
		else
			bad 1 "$label check-config $ini"
			printf '%s\n' "$out" | sed 's/^/    | /'
		fi
	done
	if "$@" "$agent" --check-config tests/data/bad.ini >/dev/null 2>&1; then
		bad 1 "$label bad.ini accepted"
	else
		ok 1
	fi
	printf '  %-8s example configs checked with %s\n' "$label" "$agent"
}

unit() {
	note "unit tests: host (native)"
	if build host; then
		run_units host host
		check_examples host build/host/sctpagent
	else
		bad 1 "build host"; tail -30 build/.log-host
	fi

	for a in armhf arm64; do
		note "unit tests: $a (qemu-user)"
		q=qemu-arm-static
		[ $a = arm64 ] && q=qemu-aarch64-static
		if build rpi_$a; then
			grep SIZE build/.log-rpi_$a | sed 's/^ *//;s/^/  /'
			if file build/rpi_$a/sctpagent | grep -q 'statically linked'; then
				ok 1
			else
				bad 1 "rpi_$a not static"
			fi
			run_units $a rpi_$a $q -L build/sysroot-$a
			check_examples $a build/rpi_$a/sctpagent $q
		else
			bad 1 "build rpi_$a"; tail -30 build/.log-rpi_$a
		fi
	done

	note "unit tests: host with ASan+UBSan"
	mkdir -p build/asan
	cp build/host/.config build/asan/.config 2>/dev/null
	if make --no-print-directory -j"$JOBS" -f scripts/build.mk O=build/asan SANITIZE=1 \
		tests agent >build/.log-asan 2>&1; then
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
			run_units asan asan env
		check_examples asan build/asan/sctpagent
	else
		bad 1 "build asan"; tail -30 build/.log-asan
	fi

	note "include graph of agent/ (no circles between modules)"
	if scripts/check-deps.py >build/.log-deps 2>&1; then
		ok 1
		tail -1 build/.log-deps | sed 's/^/  /'
	else
		bad 1 "include circle in agent/"
		sed 's/^/    | /' build/.log-deps
	fi

	note "reproducible build"
	if scripts/repro-check.sh rpi_arm64; then ok 1; else bad 1 "reproducible build"; fi

	for s in tests/interop/*.sh tests/fuzz/run*.sh; do
		[ -x "$s" ] || continue
		note "$s"
		log=build/.log-$(basename "$(dirname "$s")")-$(basename "$s" .sh)
		if FUZZ_TIME=${FUZZ_TIME:-30} "$s" >"$log" 2>&1; then
			ok 1
			grep -E 'passed|runs in|replayed|stat::number_of_executed' "$log" | tail -3 | sed 's/^/  /'
		else
			bad 1 "$s"
			tail -30 "$log" | sed 's/^/    | /'
		fi
	done
}

net() {
	note "userspace SCTP: ARM agents under qemu-user, host netns (tests/net)"
	for c in host rpi_armhf rpi_arm64; do	# built by unit; alone: build here
		[ -x build/$c/sctpagent ] && [ -x build/$c/ps_conformance ] ||
			build $c || { bad 1 "build $c"; return; }
	done
	if [ -f build/asan/.config ]; then	# the unit phase's sanitizer build
		make --no-print-directory -j"$JOBS" -f scripts/build.mk O=build/asan SANITIZE=1 \
			progs >build/.log-asan-progs 2>&1 || { bad 1 "build asan progs"; tail -20 build/.log-asan-progs; }
	fi
	out=$(tests/net/run.sh 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/  /'
	p=$(printf '%s\n' "$out" | grep -c '^PASS ')
	f=$(printf '%s\n' "$out" | grep -c '^FAIL ')
	ok "$p"
	[ "$f" -eq 0 ] && [ $rc -eq 0 ] || bad $((f > 0 ? f : 1)) "net"
}

docs() {
	note "man pages (tests/docs/man_sync.py)"
	if out=$(tests/docs/man_sync.py build/host/sctpagent build/host/sctpctl 2>&1); then
		ok 1
		printf '%s\n' "$out" | sed 's/^/  /'
	else
		bad 1 "man pages"
		printf '%s\n' "$out" | sed 's/^/    | /'
	fi
	note "board defaults in sync (tests/docs/board_sync.py)"
	if out=$(tests/docs/board_sync.py 2>&1); then
		ok 1
		printf '%s\n' "$out" | sed 's/^/  /'
	else
		bad 1 "board defaults"
		printf '%s\n' "$out" | sed 's/^/    | /'
	fi
}

packages() { # [--systemd-vm]
	local out p f
	note "Debian packages and the systemd unit (scripts/deb/test.sh $*)"
	out=$(scripts/deb/test.sh "$@" 2>&1)
	printf '%s\n' "$out" | sed 's/^/  /'
	p=$(printf '%s\n' "$out" | sed -n 's/^deb: \([0-9]*\) passed, [0-9]* failed$/\1/p')
	f=$(printf '%s\n' "$out" | sed -n 's/^deb: [0-9]* passed, \([0-9]*\) failed$/\1/p')
	ok "${p:-0}"
	[ "${f:-1}" = 0 ] || bad "${f:-1}" "packages"
}

vm() {
	note "VM tests (real kernel SCTP in qemu-system)"
	if [ -x tests/vm/run-all.sh ]; then
		out=$(tests/vm/run-all.sh 2>&1)
		rc=$?
		printf '%s\n' "$out"
		# "  [arm64 6.12.117+deb13-arm64] PASS    smoke (6.4s)"
		p=$(printf '%s\n' "$out" | grep -cE '^  \[(amd64|arm64)( [^]]*)?\] PASS ')
		f=$(printf '%s\n' "$out" | grep -cE '^  \[(amd64|arm64)( [^]]*)?\] (FAIL|MISSING) |^FAIL build')
		ok "$p"
		[ "$f" -eq 0 ] && [ $rc -eq 0 ] || bad $((f > 0 ? f : 1)) "vm"
		# CI shows only the tail: name every failed scenario and its reason there
		vmfail=$(printf '%s\n' "$out" | grep -E '^  \[(amd64|arm64)( [^]]*)?\] (FAIL|MISSING) |^FAIL build' | cut -c1-300)
	fi
}

mkdir -p build
# The static OpenSSL with SCTP (VM interop) builds in the background while
# the unit tests run; tests/vm/run-all.sh waits for it (cached afterwards).
if [ "$what" != unit ]; then
	nice -n 5 scripts/openssl-sctp.sh amd64 arm64 >build/.log-openssl-bg 2>&1 &
fi
case $what in
unit) unit; docs ;;
net) net ;;
vm) vm ;;
deb) packages --systemd-vm ;;
all) unit; docs; net; packages; vm ;;
*) echo "usage: $0 [all|unit|net|vm|deb]" >&2; exit 2 ;;
esac

echo
echo "suite wall time: $SECONDS s"
if [ $fail -ne 0 ]; then
	echo "failed: ${failed[*]}"
	[ -z "$vmfail" ] || printf '%s\n' "$vmfail"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
