#!/bin/sh
# SPDX-License-Identifier: MIT
# port/posix/resolve.c (c-ares on the real loop) against dnsmasq, a
# nameserver nobody here wrote, in a network namespace of its own (only
# its loopback): A, AAAA and both; a family the name lacks; NXDOMAIN; a
# DNS change seen by the next lookup; a silent nameserver bounded by the
# timeout; a dead first nameserver with a live second one inside the
# bound; an unreachable one; lookups in parallel; cancel and destroy with
# lookups pending (built with ASan/UBSan: no leak, no bad access).
#   OUT  work directory (default build/scratch-resolve/interop)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$ROOT/build/scratch-resolve/interop}

if [ "${RESOLVE_IN_NETNS:-}" != 1 ]; then
	mkdir -p "$OUT"
	gcc -std=c11 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
		-fno-sanitize-recover=all -I"$ROOT" \
		"$ROOT/tests/interop/resolve_check.c" "$ROOT/port/posix/resolve.c" \
		"$ROOT/port/posix/loop.c" "$ROOT/port/posix/clock.c" \
		"$ROOT/port/netaddr.c" -l:libcares.a -o "$OUT/resolve_check"
	command -v dnsmasq >/dev/null || { echo "resolve_dnsmasq: dnsmasq missing (dnsmasq-base)" >&2; exit 1; }
	# root: a plain network namespace; else a user namespace with one
	if [ "$(id -u)" = 0 ]; then u="-n"; else u="-rn"; fi
	exec env RESOLVE_IN_NETNS=1 OUT="$OUT" unshare $u "$0"
fi

D=$OUT
RC=$D/resolve_check
fails=0
ip link set lo up
cat >"$D/hosts" <<H
10.1.0.2 ctl.test
10.1.0.3 dual.test
2001:db8::3 dual.test
2001:db8::6 v6.test
H
for i in 1 2 3 4 5 6 7 8 9 10; do echo "10.2.0.$i n$i.test" >>"$D/hosts"; done
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:2\n' >"$D/resolv.conf"
dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
	--addn-hosts="$D/hosts" --listen-address=127.0.0.1 --bind-interfaces \
	--port=53 --local=/test/ --user=root --group=root --pid-file="$D/dnsmasq.pid" \
	--log-facility="$D/dnsmasq.log" --log-queries &
dns=$!
trap 'kill $dns 2>/dev/null || :' EXIT
i=0
until "$RC" --conf "$D/resolv.conf" --timeout 500 ctl.test 2>/dev/null | grep -q 'status=0'; do
	i=$((i + 1))
	[ $i -lt 50 ] || { echo "resolve_dnsmasq: dnsmasq does not answer" >&2; cat "$D/dnsmasq.log" >&2; exit 1; }
	sleep 0.1
done

# check WHAT "ARGS" 'expected line (ERE, anchored)'
check() {
	what=$1 args=$2 want=$3
	# shellcheck disable=SC2086
	got=$("$RC" $args 2>&1) || { echo "FAIL $what: exit $?: $got"; fails=$((fails + 1)); return; }
	if printf '%s\n' "$got" | grep -Eq "^$want\$" && ! printf '%s\n' "$got" | grep -q BUG; then
		echo "ok   $what"
	else
		echo "FAIL $what: got '$got', want /$want/"
		fails=$((fails + 1))
	fi
}
C="--conf $D/resolv.conf --timeout 3000"
check "A" "$C ctl.test" 'ctl.test status=0 ms=[0-9]+ addrs=10.1.0.2'
check "A and AAAA" "$C dual.test" 'dual.test status=0 ms=[0-9]+ addrs=(2001:db8::3,10.1.0.3|10.1.0.3,2001:db8::3)'
check "AAAA only" "$C v6.test" 'v6.test status=0 ms=[0-9]+ addrs=2001:db8::6'
check "family 4" "$C --family 4 dual.test" 'dual.test status=0 ms=[0-9]+ addrs=10.1.0.3'
check "family 6" "$C --family 6 dual.test" 'dual.test status=0 ms=[0-9]+ addrs=2001:db8::3'
check "no A: ENODATA" "$C --family 4 v6.test" 'v6.test status=-61 ms=[0-9]+'
check "NXDOMAIN: ENOENT" "$C nope.test" 'nope.test status=-2 ms=[0-9]+'
check "numeric as it is" "$C 10.5.5.5" '10.5.5.5 status=0 ms=[0-9]+ addrs=10.5.5.5'

# a DNS change: the next lookup sees it (no cache in between)
sed -i 's/^10.1.0.2 ctl.test/10.1.0.9 ctl.test/' "$D/hosts"
kill -HUP $dns
sleep 0.3
check "DNS change" "$C ctl.test" 'ctl.test status=0 ms=[0-9]+ addrs=10.1.0.9'

# a nameserver that never answers: the bound holds (1500 ms)
printf 'nameserver 127.0.0.53\n' >"$D/silent.conf"
got=$("$RC" --conf "$D/silent.conf" --timeout 1500 --silent 127.0.0.53 ctl.test)
ms=$(printf '%s\n' "$got" | sed -n 's/.*status=-110 ms=\([0-9]*\).*/\1/p')
if [ -n "$ms" ] && [ "$ms" -ge 1450 ] && [ "$ms" -le 2500 ]; then
	echo "ok   silent nameserver: ETIMEDOUT after $ms ms (bound 1500)"
else
	echo "FAIL silent nameserver: $got"; fails=$((fails + 1))
fi

# a dead first nameserver, a live second one: answered within the bound
printf 'nameserver 127.0.0.53\nnameserver 127.0.0.1\n' >"$D/two.conf"
got=$("$RC" --conf "$D/two.conf" --timeout 3000 --silent 127.0.0.53 ctl.test)
ms=$(printf '%s\n' "$got" | sed -n 's/.*status=0 ms=\([0-9]*\) addrs=10.1.0.9$/\1/p')
if [ -n "$ms" ] && [ "$ms" -lt 3000 ]; then
	echo "ok   dead first nameserver: the second answered after $ms ms"
else
	echo "FAIL dead first nameserver: $got"; fails=$((fails + 1))
fi

# nobody listens there (ICMP port unreachable on loopback)
printf 'nameserver 127.0.0.77\n' >"$D/none.conf"
check "unreachable: ECONNREFUSED" "--conf $D/none.conf --timeout 3000 ctl.test" \
	'ctl.test status=-111 ms=[0-9]+'

# ten at once
got=$("$RC" $C n1.test n2.test n3.test n4.test n5.test n6.test n7.test n8.test n9.test n10.test)
if [ "$(printf '%s\n' "$got" | grep -c 'status=0 ms=[0-9]* addrs=10.2.0.')" = 10 ]; then
	echo "ok   ten lookups in parallel"
else
	echo "FAIL ten lookups in parallel: $got"; fails=$((fails + 1))
fi
check "cancel: no callback" "$C --cancel dual.test ctl.test" 'ctl.test status=0 ms=[0-9]+ addrs=10.1.0.9'
check "destroy with lookups pending" "--conf $D/silent.conf --silent 127.0.0.53 --destroy-pending ctl.test v6.test" \
	'destroyed with 2 pending'

if [ $fails -ne 0 ]; then
	echo "resolve_dnsmasq: $fails failed"
	exit 1
fi
echo "resolve_dnsmasq: 15 passed against dnsmasq $(dnsmasq --version | head -1 | awk '{print $3}')"
