// SPDX-License-Identifier: GPL-2.0
/*
 * The software IOTLB of endpoints: one tree of cached translations per
 * attachment, each entry a range of the attached node's IOVAs that
 * translates linearly to a range of pinned pages, with the permissions of
 * every level composed (IOASID_PT_*, per privilege).
 *
 * An entry's range never crosses a mapping or a guest leaf at any level,
 * so it depends on exactly one mapping or leaf per level, and on the table
 * pages its walk read. It is linked at each of them: into the @deps list
 * of a kernel-managed node's mapping, or into a bucket of a user-managed
 * node's @user_deps (by the aligned block that holds the range). That is a
 * reverse map: UNMAP at any level drops the entries on the lists of the
 * mappings it removes, before it unpins anything (node.c calls
 * ioasid_iotlb_invalidate() under the node's write lock); INVALIDATE and
 * BIND of a user-managed node drop the entries in the buckets of the range
 * (ioasid_iotlb_invalidate_user()). The cost is the entries dropped, with
 * no search: the size of any cache does not enter (a bucket lookup is a
 * few xarray levels).
 *
 * Locking: ictx->iotlb_lock (an rw_semaphore) guards attachments, entries,
 * the @deps lists and the buckets, and is taken after node locks. A DMA
 * chunk that hits copies under its read side; a miss drops it, read-locks
 * the node chain, walks, and inserts under its write side, so an UNMAP
 * (node write lock, then iotlb_lock for writing) waits for every transfer
 * through what it removes. Entries are added only under the read lock of
 * every node they link to, so a holder of a node's write lock sees its
 * links stable.
 */
#include <linux/slab.h>
#include <linux/xarray.h>

#include "iotlb.h"

/* User-managed nodes' buckets ----------------------------------------------- */

/* The bucket class of [@start, @last] and its index there. */
static unsigned int ioasid_dep_class(unsigned long start, unsigned long last,
				     unsigned long *index)
{
	unsigned int c, shift;

	for (c = 0; c < IOASID_DEP_CLASSES - 1; c++) {
		shift = PAGE_SHIFT + 9 * c;
		if (start >> shift == last >> shift) {
			*index = start >> shift;
			return c;
		}
	}
	*index = 0;
	return c;
}

void ioasid_user_deps_init(struct ioasid_node *node)
{
	unsigned int c;

	for (c = 0; c < IOASID_DEP_CLASSES; c++)
		xa_init(&node->user_deps[c]);
}

/* Nothing can be cached through a node nobody reaches any more. */
void ioasid_user_deps_destroy(struct ioasid_node *node)
{
	unsigned int c;

	for (c = 0; c < IOASID_DEP_CLASSES; c++) {
		WARN_ON(!xa_empty(&node->user_deps[c]));
		xa_destroy(&node->user_deps[c]);
	}
}

static int ioasid_user_dep_add(struct ioasid_iotlb_link *link)
{
	struct ioasid_dep_bucket *bucket;
	unsigned long index;
	struct xarray *xa;
	int rc;

	xa = &link->node->user_deps[ioasid_dep_class(link->start, link->last, &index)];
	bucket = xa_load(xa, index);
	if (!bucket) {
		bucket = kmalloc(sizeof(*bucket), GFP_KERNEL_ACCOUNT);
		if (!bucket)
			return -ENOMEM;
		INIT_HLIST_HEAD(&bucket->links);
		rc = xa_err(xa_store(xa, index, bucket, GFP_KERNEL_ACCOUNT));
		if (rc) {
			kfree(bucket);
			return rc;
		}
	}
	hlist_add_head(&link->list, &bucket->links);
	link->bucket = bucket;
	return 0;
}

/* Take a link off its list or bucket; an emptied bucket goes. */
static void ioasid_iotlb_unlink(struct ioasid_iotlb_link *link)
{
	struct ioasid_node *node = link->node;
	unsigned long index;
	unsigned int c;

	hlist_del(&link->list);
	if (link->bucket && hlist_empty(&link->bucket->links)) {
		c = ioasid_dep_class(link->start, link->last, &index);
		xa_erase(&node->user_deps[c], index);
		kfree(link->bucket);
	}
	WRITE_ONCE(node->num_deps, node->num_deps - 1);
}

