# The port/sctp.h conformance suite, linked with this configuration's real
# port (kernel SCTP): runs in the VM (tests/vm/scenarios/ps_conformance.sh).
PROGS += ps_conformance
ps_conformance-objs := tests/conformance/ps_conformance.o \
	tests/conformance/ps_checks.o $(PORT_OBJS)
