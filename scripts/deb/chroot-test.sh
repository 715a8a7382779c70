#!/bin/bash
# chroot-test.sh ROOTFS.tar DEB VERSION: install, run and purge DEB (an arm64
# sctpagent package) in a fresh copy of ROOTFS (a Debian 12 arm64 root
# file system) with chroot and qemu-aarch64-static, and check the file
# system before and after. Runs as root of its own user namespace
# (scripts/deb/userns.sh); arm64 binaries run through binfmt_misc: the
# host's qemu-aarch64 handler when it has one, else one registered in an
# instance of this namespace's own (Linux >= 6.7), so the host is not
# changed. Prints "ok ..." / "FAIL ..." lines; exits 1 on any failure.
set -u
TAR=$1
DEB=$2
VER=$3
W=$(mktemp -d /tmp/deb-chroot.XXXXXX)
R=$W/root
fails=0
ok() { echo "ok   $*"; }
no() { echo "FAIL $*"; fails=$((fails + 1)); }
in_root() { chroot "$R" "$@"; }
trap 'umount -l "$R/proc" "$R/dev" 2>/dev/null; rm -rf "$W"' EXIT

# --- arm64 binaries: binfmt_misc -------------------------------------------
BF=/proc/sys/fs/binfmt_misc
if ! grep -qs '^enabled' "$BF/qemu-aarch64"; then
	mount -t binfmt_misc binfmt_misc $BF 2>/dev/null || {
		echo "FAIL binfmt_misc: the host has no qemu-aarch64 handler and this kernel" \
			"($(uname -r)) gives no user namespace one of its own (Linux >= 6.7);" \
			"register it on the host: update-binfmts --enable qemu-aarch64"
		exit 1
	}
	printf '%s' ':qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:F' \
		>$BF/register
fi

mkdir -p "$R"
# device nodes cannot be made in a user namespace: the host's /dev instead
tar -xf "$TAR" -C "$R" --exclude='./dev/*' || { no "extract $TAR"; exit 1; }
mount --rbind /dev "$R/dev"
mount --bind /proc "$R/proc" 2>/dev/null || mount -t proc proc "$R/proc"
cp "$DEB" "$R/tmp/"
D=/tmp/$(basename "$DEB")

# The whole file system but the virtual ones: type, mode, owner, size,
# content (md5) of every file, target of every link.
snap() {
	(cd "$R" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o \
		-path ./tmp -o -path ./run \) -prune -o -printf '%p %y %m %u:%g %s %l\n' |
		LC_ALL=C sort >"$W/$1.list")
	(cd "$R" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o \
		-path ./tmp -o -path ./run \) -prune -o -type f -print0 | LC_ALL=C sort -z |
		xargs -0 md5sum | awk '{ print $2, $1 }' >"$W/$1.md5")
}
# Files dpkg and the shadow tools rewrite as a journal of what they did:
# logs, the previous copies of the databases (*-old) and of the account
# files (passwd-, group-, shadow-, gshadow-). Everything else must be
# byte for byte as before.
JOURNAL='^\./var/log/|^\./var/lib/dpkg/[a-z]*-old |^\./etc/(passwd|group|shadow|gshadow)- |^\./var/cache/debconf/[a-z.]*-old '
journal_only() { grep -vE "$JOURNAL" "$1"; }
snap before

# --- install ----------------------------------------------------------------
out=$(in_root dpkg -i "$D" 2>&1) && ok "dpkg -i $(basename "$DEB")" || { no "dpkg -i: $out"; exit 1; }
pw=$(in_root getent passwd sctpagent)
case "$pw" in
sctpagent:x:*:*:SCTP\ sensor\ agent*:/var/lib/sctpagent:/usr/sbin/nologin) ok "system user: $pw" ;;
*) no "system user sctpagent: '$pw'" ;;
esac
uid=$(echo "$pw" | cut -d: -f3)
[ -n "$uid" ] && [ "$uid" -lt 1000 ] && ok "uid $uid is a system uid" || no "uid '$uid' is not a system uid"
for g in gpio i2c; do
	in_root getent group $g >/dev/null && grep -qx $g "$R/var/lib/misc/sctpagent-groups" &&
		ok "group $g created and recorded for purge" || no "group $g"
