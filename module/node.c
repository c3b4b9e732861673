// SPDX-License-Identifier: GPL-2.0
/*
 * IOASID nodes: trees of I/O address spaces and their mappings.
 *
 * A node's mode is fixed at ALLOC. A kernel-managed root maps pinned
 * process memory (struct ioasid_pages) at IOVAs; a kernel-managed child maps
 * ranges of its parent's IOVA space, and translation goes on through the
 * parent. Mappings and reserved ranges live in two interval trees per node,
 * so map, unmap and lookup are O(log n) however many mappings there are.
 *
 * Locking, outermost first:
 *  - ictx->objects' xa_lock: the object table, object users, and every
 *    node's num_children. Lookups take a users reference under it; DESTROY
 *    succeeds only when the table's is the only one, so an object in use by
 *    another ioctl is never freed under it.
 *  - ioasid_pci_mutex (pcidev.c): PCI devices attaching, detaching, going.
 *  - ictx->account_lock (rw_semaphore): a root MAP holds it for reading
 *    from reading the account mode until its pages are in the node.
 *  - node->lock (rw_semaphore): the node's trees and counters. A path that
 *    holds a child's lock and needs its parent's takes the parent's after,
 *    with the node's depth as the lockdep subclass. Pinning is done before
 *    taking it. MAP, COPY and UNMAP write their answer inside it with page
 *    faults disabled (struct ioasid_answer); nothing faults user memory in
 *    or takes mmap_lock inside it, and nothing takes it under mmap_lock.
 *    Waits for it at ioctl entry are killable.
 *  - ictx->iotlb_lock, after node locks (device.c).
 *  - ictx->objects' xa_lock, a node's dirty xa_lock and a user-managed
 *    node's @user_deps xarrays' locks (iotlb.c), spinlocks, last.
 *
 * Pages are unpinned only after their last mapping has left every tree
 * (under the write lock), so once UNMAP returns nothing can translate to
 * them through this node or any node below it.
 */
#include <linux/interval_tree.h>
#include <linux/log2.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "ioasid_private.h"

/**
 * struct ioasid_mapping - one MAP or one piece of a COPY
 * @it: the IOVA range, [it.start, it.last]
 * @pages: for a root, the pinned pages behind it; NULL for a child
 * @addr_pg: for a root, the user page number in @pages of it.start; for a
 *	child, the parent IOVA it.start maps to, in pages. Page numbers leave
 *	room for @prot in the same word, which keeps a mapping with its pages
 *	at 120 bytes (ioasid_mapping_addr() gives the address)
 * @prot: IOASID_MAP_READ and/or IOASID_MAP_WRITE
 * @deps: the IOTLB entries whose translation went through this mapping
 *	(device.c); emptied before the mapping goes
 */
struct ioasid_mapping {
	struct interval_tree_node it;
	struct ioasid_pages *pages;
	u64 addr_pg : 64 - PAGE_SHIFT;
	u64 prot : 2;
	struct hlist_head deps;
};

static_assert((IOASID_MAP_READ | IOASID_MAP_WRITE) < 4);	/* fits @prot */

static struct kmem_cache *ioasid_mapping_cache;

int __init ioasid_node_init(void)
{
	ioasid_mapping_cache = KMEM_CACHE(ioasid_mapping, SLAB_ACCOUNT);
	return ioasid_mapping_cache ? 0 : -ENOMEM;
}

void ioasid_node_exit(void)
{
	kmem_cache_destroy(ioasid_mapping_cache);
}

static u64 ioasid_mapping_length(const struct ioasid_mapping *map)
{
	return map->it.last - map->it.start + 1;
}

static u64 ioasid_mapping_addr(const struct ioasid_mapping *map)
{
	return (u64)map->addr_pg << PAGE_SHIFT;
}

/* Is [start, start + length) page aligned, non-empty and not wrapping? */
static int ioasid_check_range(u64 start, u64 length)
{
	if (!length || !PAGE_ALIGNED(start) || !PAGE_ALIGNED(length))
		return -EINVAL;
	if (start + length - 1 < start)
		return -EOVERFLOW;
	return 0;
}

/* ALLOC ------------------------------------------------------------------ */

