// SPDX-License-Identifier: GPL-2.0
/*
 * The walk rig's PASID-table kind nodes (ops_walk.c has the rig itself).
 *
 * A node of each PASID-table kind FORMAT_INFO reports, bound to a guest
 * entry (STE, DTE, DC) whose tables lie in the read-write part, and a
 * device of its own attached to it without a PASID. Its DMA and TRANSLATE
 * carry PASIDs or none, over the same scribbled memory: what the guest's
 * tables say is not predicted, only what holds for any (0 or EIO, the
 * fault count, the read-only part, the last fault's node, level and
 * reason) and, exactly, that a PASID at or past what the bound entry takes
 * faults with IOASID_FAULT_PASID_NOT_PRESENT at the kernel-doc's level,
 * nothing read.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kinds.h"
#include "ops.h"
#include "walk_rig.h"

static struct knode *wk_kpick(struct fz *f)
{
	return &W.kinds[rn(f, W.nkinds)];
}

/* The kind of a planted PASID-table path: tables in the read-write part. */
static uint64_t wk_kpage(struct fz *f)
{
	return rn(f, WK_RW_PAGES) * PG;
}

/*
 * Plant the path of the guest's PASID table for @pasid: each level's entry
 * pointing at a page of the memory, the last one a valid-looking entry
 * (CD, GCR3 entry, process context) whose stage-1 root is a page of the
 * memory, so that walks reach the scribbled stage-1 tables. Nothing is
 * predicted of it.
 */
static void wk_kplant(struct fz *f, struct knode *k, uint32_t pasid)
{
	uint64_t lim = WK_RW_PAGES * PG, at, next;
	const __u64 *e = k->entry;
	uint8_t *mem = W.mem;
	unsigned int lv;

	if (!k->bound)
		return;
	switch (k->fmt.format) {
	case IOASID_FORMAT_AMD_GCR3: {
		unsigned int glx = e[0] >> 56 & 3;

		at = (e[0] >> 58 & 7) << 12 | (e[1] >> 16 & 0xffff) << 15 |
		     (e[1] >> 43 & 0x1fffff) << 31;
		for (lv = glx + 1; lv >= 1; lv--) {
			uint64_t slot = at + 8 * ((pasid >> (9 * (lv - 1))) & 511), v;

			if (slot + 8 > lim)
				return;
			next = wk_kpage(f);
			v = next | 1;
			if (pct(f, 3))
				v |= 1ULL << (1 + rn(f, 11));		/* reserved */
			memcpy(mem + slot, &v, 8);
			at = next;
		}
		return;
	}
	case IOASID_FORMAT_RISCV_PDT: {
		unsigned int mode = e[2] >> 60, top = mode, shift[] = { 0, 0, 8, 17 };
		uint64_t ta, fsc, slot;
		static const uint32_t sv[] = { 8, 9, 10 };

		if (!mode)
			return;
		at = (e[2] & ((1ULL << 44) - 1)) << 12;
		for (lv = top; lv > 1; lv--) {
			unsigned int idx = (pasid >> shift[lv]) & (lv == 3 ? 7 : 511);
			uint64_t v;

			slot = at + 8 * idx;
			if (slot + 8 > lim)
				return;
			next = wk_kpage(f);
			v = (next >> 12) << 10 | 1;
			memcpy(mem + slot, &v, 8);
			at = next;
		}
		slot = at + 16 * (pasid & 255);
		if (slot + 16 > lim)
			return;
		ta = 1 | (pct(f, 60) ? 2 : 0) | (pct(f, 40) ? 4 : 0) |
		     (rnd(f) & 0xfffff000ULL);
		fsc = (wk_kpage(f) >> 12) | (uint64_t)(pct(f, 90) ? sv[rn(f, 3)] : 0) << 60;
		memcpy(mem + slot, &ta, 8);
		memcpy(mem + slot + 8, &fsc, 8);
		return;
	}
	case IOASID_FORMAT_SMMUV3_CD: {
		unsigned int fmt = e[0] >> 4 & 3, cdmax = e[0] >> 59 & 31, n;
		uint64_t cd[3], slot;

		if ((e[0] >> 1 & 7) != 5)
			return;
		if (!k->fmt.pasid_bits)
			cdmax = 0;
		if (fmt == 3 || !cdmax)
			fmt = 0;
		at = e[0] & 0x00ffffffffffffc0ULL;
		if (fmt) {
			uint64_t v;

			n = fmt == 1 ? 6 : 10;
			slot = at + 8 * (pasid >> n);
			if (slot + 8 > lim)
				return;
			next = fmt == 1 ? wk_kpage(f) : rn(f, lim >> 16) << 16;
			v = next | 1;
			memcpy(mem + slot, &v, 8);
			at = next + 64 * (pasid & ((1u << n) - 1));
		} else {
			at += 64 * (uint64_t)pasid;
		}
		if (at + 24 > lim)
			return;
		/* T0SZ, TG0 4 KiB, EPD1, V, IPS 48 bits, AA64, A, an ASID. */
		cd[0] = (16 + rn(f, 24)) | 1ULL << 30 | 1ULL << 31 | 5ULL << 32 |
			1ULL << 41 | 1ULL << 46 | (rnd(f) & 0xffff000000000000ULL);
		if (k->fmt.flags & IOASID_SMMUV3_CD_HA && pct(f, 50))
			cd[0] |= 1ULL << 43;
		if (pct(f, 5))
			cd[0] ^= 1ULL << rn(f, 64);
		cd[1] = wk_kpage(f);
		cd[2] = 0;
		memcpy(mem + at, cd, sizeof(cd));
		return;
	}
	}
}

