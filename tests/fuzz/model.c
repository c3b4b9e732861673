// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace model of one context (see model.h). Plain arrays and linear
 * scans: the fuzzer keeps every node, device and node's mapping count
 * small, so that collisions are frequent and the model stays cheap.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ioasid.h>

#include "model.h"

void model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
}

void model_reset(struct model *m)
{
	m->nqueues = 0;
	m->nnodes = 0;
	m->ndevs = 0;
	m->account_mode = IOASID_ACCOUNT_USER;
	m->ndead = 0;
	m->max_id = 0;
	memset(m->pin_refs, 0, sizeof(m->pin_refs));
}

/* Pinned pages ------------------------------------------------------------- */

static void pin_put(struct model *m, uint32_t pin)
{
	if (pin)
		m->pin_refs[pin - 1]--;
}

/* The module-wide total for this context: each MAP's pages once. */
uint64_t model_pinned_bytes(const struct model *m)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < M_MAX_PINS; i++)
		if (m->pin_refs[i])
			sum += m->pin_len[i];
	return sum;
}

unsigned int model_num_mappings(const struct model *m)
{
	unsigned int i, sum = 0;

	for (i = 0; i < m->nnodes; i++)
		sum += m->nodes[i].nmaps;
	return sum;
}

struct m_node *model_node(struct model *m, uint32_t id)
{
	unsigned int i;

	for (i = 0; id && i < m->nnodes; i++)
		if (m->nodes[i].id == id)
			return &m->nodes[i];
	return NULL;
}

struct m_dev *model_dev(struct model *m, uint32_t id)
{
	unsigned int i;

	for (i = 0; id && i < m->ndevs; i++)
		if (m->devs[i].id == id)
			return &m->devs[i];
	return NULL;
}

bool model_id_live(const struct model *m, uint32_t id)
{
	return model_node((struct model *)m, id) || model_dev((struct model *)m, id) ||
	       model_queue((struct model *)m, id);
}

/* Fault queues ---------------------------------------------------------------- */

static void note_id(struct model *m, uint32_t id);

/* A live queue object. */
struct m_queue *model_queue(struct model *m, uint32_t id)
{
	unsigned int i;

	for (i = 0; id && i < m->nqueues; i++)
		if (m->queues[i].id == id)
			return &m->queues[i];
	return NULL;
}

/* Nodes that name queue @id. */
unsigned int model_queue_nodes(const struct model *m, uint32_t id)
{
	unsigned int i, n = 0;

	for (i = 0; i < m->nnodes; i++)
		n += id && m->nodes[i].fault_queue == id;
	return n;
}

struct m_queue *model_add_queue(struct model *m, uint32_t id, int fd,
				uint32_t flags, uint32_t depth, uint32_t timeout_ms)
{
	struct m_queue *q = &m->queues[m->nqueues++];

	memset(q, 0, offsetof(struct m_queue, recs));
	q->id = id;
	q->fd = fd;
	q->cloexec = flags & IOASID_FAULT_QUEUE_CLOEXEC;
	q->nonblock = flags & IOASID_FAULT_QUEUE_NONBLOCK;
	q->depth = depth;
	q->timeout_ms = timeout_ms;
	q->next_seq = 1;
	note_id(m, id);
	return q;
}

/* Neither object nor fd is left. */
void model_queue_forget(struct model *m, struct m_queue *q)
{
	unsigned int i = q - m->queues;

	if (i != --m->nqueues)
		memcpy(q, &m->queues[m->nqueues], sizeof(*q));
}

/*
 * A record raised for @q: the next sequence number, kept if there is room
 * (true), else dropped and counted.
 */
bool model_queue_push(struct m_queue *q, const struct m_rec *r)
{
	struct m_rec *slot;

	if (q->closed || q->count == q->depth) {
		q->next_seq++;
		q->overflow++;
		return false;
	}
	slot = &q->recs[(q->head + q->count++) % M_MAX_RECS];
	*slot = *r;
	slot->seq = q->next_seq++;
	return true;
}

/* Pages of the context are pinned: some root has a mapping. */
bool model_any_pinned(const struct model *m)
{
	unsigned int i;

	for (i = 0; i < m->nnodes; i++)
		if (!m->nodes[i].parent && m->nodes[i].nmaps)
			return true;
	return false;
}

/* Mappings and reservations -------------------------------------------- */

