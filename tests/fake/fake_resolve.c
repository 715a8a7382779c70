/* SPDX-License-Identifier: MIT */
/*
 * Fake port/resolve.h: answers from a table the test fills, on the fake
 * loop's clock, as the posix port does: every answer comes from a loop
 * timer (never inside resolve_start), after the table's delay; a name
 * set to hang answers -ETIMEDOUT when the resolver's timeout is over;
 * an unknown name is -ENOENT (NXDOMAIN); a name with no address of the
 * family asked is -ENODATA.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "port/clock.h"
#include "port/loop.h"
#include "port/resolve.h"
#include "tests/fake/fake.h"

#define NAMES 32

struct rec {
	char name[256];
	int status;		/* 0, or the failure to answer */
	bool hang;
	struct net_addr addrs[RESOLVE_MAX_ADDRS];
	unsigned int n;
	unsigned int queries;
	enum resolve_family last_fam;
};

struct resolver {
	struct loop *l;
	uint32_t timeout_ms;
	struct resolve_query *qs;
};

struct resolve_query {
	struct resolver *r;
	struct resolve_query *next;
	struct loop_timer *t;
	char name[256];
	enum resolve_family fam;
	resolve_cb cb;
	void *arg;
};

static struct {
	struct rec rec[NAMES];
	unsigned int n;
	uint32_t delay_ms;
	int start_err;
	unsigned int pending;
} f;

static struct rec *find(const char *name, bool add)
{
	for (unsigned int i = 0; i < f.n; i++)
		if (!strcmp(f.rec[i].name, name))
			return &f.rec[i];
	if (!add)
		return NULL;
	if (f.n == NAMES)
		abort();
	memset(&f.rec[f.n], 0, sizeof(f.rec[f.n]));
	strncpy(f.rec[f.n].name, name, sizeof(f.rec[f.n].name) - 1);
	return &f.rec[f.n++];
}

void fake_resolve_set(const char *name, int status, const struct net_addr *addrs,
		      unsigned int n)
{
	struct rec *r = find(name, true);

	r->status = status;
	r->hang = false;
	r->n = n > RESOLVE_MAX_ADDRS ? RESOLVE_MAX_ADDRS : n;
	if (r->n)
		memcpy(r->addrs, addrs, r->n * sizeof(*addrs));
}

void fake_resolve_hang(const char *name)
{
	find(name, true)->hang = true;
}

void fake_resolve_set_delay(uint32_t ms)
{
	f.delay_ms = ms;
}

void fake_resolve_fail_start(int err)
{
	f.start_err = err;
}

unsigned int fake_resolve_queries(const char *name)
{
	struct rec *r = find(name, false);

	return r ? r->queries : 0;
}

enum resolve_family fake_resolve_last_family(const char *name)
{
	struct rec *r = find(name, false);

	return r ? r->last_fam : RESOLVE_ANY;
}

unsigned int fake_resolve_pending(void)
{
	return f.pending;
}

void fake_resolve_reset(void)
{
	memset(&f, 0, sizeof(f));
}

int resolver_create(struct loop *l, const struct resolve_config *c,
		    struct resolver **out)
{
	struct resolver *r = calloc(1, sizeof(*r));

	*out = r;
	if (!r)
		return -ENOMEM;
	r->l = l;
	r->timeout_ms = c && c->timeout_ms ? c->timeout_ms : 5000;
	return 0;
}

void resolver_destroy(struct resolver *r)
{
	if (!r)
		return;
	while (r->qs)
		resolve_cancel(r->qs);
	free(r);
}

static void unlink_free(struct resolve_query *q)
{
	for (struct resolve_query **pp = &q->r->qs; *pp; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	loop_timer_free(q->t);
	free(q);
	f.pending--;
}

static bool family_ok(const struct net_addr *a, enum resolve_family fam)
{
	return fam == RESOLVE_ANY || (fam == RESOLVE_INET4 && a->family == NET_AF_INET4) ||
	       (fam == RESOLVE_INET6 && a->family == NET_AF_INET6);
}

static void on_timer(void *arg, struct loop_timer *t)
{
	struct resolve_query *q = arg;
	struct rec *r = find(q->name, false);
	struct net_addr out[RESOLVE_MAX_ADDRS];
	unsigned int n = 0;
	int status = -ENOENT;
	resolve_cb cb = q->cb;
	void *cb_arg = q->arg;

	(void)t;
	if (r && r->hang) {
		status = -ETIMEDOUT;
	} else if (r && r->status) {
		status = r->status;
	} else if (r) {
		for (unsigned int i = 0; i < r->n; i++)
			if (family_ok(&r->addrs[i], q->fam))
				out[n++] = r->addrs[i];
		status = n ? 0 : -ENODATA;
	}
	unlink_free(q);
	cb(cb_arg, status, out, n);
}

int resolve_start(struct resolver *r, const char *name, enum resolve_family fam,
		  resolve_cb cb, void *arg, struct resolve_query **qp)
{
	struct resolve_query *q;
	struct rec *rec;
	int rc;

	if (!r || !name || !*name || strlen(name) > 254 || !cb)
		return -EINVAL;
	if (f.start_err) {
		rc = f.start_err;
		f.start_err = 0;
		return rc;
	}
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	rc = loop_timer_new(r->l, on_timer, q, &q->t);
	if (rc) {
		free(q);
		return rc;
	}
	q->r = r;
	strcpy(q->name, name);
	q->fam = fam;
	q->cb = cb;
	q->arg = arg;
	q->next = r->qs;
	r->qs = q;
	f.pending++;
	rec = find(name, false);
	if (rec) {
		rec->queries++;
		rec->last_fam = fam;
	}
	loop_timer_at(q->t, clock_mono_ms() + (rec && rec->hang ? r->timeout_ms :
			f.delay_ms), 0);
	if (qp)
		*qp = q;
	return 0;
}

void resolve_cancel(struct resolve_query *q)
{
	if (q)
		unlink_free(q);
}