/* Entries ---------------------------------------------------------------------- */

static void ioasid_iotlb_kill(struct ioasid_iotlb_entry *e)
{
	struct ioasid_endpoint *ep = e->att->ep;
	unsigned int i;

	lockdep_assert_held_write(&ep->ictx->iotlb_lock);
	rb_erase(&e->rb, &e->att->iotlb);
	for (i = 0; i < e->nlinks; i++)
		ioasid_iotlb_unlink(&e->links[i]);
	atomic64_dec(&ep->entries);
	atomic64_inc(&ep->generation);
	if (e->att->shadow)
		ioasid_shadow_unmap_entry(e);	/* gone from the IOMMU too */
	else
		ep->ictx->iotlb_entries--;
	kfree(e);
}

/* Kill one entry: iotlb_lock held for writing. */
void ioasid_iotlb_kill_entry(struct ioasid_iotlb_entry *e)
{
	ioasid_iotlb_kill(e);
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
 * @unmapping: the mapping goes (UNMAP); without it the translation stays
 *	and only software endpoints' entries go (shadow domains' stay)
 *
 * Drops every entry on @deps that covers any of [@start, @last], whichever
 * device and however far below @node it was made. An UNMAP passes the whole
 * space: the cost is then the entries removed.
 */
void ioasid_iotlb_invalidate(struct ioasid_node *node, struct hlist_head *deps,
			     unsigned long start, unsigned long last,
			     bool unmapping)
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
		if (link->start <= last && link->last >= start &&
		    (unmapping || !link->entry->att->shadow))
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
 * any device attached at or below @node. The cost is the links in the
 * buckets that overlap the range, whatever else is cached.
 */
void ioasid_iotlb_invalidate_user(struct ioasid_node *node, unsigned long start,
				  unsigned long last, unsigned long key,
				  bool any_key)
{
	struct ioasid_dep_bucket *bucket;
	struct ioasid_iotlb_link *link;
	unsigned long index, first, final;
	unsigned int c, shift;
	LIST_HEAD(doomed);

	lockdep_assert_held_write(&node->lock);
	if (!READ_ONCE(node->num_deps))
		return;
	down_write(&node->ictx->iotlb_lock);
	for (c = 0; c < IOASID_DEP_CLASSES; c++) {
		shift = PAGE_SHIFT + 9 * c;
		first = c < IOASID_DEP_CLASSES - 1 ? start >> shift : 0;
		final = c < IOASID_DEP_CLASSES - 1 ? last >> shift : 0;
		xa_for_each_range(&node->user_deps[c], index, bucket, first, final) {
			hlist_for_each_entry(link, &bucket->links, list) {
				if (link->start <= last && link->last >= start &&
				    (any_key || link->entry->att->key == key))
					ioasid_iotlb_doom(link->entry, &doomed);
			}
		}
	}
	ioasid_iotlb_kill_doomed(&doomed);
	up_write(&node->ictx->iotlb_lock);
}

/* Drop every entry of an attachment (DETACH, REPLACE). */
void ioasid_iotlb_flush(struct ioasid_attachment *att)
{
	struct ioasid_attachment *sub;
	unsigned long pasid;
	struct rb_node *rb;

	lockdep_assert_held_write(&att->ep->ictx->iotlb_lock);
	while ((rb = rb_first(&att->iotlb)))
		ioasid_iotlb_kill(rb_entry(rb, struct ioasid_iotlb_entry, rb));
	xa_for_each(&att->subs, pasid, sub)
		ioasid_iotlb_flush(sub);
}

