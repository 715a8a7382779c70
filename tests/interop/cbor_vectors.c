/* SPDX-License-Identifier: MIT */
/*
 * tests/interop/cbor_vectors.c - writes messages encoded by agent/msg and
 * decodes files written by another CBOR implementation (cbor2).
 *
 *   cbor_vectors encode DIR   write DIR/<name>.bin (fixed messages + values)
 *   cbor_vectors decode FILE  decode one message, print it as one JSON line
 *   cbor_vectors values FILE  decode a CBOR array of scalars, print JSON
 *   cbor_vectors hexdump      print each fixed message as hex (for docs)
 * Exit status: 0 ok, 1 rejected input (JSON {"error": reason}), 2 usage/io.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "agent/cbor.h"
#include "agent/msg.h"

#define S(lit) ((struct msg_str){ (lit), sizeof(lit) - 1 })
#define MAXMSG 4096

struct vec {
	const char *name;
	uint8_t buf[512];
	size_t len;
};

static const struct msg_stream_info streams[] = {
	{ 1, S("temp"), S("Cel") }, { 2, S("hum"), S("%RH") },
};
static const struct msg_reading readings[] = {
	{ { 0 }, S("temp"), S("Cel"), 21.5, 1700000000000ll, false },
	{ { 0 }, S("temp"), S("Cel"), 21.25, 1700000000500ll, false },
	{ { 0 }, S("temp"), S("Cel"), -3.1, 1700000061001ll, false },
};
static const struct msg_reading unsynced[] = {	/* no RTC, before NTP */
	{ { 0 }, S("temp"), S("Cel"), 21.5, 5123, true },
};
static const struct msg_ack acks[] = { { 1, 41 }, { 2, 7 } };
static const struct msg_low lows[] = { { 0x5eed0001u, 1, 40 } };
static const struct msg_gap gaps[] = { { 1, 12, 30 }, { 2, 7, 7 } };
#define EPOCH 0x5eed0001u
#define OLD_EPOCH 0x5eed0000u
#define N_MSGS 12
static const uint8_t status_data[] = {	/* {"uptime_s": 3600} */
	0xa1, 0x68, 'u', 'p', 't', 'i', 'm', 'e', '_', 's', 0x19, 0x0e, 0x10,
};

static int build(struct vec *v, unsigned i)
{
	const struct msg_hello hello = { S("pi-kitchen"), S("0.1.0"),
		MSG_VERSION, 0x0123456789abcdefull, 1700000000123ull,
		streams, 2, EPOCH, lows, 1 };
	const struct msg_cmd set = { MSG_OP_SET_INTERVAL, { 0 }, S("temp"),
				     5000 };
	const struct msg_cmd ping = { MSG_OP_PING, { 0 }, { 0 }, 0 };
	const struct msg_cmd close_hold = { MSG_OP_CLOSE, { 0 }, { 0 }, 60000 };
	const struct msg_reply ok = { MSG_ST_OK, S("ok"), status_data,
				      sizeof(status_data) };
	const struct msg_reply bad = { MSG_ST_UNKNOWN_SENSOR,
				       S("unknown sensor"), NULL, 0 };

	switch (i) {
	case 0:
		v->name = "hello";
		return msg_encode_hello(v->buf, sizeof(v->buf), &hello, &v->len);
	case 1:
		v->name = "readings";
		return msg_encode_readings(v->buf, sizeof(v->buf), 0, 42,
					   S("urn:dev:pi-kitchen:"), readings,
					   3, &v->len);
	case 2:
		v->name = "ack";
		return msg_encode_ack(v->buf, sizeof(v->buf), 0, acks, 2, &v->len);
	case 3:
		v->name = "cmd_ping";
		return msg_encode_cmd(v->buf, sizeof(v->buf), 6, &ping, &v->len);
	case 4:
		v->name = "cmd_set_interval";
		return msg_encode_cmd(v->buf, sizeof(v->buf), 7, &set, &v->len);
	case 5:
		v->name = "reply_status";
		return msg_encode_reply(v->buf, sizeof(v->buf), 7, &ok, &v->len);
	case 6:
		v->name = "reply_error";
		return msg_encode_reply(v->buf, sizeof(v->buf), 8, &bad, &v->len);
	case 7:
		v->name = "gap";
		return msg_encode_gap(v->buf, sizeof(v->buf), 0, gaps, 2, &v->len);
	case 8:
		v->name = "readings_epoch";	/* a reading of an older run */
		return msg_encode_readings(v->buf, sizeof(v->buf), OLD_EPOCH, 5,
					   S("urn:dev:pi-kitchen:"), readings,
					   1, &v->len);
	case 10:
		v->name = "cmd_close";		/* stay away 60 s */
		return msg_encode_cmd(v->buf, sizeof(v->buf), 9, &close_hold, &v->len);
	case 11:
		v->name = "readings_unsync";	/* taken before the clock was synced */
		return msg_encode_readings(v->buf, sizeof(v->buf), 0, 3,
					   S("urn:dev:pi-kitchen:"), unsynced, 1, &v->len);
	case 9:
		v->name = "ack_epoch";
		return msg_encode_ack(v->buf, sizeof(v->buf), OLD_EPOCH, acks, 1,
				      &v->len);
	default:
		return -1;
	}
}

