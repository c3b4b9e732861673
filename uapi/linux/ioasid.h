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
 * - EOPNOTSUPP: a flag bit this kernel does not know is set, a field named
 *   __reserved is not zero, or a field that holds a value of an enum (ALLOC's
 *   mode and format, BATCH's op, OPTION's option_id and op, an INVALIDATE
 *   entry's scope bits, ...) holds one this kernel does not know. A caller
 *   can so probe for a feature and tell "this module cannot do that" from
 *   "bad argument" (EINVAL).
 * - EDQUOT: a per-context limit would be exceeded. The limits are module
 *   parameters, fixed for a context when it is opened, and GET_INFO reports
 *   them.
 * - EINTR: a fatal signal arrived while the call waited for a lock.
 *
 * A failing ioctl changes nothing unless its documentation says otherwise,
 * and writes nothing back but what its documentation names (DMA's and
 * BATCH's out_done, IOVA_RANGES' num_ranges on EMSGSIZE). Output members
 * are named out_* (MAP's and COPY's IOVAs are in and out); the kernel
 * writes back at most @size bytes. MAP, COPY, UNMAP and TRANSLATE write
 * their outputs before they change anything; only outputs that straddle a
 * page boundary into a page that another thread unmaps meanwhile can be
 * left partly written when they fail with EFAULT (MAP's, COPY's and
 * UNMAP's single output never straddles one in an 8-byte aligned struct).
 */
#ifndef _UAPI_LINUX_IOASID_H
#define _UAPI_LINUX_IOASID_H

#include <linux/const.h>
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
	IOASID_CMD_DEVICE_CREATE,
	IOASID_CMD_DEVICE_INFO,
	IOASID_CMD_ATTACH,
	IOASID_CMD_DETACH,
	IOASID_CMD_DMA,
	IOASID_CMD_TRANSLATE,
	IOASID_CMD_DIRTY_TRACKING,
	IOASID_CMD_DIRTY_BITMAP,
	IOASID_CMD_FORMAT_INFO,
	IOASID_CMD_BIND,
	IOASID_CMD_UNBIND,
	IOASID_CMD_INVALIDATE,
	IOASID_CMD_FAULT_QUEUE_ALLOC,
	IOASID_CMD_FAULT_QUEUE_INFO,
};

/*
 * Bits of &struct ioasid_info.out_capabilities, 64-bit constants (an enum
 * constant is an int, which bit 31 and up do not fit).
 *
 * Each bit announces an ioctl family or behaviour that this build of the
 * module implements on the running kernel. Userspace tests a bit before using
 * the feature; a clear bit means the feature's ioctls fail with ENOTTY or
 * EOPNOTSUPP. Bits are only ever added.
 *
 * IOASID_CAP_KERNEL_MANAGED: kernel-managed nodes: ALLOC, DESTROY,
 *	NODE_INFO, MAP, UNMAP, COPY, IOVA_RANGES, RESERVE_IOVA, OPTION
 * IOASID_CAP_BATCH: IOASID_BATCH of MAP and UNMAP requests
 * IOASID_CAP_SW_ENDPOINT: software endpoints: DEVICE_CREATE, DEVICE_INFO,
 *	ATTACH, DETACH, DMA, TRANSLATE
 * IOASID_CAP_DIRTY_TRACKING: DIRTY_TRACKING and DIRTY_BITMAP on
 *	kernel-managed nodes
 * IOASID_CAP_USER_MANAGED: user-managed nodes: ALLOC with a format,
 *	FORMAT_INFO, BIND, UNBIND, INVALIDATE
 * IOASID_CAP_PCI_DEVICE: the context holds real PCI devices handed over from
 *	a VFIO container (IOASID_VFIO_ADOPT, served by the ioasidfd_vfio
 *	module), which ATTACH to kernel-managed nodes through the kernel's
 *	IOMMU API; DEVICE_INFO reports what each can do
 * IOASID_CAP_FAULT_QUEUE: fault queues (FAULT_QUEUE_ALLOC, FAULT_QUEUE_INFO,
 *	the options FAULT_QUEUE and FAULT_TIMEOUT_MS), page requests of
 *	software endpoints created with IOASID_DEVICE_PRI, and DMA's NOWAIT
 *	and RETRY
 */
#define IOASID_CAP_KERNEL_MANAGED	_BITULL(0)
#define IOASID_CAP_BATCH		_BITULL(1)
#define IOASID_CAP_SW_ENDPOINT		_BITULL(2)
#define IOASID_CAP_DIRTY_TRACKING	_BITULL(3)
#define IOASID_CAP_USER_MANAGED		_BITULL(4)
#define IOASID_CAP_PCI_DEVICE		_BITULL(5)
#define IOASID_CAP_FAULT_QUEUE		_BITULL(6)

/**
 * enum ioasid_access - kinds of access, and permissions for them
 * @IOASID_ACCESS_READ: a read (of data; with EXEC, of instructions)
 * @IOASID_ACCESS_WRITE: a write
 * @IOASID_ACCESS_EXEC: an instruction fetch (x86 XD, Arm XN, RISC-V X)
 * @IOASID_ACCESS_PRIV: a privileged (supervisor) request (x86 U/S with
 *	SRE, Arm AP/PXN, RISC-V U)
 *
 * A request is READ or WRITE, possibly with EXEC (then READ) and PRIV.
 * A set of permissions (TRANSLATE's out_prot) holds what requests of the
 * asked privilege may do; PRIV in it says the range is closed to
 * unprivileged requests. READ and WRITE have the values of
 * IOASID_MAP_READ and IOASID_MAP_WRITE.
 *
 * Kernel-managed levels grant READ and WRITE as mapped, to requests of
 * either privilege, and EXEC wherever they grant READ.
 */
enum ioasid_access {
	IOASID_ACCESS_READ = 1 << 0,
	IOASID_ACCESS_WRITE = 1 << 1,
	IOASID_ACCESS_EXEC = 1 << 2,
	IOASID_ACCESS_PRIV = 1 << 3,
};

/**
 * struct ioasid_info - ioctl(IOASID_GET_INFO)
 * @size: sizeof(struct ioasid_info)
 * @flags: must be 0
 * @out_capabilities: mask of IOASID_CAP_* bits
 * @out_pgsize_bitmap: page sizes the module's translation tables use; bit n
 *	set means 2^n bytes. The lowest set bit is the granule: every IOVA,
 *	length and user address passed to mapping calls is a multiple of it.
 * @out_max_depth: the deepest a tree of IOASIDs may grow; a root is at
 *	depth 1
 * @out_max_pasid_bits: the widest PASID a device may declare (PCIe: 20)
 * @out_max_batch: the most entries one batched request may carry
 * @__reserved: must be 0
 * @out_max_child_mappings: the most mappings the context may hold in
 *	kernel-managed children, which pin nothing (module parameter
 *	max_child_mappings); MAP beyond it fails with EDQUOT
 * @out_max_iotlb_entries: the most translations the context's software
 *	endpoints cache together (max_iotlb_entries); a miss beyond it empties
 *	the context's IOTLB first, moving the generation of every device that
 *	had entries
 * @out_max_reservations: the most reserved IOVA ranges of all the context's
 *	nodes (max_reservations); RESERVE_IOVA beyond it fails with EDQUOT
 * @out_max_attachments: the most device attachments, whole-device and per
 *	PASID, of the context (max_attachments); ATTACH beyond it fails with
 *	EDQUOT
 *
 * Reports what the context can do. Takes no input besides @size and @flags.
 * Memory that is pinned is limited by RLIMIT_MEMLOCK instead (see
 * IOASID_OPTION_ACCOUNT_MODE); everything else the context allocates is
 * charged to the caller's memory cgroup.
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
	__aligned_u64 out_max_child_mappings;
	__aligned_u64 out_max_iotlb_entries;
	__u32 out_max_reservations;
	__u32 out_max_attachments;
};

#define IOASID_GET_INFO _IO(IOASID_TYPE, IOASID_CMD_GET_INFO)

/**
 * enum ioasid_mode - how a node's translation is managed, fixed at ALLOC
 * @IOASID_MODE_KERNEL_MANAGED: userspace calls MAP/UNMAP; the kernel owns
 *	the table. A root maps process memory, a child maps ranges of its
 *	parent's IOVA space.
 * @IOASID_MODE_USER_MANAGED: userspace binds a page table of a declared
 *	format (struct ioasid_alloc @format) that lives in the parent's IOVA
 *	space (BIND), and invalidates what the module caches of it when it
 *	changes it (INVALIDATE). Always a child.
 *
 * Trees mix modes at any depth up to GET_INFO out_max_depth.
 *
 * Caching of user-managed nodes, the contract a VMM relies on: the module
 * walks the bound table in software, reading it only through the parent's
 * translation and with the parent's permissions, and caches what a walk
 * finds as an IOMMU's IOTLB does. A translation cached before the table
 * changes may keep being used until an INVALIDATE covers it (the module
 * may drop it earlier, as hardware may); a translation never cached sees
 * the table as it is at the time of the access: nothing negative (a
 * missing or refused entry) and no partial walk is ever cached. Changes
 * of any ancestor (UNMAP, DETACH, DESTROY, BIND) need no INVALIDATE: they
 * drop, before they return, every cached translation that used the
 * changed range, whether for the data or for a table page read during the
 * walk.
 */
enum ioasid_mode {
	IOASID_MODE_KERNEL_MANAGED = 1,
	IOASID_MODE_USER_MANAGED = 2,
};

/**
 * struct ioasid_alloc - ioctl(IOASID_ALLOC)
 * @size: sizeof(struct ioasid_alloc)
 * @flags: enum ioasid_alloc_flags
 * @mode: an enum ioasid_mode
 * @parent_id: the parent node, or 0 for a root
 * @out_id: the new node's id, never 0
 * @fault_queue_id: the fault queue this node's faults and page requests
 *	go to (struct ioasid_fault_queue_alloc), or 0 for none; OPTION's
 *	IOASID_OPTION_FAULT_QUEUE changes it later
 * @format: (user-managed) user pointer to the format descriptor: a struct
 *	that starts with struct ioasid_format_header, such as struct
 *	ioasid_format_x86_64; 0 for a kernel-managed node
 * @format_len: bytes at @format, which the descriptor's own size member
 *	equals; read with the rules of every ioctl's struct (shorter than the
 *	descriptor as first shipped: EINVAL; longer with a non-zero tail:
 *	E2BIG); 0 for a kernel-managed node
 * @__reserved2: must be 0
 *
 * Allocates a node (one I/O address space). Its mode, and a user-managed
 * node's format, never change. A user-managed node starts unbound.
 *
 * Return: 0, or
 * EOPNOTSUPP: unknown @mode or format, or a format flag this kernel does
 * not know;
 * EINVAL: a user-managed root, a kernel-managed node with a @format,
 * IOASID_ALLOC_CACHING_MODE or IOASID_ALLOC_PRI_AUTO_INVALID, a
 * descriptor whose size is not @format_len or whose values the format does
 * not take (FORMAT_INFO says which it does);
 * E2BIG: the descriptor has a non-zero tail beyond the kernel's struct, or
 * @format_len is above 4096;
 * ENOENT: @parent_id names no node of this context, or @fault_queue_id no
 * fault queue;
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
	__u32 fault_queue_id;
	__aligned_u64 format;
	__u32 format_len;
	__u32 __reserved2;
};

#define IOASID_ALLOC _IO(IOASID_TYPE, IOASID_CMD_ALLOC)

/**
 * enum ioasid_alloc_flags - properties of a node, fixed at ALLOC
 * @IOASID_ALLOC_CACHING_MODE: (user-managed) the guest invalidates also
 *	when it makes an entry present or grants more through it, not only
 *	when it takes something away: the contract of VT-d's caching mode
 *	and AMD-Vi's NpCache, which a VMM offers its guest by setting them
 *	in the vIOMMU's capabilities. A PCI device can attach at or below a
 *	user-managed node only when it has this property: its shadow domain
 *	(struct ioasid_attach) learns of new entries from INVALIDATE (and
 *	BIND) only, as a real IOMMU in caching mode would. Software endpoints
 *	walk the table on a miss and need no such promise.
 * @IOASID_ALLOC_PRI_AUTO_INVALID: (user-managed) every page request that
 *	stops at this node is answered INVALID at once, by the module: the
 *	DMA that raised it fails as if the guest had answered so, and its
 *	record (IOASID_FAULT_RECORD_ANSWERED) is only for information. For
 *	guests that bind tables without handling page requests.
 */
enum ioasid_alloc_flags {
	IOASID_ALLOC_CACHING_MODE = 1 << 0,
	IOASID_ALLOC_PRI_AUTO_INVALID = 1 << 1,
};

/**
 * enum ioasid_format - page-table formats of user-managed nodes
 * @IOASID_FORMAT_X86_64: x86-64 (IA-32e) paging, 4 or 5 levels: the
 *	first-level format of Intel VT-d and the v2 (guest) format of AMD-Vi;
 *	struct ioasid_format_x86_64
 * @IOASID_FORMAT_ARM64: Arm VMSAv8-64 stage 1, the tables an Arm SMMUv3
 *	context descriptor points to: 4, 16 or 64 KiB granules, the two
 *	halves of the input space (TTB0 and TTB1); struct ioasid_format_arm64
 * @IOASID_FORMAT_RISCV: RISC-V Sv39, Sv48 and Sv57, the first stage of the
 *	RISC-V IOMMU; struct ioasid_format_riscv
 * @IOASID_FORMAT_AMD_V1: the v1 (host) page-table format of AMD-Vi, 1 to 6
 *	levels; struct ioasid_format_amd_v1
 * @IOASID_FORMAT_SMMUV3_CD: a PASID table: an Arm SMMUv3 stream table
 *	entry's context-descriptor table, whose CDs name Arm64 tables; struct
 *	ioasid_format_smmuv3_cd
 * @IOASID_FORMAT_AMD_GCR3: a PASID table: an AMD-Vi device table entry's
 *	GCR3 table, whose entries name x86-64 tables; struct
 *	ioasid_format_amd_gcr3
 * @IOASID_FORMAT_RISCV_PDT: a PASID table: a RISC-V IOMMU device
 *	context's process-directory table, whose process contexts name Sv39,
 *	Sv48 or Sv57 tables; struct ioasid_format_riscv_pdt
 *
 * Every format counts the levels of its tables the same way in fault
 * reports (@out_last_fault_level, fault records): 1 is the table of the
 * smallest pages (x86-64, RISC-V and AMD v1: 4 KiB; Arm64: the granule),
 * each level above it one more; whatever the format's own manuals call
 * them (Arm64's lookup level 3 is level 1 here).
 *
 * PASID tables: a node of the last three formats (the "PASID-table
 * kinds") is bound with the guest's own entry that describes its PASID
 * table (struct ioasid_bind's @entry: an STE, a DTE, a device context, as
 * the VMM reads it from the guest). DMA with PASID p through it reads the
 * table's entry for p through the parent, then walks the stage-1 table
 * that entry names, also through the parent, with that format's rules
 * and levels; DMA without a PASID follows the kind's rule for it. A
 * software endpoint attaches to such a node without a PASID, and that one
 * attachment serves every PASID of the device (struct ioasid_attach).
 * Table entries read are not kept apart from the translations made of
 * them: a translation cached for p stays, after the guest changes p's
 * entry, until an INVALIDATE covers it (IOASID_INV_PASID_TABLE is the one
 * for a changed PASID-table entry); a later walk reads the entry again.
 * An entry that is absent faults with IOASID_FAULT_PASID_NOT_PRESENT, a
 * malformed one with IOASID_FAULT_PASID_ENTRY, at the PASID table's level
 * (1: the table of entries, 2 and 3 the directories above it; 0: decided
 * by the bound entry alone, nothing read). A PASID-table node is nobody's
 * parent (ALLOC: EINVAL), and PCI devices do not attach to it
 * (EOPNOTSUPP).
 *
 * Intel VT-d needs no such kind: its PASID table belongs to the host. A
 * VMM emulating VT-d attaches each PASID of a device to an
 * IOASID_FORMAT_X86_64 node of its own (ATTACH with IOASID_ATTACH_PASID),
 * as the guest's PASID-table entries say, and re-attaches when they change.
 */
enum ioasid_format {
	IOASID_FORMAT_X86_64 = 1,
	IOASID_FORMAT_ARM64 = 2,
	IOASID_FORMAT_RISCV = 3,
	IOASID_FORMAT_AMD_V1 = 4,
	IOASID_FORMAT_SMMUV3_CD = 5,
	IOASID_FORMAT_AMD_GCR3 = 6,
	IOASID_FORMAT_RISCV_PDT = 7,
};

/**
 * struct ioasid_format_header - how every format descriptor starts
 * @size: sizeof() the descriptor, equal to ALLOC's @format_len
 * @format: an enum ioasid_format
 */
struct ioasid_format_header {
	__u32 size;
	__u32 format;
};

/**
 * enum ioasid_x86_64_flags - flags of struct ioasid_format_x86_64
 * @IOASID_X86_64_AD_UPDATE: the walker sets the accessed bit (5) of every
 *	entry it uses and the dirty bit (6) of a leaf it writes through, each
 *	with an atomic update of table memory through the parent, which needs
 *	WRITE permission there (else the walk faults with
 *	IOASID_FAULT_AD_UPDATE) and counts as a write for the parent's dirty
 *	tracking. A translation cached by a read is not used for a write
 *	before the dirty bit is set. Without it, the walker neither reads nor
 *	writes A and D.
 */
enum ioasid_x86_64_flags {
	IOASID_X86_64_AD_UPDATE = 1 << 0,
};

/**
 * struct ioasid_format_x86_64 - descriptor of IOASID_FORMAT_X86_64
 * @hdr: size and IOASID_FORMAT_X86_64
 * @flags: enum ioasid_x86_64_flags
 * @levels: 4 (48-bit input addresses) or 5 (57-bit)
 * @phys_bits: width of the output (parent) addresses, 32 to 52; address
 *	bits from @phys_bits to 51 of an entry are reserved
 * @__reserved: must be 0
 * @pgsize_bitmap: the leaf sizes tables may use: 4 KiB always, 2 MiB
 *	(PS in a level-2 entry) and 1 GiB (PS in a level-3 entry) when set;
 *	PS where its size is not declared is a reserved bit. 0 means every
 *	size FORMAT_INFO reports.
 *
 * The walk (levels counted from 1, the 4 KiB level, up to @levels): the
 * input address must be canonical (bits above 47, or 56, copy that bit);
 * entries are 8 bytes, little-endian, in 4 KiB tables: P (0), R/W (1), U/S
 * (2), A (5), D (6), PS (7, levels 2 and 3), address (51:12; for a PS leaf
 * 51:21 or 51:30, the bits below being reserved except PAT, bit 12), XD
 * (63). Bits 62:52 and 11:8 are ignored. A request may write if every
 * level has R/W, is unprivileged-accessible if every level has U/S, and
 * may execute if no level has XD. Privileged requests need the bind's
 * IOASID_BIND_X86_SRE; they may read any page, write a read-only one only
 * without IOASID_BIND_X86_WPE, and never execute from a page with U/S.
 */
struct ioasid_format_x86_64 {
	struct ioasid_format_header hdr;
	__u32 flags;
	__u32 levels;
	__u32 phys_bits;
	__u32 __reserved;
	__aligned_u64 pgsize_bitmap;
};

/**
 * enum ioasid_arm64_flags - flags of struct ioasid_format_arm64
 * @IOASID_ARM64_HA: hardware access flag (CD.HA): the walker sets AF (10)
 *	of a leaf it uses instead of faulting with IOASID_FAULT_ACCESS_FLAG,
 *	by an atomic update of table memory through the parent (as
 *	IOASID_X86_64_AD_UPDATE: WRITE permission there is needed, else
 *	IOASID_FAULT_AD_UPDATE)
 * @IOASID_ARM64_HD: hardware dirty state (CD.HD, needs HA): a leaf with
 *	DBM (51) and AP[2] (7) set is writable-clean: a write through it
 *	clears AP[2] the same way. Without it DBM is ignored and AP[2] makes
 *	the page read-only.
 * @IOASID_ARM64_EPD0: walks of the TTB0 half fault (IOASID_FAULT_NOT_PRESENT
 *	at the top level): CD.EPD0
 * @IOASID_ARM64_EPD1: the same for the TTB1 half
 * @IOASID_ARM64_TBI0: top-byte ignore in the TTB0 half: bits 63:56 of an
 *	input address whose bit 55 is 0 are not translated (CD.TBI0)
 * @IOASID_ARM64_TBI1: the same for the TTB1 half (bit 55 is 1)
 * @IOASID_ARM64_BIG_ENDIAN: big-endian table entries (CD.ENDI): never
 *	taken (EOPNOTSUPP); the module walks little-endian tables only
 */
enum ioasid_arm64_flags {
	IOASID_ARM64_HA = 1 << 0,
	IOASID_ARM64_HD = 1 << 1,
	IOASID_ARM64_EPD0 = 1 << 2,
	IOASID_ARM64_EPD1 = 1 << 3,
	IOASID_ARM64_TBI0 = 1 << 4,
	IOASID_ARM64_TBI1 = 1 << 5,
	IOASID_ARM64_BIG_ENDIAN = 1 << 6,
};

/**
 * struct ioasid_format_arm64 - descriptor of IOASID_FORMAT_ARM64
 * @hdr: size and IOASID_FORMAT_ARM64
 * @flags: enum ioasid_arm64_flags
 * @t0sz: the TTB0 half translates inputs of 64 - @t0sz bits, from 0
 *	(TCR.T0SZ): 16 to 39 (48- to 25-bit halves)
 * @t1sz: the TTB1 half translates the top 2^(64 - @t1sz) bytes of the
 *	input space (TCR.T1SZ): 16 to 39
 * @tg0: the TTB0 half's granule, as log2 of its size: 12, 14 or 16
 * @tg1: the TTB1 half's granule: 12, 14 or 16
 * @oas_bits: width of output (parent) addresses (CD.IPS): 32, 36, 40,
 *	42, 44 or 48. 52 (LPA/LPA2 descriptors) is not walked: EOPNOTSUPP
 * @__reserved: must be 0
 * @pgsize_bitmap: the leaf sizes tables may use, of those the declared
 *	granules have (4 KiB granule: 4 KiB pages, 2 MiB and 1 GiB blocks;
 *	16 KiB: 16 KiB pages, 32 MiB blocks; 64 KiB: 64 KiB pages, 512 MiB
 *	blocks); a block of a size not declared is a reserved encoding
 *	(IOASID_FAULT_RESERVED). Each granule's page size must be in it. 0
 *	means every size of the declared granules.
 *
 * BIND's @root is TTB0, @root1 is TTB1 (struct ioasid_bind), each aligned
 * to the size of its top-level table (at least 64 bytes), and 0 for a
 * disabled half (EPD0, EPD1). The sizes and granule of a disabled half are
 * still checked, and its granule's page size must be in @pgsize_bitmap.
 * Bit 55 of the input selects the half; bits 63:56 are ignored with that
 * half's TBI; the other bits above the half's input size must equal bit
 * 55, else the walk faults with IOASID_FAULT_NON_CANONICAL at that half's
 * top level (checked before EPD). A half's walk starts at the level its
 * input size needs (4 KiB granule, 48 bits: 4 levels). Descriptors are 8
 * bytes, little-endian: bit 0 valid; bit 1 table (above the last level)
 * or page (the last level); a block (bit 1 clear) where the granule allows
 * one; output address 47:granule; AP[1] (6, unprivileged access), AP[2]
 * (7, read-only), AF (10, leaves only, checked before permissions), DBM
 * (51), PXN (53), UXN (54); in table descriptors PXNTable (59), UXNTable
 * (60) and APTable (62:61) limit everything below. Reserved: in a table
 * descriptor bits 51:48; in a block or page bits 49:48 and address bits
 * below the leaf's size (a misaligned leaf); in both, output bits from
 * @oas_bits to 47. Ignored: bits 11:2, 58:52 and 63 of a table
 * descriptor; the contiguous hint (52) of a leaf. Reads need no
 * permission bit. A page writable by unprivileged requests is never
 * executable by privileged ones (also once a write through DBM made it
 * so). Unprivileged execute needs UXN clear, not AP[1]; but an EXEC
 * request also reads, so an execute-only page refuses unprivileged
 * fetches.
 */
struct ioasid_format_arm64 {
	struct ioasid_format_header hdr;
	__u32 flags;
	__u8 t0sz;
	__u8 t1sz;
	__u8 tg0;
	__u8 tg1;
	__u32 oas_bits;
	__u32 __reserved;
	__aligned_u64 pgsize_bitmap;
};

/**
 * enum ioasid_riscv_flags - flags of struct ioasid_format_riscv
 * @IOASID_RISCV_AD_UPDATE: the walker sets A (6) of a leaf it uses and D
 *	(7) of a leaf it writes through, atomically through the parent (the
 *	RISC-V IOMMU's DC.tc.SADE; as IOASID_X86_64_AD_UPDATE). Without it,
 *	a leaf with A clear, or a write through one with D clear, faults with
 *	IOASID_FAULT_ACCESS_FLAG.
 * @IOASID_RISCV_SVNAPOT: Svnapot: a 4 KiB-level leaf with N (63) set and
 *	PPN[3:0] = 0b1000 maps a naturally aligned 64 KiB range. Without it,
 *	N is reserved. The guest repeats the leaf in all 16 entries; the
 *	walker uses the entry it reads, and what it caches from it covers the
 *	whole 64 KiB until an INVALIDATE, whatever the other entries say.
 * @IOASID_RISCV_SVPBMT: Svpbmt: PBMT (62:61) values 0 to 2 are taken (and
 *	do not change the translation), 3 is reserved. Without it, PBMT is
 *	reserved.
 */
enum ioasid_riscv_flags {
	IOASID_RISCV_AD_UPDATE = 1 << 0,
	IOASID_RISCV_SVNAPOT = 1 << 1,
	IOASID_RISCV_SVPBMT = 1 << 2,
};

/**
 * struct ioasid_format_riscv - descriptor of IOASID_FORMAT_RISCV
 * @hdr: size and IOASID_FORMAT_RISCV
 * @flags: enum ioasid_riscv_flags
 * @levels: 3 (Sv39), 4 (Sv48) or 5 (Sv57)
 * @phys_bits: width of output (parent) addresses, 32 to 56; PPN bits that
 *	reach past it are reserved
 * @__reserved: must be 0
 * @pgsize_bitmap: the leaf sizes tables may use: 4 KiB always; 2 MiB,
 *	1 GiB, 512 GiB (Sv48, Sv57), 256 TiB (Sv57) and, with SVNAPOT, 64 KiB
 *	when set; a leaf of another size is reserved. 0 means every size of
 *	@levels and @flags.
 *
 * BIND's @root is the top-level table (iosatp.PPN << 12), 4 KiB aligned;
 * IOASID_BIND_RISCV_SUM lets privileged requests use U pages. Entries are
 * 8 bytes, little-endian: V (0), R (1), W (2), X (3), U (4), G (5,
 * ignored), A (6), D (7), PPN (53:10), bits 60:54 reserved. R, W and X
 * all clear: a pointer to the next level, where A, D, U, N and PBMT must
 * be clear (N and PBMT even with SVNAPOT and SVPBMT), and never at the
 * 4 KiB level. Any of them set: a leaf, at any level, whose PPN must be
 * aligned to its size, and no larger than 2^@phys_bits (512 GiB leaves
 * need 39 bits, 256 TiB ones 48); W without R is reserved; N only in a
 * 4 KiB-level leaf, whose PPN[3:0] is then 0b1000 (the walker uses the
 * entry it reads and does not check the other 15). The input address
 * must sign-extend its bit 38, 47 or 56. Unprivileged requests need U;
 * privileged ones may read and write U pages only with SUM and never
 * execute them. An EXEC request also reads: an execute-only page (X
 * without R) refuses it, unlike the hardware's instruction fetch.
 *
 * Checks, in order: reserved encodings (IOASID_FAULT_RESERVED); without
 * AD_UPDATE, A clear (IOASID_FAULT_ACCESS_FLAG, whatever the request);
 * permissions (IOASID_FAULT_PERMISSION); without AD_UPDATE, a permitted
 * write to a leaf with D clear (IOASID_FAULT_ACCESS_FLAG). A size in
 * @pgsize_bitmap that @levels and @flags do not have is EINVAL at ALLOC.
 */
struct ioasid_format_riscv {
	struct ioasid_format_header hdr;
	__u32 flags;
	__u32 levels;
	__u32 phys_bits;
	__u32 __reserved;
	__aligned_u64 pgsize_bitmap;
};

/**
 * enum ioasid_amd_v1_flags - flags of struct ioasid_format_amd_v1
 * @IOASID_AMD_V1_AD_UPDATE: the walker sets A (5) of the leaf it uses and
 *	D (6) of a leaf it writes through, atomically through the parent (the
 *	DTE's HAD; as IOASID_X86_64_AD_UPDATE): of the leaf entry it read
 *	only, never of pointers or of a NextLevel 7 leaf's other entries.
 *	Without it A and D are ignored.
 */
enum ioasid_amd_v1_flags {
	IOASID_AMD_V1_AD_UPDATE = 1 << 0,
};

/**
 * struct ioasid_format_amd_v1 - descriptor of IOASID_FORMAT_AMD_V1
 * @hdr: size and IOASID_FORMAT_AMD_V1
 * @flags: enum ioasid_amd_v1_flags
 * @levels: the DTE's Mode, 1 to 6: the top table's level; inputs of
 *	12 + 9 * @levels bits (64 with 6)
 * @phys_bits: width of output (parent) addresses, 32 to 52
 * @__reserved: must be 0
 * @pgsize_bitmap: the leaf sizes tables may use: 4 KiB always, any other
 *	power of two up to the top level's span when set; a leaf of another
 *	size is reserved. 0 means every size FORMAT_INFO reports.
 *
 * BIND's @root is the top-level table, 4 KiB aligned. Entries are 8
 * bytes, little-endian: PR (0), A (5), D (6), NextLevel (11:9), address
 * (51:12), IR (61), IW (62); bits 63, 60:59, 8:7 and 4:1 are ignored.
 * An input with a bit set from 12 + 9 * @levels up faults with
 * IOASID_FAULT_NON_CANONICAL (there is no sign extension). NextLevel 1 to
 * 6, below the entry's level: a pointer to a table of that level; levels
 * in between are skipped, and an input whose index bits of a skipped
 * level are not 0 faults with IOASID_FAULT_NOT_PRESENT at the pointer's
 * level. NextLevel 0: a leaf of the entry's level's size. NextLevel 7: a
 * leaf of a power-of-two size given by the address's trailing one bits
 * from bit 12 (size 2^(13 + n) for n ones), above the size of a NextLevel
 * 0 leaf of the entry's level and at most its table's span (level 1:
 * 8 KiB to 2 MiB), which the guest repeats in every entry it covers (the
 * walker uses the entry it reads and does not check the others; what it
 * caches from it covers the whole leaf until an INVALIDATE, whatever the
 * other entries say). A read
 * needs IR, a write IW, in every entry of the path: pointers limit the
 * levels below. Execute and privileged requests need no more than a read.
 * Reserved: bits 58:52 of every present entry, address bits from
 * @phys_bits up (of a NextLevel 7 leaf, those above its size), and a leaf
 * larger than 2^@phys_bits; so no leaf is larger than 2^52 and
 * FORMAT_INFO reports 4 KiB to 2^52.
 */
struct ioasid_format_amd_v1 {
	struct ioasid_format_header hdr;
	__u32 flags;
	__u32 levels;
	__u32 phys_bits;
	__u32 __reserved;
	__aligned_u64 pgsize_bitmap;
};

/*
 * IOASID_FORMAT_SMMUV3_CD, the Arm SMMUv3 context-descriptor tables of a
 * guest (a PASID-table kind).
 */

/**
 * enum ioasid_smmuv3_cd_flags - flags of struct ioasid_format_smmuv3_cd
 * @IOASID_SMMUV3_CD_2LVL: 2-level CD tables (the emulated SMMU_IDR0.CD2L):
 *	an STE may select S1Fmt 1 (4 KiB leaf tables of 64 CDs) or 2 (64 KiB
 *	leaf tables of 1024 CDs). Without it only linear tables are taken.
 * @IOASID_SMMUV3_CD_HA: hardware update of the access flag
 *	(SMMU_IDR0.HTTU 0b01 or 0b10): a CD may set HA; its tables are then
 *	walked with IOASID_ARM64_HA.
 * @IOASID_SMMUV3_CD_HD: hardware update of dirty state too (SMMU_IDR0.HTTU
 *	0b10; needs IOASID_SMMUV3_CD_HA): a CD may set HD; with HA its tables
 *	are walked with IOASID_ARM64_HD.
 */
enum ioasid_smmuv3_cd_flags {
	IOASID_SMMUV3_CD_2LVL = 1 << 0,
	IOASID_SMMUV3_CD_HA = 1 << 1,
	IOASID_SMMUV3_CD_HD = 1 << 2,
};

/**
 * struct ioasid_format_smmuv3_cd - descriptor of IOASID_FORMAT_SMMUV3_CD
 * @hdr: size and IOASID_FORMAT_SMMUV3_CD
 * @flags: enum ioasid_smmuv3_cd_flags
 * @ssid_bits: the emulated SMMU_IDR1.SSIDSIZE, 0 to 20: the largest
 *	STE.S1CDMax taken. 0: no substreams (S1CDMax, S1Fmt and S1DSS are
 *	ignored, and every DMA with a PASID faults)
 * @oas_bits: the emulated SMMU_IDR5.OAS as a width: 32, 36, 40, 42, 44 or
 *	48 (52 and 56: EOPNOTSUPP, the Arm64 walker's limit). S1ContextPtr,
 *	L1CD.L2Ptr and TTB0/TTB1 must be below 2^@oas_bits, and it caps every
 *	CD's IPS
 * @__reserved: must be 0
 * @granule_bitmap: the stage-1 granules a CD may select (SMMU_IDR5.GRAN4K,
 *	GRAN16K, GRAN64K) as their sizes: 4, 16 and 64 KiB; 0 means all three
 *
 * A node of this kind translates DMA through the guest's own SMMUv3
 * structures (Arm IHI0070G.b, 5.2 STE, 5.3 L1CD, 5.4 CD; Linux
 * drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h STRTAB_STE_*, CTXDESC_*;
 * QEMU hw/arm/smmuv3-internal.h STE_*, CD_*): BIND takes the STE, and at
 * DMA time the CD of the request's PASID (SubstreamID) is read through
 * the parent and decoded into an IOASID_FORMAT_ARM64 configuration, whose
 * tables are then walked as that format's.
 *
 * ALLOC: EOPNOTSUPP for a flag not in enum ioasid_smmuv3_cd_flags, a
 * non-zero @__reserved, @oas_bits 52 or 56; then EINVAL for
 * IOASID_SMMUV3_CD_HD without IOASID_SMMUV3_CD_HA, another @oas_bits,
 * @ssid_bits above 20, a bit of @granule_bitmap other than those three.
 *
 * BIND: struct ioasid_bind's @entry[0] and @entry[1] are the guest's STE
 * dwords 0 and 1; @entry[2], @entry[3], @root and @root1 must be 0, and no
 * bind flag is taken (EOPNOTSUPP). Nothing is read at BIND. EINVAL for:
 * V (0) clear; bits 58:56 of dword 0 or 43:41 of dword 1 set; PRIVCFG
 * (dword 1 bits 49:48) or INSTCFG (51:50) 0b10 or 0b11 (no attribute
 * override: a request keeps its own); Config (3:1) 0b110 or 0b111 (the
 * guest's stage 2: the parent node is the stage 2). Config 0b000 to 0b011
 * aborts every DMA; 0b100 bypasses: DMA without a PASID uses its input
 * address as a parent address. Config 0b101 (stage 1 translates) also
 * needs, else EINVAL: S1PIE (dword 1 bit 24), S1STALLD (27) and STRW
 * (31:30) clear (no permission indirection, no stall model, NS-EL1);
 * S1CDMax (63:59) at most @ssid_bits (unless @ssid_bits is 0); S1Fmt
 * (5:4) 1 or 2 only with IOASID_SMMUV3_CD_2LVL (3 behaves as 0, and S1DSS
 * 3 as 0, as the architecture says; with S1CDMax 0 both are ignored, as
 * the architecture ignores them); S1ContextPtr (55:6) below
 * 2^@oas_bits and aligned to its table's size: 64 << S1CDMax bytes for a
 * linear table, else 8 bytes per L1CD, 2^(S1CDMax - 6) (S1Fmt 1) or
 * 2^(S1CDMax - 10) (S1Fmt 2) of them, at least 64 bytes. Only S1Fmt,
 * S1ContextPtr, S1CDMax and S1DSS (dword 1 bits 1:0) are used. Ignored
 * (memory attributes, ATS, stage 2, hints, events, software's: the VMM's
 * business): S1CIR, S1COR, S1CSH (7:2), S2HWU (11:8), DRE (12), CONT
 * (16:13), DCP (17), PPAR (18), MEV (19), SW_RESERVED (23:20), S2FWB (25),
 * S1MPAM (26), EATS (29:28), MemAttr (35:32), MTCFG (36), ALLOCCFG
 * (40:37), SHCFG (45:44), NSCFG (47:46), bits 63:52; with Config other
 * than 0b101 every stage-1 field.
 *
 * DMA (fault levels: 1 the CD, 2 the L1CD, 0 decided by the STE alone,
 * before any read): with Config abort, IOASID_FAULT_PASID_NOT_PRESENT at
 * level 0; with Config bypass, DMA with a PASID faults so (the
 * architecture's C_BAD_SUBSTREAMID). With Config 0b101 and S1CDMax 0 (or
 * @ssid_bits 0), S1ContextPtr is one CD, used by DMA without a PASID, and
 * DMA with any PASID, 0 too, faults PASID_NOT_PRESENT at level 0. With
 * S1CDMax > 0: a PASID of S1CDMax bits or more faults so; DMA without a
 * PASID follows S1DSS: 0b00 terminate (PASID_NOT_PRESENT, level 0:
 * F_STREAM_DISABLED), 0b01 bypass (as Config bypass), 0b10 the CD of
 * substream 0, and then DMA with PASID 0 faults PASID_NOT_PRESENT at level
 * 0; with S1DSS 0b00 or 0b01, PASID 0 uses CD 0. The CD of index i (the
 * PASID, or 0): S1ContextPtr + 64 * i in a linear table (S1Fmt 0, or
 * S1CDMax 0); with 2-level tables, the L1CD (8 bytes) at S1ContextPtr +
 * 8 * (i >> n), n = 6 (S1Fmt 1) or 10 (S1Fmt 2), then the CD at its L2Ptr
 * + 64 * (i mod 2^n). L1CD: V (0) clear: PASID_NOT_PRESENT at level 2;
 * bits 11:1 or 63:56 set, L2Ptr (55:12) not below 2^@oas_bits, or L2Ptr
 * bits 15:12 set under S1Fmt 2 (64 KiB aligned leaf tables):
 * IOASID_FAULT_PASID_ENTRY at level 2. The CD (level 1): dword 0 is read
 * first, V (31) clear is PASID_NOT_PRESENT; else dwords 1 and 2 are read
 * too (3 to 7, MAIR, AMAIR, IMPLEMENTATION DEFINED, PARTID, PMG, PIIU,
 * PIIP, never). PASID_ENTRY for: AA64 (41) clear (VMSAv8-32 LPAE tables);
 * A (46) clear (RAZ/WI termination: the emulated SMMU_IDR0.TERM_MODEL is
 * 1); S (44) set (STALL_MODEL 0b01); WXN (36); PAN (40); HA (43) without
 * IOASID_SMMUV3_CD_HA; HD (42) without IOASID_SMMUV3_CD_HD; AFFD (35)
 * without HA (AF clear read as set); ENDI (15) unless EPD0 and EPD1 are
 * both set; in dword 1 E0PD0 (2), HAFT (3), bits 57:56, PnCH (58), EPAN
 * (59); in dword 2 E0PD1 (2), bits 57:56, DS (58), PIE (59); for a half
 * whose EPDn is clear, TnSZ outside 16 to 39, TGn reserved or a granule
 * not in @granule_bitmap, TTBn (bits 55:4 of dword 1 or 2) not below 2^IPS;
 * and whatever ALLOC and BIND of IOASID_FORMAT_ARM64 refuse. A failed read
 * through the parent faults with IOASID_FAULT_TABLE (or the parent's
 * reason) at the level of what was read.
 *
 * The stage-1 configuration of a CD: IOASID_FORMAT_ARM64 with t0sz and
 * tg0 from T0SZ (5:0) and TG0 (7:6: 0 4 KiB, 1 64 KiB, 2 16 KiB), t1sz and
 * tg1 from T1SZ (21:16) and TG1 (23:22: 1 16 KiB, 2 4 KiB, 3 64 KiB), a
 * disabled half's copied from the other half (4 KiB and 16 when both are
 * disabled); flags EPD0 (14), EPD1 (30), TBI0 (38), TBI1 (39), HA, and HD
 * when HA is set too (HD alone: neither, the architecture's reserved
 * {HD, HA} 0b10); oas_bits the effective IPS, MIN(IPS (34:32: 32, 36, 40,
 * 42, 44, 48, 52 or 56 bits), @oas_bits); every leaf size of the granules;
 * roots TTB0 and TTB1 aligned down to their top-level table's size, at
 * least 64 bytes (the SMMU aligns them before use), 0 for a disabled half.
 * The ASID (63:48) is the entry's tag. Ignored: IR0, OR0, SH0, IR1, OR1,
 * SH1, UWXN (37), R (45: every fault is reported), ASET (47), NSCFG0 and
 * NSCFG1, HAD0 and HAD1 (as when SMMU_IDR3.HAD is 0), AIE (dword 2 bit
 * 3), the HWU bits (63:60 of dwords 1 and 2).
 */
struct ioasid_format_smmuv3_cd {
	struct ioasid_format_header hdr;
	__u32 flags;
	__u32 ssid_bits;
	__u32 oas_bits;
	__u32 __reserved;
	__aligned_u64 granule_bitmap;
};

/*
 * IOASID_FORMAT_AMD_GCR3, a guest's AMD-Vi guest CR3 (GCR3) table bound
 * with its device table entry (a PASID-table kind).
 */

/**
 * enum ioasid_amd_gcr3_flags - flags of struct ioasid_format_amd_gcr3
 * @IOASID_AMD_GCR3_AD_UPDATE: the stage-1 tables are walked with
 *	IOASID_X86_64_AD_UPDATE (A and D of the guest's x86-64 entries are
 *	set as an AMD IOMMU sets them in guest tables, with that flag's
 *	rules); without it they are neither read nor written
 * @IOASID_AMD_GCR3_GIOV: the emulated IOMMU has GIOSup (EFR bit 48): BIND
 *	takes a DTE with GIOV; without it GIOV set is EINVAL
 * @IOASID_AMD_GCR3_LEVEL5: the emulated IOMMU walks 5-level guest tables
 *	(EFR GATS, bits 13:12, = 01b): BIND takes GuestPagingMode 1; without
 *	it only 0 (4 levels)
 */
enum ioasid_amd_gcr3_flags {
	IOASID_AMD_GCR3_AD_UPDATE = 1 << 0,
	IOASID_AMD_GCR3_GIOV = 1 << 1,
	IOASID_AMD_GCR3_LEVEL5 = 1 << 2,
};

/**
 * struct ioasid_format_amd_gcr3 - descriptor of IOASID_FORMAT_AMD_GCR3
 * @hdr: size and IOASID_FORMAT_AMD_GCR3
 * @flags: enum ioasid_amd_gcr3_flags
 * @pasid_bits: the PASID width, 1 to 20: the emulated EFR's PASmax (bits
 *	36:32) plus one
 * @max_glx: the largest GLX a DTE may use, 0 to 2: the emulated EFR's
 *	GLXSup (bits 15:14)
 * @__reserved: must be 0
 * @phys_bits: width of output (parent) addresses, 32 to 52: of the GCR3
 *	table's pointers and of the stage-1 tables (struct
 *	ioasid_format_x86_64's @phys_bits)
 * @__reserved2: must be 0
 * @pgsize_bitmap: the stage-1 leaf sizes, as struct ioasid_format_x86_64's
 *	(4 KiB always; 2 MiB, 1 GiB when set; 0 for all three)
 *
 * ALLOC: EOPNOTSUPP for a flag not above or a non-zero reserved member;
 * then EINVAL for @pasid_bits 0 or above 20, @max_glx above 2, @phys_bits
 * outside 32 to 52, or a @pgsize_bitmap IOASID_FORMAT_X86_64 does not take.
 *
 * BIND: @root and @root1 0, @flags IOASID_BIND_X86_SRE and
 * IOASID_BIND_X86_WPE (EOPNOTSUPP for others), applied to every PASID's
 * stage 1 (a DTE has no such field); @entry is the guest's 256-bit DTE,
 * @entry[n] its bits 64n + 63 to 64n:
 *
 * - @entry[0]: V (0) and TV (1) must be set (a DTE without them describes
 *   no guest table: the VMM attaches the device elsewhere); GIOV (54);
 *   GV (55) must be set; GLX (57:56): 0 a single table of 512 GCR3
 *   entries, 1 two levels, 2 three levels, at most @max_glx (3 is
 *   reserved); bits 14:12 of the GCR3 table root pointer (60:58).
 *   Reserved, must be 0: 6:2 and 63. Ignored, the host stage's and other
 *   functions' (the VMM's business, and the parent node's): HAD (8:7),
 *   Mode (11:9), the host page-table root (51:12), PPR (52), GPRP (53),
 *   IR (61), IW (62).
 * - @entry[1]: DomainID (15:0), reported as the tag; root pointer bits
 *   30:15 (31:16) and 51:31 (63:43). Ignored: 42:32 (I, SE, SA, IoCtl,
 *   Cache, SD, EX, SysMgt).
 * - @entry[2]: GuestPagingMode (55:54): 0 four-level, 1 five-level guest
 *   tables (with IOASID_AMD_GCR3_LEVEL5), 2 and 3 reserved. Reserved, must
 *   be 0: 53:52. Ignored: 51:0 and 63:56 (interrupt remapping).
 * - @entry[3]: must be 0 (no GCR3 field lives there).
 *
 * The root pointer, 4 KiB aligned by construction, must be below
 * 2^@phys_bits. Anything else above is EINVAL, with the node unchanged.
 * Bit positions: Linux drivers/iommu/amd/amd_iommu_types.h (DTE_FLAG_GV,
 * DTE_FLAG_GIOV, DTE_GLX, DTE_GCR3_14_12/30_15/51_31, DTE_GPT_LEVEL_MASK)
 * and nested.c (validate_gdte_nested); QEMU hw/i386/amd_iommu.h
 * (AMDVI_DTE_QUAD*_RESERVED).
 *
 * A request with PASID p (DMA-time rules): p at or above 2^@pasid_bits,
 * or at or above 2^(9 * (GLX + 1)), faults with
 * IOASID_FAULT_PASID_NOT_PRESENT at level GLX + 1, nothing read.
 * Otherwise, from the root pointer, each level L from GLX + 1 down to 1
 * reads the 8-byte little-endian entry at index p[9L - 1:9L - 9] of a
 * 4 KiB table, once: V (0) clear faults with PASID_NOT_PRESENT at L (the
 * other bits then ignored); a reserved bit set with PASID_ENTRY at L:
 * 11:1, 63:52 and address bits from @phys_bits to 51; otherwise bits 51:12
 * are the table below (L above 1) or the guest's CR3, the root of the
 * PASID's stage-1 table (L = 1: a GCR3 entry). A table that cannot be
 * read faults with the read's reason (IOASID_FAULT_TABLE) at L. Level 1
 * is the table of GCR3 entries, 2 and 3 the directories above it (Linux
 * iommu.c __get_gcr3_pte() indexes them so).
 *
 * The stage 1 then is IOASID_FORMAT_X86_64 as ALLOC would make it of
 * struct ioasid_format_x86_64 { flags IOASID_X86_64_AD_UPDATE with
 * IOASID_AMD_GCR3_AD_UPDATE, levels 4 or 5 by GuestPagingMode, @phys_bits,
 * @pgsize_bitmap } and BIND of the GCR3 entry's bits 51:12 with BIND's
 * @flags; its own faults are its walker's, at its own levels.
 *
 * A request without a PASID: with GIOV clear, stage 1 is bypassed: the
 * input address is a parent address (the host, v1, table is the parent
 * node's); with GIOV set, it uses PASID 0's GCR3 entry as above (what Linux
 * sets GIOV for in its v2 page-table mode).
 *
 * Translations made of a GCR3 entry stay cached after the guest changes
 * it: a guest that changes one (and invalidates it on its vIOMMU) needs
 * INVALIDATE with IOASID_INV_PASID_TABLE; a guest that changes its DTE, a
 * new BIND.
 */
struct ioasid_format_amd_gcr3 {
	struct ioasid_format_header hdr;
	__u32 flags;
	__u8 pasid_bits;
	__u8 max_glx;
	__u16 __reserved;
	__u32 phys_bits;
	__u32 __reserved2;
	__aligned_u64 pgsize_bitmap;
};

/*
 * IOASID_FORMAT_RISCV_PDT (a PASID-table kind), the RISC-V IOMMU's
 * process-directory table, as the guest's device context (DC) points at it.
 * Bit positions: the RISC-V IOMMU specification 1.0 (riscv-non-isa/
 * riscv-iommu, src/iommu_data_structures.adoc), its
 * reference model (iommu_ref_model/libiommu/src/iommu_translate.c,
 * iommu_process_context.c), QEMU (hw/riscv/riscv-iommu-bits.h,
 * riscv_iommu_ctx_fetch() in hw/riscv/riscv-iommu.c) and Linux
 * (drivers/iommu/riscv/iommu-bits.h: RISCV_IOMMU_DC_TC_*, _PC_TA_*).
 */

/**
 * enum ioasid_riscv_pdt_flags - flags of struct ioasid_format_riscv_pdt
 * @IOASID_RISCV_PDT_PD8: DC.fsc.MODE PD8 (1) is taken: a one-level table
 *	of 256 process contexts (capabilities.PD8)
 * @IOASID_RISCV_PDT_PD17: PD17 (2): two levels, 17-bit PASIDs
 *	(capabilities.PD17)
 * @IOASID_RISCV_PDT_PD20: PD20 (3): three levels, 20-bit PASIDs
 *	(capabilities.PD20)
 * @IOASID_RISCV_PDT_SV39: a process context may use Sv39 (PC.fsc.MODE 8;
 *	capabilities.Sv39)
 * @IOASID_RISCV_PDT_SV48: Sv48 (9; capabilities.Sv48)
 * @IOASID_RISCV_PDT_SV57: Sv57 (10; capabilities.Sv57)
 * @IOASID_RISCV_PDT_AMO_HWAD: DC.tc.SADE and DC.tc.GADE may be set
 *	(capabilities.AMO_HWAD); SADE makes the stage-1 tables
 *	IOASID_RISCV_AD_UPDATE
 * @IOASID_RISCV_PDT_SVNAPOT: the stage-1 tables are IOASID_RISCV_SVNAPOT
 *	(the specification makes Svnapot mandatory; without the flag a NAPOT
 *	leaf faults with IOASID_FAULT_RESERVED)
 * @IOASID_RISCV_PDT_SVPBMT: the stage-1 tables are IOASID_RISCV_SVPBMT
 *	(capabilities.Svpbmt)
 */
enum ioasid_riscv_pdt_flags {
	IOASID_RISCV_PDT_PD8 = 1 << 0,
	IOASID_RISCV_PDT_PD17 = 1 << 1,
	IOASID_RISCV_PDT_PD20 = 1 << 2,
	IOASID_RISCV_PDT_SV39 = 1 << 3,
	IOASID_RISCV_PDT_SV48 = 1 << 4,
	IOASID_RISCV_PDT_SV57 = 1 << 5,
	IOASID_RISCV_PDT_AMO_HWAD = 1 << 6,
	IOASID_RISCV_PDT_SVNAPOT = 1 << 7,
	IOASID_RISCV_PDT_SVPBMT = 1 << 8,
};

/**
 * struct ioasid_format_riscv_pdt - descriptor of IOASID_FORMAT_RISCV_PDT
 * @hdr: size and IOASID_FORMAT_RISCV_PDT
 * @flags: enum ioasid_riscv_pdt_flags: what the emulated IOMMU's
 *	capabilities register offers the guest
 * @phys_bits: width of output (parent) addresses, 32 to 56
 *	(capabilities.PAS): of the PDT pages, of the stage-1 tables and of
 *	what they map (the stage-1 format's @phys_bits)
 * @__reserved: must be 0
 *
 * ALLOC: EOPNOTSUPP for a flag FORMAT_INFO does not report or a non-zero
 * @__reserved; EINVAL for @flags without any of PD8, PD17 and PD20, or
 * without any of SV39, SV48 and SV57, or @phys_bits outside 32 to 56.
 * FORMAT_INFO reports the flags, no bind flag, levels 1 to 3 (of the
 * PDT), 32 to 56 output bits, and the leaf sizes and 57 input bits of
 * the RISC-V stage-1 format it hands out.
 *
 * BIND takes no bind flag (EOPNOTSUPP) and the guest's device context in
 * struct ioasid_bind's @entry: [0] DC.tc, [1] DC.ta, [2] DC.fsc (the
 * pdtp), [3] 0; anything else is EINVAL:
 *
 * - DC.tc: V (0) and PDTV (5) must be 1 (a DC with PDTV 0 holds an iosatp:
 *   bind an IOASID_FORMAT_RISCV node instead); DPE (9) is taken; SADE (8)
 *   and GADE (7) need IOASID_RISCV_PDT_AMO_HWAD, and GADE is then ignored
 *   (the second stage is the parent's); SBE (10, big-endian tables) and
 *   SXL (11, Sv32) must be 0; EN_ATS (1), EN_PRI (2), T2GPA (3), DTF (4)
 *   and PRPR (6) are ignored (they concern translated requests, ATS, page
 *   requests and fault reporting, which the VMM emulates); bits 63:12
 *   (reserved and custom) must be 0.
 * - DC.ta: PSCID (31:12) is ignored (with PDTV each process context has
 *   its own); every other bit (reserved, QoS RCID and MCID) must be 0.
 * - DC.fsc: MODE (63:60) is Bare (0), or PD8 (1), PD17 (2) or PD20 (3)
 *   declared in @flags; bits 59:44 must be 0; PPN (43:0) << 12 is the root
 *   PDT page, below 2^@phys_bits (ignored with Bare).
 *
 * DMA-time rules (levels: 1 the leaf PDT page of process contexts, 2 and
 * 3 the directory pages above it; reading a page through the parent can
 * fail with IOASID_FAULT_TABLE at its level):
 *
 * - pdtp.MODE Bare: every request bypasses stage 1 (its address is a
 *   parent address), with or without a PASID, whatever its privilege.
 * - DMA without a PASID: with DPE, it uses process context 0 (PASID 0);
 *   without DPE, it bypasses stage 1. It is unprivileged either way
 *   (privilege travels with a process_id): the module drops
 *   IOASID_ACCESS_PRIV from it.
 * - A PASID wider than the mode takes (PD8: 8 bits, PD17: 17, PD20: 20)
 *   faults with IOASID_FAULT_PASID_NOT_PRESENT at the top level (the
 *   specification's "transaction type disallowed").
 * - The walk: PD20 reads the root's entry PASID[19:17] (8 entries of 8
 *   bytes), PD20's second level and PD17's root entry PASID[16:8] (512
 *   entries), and the leaf page's 16-byte process context PASID[7:0]. A
 *   directory entry: V (0), PPN (53:10) of the next page; V clear:
 *   IOASID_FAULT_PASID_NOT_PRESENT; bits 9:1 or 63:54 set, or a next page
 *   at or above 2^@phys_bits: IOASID_FAULT_PASID_ENTRY, at its level.
 * - The process context, at level 1: ta then fsc, little-endian. ta.V (0)
 *   clear: IOASID_FAULT_PASID_NOT_PRESENT (fsc is not read).
 *   IOASID_FAULT_PASID_ENTRY: ta bits 11:3 or 63:32, fsc bits 59:44, a
 *   fsc.MODE other than Bare (0) or a declared Sv39 (8), Sv48 (9) or Sv57
 *   (10), a root (fsc.PPN << 12) at or above 2^@phys_bits.
 * - fsc.MODE Bare: that PASID bypasses stage 1 (fsc.PPN is ignored).
 *   Sv39/48/57: the PASID translates through the IOASID_FORMAT_RISCV
 *   table at fsc.PPN << 12, with levels 3, 4 or 5, @phys_bits,
 *   IOASID_RISCV_AD_UPDATE from DC.tc.SADE, IOASID_RISCV_SVNAPOT and
 *   _SVPBMT from @flags, every leaf size, and IOASID_BIND_RISCV_SUM from
 *   ta.SUM (2) when ta.ENS is set; its faults are that format's, at its
 *   levels. ta.PSCID (31:12) is the entry's tag in reports.
 * - ta.ENS (1) clear: privileged requests of that PASID are refused
 *   (bypass included) before any stage-1 walk, nothing read or updated
 *   for them, with IOASID_FAULT_PERMISSION at level 0 (the specification's
 *   "transaction type disallowed"); what the PASID's translations grant
 *   excludes privileged requests. With ENS, privileged requests use U
 *   pages only with ta.SUM and never execute from them.
 *
 * Translations made of a process context stay cached after the guest
 * changes it, until an INVALIDATE with IOASID_INV_PASID_TABLE (what the
 * guest's IODIR.INVAL_PDT asks for).
 */
struct ioasid_format_riscv_pdt {
	struct ioasid_format_header hdr;
	__u32 flags;
	__u32 phys_bits;
	__aligned_u64 __reserved[2];
};

/**
 * struct ioasid_format_info - ioctl(IOASID_FORMAT_INFO)
 * @size: sizeof(struct ioasid_format_info)
 * @flags: must be 0
 * @format: an enum ioasid_format
 * @__reserved: must be 0
 * @out_format_flags: the descriptor flags this module takes for @format
 *	(for x86-64, enum ioasid_x86_64_flags)
 * @out_bind_flags: the enum ioasid_bind_flags BIND takes for @format
 * @out_pgsize_bitmap: the leaf sizes the walker supports
 * @out_levels_bitmap: bit n set: n levels are supported
 * @out_min_phys_bits: the narrowest output address width taken
 * @out_max_phys_bits: the widest output address width taken
 * @out_input_bits: widest input address width (with the most levels)
 * @__reserved2: must be 0 (written as 0)
 * @out_granule_bitmap: the table granules the walker supports, as their
 *	page sizes (Arm64: 4, 16 and 64 KiB; the other formats: 4 KiB)
 *
 * What the module walks of a format, so a VMM can check what it offers a
 * guest against it before it does. A format this module does not know:
 * EOPNOTSUPP, which makes this the probe for formats.
 *
 * Return: 0, or EOPNOTSUPP: unknown @format.
 */
struct ioasid_format_info {
	__u32 size;
	__u32 flags;
	__u32 format;
	__u32 __reserved;
	__aligned_u64 out_format_flags;
	__aligned_u64 out_bind_flags;
	__aligned_u64 out_pgsize_bitmap;
	__aligned_u64 out_levels_bitmap;
	__u32 out_min_phys_bits;
	__u32 out_max_phys_bits;
	__u32 out_input_bits;
	__u32 __reserved2;
	__aligned_u64 out_granule_bitmap;
};

#define IOASID_FORMAT_INFO _IO(IOASID_TYPE, IOASID_CMD_FORMAT_INFO)

/**
 * struct ioasid_destroy - ioctl(IOASID_DESTROY)
 * @size: sizeof(struct ioasid_destroy)
 * @id: the object to destroy: a node, a device or a fault queue
 *
 * Destroys a node and everything mapped in it (pages are unpinned and
 * uncharged), a device, or a fault queue (its fd stays open: it reads
 * what is left, and answers nothing more).
 *
 * Return: 0, or
 * ENOENT: no such object;
 * EBUSY: the node has children or attached devices, the device is
 * attached, the fault queue is named by a node, or an ioctl of another
 * thread is using the object.
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
 * @out_format: (user-managed) its enum ioasid_format; 0 otherwise
 * @out_flags: enum ioasid_node_info_flags
 * @out_root: (user-managed, bound) the root given to BIND (Arm64: TTB0);
 *	0 otherwise
 * @out_bind_flags: (user-managed, bound) the flags given to BIND; 0
 *	otherwise
 * @__reserved2: must be 0 (written as 0)
 *
 * A user-managed node has no mappings: the counts above are 0 for it.
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
	__u32 out_format;
	__u32 out_flags;
	__aligned_u64 out_root;
	__u32 out_bind_flags;
	__u32 __reserved2;
};

/**
 * enum ioasid_node_info_flags - bits of &struct ioasid_node_info.out_flags
 * @IOASID_NODE_BOUND: a user-managed node with a table bound
 * @IOASID_NODE_CACHING_MODE: allocated with IOASID_ALLOC_CACHING_MODE
 * @IOASID_NODE_PRI_AUTO_INVALID: allocated with
 *	IOASID_ALLOC_PRI_AUTO_INVALID
 */
enum ioasid_node_info_flags {
	IOASID_NODE_BOUND = 1 << 0,
	IOASID_NODE_CACHING_MODE = 1 << 1,
	IOASID_NODE_PRI_AUTO_INVALID = 1 << 2,
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
 * charged. @iova is written back before the mapping becomes visible to
 * anyone: a struct whose @iova cannot be written fails the call with
 * EFAULT, and no device, COPY or UNMAP ever saw the mapping.
 *
 * Return: 0, or
 * EINVAL: zero @length, a misaligned value, no permission given, a
 * user-managed node;
 * EOVERFLOW: the source or IOVA range would run past 2^64 - 1 (it may end
 * exactly there);
 * ENOENT: no such node;
 * EEXIST: the IOVA range overlaps a mapping;
 * EADDRINUSE: the IOVA range overlaps a reserved range;
 * ENOSPC: no free IOVA range of that size and alignment;
 * ENOMEM: the pages would exceed RLIMIT_MEMLOCK, or no memory (also for a
 * range so fragmented that it needs more than 2^27 physically contiguous
 * runs: map it in parts);
 * EFAULT: @addr is not mapped memory of the caller (nor is writable
 * memory when WRITE is asked), or is memory that cannot be pinned for
 * devices: DAX, or, when WRITE is asked, a MAP_SHARED mapping of a file on
 * a filesystem that tracks dirty pages for writeback (ext4, xfs, ...; on
 * every kernel, as Linux 6.5 and later refuse it themselves); tmpfs,
 * shmem, memfd, hugetlbfs and private mappings are fine;
 * EDQUOT: (child) the context's out_max_child_mappings is reached;
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
 * @out_unmapped is written before anything is removed: a struct whose
 * @out_unmapped cannot be written fails with EFAULT and unmaps nothing, and
 * a failing UNMAP leaves @out_unmapped as it was.
 *
 * Return: 0, or
 * EINVAL: zero @length or misaligned values, or non-zero ones with
 * IOASID_UNMAP_ALL, a user-managed node;
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
 * one mapping per source mapping it covers. Like MAP, it writes @dst_iova
 * back before the new range becomes visible.
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
 * after it are not. The return value is the failing entry's. What it costs
 * is less: PCI devices' IOTLBs are flushed once for all the UNMAPs, and
 * MAPs of a root at fixed IOVAs that each start where the one before ends,
 * of memory that does too, with the same flags, are pinned in one pass
 * and mirrored into PCI devices' domains with one IOTLB sync (each still
 * a mapping of its own, unmapped and unpinned on its own).
 *
 * Return: 0, or
 * EFAULT: @out_done cannot be written (checked first: nothing runs);
 * EOPNOTSUPP: unknown @op;
 * EINVAL: @entry_size too small, an entry's size differs from @entry_size;
 * E2BIG: @count above GET_INFO out_max_batch, @entry_size above 4096, or
 * an entry with a non-zero tail beyond the kernel's struct;
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
 * EINVAL: a user-managed node;
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
 * EINVAL: zero @length or misaligned values, a user-managed node;
 * EOVERFLOW: the range would run past 2^64 - 1;
 * ENOENT: no such node, or (REMOVE) no reservation of exactly that range;
 * EADDRINUSE: the range overlaps a mapping;
 * EDQUOT: the context's out_max_reservations is reached;
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
 *	nothing of the context is pinned (a MAP in flight counts: the change
 *	waits for it, and fails with EBUSY if it mapped).
 * @IOASID_OPTION_FAULT_QUEUE: (@object_id: a node) the id of the fault
 *	queue its faults go to, 0 for none. Page requests already pending
 *	stay in the queue that got them.
 * @IOASID_OPTION_FAULT_TIMEOUT_MS: (@object_id: a fault queue) how long a
 *	page request waits for its response, in milliseconds, before the
 *	module answers it (0: for ever; at most 3600000). A change applies to
 *	requests raised after it.
 */
enum ioasid_option_id {
	IOASID_OPTION_ACCOUNT_MODE = 1,
	IOASID_OPTION_FAULT_QUEUE = 2,
	IOASID_OPTION_FAULT_TIMEOUT_MS = 3,
};

/**
 * enum ioasid_account_mode - values of IOASID_OPTION_ACCOUNT_MODE
 * @IOASID_ACCOUNT_USER: the default: pins count in the mapping process's
 *	user's locked memory (shared with io_uring and iommufd), against that
 *	process's RLIMIT_MEMLOCK
 * @IOASID_ACCOUNT_PROCESS: as VFIO type1 does: pins count in the mapping
 *	process's own locked_vm (VmLck) against its RLIMIT_MEMLOCK. Choosing
 *	it takes CAP_SYS_RESOURCE: the charge outlives the process that paid
 *	it, so forked children could each pin up to their own limit
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
 * @object_id: the object the option is of, or 0 for the whole context
 *	(ACCOUNT_MODE)
 * @val64: the value, in for SET, out for GET
 *
 * Return: 0, or
 * EOPNOTSUPP: unknown @option_id or @op;
 * ENOENT: @object_id names no object of this context;
 * EINVAL: a value the option does not take (@val64 is a value, not an
 * enum-typed field: an account mode this kernel does not know is EINVAL),
 * or an object the option is not of (a non-zero @object_id for a
 * context-wide option);
 * EPERM: (ACCOUNT_MODE) IOASID_ACCOUNT_PROCESS without CAP_SYS_RESOURCE;
 * EBUSY: (ACCOUNT_MODE) pages of this context are pinned;
 * ENOENT: (FAULT_QUEUE SET) @val64 is not 0 and names no fault queue.
 */
struct ioasid_option {
	__u32 size;
	__u32 option_id;
	__u32 op;
	__u32 object_id;
	__aligned_u64 val64;
};

#define IOASID_OPTION _IO(IOASID_TYPE, IOASID_CMD_OPTION)

/**
 * enum ioasid_device_flags - what a software endpoint can do
 * @IOASID_DEVICE_PASID: it issues DMA tagged with a PASID, and may be
 *	attached per PASID
 * @IOASID_DEVICE_PRI: it issues page requests (PCIe PRI) where a guest's
 *	table does not give its DMA the access it asks for (see struct
 *	ioasid_fault_record), with at most @pri_max_pending outstanding
 */
enum ioasid_device_flags {
	IOASID_DEVICE_PASID = 1 << 0,
	IOASID_DEVICE_PRI = 1 << 1,
};

/**
 * struct ioasid_device_create - ioctl(IOASID_DEVICE_CREATE)
 * @size: sizeof(struct ioasid_device_create)
 * @flags: enum ioasid_device_flags
 * @pasid_bits: with IOASID_DEVICE_PASID, the PASID width, 1 to GET_INFO
 *	out_max_pasid_bits; 0 otherwise
 * @out_id: the new device's id
 * @pri_max_pending: with IOASID_DEVICE_PRI, the most page requests it has
 *	outstanding at once, 1 to 4096, or 0 for 32 (PCIe's Outstanding Page
 *	Request Allocation); a page request beyond it is answered INVALID by
 *	the module. 0 without IOASID_DEVICE_PRI.
 * @__reserved: must be 0
 *
 * Creates a software endpoint: an emulated device, owned by the context,
 * that performs DMA through the translation of the node it is attached to
 * (IOASID_DMA) and can be asked where an IOVA leads (IOASID_TRANSLATE).
 * DESTROY removes it (EBUSY while attached).
 *
 * Return: 0, or
 * EINVAL: @pasid_bits out of range, or given without IOASID_DEVICE_PASID;
 * @pri_max_pending above 4096, or given without IOASID_DEVICE_PRI;
 * ENOSPC: every id is in use; ENOMEM.
 */
struct ioasid_device_create {
	__u32 size;
	__u32 flags;
	__u32 pasid_bits;
	__u32 out_id;
	__u32 pri_max_pending;
	__u32 __reserved;
};

#define IOASID_DEVICE_CREATE _IO(IOASID_TYPE, IOASID_CMD_DEVICE_CREATE)

/**
 * struct ioasid_device_info - ioctl(IOASID_DEVICE_INFO)
 * @size: sizeof(struct ioasid_device_info)
 * @flags: must be 0
 * @dev_id: the device
 * @out_flags: its enum ioasid_device_flags
 * @out_pasid_bits: its PASID width
 * @out_num_attachments: nodes it is attached to (whole device and PASIDs)
 * @out_generation: its invalidation generation: it grows whenever any
 *	translation the device holds in its IOTLB is invalidated, including
 *	translations handed out by IOASID_TRANSLATE. A VMM that keeps
 *	TRANSLATE results compares this with the out_generation of the
 *	result: when it has moved, the results may be stale and are dropped.
 * @out_iotlb_entries: translations in the device's IOTLB now
 * @out_iotlb_hits: DMA chunks and TRANSLATEs served from the IOTLB
 * @out_iotlb_misses: DMA chunks and TRANSLATEs that walked the tables
 * @out_faults: DMA and TRANSLATE that failed translation (each also
 *	records a fault)
 * @out_last_fault_addr: the address of the device's latest fault, in the
 *	attached node's IOVAs: where a DMA stopped (its @iova + @out_done) or
 *	what TRANSLATE was asked; 0 before any
 * @out_last_fault_node: the node where that translation stopped (the
 *	attached node or one above it), 0 when it was not attached
 * @out_last_fault_reason: its enum ioasid_fault_reason, 0 before any
 * @out_last_fault_access: the request, enum ioasid_access bits
 * @out_last_fault_level: the level of @out_last_fault_node's table where
 *	the walk stopped (x86-64: 1 for the 4 KiB level up to 4 or 5), 0 for a
 *	kernel-managed node
 * @out_kind: an enum ioasid_device_kind
 * @out_state: an enum ioasid_device_state
 * @out_caps: what the device can do on this kernel and IOMMU, enum
 *	ioasid_device_caps
 * @out_pci_id: (PCI) its address: segment << 16 | bus << 8 | devfn; 0 for
 *	a software endpoint
 * @__reserved: 0
 * @out_pgsize_bitmap: the page sizes its translation uses (bit n: 2^n
 *	bytes): GET_INFO's for a software endpoint; for a PCI device the
 *	IOMMU's, of which MAP uses the largest a physically contiguous,
 *	aligned run allows
 * @out_aperture_start: the lowest IOVA its DMA can use (PCI: the IOMMU's
 *	aperture); nodes it is attached to reserve everything outside it
 * @out_aperture_last: the highest
 *
 * A PCI device's page sizes and aperture are those of the domain it is
 * attached to, 0 while it is attached nowhere: IOMMU drivers settle a
 * domain's only when a device is attached to it (VT-d narrows its address
 * width to the IOMMU's; virtio-iommu takes the host's page sizes).
 *
 * For a PCI device, the IOTLB counters stay 0: its IOTLB is the IOMMU's.
 * Its translation faults are not reported to the context by the IOMMU
 * drivers of 6.1 and 6.12 (VT-d and virtio-iommu log them to the kernel log
 * only; IOASID_DEVICE_CAP_FAULTS is clear); what the fault members count
 * for it are the ranges its shadow domain could not fill (struct
 * ioasid_attach), with the node, reason and level where the table failed
 * and the address in that node's input addresses.
 *
 * Return: 0, or ENOENT: no such device.
 */
struct ioasid_device_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 out_flags;
	__u32 out_pasid_bits;
	__u32 out_num_attachments;
	__aligned_u64 out_generation;
	__aligned_u64 out_iotlb_entries;
	__aligned_u64 out_iotlb_hits;
	__aligned_u64 out_iotlb_misses;
	__aligned_u64 out_faults;
	__aligned_u64 out_last_fault_addr;
	__u32 out_last_fault_node;
	__u32 out_last_fault_reason;
	__u32 out_last_fault_access;
	__u32 out_last_fault_level;
	__u32 out_kind;
	__u32 out_state;
	__aligned_u64 out_caps;
	__u32 out_pci_id;
	__u32 __reserved;
	__aligned_u64 out_pgsize_bitmap;
	__aligned_u64 out_aperture_start;
	__aligned_u64 out_aperture_last;
};

