/* SPDX-License-Identifier: MIT */
/*
 * agent/cli.h - command line: parsing and the actions that need no
 * network (--version, --help, --check-config). Output goes through
 * callbacks so tests can capture it.
 */
#ifndef AGENT_CLI_H
#define AGENT_CLI_H

#include <stdbool.h>

#define CLI_DEFAULT_CONFIG "/etc/sctpagent/sctpagent.ini"

enum cli_action { CLI_RUN, CLI_VERSION, CLI_HELP, CLI_CHECK, CLI_STATUS };

struct cli_opts {
	enum cli_action action;
	const char *config;	/* points into argv */
	bool foreground;
	int verbose;		/* count of -v */
	unsigned int duration_s; /* --duration: stop after N s (0 = never) */
	bool probe;		/* --check-config --probe: open every driver */
	bool json;		/* status --json */
	const char *socket;	/* status --socket PATH (points into argv) */
};

/* How long `sctpagent status` waits for the agent's reply. */
#define CLI_STATUS_TIMEOUT_MS 5000

/* Exit status of --check-config --probe when the file is good but a
 * sensor cannot open or read on this board. */
#define CLI_EXIT_PROBE 3

struct cli_io {
	void (*out)(void *ctx, const char *line);	/* stdout, one line */
	void (*err)(void *ctx, const char *line);	/* stderr, one line */
	void *ctx;
};

/* Parse argv. 0, or -EINVAL with the reason written through io->err
 * (the caller prints usage and exits 2). */
int cli_parse(int argc, char **argv, struct cli_opts *o, const struct cli_io *io);

/* Run a non-network action; returns the process exit code. */
int cli_do(const struct cli_opts *o, const struct cli_io *io);

/* The version line: "sctpagent 0.1.0 (board rpi, arm64, kernel SCTP)". */
const char *cli_version(void);

#endif
