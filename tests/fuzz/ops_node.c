// SPDX-License-Identifier: GPL-2.0
/*
 * Node operations: GET_INFO, ALLOC, DESTROY, NODE_INFO, MAP, UNMAP (and
 * UNMAP_ALL), COPY, BATCH, IOVA_RANGES, RESERVE_IOVA, OPTION, unknown
 * ioctls, and CPU writes to the pinned buffer. Each op picks its arguments
 * (mostly valid, often near-valid), asks contract.c what may come back,
 * makes the call through fz_do(), checks the answer against the model and
 * applies it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ops.h"

extern uint32_t fz_min_size[32];

#define SPEC(c, nm, nr_, req_)						\
	{ .name = nm, .nr = nr_, .req = req_, .cmd = &(c),		\
	  .ksize = sizeof(c), .min = fz_min_size[nr_] }

void op_get_info(struct fz *f, bool plain);
void op_alloc(struct fz *f);
void op_destroy(struct fz *f);
void op_node_info(struct fz *f);
void op_map(struct fz *f);
void op_unmap(struct fz *f, bool all);
void op_copy(struct fz *f);
void op_batch(struct fz *f);
void op_iova_ranges(struct fz *f);
void op_reserve(struct fz *f);
void op_option(struct fz *f);
void op_bad_ioctl(struct fz *f);
void op_cpu_write(struct fz *f);

/* An unknown bit of a flags word, now and then. */
static uint32_t bad_flag(struct fz *f, uint32_t known_bits, unsigned int p)
{
	return pct(f, p) ? 1u << (known_bits + rn(f, 32 - known_bits)) : 0;
}

static uint32_t bad_u32(struct fz *f, unsigned int p)
{
	return pct(f, p) ? 1 + rn(f, UINT32_MAX) : 0;
}

/* GET_INFO --------------------------------------------------------------------- */

static int lib_get_info(struct fz *f, void *cmd)
{
	return ioasid_get_info(f->h, cmd);
}

void op_get_info(struct fz *f, bool first)
{
	struct ioasid_info c = { .size = sizeof(c) };
	struct spec s = SPEC(c, "GET_INFO", IOASID_CMD_GET_INFO, IOASID_GET_INFO);
	struct model *m = &f->m;
	const uint64_t caps = IOASID_CAP_KERNEL_MANAGED | IOASID_CAP_BATCH |
			      IOASID_CAP_SW_ENDPOINT | IOASID_CAP_DIRTY_TRACKING;

	if (!first) {
		c.flags = bad_flag(f, 0, 3);
		c.__reserved = bad_u32(f, 3);
	}
	s.x = contract_get_info(&c);
	s.acts = ex_of(0);
	s.has_out = true;
	s.plain = first;
	s.lib = !c.flags && !c.__reserved ? lib_get_info : NULL;
	if (fz_do(f, &s) || !s.applies)
		return;
	if (first && !m->granule) {
		if ((c.out_capabilities & caps) != caps) {
			fz_abort(f, "capabilities 0x%llx lack some of 0x%llx",
				 (unsigned long long)c.out_capabilities,
				 (unsigned long long)caps);
			return;
		}
		m->pgsize_bitmap = c.out_pgsize_bitmap;
		m->granule = c.out_pgsize_bitmap & -c.out_pgsize_bitmap;
		m->max_align = 1ULL << (63 - __builtin_clzll(c.out_pgsize_bitmap | 1));
		m->max_depth = c.out_max_depth;
		m->max_pasid_bits = c.out_max_pasid_bits;
		m->max_batch = c.out_max_batch;
		if (m->granule != PG || !m->max_depth || m->max_depth > M_MAX_LEVELS ||
		    !m->max_batch || m->max_pasid_bits > 31)
			fz_abort(f, "GET_INFO answers the fuzzer cannot model: "
				 "pgsize 0x%llx depth %u batch %u pasid bits %u",
				 (unsigned long long)c.out_pgsize_bitmap,
				 c.out_max_depth, c.out_max_batch,
				 c.out_max_pasid_bits);
		return;
	}
	if (c.out_pgsize_bitmap != m->pgsize_bitmap ||
	    c.out_max_depth != m->max_depth || c.out_max_batch != m->max_batch ||
	    c.out_max_pasid_bits != m->max_pasid_bits ||
	    (c.out_capabilities & caps) != caps)
		fz_fail(f, "GET_INFO answers changed");
}

