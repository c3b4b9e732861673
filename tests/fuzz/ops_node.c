// SPDX-License-Identifier: GPL-2.0
/*
 * Node operations other than mapping: GET_INFO, ALLOC, DESTROY, NODE_INFO,
 * IOVA_RANGES, RESERVE_IOVA, OPTION, unknown ioctls, and CPU writes to the
 * pinned buffer. Each op picks its arguments (mostly valid, often
 * near-valid), asks contract.c what may come back, makes the call through
 * fz_do(), checks the answer against the model and applies it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kinds.h"
#include "ops.h"

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
		/* Without user-managed nodes, their requests are not made. */
		m->has_user = c.out_capabilities & IOASID_CAP_USER_MANAGED;
		m->has_pci = c.out_capabilities & IOASID_CAP_PCI_DEVICE;
		fz_fault_setup(f, c.out_capabilities & IOASID_CAP_FAULT_QUEUE);
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
	    (c.out_capabilities & caps) != caps ||
	    !(c.out_capabilities & IOASID_CAP_USER_MANAGED) != !m->has_user ||
	    !(c.out_capabilities & IOASID_CAP_PCI_DEVICE) != !m->has_pci ||
	    !(c.out_capabilities & IOASID_CAP_FAULT_QUEUE) != !fz_fault_on())
		fz_fail(f, "GET_INFO answers changed");
	else if (c.out_capabilities & ~(caps | IOASID_CAP_USER_MANAGED |
					IOASID_CAP_PCI_DEVICE | IOASID_CAP_FAULT_QUEUE))
		fz_fail(f, "GET_INFO: capability bits 0x%llx this header does not know",
			(unsigned long long)c.out_capabilities);
}

/* ALLOC and DESTROY ------------------------------------------------------------- */

static int lib_alloc(struct fz *f, void *cmd)
{
	struct ioasid_alloc *c = cmd;

	if (c->mode == IOASID_MODE_USER_MANAGED && !c->flags && !c->fault_queue_id &&
	    !c->__reserved2)
		return ioasid_node_alloc_user(f->h, c->parent_id,
					      (const void *)(uintptr_t)c->format,
					      c->format_len, &c->out_id);
	if (!c->format && !c->format_len && !c->flags && !c->fault_queue_id &&
	    !c->__reserved2)
		return ioasid_node_alloc(f->h, c->parent_id, c->mode, &c->out_id);
	return ioasid_node_alloc_cmd(f->h, c);
}

/* x86-64: levels, physical bits and page sizes, mostly valid. */
static void pick_x86_64(struct fz *f, struct ioasid_format_x86_64 *fmt)
{
	static const uint32_t levels[] = { 4, 5, 4, 5, 0, 3, 6, 64 };
	static const uint32_t bits[] = { 48, 39, 32, 52, 46, 31, 53, 64 };
	static const uint64_t pgsizes[] = {
		0, 1ULL << 12, (1ULL << 12) | (1ULL << 21),
		(1ULL << 12) | (1ULL << 21) | (1ULL << 30), 1ULL << 21,
		(1ULL << 12) | (1ULL << 13), (1ULL << 12) | (1ULL << 39),
	};

	fmt->levels = levels[pct(f, 90) ? rn(f, 4) : rn(f, 8)];
	fmt->phys_bits = bits[pct(f, 90) ? rn(f, 5) : rn(f, 8)];
	fmt->pgsize_bitmap = pgsizes[pct(f, 90) ? rn(f, 4) : rn(f, 7)];
	fmt->flags = (pct(f, 40) ? IOASID_X86_64_AD_UPDATE : 0) | bad_flag(f, 1, 3);
}

/* A granule's sizes (Arm64): its page, and its blocks now and then. */
static uint64_t arm64_sizes(struct fz *f, uint32_t tg)
{
	uint64_t blocks = tg == 12 ? (1ULL << 21) | (1ULL << 30) :
			  tg == 14 ? 1ULL << 25 : tg == 16 ? 1ULL << 29 : 0;

	return (1ULL << (tg & 63)) | (pct(f, 60) ? blocks :
				      pct(f, 50) ? blocks & -blocks : 0);
}

/*
 * Arm64: the halves' input sizes at and just past their bounds (16 to 39),
 * the granules (and 13, 15, 0), every output width of CD.IPS and 52
 * (EOPNOTSUPP) and others; every flag (HD without HA, BIG_ENDIAN);
 * page sizes of the granules, with a granule's page missing or another
 * granule's size now and then.
 */
