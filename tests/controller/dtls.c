// SPDX-License-Identifier: MIT
/*
 * tests/controller/dtls.c - sctpctl's DTLS server side (see dtls.h).
 * Mirrors the agent's channel (agent/secure.c) for the server role:
 * exporter key installed as key id + 1, ChangeCipherSpec only once the
 * sender is dry, the new key active before our Finished, the old one
 * deactivated when the handshake completed and deleted at FREE_KEY.
 * Every handshake (first or renegotiation) has a deadline from its start
 * (COMM_UP, or the agent's ClientHello): an agent that stalls is ABORTed.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/msg.h"
#include "port/clock.h"
#include "port/dtls.h"
#include "port/file.h"
#include "port/loop.h"
#include "tests/controller/dtls.h"
#include "tests/controller/track.h"

#define MAX_SESS 256
#define MAX_PSKS 256

struct dsess {
	ps_assoc_id id;
	struct pd_sess *s;
	struct loop_timer *deadline;	/* kept across drop() */
	bool used, dead, wait_dry, rekeying;
	uint16_t key, next, old, tx_epoch;
	bool has_next, has_old;
	int send_err;			/* the last ps_send error */
	const struct ps_sndinfo *cur;
};

struct psk_ent {
	char id[128];
	uint8_t key[64];
	size_t len;
};

static struct {
	struct ps_ep *ep;
	struct loop *loop;
	const struct ctl_dtls_opts *o;
	struct pd_conf *conf;
	ctl_dtls_deliver deliver;
	void *arg;
	struct dsess s[MAX_SESS];
	struct psk_ent psk[MAX_PSKS];
	unsigned int n_psk;
	unsigned long up, rekeys, refused, timeouts, rekeys_refused;
	unsigned long old_epoch, early_dropped;
} D;

static unsigned int hs_timeout(void)
{
	return D.o->hs_timeout_ms ? D.o->hs_timeout_ms : 10000;
}