/**
 * enum ioasid_device_kind - what a device object stands for
 * @IOASID_DEVICE_KIND_SW: a software endpoint (IOASID_DEVICE_CREATE)
 * @IOASID_DEVICE_KIND_PCI: a real PCI device of a VFIO container
 *	(IOASID_VFIO_ADOPT)
 */
enum ioasid_device_kind {
	IOASID_DEVICE_KIND_SW = 1,
	IOASID_DEVICE_KIND_PCI = 2,
};

/**
 * enum ioasid_device_state - whether a device object can still be used
 * @IOASID_DEVICE_LIVE: it can
 * @IOASID_DEVICE_GONE: (PCI) its VFIO group left the container, or the
 *	container was released: it was detached, blocked from DMA, and
 *	ATTACH fails with ENODEV. DESTROY removes the object; the PCI device
 *	itself can be adopted again through a container.
 */
enum ioasid_device_state {
	IOASID_DEVICE_LIVE = 0,
	IOASID_DEVICE_GONE = 1,
};

/**
 * enum ioasid_device_caps - what a device can do (DEVICE_INFO out_caps)
 * @IOASID_DEVICE_CAP_PASID: ATTACH with IOASID_ATTACH_PASID (software
 *	endpoints created with IOASID_DEVICE_PASID; PCI devices: not yet,
 *	and never on 6.1, which has no PASID attach in its IOMMU API)
 * @IOASID_DEVICE_CAP_REPLACE: ATTACH with IOASID_ATTACH_REPLACE (software
 *	endpoints; a PCI device cannot: 6.12 exports domain replacement to
 *	iommufd only, and 6.1 has none)
 * @IOASID_DEVICE_CAP_DIRTY: its writes are tracked exactly by
 *	DIRTY_TRACKING. Without it (PCI devices: no IOMMU here tracks dirty
 *	bits through the IOMMU API) a tracking node with the device attached
 *	reports every writably mapped page dirty, as VFIO type1 does.
 * @IOASID_DEVICE_CAP_FAULTS: its translation faults are recorded in the
 *	context (DEVICE_INFO's fault members)
 */
