# Builds one configuration out of tree: make -f scripts/build.mk O=build/<name>
# Kbuild-style: each source folder's Kbuild file lists obj-y / obj-$(CONFIG_X)
# and subdir-y; the .config decides which files are compiled.

O ?= build/host
SANITIZE ?=
include $(O)/.config

unquote = $(patsubst "%",%,$(1))
CROSS := $(call unquote,$(CONFIG_CROSS_COMPILE))
ARCHN := $(call unquote,$(CONFIG_ARCH_NAME))
DEBARCH := $(call unquote,$(CONFIG_DEB_ARCH))
BOARD := $(call unquote,$(CONFIG_BOARD_NAME))
VERSION := $(shell cat VERSION)

CC := $(CROSS)gcc
STRIP := $(CROSS)strip
SIZE := $(CROSS)size

ifeq ($(CROSS),)
SYSROOT :=
TRIPLET := $(shell gcc -dumpmachine)
else
SYSROOT := build/sysroot-$(DEBARCH)
TRIPLET := $(patsubst %-,%,$(CROSS))
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wcast-align -Wundef -Wvla \
	-Wformat=2 -Wwrite-strings -Wimplicit-fallthrough \
	-Wno-format-truncation  # messages are cut on purpose, never overflow
CFLAGS := -std=c11 -O2 -g $(WARN) -ffunction-sections -fdata-sections \
	-fno-common -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
	-ffile-prefix-map=$(CURDIR)/= -I. -I$(O)/include \
	-include $(O)/include/generated/autoconf.h \
	-DSCTPAGENT_VERSION='"$(VERSION)"'
LDFLAGS := -Wl,--gc-sections -Wl,--build-id=sha1
# The agent links only static libraries (libsctp.a, libinih.a, mbedTLS).
LIBS := -l:libinih.a
ifeq ($(CONFIG_PORT_LKSCTP),y)
LIBS += -l:libsctp.a
endif
ifeq ($(CONFIG_DTLS),y)
LIBS += -l:libmbedtls.a -l:libmbedx509.a -l:libmbedcrypto.a
endif
ifeq ($(CONFIG_RESOLVE),y)
LIBS += -l:libcares.a
endif
LIBS += -lm
ifneq ($(SYSROOT),)
CFLAGS += -isystem $(SYSROOT)/usr/include
LDFLAGS += -L$(SYSROOT)/usr/lib/$(TRIPLET)
endif
ifeq ($(CONFIG_STATIC),y)
AGENT_LDFLAGS := -static
endif
ifneq ($(SANITIZE),)
CFLAGS := $(filter-out -D_FORTIFY_SOURCE=2,$(CFLAGS)) -O1 \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
AGENT_LDFLAGS :=
endif

# --- file selection ---------------------------------------------------------
objs :=
define include-kbuild
obj-y :=
subdir-y :=
include $(1)/Kbuild
objs += $$(addprefix $(1)/,$$(obj-y))
$$(foreach d,$$(subdir-y),$$(eval $$(call include-kbuild,$(1)/$$(d))))
endef
$(eval $(call include-kbuild,agent))
$(eval $(call include-kbuild,port))
$(eval $(call include-kbuild,board))
AGENT_OBJS := $(addprefix $(O)/,$(sort $(objs)))
BOARD_OBJS := $(sort $(filter board/%,$(objs)))

# Unit tests: tests/unit/*.mk add names to UNIT_TESTS and set <name>-objs.
UNIT_TESTS :=
include $(sort $(wildcard tests/unit/*.mk))
TEST_BINS := $(addprefix $(O)/tests/unit/,$(UNIT_TESTS))

# Extra programs (reference controller, conformance): tests/*/prog.mk add
# names to PROGS with <name>-objs (objects, like unit tests) and <name>-libs.
# PORT_OBJS is the real port layer of this configuration.
PORT_OBJS := $(sort $(filter port/%,$(objs)))
PROGS :=
include $(sort $(wildcard tests/*/prog.mk))
PROG_BINS := $(addprefix $(O)/,$(PROGS))

ifeq ($(V),1)
Q :=
quiet = @:
else
Q := @
quiet = @printf '  %-7s %s\n'
endif

.PHONY: all agent tests progs size
all: agent progs size

agent: $(O)/sctpagent $(O)/sctpagent.stripped
tests: $(TEST_BINS)
progs: $(PROG_BINS)

$(O)/include/generated/autoconf.h: $(O)/.config Kconfig $(wildcard board/*/Kconfig)
	$(quiet) GEN $@
	$(Q)/usr/bin/python3 scripts/kconfig.py genheader $(O)

$(O)/sysroot.stamp:
ifneq ($(SYSROOT),)
	$(Q)scripts/sysroot.sh $(DEBARCH) $(SYSROOT)
endif
	$(Q)mkdir -p $(@D) && touch $@

$(O)/%.o: %.c $(O)/include/generated/autoconf.h $(O)/sysroot.stamp
	$(quiet) CC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(O)/sctpagent: $(AGENT_OBJS)
	$(quiet) LD $@
	$(Q)$(CC) $(LDFLAGS) $(AGENT_LDFLAGS) -o $@ $(AGENT_OBJS) $(LIBS)

# The install image: stripped, no build id path or debug sections.
$(O)/sctpagent.stripped: $(O)/sctpagent
	$(quiet) STRIP $@
	$(Q)$(STRIP) --strip-all -R .comment -o $@ $<

size: $(O)/sctpagent.stripped
	@printf '  SIZE    %s: %s bytes stripped, %s, %s\n' $(O)/sctpagent \
		$$(stat -c %s $<) "$$(file -b $< | cut -d, -f2 | sed 's/^ //')" \
		"$$(file -b $< | grep -o '[a-z]* linked' | head -1)"

define unit-test-rule
$(O)/tests/unit/$(1): $(O)/tests/unit/$(1).o $(addprefix $(O)/,$($(1)-objs))
	$$(quiet) LD $$@
	$$(Q)$$(CC) $$(LDFLAGS) $$($(1)-ldflags) -o $$@ $$^ -lcmocka $$(LIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit-test-rule,$(t))))

define prog-rule
$(O)/$(1): $(addprefix $(O)/,$($(1)-objs))
	$$(quiet) LD $$@
	$$(Q)$$(CC) $$(LDFLAGS) $$(AGENT_LDFLAGS) -o $$@ $$^ $($(1)-libs) $$(LIBS)
endef
$(foreach p,$(PROGS),$(eval $(call prog-rule,$(p))))

-include $(shell find $(O) -name '*.d' 2>/dev/null)
