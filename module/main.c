// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/ioasid: the file's lifecycle, the ioctl table and module init.
 *
 * Each open() creates a context (struct ioasid_ctx); release() tears down
 * everything it holds. The misc device's fops carry THIS_MODULE, so every
 * open file holds a module reference and rmmod fails until the last close.
 *
 * Every ioctl goes through ioasid_fops_ioctl(): the table below names, for
 * each command, its handler, its struct and the last member that must be
 * present. The struct is copied with copy_struct_from_user(), so a caller
 * built against a newer, longer struct works as long as it asks for nothing
 * new (zero tail), and an older, shorter one works as long as it covers the
 * minimum.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "ioasid_private.h"

#define IOASID_CAPS	(IOASID_CAP_KERNEL_MANAGED | IOASID_CAP_BATCH | \
			 IOASID_CAP_SW_ENDPOINT | IOASID_CAP_DIRTY_TRACKING | \
			 IOASID_CAP_USER_MANAGED | IOASID_CAP_PCI_DEVICE | \
			 IOASID_CAP_FAULT_QUEUE)

struct ioasid_stats ioasid_stats;

/* Per-context limits (struct ioasid_limits); a context keeps those it opened with. */
static unsigned long max_child_mappings = 1UL << 22;
module_param(max_child_mappings, ulong, 0644);
MODULE_PARM_DESC(max_child_mappings,
		 "Mappings one context may hold in kernel-managed child nodes, all together (count; default 4194304; 0 to ULONG_MAX, 0: none; read at open; MAP beyond it fails with EDQUOT)");

static unsigned long max_iotlb_entries = 1UL << 18;
module_param(max_iotlb_entries, ulong, 0644);
MODULE_PARM_DESC(max_iotlb_entries,
		 "Translations one context's software endpoints may cache together (count; default 262144; 1 to ULONG_MAX, 0 counts as 1; read at open; a miss beyond it empties the context's IOTLB)");

static unsigned int max_reservations = 1U << 16;
module_param(max_reservations, uint, 0644);
MODULE_PARM_DESC(max_reservations,
		 "Reserved IOVA ranges one context may hold over all its nodes (count; default 65536; 0 to 4294967295; read at open; RESERVE_IOVA beyond it fails with EDQUOT)");

static unsigned int max_attachments = 1U << 16;
module_param(max_attachments, uint, 0644);
MODULE_PARM_DESC(max_attachments,
		 "Device attachments, whole device or per PASID, one context may hold (count; default 65536; 0 to 4294967295; read at open; ATTACH beyond it fails with EDQUOT)");

/* The object table ----------------------------------------------------- */

/* Phase one of publishing: an id that lookups cannot see yet. */
int ioasid_object_reserve(struct ioasid_ctx *ictx, struct ioasid_object *obj)
{
	int rc;

	refcount_set(&obj->users, 1);
	rc = xa_alloc(&ictx->objects, &obj->id, XA_ZERO_ENTRY, xa_limit_32b,
		      GFP_KERNEL_ACCOUNT);
	return rc == -EBUSY ? -ENOSPC : rc;	/* all 2^32 - 1 ids in use */
}

/* Phase two, once nothing can fail any more. */
void ioasid_object_publish_locked(struct ioasid_ctx *ictx,
				  struct ioasid_object *obj)
{
	void *old;

	lockdep_assert_held(&ictx->objects.xa_lock);
	/* Replacing the reserved entry allocates nothing. */
	old = __xa_store(&ictx->objects, obj->id, obj, GFP_ATOMIC);
	WARN_ON(old);
}

void ioasid_object_abort(struct ioasid_ctx *ictx, struct ioasid_object *obj)
{
	xa_erase(&ictx->objects, obj->id);
}

/* An object of @type with a users reference, or ERR_PTR(-ENOENT). */
struct ioasid_object *ioasid_object_get(struct ioasid_ctx *ictx, u32 id,
					enum ioasid_object_type type)
{
	struct ioasid_object *obj;

