// SPDX-License-Identifier: MIT
/*
 * tests/bench/outbox_bench_wear.c - what the outbox writes per reading:
 * bytes and fdatasync calls counted at the file port (the fake file system,
 * so every byte of frames, indexes, state slots and names is counted) on a
 * simulated clock: one 40-byte reading message at a steady rate, two
 * controllers acknowledging every 200 ms. Baseline in the same run: an
 * fdatasync after every record (sync_interval_ms = 0).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "agent/outbox.h"
#include "tests/fake/fake.h"

struct run {
	uint64_t readings;
	uint64_t bytes, syncs;
	uint64_t payload;
};

static const char *const names[] = { "a", "b" };

static struct run one(unsigned int rate, unsigned int seconds,
		      uint32_t sync_ms, bool acks)
{
	struct outbox_config c = {
		.dir = "/var/lib/sctpagent", .n_ctrls = 2, .ctrl_names = names,
		.sync_interval_ms = sync_ms, .free_pct = 100,
	};
	struct run r = { 0 };
	struct outbox *ob;
	uint8_t payload[40];
	uint32_t epoch, seq = 0;
	uint64_t t0, next_ack, step = 1000 / rate;

	fake_file_reset();
	fake_clock_reset();
	fake_file_mkdir_p("/var/lib");
	if (outbox_open(&c, &ob, &epoch))
		return r;
	t0 = clock_mono_ms();
	next_ack = t0 + 200;
	memset(payload, 0x21, sizeof(payload));
	for (uint64_t t = t0; t < t0 + (uint64_t)seconds * 1000; t += step) {
		fake_clock_set(t);
		if (acks && t >= next_ack) {
			for (unsigned int ctl = 0; ctl < 2 && seq; ctl++)
				outbox_ack(ob, ctl, epoch, 1, seq);
			next_ack += 200;
		}
		if (outbox_next_due_ms(ob) <= t)
			outbox_poll(ob);
		outbox_append(ob, 1, ++seq, 0, 0, payload, sizeof(payload));
		r.payload += sizeof(payload);
	}
	outbox_close(ob);
	r.readings = seq;
	r.bytes = fake_file_bytes_written();
	r.syncs = fake_file_count(FAKE_OP_SYNC) + fake_file_count(FAKE_OP_SYNC_DIR);
	return r;
}

int main(void)
{
	static const struct {
		unsigned int rate, seconds;
		bool acks;
	} cases[] = {
		{ 1, 3600, true }, { 10, 600, true }, { 100, 60, true },
		{ 1, 3600, false }, { 100, 60, false },
	};

	printf("writes per reading (40 B reading message; 2 controllers acking "
	       "every 200 ms, or both down; counted at the file port)\n");
	printf("%-7s %-6s %-9s %-8s %-13s %-13s %-8s %-15s %s\n", "rate/s",
	       "acks", "readings", "sync_ms", "bytes/reading", "syncs/reading",
	       "syncs/s", "syncs_vs_every", "bytes_vs_payload");
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run every = one(cases[i].rate, cases[i].seconds, 0,
				       cases[i].acks);
		struct run dflt = one(cases[i].rate, cases[i].seconds, 1000,
				      cases[i].acks);
		const struct run *r[2] = { &dflt, &every };

		for (int k = 0; k < 2; k++)
			printf("%-7u %-6s %-9" PRIu64 " %-8u %-13.1f %-13.3f "
			       "%-8.2f %-15.3f %.2f\n", cases[i].rate,
			       cases[i].acks ? "200ms" : "none", r[k]->readings,
			       k ? 0 : 1000,
			       (double)r[k]->bytes / (double)r[k]->readings,
			       (double)r[k]->syncs / (double)r[k]->readings,
			       (double)r[k]->syncs / cases[i].seconds,
			       (double)r[k]->syncs / (double)every.syncs,
			       (double)r[k]->bytes / (double)r[k]->payload);
	}
	fake_file_reset();
	return 0;
}
