/* SPDX-License-Identifier: MIT */
/* sctpagent entry point: parse the command line, load the config, run. */
#include <stdio.h>
#include <stdlib.h>

#include "agent/agent.h"
#include "agent/cli.h"
#include "agent/config.h"
#include "agent/log.h"
#include "agent/status_fmt.h"
#include "port/loop.h"

static void put_out(void *ctx, const char *line)
{
	(void)ctx;
	fputs(line, stdout);
	fputc('\n', stdout);
}

static void put_err(void *ctx, const char *line)
{
	(void)ctx;
	fputs(line, stderr);
	fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	const struct cli_io io = { put_out, put_err, NULL };
	struct cli_opts o;
	struct cfg_diag *d;
	struct config *cfg = NULL;
	int rc;

	/* Before anything can start a thread (a blocking driver's worker, the
	 * log writer): every thread inherits this mask, so SIGTERM, SIGHUP and
	 * SIGUSR1 only ever reach the loop's signalfd. */
	if (loop_block_signals()) {
		put_err(NULL, "sctpagent: cannot block signals");
		return 1;
	}
	if (cli_parse(argc, argv, &o, &io)) {
		put_err(NULL, "try 'sctpagent --help'");
		return 2;
	}
	if (o.action == CLI_STATUS)
		return status_cli(o.socket, o.json, CLI_STATUS_TIMEOUT_MS, put_out, put_err, NULL);
	if (o.action != CLI_RUN)
		return cli_do(&o, &io);
	d = calloc(1, sizeof(*d));
	if (!d)
		return 1;
	if (config_load(o.config, &cfg, d)) {
		for (unsigned int i = 0; i < d->n; i++)
			put_err(NULL, d->msg[i]);
		put_err(NULL, "sctpagent: not starting: fix the configuration "
			"(sctpagent --check-config FILE lists every error)");
		free(d);
		return 1;
	}
	free(d);
	log_set_level(cfg->agent.log_level + o.verbose > LOG_TRACE ? LOG_TRACE :
		      cfg->agent.log_level + o.verbose);
	if (cfg->agent.name_from != CFG_NAME_INI)
		LOG(LOGM_CONFIG, LOG_INFO, "no [agent] name in %s: the agent is '%s', %s",
		    cfg->file, cfg->agent.name, cfg->agent.name_note);
	rc = agent_run(cfg, &o);
	config_free(cfg);
	return rc;
}