	xa_lock(&ictx->objects);
	obj = xa_load(&ictx->objects, id);
	if (obj && (obj->type != type || !refcount_inc_not_zero(&obj->users)))
		obj = NULL;
	xa_unlock(&ictx->objects);
	return obj ? obj : ERR_PTR(-ENOENT);
}

struct ioasid_node *ioasid_node_get(struct ioasid_ctx *ictx, u32 id)
{
	struct ioasid_object *obj = ioasid_object_get(ictx, id, IOASID_OBJ_NODE);

	return IS_ERR(obj) ? ERR_CAST(obj) : ioasid_to_node(obj);
}

/* A kernel-managed node, or ERR_PTR(-EINVAL) for a user-managed one. */
struct ioasid_node *ioasid_kernel_node_get(struct ioasid_ctx *ictx, u32 id)
{
	struct ioasid_node *node = ioasid_node_get(ictx, id);

	if (!IS_ERR(node) && ioasid_node_is_user(node)) {
		ioasid_node_put(node);
		return ERR_PTR(-EINVAL);
	}
	return node;
}

/* Unpublish @node if nothing holds or hangs below it; caller frees it. */
static int ioasid_node_unpublish_locked(struct ioasid_ctx *ictx,
					struct ioasid_node *node)
{
	lockdep_assert_held(&ictx->objects.xa_lock);
	if (refcount_read(&node->obj.users) != 1 || node->num_children ||
	    node->num_attached)
		return -EBUSY;
	__xa_erase(&ictx->objects, node->obj.id);
	if (node->parent)
		node->parent->num_children--;
	return 0;
}

static int ioasid_destroy(struct ioasid_ucmd *ucmd)
{
	struct ioasid_destroy *cmd = ucmd->cmd;
	struct ioasid_ctx *ictx = ucmd->ictx;
	struct ioasid_object *obj;
	int rc = -ENOENT;

	xa_lock(&ictx->objects);
	obj = xa_load(&ictx->objects, cmd->id);
	if (obj && obj->type == IOASID_OBJ_NODE)
		rc = ioasid_node_unpublish_locked(ictx, ioasid_to_node(obj));
	else if (obj && obj->type == IOASID_OBJ_DEVICE)
		rc = ioasid_endpoint_unpublish_locked(ictx, obj);
	else if (obj && obj->type == IOASID_OBJ_PCI_DEVICE)
		rc = ioasid_pcidev_unpublish_locked(ictx, obj);
	else if (obj && obj->type == IOASID_OBJ_FAULT_QUEUE)
		rc = ioasid_fault_queue_unpublish_locked(ictx, obj);
	xa_unlock(&ictx->objects);
	if (rc)
		return rc;
	if (obj->type == IOASID_OBJ_NODE)
		ioasid_node_free(ioasid_to_node(obj));
	else if (obj->type == IOASID_OBJ_DEVICE)
		ioasid_endpoint_free(obj);
	else if (obj->type == IOASID_OBJ_PCI_DEVICE)
		ioasid_pcidev_free(obj);
	else
		ioasid_fault_queue_free(obj);
	return 0;
}

/*
 * At release nothing else runs (fault queues' files hold the context's
 * file: they are closed): devices go first (detaching them), then nodes,
 * leaves first, then fault queues, which nodes named.
 */
