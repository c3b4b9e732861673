// SPDX-License-Identifier: GPL-2.0
/*
 * Printing a call for a report or a trace: its name, how it was passed, and
 * each member of its struct by name, from a table per ioctl.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

struct field {
	const char *name;
	unsigned short off;
	unsigned char width;	/* 4 or 8 */
};

#define F(type, member)							\
	{ #member, offsetof(struct type, member),			\
	  sizeof(((struct type *)0)->member) }
#define END { NULL, 0, 0 }

static const struct field f_info[] = {
	F(ioasid_info, flags), F(ioasid_info, __reserved), END };
static const struct field f_alloc[] = {
	F(ioasid_alloc, flags), F(ioasid_alloc, mode), F(ioasid_alloc, parent_id),
	F(ioasid_alloc, fault_queue_id), F(ioasid_alloc, format),
	F(ioasid_alloc, format_len), F(ioasid_alloc, __reserved2), END };
static const struct field f_destroy[] = { F(ioasid_destroy, id), END };
static const struct field f_node_info[] = {
	F(ioasid_node_info, flags), F(ioasid_node_info, id),
	F(ioasid_node_info, __reserved), F(ioasid_node_info, __reserved2), END };
static const struct field f_map[] = {
	F(ioasid_map, flags), F(ioasid_map, id), F(ioasid_map, __reserved),
	F(ioasid_map, addr), F(ioasid_map, length), F(ioasid_map, iova), END };
static const struct field f_unmap[] = {
	F(ioasid_unmap, flags), F(ioasid_unmap, id), F(ioasid_unmap, __reserved),
	F(ioasid_unmap, iova), F(ioasid_unmap, length), END };
static const struct field f_copy[] = {
	F(ioasid_copy, flags), F(ioasid_copy, dst_id), F(ioasid_copy, src_id),
	F(ioasid_copy, __reserved), F(ioasid_copy, __reserved2),
	F(ioasid_copy, length), F(ioasid_copy, src_iova),
	F(ioasid_copy, dst_iova), END };
static const struct field f_batch[] = {
	F(ioasid_batch, flags), F(ioasid_batch, op), F(ioasid_batch, count),
	F(ioasid_batch, entry_size), F(ioasid_batch, __reserved),
	F(ioasid_batch, entries), F(ioasid_batch, __reserved2), END };
static const struct field f_ranges[] = {
	F(ioasid_iova_ranges, flags), F(ioasid_iova_ranges, id),
	F(ioasid_iova_ranges, num_ranges), F(ioasid_iova_ranges, __reserved),
	F(ioasid_iova_ranges, __reserved2), F(ioasid_iova_ranges, ranges), END };
static const struct field f_reserve[] = {
	F(ioasid_reserve_iova, flags), F(ioasid_reserve_iova, id),
	F(ioasid_reserve_iova, __reserved), F(ioasid_reserve_iova, iova),
	F(ioasid_reserve_iova, length), END };
static const struct field f_option[] = {
	F(ioasid_option, option_id), F(ioasid_option, op),
	F(ioasid_option, object_id), F(ioasid_option, val64), END };
static const struct field f_dev_create[] = {
	F(ioasid_device_create, flags), F(ioasid_device_create, pasid_bits),
	F(ioasid_device_create, pri_max_pending), F(ioasid_device_create, __reserved), END };
static const struct field f_dev_info[] = {
	F(ioasid_device_info, flags), F(ioasid_device_info, dev_id), END };
static const struct field f_attach[] = {
	F(ioasid_attach, flags), F(ioasid_attach, dev_id),
	F(ioasid_attach, node_id), F(ioasid_attach, pasid),
	F(ioasid_attach, __reserved), END };
static const struct field f_dma[] = {
	F(ioasid_dma, flags), F(ioasid_dma, dev_id), F(ioasid_dma, pasid),
	F(ioasid_dma, iova), F(ioasid_dma, length), F(ioasid_dma, buffer),
	F(ioasid_dma, group), END };