/* ALLOC and DESTROY ------------------------------------------------------------- */

static int lib_alloc(struct fz *f, void *cmd)
{
	struct ioasid_alloc *c = cmd;

	return ioasid_node_alloc(f->h, c->parent_id, c->mode, &c->out_id);
}

/* A fresh id: not 0, not any live object's. */
static bool check_new_id(struct fz *f, uint32_t id)
{
	if (!id || model_id_live(&f->m, id)) {
		fz_fail(f, "out_id %u is %s", id, id ? "in use" : "0");
		return false;
	}
	return true;
}

void op_alloc(struct fz *f)
{
	struct ioasid_alloc c = { .size = sizeof(c),
				  .mode = IOASID_MODE_KERNEL_MANAGED };
	struct spec s = SPEC(c, "ALLOC", IOASID_CMD_ALLOC, IOASID_ALLOC);
	struct model *m = &f->m;
	unsigned int r = rn(f, 100), i, deep = 0;

	if (m->nnodes >= M_MAX_NODES)
		return op_destroy(f);
	if (r < 30 || !m->nnodes) {
		c.parent_id = 0;
	} else if (r < 75) {
		c.parent_id = pick_node(f, 0);
	} else if (r < 90) {
		/* Grow the deepest chain: depths up to the limit and past it. */
		for (i = 1; i < m->nnodes; i++)
			if (m->nodes[i].depth > m->nodes[deep].depth)
				deep = i;
		c.parent_id = m->nodes[deep].id;
	} else {
		c.parent_id = pick_node(f, 100);
	}
	if (pct(f, 2))
		c.mode = rn(f, 4) == 0 ? 0 : 2 + rn(f, 1000);
	c.flags = bad_flag(f, 0, 2);
	c.__reserved = bad_u32(f, 2);
	s.x = contract_alloc(m, &c);
	s.acts = ex_of(0);
	s.has_out = true;
	s.lib = !c.flags && !c.__reserved ? lib_alloc : NULL;
	if (fz_do(f, &s) || !s.applies || !check_new_id(f, c.out_id))
		return;
	model_add_node(m, c.out_id, c.parent_id);
}

static int lib_destroy(struct fz *f, void *cmd)
{
	struct ioasid_destroy *c = cmd;

	return model_dev(&f->m, c->id) ? ioasid_device_destroy(f->h, c->id) :
					 ioasid_node_destroy(f->h, c->id);
}

void op_destroy(struct fz *f)
{
	struct ioasid_destroy c = { .size = sizeof(c) };
	struct spec s = SPEC(c, "DESTROY", IOASID_CMD_DESTROY, IOASID_DESTROY);
	struct model *m = &f->m;
	unsigned int r = rn(f, 100), i, k;

	if (r < 35 && m->nnodes) {
		/* Mostly a leaf nothing is attached to: that one can go. */
		k = rn(f, m->nnodes);
		for (i = 0; i < m->nnodes; i++, k = (k + 1) % m->nnodes)
			if (!m->nodes[k].nchildren && !m->nodes[k].nattached)
				break;
		c.id = m->nodes[k].id;
	} else if (r < 55) {
		c.id = pick_node(f, 10);
	} else if (r < 80 && m->ndevs) {
		c.id = pick_dev(f, 10);
	} else {
		c.id = pick_bad_id(f);
	}
	s.x = contract_destroy(m, &c);
	s.acts = ex_of(0);
	s.lib = lib_destroy;
	if (fz_do(f, &s) || !s.applies)
		return;
	model_destroy(m, c.id);
}

/* NODE_INFO ------------------------------------------------------------------------ */

