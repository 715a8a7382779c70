#!/bin/bash
# The packages and the unit as `make test` checks them:
#   unit     systemd-analyze verify on the unit as installed (the package
#            tree as root: the binary and the man pages are where it says)
#            and systemd-analyze security: the exposure score is printed
#            and must not exceed MAX_EXPOSURE (below);
#   build    `make deb` (scripts/deb/build.sh): armhf, arm64, amd64;
#   lintian  --pedantic, info tags included: no tag but the overrides;
#   armhf    the armhf agent from its package under qemu-arm-static;
#   sctpctl  the controller from its package;
#   arm64    install, run, reinstall, remove and purge in a Debian 12 arm64
#            root file system (mmdebstrap, cached) with chroot and
#            qemu-aarch64-static: scripts/deb/chroot-test.sh;
#   systemd  with --systemd-vm (`make deb-test`): the amd64 packages under
#            a real systemd in a VM (postinst, readiness, status, reload,
#            watchdog, the sandbox from inside): scripts/deb/systemd-vm.sh.
#            Not in `make test`: 2-6 minutes of emulated CPU on a loaded
#            2-core machine, beyond this phase's share of the budget.
# Ends with "deb: N passed, M failed". Usage: scripts/deb/test.sh [--systemd-vm]
set -u
cd "$(dirname "$0")/../.."
D=scripts/deb
OUT=build/deb
V=$(cat VERSION)
SYSTEMD_VM=
[ "${1:-}" = --systemd-vm ] && SYSTEMD_VM=1
pass=0
fails=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
no() { echo "FAIL $*"; fails=$((fails + 1)); }
phase() { printf '\n-- %s\n' "$*"; T0=$SECONDS; }
took() { echo "   ($((SECONDS - T0)) s)"; }

# The unit's exposure (systemd-analyze security, 0 = best, 10 = worst).
# 1.5 with systemd 252. What keeps it from lower is what the agent needs
# and every item is argued in the unit: the network (AF_INET/AF_INET6,
# AF_NETLINK, AF_UNIX; no PrivateNetwork, no IP allow list: controllers
# are anywhere), GPIO/I2C devices (no PrivateDevices; a device ACL
# instead), the gpio/i2c groups (no PrivateUsers). 2.0 leaves room for
# rounding between systemd versions and fails when any one group of
# protections goes (the system call filter alone is worth 0.2, the file
# system protections more).
MAX_EXPOSURE=2.0

# The two root file systems (cached by their package lists) are built in
# the background while the lighter checks run: on a clean clone they are
# most of this phase's time (mmdebstrap; the arm64 one under qemu-user).
if [ "$(id -u)" = 0 ]; then AS_ROOT=; else AS_ROOT=sudo; fi
PKGS="adduser,init-system-helpers"
MIRROR=http://deb.debian.org/debian
key=$(echo "bookworm arm64 essential $PKGS $MIRROR $(mmdebstrap --version)" | md5sum | cut -c1-12)
ROOTFS=$OUT/rootfs/bookworm-arm64-$key.tar
mkdir -p $OUT/rootfs
TR=$SECONDS
if [ ! -f "$ROOTFS" ]; then
	rm -f $OUT/rootfs/bookworm-arm64-*.tar
	echo "building $ROOTFS in the background (mmdebstrap, once; cached by its package list)"
	{ $AS_ROOT $D/userns.sh $D/mmdebstrap.sh "$ROOTFS.tmp" "$PKGS" "$MIRROR" >$OUT/rootfs/log 2>&1 &&
		mv "$ROOTFS.tmp" "$ROOTFS" && echo "$((SECONDS - TR))" >$OUT/rootfs/time-arm64; } &
	BG_ARM64=$!
fi
if [ -n "$SYSTEMD_VM" ] && [ "$(dpkg --print-architecture)" = amd64 ]; then
	$D/systemd-vm.sh $OUT --rootfs >$OUT/rootfs/log-systemd-vm 2>&1 &
	BG_AMD64=$!
fi

phase "packages: build (make deb)"
if $D/build.sh $OUT armhf arm64 "$(dpkg --print-architecture)"; then ok "build"; else no "build"; fi
if [ "$($D/build.sh "$OUT/again" arm64 >/dev/null 2>&1 && cmp "$OUT/again/sctpagent_${V}_arm64.deb" "$OUT/sctpagent_${V}_arm64.deb" && echo same)" = same ]; then
	ok "reproducible: a second build gives the same sctpagent_${V}_arm64.deb"
else
	no "two builds of sctpagent_${V}_arm64.deb differ"
fi
rm -rf "$OUT/again"
took
A64=$OUT/sctpagent_${V}_arm64.deb
AHF=$OUT/sctpagent_${V}_armhf.deb
CTL=$OUT/sctpctl_${V}_$(dpkg --print-architecture).deb
TREE=$OUT/sctpagent_${V}_arm64