/* A CBOR array of scalars covering every head size and float width. */
static int build_values(struct vec *v)
{
	static const uint64_t u[] = { 0, 23, 24, 255, 256, 65535, 65536,
				      4294967295ull, 4294967296ull, UINT64_MAX };
	static const int64_t s[] = { -1, -24, -25, -256, -257, INT64_MIN };
	static const double f[] = { 0.0, -0.0, 1.0, 1.5, 65504.0, 65505.0,
				    100000.0, 5.960464477539063e-8, 0.1, -4.1,
				    1e300, 3.4028234663852886e+38 };
	struct cbor_enc e;

	v->name = "values";
	cbor_enc_init(&e, v->buf, sizeof(v->buf));
	cbor_put_array(&e, 10 + 6 + 12 + 5);
	for (int i = 0; i < 10; i++)
		cbor_put_uint(&e, u[i]);
	for (int i = 0; i < 6; i++)
		cbor_put_int(&e, s[i]);
	for (int i = 0; i < 12; i++)
		cbor_put_float(&e, f[i]);
	cbor_put_cstr(&e, "IETF \xc3\xbc");
	cbor_put_bytes(&e, "\x01\x02\x03", 3);
	cbor_put_bool(&e, true);
	cbor_put_bool(&e, false);
	cbor_put_null(&e);
	return cbor_enc_finish(&e, &v->len);
}

