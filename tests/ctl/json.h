/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal JSON reader for the tests (RFC 8259): a recursive-descent
 * parser into a tree. Strict: one value with optional whitespace around
 * it, no trailing commas, no comments, control characters in strings
 * refused, \u escapes decoded to UTF-8 (surrogate pairs joined, lone
 * surrogates refused), raw bytes of strings checked to be UTF-8, nesting
 * bounded by JV_MAX_DEPTH. Integers keep their exact value when they fit
 * in 64 bits (jv_is_uint()/jv_is_int()); every number also as a double.
 *
 *	struct jv *doc = jv_parse(text, err, sizeof(err));
 *	uint64_t id = jv_uint(jv_get(jv_at(jv_get(doc, "contexts"), 0), "id"));
 *	jv_free(doc);
 *
 * Accessors take NULL and give NULL/0/false, so that a chain of them over
 * a document without the member ends in a value the test checks.
 */
#ifndef IOASID_TEST_JSON_H
#define IOASID_TEST_JSON_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JV_MAX_DEPTH	64

enum jv_type { JV_NULL, JV_BOOL, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT };

struct jv {
	enum jv_type type;
	bool b;
	double num;
	bool is_uint;		/* an integer in 0..UINT64_MAX: @u */
	bool is_int;		/* an integer in INT64_MIN..INT64_MAX: @i */
	uint64_t u;
	int64_t i;
	char *str;		/* JV_STRING: decoded, NUL-terminated */
	size_t len;		/* its length (it may hold NULs) */
	size_t n;		/* JV_ARRAY, JV_OBJECT: members */
	char **keys;		/* JV_OBJECT */
	struct jv **items;
};

struct jv_parser {
	const char *p;
	const char *end;
	const char *start;
	char *err;
	size_t errlen;
	bool failed;
};

static inline void jv_free(struct jv *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++) {
		if (v->keys)
			free(v->keys[i]);
		jv_free(v->items[i]);
	}
	free(v->keys);
	free(v->items);
	free(v->str);
	free(v);
}

static inline void *jv_fail(struct jv_parser *ps, const char *what)
{
	if (!ps->failed && ps->err)
		snprintf(ps->err, ps->errlen, "%s at offset %zu", what,
			 (size_t)(ps->p - ps->start));
	ps->failed = true;
	return NULL;
}

static inline void jv_ws(struct jv_parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
				   *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static inline struct jv *jv_new(enum jv_type type)
{
	struct jv *v = calloc(1, sizeof(*v));

	if (v)
		v->type = type;
	return v;
}

/* A growable byte buffer for strings. */
struct jv_buf {
	char *s;
	size_t len, cap;
};

static inline bool jv_buf_put(struct jv_buf *b, const void *data, size_t n)
{
	char *s;

	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 32;

		while (cap < b->len + n + 1)
			cap *= 2;
		s = realloc(b->s, cap);
		if (!s)
			return false;
		b->s = s;
		b->cap = cap;
	}
	memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = 0;
	return true;
}

static inline bool jv_put_utf8(struct jv_buf *b, uint32_t cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = 0xc0 | cp >> 6;
		u[1] = 0x80 | (cp & 0x3f);
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = 0xe0 | cp >> 12;
		u[1] = 0x80 | ((cp >> 6) & 0x3f);
		u[2] = 0x80 | (cp & 0x3f);
		n = 3;
	} else {
		u[0] = 0xf0 | cp >> 18;
		u[1] = 0x80 | ((cp >> 12) & 0x3f);
		u[2] = 0x80 | ((cp >> 6) & 0x3f);
		u[3] = 0x80 | (cp & 0x3f);
		n = 4;
	}
	return jv_buf_put(b, u, n);
}

