#!/bin/bash
# size-report (part of make bench): the stripped static agent of every
# defconfig with both SCTP ports (the defconfigs' choice) and with the
# kernel port only (CONFIG_PORT_USRSCTP off), built out of tree in
# build/size/; prints a table and the cost of the userspace stack.
# Usage: scripts/size-report.sh [defconfig name...]
set -u
declare -A sz
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
names=${*:-$(ls board/*/*_defconfig | xargs -n1 basename | sed 's/_defconfig$//' | sort)}
echo "| defconfig | arch | both ports (bytes) | kernel port only (bytes) | usrsctp costs |"
echo "|---|---|---|---|---|"
for n in $names; do
	def=$(ls board/*/${n}_defconfig 2>/dev/null | head -n1)
	[ -n "$def" ] || { echo "size-report: no defconfig $n" >&2; continue; }
	row="| $n |"
	for v in both kernel; do
		o=build/size/$n-$v
		mkdir -p "$o"
		if [ $v = both ]; then
			cp "$def" "$o/defconfig.in"
		else
			grep -v '^CONFIG_PORT_USRSCTP=' "$def" > "$o/defconfig.in"
			echo '# CONFIG_PORT_USRSCTP is not set' >> "$o/defconfig.in"
		fi
		if ! { $PY scripts/kconfig.py defconfig "$o/defconfig.in" "$o" &&
			make --no-print-directory -j"$(nproc)" -f scripts/build.mk O="$o" agent; } \
			>"$o/build.log" 2>&1; then
			echo "size-report: $n ($v) failed, see $o/build.log" >&2
			row="$row ? |"
			continue
		fi
		sz[$v]=$(stat -c %s "$o/sctpagent.stripped")
		[ $v = both ] && row="$row $(sed -n 's/^CONFIG_ARCH_NAME="\(.*\)"/\1/p' "$o/.config") |"
		row="$row ${sz[$v]} |"
	done
	d=$((sz[both] - sz[kernel]))
	echo "$row +$d ($(awk "BEGIN { printf \"%.0f\", 100 * $d / ${sz[kernel]} }") %) |"
done