/* A PASID for a request through @k: mostly small, at or past the width now and then. */
static uint32_t wk_kpasid(struct fz *f, const struct knode *k)
{
	unsigned int level, w = kind_entry_pasid_width(&k->fmt, k->entry, &level);
	unsigned int max = W.dev_pasid_bits;

	if (pct(f, 50))
		return rn(f, 16);
	if (pct(f, 50) && w < max)
		return (1u << w) + rn(f, (1u << max) - (1u << w));
	return rn(f, 1u << max);
}

/* DEVICE_INFO of @k's device after a request (@want: an exact reason, level). */
static bool wk_kcheck_info(struct fz *f, struct knode *k, bool faulted,
			   uint64_t addr, uint32_t flags, int want_reason,
			   unsigned int want_level)
{
	struct ioasid_device_info c = { .size = sizeof(c), .dev_id = k->dev };
	int rc = wk_ioctl(f, "DEVICE_INFO", IOASID_DEVICE_INFO, &c, sizeof(c));
	uint32_t acc = wk_access(flags);

	if (rc || c.out_faults != k->faults) {
		fz_fail(f, "walk rig: DEVICE_INFO of the %s device: %s, %llu faults, the "
			"rig counted %llu", kind_name(k->fmt.format), fz_errname(rc),
			(unsigned long long)c.out_faults, (unsigned long long)k->faults);
		return false;
	}
	if (!faulted)
		return true;
	if (c.out_last_fault_addr != addr ||
	    (c.out_last_fault_access != acc &&
	     c.out_last_fault_access != (acc & ~IOASID_ACCESS_PRIV)) ||
	    (c.out_last_fault_node != k->id && c.out_last_fault_node != W.root) ||
	    !c.out_last_fault_reason || c.out_last_fault_reason == IOASID_FAULT_NOT_ATTACHED ||
	    c.out_last_fault_reason > IOASID_FAULT_PASID_ENTRY ||
	    c.out_last_fault_level > 5 ||
	    ((c.out_last_fault_reason == IOASID_FAULT_PASID_NOT_PRESENT ||
	      c.out_last_fault_reason == IOASID_FAULT_PASID_ENTRY) &&
	     (c.out_last_fault_node != k->id || c.out_last_fault_level > 3)) ||
	    (!k->bound && c.out_last_fault_reason != IOASID_FAULT_NOT_BOUND &&
	     c.out_last_fault_reason != IOASID_FAULT_PASID_NOT_PRESENT) ||
	    (want_reason && (c.out_last_fault_reason != (uint32_t)want_reason ||
			     c.out_last_fault_level != want_level ||
			     c.out_last_fault_node != k->id))) {
		fz_fail(f, "walk rig: %s node %u: last fault at 0x%llx access 0x%x node %u "
			"reason %s level %u; asked 0x%llx access 0x%x, %s; the rig says "
			"reason %s level %u (entry 0x%llx 0x%llx 0x%llx 0x%llx)",
			kind_name(k->fmt.format), k->id,
			(unsigned long long)c.out_last_fault_addr, c.out_last_fault_access,
			c.out_last_fault_node, fz_reason_name(c.out_last_fault_reason),
			c.out_last_fault_level, (unsigned long long)addr, acc,
			k->bound ? "bound" : "unbound",
			want_reason ? fz_reason_name(want_reason) : "any", want_level,
			(unsigned long long)k->entry[0], (unsigned long long)k->entry[1],
			(unsigned long long)k->entry[2], (unsigned long long)k->entry[3]);
		return false;
	}
	W.k_reason[c.out_last_fault_reason & 31]++;
	return true;
}

