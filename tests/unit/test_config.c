/* SPDX-License-Identifier: MIT */
/*
 * Config loader: every bad input gets the exact "file:line: [section] key:
 * reason" message; every error in a file is reported in one run; good
 * files produce the values and defaults docs/CONFIG.md promises.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/config.h"
#include "agent/config_int.h"
#include "agent/kconfig.h"
#include "board/board.h"
#include "tests/fake/fake.h"

#define A "[agent]\nname = a\n"				/* lines 1-2 */
#define C "[controller.c1]\naddress = 192.0.2.1\n"	/* lines 3-4 */
#define AC A C

struct bad {
	const char *ini;
	const char *msg;	/* the one error expected */
};

static const struct bad bad_cases[] = {
	/* syntax */
	{ AC "garbage\n", "t.ini:5: 'garbage' is not a setting; expected 'key = value', a [section] or a comment" },
	{ AC "[sensor.x\n", "t.ini:5: bad section header '[sensor.x'; expected [name] alone on the line" },
	{ AC "= 5\n", "t.ini:5: setting without a key name" },
	{ "name = a\n" A C, "t.ini:1: name: key outside any section; expected a [section] header first" },
	/* sections */
	{ AC "[agnet]\n", "t.ini:5: [agnet]: unknown section; did you mean [agent]?" },
	{ AC "[wibble]\n", "t.ini:5: [wibble]: unknown section; expected [agent], [path.NAME], [controller.NAME], [sensor.NAME] or [security]" },
	{ AC "[sensor]\ndriver = simulated\n", "t.ini:5: [sensor]: needs a name; expected [sensor.NAME]" },
	{ AC "[sensor.a b]\n", "t.ini:5: [sensor.a b]: bad name 'a b'; expected 1..31 letters, digits, '.', '_' or '-'" },
	{ AC "[controller.c1]\naddress = 192.0.2.9\n", "t.ini:5: [controller.c1]: duplicate section (first at line 3)" },
	{ AC "[agent]\n", "t.ini:5: [agent]: duplicate section (first at line 1)" },
	/* no [agent] at all: every key has a default, the name is the board's
	 * id, and this fake board has none */
	{ C, "t.ini:1: [agent] name: missing, and this board has neither a usable host name nor /etc/machine-id; expected a name of 1..31 letters, digits, '.', '_' or '-'" },
	{ A, "t.ini:1: [agent]: no [controller.NAME] section; expected at least one" },
	/* keys */
	{ "[agent]\nname = a\nnmae = b\n" C, "t.ini:3: [agent] nmae: unknown key; did you mean 'name'?" },
	{ "[agent]\nname = a\nzzz = 1\n" C, "t.ini:3: [agent] zzz: unknown key in [agent]" },
	{ "[agent]\nname = a\nname = b\n" C, "t.ini:3: [agent] name: duplicate key (first set at line 2)" },
	{ "[agent]\nlog_level = info\n" C, "t.ini:1: [agent] name: missing, and this board has neither a usable host name nor /etc/machine-id; expected a name of 1..31 letters, digits, '.', '_' or '-'" },
	/* raw control bytes from the file are printed escaped */
	{ A "log_level = info\rx\n" C, "t.ini:3: [agent] log_level: 'info\\rx' is not valid; expected error, warn, info, debug, trace or 0..4" },
	{ "[agent]\nname = a\x1b[31mb\n" C, "t.ini:2: [agent] name: 'a\\e[31mb' is not valid; expected a name of 1..31 letters, digits, '.', '_' or '-'" },
	{ AC "[sensor.t\x7f]\n", "t.ini:5: [sensor.t\\x7f]: bad name 't\\x7f'; expected 1..31 letters, digits, '.', '_' or '-'" },
	{ "[agent]\nname = a/b\n" C, "t.ini:2: [agent] name: 'a/b' is not valid; expected a name of 1..31 letters, digits, '.', '_' or '-'" },
	{ "[agent]\nname = abcdefghijabcdefghijabcdefghijab\n" C, "t.ini:2: [agent] name: value of 32 characters is too long; expected at most 31" },
	{ AC "[agent]\n", "t.ini:5: [agent]: duplicate section (first at line 1)" },
	/* numbers */
	{ A "log_level = loud\n" C, "t.ini:3: [agent] log_level: 'loud' is not valid; expected error, warn, info, debug, trace or 0..4" },
	{ A "log_level = 5\n" C, "t.ini:3: [agent] log_level: '5' is not valid; expected error, warn, info, debug, trace or 0..4" },
	{ A "local_port = 65536\n" C, "t.ini:3: [agent] local_port: 65536 is out of range; expected 0..65535" },
	{ A "local_port = -1\n" C, "t.ini:3: [agent] local_port: '-1' is not a whole number; expected 0..65535" },
	{ A "local_port = 12 34\n" C, "t.ini:3: [agent] local_port: '12 34' is not a whole number; expected 0..65535" },
	{ A "local_port = 99999999999999999999\n" C, "t.ini:3: [agent] local_port: 99999999999999999999 is out of range; expected 0..65535" },
	{ A "reconnect_min_ms = 50\n" C, "t.ini:3: [agent] reconnect_min_ms: 50 is out of range; expected 100..600000" },
	{ A "reconnect_min_ms = 5000\nreconnect_max_ms = 2000\n" C, "t.ini:4: [agent] reconnect_max_ms: 2000 is below reconnect_min_ms 5000" },
	{ A "transport = tcp\n" C, "t.ini:3: [agent] transport: 'tcp' is not valid; expected auto, kernel or udp" },
	{ A "transport = udp\n" C, "t.ini:3: [agent] transport: udp needs the userspace SCTP port, which this build lacks; expected auto or kernel" },
	{ A "state_dir = var/lib\n" C, "t.ini:3: [agent] state_dir: 'var/lib' is relative; expected an absolute path" },
	/* addresses */
	/* host names (accepted: test_config_host.c) */
	{ A "[controller.c1]\naddress = ctrl_1.example.com\n", "t.ini:4: [controller.c1] address: 'ctrl_1.example.com' is not a valid host name ('_' is not allowed; expected letters, digits, '-' and '.')" },
	{ AC "[path.eth]\ninterface = eth0\naddress = eth.example.com\n", "t.ini:7: [path.eth] address: 'eth.example.com' is a host name; a path's own address is numeric IPv4/IPv6 or 'auto'" },
	{ A "[controller.c1]\naddress = 192.0.2.256\n", "t.ini:4: [controller.c1] address: '192.0.2.256' is not a valid IPv4 or IPv6 address" },
	{ A "[controller.c1]\naddress = 2001:db8::1::2\n", "t.ini:4: [controller.c1] address: '2001:db8::1::2' is not a valid IPv4 or IPv6 address" },
	{ A "[controller.c1]\naddress = 0.0.0.0\n", "t.ini:4: [controller.c1] address: '0.0.0.0' is the wildcard address; expected a controller's own address" },
	{ A "[controller.c1]\naddress = 192.0.2.1, 192.0.2.1\n", "t.ini:4: [controller.c1] address: '192.0.2.1' is listed twice" },
	{ A "[controller.c1]\naddress = 192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5\n", "t.ini:4: [controller.c1] address: more than 4 addresses (CONFIG_MAX_CTRL_ADDRS)" },
	{ A "[controller.c1]\nport = 9910\n", "t.ini:3: [controller.c1] address: missing; expected addresses or host names (each optionally @path) separated by ',' or spaces" },
	{ A "[controller.c1]\naddress = 192.0.2.1\nport = 0\n", "t.ini:5: [controller.c1] port: 0 is out of range; expected 1..65535" },
	/* paths */
	{ AC "[path.eth]\naddress = auto\n", "t.ini:5: [path.eth] interface: missing; expected an interface name of 1..15 characters" },
	{ AC "[path.eth]\ninterface = eth0\naddress = ::\n", "t.ini:7: [path.eth] address: '::' is the wildcard; the agent binds each path's own address (use 'auto' to take the interface's)" },
	{ AC "[path.eth]\ninterface = eth0\nrto_min_ms = 500\nrto_initial_ms = 200\n", "t.ini:8: [path.eth] rto_initial_ms: rto_min_ms 500 <= rto_initial_ms 200 <= rto_max_ms 60000 does not hold" },
	{ AC "[path.eth]\ninterface = eth0\npath_max_retrans = 2\npf_threshold = 2\n", "t.ini:8: [path.eth] pf_threshold: 2 is not below path_max_retrans 2; the kernel rejects it" },
	{ AC "[path.eth]\ninterface = eth0\nmetered = maybe\n", "t.ini:7: [path.eth] metered: 'maybe' is not a boolean; expected true or false" },
	{ AC "[path.a]\ninterface = eth0\n[path.b]\ninterface = eth0\n", "t.ini:8: [path.b] interface: 'eth0' is already used by [path.a]" },
	{ AC "[path.a]\ninterface = eth0\naddress = 10.0.0.1\n[path.b]\ninterface = wwan0\naddress = 10.0.0.1\n", "t.ini:10: [path.b] address: already used by [path.a]" },
	{ "[agent]\nname = a\ntransport = kernel\n" C "[path.a]\ninterface = eth0\nudp_port = 9899\n", "t.ini:8: [path.a] udp_port: set, but [agent] transport = kernel never encapsulates in UDP" },
	{ AC "[path.eth]\ninterface = eth0\nheartbeat_ms = 10\n", "t.ini:7: [path.eth] heartbeat_ms: 10 is out of range; expected 100..3600000" },
	/* sensors */
	{ AC "[sensor.t]\nsource = x\n", "t.ini:5: [sensor.t] driver: missing; expected a sensor driver name" },
	{ AC "[sensor.t]\ndriver = simulated\ninterval_ms = 5x\n", "t.ini:7: [sensor.t] interval_ms: '5x' is not a whole number; expected 10..86400000" },
	{ AC "[sensor.t]\ndriver = simulated\nstream = 0\n", "t.ini:7: [sensor.t] stream: 0 is out of range; expected 1..63" },
	{ AC "[sensor.t]\ndriver = simulated\nstream = 64\n", "t.ini:7: [sensor.t] stream: 64 is out of range; expected 1..63" },
	{ AC "[sensor.t]\ndriver = simulated\nstream = 3\n[sensor.u]\ndriver = simulated\nstream = 3\n", "t.ini:10: [sensor.u] stream: 3 is already used by [sensor.t] (line 7)" },
	{ AC "[sensor.t]\ndriver = simulated\ncontrollers = c9\n", "t.ini:7: [sensor.t] controllers: 'c9' names no [controller.c9] section" },
	{ A "[controller.c1]\naddress = 192.0.2.1\nsensors = t, nope\n[sensor.t]\ndriver = simulated\n", "t.ini:5: [controller.c1] sensors: 'nope' names no [sensor.nope] section" },
	{ A "[controller.c1]\naddress = 192.0.2.1\nstreams = 4\n[sensor.t]\ndriver = simulated\nstream = 7\n", "t.ini:5: [controller.c1] streams: 4 is too few for [sensor.t] on stream 7; expected at least 8" },
	{ A "[controller.c1]\naddress = 192.0.2.1\nstreams = 65\n", "t.ini:5: [controller.c1] streams: 65 is out of range; expected 2..64" },
	{ A "[controller.c1]\naddress = 192.0.2.1\nsensors = u\n[sensor.t]\ndriver = simulated\n[sensor.u]\ndriver = simulated\ncontrollers = c1\n[sensor.v]\ndriver = simulated\n", "t.ini:6: [sensor.t]: goes to no controller (check its 'controllers' and the controllers' 'sensors')" },
	{ AC "[sensor.t]\ndriver = simulated\nordered = sometimes\n", "t.ini:7: [sensor.t] ordered: 'sometimes' is not a boolean; expected true or false" },
	{ AC "[sensor.t]\ndriver = simulated\nlifetime_ms = 3600001\n", "t.ini:7: [sensor.t] lifetime_ms: 3600001 is out of range; expected 0..3600000" },
	/* each driver checks its source's syntax (no device is touched) */
	{ AC "[sensor.t]\ndriver = thermal\nsource = zone=x\n", "t.ini:7: [sensor.t] source: 'zone=x': zone='x': expected an integer 0..9999" },
	{ AC "[sensor.t]\ndriver = ds18b20\nsource = id=28-1\n", "t.ini:7: [sensor.t] source: 'id=28-1': id='28-1': expected a 1-Wire id like 28-00000abcdef0" },
	{ AC "[sensor.t]\ndriver = thermal\n", "t.ini:5: [sensor.t] source: '': empty source" },
	{ AC "[sensor.t]\ndriver = simulated\nsource = sawtooth\n", "t.ini:7: [sensor.t] source: 'sawtooth': unknown waveform 'sawtooth'; expected sine, triangle, square, noise or counter" },
	{ AC "[sensor.t]\ndriver = bme280\nsource = bus=1,addr=0x50,quantity=pressure\n", "t.ini:7: [sensor.t] source: 'bus=1,addr=0x50,quantity=pressure': addr=0x50: a BME280 answers at 0x76 or 0x77" },
	{ AC "[sensor.t]\ndriver = simulated\nunit = abcdefghijklmnop\n", "t.ini:7: [sensor.t] unit: value of 16 characters is too long; expected at most 15" },
	{ A "[controller.c1]\naddress = 192.0.2.1@cell\n[path.eth]\ninterface = eth0\n", "t.ini:4: [controller.c1] address: '@cell' names no [path.cell] section" },
	{ A "[controller.c1]\naddress = 192.0.2.1@bad/name\n", "t.ini:4: [controller.c1] address: 'bad/name' after '@' is not a path name" },
	{ A "assoc_max_retrans = 7\n" C "[path.a]\ninterface = eth0\npath_max_retrans = 3\n[path.b]\ninterface = wwan0\npath_max_retrans = 3\n", "t.ini:3: [agent] assoc_max_retrans: 7 is above the sum of the paths' path_max_retrans (6): every path could be down while the association lives on (RFC 9260 8.1) and the kernel refuses it; expected at most 6, or 0 for the sum" },
	/* security */
	{ AC "[security]\nmode = tls\n", "t.ini:6: [security] mode: 'tls' is not valid; expected none, dtls-psk or dtls-cert" },
	{ AC "[security]\nmode = dtls-psk\n", IS_ENABLED(CONFIG_DTLS) ?
	  "t.ini:6: [security] mode: dtls-psk needs psk_identity and psk_key_file" :
	  "t.ini:6: [security] mode: DTLS is not in this build (CONFIG_DTLS); expected none" },
	{ AC "[security]\npsk_key_file = /etc/k/open.key\n", "t.ini:6: [security] psk_key_file: '/etc/k/open.key' is readable by group or others (mode 644); expected mode 600 or 400" },
	{ AC "[security]\nkey_file = /etc/k/group.key\n", "t.ini:6: [security] key_file: '/etc/k/group.key' is readable by group or others (mode 640); expected mode 600 or 400" },
	{ AC "[security]\nkey_file = /etc/k/missing.key\n", "t.ini:6: [security] key_file: cannot use '/etc/k/missing.key': No such file or directory" },
};