static void ioasid_ctx_destroy_all(struct ioasid_ctx *ictx)
{
	struct ioasid_object *obj;
	struct ioasid_node *node;
	unsigned long id;
	bool progress;
	int rc;

	xa_for_each(&ictx->objects, id, obj) {
		if (obj->type == IOASID_OBJ_DEVICE) {
			ioasid_endpoint_release(obj);
			xa_lock(&ictx->objects);
			WARN_ON(ioasid_endpoint_unpublish_locked(ictx, obj));
			xa_unlock(&ictx->objects);
			ioasid_endpoint_free(obj);
		} else if (obj->type == IOASID_OBJ_PCI_DEVICE) {
			ioasid_pcidev_release_obj(obj);
			xa_lock(&ictx->objects);
			WARN_ON(ioasid_pcidev_unpublish_locked(ictx, obj));
			xa_unlock(&ictx->objects);
			ioasid_pcidev_free(obj);
		}
	}
	do {
		progress = false;
		xa_for_each(&ictx->objects, id, obj) {
			if (obj->type != IOASID_OBJ_NODE)
				continue;
			node = container_of(obj, struct ioasid_node, obj);
			xa_lock(&ictx->objects);
			if (ioasid_node_unpublish_locked(ictx, node)) {
				xa_unlock(&ictx->objects);
				continue;
			}
			xa_unlock(&ictx->objects);
			ioasid_node_free(node);
			progress = true;
		}
	} while (progress);
	xa_for_each(&ictx->objects, id, obj) {
		/* Anything else left is a bug: leak it rather than free it as a queue. */
		if (WARN_ON(obj->type != IOASID_OBJ_FAULT_QUEUE))
			continue;
		xa_lock(&ictx->objects);
		rc = ioasid_fault_queue_unpublish_locked(ictx, obj);
		xa_unlock(&ictx->objects);
		if (!WARN_ON(rc))
			ioasid_fault_queue_free(obj);
	}
	WARN_ON(!xa_empty(&ictx->objects));
}

/* Context-level commands ------------------------------------------------ */

static int ioasid_get_info(struct ioasid_ucmd *ucmd)
{
	struct ioasid_info *cmd = ucmd->cmd;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;

	cmd->out_capabilities = IOASID_CAPS;
	cmd->out_pgsize_bitmap = IOASID_PGSIZE_BITMAP;
	cmd->out_max_depth = IOASID_MAX_DEPTH;
	cmd->out_max_pasid_bits = IOASID_MAX_PASID_BITS;
	cmd->out_max_batch = IOASID_MAX_BATCH;
	cmd->out_max_child_mappings = ucmd->ictx->limits.child_mappings;
	cmd->out_max_iotlb_entries = ucmd->ictx->limits.iotlb_entries;
	cmd->out_max_reservations = ucmd->ictx->limits.reservations;
	cmd->out_max_attachments = ucmd->ictx->limits.attachments;
	return ioasid_ucmd_respond(ucmd, sizeof(*cmd));
}

/*
 * Process accounting charges an mm that may exit while its pins live on,
 * so a process could fork children that each pin up to their own limit:
 * like iommufd, only CAP_SYS_RESOURCE may choose it. The lock makes the
 * switch wait for MAPs that read the old mode until their pages are in.
 */
static int ioasid_set_account_mode(struct ioasid_ctx *ictx, u64 mode)
{
	int rc = 0;

	if (mode != IOASID_ACCOUNT_USER && mode != IOASID_ACCOUNT_PROCESS)
		return -EINVAL;
	if (mode == IOASID_ACCOUNT_PROCESS && !capable(CAP_SYS_RESOURCE))
		return -EPERM;
	if (down_write_killable(&ictx->account_lock))
		return -EINTR;
	if (atomic_long_read(&ictx->pinned_mappings))
		rc = -EBUSY;
	else
		WRITE_ONCE(ictx->account_mode, mode);
	up_write(&ictx->account_lock);
	return rc;
}

/* An option of one object: a users reference holds it meanwhile. */
static int ioasid_object_option(struct ioasid_ucmd *ucmd)
{
	struct ioasid_option *cmd = ucmd->cmd;
	struct ioasid_ctx *ictx = ucmd->ictx;
	struct ioasid_object *obj;
	int rc;

	if (!cmd->object_id)
		return -EINVAL;
	xa_lock(&ictx->objects);
	obj = xa_load(&ictx->objects, cmd->object_id);
	if (obj && !refcount_inc_not_zero(&obj->users))
		obj = NULL;
	xa_unlock(&ictx->objects);
	if (!obj)
		return -ENOENT;
	rc = ioasid_fault_option(ictx, cmd, obj);
	ioasid_object_put(obj);
	if (!rc && cmd->op == IOASID_OPTION_OP_GET)
		rc = ioasid_ucmd_respond(ucmd, sizeof(*cmd));
	return rc;
}