int ioasid_node_alloc(struct ioasid_ucmd *ucmd)
{
	struct ioasid_alloc *cmd = ucmd->cmd;
	struct ioasid_ctx *ictx = ucmd->ictx;
	struct ioasid_node *parent = NULL, *node;
	int rc;

	if (cmd->flags & ~(IOASID_ALLOC_CACHING_MODE | IOASID_ALLOC_PRI_AUTO_INVALID) ||
	    cmd->__reserved2)
		return -EOPNOTSUPP;
	switch (cmd->mode) {
	case IOASID_MODE_KERNEL_MANAGED:
		if (cmd->format || cmd->format_len || cmd->flags)
			return -EINVAL;
		break;
	case IOASID_MODE_USER_MANAGED:
		if (!cmd->parent_id)
			return -EINVAL;
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (cmd->parent_id) {
		parent = ioasid_node_get(ictx, cmd->parent_id);
		if (IS_ERR(parent))
			return PTR_ERR(parent);
		if (parent->depth >= IOASID_MAX_DEPTH) {
			rc = -EMLINK;
			goto out_put;
		}
		/* A PASID table translates no address space of its own. */
		if (ioasid_format_is_pasid_table(parent->format)) {
			rc = -EINVAL;
			goto out_put;
		}
	}

	node = kzalloc(sizeof(*node), GFP_KERNEL_ACCOUNT);
	if (!node) {
		rc = -ENOMEM;
		goto out_put;
	}
	node->obj.type = IOASID_OBJ_NODE;
	node->ictx = ictx;
	node->parent = parent;
	node->depth = parent ? parent->depth + 1 : 1;
	node->mode = cmd->mode;
	node->caching_mode = cmd->flags & IOASID_ALLOC_CACHING_MODE;
	node->pri_auto_invalid = cmd->flags & IOASID_ALLOC_PRI_AUTO_INVALID;
	init_rwsem(&node->lock);
	node->mappings = RB_ROOT_CACHED;
	node->reserved = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&node->hwdoms);
	ioasid_dirty_init(node);
	if (ioasid_node_is_user(node)) {
		rc = ioasid_user_alloc(node, cmd);
		if (rc)
			goto out_free;
	}

	/* Reserve an id, answer, and only then make the node visible. */
	rc = ioasid_object_reserve(ictx, &node->obj);
	if (rc)
		goto out_free;
	if (cmd->fault_queue_id) {
		rc = ioasid_fault_set_node_queue(node, cmd->fault_queue_id);
		if (rc)
			goto out_abort;
	}
	cmd->out_id = node->obj.id;
	rc = ioasid_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_abort;

	xa_lock(&ictx->objects);
	if (parent)
		parent->num_children++;
	ioasid_object_publish_locked(ictx, &node->obj);
	xa_unlock(&ictx->objects);
	ioasid_stat_add(nodes, 1);
	if (parent)
		ioasid_node_put(parent);
	return 0;

out_abort:
	ioasid_fault_set_node_queue(node, 0);
	ioasid_object_abort(ictx, &node->obj);
out_free:
	ioasid_dirty_destroy(node);
	kfree(node);
out_put:
	if (parent)
		ioasid_node_put(parent);
	return rc;
}

/* Unmapping ---------------------------------------------------------------- */

/*
 * Remove one mapping from its node and free it; its pages are unpinned
 * once @fl's IOTLB flush is done (at once when no domain held them).
 */
static void ioasid_mapping_remove(struct ioasid_node *node,
				  struct ioasid_mapping *map,
				  struct ioasid_iommu_flush *fl)
{
	u64 length = ioasid_mapping_length(map);

	lockdep_assert_held_write(&node->lock);
	WARN_ON_ONCE(!hlist_empty(&map->deps));
	interval_tree_remove(&map->it, &node->mappings);
	node->num_mappings--;
	node->mapped_bytes -= length;
	if (map->pages) {
		node->pinned_bytes -= length;
		atomic_long_dec(&node->ictx->pinned_mappings);
		ioasid_hwdom_put_pages(node, map->pages, fl);
	} else {
		atomic_long_dec(&node->ictx->child_mappings);
	}
	kmem_cache_free(ioasid_mapping_cache, map);
	ioasid_stat_sub(mappings, 1);
}

/*
 * Unmap every mapping inside [start, last]; ENOENT if one would be split.
 * The bytes it will unmap are answered first, in *@unmapped and at @ans.
 * PCI devices' domains lose the mappings now, their IOTLBs with @fl.
 */
static int ioasid_node_unmap_range(struct ioasid_node *node, unsigned long start,
				   unsigned long last, u64 *unmapped,
				   const struct ioasid_answer *ans,
				   struct ioasid_iommu_flush *fl)
{
	struct interval_tree_node *it;
	u64 bytes = 0;
	int rc;

	lockdep_assert_held_write(&node->lock);
	/* Mappings never overlap: only the first and the last can stick out. */
	it = interval_tree_iter_first(&node->mappings, start, last);
	if (!it || it->start < start)
		return -ENOENT;
	it = interval_tree_iter_first(&node->mappings, last, last);
	if (it && it->last > last)
		return -ENOENT;

	for (it = interval_tree_iter_first(&node->mappings, start, last); it;
	     it = interval_tree_iter_next(it, start, last)) {
		bytes += it->last - it->start + 1;
		cond_resched();
	}
	*unmapped = bytes;
	rc = ioasid_answer_write(ans);
	if (rc)
		return rc;

	while ((it = interval_tree_iter_first(&node->mappings, start, last))) {
		struct ioasid_mapping *map = container_of(it, struct ioasid_mapping, it);

		/* No cached translation may outlive the mapping it came from. */
		ioasid_iotlb_invalidate(node, &map->deps, 0, ULONG_MAX, true);
		if (map->pages)
			ioasid_hwdom_unmap(node, it->start,
					   ioasid_mapping_length(map), fl);
		ioasid_mapping_remove(node, map, fl);
		cond_resched();
	}
	return 0;
}

int ioasid_unmap(struct ioasid_ctx *ictx, struct ioasid_unmap *cmd,
		 const struct ioasid_answer *ans, struct ioasid_iommu_flush *fl)
{
	struct ioasid_node *node;
	unsigned long start = 0, last = ULONG_MAX;
	unsigned int tries = 0;
	int rc;

	if (cmd->flags & ~IOASID_UNMAP_ALL || cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->flags & IOASID_UNMAP_ALL) {
		if (cmd->iova || cmd->length)
			return -EINVAL;
	} else {
		rc = ioasid_check_range(cmd->iova, cmd->length);
		if (rc)
			return rc;
		start = cmd->iova;
		last = cmd->iova + cmd->length - 1;
	}

	node = ioasid_kernel_node_get(ictx, cmd->id);
	if (IS_ERR(node))
		return PTR_ERR(node);
	do {
		if (down_write_killable(&node->lock)) {
			rc = -EINTR;
			break;
		}
		cmd->out_unmapped = 0;
		if (cmd->flags & IOASID_UNMAP_ALL && !node->num_mappings)
			rc = ioasid_answer_write(ans);	/* all of nothing: no error */
		else
			rc = ioasid_node_unmap_range(node, start, last,
						     &cmd->out_unmapped, ans, fl);
		up_write(&node->lock);
	} while (rc == -EAGAIN && !(rc = ioasid_answer_fault_in(ans, &tries)));
	ioasid_node_put(node);
	return rc;
}

