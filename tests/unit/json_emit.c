// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of ioasidctl's JSON writer (tools/json_emit.h): string
 * escaping byte by byte, UTF-8 passed through or replaced, nesting, numbers;
 * and, with the selftests' reader (tests/ctl/json.h), round trips of random
 * strings and documents, and the reader's refusals of what is not JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "../../tools/json_emit.h"
#include "../ctl/json.h"

/* What json_str() writes for @n bytes at @s (inside an array), into @out. */
static const char *emit(const char *s, size_t n, char *out, size_t len)
{
	struct json_out j;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	json_init(&j, f);
	json_arr_begin(&j, NULL);
	json_strn(&j, NULL, s, n);
	json_arr_end(&j);
	fclose(f);
	/* "[" ... "]\n" */
	snprintf(out, len, "%.*s", size >= 3 ? (int)(size - 3) : 0, buf + 1);
	free(buf);
	return out;
}

#define EMITS(want, s) do {						\
	char __out[512];						\
									\
	EXPECT_STREQ(want, emit(s, sizeof(s) - 1, __out, sizeof(__out))); \
} while (0)

TEST(escapes)
{
	EMITS("\"\"", "");
	EMITS("\"plain ascii ~!@#$%^&*()\"", "plain ascii ~!@#$%^&*()");
	EMITS("\"\\\"\"", "\"");
	EMITS("\"\\\\\"", "\\");
	EMITS("\"/\"", "/");
	EMITS("\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t");
	EMITS("\"\\u0000\\u0001\\u001f\\u007f\"", "\0\x01\x1f\x7f");
	EMITS("\"a\\\\u0041\"", "a\\u0041");
}

TEST(utf8_passes)
{
	EMITS("\"\xc3\xa9\"", "\xc3\xa9");			/* U+00E9 */
	EMITS("\"\xdf\xbf\"", "\xdf\xbf");			/* U+07FF */
	EMITS("\"\xe0\xa0\x80\"", "\xe0\xa0\x80");		/* U+0800 */
	EMITS("\"\xe2\x82\xac\"", "\xe2\x82\xac");		/* U+20AC */
	EMITS("\"\xed\x9f\xbf\"", "\xed\x9f\xbf");		/* U+D7FF */
	EMITS("\"\xee\x80\x80\"", "\xee\x80\x80");		/* U+E000 */
	EMITS("\"\xef\xbf\xbf\"", "\xef\xbf\xbf");		/* U+FFFF */
	EMITS("\"\xf0\x90\x80\x80\"", "\xf0\x90\x80\x80");	/* U+10000 */
	EMITS("\"\xf4\x8f\xbf\xbf\"", "\xf4\x8f\xbf\xbf");	/* U+10FFFF */
}

TEST(utf8_replaced)
{
	/* Every byte not in a well-formed sequence: one U+FFFD each. */
	EMITS("\"\\ufffd\"", "\x80");				/* lone continuation */
	EMITS("\"\\ufffd\\ufffd\"", "\xc0\x80");		/* overlong NUL */
	EMITS("\"\\ufffd\\ufffd\"", "\xc1\xbf");		/* overlong */
	EMITS("\"\\ufffd\\ufffd\\ufffd\"", "\xe0\x80\x80");	/* overlong 3 */
	EMITS("\"\\ufffd\\ufffd\\ufffd\\ufffd\"", "\xf0\x80\x80\x80"); /* overlong 4 */
	EMITS("\"\\ufffd\\ufffd\\ufffd\"", "\xed\xa0\x80");	/* surrogate D800 */
	EMITS("\"\\ufffd\\ufffd\\ufffd\"", "\xed\xbf\xbf");	/* surrogate DFFF */
	EMITS("\"\\ufffd\\ufffd\\ufffd\\ufffd\"", "\xf4\x90\x80\x80"); /* > U+10FFFF */
	EMITS("\"\\ufffd\"", "\xff");
	EMITS("\"\\ufffd\"", "\xc3");				/* truncated at the end */
	EMITS("\"\\ufffda\"", "\xc3" "a");			/* truncated before ASCII */
	EMITS("\"\\ufffd\\ufffd\\\"\"", "\xe2\x82\"");		/* truncated before a quote */
	EMITS("\"\\ufffd\xc3\xa9\"", "\xe2\xc3\xa9");		/* before a good sequence */
}