static int lib_node_info(struct fz *f, void *cmd)
{
	struct ioasid_node_info *c = cmd;

	return ioasid_node_info(f->h, c->id, c);
}

void op_node_info_of(struct fz *f, uint32_t id)
{
	struct ioasid_node_info c = { .size = sizeof(c), .id = id };
	struct spec s = SPEC(c, "NODE_INFO", IOASID_CMD_NODE_INFO, IOASID_NODE_INFO);
	struct m_node *n = model_node(&f->m, id);
	uint64_t bytes;

	c.flags = bad_flag(f, 0, 2);
	c.__reserved = bad_u32(f, 2);
	s.x = contract_node_info(&f->m, &c);
	s.acts = ex_of(0);
	s.has_out = true;
	s.lib = !c.flags && !c.__reserved ? lib_node_info : NULL;
	if (fz_do(f, &s) || !s.applies)
		return;
	bytes = model_mapped_bytes(n);
	if (c.out_mode != IOASID_MODE_KERNEL_MANAGED || c.out_parent_id != n->parent ||
	    c.out_depth != n->depth || c.out_num_children != n->nchildren ||
	    c.out_num_mappings != n->nmaps || c.out_mapped_bytes != bytes ||
	    c.out_pinned_bytes != (n->parent ? 0 : bytes))
		fz_fail(f, "NODE_INFO of %u: mode %u parent %u depth %u children %u "
			"mappings %llu mapped %llu pinned %llu; the model says "
			"parent %u depth %u children %u mappings %u mapped %llu "
			"pinned %llu", id, c.out_mode, c.out_parent_id, c.out_depth,
			c.out_num_children, (unsigned long long)c.out_num_mappings,
			(unsigned long long)c.out_mapped_bytes,
			(unsigned long long)c.out_pinned_bytes, n->parent, n->depth,
			n->nchildren, n->nmaps, (unsigned long long)bytes,
			(unsigned long long)(n->parent ? 0 : bytes));
}

void op_node_info(struct fz *f)
{
	op_node_info_of(f, pick_node(f, 8));
}

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
		x = contract_batch_entry(esz, field, i == tail_bad, readable);
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

/* IOVA_RANGES ---------------------------------------------------------------------------- */

static int lib_iova_ranges(struct fz *f, void *cmd)
{
	struct ioasid_iova_ranges *c = cmd;

	return ioasid_iova_ranges(f->h, c->id, (void *)(uintptr_t)c->ranges,
				  &c->num_ranges);
}

