// SPDX-License-Identifier: GPL-2.0
/*
 * Software endpoints: emulated devices that do DMA through IOASID trees.
 *
 * An endpoint is attached to a node for DMA without PASID and/or, per
 * PASID, to other nodes. DMA and TRANSLATE go through the endpoint's
 * software IOTLB (iotlb.c): a hit copies under iotlb_lock's read side, so
 * an UNMAP or a DETACH (which take it for writing) waits for every transfer
 * through what it removes, and a DMA never reaches a page after the UNMAP
 * of it returned. Translation failures are recorded as faults, for the
 * fault queue to deliver; DEVICE_INFO shows the last one.
 */
#include <linux/pagemap.h>
#include <linux/rbtree.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include "iotlb.h"

/* Most bytes one DMA copy moves under iotlb_lock: bounds what UNMAP waits for. */
#define IOASID_DMA_CHUNK	SZ_2M
/* Outstanding page requests of a device that declares none (PCIe's default). */
#define IOASID_PRI_DEFAULT_PENDING	32
#define IOASID_PRI_MAX_PENDING		4096

/* Faults ---------------------------------------------------------------------- */

/* Count @where as @ep's fault, its last one; deliver it unless a page request was. */
static void ioasid_record_fault(struct ioasid_endpoint *ep, u32 flags,
				u32 pasid, u64 addr, u32 access,
				const struct ioasid_fault *where, bool deliver)
{
	spinlock_t *lock = ioasid_faults_lock(ep->ictx);
	struct ioasid_fault f = *where;

	f.dev_id = ep->obj.id;
	f.has_pasid = flags & IOASID_DMA_PASID;
	f.pasid = pasid;
	f.addr = addr;
	f.access = access;
	atomic64_inc(&ep->faults);
	spin_lock(lock);
	ep->last_fault = f;
	spin_unlock(lock);
	if (deliver)
		ioasid_fault_report(ep->ictx, &f);
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
	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->flags & IOASID_DEVICE_PASID ?
	    !cmd->pasid_bits || cmd->pasid_bits > IOASID_MAX_PASID_BITS :
	    cmd->pasid_bits)
		return -EINVAL;
	if (cmd->flags & IOASID_DEVICE_PRI ?
	    cmd->pri_max_pending > IOASID_PRI_MAX_PENDING : cmd->pri_max_pending)
		return -EINVAL;

	ep = kzalloc(sizeof(*ep), GFP_KERNEL_ACCOUNT);
	if (!ep)
		return -ENOMEM;
	ep->obj.type = IOASID_OBJ_DEVICE;
	ep->ictx = ictx;
	ep->flags = cmd->flags;
	ep->pasid_bits = cmd->pasid_bits;
	if (cmd->flags & IOASID_DEVICE_PRI)
		ep->pri_max = cmd->pri_max_pending ?: IOASID_PRI_DEFAULT_PENDING;
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

	/* Requests raised after the last DETACH, racing it, go now. */
	ioasid_prq_cancel_dev(ep, 0, true);
	xa_destroy(&ep->atts);
	kfree(ep);
}

