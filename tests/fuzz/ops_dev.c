// SPDX-License-Identifier: GPL-2.0
/*
 * Device operations: DEVICE_CREATE, DEVICE_INFO (DESTROY is in ops_node.c),
 * ATTACH, DETACH, DMA, TRANSLATE, DIRTY_TRACKING, DIRTY_BITMAP.
 *
 * DMA is checked byte for byte: the model translates the transfer through
 * every level, predicts where it stops and why, and either gives the bytes
 * a read must return (from its shadow of the pinned memory) or applies a
 * write to the shadow, after which the real memory must match it. Nothing
 * past out_done may change at either end.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ops.h"

/* The fuzzer's memory behind a user address the model translated to. */
static uint8_t *shadow_at(struct fz *f, uint64_t uaddr, uint8_t **real)
{
	uint64_t buf = (uintptr_t)f->mem.buf, ro = (uintptr_t)f->mem.ro;

	if (uaddr - buf < FZ_BUF_PAGES * PG) {
		*real = f->mem.buf + (uaddr - buf);
		return f->mem.shadow_buf + (uaddr - buf);
	}
	*real = f->mem.ro + (uaddr - ro);
	return f->mem.shadow_ro + (uaddr - ro);
}

/* Record a device write in the model, at every tracking level of @w. */
static bool mark_dirty(struct fz *f, const struct m_walk *w, uint64_t len)
{
	struct m_node *n;
	unsigned int i;

	for (i = 0; i < w->nlv && len; i++) {
		n = model_node(&f->m, w->node[i]);
		if (f->trace && n->tracking)
			printf("#   model: node %u dirty [0x%llx, +0x%llx)\n", n->id,
			       (unsigned long long)w->addr[i], (unsigned long long)len);
		if (!model_mark_dirty(n, w->addr[i], len)) {
			fz_abort(f, "model: too many dirty pages");
			return false;
		}
	}
	return true;
}

/* The generation: it never goes back, and moved past every stale result. */
bool dev_check_gen(struct fz *f, struct m_dev *d, uint64_t gen, const char *what)
{
	unsigned int i;

	if (gen < d->gen) {
		fz_fail(f, "%s: generation %llu went back from %llu", what,
			(unsigned long long)gen, (unsigned long long)d->gen);
		return false;
	}
	d->gen = gen;
	for (i = 0; i < d->nx; i++) {
		if (!d->x[i].stale)
			continue;
		if (gen <= d->x[i].gen) {
			fz_fail(f, "%s: generation %llu, but a TRANSLATE result of "
				"generation %llu (IOVA of node %u 0x%llx, 0x%llx bytes) "
				"was invalidated since", what, (unsigned long long)gen,
				(unsigned long long)d->x[i].gen, d->x[i].node[0],
				(unsigned long long)d->x[i].addr[0],
				(unsigned long long)d->x[i].len);
			return false;
		}
		d->x[i--] = d->x[--d->nx];
	}
	return true;
}

/* A device for DMA or TRANSLATE: mostly one that is attached somewhere. */
static uint32_t pick_busy_dev(struct fz *f)
{
	struct model *m = &f->m;
	unsigned int i, k = rn(f, m->ndevs ? m->ndevs : 1);

	for (i = 0; i < m->ndevs && pct(f, 85); i++, k = (k + 1) % m->ndevs)
		if (m->devs[k].natts && (!m->devs[k].pci || pct(f, 5)))
			return m->devs[k].id;
	return pick_dev(f, 3);
}

/* DEVICE_CREATE and DEVICE_INFO -------------------------------------------------- */

static int lib_dev_create(struct fz *f, void *cmd)
{
	struct ioasid_device_create *c = cmd;

	if (c->pri_max_pending || c->__reserved)
		return ioctl(f->fd, IOASID_DEVICE_CREATE, c) ? -errno : 0;
	return ioasid_device_create(f->h, c->flags, c->pasid_bits, &c->out_id);
}

