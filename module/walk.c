// SPDX-License-Identifier: GPL-2.0
/*
 * The translation walk: the one rule every access follows.
 *
 * translate(node, addr, access):
 *  - kernel-managed root: the node's mapping at addr gives pinned pages;
 *  - kernel-managed child: its mapping gives an address of the parent,
 *    translated in turn;
 *  - user-managed: the bound table, read through translate(parent, ...),
 *    gives an address of the parent, translated in turn.
 * Permissions intersect at every level.
 *
 * Every node and every table page the walk uses is recorded in the walk
 * (struct ioasid_walk_dep), so that the IOTLB entry caching the result
 * hangs off each of them: a change at any of them (UNMAP of a data or a
 * table page, INVALIDATE, BIND) finds and drops the entry. Nothing of a
 * walk that fails is kept: no negative or partial result is ever cached.
 *
 * The whole chain above the entry node is read-locked by the caller
 * (ioasid_node_lock_chain()); table reads translate through the same,
 * already locked, chain, so the walk takes no lock of its own. Reading a
 * table nests the walk once per user-managed level above, at most
 * IOASID_MAX_DEPTH deep, with a small frame each.
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "ioasid_private.h"

/*
 * Read-lock @node and every ancestor, leaf first, or none of them (-EINTR:
 * a fatal signal came while waiting). The subclass is the depth,
 * so lockdep tells the levels apart; a parent is always taken after its
 * child, and nothing takes a child's lock while holding its parent's.
 */
int ioasid_node_lock_chain(struct ioasid_node *node)
{
	struct ioasid_node *locked;

	for (locked = node; locked; locked = locked->parent) {
		if (down_read_killable_nested(&locked->lock, locked->depth - 1))
			goto unwind;
	}
	return 0;

unwind:
	for (; node != locked; node = node->parent)
		up_read(&node->lock);
	return -EINTR;
}

void ioasid_node_unlock_chain(struct ioasid_node *node)
{
	for (; node; node = node->parent)
		up_read(&node->lock);
}

/* Record what the walk used at @node; table pages are recorded once. */
static int ioasid_walk_dep_add(struct ioasid_walk *walk, struct ioasid_node *node,
			       struct hlist_head *deps, unsigned long addr,
			       bool table)
{
	unsigned long start = table ? addr & PAGE_MASK : addr;
	struct ioasid_walk_dep *dep;
	unsigned int i;

	if (table) {
		for (i = 0; i < walk->ndeps; i++) {
			dep = &walk->deps[i];
			if (dep->table && dep->node == node && dep->deps == deps &&
			    dep->start == start)
				return 0;
		}
	}
	if (walk->ndeps == IOASID_WALK_MAX_DEPS)
		return IOASID_FAULT_WALK_LIMIT;
	walk->deps[walk->ndeps++] = (struct ioasid_walk_dep){
		.node = node, .deps = deps, .start = start,
		.last = table ? start + PAGE_SIZE - 1 : addr, .table = table };
	return 0;
}

/* Where a chain ends: a byte of pinned memory. */
struct ioasid_walk_end {
	struct ioasid_pages *pages;
	unsigned long index;		/* user page number in @pages */
	unsigned long offset;		/* byte in that page */
};

static int ioasid_walk_chain(struct ioasid_node *node, unsigned long addr,
			     u32 access, bool table, struct ioasid_walk *walk,
			     struct ioasid_walk_end *end);

/* The module's side of struct ioasid_pt_io: one user-managed node's table. */
struct ioasid_pt_ctx {
	struct ioasid_walk *walk;
	struct ioasid_node *node;
};

/*
 * The kernel address of the table entry at @addr of @ctx->node's parent,
 * reached with the parent's permission for @access.
 */
static int ioasid_pt_entry(struct ioasid_pt_ctx *ctx, u64 addr, u32 access,
			   u64 **entry)
{
	struct ioasid_walk_end end;
	unsigned long pfn, contig;
	int rc;

	rc = ioasid_walk_chain(ctx->node->parent, addr, access, true, ctx->walk,
			       &end);
	if (rc)
		return rc == IOASID_FAULT_WALK_LIMIT ? rc :
		       access & IOASID_ACCESS_WRITE ? IOASID_FAULT_AD_UPDATE :
						      IOASID_FAULT_TABLE;
	pfn = ioasid_pages_pfn(end.pages, end.index, &contig);
	*entry = page_address(pfn_to_page(pfn)) + end.offset;
	return 0;
}

