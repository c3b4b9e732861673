// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping operations: MAP, UNMAP (and UNMAP_ALL), COPY, and BATCH of MAP or
 * UNMAP entries, which are generated, judged and applied exactly as the
 * single calls are (gen_map(), gen_unmap(), apply_map(), apply_unmap()).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ops.h"

/* MAP ---------------------------------------------------------------------------------- */

/* A user address for a root's MAP: mostly the buffer, sometimes not memory. */
static uint64_t pick_uaddr(struct fz *f, uint64_t len)
{
	uint64_t buf = (uintptr_t)f->mem.buf, ro = (uintptr_t)f->mem.ro;
	uint64_t pages = len / PG;
	unsigned int r = rn(f, 100);

	if (r < 80)
		return buf + (pages && pages <= FZ_BUF_PAGES ?
			      rn(f, FZ_BUF_PAGES - pages + 1) : rn(f, FZ_BUF_PAGES)) * PG;
	if (r < 88)
		return ro + (pages && pages <= FZ_RO_PAGES ?
			     rn(f, FZ_RO_PAGES - pages + 1) : 0) * PG;
	if (r < 91)
		return buf + (FZ_BUF_PAGES - 1) * PG;	/* into the guard after */
	if (r < 93)
		return buf - PG;			/* the guard before */
	if (r < 95)
		return 0xffff888000000000ULL + rn(f, 1024) * PG;
	if (r < 96)
		return buf + rn(f, FZ_BUF_PAGES) * PG + 1 + rn(f, PG - 1);
	if (r < 97)
		return 0;
	if (r < 98)
		return -PG;
	return (1ULL << 63) | (rnd(f) & ~(PG - 1));
}

/* The properties of a kernel-chosen IOVA (MAP and COPY). */
static bool check_chosen_iova(struct fz *f, struct m_node *n, uint64_t iova,
			      uint64_t len, uint64_t src)
{
	uint64_t align = model_align_for(&f->m, src);

	if (!iova || iova & (align - 1) || range_wraps(iova, len) ||
	    model_overlaps_map(n, iova, len) || model_overlaps_res(n, iova, len)) {
		fz_fail(f, "kernel-chosen IOVA 0x%llx for 0x%llx bytes: must be "
			"non-zero, a multiple of 0x%llx, and clear of mappings "
			"and reservations", (unsigned long long)iova,
			(unsigned long long)len, (unsigned long long)align);
		return false;
	}
	return true;
}

static int lib_map(struct fz *f, void *cmd)
{
	struct ioasid_map *c = cmd;
	uint64_t iova = c->iova;
	int ret;

	ret = ioasid_map(f->h, c->id, c->addr, c->length, &iova, c->flags);
	c->iova = iova;
	return ret;
}

/* Fill a MAP request for node @id (as a BATCH entry too). */
static void gen_map(struct fz *f, struct ioasid_map *c, uint32_t id)
{
	struct m_node *n = model_node(&f->m, id);
	struct m_node *parent = n ? model_node(&f->m, n->parent) : NULL;

	c->id = id;
	c->flags = pick_prot(f) | (pct(f, 70) ? FIXED : 0) | bad_flag(f, 3, 2);
	c->length = pick_len(f);
	if (n && n->parent && parent->nmaps && pct(f, 85)) {
		/* Mostly what the parent maps, so translations go through. */
		struct m_map *pm = &parent->maps[rn(f, parent->nmaps)];
		uint64_t pages = pm->len / PG, off = rn(f, pages);

		c->addr = pm->iova + off * PG;
		c->length = (1 + rn(f, pages - off < 8 ? pages - off : 8)) * PG;
	} else if (n && n->parent) {
		c->addr = pick_iova(f, parent, c->length);
	} else if (n || pct(f, 50)) {
		/* (never flip bits of it: it could land in memory the model
		 * knows nothing of) */
		c->addr = pick_uaddr(f, c->length);
	} else {
		c->addr = pick_iova(f, NULL, c->length);
	}
	if (n && n->parent)
		c->addr = skew(f, c->addr, 2);
	c->iova = c->flags & FIXED ? skew(f, pick_iova(f, n, c->length), 2) :
				     (pct(f, 50) ? 0 : rnd(f));
	c->__reserved = bad_u32(f, 1);
}