static int setup(void **state)
{
	(void)state;
	fake_file_reset();
	fake_file_put("/etc/k/open.key", "secret", 0644);
	fake_file_put("/etc/k/group.key", "secret", 0640);
	fake_file_put("/etc/k/good.key", "secret", 0600);
	return 0;
}

static void test_bad_cases(void **state)
{
	unsigned int failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct cfg_diag d;
		struct config *c = NULL;
		int rc = config_load_text("t.ini", bad_cases[i].ini, &c, &d);

		if (rc != -EINVAL || d.n != 1 || strcmp(d.msg[0], bad_cases[i].msg)) {
			print_error("case %zu: rc %d, %u errors\n  want: %s\n", i, rc,
				    d.n, bad_cases[i].msg);
			for (unsigned int k = 0; k < d.n; k++)
				print_error("  got:  %s\n", d.msg[k]);
			failures++;
		}
		assert_null(c);
	}
	assert_int_equal(failures, 0);
	/* the issue asks for at least 40 cases: keep it honest */
	assert_true(sizeof(bad_cases) / sizeof(bad_cases[0]) >= 40);
}

static void test_unknown_driver_lists_drivers(void **state)
{
	const char *const *d = board_sensor_drivers();
	char want[300];
	struct cfg_diag diag;
	struct config *c;
	int n = snprintf(want, sizeof(want), "t.ini:6: [sensor.t] driver: unknown "
			 "driver 'lidar'; this build has: ");

	(void)state;
	for (unsigned int i = 0; d[i]; i++)
		n += snprintf(want + n, sizeof(want) - (size_t)n, "%s%s", i ? ", " : "", d[i]);
	assert_int_equal(config_load_text("t.ini", AC "[sensor.t]\ndriver = lidar\n",
					  &c, &diag), -EINVAL);
	assert_int_equal(diag.n, 1);
	assert_string_equal(diag.msg[0], want);
	assert_non_null(strstr(want, "simulated"));
}

