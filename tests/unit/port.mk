# Unit tests of the port layer: netaddr, the real posix port, the fakes.
UNIT_TESTS += test_netaddr test_loop test_fake
test_netaddr-objs := port/netaddr.o
test_loop-objs := port/posix/loop.o port/posix/clock.o port/posix/file.o port/posix/log.o \
	port/posix/thread.o
test_fake-objs := port/netaddr.o port/sctp_names.o tests/fake/fake_clock.o tests/fake/fake_loop.o tests/fake/fake_sctp.o tests/fake/fake_file.o tests/fake/fake_log.o

# The whole fake port, for agent unit tests: test_x-objs := agent/x.o $(FAKE_PORT_OBJS)
FAKE_PORT_OBJS := port/netaddr.o port/sctp_names.o tests/fake/fake_clock.o tests/fake/fake_loop.o tests/fake/fake_sctp.o tests/fake/fake_file.o tests/fake/fake_log.o tests/fake/fake_netlink.o tests/fake/fake_worker.o

UNIT_TESTS += test_worker
test_worker-objs := port/posix/worker.o port/posix/thread.o port/posix/loop.o \
	port/posix/clock.o port/posix/file.o port/posix/log.o
# The log output of the posix port on the fake clock: format (stamp or
# journal prefix), and a pipe nobody reads.
UNIT_TESTS += test_log
test_log-objs := port/posix/log.o port/posix/thread.o tests/fake/fake_clock.o
