// SPDX-License-Identifier: GPL-2.0
/*
 * Software endpoints: emulated devices that do DMA through IOASID trees.
 *
 * An endpoint is attached to a node for DMA without PASID and/or, per
 * PASID, to other nodes. DMA and TRANSLATE go through the endpoint's
 * software IOTLB: one tree of cached translations per attachment, each
 * entry a range of the attached node's IOVAs that translates linearly to a
 * range of pinned pages, with the permissions of every level composed.
 *
 * An entry's range never crosses a mapping at any level, so it depends on
 * exactly one mapping per node it translated through, and it is linked into
 * each of those mappings' @deps list: a reverse map. An UNMAP at any level
 * takes every mapping it removes off its tree anyway; it drops the entries
 * on that mapping's list first, before it unpins anything (node.c calls
 * ioasid_iotlb_invalidate() under the node's write lock). The cost is the
 * entries removed, with no search: the size of any cache does not enter.
 *
 * Locking: ictx->iotlb_lock (an rw_semaphore) guards attachments, entries
 * and the @deps lists, and is taken after node locks. A DMA chunk that hits
 * copies under its read side; a miss drops it, read-locks the node chain,
 * walks, and inserts under its write side, so an UNMAP (node write lock,
 * then iotlb_lock for writing) waits for every transfer through what it
 * removes.
 */
#include <linux/interval_tree.h>
#include <linux/pagemap.h>
#include <linux/rbtree.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include "ioasid_private.h"

/* Most bytes one DMA copy moves under iotlb_lock: bounds what UNMAP waits for. */
#define IOASID_DMA_CHUNK	SZ_2M
#define IOASID_FAULT_LOG_LEN	256

/* A translation fault, kept until the fault queue delivers it. */
struct ioasid_fault {
	u32 dev_id;
	u32 pasid;
	bool has_pasid;
	u8 access;	/* enum ioasid_access */
	u8 reason;	/* enum ioasid_fault_reason */
	u8 level;	/* the table level in @node_id, 0 for kernel-managed */
	u32 node_id;	/* where translation stopped; 0: not attached */
	u64 addr;
};

struct ioasid_fault_log {
	spinlock_t lock;	/* the fields below */
	unsigned int head;
	unsigned int count;
	u64 overflow;
	struct ioasid_fault faults[IOASID_FAULT_LOG_LEN];
};

struct ioasid_endpoint {
	struct ioasid_object obj;
	struct ioasid_ctx *ictx;
	u32 flags;
	u32 pasid_bits;
	struct xarray atts;	/* by PASID, IOASID_NO_PASID; iotlb_lock */
	unsigned int num_atts;	/* ictx->objects' xa_lock */
	atomic64_t generation;
	atomic64_t entries;
	atomic64_t hits;
	atomic64_t misses;
	atomic64_t faults;
	struct ioasid_fault last_fault;	/* ictx->faults->lock */
};

struct ioasid_attachment {
	struct ioasid_endpoint *ep;
	struct ioasid_node *node;
	unsigned long key;		/* the PASID, or IOASID_NO_PASID */
	struct rb_root iotlb;		/* struct ioasid_iotlb_entry by @start */
	struct list_head ctx_item;	/* in ictx->attachment_list; iotlb_lock */
};

/*
 * An entry's place at one node it depends on: in the @deps list of the
 * mapping it used (kernel-managed) or in the node's @user_deps tree
 * (user-managed), for the range of the node's addresses it used: the
 * entry's data, or a table page its walk read.
 */
struct ioasid_iotlb_link {
	union {
		struct hlist_node list;
		struct interval_tree_node it;
	};
	struct ioasid_node *node;
	unsigned long start;		/* @node's addresses used */
	unsigned long last;
	struct ioasid_iotlb_entry *entry;
	bool table;			/* a table page, not the data */
};

struct ioasid_iotlb_entry {
	struct rb_node rb;		/* in the attachment's @iotlb */
	unsigned long start;		/* the range of the attached node */
	unsigned long last;
	struct ioasid_attachment *att;
	struct ioasid_pages *pages;
	unsigned long index;		/* user page number in @pages of @start */
	u32 perm;			/* IOASID_PT_* */
	struct list_head doomed;	/* empty, or on an invalidation's list */
	u32 nlinks;
	struct ioasid_iotlb_link links[];	/* in the order the walk used them */
};

/* Faults ---------------------------------------------------------------------- */

int ioasid_fault_log_init(struct ioasid_ctx *ictx)
{
	ictx->faults = kzalloc(sizeof(*ictx->faults), GFP_KERNEL_ACCOUNT);
	if (!ictx->faults)
		return -ENOMEM;
	spin_lock_init(&ictx->faults->lock);
	return 0;
}

void ioasid_fault_log_free(struct ioasid_ctx *ictx)
{
	kfree(ictx->faults);
}

