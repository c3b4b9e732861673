// SPDX-License-Identifier: GPL-2.0
/*
 * PCI device objects: real devices of a VFIO container adopted by a
 * context (vfio/backend.c makes them through ioasid_pci.h).
 *
 * A PCI device attaches to a node through its IOMMU group (hwdom.c: a
 * root's paging domain, or a shadow domain below a root): the group is
 * the unit the IOMMU translates, so the devices of
 * one group attach to the same node, and the group is detached when the
 * last of them detaches. VFIO claimed the group's DMA ownership when the
 * group joined the container, so a group attached nowhere is blocked.
 *
 * Lifetime: an object is referenced by the context's table and by the
 * backend. It is killed (detached, IOASID_DEVICE_GONE) by whichever comes
 * first: its group leaving the container, DESTROY, or the context's
 * release; its memory goes with the last reference. Everything that
 * attaches, detaches or kills runs under ioasid_pci_mutex, which so also
 * tells a live object (whose context and node are there) from a dead one.
 *
 * Lock order: the backend's container lock, ioasid_pci_mutex, node locks.
 */
#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "iotlb.h"
#include "ioasid_pci.h"

static DEFINE_MUTEX(ioasid_pci_mutex);
/* Every live PCI device object of every context, under ioasid_pci_mutex. */
static LIST_HEAD(ioasid_pcidevs);

/**
 * struct ioasid_pcidev - a PCI device in a context
 * @obj: the object header (IOASID_OBJ_PCI_DEVICE)
 * @kref: one for the context's table, one for the backend
 * @ictx: the context; meaningful while !@gone
 * @pdev: the device (a reference)
 * @group: its IOMMU group (a reference)
 * @item: in ioasid_pcidevs while !@gone
 * @node: the node it is attached to, or NULL
 * @hwgroup: the group's attachment to @node's domain
 * @attached: @node is set; under ictx->objects' xa_lock, for DESTROY
 * @gone: killed: never attaches again
 */
struct ioasid_pcidev {
	struct ioasid_object obj;
	struct kref kref;
	struct ioasid_ctx *ictx;
	struct pci_dev *pdev;
	struct iommu_group *group;
	struct list_head item;
	struct ioasid_node *node;
	struct ioasid_hwgroup *hwgroup;
	bool attached;
	bool gone;
};

static struct ioasid_pcidev *ioasid_to_pcidev(struct ioasid_object *obj)
{
	return container_of(obj, struct ioasid_pcidev, obj);
}

static void ioasid_pcidev_release(struct kref *kref)
{
	struct ioasid_pcidev *pd = container_of(kref, struct ioasid_pcidev, kref);

	iommu_group_put(pd->group);
	pci_dev_put(pd->pdev);
	kfree(pd);
}

void ioasid_pcidev_put(struct ioasid_pcidev *pd)
{
	kref_put(&pd->kref, ioasid_pcidev_release);
}
EXPORT_SYMBOL_NS_GPL(ioasid_pcidev_put, IOASIDFD);

/* The context of an open /dev/ioasid, or NULL for any other file. */
struct ioasid_ctx *ioasid_file_ctx(struct file *file)
{
	return ioasid_is_ctx_file(file) ? file->private_data : NULL;
}
EXPORT_SYMBOL_NS_GPL(ioasid_file_ctx, IOASIDFD);

/**
 * ioasid_pcidev_create() - an object for @pdev in @ictx, not yet visible
 * @ictx: the context, kept open by the caller
 * @pdev: the device
 *
 * Return: the object with an id and two references, or an ERR_PTR:
 * ENODEV when the device has no IOMMU group; ENOSPC; ENOMEM.
 */
struct ioasid_pcidev *ioasid_pcidev_create(struct ioasid_ctx *ictx,
					   struct pci_dev *pdev)
{
	struct ioasid_pcidev *pd;
	int rc;

	pd = kzalloc(sizeof(*pd), GFP_KERNEL_ACCOUNT);
	if (!pd)
		return ERR_PTR(-ENOMEM);
	pd->group = iommu_group_get(&pdev->dev);
	if (!pd->group) {
		kfree(pd);
		return ERR_PTR(-ENODEV);
	}
	pd->obj.type = IOASID_OBJ_PCI_DEVICE;
	pd->ictx = ictx;
	pd->pdev = pci_dev_get(pdev);
	kref_init(&pd->kref);
	kref_get(&pd->kref);
	rc = ioasid_object_reserve(ictx, &pd->obj);
	if (rc) {
		iommu_group_put(pd->group);
		pci_dev_put(pd->pdev);
		kfree(pd);
		return ERR_PTR(rc);
	}
	return pd;
}
EXPORT_SYMBOL_NS_GPL(ioasid_pcidev_create, IOASIDFD);

