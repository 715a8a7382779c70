// SPDX-License-Identifier: MIT
/*
 * tests/bench/outbox_bench_io.c - the outbox on the real file system (the
 * posix port): recovery time per MiB with the segment index and with a
 * full scan (what a crash leaves), against a plain read of the same files
 * in the same run; and the fdatasync latency of this disk.
 * Usage: outbox_bench_io DIR [MiB ...]   (DIR must exist; default 1 8 32)
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/outbox.h"
#include "port/file.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *const names[] = { "c" };

static struct outbox_config config(const char *dir, unsigned int mib)
{
	struct outbox_config c = {
		.dir = dir, .max_bytes = (uint64_t)(mib * 2 + 8) << 20,
		.free_pct = 100, .segment_bytes = 1 << 20,
		.sync_interval_ms = 60000, .sync_bytes = 1 << 20,
		.n_ctrls = 1, .ctrl_names = names,
	};

	return c;
}

struct walk {
	const char *dir;
	int (*fn)(const char *path, void *ctx);
	void *ctx;
};

static int walk_cb(void *ctx, const char *name, enum pf_type type)
{
	struct walk *w = ctx;
	char p[512];

	if (type != PF_TYPE_FILE || strncmp(name, "seg-", 4))
		return 0;
	snprintf(p, sizeof(p), "%s/%s", w->dir, name);
	return w->fn(p, w->ctx);
}

static int each_segment(const char *dir, int (*fn)(const char *, void *),
			void *ctx)
{
	struct walk w = { dir, fn, ctx };

	return pf_list_dir(dir, walk_cb, &w);
}

/* Cut the index trailer: the next open scans the segment, as after a
 * crash. */
static int drop_index(const char *path, void *ctx)
{
	struct pf_file *f;
	uint64_t size;

	(void)ctx;
	if (pf_open(path, PF_RDWR, &f))
		return -EIO;
	if (!pf_size(f, &size) && size > 8)
		pf_truncate(f, size - 8);
	return pf_close(f);
}

static int read_file(const char *path, void *ctx)
{
	static uint8_t buf[64 * 1024];
	uint64_t *bytes = ctx, off = 0;
	struct pf_file *f;
	size_t got;

	if (pf_open(path, PF_RDONLY, &f))
		return -EIO;
	do {
		if (pf_pread(f, buf, sizeof(buf), off, &got))
			break;
		off += got;
	} while (got == sizeof(buf));
	*bytes += off;
	return pf_close(f);
}

static int fill(const struct outbox_config *c, unsigned int mib,
		uint64_t *records)
{
	struct outbox *ob;
	struct outbox_stats st;
	uint8_t payload[40];
	uint32_t epoch, seq = 0;

	if (outbox_open(c, &ob, &epoch))
		return -1;
	memset(payload, 0x5a, sizeof(payload));
	do {
		seq++;
		payload[0] = (uint8_t)seq;
		if (outbox_append(ob, (uint16_t)(1 + seq % 4), seq / 4 + 1, 0, 0,
				  payload, sizeof(payload)))
			break;
		outbox_stats(ob, &st);
	} while (st.bytes < (uint64_t)mib << 20);
	*records = seq;
	return outbox_close(ob);
}

static double timed_open(const struct outbox_config *c, uint64_t *mem)
{
	struct outbox *ob;
	struct outbox_stats st;
	uint32_t epoch;
	double t0 = now_ms(), t;

	if (outbox_open(c, &ob, &epoch)) {
		fprintf(stderr, "outbox_bench_io: open failed\n");
		exit(1);
	}
	t = now_ms() - t0;
	outbox_stats(ob, &st);
	*mem = st.heap_bytes;
	outbox_close(ob);
	return t;
}

static void recovery(const char *base, unsigned int mib)
{
	char dir[300], odir[320];
	struct outbox_config c;
	uint64_t records = 0, bytes = 0, mem_i, mem_s;
	double t_index, t_scan, t_read, t0;

	snprintf(dir, sizeof(dir), "%s/m%u", base, mib);
	snprintf(odir, sizeof(odir), "%s/outbox", dir);
	c = config(dir, mib);
	if (fill(&c, mib, &records)) {
		fprintf(stderr, "outbox_bench_io: cannot fill %s\n", dir);
		exit(1);
	}
	t_index = timed_open(&c, &mem_i);
	t0 = now_ms();
	each_segment(odir, read_file, &bytes);
	t_read = now_ms() - t0;
	each_segment(odir, drop_index, NULL);
	t_scan = timed_open(&c, &mem_s);
	printf("%-6u %-9" PRIu64 " %-9.2f %-10.2f %-11.2f %-10.2f %-10.2f "
	       "%-7.2f %" PRIu64 "\n", mib, records, t_index, t_scan, t_read,
	       t_index / mib, t_scan / mib, t_read > 0 ? t_scan / t_read : 0,
	       mem_s);
	(void)mem_i;
}

static void fsync_latency(const char *base)
{
	char dir[300];
	struct outbox_config c;
	struct outbox *ob;
	struct outbox_stats st;
	uint8_t payload[40] = { 0 };
	uint32_t epoch;
	static const char *const b[] = { "<1", "<2", "<5", "<10", "<20",
					 "<50", "<100", "<200", "<500",
					 "<1000", ">=1000" };

	snprintf(dir, sizeof(dir), "%s/sync", base);
	c = config(dir, 1);
	c.sync_interval_ms = 0;
	if (outbox_open(&c, &ob, &epoch))
		return;
	for (uint32_t seq = 1; seq <= 200; seq++)
		outbox_append(ob, 1, seq, 0, 0, payload, sizeof(payload));
	outbox_stats(ob, &st);
	printf("\nfdatasync after every record on this disk (%" PRIu64
	       " syncs): ms", st.syncs);
	for (int i = 0; i < OUTBOX_HIST_N; i++)
		if (st.sync_hist[i])
			printf("  %s: %u", b[i], st.sync_hist[i]);
	printf("  max %u\n", st.sync_max_ms);
	outbox_close(ob);
}

int main(int argc, char **argv)
{
	static const unsigned int dflt[] = { 1, 8, 32 };

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR [MiB ...]\n", argv[0]);
		return 2;
	}
	printf("recovery (warm page cache: the CPU cost of recovery; an SD card "
	       "adds its read time, ~20-40 MB/s, to the scan)\n");
	printf("%-6s %-9s %-9s %-10s %-11s %-10s %-10s %-7s %s\n", "MiB",
	       "records", "index_ms", "scan_ms", "readall_ms", "index/MiB",
	       "scan/MiB", "scan/rd", "mem_B");
	if (argc == 2)
		for (unsigned int i = 0; i < 3; i++)
			recovery(argv[1], dflt[i]);
	for (int i = 2; i < argc; i++)
		recovery(argv[1], (unsigned int)atoi(argv[i]));
	fsync_latency(argv[1]);
	return 0;
}
