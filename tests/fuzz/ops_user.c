// SPDX-License-Identifier: GPL-2.0
/*
 * User-managed nodes: FORMAT_INFO, BIND, UNBIND and INVALIDATE. (ALLOC of
 * user-managed nodes is in ops_node.c, with the other ALLOCs.) The model
 * keeps each node's format and bind; no device is attached to a
 * user-managed node or below one (ops_dev.c), since what translates there
 * depends on tables in memory, which the model does not walk. These ops
 * run only when GET_INFO reports IOASID_CAP_USER_MANAGED.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kinds.h"
#include "ops.h"

/* A user-managed node mostly; sometimes any node, or a bad id. */
static uint32_t pick_user_node(struct fz *f, unsigned int other_pct)
{
	struct model *m = &f->m;
	unsigned int i, k;

	if (m->nnodes && !pct(f, other_pct)) {
		k = rn(f, m->nnodes);
		for (i = 0; i < m->nnodes; i++, k = (k + 1) % m->nnodes)
			if (m->nodes[k].mode == IOASID_MODE_USER_MANAGED)
				return m->nodes[k].id;
	}
	return pick_node(f, 30);
}

/* FORMAT_INFO ------------------------------------------------------------------- */

/* libioasid 0.3's ioasid_format_info(): the 64-byte struct of before 0.6. */
int ioasid_format_info_0_3(struct ioasid_handle *handle, uint32_t format,
			   struct ioasid_format_info *info);
__asm__(".symver ioasid_format_info_0_3, ioasid_format_info@LIBIOASID_0.3");

/* The last lib_format_info() called the 0.3 version. */
static bool lib_format_info_old;

static int lib_format_info(struct fz *f, void *cmd)
{
	struct ioasid_format_info *c = cmd;
	uint8_t old[sizeof(*c) + 8];
	unsigned int i;
	int ret;

	lib_format_info_old = !pct(f, 70);
	if (!lib_format_info_old)
		return ioasid_format_info(f->h, c->format, c);
	/* The old version writes its 64 bytes and not one more. */
	memset(old, CANARY, sizeof(old));
	ret = ioasid_format_info_0_3(f->h, c->format, (void *)old);
	for (i = 64; i < sizeof(old); i++)
		if (old[i] != CANARY) {
			fz_fail(f, "ioasid_format_info@LIBIOASID_0.3 wrote byte %u", i);
			return ret;
		}
	if (((struct ioasid_format_info *)old)->size != 64)
		fz_fail(f, "ioasid_format_info@LIBIOASID_0.3 sent size %u",
			((struct ioasid_format_info *)old)->size);
	memcpy(c, old, 64);
	c->size = sizeof(*c);
	return ret;
}