void ioasid_pcidev_publish(struct ioasid_pcidev *pd)
{
	mutex_lock(&ioasid_pci_mutex);
	list_add_tail(&pd->item, &ioasid_pcidevs);
	mutex_unlock(&ioasid_pci_mutex);
	xa_lock(&pd->ictx->objects);
	ioasid_object_publish_locked(pd->ictx, &pd->obj);
	xa_unlock(&pd->ictx->objects);
}
EXPORT_SYMBOL_NS_GPL(ioasid_pcidev_publish, IOASIDFD);

/* Undo ioasid_pcidev_create(): the id is free again, both references gone. */
void ioasid_pcidev_abort(struct ioasid_pcidev *pd)
{
	ioasid_object_abort(pd->ictx, &pd->obj);
	kref_put(&pd->kref, ioasid_pcidev_release);
	ioasid_pcidev_put(pd);
}
EXPORT_SYMBOL_NS_GPL(ioasid_pcidev_abort, IOASIDFD);

u32 ioasid_pcidev_id(const struct ioasid_pcidev *pd)
{
	return pd->obj.id;
}
EXPORT_SYMBOL_NS_GPL(ioasid_pcidev_id, IOASIDFD);

struct pci_dev *ioasid_pcidev_pdev(const struct ioasid_pcidev *pd)
{
	return pd->pdev;
}
EXPORT_SYMBOL_NS_GPL(ioasid_pcidev_pdev, IOASIDFD);

bool ioasid_pcidev_live_in(struct ioasid_pcidev *pd, struct ioasid_ctx *ictx)
{
	bool live;

	mutex_lock(&ioasid_pci_mutex);
	live = !pd->gone && pd->ictx == ictx;
	mutex_unlock(&ioasid_pci_mutex);
	return live;
}
EXPORT_SYMBOL_NS_GPL(ioasid_pcidev_live_in, IOASIDFD);

bool ioasid_pcidev_live(struct ioasid_pcidev *pd)
{
	bool live;

	mutex_lock(&ioasid_pci_mutex);
	live = !pd->gone;
	mutex_unlock(&ioasid_pci_mutex);
	return live;
}
EXPORT_SYMBOL_NS_GPL(ioasid_pcidev_live, IOASIDFD);

/* Attach and detach --------------------------------------------------------- */

static void ioasid_pcidev_node_attached(struct ioasid_pcidev *pd,
					struct ioasid_node *node, int delta)
{
	xa_lock(&pd->ictx->objects);
	node->num_attached += delta;
	pd->attached = delta > 0;
	xa_unlock(&pd->ictx->objects);
}

/* Detach @pd; the group goes with its last device. */
static void ioasid_pcidev_detach_locked(struct ioasid_pcidev *pd)
{
	struct ioasid_node *node = pd->node;
	unsigned int *devices;

	lockdep_assert_held(&ioasid_pci_mutex);
	devices = ioasid_hwgroup_devices(pd->hwgroup);
	if (!--*devices)
		ioasid_hwdom_detach(node, pd->hwgroup);
	pd->node = NULL;
	pd->hwgroup = NULL;
	ioasid_pcidev_node_attached(pd, node, -1);
}

/* Kill a live @pd: detached, unusable. */
static void ioasid_pcidev_kill_locked(struct ioasid_pcidev *pd)
{
	lockdep_assert_held(&ioasid_pci_mutex);
	if (pd->gone)
		return;
	if (pd->node)
		ioasid_pcidev_detach_locked(pd);
	pd->gone = true;
	list_del(&pd->item);
}

void ioasid_pcidev_kill(struct ioasid_pcidev *pd)
{
	mutex_lock(&ioasid_pci_mutex);
	ioasid_pcidev_kill_locked(pd);
	mutex_unlock(&ioasid_pci_mutex);
}
EXPORT_SYMBOL_NS_GPL(ioasid_pcidev_kill, IOASIDFD);

/* Another live device of @pd's group, attached somewhere, or NULL. */
static struct ioasid_pcidev *ioasid_pcidev_group_peer(struct ioasid_pcidev *pd)
{
	struct ioasid_pcidev *other;

	list_for_each_entry(other, &ioasid_pcidevs, item)
		if (other != pd && other->group == pd->group && other->node)
			return other;
	return NULL;
}