TEST(structure_and_numbers)
{
	struct json_out j;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	json_init(&j, f);
	json_obj_begin(&j, NULL);
	json_u64(&j, "max", UINT64_MAX);
	json_i64(&j, "min", INT64_MIN);
	json_i64_or_null(&j, "unknown", -1);
	json_i64_or_null(&j, "known", 7);
	json_hex(&j, "zero", 0);
	json_hex(&j, "addr", 0xffffffffffffffffULL);
	json_bool(&j, "t", true);
	json_bool(&j, "f", false);
	json_str(&j, "none", NULL);
	json_null(&j, "n");
	json_arr_begin(&j, "empty");
	json_arr_end(&j);
	json_obj_begin(&j, "o");
	json_obj_end(&j);
	json_arr_begin(&j, "a");
	json_u64(&j, NULL, 1);
	json_obj_begin(&j, NULL);
	json_str(&j, "k\"ey", "v");
	json_obj_end(&j);
	json_arr_end(&j);
	json_obj_end(&j);
	EXPECT_TRUE(json_ok(&j));
	fclose(f);
	EXPECT_STREQ("{\"max\":18446744073709551615,\"min\":-9223372036854775808,"
		     "\"unknown\":null,\"known\":7,\"zero\":\"0x0\","
		     "\"addr\":\"0xffffffffffffffff\",\"t\":true,\"f\":false,"
		     "\"none\":null,\"n\":null,\"empty\":[],\"o\":{},"
		     "\"a\":[1,{\"k\\\"ey\":\"v\"}]}\n", buf);
	free(buf);
}

TEST(nesting_misuse_is_reported)
{
	struct json_out j;
	FILE *f = fopen("/dev/null", "w");
	int i;

	ASSERT_NE(NULL, f);
	json_init(&j, f);
	json_obj_begin(&j, NULL);
	EXPECT_FALSE(json_ok(&j));	/* not closed */
	json_obj_end(&j);
	EXPECT_TRUE(json_ok(&j));
	json_obj_end(&j);		/* one too many */
	EXPECT_FALSE(json_ok(&j));

	json_init(&j, f);
	for (i = 0; i <= JSON_MAX_DEPTH; i++)
		json_arr_begin(&j, NULL);
	EXPECT_FALSE(json_ok(&j));
	fclose(f);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* @n random bytes at @s: any byte at all, or with @valid well-formed UTF-8 only. */
static size_t random_string(unsigned char *s, size_t n, bool valid)
{
	static const char *const seqs[] = {
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xef\xbf\xbf",
		"\xf4\x8f\xbf\xbf", "\xed\x9f\xbf",
	};
	size_t len = 0, k;

	while (len + 4 < n) {
		if (!valid) {
			s[len++] = rng();
			continue;
		}
		switch (rng() % 3) {
		case 0:
			s[len++] = rng() % 0x80;	/* ASCII, controls included */
			break;
		default:
			k = rng() % (sizeof(seqs) / sizeof(seqs[0]));
			memcpy(s + len, seqs[k], strlen(seqs[k]));
			len += strlen(seqs[k]);
		}
	}
	return len;
}

/* Whatever the bytes, the writer's string parses; valid UTF-8 comes back as it was. */
TEST(round_trips)
{
	unsigned char s[200];
	char err[128], *buf;
	struct json_out j;
	struct jv *doc;
	size_t n, size;
	int round;
	FILE *f;

	for (round = 0; round < 20000; round++) {
		bool valid = round % 2;

		n = random_string(s, rng() % sizeof(s), valid);
		buf = NULL;
		size = 0;
		f = open_memstream(&buf, &size);
		json_init(&j, f);
		json_obj_begin(&j, NULL);
		json_strn(&j, (const char *)s + n / 2, (const char *)s, n);
		json_obj_end(&j);
		fclose(f);
		doc = jv_parse(buf, err, sizeof(err));
		ASSERT_NE(NULL, doc) TH_LOG("round %d: %s: %s", round, err, buf);
		ASSERT_EQ(1, jv_len(doc));
		if (valid) {
			ASSERT_EQ(n, doc->items[0]->len) TH_LOG("round %d", round);
			ASSERT_EQ(0, memcmp(s, doc->items[0]->str, n)) TH_LOG("round %d", round);
		}
		jv_free(doc);
		free(buf);
	}
}

TEST(reader_refuses)
{
	static const char *const bad[] = {
		"", " ", "[", "[1,]", "{\"a\":1,}", "{\"a\"}", "{1:2}", "01", "-", "1.",
		"1e", "+1", ".5", "[1 2]", "\"\x01\"", "\"\\x\"", "\"\\ud800\"",
		"\"\\udc00\"", "\"\\ud800\\u0041\"", "\"abc", "tru", "nul", "[] []",
		"\"\xc0\x80\"", "\"\xed\xa0\x80\"", "\"\\u12\"", "{\"a\":1}x", "NaN",
	};
	char err[128], deep[200];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct jv *v = jv_parse(bad[i], err, sizeof(err));

		EXPECT_EQ(NULL, v) TH_LOG("took '%s'", bad[i]);
		jv_free(v);
		EXPECT_NE(0, err[0]);
	}
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = 0;
	EXPECT_EQ(NULL, jv_parse(deep, err, sizeof(err)));
}

