/* SPDX-License-Identifier: MIT */
/*
 * agent/config.h - the agent's configuration: one immutable struct built
 * from the ini file (docs/CONFIG.md is the schema).
 *
 * config_load() parses with inih and validates everything in our code; it
 * reports every error in the file (not only the first) as
 * "FILE:LINE: [section] key: what was found; what was expected".
 */
#ifndef AGENT_CONFIG_H
#define AGENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "port/netaddr.h"

#define CFG_NAME_MAX 32		/* section names, agent name */
#define CFG_PATH_MAX 128	/* file system paths */
#define CFG_SOCK_MAX 108	/* a UNIX socket's path (sun_path) */
#define CFG_STATUS_SOCKET "/run/sctpagent/status.sock"
#define CFG_IFNAME_MAX 16
#define CFG_UNIT_MAX 16
#define CFG_HOST_MAX 254	/* a DNS name: 253 characters + NUL */
#define CFG_FILE_MAX (64 * 1024)	/* largest ini file accepted */

enum cfg_transport { CFG_TRANSPORT_AUTO, CFG_TRANSPORT_KERNEL, CFG_TRANSPORT_UDP };
enum cfg_security { CFG_SEC_NONE, CFG_SEC_DTLS_PSK, CFG_SEC_DTLS_CERT };
enum cfg_outbox { CFG_OUTBOX_DISK, CFG_OUTBOX_MEMORY };

/* Where [agent] name came from: the file, or the board's stable id when
 * the file has none (a copied ini must not make two boards one agent). */
enum cfg_name_from { CFG_NAME_INI, CFG_NAME_HOSTNAME, CFG_NAME_MACHINE_ID };

/* The files the board id is read from (through port/file.h). */
#define CFG_HOSTNAME_FILE "/proc/sys/kernel/hostname"
#define CFG_MACHINE_ID_FILE "/etc/machine-id"

struct cfg_agent {
	char name[CFG_NAME_MAX];
	enum cfg_name_from name_from;
	char name_note[96];		/* how a default name was chosen, or "" */
	int log_level;			/* 0 error .. 4 trace */
	char state_dir[CFG_PATH_MAX];
	uint16_t local_port;
	enum cfg_transport transport;
	uint16_t udp_port;		/* local RFC 6951 port (net.sctp.udp_port) */
	uint32_t reconnect_min_ms;	/* backoff start */
	uint32_t reconnect_max_ms;	/* backoff cap */
	uint16_t init_max_attempts;
	uint32_t init_timeout_ms;
	uint32_t shutdown_timeout_ms;	/* wait for SHUTDOWN_COMP at exit */
	uint16_t assoc_max_retrans;
	uint32_t status_interval_ms;	/* log path status periodically; 0 = off */
	bool interleave;		/* offer I-DATA (RFC 8260) */
	uint32_t resolve_timeout_ms;	/* bound of one host name lookup */
	uint32_t memory_budget_kb;	/* what may be held for controllers */
	enum cfg_outbox outbox;		/* where readings wait for their ACK */
	uint64_t outbox_max_bytes;	/* of state_dir/outbox on the device */
	uint8_t outbox_free_pct;	/* ... and at most this % of free space */
	uint32_t sync_interval_ms;	/* fdatasync by then; 0 = every record */
	uint32_t log_burst;		/* lines per key and window; 0 = no limit */
	uint32_t log_window_ms;		/* the rate limit's window */
	uint32_t clock_jump_ms;		/* a wall-clock step beyond: logged */
	char status_socket[CFG_SOCK_MAX];	/* sctpagent status; "" = none */
};

struct cfg_path {
	char name[CFG_NAME_MAX];
	char interface[CFG_IFNAME_MAX];
	bool addr_auto;			/* take the interface's address */
	struct net_addr addr;		/* valid unless addr_auto */
	uint8_t priority;		/* lower = preferred */
	uint32_t hb_interval_ms;
	uint32_t rto_initial_ms, rto_min_ms, rto_max_ms;
	uint16_t path_max_retrans;
	uint16_t pf_threshold;
	bool metered;
	uint32_t failback_hold_ms;
	uint32_t confirm_timeout_ms;	/* alarm if never CONFIRMED */
	uint16_t udp_port;		/* controllers' UDP port over this path
					 * (RFC 6951); 0 = native SCTP */
	unsigned int line;		/* where it was defined */
};