void op_dev_create(struct fz *f)
{
	struct ioasid_device_create c = { .size = sizeof(c) };
	struct spec s = SPEC(c, "DEVICE_CREATE", IOASID_CMD_DEVICE_CREATE,
			     IOASID_DEVICE_CREATE);
	struct model *m = &f->m;
	unsigned int r = rn(f, 100);

	if (m->ndevs >= M_MAX_DEVS)
		return;
	if (r < 40) {
		c.flags = 0;
	} else if (r < 80) {
		c.flags = IOASID_DEVICE_PASID | (pct(f, 30) ? IOASID_DEVICE_PRI : 0);
		c.pasid_bits = 1 + rn(f, m->max_pasid_bits);
	} else if (r < 88) {
		c.flags = IOASID_DEVICE_PRI;
	} else if (r < 93) {
		c.flags = IOASID_DEVICE_PASID;
		c.pasid_bits = pct(f, 50) ? 0 : m->max_pasid_bits + 1 + rn(f, 20);
	} else if (r < 97) {
		c.pasid_bits = 1 + rn(f, 20);
	} else {
		c.flags = bad_flag(f, 2, 100);
	}
	/* The outstanding page requests a PRI device declares. */
	r = rn(f, 100);
	if (c.flags & IOASID_DEVICE_PRI)
		c.pri_max_pending = r < 40 ? 0 : r < 85 ? 1 + rn(f, 64) : r < 93 ? 4096 :
				    4097 + rn(f, 100);
	else if (r < 3)
		c.pri_max_pending = 1 + rn(f, 8);
	c.__reserved = bad_u32(f, 1);
	s.x = contract_dev_create(m, &c);
	s.acts = ex_of(0);
	s.has_out = true;
	s.lib = lib_dev_create;
	if (fz_do(f, &s) || !s.applies)
		return;
	if (!c.out_id || model_id_live(m, c.out_id)) {
		fz_fail(f, "out_id %u is %s", c.out_id, c.out_id ? "in use" : "0");
		return;
	}
	model_add_dev(m, c.out_id, c.flags, c.pasid_bits);
}

static int lib_dev_info(struct fz *f, void *cmd)
{
	struct ioasid_device_info *c = cmd;

	return ioasid_device_info(f->h, c->dev_id, c);
}

void op_dev_info_of(struct fz *f, uint32_t id)
{
	struct ioasid_device_info c = { .size = sizeof(c), .dev_id = id };
	struct spec s = SPEC(c, "DEVICE_INFO", IOASID_CMD_DEVICE_INFO,
			     IOASID_DEVICE_INFO);
	struct m_dev *d = model_dev(&f->m, id);

	c.flags = bad_flag(f, 0, 2);
	s.x = contract_dev_info(&f->m, &c);
	s.acts = ex_of(0);
	s.has_out = true;
	s.lib = !c.flags ? lib_dev_info : NULL;
	if (fz_do(f, &s) || !s.applies)
		return;
	if (d->pci) {
		fz_pci_check_info(f, d, &c);
		return;
	}
	if (c.out_kind != IOASID_DEVICE_KIND_SW || c.out_state != IOASID_DEVICE_LIVE ||
	    c.out_pci_id || c.__reserved) {
		fz_fail(f, "DEVICE_INFO of software endpoint %u: kind %u state %u "
			"pci_id 0x%x reserved 0x%x", id, c.out_kind, c.out_state,
			c.out_pci_id, c.__reserved);
		return;
	}
	if (c.out_flags != d->flags || c.out_pasid_bits != d->pasid_bits ||
	    c.out_num_attachments != d->natts || c.out_faults != d->faults) {
		fz_fail(f, "DEVICE_INFO of %u: flags 0x%x pasid_bits %u attachments "
			"%u faults %llu; the model says 0x%x %u %u %llu", id,
			c.out_flags, c.out_pasid_bits, c.out_num_attachments,
			(unsigned long long)c.out_faults, d->flags, d->pasid_bits,
			d->natts, (unsigned long long)d->faults);
		return;
	}
	/* Detached from everything: nothing may stay cached. */
	if (!d->natts && c.out_iotlb_entries) {
		fz_fail(f, "DEVICE_INFO of %u: %llu IOTLB entries with nothing attached",
			id, (unsigned long long)c.out_iotlb_entries);
		return;
	}
	if (c.out_iotlb_hits < d->hits || c.out_iotlb_misses < d->misses) {
		fz_fail(f, "DEVICE_INFO of %u: IOTLB counters went back", id);
		return;
	}
	d->hits = c.out_iotlb_hits;
	d->misses = c.out_iotlb_misses;
	dev_check_gen(f, d, c.out_generation, "DEVICE_INFO");
}

void op_dev_info(struct fz *f)
{
	op_dev_info_of(f, pick_dev(f, 8));
}

/* ATTACH and DETACH ----------------------------------------------------------------- */