enum ioasid_device_caps {
	IOASID_DEVICE_CAP_PASID = 1 << 0,
	IOASID_DEVICE_CAP_REPLACE = 1 << 1,
	IOASID_DEVICE_CAP_DIRTY = 1 << 2,
	IOASID_DEVICE_CAP_FAULTS = 1 << 3,
};

/**
 * enum ioasid_fault_reason - why a translation failed
 * @IOASID_FAULT_NOT_ATTACHED: nothing is attached for the request's PASID
 *	(or for DMA without one)
 * @IOASID_FAULT_NOT_MAPPED: a kernel-managed node has no mapping there, or
 *	the address is past 2^64 - 1
 * @IOASID_FAULT_PERMISSION: a level does not permit the access
 * @IOASID_FAULT_NOT_BOUND: a user-managed node has no table bound
 * @IOASID_FAULT_NOT_PRESENT: a table entry is not present (the guest's)
 * @IOASID_FAULT_RESERVED: a table entry has a reserved bit set, a leaf
 *	size the format was not declared with, or a misaligned large page
 * @IOASID_FAULT_NON_CANONICAL: the input address is not canonical for
 *	the format, or wider than its input
 * @IOASID_FAULT_TABLE: a table page cannot be read through the parent
 *	(not mapped there, or not readable): the VMM's, not the guest's
 * @IOASID_FAULT_AD_UPDATE: the accessed or dirty bit could not be set:
 *	the parent does not permit writing the table page, or the entry kept
 *	changing under the update
 * @IOASID_FAULT_WALK_LIMIT: the walk would read more distinct table pages
 *	than the module follows (nested user-managed levels multiply them);
 *	(shadow domains) a fill would read more table entries than it follows
 * @IOASID_FAULT_RESOURCE: (shadow domains) the module could not allocate
 *	what the translation needs (the IOMMU's page tables, say): the range
 *	is left unmapped
 * @IOASID_FAULT_ACCESS_FLAG: the leaf's accessed flag (Arm64 AF, RISC-V
 *	A) is clear, or a write meets a clear dirty bit (RISC-V D), and the
 *	format was declared to fault rather than set them
 */
