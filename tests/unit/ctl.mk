# The reference controller's pure logic (dedup, gaps, JSON).
UNIT_TESTS += test_ctl_track
test_ctl_track-objs := tests/controller/track.o agent/cbor.o
# The controller's DTLS server side on the fake port, real engine (DTLS).
ifeq ($(CONFIG_DTLS),y)
UNIT_TESTS += test_ctl_dtls
test_ctl_dtls-objs := tests/controller/dtls.o tests/controller/track.o agent/cbor.o \
	port/mbedtls/conf.o port/mbedtls/io.o port/mbedtls/sess.o port/netaddr.o \
	port/sctp_names.o tests/fake/fake_clock.o tests/fake/fake_loop.o \
	tests/fake/fake_sctp.o tests/fake/fake_file.o tests/fake/fake_log.o
endif