void op_format_info(struct fz *f)
{
	struct ioasid_format_info c = { .size = sizeof(c) };
	struct spec s = SPEC(c, "FORMAT_INFO", IOASID_CMD_FORMAT_INFO,
			     IOASID_FORMAT_INFO);
	const struct ioasid_format_info *want;
	uint64_t granules;
	bool short_size;

	if (!f->m.has_user)
		return;
	/* Every format and kind of the header (1 to 7), and others. */
	c.format = pct(f, 90) ? 1 + rn(f, 7) :
		   pct(f, 50) ? rn(f, 10) : (uint32_t)rnd(f);
	c.flags = bad_flag(f, 0, 2);
	c.__reserved = bad_u32(f, 2);
	c.__reserved2 = bad_u32(f, 1);
	s.x = contract_format_info(&f->m, &c);
	s.x_short = s.x;	/* 64 bytes: everything but out_granule_bitmap */
	s.has_short = true;
	s.acts = ex_of(0);
	s.has_out = true;
	s.lib = !c.flags && !c.__reserved && !c.__reserved2 ? lib_format_info : NULL;
	if (fz_do(f, &s) || !s.applies)
		return;
	want = contract_format(c.format);
	/*
	 * The struct of before 0.6 (as the kernel was asked, or as libioasid
	 * 0.3 asks): out_granule_bitmap is neither asked for nor written (fz_do
	 * checks nothing past the size changed).
	 */
	short_size = s.env.lib ? lib_format_info_old : s.env.size < sizeof(c);
	granules = short_size ? want->out_granule_bitmap : c.out_granule_bitmap;
	if (c.out_format_flags != want->out_format_flags ||
	    c.out_bind_flags != want->out_bind_flags ||
	    c.out_pgsize_bitmap != want->out_pgsize_bitmap ||
	    c.out_levels_bitmap != want->out_levels_bitmap ||
	    c.out_min_phys_bits != want->out_min_phys_bits ||
	    c.out_max_phys_bits != want->out_max_phys_bits ||
	    c.out_input_bits != want->out_input_bits || c.__reserved2 ||
	    granules != want->out_granule_bitmap)
		fz_fail(f, "FORMAT_INFO of format %u: flags 0x%llx bind 0x%llx pgsizes "
			"0x%llx levels 0x%llx phys bits %u..%u input bits %u "
			"reserved2 %u granules 0x%llx; the header says 0x%llx 0x%llx "
			"0x%llx 0x%llx %u..%u %u 0 0x%llx", c.format,
			(unsigned long long)c.out_format_flags,
			(unsigned long long)c.out_bind_flags,
			(unsigned long long)c.out_pgsize_bitmap,
			(unsigned long long)c.out_levels_bitmap, c.out_min_phys_bits,
			c.out_max_phys_bits, c.out_input_bits, c.__reserved2,
			(unsigned long long)c.out_granule_bitmap,
			(unsigned long long)want->out_format_flags,
			(unsigned long long)want->out_bind_flags,
			(unsigned long long)want->out_pgsize_bitmap,
			(unsigned long long)want->out_levels_bitmap,
			want->out_min_phys_bits, want->out_max_phys_bits,
			want->out_input_bits,
			(unsigned long long)want->out_granule_bitmap);
}

/* BIND and UNBIND ----------------------------------------------------------------- */

static int lib_bind(struct fz *f, void *cmd)
{
	struct ioasid_bind *c = cmd;

	/*
	 * libioasid 0.7's ioasid_bind_entry() sends the 64-byte struct with
	 * root and root1 0; ioasid_bind() and _halves() send 32 bytes (no
	 * entry), so they get only requests without one.
	 */
	if (c->entry[0] || c->entry[1] || c->entry[2] || c->entry[3])
		return ioasid_bind_entry(f->h, c->id, c->flags,
					 (const uint64_t *)c->entry);
	if (c->root1 || pct(f, 30))
		return ioasid_bind_halves(f->h, c->id, c->root, c->root1, c->flags);
	return ioasid_bind(f->h, c->id, c->root, c->flags);
}

static int lib_unbind(struct fz *f, void *cmd)
{
	struct ioasid_bind *c = cmd;

	return ioasid_unbind(f->h, c->id);
}

/*
 * A table root for a node of @fmt (NULL: not a user-managed node) in the
 * half @half: mostly aligned where the parent maps, often just not.
 */
static uint64_t pick_root(struct fz *f, const struct m_format *fmt,
			  unsigned int half)
{
	uint64_t align = fmt ? contract_root_align(fmt, half) : PG;
	unsigned int bits = fmt ? fmt->phys_bits : 48, r = rn(f, 100);

	if (bits > 63)
		bits = 63;
	if (r < 60)
		return rn(f, WIN_PAGES) * PG & ~(align - 1);	/* where the parent maps */
	if (r < 80)
		return (rnd(f) & ((1ULL << bits) - 1)) & ~(align - 1);
	if (r < 86)
		return (1ULL << bits) - align;			/* the highest taken */
	if (r < 91)
		return 1ULL << bits;				/* one table too high */
	if (r < 95)
		return rn(f, WIN_PAGES) * PG + (align > 64 && pct(f, 50) ?
						 align / 2 : 8 * (1 + rn(f, 7)));
	return rnd(f);
}

/* Bind flags: mostly the node's format's, now and then another's or none. */
static uint32_t pick_bind_flags(struct fz *f, const struct m_format *fmt)
{
	uint32_t all = contract_all_bind_flags(), own, flags;

	own = fmt ? contract_format(fmt->format)->out_bind_flags : 0;
	if (!fmt)
		own = IOASID_BIND_X86_SRE | IOASID_BIND_X86_WPE;
	flags = own & (pct(f, 50) ? rnd(f) : 0);
	if (pct(f, 4))
		flags |= all & rnd(f);			/* another format's */
	return flags | bad_flag(f, 3, 3);
}