static void ioasid_record_fault(struct ioasid_endpoint *ep, u32 flags,
				u32 pasid, u64 addr, u32 access,
				const struct ioasid_fault *where)
{
	struct ioasid_fault_log *log = ep->ictx->faults;
	struct ioasid_fault f = *where;

	f.dev_id = ep->obj.id;
	f.has_pasid = flags & IOASID_DMA_PASID;
	f.pasid = pasid;
	f.addr = addr;
	f.access = access;
	atomic64_inc(&ep->faults);
	spin_lock(&log->lock);
	ep->last_fault = f;
	if (log->count == IOASID_FAULT_LOG_LEN)
		log->overflow++;	/* the oldest are kept; newer are counted */
	else
		log->faults[(log->head + log->count++) % IOASID_FAULT_LOG_LEN] = f;
	spin_unlock(&log->lock);
}

/* Objects ---------------------------------------------------------------------- */

static struct ioasid_endpoint *ioasid_endpoint_get(struct ioasid_ctx *ictx, u32 id)
{
	struct ioasid_object *obj = ioasid_object_get(ictx, id, IOASID_OBJ_DEVICE);

	return IS_ERR(obj) ? ERR_CAST(obj) :
	       container_of(obj, struct ioasid_endpoint, obj);
}

int ioasid_device_create(struct ioasid_ucmd *ucmd)
{
	struct ioasid_device_create *cmd = ucmd->cmd;
	struct ioasid_ctx *ictx = ucmd->ictx;
	struct ioasid_endpoint *ep;
	int rc;

	if (cmd->flags & ~(IOASID_DEVICE_PASID | IOASID_DEVICE_PRI))
		return -EOPNOTSUPP;
	if (cmd->flags & IOASID_DEVICE_PASID ?
	    !cmd->pasid_bits || cmd->pasid_bits > IOASID_MAX_PASID_BITS :
	    cmd->pasid_bits)
		return -EINVAL;

	ep = kzalloc(sizeof(*ep), GFP_KERNEL_ACCOUNT);
	if (!ep)
		return -ENOMEM;
	ep->obj.type = IOASID_OBJ_DEVICE;
	ep->ictx = ictx;
	ep->flags = cmd->flags;
	ep->pasid_bits = cmd->pasid_bits;
	xa_init(&ep->atts);

	rc = ioasid_object_reserve(ictx, &ep->obj);
	if (rc)
		goto out_free;
	cmd->out_id = ep->obj.id;
	rc = ioasid_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_abort;
	xa_lock(&ictx->objects);
	ioasid_object_publish_locked(ictx, &ep->obj);
	xa_unlock(&ictx->objects);
	return 0;

out_abort:
	ioasid_object_abort(ictx, &ep->obj);
out_free:
	kfree(ep);
	return rc;
}

/* An endpoint with no ioctl in flight and nothing attached may go. */
int ioasid_endpoint_unpublish_locked(struct ioasid_ctx *ictx,
				     struct ioasid_object *obj)
{
	struct ioasid_endpoint *ep = container_of(obj, struct ioasid_endpoint, obj);

	lockdep_assert_held(&ictx->objects.xa_lock);
	if (refcount_read(&ep->obj.users) != 1 || ep->num_atts)
		return -EBUSY;
	__xa_erase(&ictx->objects, ep->obj.id);
	return 0;
}

void ioasid_endpoint_free(struct ioasid_object *obj)
{
	struct ioasid_endpoint *ep = container_of(obj, struct ioasid_endpoint, obj);

	xa_destroy(&ep->atts);
	kfree(ep);
}

int ioasid_device_info(struct ioasid_ucmd *ucmd)
{
	struct ioasid_device_info *cmd = ucmd->cmd;
	struct ioasid_endpoint *ep;

	if (cmd->flags)
		return -EOPNOTSUPP;
	ep = ioasid_endpoint_get(ucmd->ictx, cmd->dev_id);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	cmd->out_flags = ep->flags;
	cmd->out_pasid_bits = ep->pasid_bits;
	xa_lock(&ucmd->ictx->objects);
	cmd->out_num_attachments = ep->num_atts;
	xa_unlock(&ucmd->ictx->objects);
	cmd->out_generation = atomic64_read(&ep->generation);
	cmd->out_iotlb_entries = atomic64_read(&ep->entries);
	cmd->out_iotlb_hits = atomic64_read(&ep->hits);
	cmd->out_iotlb_misses = atomic64_read(&ep->misses);
	cmd->out_faults = atomic64_read(&ep->faults);
	spin_lock(&ucmd->ictx->faults->lock);
	cmd->out_last_fault_addr = ep->last_fault.addr;
	cmd->out_last_fault_node = ep->last_fault.node_id;
	cmd->out_last_fault_reason = ep->last_fault.reason;
	cmd->out_last_fault_access = ep->last_fault.access;
	cmd->out_last_fault_level = ep->last_fault.level;
	spin_unlock(&ucmd->ictx->faults->lock);
	ioasid_object_put(&ep->obj);
	return ioasid_ucmd_respond(ucmd, sizeof(*cmd));
}