/* Mapping ------------------------------------------------------------------ */

/* IOVA alignment for a source address: like it, up to the largest page. */
static unsigned long ioasid_iova_align(u64 addr)
{
	unsigned int shift = addr ? __ffs64(addr) : 63;

	return 1UL << min_t(unsigned int, shift, PUD_SHIFT);
}

/* Find a free range of @length at @align, from the node's hint on. */
static int ioasid_node_find_iova(struct ioasid_node *node, u64 length,
				 unsigned long align, unsigned long *iova)
{
	unsigned long start = max(node->alloc_hint, align);
	unsigned long first = start;
	struct interval_tree_node *hit;
	bool wrapped = false;

	lockdep_assert_held(&node->lock);
	for (;;) {
		if (start > ULONG_MAX - (align - 1) ||
		    ALIGN(start, align) > ULONG_MAX - (length - 1)) {
			if (wrapped)
				return -ENOSPC;
			wrapped = true;
			start = align;
			continue;
		}
		start = ALIGN(start, align);
		if (wrapped && start >= first)
			return -ENOSPC;
		hit = interval_tree_iter_first(&node->mappings, start,
					       start + length - 1);
		if (!hit)
			hit = interval_tree_iter_first(&node->reserved, start,
						       start + length - 1);
		if (!hit) {
			*iova = start;
			return 0;
		}
		if (hit->last == ULONG_MAX) {
			start = ULONG_MAX;	/* forces the wrap above */
			continue;
		}
		start = hit->last + 1;
		cond_resched();		/* a fragmented node has many holes */
	}
}

/* Check a caller-chosen range: EEXIST on a mapping, EADDRINUSE on a reservation. */
static int ioasid_node_check_iova(struct ioasid_node *node, unsigned long start,
				  unsigned long last)
{
	lockdep_assert_held(&node->lock);
	if (interval_tree_iter_first(&node->mappings, start, last))
		return -EEXIST;
	if (interval_tree_iter_first(&node->reserved, start, last))
		return -EADDRINUSE;
	return 0;
}

/* Count @n more mappings in a child against the context's limit. */
static int ioasid_child_mappings_add(struct ioasid_ctx *ictx, unsigned long n)
{
	if (atomic_long_add_return(n, &ictx->child_mappings) >
	    ictx->limits.child_mappings) {
		atomic_long_sub(n, &ictx->child_mappings);
		return -EDQUOT;
	}
	return 0;
}

/* Unmap [start, start + length) from a root's domains, flushed on return. */
static void ioasid_node_unmap_hw(struct ioasid_node *node, unsigned long start,
				 u64 length)
{
	struct ioasid_iommu_flush fl;

	ioasid_iommu_flush_init(&fl);
	ioasid_hwdom_unmap(node, start, length, &fl);
	ioasid_iommu_flush_finish(&fl);
}

/* Mirror root pieces about to be inserted at @start into the domains. */
static int ioasid_node_insert_hw(struct ioasid_node *node,
				 struct ioasid_mapping **maps, unsigned long n,
				 unsigned long start)
{
	unsigned long i, iova = start;
	int rc;

	for (i = 0; i < n; i++) {
		u64 len = maps[i]->it.last + 1;	/* pieces carry their length */

		rc = ioasid_hwdom_map(node, iova, maps[i]->pages,
				      maps[i]->addr_pg, len, maps[i]->prot);
		if (rc) {
			if (iova != start)
				ioasid_node_unmap_hw(node, start, iova - start);
			return rc;
		}
		iova += len;
	}
	return 0;
}

/*
 * Place @maps (@n pieces of @length bytes in all, in IOVA order) at
 * *@iova, or at a free range aligned for @src when !@fixed. The answer
 * (with *@iova) is written before anything changes.
 */
static int ioasid_node_insert(struct ioasid_node *node,
			      struct ioasid_mapping **maps, unsigned long n,
			      u64 length, u64 src, bool fixed, u64 *iova,
			      const struct ioasid_answer *ans)
{
	unsigned long start, i;
	int rc;

	lockdep_assert_held_write(&node->lock);
	if (fixed) {
		start = *iova;
		rc = ioasid_node_check_iova(node, start, start + length - 1);
	} else {
		rc = ioasid_node_find_iova(node, length, ioasid_iova_align(src),
					   &start);
	}
	if (rc)
		return rc;

	*iova = start;
	if (!maps[0]->pages) {
		rc = ioasid_child_mappings_add(node->ictx, n);
		if (rc)
			return rc;
	} else if (!list_empty(&node->hwdoms)) {
		/* PCI devices' domains first: they are what can fail. */
		rc = ioasid_node_insert_hw(node, maps, n, start);
		if (rc)
			return rc;
	}
	rc = ioasid_answer_write(ans);
	if (rc) {
		if (!maps[0]->pages)
			atomic_long_sub(n, &node->ictx->child_mappings);
		else
			ioasid_node_unmap_hw(node, start, length);
		return rc;
	}
	for (i = 0; i < n; i++) {
		u64 len = maps[i]->it.last + 1;	/* pieces carry their length */

		maps[i]->it.start = start;
		maps[i]->it.last = start + len - 1;
		interval_tree_insert(&maps[i]->it, &node->mappings);
		node->num_mappings++;
		node->mapped_bytes += len;
		if (maps[i]->pages) {
			node->pinned_bytes += len;
			atomic_long_inc(&node->ictx->pinned_mappings);
		}
		start += len;
	}
	if (!fixed)
		node->alloc_hint = start;	/* 0 after the top: starts over */
	ioasid_stat_add(mappings, n);
	return 0;
}