static int ioasid_option(struct ioasid_ucmd *ucmd)
{
	struct ioasid_option *cmd = ucmd->cmd;
	struct ioasid_ctx *ictx = ucmd->ictx;
	struct ioasid_object *obj;

	if (cmd->op != IOASID_OPTION_OP_GET && cmd->op != IOASID_OPTION_OP_SET)
		return -EOPNOTSUPP;
	if (cmd->option_id == IOASID_OPTION_FAULT_QUEUE ||
	    cmd->option_id == IOASID_OPTION_FAULT_TIMEOUT_MS)
		return ioasid_object_option(ucmd);
	if (cmd->option_id != IOASID_OPTION_ACCOUNT_MODE)
		return -EOPNOTSUPP;
	if (cmd->object_id) {
		/* Context-wide options take no object: name one, get EINVAL. */
		xa_lock(&ictx->objects);
		obj = xa_load(&ictx->objects, cmd->object_id);
		xa_unlock(&ictx->objects);
		return obj ? -EINVAL : -ENOENT;
	}
	switch (cmd->op) {
	case IOASID_OPTION_OP_GET:
		cmd->val64 = READ_ONCE(ictx->account_mode);
		return ioasid_ucmd_respond(ucmd, sizeof(*cmd));
	case IOASID_OPTION_OP_SET:
		return ioasid_set_account_mode(ictx, cmd->val64);
	default:
		return -EOPNOTSUPP;
	}
}

/*
 * MAP and UNMAP, from an ioctl or a BATCH entry alike, answer in their one
 * output member of the caller's struct at @ustruct (always within the
 * caller's size: it is the last member of the minimum).
 */
static int ioasid_map_answered(struct ioasid_ctx *ictx, struct ioasid_map *cmd,
			       struct ioasid_map __user *ustruct)
{
	struct ioasid_answer ans;
	int rc = ioasid_answer_init(&ans, &ustruct->iova, &cmd->iova,
				    sizeof(cmd->iova));

	return rc ? rc : ioasid_map(ictx, cmd, &ans);
}

static int ioasid_unmap_answered(struct ioasid_ctx *ictx, struct ioasid_unmap *cmd,
				 struct ioasid_unmap __user *ustruct,
				 struct ioasid_iommu_flush *fl)
{
	struct ioasid_answer ans;
	int rc = ioasid_answer_init(&ans, &ustruct->out_unmapped,
				    &cmd->out_unmapped, sizeof(cmd->out_unmapped));

	return rc ? rc : ioasid_unmap(ictx, cmd, &ans, fl);
}

static int ioasid_map_ioctl(struct ioasid_ucmd *ucmd)
{
	return ioasid_map_answered(ucmd->ictx, ucmd->cmd, ucmd->ubuffer);
}

/* UNMAP returns once PCI devices' IOTLBs are flushed and pages unpinned. */
static int ioasid_unmap_ioctl(struct ioasid_ucmd *ucmd)
{
	struct ioasid_iommu_flush fl;
	int rc;

	ioasid_iommu_flush_init(&fl);
	rc = ioasid_unmap_answered(ucmd->ictx, ucmd->cmd, ucmd->ubuffer, &fl);
	ioasid_iommu_flush_finish(&fl);
	return rc;
}

/* One entry of a batch: copied like an ioctl's struct, run and answered. */
static int ioasid_batch_one(struct ioasid_ctx *ictx, u32 op, void __user *uentry,
			    u32 entry_size, struct ioasid_iommu_flush *fl)
{
	union {
		struct ioasid_map map;
		struct ioasid_unmap unmap;
	} e;
	size_t ksize = op == IOASID_CMD_MAP ? sizeof(e.map) : sizeof(e.unmap);
	int rc;

	rc = copy_struct_from_user(&e, ksize, uentry, entry_size);
	if (rc)
		return rc;
	if (e.map.size != entry_size)	/* size is the first member of both */
		return -EINVAL;
	if (op == IOASID_CMD_MAP)
		return ioasid_map_answered(ictx, &e.map, uentry);
	return ioasid_unmap_answered(ictx, &e.unmap, uentry, fl);
}

