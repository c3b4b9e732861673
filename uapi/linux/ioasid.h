/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/ioasid: user-visible I/O address spaces for stock kernels.
 *
 * One open of /dev/ioasid is a context. Every ioctl takes a pointer to a
 * struct whose first member is a __u32 size, filled in by the caller with
 * sizeof() of the struct it was compiled against. The uAPI only grows by
 * appending members to structs and bits to flag words; there is no version
 * number.
 *
 * Rules that hold for every ioctl, so each struct below only lists its own
 * errors on top of these:
 *
 * - ENOTTY: the ioctl number is not one this module implements.
 * - EFAULT: the argument pointer, or a pointer inside the struct, is bad.
 * - EINVAL: @size is smaller than the struct as first shipped.
 * - E2BIG: @size is larger than the kernel's struct and the extra bytes are
 *   not all zero (the caller asked for something this kernel cannot do).
 *   A larger @size with a zero tail is accepted.
 * - EOPNOTSUPP: a flag bit this kernel does not know is set, or a field
 *   named __reserved is not zero.
 *
 * A failing ioctl changes nothing unless its documentation says otherwise.
 * Output members are named out_*; the kernel writes back at most @size bytes.
 */
#ifndef _UAPI_LINUX_IOASID_H
#define _UAPI_LINUX_IOASID_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Unassigned in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define IOASID_TYPE 0xA6

enum {
	IOASID_CMD_BASE = 0x00,
	IOASID_CMD_GET_INFO = IOASID_CMD_BASE,
};

/**
 * enum ioasid_capability - bits of &struct ioasid_info.out_capabilities
 *
 * Each bit announces an ioctl family or behaviour that this build of the
 * module implements on the running kernel. Userspace tests a bit before using
 * the feature; a clear bit means the feature's ioctls fail with ENOTTY or
 * EOPNOTSUPP. Bits are only ever added. No bit is defined yet: this version
 * implements the context and GET_INFO only.
 */
enum ioasid_capability {
	IOASID_CAP_NONE = 0,
};

/**
 * struct ioasid_info - ioctl(IOASID_GET_INFO)
 * @size: sizeof(struct ioasid_info)
 * @flags: must be 0
 * @out_capabilities: mask of enum ioasid_capability
 * @out_pgsize_bitmap: page sizes the module's translation tables use; bit n
 *	set means 2^n bytes. The lowest set bit is the granule: every IOVA,
 *	length and user address passed to mapping calls is a multiple of it.
 * @out_max_depth: the deepest a tree of IOASIDs may grow; a root is at
 *	depth 1
 * @out_max_pasid_bits: the widest PASID a device may declare (PCIe: 20)
 * @out_max_batch: the most entries one batched request may carry
 * @__reserved: must be 0
 *
 * Reports what the context can do. Takes no input besides @size and @flags.
 *
 * Return: 0 on success, or the generic errors listed at the top of this file.
 */
struct ioasid_info {
	__u32 size;
	__u32 flags;
	__aligned_u64 out_capabilities;
	__aligned_u64 out_pgsize_bitmap;
	__u32 out_max_depth;
	__u32 out_max_pasid_bits;
	__u32 out_max_batch;
	__u32 __reserved;
};

#define IOASID_GET_INFO _IO(IOASID_TYPE, IOASID_CMD_GET_INFO)

#endif