void op_bind(struct fz *f)
{
	struct ioasid_bind c = { .size = sizeof(c) };
	struct spec s = SPEC(c, "BIND", IOASID_CMD_BIND, IOASID_BIND);
	const struct m_format *fmt;
	struct ioasid_bind short_c;
	struct m_node *n;

	if (!f->m.has_user)
		return;
	c.id = pick_user_node(f, 10);
	n = model_node(&f->m, c.id);
	fmt = n && n->mode == IOASID_MODE_USER_MANAGED ? &n->fmt : NULL;
	c.root = pick_root(f, fmt, 0);
	if (kind_node(n)) {
		/* The guest's STE, DTE or DC; root 0 but now and then. */
		kind_pick_entry(f, fmt, WIN_PAGES * PG, true, c.entry);
		if (pct(f, 94))
			c.root = 0;
	} else if (pct(f, 3)) {
		/* An entry for a page-table format (EINVAL). */
		c.entry[rn(f, 4)] = pct(f, 50) ? 1 : rnd(f) | 1;
	}
	if (fmt && fmt->format == IOASID_FORMAT_ARM64 &&
	    fmt->flags & IOASID_ARM64_EPD0 && pct(f, 80))
		c.root = 0;			/* the disabled half's */
	/* TTB1: where the node has it, mostly; elsewhere now and then (EINVAL). */
	if (fmt && contract_has_ttb1(fmt) ? pct(f, 85) : pct(f, kind_node(n) ? 2 : 4))
		c.root1 = pick_root(f, fmt && fmt->format == IOASID_FORMAT_ARM64 ?
				    fmt : NULL, 1);
	c.flags = pick_bind_flags(f, fmt);
	c.__reserved = bad_u32(f, 1);
	s.x = contract_bind(&f->m, &c);
	/* The 24-byte struct of before root1: the kernel sees root1 0. */
	short_c = c;
	short_c.root1 = 0;
	memset(short_c.entry, 0, sizeof(short_c.entry));
	s.x_short = contract_bind(&f->m, &short_c);
	s.has_short = true;
	s.acts = ex_of(0);
	s.lib = !c.__reserved && (!(c.entry[0] || c.entry[1] || c.entry[2] || c.entry[3]) ||
				  (!c.root && !c.root1)) ? lib_bind : NULL;
	fz_note(f, "format %u root1 0x%llx entry 0x%llx 0x%llx 0x%llx 0x%llx",
		fmt ? fmt->format : 0, (unsigned long long)c.root1,
		(unsigned long long)c.entry[0], (unsigned long long)c.entry[1],
		(unsigned long long)c.entry[2], (unsigned long long)c.entry[3]);
	if (fz_do(f, &s) || !s.applies)
		return;
	n->bound = true;
	n->root = c.root;
	n->root1 = s.env.lib || s.env.size >= sizeof(c) ? c.root1 : 0;
	n->bind_flags = c.flags;
}

void op_unbind(struct fz *f)
{
	struct ioasid_bind c = { .size = sizeof(c) };
	struct spec s = SPEC(c, "UNBIND", IOASID_CMD_UNBIND, IOASID_UNBIND);
	struct ioasid_bind short_c;
	struct m_node *n;

	if (!f->m.has_user)
		return;
	c.id = pick_user_node(f, 10);
	n = model_node(&f->m, c.id);
	if (pct(f, 3))
		c.root = pct(f, 50) ? PG : rnd(f);
	if (pct(f, 3))
		c.root1 = pct(f, 50) ? PG : rnd(f);
	if (pct(f, kind_node(n) ? 5 : 2))
		c.entry[rn(f, 4)] = pct(f, 50) ? 1 : rnd(f) | 1;	/* EINVAL */
	if (pct(f, 3))
		c.flags = pct(f, 50) ? IOASID_BIND_X86_SRE :
			  pct(f, 50) ? IOASID_BIND_RISCV_SUM : bad_flag(f, 3, 100);
	c.__reserved = bad_u32(f, 1);
	s.x = contract_unbind(&f->m, &c);
	short_c = c;
	short_c.root1 = 0;
	memset(short_c.entry, 0, sizeof(short_c.entry));
	s.x_short = contract_unbind(&f->m, &short_c);
	s.has_short = true;
	s.acts = ex_of(0);
	s.lib = !c.__reserved && !c.root && !c.root1 && !c.flags && !c.entry[0] &&
		!c.entry[1] && !c.entry[2] && !c.entry[3] ? lib_unbind : NULL;
	if (fz_do(f, &s) || !s.applies)
		return;
	n->bound = false;
	n->root = 0;
	n->root1 = 0;
	n->bind_flags = 0;
}