/* MAP entries read ahead, to take adjacent ones as one (ioasid_map_run()). */
struct ioasid_batch_run {
	struct ioasid_map cmds[IOASID_MAP_RUN_MAX];
	struct ioasid_answer ans[IOASID_MAP_RUN_MAX];
};

/* Whether MAP entry @b can follow @a in a run. */
static bool ioasid_map_adjacent(const struct ioasid_map *a,
				const struct ioasid_map *b)
{
	return b->id == a->id && b->flags == a->flags &&
	       b->flags & IOASID_MAP_FIXED_IOVA &&
	       b->iova == a->iova + a->length && b->addr == a->addr + a->length;
}

/*
 * Read up to @max MAP entries from @uentry that form a run: adjacent,
 * well-formed as far as reading them goes. Return: how many (0 or 1: no
 * run, the entries go one by one).
 */
static unsigned int ioasid_batch_read_run(struct ioasid_batch_run *run,
					  u8 __user *uentry, u32 max,
					  u32 entry_size)
{
	struct ioasid_map __user *u;
	unsigned int n;

	for (n = 0; n < min_t(u32, max, IOASID_MAP_RUN_MAX); n++) {
		u = (struct ioasid_map __user *)(uentry + n * entry_size);
		if (copy_struct_from_user(&run->cmds[n], sizeof(run->cmds[n]),
					  u, entry_size) ||
		    run->cmds[n].size != entry_size ||
		    (n && !ioasid_map_adjacent(&run->cmds[n - 1], &run->cmds[n])) ||
		    ioasid_answer_init(&run->ans[n], &u->iova, &run->cmds[n].iova,
				       sizeof(run->cmds[n].iova)))
			break;
	}
	return n;
}

/*
 * BATCH of MAPs: runs of adjacent entries go as one where they can, and
 * one by one (their exact outcomes) where they cannot.
 */
static int ioasid_batch_maps(struct ioasid_ctx *ictx, u8 __user *uentry,
			     u32 count, u32 entry_size,
			     struct ioasid_iommu_flush *fl, u32 *done)
{
	struct ioasid_batch_run *run;
	unsigned int n = 0;
	int rc = 0;

	run = kvmalloc(sizeof(*run), GFP_KERNEL);
	for (*done = 0; *done < count; uentry += entry_size, ++*done, n--) {
		if (!n && run) {
			n = ioasid_batch_read_run(run, uentry, count - *done,
						  entry_size);
			if (n > 1 && !ioasid_map_run(ictx, run->cmds, n, run->ans)) {
				*done += n - 1;
				uentry += (n - 1) * entry_size;
				n = 1;
				continue;
			}
			n = max(n, 1U);	/* these go one by one, then look again */
		}
		rc = ioasid_batch_one(ictx, IOASID_CMD_MAP, uentry, entry_size, fl);
		if (rc)
			break;
		cond_resched();
	}
	kvfree(run);
	return rc;
}

