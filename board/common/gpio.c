/* SPDX-License-Identifier: MIT */
/*
 * gpio: the level of one GPIO line, 0 or 1, through the GPIO character
 * device (uAPI v2; sysfs /sys/class/gpio is deprecated and absent on
 * recent Pi kernels).
 *   chip=gpiochip0,line=17[,active_low=1][,bias=pull-up|pull-down|disable]
 *        [,edge=both|rising|falling][,root=/]
 * chip= also takes the bare number. The line is requested as an input once,
 * at open, and held until close, so nothing else can drive it meanwhile.
 * With edge=, the kernel reports changes on the line's fd: the sampler
 * watches it (sensor_ops.event_fd) and reads at once on a change, besides
 * the interval.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/gpio.h>

#include "agent/sensor.h"
#include "board/common/gpio.h"
#include "board/common/sysfs.h"

struct gpio {
	const struct gpio_io *io;
	void *ctx;
	int line;
	bool edge;
	uint64_t edges;		/* edge events seen */
};

/* --- the uAPI v2 backend ------------------------------------------------ */

static int uapi_open_chip(void *ctx, const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	(void)ctx;
	return fd < 0 ? -errno : fd;
}

static int uapi_chip_lines(void *ctx, int chip)
{
	struct gpiochip_info info;

	(void)ctx;
	memset(&info, 0, sizeof(info));
	if (ioctl(chip, GPIO_GET_CHIPINFO_IOCTL, &info) < 0)
		return -errno;
	return (int)info.lines;
}

static int uapi_request(void *ctx, int chip, unsigned int offset, uint64_t flags)
{
	struct gpio_v2_line_request req;

	(void)ctx;
	memset(&req, 0, sizeof(req));
	req.offsets[0] = offset;
	req.num_lines = 1;
	req.config.flags = flags;
	snprintf(req.consumer, sizeof(req.consumer), "sctpagent");
	if (ioctl(chip, GPIO_V2_GET_LINE_IOCTL, &req) < 0)
		return -errno;
	/* edge events are drained from the loop: never block on them */
	fcntl(req.fd, F_SETFL, fcntl(req.fd, F_GETFL) | O_NONBLOCK);
	return req.fd;
}

static int uapi_drain(void *ctx, int line)
{
	struct gpio_v2_line_event ev[16];
	int n = 0;

	(void)ctx;
	for (;;) {
		ssize_t r = read(line, ev, sizeof(ev));

		if (r < 0)
			return errno == EAGAIN ? n : -errno;
		if (r < (ssize_t)sizeof(ev[0]))
			return n;
		n += (int)(r / (ssize_t)sizeof(ev[0]));
	}
}

static int uapi_get(void *ctx, int line)
{
	struct gpio_v2_line_values v = { .bits = 0, .mask = 1 };

	(void)ctx;
	if (ioctl(line, GPIO_V2_LINE_GET_VALUES_IOCTL, &v) < 0)
		return -errno;
	return (int)(v.bits & 1);
}

static void uapi_close(void *ctx, int fd)
{
	(void)ctx;
	close(fd);
}

const struct gpio_io gpio_uapi = {
	.open_chip = uapi_open_chip,
	.chip_lines = uapi_chip_lines,
	.request = uapi_request,
	.get = uapi_get,
	.drain = uapi_drain,
	.close = uapi_close,
};

/* --- the driver ----------------------------------------------------------- */

static int parse_edge(const struct src *s, uint64_t *flags, char *why, unsigned int n)
{
	const char *edge = src_get(s, "edge");

	if (!edge)
		return 0;
	if (!strcmp(edge, "both"))
		*flags |= GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING;
	else if (!strcmp(edge, "rising"))
		*flags |= GPIO_V2_LINE_FLAG_EDGE_RISING;
	else if (!strcmp(edge, "falling"))
		*flags |= GPIO_V2_LINE_FLAG_EDGE_FALLING;
	else {
		snprintf(why, n, "edge='%s': expected both, rising or falling", edge);
		return -EINVAL;
	}
	return 0;
}

static int parse_flags(const struct src *s, uint64_t *flags, char *why, unsigned int n)
{
	const char *bias = src_get(s, "bias");
	unsigned long low = 0;
	int rc = src_uint(s, "active_low", 1, &low, why, n);

	if (rc)
		return rc;
	*flags = GPIO_V2_LINE_FLAG_INPUT | (low ? GPIO_V2_LINE_FLAG_ACTIVE_LOW : 0);
	if (!bias)
		return 0;
	if (!strcmp(bias, "pull-up"))
		*flags |= GPIO_V2_LINE_FLAG_BIAS_PULL_UP;
	else if (!strcmp(bias, "pull-down"))
		*flags |= GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN;
	else if (!strcmp(bias, "disable"))
		*flags |= GPIO_V2_LINE_FLAG_BIAS_DISABLED;
	else {
		snprintf(why, n, "bias='%s': expected pull-up, pull-down or disable", bias);
		return -EINVAL;
	}
	return 0;
}

