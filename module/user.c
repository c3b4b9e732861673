// SPDX-License-Identifier: GPL-2.0
/*
 * User-managed nodes: a page table that userspace (a guest) owns, in a
 * hardware format declared at ALLOC (format.c), bound with BIND, walked in
 * software (walkers/), and cached until userspace invalidates (INVALIDATE).
 *
 * The IOTLB entries made through a user-managed node hang in
 * its @user_deps interval tree, by the node's input addresses: INVALIDATE
 * of a range visits the entries it drops and no others.
 *
 * BIND, UNBIND and INVALIDATE take the node's lock for writing: a walk
 * through the node (which holds it for reading from reading the table to
 * caching the result) either finishes first, and its entry is then
 * dropped, or starts after and sees the table as it is.
 */
#include <linux/log2.h>
#include <linux/sched.h>
#include <linux/sizes.h>

#include "ioasid_private.h"

/* Every bind flag of every format: UNBIND takes none, knows them all. */
#define IOASID_BIND_FLAGS \
	(IOASID_BIND_X86_SRE | IOASID_BIND_X86_WPE | IOASID_BIND_RISCV_SUM)

/* BIND and UNBIND ---------------------------------------------------------- */

/* The user-managed node @id with its lock held for writing. */
static struct ioasid_node *ioasid_user_node_lock(struct ioasid_ctx *ictx, u32 id)
{
	struct ioasid_node *node = ioasid_node_get(ictx, id);

	if (IS_ERR(node))
		return node;
	if (!ioasid_node_is_user(node)) {
		ioasid_node_put(node);
		return ERR_PTR(-EINVAL);
	}
	if (down_write_killable(&node->lock)) {
		ioasid_node_put(node);
		return ERR_PTR(-EINTR);
	}
	return node;
}

static void ioasid_user_node_unlock(struct ioasid_node *node)
{
	up_write(&node->lock);
	ioasid_node_put(node);
}

int ioasid_bind(struct ioasid_ucmd *ucmd)
{
	struct ioasid_bind *cmd = ucmd->cmd;
	struct ioasid_node *node;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	node = ioasid_user_node_lock(ucmd->ictx, cmd->id);
	if (IS_ERR(node))
		return PTR_ERR(node);
	rc = ioasid_format_bind(node, cmd);
	if (!rc) {
		/* Nothing cached of the old table survives the new one. */
		ioasid_iotlb_invalidate_user(node, 0, ULONG_MAX, 0, true);
		node->bound = true;
		node->bind_flags = cmd->flags;
		node->root = cmd->root;
	}
	up_write(&node->lock);
	/* PCI devices' shadow domains: what the new table maps. */
	if (!rc)
		ioasid_shadows_refill(node, 0, ULONG_MAX);
	ioasid_node_put(node);
	return rc;
}

int ioasid_unbind(struct ioasid_ucmd *ucmd)
{
	struct ioasid_bind *cmd = ucmd->cmd;
	struct ioasid_node *node;
	int rc = 0;

	/* Bits no format knows are unknown; bind flags do not apply here. */
	if (cmd->flags & ~IOASID_BIND_FLAGS || cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->flags || cmd->root || cmd->root1 || cmd->entry[0] ||
	    cmd->entry[1] || cmd->entry[2] || cmd->entry[3])
		return -EINVAL;
	node = ioasid_user_node_lock(ucmd->ictx, cmd->id);
	if (IS_ERR(node))
		return PTR_ERR(node);
	if (node->bound) {
		ioasid_iotlb_invalidate_user(node, 0, ULONG_MAX, 0, true);
		node->bound = false;
		node->bind_flags = 0;
		node->root = 0;
	} else {
		rc = -ENOENT;
	}
	ioasid_user_node_unlock(node);
	return rc;
}

/* INVALIDATE ----------------------------------------------------------------- */