static void test_all_errors_reported(void **state)
{
	static const char ini[] =
		"[agent]\n"			/* 1 */
		"name = ok\n"			/* 2 */
		"log_level = loud\n"		/* 3 */
		"[controller.c1]\n"		/* 4 */
		"address = 192.0.2.1\n"		/* 5 */
		"port = 0\n"			/* 6 */
		"[sensor.t]\n"			/* 7 */
		"driver = simulated\n"		/* 8 */
		"interval_ms = 1\n"		/* 9 */
		"bogus\n";			/* 10 */
	struct cfg_diag d;
	struct config *c;

	(void)state;
	assert_int_equal(config_load_text("t.ini", ini, &c, &d), -EINVAL);
	assert_int_equal(d.n, 4);
	assert_string_equal(d.msg[0], "t.ini:3: [agent] log_level: 'loud' is not valid; expected error, warn, info, debug, trace or 0..4");
	assert_string_equal(d.msg[1], "t.ini:6: [controller.c1] port: 0 is out of range; expected 1..65535");
	assert_string_equal(d.msg[2], "t.ini:9: [sensor.t] interval_ms: 1 is out of range; expected 10..86400000");
	assert_string_equal(d.msg[3], "t.ini:10: 'bogus' is not a setting; expected 'key = value', a [section] or a comment");
}