/* ioasid_node_insert() under @node's write lock, faulting the answer in as needed. */
static int ioasid_node_insert_answered(struct ioasid_node *node,
				       struct ioasid_mapping **maps,
				       unsigned long n, u64 length, u64 src,
				       bool fixed, u64 *iova,
				       const struct ioasid_answer *ans)
{
	unsigned int tries = 0;
	int rc;

	do {
		if (down_write_killable(&node->lock))
			return -EINTR;
		rc = ioasid_node_insert(node, maps, n, length, src, fixed, iova, ans);
		up_write(&node->lock);
	} while (rc == -EAGAIN && !(rc = ioasid_answer_fault_in(ans, &tries)));
	return rc;
}

static int ioasid_check_map_flags(u32 flags)
{
	if (flags & ~(IOASID_MAP_READ | IOASID_MAP_WRITE | IOASID_MAP_FIXED_IOVA))
		return -EOPNOTSUPP;
	if (!(flags & (IOASID_MAP_READ | IOASID_MAP_WRITE)))
		return -EINVAL;
	return 0;
}

int ioasid_map(struct ioasid_ctx *ictx, struct ioasid_map *cmd,
	       const struct ioasid_answer *ans)
{
	bool fixed = cmd->flags & IOASID_MAP_FIXED_IOVA;
	struct ioasid_pages *pages = NULL;
	struct ioasid_mapping *map;
	struct ioasid_node *node;
	int rc;

	rc = ioasid_check_map_flags(cmd->flags);
	if (rc || cmd->__reserved)
		return rc ? rc : -EOPNOTSUPP;
	rc = ioasid_check_range(cmd->addr, cmd->length);
	if (!rc && fixed)
		rc = ioasid_check_range(cmd->iova, cmd->length);
	if (rc)
		return rc;

	node = ioasid_kernel_node_get(ictx, cmd->id);
	if (IS_ERR(node))
		return PTR_ERR(node);

	/* Refuse a taken fixed range before pinning anything for it. */
	if (fixed) {
		if (down_read_killable(&node->lock)) {
			rc = -EINTR;
			goto out_put;
		}
		rc = ioasid_node_check_iova(node, cmd->iova,
					    cmd->iova + cmd->length - 1);
		up_read(&node->lock);
		if (rc)
			goto out_put;
	}

	map = kmem_cache_zalloc(ioasid_mapping_cache, GFP_KERNEL_ACCOUNT);
	if (!map) {
		rc = -ENOMEM;
		goto out_put;
	}
	if (!node->parent) {
		if (!access_ok(u64_to_user_ptr(cmd->addr), cmd->length)) {
			rc = -EFAULT;
			goto out_free;
		}
		/* The mode cannot change until these pages are in the node. */
		if (down_read_killable(&ictx->account_lock)) {
			rc = -EINTR;
			goto out_free;
		}
		pages = ioasid_pages_pin(cmd->addr, cmd->length >> PAGE_SHIFT,
					 cmd->flags & IOASID_MAP_WRITE,
					 ictx->account_mode);
		if (IS_ERR(pages)) {
			rc = PTR_ERR(pages);
			goto out_unlock;
		}
	}
	map->addr_pg = cmd->addr >> PAGE_SHIFT;
	map->pages = pages;
	map->prot = cmd->flags & (IOASID_MAP_READ | IOASID_MAP_WRITE);
	map->it.last = cmd->length - 1;

	rc = ioasid_node_insert_answered(node, &map, 1, cmd->length, cmd->addr,
					 fixed, &cmd->iova, ans);
	if (rc && pages)
		ioasid_pages_put(pages);
	if (!rc)
		ioasid_shadows_refill(node, cmd->iova, cmd->iova + cmd->length - 1);
out_unlock:
	if (!node->parent)
		up_read(&ictx->account_lock);
out_free:
	if (rc)
		kmem_cache_free(ioasid_mapping_cache, map);
out_put:
	ioasid_node_put(node);
	return rc;
}

/*
 * A run of a BATCH: @n MAPs of adjacent memory at adjacent fixed IOVAs of
 * one root with the same flags, done as one: one pin of the whole span,
 * one insertion under the lock, one mirror into PCI devices' domains (one
 * IOTLB sync). All or nothing: on any error nothing changed and the caller
 * runs the entries one by one, which gives each its exact outcome.
 */
struct ioasid_map_run_buf {
	unsigned long npages[IOASID_MAP_RUN_MAX];
	struct ioasid_mapping *maps[IOASID_MAP_RUN_MAX];
	struct ioasid_pages *pages[IOASID_MAP_RUN_MAX];
};