/* Flush @att and free its per-PASID attachments (DETACH, REPLACE). */
void ioasid_iotlb_drop_subs(struct ioasid_attachment *att)
{
	struct ioasid_attachment *sub;
	unsigned long pasid;

	ioasid_iotlb_flush(att);
	xa_for_each(&att->subs, pasid, sub) {
		xa_erase(&att->subs, pasid);
		kfree(sub);
	}
	att->nr_subs = 0;
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
struct ioasid_iotlb_entry *
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
static int ioasid_iotlb_link(struct ioasid_iotlb_entry *e, unsigned int i,
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
		if (ioasid_user_dep_add(link))
			return -ENOMEM;
	} else {
		hlist_add_head(&link->list, dep->deps);
	}
	WRITE_ONCE(dep->node->num_deps, dep->node->num_deps + 1);
	return 0;
}

/**
 * ioasid_iotlb_add() - cache a walk's result as an entry of an attachment
 * @att: the attachment
 * @iova: the address walked, page aligned, covered by no entry of @att
 * @walk: the walk's result, its chain still read-locked
 * @prev: the entry of @att that starts last before @iova, or NULL
 *
 * The entry covers what the walk found linear around @iova, clipped
 * between its neighbours. Called with iotlb_lock held for writing.
 *
 * Return: the entry, or NULL (no memory).
 */
struct ioasid_iotlb_entry *ioasid_iotlb_add(struct ioasid_attachment *att,
					    unsigned long iova,
					    const struct ioasid_walk *walk,
					    struct ioasid_iotlb_entry *prev)
{
	struct ioasid_iotlb_entry *e, *next;
	struct rb_node *rb, **link, *parent;
	unsigned int i;

	e = kzalloc(struct_size(e, links, walk->ndeps), GFP_KERNEL_ACCOUNT);
	if (!e)
		return NULL;
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
	for (i = 0; i < e->nlinks; i++) {
		if (ioasid_iotlb_link(e, i, &walk->deps[i], iova - e->start)) {
			while (i--)
				ioasid_iotlb_unlink(&e->links[i]);
			kfree(e);
			return NULL;
		}
	}
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
	if (!att->shadow)
		att->ep->ictx->iotlb_entries++;
	return e;
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
	struct ioasid_iotlb_entry *prev;

	prev = ioasid_iotlb_floor(att, iova);
	if (prev && prev->last >= iova) {
		if (ioasid_pt_permits(prev->perm, walk->access))
			return prev;
		/* One that does not (stale, or before A/D): the walk wins. */
		ioasid_iotlb_kill(prev);
		prev = ioasid_iotlb_floor(att, iova);
	}
	if (att->ep->ictx->iotlb_entries >= att->ep->ictx->limits.iotlb_entries) {
		ioasid_iotlb_flush_all(att->ep->ictx);
		prev = NULL;
	}
	return ioasid_iotlb_add(att, iova, walk, prev);
}

/* Lookups ------------------------------------------------------------------- */

/*
 * The attachment serving @key: the device's own at @key, or for a PASID
 * the per-PASID one under a no-PASID attachment to a PASID-table node
 * (*@base, NULL when it has none yet). iotlb_lock is held.
 */
static struct ioasid_attachment *ioasid_att_find(struct ioasid_endpoint *ep,
						 unsigned long key,
						 struct ioasid_attachment **base)
{
	struct ioasid_attachment *att = xa_load(&ep->atts, key);

	*base = NULL;
	if (att || key == IOASID_NO_PASID)
		return att;
	att = xa_load(&ep->atts, IOASID_NO_PASID);
	if (!att || !ioasid_format_is_pasid_table(att->node->format))
		return NULL;
	*base = att;
	return xa_load(&att->subs, key);
}

/* Per-PASID attachments without entries kept before they are freed. */
#define IOASID_SUBS_REAP	256

/*
 * Free @base's per-PASID attachments that hold no entry. Under the write
 * side of iotlb_lock nobody holds one: a hit's holder has the read side.
 * The next reap waits for twice what is left, so the cost is O(1) per
 * attachment made.
 */
static void ioasid_att_reap_subs(struct ioasid_attachment *base)
{
	struct ioasid_attachment *sub;
	unsigned long pasid;

	xa_for_each(&base->subs, pasid, sub) {
		if (!RB_EMPTY_ROOT(&sub->iotlb))
			continue;
		xa_erase(&base->subs, pasid);
		kfree(sub);
		base->nr_subs--;
	}
	base->reap_subs = max(IOASID_SUBS_REAP, 2 * base->nr_subs);
}

