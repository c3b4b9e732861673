// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty tracking: which pages of a node's IOVA space devices wrote.
 *
 * While a node tracks, every write through it (DMA, TRANSLATE for writing)
 * records the pages it touched in the node's @dirty xarray, one value entry
 * per page index, at whatever depth below the node the write entered.
 *
 * A record that cannot be stored (no memory) is never lost: the node keeps
 * one span of page indexes covering every such page (@lost_first to
 * @lost_last), reported dirty until a clearing read covers it. Over-reporting
 * is safe for a migrating VMM; under-reporting is not.
 *
 * DIRTY_BITMAP builds the caller's bitmap a page of bitmap at a time in
 * kernel memory and copies it out with no lock held, so a bitmap that takes
 * long to fault in (userfaultfd, FUSE) holds up nobody's DMA, MAP or UNMAP.
 * A clearing read marks (XA_MARK_0) the records it reported and, once the
 * whole bitmap reached the caller, erases only those. A write that lands
 * in between either hits a marked page (reported by this read, which ends
 * after the write: nothing is missed) or makes a new record, which stays.
 * A read whose copy fails unmarks and erases nothing. Reads of one node are
 * serialised by @dirty_read, so marks belong to one read at a time.
 *
 * A real PCI device writes through an IOMMU that tracks nothing here, so
 * a node that had one attached at any time since tracking was switched on
 * (@hw_writes) reports every writably mapped page dirty, as VFIO type1
 * does, on top of the records.
 */
#include <linux/bitmap.h>
#include <linux/log2.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "ioasid_private.h"

#define IOASID_DIRTY_MARK	XA_MARK_0
#define IOASID_DIRTY_WORDS	(PAGE_SIZE / sizeof(u64))

void ioasid_dirty_init(struct ioasid_node *node)
{
	xa_init(&node->dirty);
	mutex_init(&node->dirty_read);
	node->lost_first = ULONG_MAX;
	node->lost_last = 0;
}

void ioasid_dirty_destroy(struct ioasid_node *node)
{
	xa_destroy(&node->dirty);
	mutex_destroy(&node->dirty_read);
}

/* Forget every record, lost ones too. */
static void ioasid_dirty_forget(struct ioasid_node *node)
{
	lockdep_assert_held_write(&node->lock);
	xa_destroy(&node->dirty);
	xa_lock(&node->dirty);
	node->lost_first = ULONG_MAX;
	node->lost_last = 0;
	xa_unlock(&node->dirty);
	node->hw_writes = node->hw_groups;
}

/*
 * Record [start, last] of @node's IOVA space as written, if it is tracking.
 * DMA calls it under iotlb_lock only: the xarray and the span have their
 * own lock, and a record racing a switch-off is forgotten at the next
 * switch-on.
 */
void ioasid_node_mark_dirty(struct ioasid_node *node, unsigned long start,
			    unsigned long last)
{
	unsigned long index, end = last >> PAGE_SHIFT;

	if (!READ_ONCE(node->dirty_tracking))
		return;
	for (index = start >> PAGE_SHIFT; index <= end; index++) {
		if (xa_is_err(xa_store(&node->dirty, index, xa_mk_value(0),
				       GFP_KERNEL_ACCOUNT))) {
			/* This page and the rest go into the lost span. */
			xa_lock(&node->dirty);
			node->lost_first = min(node->lost_first, index);
			node->lost_last = max(node->lost_last, end);
			xa_unlock(&node->dirty);
			return;
		}
		cond_resched();
	}
}

int ioasid_dirty_tracking(struct ioasid_ucmd *ucmd)
{
	struct ioasid_dirty_tracking *cmd = ucmd->cmd;
	bool enable = cmd->flags & IOASID_DIRTY_ENABLE;
	struct ioasid_node *node;

	if (cmd->flags & ~IOASID_DIRTY_ENABLE || cmd->__reserved)
		return -EOPNOTSUPP;
	node = ioasid_kernel_node_get(ucmd->ictx, cmd->id);
	if (IS_ERR(node))
		return PTR_ERR(node);
	if (down_write_killable(&node->lock)) {
		ioasid_node_put(node);
		return -EINTR;
	}
	if (enable != node->dirty_tracking) {
		/* Switching on forgets what a write racing the last switch-off left. */
		ioasid_dirty_forget(node);
		/*
		 * Translations handed out before (TRANSLATE) may span many
		 * pages nobody would mark: make their holders ask again.
		 */
		if (enable)
			ioasid_node_invalidate(node, 0, ULONG_MAX);
		WRITE_ONCE(node->dirty_tracking, enable);
	}
	up_write(&node->lock);
	ioasid_node_put(node);
	return 0;
}