/* INVALIDATE ---------------------------------------------------------------------- */

#define INV_MAX		6

static int lib_invalidate(struct fz *f, void *cmd)
{
	struct ioasid_invalidate *c = cmd;
	unsigned int done = 0;
	int ret;

	ret = ioasid_invalidate(f->h, (const void *)(uintptr_t)c->entries,
				c->count, &done);
	c->out_done = done;
	return ret;
}

/* One entry: mostly valid for a user-managed node, often just not. */
static void pick_inv_entry(struct fz *f, struct ioasid_inv_entry *e)
{
	static const uint64_t granules[] = { 1ULL << 12, 1ULL << 21, 1ULL << 30,
					     0, 1ULL << 11, 3ULL << 12 };
	uint64_t g;

	memset(e, 0, sizeof(*e));
	e->node_id = pick_user_node(f, 8);
	if (pct(f, 35)) {
		e->scope |= IOASID_INV_SCOPE_PASID;
		e->pasid = pct(f, 95) ? rn(f, 1u << f->m.max_pasid_bits) :
					1u << (f->m.max_pasid_bits + rn(f, 32 - f->m.max_pasid_bits));
	} else if (pct(f, 25)) {
		e->flags |= IOASID_INV_NO_PASID;
	}
	if (pct(f, 50)) {
		e->scope |= IOASID_INV_SCOPE_ADDR;
		g = granules[pct(f, 95) ? rn(f, 3) : rn(f, 6)];
		e->granule = g;
		e->addr = g ? rn(f, WIN_PAGES) * PG & ~(g - 1) : rn(f, WIN_PAGES) * PG;
		e->size = g ? (1 + rn(f, 4)) * g : (1 + rn(f, 4)) * PG;
		if (pct(f, 3))
			e->size = 0;
		if (pct(f, 3) && g)
			e->addr = -g;			/* runs past 2^64 - 1 */
		e->addr = skew(f, e->addr, 2);
		if (pct(f, 30))
			e->flags |= IOASID_INV_LEAF;
	} else if (pct(f, 2)) {
		e->addr = PG;				/* without its scope */
	} else if (pct(f, 2)) {
		e->flags |= IOASID_INV_LEAF;
	}
	if (pct(f, 2))
		e->flags |= IOASID_INV_NO_PASID;
	if (pct(f, 2))
		e->pasid = 1 + rn(f, 8);
	/* A PASID-table entry changed: kind nodes (not with SCOPE_ADDR). */
	if (pct(f, kind_node(model_node(&f->m, e->node_id)) ? 40 : 3))
		e->flags |= IOASID_INV_PASID_TABLE;
	e->scope |= bad_flag(f, 2, 1);
	e->flags |= bad_flag(f, 3, 1);
}

