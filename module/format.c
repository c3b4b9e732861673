// SPDX-License-Identifier: GPL-2.0
/*
 * The page-table formats of user-managed nodes: the only file that knows
 * which formats exist. It reads a format's descriptor at ALLOC, answers
 * FORMAT_INFO, and hands BIND, walks and iterations to the format's walker
 * (walkers/), which checks and decodes everything format-specific.
 *
 * The PASID-table kinds (IOASID_FORMAT_SMMUV3_CD, _AMD_GCR3, _RISCV_PDT)
 * are formats too: their walk first looks the request's PASID up in the
 * guest's table (walkers/pasid.h), then walks the stage-1 table the entry
 * names with that format's walker. Both read through the same @io, so
 * every PASID-table page read is a dependency of what the walk caches,
 * like any table page; nothing else of a decoded entry is kept.
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
	struct ioasid_format_smmuv3_cd smmuv3_cd;
	struct ioasid_format_amd_gcr3 amd_gcr3;
	struct ioasid_format_riscv_pdt riscv_pdt;
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
	case IOASID_FORMAT_SMMUV3_CD:
		*min = sizeof(struct ioasid_format_smmuv3_cd);
		return *min;
	case IOASID_FORMAT_AMD_GCR3:
		*min = sizeof(struct ioasid_format_amd_gcr3);
		return *min;
	case IOASID_FORMAT_RISCV_PDT:
		*min = sizeof(struct ioasid_format_riscv_pdt);
		return *min;
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
	case IOASID_FORMAT_AMD_V1:
		return ioasid_amd_v1_config(&cfg->amd_v1, &desc.amd_v1);
	case IOASID_FORMAT_SMMUV3_CD:
		return ioasid_smmuv3_cd_config(&cfg->smmuv3_cd, &desc.smmuv3_cd);
	case IOASID_FORMAT_AMD_GCR3:
		return ioasid_amd_gcr3_config(&cfg->amd_gcr3, &desc.amd_gcr3);
	default:
		return ioasid_riscv_pdt_config(&cfg->riscv_pdt, &desc.riscv_pdt);
	}
}

/* A node of @format looks a PASID up in a guest's table (walkers/pasid.h). */
bool ioasid_format_is_pasid_table(u32 format)
{
	return format == IOASID_FORMAT_SMMUV3_CD ||
	       format == IOASID_FORMAT_AMD_GCR3 ||
	       format == IOASID_FORMAT_RISCV_PDT;
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
	case IOASID_FORMAT_SMMUV3_CD:
		ioasid_smmuv3_cd_info(cmd);
		break;
	case IOASID_FORMAT_AMD_GCR3:
		ioasid_amd_gcr3_info(cmd);
		break;
	case IOASID_FORMAT_RISCV_PDT:
		ioasid_riscv_pdt_info(cmd);
		break;
	default:
		return -EOPNOTSUPP;
	}
	return ioasid_ucmd_respond(ucmd, sizeof(*cmd));
}

/**
 * ioasid_format_bind() - check a BIND for @node's format and apply it
 * @node: a user-managed node, write-locked
 * @cmd: BIND's struct: @root and @root1 for a page table, @entry for a
 *	PASID table (the other must be 0)
 *
 * Return: 0, or -EINVAL / -EOPNOTSUPP with the node unchanged.
 */
int ioasid_format_bind(struct ioasid_node *node, const struct ioasid_bind *cmd)
{
	union ioasid_pt_cfg *cfg = &node->pt;
	u64 root = cmd->root, root1 = cmd->root1;
	const u64 *entry = cmd->entry;
	u32 flags = cmd->flags;

	lockdep_assert_held_write(&node->lock);
	if (ioasid_format_is_pasid_table(node->format)) {
		if (root || root1)
			return -EINVAL;
	} else if (entry[0] | entry[1] | entry[2] | entry[3]) {
		return -EINVAL;
	}
	switch (node->format) {
	case IOASID_FORMAT_X86_64:
		return ioasid_x86_64_bind(&cfg->x86_64, flags, root, root1);
	case IOASID_FORMAT_ARM64:
		return ioasid_arm64_bind(&cfg->arm64, flags, root, root1);
	case IOASID_FORMAT_RISCV:
		return ioasid_riscv_bind(&cfg->riscv, flags, root, root1);
	case IOASID_FORMAT_AMD_V1:
		return ioasid_amd_v1_bind(&cfg->amd_v1, flags, root, root1);
	case IOASID_FORMAT_SMMUV3_CD:
		return ioasid_smmuv3_cd_bind(&cfg->smmuv3_cd, flags, entry);
	case IOASID_FORMAT_AMD_GCR3:
		return ioasid_amd_gcr3_bind(&cfg->amd_gcr3, flags, entry);
	default:
		return ioasid_riscv_pdt_bind(&cfg->riscv_pdt, flags, entry);
	}
}