/* "gpiochip0" or "0" -> root/dev/gpiochip0. */
static int chip_path(const struct src *s, char *out, size_t size, char *why, unsigned int n)
{
	const char *chip = src_get(s, "chip"), *root, *num;
	char rel[48], *end;
	int rc;

	if ((rc = src_root(s, &root, why, n)))
		return rc;
	num = chip && !strncmp(chip, "gpiochip", 8) ? chip + 8 : chip;
	if (!num || !*num || strtoul(num, &end, 10) > 999 || *end || *num == '-' ||
	    *num == '+') {
		snprintf(why, n, "chip='%s': expected gpiochipN or N", chip ? chip : "");
		return -EINVAL;
	}
	snprintf(rel, sizeof(rel), "/dev/gpiochip%s", num);
	if (sysfs_join(out, size, root, rel)) {
		snprintf(why, n, "root too long");
		return -EINVAL;
	}
	return 0;
}

static int request_line(struct gpio *g, const char *path, unsigned long line,
			uint64_t flags, char *why, unsigned int n)
{
	int chip = g->io->open_chip(g->ctx, path), lines;

	if (chip < 0) {
		snprintf(why, n, "%s: %s", path, strerror(-chip));
		return chip == -ENOENT ? -ENOENT : -EIO;
	}
	lines = g->io->chip_lines(g->ctx, chip);
	if (lines < 0) {
		snprintf(why, n, "%s: not a GPIO chip (%s)", path, strerror(-lines));
		g->line = -ENOENT;
	} else if (line >= (unsigned long)lines) {
		snprintf(why, n, "line=%lu: %s has %d lines (0..%d)", line, path,
			 lines, lines - 1);
		g->line = -EINVAL;
	} else {
		g->line = g->io->request(g->ctx, chip, (unsigned int)line, flags);
		if (g->line == -ENOTTY || g->line == -EINVAL) {	/* before 5.10 */
			snprintf(why, n, "%s: the kernel lacks GPIO uAPI v2 (Linux 5.10+)", path);
			g->line = -EOPNOTSUPP;
		} else if (g->line < 0) {
			snprintf(why, n, "%s line %lu: %s", path, line,
				 g->line == -EBUSY ? "in use by another consumer" :
				 strerror(-g->line));
		}
	}
	g->io->close(g->ctx, chip);	/* the line fd lives on without it */
	return g->line < 0 ? g->line : 0;
}

static const char *const keys[] = { "chip", "line", "active_low", "bias",
				    "edge", "root", NULL };

/* The source's syntax: chip path, line, request flags; no device touched. */
static int gpio_parse(const struct src *s, char *path, size_t size, unsigned long *line,
		      uint64_t *flags, char *why, unsigned int n)
{
	int rc;

	*line = ~0ul;
	if ((rc = chip_path(s, path, size, why, n)) ||
	    (rc = src_uint(s, "line", 4095, line, why, n)) ||
	    (rc = parse_flags(s, flags, why, n)) ||
	    (rc = parse_edge(s, flags, why, n)))
		return rc;
	if (*line == ~0ul) {
		snprintf(why, n, "need line=N (the line offset on the chip)");
		return -EINVAL;
	}
	return 0;
}

static int gpio_check(const char *source, char *why, unsigned int n)
{
	char path[SYSFS_PATH_MAX];
	unsigned long line;
	uint64_t flags;
	struct src s;
	int rc = src_parse_syntax(&s, source, keys, why, n);

	return rc ? rc : gpio_parse(&s, path, sizeof(path), &line, &flags, why, n);
}

int gpio_open_io(const struct gpio_io *io, void *ctx, const char *source,
		 void **state, char *why, unsigned int n)
{
	char path[SYSFS_PATH_MAX];
	unsigned long line;
	uint64_t flags;
	struct src s;
	struct gpio *g;
	int rc = src_parse(&s, source, keys, why, n);

	if (rc || (rc = gpio_parse(&s, path, sizeof(path), &line, &flags, why, n)))
		return rc;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->io = io, g->ctx = ctx;
	g->edge = src_get(&s, "edge") != NULL;
	rc = request_line(g, path, line, flags, why, n);
	if (rc) {
		free(g);
		return rc;
	}
	*state = g;
	return 0;
}

static int gpio_open(const char *source, void **state, char *why, unsigned int n)
{
	return gpio_open_io(&gpio_uapi, NULL, source, state, why, n);
}

static int gpio_read(void *state, uint64_t now_ms, double *value)
{
	struct gpio *g = state;
	int v;

	(void)now_ms;
	if (g->edge) {		/* the events only say "look": the value is read */
		int e = g->io->drain(g->ctx, g->line);
		if (e > 0)
			g->edges += (uint64_t)e;
	}
	v = g->io->get(g->ctx, g->line);
	if (v < 0)
		return sysfs_errno(-v);
	*value = v;
	return 0;
}

static void gpio_close(void *state)
{
	struct gpio *g = state;

	g->io->close(g->ctx, g->line);
	free(g);
}

static int gpio_event_fd(void *state)
{
	struct gpio *g = state;

	return g->edge ? g->line : -1;
}

const struct sensor_ops sensor_gpio_ops = {
	.name = "gpio",
	.open = gpio_open,
	.read = gpio_read,
	.close = gpio_close,
	.event_fd = gpio_event_fd,
	.check = gpio_check,
};