static const struct field f_translate[] = {
	F(ioasid_translate, flags), F(ioasid_translate, dev_id),
	F(ioasid_translate, pasid), F(ioasid_translate, iova),
	F(ioasid_translate, __reserved), END };
static const struct field f_tracking[] = {
	F(ioasid_dirty_tracking, flags), F(ioasid_dirty_tracking, id),
	F(ioasid_dirty_tracking, __reserved), END };
static const struct field f_bitmap[] = {
	F(ioasid_dirty_bitmap, flags), F(ioasid_dirty_bitmap, id),
	F(ioasid_dirty_bitmap, __reserved), F(ioasid_dirty_bitmap, iova),
	F(ioasid_dirty_bitmap, length), F(ioasid_dirty_bitmap, page_size),
	F(ioasid_dirty_bitmap, data), END };
static const struct field f_format_info[] = {
	F(ioasid_format_info, flags), F(ioasid_format_info, format),
	F(ioasid_format_info, __reserved), F(ioasid_format_info, __reserved2), END };
static const struct field f_bind[] = {
	F(ioasid_bind, flags), F(ioasid_bind, id), F(ioasid_bind, __reserved),
	F(ioasid_bind, root), F(ioasid_bind, root1),
	{ "entry[0]", offsetof(struct ioasid_bind, entry[0]), 8 },
	{ "entry[1]", offsetof(struct ioasid_bind, entry[1]), 8 },
	{ "entry[2]", offsetof(struct ioasid_bind, entry[2]), 8 },
	{ "entry[3]", offsetof(struct ioasid_bind, entry[3]), 8 }, END };
static const struct field f_invalidate[] = {
	F(ioasid_invalidate, flags), F(ioasid_invalidate, count),
	F(ioasid_invalidate, entry_size), F(ioasid_invalidate, entries),
	F(ioasid_invalidate, __reserved), END };
static const struct field f_fq_alloc[] = {
	F(ioasid_fault_queue_alloc, flags), F(ioasid_fault_queue_alloc, depth),
	F(ioasid_fault_queue_alloc, timeout_ms), END };
static const struct field f_fq_info[] = {
	F(ioasid_fault_queue_info, flags), F(ioasid_fault_queue_info, queue_id),
	F(ioasid_fault_queue_info, __reserved), END };

static const struct field *const fields[32] = {
	[IOASID_CMD_GET_INFO] = f_info,
	[IOASID_CMD_ALLOC] = f_alloc,
	[IOASID_CMD_DESTROY] = f_destroy,
	[IOASID_CMD_NODE_INFO] = f_node_info,
	[IOASID_CMD_MAP] = f_map,
	[IOASID_CMD_UNMAP] = f_unmap,
	[IOASID_CMD_COPY] = f_copy,
	[IOASID_CMD_BATCH] = f_batch,
	[IOASID_CMD_IOVA_RANGES] = f_ranges,
	[IOASID_CMD_RESERVE_IOVA] = f_reserve,
	[IOASID_CMD_OPTION] = f_option,
	[IOASID_CMD_DEVICE_CREATE] = f_dev_create,
	[IOASID_CMD_DEVICE_INFO] = f_dev_info,
	[IOASID_CMD_ATTACH] = f_attach,
	[IOASID_CMD_DETACH] = f_attach,
	[IOASID_CMD_DMA] = f_dma,
	[IOASID_CMD_TRANSLATE] = f_translate,
	[IOASID_CMD_DIRTY_TRACKING] = f_tracking,
	[IOASID_CMD_DIRTY_BITMAP] = f_bitmap,
	[IOASID_CMD_FORMAT_INFO] = f_format_info,
	[IOASID_CMD_BIND] = f_bind,
	[IOASID_CMD_UNBIND] = f_bind,
	[IOASID_CMD_INVALIDATE] = f_invalidate,
	[IOASID_CMD_FAULT_QUEUE_ALLOC] = f_fq_alloc,
	[IOASID_CMD_FAULT_QUEUE_INFO] = f_fq_info,
};