int ioasid_map_run(struct ioasid_ctx *ictx, struct ioasid_map *cmds,
		   unsigned int n, const struct ioasid_answer *ans)
{
	u32 prot = cmds[0].flags & (IOASID_MAP_READ | IOASID_MAP_WRITE);
	unsigned long *npages, start = cmds[0].iova, i;
	struct ioasid_map_run_buf *buf;
	struct ioasid_mapping **maps;
	struct ioasid_pages **pages;
	struct ioasid_node *node;
	bool hw_mapped = false;
	u64 length = 0;
	int rc;

	if (n < 2 || n > IOASID_MAP_RUN_MAX)
		return -EINVAL;
	buf = kvzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	npages = buf->npages;
	maps = buf->maps;
	pages = buf->pages;
	for (i = 0; i < n; i++) {
		if (cmds[i].id != cmds[0].id || cmds[i].flags != cmds[0].flags ||
		    !(cmds[i].flags & IOASID_MAP_FIXED_IOVA) ||
		    ioasid_check_map_flags(cmds[i].flags) || cmds[i].__reserved ||
		    ioasid_check_range(cmds[i].addr, cmds[i].length) ||
		    ioasid_check_range(cmds[i].iova, cmds[i].length) ||
		    cmds[i].iova != start + length ||
		    cmds[i].addr != cmds[0].addr + length) {
			kvfree(buf);
			return -EINVAL;
		}
		npages[i] = cmds[i].length >> PAGE_SHIFT;
		length += cmds[i].length;
	}
	rc = ioasid_check_range(start, length);
	if (!rc)
		rc = ioasid_check_range(cmds[0].addr, length);
	if (!rc && !access_ok(u64_to_user_ptr(cmds[0].addr), length))
		rc = -EFAULT;
	if (rc) {
		kvfree(buf);
		return rc;
	}

	node = ioasid_kernel_node_get(ictx, cmds[0].id);
	if (IS_ERR(node)) {
		kvfree(buf);
		return PTR_ERR(node);
	}
	if (node->parent) {
		rc = -EINVAL;	/* children pin nothing: one by one is as good */
		goto out_put;
	}
	for (i = 0; i < n; i++) {
		maps[i] = kmem_cache_zalloc(ioasid_mapping_cache, GFP_KERNEL_ACCOUNT);
		if (!maps[i]) {
			rc = -ENOMEM;
			goto out_free;
		}
	}
	if (down_read_killable(&ictx->account_lock)) {
		rc = -EINTR;
		goto out_free;
	}
	rc = ioasid_pages_pin_run(cmds[0].addr, npages, n,
				  prot & IOASID_MAP_WRITE, ictx->account_mode,
				  pages);
	if (rc)
		goto out_unlock_account;
	for (i = 0; i < n; i++) {
		maps[i]->addr_pg = cmds[i].addr >> PAGE_SHIFT;
		maps[i]->pages = pages[i];
		maps[i]->prot = prot;
		maps[i]->it.start = cmds[i].iova;
		maps[i]->it.last = cmds[i].iova + cmds[i].length - 1;
	}

	if (down_write_killable(&node->lock)) {
		rc = -EINTR;
		goto out_unpin;
	}
	rc = ioasid_node_check_iova(node, start, start + length - 1);
	if (!rc && !list_empty(&node->hwdoms)) {
		rc = ioasid_hwdom_map_run(node, start, pages, n, prot);
		hw_mapped = !rc;
	}
	/* Every answer (the IOVA asked for) before anything is in. */
	for (i = 0; !rc && i < n; i++)
		rc = ioasid_answer_write(&ans[i]);
	if (rc) {
		if (hw_mapped)
			ioasid_node_unmap_hw(node, start, length);
		up_write(&node->lock);
		goto out_unpin;
	}
	for (i = 0; i < n; i++) {
		interval_tree_insert(&maps[i]->it, &node->mappings);
		node->num_mappings++;
		node->mapped_bytes += cmds[i].length;
		node->pinned_bytes += cmds[i].length;
		atomic_long_inc(&ictx->pinned_mappings);
	}
	ioasid_stat_add(mappings, n);
	up_write(&node->lock);
	up_read(&ictx->account_lock);
	ioasid_shadows_refill(node, start, start + length - 1);
	ioasid_node_put(node);
	kvfree(buf);
	return 0;

out_unpin:
	for (i = 0; i < n; i++)
		ioasid_pages_put(pages[i]);
out_unlock_account:
	up_read(&ictx->account_lock);
out_free:
	for (i = 0; i < n; i++)
		if (maps[i])
			kmem_cache_free(ioasid_mapping_cache, maps[i]);
out_put:
	ioasid_node_put(node);
	kvfree(buf);
	return rc;
}

/* COPY --------------------------------------------------------------------- */

/*
 * Take references on the pages behind [start, last] of @src, which must be
 * mapped throughout with at least @prot: one new mapping per source piece.
 */
static int ioasid_copy_collect(struct ioasid_node *src, unsigned long start,
			       unsigned long last, u32 prot,
			       struct ioasid_mapping ***mapsp, unsigned long *np)
{
	struct ioasid_mapping **maps, *from, *map;
	struct interval_tree_node *it;
	unsigned long cursor, n = 0, i = 0;
	int rc = 0;

	lockdep_assert_held(&src->lock);
	/* Pass 1: coverage, permissions, count. */
	cursor = start;
	for (it = interval_tree_iter_first(&src->mappings, start, last); it;
	     it = interval_tree_iter_next(it, start, last)) {
		from = container_of(it, struct ioasid_mapping, it);
		if (it->start > cursor)
			return -ENOENT;
		if (prot & ~from->prot)
			return -EPERM;
		n++;
		if (it->last >= last)
			break;
		cursor = it->last + 1;
		cond_resched();
	}
	if (!it || it->last < last)
		return -ENOENT;