/* Flags and PASID of an access by @d: mostly one it is attached with. */
static void pick_key(struct fz *f, struct m_dev *d, uint32_t *flags,
		     uint32_t *pasid, uint32_t pasid_flag)
{
	unsigned int r = rn(f, 100);

	*flags = 0;
	*pasid = 0;
	if (d && d->natts && r < 85) {
		struct m_att *att = &d->atts[rn(f, d->natts)];
		unsigned int tries = 3;
		struct m_node *n;
		struct m_walk w;

		/* Mostly an attachment whose node translates something. */
		while (tries-- && pct(f, 80)) {
			n = model_node(&f->m, att->node);
			if (n->nmaps && !model_walk(&f->m, n->id,
						    n->maps[rn(f, n->nmaps)].iova, &w))
				break;
			att = &d->atts[rn(f, d->natts)];
		}

		if (att->key != M_NO_PASID) {
			*flags = pasid_flag;
			*pasid = att->key;
		}
	} else if (d && d->flags & IOASID_DEVICE_PASID && r < 92) {
		*flags = pasid_flag;
		*pasid = pct(f, 90) ? rn(f, 1u << d->pasid_bits) :
				      1u << d->pasid_bits;
	} else if (r < 96) {
		*flags = pasid_flag;
		*pasid = rn(f, 8);
	} else if (r < 98) {
		*pasid = 1 + rn(f, 8);		/* a PASID without the flag */
	}
}

static int lib_attach(struct fz *f, void *cmd)
{
	struct ioasid_attach *c = cmd;

	return ioasid_attach(f->h, c->dev_id, c->node_id, c->flags, c->pasid);
}

void op_attach(struct fz *f)
{
	struct ioasid_attach c = { .size = sizeof(c) };
	struct spec s = SPEC(c, "ATTACH", IOASID_CMD_ATTACH, IOASID_ATTACH);
	struct model *m = &f->m;
	struct m_dev *d;
	uint32_t key;
	unsigned int i;
	bool valid, replace;

	c.dev_id = pick_dev(f, 4);
	d = model_dev(m, c.dev_id);
	c.node_id = pick_node(f, 4);
	for (i = 0; i < m->nnodes && pct(f, 80); i++) {
		struct m_node *n = &m->nodes[rn(f, m->nnodes)];
		struct m_walk w;

		/* Mostly a node something translates through, to the end. */
		if (n->nmaps && !model_walk(m, n->id, n->maps[rn(f, n->nmaps)].iova, &w)) {
			c.node_id = n->id;
			break;
		}
	}
	if (model_in_user_tree(m, c.node_id)) {
		/*
		 * What translates through a user-managed node depends on
		 * tables in memory, which the model does not walk: no device
		 * is attached there or below.
		 */
		c.node_id = pick_bad_id(f);
		for (i = 0; i < m->nnodes; i++)
			if (!model_in_user_tree(m, m->nodes[i].id)) {
				c.node_id = m->nodes[i].id;
				break;
			}
	}
	if (d && pct(f, 50)) {
		/* A fresh key, mostly. */
		c.flags = d->flags & IOASID_DEVICE_PASID && pct(f, 70) ?
			  IOASID_ATTACH_PASID : 0;
		c.pasid = c.flags ? rn(f, 1u << d->pasid_bits) : 0;
	} else {
		pick_key(f, d, &c.flags, &c.pasid, IOASID_ATTACH_PASID);
	}
	valid = d && contract_pasid_key(d, c.flags & IOASID_ATTACH_PASID, c.pasid, &key);
	replace = valid && model_att(d, key) ? pct(f, 60) : pct(f, 8);
	if (replace)
		c.flags |= IOASID_ATTACH_REPLACE;
	c.flags |= bad_flag(f, 2, 2);
	c.__reserved = pct(f, 1);
	s.x = contract_attach(m, &c);
	if (ex_has(&s.x, 0) && !replace && d->natts >= M_MAX_ATTS)
		return op_detach(f);
	s.acts = ex_of(0);
	s.lib = !c.__reserved ? lib_attach : NULL;
	if (fz_do(f, &s) || !s.applies)
		return;
	model_attach(m, d, key, c.node_id, replace);
}

static int lib_detach(struct fz *f, void *cmd)
{
	struct ioasid_attach *c = cmd;

	return ioasid_detach(f->h, c->dev_id, c->flags, c->pasid);
}

void op_detach(struct fz *f)
{
	struct ioasid_attach c = { .size = sizeof(c) };
	struct spec s = SPEC(c, "DETACH", IOASID_CMD_DETACH, IOASID_DETACH);
	struct m_dev *d;
	uint32_t key;

	c.dev_id = pick_dev(f, 4);
	d = model_dev(&f->m, c.dev_id);
	pick_key(f, d, &c.flags, &c.pasid, IOASID_ATTACH_PASID);
	if (pct(f, 2))
		c.flags |= IOASID_ATTACH_REPLACE;
	c.flags |= bad_flag(f, 2, 1);
	c.node_id = pct(f, 2) ? pick_node(f, 0) : 0;
	c.__reserved = pct(f, 1);
	s.x = contract_detach(&f->m, &c);
	s.acts = ex_of(0);
	s.lib = !c.__reserved && !c.node_id ? lib_detach : NULL;
	if (fz_do(f, &s) || !s.applies)
		return;
	contract_pasid_key(d, c.flags & IOASID_ATTACH_PASID, c.pasid, &key);
	model_detach(&f->m, d, key);
}

