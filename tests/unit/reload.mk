# SIGHUP without disruption (agent/reload.c) on the fake port.
UNIT_TESTS += test_reload
test_reload-objs := $(AGENT_CORE_OBJS) $(FAKE_OBJS)
