// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/* libioasid: nodes, kernel-managed mappings, IOVA ranges, accounting. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "libioasid_private.h"

IOASID_EXPORT int ioasid_get_account_mode(struct ioasid_handle *handle)
{
	IOASID_INIT(struct ioasid_option, cmd);
	int ret;

	cmd.option_id = IOASID_OPTION_ACCOUNT_MODE;
	cmd.op = IOASID_OPTION_OP_GET;
	ret = __ioasid_ioctl(handle, IOASID_OPTION, &cmd);
	return ret ? ret : (int)cmd.val64;
}

IOASID_EXPORT int ioasid_set_account_mode(struct ioasid_handle *handle,
					  enum ioasid_account_mode mode)
{
	IOASID_INIT(struct ioasid_option, cmd);

	cmd.option_id = IOASID_OPTION_ACCOUNT_MODE;
	cmd.op = IOASID_OPTION_OP_SET;
	cmd.val64 = mode;
	return __ioasid_ioctl(handle, IOASID_OPTION, &cmd);
}

IOASID_EXPORT int ioasid_node_alloc(struct ioasid_handle *handle,
				    uint32_t parent_id, enum ioasid_mode mode,
				    uint32_t *id)
{
	IOASID_INIT(struct ioasid_alloc, cmd);
	int ret;

	if (!id)
		return -EINVAL;
	cmd.mode = mode;
	cmd.parent_id = parent_id;
	ret = __ioasid_ioctl(handle, IOASID_ALLOC, &cmd);
	if (!ret)
		*id = cmd.out_id;
	return ret;
}

IOASID_EXPORT int ioasid_node_destroy(struct ioasid_handle *handle, uint32_t id)
{
	IOASID_INIT(struct ioasid_destroy, cmd);

	cmd.id = id;
	return __ioasid_ioctl(handle, IOASID_DESTROY, &cmd);
}

/*
 * struct ioasid_node_info grew in 0.3 (out_format to __reserved2, for
 * user-managed nodes). A caller built against an older header has room for
 * the 56 bytes it had then and keeps the 0.1 symbol, which asks for no
 * more; callers built since get 0.3's.
 */
#define IOASID_NODE_INFO_SIZE_0_1 \
	(offsetof(struct ioasid_node_info, out_pinned_bytes) + \
	 sizeof(((struct ioasid_node_info *)0)->out_pinned_bytes))

static int ioasid_node_info_sized(struct ioasid_handle *handle, uint32_t id,
				  struct ioasid_node_info *info, size_t size)
{
	if (!handle || !info)
		return -EINVAL;
	memset(info, 0, size);
	info->size = size;
	info->id = id;
	return __ioasid_ioctl(handle, IOASID_NODE_INFO, info);
}

IOASID_EXPORT int ioasid_node_info_0_1(struct ioasid_handle *handle,
				       uint32_t id,
				       struct ioasid_node_info *info);
IOASID_EXPORT int ioasid_node_info_0_3(struct ioasid_handle *handle,
				       uint32_t id,
				       struct ioasid_node_info *info);
__asm__(".symver ioasid_node_info_0_1, ioasid_node_info@LIBIOASID_0.1");
__asm__(".symver ioasid_node_info_0_3, ioasid_node_info@@LIBIOASID_0.3");

IOASID_EXPORT int ioasid_node_info_0_1(struct ioasid_handle *handle,
				       uint32_t id,
				       struct ioasid_node_info *info)
{
	return ioasid_node_info_sized(handle, id, info,
				      IOASID_NODE_INFO_SIZE_0_1);
}

IOASID_EXPORT int ioasid_node_info_0_3(struct ioasid_handle *handle,
				       uint32_t id,
				       struct ioasid_node_info *info)
{
	return ioasid_node_info_sized(handle, id, info, sizeof(*info));
}

/* The caller's own struct ioasid_alloc, passed through as it is. */
IOASID_EXPORT int ioasid_node_alloc_cmd(struct ioasid_handle *handle,
					struct ioasid_alloc *cmd)
{
	return __ioasid_ioctl(handle, IOASID_ALLOC, cmd);
}