done
st=$(in_root stat -c '%U:%G %a' /var/lib/sctpagent)
[ "$st" = "sctpagent:sctpagent 750" ] && ok "/var/lib/sctpagent $st" || no "/var/lib/sctpagent is $st"
[ -L "$R/etc/systemd/system/multi-user.target.wants/sctpagent.service" ] &&
	ok "unit enabled (deb-systemd-helper)" || no "unit not enabled"
cf=$(in_root dpkg-query -W -f='${Conffiles}' sctpagent | awk '{ print $1 }' | sort | tr '\n' ' ')
[ "$cf" = "/etc/modules-load.d/sctpagent.conf /etc/sctpagent/sctpagent.ini /etc/sysctl.d/60-sctpagent.conf " ] &&
	ok "conffiles: $cf" || no "conffiles: '$cf'"

# --- run (qemu-aarch64 through binfmt_misc) --------------------------------
v=$(in_root sctpagent --version 2>&1)
case "$v" in "sctpagent $VER "*"arm64"*) ok "sctpagent --version: $v" ;; *) no "--version: $v" ;; esac
c=$(in_root chroot --userspec=sctpagent:sctpagent / sctpagent --check-config /etc/sctpagent/sctpagent.ini 2>&1) &&
	ok "--check-config of the shipped file, as user sctpagent: $c" || no "--check-config: $c"
c=$(in_root sctpagent --check-config /usr/share/doc/sctpagent/examples/rpi.ini 2>&1) &&
	ok "--check-config of examples/rpi.ini" || no "--check-config rpi.ini: $c"
printf '[agent]\nname = x\nnmae = y\n' >"$R/tmp/bad.ini"
c=$(in_root sctpagent --check-config /tmp/bad.ini 2>&1)
[ $? = 1 ] && echo "$c" | grep -q "did you mean 'name'" && ok "--check-config of a bad file: exit 1, reasons" ||
	no "--check-config bad file: $c"
in_root sh -c 'zcat /usr/share/man/man8/sctpagent.8.gz | head -n 5' | grep -q '^\.TH SCTPAGENT 8' &&
	ok "man page sctpagent(8) installed" || no "man page"

# --- reinstall (configure of an upgrade), remove, purge --------------------
out=$(in_root dpkg -i "$D" 2>&1) && [ "$(in_root getent passwd sctpagent)" = "$pw" ] &&
	ok "reinstall: postinst again, same user" || no "reinstall: $out"
out=$(in_root dpkg -r sctpagent 2>&1) || no "dpkg -r: $out"
[ -f "$R/etc/sctpagent/sctpagent.ini" ] && in_root getent passwd sctpagent >/dev/null &&
	[ ! -e "$R/usr/sbin/sctpagent" ] && [ "$(readlink "$R/etc/systemd/system/sctpagent.service")" = /dev/null ] &&
	ok "remove: program gone, conffiles and user kept, unit masked" || no "remove left the wrong things"
out=$(in_root dpkg -P sctpagent 2>&1) && ok "dpkg -P sctpagent" || no "dpkg -P: $out"
snap after
if diff <(journal_only "$W/before.list") <(journal_only "$W/after.list") >"$W/list.diff" &&
	diff <(journal_only "$W/before.md5") <(journal_only "$W/after.md5") >"$W/md5.diff"; then
	ok "purge: the file system is as before ($(wc -l <"$W/before.list") entries compared;" \
		"only dpkg's and the shadow tools' journal files differ:" \
		"$(diff "$W/before.list" "$W/after.list" | grep -c '^[<>]') lines)"
else
	no "purge left or changed:"
	cat "$W/list.diff" "$W/md5.diff" | head -30
fi
[ $fails = 0 ]