/* Privileged grants, from the unprivileged ones: IOASID_PT_S* are U* << 3. */
static u32 ioasid_pt_as_unprivileged(u32 perm)
{
	perm &= IOASID_PT_UR | IOASID_PT_UW | IOASID_PT_UX;
	return perm | perm << 3;
}

/*
 * A PASID-table node: the guest's entry for the request's PASID, then the
 * stage-1 table it names (or none: bypass), both read through @io.
 */
static int ioasid_pasid_walk(struct ioasid_node *node, u64 addr, u32 access,
			     bool has_pasid, u32 pasid,
			     const struct ioasid_pt_io *io,
			     struct ioasid_pt_result *res)
{
	const union ioasid_pt_cfg *cfg = &node->pt;
	bool unprivileged = false;
	struct ioasid_pasid_s1 s1;
	u32 mask = IOASID_PT_ALL;
	int rc;

	switch (node->format) {
	case IOASID_FORMAT_SMMUV3_CD:
		rc = ioasid_smmuv3_cd_lookup(&cfg->smmuv3_cd, has_pasid, pasid,
					     io, &s1, res);
		break;
	case IOASID_FORMAT_AMD_GCR3:
		rc = ioasid_amd_gcr3_lookup(&cfg->amd_gcr3, has_pasid, pasid,
					    io, &s1, res);
		break;
	default:
		rc = ioasid_riscv_pdt_lookup(&cfg->riscv_pdt, has_pasid, pasid,
					     io, &s1, res);
		if (rc)
			break;
		mask = ioasid_riscv_pdt_perm_mask(&s1);
		/* Without a PASID a request is unprivileged, whatever it says. */
		unprivileged = !has_pasid;
		access = ioasid_riscv_pdt_access(has_pasid, access);
		break;
	}
	if (rc)
		return rc;
	if ((ioasid_pt_need(access) & mask) != ioasid_pt_need(access)) {
		res->fault_reason = IOASID_FAULT_PERMISSION;
		res->fault_level = 0;
		return res->fault_reason;
	}
	switch (s1.kind == IOASID_PASID_BYPASS ? 0 : s1.format) {
	case 0:
		*res = (struct ioasid_pt_result){
			.out = addr, .page_size = 1ULL << 63, .perm = IOASID_PT_ALL };
		break;
	case IOASID_FORMAT_X86_64:
		rc = ioasid_x86_64_walk(&s1.x86_64, addr, access, io, res);
		break;
	case IOASID_FORMAT_ARM64:
		rc = ioasid_arm64_walk(&s1.arm64, addr, access, io, res);
		break;
	default:
		rc = ioasid_riscv_walk(&s1.riscv, addr, access, io, res);
		break;
	}
	if (rc)
		return rc;
	res->perm &= mask;
	res->maybe &= mask;
	if (unprivileged) {
		res->perm = ioasid_pt_as_unprivileged(res->perm);
		res->maybe = ioasid_pt_as_unprivileged(res->maybe);
	}
	return 0;
}

/**
 * ioasid_user_walk() - translate through a user-managed node's table
 * @node: the node, read-locked
 * @addr: its input address
 * @access: the request, enum ioasid_access
 * @has_pasid: the request has a PASID (for a PASID-table node)
 * @pasid: its PASID
 * @io: table memory: the parent's space
 * @res: the result
 *
 * Return: 0 or an enum ioasid_fault_reason, also in @res.
 */
int ioasid_user_walk(struct ioasid_node *node, u64 addr, u32 access,
		     bool has_pasid, u32 pasid, const struct ioasid_pt_io *io,
		     struct ioasid_pt_result *res)
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
	case IOASID_FORMAT_AMD_V1:
		return ioasid_amd_v1_walk(&cfg->amd_v1, addr, access, io, res);
	default:
		return ioasid_pasid_walk(node, addr, access, has_pasid, pasid,
					 io, res);
	}
}

/*
 * Visit the table's leaves over a range (walk.c, for shadow domains). A
 * PASID-table node has none of its own: no PCI device attaches to one.
 */
int ioasid_user_iterate(struct ioasid_node *node, u64 start, u64 last,
			const struct ioasid_pt_io *io,
			int (*fn)(void *arg, const struct ioasid_pt_leaf *leaf),
			void *arg)
{
	const union ioasid_pt_cfg *cfg = &node->pt;

	lockdep_assert_held(&node->lock);
	if (!node->bound || ioasid_format_is_pasid_table(node->format))
		return 0;
	switch (node->format) {
	case IOASID_FORMAT_X86_64:
		return ioasid_x86_64_iterate(&cfg->x86_64, start, last, io, fn, arg);
	case IOASID_FORMAT_ARM64:
		return ioasid_arm64_iterate(&cfg->arm64, start, last, io, fn, arg);
	case IOASID_FORMAT_RISCV:
		return ioasid_riscv_iterate(&cfg->riscv, start, last, io, fn, arg);
	default:	/* IOASID_FORMAT_AMD_V1 */
		return ioasid_amd_v1_iterate(&cfg->amd_v1, start, last, io, fn, arg);
	}
}
