# The port/sctp.h conformance suite, linked with this configuration's real
# ports (kernel SCTP and/or usrsctp; --transport picks one): runs in the
# VM (tests/vm/scenarios/ps_conformance*.sh) and, on usrsctp, in a host
# network namespace (tests/net). ps_conformance_fake: the same suite on
# the fake port in wire mode (tests/fake), run with the unit tests.
PROGS += ps_conformance ps_conformance_fake
ps_conformance-objs := tests/conformance/ps_conformance.o \
	tests/conformance/ps_checks.o tests/conformance/poll_os.o $(PORT_OBJS)
ps_conformance_fake-objs := tests/conformance/ps_conformance.o \
	tests/conformance/ps_checks.o tests/conformance/poll_fake.o \
	$(FAKE_PORT_OBJS)