enum ioasid_fault_reason {
	IOASID_FAULT_NOT_ATTACHED = 1,
	IOASID_FAULT_NOT_MAPPED,
	IOASID_FAULT_PERMISSION,
	IOASID_FAULT_NOT_BOUND,
	IOASID_FAULT_NOT_PRESENT,
	IOASID_FAULT_RESERVED,
	IOASID_FAULT_NON_CANONICAL,
	IOASID_FAULT_TABLE,
	IOASID_FAULT_AD_UPDATE,
	IOASID_FAULT_WALK_LIMIT,
	IOASID_FAULT_RESOURCE,
	IOASID_FAULT_ACCESS_FLAG,
	/*
	 * PASID_NOT_PRESENT: the PASID table has no valid entry for the
	 * request's PASID (past the table's size, V clear, or DMA without a
	 * PASID that the table's no-PASID behaviour aborts); PASID_ENTRY: the
	 * entry, or a directory entry on its way, is malformed or uses what
	 * the node's descriptor did not declare. Level: 1 the table of
	 * entries, 2 a directory above it, 0 the bound entry alone. Both are
	 * the guest's (fault records' IOASID_FAULT_RECORD_GUEST), never page
	 * requests.
	 */
	IOASID_FAULT_PASID_NOT_PRESENT,
	IOASID_FAULT_PASID_ENTRY,
};

