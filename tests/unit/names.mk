# Controllers given by host name: the config syntax (agent/config_host.c)
# and the lookups before each connect (agent/names.c) on the fake port.
UNIT_TESTS += test_config_host
test_config_host-objs := agent/config.o agent/config_keys.o agent/config_check.o \
	agent/config_host.o agent/config_name.o agent/msg.o agent/cbor.o port/netaddr.o \
	$(BOARD_OBJS) tests/fake/fake_file.o tests/fake/fake_clock.o
UNIT_TESTS += test_names
test_names-objs := $(AGENT_CORE_OBJS) $(FAKE_OBJS)