int ioasid_device_info(struct ioasid_ucmd *ucmd)
{
	struct ioasid_device_info *cmd = ucmd->cmd;
	struct ioasid_endpoint *ep;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (ioasid_is_pcidev(ucmd->ictx, cmd->dev_id))
		return ioasid_pcidev_info(ucmd);
	ep = ioasid_endpoint_get(ucmd->ictx, cmd->dev_id);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	cmd->out_kind = IOASID_DEVICE_KIND_SW;
	cmd->out_state = IOASID_DEVICE_LIVE;
	cmd->out_caps = IOASID_DEVICE_CAP_REPLACE | IOASID_DEVICE_CAP_DIRTY |
			IOASID_DEVICE_CAP_FAULTS;
	if (ep->flags & IOASID_DEVICE_PASID)
		cmd->out_caps |= IOASID_DEVICE_CAP_PASID;
	cmd->out_pci_id = 0;
	cmd->__reserved = 0;
	cmd->out_pgsize_bitmap = IOASID_PGSIZE_BITMAP;
	cmd->out_aperture_start = 0;
	cmd->out_aperture_last = U64_MAX;
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
	spin_lock(ioasid_faults_lock(ucmd->ictx));
	cmd->out_last_fault_addr = ep->last_fault.addr;
	cmd->out_last_fault_node = ep->last_fault.node_id;
	cmd->out_last_fault_reason = ep->last_fault.reason;
	cmd->out_last_fault_access = ep->last_fault.access;
	cmd->out_last_fault_level = ep->last_fault.level;
	spin_unlock(ioasid_faults_lock(ucmd->ictx));
	ioasid_object_put(&ep->obj);
	return ioasid_ucmd_respond(ucmd, sizeof(*cmd));
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

/*
 * A no-PASID attachment to a PASID-table node serves every PASID of the
 * device (iotlb.c): it excludes attachments with a PASID, both ways. @att
 * is what is attached at @key now (REPLACE replaces it).
 */
static int ioasid_attach_pasid_table_check(struct ioasid_endpoint *ep,
					   unsigned long key,
					   struct ioasid_node *node,
					   struct ioasid_attachment *att)
{
	struct ioasid_attachment *base;

	lockdep_assert_held_write(&ep->ictx->iotlb_lock);
	if (key != IOASID_NO_PASID) {
		base = xa_load(&ep->atts, IOASID_NO_PASID);
		return base && ioasid_format_is_pasid_table(base->node->format) ?
		       -EBUSY : 0;
	}
	if (!ioasid_format_is_pasid_table(node->format))
		return 0;
	/* Attachments with a PASID: any besides the one at @key. */
	return ep->num_atts > (att ? 1 : 0) ? -EBUSY : 0;
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
	if (ioasid_is_pcidev(ictx, cmd->dev_id))
		return ioasid_pcidev_attach(ucmd);
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
	/* A PASID table is for DMA without a PASID to look PASIDs up in. */
	if (key != IOASID_NO_PASID && ioasid_format_is_pasid_table(node->format)) {
		rc = -EINVAL;
		goto out_put_node;
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
		xa_init(&new->subs);
	}

	if (down_write_killable(&ictx->iotlb_lock)) {
		rc = -EINTR;
		goto out_free;
	}
	/* Counted before it is visible: the node cannot go while we work. */
	ioasid_node_attached(node, 1);
	att = xa_load(&ep->atts, key);
	rc = ioasid_attach_pasid_table_check(ep, key, node, att);
	if (rc) {
		/* Refused below. */
	} else if (cmd->flags & IOASID_ATTACH_REPLACE) {
		if (!att) {
			rc = -ENOENT;
		} else {
			/* One step for DMA: the old node's entries go with it. */
			ioasid_iotlb_drop_subs(att);
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
	if (old) {
		/*
		 * The old node's page requests can no longer be answered
		 * usefully: a PASID table's, of every PASID.
		 */
		ioasid_prq_cancel_dev(ep, key,
				      ioasid_format_is_pasid_table(old->format));
		ioasid_node_attached(old, -1);
	}
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
	ioasid_iotlb_drop_subs(att);
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
	if (ioasid_is_pcidev(ictx, cmd->dev_id))
		return ioasid_pcidev_detach(ucmd);
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
	ioasid_prq_cancel_dev(ep, key,
			      ioasid_format_is_pasid_table(att->node->format));
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
	ioasid_prq_cancel_dev(ep, 0, true);
}

/* DMA and TRANSLATE ------------------------------------------------------------ */

static int ioasid_access_key(struct ioasid_endpoint *ep, u32 flags, u32 pasid,
			     unsigned long *key)
{
	return ioasid_pasid_key(ep, flags & IOASID_DMA_PASID, pasid, key);
}

#define IOASID_DMA_FLAGS	(IOASID_DMA_PASID | IOASID_DMA_WRITE | \
				 IOASID_DMA_EXEC | IOASID_DMA_PRIV)
#define IOASID_DMA_PRI_FLAGS	(IOASID_DMA_NOWAIT | IOASID_DMA_RETRY)

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

/*
 * A DMA's miss in a guest's table, from a device with page requests: raise
 * one and take its answer. Return: 0 to walk again (SUCCESS), -EIO with
 * *@deliver when the miss is a plain fault, or the DMA's errno, with
 * *@group set while the request stays pending (-EAGAIN, -EINTR).
 */
static int ioasid_dma_page_request(struct ioasid_endpoint *ep, struct ioasid_dma *cmd,
				   unsigned long key, u64 iova, u32 access,
				   struct ioasid_fault *fault, u32 *group,
				   bool *deliver)
{
	struct ioasid_fault f = *fault;
	struct ioasid_prq *prq;
	int rc;

	f.dev_id = ep->obj.id;
	f.has_pasid = cmd->flags & IOASID_DMA_PASID;
	f.pasid = cmd->pasid;
	f.addr = iova;
	f.access = access;
	prq = ioasid_prq_raise(ep, &f, key);
	if (!prq)		/* no queue takes it: a plain fault */
		return -EIO;
	*deliver = false;	/* its record went to the queue */
	if (IS_ERR(prq))
		return PTR_ERR(prq);
	rc = ioasid_prq_wait(ep->ictx, prq, cmd->flags & IOASID_DMA_NOWAIT);
	if (rc == -EAGAIN || rc == -EINTR)
		*group = ioasid_prq_group(prq);
	ioasid_prq_put(ep->ictx, prq);
	return rc;
}

/*
 * RETRY: the answer to the group the earlier call stopped at; where that
 * translation stopped in *@fault when it ends the DMA.
 */
static int ioasid_dma_retry(struct ioasid_endpoint *ep, struct ioasid_dma *cmd,
			    u64 *answered_page, struct ioasid_fault *fault)
{
	struct ioasid_prq *prq;
	int rc;

	prq = ioasid_prq_get(ep, cmd->group, cmd->flags & IOASID_DMA_PASID,
			     cmd->pasid);
	if (!prq)
		return -ESTALE;
	rc = ioasid_prq_wait(ep->ictx, prq, cmd->flags & IOASID_DMA_NOWAIT);
	if (!rc)
		*answered_page = ioasid_prq_addr(prq);
	ioasid_prq_fault(prq, fault);
	ioasid_prq_put(ep->ictx, prq);
	return rc;
}

int ioasid_dma(struct ioasid_ucmd *ucmd)
{
	struct ioasid_dma *cmd = ucmd->cmd;
	struct ioasid_dma __user *udma = ucmd->ubuffer;
	bool write = cmd->flags & IOASID_DMA_WRITE;
	u8 __user *buf = u64_to_user_ptr(cmd->buffer);
	bool has_group = ucmd->user_size >= offsetofend(struct ioasid_dma, out_group);
	u64 answered_page = U64_MAX;	/* the page a SUCCESS answered */
	struct ioasid_fault fault = {};
	struct ioasid_iotlb_entry *e;
	struct ioasid_endpoint *ep;
	unsigned long key, pfn, contig, iova, chunk, left;
	unsigned int stalled = 0;
	bool deliver = true;
	struct folio *folio;
	u32 access, group = 0;
	u64 done = 0;
	void *kaddr;
	int rc;

	rc = ioasid_access_of(cmd->flags & ~IOASID_DMA_PRI_FLAGS, &access);
	if (rc)
		return rc;
	if (!cmd->length)
		return -EINVAL;
	if ((cmd->flags & IOASID_DMA_PRI_FLAGS && !has_group) ||
	    (cmd->group && !(cmd->flags & IOASID_DMA_RETRY)))
		return -EINVAL;
	if (put_user(0, &udma->out_done) ||
	    (has_group && put_user(0, &udma->out_group)))
		return -EFAULT;
	if (!access_ok(buf, cmd->length))
		return -EFAULT;
	ep = ioasid_endpoint_get(ucmd->ictx, cmd->dev_id);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	rc = ioasid_access_key(ep, cmd->flags, cmd->pasid, &key);
	if (rc)
		goto out_put;
	if (cmd->flags & IOASID_DMA_RETRY) {
		rc = ioasid_dma_retry(ep, cmd, &answered_page, &fault);
		if (rc == -EAGAIN || rc == -EINTR)
			group = cmd->group;
		if (rc) {
			deliver = false;	/* the request's record was */
			goto out_fault;
		}
	}

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
			/* A page request, once per page: a second miss faults. */
			if (rc == -EIO && ep->flags & IOASID_DEVICE_PRI &&
			    ioasid_fault_is_request(&fault) &&
			    (iova & PAGE_MASK) != answered_page) {
				rc = ioasid_dma_page_request(ep, cmd, key, iova, access,
							     &fault, &group, &deliver);
				if (!rc) {
					answered_page = iova & PAGE_MASK;
					deliver = true;
					continue;
				}
			}
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
out_fault:
	if (rc == -EIO || rc == -ENXIO || rc == -ETIMEDOUT)
		ioasid_record_fault(ep, cmd->flags, cmd->pasid, cmd->iova + done,
				    access, &fault, deliver && rc == -EIO);
	if (put_user(done, &udma->out_done) ||
	    (has_group && put_user(group, &udma->out_group)))
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
		ioasid_record_fault(ep, cmd->flags, cmd->pasid, iova, access, &fault,
				    true);
out_put:
	ioasid_object_put(&ep->obj);
	return rc;
}

/* Called by the context's release for each endpoint, before nodes go. */
void ioasid_endpoint_release(struct ioasid_object *obj)
{
	ioasid_endpoint_detach_all(container_of(obj, struct ioasid_endpoint, obj));
}