/* The IOTLB -------------------------------------------------------------------- */

static void ioasid_iotlb_kill(struct ioasid_iotlb_entry *e)
{
	struct ioasid_endpoint *ep = e->att->ep;
	unsigned int i;

	lockdep_assert_held_write(&ep->ictx->iotlb_lock);
	rb_erase(&e->rb, &e->att->iotlb);
	for (i = 0; i < e->nlinks; i++) {
		struct ioasid_iotlb_link *link = &e->links[i];

		if (ioasid_node_is_user(link->node))
			interval_tree_remove(&link->it, &link->node->user_deps);
		else
			hlist_del(&link->list);
		WRITE_ONCE(link->node->num_deps, link->node->num_deps - 1);
	}
	atomic64_dec(&ep->entries);
	atomic64_inc(&ep->generation);
	ep->ictx->iotlb_entries--;
	kfree(e);
}

/*
 * An entry may have several links in one list or tree (its data and a
 * table page in the same mapping, or several table pages): invalidations
 * collect the entries first and kill them after the walk over the links.
 */
static void ioasid_iotlb_doom(struct ioasid_iotlb_entry *e, struct list_head *doomed)
{
	if (list_empty(&e->doomed))
		list_add_tail(&e->doomed, doomed);
}

static void ioasid_iotlb_kill_doomed(struct list_head *doomed)
{
	struct ioasid_iotlb_entry *e, *next;

	list_for_each_entry_safe(e, next, doomed, doomed)
		ioasid_iotlb_kill(e);
}

/**
 * ioasid_iotlb_invalidate() - drop the cached translations through a mapping
 * @node: the mapping's node; its lock is held for writing
 * @deps: the mapping's list of entries
 * @start: first IOVA of @node affected
 * @last: last IOVA of @node affected
 *
 * Drops every entry on @deps that covers any of [@start, @last], whichever
 * device and however far below @node it was made. An UNMAP passes the whole
 * space: the cost is then the entries removed.
 */
void ioasid_iotlb_invalidate(struct ioasid_node *node, struct hlist_head *deps,
			     unsigned long start, unsigned long last)
{
	struct ioasid_iotlb_link *link;
	struct hlist_node *next;
	LIST_HEAD(doomed);

	lockdep_assert_held_write(&node->lock);
	/*
	 * Entries are added only under the read lock of every node they go
	 * through, which the caller excludes: empty now means nothing to do.
	 */
	if (hlist_empty(deps))
		return;
	down_write(&node->ictx->iotlb_lock);
	/* An entry has one link per node: @next is never part of the one killed. */
	hlist_for_each_entry_safe(link, next, deps, list) {
		if (link->start <= last && link->last >= start)
			ioasid_iotlb_doom(link->entry, &doomed);
	}
	ioasid_iotlb_kill_doomed(&doomed);
	up_write(&node->ictx->iotlb_lock);
}

/**
 * ioasid_iotlb_invalidate_user() - drop what is cached through a range of a
 *	user-managed node
 * @node: the node; its lock is held for writing
 * @start: first input address of @node affected
 * @last: last input address affected
 * @key: with !@any_key, only entries of attachments for this PASID (or
 *	IOASID_NO_PASID)
 * @any_key: entries of every attachment
 *
 * Drops every entry whose data went through [@start, @last] of @node, or
 * whose walk read a table page there (of a user-managed node below), for
 * any device attached at or below @node. The cost is the entries looked at
 * in the range, with no search beyond it.
 */
void ioasid_iotlb_invalidate_user(struct ioasid_node *node, unsigned long start,
				  unsigned long last, unsigned long key,
				  bool any_key)
{
	struct interval_tree_node *it;
	struct ioasid_iotlb_link *link;
	LIST_HEAD(doomed);

	lockdep_assert_held_write(&node->lock);
	if (!READ_ONCE(node->num_deps))
		return;
	down_write(&node->ictx->iotlb_lock);
	for (it = interval_tree_iter_first(&node->user_deps, start, last); it;
	     it = interval_tree_iter_next(it, start, last)) {
		link = container_of(it, struct ioasid_iotlb_link, it);
		if (any_key || link->entry->att->key == key)
			ioasid_iotlb_doom(link->entry, &doomed);
	}
	ioasid_iotlb_kill_doomed(&doomed);
	up_write(&node->ictx->iotlb_lock);
}

/* Drop every entry of an attachment (DETACH, REPLACE). */
static void ioasid_iotlb_flush(struct ioasid_attachment *att)
{
	struct rb_node *rb;

	lockdep_assert_held_write(&att->ep->ictx->iotlb_lock);
	while ((rb = rb_first(&att->iotlb)))
		ioasid_iotlb_kill(rb_entry(rb, struct ioasid_iotlb_entry, rb));
}