struct m_map *model_map_at(struct m_node *n, uint64_t iova)
{
	unsigned int lo = 0, hi = n->nmaps;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		struct m_map *map = &n->maps[mid];

		if (iova < map->iova)
			hi = mid;
		else if (iova - map->iova >= map->len)
			lo = mid + 1;
		else
			return map;
	}
	return NULL;
}

bool model_overlaps_map(const struct m_node *n, uint64_t iova, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < n->nmaps; i++)
		if (range_overlap(n->maps[i].iova, n->maps[i].len, iova, len))
			return true;
	return false;
}

bool model_overlaps_res(const struct m_node *n, uint64_t iova, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < n->nres; i++)
		if (range_overlap(n->res[i].iova, n->res[i].len, iova, len))
			return true;
	for (i = 0; i < n->ndres; i++)
		if (range_overlap(n->dres[i].iova, n->dres[i].len, iova, len))
			return true;
	return false;
}

uint64_t model_mapped_bytes(const struct m_node *n)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < n->nmaps; i++)
		sum += n->maps[i].len;
	return sum;
}

struct span {
	uint64_t first, last;
};

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/*
 * Walk the gaps left by @spans (sorted, may overlap) in [0, 2^64 - 1],
 * calling @fn on each until it returns true.
 */
static bool for_each_gap(struct span *spans, unsigned int n,
			 bool (*fn)(uint64_t first, uint64_t last, void *arg),
			 void *arg)
{
	uint64_t cursor = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (spans[i].first > cursor && fn(cursor, spans[i].first - 1, arg))
			return true;
		if (spans[i].last == UINT64_MAX)
			return false;
		if (spans[i].last + 1 > cursor)
			cursor = spans[i].last + 1;
	}
	return fn(cursor, UINT64_MAX, arg);
}

struct fit {
	uint64_t len, align, iova;
};

static bool gap_fits(uint64_t first, uint64_t last, void *arg)
{
	struct fit *fit = arg;
	uint64_t start;

	if (first > UINT64_MAX - (fit->align - 1))
		return false;
	start = (first + fit->align - 1) & ~(fit->align - 1);
	if (!start)
		start = fit->align;	/* a kernel-chosen IOVA is never 0 */
	if (start < first || start > last || last - start < fit->len - 1)
		return false;
	fit->iova = start;
	return true;
}

/*
 * Is there an IOVA range of @len at a multiple of @align, not 0, clear of
 * mappings and reservations? 0 and the lowest such IOVA if so, else -1.
 */
int model_find_free(const struct m_node *n, uint64_t len, uint64_t align,
		    uint64_t *iova)
{
	struct span spans[M_MAX_MAPS + M_MAX_RES + M_MAX_DRES];
	struct fit fit = { .len = len, .align = align };
	unsigned int i, k = 0;

	for (i = 0; i < n->nmaps; i++)
		spans[k++] = (struct span){ n->maps[i].iova,
					    n->maps[i].iova + n->maps[i].len - 1 };
	for (i = 0; i < n->nres; i++)
		spans[k++] = (struct span){ n->res[i].iova,
					    n->res[i].iova + n->res[i].len - 1 };
	for (i = 0; i < n->ndres; i++)
		spans[k++] = (struct span){ n->dres[i].iova,
					    n->dres[i].iova + n->dres[i].len - 1 };
	qsort(spans, k, sizeof(spans[0]), span_cmp);
	if (!for_each_gap(spans, k, gap_fits, &fit))
		return -1;
	*iova = fit.iova;
	return 0;
}

/* How a kernel-chosen IOVA must be aligned for a source address. */
uint64_t model_align_for(const struct model *m, uint64_t src)
{
	uint64_t low = src & -src;

	return !low || low > m->max_align ? m->max_align : low;
}

struct gaps {
	uint64_t *starts, *lasts;
	unsigned int n, max;
};

static bool gap_collect(uint64_t first, uint64_t last, void *arg)
{
	struct gaps *g = arg;

	if (g->n < g->max) {
		g->starts[g->n] = first;
		g->lasts[g->n] = last;
	}
	g->n++;
	return false;
}

