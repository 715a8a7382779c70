#!/usr/bin/python3
"""Kconfig driver for the Makefile (kconfiglib, Debian python3-kconfiglib).

  kconfig.py defconfig FILE OUTDIR    write OUTDIR/.config from a defconfig
  kconfig.py olddefconfig OUTDIR      refresh OUTDIR/.config (new symbols)
  kconfig.py genheader OUTDIR         OUTDIR/include/generated/autoconf.h
  kconfig.py savedefconfig OUTDIR OUT minimal defconfig of OUTDIR/.config

Outputs are rewritten only when their content changes, so make does not
rebuild everything after a no-op configuration step.
"""
import os
import sys

try:
    import kconfiglib
except ImportError:
    sys.exit("kconfig.py: python3-kconfiglib missing (run scripts/deps.sh)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load():
    os.environ.setdefault("srctree", ROOT)
    kconf = kconfiglib.Kconfig(os.path.join(ROOT, "Kconfig"),
                               warn_to_stderr=True)
    return kconf


def write_if_changed(path, text):
    try:
        with open(path) as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def config_text(kconf):
    tmp = "/dev/stdout"
    # kconfiglib writes a header with no date, so output is reproducible.
    return kconf._config_contents(None)


def header_text(kconf):
    lines = ["/* Generated from .config by scripts/kconfig.py. Do not edit. */",
             "#ifndef AUTOCONF_H", "#define AUTOCONF_H"]
    for sym in kconf.unique_defined_syms:
        val = sym.str_value
        if not sym._write_to_conf:
            continue
        if sym.orig_type in (kconfiglib.BOOL, kconfiglib.TRISTATE):
            if val == "y":
                lines.append("#define CONFIG_%s 1" % sym.name)
        elif sym.orig_type == kconfiglib.STRING:
            lines.append('#define CONFIG_%s "%s"' %
                         (sym.name, kconfiglib.escape(val)))
        else:
            lines.append("#define CONFIG_%s %s" % (sym.name, val))
    lines += ["#endif", ""]
    return "\n".join(lines)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    cmd, outdir = argv[1], argv[-1] if argv[1] != "savedefconfig" else argv[2]
    kconf = load()
    dotconfig = os.path.join(outdir, ".config")
    if cmd == "defconfig":
        kconf.load_config(argv[2])
        write_if_changed(dotconfig, config_text(kconf))
    elif cmd == "olddefconfig":
        kconf.load_config(dotconfig)
        write_if_changed(dotconfig, config_text(kconf))
    elif cmd == "genheader":
        kconf.load_config(dotconfig)
        write_if_changed(os.path.join(outdir, "include/generated/autoconf.h"),
                         header_text(kconf))
    elif cmd == "savedefconfig":
        kconf.load_config(dotconfig)
        kconf.write_min_config(argv[3])
        print("wrote " + argv[3])
    else:
        sys.exit(__doc__)
    for w in kconf.warnings:
        if "set more than once" in w or "undefined symbol" in w:
            sys.exit("kconfig.py: " + w)


if __name__ == "__main__":
    main(sys.argv)
