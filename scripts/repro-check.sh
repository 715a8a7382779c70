#!/bin/sh
# Same input, same bytes: build CONFIG in two fresh folders with different
# paths and compare the stripped install images.
set -eu
cfg=${1:-rpi_arm64}
def=$(ls board/*/"${cfg}"_defconfig)
for d in build/repro-a build/repro-bb; do
	rm -rf "$d"
	mkdir -p "$d"
	/usr/bin/python3 scripts/kconfig.py defconfig "$def" "$d"
	make --no-print-directory -j"$(nproc)" -f scripts/build.mk O="$d" agent >/dev/null
done
a=$(sha256sum <build/repro-a/sctpagent.stripped)
b=$(sha256sum <build/repro-bb/sctpagent.stripped)
if [ "$a" = "$b" ]; then
	echo "  reproducible: $cfg stripped image identical in two build folders (${a%% *})"
	rm -rf build/repro-a build/repro-bb
else
	echo "  NOT reproducible: $cfg differs between build/repro-a and build/repro-bb" >&2
	exit 1
fi
