/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "tests/unit/harness.h"

struct t *harness_start(const char *ini)
{
	struct t *t = calloc(1, sizeof(*t));
	struct cfg_diag d;
	struct cli_opts o = { 0 };

	assert_non_null(t);
	fake_reset_all();
	fake_nl_fail_open(0);
	assert_int_equal(config_load_text("t.ini", ini, &t->cfg, &d), 0);
	assert_int_equal(agent_create(t->cfg, &o, &t->ag), 0);
	t->l = agent_loop(t->ag);
	t->ep = fake_sctp_last_ep();
	return t;
}

void harness_stop(struct t *t)
{
	agent_destroy(t->ag);
	config_free(t->cfg);
	free(t);
	fake_reset_all();
	fake_notify_reset();	/* after: a test sets them up before the start */
	fake_resolve_reset();
}

void harness_run(struct t *t)
{
	for (int i = 0; i < 100 && loop_run_once(t->l, 0) > 0; i++)
		;
}
