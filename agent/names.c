/* SPDX-License-Identifier: MIT */
/*
 * Host-name controllers (agent/names.h): one lookup per name per connect
 * attempt, all names of a controller at once; the view is rebuilt when
 * the last one is over.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/kconfig.h"
#include "agent/log.h"
#include "agent/names.h"
#include "port/resolve.h"

#define CLOG(c, lvl, fmt, ...) \
	LOG(LOGM_ASSOC, lvl, "ctrl=%s: " fmt, (c)->cfg->name, ##__VA_ARGS__)

struct names;

/* One name of a controller's list. */
struct entry {
	struct ctrl *c;
	unsigned int k;			/* index in the config's list */
	struct resolve_query *q;	/* pending lookup */
	int status;			/* of the last lookup */
	struct net_addr last[RESOLVE_MAX_ADDRS];	/* last good answer */
	unsigned int n_last;
};

struct ctrl {
	struct names *owner;
	const struct cfg_controller *cfg;
	struct cfg_controller view;
	struct entry e[CONFIG_MAX_CTRL_ADDRS];
	unsigned int pending;
	bool overflow_warned;
	names_done done;
	void *arg;
};

struct names {
	const struct config *cfg;
	struct loop *loop;
	struct resolver *r;
	enum resolve_family fam;
	struct ctrl c[CONFIG_MAX_CONTROLLERS];
	struct names_stats st;
};

/* Passing failures keep a name's last addresses; a name that does not
 * exist, or has no address, loses them. */
static bool passing(int status)
{
	return status != -ENOENT && status != -ENODATA && status != -EINVAL;
}

static const char *why(int status)
{
	switch (status) {
	case -ENOENT: return "no such host name (NXDOMAIN)";
	case -ENODATA: return "the name has no address of a usable family";
	case -ETIMEDOUT: return "no answer in time (resolve_timeout_ms)";
	case -ECONNREFUSED: return "no nameserver reachable (resolv.conf)";
	case -EAGAIN: return "the nameserver failed (SERVFAIL)";
	case -EACCES: return "the nameserver refused (REFUSED)";
	case -EINVAL: return "not a valid DNS name";
	default: return strerror(-status);
	}
}

static void format_list(const struct net_addr *a, unsigned int n, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < n && off + NET_ADDR_STRLEN + 2 < size; i++) {
		char s[NET_ADDR_STRLEN];
		struct net_addr x = a[i];

		x.port = 0;
		net_addr_format(&x, s, sizeof(s));
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : "", s);
	}
}

static bool same_list(const struct net_addr *a, unsigned int na,
		      const struct net_addr *b, unsigned int nb)
{
	if (na != nb)
		return false;
	for (unsigned int i = 0; i < na; i++)
		if (!net_addr_same_host(&a[i], &b[i]))
			return false;
	return true;
}

/* Append @a (with the path of config entry @k) unless it is there. */
static void view_add(struct ctrl *c, const struct net_addr *a, unsigned int k,
		     unsigned int *dropped)
{
	struct cfg_controller *v = &c->view;

	for (unsigned int i = 0; i < v->n_addrs; i++)
		if (net_addr_same_host(&v->addrs[i], a))
			return;
	if (v->n_addrs == CONFIG_MAX_CTRL_ADDRS) {
		(*dropped)++;
		return;
	}
	v->addrs[v->n_addrs] = *a;
	v->addrs[v->n_addrs].port = c->cfg->port;
	v->addr_path[v->n_addrs] = c->cfg->addr_path[k];
	memcpy(v->addr_path_name[v->n_addrs], c->cfg->addr_path_name[k], CFG_NAME_MAX);
	v->n_addrs++;
}

/* The config entry, names replaced by their addresses, in list order. */
static void build_view(struct ctrl *c)
{
	const struct cfg_controller *cfg = c->cfg;
	unsigned int dropped = 0;

	c->view = *cfg;
	c->view.n_addrs = 0;
	c->view.n_hosts = 0;
	memset(c->view.host, 0, sizeof(c->view.host));
	for (unsigned int k = 0; k < cfg->n_addrs; k++) {
		if (!cfg->host[k][0]) {
			view_add(c, &cfg->addrs[k], k, &dropped);
			continue;
		}
		for (unsigned int i = 0; i < c->e[k].n_last; i++)
			view_add(c, &c->e[k].last[i], k, &dropped);
	}
	if (dropped && !c->overflow_warned)
		CLOG(c, LOG_WARN, "%u more addresses than CONFIG_MAX_CTRL_ADDRS (%u): "
		     "left out", dropped, CONFIG_MAX_CTRL_ADDRS);
	c->overflow_warned = dropped != 0;
}

static void note_answer(struct entry *e, const struct net_addr *addrs, unsigned int n)
{
	struct ctrl *c = e->c;
	const char *name = c->cfg->host[e->k];
	char was[160], now[160];

	if (n > RESOLVE_MAX_ADDRS)
		n = RESOLVE_MAX_ADDRS;
	if (same_list(addrs, n, e->last, e->n_last)) {
		CLOG(c, LOG_DEBUG, "'%s' unchanged", name);
		return;
	}
	format_list(e->last, e->n_last, was, sizeof(was));
	format_list(addrs, n, now, sizeof(now));
	if (e->n_last) {
		c->owner->st.moved++;
		CLOG(c, LOG_INFO, "'%s' moved: %s (was %s)", name, now, was);
	} else {
		CLOG(c, LOG_INFO, "'%s' is %s", name, now);
	}
	memcpy(e->last, addrs, n * sizeof(*addrs));
	e->n_last = n;
}

