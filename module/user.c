// SPDX-License-Identifier: GPL-2.0
/*
 * User-managed nodes: a page table that userspace (a guest) owns, in a
 * hardware format declared at ALLOC, bound with BIND, walked in software
 * (walkers/), and cached until userspace invalidates (INVALIDATE).
 *
 * This file is the only one that knows which formats exist: it checks a
 * format's descriptor at ALLOC, reports what the module walks of it
 * (FORMAT_INFO), keeps the bind parameters in the walker's terms and calls
 * the walker. The IOTLB entries made through a user-managed node hang in
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

#define IOASID_X86_64_FLAGS	IOASID_X86_64_AD_UPDATE
#define IOASID_X86_64_BIND	(IOASID_BIND_X86_SRE | IOASID_BIND_X86_WPE)
/* Every bind flag of every format. */
#define IOASID_BIND_FLAGS	IOASID_X86_64_BIND

/* ALLOC ------------------------------------------------------------------- */

static int ioasid_user_alloc_x86_64(struct ioasid_node *node, void __user *udesc,
				    u32 len)
{
	struct ioasid_format_x86_64 desc;
	struct ioasid_x86_64_cfg *cfg = &node->pt.x86_64;
	int rc;

	if (len < sizeof(desc))		/* the descriptor as first shipped */
		return -EINVAL;
	rc = copy_struct_from_user(&desc, sizeof(desc), udesc, len);
	if (rc)
		return rc;
	if (desc.flags & ~IOASID_X86_64_FLAGS || desc.__reserved)
		return -EOPNOTSUPP;
	if ((desc.levels != 4 && desc.levels != 5) ||
	    desc.phys_bits < IOASID_X86_64_MIN_PHYS ||
	    desc.phys_bits > IOASID_X86_64_MAX_PHYS)
		return -EINVAL;
	if (!desc.pgsize_bitmap)
		desc.pgsize_bitmap = IOASID_X86_64_PGSIZES;
	if (!(desc.pgsize_bitmap & SZ_4K) ||
	    desc.pgsize_bitmap & ~IOASID_X86_64_PGSIZES)
		return -EINVAL;
	*cfg = (struct ioasid_x86_64_cfg){
		.levels = desc.levels,
		.phys_bits = desc.phys_bits,
		.pgsize_bitmap = desc.pgsize_bitmap,
		.flags = desc.flags & IOASID_X86_64_AD_UPDATE ?
			 IOASID_X86_64_CFG_AD_UPDATE : 0,
	};
	return 0;
}

/**
 * ioasid_user_alloc() - read and check a user-managed node's format
 * @node: the new node, not yet visible
 * @cmd: ALLOC's struct
 *
 * Return: 0, or the ALLOC errors that concern the format.
 */
int ioasid_user_alloc(struct ioasid_node *node, const struct ioasid_alloc *cmd)
{
	void __user *udesc = u64_to_user_ptr(cmd->format);
	struct ioasid_format_header hdr;

	if (cmd->format_len < sizeof(hdr))
		return -EINVAL;
	/* The tail is checked for zeroes: keep that bounded, as BATCH does. */
	if (cmd->format_len > PAGE_SIZE)
		return -E2BIG;
	if (copy_from_user(&hdr, udesc, sizeof(hdr)))
		return -EFAULT;
	if (hdr.size != cmd->format_len)
		return -EINVAL;
	ioasid_user_deps_init(node);
	node->format = hdr.format;
	switch (hdr.format) {
	case IOASID_FORMAT_X86_64:
		return ioasid_user_alloc_x86_64(node, udesc, cmd->format_len);
	default:
		return -EOPNOTSUPP;
	}
}

/* FORMAT_INFO -------------------------------------------------------------- */