IOASID_EXPORT int ioasid_node_alloc_user(struct ioasid_handle *handle,
					 uint32_t parent_id, const void *format,
					 uint32_t format_len, uint32_t *id)
{
	IOASID_INIT(struct ioasid_alloc, cmd);
	int ret;

	if (!id)
		return -EINVAL;
	cmd.mode = IOASID_MODE_USER_MANAGED;
	cmd.parent_id = parent_id;
	cmd.format = (uintptr_t)format;
	cmd.format_len = format_len;
	ret = __ioasid_ioctl(handle, IOASID_ALLOC, &cmd);
	if (!ret)
		*id = cmd.out_id;
	return ret;
}

/*
 * struct ioasid_format_info grew in 0.6 (out_granule_bitmap, for the Arm64
 * granules). A caller built against an older header has room for the 64
 * bytes it had then and keeps the 0.3 symbol, which asks for no more;
 * callers built since get 0.6's.
 */
#define IOASID_FORMAT_INFO_SIZE_0_3 \
	(offsetof(struct ioasid_format_info, __reserved2) + \
	 sizeof(((struct ioasid_format_info *)0)->__reserved2))

static int ioasid_format_info_sized(struct ioasid_handle *handle,
				    uint32_t format,
				    struct ioasid_format_info *info,
				    size_t size)
{
	if (!handle || !info)
		return -EINVAL;
	memset(info, 0, size);
	info->size = size;
	info->format = format;
	return __ioasid_ioctl(handle, IOASID_FORMAT_INFO, info);
}

IOASID_EXPORT int ioasid_format_info_0_3(struct ioasid_handle *handle,
					 uint32_t format,
					 struct ioasid_format_info *info);
IOASID_EXPORT int ioasid_format_info_0_6(struct ioasid_handle *handle,
					 uint32_t format,
					 struct ioasid_format_info *info);
__asm__(".symver ioasid_format_info_0_3, ioasid_format_info@LIBIOASID_0.3");
__asm__(".symver ioasid_format_info_0_6, ioasid_format_info@@LIBIOASID_0.6");

IOASID_EXPORT int ioasid_format_info_0_3(struct ioasid_handle *handle,
					 uint32_t format,
					 struct ioasid_format_info *info)
{
	return ioasid_format_info_sized(handle, format, info,
					IOASID_FORMAT_INFO_SIZE_0_3);
}

IOASID_EXPORT int ioasid_format_info_0_6(struct ioasid_handle *handle,
					 uint32_t format,
					 struct ioasid_format_info *info)
{
	return ioasid_format_info_sized(handle, format, info, sizeof(*info));
}

/*
 * struct ioasid_bind grew in 0.7 (entry[], the raw entry of a PASID-table
 * kind) from 32 bytes (up to root1). ioasid_bind(), ioasid_bind_halves()
 * and ioasid_unbind() send those 32 bytes whatever header the library is
 * built with: a module that predates entry[] takes them as they always
 * were, and one that predates root1 (24 bytes) takes root1 0 as a zero
 * tail (a non-zero @root1 is E2BIG there). Only ioasid_bind_entry() sends
 * the whole struct.
 */
#define IOASID_BIND_SIZE_0_6 \
	(offsetof(struct ioasid_bind, root1) + \
	 sizeof(((struct ioasid_bind *)0)->root1))

static int ioasid_bind_cmd(struct ioasid_handle *handle, unsigned long request,
			   uint32_t id, uint64_t root, uint64_t root1,
			   uint32_t flags)
{
	IOASID_INIT(struct ioasid_bind, cmd);

	cmd.size = IOASID_BIND_SIZE_0_6;
	cmd.flags = flags;
	cmd.id = id;
	cmd.root = root;
	cmd.root1 = root1;
	return __ioasid_ioctl(handle, request, &cmd);
}

IOASID_EXPORT int ioasid_bind(struct ioasid_handle *handle, uint32_t id,
			      uint64_t root, uint32_t flags)
{
	return ioasid_bind_cmd(handle, IOASID_BIND, id, root, 0, flags);
}

/* Both halves of an Arm64 node: TTB0 at @root, TTB1 at @root1. */
IOASID_EXPORT int ioasid_bind_halves(struct ioasid_handle *handle, uint32_t id,
				     uint64_t root, uint64_t root1,
				     uint32_t flags)
{
	return ioasid_bind_cmd(handle, IOASID_BIND, id, root, root1, flags);
}