	maps = kvcalloc(n, sizeof(*maps), GFP_KERNEL_ACCOUNT);
	if (!maps)
		return -ENOMEM;
	/* Pass 2: one mapping per piece, holding a reference on its pages. */
	cursor = start;
	for (it = interval_tree_iter_first(&src->mappings, start, last);
	     it && i < n; it = interval_tree_iter_next(it, start, last), i++) {
		from = container_of(it, struct ioasid_mapping, it);
		map = kmem_cache_zalloc(ioasid_mapping_cache, GFP_KERNEL_ACCOUNT);
		if (!map) {
			rc = -ENOMEM;
			break;
		}
		kref_get(&from->pages->kref);
		map->pages = from->pages;
		map->addr_pg = (ioasid_mapping_addr(from) + (cursor - it->start)) >> PAGE_SHIFT;
		map->prot = prot;
		map->it.last = min(it->last, last) - cursor;	/* length - 1 */
		maps[i] = map;
		cursor = it->last + 1;
		cond_resched();
	}
	if (rc) {
		ioasid_mappings_free(maps, i);
		return rc;
	}
	*mapsp = maps;
	*np = n;
	return 0;
}

/* Free mappings that never made it into a tree. */
void ioasid_mappings_free(struct ioasid_mapping **maps, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		ioasid_pages_put(maps[i]->pages);
		kmem_cache_free(ioasid_mapping_cache, maps[i]);
	}
	kvfree(maps);
}

int ioasid_copy(struct ioasid_ucmd *ucmd)
{
	struct ioasid_copy *cmd = ucmd->cmd;
	bool fixed = cmd->flags & IOASID_MAP_FIXED_IOVA;
	struct ioasid_node *src, *dst;
	struct ioasid_mapping **maps;
	struct ioasid_answer ans;
	unsigned long n;
	int rc;

	rc = ioasid_check_map_flags(cmd->flags);
	if (rc || cmd->__reserved || cmd->__reserved2)
		return rc ? rc : -EOPNOTSUPP;
	rc = ioasid_check_range(cmd->src_iova, cmd->length);
	if (!rc && fixed)
		rc = ioasid_check_range(cmd->dst_iova, cmd->length);
	if (rc)
		return rc;

	src = ioasid_node_get(ucmd->ictx, cmd->src_id);
	if (IS_ERR(src))
		return PTR_ERR(src);
	dst = ioasid_node_get(ucmd->ictx, cmd->dst_id);
	if (IS_ERR(dst)) {
		rc = PTR_ERR(dst);
		goto out_put_src;
	}
	if (src->parent || dst->parent) {
		rc = -EINVAL;
		goto out_put;
	}

	rc = ioasid_answer_init(&ans,
				&((struct ioasid_copy __user *)ucmd->ubuffer)->dst_iova,
				&cmd->dst_iova, sizeof(cmd->dst_iova));
	if (rc)
		goto out_put;

	/* Never hold both locks: two opposite COPYs would deadlock. */
	if (down_read_killable(&src->lock)) {
		rc = -EINTR;
		goto out_put;
	}
	rc = ioasid_copy_collect(src, cmd->src_iova,
				 cmd->src_iova + cmd->length - 1,
				 cmd->flags & (IOASID_MAP_READ | IOASID_MAP_WRITE),
				 &maps, &n);
	up_read(&src->lock);
	if (rc)
		goto out_put;

	rc = ioasid_node_insert_answered(dst, maps, n, cmd->length, cmd->src_iova,
					 fixed, &cmd->dst_iova, &ans);
	if (rc) {
		ioasid_mappings_free(maps, n);
	} else {
		kvfree(maps);
		ioasid_shadows_refill(dst, cmd->dst_iova,
				      cmd->dst_iova + cmd->length - 1);
	}
out_put:
	ioasid_node_put(dst);
out_put_src:
	ioasid_node_put(src);
	return rc;
}

/* IOVA ranges and reservations --------------------------------------------- */

int ioasid_reserve_iova(struct ioasid_ucmd *ucmd)
{
	struct ioasid_reserve_iova *cmd = ucmd->cmd;
	struct ioasid_ctx *ictx = ucmd->ictx;
	struct ioasid_reserved *res = NULL;
	struct interval_tree_node *it;
	unsigned long start, last;
	struct ioasid_node *node;
	int rc;

	if (cmd->flags & ~IOASID_RESERVE_REMOVE || cmd->__reserved)
		return -EOPNOTSUPP;
	rc = ioasid_check_range(cmd->iova, cmd->length);
	if (rc)
		return rc;
	start = cmd->iova;
	last = cmd->iova + cmd->length - 1;

	node = ioasid_kernel_node_get(ictx, cmd->id);
	if (IS_ERR(node))
		return PTR_ERR(node);
	if (!(cmd->flags & IOASID_RESERVE_REMOVE)) {
		if (atomic_inc_return(&ictx->reservations) > ictx->limits.reservations) {
			atomic_dec(&ictx->reservations);
			rc = -EDQUOT;
			goto out_put;
		}
		res = kzalloc(sizeof(*res), GFP_KERNEL_ACCOUNT);
		if (!res) {
			atomic_dec(&ictx->reservations);
			rc = -ENOMEM;
			goto out_put;
		}
		res->it.start = start;
		res->it.last = last;
	}

	if (down_write_killable(&node->lock)) {
		rc = -EINTR;
		goto out_free;
	}
	if (res) {
		if (interval_tree_iter_first(&node->mappings, start, last)) {
			rc = -EADDRINUSE;
		} else {
			interval_tree_insert(&res->it, &node->reserved);
			res = NULL;
		}
	} else {
		rc = -ENOENT;
		for (it = interval_tree_iter_first(&node->reserved, start, last);
		     it; it = interval_tree_iter_next(it, start, last)) {
			/* A device's reserved regions are not the caller's to remove. */
			if (it->start == start && it->last == last &&
			    !container_of(it, struct ioasid_reserved, it)->owner) {
				interval_tree_remove(it, &node->reserved);
				res = container_of(it, struct ioasid_reserved, it);
				rc = 0;
				break;
			}
			cond_resched();
		}
	}
	up_write(&node->lock);
out_free:
	/* A reservation not inserted, or one removed: either way it no longer counts. */
	if (res) {
		atomic_dec(&ictx->reservations);
		kfree(res);
	}
out_put:
	ioasid_node_put(node);
	return rc;
}