/* One read's view of the range and of the lost span when it began. */
struct ioasid_dirty_read {
	u64 iova;		/* the range's first IOVA */
	unsigned int shift;	/* log2 of the caller's block size */
	u64 nbits;
	bool clear;
	unsigned long lost_first, lost_last;
};

/* Set the bits of blocks touching page indexes [first, last] in @buf (bit @base first). */
static void ioasid_dirty_set(const struct ioasid_dirty_read *rd, unsigned long *buf,
			     u64 base, unsigned long first, unsigned long last)
{
	u64 lo = (((u64)first << PAGE_SHIFT) - rd->iova) >> rd->shift;
	u64 hi = (((u64)last << PAGE_SHIFT) - rd->iova) >> rd->shift;

	bitmap_set(buf, lo - base, hi - lo + 1);
}

/* Set the bits of every writably mapped page of page indexes [first, last]. */
static void ioasid_dirty_fill_writable(struct ioasid_node *node,
				       const struct ioasid_dirty_read *rd,
				       unsigned long *buf, u64 base,
				       unsigned long first, unsigned long last)
{
	unsigned long start = first << PAGE_SHIFT;
	unsigned long end = (last << PAGE_SHIFT) + PAGE_SIZE - 1;
	struct interval_tree_node *it;
	unsigned long index;
	u32 prot;

	for (it = interval_tree_iter_first(&node->mappings, start, end); it;
	     it = interval_tree_iter_next(it, start, end)) {
		ioasid_mapping_pages(it, &index, &prot);
		if (prot & IOASID_MAP_WRITE)
			ioasid_dirty_set(rd, buf, base,
					 max(start, it->start) >> PAGE_SHIFT,
					 min(end, it->last) >> PAGE_SHIFT);
		cond_resched();
	}
}

/*
 * Fill @buf with the bits [@base, @base + @nwords * 64) of the read, marking
 * what a clearing read reported. Under @node's read lock: no user access.
 */
static void ioasid_dirty_fill(struct ioasid_node *node,
			      const struct ioasid_dirty_read *rd,
			      unsigned long *buf, u64 base, unsigned int nwords)
{
	u64 end_bit = min_t(u64, base + nwords * 64, rd->nbits);
	unsigned long first = (rd->iova + (base << rd->shift)) >> PAGE_SHIFT;
	unsigned long last = (rd->iova + (end_bit << rd->shift) - 1) >> PAGE_SHIFT;
	unsigned long index;
	void *entry;

	lockdep_assert_held(&node->lock);
	bitmap_zero(buf, nwords * 64);
	xa_for_each_range(&node->dirty, index, entry, first, last) {
		ioasid_dirty_set(rd, buf, base, index, index);
		if (rd->clear)
			xa_set_mark(&node->dirty, index, IOASID_DIRTY_MARK);
		cond_resched();
	}
	if (rd->lost_first <= last && rd->lost_last >= first)
		ioasid_dirty_set(rd, buf, base, max(first, rd->lost_first),
				 min(last, rd->lost_last));
	if (node->hw_writes)
		ioasid_dirty_fill_writable(node, rd, buf, base, first, last);
}

/*
 * Finish a clearing read of page indexes [first, last]: erase what it
 * reported (@reported), or only unmark it. Then shrink the lost span by the
 * range, if it is still what the read reported and the range covers one end.
 */