void op_invalidate(struct fz *f)
{
	struct ioasid_invalidate c = { .size = sizeof(c) };
	struct spec s = SPEC(c, "INVALIDATE", IOASID_CMD_INVALIDATE,
			     IOASID_INVALIDATE);
	const uint32_t esz = sizeof(struct ioasid_inv_entry);
	uint8_t *end = f->mem.aux + FZ_AUX_PAGES * PG;	/* a guard page follows */
	uint8_t *arr = f->mem.aux;
	struct ioasid_inv_entry e[INV_MAX];
	uint16_t dones[128];
	struct expect x;
	unsigned int n, i, k, r;
	bool tails[INV_MAX] = { false }, fits;
	int rc;

	if (!f->m.has_user)
		return;
	n = pct(f, 5) ? 0 : rsmall(f, INV_MAX);
	c.count = n;
	c.entry_size = esz;
	r = rn(f, 100);
	if (r < 4)
		c.entry_size = esz + 8;			/* with a tail */
	else if (r < 6)
		c.entry_size = esz - 8;			/* too small */
	else if (r < 7)
		c.entry_size = 4096 + 8;		/* too large */
	else if (r < 8)
		c.count = f->m.max_batch + 1 + rn(f, 4);
	/* Where the array lies: the aux pages, sometimes running into the guard. */
	if (pct(f, 4) && n && c.entry_size <= 64)
		arr = end - (uint64_t)c.entry_size * rn(f, n) -
		      (pct(f, 50) ? 8 : 0);
	memset(arr, 0, end - arr < 4096 ? end - arr : 4096);
	for (i = 0; i < n; i++) {
		uint8_t *p = arr + (uint64_t)i * c.entry_size;

		pick_inv_entry(f, &e[i]);
		if (c.entry_size < esz || c.entry_size > 4096 ||
		    p + c.entry_size > end)
			continue;
		memcpy(p, &e[i], esz);
		if (c.entry_size > esz && pct(f, 30)) {
			p[esz + rn(f, c.entry_size - esz)] = 1 + rn(f, 255);
			tails[i] = true;
		}
	}
	c.entries = pct(f, 2) ? (pct(f, 50) ? 0 : (uintptr_t)f->mem.guard) :
			       (uintptr_t)arr;
	c.flags = bad_flag(f, 0, 1);
	c.__reserved = bad_u32(f, 1);

	/*
	 * The request, then the entries in order until one fails. An entry
	 * whose outcome the header leaves open (success or an error) forks
	 * the prediction: dones[e] holds the out_done each outcome e may
	 * come with (bit k: k entries applied).
	 */
	memset(dones, 0, sizeof(dones));
	s.x = contract_invalidate(&f->m, &c);
	if (!ex_empty(&s.x)) {
		for (k = 0; k < 128; k++)
			if (ex_has(&s.x, k))
				dones[k] = 1;
	} else {
		for (i = 0; i < c.count; i++) {
			uint8_t *p = (uint8_t *)(uintptr_t)c.entries +
				     (uint64_t)i * c.entry_size;

			fits = c.entries == (uintptr_t)arr && p + c.entry_size <= end;
			/* A cut entry: its tail may be seen non-zero before the cut. */
			x = contract_inv_entry(&f->m, &e[i], c.entries == (uintptr_t)arr && tails[i],
					       fits);
			for (k = 1; k < 128; k++)
				if (ex_has(&x, k)) {
					ex_add(&s.x, k);
					dones[k] |= 1u << i;
				}
			if (!ex_has(&x, 0))
				break;
		}
		if (i == c.count) {
			ex_add(&s.x, 0);
			dones[0] = 1u << i;
		}
	}
	s.acts = ex_of(0);
	s.has_out = true;
	s.lib = c.entry_size == esz && !c.flags && !c.__reserved &&
		(c.entries || !c.count) ? lib_invalidate : NULL;
	fz_note(f, "%u entries, first: node %u scope 0x%x flags 0x%x pasid %u "
		"addr 0x%llx size 0x%llx granule 0x%llx", n, n ? e[0].node_id : 0,
		n ? e[0].scope : 0, n ? e[0].flags : 0, n ? e[0].pasid : 0,
		(unsigned long long)(n ? e[0].addr : 0),
		(unsigned long long)(n ? e[0].size : 0),
		(unsigned long long)(n ? e[0].granule : 0));
	rc = fz_do(f, &s);
	if (rc < 0 || !s.applies)
		return;
	/* out_done: written back also on failure, the entries applied. */
	if (c.out_done > INV_MAX || !(dones[rc] >> c.out_done & 1))
		fz_fail(f, "INVALIDATE out_done %u with %s, the model says one of "
			"0x%x (bit n: n entries)", c.out_done, fz_errname(rc),
			dones[rc]);
}