static void pick_arm64(struct fz *f, struct ioasid_format_arm64 *a)
{
	static const uint8_t tsz[] = { 16, 25, 39, 28, 33, 17, 15, 40, 0, 64 };
	static const uint8_t tg[] = { 12, 14, 16, 13, 15, 0, 11, 17 };
	static const uint32_t oas[] = { 48, 40, 44, 32, 36, 42, 52, 41, 56, 31, 0 };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		uint8_t t = tsz[pct(f, 92) ? rn(f, 6) : rn(f, 10)];
		uint8_t g = tg[pct(f, 94) ? rn(f, 3) : rn(f, 8)];

		if (i == 0) {
			a->t0sz = t;
			a->tg0 = g;
		} else {
			a->t1sz = pct(f, 50) ? a->t0sz : t;
			a->tg1 = pct(f, 50) ? a->tg0 : g;
		}
	}
	a->oas_bits = oas[pct(f, 90) ? rn(f, 6) : rn(f, 11)];
	a->flags = (pct(f, 40) ? IOASID_ARM64_HA : 0) |
		   (pct(f, 30) ? IOASID_ARM64_HD : 0) |
		   (pct(f, 20) ? IOASID_ARM64_EPD0 : 0) |
		   (pct(f, 40) ? IOASID_ARM64_EPD1 : 0) |
		   (pct(f, 25) ? IOASID_ARM64_TBI0 : 0) |
		   (pct(f, 25) ? IOASID_ARM64_TBI1 : 0) |
		   (pct(f, 3) ? IOASID_ARM64_BIG_ENDIAN : 0) | bad_flag(f, 7, 3);
	if (pct(f, 50)) {
		a->pgsize_bitmap = arm64_sizes(f, a->tg0) | arm64_sizes(f, a->tg1);
		if (pct(f, 4))
			a->pgsize_bitmap &= ~(1ULL << (a->tg0 & 63));
		if (pct(f, 4))
			a->pgsize_bitmap |= 1ULL << (12 + 2 * rn(f, 3));
		if (pct(f, 2))
			a->pgsize_bitmap |= 1ULL << (30 + rn(f, 20));
	}
}

/* RISC-V: Sv39/48/57 (and 2, 6), 32 to 56 bits, sizes of those levels. */
static void pick_riscv(struct fz *f, struct ioasid_format_riscv *r)
{
	static const uint32_t levels[] = { 3, 4, 5, 2, 6, 0 };
	static const uint32_t bits[] = { 56, 44, 32, 48, 34, 31, 57, 64 };
	static const uint64_t pgsizes[] = {
		0, 1ULL << 12, (1ULL << 12) | (1ULL << 21) | (1ULL << 30),
		(1ULL << 12) | (1ULL << 16), (1ULL << 12) | (1ULL << 39),
		(1ULL << 12) | (1ULL << 48) | (1ULL << 39) | (1ULL << 21),
		1ULL << 21, (1ULL << 12) | (1ULL << 13),
	};

	r->levels = levels[pct(f, 92) ? rn(f, 3) : rn(f, 6)];
	r->phys_bits = bits[pct(f, 90) ? rn(f, 5) : rn(f, 8)];
	r->pgsize_bitmap = pgsizes[pct(f, 85) ? rn(f, 6) : rn(f, 8)];
	r->flags = (pct(f, 40) ? IOASID_RISCV_AD_UPDATE : 0) |
		   (pct(f, 40) ? IOASID_RISCV_SVNAPOT : 0) |
		   (pct(f, 40) ? IOASID_RISCV_SVPBMT : 0) | bad_flag(f, 3, 3);
}