static void note_failure(struct entry *e, int status)
{
	struct ctrl *c = e->c;
	char last[160];

	c->owner->st.failed++;
	if (passing(status) && e->n_last) {
		c->owner->st.kept++;
		format_list(e->last, e->n_last, last, sizeof(last));
		CLOG(c, LOG_WARN, "'%s' does not resolve: %s; using its last "
		     "addresses %s", c->cfg->host[e->k], why(status), last);
		return;
	}
	CLOG(c, LOG_WARN, "'%s' does not resolve: %s", c->cfg->host[e->k], why(status));
	e->n_last = 0;
}

static void on_answer(void *arg, int status, const struct net_addr *addrs, unsigned int n)
{
	struct entry *e = arg;
	struct ctrl *c = e->c;
	names_done done;

	e->q = NULL;
	e->status = status;
	if (status)
		note_failure(e, status);
	else
		note_answer(e, addrs, n);
	if (--c->pending)
		return;
	build_view(c);
	done = c->done;
	c->done = NULL;
	if (done)
		done(c->arg, c->view.n_addrs ? 0 : -EHOSTUNREACH);
}

/* Only families the endpoint can reach: an endpoint bound to IPv4
 * addresses only is an IPv4 socket (port/lksctp), so AAAA is useless. */
static enum resolve_family families(const struct config *cfg)
{
	unsigned int v4 = 0, fixed = 0;

	for (unsigned int i = 0; i < cfg->n_paths; i++)
		if (!cfg->paths[i].addr_auto) {
			fixed++;
			v4 += cfg->paths[i].addr.family == NET_AF_INET4;
		}
	return fixed && v4 == fixed ? RESOLVE_INET4 : RESOLVE_ANY;
}

/* Controller @i as the config has it now: no lookup pending, nothing
 * known of its names (a changed list starts over). */
static void ctrl_reset(struct names *n, unsigned int i)
{
	struct ctrl *c = &n->c[i];

	for (unsigned int k = 0; k < CONFIG_MAX_CTRL_ADDRS; k++)
		if (IS_ENABLED(CONFIG_RESOLVE) && c->e[k].q)
			resolve_cancel(c->e[k].q);
	memset(c, 0, sizeof(*c));
	c->owner = n;
	c->cfg = &n->cfg->ctrls[i];
	for (unsigned int k = 0; k < CONFIG_MAX_CTRL_ADDRS; k++)
		c->e[k] = (struct entry){ .c = c, .k = k };
	build_view(c);
}

/* The resolver is made at the first controller with a host name. */
static int need_resolver(struct names *n, unsigned int i)
{
	struct resolve_config rc = { .timeout_ms = n->cfg->agent.resolve_timeout_ms };

	if (!IS_ENABLED(CONFIG_RESOLVE) || n->r || !n->cfg->ctrls[i].n_hosts)
		return 0;
	return resolver_create(n->loop, &rc, &n->r);
}

int names_create(struct loop *l, const struct config *cfg, struct names **out)
{
	struct names *n = calloc(1, sizeof(*n));
	int err = 0;

	*out = NULL;
	if (!n)
		return -ENOMEM;
	n->cfg = cfg;
	n->loop = l;
	n->fam = families(cfg);
	for (unsigned int i = 0; i < cfg->n_ctrls; i++)
		ctrl_reset(n, i);
	for (unsigned int i = 0; !err && i < cfg->n_ctrls; i++)
		err = need_resolver(n, i);
	if (err) {
		free(n);
		return err;
	}
	*out = n;
	return 0;
}

int names_changed(struct names *n, unsigned int ctrl, bool forget)
{
	if (ctrl >= CONFIG_MAX_CONTROLLERS)
		return -EINVAL;
	if (forget)
		ctrl_reset(n, ctrl);
	else			/* same names: their answers stay good */
		build_view(&n->c[ctrl]);
	return need_resolver(n, ctrl);
}

void names_destroy(struct names *n)
{
	if (!n)
		return;
	if (IS_ENABLED(CONFIG_RESOLVE))
		resolver_destroy(n->r);		/* cancels every lookup */
	free(n);
}

/* Start the lookup of entry @k; a failure to start counts as its answer. */
static void start_one(struct names *n, struct ctrl *c, unsigned int k)
{
	struct entry *e = &c->e[k];
	int rc;

	n->st.lookups++;
	c->pending++;
	rc = resolve_start(n->r, c->cfg->host[k], n->fam, on_answer, e, &e->q);
	if (rc) {
		c->pending--;
		e->q = NULL;
		e->status = rc;
		note_failure(e, rc);
	}
}

int names_resolve(struct names *n, unsigned int ctrl, names_done done, void *arg)
{
	struct ctrl *c = &n->c[ctrl];

	if (!IS_ENABLED(CONFIG_RESOLVE) || !n->r || !c->cfg->n_hosts)
		return 0;
	c->done = done;
	c->arg = arg;
	if (c->pending)
		return -EINPROGRESS;	/* already under way */
	for (unsigned int k = 0; k < c->cfg->n_addrs; k++)
		if (c->cfg->host[k][0])
			start_one(n, c, k);
	if (c->pending)
		return -EINPROGRESS;
	/* none could start (each logged): the view from what is known */
	build_view(c);
	c->done = NULL;
	return c->view.n_addrs ? 0 : -EHOSTUNREACH;
}

const struct cfg_controller *names_view(const struct names *n, unsigned int ctrl)
{
	const struct ctrl *c = &n->c[ctrl];

	return c->cfg->n_hosts ? &c->view : c->cfg;
}

const struct names_stats *names_stats(const struct names *n)
{
	return &n->st;
}