/* Four hex digits at ps->p, or -1. */
static inline long jv_hex4(struct jv_parser *ps)
{
	long v = 0;
	int i;

	if (ps->end - ps->p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		char c = ps->p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	ps->p += 4;
	return v;
}

/* The length of the well-formed UTF-8 sequence at @s, or 0 (RFC 3629). */
static inline size_t jv_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A string at ps->p (on its opening quote), decoded into @b. */
static inline bool jv_string(struct jv_parser *ps, struct jv_buf *b)
{
	long hi, lo;
	size_t n;

	ps->p++;
	if (!jv_buf_put(b, "", 0))
		return jv_fail(ps, "out of memory");
	while (ps->p < ps->end) {
		unsigned char c = *ps->p;

		if (c == '"') {
			ps->p++;
			return true;
		}
		if (c < 0x20)
			return jv_fail(ps, "control character in string");
		if (c != '\\') {
			n = jv_utf8_len((const unsigned char *)ps->p, ps->end - ps->p);
			if (!n)
				return jv_fail(ps, "invalid UTF-8 in string");
			if (!jv_buf_put(b, ps->p, n))
				return jv_fail(ps, "out of memory");
			ps->p += n;
			continue;
		}
		if (++ps->p >= ps->end)
			break;
		c = *ps->p++;
		switch (c) {
		case '"': case '\\': case '/':
			if (!jv_buf_put(b, &c, 1))
				return jv_fail(ps, "out of memory");
			break;
		case 'b': if (!jv_buf_put(b, "\b", 1)) return jv_fail(ps, "out of memory"); break;
		case 'f': if (!jv_buf_put(b, "\f", 1)) return jv_fail(ps, "out of memory"); break;
		case 'n': if (!jv_buf_put(b, "\n", 1)) return jv_fail(ps, "out of memory"); break;
		case 'r': if (!jv_buf_put(b, "\r", 1)) return jv_fail(ps, "out of memory"); break;
		case 't': if (!jv_buf_put(b, "\t", 1)) return jv_fail(ps, "out of memory"); break;
		case 'u':
			hi = jv_hex4(ps);
			if (hi < 0)
				return jv_fail(ps, "bad \\u escape");
			if (hi >= 0xdc00 && hi <= 0xdfff)
				return jv_fail(ps, "lone low surrogate");
			if (hi >= 0xd800 && hi <= 0xdbff) {
				if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
					return jv_fail(ps, "lone high surrogate");
				ps->p += 2;
				lo = jv_hex4(ps);
				if (lo < 0xdc00 || lo > 0xdfff)
					return jv_fail(ps, "bad surrogate pair");
				hi = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (!jv_put_utf8(b, hi))
				return jv_fail(ps, "out of memory");
			break;
		default:
			return jv_fail(ps, "bad escape");
		}
	}
	return jv_fail(ps, "unterminated string");
}

static inline struct jv *jv_number(struct jv_parser *ps)
{
	const char *s = ps->p;
	bool neg = false, integer = true;
	uint64_t mag = 0;
	bool overflow = false;
	char tmp[128];
	struct jv *v;

	if (ps->p < ps->end && *ps->p == '-') {
		neg = true;
		ps->p++;
	}
	if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
		return jv_fail(ps, "bad number");
	if (*ps->p == '0') {
		ps->p++;
	} else {
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
			unsigned int d = *ps->p++ - '0';

			if (mag > (UINT64_MAX - d) / 10)
				overflow = true;
			else
				mag = mag * 10 + d;
		}
	}
	if (ps->p < ps->end && *ps->p == '.') {
		integer = false;
		ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			return jv_fail(ps, "bad fraction");
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		integer = false;
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			return jv_fail(ps, "bad exponent");
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if ((size_t)(ps->p - s) >= sizeof(tmp))
		return jv_fail(ps, "number too long");
	v = jv_new(JV_NUMBER);
	if (!v)
		return jv_fail(ps, "out of memory");
	memcpy(tmp, s, ps->p - s);
	tmp[ps->p - s] = 0;
	v->num = strtod(tmp, NULL);
	if (integer && !overflow) {
		if (!neg) {
			v->is_uint = true;
			v->u = mag;
			if (mag <= INT64_MAX) {
				v->is_int = true;
				v->i = mag;
			}
		} else if (mag <= (uint64_t)INT64_MAX + 1) {
			v->is_int = true;
			v->i = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
			if (!mag) {
				v->is_uint = true;	/* -0 */
				v->u = 0;
			}
		}
	}
	return v;
}

static inline bool jv_literal(struct jv_parser *ps, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, lit, n))
		return false;
	ps->p += n;
	return true;
}

static inline bool jv_append(struct jv *v, char *key, struct jv *item)
{
	struct jv **items = realloc(v->items, (v->n + 1) * sizeof(*items));
	char **keys;

	if (!items)
		return false;
	v->items = items;
	if (v->type == JV_OBJECT) {
		keys = realloc(v->keys, (v->n + 1) * sizeof(*keys));
		if (!keys)
			return false;
		v->keys = keys;
		v->keys[v->n] = key;
	}
	v->items[v->n++] = item;
	return true;
}

static inline struct jv *jv_value(struct jv_parser *ps, int depth);