void op_iova_ranges(struct fz *f)
{
	struct ioasid_iova_ranges c = { .size = sizeof(c) };
	struct spec s = SPEC(c, "IOVA_RANGES", IOASID_CMD_IOVA_RANGES,
			     IOASID_IOVA_RANGES);
	struct m_node *n;
	uint64_t starts[M_MAX_RES + 1], lasts[M_MAX_RES + 1];
	struct ioasid_iova_range *out = (void *)f->mem.aux;
	unsigned int count = 0, num_in, i, r = rn(f, 100), room = 64;
	bool ok;

	c.id = pick_node(f, 6);
	n = model_node(&f->m, c.id);
	if (n)
		count = model_iova_ranges(n, starts, lasts, M_MAX_RES + 1);
	if (r < 50)
		c.num_ranges = count + (pct(f, 70) ? 0 : rn(f, 3));
	else if (r < 65)
		c.num_ranges = 0;
	else if (r < 85)
		c.num_ranges = count ? count - 1 : 0;
	else
		c.num_ranges = rn(f, 70);
	num_in = c.num_ranges;
	r = rn(f, 100);
	if (r < 92) {
		c.ranges = (uintptr_t)out;
	} else if (r < 95) {
		c.ranges = 0;
		room = 0;
	} else if (r < 97) {
		c.ranges = (uintptr_t)f->mem.guard;
		room = 0;
	} else {
		room = rn(f, 3);	/* that many fit before the guard page */
		c.ranges = (uintptr_t)(f->mem.aux + FZ_AUX_PAGES * PG) - room * 16;
	}
	if (c.ranges == (uintptr_t)out)
		memset(out, CANARY, 80 * sizeof(*out));
	c.flags = bad_flag(f, 0, 2);
	c.__reserved = bad_u32(f, 1);
	c.__reserved2 = bad_u32(f, 1);
	ok = (count < num_in ? count : num_in) <= room;
	s.x = contract_iova_ranges(&f->m, &c, ok);
	s.acts = ex_of(0);
	ex_add(&s.acts, EMSGSIZE);
	s.has_out = true;
	s.lib = !c.flags && !c.__reserved && !c.__reserved2 && c.ranges ?
		lib_iova_ranges : NULL;
	if (fz_do(f, &s) || !s.applies || (s.env.lib && !c.ranges))
		return;
	if (c.num_ranges != count) {
		fz_fail(f, "num_ranges %u, the model has %u ranges", c.num_ranges, count);
		return;
	}
	if (c.ranges != (uintptr_t)out)
		return;
	for (i = 0; i < count && i < num_in; i++)
		if (out[i].start != starts[i] || out[i].last != lasts[i]) {
			fz_fail(f, "range %u is [0x%llx, 0x%llx], the model says "
				"[0x%llx, 0x%llx]", i, (unsigned long long)out[i].start,
				(unsigned long long)out[i].last,
				(unsigned long long)starts[i],
				(unsigned long long)lasts[i]);
			return;
		}
	for (i *= sizeof(*out); i < (num_in + 2) * sizeof(*out) &&
	     i < 80 * sizeof(*out); i++)
		if (((uint8_t *)out)[i] != CANARY) {
			fz_fail(f, "IOVA_RANGES wrote past the ranges it reports");
			return;
		}
}

/* RESERVE_IOVA --------------------------------------------------------------------------- */

static int lib_reserve(struct fz *f, void *cmd)
{
	struct ioasid_reserve_iova *c = cmd;

	if (c->flags & IOASID_RESERVE_REMOVE)
		return ioasid_unreserve_iova(f->h, c->id, c->iova, c->length);
	return ioasid_reserve_iova(f->h, c->id, c->iova, c->length);
}

void op_reserve(struct fz *f)
{
	struct ioasid_reserve_iova c = { .size = sizeof(c) };
	struct spec s = SPEC(c, "RESERVE_IOVA", IOASID_CMD_RESERVE_IOVA,
			     IOASID_RESERVE_IOVA);
	struct m_node *n;
	unsigned int r = rn(f, 100);
	bool remove;

	c.id = pick_node(f, 5);
	n = model_node(&f->m, c.id);
	remove = n && n->nres ? pct(f, 45) : pct(f, 8);
	if (n && n->nres >= M_MAX_RES)
		remove = true;
	if (remove && n && n->nres && pct(f, 75)) {
		struct m_res *res = &n->res[rn(f, n->nres)];

		c.iova = res->iova;
		c.length = res->len;
		if (pct(f, 20))
			c.length += pct(f, 50) ? PG : -PG;
	} else if (r < 55) {
		c.iova = rn(f, WIN_PAGES) * PG;
		c.length = rsmall(f, 4) * PG;
	} else if (r < 70) {
		/* Everything above the window: kernel-chosen IOVAs run short. */
		c.iova = (WIN_PAGES - rn(f, 64)) * PG;
		c.length = -c.iova;
	} else if (r < 75) {
		c.iova = 0;
		c.length = rsmall(f, 16) * PG;
	} else if (r < 85 && n && n->nmaps) {
		struct m_map *map = &n->maps[rn(f, n->nmaps)];

		c.iova = map->iova + (pct(f, 50) ? map->len - PG : 0);
		c.length = rsmall(f, 3) * PG;
	} else {
		c.length = pick_len(f);
		c.iova = pick_iova(f, n, c.length);
	}
	c.iova = skew(f, c.iova, 2);
	c.length = skew(f, c.length, 2);
	c.flags = (remove ? IOASID_RESERVE_REMOVE : 0) | bad_flag(f, 1, 2);
	c.__reserved = bad_u32(f, 1);
	s.x = contract_reserve(&f->m, &c);
	s.acts = ex_of(0);
	s.lib = !c.__reserved && !(c.flags & ~IOASID_RESERVE_REMOVE) ? lib_reserve : NULL;
	if (fz_do(f, &s) || !s.applies)
		return;
	if (remove)
		model_unreserve(n, c.iova, c.length);
	else
		model_reserve(n, c.iova, c.length);
}

