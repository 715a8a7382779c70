#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""cbor2 <-> agent/msg interop. argv: path to cbor_vectors, scratch dir.
Prints one line per failure and 'N passed, M failed'; exit 1 on any failure."""
import json, math, os, struct, subprocess, sys
import cbor2

prog, work = sys.argv[1], sys.argv[2]
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def hdr(ver, typ, seq, flags=0, epoch=None):
    h = struct.pack(">BBHI", ver, typ, flags, seq)
    return h if epoch is None else h + struct.pack(">I", epoch)


EPOCH, OLD = 0x5eed0001, 0x5eed0000


def run(mode, data):
    path = os.path.join(work, "in.bin")
    with open(path, "wb") as f:
        f.write(data)
    p = subprocess.run([prog, mode, path], capture_output=True, text=True)
    lines = p.stdout.strip().splitlines()
    return p.returncode, json.loads(lines[-1]) if lines else None


# ---- 1. what we encode, cbor2 decodes ----
subprocess.run([prog, "encode", work], check=True)


def load(name):
    raw = open(os.path.join(work, name + ".bin"), "rb").read()
    hl = 12 if raw[3] & 1 else 8      # the EPOCH extension
    return raw[:hl], cbor2.loads(raw[hl:]), raw


h, b, _ = load("hello")
check("enc hello header", h == hdr(2, 1, 0), h.hex())
check("enc hello body", b == {"name": "pi-kitchen", "sw": "0.1.0", "proto": 2,
      "boot": 0x0123456789abcdef, "start": 1700000000123,
      "streams": [{"stream": 1, "sensor": "temp", "unit": "Cel"},
                  {"stream": 2, "sensor": "hum", "unit": "%RH"}],
      "epoch": EPOCH, "low": [[EPOCH, 1, 40]]}, repr(b))

h, b, raw = load("readings")
check("enc readings header", h == hdr(2, 2, 42), h.hex())
check("enc readings senml", b == [
    {-2: "urn:dev:pi-kitchen:", -3: 1700000000, 0: "temp", 1: "Cel", 2: 21.5},
    {0: "temp", 1: "Cel", 2: 21.25, 6: 0.5},
    {0: "temp", 1: "Cel", 2: -3.1, 6: 61.001}], repr(b))
# resolve SenML the RFC 8428 way: bt + t seconds
check("enc readings times", [b[0][-3] + r.get(6, 0) for r in b] ==
      [1700000000, 1700000000.5, 1700000061.001], repr(b))
# floats are the shortest exact form: 21.5 is half, -3.1 double
check("enc readings half float", bytes.fromhex("02f94d60") in raw, raw.hex())
check("enc readings double", bytes.fromhex("02fbc008cccccccccccd") in raw)

h, b, _ = load("ack")
check("enc ack", h == hdr(2, 3, 0) and b == {1: 41, 2: 7}, repr(b))
h, b, _ = load("cmd_ping")
check("enc cmd ping", h == hdr(2, 4, 6) and b == {"op": "ping"}, repr(b))
h, b, _ = load("cmd_set_interval")
check("enc cmd set_interval", h == hdr(2, 4, 7) and
      b == {"op": "set_interval", "sensor": "temp", "ms": 5000}, repr(b))
h, b, _ = load("reply_status")
check("enc reply", h == hdr(2, 5, 7) and
      b == {"status": 0, "msg": "ok", "data": {"uptime_s": 3600}}, repr(b))
h, b, _ = load("reply_error")
check("enc reply error", h == hdr(2, 5, 8) and
      b == {"status": 3, "msg": "unknown sensor"}, repr(b))
h, b, _ = load("cmd_close")
check("enc cmd close", h == hdr(2, 4, 9) and b == {"op": "close", "ms": 60000}, repr(b))
h, b, _ = load("gap")
check("enc gap", h == hdr(2, 6, 0) and b == [[1, 12, 30], [2, 7, 7]], repr(b))
h, b, _ = load("readings_epoch")
check("enc readings epoch", h == hdr(2, 2, 5, flags=1, epoch=OLD) and
      b[0][2] == 21.5, h.hex() + repr(b))
h, b, _ = load("readings_unsync")
check("enc readings unsync", h == hdr(2, 2, 3) and len(b) == 1 and
      b[0].get("unsync") is True and b[0][-3] == 5.123 and b[0][2] == 21.5, repr(b))
h, b, _ = load("ack_epoch")
check("enc ack epoch", h == hdr(2, 3, 0, flags=1, epoch=OLD) and
      b == {1: 41}, h.hex() + repr(b))

vals = [0, 23, 24, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**64 - 1,
        -1, -24, -25, -256, -257, -2**63,
        0.0, -0.0, 1.0, 1.5, 65504.0, 65505.0, 100000.0, 5.960464477539063e-8,
        0.1, -4.1, 1e300, 3.4028234663852886e+38,
        "IETF \u00fc", b"\x01\x02\x03", True, False, None]
raw = open(os.path.join(work, "values.bin"), "rb").read()
got = cbor2.loads(raw)
check("enc values decode", got == vals and
      [math.copysign(1, x) for x in got[16:18]] == [1, -1], repr(got))
# byte-exact with cbor2's canonical (shortest int and float) encoding, except
# that cbor2 5.4 writes 65504.0 (largest half) as single fa477fe000 where
# RFC 8949 Appendix A has f97bff: we follow the RFC.
canon = cbor2.dumps(vals, canonical=True)
check("enc 65504 is half (RFC 8949 A)", bytes.fromhex("f97bff") in raw)
canon = canon.replace(bytes.fromhex("fa477fe000"), bytes.fromhex("f97bff"))
check("enc values canonical", raw == canon, raw.hex() + " vs " + canon.hex())

# ---- 2. what cbor2 encodes, we decode ----


def as_json(v):
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v if -2**63 <= v < 2**64 else "erange"
    if isinstance(v, float):
        if math.isnan(v):
            return {"f": "nan"}
        if math.isinf(v):
            return {"f": "inf" if v > 0 else "-inf"}
        return {"f": v}
    if isinstance(v, bytes):
        return {"b": v.hex()}
    raise TypeError(v)


vals2 = vals + [2**64, -2**64 - 1, -2**64, 2**63 - 1, float("inf"),
                float("-inf"), float("nan"), 1.1, 1e-7, "", "\u6c34"]
for canon in (False, True):
    rc, out = run("values", cbor2.dumps(vals2, canonical=canon))
    want = [as_json(v) for v in vals2]
    # NaN compares by marker; -0.0 sign survives as a float
    check(f"dec values canonical={canon}", rc == 0 and out == want,
          f"rc={rc} {out} != {want}")

BT = 1700000000
pack = [{-2: "urn:dev:x:", -3: BT, 0: "temp", 1: "Cel", 2: 21.5},
        {0: "temp", 1: "Cel", 2: 22, 6: 1.5},             # int value
        {0: "hum", 1: "%RH", 2: 40.123456789, 6: -0.25}]  # float64
for canon in (False, True):
    rc, out = run("decode", hdr(2, 2, 9) + cbor2.dumps(pack, canonical=canon))
    want = {"type": "readings", "version": 2, "epoch": 0, "seq": 9, "records": [
        {"name": "urn:dev:x:temp", "unit": "Cel", "v": 21.5, "t_ms": BT * 1000},
        {"name": "urn:dev:x:temp", "unit": "Cel", "v": 22.0,
         "t_ms": BT * 1000 + 1500},
        {"name": "urn:dev:x:hum", "unit": "%RH", "v": 40.123456789,
         "t_ms": BT * 1000 - 250}]}
    check(f"dec readings canonical={canon}", rc == 0 and out == want,
          f"{out}")
# float bt with ms fraction
rc, out = run("decode", hdr(2, 2, 1) + cbor2.dumps(
    [{-2: "urn:dev:y:", -3: 1700000000.123, 0: "p", 2: 1.0}]))
check("dec readings float bt", rc == 0 and
      out["records"][0]["t_ms"] == 1700000000123, f"{out}")

hello = {"name": "ctl-test", "sw": "9.9", "proto": 2, "boot": 2**64 - 1,
         "start": 1, "streams": [{"stream": 65535, "sensor": "s", "unit": ""}],
         "epoch": 2**32 - 1, "low": [[9, 65535, 0], [2**32 - 1, 1, 2**32 - 1]],
         "future": [1, {"x": None}]}
rc, out = run("decode", hdr(2, 1, 0) + cbor2.dumps(hello, canonical=True))
check("dec hello", rc == 0 and out == {
    "type": "hello", "version": 2, "seq": 0, "epoch": 2**32 - 1,
    "low": [[9, 65535, 0], [2**32 - 1, 1, 2**32 - 1]],
    "name": "ctl-test", "sw": "9.9", "proto": 2,
    "boot": 2**64 - 1, "start": 1,
    "streams": [{"stream": 65535, "sensor": "s", "unit": ""}]}, f"{out}")
del hello["low"]                        # "low" is optional
rc, out = run("decode", hdr(2, 1, 0) + cbor2.dumps(hello))
check("dec hello no low", rc == 0 and out["low"] == [], f"{out}")
rc, out = run("decode", hdr(2, 3, 0) + cbor2.dumps({3: 2**32 - 1, 1: 0}))
check("dec ack", rc == 0 and out["acks"] == [[3, 2**32 - 1], [1, 0]], f"{out}")
# a v1 controller's ACK is accepted (it applies to the current epoch)
rc, out = run("decode", hdr(1, 3, 0) + cbor2.dumps({1: 5}))
check("dec ack v1", rc == 0 and out["version"] == 1 and out["epoch"] == 0 and
      out["acks"] == [[1, 5]], f"{out}")
rc, out = run("decode", hdr(2, 3, 0, flags=1, epoch=OLD) + cbor2.dumps({1: 5}))
check("dec ack epoch", rc == 0 and out["epoch"] == OLD, f"{out}")
rc, out = run("decode", hdr(2, 6, 0, flags=1, epoch=3) + cbor2.dumps(
    [[1, 2**32 - 2, 1], [65535, 0, 0]]))
check("dec gap", rc == 0 and out == {"type": "gap", "epoch": 3, "ranges": [
    [1, 2**32 - 2, 1], [65535, 0, 0]]}, f"{out}")
for op, known in (("read_now", True), ("frobnicate", False)):
    rc, out = run("decode", hdr(2, 4, 77) + cbor2.dumps(
        {"sensor": "temp", "op": op}))
    check(f"dec cmd {op}", rc == 0 and out == {
        "type": "cmd", "id": 77, "op": op, "known": known, "sensor": "temp",
        "ms": 0}, f"{out}")
rc, out = run("decode", hdr(2, 5, 3) + cbor2.dumps(
    {"status": 4, "msg": "out of range", "data": {"max": 60000}}))
check("dec reply", rc == 0 and out["status"] == 4 and
      out["data_hex"] == cbor2.dumps({"max": 60000}).hex(), f"{out}")

# ---- 3. rejections with reasons ----
bad = [
    ("version", hdr(3, 3, 0) + cbor2.dumps({}), "bad-version"),
    ("type", hdr(2, 9, 0) + cbor2.dumps({}), "unknown-type"),
    ("gap in v1", hdr(1, 6, 0) + cbor2.dumps([[1, 1, 1]]), "unknown-type"),
    ("flags", hdr(2, 3, 0, flags=0x8000) + cbor2.dumps({}), "reserved-flags"),
    ("epoch on cmd", hdr(2, 4, 1, flags=1, epoch=5) + cbor2.dumps({"op": "ping"}),
     "reserved-flags"),
    ("epoch in v1", hdr(1, 3, 0, flags=1, epoch=5) + cbor2.dumps({}), "reserved-flags"),
    ("epoch 0", hdr(2, 3, 0, flags=1, epoch=0) + cbor2.dumps({}), "out-of-range"),
    ("epoch cut", hdr(2, 3, 0, flags=1)[:10], "truncated"),
    ("hello epoch 0", hdr(2, 1, 0) + cbor2.dumps(dict(hello, epoch=0)), "out-of-range"),
    ("hello no epoch", hdr(2, 1, 0) + cbor2.dumps(
        {k: v for k, v in hello.items() if k != "epoch"}), "missing-field"),
    ("gap first>last", hdr(2, 6, 0) + cbor2.dumps([[1, 9, 8]]), "out-of-range"),
    ("gap stream 0", hdr(2, 6, 0) + cbor2.dumps([[0, 1, 1]]), "out-of-range"),
    ("gap empty", hdr(2, 6, 0) + cbor2.dumps([]), "missing-field"),
    ("gap pair", hdr(2, 6, 0) + cbor2.dumps([[1, 1]]), "wrong-type"),
    ("gap too many", hdr(2, 6, 0) + cbor2.dumps([[1, 1, 1]] * 65), "too-many-items"),
    ("short", hdr(2, 3, 0)[:5], "truncated"),
    ("indefinite", hdr(2, 3, 0) + b"\xbf\x01\x02\xff", "bad-cbor"),
    ("trailing", hdr(2, 3, 0) + cbor2.dumps({}) + b"\x00", "trailing-bytes"),
    ("ack 2^64 seq", hdr(2, 3, 0) + cbor2.dumps({1: 2**64}), "out-of-range"),
    ("cmd no op", hdr(2, 4, 1) + cbor2.dumps({"sensor": "x"}), "missing-field"),
    ("reply text status", hdr(2, 5, 1) + cbor2.dumps(
        {"status": "0", "msg": ""}), "wrong-type"),
    ("senml oversized", hdr(2, 2, 1) + cbor2.dumps(
        [{0: "x" * 256, 2: 1}]), "oversized-string"),
    ("senml too many", hdr(2, 2, 1) + cbor2.dumps(
        [{0: "x", 2: 1}] * 65), "too-many-items"),
]
for name, data, reason in bad:
    rc, out = run("decode", data)
    check(f"reject {name}", rc == 1 and out == {"error": reason}, f"{out}")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