/* An array or object at ps->p (on its bracket). */
static inline struct jv *jv_container(struct jv_parser *ps, int depth, bool obj)
{
	struct jv *v = jv_new(obj ? JV_OBJECT : JV_ARRAY), *item;
	char close = obj ? '}' : ']';
	struct jv_buf key;

	if (!v)
		return jv_fail(ps, "out of memory");
	if (depth >= JV_MAX_DEPTH) {
		jv_free(v);
		return jv_fail(ps, "nested too deep");
	}
	ps->p++;
	jv_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return v;
	}
	for (;;) {
		memset(&key, 0, sizeof(key));
		if (obj) {
			jv_ws(ps);
			if (ps->p >= ps->end || *ps->p != '"' || !jv_string(ps, &key)) {
				free(key.s);
				jv_free(v);
				return jv_fail(ps, "expected a key");
			}
			jv_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key.s);
				jv_free(v);
				return jv_fail(ps, "expected ':'");
			}
			ps->p++;
		}
		item = jv_value(ps, depth + 1);
		if (!item || !jv_append(v, key.s, item)) {
			free(key.s);
			jv_free(item);
			jv_free(v);
			return jv_fail(ps, "bad member");
		}
		jv_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			return v;
		}
		jv_free(v);
		return jv_fail(ps, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static inline struct jv *jv_value(struct jv_parser *ps, int depth)
{
	struct jv_buf b = { 0 };
	struct jv *v;

	jv_ws(ps);
	if (ps->p >= ps->end)
		return jv_fail(ps, "unexpected end");
	switch (*ps->p) {
	case '{':
		return jv_container(ps, depth, true);
	case '[':
		return jv_container(ps, depth, false);
	case '"':
		if (!jv_string(ps, &b)) {
			free(b.s);
			return NULL;
		}
		v = jv_new(JV_STRING);
		if (!v) {
			free(b.s);
			return jv_fail(ps, "out of memory");
		}
		v->str = b.s;
		v->len = b.len;
		return v;
	case 't':
		if (!jv_literal(ps, "true"))
			break;
		v = jv_new(JV_BOOL);
		if (v)
			v->b = true;
		return v ? v : jv_fail(ps, "out of memory");
	case 'f':
		if (!jv_literal(ps, "false"))
			break;
		v = jv_new(JV_BOOL);
		return v ? v : jv_fail(ps, "out of memory");
	case 'n':
		if (!jv_literal(ps, "null"))
			break;
		v = jv_new(JV_NULL);
		return v ? v : jv_fail(ps, "out of memory");
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return jv_number(ps);
	}
	return jv_fail(ps, "unexpected character");
}

/* Parse @len bytes at @text: one JSON value. NULL on error, with @err set. */
static inline struct jv *jv_parse_n(const char *text, size_t len, char *err,
				    size_t errlen)
{
	struct jv_parser ps = {
		.p = text, .end = text + len, .start = text,
		.err = err, .errlen = errlen,
	};
	struct jv *v;

	if (err && errlen)
		err[0] = 0;
	v = jv_value(&ps, 0);
	if (!v)
		return NULL;
	jv_ws(&ps);
	if (ps.p != ps.end) {
		jv_free(v);
		return jv_fail(&ps, "trailing characters");
	}
	return v;
}

static inline struct jv *jv_parse(const char *text, char *err, size_t errlen)
{
	return jv_parse_n(text, strlen(text), err, errlen);
}

/* Accessors: NULL-tolerant. */
static inline struct jv *jv_get(const struct jv *v, const char *key)
{
	size_t i;

	if (!v || v->type != JV_OBJECT)
		return NULL;
	for (i = 0; i < v->n; i++)
		if (!strcmp(v->keys[i], key))
			return v->items[i];
	return NULL;
}

static inline struct jv *jv_at(const struct jv *v, size_t i)
{
	if (!v || (v->type != JV_ARRAY && v->type != JV_OBJECT) || i >= v->n)
		return NULL;
	return v->items[i];
}

static inline size_t jv_len(const struct jv *v)
{
	return v && (v->type == JV_ARRAY || v->type == JV_OBJECT) ? v->n : 0;
}

static inline bool jv_is(const struct jv *v, enum jv_type type)
{
	return v && v->type == type;
}

static inline bool jv_is_uint(const struct jv *v)
{
	return v && v->type == JV_NUMBER && v->is_uint;
}

/* An unsigned integer's value; UINT64_MAX for anything else (never valid in a test). */
static inline uint64_t jv_uint(const struct jv *v)
{
	return jv_is_uint(v) ? v->u : UINT64_MAX;
}

static inline const char *jv_str(const struct jv *v)
{
	return v && v->type == JV_STRING ? v->str : NULL;
}

/* "0x..." string's value; UINT64_MAX if it is none. */
static inline uint64_t jv_hexval(const struct jv *v)
{
	const char *s = jv_str(v);
	char *end;
	uint64_t x;

	if (!s || strncmp(s, "0x", 2) || !s[2])
		return UINT64_MAX;
	errno = 0;
	x = strtoull(s + 2, &end, 16);
	return *end || errno ? UINT64_MAX : x;
}

static inline int jv_bool(const struct jv *v)
{
	return v && v->type == JV_BOOL ? v->b : -1;
}

#endif