/* OPTION ------------------------------------------------------------------------------------ */

static int lib_option(struct fz *f, void *cmd)
{
	struct ioasid_option *c = cmd;
	int ret;

	if (c->op == IOASID_OPTION_OP_SET)
		return ioasid_set_account_mode(f->h, c->val64);
	ret = ioasid_get_account_mode(f->h);
	if (ret >= 0)
		c->val64 = ret;
	return ret < 0 ? ret : 0;
}

void op_option(struct fz *f)
{
	struct ioasid_option c = { .size = sizeof(c) };
	struct spec s = SPEC(c, "OPTION", IOASID_CMD_OPTION, IOASID_OPTION);
	unsigned int r = rn(f, 100);

	c.option_id = pct(f, 95) ? IOASID_OPTION_ACCOUNT_MODE : rn(f, 5);
	c.op = r < 50 ? IOASID_OPTION_OP_GET : r < 95 ? IOASID_OPTION_OP_SET :
							 2 + rn(f, 10);
	c.val64 = c.op == IOASID_OPTION_OP_SET && pct(f, 90) ? rn(f, 2) : rnd(f);
	c.__reserved = bad_u32(f, 2);
	s.x = contract_option(&f->m, &c);
	s.acts = ex_of(0);
	s.has_out = c.op == IOASID_OPTION_OP_GET;
	s.lib = !c.__reserved && c.option_id == IOASID_OPTION_ACCOUNT_MODE &&
		c.op <= IOASID_OPTION_OP_GET && c.val64 <= 1 ? lib_option : NULL;
	if (fz_do(f, &s) || !s.applies)
		return;
	if (c.op == IOASID_OPTION_OP_SET)
		f->m.account_mode = c.val64;
	else if (c.val64 != f->m.account_mode)
		fz_fail(f, "account mode %llu, the model says %u",
			(unsigned long long)c.val64, f->m.account_mode);
}

/* Unknown ioctls, CPU writes ---------------------------------------------------------------- */

void op_bad_ioctl(struct fz *f)
{
	struct ioasid_info c = { .size = sizeof(c) };
	struct spec s = SPEC(c, "BAD_IOCTL", 31, 0);
	unsigned int nr = rn(f, IOASID_CMD_DIRTY_BITMAP + 1);

	switch (rn(f, 4)) {
	case 0:		/* a number far past the table */
		s.req = _IO(IOASID_TYPE, 0x80 + rn(f, 0x80));
		break;
	case 1:		/* a known number, the wrong direction and size */
		s.req = _IOWR(IOASID_TYPE, nr, struct ioasid_info);
		break;
	case 2:
		s.req = _IOR(IOASID_TYPE, nr, uint32_t);
		break;
	default:	/* another driver's type */
		s.req = _IO(IOASID_TYPE + 1, nr);
		break;
	}
	s.min = sizeof(c);
	s.x = contract_bad_ioctl();
	s.plain = true;
	fz_note(f, "request 0x%lx", s.req);
	fz_do(f, &s);
}

/* The CPU writes the pinned buffer: devices must see it. */
void op_cpu_write(struct fz *f)
{
	uint64_t off = rn(f, FZ_BUF_PAGES * PG), len = 1 + rn(f, 512), i;
	uint8_t v = rnd(f);

	if (off + len > FZ_BUF_PAGES * PG)
		len = FZ_BUF_PAGES * PG - off;
	for (i = 0; i < len; i++)
		f->mem.buf[off + i] = f->mem.shadow_buf[off + i] = v + i * 13;
}
