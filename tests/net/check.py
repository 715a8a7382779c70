#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Checks on sctpctl's JSON lines (tests/controller/README.md) for the
tests/net scenarios. Each command prints one line and exits 0 or 1.

  check.py seq STREAM FILE...      the union of the files' seqs of STREAM
                                   has no hole (dups allowed: a replay);
                                   prints "ok N FIRST..LAST dups D"
  check.py delay STREAM FROM_MS TO_MS FILE...
                                   the readings of STREAM sampled in
                                   [FROM, TO] (Unix ms) all arrived; prints
                                   the largest rx_ms - time among them
  check.py replay STREAM OLD NEW    as seq over OLD + NEW, and NEW got
                                   again some readings OLD had (the agent
                                   replayed what OLD never acknowledged)
  check.py replies FILE OP...      a reply with status 0 for each command
"""
import json
import sys


def lines(files):
    for f in files:
        with open(f, errors="replace") as fh:
            for ln in fh:
                ln = ln.strip()
                if ln.startswith("{"):
                    try:
                        yield json.loads(ln)
                    except ValueError:
                        pass


def readings(files, stream):
    return [o for o in lines(files) if "seq" in o and o.get("stream") == stream]


def cmd_seq(stream, files):
    seqs = [o["seq"] for o in readings(files, stream)]
    if not seqs:
        return "no readings on stream %d" % stream, False
    have = set(seqs)
    lo, hi = min(have), max(have)
    holes = [s for s in range(lo, hi + 1) if s not in have]
    dups = len(seqs) - len(have)
    if holes:
        return "holes %s (of %d..%d)" % (holes[:8], lo, hi), False
    return "ok %d %d..%d dups %d" % (len(have), lo, hi, dups), True


def cmd_replay(stream, old, new):
    msg, good = cmd_seq(stream, [old, new])
    if not good:
        return msg, False
    again = {o["seq"] for o in readings([old], stream)} & \
        {o["seq"] for o in readings([new], stream)}
    if not again:
        return msg + "; nothing replayed", False
    return msg + "; %d replayed to the new controller" % len(again), True


def cmd_delay(stream, t0, t1, files):
    rs = [o for o in readings(files, stream) if t0 <= o["time"] <= t1]
    if not rs:
        return "no readings sampled in the window", False
    seqs = sorted(o["seq"] for o in rs)
    if seqs[-1] - seqs[0] + 1 != len(set(seqs)):
        return "missing readings in the window", False
    worst = max(o["rx_ms"] - o["time"] for o in rs)
    return "ok %d readings, worst delay %d ms" % (len(set(seqs)), worst), True


def cmd_replies(f, ops):
    cmds = {}
    ok = set()
    for o in lines([f]):
        if o.get("event") == "cmd" and "error" not in o:
            cmds[o["id"]] = o["cmd"]
        if o.get("event") == "reply" and o.get("status") == 0:
            ok.add(cmds.get(o["id"], "?").split()[0])
    missing = [op for op in ops if op not in ok]
    if missing:
        return "no good reply to %s" % missing, False
    return "ok replies to %s" % " ".join(ops), True


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    if argv[1] == "seq":
        msg, good = cmd_seq(int(argv[2]), argv[3:])
    elif argv[1] == "delay":
        msg, good = cmd_delay(int(argv[2]), int(argv[3]), int(argv[4]), argv[5:])
    elif argv[1] == "replay":
        msg, good = cmd_replay(int(argv[2]), argv[3], argv[4])
    elif argv[1] == "replies":
        msg, good = cmd_replies(argv[2], argv[3:])
    else:
        print(__doc__)
        return 2
    print(msg)
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