/* AMD v1: Mode 1 to 6 (and 0, 7), 32 to 52 bits, any power of two. */
static void pick_amd_v1(struct fz *f, struct ioasid_format_amd_v1 *d)
{
	static const uint32_t levels[] = { 3, 4, 6, 1, 2, 5, 0, 7 };
	static const uint32_t bits[] = { 52, 48, 32, 40, 31, 53, 64 };
	uint64_t pg = 0;
	unsigned int i, n;

	d->levels = levels[pct(f, 92) ? rn(f, 6) : rn(f, 8)];
	d->phys_bits = bits[pct(f, 90) ? rn(f, 4) : rn(f, 7)];
	if (pct(f, 60)) {
		pg = 1ULL << 12;
		n = rn(f, 5);
		for (i = 0; i < n; i++)		/* up to the top's span, mostly */
			pg |= 1ULL << (13 + rn(f, pct(f, 90) && d->levels && d->levels < 6 ?
						  9 * d->levels : 51));
		if (pct(f, 3))
			pg &= ~(1ULL << 12);
		if (pct(f, 2))
			pg |= 1ULL << rn(f, 12);
	}
	d->pgsize_bitmap = pg;
	d->flags = (pct(f, 40) ? IOASID_AMD_V1_AD_UPDATE : 0) | bad_flag(f, 1, 3);
}

/*
 * A user-managed node's format descriptor in @d (an aux page), of any
 * format, mostly valid, often just not; its length in *@len. The model's
 * view of it in *@mf.
 */
static void pick_descriptor(struct fz *f, uint8_t *d, uint32_t *len,
			    struct m_format *mf)
{
	union {
		struct ioasid_format_header hdr;
		struct ioasid_format_x86_64 x86;
		struct ioasid_format_arm64 arm;
		struct ioasid_format_riscv rv;
		struct ioasid_format_amd_v1 amd;
		struct ioasid_format_smmuv3_cd cd;
		struct ioasid_format_amd_gcr3 gcr3;
		struct ioasid_format_riscv_pdt pdt;
		uint8_t raw[32];
	} u;
	unsigned int r = rn(f, 100);

