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
# The reference controller's run time on the fake port (protocol v2).
UNIT_TESTS += test_ctl
test_ctl-objs = tests/controller/ctl.o tests/controller/track.o agent/msg.o agent/cbor.o \
	$(FAKE_PORT_OBJS) $(if $(filter y,$(CONFIG_DTLS)),tests/controller/dtls.o \
	port/mbedtls/conf.o port/mbedtls/io.o port/mbedtls/sess.o,tests/controller/dtls_none.o)
