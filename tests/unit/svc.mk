# The service manager notices (agent/svc.c) of an agent on the fake port,
# and the real notify port (port/posix/notify.c) on AF_UNIX sockets.
UNIT_TESTS += test_svc
test_svc-objs := $(AGENT_CORE_OBJS) $(FAKE_OBJS)
UNIT_TESTS += test_notify_posix
test_notify_posix-objs := port/posix/notify.o
