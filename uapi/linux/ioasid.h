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
	IOASID_CMD_ALLOC,
	IOASID_CMD_DESTROY,
	IOASID_CMD_NODE_INFO,
	IOASID_CMD_MAP,
	IOASID_CMD_UNMAP,
	IOASID_CMD_COPY,
	IOASID_CMD_BATCH,
	IOASID_CMD_IOVA_RANGES,
	IOASID_CMD_RESERVE_IOVA,
	IOASID_CMD_OPTION,
};

/**
 * enum ioasid_capability - bits of &struct ioasid_info.out_capabilities
 *
 * Each bit announces an ioctl family or behaviour that this build of the
 * module implements on the running kernel. Userspace tests a bit before using
 * the feature; a clear bit means the feature's ioctls fail with ENOTTY or
 * EOPNOTSUPP. Bits are only ever added.
 *
 * @IOASID_CAP_KERNEL_MANAGED: kernel-managed nodes: ALLOC, DESTROY,
 *	NODE_INFO, MAP, UNMAP, COPY, IOVA_RANGES, RESERVE_IOVA, OPTION
 * @IOASID_CAP_BATCH: IOASID_BATCH of MAP and UNMAP requests
 */
enum ioasid_capability {
	IOASID_CAP_KERNEL_MANAGED = 1 << 0,
	IOASID_CAP_BATCH = 1 << 1,
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

/**
 * enum ioasid_mode - how a node's translation is managed, fixed at ALLOC
 * @IOASID_MODE_KERNEL_MANAGED: userspace calls MAP/UNMAP; the kernel owns
 *	the table. A root maps process memory, a child maps ranges of its
 *	parent's IOVA space.
 */
enum ioasid_mode {
	IOASID_MODE_KERNEL_MANAGED = 1,
};

/**
 * struct ioasid_alloc - ioctl(IOASID_ALLOC)
 * @size: sizeof(struct ioasid_alloc)
 * @flags: must be 0
 * @mode: an enum ioasid_mode
 * @parent_id: the parent node, or 0 for a root
 * @out_id: the new node's id, never 0
 * @__reserved: must be 0
 *
 * Allocates a node (one I/O address space). Its mode never changes.
 *
 * Return: 0, or
 * EINVAL: unknown @mode;
 * ENOENT: @parent_id names no node of this context;
 * EMLINK: the parent is at the deepest level (GET_INFO out_max_depth);
 * ENOSPC: every id is in use;
 * ENOMEM.
 */
struct ioasid_alloc {
	__u32 size;
	__u32 flags;
	__u32 mode;
	__u32 parent_id;
	__u32 out_id;
	__u32 __reserved;
};

#define IOASID_ALLOC _IO(IOASID_TYPE, IOASID_CMD_ALLOC)

/**
 * struct ioasid_destroy - ioctl(IOASID_DESTROY)
 * @size: sizeof(struct ioasid_destroy)
 * @id: the node to destroy
 *
 * Destroys a node and everything mapped in it (pages are unpinned and
 * uncharged).
 *
 * Return: 0, or
 * ENOENT: no such node;
 * EBUSY: the node has children, attached devices, or an ioctl of another
 * thread is using it.
 */
struct ioasid_destroy {
	__u32 size;
	__u32 id;
};

#define IOASID_DESTROY _IO(IOASID_TYPE, IOASID_CMD_DESTROY)

/**
 * struct ioasid_node_info - ioctl(IOASID_NODE_INFO)
 * @size: sizeof(struct ioasid_node_info)
 * @flags: must be 0
 * @id: the node
 * @out_mode: its enum ioasid_mode
 * @out_parent_id: its parent, 0 for a root
 * @out_depth: 1 for a root, parent's depth + 1 otherwise
 * @out_num_children: nodes whose parent it is
 * @__reserved: must be 0
 * @out_num_mappings: live mappings
 * @out_mapped_bytes: bytes of IOVA they cover
 * @out_pinned_bytes: bytes of this node's mappings backed by pinned
 *	process memory (roots; COPY mappings included, a page mapped twice
 *	counts twice); children pin nothing. The exact module-wide total is
 *	in /sys/class/misc/ioasid/pinned_bytes.
 *
 * Return: 0, or ENOENT: no such node.
 */
struct ioasid_node_info {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 out_mode;
	__u32 out_parent_id;
	__u32 out_depth;
	__u32 out_num_children;
	__u32 __reserved;
	__aligned_u64 out_num_mappings;
	__aligned_u64 out_mapped_bytes;
	__aligned_u64 out_pinned_bytes;
};

#define IOASID_NODE_INFO _IO(IOASID_TYPE, IOASID_CMD_NODE_INFO)

/**
 * enum ioasid_map_flags - flags of MAP and COPY
 * @IOASID_MAP_READ: devices may read through the mapping
 * @IOASID_MAP_WRITE: devices may write through the mapping
 * @IOASID_MAP_FIXED_IOVA: map at the given IOVA; without it the kernel
 *	picks one, aligned like the source address up to the largest page
 *	size of GET_INFO, never 0, and outside reserved ranges
 */
enum ioasid_map_flags {
	IOASID_MAP_READ = 1 << 0,
	IOASID_MAP_WRITE = 1 << 1,
	IOASID_MAP_FIXED_IOVA = 1 << 2,
};

/**
 * struct ioasid_map - ioctl(IOASID_MAP)
 * @size: sizeof(struct ioasid_map)
 * @flags: enum ioasid_map_flags; READ, WRITE or both
 * @id: a kernel-managed node
 * @__reserved: must be 0
 * @addr: the source: for a root, a user virtual address of the caller,
 *	whose pages are pinned and charged (see IOASID_OPTION_ACCOUNT_MODE);
 *	for a child, an IOVA of the parent (nothing is pinned; translation
 *	goes on through the parent, which need not map it yet)
 * @length: bytes to map
 * @iova: in with IOASID_MAP_FIXED_IOVA, out otherwise
 *
 * @addr, @length and @iova are multiples of the granule (the lowest bit of
 * GET_INFO out_pgsize_bitmap). On any failure nothing is mapped, pinned or
 * charged.
 *
 * Return: 0, or
 * EINVAL: zero @length, a misaligned value, no permission given;
 * EOVERFLOW: the source or IOVA range would run past 2^64 - 1 (it may end
 * exactly there);
 * ENOENT: no such node;
 * EEXIST: the IOVA range overlaps a mapping;
 * EADDRINUSE: the IOVA range overlaps a reserved range;
 * ENOSPC: no free IOVA range of that size and alignment;
 * ENOMEM: the pages would exceed RLIMIT_MEMLOCK, or no memory;
 * EFAULT: @addr is not mapped memory of the caller (nor is writable
 * memory when WRITE is asked);
 * EINTR: a fatal signal arrived while pinning.
 */
struct ioasid_map {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 __reserved;
	__aligned_u64 addr;
	__aligned_u64 length;
	__aligned_u64 iova;
};

#define IOASID_MAP _IO(IOASID_TYPE, IOASID_CMD_MAP)

/**
 * enum ioasid_unmap_flags - flags of UNMAP
 * @IOASID_UNMAP_ALL: unmap every mapping of the node; @iova and @length
 *	must be 0
 */
enum ioasid_unmap_flags {
	IOASID_UNMAP_ALL = 1 << 0,
};

/**
 * struct ioasid_unmap - ioctl(IOASID_UNMAP)
 * @size: sizeof(struct ioasid_unmap)
 * @flags: enum ioasid_unmap_flags
 * @id: a kernel-managed node
 * @__reserved: must be 0
 * @iova: start of the range
 * @length: bytes in the range
 * @out_unmapped: bytes of mappings removed
 *
 * Removes every mapping inside [@iova, @iova + @length). Mappings are
 * removed whole: a range that would split one fails. When UNMAP returns, no
 * translation through this node or any node below it reaches the pages any
 * more; pages are unpinned and uncharged once nothing else (COPY) uses them.
 *
 * Return: 0, or
 * EINVAL: zero @length or misaligned values, or non-zero ones with
 * IOASID_UNMAP_ALL;
 * EOVERFLOW: the range would run past 2^64 - 1;
 * ENOENT: no such node, no mapping in the range, or the range would split
 * a mapping (then nothing is unmapped).
 */
struct ioasid_unmap {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 out_unmapped;
};

#define IOASID_UNMAP _IO(IOASID_TYPE, IOASID_CMD_UNMAP)

/**
 * struct ioasid_copy - ioctl(IOASID_COPY)
 * @size: sizeof(struct ioasid_copy)
 * @flags: enum ioasid_map_flags; READ, WRITE or both
 * @dst_id: the root to map into
 * @src_id: the root whose mappings provide the pages
 * @__reserved: must be 0
 * @length: bytes to copy
 * @src_iova: start of the range in @src_id; it must be mapped throughout
 * @dst_iova: in with IOASID_MAP_FIXED_IOVA, out otherwise
 *
 * Maps the pages that back [@src_iova, @src_iova + @length) in one root
 * into another, without pinning or charging them again: the pages stay
 * pinned until the last mapping that uses them is gone. The new range is
 * one mapping per source mapping it covers.
 *
 * Return: 0, or the errors of MAP that concern the destination (EINVAL,
 * EOVERFLOW, ENOENT, EEXIST, EADDRINUSE, ENOSPC, ENOMEM for memory only:
 * nothing is charged), and
 * EINVAL: a node is not a root;
 * ENOENT: part of the source range is not mapped;
 * EPERM: WRITE asked from a source mapping without WRITE, or READ from one
 * without READ.
 */
struct ioasid_copy {
	__u32 size;
	__u32 flags;
	__u32 dst_id;
	__u32 src_id;
	__u32 __reserved;
	__u32 __reserved2;
	__aligned_u64 length;
	__aligned_u64 src_iova;
	__aligned_u64 dst_iova;
};

#define IOASID_COPY _IO(IOASID_TYPE, IOASID_CMD_COPY)

/**
 * struct ioasid_batch - ioctl(IOASID_BATCH)
 * @size: sizeof(struct ioasid_batch)
 * @flags: must be 0
 * @op: IOASID_CMD_MAP or IOASID_CMD_UNMAP
 * @count: entries in the array
 * @entry_size: bytes from one entry to the next, at least the minimum
 *	size of the entry struct; every entry's own size member equals it
 * @__reserved: must be 0
 * @entries: user pointer to the array of struct ioasid_map or
 *	struct ioasid_unmap
 * @out_done: entries fully processed, written back also on failure
 *
 * Runs the requests in order, exactly as that many MAP or UNMAP ioctls
 * would, and stops at the first failure: entries before it are applied
 * (their outputs written back into the array), the failing one and those
 * after it are not. The return value is the failing entry's.
 *
 * Return: 0, or
 * EFAULT: @out_done cannot be written (checked first: nothing runs);
 * EINVAL: unknown @op, @entry_size too small, an entry's size differs from
 * @entry_size;
 * E2BIG: @count above GET_INFO out_max_batch, or an entry with a non-zero
 * tail beyond the kernel's struct;
 * any error of the entry that failed.
 */
struct ioasid_batch {
	__u32 size;
	__u32 flags;
	__u32 op;
	__u32 count;
	__u32 entry_size;
	__u32 __reserved;
	__aligned_u64 entries;
	__u32 out_done;
	__u32 __reserved2;
};

#define IOASID_BATCH _IO(IOASID_TYPE, IOASID_CMD_BATCH)

/**
 * struct ioasid_iova_range - one range of IOVAs, both ends inclusive
 * @start: first IOVA
 * @last: last IOVA
 */
struct ioasid_iova_range {
	__aligned_u64 start;
	__aligned_u64 last;
};

/**
 * struct ioasid_iova_ranges - ioctl(IOASID_IOVA_RANGES)
 * @size: sizeof(struct ioasid_iova_ranges)
 * @flags: must be 0
 * @id: a kernel-managed node
 * @num_ranges: in: room in @ranges; out: how many ranges there are
 * @__reserved: must be 0
 * @ranges: user pointer to an array of struct ioasid_iova_range
 *
 * The IOVAs that MAP may use in the node, in ascending order: the node's
 * whole space less its reserved ranges (and, once devices attach, their
 * reserved regions). Mapped IOVAs are included.
 *
 * Return: 0, or
 * ENOENT: no such node;
 * ENOMEM;
 * EMSGSIZE: @num_ranges is too small; it now holds the number needed and
 * the first @num_ranges ranges were written.
 */
struct ioasid_iova_ranges {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 num_ranges;
	__u32 __reserved;
	__u32 __reserved2;
	__aligned_u64 ranges;
};

#define IOASID_IOVA_RANGES _IO(IOASID_TYPE, IOASID_CMD_IOVA_RANGES)

/**
 * enum ioasid_reserve_flags - flags of RESERVE_IOVA
 * @IOASID_RESERVE_REMOVE: drop the reservation of exactly this range
 */
enum ioasid_reserve_flags {
	IOASID_RESERVE_REMOVE = 1 << 0,
};

/**
 * struct ioasid_reserve_iova - ioctl(IOASID_RESERVE_IOVA)
 * @size: sizeof(struct ioasid_reserve_iova)
 * @flags: enum ioasid_reserve_flags
 * @id: a kernel-managed node
 * @__reserved: must be 0
 * @iova: start of the range
 * @length: bytes in the range
 *
 * Reserves a range that MAP and COPY must not use, or removes a
 * reservation. Reservations may overlap one another.
 *
 * Return: 0, or
 * EINVAL: zero @length or misaligned values;
 * EOVERFLOW: the range would run past 2^64 - 1;
 * ENOENT: no such node, or (REMOVE) no reservation of exactly that range;
 * EADDRINUSE: the range overlaps a mapping;
 * ENOMEM.
 */
struct ioasid_reserve_iova {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
};

#define IOASID_RESERVE_IOVA _IO(IOASID_TYPE, IOASID_CMD_RESERVE_IOVA)

/**
 * enum ioasid_option_id - what IOASID_OPTION reads or sets
 * @IOASID_OPTION_ACCOUNT_MODE: whose RLIMIT_MEMLOCK pinned pages count
 *	against: enum ioasid_account_mode. Context-wide; changes only while
 *	nothing of the context is pinned.
 */
enum ioasid_option_id {
	IOASID_OPTION_ACCOUNT_MODE = 1,
};

/**
 * enum ioasid_account_mode - values of IOASID_OPTION_ACCOUNT_MODE
 * @IOASID_ACCOUNT_USER: the default: pins count in the mapping process's
 *	user's locked memory (shared with io_uring and iommufd), against that
 *	process's RLIMIT_MEMLOCK
 * @IOASID_ACCOUNT_PROCESS: as VFIO type1 does: pins count in the mapping
 *	process's own locked_vm (VmLck) against its RLIMIT_MEMLOCK
 *
 * In both modes CAP_IPC_LOCK lifts the limit but pins are still counted,
 * and the charge goes to whoever calls MAP (after fork() or when the fd was
 * passed, the caller, not the opener) and is returned to that same
 * user or process when the pages are unpinned, even after it has exited.
 */
enum ioasid_account_mode {
	IOASID_ACCOUNT_USER = 0,
	IOASID_ACCOUNT_PROCESS = 1,
};

/**
 * enum ioasid_option_op - the operation of IOASID_OPTION
 * @IOASID_OPTION_OP_SET: set the option to @val64
 * @IOASID_OPTION_OP_GET: read the option into @val64
 */
enum ioasid_option_op {
	IOASID_OPTION_OP_SET = 0,
	IOASID_OPTION_OP_GET = 1,
};

/**
 * struct ioasid_option - ioctl(IOASID_OPTION)
 * @size: sizeof(struct ioasid_option)
 * @option_id: an enum ioasid_option_id
 * @op: an enum ioasid_option_op
 * @__reserved: must be 0
 * @val64: the value, in for SET, out for GET
 *
 * Return: 0, or
 * EOPNOTSUPP: unknown @option_id or @op;
 * EINVAL: a value the option does not take;
 * EBUSY: (ACCOUNT_MODE) pages of this context are pinned.
 */
struct ioasid_option {
	__u32 size;
	__u32 option_id;
	__u32 op;
	__u32 __reserved;
	__aligned_u64 val64;
};

#define IOASID_OPTION _IO(IOASID_TYPE, IOASID_CMD_OPTION)

#endif
