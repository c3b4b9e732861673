/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small JSON writer for ioasidctl --json: one document, compact, on one
 * line. Objects and arrays nest up to JSON_MAX_DEPTH; every value inside
 * an object takes its key, values inside an array take NULL.
 *
 * Strings are written as valid JSON whatever their bytes: '"', '\' and
 * control characters are escaped (\n, \t, ... or \u00XX; DEL as \u007f),
 * well-formed UTF-8 is copied, and every byte that is not part of a
 * well-formed UTF-8 sequence (a stray continuation byte, a truncated or
 * overlong sequence, a surrogate, beyond U+10FFFF) becomes U+FFFD, so the
 * output is always valid UTF-8. Numbers are integers; 64-bit addresses
 * go as "0x..." strings (json_hex()) so that no reader rounds them.
 *
 * Header-only: tools/ioasidctl.c and tests/unit/json_emit.c include it.
 */
#ifndef IOASID_JSON_EMIT_H
#define IOASID_JSON_EMIT_H

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define JSON_MAX_DEPTH	16

struct json_out {
	FILE *f;
	int depth;
	bool need_comma[JSON_MAX_DEPTH + 1];
	bool error;	/* nesting misused: the document is not valid */
};

static inline void json_init(struct json_out *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

/*
 * The length of the well-formed UTF-8 sequence at @s (at most @n bytes),
 * or 0 if @s does not start one (RFC 3629: no overlongs, no surrogates,
 * nothing beyond U+10FFFF).
 */
static inline size_t json_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
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

/* @s (@n bytes) as a JSON string, quotes included. */
static inline void json_write_string(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;

	fputc('"', f);
	while (i < n) {
		unsigned char c = p[i];

		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				fprintf(f, "\\u%04x", c);
			} else if (c < 0x80) {
				fputc(c, f);
			} else {
				len = json_utf8_len(p + i, n - i);
				if (!len) {
					fputs("\\ufffd", f);
					break;
				}
				fwrite(p + i, 1, len, f);
				i += len;
				continue;
			}
		}
		i++;
	}
	fputc('"', f);
}

/* Before a value: the comma, and the key inside an object. */
static inline void json_value_begin(struct json_out *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = true;
	if (key) {
		json_write_string(j->f, key, strlen(key));
		fputc(':', j->f);
	}
}

static inline void json_open(struct json_out *j, const char *key, char c)
{
	json_value_begin(j, key);
	fputc(c, j->f);
	if (j->depth == JSON_MAX_DEPTH) {
		j->error = true;
		return;
	}
	j->need_comma[++j->depth] = false;
}

static inline void json_close(struct json_out *j, char c)
{
	fputc(c, j->f);
	if (j->depth == 0)
		j->error = true;
	else
		j->depth--;
	/* The document ends on its own line. */
	if (j->depth == 0)
		fputc('\n', j->f);
}

static inline void json_obj_begin(struct json_out *j, const char *key)
{
	json_open(j, key, '{');
}

static inline void json_obj_end(struct json_out *j)
{
	json_close(j, '}');
}

static inline void json_arr_begin(struct json_out *j, const char *key)
{
	json_open(j, key, '[');
}

static inline void json_arr_end(struct json_out *j)
{
	json_close(j, ']');
}

static inline void json_strn(struct json_out *j, const char *key,
			     const char *s, size_t n)
{
	json_value_begin(j, key);
	json_write_string(j->f, s, n);
}

/* A string, or null for NULL. */
static inline void json_str(struct json_out *j, const char *key, const char *s)
{
	json_value_begin(j, key);
	if (s)
		json_write_string(j->f, s, strlen(s));
	else
		fputs("null", j->f);
}

static inline void json_u64(struct json_out *j, const char *key, uint64_t v)
{
	json_value_begin(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

static inline void json_i64(struct json_out *j, const char *key, int64_t v)
{
	json_value_begin(j, key);
	fprintf(j->f, "%" PRId64, v);
}

/* @v, or null when it is negative (unknown). */
static inline void json_i64_or_null(struct json_out *j, const char *key,
				    int64_t v)
{
	json_value_begin(j, key);
	if (v < 0)
		fputs("null", j->f);
	else
		fprintf(j->f, "%" PRId64, v);
}

/* A 64-bit address or mask, as "0x..." (lowercase, no leading zeros). */
static inline void json_hex(struct json_out *j, const char *key, uint64_t v)
{
	json_value_begin(j, key);
	fprintf(j->f, "\"0x%" PRIx64 "\"", v);
}

static inline void json_bool(struct json_out *j, const char *key, bool v)
{
	json_value_begin(j, key);
	fputs(v ? "true" : "false", j->f);
}

static inline void json_null(struct json_out *j, const char *key)
{
	json_value_begin(j, key);
	fputs("null", j->f);
}

/* Whether the document was complete and nested right. */
static inline bool json_ok(const struct json_out *j)
{
	return !j->error && j->depth == 0;
}

#endif
