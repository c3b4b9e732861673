/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the module: the context, the command plumbing shared by every
 * object file, and the limits reported through IOASID_GET_INFO.
 */
#ifndef IOASID_PRIVATE_H
#define IOASID_PRIVATE_H

#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "../uapi/linux/ioasid.h"
#include "compat.h"

#define IOASID_MAX_DEPTH	8
#define IOASID_MAX_PASID_BITS	20
#define IOASID_MAX_BATCH	4096

/**
 * struct ioasid_ctx - what one open of /dev/ioasid owns
 * @file: the file this context is the private_data of
 * @objects: every object of the context by id; ids start at 1, 0 is never
 *	an object
 * @lock: serialises changes to the object tree
 */
struct ioasid_ctx {
	struct file *file;
	struct xarray objects;
	struct mutex lock;	/* object tree changes */
};

/**
 * struct ioasid_ucmd - one ioctl in flight
 * @ictx: the context it runs in
 * @ubuffer: the user's struct
 * @user_size: the user's idea of the struct's size (its first member)
 * @cmd: the kernel copy, as long as the kernel's struct, zero-extended
 */
struct ioasid_ucmd {
	struct ioasid_ctx *ictx;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

/* Copy the answer back, no more than the user's struct holds. */
static inline int ioasid_ucmd_respond(struct ioasid_ucmd *ucmd, size_t cmd_len)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, cmd_len)))
		return -EFAULT;
	return 0;
}

#endif