/* DMA and TRANSLATE -------------------------------------------------------------------- */

/*
 * EXEC (a kind of read; with WRITE, now and then, for EINVAL) and PRIV:
 * kernel-managed levels treat them as the read or write they are.
 */
static uint32_t pick_exec_priv(struct fz *f, bool write)
{
	uint32_t flags = pct(f, 15) ? IOASID_DMA_PRIV : 0;

	if (write ? pct(f, 1) : pct(f, 15))
		flags |= IOASID_DMA_EXEC;
	return flags;
}

/*
 * An IOVA for an access by @d with @flags/@pasid: mostly in a mapping of
 * the node it is attached to there, and mostly one that translates all the
 * way (then *@prot is its composed permission, else 0).
 */
static uint64_t pick_dma_iova(struct fz *f, struct m_dev *d, uint32_t flags,
			      uint32_t pasid, uint32_t pasid_flag, uint32_t *prot)
{
	unsigned int r = rn(f, 100), tries = pct(f, 85) ? 8 : 1;
	struct m_node *n = NULL;
	struct m_att *att;
	struct m_walk w;
	uint64_t iova = 0;
	uint32_t key;

	*prot = 0;
	if (d && contract_pasid_key(d, flags & pasid_flag, pasid, &key) &&
	    (att = model_att(d, key)))
		n = model_node(&f->m, att->node);
	if (n && n->nmaps && r < 85) {
		while (tries--) {
			struct m_map *map = &n->maps[rn(f, n->nmaps)];

			iova = r < 65 ? map->iova + rn(f, map->len) :
			       map->iova + map->len - 1 - rn(f, 300); /* across its end */
			if (!model_walk(&f->m, n->id, iova, &w)) {
				*prot = w.prot;
				break;
			}
		}
		return iova;
	}
	if (r < 90)
		return pick_iova(f, n, PG) + rn(f, PG);
	if (r < 95)
		return -1 - rn(f, 3 * PG);			/* up to 2^64 - 1 */
	return rnd(f);
}

/* Write or read: mostly what the translation permits. */
static bool pick_write(struct fz *f, uint32_t prot)
{
	if (!prot || pct(f, 20))
		return pct(f, 45);
	if (prot == RW)
		return pct(f, 50);
	return prot == IOASID_MAP_WRITE;
}

#define SEGS	16

/* The model's view of one transfer: where it goes, level by level. */
struct xfer {
	unsigned int nseg;
	uint64_t off[SEGS];	/* byte of the transfer where a segment starts */
	uint64_t len[SEGS];
	struct m_walk w[SEGS];
	uint64_t ok;		/* bytes that translate with the access asked */
};

static void model_xfer(struct fz *f, struct m_dev *d, const struct ioasid_dma *c,
		       struct xfer *t)
{
	uint32_t access = c->flags & IOASID_DMA_WRITE ? IOASID_MAP_WRITE :
							 IOASID_MAP_READ;
	struct m_att *att;
	uint64_t pos = 0, seg;
	uint32_t key;

	t->nseg = 0;
	t->ok = 0;
	if (!d || !contract_pasid_key(d, c->flags & IOASID_DMA_PASID, c->pasid, &key) ||
	    !(att = model_att(d, key)))
		return;
	while (pos < c->length && t->nseg < SEGS) {
		struct m_walk *w = &t->w[t->nseg];

		if (c->iova + pos < c->iova)		/* past 2^64 - 1 */
			break;
		if (model_walk(&f->m, att->node, c->iova + pos, w) ||
		    !(w->prot & access))
			break;
		seg = c->length - pos < w->run ? c->length - pos : w->run;
		t->off[t->nseg] = pos;
		t->len[t->nseg++] = seg;
		pos += seg;
	}
	if (pos < c->length && t->nseg == SEGS)
		fz_abort(f, "model: a DMA of more than %u segments", SEGS);
	t->ok = pos;
}

static int lib_dma(struct fz *f, void *cmd)
{
	struct ioasid_dma *c = cmd;
	uint64_t done = 0;
	int ret;

	if (c->group)	/* (libioasid's ioasid_dma() has no group) */
		return ioctl(f->fd, IOASID_DMA, c) ? -errno : 0;
	ret = ioasid_dma(f->h, c->dev_id, c->flags, c->pasid, c->iova,
			 (void *)(uintptr_t)c->buffer, c->length, &done);
	c->out_done = done;
	return ret;
}

