# The reference controller's pure logic (dedup, gaps, JSON).
UNIT_TESTS += test_ctl_track
test_ctl_track-objs := tests/controller/track.o agent/cbor.o
