/* SPDX-License-Identifier: MIT */
/*
 * A running agent on the fake port, for the agent's unit tests: config
 * from text, one endpoint, a loop the test drives with the fake clock.
 */
#ifndef TESTS_UNIT_HARNESS_H
#define TESTS_UNIT_HARNESS_H

#include "agent/agent.h"
#include "tests/fake/fake.h"

struct t {
	struct config *cfg;
	struct agent *ag;
	struct loop *l;
	struct ps_ep *ep;
};

/* Reset the fakes, load @ini (must be valid), create the agent. */
struct t *harness_start(const char *ini);
void harness_stop(struct t *t);
/* Dispatch until the loop is idle (bounded). */
void harness_run(struct t *t);

#endif
