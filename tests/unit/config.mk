UNIT_TESTS += test_config test_config_keep test_cli
test_config-objs := agent/config.o agent/config_keys.o agent/config_check.o agent/config_host.o \
	agent/config_name.o agent/transport.o agent/msg.o agent/cbor.o port/netaddr.o $(BOARD_OBJS) \
	tests/fake/fake_file.o
test_config_keep-objs := agent/config.o agent/config_keys.o agent/config_check.o \
	agent/config_host.o agent/config_name.o agent/transport.o agent/msg.o agent/cbor.o \
	port/netaddr.o $(BOARD_OBJS) tests/fake/fake_file.o
test_cli-objs := agent/cli.o agent/config.o agent/config_keys.o \
	agent/config_check.o agent/config_host.o agent/config_name.o agent/msg.o agent/cbor.o \
	port/netaddr.o $(BOARD_OBJS) tests/fake/fake_file.o tests/fake/fake_clock.o