static int ioasid_batch(struct ioasid_ucmd *ucmd)
{
	struct ioasid_batch *cmd = ucmd->cmd;
	struct ioasid_batch __user *ubatch = ucmd->ubuffer;
	u8 __user *uentry = u64_to_user_ptr(cmd->entries);
	struct ioasid_iommu_flush fl;
	size_t min_size;
	int rc = 0;
	u32 i;

	/* out_done is written on every path, so check it can be first. */
	if (put_user(0, &ubatch->out_done))
		return -EFAULT;
	if (cmd->flags || cmd->__reserved || cmd->__reserved2)
		return -EOPNOTSUPP;
	if (cmd->op == IOASID_CMD_MAP)
		min_size = offsetofend(struct ioasid_map, iova);
	else if (cmd->op == IOASID_CMD_UNMAP)
		min_size = offsetofend(struct ioasid_unmap, out_unmapped);
	else
		return -EOPNOTSUPP;
	if (cmd->entry_size < min_size)
		return -EINVAL;
	/* Each entry's tail is checked for zeroes: keep that bounded. */
	if (cmd->count > IOASID_MAX_BATCH || cmd->entry_size > PAGE_SIZE)
		return -E2BIG;

	/* One IOTLB flush of PCI devices' domains for the whole batch. */
	ioasid_iommu_flush_init(&fl);
	if (cmd->op == IOASID_CMD_MAP) {
		rc = ioasid_batch_maps(ucmd->ictx, uentry, cmd->count,
				       cmd->entry_size, &fl, &i);
	} else {
		for (i = 0; i < cmd->count; i++, uentry += cmd->entry_size) {
			rc = ioasid_batch_one(ucmd->ictx, cmd->op, uentry,
					      cmd->entry_size, &fl);
			if (rc)
				break;
			cond_resched();
		}
	}
	ioasid_iommu_flush_finish(&fl);
	if (put_user(i, &ubatch->out_done) && !rc)
		rc = -EFAULT;
	return rc;
}

/* The ioctl table -------------------------------------------------------- */

union ioasid_ucmd_buffer {
	struct ioasid_alloc alloc;
	struct ioasid_attach attach;
	struct ioasid_bind bind;
	struct ioasid_format_info format_info;
	struct ioasid_invalidate invalidate;
	struct ioasid_device_create device_create;
	struct ioasid_device_info device_info;
	struct ioasid_dirty_bitmap dirty_bitmap;
	struct ioasid_dirty_tracking dirty_tracking;
	struct ioasid_dma dma;
	struct ioasid_fault_queue_alloc fault_queue_alloc;
	struct ioasid_fault_queue_info fault_queue_info;
	struct ioasid_translate translate;
	struct ioasid_batch batch;
	struct ioasid_copy copy;
	struct ioasid_destroy destroy;
	struct ioasid_info info;
	struct ioasid_iova_ranges iova_ranges;
	struct ioasid_map map;
	struct ioasid_node_info node_info;
	struct ioasid_option option;
	struct ioasid_reserve_iova reserve_iova;
	struct ioasid_unmap unmap;
};

struct ioasid_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	int (*execute)(struct ioasid_ucmd *ucmd);
};

#define IOCTL_OP(_ioctl, _fn, _struct, _last)				\
	{								\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(union ioasid_ucmd_buffer) < \
					  sizeof(_struct)),		\
		.min_size = offsetofend(_struct, _last),		\
		.ioctl_num = _ioctl,					\
		.execute = _fn,						\
	}

