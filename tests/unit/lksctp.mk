# The kernel port's pure helpers (no socket needed): errno mapping.
ifeq ($(CONFIG_PORT_LKSCTP),y)
UNIT_TESTS += test_lksctp
test_lksctp-objs := $(sort $(filter port/lksctp/%,$(objs))) port/netaddr.o port/sctp_names.o \
	port/sctp_encap.o tests/fake/fake_log.o
endif
