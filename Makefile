# sctpagent top-level Makefile.
#
#   make <name>_defconfig   configure build/<name>/ from board/*/<name>_defconfig
#                           and make it the selected build
#   make                    build the selected configuration (default: host)
#   make CONFIG=<name>      build build/<name>/ whatever is selected
#   make menuconfig         edit the selected .config
#   make savedefconfig      write build/<name>/defconfig (minimal)
#   make test               every test (unit native/armhf/arm64/asan, VM)
#   make deb                Debian packages in build/deb/ (armhf, arm64, amd64)
#   make deb-test           the package checks of make test + systemd in a VM
#   make run                the demo on the emulated arm64 board
#   make bench              the outbox micro-benchmarks, then bytes per
#                           reading: SCTP bundles vs MQTT QoS 1
#   make bench-outbox       the outbox: writes per reading, recovery per MiB
#   make bench-failover     failover latency in the VM vs Linux defaults
#   V=1                     show the commands
#
# Each configuration builds out of tree in build/<name>/.

PY := /usr/bin/python3
SELECTED := $(shell cat build/.selected 2>/dev/null)
CONFIG ?= $(if $(SELECTED),$(SELECTED),host)
O := build/$(CONFIG)
DEFCONFIGS := $(notdir $(wildcard board/*/*_defconfig))

ifeq ($(V),1)
Q :=
else
Q := @
endif
export V Q

.PHONY: all deps menuconfig savedefconfig olddefconfig test unit-test \
	vm-test deb-test deb run bench bench-outbox bench-failover clean distclean help \
	$(DEFCONFIGS)

# A .config older than a Kconfig file takes the new symbols' defaults
# (olddefconfig, as Linux's build does) instead of failing to link.
all: $(O)/.config
	$(Q)for k in Kconfig $(wildcard */Kconfig board/*/Kconfig); do \
		[ $$k -nt $(O)/.config ] || continue; \
		$(PY) scripts/kconfig.py olddefconfig $(O); break; done
	$(Q)$(MAKE) --no-print-directory -f scripts/build.mk O=$(O) all

help:
	@sed -n '3,18p' Makefile | sed 's/^# \{0,1\}//'
	@echo "defconfigs: $(DEFCONFIGS)"

deps:
	$(Q)scripts/deps.sh all

$(DEFCONFIGS):
	$(Q)scripts/deps.sh build
	$(Q)mkdir -p build/$(@:_defconfig=)
	$(Q)$(PY) scripts/kconfig.py defconfig $(wildcard board/*/$@) build/$(@:_defconfig=)
	$(Q)[ -n "$(NOSELECT)" ] || echo $(@:_defconfig=) > build/.selected
	@echo "configured build/$(@:_defconfig=)$(if $(NOSELECT),, (selected))"

# A build folder without .config gets its defconfig (host by default).
build/%/.config:
	$(Q)$(MAKE) --no-print-directory NOSELECT=1 $*_defconfig

menuconfig: $(O)/.config
	$(Q)KCONFIG_CONFIG=$(O)/.config srctree=$(CURDIR) $(PY) -m menuconfig Kconfig

olddefconfig: $(O)/.config
	$(Q)$(PY) scripts/kconfig.py olddefconfig $(O)

savedefconfig: $(O)/.config
	$(Q)$(PY) scripts/kconfig.py savedefconfig $(O) $(O)/defconfig

test:
	$(Q)scripts/deps.sh test
	$(Q)scripts/test.sh

unit-test:
	$(Q)scripts/deps.sh test
	$(Q)scripts/test.sh unit

vm-test:
	$(Q)scripts/deps.sh test
	$(Q)scripts/test.sh vm

# sctpagent_VERSION_{armhf,arm64}.deb and sctpctl_VERSION_ARCH.deb (dpkg-deb)
deb:
	$(Q)scripts/deps.sh build
	$(Q)scripts/deb/build.sh build/deb

# make test's package checks plus the packages under systemd in a VM
deb-test:
	$(Q)scripts/deps.sh test
	$(Q)scripts/test.sh deb

run:
	$(Q)scripts/deps.sh run
	$(Q)scripts/run.sh $(RUN_ARGS)

bench:
	$(Q)scripts/deps.sh test
	$(Q)scripts/bench-outbox.sh
	$(Q)scripts/bench.sh

bench-outbox:
	$(Q)scripts/deps.sh build
	$(Q)scripts/bench-outbox.sh

bench-failover:
	$(Q)scripts/deps.sh test
	$(Q)scripts/bench-failover.sh

clean:
	rm -rf $(O)

distclean:
	rm -rf build
