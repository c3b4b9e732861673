/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake parent space for the software walkers' host tests: @pages pages
 * of memory at parent address @base, reached only through struct
 * ioasid_pt_io. Reads outside it fail with IOASID_FAULT_TABLE and are
 * counted; switches make compare-and-exchange fail as "not writable" or
 * simulate another agent changing an entry under the walk.
 */
#ifndef IOASID_WALKER_MEM_H
#define IOASID_WALKER_MEM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../module/walkers/walker.h"

#define WMEM_PAGE 4096ULL

/* x86-64 entry bits and leaf sizes, for the tests' own tables. */
#define P		(1ULL << 0)
#define RW		(1ULL << 1)
#define US		(1ULL << 2)
#define A		(1ULL << 5)
#define D		(1ULL << 6)
#define PS		(1ULL << 7)
#define PAT_LARGE	(1ULL << 12)
#define XD		(1ULL << 63)
#define ADDR		0x000ffffffffff000ULL

#define SZ_4K		(1ULL << 12)
#define SZ_2M		(1ULL << 21)
#define SZ_1G		(1ULL << 30)

struct wmem {
	u64 base;
	size_t pages;
	u64 *buf;

	/* Counters, reset by the caller when it likes. */
	unsigned long reads;		/* every read() call */
	unsigned long outside;		/* reads or cmpxchgs outside the memory */
	unsigned long misaligned;	/* addresses not 8-byte aligned */
	unsigned long cmpxchgs;		/* every cmpxchg() call */
	unsigned long races_done;	/* simulated concurrent changes */

	/* Switches. */
	int read_fail_at;	/* > 0: the read_fail_at-th read returns read_fail */
	int read_fail_from;	/* > 0: so do this read and all after it */
	int read_fail;
	int cmpxchg_fail;	/* non-zero: every cmpxchg returns this */
	int races;		/* this many cmpxchgs first change the entry (-1) */
	u64 race_bits;		/* what a simulated concurrent change XORs in */
};

static inline int wmem_init(struct wmem *m, u64 base, size_t pages)
{
	memset(m, 0, sizeof(*m));
	m->base = base;
	m->pages = pages;
	m->buf = calloc(pages, WMEM_PAGE);
	m->race_bits = 1ULL << 52;	/* an ignored bit */
	return m->buf ? 0 : -1;
}

static inline void wmem_fini(struct wmem *m)
{
	free(m->buf);
	m->buf = NULL;
}

static inline u64 wmem_size(const struct wmem *m)
{
	return m->pages * WMEM_PAGE;
}

/* The buffer slot of parent address @addr, or NULL outside. */
static inline u64 *wmem_slot(struct wmem *m, u64 addr)
{
	if (addr & 7) {
		m->misaligned++;
		return NULL;
	}
	if (addr < m->base || addr - m->base >= wmem_size(m)) {
		m->outside++;
		return NULL;
	}
	return &m->buf[(addr - m->base) / 8];
}

static inline u64 wmem_get(struct wmem *m, u64 addr)
{
	u64 *p = wmem_slot(m, addr);

	return p ? *p : 0;
}

static inline void wmem_set(struct wmem *m, u64 addr, u64 val)
{
	u64 *p = wmem_slot(m, addr);

	if (p)
		*p = val;
}

static inline int wmem_read(void *priv, u64 addr, u64 *val)
{
	struct wmem *m = priv;
	u64 *p;

	m->reads++;
	if (m->read_fail_at && m->reads == (unsigned long)m->read_fail_at)
		return m->read_fail;
	if (m->read_fail_from && m->reads >= (unsigned long)m->read_fail_from)
		return m->read_fail;
	p = wmem_slot(m, addr);
	if (!p)
		return IOASID_FAULT_TABLE;
	*val = *p;
	return 0;
}

static inline int wmem_cmpxchg(void *priv, u64 addr, u64 old, u64 new, u64 *cur)
{
	struct wmem *m = priv;
	u64 *p;

	m->cmpxchgs++;
	if (m->cmpxchg_fail)
		return m->cmpxchg_fail;
	p = wmem_slot(m, addr);
	if (!p)
		return IOASID_FAULT_AD_UPDATE;
	if (m->races > 0) {
		m->races--;
		m->races_done++;
		*p ^= m->race_bits;
	}
	*cur = *p;
	if (*p != old)
		return -1;
	*p = new;
	return 0;
}

static inline struct ioasid_pt_io wmem_io(struct wmem *m)
{
	struct ioasid_pt_io io = {
		.priv = m,
		.read = wmem_read,
		.cmpxchg = wmem_cmpxchg,
	};

	return io;
}

#endif