int ioasid_format_info(struct ioasid_ucmd *ucmd)
{
	struct ioasid_format_info *cmd = ucmd->cmd;

	if (cmd->flags || cmd->__reserved || cmd->__reserved2)
		return -EOPNOTSUPP;
	switch (cmd->format) {
	case IOASID_FORMAT_X86_64:
		cmd->out_format_flags = IOASID_X86_64_FLAGS;
		cmd->out_bind_flags = IOASID_X86_64_BIND;
		cmd->out_pgsize_bitmap = IOASID_X86_64_PGSIZES;
		cmd->out_levels_bitmap = BIT(4) | BIT(5);
		cmd->out_min_phys_bits = IOASID_X86_64_MIN_PHYS;
		cmd->out_max_phys_bits = IOASID_X86_64_MAX_PHYS;
		cmd->out_input_bits = 57;
		break;
	default:
		return -EOPNOTSUPP;
	}
	return ioasid_ucmd_respond(ucmd, sizeof(*cmd));
}

/* Walking ------------------------------------------------------------------ */

/**
 * ioasid_user_walk() - translate through a user-managed node's table
 * @node: the node, read-locked
 * @addr: its input address
 * @access: the request, enum ioasid_access
 * @io: table memory: the parent's space
 * @res: the result
 *
 * Return: 0 or an enum ioasid_fault_reason, also in @res.
 */
int ioasid_user_walk(struct ioasid_node *node, u64 addr, u32 access,
		     const struct ioasid_pt_io *io, struct ioasid_pt_result *res)
{
	lockdep_assert_held(&node->lock);
	if (!node->bound) {
		res->fault_reason = IOASID_FAULT_NOT_BOUND;
		res->fault_level = 0;
		return res->fault_reason;
	}
	switch (node->format) {
	case IOASID_FORMAT_X86_64:
		return ioasid_x86_64_walk(&node->pt.x86_64, addr, access, io, res);
	default:
		res->fault_reason = IOASID_FAULT_NOT_BOUND;
		return res->fault_reason;
	}
}

/* Visit the table's leaves over a range (walk.c, for shadow domains). */
int ioasid_user_iterate(struct ioasid_node *node, u64 start, u64 last,
			const struct ioasid_pt_io *io,
			int (*fn)(void *arg, const struct ioasid_pt_leaf *leaf),
			void *arg)
{
	lockdep_assert_held(&node->lock);
	if (!node->bound)
		return 0;
	switch (node->format) {
	case IOASID_FORMAT_X86_64:
		return ioasid_x86_64_iterate(&node->pt.x86_64, start, last, io,
					     fn, arg);
	default:
		return 0;
	}
}

/* BIND and UNBIND ---------------------------------------------------------- */

/* Check a BIND for @node's format and put it in the walker's terms. */
static int ioasid_user_bind_check(struct ioasid_node *node, u32 flags, u64 root)
{
	struct ioasid_x86_64_cfg *cfg = &node->pt.x86_64;

	switch (node->format) {
	case IOASID_FORMAT_X86_64:
		if (flags & ~IOASID_X86_64_BIND)
			return -EOPNOTSUPP;
		if (!IS_ALIGNED(root, SZ_4K) || root >> cfg->phys_bits)
			return -EINVAL;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static void ioasid_user_bind_set(struct ioasid_node *node, u32 flags, u64 root)
{
	struct ioasid_x86_64_cfg *cfg = &node->pt.x86_64;

	lockdep_assert_held_write(&node->lock);
	node->bound = true;
	node->bind_flags = flags;
	node->root = root;
	if (node->format == IOASID_FORMAT_X86_64) {
		cfg->root = root;
		cfg->flags &= IOASID_X86_64_CFG_AD_UPDATE;
		if (flags & IOASID_BIND_X86_SRE)
			cfg->flags |= IOASID_X86_64_CFG_SRE;
		if (flags & IOASID_BIND_X86_WPE)
			cfg->flags |= IOASID_X86_64_CFG_WPE;
	}
}

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
	rc = ioasid_user_bind_check(node, cmd->flags, cmd->root);
	if (!rc) {
		/* Nothing cached of the old table survives the new one. */
		ioasid_iotlb_invalidate_user(node, 0, ULONG_MAX, 0, true);
		ioasid_user_bind_set(node, cmd->flags, cmd->root);
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
	if (cmd->flags || cmd->root)
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
	    e->flags & ~(IOASID_INV_NO_PASID | IOASID_INV_LEAF))
		return -EOPNOTSUPP;
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
