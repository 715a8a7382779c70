# The rtnetlink parser of the posix port (port/posix/nlparse.c), no sockets.
UNIT_TESTS += test_netlink
test_netlink-objs := port/posix/nlparse.o port/netaddr.o