#define IOASID_DEVICE_INFO _IO(IOASID_TYPE, IOASID_CMD_DEVICE_INFO)

/**
 * enum ioasid_attach_flags - flags of ATTACH and DETACH
 * @IOASID_ATTACH_PASID: the attachment is for DMA tagged with @pasid only;
 *	without it, for DMA without a PASID
 * @IOASID_ATTACH_REPLACE: (ATTACH) replace the existing attachment in one
 *	step: DMA sees the old node or the new one, never none
 */
enum ioasid_attach_flags {
	IOASID_ATTACH_PASID = 1 << 0,
	IOASID_ATTACH_REPLACE = 1 << 1,
};

/**
 * struct ioasid_attach - ioctl(IOASID_ATTACH) and ioctl(IOASID_DETACH)
 * @size: sizeof(struct ioasid_attach)
 * @flags: enum ioasid_attach_flags (DETACH: IOASID_ATTACH_PASID only)
 * @dev_id: the device
 * @node_id: ATTACH: the node its DMA translates through; DETACH: must be 0
 * @pasid: with IOASID_ATTACH_PASID, the PASID; 0 otherwise
 * @__reserved: must be 0
 *
 * ATTACH makes DMA of the device (with @pasid, or without PASID) translate
 * through @node_id. DETACH removes that; afterwards such DMA faults. Both
 * drop the device's cached translations of the old attachment before
 * returning.
 *
 * A PCI device (DEVICE_INFO out_kind) attaches to a kernel-managed node:
 * its IOMMU group gets a kernel paging domain of the node (one per node and
 * IOMMU, shared by the node's devices). A root's domain holds every mapping
 * of the root, which MAP, COPY, UNMAP and BATCH keep equal to the node's,
 * with one IOTLB flush per call (a whole BATCH included) before pages are
 * unpinned. A node below a root gets a shadow domain holding its composed
 * translation: every range of the node that translates at every level,
 * with the permissions of all levels intersected, kept exact by MAP, COPY
 * and UNMAP of the node and of any node above it (an UNMAP takes the
 * translations it affects out of the domain before it returns; a MAP above
 * the node refills the node's shadow whole, which costs in proportion to
 * the node's mappings). Through a user-managed level the shadow holds what
 * the guest's table maps: filled from the table (only its present entries
 * are visited) at ATTACH and BIND, refilled over the range by INVALIDATE
 * before it returns, which so needs the caching-mode contract
 * (IOASID_ALLOC_CACHING_MODE) of every user-managed node at or above the
 * device's. An entry that cannot be shadowed (a reserved bit, a table the
 * parent does not map, ...) leaves its range unmapped and is counted as a
 * fault of the device (DEVICE_INFO out_faults and out_last_fault_*); the
 * fill, and INVALIDATE, go on. Translations are mapped with what an
 * unprivileged request without PASID may do; with a format's A/D updates,
 * filling sets A, and D where the device may write, as walks for such
 * requests would. The device's reserved regions (the
 * MSI window, RMRRs) and the IOVAs outside its aperture become reserved
 * ranges of the node while it is attached (IOVA_RANGES shows them). An
 * IOMMU may grant a PCI device more than a mapping's IOASID_MAP_* bits
 * say: VT-d's driver (6.1, 6.12) makes every entry it writes readable, so
 * a write-only mapping is readable by the device too.
 * Devices of one IOMMU group share its translation: they attach to the
 * same node. When DETACH returns, the group's DMA is blocked (no device
 * may reach the node's pages).
 *
 * A node of a PASID-table kind (enum ioasid_format) takes a software
 * endpoint without a PASID, and that attachment serves the device's DMA
 * with every PASID, each looked up in the guest's table; so the device
 * has no attachment with a PASID beside it. DETACH and REPLACE of it drop
 * what was cached for every PASID, and cancel the device's outstanding
 * page requests.
 *
 * Return: 0, or
 * ENOENT: no such device or node; (DETACH, REPLACE) nothing attached there;
 * EINVAL: a PASID for a device without PASID support or wider than its
 * pasid_bits, or @pasid without IOASID_ATTACH_PASID; (DETACH) non-zero
 * @node_id; (PCI) a user-managed node at or above @node_id without
 * IOASID_ALLOC_CACHING_MODE; a PASID-table node with a PASID;
 * EBUSY: (ATTACH without REPLACE) already attached there; (PCI) another
 * device of its IOMMU group is attached to another node; a PASID when the
 * device's attachment without PASID is to a PASID-table node; a
 * PASID-table node (without PASID) when the device has an attachment
 * with a PASID;
 * EDQUOT: (ATTACH without REPLACE) the context's out_max_attachments is
 * reached;
 * EOPNOTSUPP: (PCI) a PASID or REPLACE where DEVICE_INFO out_caps lacks
 * it; (PCI) a PASID-table node;
 * EADDRINUSE: (PCI) a mapping of the node lies in a reserved region of the
 * device or outside its aperture;
 * ENODEV: (PCI) the device is IOASID_DEVICE_GONE;
 * ENOMEM; (PCI) an error of the IOMMU driver attaching the group.
 */