/*
 * The context's IOTLB is full (its limit): empty it, as a hardware IOTLB
 * flushes on overflow. Each entry was paid for by the miss that made it, so
 * a flush costs O(1) per miss over time; devices see their generation move.
 */
static void ioasid_iotlb_flush_all(struct ioasid_ctx *ictx)
{
	struct ioasid_attachment *att;

	lockdep_assert_held_write(&ictx->iotlb_lock);
	list_for_each_entry(att, &ictx->attachment_list, ctx_item) {
		ioasid_iotlb_flush(att);
		cond_resched();
	}
}

/*
 * The entry of @att that starts last at or before @iova, or NULL. Entries
 * never overlap, so it is the only one that can cover @iova.
 */
static struct ioasid_iotlb_entry *
ioasid_iotlb_floor(struct ioasid_attachment *att, unsigned long iova)
{
	struct ioasid_iotlb_entry *e, *floor = NULL;
	struct rb_node *rb = att->iotlb.rb_node;

	while (rb) {
		e = rb_entry(rb, struct ioasid_iotlb_entry, rb);
		if (e->start <= iova) {
			floor = e;
			rb = rb->rb_right;
		} else {
			rb = rb->rb_left;
		}
	}
	return floor;
}

/* The entry of @att covering @iova, or NULL. */
static struct ioasid_iotlb_entry *
ioasid_iotlb_find(struct ioasid_attachment *att, unsigned long iova)
{
	struct ioasid_iotlb_entry *e = ioasid_iotlb_floor(att, iova);

	return e && e->last >= iova ? e : NULL;
}

/* Link @e at the node of @dep, for the range of the node's addresses it used. */
static void ioasid_iotlb_link(struct ioasid_iotlb_entry *e, unsigned int i,
			      const struct ioasid_walk_dep *dep,
			      unsigned long shift)
{
	struct ioasid_iotlb_link *link = &e->links[i];

	link->node = dep->node;
	link->entry = e;
	link->table = dep->table;
	if (dep->table) {
		link->start = dep->start;
		link->last = dep->last;
	} else {
		/* The data: the entry's range, at this node's addresses. */
		link->start = dep->start - shift;
		link->last = link->start + (e->last - e->start);
	}
	if (ioasid_node_is_user(dep->node)) {
		link->it.start = link->start;
		link->it.last = link->last;
		interval_tree_insert(&link->it, &dep->node->user_deps);
	} else {
		hlist_add_head(&link->list, dep->deps);
	}
	WRITE_ONCE(dep->node->num_deps, dep->node->num_deps + 1);
}

/*
 * Cache what @walk found at @iova for @att, unless a racing miss already
 * cached an entry that serves the request. Called with the walked chain
 * read-locked and iotlb_lock held for writing.
 */
static struct ioasid_iotlb_entry *
ioasid_iotlb_insert(struct ioasid_attachment *att, unsigned long iova,
		    const struct ioasid_walk *walk)
{
	struct ioasid_iotlb_entry *e, *prev, *next;
	struct rb_node *rb, **link, *parent;
	unsigned int i;

	prev = ioasid_iotlb_floor(att, iova);
	if (prev && prev->last >= iova) {
		if (prev->perm & ioasid_access_need(walk->access))
			return prev;
		/* One that does not (stale, or before A/D): the walk wins. */
		ioasid_iotlb_kill(prev);
		prev = ioasid_iotlb_floor(att, iova);
	}

	e = kzalloc(struct_size(e, links, walk->ndeps), GFP_KERNEL_ACCOUNT);
	if (!e)
		return NULL;
	if (att->ep->ictx->iotlb_entries >= att->ep->ictx->limits.iotlb_entries) {
		ioasid_iotlb_flush_all(att->ep->ictx);
		prev = NULL;
	}
	INIT_LIST_HEAD(&e->doomed);
	e->att = att;
	e->pages = walk->pages;
	e->perm = walk->perm;
	e->nlinks = walk->ndeps;
	e->start = iova - walk->before;
	e->last = iova + walk->after;
	/* Entries never overlap: clip between the neighbours already cached. */
	rb = prev ? rb_next(&prev->rb) : rb_first(&att->iotlb);
	next = rb ? rb_entry(rb, struct ioasid_iotlb_entry, rb) : NULL;
	if (prev && prev->last >= e->start)
		e->start = prev->last + 1;
	if (next && next->start <= e->last)
		e->last = next->start - 1;
	e->index = walk->index - ((iova - e->start) >> PAGE_SHIFT);
	for (i = 0; i < e->nlinks; i++)
		ioasid_iotlb_link(e, i, &walk->deps[i], iova - e->start);
	link = &att->iotlb.rb_node;
	parent = NULL;
	while (*link) {
		parent = *link;
		if (e->start < rb_entry(parent, struct ioasid_iotlb_entry, rb)->start)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&e->rb, parent, link);
	rb_insert_color(&e->rb, &att->iotlb);
	atomic64_inc(&att->ep->entries);
	att->ep->ictx->iotlb_entries++;
	return e;
}