/* A MAP the kernel made: check what it answered and record it. */
static bool apply_map(struct fz *f, const struct ioasid_map *c, uint64_t iova_in)
{
	struct m_node *n = model_node(&f->m, c->id);

	if (c->flags & FIXED) {
		if (c->iova != iova_in) {
			fz_fail(f, "FIXED_IOVA MAP answered IOVA 0x%llx",
				(unsigned long long)c->iova);
			return false;
		}
	} else if (!check_chosen_iova(f, n, c->iova, c->length, c->addr)) {
		return false;
	}
	if (!model_insert_map(&f->m, n, c->iova, c->length, c->addr, c->flags & RW,
			      M_NEW_PIN)) {
		fz_abort(f, "model: too many mappings in node %u", n->id);
		return false;
	}
	return true;
}

void op_map(struct fz *f)
{
	struct ioasid_map c = { .size = sizeof(c) };
	struct spec s = SPEC(c, "MAP", IOASID_CMD_MAP, IOASID_MAP);
	struct m_node *n;
	uint64_t iova_in;

	gen_map(f, &c, pick_node(f, 4));
	n = model_node(&f->m, c.id);
	if (n && n->nmaps >= M_MAX_MAPS - 1)
		return op_unmap(f, pct(f, 20));
	iova_in = c.iova;
	s.x = contract_map(&f->m, &c, f->capable);
	s.acts = ex_of(0);
	s.has_out = true;
	s.lib = !c.__reserved ? lib_map : NULL;
	if (fz_do(f, &s) || !s.applies)
		return;
	apply_map(f, &c, iova_in);
}

/* UNMAP ------------------------------------------------------------------------------- */

static int lib_unmap(struct fz *f, void *cmd)
{
	struct ioasid_unmap *c = cmd;
	uint64_t bytes = c->out_unmapped;
	int ret;

	if (c->flags & IOASID_UNMAP_ALL)
		ret = ioasid_unmap_all(f->h, c->id, &bytes);
	else
		ret = ioasid_unmap(f->h, c->id, c->iova, c->length, &bytes);
	c->out_unmapped = bytes;
	return ret;
}

/* Fill an UNMAP request: exact mappings, runs of them, splits, misses. */
static void gen_unmap(struct fz *f, struct ioasid_unmap *c, uint32_t id, bool all)
{
	struct m_node *n = model_node(&f->m, id);
	unsigned int r = rn(f, 100), i, j;
	struct m_map *a, *b;

	c->id = id;
	c->flags = (all ? IOASID_UNMAP_ALL : 0) | bad_flag(f, 1, 2);
	c->__reserved = bad_u32(f, 1);
	if (all) {
		c->iova = pct(f, 3) ? pick_iova(f, n, PG) : 0;
		c->length = pct(f, 3) ? pick_len(f) : 0;
		return;
	}
	if (n && n->nmaps && r < 85) {
		i = rn(f, n->nmaps);
		j = i + rn(f, n->nmaps - i);
		a = &n->maps[i];
		b = &n->maps[j];
		if (r < 50) {			/* one mapping */
			c->iova = a->iova;
			c->length = a->len;
		} else if (r < 62) {		/* a run of them */
			c->iova = a->iova;
			c->length = b->iova + b->len - a->iova;
		} else if (r < 72) {		/* a split */
			c->iova = a->iova + (pct(f, 50) ? PG : 0);
			c->length = a->len - PG;
			if (!c->length)
				c->length = 2 * PG;
		} else {			/* around it */
			c->iova = a->iova - rn(f, 3) * PG;
			c->length = a->iova - c->iova + a->len + rn(f, 3) * PG;
		}
	} else {
		c->length = pick_len(f);
		c->iova = pick_iova(f, n, c->length);
	}
	c->iova = skew(f, c->iova, 2);
	c->length = skew(f, c->length, 2);
}

/* An UNMAP the kernel made: the bytes it reports, and the model follows. */
static bool apply_unmap(struct fz *f, const struct ioasid_unmap *c)
{
	struct m_node *n = model_node(&f->m, c->id);
	uint64_t bytes;

	if (c->flags & IOASID_UNMAP_ALL)
		bytes = model_unmap(&f->m, n, 0, UINT64_MAX);
	else
		bytes = model_unmap(&f->m, n, c->iova, c->length);
	if (c->out_unmapped != bytes) {
		fz_fail(f, "out_unmapped %llu, the model unmapped %llu",
			(unsigned long long)c->out_unmapped,
			(unsigned long long)bytes);
		return false;
	}
	return true;
}