/* IOVA_RANGES: the node's space less its reservations; returns the count. */
unsigned int model_iova_ranges(const struct m_node *n, uint64_t *starts,
			       uint64_t *lasts, unsigned int max)
{
	struct span spans[M_MAX_RES + M_MAX_DRES];
	struct gaps g = { starts, lasts, 0, max };
	unsigned int i, k = 0;

	for (i = 0; i < n->nres; i++)
		spans[k++] = (struct span){ n->res[i].iova,
					    n->res[i].iova + n->res[i].len - 1 };
	for (i = 0; i < n->ndres; i++)
		spans[k++] = (struct span){ n->dres[i].iova,
					    n->dres[i].iova + n->dres[i].len - 1 };
	qsort(spans, k, sizeof(spans[0]), span_cmp);
	for_each_gap(spans, k, gap_collect, &g);
	return g.n;
}

/* Translation ------------------------------------------------------------ */

int model_walk(struct model *m, uint32_t node, uint64_t iova, struct m_walk *w)
{
	uint64_t addr = iova, off, rem;
	unsigned int lv = 0;
	struct m_node *n;
	struct m_map *map;

	w->run = UINT64_MAX;
	w->prot = IOASID_MAP_READ | IOASID_MAP_WRITE;
	w->fault_level = -1;
	while ((n = model_node(m, node)) && lv < M_MAX_LEVELS) {
		w->node[lv] = node;
		w->addr[lv] = addr;
		map = model_map_at(n, addr);
		if (!map) {
			w->fault_level = lv;
			w->nlv = lv + 1;
			return -1;
		}
		off = addr - map->iova;
		rem = map->len - off;
		if (rem < w->run)
			w->run = rem;
		w->prot &= map->prot;
		lv++;
		if (!n->parent) {
			w->uaddr = map->src + off;
			w->nlv = lv;
			return 0;
		}
		addr = map->src + off;
		node = n->parent;
	}
	w->fault_level = lv;	/* not reached: the tree is consistent */
	w->nlv = lv;
	return -1;
}

/*
 * Bytes from @iova on (translated as @w0) that stay valid, linear at
 * w0->uaddr and of the same permissions: the most TRANSLATE may return.
 */
uint64_t model_linear_extent(struct model *m, uint32_t node, uint64_t iova,
			     const struct m_walk *w0)
{
	uint64_t total = w0->run;
	struct m_walk w;

	while (iova + total > iova &&
	       !model_walk(m, node, iova + total, &w) &&
	       w.prot == w0->prot && w.uaddr == w0->uaddr + total)
		total += w.run;
	return total;
}

/* Objects ------------------------------------------------------------------ */

static void note_id(struct model *m, uint32_t id)
{
	if (id > m->max_id)
		m->max_id = id;
}

void model_add_node(struct model *m, uint32_t id, uint32_t parent)
{
	struct m_node *p = model_node(m, parent);
	struct m_node *n = &m->nodes[m->nnodes++];

	n->id = id;
	n->parent = parent;
	n->mode = IOASID_MODE_KERNEL_MANAGED;
	memset(&n->fmt, 0, sizeof(n->fmt));
	n->caching = false;
	n->pri_auto_invalid = false;
	n->fault_queue = 0;
	n->bound = false;
	n->root = 0;
	n->root1 = 0;
	n->bind_flags = 0;
	n->depth = p ? p->depth + 1 : 1;
	n->nchildren = 0;
	n->nattached = 0;
	n->tracking = false;
	n->nmaps = 0;
	n->nres = 0;
	n->ndres = 0;
	n->hw_groups = 0;
	n->hw_writes = false;
	n->ndirty = 0;
	if (p)
		p->nchildren++;
	note_id(m, id);
}

void model_add_user_node(struct model *m, uint32_t id, uint32_t parent,
			 const struct m_format *fmt, bool caching)
{
	struct m_node *n;

	model_add_node(m, id, parent);
	n = model_node(m, id);
	n->mode = IOASID_MODE_USER_MANAGED;
	n->fmt = *fmt;
	n->caching = caching;
}

/*
 * The node or one of its ancestors is user-managed: what translates through
 * it depends on tables in the fuzzer's memory, which the model does not
 * walk, so the fuzzer attaches no device there.
 */
bool model_in_user_tree(struct model *m, uint32_t id)
{
	struct m_node *n;

	while ((n = model_node(m, id))) {
		if (n->mode == IOASID_MODE_USER_MANAGED)
			return true;
		id = n->parent;
	}
	return false;
}

void model_add_dev(struct model *m, uint32_t id, uint32_t flags,
		   uint32_t pasid_bits)
{
	struct m_dev *d = &m->devs[m->ndevs++];

	memset(d, 0, sizeof(*d));
	d->id = id;
	d->flags = flags;
	d->pasid_bits = pasid_bits;
	note_id(m, id);
}