/* Attach and detach -------------------------------------------------------------- */

static int ioasid_pasid_key(struct ioasid_endpoint *ep, bool has_pasid,
			    u32 pasid, unsigned long *key)
{
	if (!has_pasid) {
		if (pasid)
			return -EINVAL;
		*key = IOASID_NO_PASID;
		return 0;
	}
	if (!(ep->flags & IOASID_DEVICE_PASID) || pasid >> ep->pasid_bits)
		return -EINVAL;
	*key = pasid;
	return 0;
}

static void ioasid_node_attached(struct ioasid_node *node, int delta)
{
	xa_lock(&node->ictx->objects);
	node->num_attached += delta;
	xa_unlock(&node->ictx->objects);
}

/*
 * Count an attachment of @ep in or out, against the context's limit.
 * DESTROY reads the count under the same lock.
 */
static int ioasid_endpoint_attached(struct ioasid_endpoint *ep, int delta)
{
	struct ioasid_ctx *ictx = ep->ictx;
	int rc = 0;

	xa_lock(&ictx->objects);
	if (delta > 0 && ictx->attachments >= ictx->limits.attachments) {
		rc = -EDQUOT;
	} else {
		ep->num_atts += delta;
		ictx->attachments += delta;
	}
	xa_unlock(&ictx->objects);
	return rc;
}

