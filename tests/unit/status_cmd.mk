# `sctpagent status`: the agent's status socket on the fake port and the
# table/JSON output (agent/status_fmt.c); the real socket
# (port/posix/ctlsock.c) on AF_UNIX in a temporary directory.
UNIT_TESTS += test_status_cmd
test_status_cmd-objs := $(AGENT_CORE_OBJS) $(FAKE_OBJS)
UNIT_TESTS += test_ctlsock_posix
test_ctlsock_posix-objs := port/posix/ctlsock.o port/posix/loop.o port/posix/clock.o
