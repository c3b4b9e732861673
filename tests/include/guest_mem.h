/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's memory for the selftests that build guest tables (formats.c,
 * pasid_tables.c): GMEM bytes at IOVA GPA of a new kernel-managed root.
 * [0, TBL_BYTES) is zeroed and mapped one 4 KiB page per mapping, so that
 * a test can unmap one table page; [DATA_OFF, GMEM) is one mapping filled
 * with pat64(), a pattern no two 8-byte words share. The includer defines
 * GPA, GMEM, TBL_BYTES, DATA_OFF, PAGE, RW and FIXED first.
 */
#ifndef IOASID_TEST_GUEST_MEM_H
#define IOASID_TEST_GUEST_MEM_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "ioasid_test.h"

struct guest {
	struct ioasid_handle *h;
	uint32_t root;
	uint8_t *mem;
};

/* The data pattern: the 8-byte word at offset @off of guest memory. */
static inline uint64_t pat64(uint64_t off)
{
	return ((off >> 3) + 0x1234567) * 0x9e3779b97f4a7c15ULL;
}

static inline int guest_map(struct guest *g, uint64_t off, uint64_t len,
			    uint32_t prot)
{
	uint64_t iova = GPA + off;

	return ioasid_map(g->h, g->root, (uintptr_t)g->mem + off, len, &iova,
			  prot | FIXED);
}

static inline int guest_unmap(struct guest *g, uint64_t off, uint64_t len)
{
	uint64_t unmapped;

	return ioasid_unmap(g->h, g->root, GPA + off, len, &unmapped);
}

/* A root of @g->h, guest memory mapped into it. 0 or a negative errno. */
static inline int guest_setup(struct guest *g)
{
	struct ioasid_map maps[64];
	uint64_t off;
	unsigned int i, n, done;
	int rc;

	rc = ioasid_node_alloc(g->h, 0, IOASID_MODE_KERNEL_MANAGED, &g->root);
	if (rc)
		return rc;
	g->mem = ioasid_map_aligned(GMEM, 2ULL << 20);
	if (!g->mem)
		return -ENOMEM;
	memset(g->mem, 0, TBL_BYTES);
	for (off = DATA_OFF; off < GMEM; off += 8)
		*(uint64_t *)(g->mem + off) = pat64(off);
	for (off = 0; off < TBL_BYTES; off += n * PAGE) {
		for (n = 0; n < 64 && off + n * PAGE < TBL_BYTES; n++) {
			maps[n] = (struct ioasid_map){
				.size = sizeof(maps[n]), .flags = RW | FIXED,
				.id = g->root,
				.addr = (uintptr_t)g->mem + off + n * PAGE,
				.length = PAGE, .iova = GPA + off + n * PAGE,
			};
		}
		rc = ioasid_map_batch(g->h, maps, n, &done);
		if (rc) {
			/* A smaller out_max_batch: one by one. */
			for (i = done; i < n; i++) {
				rc = guest_map(g, off + i * PAGE, PAGE, RW);
				if (rc)
					return rc;
			}
		}
	}
	return guest_map(g, DATA_OFF, GMEM - DATA_OFF, RW);
}

#endif