/* One DMA or TRANSLATE through @k, with a PASID or none. */
void wk_op_kind(struct fz *f)
{
	struct knode *k = wk_kpick(f);
	bool has_pasid = pct(f, 75), dma = pct(f, 60), wide = false, bypass = false;
	enum kind_rule rule = KIND_UNKNOWN;
	uint64_t mem = (uintptr_t)W.mem;
	uint32_t pasid = has_pasid ? wk_kpasid(f, k) : 0, flags = wk_req(f);
	uint64_t iova, len = 1 + rn(f, 256), room, i, done = 0;
	unsigned int level = 0;
	int rc;

	if (has_pasid && pct(f, 40))
		wk_kplant(f, k, pasid);
	iova = pct(f, 80) ? rn(f, WK_PAGES * PG) : pct(f, 50) ? rnd(f) & ((1ULL << 48) - 1) :
								 rnd(f);
	if (iova + len < iova)
		len = -iova;
	if (!len)
		return;
	if (k->bound)
		rule = kind_predict(&k->fmt, k->entry, has_pasid, pasid, &level);
	wide = rule == KIND_FAULT;
	/*
	 * Bypassed (unprivileged: the root grants no PRIV question): the
	 * root's mapping of the memory answers, IOVA = memory offset.
	 */
	bypass = rule == KIND_BYPASS && !(flags & IOASID_DMA_PRIV);
	if (!has_pasid)
		W.k_nopasid++;
	if (dma) {
		struct ioasid_dma c = { .size = sizeof(c), .dev_id = k->dev, .iova = iova,
					.length = len, .buffer = (uintptr_t)W.buf,
					.flags = flags & ~IOASID_DMA_EXEC, .pasid = pasid };

		if (has_pasid)
			c.flags |= IOASID_DMA_PASID;
		room = len + 64;
		wk_pattern(f, W.buf, room);
		memcpy(W.before, W.buf, room);
		rc = wk_ioctl(f, "DMA", IOASID_DMA, &c, sizeof(c));
		done = c.out_done;
		if ((rc && rc != EIO) || (!rc && done != len) || (rc == EIO && done >= len) ||
		    (wide && (rc != EIO || done))) {
			fz_fail(f, "walk rig: DMA of 0x%llx bytes at 0x%llx through %s node %u, "
				"PASID %s%u: %s, out_done 0x%llx%s", (unsigned long long)len,
				(unsigned long long)iova, kind_name(k->fmt.format), k->id,
				has_pasid ? "" : "none ", pasid, fz_errname(rc),
				(unsigned long long)done,
				wide ? " (a PASID the bound entry does not take: EIO, 0)" : "");
			return;
		}
		for (i = c.flags & IOASID_DMA_WRITE ? 0 : done; i < room; i++)
			if (W.buf[i] != W.before[i]) {
				fz_fail(f, "walk rig: DMA through %s node %u changed byte %llu "
					"of the buffer (out_done %llu)", kind_name(k->fmt.format),
					k->id, (unsigned long long)i, (unsigned long long)done);
				return;
			}
		flags = c.flags;
		if (bypass && iova + len <= (flags & IOASID_DMA_WRITE ? WK_RW_PAGES :
					     WK_PAGES) * PG &&
		    (rc || memcmp(W.mem + iova, W.buf, len))) {
			fz_fail(f, "walk rig: DMA %s of 0x%llx bytes at 0x%llx through %s node "
				"%u, PASID %s%u, bypassed by the bound entry (0x%llx 0x%llx "
				"0x%llx): %s, out_done 0x%llx%s", flags & IOASID_DMA_WRITE ?
				"write" : "read", (unsigned long long)len,
				(unsigned long long)iova, kind_name(k->fmt.format), k->id,
				has_pasid ? "" : "none ", pasid,
				(unsigned long long)k->entry[0], (unsigned long long)k->entry[1],
				(unsigned long long)k->entry[2], fz_errname(rc),
				(unsigned long long)done, rc ? "" : ", other bytes");
			return;
		}
		W.k_dma[k->fmt.format & 7][rc != 0]++;
		f->dma_bytes += done;
	} else {
		struct ioasid_translate c = { .size = sizeof(c), .dev_id = k->dev, .iova = iova,
					      .flags = flags, .pasid = pasid };
		uint64_t end = mem + WK_PAGES * PG;

		if (has_pasid)
			c.flags |= IOASID_DMA_PASID;
		rc = wk_ioctl(f, "TRANSLATE", IOASID_TRANSLATE, &c, sizeof(c));
		if ((rc && rc != EIO) || (wide && rc != EIO) ||
		    (!rc && (c.out_uaddr < mem || c.out_uaddr >= end || !c.out_length ||
			     c.out_length > end - c.out_uaddr ||
			     (c.out_uaddr - mem) % PG != iova % PG ||
			     (c.out_prot & IOASID_ACCESS_WRITE &&
			      c.out_uaddr + c.out_length > mem + WK_RW_PAGES * PG)))) {
			fz_fail(f, "walk rig: TRANSLATE of 0x%llx through %s node %u, PASID "
				"%s%u: %s, uaddr 0x%llx (memory 0x%llx) length 0x%llx prot 0x%x",
				(unsigned long long)iova, kind_name(k->fmt.format), k->id,
				has_pasid ? "" : "none ", pasid, fz_errname(rc),
				(unsigned long long)c.out_uaddr, (unsigned long long)mem,
				(unsigned long long)c.out_length, c.out_prot);
			return;
		}
		flags = c.flags;
		if (bypass && iova < (flags & IOASID_DMA_WRITE ? WK_RW_PAGES : WK_PAGES) * PG &&
		    (rc || c.out_uaddr != mem + iova)) {
			fz_fail(f, "walk rig: TRANSLATE of 0x%llx through %s node %u, PASID "
				"%s%u, bypassed by the bound entry (0x%llx 0x%llx 0x%llx): %s, "
				"uaddr offset 0x%llx", (unsigned long long)iova,
				kind_name(k->fmt.format), k->id, has_pasid ? "" : "none ", pasid,
				(unsigned long long)k->entry[0], (unsigned long long)k->entry[1],
				(unsigned long long)k->entry[2], fz_errname(rc),
				(unsigned long long)(c.out_uaddr - mem));
			return;
		}
		W.k_xlate[k->fmt.format & 7][rc != 0]++;
	}
	if (rc == EIO)
		k->faults++;
	if (!wk_check_ro(f) ||
	    !wk_kcheck_info(f, k, rc == EIO, iova + done, flags,
			    wide ? IOASID_FAULT_PASID_NOT_PRESENT : 0, level))
		return;
	W.k_wide[k->fmt.format & 7] += wide;
	W.k_bypass[k->fmt.format & 7] += bypass && !rc;
}