	memset(&u, 0, sizeof(u));
	u.hdr.size = sizeof(u);
	if (r < 30) {
		u.hdr.format = IOASID_FORMAT_X86_64;
		pick_x86_64(f, &u.x86);
		u.x86.__reserved = bad_u32(f, 2);
	} else if (r < 45) {
		u.hdr.format = IOASID_FORMAT_ARM64;
		pick_arm64(f, &u.arm);
		u.arm.__reserved = bad_u32(f, 2);
	} else if (r < 60) {
		u.hdr.format = IOASID_FORMAT_RISCV;
		pick_riscv(f, &u.rv);
		u.rv.__reserved = bad_u32(f, 2);
	} else if (r < 75) {
		u.hdr.format = IOASID_FORMAT_AMD_V1;
		pick_amd_v1(f, &u.amd);
		u.amd.__reserved = bad_u32(f, 2);
	} else {
		/* The PASID-table kinds (kinds.c). */
		kind_pick_descriptor(f, IOASID_FORMAT_SMMUV3_CD + rn(f, 3), u.raw);
	}
	if (pct(f, 3))
		u.hdr.format = pct(f, 50) ? rn(f, 10) : rnd(f);
	mf->format = u.hdr.format;
	if (kind_format(u.hdr.format)) {
		kind_model_format(u.raw, mf);
	} else if (u.hdr.format == IOASID_FORMAT_ARM64) {
		mf->flags = u.arm.flags;
		mf->levels = 0;
		mf->phys_bits = u.arm.oas_bits;
		mf->pgsize_bitmap = u.arm.pgsize_bitmap;
		mf->tsz[0] = u.arm.t0sz;
		mf->tsz[1] = u.arm.t1sz;
		mf->tg[0] = u.arm.tg0;
		mf->tg[1] = u.arm.tg1;
	} else {
		/* x86-64, RISC-V and AMD v1 share the layout. */
		mf->flags = u.x86.flags;
		mf->levels = u.x86.levels;
		mf->phys_bits = u.x86.phys_bits;
		mf->pgsize_bitmap = u.x86.pgsize_bitmap;
		memset(mf->tsz, 0, sizeof(mf->tsz));
		memset(mf->tg, 0, sizeof(mf->tg));
	}
	*len = sizeof(u);
	memset(d, 0, 64);
	r = rn(f, 100);
	if (r < 4)
		*len = sizeof(u) + 8 * (1 + rn(f, 4));	/* a zero tail */
	else if (r < 6)
		*len = rn(f, sizeof(u));		/* too short */
	u.hdr.size = *len;
	if (pct(f, 3))
		u.hdr.size += pct(f, 50) ? 8 : -8;
	memcpy(d, &u, sizeof(u));
	if (*len > sizeof(u) && pct(f, 30))
		d[sizeof(u) + rn(f, *len - sizeof(u))] = 1 + rn(f, 255);
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
	uint8_t *desc = f->mem.aux + FZ_AUX_PAGES * PG - 128;
	bool desc_ok = false;
	struct m_format fmt = { 0 };

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
	for (i = 0; i < m->nnodes; i++)
		if (m->nodes[i].mode == IOASID_MODE_USER_MANAGED)
			break;
	/* User-managed nodes, more often while there is none. */
	if (m->has_user && pct(f, i < m->nnodes ? 15 : 50)) {
		c.mode = IOASID_MODE_USER_MANAGED;
		if (!c.parent_id && pct(f, 80))
			c.parent_id = pick_node(f, 0);	/* never a root */
		pick_descriptor(f, desc, &c.format_len, &fmt);
		r = rn(f, 100);
		c.format = r < 96 ? (uintptr_t)desc : r < 98 ? 0 :
			   (uintptr_t)f->mem.guard;
		desc_ok = c.format == (uintptr_t)desc;
	} else if (m->has_user && pct(f, 2)) {
		/* A kernel-managed node with a descriptor. */
		c.format = pct(f, 50) ? (uintptr_t)desc : 0;
		c.format_len = pct(f, 50) ? sizeof(struct ioasid_format_x86_64) : 0;
	}
	if (pct(f, 2)) {
		r = rn(f, 5);
		c.mode = r == 0 ? 0 : r == 1 ? 3 : r == 2 ? UINT32_MAX :
			 2 + rn(f, 1000);
	}
	/* Caching mode: most user-managed nodes, few kernel-managed ones. */
	if (pct(f, c.mode == IOASID_MODE_USER_MANAGED ? 60 : 2))
		c.flags |= IOASID_ALLOC_CACHING_MODE;
	/* Answering page requests itself: user-managed nodes only. */
	if (pct(f, c.mode == IOASID_MODE_USER_MANAGED ? 30 : 2))
		c.flags |= IOASID_ALLOC_PRI_AUTO_INVALID;
	c.flags |= bad_flag(f, 2, 2);
	/* A fault queue: a live one mostly, else a node's id or a bad one. */
	if (fz_fault_on() && pct(f, 30))
		c.fault_queue_id = pick_queue_id(f, 10);
	c.__reserved2 = bad_u32(f, 1);
	s.x = contract_alloc(m, &c, desc, desc_ok);
	s.acts = ex_of(0);
	s.has_out = true;
	s.lib = lib_alloc;
	if (c.mode == IOASID_MODE_USER_MANAGED)
		fz_note(f, "format %u levels %u phys_bits %u pgsizes 0x%llx flags 0x%x "
			"tsz %u/%u tg %u/%u", fmt.format, fmt.levels, fmt.phys_bits,
			(unsigned long long)fmt.pgsize_bitmap, fmt.flags, fmt.tsz[0],
			fmt.tsz[1], fmt.tg[0], fmt.tg[1]);
	if (fz_do(f, &s) || !s.applies || !check_new_id(f, c.out_id))
		return;
	if (c.mode == IOASID_MODE_USER_MANAGED) {
		model_add_user_node(m, c.out_id, c.parent_id, &fmt,
				    c.flags & IOASID_ALLOC_CACHING_MODE);
	} else {
		model_add_node(m, c.out_id, c.parent_id);
	}
	model_node(m, c.out_id)->fault_queue = c.fault_queue_id;
	model_node(m, c.out_id)->pri_auto_invalid = c.flags & IOASID_ALLOC_PRI_AUTO_INVALID;
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
	} else if (r < 90 && fz_fault_on()) {
		c.id = pick_queue_id(f, 10);
	} else {
		c.id = pick_bad_id(f);
	}
	s.x = contract_destroy(m, &c);
	s.acts = ex_of(0);
	s.lib = model_queue(m, c.id) ? NULL : lib_destroy;
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
	bool user;

	c.flags = bad_flag(f, 0, 2);
	c.__reserved = bad_u32(f, 2);
	c.__reserved2 = bad_u32(f, 1);
	s.x = contract_node_info(&f->m, &c);
	s.acts = ex_of(0);
	s.has_out = true;
	s.lib = !c.flags && !c.__reserved && !c.__reserved2 ? lib_node_info : NULL;
	if (fz_do(f, &s) || !s.applies)
		return;
	bytes = model_mapped_bytes(n);
	user = n->mode == IOASID_MODE_USER_MANAGED;
	if (c.out_format != (user ? n->fmt.format : 0) ||
	    c.out_flags != ((n->bound ? IOASID_NODE_BOUND : 0) |
			    (n->caching ? IOASID_NODE_CACHING_MODE : 0) |
			    (n->pri_auto_invalid ? IOASID_NODE_PRI_AUTO_INVALID : 0)) ||
	    c.out_root != (n->bound ? n->root : 0) ||
	    c.out_bind_flags != (n->bound ? n->bind_flags : 0) || c.__reserved2) {
		fz_fail(f, "NODE_INFO of %u: format %u flags 0x%x root 0x%llx bind "
			"flags 0x%x reserved2 0x%x; the model says format %u, %s, "
			"root 0x%llx flags 0x%x", id, c.out_format, c.out_flags,
			(unsigned long long)c.out_root, c.out_bind_flags,
			c.__reserved2, user ? n->fmt.format : 0,
			n->bound ? (n->caching ? "bound, caching mode" : "bound") :
			(n->caching ? "not bound, caching mode" : "not bound"),
			(unsigned long long)(n->bound ? n->root : 0),
			n->bound ? n->bind_flags : 0);
		return;
	}
	if (c.out_mode != n->mode || c.out_parent_id != n->parent ||
	    c.out_depth != n->depth || c.out_num_children != n->nchildren ||
	    c.out_num_mappings != n->nmaps || c.out_mapped_bytes != bytes ||
	    c.out_pinned_bytes != (n->parent ? 0 : bytes))
		fz_fail(f, "NODE_INFO of %u: mode %u parent %u depth %u children %u "
			"mappings %llu mapped %llu pinned %llu; the model says "
			"mode %u parent %u depth %u children %u mappings %u mapped "
			"%llu pinned %llu", id, c.out_mode, c.out_parent_id, c.out_depth,
			c.out_num_children, (unsigned long long)c.out_num_mappings,
			(unsigned long long)c.out_mapped_bytes,
			(unsigned long long)c.out_pinned_bytes, n->mode, n->parent, n->depth,
			n->nchildren, n->nmaps, (unsigned long long)bytes,
			(unsigned long long)(n->parent ? 0 : bytes));
}