struct ioasid_attach {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 node_id;
	__u32 pasid;
	__u32 __reserved;
};

#define IOASID_ATTACH _IO(IOASID_TYPE, IOASID_CMD_ATTACH)
#define IOASID_DETACH _IO(IOASID_TYPE, IOASID_CMD_DETACH)

/**
 * enum ioasid_dma_flags - flags of DMA and TRANSLATE
 * @IOASID_DMA_PASID: the access carries @pasid
 * @IOASID_DMA_WRITE: the device writes memory (DMA: from @buffer to the
 *	IOVA; TRANSLATE: write access is asked for, and the pages are marked
 *	dirty); without it, the device reads memory (DMA: from the IOVA into
 *	@buffer)
 * @IOASID_DMA_EXEC: the read is an instruction fetch (not with WRITE:
 *	EINVAL)
 * @IOASID_DMA_PRIV: the request is privileged (supervisor)
 * @IOASID_DMA_NOWAIT: (DMA) when the transfer raises a page request,
 *	return at once with EAGAIN and the request's group in @out_group,
 *	instead of waiting for the response
 * @IOASID_DMA_RETRY: (DMA) this call continues one that stopped at the
 *	page request @group (EAGAIN or EINTR): it first takes that group's
 *	response, then transfers; give it the @iova, @length and @buffer of
 *	what is left (the earlier call's + @out_done)
 */
enum ioasid_dma_flags {
	IOASID_DMA_PASID = 1 << 0,
	IOASID_DMA_WRITE = 1 << 1,
	IOASID_DMA_EXEC = 1 << 2,
	IOASID_DMA_PRIV = 1 << 3,
	IOASID_DMA_NOWAIT = 1 << 4,
	IOASID_DMA_RETRY = 1 << 5,
};

/**
 * struct ioasid_dma - ioctl(IOASID_DMA)
 * @size: sizeof(struct ioasid_dma)
 * @flags: enum ioasid_dma_flags
 * @dev_id: the device that does the DMA
 * @pasid: with IOASID_DMA_PASID, its PASID
 * @iova: the device address where the transfer starts
 * @length: bytes to transfer
 * @buffer: the caller's buffer, the other end of the transfer
 * @out_done: bytes transferred, written back also on failure
 * @group: with IOASID_DMA_RETRY, the page request group being retried;
 *	0 otherwise
 * @out_group: the page request group the transfer stopped at (EAGAIN,
 *	EINTR while waiting), 0 otherwise; written back with @out_done
 *
 * The device transfers @length bytes at @iova, across any number of
 * mappings and pages, with the permissions of every level it translates
 * through. A translation failure stops the transfer at the failing byte:
 * @out_done says where, and a fault is recorded for the device (PASID,
 * address, access, reason), to be delivered by the fault queue.
 * Concurrent UNMAP: each chunk either completes before the unmap returns
 * or fails after it; nothing reaches a page after its unmap returned.
 * @buffer's pages are faulted in with no lock of the context held, so one
 * that takes long to arrive (userfaultfd) holds up no UNMAP; faulting in
 * writes nothing, and nothing past @out_done is written at either end.
 *
 * Return: 0, or
 * ENOENT: no such device;
 * EINVAL: zero @length, a PASID the device cannot issue, or EXEC with
 * WRITE;
 * EIO: a translation fault (not attached, not mapped, not permitted, or
 * past the last IOVA 2^64 - 1) at @iova + @out_done;
 * EFAULT: @buffer is not the caller's memory (at @buffer + @out_done), or
 * a page of it faulted in but could still not be accessed, twice;
 * EINTR: a fatal signal arrived; or, waiting for a page response, any
 * signal (the request stays pending: retry with IOASID_DMA_RETRY and
 * @out_group); ENOMEM.
 *
 * Page requests: a device created with IOASID_DEVICE_PRI whose transfer
 * stops at a user-managed node for the guest's table (not present, or
 * not permitting the access: IOASID_FAULT_RECORD_GUEST, at a level of
 * the page table; not a PASID-table entry's refusal, level 0, nor
 * PASID_NOT_PRESENT or PASID_ENTRY) raises a page request there instead
 * of a fault, when the node routes its faults to a
 * fault queue (struct ioasid_fault_record). The call then waits, killably
 * and interruptibly, for the response (or, with IOASID_DMA_NOWAIT, stops
 * with EAGAIN). On SUCCESS the transfer walks the table again from that
 * address and goes on; a second miss at the same page after SUCCESS is a
 * fault (EIO). The other outcomes end the transfer at the page, @out_done
 * exact:
 * EIO: answered INVALID (by the queue's reader, or by the module: a node
 * with IOASID_ALLOC_PRI_AUTO_INVALID, the device's pending bound, a full
 * or closed queue, DETACH, REPLACE or DESTROY of the node);
 * ENXIO: answered FAILURE;
 * ETIMEDOUT: not answered within the queue's timeout (the module answered
 * INVALID);
 * EAGAIN: (NOWAIT, or RETRY of a group still pending) the request is
 * pending: @out_group says which;
 * ESTALE: (RETRY) @group is not a request of this device and PASID, or
 * its outcome is no longer known (more than 4096 groups of the queue were
 * answered since);
 * EINVAL: NOWAIT or RETRY with @size too small for @group and
 * @out_group, or a non-zero @group without RETRY. (RETRY with NOWAIT does
 * not wait for a request the retried transfer raises.)
 */
struct ioasid_dma {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pasid;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 buffer;
	__aligned_u64 out_done;
	__u32 group;
	__u32 out_group;
};

#define IOASID_DMA _IO(IOASID_TYPE, IOASID_CMD_DMA)

