# The reference controller (tests/controller/README.md), on the real port.
PROGS += sctpctl
sctpctl-objs := tests/controller/main.o tests/controller/ctl.o \
	tests/controller/track.o agent/msg.o agent/cbor.o $(PORT_OBJS) \
	$(if $(filter y,$(CONFIG_DTLS)),tests/controller/dtls.o,tests/controller/dtls_none.o)
sctpctl-libs :=
