#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The Pi's path defaults are written down three times: the shipped
board/rpi/sctpagent.ini, the example in docs/RPI.md, and the "board"
profile the VM failover scenarios and the bench run
(tests/vm/failover-lib.sh fo_ini). A default changed in one place only
would leave the tests measuring, or the guide showing, another agent.
Checks, per [path.*] section of the board file:
  - every timer/policy key the VM profile sets equals the board's, and
    the profile sets every such key the board sets;
  - every key the guide's example sets equals the board's.
Usage: board_sync.py
Exit 1 with one line per problem."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BOARD = 'board/rpi/sctpagent.ini'
GUIDE = 'docs/RPI.md'
LIB = 'tests/vm/failover-lib.sh'
# per-site keys (addresses, interface names) and the failback hold-down,
# which the scenarios shorten on purpose (fo_ini HOLD_MS)
SITE_KEYS = {'interface', 'address', 'failback_hold_ms', 'confirm_timeout_ms', 'udp_port'}


def read(rel):
    with open(os.path.join(ROOT, rel), encoding='utf-8') as f:
        return f.read()


def paths_of(text, shell_vars=None):
    """{'path.eth': {key: value}} of every [path.*] section in text. A
    section ends at another header or a line that is no key, comment or
    blank (a code fence, a heredoc's EOF)."""
    out, cur = {}, None
    for raw in text.splitlines():
        line = raw.strip()
        m = re.match(r'^\[([A-Za-z0-9_.-]+)\]$', line)
        if m:
            cur = out.setdefault(m.group(1), {}) if m.group(1).startswith('path.') else None
            continue
        if cur is None or not line or line[0] in ';#':
            continue
        m = re.match(r'^([a-z_]+)\s*=\s*(.*?)\s*$', line)
        if not m:
            cur = None
            continue
        val = m.group(2)
        for k, v in (shell_vars or {}).items():
            val = val.replace('$' + k, v)
        cur[m.group(1)] = val
    return out


def lib_vars(text):
    """The plain NAME=value assignments of the shell library."""
    return dict(re.findall(r'^([A-Z][A-Z0-9_]*)=([^\s$`"\']+)\s*$', text, re.M))


def compare(board, other, name, need_all, problems):
    for sect, keys in board.items():
        if sect not in other:
            problems.append(f'{name}: no [{sect}] (board/rpi/sctpagent.ini has one)')
            continue
        theirs = other[sect]
        for k, v in keys.items():
            if k in SITE_KEYS:
                continue
            if k in theirs and theirs[k] != v:
                problems.append(f'{name}: [{sect}] {k} = {theirs[k]}, but {BOARD} says {v}')
            elif k not in theirs and need_all:
                problems.append(f'{name}: [{sect}] lacks {k} (= {v} in {BOARD})')
        for k in theirs:
            if k not in keys and k not in SITE_KEYS:
                problems.append(f'{name}: [{sect}] sets {k}, which {BOARD} does not')


def main():
    problems = []
    board = paths_of(read(BOARD))
    if not board:
        print(f'FAIL {BOARD}: no [path.*] section')
        return 1
    lib = read(LIB)
    m = re.search(r'^fo_ini\(\) \{.*?^\}', lib, re.S | re.M)
    if not m:
        print(f'FAIL {LIB}: no fo_ini()')
        return 1
    compare(board, paths_of(m.group(0), lib_vars(lib)), f'{LIB} fo_ini board profile', True, problems)
    compare(board, paths_of(read(GUIDE)), f'{GUIDE} example', False, problems)
    for p in problems:
        print('FAIL ' + p)
    if not problems:
        print(f'board defaults: {BOARD} = {LIB} board profile = {GUIDE} example '
              f'({", ".join(sorted(board))})')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