/* A PASID-table kind: the guest's raw entry, root and root1 0. */
IOASID_EXPORT int ioasid_bind_entry(struct ioasid_handle *handle, uint32_t id,
				    uint32_t flags, const uint64_t entry[4])
{
	IOASID_INIT(struct ioasid_bind, cmd);

	if (!handle || !entry)
		return -EINVAL;
	_Static_assert(sizeof(cmd.entry) == 4 * sizeof(entry[0]), "entry[4]");
	cmd.flags = flags;
	cmd.id = id;
	memcpy(cmd.entry, entry, sizeof(cmd.entry));
	return __ioasid_ioctl(handle, IOASID_BIND, &cmd);
}

IOASID_EXPORT int ioasid_unbind(struct ioasid_handle *handle, uint32_t id)
{
	return ioasid_bind_cmd(handle, IOASID_UNBIND, id, 0, 0, 0);
}

IOASID_EXPORT int ioasid_invalidate(struct ioasid_handle *handle,
				    const struct ioasid_inv_entry *entries,
				    unsigned int count, unsigned int *done)
{
	IOASID_INIT(struct ioasid_invalidate, cmd);
	int ret;

	if (done)
		*done = 0;
	if (!entries && count)
		return -EINVAL;
	cmd.count = count;
	cmd.entry_size = sizeof(*entries);
	cmd.entries = (uintptr_t)entries;
	ret = __ioasid_ioctl(handle, IOASID_INVALIDATE, &cmd);
	if (done)
		*done = cmd.out_done;
	return ret;
}

IOASID_EXPORT int ioasid_invalidate_all(struct ioasid_handle *handle,
					uint32_t node_id)
{
	struct ioasid_inv_entry e = { .node_id = node_id };

	return ioasid_invalidate(handle, &e, 1, NULL);
}

IOASID_EXPORT int ioasid_invalidate_range(struct ioasid_handle *handle,
					  uint32_t node_id, uint64_t addr,
					  uint64_t size, uint64_t granule)
{
	struct ioasid_inv_entry e = {
		.node_id = node_id,
		.scope = IOASID_INV_SCOPE_ADDR,
		.addr = addr,
		.size = size,
		.granule = granule,
	};

	return ioasid_invalidate(handle, &e, 1, NULL);
}

/* The caller's own struct ioasid_option, passed through as it is. */
IOASID_EXPORT int ioasid_option_cmd(struct ioasid_handle *handle,
				    struct ioasid_option *cmd)
{
	return __ioasid_ioctl(handle, IOASID_OPTION, cmd);
}

IOASID_EXPORT int ioasid_map(struct ioasid_handle *handle, uint32_t id,
			     uint64_t addr, uint64_t length, uint64_t *iova,
			     uint32_t flags)
{
	IOASID_INIT(struct ioasid_map, cmd);
	int ret;

	if (!iova)
		return -EINVAL;
	cmd.flags = flags;
	cmd.id = id;
	cmd.addr = addr;
	cmd.length = length;
	cmd.iova = *iova;
	ret = __ioasid_ioctl(handle, IOASID_MAP, &cmd);
	if (!ret)
		*iova = cmd.iova;
	return ret;
}

static int ioasid_unmap_cmd(struct ioasid_handle *handle, uint32_t id,
			    uint32_t flags, uint64_t iova, uint64_t length,
			    uint64_t *unmapped)
{
	IOASID_INIT(struct ioasid_unmap, cmd);
	int ret;

	cmd.flags = flags;
	cmd.id = id;
	cmd.iova = iova;
	cmd.length = length;
	ret = __ioasid_ioctl(handle, IOASID_UNMAP, &cmd);
	if (!ret && unmapped)
		*unmapped = cmd.out_unmapped;
	return ret;
}

IOASID_EXPORT int ioasid_unmap(struct ioasid_handle *handle, uint32_t id,
			       uint64_t iova, uint64_t length,
			       uint64_t *unmapped)
{
	return ioasid_unmap_cmd(handle, id, 0, iova, length, unmapped);
}