static void test_many_errors_capped(void **state)
{
	char ini[8192];
	struct cfg_diag d;
	struct config *c;
	int n = snprintf(ini, sizeof(ini), AC);

	(void)state;
	for (int i = 0; i < CFG_DIAG_MAX + 10; i++)
		n += snprintf(ini + n, sizeof(ini) - (size_t)n, "junk%d\n", i);
	assert_int_equal(config_load_text("t.ini", ini, &c, &d), -EINVAL);
	assert_int_equal(d.n, CFG_DIAG_MAX);
	assert_int_equal(d.dropped, 10);
	assert_string_equal(d.msg[0], "t.ini:5: 'junk0' is not a setting; expected 'key = value', a [section] or a comment");
}

static void test_long_line(void **state)
{
	char ini[600];
	struct cfg_diag d;
	struct config *c;

	(void)state;
	snprintf(ini, sizeof(ini), AC "[sensor.t]\ndriver = simulated\nsource = %0300d\n", 7);
	assert_int_equal(config_load_text("t.ini", ini, &c, &d), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msg[0], "t.ini:7: line of 309 characters is too long; expected at most 198");
}

static void test_good_values_and_defaults(void **state)
{
	static const char ini[] =
		"; comment\n"
		"# another\n"
		"[agent]\n"
		"  name = board-7 ; inline comment\n"
		"log_level = debug\n"
		"[path.eth]\n"
		"interface = eth0\n"
		"address = 10.0.0.2\n"
		"priority = 10\n"
		"[path.cell]\n"
		"interface = wwan0\n"
		"metered = yes\n"
		"[controller.c1]\n"
		"address = 192.0.2.1@cell, 2001:db8::1\n"
		"port = 5000\n"
		"[controller.c2]\n"
		"address = 198.51.100.7\n"
		"sensors = hum\n"
		"[sensor.temp]\n"
		"driver = simulated\n"
		"unit = Cel\n"
		"stream = 5\n"
		"ordered = false\n"
		"lifetime_ms = 2000\n"
		"[sensor.hum]\n"
		"driver = simulated\n"
		"interval_ms = 250\n"
		"[security]\n"
		"mode = none\n"
		"psk_key_file = /etc/k/good.key\n";
	struct cfg_diag d;
	struct config *c;
	char sum[200];

	(void)state;
	assert_int_equal(config_load_text("g.ini", ini, &c, &d), 0);
	assert_string_equal(c->agent.name, "board-7");
	assert_int_equal(c->agent.log_level, 3);
	assert_string_equal(c->agent.state_dir, "/var/lib/sctpagent");
	assert_int_equal(c->agent.reconnect_min_ms, 1000);
	assert_int_equal(c->agent.reconnect_max_ms, 60000);
	assert_int_equal(c->agent.assoc_max_retrans, 10);	/* 5 + 5 */
	assert_int_equal(c->n_paths, 2);
	assert_false(c->paths[0].addr_auto);
	assert_int_equal(c->paths[0].addr.family, NET_AF_INET4);
	assert_int_equal(c->paths[0].priority, 10);
	assert_true(c->paths[1].addr_auto);
	assert_true(c->paths[1].metered);
	assert_int_equal(c->paths[1].priority, 100);
	assert_int_equal(c->n_ctrls, 2);
	assert_int_equal(c->ctrls[0].n_addrs, 2);
	assert_int_equal(c->ctrls[0].addrs[1].family, NET_AF_INET6);
	assert_int_equal(c->ctrls[0].addr_path[0], 1);	/* @cell */
	assert_int_equal(c->ctrls[0].addr_path[1], -1);
	assert_int_equal(c->ctrls[0].addrs[0].port, 5000);
	assert_int_equal(c->ctrls[0].port, 5000);
	assert_int_equal(c->ctrls[1].port, 9910);
	assert_int_equal(c->ctrls[0].streams, 6);	/* highest stream 5 + 1 */
	assert_int_equal(c->n_sensors, 2);
	assert_int_equal(c->sensors[0].stream, 5);
	assert_int_equal(c->sensors[1].stream, 1);	/* first free */
	assert_false(c->sensors[0].ordered);
	assert_true(c->sensors[1].ordered);
	assert_int_equal(c->sensors[0].lifetime_ms, 2000);
	assert_int_equal(c->sensors[1].interval_ms, 250);
	assert_int_equal(c->sensors[0].ctrl_mask, 1);	/* c2 takes only hum */
	assert_int_equal(c->sensors[1].ctrl_mask, 3);
	assert_int_equal(c->sensors[0].line, 19);
	config_summary(c, sum, sizeof(sum));
	assert_string_equal(sum, "g.ini: OK: agent 'board-7', 2 controllers, 2 sensors, 2 paths, security none");
	config_free(c);
}

