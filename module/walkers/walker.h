/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Software page-table walkers: plain C, compiled into the module and into
 * the host's unit tests and fuzzers from the same files. Nothing here may
 * use a kernel API: a walker sees table memory only through struct
 * ioasid_pt_io, which the module implements by translating through the
 * parent node and the tests implement over a buffer.
 */
#ifndef IOASID_WALKER_H
#define IOASID_WALKER_H

#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/types.h>
#else
#include "walker_shim.h"	/* tests/include: u8, u32, u64, BIT() */
#endif

#include "../../uapi/linux/ioasid.h"

/*
 * What a walk grants, per privilege of the request (a cached translation
 * serves later requests of any kind, so it keeps both).
 */
#define IOASID_PT_UR	BIT(0)	/* unprivileged read */
#define IOASID_PT_UW	BIT(1)	/* unprivileged write */
#define IOASID_PT_UX	BIT(2)	/* unprivileged execute */
#define IOASID_PT_SR	BIT(3)	/* privileged read */
#define IOASID_PT_SW	BIT(4)	/* privileged write */
#define IOASID_PT_SX	BIT(5)	/* privileged execute */
#define IOASID_PT_ALL	0x3fU

/**
 * struct ioasid_pt_io - how a walker reaches table memory
 * @priv: the implementation's
 * @read: read the little-endian 8-byte entry at @addr (8-byte aligned) of
 *	the parent's space into *@val; 0, or an enum ioasid_fault_reason
 *	(IOASID_FAULT_TABLE: the parent does not let it be read;
 *	IOASID_FAULT_WALK_LIMIT)
 * @cmpxchg: atomically replace the entry at @addr with @new if it is
 *	still @old: 0 when replaced; -1 when it was not @old (*@cur then holds
 *	what is there); or an enum ioasid_fault_reason (IOASID_FAULT_AD_UPDATE:
 *	the parent does not let it be written)
 */
struct ioasid_pt_io {
	void *priv;
	int (*read)(void *priv, u64 addr, u64 *val);
	int (*cmpxchg)(void *priv, u64 addr, u64 old, u64 new, u64 *cur);
};

/**
 * struct ioasid_pt_result - what a walk found
 * @out: the parent address the input address translates to
 * @page_size: the size of the leaf: the translation is linear over the
 *	@page_size-aligned block around the input address
 * @perm: IOASID_PT_* the leaf grants now
 * @maybe: IOASID_PT_* a new walk could grant on top of @perm (writes to a
 *	leaf whose dirty bit is clear, when the walker sets it)
 * @fault_reason: 0, or an enum ioasid_fault_reason
 * @fault_level: the level where the walk stopped, counted as the uAPI
 *	does (enum ioasid_format): 1 for the table of the smallest pages
 */
struct ioasid_pt_result {
	u64 out;
	u64 page_size;
	u32 perm;
	u32 maybe;
	u8 fault_reason;
	u8 fault_level;
};

/* What struct ioasid_pt_leaf's @update says a walk would set. */
#define IOASID_PT_SET_A	BIT(0)	/* A, in an entry of the leaf's path */
#define IOASID_PT_SET_D	BIT(1)	/* D, in the leaf (a walk that writes) */

/**
 * struct ioasid_pt_leaf - one item of an iteration over a table
 * @first: the first input address it covers
 * @last: the last: the item is its leaf's range, or its fault's, clipped
 *	to the iteration's
 * @out: the parent address @first translates to; 0 for a fault
 * @page_size: the size of the leaf: the translation is linear over
 *	[@first, @last], which lies in one @page_size-aligned block; 0 for a
 *	fault
 * @perm: IOASID_PT_* a walk that does not write gets for any address of
 *	the item (struct ioasid_pt_result's @perm for such a walk), without
 *	setting any accessed or dirty bit
 * @maybe: IOASID_PT_* a walk that writes gets on top of @perm, by setting
 *	the leaf's dirty bit (struct ioasid_pt_result's @maybe), less what
 *	that write takes away (Arm64: SX of a page it makes writable by
 *	unprivileged requests)
 * @update: IOASID_PT_SET_* : the accessed and dirty bits a walk would set
 *	(only when the format sets them): SET_A when an entry of the path
 *	lacks its accessed bit, SET_D when the leaf is not yet dirty
 * @fault_reason: 0 for a translation; or the enum ioasid_fault_reason of
 *	every walk of an address in [@first, @last], whatever its request
 * @fault_level: 0 for a translation; or the level those walks report as
 *	@fault_level (x86-64: the level of the entry with the fault, or of
 *	the table that could not be read; 0 for an invalid configuration)
 */
struct ioasid_pt_leaf {
	u64 first;
	u64 last;
	u64 out;
	u64 page_size;
	u32 perm;
	u32 maybe;
	u8 update;
	u8 fault_reason;
	u8 fault_level;
};

/* The IOASID_PT_* grants a request (enum ioasid_access bits) needs: all of them. */
static inline u32 ioasid_pt_need(u32 access)
{
	bool priv = access & IOASID_ACCESS_PRIV;
	u32 need = 0;

	if (access & IOASID_ACCESS_READ)
		need |= priv ? IOASID_PT_SR : IOASID_PT_UR;
	if (access & IOASID_ACCESS_WRITE)
		need |= priv ? IOASID_PT_SW : IOASID_PT_UW;
	if (access & IOASID_ACCESS_EXEC)
		need |= priv ? IOASID_PT_SX : IOASID_PT_UX;
	return need;
}

/* Does a grant of IOASID_PT_* bits permit the request? */
static inline bool ioasid_pt_permits(u32 perm, u32 access)
{
	u32 need = ioasid_pt_need(access);

	return (perm & need) == need;
}

#endif