int ioasid_iova_ranges(struct ioasid_ucmd *ucmd)
{
	struct ioasid_iova_ranges *cmd = ucmd->cmd;
	struct ioasid_iova_range __user *uranges = u64_to_user_ptr(cmd->ranges);
	struct ioasid_iova_range *ranges;
	struct interval_tree_node *it;
	unsigned long cursor = 0, n = 0, max;
	struct ioasid_node *node;
	bool done = false;
	int rc = 0;

	if (cmd->flags || cmd->__reserved || cmd->__reserved2)
		return -EOPNOTSUPP;
	node = ioasid_kernel_node_get(ucmd->ictx, cmd->id);
	if (IS_ERR(node))
		return PTR_ERR(node);

	if (down_read_killable(&node->lock)) {
		rc = -EINTR;
		goto out_put;
	}
	/*
	 * Gaps between reservations: at most one more than there are of them,
	 * which the context's limit bounds (so no allocation here is huge).
	 */
	max = 1;
	for (it = interval_tree_iter_first(&node->reserved, 0, ULONG_MAX); it;
	     it = interval_tree_iter_next(it, 0, ULONG_MAX)) {
		max++;
		cond_resched();
	}
	ranges = kvcalloc(max, sizeof(*ranges), GFP_KERNEL | __GFP_NOWARN);
	if (!ranges) {
		up_read(&node->lock);
		rc = -ENOMEM;
		goto out_put;
	}
	/* In order of start: overlapping reservations merge. */
	for (it = interval_tree_iter_first(&node->reserved, 0, ULONG_MAX);
	     it && !done; it = interval_tree_iter_next(it, 0, ULONG_MAX)) {
		if (it->start > cursor)
			ranges[n++] = (struct ioasid_iova_range){
				.start = cursor, .last = it->start - 1 };
		if (it->last == ULONG_MAX)
			done = true;
		else
			cursor = max(cursor, it->last + 1);
		cond_resched();
	}
	if (!done)
		ranges[n++] = (struct ioasid_iova_range){
			.start = cursor, .last = ULONG_MAX };
	up_read(&node->lock);

	if (copy_to_user(uranges, ranges,
			 min_t(unsigned long, n, cmd->num_ranges) * sizeof(*ranges)))
		rc = -EFAULT;
	kvfree(ranges);
	if (rc)
		goto out_put;
	rc = n > cmd->num_ranges ? -EMSGSIZE : 0;
	cmd->num_ranges = n;
	if (copy_to_user(&((struct ioasid_iova_ranges __user *)ucmd->ubuffer)->num_ranges,
			 &cmd->num_ranges, sizeof(cmd->num_ranges)))
		rc = -EFAULT;
out_put:
	ioasid_node_put(node);
	return rc;
}

/* INFO and DESTROY --------------------------------------------------------- */

int ioasid_node_info(struct ioasid_ucmd *ucmd)
{
	struct ioasid_node_info *cmd = ucmd->cmd;
	struct ioasid_node *node;

	if (cmd->flags || cmd->__reserved || cmd->__reserved2)
		return -EOPNOTSUPP;
	node = ioasid_node_get(ucmd->ictx, cmd->id);
	if (IS_ERR(node))
		return PTR_ERR(node);

	cmd->out_mode = node->mode;
	cmd->out_parent_id = node->parent ? node->parent->obj.id : 0;
	cmd->out_depth = node->depth;
	xa_lock(&ucmd->ictx->objects);
	cmd->out_num_children = node->num_children;
	xa_unlock(&ucmd->ictx->objects);
	if (down_read_killable(&node->lock)) {
		ioasid_node_put(node);
		return -EINTR;
	}
	cmd->out_num_mappings = node->num_mappings;
	cmd->out_mapped_bytes = node->mapped_bytes;
	cmd->out_pinned_bytes = node->pinned_bytes;
	cmd->out_format = node->format;
	cmd->out_flags = (node->bound ? IOASID_NODE_BOUND : 0) |
			 (node->caching_mode ? IOASID_NODE_CACHING_MODE : 0) |
			 (node->pri_auto_invalid ? IOASID_NODE_PRI_AUTO_INVALID : 0);
	cmd->out_root = node->root;
	cmd->out_bind_flags = node->bind_flags;
	up_read(&node->lock);
	ioasid_node_put(node);
	return ioasid_ucmd_respond(ucmd, sizeof(*cmd));
}