void op_node_info(struct fz *f)
{
	op_node_info_of(f, pick_node(f, 8));
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
	uint64_t starts[M_MAX_RES + M_MAX_DRES + 1], lasts[M_MAX_RES + M_MAX_DRES + 1];
	struct ioasid_iova_range *out = (void *)f->mem.aux;
	unsigned int count = 0, num_in, i, r = rn(f, 100), room = 64;
	bool ok;

	c.id = pick_node(f, 6);
	n = model_node(&f->m, c.id);
	if (n)
		count = model_iova_ranges(n, starts, lasts, M_MAX_RES + M_MAX_DRES + 1);
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

	if (c->object_id || c->option_id != IOASID_OPTION_ACCOUNT_MODE ||
	    c->op > IOASID_OPTION_OP_GET || c->val64 > 1)
		return ioasid_option_cmd(f->h, c);
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

	c.option_id = pct(f, 95) ? IOASID_OPTION_ACCOUNT_MODE : rn(f, 6);
	c.op = r < 50 ? IOASID_OPTION_OP_GET : r < 95 ? IOASID_OPTION_OP_SET :
							 2 + rn(f, 10);
	c.val64 = c.op == IOASID_OPTION_OP_SET && pct(f, 90) ? rn(f, 2) : rnd(f);
	if (pct(f, 4))	/* an object: a live one (EINVAL), or none (ENOENT) */
		c.object_id = pct(f, 50) ? pick_node(f, 0) : pick_bad_id(f);
	/* The options of nodes and fault queues, most of the time when there are queues. */
	if (fz_fault_on() && pct(f, f->m.nqueues ? 60 : 15))
		fz_fq_pick_option(f, &c);
	s.x = contract_option(&f->m, &c);
	s.acts = ex_of(0);
	s.has_out = c.op == IOASID_OPTION_OP_GET;
	s.lib = lib_option;
	if (fz_do(f, &s) || !s.applies)
		return;
	if (c.option_id != IOASID_OPTION_ACCOUNT_MODE)
		fz_fq_option_done(f, &c);
	else if (c.op == IOASID_OPTION_OP_SET)
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
	unsigned int nr = rn(f, IOASID_CMD_FAULT_QUEUE_INFO + 1);

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
