# The association core and the sampler against the fake port.
# DTLS: the secure channel and the real engine (mbedTLS) on the fake port.
DTLS_ENGINE_OBJS := $(if $(filter y,$(CONFIG_DTLS)),port/mbedtls/conf.o port/mbedtls/io.o port/mbedtls/sess.o)
DTLS_OBJS := $(if $(filter y,$(CONFIG_DTLS)),agent/secure.o agent/secure_cred.o) $(DTLS_ENGINE_OBJS)
AGENT_CORE_OBJS := agent/agent.o agent/svc.o agent/names.o agent/assoc.o agent/assoc_tx.o agent/store.o \
	agent/gaps.o agent/budget.o agent/publish.o agent/command.o agent/status.o agent/status_fmt.o \
	agent/mq.o agent/sampler.o agent/paths.o agent/paths_health.o agent/clockwatch.o agent/log.o agent/cli.o agent/cbor.o agent/msg.o \
	agent/config.o agent/config_keys.o agent/config_check.o agent/config_host.o agent/config_name.o agent/reload.o \
	port/netaddr.o port/sctp_names.o $(BOARD_OBJS) $(DTLS_OBJS)
FAKE_OBJS := tests/unit/harness.o tests/fake/fake_clock.o tests/fake/fake_loop.o tests/fake/fake_sctp.o \
	tests/fake/fake_file.o tests/fake/fake_log.o tests/fake/fake_netlink.o tests/fake/fake_worker.o \
	tests/fake/fake_notify.o tests/fake/fake_resolve.o tests/fake/fake_ctlsock.o
UNIT_TESTS += test_agent
test_agent-objs := $(AGENT_CORE_OBJS) $(FAKE_OBJS)
UNIT_TESTS += test_paths
test_paths-objs := $(AGENT_CORE_OBJS) $(FAKE_OBJS)
UNIT_TESTS += test_publish
test_publish-objs := $(AGENT_CORE_OBJS) $(FAKE_OBJS)
# The sampler with its own test drivers (no board objects).
UNIT_TESTS += test_sampler
test_sampler-objs := agent/sampler.o agent/log.o tests/fake/fake_clock.o \
	tests/fake/fake_loop.o tests/fake/fake_log.o tests/fake/fake_worker.o
# The secure channel with the real engine on both ends (needs CONFIG_DTLS).
ifeq ($(CONFIG_DTLS),y)
UNIT_TESTS += test_secure
test_secure-objs := $(AGENT_CORE_OBJS) $(FAKE_OBJS)
endif
UNIT_TESTS += test_delivery
test_delivery-objs := $(AGENT_CORE_OBJS) $(FAKE_OBJS)
# The core's containers (memory budget, queues, store, gap ranges); malloc
# is wrapped so a test can make the next allocation fail.
UNIT_TESTS += test_budget
test_budget-objs := agent/budget.o agent/mq.o agent/store.o agent/gaps.o
test_budget-ldflags := -Wl,--wrap=malloc
UNIT_TESTS += test_limits
test_limits-objs := $(AGENT_CORE_OBJS) $(FAKE_OBJS)
# The log rate limit and the wall-clock watch on the fake clock.
UNIT_TESTS += test_ratelimit test_clockwatch
test_ratelimit-objs := agent/log.o tests/fake/fake_clock.o tests/fake/fake_log.o
test_clockwatch-objs := agent/clockwatch.o agent/log.o tests/fake/fake_clock.o tests/fake/fake_log.o
