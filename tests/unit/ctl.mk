# The reference controller's pure logic (dedup, gaps, JSON).
UNIT_TESTS += test_ctl_track
test_ctl_track-objs := tests/controller/track.o agent/cbor.o
# The reference controller's run time on the fake port (protocol v2).
UNIT_TESTS += test_ctl
test_ctl-objs = tests/controller/ctl.o tests/controller/track.o agent/msg.o agent/cbor.o \
	$(FAKE_PORT_OBJS)