/* Fill @p with a pattern no two calls share, and no two words of it. */
static void pattern(struct fz *f, uint8_t *p, uint64_t len)
{
	uint64_t v = rnd(f), w, i;

	for (i = 0; i + 8 <= len; i += 8) {
		w = v + i * 0x9e3779b97f4a7c15ULL;
		memcpy(p + i, &w, 8);
	}
	for (; i < len; i++)
		p[i] = v >> (i & 7);
}

void op_dma(struct fz *f)
{
	struct ioasid_dma c = { .size = sizeof(c) };
	struct spec s = SPEC(c, "DMA", IOASID_CMD_DMA, IOASID_DMA);
	const uint64_t room = FZ_SCRATCH_PAGES * PG;
	struct m_dev *d;
	struct xfer t;
	uint64_t done, buf_ok, i, off = 0, k, n;
	unsigned int r;
	uint32_t prot;
	int rc;
	bool write, transfer, in_scratch = true;
	uint8_t *user = NULL, *real, *shadow;
	static uint8_t before[FZ_SCRATCH_PAGES * 4096 + 64];

	c.dev_id = pick_busy_dev(f);
	d = model_dev(&f->m, c.dev_id);
	pick_key(f, d, &c.flags, &c.pasid, IOASID_DMA_PASID);
	c.iova = pick_dma_iova(f, d, c.flags, c.pasid, IOASID_DMA_PASID, &prot);
	write = pick_write(f, prot);
	c.flags |= (write ? IOASID_DMA_WRITE : 0) | pick_exec_priv(f, write) |
		   bad_flag(f, 6, 1);
	/*
	 * NOWAIT changes nothing here (no device of this context raises page
	 * requests); RETRY names a group this device never raised (ESTALE); a
	 * group without RETRY is EINVAL.
	 */
	if (pct(f, 10))
		c.flags |= IOASID_DMA_NOWAIT;
	if (pct(f, 2)) {
		c.flags |= IOASID_DMA_RETRY;
		c.group = pct(f, 80) ? 1 + rn(f, 100) : 0;
	} else if (pct(f, 1)) {
		c.group = 1 + rn(f, 100);
	}
	c.out_group = rnd(f);
	r = rn(f, 100);
	c.length = r < 40 ? 1 + rn(f, 64) : r < 80 ? 1 + rn(f, 2 * PG) :
		   r < 97 ? 1 + rn(f, 4 * PG) : r < 99 ? 0 : room;
	/* The user buffer: the scratch pages, sometimes running into a guard. */
	r = rn(f, 100);
	if (r < 93) {
		off = c.length < room ? rn(f, room - c.length + 1) : 0;
		buf_ok = room - off;
	} else if (r < 97) {
		off = c.length < room ? room - rn(f, c.length + 1) : 0;
		buf_ok = room - off;
	} else {
		in_scratch = false;
		buf_ok = 0;
		c.buffer = pct(f, 50) ? 0 : 0xffff888000000000ULL;
	}
	if (in_scratch) {
		user = f->mem.scratch + off;
		c.buffer = (uintptr_t)user;
		n = buf_ok < c.length + 64 ? buf_ok : c.length + 64;
		pattern(f, user, n);
		memcpy(before, user, n);
	}
	c.out_done = rnd(f);
	model_xfer(f, d, &c, &t);
	s.x = contract_dma(&f->m, &c, t.ok, buf_ok, &done, &transfer);
	s.acts = ex_of(0);
	ex_add(&s.acts, EIO);
	ex_add(&s.acts, EFAULT);
	s.has_out = true;
	s.lib = lib_dma;
	fz_note(f, "model: %llu bytes translate, %llu of the buffer are memory",
		(unsigned long long)t.ok, (unsigned long long)buf_ok);
	rc = fz_do(f, &s);
	if (rc < 0)
		return;
	if (rc == EIO) {
		d->faults++;	/* a failed translation records a fault */
		fz_fault_translation(f, d, c.flags, c.pasid, c.iova + done,
				     c.iova + done < c.iova);
	}
	if (!s.applies || !transfer) {
		done = 0;	/* nothing may have moved */
	} else if (c.out_done != done) {
		fz_fail(f, "out_done %llu, the model says %llu",
			(unsigned long long)c.out_done, (unsigned long long)done);
		return;
	}
	/* No page request: out_group 0, written with out_done (a raw call's). */
	if (s.applies && !s.env.lib && c.out_group && (transfer || rc == ESTALE)) {
		fz_fail(f, "out_group %u without a page request", c.out_group);
		return;
	}
	f->dma_bytes += done;
	f->dma_partial += done && done < c.length;
	/*
	 * The segments: bytes before done moved, none after. A write goes into
	 * the shadow first (in order: where two IOVAs lead to the same byte,
	 * the later one wins), then the real memory must match it.
	 */
	for (k = 0; write && k < t.nseg; k++) {
		uint64_t moved = done > t.off[k] ? done - t.off[k] : 0;

		if (moved > t.len[k])
			moved = t.len[k];
		shadow = shadow_at(f, t.w[k].uaddr, &real);
		if (moved)
			memcpy(shadow, user + t.off[k], moved);
		if (!mark_dirty(f, &t.w[k], moved))
			return;
	}
	for (k = 0; k < t.nseg; k++) {
		uint64_t moved = done > t.off[k] ? done - t.off[k] : 0;
		uint8_t *got = write ? NULL : user + t.off[k];

		if (moved > t.len[k])
			moved = t.len[k];
		shadow = shadow_at(f, t.w[k].uaddr, &real);
		if (write) {
			got = real;
			moved = t.len[k];
		}
		if (!memcmp(got, shadow, moved))
			continue;
		for (i = 0; got[i] == shadow[i]; i++)
			;
		fz_fail(f, "DMA %s: byte %llu of the transfer (IOVA 0x%llx, user "
			"address 0x%llx) is 0x%02x, the model says 0x%02x (out_done %llu)",
			write ? "write" : "read", (unsigned long long)(t.off[k] + i),
			(unsigned long long)(c.iova + t.off[k] + i),
			(unsigned long long)(t.w[k].uaddr + i), got[i], shadow[i],
			(unsigned long long)done);
		return;
	}
	/* The user buffer: a read writes nothing past done, a write nothing at all. */
	if (in_scratch) {
		n = buf_ok < c.length + 64 ? buf_ok : c.length + 64;
		for (i = write ? 0 : done; i < n; i++)
			if (user[i] != before[i]) {
				fz_fail(f, "DMA %s changed byte %llu of the user buffer "
					"(out_done %llu)", write ? "write" : "read",
					(unsigned long long)i, (unsigned long long)done);
				return;
			}
	}
}

