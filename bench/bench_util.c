// SPDX-License-Identifier: GPL-2.0
/*
 * bench_util: what map_bench and dma_bench share (see bench_util.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench_util.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define NR_HUGEPAGES	"/proc/sys/vm/nr_hugepages"

/* ------------------------------------------------------------------------ */
/* messages, options, numbers */

const char *errname(int err)
{
	const char *s;

	if (err < 0)
		err = -err;
	s = strerrorname_np(err);
	return s ? s : "E?";
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", bench_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'k': case 'K': v *= KiB; end++; break;
	case 'm': case 'M': v *= MiB; end++; break;
	case 'g': case 'G': v *= GiB; end++; break;
	}
	if (*end == 'i')
		end++;
	if (*end == 'B')
		end++;
	if (*end || end == s)
		die("bad size '%s'", s);
	return v;
}

uint64_t parse_count(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'k': case 'K': v *= 1000; end++; break;
	case 'm': case 'M': v *= 1000000; end++; break;
	}
	if (*end || end == s)
		die("bad count '%s'", s);
	return v;
}

int split_list(char *s, char **out, int max)
{
	int n = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max)
			die("too many list items");
		out[n++] = tok;
	}
	return n;
}

unsigned int parse_mask(char *s, const char *const *names, int n, const char *what,
			int max)
{
	char *item[16];
	int k = split_list(s, item, max < 16 ? max : 16);
	unsigned int m = 0;

	for (int i = 0; i < k; i++) {
		int j;

		for (j = 0; j < n && strcmp(item[i], names[j]); j++)
			;
		if (j == n)
			die("unknown %s '%s'", what, item[i]);
		m |= 1U << j;
	}
	return m;
}

const char *size_str(uint64_t v, char *buf, size_t len)
{
	if (v >= GiB && v % GiB == 0)
		snprintf(buf, len, "%" PRIu64 " GiB", v / GiB);
	else if (v >= MiB && v % MiB == 0)
		snprintf(buf, len, "%" PRIu64 " MiB", v / MiB);
	else if (v >= KiB && v % KiB == 0)
		snprintf(buf, len, "%" PRIu64 " KiB", v / KiB);
	else
		snprintf(buf, len, "%" PRIu64 " B", v);
	return buf;
}

/* ------------------------------------------------------------------------ */
/* files */

int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;
	ssize_t n;

	buf[0] = 0;
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	err = errno;
	close(fd);
	if (n < 0) {
		buf[0] = 0;
		return -err;
	}
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

long read_long(const char *path)
{
	char v[64];

	return read_file(path, v, sizeof(v)) ? -1 : strtol(v, NULL, 10);
}

int set_long(const char *path, long val)
{
	char v[64];

	snprintf(v, sizeof(v), "%ld", val);
	return write_file(path, v);
}

long meminfo_kb(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			v = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* ------------------------------------------------------------------------ */
/* CSV */

enum csv_mode csv_mode;
const char *kernel_release;

static FILE *csv_f;		/* CSV_HELD: the lines held back */
static char *csv_buf;
static size_t csv_len;

void csv(const char *test, const char *cas, const char *peer, const char *metric,
	 double v)
{
	FILE *f = stdout;

	if (csv_mode == CSV_OFF)
		return;
	if (csv_mode == CSV_HELD) {
		if (!csv_f && !(csv_f = open_memstream(&csv_buf, &csv_len)))
			die("open_memstream: %s", strerror(errno));
		f = csv_f;
	}
	fprintf(f, "csv,%s,%s,%s,%s,%s,%.6g\n", kernel_release, test, cas, peer,
		metric, v);
}

void csv_flush(void)
{
	if (!csv_f)
		return;
	fclose(csv_f);
	fputs(csv_buf, stdout);
	free(csv_buf);
	csv_f = NULL;
}

/* ------------------------------------------------------------------------ */
/* buffers */

uint64_t smaps_thp(const char *a, size_t len)
{
	unsigned long lo, hi, s = (unsigned long)a, e = s + len;
	char line[512];
	uint64_t sum = 0;
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		long kb;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = lo < e && hi > s;
		else if (in && sscanf(line, "AnonHugePages: %ld", &kb) == 1)
			sum += kb * KiB;
	}
	fclose(f);
	return sum;
}

/* hugetlbfs 2 MiB pages for b->len bytes, nr_hugepages raised for them */
static int buf_hugetlb(struct buf *b)
{
	long have = read_long(NR_HUGEPAGES), need = (b->len + HPAGE - 1) / HPAGE;
	int err;

	if (have < 0)
		return -EOPNOTSUPP;
	set_long(NR_HUGEPAGES, have + need);
	if (read_long(NR_HUGEPAGES) < have + need) {
		set_long(NR_HUGEPAGES, have);
		return -ENOMEM;
	}
	b->rawlen = need * HPAGE;
	b->raw = mmap(NULL, b->rawlen, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (21 << MAP_HUGE_SHIFT),
		      -1, 0);
	if (b->raw == MAP_FAILED) {
		err = -errno;
		set_long(NR_HUGEPAGES, have);
		return err;
	}
	b->hugetlb_saved = have;
	b->p = b->raw;
	return 0;
}

/* Faults the pages in (MADV_POPULATE_WRITE, where the kernel has it) and writes to each. */
static void buf_populate(struct buf *b, size_t len)
{
	madvise(b->p, len, MADV_POPULATE_WRITE);
	for (size_t i = 0; i < len; i += PAGE)
		b->p[i] = 1;
}

int buf_alloc(struct buf *b, size_t len, enum buf_kind kind)
{
	/* Whole huge pages: a VMA shorter than 2 MiB gets none. */
	size_t hlen = (len + HPAGE - 1) & ~(HPAGE - 1);
	int ret;

	memset(b, 0, sizeof(*b));
	b->len = len;
	b->hugetlb_saved = -1;
	if (kind == BUF_HUGETLB) {
		ret = buf_hugetlb(b);
		if (ret)
			return ret;
		buf_populate(b, len);
		return 0;
	}
	b->rawlen = hlen + HPAGE;
	b->raw = mmap(NULL, b->rawlen, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->raw == MAP_FAILED)
		return -errno;
	b->p = (char *)(((uintptr_t)b->raw + HPAGE - 1) & ~(HPAGE - 1));
	/* Before any fault: MAP_POPULATE would fault before madvise. */
	if (kind == BUF_THP) {
		madvise(b->p, hlen, MADV_HUGEPAGE);
		buf_populate(b, hlen);
	} else {
		madvise(b->raw, b->rawlen, MADV_NOHUGEPAGE);	/* EINVAL without THP: fine */
		buf_populate(b, len);
	}
	return 0;
}

void buf_free(struct buf *b)
{
	if (b->raw && b->raw != MAP_FAILED)
		munmap(b->raw, b->rawlen);
	b->raw = NULL;
	if (b->hugetlb_saved >= 0)
		set_long(NR_HUGEPAGES, b->hugetlb_saved);
	b->hugetlb_saved = -1;
}