void model_destroy(struct model *m, uint32_t id)
{
	struct m_node *n = model_node(m, id), *p;
	struct m_dev *d = model_dev(m, id);

	if (n) {
		unsigned int i;

		for (i = 0; i < n->nmaps; i++)
			pin_put(m, n->maps[i].pin);
		p = model_node(m, n->parent);
		if (p)
			p->nchildren--;
		*n = m->nodes[--m->nnodes];
	} else if (d) {
		*d = m->devs[--m->ndevs];
	} else {
		struct m_queue *q = model_queue(m, id);

		/* Its fd stays: it reads what is left. */
		q->id = 0;
		q->closed = true;
		if (q->fd < 0)
			model_queue_forget(m, q);
	}
	m->dead[m->ndead++ % M_DEAD_IDS] = id;
}

/* TRANSLATE results through [iova, iova + len) of @node are now stale. */
static void stale_range(struct model *m, uint32_t node, uint64_t iova,
			uint64_t len)
{
	unsigned int i, j, lv;

	for (i = 0; i < m->ndevs; i++)
		for (j = 0; j < m->devs[i].nx; j++) {
			struct m_xlate *x = &m->devs[i].x[j];

			for (lv = 0; lv < x->nlv; lv++)
				if (x->node[lv] == node &&
				    range_overlap(x->addr[lv], x->len, iova, len))
					x->stale = true;
		}
}

bool model_insert_map(struct model *m, struct m_node *n, uint64_t iova,
		      uint64_t len, uint64_t src, uint32_t prot, uint32_t pin)
{
	unsigned int i = 0;

	if (n->nmaps == M_MAX_MAPS)
		return false;
	if (n->parent) {
		pin = 0;
	} else if (pin == M_NEW_PIN) {
		while (m->pin_refs[i])
			i++;	/* a free one exists: fewer maps than pins */
		m->pin_len[i] = len;
		pin = i + 1;
		i = 0;
	}
	if (pin)
		m->pin_refs[pin - 1]++;
	while (i < n->nmaps && n->maps[i].iova < iova)
		i++;
	memmove(&n->maps[i + 1], &n->maps[i], (n->nmaps - i) * sizeof(n->maps[0]));
	n->maps[i] = (struct m_map){ iova, len, src, prot, pin };
	n->nmaps++;
	return true;
}

/* Remove the mappings inside [iova, iova + len); the caller checked none is split. */
uint64_t model_unmap(struct model *m, struct m_node *n, uint64_t iova,
		     uint64_t len)
{
	uint64_t done = 0;
	unsigned int i = 0;

	while (i < n->nmaps) {
		struct m_map *map = &n->maps[i];

		if (!range_overlap(map->iova, map->len, iova, len)) {
			i++;
			continue;
		}
		stale_range(m, n->id, map->iova, map->len);
		pin_put(m, map->pin);
		done += map->len;
		memmove(map, map + 1, (n->nmaps - i - 1) * sizeof(*map));
		n->nmaps--;
	}
	return done;
}

void model_reserve(struct m_node *n, uint64_t iova, uint64_t len)
{
	n->res[n->nres++] = (struct m_res){ iova, len };
}

void model_unreserve(struct m_node *n, uint64_t iova, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < n->nres; i++)
		if (n->res[i].iova == iova && n->res[i].len == len) {
			n->res[i] = n->res[--n->nres];
			return;
		}
}

/* Attachments ------------------------------------------------------------ */

struct m_att *model_att(struct m_dev *d, uint32_t key)
{
	unsigned int i;

	for (i = 0; i < d->natts; i++)
		if (d->atts[i].key == key)
			return &d->atts[i];
	return NULL;
}

static void stale_key(struct m_dev *d, uint32_t key)
{
	unsigned int j;

	for (j = 0; j < d->nx; j++)
		if (d->x[j].key == key)
			d->x[j].stale = true;
}

void model_attach(struct model *m, struct m_dev *d, uint32_t key,
		  uint32_t node, bool replace)
{
	struct m_att *att = model_att(d, key);
	struct m_node *n;

	if (replace) {
		n = model_node(m, att->node);
		if (n)
			n->nattached--;
		stale_key(d, key);
		att->node = node;
	} else {
		d->atts[d->natts++] = (struct m_att){ key, node };
	}
	n = model_node(m, node);
	n->nattached++;
	if (d->pci) {
		/* The device's reserved ranges; its writes untracked, above too. */
		n->ndres = m->npci_res;
		memcpy(n->dres, m->pci_res, sizeof(n->dres));
		for (; n; n = model_node(m, n->parent)) {
			n->hw_groups++;
			n->hw_writes = true;
		}
	}
}