static int lib_translate(struct fz *f, void *cmd)
{
	struct ioasid_translate *c = cmd, res;
	int ret;

	ret = ioasid_translate(f->h, c->dev_id, c->flags, c->pasid, c->iova, &res);
	if (!ret) {
		c->out_uaddr = res.out_uaddr;
		c->out_length = res.out_length;
		c->out_prot = res.out_prot;
		c->out_generation = res.out_generation;
	}
	return ret;
}

void op_translate(struct fz *f)
{
	struct ioasid_translate c = { .size = sizeof(c) };
	struct spec s = SPEC(c, "TRANSLATE", IOASID_CMD_TRANSLATE,
			     IOASID_TRANSLATE);
	struct m_walk w;
	struct m_dev *d;
	uint64_t most;
	uint32_t key = 0, prot, want;
	bool ok, write;
	int rc;

	c.dev_id = pick_busy_dev(f);
	d = model_dev(&f->m, c.dev_id);
	pick_key(f, d, &c.flags, &c.pasid, IOASID_DMA_PASID);
	c.iova = pick_dma_iova(f, d, c.flags, c.pasid, IOASID_DMA_PASID, &prot);
	write = pick_write(f, prot);
	c.flags |= (write ? IOASID_DMA_WRITE : 0) | pick_exec_priv(f, write) |
		   bad_flag(f, 4, 1);
	c.__reserved = pct(f, 1);
	s.x = contract_translate(&f->m, &c, &w, &ok);
	s.acts = ex_of(0);
	s.has_out = true;
	s.lib = !c.__reserved ? lib_translate : NULL;
	rc = fz_do(f, &s);
	if (rc < 0)
		return;
	if (rc == EIO) {
		d->faults++;	/* a failed translation records a fault */
		fz_fault_translation(f, d, c.flags, c.pasid, c.iova, false);
	}
	if (rc || !s.applies)
		return;
	most = model_linear_extent(&f->m, w.node[0], c.iova, &w);
	/*
	 * Kernel-managed levels grant EXEC wherever they grant READ, to
	 * requests of either privilege: PRIV is never in the answer.
	 */
	want = w.prot | (w.prot & IOASID_ACCESS_READ ? IOASID_ACCESS_EXEC : 0);
	if (c.out_uaddr != w.uaddr || c.out_prot != want || !c.out_length ||
	    c.out_length > most) {
		fz_fail(f, "TRANSLATE: uaddr 0x%llx prot %u length 0x%llx; the model "
			"says uaddr 0x%llx prot %u, at most 0x%llx linear bytes",
			(unsigned long long)c.out_uaddr, c.out_prot,
			(unsigned long long)c.out_length,
			(unsigned long long)w.uaddr, want,
			(unsigned long long)most);
		return;
	}
	if (!dev_check_gen(f, d, c.out_generation, "TRANSLATE"))
		return;
	if (c.flags & IOASID_DMA_WRITE && !mark_dirty(f, &w, c.out_length))
		return;
	contract_pasid_key(d, c.flags & IOASID_DMA_PASID, c.pasid, &key);
	model_save_xlate(d, key, c.out_generation, &w, c.out_length);
}