/* A missing [agent] name is the board's id: the host name, else the
 * machine id, and the config says which. */
static void test_default_name(void **state)
{
	struct cfg_diag d;
	struct config *c;
	char sum[200];

	(void)state;
	fake_file_put(CFG_HOSTNAME_FILE, "greenhouse-7\n", 0644);
	fake_file_put(CFG_MACHINE_ID_FILE, "0123456789abcdef0123456789abcdef\n", 0444);
	assert_int_equal(config_load_text("t.ini", "[agent]\nlog_level = info\n" C, &c, &d), 0);
	assert_string_equal(c->agent.name, "greenhouse-7");
	assert_int_equal(c->agent.name_from, CFG_NAME_HOSTNAME);
	config_summary(c, sum, sizeof(sum));
	assert_string_equal(sum, "t.ini: OK: agent 'greenhouse-7' (name from the host name), "
			    "1 controller, 0 sensors, 0 paths, security none");
	config_free(c);

	/* the name in the file wins */
	assert_int_equal(config_load_text("t.ini", AC, &c, &d), 0);
	assert_string_equal(c->agent.name, "a");
	assert_int_equal(c->agent.name_from, CFG_NAME_INI);
	assert_string_equal(c->agent.name_note, "");
	config_free(c);

	/* a fully qualified name too long for a name: its first label */
	fake_file_put(CFG_HOSTNAME_FILE, "greenhouse-7.north.farm.example.com\n", 0644);
	assert_int_equal(config_load_text("t.ini", C, &c, &d), 0);
	assert_string_equal(c->agent.name, "greenhouse-7");
	config_free(c);

	/* the stock image's host name is no id: the machine id is */
	fake_file_put(CFG_HOSTNAME_FILE, "raspberrypi\n", 0644);
	assert_int_equal(config_load_text("t.ini", C, &c, &d), 0);
	assert_string_equal(c->agent.name, "mid-0123456789abcdef01234567");
	assert_int_equal(c->agent.name_from, CFG_NAME_MACHINE_ID);
	assert_string_equal(c->agent.name_note, "from /etc/machine-id (the host name "
			    "'raspberrypi' is a stock name many boards share)");
	config_free(c);

	/* no host name, a bad machine id: an error that says what to do */
	fake_file_reset();
	fake_file_put(CFG_MACHINE_ID_FILE, "uninitialized\n", 0444);
	assert_int_equal(config_load_text("t.ini", C, &c, &d), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msg[0], "t.ini:1: [agent] name: missing, and this board has neither a usable host name nor /etc/machine-id; expected a name of 1..31 letters, digits, '.', '_' or '-'");
	fake_file_put(CFG_HOSTNAME_FILE, "raspberrypi\n", 0644);
	assert_int_equal(config_load_text("t.ini", C, &c, &d), -EINVAL);
	assert_string_equal(d.msg[0], "t.ini:1: [agent] name: missing, and this board has "
			    "neither a usable host name (the host name 'raspberrypi' is a "
			    "stock name many boards share) nor /etc/machine-id; expected a "
			    "name of 1..31 letters, digits, '.', '_' or '-'");
}