TEST(reader_takes)
{
	char err[128];
	struct jv *v;

	v = jv_parse(" {\"a\" : [1, -2, 3.5e1, true, false, null, \"\\ud83d\\ude00\\u00e9\\/\"],"
		     " \"big\": 18446744073709551615, \"neg\": -9223372036854775808,"
		     " \"over\": 18446744073709551616 } ", err, sizeof(err));
	ASSERT_NE(NULL, v) TH_LOG("%s", err);
	EXPECT_EQ(1, jv_uint(jv_at(jv_get(v, "a"), 0)));
	EXPECT_EQ(-2, jv_at(jv_get(v, "a"), 1)->i);
	EXPECT_FALSE(jv_is_uint(jv_at(jv_get(v, "a"), 1)));
	EXPECT_FALSE(jv_is_uint(jv_at(jv_get(v, "a"), 2)));
	EXPECT_EQ(35, (int)jv_at(jv_get(v, "a"), 2)->num);
	EXPECT_EQ(1, jv_bool(jv_at(jv_get(v, "a"), 3)));
	EXPECT_EQ(0, jv_bool(jv_at(jv_get(v, "a"), 4)));
	EXPECT_TRUE(jv_is(jv_at(jv_get(v, "a"), 5), JV_NULL));
	EXPECT_STREQ("\xf0\x9f\x98\x80\xc3\xa9/", jv_str(jv_at(jv_get(v, "a"), 6)));
	EXPECT_EQ(UINT64_MAX, jv_get(v, "big")->u);
	EXPECT_TRUE(jv_is_uint(jv_get(v, "big")));
	EXPECT_EQ(INT64_MIN, jv_get(v, "neg")->i);
	EXPECT_FALSE(jv_is_uint(jv_get(v, "over")));
	EXPECT_FALSE(jv_get(v, "over")->is_int);
	EXPECT_EQ(NULL, jv_get(v, "missing"));
	EXPECT_EQ(UINT64_MAX, jv_uint(jv_get(jv_get(v, "missing"), "deeper")));
	jv_free(v);
}

TEST_HARNESS_MAIN