void fz_describe(const struct fz_call *c, char *out, size_t len)
{
	const struct field *fl = c->cmd < 32 ? fields[c->cmd] : NULL;
	size_t off;
	uint64_t v;
	uint32_t v32;

	off = snprintf(out, len, "%s (%s) size=%u", c->name ? c->name : "?",
		       c->how ? c->how : "", c->size);
	for (; fl && fl->name && off < len; fl++) {
		if (fl->width == 8) {
			memcpy(&v, c->in + fl->off, 8);
			off += snprintf(out + off, len - off, " %s=0x%llx", fl->name,
					(unsigned long long)v);
		} else {
			memcpy(&v32, c->in + fl->off, 4);
			off += snprintf(out + off, len - off, " %s=%s%x", fl->name,
					v32 > 9 ? "0x" : "", v32);
		}
	}
	if (c->note[0] && off < len)
		snprintf(out + off, len - off, " [%s]", c->note);
}

const char *fz_errname(int err)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
		{ 0, "success" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" },
		{ EINTR, "EINTR" }, { EIO, "EIO" }, { E2BIG, "E2BIG" },
		{ ENOMEM, "ENOMEM" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" }, { EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" },
		{ ENOTTY, "ENOTTY" }, { EMLINK, "EMLINK" }, { EOVERFLOW, "EOVERFLOW" },
		{ EMSGSIZE, "EMSGSIZE" }, { EOPNOTSUPP, "EOPNOTSUPP" },
		{ EADDRINUSE, "EADDRINUSE" }, { EDQUOT, "EDQUOT" },
		{ EAGAIN, "EAGAIN" }, { ENXIO, "ENXIO" }, { ESTALE, "ESTALE" },
		{ EALREADY, "EALREADY" }, { ETIMEDOUT, "ETIMEDOUT" },
		{ ECANCELED, "ECANCELED" }, { EMFILE, "EMFILE" },
	};
	static char buf[16];
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == err)
			return names[i].name;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

const char *fz_format_name(uint32_t format)
{
	static const char *const names[] = {
		[IOASID_FORMAT_X86_64] = "x86-64",
		[IOASID_FORMAT_ARM64] = "arm64",
		[IOASID_FORMAT_RISCV] = "riscv",
		[IOASID_FORMAT_AMD_V1] = "amd-v1",
		[IOASID_FORMAT_SMMUV3_CD] = "smmuv3-cd",
		[IOASID_FORMAT_AMD_GCR3] = "amd-gcr3",
		[IOASID_FORMAT_RISCV_PDT] = "riscv-pdt",
	};

	return format < sizeof(names) / sizeof(names[0]) && names[format] ?
	       names[format] : "?";
}

const char *fz_reason_name(uint32_t reason)
{
	static const char *const names[] = {
		[IOASID_FAULT_NOT_ATTACHED] = "NOT_ATTACHED",
		[IOASID_FAULT_NOT_MAPPED] = "NOT_MAPPED",
		[IOASID_FAULT_PERMISSION] = "PERMISSION",
		[IOASID_FAULT_NOT_BOUND] = "NOT_BOUND",
		[IOASID_FAULT_NOT_PRESENT] = "NOT_PRESENT",
		[IOASID_FAULT_RESERVED] = "RESERVED",
		[IOASID_FAULT_NON_CANONICAL] = "NON_CANONICAL",
		[IOASID_FAULT_TABLE] = "TABLE",
		[IOASID_FAULT_AD_UPDATE] = "AD_UPDATE",
		[IOASID_FAULT_WALK_LIMIT] = "WALK_LIMIT",
		[IOASID_FAULT_RESOURCE] = "RESOURCE",
		[IOASID_FAULT_ACCESS_FLAG] = "ACCESS_FLAG",
		[IOASID_FAULT_PASID_NOT_PRESENT] = "PASID_NOT_PRESENT",
		[IOASID_FAULT_PASID_ENTRY] = "PASID_ENTRY",
	};

	return reason < sizeof(names) / sizeof(names[0]) && names[reason] ?
	       names[reason] : "?";
}