static void ioasid_dirty_finish(struct ioasid_node *node,
				const struct ioasid_dirty_read *rd,
				unsigned long first, unsigned long last,
				bool reported)
{
	unsigned long index = first;

	while (xa_find(&node->dirty, &index, last, IOASID_DIRTY_MARK)) {
		if (reported)
			xa_erase(&node->dirty, index);
		else
			xa_clear_mark(&node->dirty, index, IOASID_DIRTY_MARK);
		if (index++ == last)
			break;
		cond_resched();
	}
	if (!reported)
		return;
	xa_lock(&node->dirty);
	if (node->lost_first == rd->lost_first && node->lost_last == rd->lost_last &&
	    first <= node->lost_last && last >= node->lost_first) {
		if (first <= node->lost_first && last >= node->lost_last) {
			node->lost_first = ULONG_MAX;
			node->lost_last = 0;
		} else if (first <= node->lost_first) {
			node->lost_first = last + 1;
		} else if (last >= node->lost_last) {
			node->lost_last = first - 1;
		}
	}
	xa_unlock(&node->dirty);
}

static int ioasid_dirty_check(const struct ioasid_dirty_bitmap *cmd)
{
	if (cmd->flags & ~IOASID_DIRTY_NO_CLEAR || cmd->__reserved)
		return -EOPNOTSUPP;
	if (!cmd->length || !is_power_of_2(cmd->page_size) ||
	    cmd->page_size < PAGE_SIZE || !IS_ALIGNED(cmd->iova, cmd->page_size) ||
	    !IS_ALIGNED(cmd->length, cmd->page_size))
		return -EINVAL;
	if (cmd->iova + cmd->length - 1 < cmd->iova)
		return -EOVERFLOW;
	return 0;
}

int ioasid_dirty_bitmap(struct ioasid_ucmd *ucmd)
{
	struct ioasid_dirty_bitmap *cmd = ucmd->cmd;
	u64 __user *data = u64_to_user_ptr(cmd->data);
	struct ioasid_dirty_read rd = {};
	unsigned long first, last, *buf;
	struct ioasid_node *node;
	unsigned int nwords;
	u64 base;
	int rc;

	rc = ioasid_dirty_check(cmd);
	if (rc)
		return rc;
	rd.iova = cmd->iova;
	rd.shift = ilog2(cmd->page_size);
	rd.nbits = cmd->length >> rd.shift;
	rd.clear = !(cmd->flags & IOASID_DIRTY_NO_CLEAR);
	first = cmd->iova >> PAGE_SHIFT;
	last = (cmd->iova + cmd->length - 1) >> PAGE_SHIFT;

	buf = (unsigned long *)__get_free_page(GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	node = ioasid_kernel_node_get(ucmd->ictx, cmd->id);
	if (IS_ERR(node)) {
		rc = PTR_ERR(node);
		goto out_free;
	}
	if (mutex_lock_killable(&node->dirty_read)) {
		rc = -EINTR;
		goto out_put;
	}
	xa_lock(&node->dirty);
	rd.lost_first = node->lost_first;
	rd.lost_last = node->lost_last;
	xa_unlock(&node->dirty);

	/* A page of bitmap at a time: filled under the lock, copied without it. */
	for (base = 0; base < rd.nbits; base += nwords * 64) {
		nwords = min_t(u64, IOASID_DIRTY_WORDS, DIV_ROUND_UP(rd.nbits - base, 64));
		if (down_read_killable(&node->lock)) {
			rc = -EINTR;
			break;
		}
		if (!node->dirty_tracking)
			rc = -EINVAL;
		else
			ioasid_dirty_fill(node, &rd, buf, base, nwords);
		up_read(&node->lock);
		if (rc)
			break;
		if (copy_to_user(data + base / 64, buf, nwords * sizeof(u64))) {
			rc = -EFAULT;
			break;
		}
		cond_resched();
	}

	if (rd.clear) {
		/* Killed here, it reported nothing: unmark and keep every record. */
		if (!rc && down_write_killable(&node->lock))
			rc = -EINTR;
		ioasid_dirty_finish(node, &rd, first, last, !rc);
		if (!rc) {
			/*
			 * Pages reported clean must be marked again when written:
			 * a TRANSLATE result kept for writing would not be, so
			 * drop those (the device's generation moves).
			 */
			ioasid_node_invalidate(node, cmd->iova,
					       cmd->iova + cmd->length - 1);
			up_write(&node->lock);
		}
	}
	mutex_unlock(&node->dirty_read);
out_put:
	ioasid_node_put(node);
out_free:
	free_page((unsigned long)buf);
	return rc;
}
