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

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "ioasid_private.h"

#define IOASID_CAPS	0ULL

static int ioasid_get_info(struct ioasid_ucmd *ucmd)
{
	struct ioasid_info *cmd = ucmd->cmd;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;

	cmd->out_capabilities = IOASID_CAPS;
	cmd->out_pgsize_bitmap = PAGE_SIZE | PMD_SIZE | PUD_SIZE;
	cmd->out_max_depth = IOASID_MAX_DEPTH;
	cmd->out_max_pasid_bits = IOASID_MAX_PASID_BITS;
	cmd->out_max_batch = IOASID_MAX_BATCH;
	return ioasid_ucmd_respond(ucmd, sizeof(*cmd));
}

union ioasid_ucmd_buffer {
	struct ioasid_info info;
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

	xa_init_flags(&ictx->objects, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	mutex_init(&ictx->lock);
	ictx->file = filp;
	filp->private_data = ictx;
	return 0;
}

static int ioasid_fops_release(struct inode *inode, struct file *filp)
{
	struct ioasid_ctx *ictx = filp->private_data;

	WARN_ON(!xa_empty(&ictx->objects));
	xa_destroy(&ictx->objects);
	mutex_destroy(&ictx->lock);
	kfree(ictx);
	return 0;
}

static const struct file_operations ioasid_fops = {
	.owner = THIS_MODULE,
	.open = ioasid_fops_open,
	.release = ioasid_fops_release,
	.unlocked_ioctl = ioasid_fops_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice ioasid_misc_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "ioasid",
	.fops = &ioasid_fops,
	.mode = 0660,
};

static int __init ioasid_init(void)
{
	return misc_register(&ioasid_misc_dev);
}

static void __exit ioasid_exit(void)
{
	misc_deregister(&ioasid_misc_dev);
}

module_init(ioasid_init);
module_exit(ioasid_exit);

MODULE_DESCRIPTION("/dev/ioasid: user-managed and kernel-managed I/O address spaces");
MODULE_LICENSE("GPL");
MODULE_VERSION(IOASID_VERSION);