void model_detach(struct model *m, struct m_dev *d, uint32_t key)
{
	struct m_att *att = model_att(d, key);
	struct m_node *n = model_node(m, att->node);

	if (n)
		n->nattached--;
	if (d->pci && n) {
		n->ndres = 0;
		for (; n; n = model_node(m, n->parent))
			n->hw_groups--;
	}
	stale_key(d, key);
	*att = d->atts[--d->natts];
}

/* Dirty tracking ---------------------------------------------------------- */

void model_set_tracking(struct model *m, struct m_node *n, bool on)
{
	/* Switching forgets; a PCI device still attached keeps it dirty. */
	if (on != n->tracking)
		n->hw_writes = n->hw_groups > 0;
	if (on && !n->tracking) {
		n->ndirty = 0;
		/* Switching on drops the IOTLB entries through the node. */
		stale_range(m, n->id, 0, UINT64_MAX);
		stale_range(m, n->id, UINT64_MAX, 1);
	}
	if (!on)
		n->ndirty = 0;
	n->tracking = on;
}

static unsigned int dirty_pos(const struct m_node *n, uint64_t page)
{
	unsigned int lo = 0, hi = n->ndirty;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (n->dirty[mid] < page)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool model_is_dirty(const struct m_node *n, uint64_t page)
{
	unsigned int i = dirty_pos(n, page);

	return i < n->ndirty && n->dirty[i] == page;
}

/* Record a write of [iova, iova + len) if tracking; false if out of room. */
bool model_mark_dirty(struct m_node *n, uint64_t iova, uint64_t len)
{
	uint64_t page, last;
	unsigned int i;

	if (!n->tracking || !len)
		return true;
	last = (iova + (len - 1)) / M_PAGE;
	for (page = iova / M_PAGE;; page++) {
		i = dirty_pos(n, page);
		if (i == n->ndirty || n->dirty[i] != page) {
			if (n->ndirty == M_MAX_DIRTY)
				return false;
			memmove(&n->dirty[i + 1], &n->dirty[i],
				(n->ndirty - i) * sizeof(n->dirty[0]));
			n->dirty[i] = page;
			n->ndirty++;
		}
		if (page == last)
			return true;
	}
}

/* A clearing DIRTY_BITMAP read of [iova, iova + len). */
void model_clear_dirty(struct model *m, struct m_node *n, uint64_t iova,
		       uint64_t len)
{
	uint64_t first = iova / M_PAGE, last = (iova + (len - 1)) / M_PAGE;
	unsigned int i = dirty_pos(n, first), j = i;

	while (j < n->ndirty && n->dirty[j] <= last)
		j++;
	memmove(&n->dirty[i], &n->dirty[j], (n->ndirty - j) * sizeof(n->dirty[0]));
	n->ndirty -= j - i;
	/* It drops the IOTLB entries through the range. */
	stale_range(m, n->id, iova, len);
}

void model_save_xlate(struct m_dev *d, uint32_t key, uint64_t gen,
		      const struct m_walk *w, uint64_t len)
{
	struct m_xlate *x;
	unsigned int lv;

	if (d->nx == M_MAX_XLATE) {
		memmove(&d->x[0], &d->x[1], (M_MAX_XLATE - 1) * sizeof(d->x[0]));
		d->nx--;
	}
	x = &d->x[d->nx++];
	x->key = key;
	x->gen = gen;
	x->len = len;
	x->nlv = w->nlv;
	x->stale = false;
	for (lv = 0; lv < w->nlv; lv++) {
		x->node[lv] = w->node[lv];
		x->addr[lv] = w->addr[lv];
	}
}

/*
 * A node that had a PCI device attached (at it or below) since tracking
 * switched reports every page it maps writably dirty (dirty.c).
 */
bool model_hw_dirty(const struct m_node *n, uint64_t page)
{
	unsigned int i;

	if (!n->hw_writes)
		return false;
	for (i = 0; i < n->nmaps; i++)
		if (n->maps[i].prot & IOASID_MAP_WRITE &&
		    page * M_PAGE - n->maps[i].iova < n->maps[i].len)
			return true;
	return false;
}
