/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_util: what map_bench and dma_bench share. Messages and option
 * parsing, numbers in words, /proc and /sys files, CSV lines, and buffers
 * of anonymous memory backed by 4 KiB pages, THP or hugetlbfs pages.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KiB		((uint64_t)1024)
#define MiB		(1024 * KiB)
#define GiB		(1024 * MiB)
#define PAGE		((uint64_t)4096)
#define HPAGE		(2 * MiB)

#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"

/* The program's name, which die() puts before its message: defined by each. */
extern const char bench_name[];

/* "EINVAL" for -EINVAL or EINVAL, "E?" if unknown */
const char *errname(int err);
/* "<bench_name>: <message>" on stderr, exit status 2 */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* For qsort() of doubles, ascending. */
int cmp_double(const void *a, const void *b);

/* "256M", "1G", "64KiB", "4096": binary multiples. Dies if it is not one. */
uint64_t parse_size(const char *s);
/* "1k", "100k", "1M": decimal multiples. Dies if it is not one. */
uint64_t parse_count(const char *s);
/* Splits @s at commas, in place, into at most @max items; dies beyond. */
int split_list(char *s, char **out, int max);
/*
 * A bit per name of @names[0..n) named in the comma-separated list @s (at
 * most @max items, up to 16); dies with "unknown <what> '<item>'" on another.
 */
unsigned int parse_mask(char *s, const char *const *names, int n, const char *what,
			int max);

/* "1 GiB", "256 MiB", "4 KiB", "100 B": the largest unit that divides @v */
const char *size_str(uint64_t v, char *buf, size_t len);

/*
 * The file's first @len - 1 bytes, without trailing newlines and blanks: 0,
 * or -errno and "" in @buf.
 */
int read_file(const char *path, char *buf, size_t len);
/* 0 or -errno */
int write_file(const char *path, const char *val);
/* The number a file holds, or -1 if it cannot be read */
long read_long(const char *path);
/* 0 or -errno */
int set_long(const char *path, long val);
/* A /proc/meminfo figure in kB ("MemTotal"), or -1 */
long meminfo_kb(const char *key);

/*
 * --csv lines: csv,<kernel_release>,<test>,<case>,<peer>,<metric>,<value>.
 * CSV_NOW prints each line as it comes; CSV_HELD holds them back until
 * csv_flush() (after a section's table).
 */
enum csv_mode { CSV_OFF, CSV_NOW, CSV_HELD };
extern enum csv_mode csv_mode;
extern const char *kernel_release;
void csv(const char *test, const char *cas, const char *peer, const char *metric,
	 double v);
void csv_flush(void);

/* ------------------------------------------------------------------------ */
/* buffers */

enum buf_kind {
	BUF_4K,		/* 4 KiB pages: MADV_NOHUGEPAGE, then populated */
	BUF_THP,	/* MADV_HUGEPAGE over whole 2 MiB pages, populated */
	BUF_HUGETLB,	/* MAP_HUGETLB 2 MiB pages, nr_hugepages raised for them */
};

struct buf {
	char *raw;		/* what was mmap()ed */
	size_t rawlen;
	char *p;		/* @len bytes: 2 MiB aligned, faulted in, touched */
	size_t len;
	long hugetlb_saved;	/* nr_hugepages before, -1 if untouched */
};

/*
 * @len bytes of @kind at b->p, every page written to. 0, or -errno:
 * -EOPNOTSUPP or -ENOMEM when there are no hugetlbfs pages to be had.
 */
int buf_alloc(struct buf *b, size_t len, enum buf_kind kind);
/* Unmaps it and puts nr_hugepages back. */
void buf_free(struct buf *b);
/* AnonHugePages, in bytes, of the VMAs overlapping [a, a + len) */
uint64_t smaps_thp(const char *a, size_t len);

#endif /* BENCH_UTIL_H */