static void op_unmap_node(struct fz *f, uint32_t id, bool all)
{
	struct ioasid_unmap c = { .size = sizeof(c) };
	struct spec s = SPEC(c, all ? "UNMAP_ALL" : "UNMAP", IOASID_CMD_UNMAP,
			     IOASID_UNMAP);

	gen_unmap(f, &c, id, all);
	c.out_unmapped = rnd(f);
	s.x = contract_unmap(&f->m, &c);
	s.acts = ex_of(0);
	s.has_out = true;
	s.lib = !c.__reserved && (c.flags == 0 || (c.flags == IOASID_UNMAP_ALL &&
				  !c.iova && !c.length)) ? lib_unmap : NULL;
	if (fz_do(f, &s) || !s.applies)
		return;
	apply_unmap(f, &c);
}

void op_unmap(struct fz *f, bool all)
{
	op_unmap_node(f, pick_node(f, 4), all);
}

/* COPY ---------------------------------------------------------------------------------- */

static int lib_copy(struct fz *f, void *cmd)
{
	struct ioasid_copy *c = cmd;
	uint64_t iova = c->dst_iova;
	int ret;

	ret = ioasid_copy(f->h, c->dst_id, c->src_id, c->src_iova, c->length,
			  &iova, c->flags);
	c->dst_iova = iova;
	return ret;
}

static uint32_t pick_root(struct fz *f, unsigned int bad_pct)
{
	struct model *m = &f->m;
	unsigned int i, k = rn(f, m->nnodes ? m->nnodes : 1);

	if (pct(f, bad_pct) || !m->nnodes)
		return pick_node(f, 30);
	for (i = 0; i < m->nnodes; i++, k = (k + 1) % m->nnodes)
		if (!m->nodes[k].parent)
			return m->nodes[k].id;
	return pick_node(f, 0);
}

void op_copy(struct fz *f)
{
	struct ioasid_copy c = { .size = sizeof(c) };
	struct spec s = SPEC(c, "COPY", IOASID_CMD_COPY, IOASID_COPY);
	struct m_map pieces[M_MAX_MAPS];
	struct model *m = &f->m;
	struct m_node *src, *dst;
	unsigned int np = 0, i, j, r = rn(f, 100);
	uint64_t dst_in, cur, left;

	c.src_id = pick_root(f, 4);
	c.dst_id = pct(f, 25) ? c.src_id : pick_root(f, 4);
	src = model_node(m, c.src_id);
	dst = model_node(m, c.dst_id);
	c.flags = pick_prot(f);
	if (src && src->nmaps && r < 80) {
		i = rn(f, src->nmaps);
		if (r < 55) {		/* part of one mapping */
			uint64_t pages = src->maps[i].len / PG, off = rn(f, pages);

			c.src_iova = src->maps[i].iova + off * PG;
			c.length = (1 + rn(f, pages - off)) * PG;
		} else {		/* from one mapping to a later one */
			j = i + rn(f, src->nmaps - i);
			c.src_iova = src->maps[i].iova;
			c.length = src->maps[j].iova + src->maps[j].len - c.src_iova;
		}
		if (pct(f, 70) && (c.flags & src->maps[i].prot))
			c.flags &= src->maps[i].prot;	/* mostly permitted */
	} else {
		c.length = pick_len(f);
		c.src_iova = pick_iova(f, src, c.length);
	}
	c.flags |= (pct(f, 60) ? FIXED : 0) | bad_flag(f, 3, 2);
	c.src_iova = skew(f, c.src_iova, 2);
	c.length = skew(f, c.length, 2);
	c.dst_iova = c.flags & FIXED ? skew(f, pick_iova(f, dst, c.length), 2) : rnd(f);
	c.__reserved = bad_u32(f, 1);
	c.__reserved2 = bad_u32(f, 1);

	s.x = contract_copy(m, &c);
	/* The pieces a successful COPY maps, one per source mapping. */
	if (ex_has(&s.x, 0)) {
		/* (the range may end at 2^64 - 1: count what is left) */
		cur = c.src_iova;
		left = c.length;
		for (i = 0; i < src->nmaps && left; i++) {
			struct m_map *p = &src->maps[i];

			if (!range_overlap(p->iova, p->len, cur, left))
				continue;
			pieces[np].iova = c.length - left;	/* offset */
			pieces[np].len = p->len - (cur - p->iova);
			if (pieces[np].len > left)
				pieces[np].len = left;
			pieces[np].src = p->src + (cur - p->iova);
			pieces[np].prot = c.flags & RW;
			pieces[np].pin = p->pin;
			cur += pieces[np].len;
			left -= pieces[np++].len;
		}
		if (dst->nmaps + np > M_MAX_MAPS)
			return op_unmap_node(f, dst->id, true);
	}
	dst_in = c.dst_iova;
	s.acts = ex_of(0);
	s.has_out = true;
	s.lib = !c.__reserved && !c.__reserved2 ? lib_copy : NULL;
	if (fz_do(f, &s) || !s.applies)
		return;
	if (c.flags & FIXED ? c.dst_iova != dst_in :
	    !check_chosen_iova(f, dst, c.dst_iova, c.length, c.src_iova)) {
		if (c.flags & FIXED)
			fz_fail(f, "FIXED_IOVA COPY answered IOVA 0x%llx",
				(unsigned long long)c.dst_iova);
		return;
	}
	for (i = 0; i < np; i++)
		model_insert_map(m, dst, c.dst_iova + pieces[i].iova, pieces[i].len,
				 pieces[i].src, pieces[i].prot, pieces[i].pin);
}