static int ioasid_inv_check(const struct ioasid_inv_entry *e)
{
	bool addr = e->scope & IOASID_INV_SCOPE_ADDR;

	if (e->scope & ~(IOASID_INV_SCOPE_PASID | IOASID_INV_SCOPE_ADDR) ||
	    e->flags & ~(IOASID_INV_NO_PASID | IOASID_INV_LEAF |
			 IOASID_INV_PASID_TABLE))
		return -EOPNOTSUPP;
	/* A PASID-table entry covers all of its PASID's addresses. */
	if (e->flags & IOASID_INV_PASID_TABLE && addr)
		return -EINVAL;
	if (e->scope & IOASID_INV_SCOPE_PASID) {
		if (e->flags & IOASID_INV_NO_PASID ||
		    e->pasid >> IOASID_MAX_PASID_BITS)
			return -EINVAL;
	} else if (e->pasid) {
		return -EINVAL;
	}
	if (!addr)
		return e->addr || e->size || e->granule ||
		       e->flags & IOASID_INV_LEAF ? -EINVAL : 0;
	if (e->granule < SZ_4K || !is_power_of_2(e->granule) || !e->size ||
	    !IS_ALIGNED(e->addr, e->granule) || !IS_ALIGNED(e->size, e->granule))
		return -EINVAL;
	if (e->addr + e->size - 1 < e->addr)
		return -EOVERFLOW;
	return 0;
}

/* One entry: checked, then applied under the node's write lock. */
static int ioasid_inv_one(struct ioasid_ctx *ictx, const struct ioasid_inv_entry *e)
{
	unsigned long start = 0, last = ULONG_MAX, key = 0;
	struct ioasid_node *node;
	bool any_key = true;
	int rc;

	rc = ioasid_inv_check(e);
	if (rc)
		return rc;
	if (e->scope & IOASID_INV_SCOPE_ADDR) {
		start = e->addr;
		last = e->addr + e->size - 1;
	}
	if (e->scope & IOASID_INV_SCOPE_PASID) {
		key = e->pasid;
		any_key = false;
	} else if (e->flags & IOASID_INV_NO_PASID) {
		key = IOASID_NO_PASID;
		any_key = false;
	}
	node = ioasid_user_node_lock(ictx, e->node_id);
	if (IS_ERR(node))
		return PTR_ERR(node);
	/*
	 * Decoded PASID-table entries live only in the translations made of
	 * them (format.c): dropping those makes the next walk reread the entry.
	 */
	if (e->flags & IOASID_INV_PASID_TABLE &&
	    !ioasid_format_is_pasid_table(node->format)) {
		ioasid_user_node_unlock(node);
		return -EINVAL;
	}
	ioasid_iotlb_invalidate_user(node, start, last, key, any_key);
	up_write(&node->lock);
	/* Shadow domains (DMA without PASID): what the table maps there now. */
	if (any_key || key == IOASID_NO_PASID)
		ioasid_shadows_refill(node, start, last);
	ioasid_node_put(node);
	return 0;
}

int ioasid_invalidate(struct ioasid_ucmd *ucmd)
{
	struct ioasid_invalidate *cmd = ucmd->cmd;
	struct ioasid_invalidate __user *uinv = ucmd->ubuffer;
	u8 __user *uentry = u64_to_user_ptr(cmd->entries);
	struct ioasid_inv_entry e;
	int rc = 0;
	u32 i;

	/* out_done is written on every path, so check it can be first. */
	if (put_user(0, &uinv->out_done))
		return -EFAULT;
	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->entry_size < sizeof(e))
		return -EINVAL;
	if (cmd->count > IOASID_MAX_BATCH || cmd->entry_size > PAGE_SIZE)
		return -E2BIG;

	for (i = 0; i < cmd->count; i++, uentry += cmd->entry_size) {
		rc = copy_struct_from_user(&e, sizeof(e), uentry, cmd->entry_size);
		if (!rc)
			rc = ioasid_inv_one(ucmd->ictx, &e);
		if (rc)
			break;
		cond_resched();
	}
	if (put_user(i, &uinv->out_done) && !rc)
		rc = -EFAULT;
	return rc;
}