/*
 * BIND of a new entry (valid, or just not: the kernel-doc's answer, the
 * node unchanged on EINVAL), UNBIND now and then, and INVALIDATE with
 * IOASID_INV_PASID_TABLE (of one PASID, or all, or the no-PASID ones).
 */
void wk_op_kind_rebind(struct fz *f)
{
	struct knode *k = wk_kpick(f);
	struct ioasid_bind c = { .size = sizeof(c), .id = k->id };
	struct expect x;
	unsigned int r = rn(f, 100);
	int rc;

	if (r < 45) {
		struct ioasid_inv_entry e = { .node_id = k->id,
					      .flags = IOASID_INV_PASID_TABLE };
		struct ioasid_invalidate v = { .size = sizeof(v), .count = 1,
					       .entry_size = sizeof(e),
					       .entries = (uintptr_t)&e };

		if (pct(f, 50)) {
			e.scope = IOASID_INV_SCOPE_PASID;
			e.pasid = wk_kpasid(f, k);
		} else if (pct(f, 30)) {
			e.flags |= IOASID_INV_NO_PASID;
		}
		if (pct(f, 25))
			e.flags &= ~IOASID_INV_PASID_TABLE;	/* an ordinary one */
		rc = wk_ioctl(f, "INVALIDATE", IOASID_INVALIDATE, &v, sizeof(v));
		if (rc || v.out_done != 1)
			fz_fail(f, "walk rig: INVALIDATE PASID_TABLE of %s node %u (scope 0x%x "
				"flags 0x%x pasid %u): %s, out_done %u", kind_name(k->fmt.format),
				k->id, e.scope, e.flags, e.pasid, fz_errname(rc), v.out_done);
		return;
	}
	if (r < 55 && k->bound) {
		rc = wk_ioctl(f, "UNBIND", IOASID_UNBIND, &c, sizeof(c));
		if (rc)
			fz_fail(f, "walk rig: UNBIND of %s node %u: %s",
				kind_name(k->fmt.format), k->id, fz_errname(rc));
		k->bound = false;
		return;
	}
	kind_pick_entry(f, &k->fmt, WK_RW_PAGES * PG, pct(f, 30), c.entry);
	x = kind_check_entry(&k->fmt, c.entry);
	rc = wk_ioctl(f, "BIND", IOASID_BIND, &c, sizeof(c));
	if (!ex_has(&x, rc)) {
		fz_fail(f, "walk rig: BIND of %s node %u, entry 0x%llx 0x%llx 0x%llx 0x%llx: "
			"%s", kind_name(k->fmt.format), k->id,
			(unsigned long long)c.entry[0], (unsigned long long)c.entry[1],
			(unsigned long long)c.entry[2], (unsigned long long)c.entry[3],
			fz_errname(rc));
		return;
	}
	W.k_binds[rc != 0]++;
	if (rc)
		return;
	k->bound = true;
	memcpy(k->entry, c.entry, sizeof(k->entry));
}