static const struct ioasid_ioctl_op ioasid_ioctl_ops[] = {
	[IOASID_CMD_GET_INFO - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_GET_INFO, ioasid_get_info, struct ioasid_info,
			 __reserved),
	[IOASID_CMD_ALLOC - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_ALLOC, ioasid_node_alloc, struct ioasid_alloc,
			 fault_queue_id),
	[IOASID_CMD_DESTROY - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_DESTROY, ioasid_destroy, struct ioasid_destroy,
			 id),
	[IOASID_CMD_NODE_INFO - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_NODE_INFO, ioasid_node_info,
			 struct ioasid_node_info, out_pinned_bytes),
	[IOASID_CMD_MAP - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_MAP, ioasid_map_ioctl, struct ioasid_map, iova),
	[IOASID_CMD_UNMAP - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_UNMAP, ioasid_unmap_ioctl, struct ioasid_unmap,
			 out_unmapped),
	[IOASID_CMD_COPY - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_COPY, ioasid_copy, struct ioasid_copy, dst_iova),
	[IOASID_CMD_BATCH - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_BATCH, ioasid_batch, struct ioasid_batch,
			 __reserved2),
	[IOASID_CMD_IOVA_RANGES - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_IOVA_RANGES, ioasid_iova_ranges,
			 struct ioasid_iova_ranges, ranges),
	[IOASID_CMD_RESERVE_IOVA - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_RESERVE_IOVA, ioasid_reserve_iova,
			 struct ioasid_reserve_iova, length),
	[IOASID_CMD_OPTION - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_OPTION, ioasid_option, struct ioasid_option,
			 val64),
	[IOASID_CMD_DEVICE_CREATE - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_DEVICE_CREATE, ioasid_device_create,
			 struct ioasid_device_create, out_id),
	[IOASID_CMD_DEVICE_INFO - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_DEVICE_INFO, ioasid_device_info,
			 struct ioasid_device_info, out_faults),
	[IOASID_CMD_ATTACH - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_ATTACH, ioasid_attach, struct ioasid_attach,
			 __reserved),
	[IOASID_CMD_DETACH - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_DETACH, ioasid_detach, struct ioasid_attach,
			 __reserved),
	[IOASID_CMD_DMA - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_DMA, ioasid_dma, struct ioasid_dma, out_done),
	[IOASID_CMD_TRANSLATE - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_TRANSLATE, ioasid_translate,
			 struct ioasid_translate, out_generation),
	[IOASID_CMD_DIRTY_TRACKING - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_DIRTY_TRACKING, ioasid_dirty_tracking,
			 struct ioasid_dirty_tracking, __reserved),
	[IOASID_CMD_DIRTY_BITMAP - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_DIRTY_BITMAP, ioasid_dirty_bitmap,
			 struct ioasid_dirty_bitmap, data),
	[IOASID_CMD_FORMAT_INFO - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_FORMAT_INFO, ioasid_format_info,
			 struct ioasid_format_info, __reserved2),
	[IOASID_CMD_BIND - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_BIND, ioasid_bind, struct ioasid_bind, root),
	[IOASID_CMD_UNBIND - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_UNBIND, ioasid_unbind, struct ioasid_bind, root),
	[IOASID_CMD_INVALIDATE - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_INVALIDATE, ioasid_invalidate,
			 struct ioasid_invalidate, __reserved),
	[IOASID_CMD_FAULT_QUEUE_ALLOC - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_FAULT_QUEUE_ALLOC, ioasid_fault_queue_alloc,
			 struct ioasid_fault_queue_alloc, out_fd),
	[IOASID_CMD_FAULT_QUEUE_INFO - IOASID_CMD_BASE] =
		IOCTL_OP(IOASID_FAULT_QUEUE_INFO, ioasid_fault_queue_info,
			 struct ioasid_fault_queue_info, out_auto_responses),
};

static long ioasid_fops_ioctl(struct file *filp, unsigned int cmd,
			      unsigned long arg)
{
	const struct ioasid_ioctl_op *op;
	struct ioasid_ucmd ucmd = {};
	union ioasid_ucmd_buffer buf;
	unsigned int nr;
	int rc;

	nr = _IOC_NR(cmd) - IOASID_CMD_BASE;	/* below the base wraps high */
	if (nr >= ARRAY_SIZE(ioasid_ioctl_ops))
		return -ENOTTY;
	op = &ioasid_ioctl_ops[nr];
	if (!op->execute || op->ioctl_num != cmd)
		return -ENOTTY;

	ucmd.ictx = filp->private_data;
	ucmd.ubuffer = (void __user *)arg;
	rc = get_user(ucmd.user_size, (u32 __user *)ucmd.ubuffer);
	if (rc)
		return rc;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;

	ucmd.cmd = &buf;
	rc = copy_struct_from_user(ucmd.cmd, op->size, ucmd.ubuffer,
				   ucmd.user_size);
	if (rc)
		return rc;
	return op->execute(&ucmd);
}