struct cfg_controller {
	char name[CFG_NAME_MAX];
	struct net_addr addrs[CONFIG_MAX_CTRL_ADDRS];
	int8_t addr_path[CONFIG_MAX_CTRL_ADDRS];	/* local path index, -1 = any */
	char addr_path_name[CONFIG_MAX_CTRL_ADDRS][CFG_NAME_MAX];
	uint16_t addr_udp[CONFIG_MAX_CTRL_ADDRS];	/* "udp=PORT"; 0 = the path's */
	unsigned int n_addrs;
	/* Entry i of the list is a host name when host[i][0] is set (its
	 * addrs[i] is then unset): agent/names.c resolves it at every
	 * connect (CONFIG_RESOLVE). */
	char host[CONFIG_MAX_CTRL_ADDRS][CFG_HOST_MAX];
	unsigned int n_hosts;
	uint16_t port;
	uint16_t streams;		/* outbound streams requested */
	uint64_t sensor_mask;		/* bit i = config sensor i */
	bool all_sensors;
	char tls_name[CFG_PATH_MAX];	/* dtls-cert: name its certificate must carry */
	unsigned int line;
};

struct cfg_sensor {
	char name[CFG_NAME_MAX];
	char driver[CFG_NAME_MAX];
	char source[CFG_PATH_MAX];
	uint32_t interval_ms;
	uint16_t stream;		/* 1.. (0 is control) */
	char unit[CFG_UNIT_MAX];
	uint32_t lifetime_ms;		/* PR-SCTP; 0 = reliable */
	bool ordered;			/* false = unordered delivery */
	uint8_t bundle_count;		/* readings per message (1 = no bundling) */
	uint32_t bundle_ms;		/* send a partial bundle after this age */
	uint8_t priority;		/* stream scheduler: lower = sooner */
	uint64_t ctrl_mask;		/* bit i = config controller i */
	unsigned int line;
};

struct cfg_security_sec {
	enum cfg_security mode;
	char psk_identity[CFG_NAME_MAX * 2];
	char psk_key_file[CFG_PATH_MAX];
	char ca_file[CFG_PATH_MAX];
	char cert_file[CFG_PATH_MAX];
	char key_file[CFG_PATH_MAX];
	char suites[CFG_PATH_MAX * 2];	/* "" = the mode's default */
	uint32_t handshake_timeout_ms;
	uint32_t rekey_interval_s;	/* renegotiate after; 0 = never */
	uint32_t rekey_records;		/* ... or after this many records; 0 = 2^47 */
};

/* PSK key file content: hex (even number of digits, blanks and a final
 * newline allowed) or raw binary; 16..64 bytes. 0, -EINVAL (*why set). */
#define CFG_PSK_MIN 16
#define CFG_PSK_MAX 64
int config_psk_decode(const uint8_t *in, size_t n, uint8_t *out, size_t *len,
		      const char **why);

struct config {
	char file[CFG_PATH_MAX];
	struct cfg_agent agent;
	struct cfg_path paths[CONFIG_MAX_PATHS];
	unsigned int n_paths;
	struct cfg_controller ctrls[CONFIG_MAX_CONTROLLERS];
	unsigned int n_ctrls;
	struct cfg_sensor sensors[CONFIG_MAX_SENSORS];
	unsigned int n_sensors;
	struct cfg_security_sec security;
	/* Bit s: a sensor of this run has had stream s (this file's, and
	 * with config_load_keep() every earlier one of the run): a removed
	 * sensor's stream goes to another only when no other is free. */
	uint8_t streams_run[(CONFIG_MAX_STREAMS + 7) / 8];
};

/* Errors collected while loading: one line each, in file order. */
#define CFG_DIAG_MAX 64
#define CFG_DIAG_LEN 240
struct cfg_diag {
	unsigned int n;			/* errors recorded (<= CFG_DIAG_MAX) */
	unsigned int dropped;		/* errors beyond CFG_DIAG_MAX */
	unsigned int warnings;
	char msg[CFG_DIAG_MAX][CFG_DIAG_LEN];
};

/*
 * Load and validate @path. On success *out is a new config the caller frees
 * with config_free(). On failure @d holds every error found.
 * -ENOENT/-EACCES/-EFBIG/-EISDIR the file itself, -EINVAL errors in it
 * (see @d), -ENOMEM.
 */
int config_load(const char *path, struct config **out, struct cfg_diag *d);

/*
 * A reload: the same, with the running config @prev (NULL = none) as a
 * hint for stream numbers. A sensor without `stream =` keeps the stream
 * its namesake in @prev has, unless an explicit `stream =` of the new file
 * takes it; the others get free streams in file order, never one a sensor
 * of @prev still holds (a removed sensor's readings may still be in
 * flight on it) unless no other is free. Same returns as config_load().
 */
int config_load_keep(const char *path, const struct config *prev,
		     struct config **out, struct cfg_diag *d);

/* Same as config_load() from text in memory; @name is used in messages (and relative paths
 * of key files are checked through port/file.h). */
int config_load_text(const char *name, const char *text, struct config **out,
		     struct cfg_diag *d);

void config_free(struct config *c);

/* One-line summary: "agent NAME: N controllers, N sensors, N paths, ...". */
void config_summary(const struct config *c, char *buf, size_t size);

/* Index of a sensor / controller by name, or -ENOENT. */
int config_sensor_index(const struct config *c, const char *name);
int config_ctrl_index(const struct config *c, const char *name);

#endif