/* Dirty tracking ------------------------------------------------------------------------ */

static int lib_dirty_tracking(struct fz *f, void *cmd)
{
	struct ioasid_dirty_tracking *c = cmd;

	return ioasid_set_dirty_tracking(f->h, c->id, c->flags & IOASID_DIRTY_ENABLE);
}

static void op_dirty_tracking_of(struct fz *f, uint32_t id, bool on)
{
	struct ioasid_dirty_tracking c = { .size = sizeof(c), .id = id };
	struct spec s = SPEC(c, "DIRTY_TRACKING", IOASID_CMD_DIRTY_TRACKING,
			     IOASID_DIRTY_TRACKING);

	c.flags = (on ? IOASID_DIRTY_ENABLE : 0) | bad_flag(f, 1, 2);
	c.__reserved = pct(f, 1);
	s.x = contract_dirty_tracking(&f->m, &c);
	s.acts = ex_of(0);
	s.lib = !c.__reserved && !(c.flags & ~IOASID_DIRTY_ENABLE) ?
		lib_dirty_tracking : NULL;
	if (fz_do(f, &s) || !s.applies)
		return;
	model_set_tracking(&f->m, model_node(&f->m, id), on);
}

void op_dirty_tracking(struct fz *f)
{
	struct model *m = &f->m;
	unsigned int i;

	/* Keep the model's records bounded: forget a node that has many. */
	for (i = 0; i < m->nnodes; i++)
		if (m->nodes[i].ndirty > M_MAX_DIRTY / 2)
			return op_dirty_tracking_of(f, m->nodes[i].id, false);
	op_dirty_tracking_of(f, pick_node(f, 5), pct(f, 65));
}

static int lib_dirty_bitmap(struct fz *f, void *cmd)
{
	struct ioasid_dirty_bitmap *c = cmd;

	return ioasid_dirty_bitmap(f->h, c->id, c->iova, c->length, c->page_size,
				   (void *)(uintptr_t)c->data, c->flags);
}