/**
 * struct ioasid_translate - ioctl(IOASID_TRANSLATE)
 * @size: sizeof(struct ioasid_translate)
 * @flags: enum ioasid_dma_flags
 * @dev_id: the device
 * @pasid: with IOASID_DMA_PASID, its PASID
 * @iova: the device address to translate
 * @out_uaddr: where the byte at @iova lives: an address in the process
 *	that mapped the memory into the root (for a VMM, its own), valid as
 *	long as that process keeps the memory where it was when it mapped it
 * @out_length: bytes from @iova on that stay valid and contiguous at
 *	@out_uaddr with the same permissions
 * @out_prot: enum ioasid_access bits: what requests of the asked privilege
 *	may do over @out_length, composed over every level (READ and WRITE
 *	are IOASID_MAP_READ and IOASID_MAP_WRITE); PRIV set when the range is
 *	closed to unprivileged requests
 * @__reserved: must be 0
 * @out_generation: the device's generation (see struct
 *	ioasid_device_info) when this result was made. The range stays in the
 *	device's IOTLB; when an UNMAP (or DETACH) invalidates it, the
 *	generation moves on before that ioctl returns.
 *
 * What vhost's IOTLB gives a backend: a VMM emulating a DMA-capable device
 * asks where the device's IOVA leads and accesses the memory itself. A
 * TRANSLATE with IOASID_DMA_WRITE marks the range dirty where tracking is
 * on, once the answer is written back (EFAULT marks nothing). A
 * translation failure records a fault, as DMA does.
 *
 * Return: 0, or
 * ENOENT: no such device;
 * EINVAL: a PASID the device cannot issue, or EXEC with WRITE;
 * EIO: @iova does not translate (not attached, not mapped, or not
 * permitted for the access asked); ENOMEM.
 */
struct ioasid_translate {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pasid;
	__aligned_u64 iova;
	__aligned_u64 out_uaddr;
	__aligned_u64 out_length;
	__u32 out_prot;
	__u32 __reserved;
	__aligned_u64 out_generation;
};

#define IOASID_TRANSLATE _IO(IOASID_TYPE, IOASID_CMD_TRANSLATE)

/**
 * enum ioasid_dirty_flags - flags of DIRTY_TRACKING and DIRTY_BITMAP
 * @IOASID_DIRTY_ENABLE: (DIRTY_TRACKING) switch tracking on; without it, off
 *	(which forgets what was recorded)
 * @IOASID_DIRTY_NO_CLEAR: (DIRTY_BITMAP) report without clearing
 */
enum ioasid_dirty_flags {
	IOASID_DIRTY_ENABLE = 1 << 0,
	IOASID_DIRTY_NO_CLEAR = 1 << 1,
};

/**
 * struct ioasid_dirty_tracking - ioctl(IOASID_DIRTY_TRACKING)
 * @size: sizeof(struct ioasid_dirty_tracking)
 * @flags: enum ioasid_dirty_flags: IOASID_DIRTY_ENABLE or 0
 * @id: a kernel-managed node
 * @__reserved: must be 0
 *
 * While tracking is on, every page of the node's IOVA space that a device
 * writes through it (DMA, or TRANSLATE for writing) is recorded as dirty,
 * whether the write went through the node directly or through a node below.
 * Switching it on drops the IOTLB entries through the node, so TRANSLATE
 * results taken earlier go stale: the generation of every device that had
 * one moves. The records outlive UNMAP of the pages they describe.
 *
 * Writes of PCI devices (IOASID_VFIO_ADOPT) go through an IOMMU whose dirty
 * bits are not tracked (DEVICE_INFO out_caps without IOASID_DEVICE_CAP_DIRTY):
 * a node that has had one attached at any time since tracking was switched
 * on reports every page it maps writably as dirty, on top of the records,
 * as VFIO type1 does.
 *
 * Return: 0, or ENOENT: no such node; EINVAL: a user-managed node.
 */
struct ioasid_dirty_tracking {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 __reserved;
};

#define IOASID_DIRTY_TRACKING _IO(IOASID_TYPE, IOASID_CMD_DIRTY_TRACKING)

/**
 * struct ioasid_dirty_bitmap - ioctl(IOASID_DIRTY_BITMAP)
 * @size: sizeof(struct ioasid_dirty_bitmap)
 * @flags: enum ioasid_dirty_flags: IOASID_DIRTY_NO_CLEAR or 0
 * @id: a kernel-managed node with tracking on
 * @__reserved: must be 0
 * @iova: start of the range, a multiple of @page_size
 * @length: bytes in the range, a multiple of @page_size
 * @page_size: the granularity: a power of two, at least the granule
 * @data: user pointer to the bitmap: bit n (of 64-bit words, little bit
 *	first) is set when any page in the n-th @page_size block of the range
 *	was written since tracking began or the last clearing read
 *
 * Reads, and unless IOASID_DIRTY_NO_CLEAR clears, the dirty state of a
 * range. The bitmap holds length / page_size bits rounded up to 64. A
 * clearing read drops the IOTLB entries through the range, so TRANSLATE
 * results kept for writing go stale (their device's generation moves) and
 * are asked for (and marked) again. A clearing read clears exactly what it
 * reported: a write during the call is reported now or by the next read.
 * Should the kernel fail to record a write for want of memory, the pages
 * from there to the end of that write, and every page between them and
 * other such pages, are reported dirty until clearing reads have covered
 * them. The bitmap is written with no lock of the node held, so one that
 * takes long to fault in holds up no DMA, MAP or UNMAP; a bitmap that
 * cannot be written fails the call with EFAULT (its contents then
 * unspecified) and clears nothing.
 *
 * Return: 0, or
 * ENOENT: no such node;
 * EINVAL: a user-managed node, tracking is off (or was switched off during
 * the call), misaligned values, zero @length, a @page_size that is not a
 * power of two or below the granule;
 * EOVERFLOW: the range would run past 2^64 - 1;
 * ENOMEM.
 */
struct ioasid_dirty_bitmap {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
};

#define IOASID_DIRTY_BITMAP _IO(IOASID_TYPE, IOASID_CMD_DIRTY_BITMAP)

/**
 * enum ioasid_bind_flags - per-bind parameters of BIND
 * @IOASID_BIND_X86_SRE: (x86-64) privileged requests are served (VT-d's
 *	supervisor-requests-enable); without it they fault
 * @IOASID_BIND_X86_WPE: (x86-64) privileged writes to read-only pages
 *	fault (write-protect-enable); without it they are allowed
 */
enum ioasid_bind_flags {
	IOASID_BIND_X86_SRE = 1 << 0,
	IOASID_BIND_X86_WPE = 1 << 1,
	IOASID_BIND_RISCV_SUM = 1 << 2,
};

/**
 * struct ioasid_bind - ioctl(IOASID_BIND) and ioctl(IOASID_UNBIND)
 * @size: sizeof(struct ioasid_bind)
 * @flags: BIND: enum ioasid_bind_flags that the node's format takes
 *	(FORMAT_INFO out_bind_flags); UNBIND: must be 0
 * @id: a user-managed node
 * @__reserved: must be 0
 * @root: BIND: the address of the top-level table in the parent's IOVA
 *	space, 4 KiB aligned (Arm64: aligned to the table's size; 0 with
 *	IOASID_ARM64_EPD0), below 2^phys_bits (Arm64: 2^oas_bits); UNBIND:
 *	must be 0
 * @root1: BIND of an IOASID_FORMAT_ARM64 node whose TTB1 half is enabled
 *	(no IOASID_ARM64_EPD1): TTB1, the top-level table of the upper half,
 *	with @root's rules; must be 0 otherwise, and for UNBIND
 * @entry: BIND of a PASID-table kind: the guest's raw entry that describes
 *	its PASID table (SMMUv3: STE dwords 0 and 1; AMD: DTE qwords 0 to 3;
 *	RISC-V: DC.tc, DC.ta, DC.fsc), words the kind does not use 0, as the
 *	kind's descriptor documents; @root and @root1 are then 0. Must be 0
 *	for the other formats and for UNBIND. Added after the first release:
 *	a 32-byte struct (up to @root1) still works, with @entry 0
 *
 * BIND makes the node translate through the table at @root. Nothing is
 * read at BIND: the table is read, through the parent, when a request
 * needs it. A BIND of a bound node replaces root and flags in one step
 * (a request sees the old table or the new one) and, before it returns,
 * drops every translation cached through the node. UNBIND unbinds, with
 * the same dropping; an unbound node translates nothing (DMA through it
 * faults with IOASID_FAULT_NOT_BOUND). DESTROY of a bound node unbinds it.
 *
 * Return: 0, or
 * ENOENT: no such node; (UNBIND) the node is not bound;
 * EINVAL: a node that is not user-managed, a misaligned or too wide
 * @root or @root1, a non-zero @root1 where the node's format has no TTB1
 * half; a non-zero @entry word for a page-table format; for a PASID-table
 * kind a non-zero @root or @root1, or an @entry the kind refuses (its
 * descriptor's BIND rules); (UNBIND) a non-zero @root, @root1 or @entry,
 * or a bind flag (UNBIND takes none);
 * EOPNOTSUPP: a bind flag the node's format does not take; (UNBIND) a bit
 * that is no bind flag at all.
 */
struct ioasid_bind {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 __reserved;
	__aligned_u64 root;
	__aligned_u64 root1;
	__aligned_u64 entry[4];
};

#define IOASID_BIND _IO(IOASID_TYPE, IOASID_CMD_BIND)
#define IOASID_UNBIND _IO(IOASID_TYPE, IOASID_CMD_UNBIND)

/**
 * enum ioasid_inv_scope - bits of &struct ioasid_inv_entry.scope
 * @IOASID_INV_SCOPE_PASID: only what was cached for requests with @pasid
 * @IOASID_INV_SCOPE_ADDR: only translations of inputs in [@addr, @addr +
 *	@size)
 *
 * No bit: everything cached through the node, for every PASID and for
 * requests without one.
 */
enum ioasid_inv_scope {
	IOASID_INV_SCOPE_PASID = 1 << 0,
	IOASID_INV_SCOPE_ADDR = 1 << 1,
};

/**
 * enum ioasid_inv_flags - bits of &struct ioasid_inv_entry.flags
 * @IOASID_INV_NO_PASID: only what was cached for requests without a PASID
 *	(not with IOASID_INV_SCOPE_PASID)
 * @IOASID_INV_LEAF: (with IOASID_INV_SCOPE_ADDR) only leaf entries of the
 *	table changed, a hint the module may ignore
 * @IOASID_INV_PASID_TABLE: (a PASID-table kind's node only; not with
 *	IOASID_INV_SCOPE_ADDR) an entry of the guest's PASID table changed (a
 *	CD, GCR3 entry or process context, or a directory entry above it):
 *	with IOASID_INV_SCOPE_PASID every translation cached for that PASID
 *	goes, else every one through the node (with IOASID_INV_NO_PASID,
 *	those of DMA without a PASID); the next walk reads the entry again.
 *	The guest's CMD_CFGI_CD, INVALIDATE_IOMMU_PAGES with its PASID, or
 *	IODIR.INVAL_PDT.
 */
enum ioasid_inv_flags {
	IOASID_INV_NO_PASID = 1 << 0,
	IOASID_INV_LEAF = 1 << 1,
	IOASID_INV_PASID_TABLE = 1 << 2,
};

/**
 * struct ioasid_inv_entry - one invalidation of struct ioasid_invalidate
 * @node_id: a user-managed node
 * @scope: enum ioasid_inv_scope
 * @flags: enum ioasid_inv_flags
 * @pasid: with IOASID_INV_SCOPE_PASID, the PASID; 0 otherwise
 * @addr: with IOASID_INV_SCOPE_ADDR, the first input address, a multiple
 *	of @granule; 0 otherwise
 * @size: with IOASID_INV_SCOPE_ADDR, the bytes, a non-zero multiple of
 *	@granule; 0 otherwise
 * @granule: with IOASID_INV_SCOPE_ADDR, a power of two from 4 KiB: the
 *	page size the guest invalidates by; 0 otherwise
 *
 * Drops what the node's caches hold of the scope: translations cached for
 * DMA and TRANSLATE of every device attached to the node or below it. The
 * module may drop more than the scope (it never drops less).
 */
struct ioasid_inv_entry {
	__u32 node_id;
	__u32 scope;
	__u32 flags;
	__u32 pasid;
	__aligned_u64 addr;
	__aligned_u64 size;
	__aligned_u64 granule;
};

/**
 * struct ioasid_invalidate - ioctl(IOASID_INVALIDATE)
 * @size: sizeof(struct ioasid_invalidate)
 * @flags: must be 0
 * @count: entries in the array
 * @entry_size: bytes from one entry to the next, at least the minimum
 *	size of struct ioasid_inv_entry; the kernel reads each entry with the
 *	rules of an ioctl's struct (a longer entry's tail must be zero)
 * @entries: user pointer to the array of struct ioasid_inv_entry
 * @out_done: entries applied, written back also on failure
 * @__reserved: must be 0
 *
 * Runs the entries in order and stops at the first that fails. On return
 * every entry before @out_done has taken effect for DMA, for TRANSLATE
 * (the generation of every device that had a dropped translation has
 * moved) and for every other cache. An entry never fails because of what
 * the node's tables hold or because nothing is cached. Where PCI devices
 * are attached at or below the node (shadow domains, struct
 * ioasid_attach), an entry that covers DMA without PASID (no PASID scope)
 * refills their domains over its range from the table before the next
 * entry runs; what cannot be shadowed is counted as the devices' faults.
 *
 * Return: 0, or
 * EFAULT: @out_done cannot be written (checked first: nothing runs);
 * E2BIG: @count above GET_INFO out_max_batch, @entry_size above 4096, or
 * an entry with a non-zero tail;
 * EINVAL: @entry_size too small; for the failing entry: a node that is
 * not user-managed, NO_PASID with SCOPE_PASID, a PASID of more than GET_INFO
 * out_max_pasid_bits bits, a field or a flag given without its scope
 * (@pasid without SCOPE_PASID; @addr, @size, @granule or LEAF without
 * SCOPE_ADDR), a misaligned or zero range or a bad @granule,
 * IOASID_INV_PASID_TABLE with SCOPE_ADDR or on a node that is not a
 * PASID-table kind;
 * EOVERFLOW: (the failing entry) the range would run past 2^64 - 1;
 * EOPNOTSUPP: (the failing entry) an unknown scope or flag bit;
 * ENOENT: (the failing entry) no such node.
 */
struct ioasid_invalidate {
	__u32 size;
	__u32 flags;
	__u32 count;
	__u32 entry_size;
	__aligned_u64 entries;
	__u32 out_done;
	__u32 __reserved;
};

#define IOASID_INVALIDATE _IO(IOASID_TYPE, IOASID_CMD_INVALIDATE)