static int ioasid_pcidev_attach_locked(struct ioasid_pcidev *pd,
				       struct ioasid_node *node)
{
	struct ioasid_hwgroup *hg;
	struct ioasid_pcidev *peer;
	int rc;

	lockdep_assert_held(&ioasid_pci_mutex);
	if (pd->gone)
		return -ENODEV;
	if (pd->node)
		return -EBUSY;
	/* Through a guest's table only with the caching-mode contract. */
	rc = ioasid_shadow_check(node);
	if (rc)
		return rc;

	peer = ioasid_pcidev_group_peer(pd);
	if (peer) {
		if (peer->node != node)
			return -EBUSY;
		hg = peer->hwgroup;
	} else {
		hg = ioasid_hwdom_attach(node, &pd->pdev->dev, pd->group);
		if (IS_ERR(hg))
			return PTR_ERR(hg);
	}
	++*ioasid_hwgroup_devices(hg);
	pd->node = node;
	pd->hwgroup = hg;
	ioasid_pcidev_node_attached(pd, node, 1);
	return 0;
}

/* A PCI device object of @ictx with a users reference, or NULL. */
static struct ioasid_pcidev *ioasid_pcidev_get(struct ioasid_ctx *ictx, u32 id)
{
	struct ioasid_object *obj;

	obj = ioasid_object_get(ictx, id, IOASID_OBJ_PCI_DEVICE);
	return IS_ERR(obj) ? NULL : ioasid_to_pcidev(obj);
}

/* Whether @id names a PCI device: device.c hands its commands over. */
bool ioasid_is_pcidev(struct ioasid_ctx *ictx, u32 id)
{
	struct ioasid_object *obj;
	bool is;

	xa_lock(&ictx->objects);
	obj = xa_load(&ictx->objects, id);
	is = obj && obj->type == IOASID_OBJ_PCI_DEVICE;
	xa_unlock(&ictx->objects);
	return is;
}

int ioasid_pcidev_attach(struct ioasid_ucmd *ucmd)
{
	struct ioasid_attach *cmd = ucmd->cmd;
	struct ioasid_pcidev *pd;
	struct ioasid_node *node;
	int rc;

	pd = ioasid_pcidev_get(ucmd->ictx, cmd->dev_id);
	if (!pd)
		return -ENOENT;
	node = ioasid_node_get(ucmd->ictx, cmd->node_id);
	if (IS_ERR(node)) {
		rc = PTR_ERR(node);
		goto out_put;
	}
	/* No PASID attach and no atomic replace through the IOMMU API here. */
	if (cmd->flags & (IOASID_ATTACH_PASID | IOASID_ATTACH_REPLACE)) {
		rc = -EOPNOTSUPP;
	} else if (cmd->pasid) {
		rc = -EINVAL;
	} else if (mutex_lock_killable(&ioasid_pci_mutex)) {
		rc = -EINTR;
	} else {
		rc = ioasid_pcidev_attach_locked(pd, node);
		mutex_unlock(&ioasid_pci_mutex);
	}
	ioasid_node_put(node);
out_put:
	ioasid_object_put(&pd->obj);
	return rc;
}

int ioasid_pcidev_detach(struct ioasid_ucmd *ucmd)
{
	struct ioasid_attach *cmd = ucmd->cmd;
	struct ioasid_pcidev *pd;
	int rc = 0;

	pd = ioasid_pcidev_get(ucmd->ictx, cmd->dev_id);
	if (!pd)
		return -ENOENT;
	if (cmd->flags & IOASID_ATTACH_PASID) {
		rc = -EOPNOTSUPP;
	} else if (cmd->pasid) {
		rc = -EINVAL;
	} else if (mutex_lock_killable(&ioasid_pci_mutex)) {
		rc = -EINTR;
	} else {
		if (pd->node)
			ioasid_pcidev_detach_locked(pd);
		else
			rc = -ENOENT;
		mutex_unlock(&ioasid_pci_mutex);
	}
	ioasid_object_put(&pd->obj);
	return rc;
}