int ioasid_attach(struct ioasid_ucmd *ucmd)
{
	struct ioasid_attach *cmd = ucmd->cmd;
	struct ioasid_ctx *ictx = ucmd->ictx;
	struct ioasid_attachment *att, *new = NULL;
	struct ioasid_node *node, *old = NULL;
	struct ioasid_endpoint *ep;
	unsigned long key;
	int rc;

	if (cmd->flags & ~(IOASID_ATTACH_PASID | IOASID_ATTACH_REPLACE) ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	ep = ioasid_endpoint_get(ictx, cmd->dev_id);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	rc = ioasid_pasid_key(ep, cmd->flags & IOASID_ATTACH_PASID, cmd->pasid, &key);
	if (rc)
		goto out_put_ep;
	node = ioasid_node_get(ictx, cmd->node_id);
	if (IS_ERR(node)) {
		rc = PTR_ERR(node);
		goto out_put_ep;
	}
	if (!(cmd->flags & IOASID_ATTACH_REPLACE)) {
		new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
		if (!new) {
			rc = -ENOMEM;
			goto out_put_node;
		}
		new->ep = ep;
		new->key = key;
		new->iotlb = RB_ROOT;
	}

	if (down_write_killable(&ictx->iotlb_lock)) {
		rc = -EINTR;
		goto out_free;
	}
	/* Counted before it is visible: the node cannot go while we work. */
	ioasid_node_attached(node, 1);
	att = xa_load(&ep->atts, key);
	if (cmd->flags & IOASID_ATTACH_REPLACE) {
		if (!att) {
			rc = -ENOENT;
		} else {
			/* One step for DMA: the old node's entries go with it. */
			ioasid_iotlb_flush(att);
			old = att->node;
			att->node = node;
		}
	} else if (att) {
		rc = -EBUSY;
	} else {
		rc = ioasid_endpoint_attached(ep, 1);
		if (!rc) {
			new->node = node;
			rc = xa_err(xa_store(&ep->atts, key, new, GFP_KERNEL_ACCOUNT));
			if (rc)
				ioasid_endpoint_attached(ep, -1);
		}
		if (!rc) {
			list_add(&new->ctx_item, &ictx->attachment_list);
			new = NULL;
		}
	}
	if (rc)
		ioasid_node_attached(node, -1);
	up_write(&ictx->iotlb_lock);
	if (old)
		ioasid_node_attached(old, -1);
out_free:
	kfree(new);
out_put_node:
	ioasid_node_put(node);
out_put_ep:
	ioasid_object_put(&ep->obj);
	return rc;
}

static void ioasid_detach_locked(struct ioasid_endpoint *ep, unsigned long key,
				 struct ioasid_attachment *att)
{
	lockdep_assert_held_write(&ep->ictx->iotlb_lock);
	ioasid_iotlb_flush(att);
	xa_erase(&ep->atts, key);
	list_del(&att->ctx_item);
	ioasid_endpoint_attached(ep, -1);
}

int ioasid_detach(struct ioasid_ucmd *ucmd)
{
	struct ioasid_attach *cmd = ucmd->cmd;
	struct ioasid_ctx *ictx = ucmd->ictx;
	struct ioasid_attachment *att;
	struct ioasid_endpoint *ep;
	unsigned long key;
	int rc;

	if (cmd->flags & ~IOASID_ATTACH_PASID || cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->node_id)
		return -EINVAL;
	ep = ioasid_endpoint_get(ictx, cmd->dev_id);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	rc = ioasid_pasid_key(ep, cmd->flags & IOASID_ATTACH_PASID, cmd->pasid, &key);
	if (rc)
		goto out_put;
	if (down_write_killable(&ictx->iotlb_lock)) {
		rc = -EINTR;
		goto out_put;
	}
	att = xa_load(&ep->atts, key);
	if (att)
		ioasid_detach_locked(ep, key, att);
	up_write(&ictx->iotlb_lock);
	if (!att) {
		rc = -ENOENT;
		goto out_put;
	}
	ioasid_node_attached(att->node, -1);
	kfree(att);
out_put:
	ioasid_object_put(&ep->obj);
	return rc;
}

/* At release, before nodes go: detach everything of @ep. */
static void ioasid_endpoint_detach_all(struct ioasid_endpoint *ep)
{
	struct ioasid_attachment *att;
	unsigned long key;

	down_write(&ep->ictx->iotlb_lock);
	xa_for_each(&ep->atts, key, att) {
		ioasid_detach_locked(ep, key, att);
		ioasid_node_attached(att->node, -1);
		kfree(att);
	}
	up_write(&ep->ictx->iotlb_lock);
}

/* DMA and TRANSLATE ------------------------------------------------------------ */

/*
 * Find the IOTLB entry serving @access at @iova of the attachment at @key,
 * walking the tables on a miss (or when the entry there does not permit
 * the access: a walk decides, and reports a fault exactly). On success
 * iotlb_lock is held for reading, which keeps the entry and its pages in
 * place; the caller releases it. On failure the lock is not held and the
 * result is ERR_PTR(-EIO) with *@fault saying where and why,
 * ERR_PTR(-EAGAIN) when the attachment changed under the walk (look again),
 * ERR_PTR(-EINTR) when killed waiting for a lock, or ERR_PTR(-ENOMEM).
 */
static struct ioasid_iotlb_entry *
ioasid_iotlb_lookup(struct ioasid_endpoint *ep, unsigned long key,
		    unsigned long iova, u32 access, struct ioasid_fault *fault)
{
	struct ioasid_ctx *ictx = ep->ictx;
	struct ioasid_iotlb_entry *e = NULL;
	struct ioasid_attachment *att;
	struct ioasid_walk *walk;
	struct ioasid_node *node;
	int rc;

	if (down_read_killable(&ictx->iotlb_lock))
		return ERR_PTR(-EINTR);
	att = xa_load(&ep->atts, key);
	if (!att) {
		*fault = (struct ioasid_fault){ .reason = IOASID_FAULT_NOT_ATTACHED };
		up_read(&ictx->iotlb_lock);
		return ERR_PTR(-EIO);
	}
	e = ioasid_iotlb_find(att, iova);
	if (e && e->perm & ioasid_access_need(access)) {
		atomic64_inc(&ep->hits);
		return e;
	}

	/* Miss: node locks come first, so let go and walk. */
	atomic64_inc(&ep->misses);
	node = att->node;
	refcount_inc(&node->obj.users);	/* attached: it is alive */
	up_read(&ictx->iotlb_lock);

	walk = kmalloc(sizeof(*walk), GFP_KERNEL);
	if (!walk) {
		ioasid_node_put(node);
		return ERR_PTR(-ENOMEM);
	}
	walk->access = access;
	if (ioasid_node_lock_chain(node)) {
		ioasid_node_put(node);
		kfree(walk);
		return ERR_PTR(-EINTR);
	}
	rc = ioasid_node_walk(node, iova & PAGE_MASK, walk);
	down_write(&ictx->iotlb_lock);
	att = xa_load(&ep->atts, key);
	if (!att || att->node != node) {
		/* Detached or replaced meanwhile: the new state decides. */
		*fault = (struct ioasid_fault){ .reason = IOASID_FAULT_NOT_ATTACHED };
		e = ERR_PTR(att ? -EAGAIN : -EIO);
	} else if (rc) {
		*fault = (struct ioasid_fault){ .reason = walk->fault_reason,
						.level = walk->fault_level,
						.node_id = walk->fault_node->obj.id };
		e = ERR_PTR(-EIO);
	} else {
		e = ioasid_iotlb_insert(att, iova & PAGE_MASK, walk);
		if (!e)
			e = ERR_PTR(-ENOMEM);
	}
	/* Keep the entry (and its pages) stable for the caller. */
	downgrade_write(&ictx->iotlb_lock);
	ioasid_node_unlock_chain(node);
	ioasid_node_put(node);
	kfree(walk);
	if (IS_ERR(e))
		up_read(&ictx->iotlb_lock);
	return e;
}

/* Mark a write through @e of [iova, iova + len) dirty at every level. */
static void ioasid_iotlb_dirty(struct ioasid_iotlb_entry *e, unsigned long iova,
			       unsigned long len)
{
	unsigned long off = iova - e->start;
	unsigned int i;

	if (!len)
		return;
	for (i = 0; i < e->nlinks; i++) {
		if (!e->links[i].table)
			ioasid_node_mark_dirty(e->links[i].node, e->links[i].start + off,
					       e->links[i].start + off + len - 1);
	}
}

static int ioasid_access_key(struct ioasid_endpoint *ep, u32 flags, u32 pasid,
			     unsigned long *key)
{
	return ioasid_pasid_key(ep, flags & IOASID_DMA_PASID, pasid, key);
}

#define IOASID_DMA_FLAGS	(IOASID_DMA_PASID | IOASID_DMA_WRITE | \
				 IOASID_DMA_EXEC | IOASID_DMA_PRIV)