/*
 * Fault queues.
 *
 * A fault queue is an object of the context (DESTROY removes it: EBUSY
 * while a node names it) with a file descriptor of its own. Nodes name the
 * queue their faults go to (ALLOC's @fault_queue_id, OPTION's
 * IOASID_OPTION_FAULT_QUEUE). A fault goes to the queue of the node where
 * the translation stopped; if that node names none, to the queue of the
 * node the device is attached to (for the request's PASID); a fault of a
 * device attached nowhere goes nowhere (DEVICE_INFO still counts it).
 *
 * What reaches a queue: the translation faults of software endpoints
 * (DMA and TRANSLATE), their page requests, and the ranges a PCI device's
 * shadow domain could not fill (struct ioasid_attach). Faults of PCI
 * devices' DMA are not: the IOMMU drivers of 6.1 and 6.12 here (VT-d,
 * virtio-iommu) only log them to the kernel log.
 *
 * read() returns whole records (struct ioasid_fault_record), as many as
 * fit, oldest first; a buffer too small for one fails with EINVAL. It
 * blocks while the queue is empty, unless the fd is O_NONBLOCK (EAGAIN).
 * poll() and epoll report EPOLLIN while records wait, EPOLLOUT always
 * (responses never block), EPOLLHUP once the queue was DESTROYed (read()
 * then returns what is left, then 0). write() takes page responses (struct
 * ioasid_page_response), consumed in order: it returns the bytes of the
 * responses it consumed, or, when the first one fails, its errno:
 * ENOENT: not a page request group this queue raised for that device
 * and PASID (or not yet raised);
 * EALREADY: the group was answered already, by a response;
 * ETIMEDOUT: the module answered it when its timeout expired;
 * ECANCELED: the module answered it otherwise: at once
 * (IOASID_FAULT_RECORD_ANSWERED), or at DETACH, REPLACE, DESTROY of the
 * node or of the device;
 * ESTALE: raised in this context but no longer known: answered, and more
 * than 4096 other groups of the queue were answered since (or a group of
 * another queue, forgotten there);
 * EINVAL: a count smaller than the first response's @size, or a @size
 * smaller than the struct as first shipped; EOPNOTSUPP: unknown @flags
 * or @code; E2BIG: a non-zero tail past the kernel's struct; EFAULT.
 *
 * Depth: a queue holds at most @depth unread records. When it is full a
 * new record is dropped and counted (FAULT_QUEUE_INFO out_overflow), and
 * a page request that cannot be delivered is answered INVALID by the
 * module at once. Every record raised takes the next sequence number,
 * delivered or not: a gap between two records' @seq is the number of
 * records dropped between them.
 *
 * Closing the fd (its last reference) answers every pending page request
 * INVALID; records for nodes that still name the queue are then dropped
 * and counted, and their page requests answered INVALID at once. The fd
 * holds the context: closing /dev/ioasid tears the context down only once
 * its fault queues' fds are closed too (as iommufd's fault fds do).
 */

/**
 * enum ioasid_fault_queue_flags - flags of FAULT_QUEUE_ALLOC
 * @IOASID_FAULT_QUEUE_CLOEXEC: the fd is close-on-exec (O_CLOEXEC)
 * @IOASID_FAULT_QUEUE_NONBLOCK: the fd is O_NONBLOCK
 * @IOASID_FAULT_QUEUE_TIMEOUT: @timeout_ms is the page response timeout;
 *	without it the module parameter pri_timeout_ms (10000) is
 */
enum ioasid_fault_queue_flags {
	IOASID_FAULT_QUEUE_CLOEXEC = 1 << 0,
	IOASID_FAULT_QUEUE_NONBLOCK = 1 << 1,
	IOASID_FAULT_QUEUE_TIMEOUT = 1 << 2,
};

/**
 * struct ioasid_fault_queue_alloc - ioctl(IOASID_FAULT_QUEUE_ALLOC)
 * @size: sizeof(struct ioasid_fault_queue_alloc)
 * @flags: enum ioasid_fault_queue_flags
 * @depth: the most unread records it holds, 1 to 65536, or 0 for 256
 * @timeout_ms: with IOASID_FAULT_QUEUE_TIMEOUT, how long page requests
 *	wait for a response before the module answers them INVALID, in ms
 *	(0: for ever; at most 3600000); 0 otherwise
 * @out_id: the queue's object id
 * @out_fd: its file descriptor
 *
 * Return: 0, or
 * EINVAL: @depth above 65536, @timeout_ms above 3600000 or given without
 * IOASID_FAULT_QUEUE_TIMEOUT;
 * EMFILE: the process has no free fd; ENOSPC: every id is in use; ENOMEM.
 */
struct ioasid_fault_queue_alloc {
	__u32 size;
	__u32 flags;
	__u32 depth;
	__u32 timeout_ms;
	__u32 out_id;
	__s32 out_fd;
};

#define IOASID_FAULT_QUEUE_ALLOC _IO(IOASID_TYPE, IOASID_CMD_FAULT_QUEUE_ALLOC)

/**
 * struct ioasid_fault_queue_info - ioctl(IOASID_FAULT_QUEUE_INFO)
 * @size: sizeof(struct ioasid_fault_queue_info)
 * @flags: must be 0
 * @queue_id: the queue
 * @out_depth: its depth
 * @out_timeout_ms: its page response timeout (0: none)
 * @out_queued: records waiting to be read
 * @out_pending: page request groups waiting for a response
 * @out_nodes: nodes that name it
 * @out_closed: 1 once its fd was closed, else 0
 * @__reserved: 0
 * @out_next_seq: the sequence number the next record gets (the first is 1)
 * @out_overflow: records dropped because the queue was full or closed
 * @out_timeouts: page requests the module answered at their timeout
 * @out_auto_responses: page requests the module answered for any reason
 *	(timeouts included)
 *
 * Return: 0, or ENOENT: no such fault queue.
 */
struct ioasid_fault_queue_info {
	__u32 size;
	__u32 flags;
	__u32 queue_id;
	__u32 out_depth;
	__u32 out_timeout_ms;
	__u32 out_queued;
	__u32 out_pending;
	__u32 out_nodes;
	__u32 out_closed;
	__u32 __reserved;
	__aligned_u64 out_next_seq;
	__aligned_u64 out_overflow;
	__aligned_u64 out_timeouts;
	__aligned_u64 out_auto_responses;
};

#define IOASID_FAULT_QUEUE_INFO _IO(IOASID_TYPE, IOASID_CMD_FAULT_QUEUE_INFO)

/**
 * enum ioasid_fault_record_type - what a record reports
 * @IOASID_FAULT_RECORD_FAULT: an unrecoverable translation fault
 * @IOASID_FAULT_RECORD_PAGE_REQUEST: a page request group, waiting for
 *	one struct ioasid_page_response unless IOASID_FAULT_RECORD_ANSWERED
 * @IOASID_FAULT_RECORD_TIMEOUT: the page request @group got no response
 *	within the queue's timeout; the module answered it INVALID. The
 *	record repeats the request's members (@time_ns is the timeout's).
 */
enum ioasid_fault_record_type {
	IOASID_FAULT_RECORD_FAULT = 1,
	IOASID_FAULT_RECORD_PAGE_REQUEST = 2,
	IOASID_FAULT_RECORD_TIMEOUT = 3,
};

/**
 * enum ioasid_fault_record_flags - bits of a record's @flags
 * @IOASID_FAULT_RECORD_PASID: the request carried @pasid
 * @IOASID_FAULT_RECORD_GUEST: the translation stopped in a user-managed
 *	node's own table (the guest's: reasons NOT_PRESENT, PERMISSION,
 *	RESERVED, NON_CANONICAL, PASID_NOT_PRESENT, PASID_ENTRY); clear when
 *	a kernel-managed level (the VMM's) or the module stopped it, reading
 *	table pages through the parent included (TABLE, AD_UPDATE)
 * @IOASID_FAULT_RECORD_ANSWERED: (PAGE_REQUEST) the module has answered
 *	it INVALID already (a node with IOASID_ALLOC_PRI_AUTO_INVALID, or the
 *	device's pending bound): no response is expected
 * @IOASID_FAULT_RECORD_PCI: a range the shadow domain of PCI devices
 *	could not fill (struct ioasid_attach): @dev_id is 0 (the domain
 *	serves every PCI device attached through the node), @addr is in the
 *	input addresses of @node_id, @access is READ
 */
enum ioasid_fault_record_flags {
	IOASID_FAULT_RECORD_PASID = 1 << 0,
	IOASID_FAULT_RECORD_GUEST = 1 << 1,
	IOASID_FAULT_RECORD_ANSWERED = 1 << 2,
	IOASID_FAULT_RECORD_PCI = 1 << 3,
};

/**
 * struct ioasid_fault_record - what read() of a fault queue returns
 * @size: the bytes of this record: the next one starts @size bytes
 *	further. Records only grow; a reader uses the members it knows.
 * @type: an enum ioasid_fault_record_type
 * @seq: the record's sequence number in its queue, from 1
 * @flags: enum ioasid_fault_record_flags
 * @dev_id: the device (0 with IOASID_FAULT_RECORD_PCI)
 * @pasid: with IOASID_FAULT_RECORD_PASID, the request's PASID
 * @node_id: the node where the translation stopped
 * @level: the level of @node_id's table where the walk stopped (x86-64:
 *	1 for the 4 KiB level up to 4 or 5), 0 for a kernel-managed node
 * @reason: an enum ioasid_fault_reason
 * @access: the request, enum ioasid_access bits (a page request asks for
 *	that access to the page)
 * @group: (PAGE_REQUEST, TIMEOUT) the page request group, unique in the
 *	queue, never 0; 0 for FAULT
 * @addr: the address, in the IOVAs of the node the device is attached to:
 *	where a DMA stopped, what TRANSLATE was asked; a page request's is
 *	page aligned
 * @time_ns: when it was raised, CLOCK_MONOTONIC
 */
struct ioasid_fault_record {
	__u32 size;
	__u32 type;
	__aligned_u64 seq;
	__u32 flags;
	__u32 dev_id;
	__u32 pasid;
	__u32 node_id;
	__u32 level;
	__u32 reason;
	__u32 access;
	__u32 group;
	__aligned_u64 addr;
	__aligned_u64 time_ns;
};

/**
 * enum ioasid_page_response_code - answers to a page request
 * @IOASID_PAGE_RESP_SUCCESS: the page is there now: the device retries
 * @IOASID_PAGE_RESP_INVALID: the request cannot be granted: the access
 *	fails (DMA: EIO)
 * @IOASID_PAGE_RESP_FAILURE: the device's page requests failed for good
 *	(PCIe Response Failure): the access fails (DMA: ENXIO)
 */
enum ioasid_page_response_code {
	IOASID_PAGE_RESP_SUCCESS = 0,
	IOASID_PAGE_RESP_INVALID = 1,
	IOASID_PAGE_RESP_FAILURE = 2,
};

/**
 * struct ioasid_page_response - what write() to a fault queue takes
 * @size: sizeof(struct ioasid_page_response)
 * @flags: IOASID_FAULT_RECORD_PASID when the request carried a PASID;
 *	no other bit
 * @dev_id: the record's @dev_id
 * @pasid: the record's @pasid (with IOASID_FAULT_RECORD_PASID)
 * @group: the record's @group
 * @code: an enum ioasid_page_response_code
 *
 * A response answers one pending group, once, and must name the device
 * and PASID that raised it. The errnos are listed with fault queues above.
 */
struct ioasid_page_response {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pasid;
	__u32 group;
	__u32 code;
};

/*
 * Real PCI devices, through VFIO.
 *
 * A VMM already drives an assigned PCI device through vfio-pci: config
 * space, BARs, interrupts, reset. The module ioasidfd_vfio registers an
 * IOMMU backend for VFIO containers whose type is IOASID_VFIO_IOMMU: the
 * VMM opens its VFIO group and a container as usual, adds the group
 * (VFIO_GROUP_SET_CONTAINER) and selects the type (VFIO_SET_IOMMU with
 * IOASID_VFIO_IOMMU; VFIO_CHECK_EXTENSION with it tells whether the
 * backend is loaded). IOASID_VFIO_ADOPT, an ioctl on the container fd,
 * then hands the container's devices to a /dev/ioasid context: each
 * appears there as a device object (DEVICE_INFO out_kind
 * IOASID_DEVICE_KIND_PCI) that ATTACHes and DETACHes like a software
 * endpoint (to kernel-managed nodes: see struct ioasid_attach). Everything
 * else about the device stays vfio-pci's.
 *
 * Until a device is attached, its group's DMA is blocked (VFIO claimed the
 * group's DMA ownership when the group joined the container). When the
 * group leaves the container (VFIO_GROUP_UNSET_CONTAINER, or its last fd
 * closed) or the container goes, its devices are detached and become
 * IOASID_DEVICE_GONE in the context; the PCI device can then be adopted
 * again, by the same or another context, through a container. Closing
 * the /dev/ioasid fd detaches the devices it holds; the container can
 * then be adopted by another context.
 *
 * The VMM's container ioctls of other backends (VFIO_IOMMU_MAP_DMA, ...)
 * fail with ENOTTY on such a container: DMA mappings are the context's.
 */

/*
 * The VFIO_SET_IOMMU and VFIO_CHECK_EXTENSION argument of the backend. VFIO
 * numbers its own IOMMU types and extensions from 1 upwards (VFIO_TYPE1_IOMMU
 * = 1 ... VFIO_UPDATE_VADDR = 10 in 6.12); this is "IOAS" in ASCII, far
 * outside that sequence, so it cannot collide with one VFIO adds.
 */
#define IOASID_VFIO_IOMMU	0x494f4153

/**
 * struct ioasid_vfio_device - one device of an adopted container
 * @dev_id: its device object's id in the context
 * @pci_id: its PCI address: segment << 16 | bus << 8 | devfn
 */
struct ioasid_vfio_device {
	__u32 dev_id;
	__u32 pci_id;
};

/**
 * struct ioasid_vfio_adopt - ioctl(IOASID_VFIO_ADOPT) on a VFIO container
 * @size: sizeof(struct ioasid_vfio_adopt)
 * @flags: must be 0
 * @ioasid_fd: an open /dev/ioasid: the context that gets the devices
 * @num_devices: in: entries at @devices; out: the container's devices
 * @devices: user pointer to an array of struct ioasid_vfio_device, filled
 *	in for every device of the container, in the order of its groups
 *
 * Adopting again into the same context (after another group joined the
 * container, say) gives the devices already there the ids they have and
 * the new ones new ids. Devices of the container stay in one context at a
 * time; a device whose object was destroyed is adopted anew.
 *
 * Return: 0, or (nothing adopted)
 * EBADF: @ioasid_fd is not an open file;
 * EINVAL: @ioasid_fd is not /dev/ioasid;
 * EBUSY: the container's devices are in another context, which is open;
 * EMSGSIZE: @num_devices is smaller than the container's devices; it is
 * set to their number (nothing else is written);
 * ENODEV: a device of the container is not a PCI device;
 * ENOSPC: the context's ids are used up; ENOMEM.
 */
struct ioasid_vfio_adopt {
	__u32 size;
	__u32 flags;
	__s32 ioasid_fd;
	__u32 num_devices;
	__aligned_u64 devices;
};

/*
 * ioctls on a VFIO container are numbered from 0x80, apart from those of
 * /dev/ioasid, in IOASID_TYPE (VFIO's own are in ';').
 */
#define IOASID_VFIO_ADOPT _IO(IOASID_TYPE, 0x80)

#endif
