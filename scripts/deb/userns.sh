#!/bin/sh
# userns.sh CMD...: run CMD as root of a new user namespace whose ids
# 0..65535 are the host's own, with a mount namespace of its own. What it
# mounts (its own binfmt_misc instance, Linux >= 6.7) and every chroot it
# enters stay inside; the host is not changed. Needs root (the identity
# map is written by a root parent, no newuidmap needed).
set -eu
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
mkfifo "$d/go"
unshare --user --mount sh -c 'read _ <"$0"; exec "$@"' "$d/go" "$@" &
pid=$!
i=0
while [ "$(readlink /proc/$pid/ns/user 2>/dev/null)" = "$(readlink /proc/self/ns/user)" ]; do
	i=$((i + 1))
	[ $i -le 500 ] || { echo "userns: no user namespace" >&2; kill $pid; exit 1; }
	sleep 0.01
done
echo "0 0 65536" >/proc/$pid/uid_map
echo "0 0 65536" >/proc/$pid/gid_map
echo go >"$d/go"
rc=0
wait $pid || rc=$?
exit $rc