/* The per-PASID attachment of @base for @key, made if it has none. */
static struct ioasid_attachment *ioasid_att_sub(struct ioasid_attachment *base,
						unsigned long key)
{
	struct ioasid_attachment *sub;

	lockdep_assert_held_write(&base->ep->ictx->iotlb_lock);
	sub = xa_load(&base->subs, key);
	if (sub)
		return sub;
	if (base->nr_subs >= max(base->reap_subs, IOASID_SUBS_REAP))
		ioasid_att_reap_subs(base);
	sub = kzalloc(sizeof(*sub), GFP_KERNEL_ACCOUNT);
	if (!sub)
		return NULL;
	sub->ep = base->ep;
	sub->node = base->node;
	sub->key = key;
	sub->iotlb = RB_ROOT;
	xa_init(&sub->subs);
	if (xa_err(xa_store(&base->subs, key, sub, GFP_KERNEL_ACCOUNT))) {
		kfree(sub);
		return NULL;
	}
	base->nr_subs++;
	return sub;
}

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
struct ioasid_iotlb_entry *
ioasid_iotlb_lookup(struct ioasid_endpoint *ep, unsigned long key,
		    unsigned long iova, u32 access, struct ioasid_fault *fault)
{
	struct ioasid_attachment *att, *base;
	struct ioasid_ctx *ictx = ep->ictx;
	struct ioasid_iotlb_entry *e = NULL;
	struct ioasid_walk *walk;
	struct ioasid_node *node;
	int rc;

	if (down_read_killable(&ictx->iotlb_lock))
		return ERR_PTR(-EINTR);
	att = ioasid_att_find(ep, key, &base);
	if (!att && !base) {
		*fault = (struct ioasid_fault){ .reason = IOASID_FAULT_NOT_ATTACHED };
		up_read(&ictx->iotlb_lock);
		return ERR_PTR(-EIO);
	}
	e = att ? ioasid_iotlb_find(att, iova) : NULL;
	if (e && ioasid_pt_permits(e->perm, access)) {
		atomic64_inc(&ep->hits);
		return e;
	}

	/* Miss: node locks come first, so let go and walk. */
	atomic64_inc(&ep->misses);
	node = att ? att->node : base->node;
	refcount_inc(&node->obj.users);	/* attached: it is alive */
	up_read(&ictx->iotlb_lock);

	walk = kmalloc(sizeof(*walk), GFP_KERNEL);
	if (!walk) {
		ioasid_node_put(node);
		return ERR_PTR(-ENOMEM);
	}
	walk->access = access;
	walk->has_pasid = key != IOASID_NO_PASID;
	walk->pasid = walk->has_pasid ? key : 0;
	if (ioasid_node_lock_chain(node)) {
		ioasid_node_put(node);
		kfree(walk);
		return ERR_PTR(-EINTR);
	}
	rc = ioasid_node_walk(node, iova & PAGE_MASK, walk);
	down_write(&ictx->iotlb_lock);
	att = ioasid_att_find(ep, key, &base);
	if (!att && base && base->node == node && !rc)
		att = ioasid_att_sub(base, key);
	if ((!att && !base) || (att ? att->node : base->node) != node) {
		/* Detached or replaced meanwhile: the new state decides. */
		*fault = (struct ioasid_fault){ .reason = IOASID_FAULT_NOT_ATTACHED };
		e = ERR_PTR(att || base ? -EAGAIN : -EIO);
	} else if (rc) {
		struct ioasid_node *stop = walk->fault_node;

		*fault = (struct ioasid_fault){
			.reason = walk->fault_reason, .level = walk->fault_level,
			.node_id = stop->obj.id, .att_node_id = node->obj.id,
			.guest = ioasid_fault_is_guest(stop, walk->fault_reason) };
		e = ERR_PTR(-EIO);
	} else if (!att) {
		e = ERR_PTR(-ENOMEM);	/* the per-PASID attachment */
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
void ioasid_iotlb_dirty(struct ioasid_iotlb_entry *e, unsigned long iova,
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