/* The enum ioasid_access request of DMA or TRANSLATE flags. */
static int ioasid_access_of(u32 flags, u32 *access)
{
	if (flags & ~IOASID_DMA_FLAGS)
		return -EOPNOTSUPP;
	if (flags & IOASID_DMA_EXEC && flags & IOASID_DMA_WRITE)
		return -EINVAL;
	*access = flags & IOASID_DMA_WRITE ? IOASID_ACCESS_WRITE : IOASID_ACCESS_READ;
	if (flags & IOASID_DMA_EXEC)
		*access |= IOASID_ACCESS_EXEC;
	if (flags & IOASID_DMA_PRIV)
		*access |= IOASID_ACCESS_PRIV;
	return 0;
}

/* What requests of a privilege may do, as enum ioasid_access bits. */
static u32 ioasid_prot_of(u32 perm, bool priv)
{
	u32 prot = 0;

	if (perm & (priv ? IOASID_PT_SR : IOASID_PT_UR))
		prot |= IOASID_ACCESS_READ;
	if (perm & (priv ? IOASID_PT_SW : IOASID_PT_UW))
		prot |= IOASID_ACCESS_WRITE;
	if (perm & (priv ? IOASID_PT_SX : IOASID_PT_UX))
		prot |= IOASID_ACCESS_EXEC;
	if (priv && !(perm & (IOASID_PT_UR | IOASID_PT_UW | IOASID_PT_UX)))
		prot |= IOASID_ACCESS_PRIV;
	return prot;
}

int ioasid_dma(struct ioasid_ucmd *ucmd)
{
	struct ioasid_dma *cmd = ucmd->cmd;
	struct ioasid_dma __user *udma = ucmd->ubuffer;
	bool write = cmd->flags & IOASID_DMA_WRITE;
	u8 __user *buf = u64_to_user_ptr(cmd->buffer);
	struct ioasid_fault fault = {};
	struct ioasid_iotlb_entry *e;
	struct ioasid_endpoint *ep;
	unsigned long key, pfn, contig, iova, chunk, left;
	unsigned int stalled = 0;
	struct folio *folio;
	u64 done = 0;
	u32 access;
	void *kaddr;
	int rc;

	rc = ioasid_access_of(cmd->flags, &access);
	if (rc)
		return rc;
	if (!cmd->length)
		return -EINVAL;
	if (put_user(0, &udma->out_done))
		return -EFAULT;
	if (!access_ok(buf, cmd->length))
		return -EFAULT;
	ep = ioasid_endpoint_get(ucmd->ictx, cmd->dev_id);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	rc = ioasid_access_key(ep, cmd->flags, cmd->pasid, &key);
	if (rc)
		goto out_put;

	while (done < cmd->length) {
		iova = cmd->iova + done;
		if (iova < cmd->iova) {		/* ran past 2^64 - 1 */
			fault.reason = IOASID_FAULT_NOT_MAPPED;
			rc = -EIO;
			break;
		}
		e = ioasid_iotlb_lookup(ep, key, iova, access, &fault);
		if (e == ERR_PTR(-EAGAIN))
			continue;
		if (IS_ERR(e)) {
			rc = PTR_ERR(e);
			break;
		}
		/*
		 * As far as the entry, the physically contiguous run and the
		 * folio go: hardened usercopy refuses a copy that spans two
		 * folios, however adjacent they are.
		 */
		pfn = ioasid_pages_pfn(e->pages, e->index +
				       ((iova - e->start) >> PAGE_SHIFT), &contig);
		folio = page_folio(pfn_to_page(pfn));
		kaddr = page_address(pfn_to_page(pfn)) + offset_in_page(iova);
		chunk = min_t(u64, cmd->length - done, e->last - iova + 1);
		chunk = min(chunk, (contig << PAGE_SHIFT) - offset_in_page(iova));
		chunk = min(chunk, folio_size(folio) - offset_in_folio(folio, kaddr));
		chunk = min_t(unsigned long, chunk, IOASID_DMA_CHUNK);
		/*
		 * No page fault under the lock: it can take as long as the
		 * process likes (userfaultfd) and UNMAP would wait for it. A
		 * fault stops the copy; the page is faulted in unlocked and
		 * the transfer goes on from a fresh lookup.
		 */
		pagefault_disable();
		if (write)
			left = __copy_from_user_inatomic(kaddr, buf + done, chunk);
		else
			left = __copy_to_user_inatomic(buf + done, kaddr, chunk);
		pagefault_enable();
		if (write)
			ioasid_iotlb_dirty(e, iova, chunk - left);
		up_read(&ucmd->ictx->iotlb_lock);
		done += chunk - left;
		stalled = left == chunk ? stalled + 1 : 0;
		if (left) {
			/*
			 * Fault the rest of the buffer in without writing to
			 * it (fault_in_writeable() stores zeroes). A page that
			 * faults in but still cannot be copied, twice in a
			 * row, ends the transfer rather than looping.
			 */
			if (stalled > 1 ||
			    (write ? fault_in_readable(buf + done, left) :
				     fault_in_safe_writeable(buf + done, left)) == left) {
				rc = -EFAULT;
				break;
			}
		}
		if (fatal_signal_pending(current)) {
			rc = -EINTR;
			break;
		}
		cond_resched();
	}
	if (rc == -EIO)
		ioasid_record_fault(ep, cmd->flags, cmd->pasid, cmd->iova + done,
				    access, &fault);
	if (put_user(done, &udma->out_done))
		rc = rc ? rc : -EFAULT;
out_put:
	ioasid_object_put(&ep->obj);
	return rc;
}

