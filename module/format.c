// SPDX-License-Identifier: GPL-2.0
/*
 * The page-table formats of user-managed nodes: the only file that knows
 * which formats exist. It reads a format's descriptor at ALLOC, answers
 * FORMAT_INFO, and hands BIND, walks and iterations to the format's walker
 * (walkers/), which checks and decodes everything format-specific.
 */
#include <linux/uaccess.h>

#include "ioasid_private.h"

/* Every descriptor, as the kernel knows it; copied whole at ALLOC. */
union ioasid_format_desc {
	struct ioasid_format_header hdr;
	struct ioasid_format_x86_64 x86_64;
	struct ioasid_format_arm64 arm64;
	struct ioasid_format_riscv riscv;
	struct ioasid_format_amd_v1 amd_v1;
};

/*
 * The kernel's size of @format's descriptor and, in @min, its size as
 * first shipped; 0 for a format this module does not know.
 */
static size_t ioasid_format_desc_size(u32 format, size_t *min)
{
	switch (format) {
	case IOASID_FORMAT_X86_64:
		*min = 32;
		return sizeof(struct ioasid_format_x86_64);
	case IOASID_FORMAT_ARM64:
		*min = 32;
		return sizeof(struct ioasid_format_arm64);
	case IOASID_FORMAT_RISCV:
		*min = 32;
		return sizeof(struct ioasid_format_riscv);
	case IOASID_FORMAT_AMD_V1:
		*min = 32;
		return sizeof(struct ioasid_format_amd_v1);
	default:
		return 0;
	}
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
	union ioasid_format_desc desc;
	union ioasid_pt_cfg *cfg = &node->pt;
	size_t ksize, min;
	int rc;

	if (cmd->format_len < sizeof(desc.hdr))
		return -EINVAL;
	/* The tail is checked for zeroes: keep that bounded, as BATCH does. */
	if (cmd->format_len > PAGE_SIZE)
		return -E2BIG;
	if (copy_from_user(&desc.hdr, udesc, sizeof(desc.hdr)))
		return -EFAULT;
	if (desc.hdr.size != cmd->format_len)
		return -EINVAL;
	ksize = ioasid_format_desc_size(desc.hdr.format, &min);
	if (!ksize)
		return -EOPNOTSUPP;
	if (cmd->format_len < min)
		return -EINVAL;
	rc = copy_struct_from_user(&desc, ksize, udesc, cmd->format_len);
	if (rc)
		return rc;
	ioasid_user_deps_init(node);
	node->format = desc.hdr.format;
	switch (node->format) {
	case IOASID_FORMAT_X86_64:
		return ioasid_x86_64_config(&cfg->x86_64, &desc.x86_64);
	case IOASID_FORMAT_ARM64:
		return ioasid_arm64_config(&cfg->arm64, &desc.arm64);
	case IOASID_FORMAT_RISCV:
		return ioasid_riscv_config(&cfg->riscv, &desc.riscv);
	default:
		return ioasid_amd_v1_config(&cfg->amd_v1, &desc.amd_v1);
	}
}

int ioasid_format_info(struct ioasid_ucmd *ucmd)
{
	struct ioasid_format_info *cmd = ucmd->cmd;

	if (cmd->flags || cmd->__reserved || cmd->__reserved2)
		return -EOPNOTSUPP;
	switch (cmd->format) {
	case IOASID_FORMAT_X86_64:
		ioasid_x86_64_info(cmd);
		break;
	case IOASID_FORMAT_ARM64:
		ioasid_arm64_info(cmd);
		break;
	case IOASID_FORMAT_RISCV:
		ioasid_riscv_info(cmd);
		break;
	case IOASID_FORMAT_AMD_V1:
		ioasid_amd_v1_info(cmd);
		break;
	default:
		return -EOPNOTSUPP;
	}
	return ioasid_ucmd_respond(ucmd, sizeof(*cmd));
}

/**
 * ioasid_format_bind() - check a BIND for @node's format and apply it
 * @node: a user-managed node, write-locked
 * @flags: BIND's flags
 * @root: BIND's @root
 * @root1: BIND's @root1
 *
 * Return: 0, or -EINVAL / -EOPNOTSUPP with the node unchanged.
 */
int ioasid_format_bind(struct ioasid_node *node, u32 flags, u64 root, u64 root1)
{
	union ioasid_pt_cfg *cfg = &node->pt;

	lockdep_assert_held_write(&node->lock);
	switch (node->format) {
	case IOASID_FORMAT_X86_64:
		return ioasid_x86_64_bind(&cfg->x86_64, flags, root, root1);
	case IOASID_FORMAT_ARM64:
		return ioasid_arm64_bind(&cfg->arm64, flags, root, root1);
	case IOASID_FORMAT_RISCV:
		return ioasid_riscv_bind(&cfg->riscv, flags, root, root1);
	default:
		return ioasid_amd_v1_bind(&cfg->amd_v1, flags, root, root1);
	}
}

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
	const union ioasid_pt_cfg *cfg = &node->pt;

	lockdep_assert_held(&node->lock);
	if (!node->bound) {
		res->fault_reason = IOASID_FAULT_NOT_BOUND;
		res->fault_level = 0;
		return res->fault_reason;
	}
	switch (node->format) {
	case IOASID_FORMAT_X86_64:
		return ioasid_x86_64_walk(&cfg->x86_64, addr, access, io, res);
	case IOASID_FORMAT_ARM64:
		return ioasid_arm64_walk(&cfg->arm64, addr, access, io, res);
	case IOASID_FORMAT_RISCV:
		return ioasid_riscv_walk(&cfg->riscv, addr, access, io, res);
	default:
		return ioasid_amd_v1_walk(&cfg->amd_v1, addr, access, io, res);
	}
}

/* Visit the table's leaves over a range (walk.c, for shadow domains). */
int ioasid_user_iterate(struct ioasid_node *node, u64 start, u64 last,
			const struct ioasid_pt_io *io,
			int (*fn)(void *arg, const struct ioasid_pt_leaf *leaf),
			void *arg)
{
	const union ioasid_pt_cfg *cfg = &node->pt;

	lockdep_assert_held(&node->lock);
	if (!node->bound)
		return 0;
	switch (node->format) {
	case IOASID_FORMAT_X86_64:
		return ioasid_x86_64_iterate(&cfg->x86_64, start, last, io, fn, arg);
	case IOASID_FORMAT_ARM64:
		return ioasid_arm64_iterate(&cfg->arm64, start, last, io, fn, arg);
	case IOASID_FORMAT_RISCV:
		return ioasid_riscv_iterate(&cfg->riscv, start, last, io, fn, arg);
	default:
		return ioasid_amd_v1_iterate(&cfg->amd_v1, start, last, io, fn, arg);
	}
}