void op_dirty_bitmap(struct fz *f)
{
	struct ioasid_dirty_bitmap c = { .size = sizeof(c) };
	struct spec s = SPEC(c, "DIRTY_BITMAP", IOASID_CMD_DIRTY_BITMAP,
			     IOASID_DIRTY_BITMAP);
	static const uint64_t sizes[] = { PG, PG, PG, PG, 2 * PG, 16 * PG, 512 * PG };
	uint64_t *bits = (void *)f->mem.aux, nbits, words, i, page;
	struct model *m = &f->m;
	struct m_node *n = NULL;
	unsigned int r = rn(f, 100), k;
	bool data_ok = true, ps_ok;

	for (i = 0, k = rn(f, m->nnodes ? m->nnodes : 1); i < m->nnodes && pct(f, 85);
	     i++, k = (k + 1) % m->nnodes)
		if (m->nodes[k].tracking) {
			n = &m->nodes[k];
			break;
		}
	c.id = n ? n->id : pick_node(f, 10);
	n = model_node(m, c.id);
	c.page_size = pct(f, 94) ? sizes[rn(f, 7)] :
		      (uint64_t[]){ 0, 3 * PG, PG / 2, 1ULL << 63, PG + 8 }[rn(f, 5)];
	nbits = r < 60 ? 1 + rn(f, 128) : r < 95 ? 1 + rn(f, 1024) : 4096;
	c.length = nbits * c.page_size;
	r = rn(f, 100);
	if (r < 50 && n && n->nmaps)
		c.iova = n->maps[rn(f, n->nmaps)].iova;
	else if (r < 65 && n && n->ndirty)
		c.iova = n->dirty[rn(f, n->ndirty)] * PG;
	else if (r < 95)
		c.iova = rn(f, WIN_PAGES) * PG;
	else
		c.iova = -c.length;
	if (c.page_size && !(c.page_size & (c.page_size - 1)))
		c.iova &= ~(c.page_size - 1);
	c.iova = skew(f, c.iova, 2);
	c.length = skew(f, c.length, 1);
	c.flags = (pct(f, 30) ? IOASID_DIRTY_NO_CLEAR : 0) | bad_flag(f, 2, 1);
	c.__reserved = pct(f, 1);
	/* The bitmap as the kernel will size it: it must fit in the aux pages. */
	ps_ok = c.page_size && !(c.page_size & (c.page_size - 1));
	nbits = ps_ok ? c.length / c.page_size : 0;
	words = (nbits + 63) / 64;
	r = rn(f, 100);
	if (r < 94) {
		c.data = (uintptr_t)bits;
		data_ok = words * 8 <= FZ_AUX_PAGES * PG;
		if (words * 8 + 64 <= FZ_AUX_PAGES * PG)
			memset(bits, CANARY, words * 8 + 64);
	} else if (r < 97) {
		c.data = 0;
		data_ok = false;
	} else {
		c.data = (uintptr_t)(f->mem.aux + FZ_AUX_PAGES * PG - 8);
		data_ok = words <= 1;
	}
	s.x = contract_dirty_bitmap(m, &c, data_ok);
	s.acts = ex_of(0);
	s.lib = !c.__reserved && !(c.flags & ~IOASID_DIRTY_NO_CLEAR) && c.data ?
		lib_dirty_bitmap : NULL;
	if (fz_do(f, &s) || !s.applies)
		return;
	if (c.data == (uintptr_t)bits) {
		/* Bit k: a page of the k-th block was written. */
		static uint64_t want[FZ_AUX_PAGES * 4096 / 8];

		memset(want, 0, words * 8);
		for (k = 0; k < n->ndirty; k++) {
			page = n->dirty[k] * PG;
			if (page - c.iova < c.length)
				want[(page - c.iova) / c.page_size / 64] |=
					1ULL << ((page - c.iova) / c.page_size % 64);
		}
		/* A PCI device's writes: every writably mapped page. */
		for (k = 0; n->hw_writes && k < n->nmaps; k++) {
			const struct m_map *mp = &n->maps[k];

			uint64_t lo, hi, b;

			if (!(mp->prot & IOASID_MAP_WRITE) ||
			    !range_overlap(mp->iova, mp->len, c.iova, c.length))
				continue;
			/* [lo, hi]: the bytes of the read the mapping covers */
			lo = mp->iova > c.iova ? mp->iova - c.iova : 0;
			hi = mp->iova + (mp->len - 1) - c.iova;
			if (hi > c.length - 1)
				hi = c.length - 1;
			for (b = lo / c.page_size; b <= hi / c.page_size; b++)
				want[b / 64] |= 1ULL << (b % 64);
		}
		for (i = 0; i < words; i++)
			if (bits[i] != want[i]) {
				fz_fail(f, "DIRTY_BITMAP word %llu is 0x%016llx, the model "
					"says 0x%016llx", (unsigned long long)i,
					(unsigned long long)bits[i],
					(unsigned long long)want[i]);
				return;
			}
		for (i = 0; i < 64; i++)
			if (((uint8_t *)&bits[words])[i] != CANARY) {
				fz_fail(f, "DIRTY_BITMAP wrote past its %llu words",
					(unsigned long long)words);
				return;
			}
	}
	if (!(c.flags & IOASID_DIRTY_NO_CLEAR))
		model_clear_dirty(m, n, c.iova, c.length);
}

/*
 * Paranoid mode (-p): after every operation, read (without clearing) the
 * dirty state of the low IOVA window of every tracking node and compare it
 * with the model. Outside the operation stream: it draws nothing from the
 * PRNG, so the run is the same one, only checked more often.
 */
void fz_paranoid(struct fz *f)
{
	static uint64_t bits[WIN_PAGES * 4 / 64];
	struct ioasid_dirty_bitmap c = { .size = sizeof(c),
					 .flags = IOASID_DIRTY_NO_CLEAR,
					 .length = sizeof(bits) * 8 * PG,
					 .page_size = PG };
	unsigned int i, k;

	for (i = 0; i < f->m.nnodes; i++) {
		struct m_node *n = &f->m.nodes[i];

		if (!n->tracking)
			continue;
		c.id = n->id;
		c.data = (uintptr_t)bits;
		if (ioctl(f->fd, IOASID_DIRTY_BITMAP, &c)) {
			fz_fail(f, "paranoid: DIRTY_BITMAP of node %u: %s", n->id,
				fz_errname(errno));
			return;
		}
		for (k = 0; k < sizeof(bits) * 8; k++)
			if (!!(bits[k / 64] & (1ULL << (k % 64))) !=
			    (model_is_dirty(n, k) || model_hw_dirty(n, k))) {
				fz_fail(f, "paranoid: page 0x%llx of node %u is %s, the "
					"model says %s", (unsigned long long)k * PG, n->id,
					bits[k / 64] & (1ULL << (k % 64)) ? "dirty" : "clean",
					model_is_dirty(n, k) || model_hw_dirty(n, k) ?
					"dirty" : "clean");
				return;
			}
	}
}