static int ioasid_pt_read(void *priv, u64 addr, u64 *val)
{
	u64 *entry;
	int rc;

	rc = ioasid_pt_entry(priv, addr, IOASID_ACCESS_READ, &entry);
	if (!rc)
		*val = le64_to_cpu(READ_ONCE(*(__le64 *)entry));
	return rc;
}

static int ioasid_pt_cmpxchg(void *priv, u64 addr, u64 old, u64 new, u64 *cur)
{
	u64 *entry, prev;
	int rc;

	rc = ioasid_pt_entry(priv, addr, IOASID_ACCESS_WRITE, &entry);
	if (rc)
		return rc;
	prev = le64_to_cpu(cmpxchg((__force __le64 *)entry, cpu_to_le64(old),
				   cpu_to_le64(new)));
	if (prev == old)
		return 0;
	*cur = prev;
	return -1;
}

/*
 * Iterating a user-managed node's table (shadow.c): entries are read
 * through the parent as a walk reads them, within a budget, and nothing
 * is recorded (a shadow's entries come from walks of their own).
 */
struct ioasid_pt_iter {
	struct ioasid_pt_ctx pt;
	unsigned long budget;
};

static int ioasid_pt_iter_read(void *priv, u64 addr, u64 *val)
{
	struct ioasid_pt_iter *iter = priv;

	if (!iter->budget)
		return IOASID_FAULT_WALK_LIMIT;
	iter->budget--;
	iter->pt.walk->ndeps = 0;
	cond_resched();
	return ioasid_pt_read(&iter->pt, addr, val);
}

/**
 * ioasid_node_each_leaf() - visit a user-managed node's table over a range
 * @node: the node; its chain is read-locked
 * @start: first input address
 * @last: last input address
 * @budget: table entries the visit may read; past them, what is left of
 *	the range comes as IOASID_FAULT_WALK_LIMIT items
 * @fn: called for each item (ioasid_x86_64_iterate()'s rules)
 * @arg: for @fn
 *
 * Return: 0, what @fn stopped the visit with, or -ENOMEM.
 */
int ioasid_node_each_leaf(struct ioasid_node *node, unsigned long start,
			  unsigned long last, unsigned long budget,
			  int (*fn)(void *arg, const struct ioasid_pt_leaf *leaf),
			  void *arg)
{
	struct ioasid_pt_iter iter = { .pt.node = node, .budget = budget };
	const struct ioasid_pt_io io = { .priv = &iter, .read = ioasid_pt_iter_read };
	int rc;

	iter.pt.walk = kmalloc(sizeof(*iter.pt.walk), GFP_KERNEL);
	if (!iter.pt.walk)
		return -ENOMEM;
	rc = ioasid_user_iterate(node, start, last, &io, fn, arg);
	kfree(iter.pt.walk);
	return rc;
}

/* One user-managed level: its table gives an address of the parent. */
static int ioasid_walk_user(struct ioasid_node *node, unsigned long *addr,
			    u32 access, bool table, struct ioasid_walk *walk,
			    u32 *grant, unsigned long *before,
			    unsigned long *after)
{
	struct ioasid_pt_ctx ctx = { .walk = walk, .node = node };
	const struct ioasid_pt_io io = {
		.priv = &ctx, .read = ioasid_pt_read, .cmpxchg = ioasid_pt_cmpxchg,
	};
	struct ioasid_pt_result res = {};
	int rc;

	rc = ioasid_user_walk(node, *addr, access, walk->has_pasid, walk->pasid,
			      &io, &res);
	if (rc) {
		if (!table) {
			walk->fault_node = node;
			walk->fault_reason = res.fault_reason;
			walk->fault_level = res.fault_level;
		}
		return rc;
	}
	rc = ioasid_walk_dep_add(walk, node, NULL, *addr, table);
	if (rc)
		return rc;
	*grant = res.perm;
	*before = *addr & (res.page_size - 1);
	*after = res.page_size - 1 - *before;
	*addr = res.out;
	return 0;
}