/* Free a node nobody can reach any more: unmaps and unpins everything. */
void ioasid_node_free(struct ioasid_node *node)
{
	struct interval_tree_node *it;

	ioasid_fault_node_gone(node);
	down_write(&node->lock);
	/* Nothing is attached: no domain holds the pages. */
	WARN_ON(!list_empty(&node->hwdoms));
	while ((it = interval_tree_iter_first(&node->mappings, 0, ULONG_MAX))) {
		ioasid_mapping_remove(node, container_of(it, struct ioasid_mapping, it),
				      NULL);
		cond_resched();
	}
	while ((it = interval_tree_iter_first(&node->reserved, 0, ULONG_MAX))) {
		interval_tree_remove(it, &node->reserved);
		kfree(container_of(it, struct ioasid_reserved, it));
		atomic_dec(&node->ictx->reservations);
		cond_resched();
	}
	up_write(&node->lock);
	/* Nothing attached, no children: nothing can have cached through it. */
	WARN_ON(node->num_deps);
	if (ioasid_node_is_user(node))
		ioasid_user_deps_destroy(node);
	ioasid_dirty_destroy(node);
	ioasid_stat_sub(nodes, 1);
	kfree(node);
}

/* Translation (walk.c) -------------------------------------------------------- */

/**
 * ioasid_node_lookup() - the mapping of a kernel-managed node at an address
 * @node: the node, locked
 * @addr: an address of its IOVA space
 * @grant: set to the IOASID_PT_* the mapping grants
 * @first: set to the mapping's first IOVA
 * @last: set to its last
 *
 * Return: the mapping, or NULL when nothing is mapped there.
 */
struct ioasid_mapping *ioasid_node_lookup(struct ioasid_node *node,
					  unsigned long addr, u32 *grant,
					  unsigned long *first,
					  unsigned long *last)
{
	struct interval_tree_node *it;
	struct ioasid_mapping *map;

	lockdep_assert_held(&node->lock);
	it = interval_tree_iter_first(&node->mappings, addr, addr);
	if (!it)
		return NULL;
	map = container_of(it, struct ioasid_mapping, it);
	/* Kernel-managed levels: either privilege; EXEC wherever READ. */
	*grant = 0;
	if (map->prot & IOASID_MAP_READ)
		*grant |= IOASID_PT_UR | IOASID_PT_SR | IOASID_PT_UX | IOASID_PT_SX;
	if (map->prot & IOASID_MAP_WRITE)
		*grant |= IOASID_PT_UW | IOASID_PT_SW;
	*first = it->start;
	*last = it->last;
	return map;
}

/**
 * ioasid_mapping_target() - where an address of a mapping leads
 * @map: the mapping (from ioasid_node_lookup(), node still locked)
 * @addr: an address inside it
 * @target: set to the parent's address (a child), or to the byte's offset
 *	in the user address space the pages were pinned from (a root)
 * @deps: set to the mapping's list of IOTLB entries
 *
 * Return: the pinned pages of a root's mapping, or NULL for a child's.
 */
struct ioasid_pages *ioasid_mapping_target(struct ioasid_mapping *map,
					   unsigned long addr,
					   unsigned long *target,
					   struct hlist_head **deps)
{
	*target = ioasid_mapping_addr(map) + (addr - map->it.start);
	*deps = &map->deps;
	return map->pages;
}

/**
 * ioasid_mapping_pages() - what a root's mapping holds (hwdom.c's replay)
 * @it: the mapping's node in a root's mappings tree
 * @index: set to the user page number in the pages of it->start
 * @prot: set to its IOASID_MAP_* bits
 *
 * Return: its pinned pages.
 */
struct ioasid_pages *ioasid_mapping_pages(struct interval_tree_node *it,
					  unsigned long *index, u32 *prot)
{
	struct ioasid_mapping *map = container_of(it, struct ioasid_mapping, it);

	*index = map->addr_pg;
	*prot = map->prot;
	return map->pages;
}

/**
 * ioasid_node_each_mapping() - visit a kernel-managed node's mappings over a range
 * @node: the node, locked
 * @start: first IOVA of the range
 * @last: last IOVA
 * @fn: called with each mapping's part in the range, [@first, @last], and
 *	where @first leads (a parent IOVA; for a root, the user address);
 *	a non-zero return stops the visit and is returned
 * @arg: for @fn
 *
 * Return: 0, or what @fn returned.
 */
int ioasid_node_each_mapping(struct ioasid_node *node, unsigned long start,
			     unsigned long last,
			     int (*fn)(void *arg, unsigned long first,
				       unsigned long last, unsigned long target),
			     void *arg)
{
	struct interval_tree_node *it;
	struct ioasid_mapping *map;
	unsigned long first;
	int rc;

	lockdep_assert_held(&node->lock);
	for (it = interval_tree_iter_first(&node->mappings, start, last); it;
	     it = interval_tree_iter_next(it, start, last)) {
		map = container_of(it, struct ioasid_mapping, it);
		first = max(start, it->start);
		rc = fn(arg, first, min(last, it->last),
			ioasid_mapping_addr(map) + (first - it->start));
		if (rc)
			return rc;
		cond_resched();
	}
	return 0;
}

/* Invalidation without unmapping ------------------------------------------- */

/*
 * Drop the cached translations through [start, last] of @node's IOVAs
 * without unmapping: a visit to each mapping there, unless nothing at all
 * was cached through the node.
 */
void ioasid_node_invalidate(struct ioasid_node *node, unsigned long start,
			    unsigned long last)
{
	struct interval_tree_node *it;

	lockdep_assert_held_write(&node->lock);
	/* Only entries through this node, under its read lock, add to it. */
	if (!READ_ONCE(node->num_deps))
		return;
	for (it = interval_tree_iter_first(&node->mappings, start, last); it;
	     it = interval_tree_iter_next(it, start, last)) {
		ioasid_iotlb_invalidate(node, &container_of(it, struct ioasid_mapping, it)->deps,
					start, last, false);
		cond_resched();
	}
}