static void json_str(const char *p, size_t len)
{
	putchar('"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_mstr(struct msg_str s)
{
	json_str(s.p, s.len);
}

static int print_msg(const uint8_t *buf, size_t len)
{
	struct msg_stream_info si[MSG_MAX_ITEMS];
	struct msg_low lo[MSG_MAX_LOW];
	struct msg_reading r[MSG_MAX_ITEMS];
	struct msg_ack a[MSG_MAX_ITEMS];
	struct msg_gap g[MSG_MAX_ITEMS];
	struct msg_hello h;
	struct msg_cmd c;
	struct msg_reply rp;
	struct msg_hdr hdr;
	enum msg_err why;
	const uint8_t *b;
	size_t bl;
	unsigned n;
	int rc = msg_hdr_parse(buf, len, &hdr, &b, &bl, &why);

	if (rc)
		goto bad;
	switch (hdr.type) {
	case MSG_HELLO:
		rc = msg_decode_hello(b, bl, &h, si, MSG_MAX_ITEMS, lo, MSG_MAX_LOW, &why);
		if (rc)
			goto bad;
		printf("{\"type\":\"hello\",\"version\":%u,\"seq\":%" PRIu32
		       ",\"epoch\":%" PRIu32 ",\"low\":[", hdr.version, hdr.seq, h.epoch);
		for (unsigned i = 0; i < h.n_low; i++)
			printf("%s[%" PRIu32 ",%u,%" PRIu32 "]", i ? "," : "",
			       lo[i].epoch, (unsigned)lo[i].stream, lo[i].seq);
		printf("],\"name\":");
		json_mstr(h.name);
		printf(",\"sw\":");
		json_mstr(h.sw);
		printf(",\"proto\":%" PRIu32 ",\"boot\":%" PRIu64
		       ",\"start\":%" PRIu64 ",\"streams\":[", h.proto,
		       h.boot_id, h.start_ms);
		for (unsigned i = 0; i < h.n_streams; i++) {
			printf("%s{\"stream\":%u,\"sensor\":", i ? "," : "",
			       (unsigned)si[i].stream);
			json_mstr(si[i].sensor);
			printf(",\"unit\":");
			json_mstr(si[i].unit);
			printf("}");
		}
		printf("]}\n");
		return 0;
	case MSG_READINGS:
		rc = msg_decode_readings(b, bl, r, MSG_MAX_ITEMS, &n, &why);
		if (rc)
			goto bad;
		printf("{\"type\":\"readings\",\"version\":%u,\"epoch\":%" PRIu32
		       ",\"seq\":%" PRIu32 ",\"records\":[", hdr.version, hdr.epoch,
		       hdr.seq);
		for (unsigned i = 0; i < n; i++) {
			char name[2 * MSG_MAX_STR];

			memcpy(name, r[i].base.p, r[i].base.len);
			memcpy(name + r[i].base.len, r[i].name.p, r[i].name.len);
			printf("%s{\"name\":", i ? "," : "");
			json_str(name, r[i].base.len + r[i].name.len);
			printf(",\"unit\":");
			json_mstr(r[i].unit);
			printf(",\"v\":%.17g,\"t_ms\":%" PRId64 "}", r[i].value,
			       r[i].time_ms);
		}
		printf("]}\n");
		return 0;
	case MSG_ACK:
		rc = msg_decode_ack(b, bl, a, MSG_MAX_ITEMS, &n, &why);
		if (rc)
			goto bad;
		printf("{\"type\":\"ack\",\"version\":%u,\"epoch\":%" PRIu32
		       ",\"seq\":%" PRIu32 ",\"acks\":[", hdr.version, hdr.epoch, hdr.seq);
		for (unsigned i = 0; i < n; i++)
			printf("%s[%u,%" PRIu32 "]", i ? "," : "",
			       (unsigned)a[i].stream, a[i].seq);
		printf("]}\n");
		return 0;
	case MSG_GAP:
		rc = msg_decode_gap(b, bl, g, MSG_MAX_ITEMS, &n, &why);
		if (rc)
			goto bad;
		printf("{\"type\":\"gap\",\"epoch\":%" PRIu32 ",\"ranges\":[",
		       hdr.epoch);
		for (unsigned i = 0; i < n; i++)
			printf("%s[%u,%" PRIu32 ",%" PRIu32 "]", i ? "," : "",
			       (unsigned)g[i].stream, g[i].first, g[i].last);
		printf("]}\n");
		return 0;
	case MSG_CMD:
		rc = msg_decode_cmd(b, bl, &c, &why);
		if (rc)
			goto bad;
		printf("{\"type\":\"cmd\",\"id\":%" PRIu32 ",\"op\":", hdr.seq);
		json_mstr(c.op_name);
		printf(",\"known\":%s,\"sensor\":", c.op ? "true" : "false");
		json_mstr(c.sensor);
		printf(",\"ms\":%" PRIu32 "}\n", c.interval_ms);
		return 0;
	default:
		rc = msg_decode_reply(b, bl, &rp, &why);
		if (rc)
			goto bad;
		printf("{\"type\":\"reply\",\"id\":%" PRIu32 ",\"status\":%" PRIu32
		       ",\"msg\":", hdr.seq, rp.status);
		json_mstr(rp.msg);
		printf(",\"data_hex\":\"");
		for (size_t i = 0; i < rp.data_len; i++)
			printf("%02x", rp.data[i]);
		printf("\"}\n");
		return 0;
	}
bad:
	printf("{\"error\":\"%s\"}\n", msg_err_str(why));
	return 1;
}

/* One scalar as JSON: ints as numbers, floats as {"f": x}. */
static int print_scalar(struct cbor_dec *d)
{
	enum cbor_type t;
	const uint8_t *p;
	const char *s;
	uint64_t u;
	int64_t i;
	double f;
	bool bv;
	size_t len;
	int rc = cbor_peek(d, &t);

	if (rc)
		return rc;
	switch (t) {
	case CBOR_UINT:
		rc = cbor_get_uint(d, &u);
		if (!rc)
			printf("%" PRIu64, u);
		break;
	case CBOR_NEGINT:
	case CBOR_TAG:
		rc = cbor_get_int(d, &i);
		if (!rc)
			printf("%" PRId64, i);
		if (rc == -ERANGE) {
			printf("\"erange\"");
			rc = cbor_skip(d, NULL, NULL);
		}
		break;
	case CBOR_FLOAT:
		rc = cbor_get_float(d, &f);
		if (rc)
			break;
		if (f != f)
			printf("{\"f\":\"nan\"}");
		else if (f - f != 0.0)
			printf("{\"f\":\"%s\"}", f > 0 ? "inf" : "-inf");
		else
			printf("{\"f\":%.17g}", f);
		break;
	case CBOR_TEXT:
		rc = cbor_get_text(d, &s, &len);
		if (!rc)
			json_str(s, len);
		break;
	case CBOR_BYTES:
		rc = cbor_get_bytes(d, &p, &len);
		printf("{\"b\":\"");
		for (size_t k = 0; !rc && k < len; k++)
			printf("%02x", p[k]);
		printf("\"}");
		break;
	case CBOR_BOOL:
		rc = cbor_get_bool(d, &bv);
		printf("%s", bv ? "true" : "false");
		break;
	case CBOR_NULL:
		rc = cbor_get_null(d);
		printf("null");
		break;
	default:
		rc = -ENOMSG;
	}
	return rc;
}

static int print_values(const uint8_t *buf, size_t len)
{
	struct cbor_dec d;
	size_t n;
	int rc;

	cbor_dec_init(&d, buf, len);
	rc = cbor_get_array(&d, &n);
	printf("[");
	for (size_t i = 0; !rc && i < n; i++) {
		if (i)
			printf(",");
		rc = print_scalar(&d);
	}
	printf("]\n");
	if (!rc && !cbor_dec_done(&d))
		rc = -EBADMSG;
	if (rc)
		printf("{\"error\":%d}\n", rc);
	return rc ? 1 : 0;
}

static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return SIZE_MAX;
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static int write_all(const char *dir)
{
	struct vec v;
	char path[1024];
	FILE *f;

	for (unsigned i = 0; i <= N_MSGS; i++) {
		if (i < N_MSGS ? build(&v, i) : build_values(&v))
			return 2;
		snprintf(path, sizeof(path), "%s/%s.bin", dir, v.name);
		f = fopen(path, "wb");
		if (!f || fwrite(v.buf, 1, v.len, f) != v.len)
			return 2;
		fclose(f);
	}
	return 0;
}

static int hexdump(void)
{
	struct vec v;

	for (unsigned i = 0; i < N_MSGS; i++) {
		size_t hl;

		if (build(&v, i))
			return 2;
		hl = MSG_HDR_LEN + (v.buf[3] & MSG_F_EPOCH ? MSG_EPOCH_LEN : 0);
		printf("%s (%zu bytes):\n", v.name, v.len);
		for (size_t k = 0; k < v.len; k++)
			printf("%02x%s", v.buf[k],
			       k + 1 == v.len || k % 16 == 15 ? "\n" :
			       k == hl - 1 ? " | " : " ");
		printf("\n");
	}
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t buf[MAXMSG];
	size_t n;

	if (argc == 2 && !strcmp(argv[1], "hexdump"))
		return hexdump();
	if (argc != 3)
		goto usage;
	if (!strcmp(argv[1], "encode"))
		return write_all(argv[2]);
	n = read_file(argv[2], buf, sizeof(buf));
	if (n == SIZE_MAX)
		return 2;
	if (!strcmp(argv[1], "decode"))
		return print_msg(buf, n);
	if (!strcmp(argv[1], "values"))
		return print_values(buf, n);
usage:
	fprintf(stderr, "usage: cbor_vectors encode DIR | decode FILE | "
		"values FILE | hexdump\n");
	return 2;
}