phase "systemd unit: verify and security"
# verify with the host's systemd (its targets, /bin/kill, man): the unit
# as packaged but for ExecStart= pointing at the packaged binary where it
# is, and man finding the packaged man pages (Documentation=)
X=$(mktemp -d)
sed "s|/usr/sbin/sctpagent|$PWD/$TREE/usr/sbin/sctpagent|" $D/sctpagent.service >"$X/sctpagent.service"
out=$(MANPATH="$PWD/$TREE/usr/share/man" systemd-analyze verify "$X/sctpagent.service" 2>&1)
if [ $? = 0 ] && [ -z "$out" ]; then
	ok "systemd-analyze verify: no warning (ExecStart=, ExecReload=, Documentation=, every setting)"
else
	no "systemd-analyze verify: $out"
fi
rm -rf "$X"
sec=$(systemd-analyze security --offline=yes --root="$TREE" sctpagent.service 2>&1)
score=$(printf '%s\n' "$sec" | sed -n 's/.*Overall exposure level for sctpagent.service: \([0-9.]*\) .*/\1/p')
echo "   systemd-analyze security: exposure $score (threshold $MAX_EXPOSURE); not set:"
printf '%s\n' "$sec" | grep '^✗' | sed 's/  */ /g; s/^/     /'
if [ -n "$score" ] && awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }'; then
	ok "exposure $score <= $MAX_EXPOSURE"
else
	no "exposure '${score}' above $MAX_EXPOSURE"
fi
took

phase "packages: lintian"
out=$(lintian --pedantic -I "$A64" "$AHF" "$CTL" $OUT/sctpagent_${V}_$(dpkg --print-architecture).deb 2>&1 |
	grep -v 'running with root privileges')
if [ -z "$out" ]; then
	ok "lintian --pedantic -I: clean ($(cat $D/*.lintian-overrides | grep -c '^[a-z]') overrides, each argued)"
else
	no "lintian:"
	printf '%s\n' "$out" | sed 's/^/     /'
fi
took

phase "packages: armhf agent and the controller"
X=$(mktemp -d)
dpkg-deb -x "$AHF" "$X/hf" && dpkg-deb -x "$CTL" "$X/ctl"
v=$(qemu-arm-static "$X/hf/usr/sbin/sctpagent" --version 2>&1)
case "$v" in "sctpagent $V "*armhf*) ok "armhf: $v" ;; *) no "armhf --version: $v" ;; esac
c=$(qemu-arm-static "$X/hf/usr/sbin/sctpagent" --check-config "$X/hf/etc/sctpagent/sctpagent.ini" 2>&1) &&
	ok "armhf: --check-config of the shipped file" || no "armhf --check-config: $c"
"$X/ctl/usr/sbin/sctpctl" --help | grep -q '^usage: sctpctl' && ok "sctpctl --help from its package" ||
	no "sctpctl --help"
rm -rf "$X"
took

phase "packages: arm64 install, run, purge in a Debian 12 root file system"
if [ -n "${BG_ARM64:-}" ]; then
	wait $BG_ARM64
	if [ -f "$ROOTFS" ]; then
		echo "   rootfs built in $(cat $OUT/rootfs/time-arm64) s ($(du -h "$ROOTFS" | cut -f1))"
	else
		no "mmdebstrap (log $OUT/rootfs/log)"
		tail -15 $OUT/rootfs/log | sed 's/^/     /'
	fi
fi
if [ -f "$ROOTFS" ]; then
	out=$($AS_ROOT $D/userns.sh $D/chroot-test.sh "$ROOTFS" "$A64" "$V" 2>&1)
	printf '%s\n' "$out" | sed 's/^/  /'
	pass=$((pass + $(printf '%s\n' "$out" | grep -c '^ok ')))
	n=$(printf '%s\n' "$out" | grep -c '^FAIL')
	[ "$n" = 0 ] && printf '%s\n' "$out" | grep -q '^ok   purge' || fails=$((fails + (n > 0 ? n : 1)))
fi
took

if [ -n "$SYSTEMD_VM" ]; then
phase "packages: under systemd in a VM (amd64)"
if [ "$(dpkg --print-architecture)" = amd64 ]; then
	wait $BG_AMD64
	sed 's/^/  /' $OUT/rootfs/log-systemd-vm
	out=$($D/systemd-vm.sh $OUT 2>&1)
	printf '%s\n' "$out" | sed 's/^/  /'
	p=$(printf '%s\n' "$out" | sed -n 's/^systemd-vm: \([0-9]*\) passed, [0-9]* failed$/\1/p')
	f=$(printf '%s\n' "$out" | sed -n 's/^systemd-vm: [0-9]* passed, \([0-9]*\) failed$/\1/p')
	pass=$((pass + ${p:-0}))
	fails=$((fails + ${f:-1}))
else
	echo "   (the VM test boots the amd64 packages; this machine is $(dpkg --print-architecture))"
fi
took
fi

echo
echo "deb: phase $SECONDS s"
echo "deb: $pass passed, $fails failed"
[ $fails = 0 ]
