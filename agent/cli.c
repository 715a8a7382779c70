/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/cli.h"
#include "agent/config.h"
#include "agent/kconfig.h"
#include "agent/sensor.h"
#include "board/board.h"
#include "port/clock.h"

static const char *const usage_lines[] = {
	"usage: sctpagent [-c FILE] [-f] [-v]... [--duration SEC]",
	"       sctpagent --check-config FILE [--probe]",
	"       sctpagent status [--json] [--socket PATH]",
	"       sctpagent --version | --help",
	"",
	"  -c, --config FILE    configuration (default " CLI_DEFAULT_CONFIG ")",
	"  -f, --foreground     stay in the foreground, log to stderr",
	"  -v, --verbose        more log (repeat for debug, trace)",
	"      --duration SEC   stop cleanly after SEC seconds (demos, tests)",
	"      --check-config FILE",
	"                       validate FILE, print a summary or every error",
	"      --probe          with --check-config: also open every sensor's",
	"                       driver on this board and take one reading",
	"      --json           with status: JSON instead of a table",
	"      --socket PATH    with status: the agent's status socket",
	"                       (default " CFG_STATUS_SOCKET ")",
	"  -V, --version        print the version and build",
	"  -h, --help           this text",
	"",
	"Exit status: 0 ok, 1 configuration or run-time error, 2 usage error,",
	"3 --probe: the file is good but a sensor fails on this board.",
	NULL,
};

const char *cli_version(void)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "sctpagent %s (board %s, %s, %s%s)",
		 SCTPAGENT_VERSION, board_name(), CONFIG_ARCH_NAME,
		 IS_ENABLED(CONFIG_PORT_LKSCTP) ? "kernel SCTP" : "",
		 IS_ENABLED(CONFIG_DTLS) ? ", DTLS" : "");
	return buf;
}

static int need_arg(int argc, char **argv, int *i, const char **val,
		    const struct cli_io *io)
{
	char msg[160];

	if (*i + 1 >= argc) {
		snprintf(msg, sizeof(msg), "sctpagent: %s needs an argument", argv[*i]);
		io->err(io->ctx, msg);
		return -EINVAL;
	}
	*val = argv[++*i];
	return 0;
}

static int parse_duration(const char *s, unsigned int *out, const struct cli_io *io)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	char msg[160];

	if (!*s || *end || v == 0 || v > 31536000ul) {
		snprintf(msg, sizeof(msg), "sctpagent: --duration '%s': expected "
			 "seconds, 1..31536000", s);
		io->err(io->ctx, msg);
		return -EINVAL;
	}
	*out = (unsigned int)v;
	return 0;
}

static int parse_one(int argc, char **argv, int *i, struct cli_opts *o,
		     const struct cli_io *io)
{
	const char *a = argv[*i], *val;
	char msg[160];

	if (!strcmp(a, "-c") || !strcmp(a, "--config"))
		return need_arg(argc, argv, i, &o->config, io);
	if (!strcmp(a, "--check-config")) {
		o->action = CLI_CHECK;
		return need_arg(argc, argv, i, &o->config, io);
	}
	if (!strcmp(a, "--duration")) {
		int rc = need_arg(argc, argv, i, &val, io);
		return rc ? rc : parse_duration(val, &o->duration_s, io);
	}
	if (!strcmp(a, "--probe"))
		return o->probe = true, 0;
	if (!strcmp(a, "status") && *i == 1)
		return o->action = CLI_STATUS, 0;
	if (!strcmp(a, "--json"))
		return o->json = true, 0;
	if (!strcmp(a, "--socket"))
		return need_arg(argc, argv, i, &o->socket, io);
	if (!strcmp(a, "-f") || !strcmp(a, "--foreground"))
		return o->foreground = true, 0;
	if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
		return o->verbose++, 0;
	if (!strncmp(a, "-v", 2) && strspn(a + 1, "v") == strlen(a + 1))
		return o->verbose += (int)strlen(a + 1), 0;
	if (!strcmp(a, "-V") || !strcmp(a, "--version"))
		return o->action = CLI_VERSION, 0;
	if (!strcmp(a, "-h") || !strcmp(a, "--help"))
		return o->action = CLI_HELP, 0;
	snprintf(msg, sizeof(msg), a[0] == '-' ? "sctpagent: unknown option '%s'" :
		 "sctpagent: unexpected argument '%s'", a);
	io->err(io->ctx, msg);
	return -EINVAL;
}