int ioasid_translate(struct ioasid_ucmd *ucmd)
{
	struct ioasid_translate *cmd = ucmd->cmd;
	struct ioasid_translate __user *ucmd_translate = ucmd->ubuffer;
	bool write = cmd->flags & IOASID_DMA_WRITE;
	struct ioasid_fault fault = {};
	struct ioasid_iotlb_entry *e;
	struct ioasid_endpoint *ep;
	struct ioasid_answer ans;
	unsigned long key, iova = cmd->iova, last;
	unsigned int i, tries = 0;
	bool tracked;
	u32 access;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	rc = ioasid_access_of(cmd->flags, &access);
	if (rc)
		return rc;
	/* The outputs, from out_uaddr to the end (the whole first-shipped struct). */
	rc = ioasid_answer_init(&ans, &ucmd_translate->out_uaddr, &cmd->out_uaddr,
				sizeof(*cmd) - offsetof(struct ioasid_translate, out_uaddr));
	if (rc)
		return rc;
	ep = ioasid_endpoint_get(ucmd->ictx, cmd->dev_id);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	rc = ioasid_access_key(ep, cmd->flags, cmd->pasid, &key);
	if (rc)
		goto out_put;

again:
	do {
		e = ioasid_iotlb_lookup(ep, key, iova, access, &fault);
	} while (e == ERR_PTR(-EAGAIN));
	if (IS_ERR(e)) {
		rc = PTR_ERR(e);
		goto out_fault;
	}
	last = e->last;
	tracked = false;
	if (write) {
		/* Where pages are tracked, hand out one page at a time. */
		for (i = 0; i < e->nlinks; i++)
			tracked |= !e->links[i].table &&
				   READ_ONCE(e->links[i].node->dirty_tracking);
		if (tracked)
			last = min(last, iova | (PAGE_SIZE - 1));
	}
	cmd->out_uaddr = (e->index << PAGE_SHIFT) + (iova - e->start);
	cmd->out_length = last - iova + 1;
	cmd->out_prot = ioasid_prot_of(e->perm, access & IOASID_ACCESS_PRIV);
	cmd->out_generation = atomic64_read(&ep->generation);
	/*
	 * Answer while the entry cannot go, and mark the pages dirty only once
	 * the caller has the answer: a TRANSLATE that fails wrote nothing.
	 */
	rc = ioasid_answer_write(&ans);
	if (!rc && write)
		ioasid_iotlb_dirty(e, iova, last - iova + 1);
	up_read(&ucmd->ictx->iotlb_lock);
	if (rc == -EAGAIN) {
		rc = ioasid_answer_fault_in(&ans, &tries);
		if (!rc)
			goto again;
	}
	goto out_put;

out_fault:
	if (rc == -EIO)
		ioasid_record_fault(ep, cmd->flags, cmd->pasid, iova, access, &fault);
out_put:
	ioasid_object_put(&ep->obj);
	return rc;
}

/* Called by the context's release for each endpoint, before nodes go. */
void ioasid_endpoint_release(struct ioasid_object *obj)
{
	ioasid_endpoint_detach_all(container_of(obj, struct ioasid_endpoint, obj));
}
