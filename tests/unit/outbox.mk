# The persistent outbox against the fake file system and clock.
UNIT_TESTS += test_outbox
test_outbox-objs := agent/crc32c.o agent/outbox.o agent/outbox_ack.o \
	agent/outbox_tab.o agent/outbox_fmt.o \
	agent/outbox_open.o agent/outbox_iter.o agent/outbox_mem.o agent/log.o \
	tests/fake/fake_file.o tests/fake/fake_clock.o tests/fake/fake_log.o