static int ioasid_fops_open(struct inode *inode, struct file *filp)
{
	struct ioasid_ctx *ictx;

	ictx = kzalloc(sizeof(*ictx), GFP_KERNEL_ACCOUNT);
	if (!ictx)
		return -ENOMEM;

	if (ioasid_faults_init(ictx)) {
		kfree(ictx);
		return -ENOMEM;
	}
	xa_init_flags(&ictx->objects, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	init_rwsem(&ictx->iotlb_lock);
	init_rwsem(&ictx->account_lock);
	INIT_LIST_HEAD(&ictx->attachment_list);
	mutex_init(&ictx->shadow_lock);
	INIT_LIST_HEAD(&ictx->shadows);
	ictx->limits = (struct ioasid_limits){
		.child_mappings = READ_ONCE(max_child_mappings),
		.iotlb_entries = max(READ_ONCE(max_iotlb_entries), 1UL),
		.reservations = READ_ONCE(max_reservations),
		.attachments = READ_ONCE(max_attachments),
	};
	ictx->file = filp;
	ictx->account_mode = IOASID_ACCOUNT_USER;
	filp->private_data = ictx;
	ioasid_stat_add(contexts, 1);
	ioasid_debugfs_ctx_add(ictx);
	return 0;
}

static int ioasid_fops_release(struct inode *inode, struct file *filp)
{
	struct ioasid_ctx *ictx = filp->private_data;

	ioasid_debugfs_ctx_del(ictx);
	ioasid_ctx_destroy_all(ictx);
	WARN_ON(!list_empty(&ictx->shadows));
	mutex_destroy(&ictx->shadow_lock);
	xa_destroy(&ictx->objects);
	ioasid_faults_free(ictx);
	kfree(ictx);
	ioasid_stat_sub(contexts, 1);
	return 0;
}

static const struct file_operations ioasid_fops = {
	.owner = THIS_MODULE,
	.open = ioasid_fops_open,
	.release = ioasid_fops_release,
	.unlocked_ioctl = ioasid_fops_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/* Whether @file is an open /dev/ioasid (its private_data a context). */
bool ioasid_is_ctx_file(struct file *file)
{
	return file->f_op == &ioasid_fops;
}

/*
 * Module-wide totals: /sys/class/misc/ioasid/{contexts,nodes,...}, root
 * only (0400): they show what other users' contexts pin and map.
 */
#define IOASID_STAT_ATTR(_name, _expr)					\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%lld\n", (long long)(_expr));		\
}									\
static DEVICE_ATTR_ADMIN_RO(_name)

IOASID_STAT_ATTR(contexts, atomic64_read(&ioasid_stats.contexts));
IOASID_STAT_ATTR(nodes, atomic64_read(&ioasid_stats.nodes));
IOASID_STAT_ATTR(mappings, atomic64_read(&ioasid_stats.mappings));
IOASID_STAT_ATTR(pinned_bytes,
		 atomic64_read(&ioasid_stats.pinned_pages) << PAGE_SHIFT);

static struct attribute *ioasid_attrs[] = {
	&dev_attr_contexts.attr,
	&dev_attr_nodes.attr,
	&dev_attr_mappings.attr,
	&dev_attr_pinned_bytes.attr,
	NULL,
};
ATTRIBUTE_GROUPS(ioasid);

static struct miscdevice ioasid_misc_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "ioasid",
	.fops = &ioasid_fops,
	.mode = 0660,
	.groups = ioasid_groups,
};

static int __init ioasid_init(void)
{
	int rc;

	rc = ioasid_pages_init();
	if (rc)
		return rc;
	rc = ioasid_node_init();
	if (rc)
		goto out_pages;
	rc = misc_register(&ioasid_misc_dev);
	if (rc)
		goto out_node;
	ioasid_debugfs_init();
	return 0;

out_node:
	ioasid_node_exit();
out_pages:
	ioasid_pages_exit();
	return rc;
}

static void __exit ioasid_exit(void)
{
	ioasid_debugfs_exit();
	misc_deregister(&ioasid_misc_dev);
	ioasid_node_exit();
	ioasid_pages_exit();
}

module_init(ioasid_init);
module_exit(ioasid_exit);

MODULE_DESCRIPTION("/dev/ioasid: user-managed and kernel-managed I/O address spaces");
MODULE_LICENSE("GPL");
MODULE_VERSION(IOASID_VERSION);
