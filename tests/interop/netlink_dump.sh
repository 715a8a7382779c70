#!/bin/sh
# SPDX-License-Identifier: MIT
# port/posix/netlink.c against the running kernel, checked with iproute2
# (an independent rtnetlink implementation): the links and addresses that
# pn_request_dump() reports must be exactly those of `ip -j link` and
# `ip -j addr`. Reads local state only; needs python3 and iproute2.
#   OUT  work directory (default build/scratch-netlink/interop)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$ROOT/build/scratch-netlink/interop}
mkdir -p "$OUT"

gcc -std=c11 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=all -I"$ROOT" \
	"$ROOT/tests/interop/netlink_dump.c" "$ROOT/port/posix/netlink.c" \
	"$ROOT/port/posix/nlparse.c" "$ROOT/port/netaddr.c" \
	-o "$OUT/netlink_dump"

"$OUT/netlink_dump" events | sort >"$OUT/got.txt"
ip -j link show >"$OUT/link.json"
ip -j addr show >"$OUT/addr.json"
python3 - "$OUT/link.json" "$OUT/addr.json" <<'PY' | sort >"$OUT/want.txt"
import ipaddress, json, sys
links = json.load(open(sys.argv[1]))
for l in links:
    fl = l.get("flags", [])
    up = ("UP" in fl and "LOWER_UP" in fl
          and l.get("operstate") in ("UP", "UNKNOWN"))
    print("link %d %s %s" % (l["ifindex"], l["ifname"], "up" if up else "down"))
for l in json.load(open(sys.argv[2])):
    for a in l.get("addr_info", []):
        if a.get("family") not in ("inet", "inet6"):
            continue
        ev = "del" if a.get("tentative") or a.get("dadfailed") else "add"
        ip = ipaddress.ip_address(a["local"])
        s = str(ip)
        if ip.version == 6 and (ip.is_link_local or a.get("scope") == "link"):
            s += "%%%d" % l["ifindex"]
        print("addr %s %d %s" % (ev, l["ifindex"], s))
PY
if diff -u "$OUT/want.txt" "$OUT/got.txt"; then
	echo "netlink_dump: $(wc -l <"$OUT/got.txt") events match iproute2"
else
	echo "netlink_dump: MISMATCH with iproute2 (want - / got +)" >&2
	exit 1
fi