/* An ioctl of the rig whose answer is one errno. */
static bool wk_kexpect(struct fz *f, const char *name, unsigned long req, void *arg,
		       size_t len, int want, const char *what)
{
	int rc = wk_ioctl(f, name, req, arg, len);

	if (rc == want)
		return true;
	fz_fail(f, "walk rig: %s %s: %s, the contract says %s", name, what,
		fz_errname(rc), fz_errname(want));
	return false;
}

/*
 * ATTACH's rules for kind nodes (PASID_ROUND.md), checked once a rig with
 * a throwaway device: a kind node with a PASID (EINVAL); a PASID to a
 * device whose no-PASID attachment is a kind node (EBUSY); a kind node
 * without a PASID to a device with PASID attachments (EBUSY); a child of a
 * kind node (EINVAL); DETACH and ATTACH again.
 */
static void wk_kind_rules(struct fz *f)
{
	struct knode *k = wk_kpick(f);
	struct ioasid_attach a = { .size = sizeof(a) };
	struct ioasid_alloc al = { .size = sizeof(al), .mode = IOASID_MODE_KERNEL_MANAGED,
				   .parent_id = k->id };
	struct ioasid_destroy d = { .size = sizeof(d) };
	uint32_t t, tp;
	int rc;

	a.dev_id = W.dev;
	a.node_id = k->id;
	a.flags = IOASID_ATTACH_PASID;
	a.pasid = (1u << WK_PASID_BITS) - 1;
	if (!wk_kexpect(f, "ATTACH", IOASID_ATTACH, &a, sizeof(a), EINVAL,
			"of a kind node with a PASID"))
		return;
	a.dev_id = k->dev;
	a.node_id = W.nodes[0].id;
	a.pasid = 1 + rn(f, 7);
	if (!wk_kexpect(f, "ATTACH", IOASID_ATTACH, &a, sizeof(a), EBUSY,
			"with a PASID, the no-PASID attachment a kind node"))
		return;
	rc = -ioasid_device_create(W.h, IOASID_DEVICE_PASID, WK_PASID_BITS, &t);
	if (rc) {
		fz_fail(f, "walk rig: DEVICE_CREATE: %s", fz_errname(rc));
		return;
	}
	a.dev_id = t;
	a.node_id = W.nodes[rn(f, W.nnodes)].id;
	tp = a.pasid;
	if (!wk_kexpect(f, "ATTACH", IOASID_ATTACH, &a, sizeof(a), 0,
			"with a PASID, of a fresh device"))
		return;
	a.node_id = k->id;
	a.flags = 0;
	a.pasid = 0;
	if (!wk_kexpect(f, "ATTACH", IOASID_ATTACH, &a, sizeof(a), EBUSY,
			"of a kind node to a device with PASID attachments"))
		return;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.dev_id = t;
	a.flags = IOASID_ATTACH_PASID;
	a.pasid = tp;
	d.id = t;
	if (!wk_kexpect(f, "DETACH", IOASID_DETACH, &a, sizeof(a), 0,
			"of the fresh device's PASID") ||
	    !wk_kexpect(f, "DESTROY", IOASID_DESTROY, &d, sizeof(d), 0,
			"of a detached device"))
		return;
	if (!wk_kexpect(f, "ALLOC", IOASID_ALLOC, &al, sizeof(al), EINVAL,
			"below a kind node"))
		return;
	/* DETACH of the kind attachment drops everything; ATTACH again. */
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.dev_id = k->dev;
	if (!wk_kexpect(f, "DETACH", IOASID_DETACH, &a, sizeof(a), 0,
			"of the kind node"))
		return;
	a.node_id = k->id;
	if (!wk_kexpect(f, "ATTACH", IOASID_ATTACH, &a, sizeof(a), 0,
			"of the kind node again"))
		return;
	W.k_rules++;
}