static void test_escape(void **state)
{
	struct cfg_diag d;
	struct config *c;

	(void)state;
	/* the file name is escaped too, and a cut never splits an escape */
	fake_file_put("/etc/a\rb.ini", "[agent]\nname = x\ty\n" C, 0644);
	assert_int_equal(config_load("/etc/a\rb.ini", &c, &d), -EINVAL);
	assert_string_equal(d.msg[0], "/etc/a\\rb.ini:2: [agent] name: 'x\\ty' is not valid; "
			    "expected a name of 1..31 letters, digits, '.', '_' or '-'");
	assert_int_equal(config_load("/none\x1b", &c, &d), -ENOENT);
	assert_string_equal(d.msg[0], "/none\\e: cannot read: No such file or directory");
	for (size_t n = 1; n < 8; n++) {
		char out[8];

		memset(out, '#', sizeof(out));
		cfg_escape(out, n, "a\x01");
		assert_true(!strcmp(out, n < 2 ? "" : n < 6 ? "a" : "a\\x01"));
	}
}

static void test_load_file(void **state)
{
	struct cfg_diag d;
	struct config *c;

	(void)state;
	fake_file_put("/etc/sctpagent/a.ini", AC, 0644);
	assert_int_equal(config_load("/etc/sctpagent/a.ini", &c, &d), 0);
	assert_string_equal(c->file, "/etc/sctpagent/a.ini");
	config_free(c);

	assert_int_equal(config_load("/nope.ini", &c, &d), -ENOENT);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msg[0], "/nope.ini: cannot read: No such file or directory");
	assert_null(c);
}

static void test_nul_in_file(void **state)
{
	struct cfg_diag d;
	struct config *c;
	static const char bin[] = "[agent]\0name=x\n";

	(void)state;
	fake_file_put_bin("/bin.ini", bin, sizeof(bin) - 1, 0644);
	assert_int_equal(config_load("/bin.ini", &c, &d), -EINVAL);
	assert_string_equal(d.msg[0], "/bin.ini:1: NUL byte in file; expected a text file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_bad_cases, setup),
		cmocka_unit_test_setup(test_unknown_driver_lists_drivers, setup),
		cmocka_unit_test_setup(test_all_errors_reported, setup),
		cmocka_unit_test_setup(test_many_errors_capped, setup),
		cmocka_unit_test_setup(test_long_line, setup),
		cmocka_unit_test_setup(test_good_values_and_defaults, setup),
		cmocka_unit_test_setup(test_default_name, setup),
		cmocka_unit_test_setup(test_escape, setup),
		cmocka_unit_test_setup(test_load_file, setup),
		cmocka_unit_test_setup(test_nul_in_file, setup),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
