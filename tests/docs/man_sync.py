#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The man pages in docs/man/ against what they describe:
  - every option of `sctpagent --help` / `sctpctl --help` is an item of
    the page's OPTIONS section, and every item there is a real option;
  - every key of the agent's schema (agent/config_keys.c), per section,
    is in docs/CONFIG.md and in sctpagent.ini(5), and neither has a key
    the schema lacks;
  - each page's .TH carries the version in VERSION;
  - groff has no warning for any page (man --warnings), when man is here.
Usage: man_sync.py AGENT_BINARY SCTPCTL_BINARY [RUNNER...]
Exit 1 with one line per problem."""
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
problems = []


def bad(msg):
    problems.append(msg)


def text_of(roff):
    """roff source to plain text: fonts, escapes, hyphens."""
    t = re.sub(r'\\f(\[[A-Z]*\]|[BIRP])', '', roff)
    t = t.replace('\\-', '-').replace('\\e', '\\').replace('\\(aq', "'")
    t = t.replace('\\(dq', '"').replace('\\&', '').replace('\\|', '')
    return t


def sections(roff):
    """{'.SH name': [lines]} of a page."""
    out, cur = {}, None
    for line in roff.splitlines():
        m = re.match(r'^\.SH\s+"?([^"]*)"?\s*$', line)
        if m:
            cur = m.group(1).strip()
            out[cur] = []
        elif cur:
            out[cur].append(line)
    return out


def help_options(cmd):
    out = subprocess.run(cmd + ['--help'], capture_output=True, text=True,
                         check=False).stdout
    if not out.strip():
        bad('%s --help printed nothing' % ' '.join(cmd))
    return set(re.findall(r'(?<![\w-])(--?[A-Za-z][\w-]*)', out))


def man_items(roff):
    """Options named by the .TP items of OPTIONS (the line after .TP)."""
    lines = sections(roff).get('OPTIONS', [])
    items = set()
    for i, line in enumerate(lines):
        if line.startswith('.TP') and i + 1 < len(lines):
            items |= set(re.findall(r'(?<![\w-])(--?[A-Za-z][\w-]*)',
                                    text_of(lines[i + 1]).replace('"', ' ')))
    return items


def check_options(page, cmd):
    roff = open(os.path.join(ROOT, 'docs/man', page)).read()
    have = help_options(cmd)
    items = man_items(roff)
    for o in sorted(have - items):
        bad('docs/man/%s: option %s of --help is not in OPTIONS' % (page, o))
    for o in sorted(items - have):
        bad('docs/man/%s: OPTIONS has %s, which --help does not know' % (page, o))
    return len(have)


SECTION_OF = {'agent_keys': 'agent', 'path_keys': 'path', 'ctrl_keys': 'controller',
              'sensor_keys': 'sensor', 'security_keys': 'security'}


def schema_keys():
    src = open(os.path.join(ROOT, 'agent/config_keys.c')).read()
    keys = {}
    for m in re.finditer(r'static const struct key_def (\w+)\[\] = \{(.*?)\n\};', src, re.S):
        sect = SECTION_OF.get(m.group(1))
        if sect:
            keys[sect] = set(re.findall(r'^\s*\{ "([a-z0-9_]+)", KT_', m.group(2), re.M))
    if len(keys) != len(SECTION_OF):
        bad('agent/config_keys.c: found tables %s, expected %s' %
            (sorted(keys), sorted(SECTION_OF.values())))
    return keys


def sect_name(header):
    m = re.match(r'\[([a-z]+)', header)
    return m.group(1) if m else None


def doc_keys():
    keys, cur = {}, None
    for line in open(os.path.join(ROOT, 'docs/CONFIG.md')):
        m = re.match(r'^## (\[.*)', line)
        if m:
            cur = sect_name(m.group(1))
            keys.setdefault(cur, set())
        elif re.match(r'^## ', line):
            cur = None
        elif cur and line.startswith('| `'):
            keys[cur].add(line.split('`')[1])
    return keys


def man_keys():
    roff = open(os.path.join(ROOT, 'docs/man/sctpagent.ini.5')).read()
    keys, cur, after_tp = {}, None, False
    for line in sections(roff).get('SECTIONS AND KEYS', []):
        m = re.match(r'^\.SS\s+"?(\[[^"]*)', line)
        if m:
            cur = sect_name(m.group(1))
            keys.setdefault(cur, set())
        elif line.startswith('.TP'):
            after_tp = True
            continue
        elif after_tp and cur:
            m = re.match(r'^([a-z0-9_]+)\s*=', text_of(line))
            if m:
                keys[cur].add(m.group(1))
        after_tp = False
    return keys


def check_keys():
    want, docs, man = schema_keys(), doc_keys(), man_keys()
    n = 0
    for sect in sorted(want):
        n += len(want[sect])
        for where, got in (('docs/CONFIG.md', docs), ('docs/man/sctpagent.ini.5', man)):
            g = got.get(sect, set())
            for k in sorted(want[sect] - g):
                bad('%s: [%s] %s is missing' % (where, sect, k))
            for k in sorted(g - want[sect]):
                bad('%s: [%s] %s is not a key of the agent' % (where, sect, k))
    return n


def check_pages():
    version = open(os.path.join(ROOT, 'VERSION')).read().strip()
    pages = sorted(os.listdir(os.path.join(ROOT, 'docs/man')))
    for p in pages:
        path = os.path.join(ROOT, 'docs/man', p)
        th = [l for l in open(path) if l.startswith('.TH ')]
        if not th or ('"sctpagent %s"' % version) not in th[0]:
            bad('docs/man/%s: .TH does not say "sctpagent %s"' % (p, version))
        if shutil.which('man'):
            r = subprocess.run(['man', '--warnings', '-E', 'UTF-8', '-l', '-Tutf8', '-Z', path],
                               capture_output=True, text=True, check=False)
            if r.returncode or r.stderr.strip():
                bad('docs/man/%s: groff: %s' % (p, r.stderr.strip() or 'exit %d' % r.returncode))
    return pages


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    runner = sys.argv[3:]
    n_agent = check_options('sctpagent.8', runner + [sys.argv[1]])
    n_ctl = check_options('sctpctl.8', runner + [sys.argv[2]])
    n_keys = check_keys()
    pages = check_pages()
    for p in problems:
        print(p)
    if problems:
        print('man_sync: %d problems' % len(problems))
        return 1
    print('man_sync: %d pages; %d + %d options and %d ini keys in step with --help, '
          'docs/CONFIG.md and agent/config_keys.c; 0 groff warnings passed' %
          (len(pages), n_agent, n_ctl, n_keys))
    return 0


if __name__ == '__main__':
    sys.exit(main())