/* One kernel-managed level: a mapping gives pages or an address of the parent. */
static int ioasid_walk_kernel(struct ioasid_node *node, unsigned long *addr,
			      u32 need, bool table, struct ioasid_walk *walk,
			      u32 *grant, unsigned long *before,
			      unsigned long *after, struct ioasid_walk_end *end)
{
	struct ioasid_mapping *map;
	struct ioasid_pages *pages;
	struct hlist_head *deps;
	unsigned long first, last, target;
	int rc;

	map = ioasid_node_lookup(node, *addr, grant, &first, &last);
	rc = !map ? IOASID_FAULT_NOT_MAPPED :
	     (*grant & need) != need ? IOASID_FAULT_PERMISSION : 0;
	if (rc) {
		if (!table) {
			walk->fault_node = node;
			walk->fault_reason = rc;
			walk->fault_level = 0;
		}
		return rc;
	}
	pages = ioasid_mapping_target(map, *addr, &target, &deps);
	rc = ioasid_walk_dep_add(walk, node, deps, *addr, table);
	if (rc)
		return rc;
	/* A table write is a write for the node's dirty tracking. */
	if (table && need & IOASID_PT_UW)
		ioasid_node_mark_dirty(node, *addr, *addr + sizeof(u64) - 1);
	*before = *addr - first;
	*after = last - *addr;
	if (pages) {
		end->pages = pages;
		end->index = target >> PAGE_SHIFT;
		end->offset = offset_in_page(target);
	}
	*addr = target;
	return 0;
}

/*
 * Translate @addr of @node for @access down to pinned memory. For the
 * data (!@table) the walk's extent and permissions are composed and a
 * failure is described in @walk; a table read records its pages only.
 * Return: 0 or an enum ioasid_fault_reason.
 */
static int ioasid_walk_chain(struct ioasid_node *node, unsigned long addr,
			     u32 access, bool table, struct ioasid_walk *walk,
			     struct ioasid_walk_end *end)
{
	u32 need = ioasid_pt_need(access), grant;
	unsigned long before, after;
	int rc;

	for (; node; node = node->parent) {
		lockdep_assert_held(&node->lock);
		if (ioasid_node_is_user(node))
			rc = ioasid_walk_user(node, &addr, access, table, walk,
					      &grant, &before, &after);
		else
			rc = ioasid_walk_kernel(node, &addr, need, table, walk,
						&grant, &before, &after, end);
		if (rc)
			return rc;
		if (table)
			continue;
		walk->before = min(walk->before, before);
		walk->after = min(walk->after, after);
		walk->perm &= grant;
	}
	if (!table) {
		walk->pages = end->pages;
		walk->index = end->index;
	}
	return 0;
}

/**
 * ioasid_node_walk() - translate an IOVA of @node down to pinned pages
 * @node: where the access enters; its chain is read-locked
 * @iova: a page-aligned IOVA of @node
 * @walk: the request in @walk->access; the result
 *
 * The result also says how far around @iova the translation stays linear,
 * so callers can cache a whole range, and what it depends on.
 *
 * Return: 0, or -EIO when a level does not translate the address for the
 * access (then @walk->fault_* say where and why).
 */
int ioasid_node_walk(struct ioasid_node *node, unsigned long iova,
		     struct ioasid_walk *walk)
{
	struct ioasid_walk_end end = {};
	int rc;

	walk->before = ULONG_MAX;
	walk->after = ULONG_MAX;
	walk->perm = IOASID_PT_ALL;
	walk->ndeps = 0;
	walk->fault_node = NULL;
	walk->fault_reason = 0;
	walk->fault_level = 0;
	rc = ioasid_walk_chain(node, iova, walk->access, false, walk, &end);
	if (!rc)
		return 0;
	if (!walk->fault_node) {
		/* Stopped by a limit, not by a level of the data's path. */
		walk->fault_node = node;
		walk->fault_reason = rc;
	}
	return -EIO;
}