int cli_parse(int argc, char **argv, struct cli_opts *o, const struct cli_io *io)
{
	memset(o, 0, sizeof(*o));
	o->action = CLI_RUN;
	o->config = CLI_DEFAULT_CONFIG;
	for (int i = 1; i < argc; i++) {
		enum cli_action prev = o->action;
		int rc = parse_one(argc, argv, &i, o, io);

		if (rc)
			return rc;
		/* the first of --version/--help/--check-config wins */
		if (prev != CLI_RUN)
			o->action = prev;
	}
	if (o->probe && o->action != CLI_CHECK) {
		io->err(io->ctx, "sctpagent: --probe goes with --check-config FILE");
		return -EINVAL;
	}
	if ((o->json || o->socket) && o->action != CLI_STATUS) {
		io->err(io->ctx, "sctpagent: --json and --socket go with status");
		return -EINVAL;
	}
	if (!o->socket)
		o->socket = CFG_STATUS_SOCKET;
	return 0;
}

/* Open one sensor's driver and take a reading: what the agent would see
 * at start on this board. 0, or the driver's error (@line says why). */
static int probe_one(const struct cfg_sensor *s, char *line, size_t n)
{
	const struct sensor_ops *ops = board_sensor_driver(s->driver);
	char why[160] = "";
	const char *bus;
	void *state = NULL;
	double v = 0;
	int rc = ops ? ops->open(s->source, &state, why, sizeof(why)) : -ENOENT;

	if (rc) {
		snprintf(line, n, "sensor %s (%s): cannot open: %s", s->name, s->driver,
			 why[0] ? why : strerror(-rc));
		return rc;
	}
	bus = ops->slow_bus ? ops->slow_bus(state) : NULL;
	rc = ops->read(state, clock_mono_ms(), &v);
	if (rc)
		snprintf(line, n, "sensor %s (%s): opens, but a read failed: %s",
			 s->name, s->driver, strerror(-rc));
	else
		snprintf(line, n, "sensor %s (%s): ok, %g%s%s; reads on the %s%s%s%s",
			 s->name, s->driver, v, s->unit[0] ? " " : "", s->unit,
			 ops->blocking || bus ? "worker" : "loop", bus ? " (" : "",
			 bus ? bus : "", bus ? ")" : "");
	ops->close(state);
	return rc;
}

static int probe(const struct config *c, const struct cli_io *io)
{
	char line[CFG_DIAG_LEN + 128];
	unsigned int bad = 0;

	for (unsigned int i = 0; i < c->n_sensors; i++) {
		int rc = probe_one(&c->sensors[i], line, sizeof(line));

		bad += rc != 0;
		(rc ? io->err : io->out)(io->ctx, line);
	}
	snprintf(line, sizeof(line), "%s: probe: %u of %u sensor%s work on this board",
		 c->file, c->n_sensors - bad, c->n_sensors, c->n_sensors == 1 ? "" : "s");
	(bad ? io->err : io->out)(io->ctx, line);
	return bad ? CLI_EXIT_PROBE : 0;
}

static int check_config(const struct cli_opts *o, const struct cli_io *io)
{
	struct cfg_diag *d = calloc(1, sizeof(*d));
	struct config *c = NULL;
	char line[CFG_DIAG_LEN + 64];
	int rc;

	if (!d)
		return 1;
	rc = config_load(o->config, &c, d);
	if (!rc) {
		config_summary(c, line, sizeof(line));
		io->out(io->ctx, line);
		if (o->probe)
			rc = probe(c, io);
		config_free(c);
		free(d);
		return rc;
	} else {
		for (unsigned int i = 0; i < d->n; i++)
			io->err(io->ctx, d->msg[i]);
		if (d->dropped) {
			snprintf(line, sizeof(line), "%s: %u more errors not shown",
				 o->config, d->dropped);
			io->err(io->ctx, line);
		}
		snprintf(line, sizeof(line), "%s: %u error%s", o->config,
			 d->n + d->dropped, d->n + d->dropped == 1 ? "" : "s");
		io->err(io->ctx, line);
	}
	config_free(c);
	free(d);
	return rc ? 1 : 0;
}

int cli_do(const struct cli_opts *o, const struct cli_io *io)
{
	switch (o->action) {
	case CLI_VERSION:
		io->out(io->ctx, cli_version());
		return 0;
	case CLI_HELP:
		for (int i = 0; usage_lines[i]; i++)
			io->out(io->ctx, usage_lines[i]);
		return 0;
	case CLI_CHECK:
		return check_config(o, io);
	default:
		return 2;
	}
}