/* The rig's kind nodes: one of each kind FORMAT_INFO reports. */
bool wk_kind_setup(struct fz *f)
{
	struct ioasid_device_create d = { .size = sizeof(d), .flags = IOASID_DEVICE_PASID };
	uint32_t fmt;
	uint8_t desc[32];

	W.nkinds = 0;
	W.dev_pasid_bits = f->m.max_pasid_bits < 20 ? f->m.max_pasid_bits : 20;
	d.pasid_bits = W.dev_pasid_bits;
	for (fmt = IOASID_FORMAT_SMMUV3_CD; fmt <= IOASID_FORMAT_RISCV_PDT; fmt++) {
		struct knode *k = &W.kinds[W.nkinds];
		struct ioasid_alloc a = { .size = sizeof(a), .mode = IOASID_MODE_USER_MANAGED,
					  .parent_id = W.root, .format = (uintptr_t)desc,
					  .format_len = sizeof(desc) };
		struct ioasid_attach at = { .size = sizeof(at) };
		struct ioasid_bind b = { .size = sizeof(b) };
		int rc;

		if (!wk_has(fmt))
			continue;
		memset(k, 0, sizeof(*k));
		kind_valid_descriptor(f, fmt, desc, &k->fmt);
		if (pct(f, 50))
			a.flags = IOASID_ALLOC_CACHING_MODE;
		rc = wk_ioctl(f, "ALLOC", IOASID_ALLOC, &a, sizeof(a));
		if (rc) {
			fz_fail(f, "walk rig: ALLOC of %s (flags 0x%x pasid bits %u glx %u "
				"phys bits %u granules 0x%llx): %s", kind_name(fmt),
				k->fmt.flags, k->fmt.pasid_bits, k->fmt.max_glx,
				k->fmt.phys_bits, (unsigned long long)k->fmt.granules,
				fz_errname(rc));
			return false;
		}
		k->id = a.out_id;
		W.nkinds++;
		rc = wk_ioctl(f, "DEVICE_CREATE", IOASID_DEVICE_CREATE, &d, sizeof(d));
		if (rc) {
			fz_fail(f, "walk rig: DEVICE_CREATE: %s", fz_errname(rc));
			return false;
		}
		k->dev = d.out_id;
		at.dev_id = k->dev;
		at.node_id = k->id;
		if (!wk_kexpect(f, "ATTACH", IOASID_ATTACH, &at, sizeof(at), 0,
				"of a kind node without a PASID"))
			return false;
		b.id = k->id;
		kind_pick_entry(f, &k->fmt, WK_RW_PAGES * PG, false, b.entry);
		if (!wk_kexpect(f, "BIND", IOASID_BIND, &b, sizeof(b), 0,
				"of a valid entry"))
			return false;
		k->bound = true;
		memcpy(k->entry, b.entry, sizeof(k->entry));
	}
	if (W.nkinds && W.nnodes)
		wk_kind_rules(f);
	return true;
}