IOASID_EXPORT int ioasid_unmap_all(struct ioasid_handle *handle, uint32_t id,
				   uint64_t *unmapped)
{
	return ioasid_unmap_cmd(handle, id, IOASID_UNMAP_ALL, 0, 0, unmapped);
}

IOASID_EXPORT int ioasid_copy(struct ioasid_handle *handle, uint32_t dst_id,
			      uint32_t src_id, uint64_t src_iova,
			      uint64_t length, uint64_t *dst_iova,
			      uint32_t flags)
{
	IOASID_INIT(struct ioasid_copy, cmd);
	int ret;

	if (!dst_iova)
		return -EINVAL;
	cmd.flags = flags;
	cmd.dst_id = dst_id;
	cmd.src_id = src_id;
	cmd.length = length;
	cmd.src_iova = src_iova;
	cmd.dst_iova = *dst_iova;
	ret = __ioasid_ioctl(handle, IOASID_COPY, &cmd);
	if (!ret)
		*dst_iova = cmd.dst_iova;
	return ret;
}

static int ioasid_batch(struct ioasid_handle *handle, uint32_t op,
			void *entries, unsigned int count, uint32_t entry_size,
			unsigned int *done)
{
	IOASID_INIT(struct ioasid_batch, cmd);
	unsigned int i;
	int ret;

	if (!entries && count)
		return -EINVAL;
	/* Every entry's size is the size the library was built with. */
	for (i = 0; i < count; i++)
		*(uint32_t *)((char *)entries + (size_t)i * entry_size) = entry_size;
	cmd.op = op;
	cmd.count = count;
	cmd.entry_size = entry_size;
	cmd.entries = (uintptr_t)entries;
	ret = __ioasid_ioctl(handle, IOASID_BATCH, &cmd);
	if (done)
		*done = cmd.out_done;
	return ret;
}

IOASID_EXPORT int ioasid_map_batch(struct ioasid_handle *handle,
				   struct ioasid_map *maps, unsigned int count,
				   unsigned int *done)
{
	return ioasid_batch(handle, IOASID_CMD_MAP, maps, count,
			    sizeof(*maps), done);
}

IOASID_EXPORT int ioasid_unmap_batch(struct ioasid_handle *handle,
				     struct ioasid_unmap *unmaps,
				     unsigned int count, unsigned int *done)
{
	return ioasid_batch(handle, IOASID_CMD_UNMAP, unmaps, count,
			    sizeof(*unmaps), done);
}

IOASID_EXPORT int ioasid_iova_ranges(struct ioasid_handle *handle, uint32_t id,
				     struct ioasid_iova_range *ranges,
				     uint32_t *num_ranges)
{
	IOASID_INIT(struct ioasid_iova_ranges, cmd);
	int ret;

	if (!num_ranges || (!ranges && *num_ranges))
		return -EINVAL;
	cmd.id = id;
	cmd.num_ranges = *num_ranges;
	cmd.ranges = (uintptr_t)ranges;
	ret = __ioasid_ioctl(handle, IOASID_IOVA_RANGES, &cmd);
	if (!ret || ret == -EMSGSIZE)
		*num_ranges = cmd.num_ranges;
	return ret;
}

static int ioasid_reserve_cmd(struct ioasid_handle *handle, uint32_t id,
			      uint32_t flags, uint64_t iova, uint64_t length)
{
	IOASID_INIT(struct ioasid_reserve_iova, cmd);

	cmd.flags = flags;
	cmd.id = id;
	cmd.iova = iova;
	cmd.length = length;
	return __ioasid_ioctl(handle, IOASID_RESERVE_IOVA, &cmd);
}

IOASID_EXPORT int ioasid_reserve_iova(struct ioasid_handle *handle, uint32_t id,
				      uint64_t iova, uint64_t length)
{
	return ioasid_reserve_cmd(handle, id, 0, iova, length);
}

IOASID_EXPORT int ioasid_unreserve_iova(struct ioasid_handle *handle,
					uint32_t id, uint64_t iova,
					uint64_t length)
{
	return ioasid_reserve_cmd(handle, id, IOASID_RESERVE_REMOVE, iova, length);
}