static void elog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void elog(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sctpctl: dtls: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void event_line(ps_assoc_id id, const char *state, const char *k, const char *v)
{
	char line[512];
	struct jbuf b;

	jb_init(&b, line, sizeof(line));
	jb_obj(&b);
	jb_key(&b, "event");
	jb_cstr(&b, "dtls");
	jb_key(&b, "controller");
	jb_cstr(&b, D.o->name ? D.o->name : "ctl");
	jb_key(&b, "state");
	jb_cstr(&b, state);
	jb_key(&b, "assoc");
	jb_uint(&b, id);
	jb_key(&b, k);
	jb_cstr(&b, v);
	jb_key(&b, "time");
	jb_int(&b, clock_wall_ms());
	jb_end(&b);
	if (!jb_finish(&b)) {
		fputs(line, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
}

static void auth_line(ps_assoc_id id, unsigned int key)
{
	char line[256];
	struct jbuf b;

	jb_init(&b, line, sizeof(line));
	jb_obj(&b);
	jb_key(&b, "event");
	jb_cstr(&b, "auth");
	jb_key(&b, "controller");
	jb_cstr(&b, D.o->name ? D.o->name : "ctl");
	jb_key(&b, "assoc");
	jb_uint(&b, id);
	jb_key(&b, "indication");
	jb_cstr(&b, "new_key");
	jb_key(&b, "key");
	jb_uint(&b, key);
	jb_key(&b, "time");
	jb_int(&b, clock_wall_ms());
	jb_end(&b);
	if (!jb_finish(&b)) {
		fputs(line, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
}

/* ---- PSK table ---------------------------------------------------------- */

static int hexv(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int load_psks(const char *path)
{
	uint8_t *buf;
	size_t n;
	char *save = NULL;
	int rc = pf_read_cred(path, PF_SECRET, 1 << 20, &buf, &n, NULL);

	if (rc) {
		elog("PSK table '%s': %s (a file of mode 600/400 owned by root or us)",
		     path, strerror(-rc));
		return -1;
	}
	for (char *l = strtok_r((char *)buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct psk_ent *e = &D.psk[D.n_psk];
		char id[128], hex[160];

		if (*l == '#' || sscanf(l, "%127s %159s", id, hex) != 2)
			continue;
		if (D.n_psk == MAX_PSKS || strlen(hex) % 2 || strlen(hex) / 2 > sizeof(e->key)) {
			elog("PSK table '%s': bad line for '%s'", path, id);
			continue;
		}
		snprintf(e->id, sizeof(e->id), "%s", id);
		e->len = strlen(hex) / 2;
		for (size_t i = 0; i < e->len; i++)
			e->key[i] = (uint8_t)(hexv(hex[2 * i]) << 4 | hexv(hex[2 * i + 1]));
		D.n_psk++;
	}
	pf_free_secret(buf, n);
	elog("PSK table: %u identities", D.n_psk);
	return 0;
}

static int lookup(void *arg, const uint8_t *id, size_t n, uint8_t *key, size_t cap,
		  size_t *len)
{
	(void)arg;
	for (unsigned int i = 0; i < D.n_psk; i++)
		if (strlen(D.psk[i].id) == n && !memcmp(D.psk[i].id, id, n) &&
		    D.psk[i].len <= cap) {
			memcpy(key, D.psk[i].key, D.psk[i].len);
			*len = D.psk[i].len;
			return 0;
		}
	return -ENOENT;
}

/* ---- sessions ------------------------------------------------------------ */

static struct dsess *find(ps_assoc_id id, bool add)
{
	for (int i = 0; i < MAX_SESS; i++)
		if (D.s[i].used && D.s[i].id == id)
			return &D.s[i];
	for (int i = 0; add && i < MAX_SESS; i++)
		if (!D.s[i].used) {
			memset(&D.s[i], 0, sizeof(D.s[i]));
			D.s[i].used = true;
			D.s[i].id = id;
			return &D.s[i];
		}
	return NULL;
}

static void stop_deadline(struct dsess *d)
{
	if (d->deadline)
		loop_timer_stop(d->deadline);
}

static void drop(struct dsess *d)
{
	struct loop_timer *t = d->deadline;

	stop_deadline(d);
	pd_sess_destroy(d->s);
	memset(d, 0, sizeof(*d));
	d->deadline = t;
}

static void refuse(struct dsess *d, const char *why)
{
	struct ps_sndinfo si = { .assoc = d->id, .flags = PS_SEND_ABORT };
	char reason[240];
	int n = snprintf(reason, sizeof(reason), "DTLS: %s", why);

	D.refused++;
	d->dead = true;
	stop_deadline(d);
	elog("assoc %u refused: %s; aborted (%lu refused so far)", (unsigned int)d->id,
	     why, D.refused);
	event_line(d->id, "refused", "reason", why);
	(void)ps_send(D.ep, &si, reason, n > 0 ? (size_t)n : 0);
}

static bool dry(struct dsess *d)
{
	unsigned int n = 1;

	return !ps_assoc_pending(D.ep, d->id, &n) && n == 0;
}

static int io_send(void *arg, const uint8_t *rec, size_t len)
{
	struct dsess *d = arg;
	struct ps_sndinfo si = { .assoc = d->id, .stream = MSG_STREAM_CTRL, .ppid = MSG_PPID };
	uint16_t ep = pd_record_epoch(rec, len);

	if (rec[0] == PD_REC_APP && d->cur)
		si = *d->cur;
	if (rec[0] == PD_REC_CCS && !dry(d)) {
		d->wait_dry = true;
		return -EAGAIN;
	}
	if (ep > d->tx_epoch && d->has_next) {
		if (ps_auth_key(D.ep, d->id, d->next, PS_AUTH_ACTIVATE))
			elog("assoc %u: activating AUTH key %u failed", (unsigned int)d->id, d->next);
		d->old = d->key, d->has_old = true;
		d->key = d->next, d->has_next = false;
	}
	if (ep > d->tx_epoch)
		d->tx_epoch = ep;
	d->send_err = ps_send(D.ep, &si, rec, len);
	return d->send_err;
}

static void on_key(void *arg, const uint8_t key[PD_KEY_LEN])
{
	struct dsess *d = arg;
	uint16_t id = d->key == 65535 ? 1 : (uint16_t)(d->key + 1);

	if (ps_auth_key_set(D.ep, d->id, id, key, PD_KEY_LEN)) {
		elog("assoc %u: installing AUTH key %u failed", (unsigned int)d->id, id);
		return;
	}
	d->next = id, d->has_next = true;
}

static void done(struct dsess *d)
{
	char txt[64];
	bool rekey = d->rekeying;

	stop_deadline(d);
	d->rekeying = false;
	if (d->has_old && ps_auth_key(D.ep, d->id, d->old, PS_AUTH_DEACTIVATE) == -EOPNOTSUPP)
		(void)ps_auth_key(D.ep, d->id, d->old, PS_AUTH_DELETE), d->has_old = false;
	if (rekey)
		D.rekeys++;
	else
		D.up++;
	snprintf(txt, sizeof(txt), "%s", pd_suite(d->s));
	elog("assoc %u: DTLS %s (%s), AUTH key %u", (unsigned int)d->id,
	     rekey ? "rekeyed" : "up", txt, d->key);
	event_line(d->id, rekey ? "rekeyed" : "up", "suite", txt);
}

static void on_deadline(void *arg, struct loop_timer *t)
{
	struct dsess *d = arg;
	char why[120];

	(void)t;
	if (!d->used || d->dead || pd_open(d->s))
		return;
	D.timeouts++;
	snprintf(why, sizeof(why), "%s not completed within %u ms (the agent stalled "
		 "or is too slow)", d->rekeying ? "renegotiation" : "handshake", hs_timeout());
	refuse(d, why);
}

static void start_deadline(struct dsess *d)
{
	if (!d->deadline && loop_timer_new(D.loop, on_deadline, d, &d->deadline)) {
		elog("assoc %u: no timer for the handshake deadline", (unsigned int)d->id);
		return;
	}
	loop_timer_in(d->deadline, hs_timeout());
}

/* Our record met -EPIPE: the agent shut the association down in the
 * middle of a handshake (a stop during a rekey). Not a refusal, nothing
 * to ABORT: SHUTDOWN_COMP drops the session. Unless the handshake failed
 * for a reason of its own (a certificate or key we refuse): then its
 * alert met the ABORT the agent sent on an earlier one, and it is still
 * our refusal. */
static bool cut_by_shutdown(struct dsess *d)
{
	enum pd_fail f = pd_fail_reason(d->s);

	if (d->send_err != -EPIPE || (f != PD_FAIL_NONE && f != PD_FAIL_INTERNAL))
		return false;
	elog("assoc %u: handshake cut short by the agent's shutdown", (unsigned int)d->id);
	d->dead = true;
	stop_deadline(d);
	return true;
}

static void drive(struct dsess *d, const uint8_t *rec, size_t len)
{
	char why[240];
	int rc = pd_handshake(d->s, rec, len);

	if (!rc) {
		done(d);
	} else if (rc != -EAGAIN && !cut_by_shutdown(d)) {
		snprintf(why, sizeof(why), "handshake failed (%s): %s",
			 pd_fail_name(pd_fail_reason(d->s)), pd_last_error(d->s));
		refuse(d, why);
	}
}

static void on_up(const struct ps_event *ev)
{
	struct dsess *d = find(ev->assoc, true);
	struct pd_io io = { .send = io_send, .on_key = on_key };
	uint8_t c[PS_AUTH_MAX_CHUNKS];
	unsigned int n = 0;

	if (!d)
		return;
	if (d->s)
		drop(d), d = find(ev->assoc, true);
	io.arg = d;
	if (!(ev->u.assoc.features & PS_FEAT_AUTH) ||
	    ps_auth_chunks(D.ep, ev->assoc, true, c, sizeof(c), &n) ||
	    !memchr(c, ev->u.assoc.features & PS_FEAT_INTERLEAVE ? PS_CHUNK_IDATA :
		    PS_CHUNK_DATA, n)) {
		refuse(d, "the agent does not authenticate DATA chunks (SCTP-AUTH, RFC 6083)");
		return;
	}
	if (pd_sess_create(D.conf, &io, NULL, &d->s))
		refuse(d, "out of memory");
	else
		start_deadline(d);
}

/* An application record while a handshake runs: one of the epoch before
 * the renegotiation is read now (the agent may have sent it on another
 * stream before its ClientHello). One of the coming epoch cannot come
 * before our Finished in a full handshake (the client sends data only
 * after it): counted and dropped. */
static int read_in_handshake(struct dsess *d, const struct ps_event *ev,
			     uint8_t *out, size_t cap, size_t *n)
{
	int rc = pd_read(d->s, ev->u.data.buf, ev->u.data.len, out, cap, n);

	if (!rc)
		D.old_epoch++;
	if (rc == -EINPROGRESS) {
		D.early_dropped++;
		elog("assoc %u: a record of the next epoch before the handshake "
		     "completed: dropped", (unsigned int)d->id);
		return -EBADMSG;
	}
	return rc;
}

static void on_data(const struct ps_event *ev)
{
	static uint8_t out[PD_MAX_MSG];
	struct dsess *d = find(ev->assoc, false);
	const uint8_t *p = ev->u.data.buf;
	size_t len = ev->u.data.len, n = 0;
	struct ps_event m;
	int rc;

	if (!d || d->dead || !d->s)
		return;
	if (len < PD_REC_HDR || p[0] < PD_REC_CCS || p[0] > PD_REC_APP || p[1] != 0xfe) {
		refuse(d, "the agent speaks plaintext, not DTLS (is its [security] mode "
		       "dtls-psk or dtls-cert?)");
		return;
	}
	if (!pd_open(d->s) && p[0] != PD_REC_APP) {
		drive(d, p, len);
		return;
	}
	rc = pd_open(d->s) ? pd_read(d->s, p, len, out, sizeof(out), &n) :
	     read_in_handshake(d, ev, out, sizeof(out), &n);
	if (rc == -EAGAIN) {
		elog("assoc %u: the agent renegotiates (rekey)", (unsigned int)d->id);
		d->rekeying = true;
		start_deadline(d);
		return;
	}
	if (rc == -ENOTCONN) {
		elog("assoc %u: close_notify", (unsigned int)d->id);
		return;
	}
	if (rc == -EBADMSG && p[0] == PD_REC_HANDSHAKE && D.o->no_renegotiation) {
		D.rekeys_refused++;
		elog("assoc %u: renegotiation refused (no_renegotiation alert)",
		     (unsigned int)d->id);
		event_line(d->id, "rekey_refused", "reason", "no_renegotiation");
		return;
	}
	if (rc == -EPROTO) {
		if (!cut_by_shutdown(d))
			refuse(d, pd_last_error(d->s));
		return;
	}
	if (rc || !n)
		return;
	m = *ev;
	m.u.data.buf = out;
	m.u.data.len = n;
	if (!m.u.data.ppid)
		m.u.data.ppid = MSG_PPID;
	D.deliver(D.arg, &m);
}

void ctl_dtls_event(const struct ps_event *ev)
{
	struct dsess *d;

	switch (ev->type) {
	case PS_EV_ASSOC_CHANGE:
		if (ev->u.assoc.state == PS_COMM_UP || ev->u.assoc.state == PS_RESTART)
			on_up(ev);
		else if ((d = find(ev->assoc, false)))
			drop(d);
		break;
	case PS_EV_DATA:
		on_data(ev);
		break;
	case PS_EV_SENDER_DRY:
		d = find(ev->assoc, false);
		if (d && d->wait_dry && d->s && !d->dead) {
			d->wait_dry = false;
			drive(d, NULL, 0);
		}
		break;
	case PS_EV_AUTH:
		d = find(ev->assoc, false);
		if (d && ev->u.auth.indication == PS_AUTH_NEW_KEY)
			auth_line(d->id, ev->u.auth.keynumber);
		if (d && d->has_old && ev->u.auth.indication == PS_AUTH_FREE_KEY &&
		    ev->u.auth.keynumber == d->old) {
			(void)ps_auth_key(D.ep, d->id, d->old, PS_AUTH_DELETE);
			d->has_old = false;
		}
		break;
	default:
		break;
	}
}

int ctl_dtls_send(struct ps_ep *ep, const struct ps_sndinfo *si, const void *buf,
		  size_t len)
{
	struct dsess *d;
	int rc;

	if (!D.conf)
		return ps_send(ep, si, buf, len);
	d = find(si->assoc, false);
	if (!d || d->dead || !pd_open(d->s))
		return -ENOTCONN;
	d->cur = si;
	rc = pd_write(d->s, buf, len);
	d->cur = NULL;
	return rc;
}

bool ctl_dtls_on(void)
{
	return D.conf != NULL;
}

void ctl_dtls_summary(struct jbuf *b)
{
	static const char *const k[] = { "handshakes", "rekeys", "refused", "timeouts",
					 "rekeys_refused", "old_epoch", "dropped" };
	const unsigned long v[] = { D.up, D.rekeys, D.refused, D.timeouts,
				    D.rekeys_refused, D.old_epoch, D.early_dropped };

	if (!D.conf)
		return;
	jb_key(b, "dtls");
	jb_obj(b);
	for (unsigned int i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		jb_key(b, k[i]);
		jb_uint(b, v[i]);
	}
	jb_end(b);
}

static char *slurp(const char *path, enum pf_cred kind, size_t *n)
{
	uint8_t *b = NULL;
	int rc = pf_read_cred(path, kind, 1 << 20, &b, n, NULL);

	if (rc)
		elog("'%s': %s", path, strerror(-rc));
	else
		(*n)++;		/* PEM: the NUL is part of the input */
	return (char *)b;
}

int ctl_dtls_init(struct ps_ep *ep, struct loop *loop, const struct ctl_dtls_opts *o,
		  ctl_dtls_deliver deliver, void *arg)
{
	static const uint8_t chunks[] = { PS_CHUNK_DATA, PS_CHUNK_FWD_TSN,
					  PS_CHUNK_IDATA, PS_CHUNK_IFWD_TSN };
	static const uint16_t hmacs[] = { PS_HMAC_SHA256, PS_HMAC_SHA1 };
	struct pd_params p = { .role = PD_SERVER, .suites = o->suites,
			       .handshake_timeout_ms = o->hs_timeout_ms ? o->hs_timeout_ms : 10000,
			       .no_renegotiation = o->no_renegotiation };
	char why[200], *ca = NULL, *crt = NULL, *key = NULL;
	size_t n1 = 0, n2 = 0, n3 = 0;
	int rc;

	D.ep = ep, D.loop = loop, D.o = o, D.deliver = deliver, D.arg = arg;
	if (o->psk_table) {
		p.mode = PD_PSK;
		p.psk_lookup = lookup;
		if (load_psks(o->psk_table))
			return -1;
	} else {
		p.mode = PD_CERT;
		ca = slurp(o->ca, PF_PUBLIC, &n1);
		crt = slurp(o->cert, PF_PUBLIC, &n2);
		key = slurp(o->key, PF_SECRET, &n3);
		if (!ca || !crt || !key)
			return -1;
		p.ca = (uint8_t *)ca, p.ca_len = n1;
		p.cert = (uint8_t *)crt, p.cert_len = n2;
		p.key = (uint8_t *)key, p.key_len = n3;
	}
	rc = pd_conf_create(&p, &D.conf, why, sizeof(why));
	pf_free_secret((uint8_t *)ca, n1 ? n1 - 1 : 0);
	pf_free_secret((uint8_t *)crt, n2 ? n2 - 1 : 0);
	pf_free_secret((uint8_t *)key, n3 ? n3 - 1 : 0);
	if (rc) {
		elog("%s", why);
		return -1;
	}
	rc = ps_auth_setup(ep, chunks, sizeof(chunks), hmacs, 2);
	if (rc) {
		elog("SCTP-AUTH: %s (net.sctp.auth_enable=1?)", strerror(-rc));
		return -1;
	}
	elog("DTLS over SCTP (%s), suites %s, handshake timeout %u ms%s",
	     p.mode == PD_PSK ? "PSK" : "certificates",
	     o->suites ? o->suites : pd_default_suites(p.mode), hs_timeout(),
	     o->no_renegotiation ? ", renegotiation refused" : "");
	return 0;
}

void ctl_dtls_fini(void)
{
	for (int i = 0; i < MAX_SESS; i++) {
		if (D.s[i].used)
			drop(&D.s[i]);
		loop_timer_free(D.s[i].deadline);
		D.s[i].deadline = NULL;
	}
	pd_conf_destroy(D.conf);
	memset(&D, 0, sizeof(D));	/* the PSK table with it */
}