int ioasid_pcidev_info(struct ioasid_ucmd *ucmd)
{
	struct ioasid_device_info *cmd = ucmd->cmd;
	struct iommu_domain_geometry *geo;
	struct iommu_domain *domain;
	struct ioasid_pcidev *pd;

	pd = ioasid_pcidev_get(ucmd->ictx, cmd->dev_id);
	if (!pd)
		return -ENOENT;
	/* Every output is written: what does not apply is 0. */
	memset((u8 *)cmd + offsetofend(struct ioasid_device_info, dev_id), 0,
	       sizeof(*cmd) - offsetofend(struct ioasid_device_info, dev_id));
	cmd->out_kind = IOASID_DEVICE_KIND_PCI;
	cmd->out_pci_id = pci_domain_nr(pd->pdev->bus) << 16 |
			  pd->pdev->bus->number << 8 | pd->pdev->devfn;
	cmd->out_caps = 0;
	if (mutex_lock_killable(&ioasid_pci_mutex)) {
		ioasid_object_put(&pd->obj);
		return -EINTR;
	}
	cmd->out_state = pd->gone ? IOASID_DEVICE_GONE : IOASID_DEVICE_LIVE;
	cmd->out_num_attachments = pd->node ? 1 : 0;
	/* Page sizes and aperture are the domain's: known once attached. */
	if (pd->hwgroup && ioasid_hwgroup_shadow(pd->hwgroup)) {
		struct ioasid_fault last;

		ioasid_shadow_faults(ioasid_hwgroup_shadow(pd->hwgroup),
				     &cmd->out_faults, &last);
		cmd->out_last_fault_addr = last.addr;
		cmd->out_last_fault_node = last.node_id;
		cmd->out_last_fault_reason = last.reason;
		cmd->out_last_fault_access = last.access;
		cmd->out_last_fault_level = last.level;
	}
	if (pd->hwgroup) {
		domain = ioasid_hwgroup_domain(pd->hwgroup);
		geo = &domain->geometry;
		cmd->out_pgsize_bitmap = domain->pgsize_bitmap;
		cmd->out_aperture_last = U64_MAX;
		if (geo->force_aperture) {
			cmd->out_aperture_start = geo->aperture_start;
			cmd->out_aperture_last = geo->aperture_end;
		}
	}
	mutex_unlock(&ioasid_pci_mutex);
	ioasid_object_put(&pd->obj);
	return ioasid_ucmd_respond(ucmd, sizeof(*cmd));
}

/* DESTROY: an object with no ioctl in flight and nothing attached may go. */
int ioasid_pcidev_unpublish_locked(struct ioasid_ctx *ictx,
				   struct ioasid_object *obj)
{
	struct ioasid_pcidev *pd = ioasid_to_pcidev(obj);

	lockdep_assert_held(&ictx->objects.xa_lock);
	if (refcount_read(&obj->users) != 1 || pd->attached)
		return -EBUSY;
	__xa_erase(&ictx->objects, obj->id);
	return 0;
}

/* After unpublishing (DESTROY, release): kill it, drop the table's reference. */
void ioasid_pcidev_free(struct ioasid_object *obj)
{
	struct ioasid_pcidev *pd = ioasid_to_pcidev(obj);

	ioasid_pcidev_kill(pd);
	ioasid_pcidev_put(pd);
}

/* At the context's release, before nodes go: detach it. */
void ioasid_pcidev_release_obj(struct ioasid_object *obj)
{
	ioasid_pcidev_kill(ioasid_to_pcidev(obj));
}

/**
 * ioasid_pcidev_debug() - what the debugfs view (debugfs.c) shows of a device
 * @ictx: the context
 * @id: the object's id
 * @bdf: its PCI address, as sysfs names it
 * @len: room at @bdf
 * @node_id: the node it is attached to, 0 for none
 * @gone: whether it was killed
 *
 * Holds the object's memory, not a users reference: DESTROY is not kept
 * from succeeding meanwhile.
 *
 * Return: 0, or -ENOENT if @id is not a PCI device of @ictx.
 */
int ioasid_pcidev_debug(struct ioasid_ctx *ictx, u32 id, char *bdf,
			size_t len, u32 *node_id, bool *gone)
{
	struct ioasid_object *obj;
	struct ioasid_pcidev *pd;

	xa_lock(&ictx->objects);
	obj = xa_load(&ictx->objects, id);
	if (!obj || obj->type != IOASID_OBJ_PCI_DEVICE) {
		xa_unlock(&ictx->objects);
		return -ENOENT;
	}
	pd = ioasid_to_pcidev(obj);
	/* The table's reference is there while it is published. */
	kref_get(&pd->kref);
	xa_unlock(&ictx->objects);

	strscpy(bdf, pci_name(pd->pdev), len);
	mutex_lock(&ioasid_pci_mutex);
	*gone = pd->gone;
	*node_id = pd->node ? pd->node->obj.id : 0;
	mutex_unlock(&ioasid_pci_mutex);
	ioasid_pcidev_put(pd);
	return 0;
}