/* BATCH ----------------------------------------------------------------------------------- */

#define BATCH_MAX	8

static int lib_batch(struct fz *f, void *cmd)
{
	struct ioasid_batch *c = cmd;
	void *entries = (void *)(uintptr_t)c->entries;
	unsigned int done = 0;
	int ret;

	if (c->op == IOASID_CMD_MAP)
		ret = ioasid_map_batch(f->h, entries, c->count, &done);
	else
		ret = ioasid_unmap_batch(f->h, entries, c->count, &done);
	c->out_done = done;
	return ret;
}

void op_batch(struct fz *f)
{
	struct ioasid_batch c = { .size = sizeof(c) };
	struct spec s = SPEC(c, "BATCH", IOASID_CMD_BATCH, IOASID_BATCH);
	struct model *m = &f->m;
	union {
		struct ioasid_map map;
		struct ioasid_unmap unmap;
	} e[BATCH_MAX];
	uint64_t iova_in[BATCH_MAX];
	bool is_map = pct(f, 55), odd = false, readable, runs;
	uint32_t id = pick_node(f, 4), esz, room = M_MAX_MAPS, field;
	unsigned int i, count, r = rn(f, 100), tail_bad = BATCH_MAX, done;
	uint8_t *arr = f->mem.aux, *ent;
	struct expect x;
	size_t avail;
	char exp[256];
	int rc;

	for (i = 0; i < m->nnodes; i++)
		if (M_MAX_MAPS - m->nodes[i].nmaps < room)
			room = M_MAX_MAPS - m->nodes[i].nmaps;
	count = rn(f, BATCH_MAX + 1);
	if (is_map && count > room)
		count = room;
	c.op = is_map ? IOASID_CMD_MAP : IOASID_CMD_UNMAP;
	esz = is_map ? sizeof(struct ioasid_map) : sizeof(struct ioasid_unmap);
	if (r < 4) {
		c.op = pct(f, 50) ? rn(f, 32) : IOASID_CMD_COPY;
		if (c.op == IOASID_CMD_MAP || c.op == IOASID_CMD_UNMAP)
			c.op += 2;		/* never a valid one */
		odd = true;
	} else if (r < 12) {
		esz += 8 * (1 + rn(f, 8));		/* zero tails */
	} else if (r < 14) {
		esz = rn(f, esz);			/* too small */
		odd = true;
	} else if (r < 16) {
		esz = 4097 + rn(f, 100);		/* too large */
		odd = true;
	} else if (r < 18) {
		c.count = m->max_batch + 1 + rn(f, 100);
		odd = true;
	}
	if (!c.count)
		c.count = count;
	c.entry_size = esz;
	c.flags = bad_flag(f, 0, 1);
	c.__reserved = bad_u32(f, 1);
	c.__reserved2 = bad_u32(f, 1);
	c.out_done = rnd(f);

	/* The entries, one after the other at entry_size; some near a guard. */
	if (!odd && pct(f, 4) && count)
		arr = f->mem.aux + FZ_AUX_PAGES * PG - (count - 1) * esz - esz / 2;
	avail = f->mem.aux + FZ_AUX_PAGES * PG - arr;
	if (!odd && esz <= 4096 && count * esz + 64 <= avail)
		memset(arr, CANARY, count * esz + 64);
	for (i = 0; i < count && !odd; i++) {
		memset(&e[i], 0, sizeof(e[i]));
		if (is_map)
			gen_map(f, &e[i].map, pct(f, 85) ? id : pick_node(f, 4));
		else
			gen_unmap(f, &e[i].unmap, pct(f, 85) ? id : pick_node(f, 4),
				  pct(f, 5));
		e[i].map.size = pct(f, 2) ? esz + (pct(f, 50) ? 8 : -8) : esz;
		iova_in[i] = e[i].map.iova;
		ent = arr + (size_t)i * esz;
		if ((size_t)(ent - f->mem.aux) + esz > FZ_AUX_PAGES * PG) {
			/* It runs into the guard page: only its start is memory. */
			size_t part = f->mem.aux + FZ_AUX_PAGES * PG - ent;

			if ((size_t)(ent - f->mem.aux) < FZ_AUX_PAGES * PG) {
				memset(ent, 0, part);
				memcpy(ent, &e[i], part < sizeof(e[i]) ? part : sizeof(e[i]));
			}
			continue;
		}
		memset(ent, 0, esz);
		memcpy(ent, &e[i], esz < sizeof(e[i]) ? esz : (is_map ?
		       sizeof(struct ioasid_map) : sizeof(struct ioasid_unmap)));
		if (esz > sizeof(struct ioasid_map) && pct(f, 3) && tail_bad == BATCH_MAX) {
			ent[sizeof(struct ioasid_map) + rn(f, esz - sizeof(struct ioasid_map))] = 1;
			tail_bad = i;
		}
	}
	c.entries = pct(f, 1) ? 8 : (uintptr_t)arr;

	x = contract_batch(m, &c);
	runs = ex_empty(&x);
	/* A request refused as a whole, or judged entry by entry below. */
	s.x = runs ? EX_ALL : x;
	s.acts = EX_ALL;		/* out_done is always written */
	s.has_out = true;
	s.lib = runs && !c.flags && !c.__reserved && !c.__reserved2 &&
		c.entry_size == esz && esz == (is_map ? sizeof(struct ioasid_map) :
		sizeof(struct ioasid_unmap)) && c.entries == (uintptr_t)f->mem.aux &&
		tail_bad == BATCH_MAX ? lib_batch : NULL;
	rc = fz_do(f, &s);
	if (rc < 0 || !s.applies)
		return;
	done = c.out_done;
	if (!runs) {
		if (done)
			fz_fail(f, "a BATCH refused as a whole reports out_done %u", done);
		return;
	}
	if (done > c.count) {
		fz_fail(f, "out_done %u of %u entries", done, c.count);
		return;
	}
	/* Entry by entry, as that many MAP or UNMAP calls would go. */
	for (i = 0; i < c.count; i++) {
		ent = (uint8_t *)(uintptr_t)c.entries + (size_t)i * esz;
		readable = c.entries != 8 &&
			   (size_t)(ent - f->mem.aux) + esz <= FZ_AUX_PAGES * PG;
		field = s.env.lib ? esz : e[i].map.size;
		x = contract_batch_entry(esz, field, i == tail_bad && c.entries != 8, readable);
		if (readable) {
			struct expect y = is_map ? contract_map(m, &e[i].map, f->capable) :
						   contract_unmap(m, &e[i].unmap);

			if (!ex_empty(&x)) {
				ex_del(&y, 0);
				x.b[0] |= y.b[0];
				x.b[1] |= y.b[1];
			} else {
				x = y;
			}
		}
		if (i == done) {
			if (rc && ex_has(&x, rc))
				return;
			fz_fail(f, "BATCH stopped at entry %u with %s; that entry "
				"allows {%s}", i, fz_errname(rc),
				fz_expect_str(&x, exp, sizeof(exp)));
			return;
		}
		if (!ex_has(&x, 0)) {
			fz_fail(f, "BATCH entry %u succeeded; it allows {%s}", i,
				fz_expect_str(&x, exp, sizeof(exp)));
			return;
		}
		memcpy(&e[i], ent, is_map ? sizeof(struct ioasid_map) :
		       sizeof(struct ioasid_unmap));
		fz_note(f, "entry %u", i);
		if (is_map ? !apply_map(f, &e[i].map, iova_in[i]) :
			     !apply_unmap(f, &e[i].unmap))
			return;
	}
	if (rc)
		fz_fail(f, "BATCH ran all %u entries but returned %s", c.count,
			fz_errname(rc));
	else if (c.entries == (uintptr_t)f->mem.aux && count * esz + 64 <= avail)
		for (i = 0; i < 64; i++)
			if (arr[count * esz + i] != CANARY) {
				fz_fail(f, "BATCH wrote past its entries");
				return;
			}
}
