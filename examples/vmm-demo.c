// SPDX-License-Identifier: GPL-2.0
/*
 * What a VMM does with /dev/ioasid, step by step:
 *  1. make sure the module is there and open a context;
 *  2. back 64 MiB of "guest memory" with a kernel-managed root: GPA -> HVA,
 *     pinned and charged once;
 *  3. give an emulated vIOMMU domain a child node that maps guest IOVAs to
 *     GPAs (software nesting: nothing is pinned twice);
 *  4. populate many small mappings with one batch call;
 *  5. emulate a DMA-capable device behind the vIOMMU: a software endpoint
 *     copies a buffer through the domain, and TRANSLATE tells the VMM where
 *     a device address lives in its own memory, like vhost's IOTLB;
 *  6. tear the vIOMMU domain down: the device's cached translations go
 *     with the unmap;
 *  7. a guest IOMMU with its own page tables: a user-managed node whose
 *     translation is an x86-64 page table that the guest built in its own
 *     memory. The module walks it in software and caches what it finds
 *     until the VMM, trapping the guest's invalidation, says INVALIDATE;
 *  8. a device that issues page requests (PCIe PRI) DMAs to an address the
 *     guest's table does not map yet: the DMA waits while the VMM reads the
 *     page request from a fault queue, maps the page in the guest's table
 *     and answers SUCCESS; then the DMA completes;
 *  9. destroy the root: nothing stays pinned.
 *
 * Every step checks that it behaved as described and the demo exits with
 * status 1 if one did not, so it doubles as a smoke test.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libioasid.h>

#define GUEST_MEM	(64ULL << 20)
#define PAGE		4096ULL

static int check(const char *what, int ret)
{
	if (ret < 0)
		fprintf(stderr, "vmm-demo: %s: %s\n", what, strerror(-ret));
	return ret < 0;
}

static void show_node(struct ioasid_handle *h, const char *name, uint32_t id)
{
	struct ioasid_node_info info;

	if (check("NODE_INFO", ioasid_node_info(h, id, &info)))
		return;
	printf("  %-6s id %u depth %u parent %u: %" PRIu64 " mappings, %" PRIu64
	       " KiB mapped, %" PRIu64 " KiB pinned\n", name, id, info.out_depth,
	       info.out_parent_id, (uint64_t)info.out_num_mappings,
	       (uint64_t)info.out_mapped_bytes >> 10,
	       (uint64_t)info.out_pinned_bytes >> 10);
}

static void show_device(struct ioasid_handle *h, uint32_t dev)
{
	struct ioasid_device_info info;

	if (check("DEVICE_INFO", ioasid_device_info(h, dev, &info)))
		return;
	printf("  device %u: IOTLB %" PRIu64 " entries, %" PRIu64 " hits, %" PRIu64
	       " misses, %" PRIu64 " faults, generation %" PRIu64 "\n", dev,
	       (uint64_t)info.out_iotlb_entries, (uint64_t)info.out_iotlb_hits,
	       (uint64_t)info.out_iotlb_misses, (uint64_t)info.out_faults,
	       (uint64_t)info.out_generation);
}

/*
 * The guest asked its (emulated) device to copy 4 KiB from device address
 * 0x10000000 to 0x20000000. The VMM plays the device: it reads through the
 * vIOMMU domain into a bounce buffer and writes it back out.
 */
static int emulate_device(struct ioasid_handle *h, uint32_t viommu, uint8_t *guest)
{
	static const char msg[] = "hello from the guest, copied by a software endpoint";
	uint64_t dst = 0x20000000, done, gen;
	struct ioasid_translate t;
	uint8_t bounce[4096];
	uint32_t dev;

	memcpy(guest + 0x200000, msg, sizeof(msg));	/* GPA 0x200000 */
	if (check("MAP destination", ioasid_map(h, viommu, 0x400000, 1 << 20, &dst,
						 IOASID_MAP_READ | IOASID_MAP_WRITE |
						 IOASID_MAP_FIXED_IOVA)) ||
	    check("DEVICE_CREATE", ioasid_device_create(h, 0, 0, &dev)) ||
	    check("ATTACH", ioasid_attach(h, dev, viommu, 0, 0)) ||
	    check("DMA read", ioasid_dma(h, dev, 0, 0, 0x10000000, bounce,
					 sizeof(bounce), &done)) ||
	    check("DMA write", ioasid_dma(h, dev, IOASID_DMA_WRITE, 0, dst, bounce,
					  sizeof(bounce), &done)))
		return 1;
	printf("device %u copied %" PRIu64 " bytes: GPA 0x400000 now reads \"%s\"\n",
	       dev, done, (char *)guest + 0x400000);

	if (check("TRANSLATE", ioasid_translate(h, dev, 0, 0, dst + 6, &t)))
		return 1;
	printf("translate IOVA 0x%" PRIx64 ": HVA %p (guest RAM + 0x%" PRIx64
	       "), %" PRIu64 " bytes valid, %s\n", dst + 6,
	       (void *)(uintptr_t)t.out_uaddr,
	       (uint64_t)(t.out_uaddr - (uintptr_t)guest), (uint64_t)t.out_length,
	       t.out_prot & IOASID_MAP_WRITE ? "read-write" : "read-only");
	show_device(h, dev);

	/* The guest unmaps the destination: the VMM's translation goes stale. */
	gen = t.out_generation;
	if (check("UNMAP destination", ioasid_unmap(h, viommu, dst, 1 << 20, NULL)))
		return 1;
	show_device(h, dev);
	printf("generation %" PRIu64 " -> moved: the VMM drops what it translated;"
	       " DMA there now %s\n", gen,
	       ioasid_dma(h, dev, 0, 0, dst, bounce, 16, &done) == -EIO ?
	       "faults (EIO)" : "still works?!");
	return check("DETACH", ioasid_detach(h, dev, 0, 0)) ||
	       check("DESTROY device", ioasid_device_destroy(h, dev));
}

/*
 * 7. A guest IOMMU with its own page tables.
 *
 * An emulated IOMMU whose guest driver builds x86-64 page tables (VT-d's
 * first level, AMD's v2 tables) needs no shadowing: a user-managed node
 * takes the guest's table as it is, in guest memory, and the module walks
 * it through the parent (here the root, whose IOVAs are GPAs). Like a real
 * IOTLB, what the walk finds stays cached until the guest invalidates it,
 * which the VMM forwards as IOASID_INVALIDATE.
 *
 * libioasid has no wrappers for these ioctls yet: they are called directly
 * on the context's file descriptor.
 */
#define GPT_GPA		0x3000000ULL	/* the guest's four table pages, level 4 first */
#define PAGE_A_GPA	0x3100000ULL	/* data pages */
#define PAGE_B_GPA	0x3101000ULL
#define GUEST_IOVA	0x7f0012345000ULL /* what the guest's device is told to use */

/* x86-64 page-table entry bits */
#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_US		(1ULL << 2)
#define PTE_A		(1ULL << 5)
#define PTE_D		(1ULL << 6)
#define PTE_ADDR	0x000ffffffffff000ULL

static int raw_ioctl(struct ioasid_handle *h, unsigned long request, void *arg)
{
	return ioctl(ioasid_fd(h), request, arg) < 0 ? -errno : 0;
}

/* Print why the demo failed; returns 1 so callers can "return fail(...)". */
static int fail(const char *what)
{
	fprintf(stderr, "vmm-demo: FAILED: %s\n", what);
	return 1;
}

/* The guest's entry for @iova at @level (4: the top table, 1: the leaf). */
static uint64_t *guest_pte(uint8_t *guest, uint64_t iova, int level)
{
	uint64_t table = GPT_GPA + (uint64_t)(4 - level) * PAGE;
	unsigned int index = (iova >> (12 + 9 * (level - 1))) & 511;

	return (uint64_t *)(guest + table) + index;
}

/* The guest writes and reads its tables; the walker updates A and D atomically. */
static uint64_t pte_get(uint8_t *guest, int level)
{
	return __atomic_load_n(guest_pte(guest, GUEST_IOVA, level), __ATOMIC_SEQ_CST);
}

static void pte_set(uint8_t *guest, int level, uint64_t val)
{
	__atomic_store_n(guest_pte(guest, GUEST_IOVA, level), val, __ATOMIC_SEQ_CST);
}

static void show_ad(uint8_t *guest, const char *when)
{
	printf("  A/D bits in the guest's entries %s:", when);
	for (int level = 4; level >= 1; level--) {
		uint64_t pte = pte_get(guest, level);

		printf("  L%d %s%s", level, pte & PTE_A ? "A" : "-",
		       level == 1 ? (pte & PTE_D ? "D" : "-") : "");
	}
	printf("\n");
}

static uint64_t dev_misses(struct ioasid_handle *h, uint32_t dev)
{
	struct ioasid_device_info info;

	return ioasid_device_info(h, dev, &info) ? UINT64_MAX : info.out_iotlb_misses;
}

static int guest_iommu(struct ioasid_handle *h, uint32_t root, uint8_t *guest)
{
	static char msg[] = "written by the device through the guest's page table";
	static char msg_b[] = "page B: where the guest's new PTE points";
	struct ioasid_format_x86_64 fmt = {
		.hdr = { .size = sizeof(fmt), .format = IOASID_FORMAT_X86_64 },
		.flags = IOASID_X86_64_AD_UPDATE,
		.levels = 4,
		.phys_bits = 48,
	};
	struct ioasid_format_info finfo = {
		.size = sizeof(finfo), .format = IOASID_FORMAT_X86_64,
	};
	struct ioasid_alloc alloc = {
		.size = sizeof(alloc), .mode = IOASID_MODE_USER_MANAGED,
		.parent_id = root, .format = (uintptr_t)&fmt, .format_len = sizeof(fmt),
	};
	struct ioasid_inv_entry inv = {
		.scope = IOASID_INV_SCOPE_ADDR,
		.addr = GUEST_IOVA, .size = PAGE, .granule = PAGE,
	};
	struct ioasid_invalidate invalidate = {
		.size = sizeof(invalidate), .count = 1, .entry_size = sizeof(inv),
		.entries = (uintptr_t)&inv,
	};
	struct ioasid_bind bind = { .size = sizeof(bind), .root = GPT_GPA };
	struct ioasid_device_info dinfo;
	uint64_t done, misses, old;
	char buf[64];
	uint32_t node, dev;
	int ret;

	printf("\n-- a guest IOMMU with its own page tables --\n");
	if (check("FORMAT_INFO x86-64", raw_ioctl(h, IOASID_FORMAT_INFO, &finfo)))
		return 1;
	printf("the module walks x86-64 tables: levels bitmap 0x%" PRIx64 ", output %u-%u bits,"
	       " A/D update %s\n", (uint64_t)finfo.out_levels_bitmap,
	       finfo.out_min_phys_bits, finfo.out_max_phys_bits,
	       finfo.out_format_flags & IOASID_X86_64_AD_UPDATE ? "yes" : "no");

	/* The guest driver builds a 4-level table in guest RAM. */
	memset(guest + GPT_GPA, 0, 4 * PAGE);
	for (int level = 4; level > 1; level--)		/* each points to the next table */
		pte_set(guest, level, (GPT_GPA + (5 - level) * PAGE) | PTE_P | PTE_RW | PTE_US);
	pte_set(guest, 1, PAGE_A_GPA | PTE_P | PTE_RW | PTE_US);
	memset(guest + PAGE_A_GPA, 0, 2 * PAGE);
	memcpy(guest + PAGE_B_GPA + 0x10, msg_b, sizeof(msg_b));
	printf("guest page table: 4 levels at GPA 0x%llx..0x%llx, IOVA 0x%llx -> GPA 0x%llx"
	       " (page A)\n", GPT_GPA, GPT_GPA + 4 * PAGE - 1, GUEST_IOVA, PAGE_A_GPA);

	/* The guest points its IOMMU's context entry at the table: ALLOC + BIND. */
	ret = raw_ioctl(h, IOASID_ALLOC, &alloc);
	if (check("ALLOC user-managed node", ret))
		return 1;
	node = alloc.out_id;
	bind.id = node;
	if (check("BIND", raw_ioctl(h, IOASID_BIND, &bind)))
		return 1;
	printf("user-managed node %u (x86-64, 4 levels, 48-bit output, A/D update) under the"
	       " root, bound to GPA 0x%llx\n", node, GPT_GPA);

	/* The guest's device writes through its IOMMU: the walk finds page A. */
	if (check("DEVICE_CREATE", ioasid_device_create(h, 0, 0, &dev)) ||
	    check("ATTACH", ioasid_attach(h, dev, node, 0, 0)) ||
	    check("DMA write", ioasid_dma(h, dev, IOASID_DMA_WRITE, 0, GUEST_IOVA + 0x10,
					  msg, sizeof(msg), &done)))
		return 1;
	printf("1. device %u wrote to IOVA 0x%llx; guest RAM at GPA 0x%llx now reads:\n"
	       "   \"%s\"\n", dev, GUEST_IOVA + 0x10, PAGE_A_GPA + 0x10,
	       (char *)guest + PAGE_A_GPA + 0x10);
	if (memcmp(guest + PAGE_A_GPA + 0x10, msg, sizeof(msg)))
		return fail("the DMA write did not land in page A");
	show_ad(guest, "after the write");
	if ((pte_get(guest, 1) & (PTE_A | PTE_D)) != (PTE_A | PTE_D))
		return fail("the walker did not set A and D in the leaf it wrote through");

	/* The guest remaps the IOVA to page B but does not invalidate (yet). */
	old = pte_get(guest, 1);
	pte_set(guest, 1, PAGE_B_GPA | PTE_P | PTE_RW | PTE_US);
	misses = dev_misses(h, dev);
	memset(buf, 0, sizeof(buf));
	if (check("DMA read", ioasid_dma(h, dev, 0, 0, GUEST_IOVA + 0x10, buf,
					 sizeof(buf) - 1, &done)))
		return 1;
	printf("2. the guest changed its leaf PTE 0x%" PRIx64 " -> 0x%" PRIx64 " (page B)"
	       " without invalidating;\n   the device reads IOVA 0x%llx and gets \"%s\"\n"
	       "   -> the stale translation to page A, from the IOTLB (%s), as on hardware\n",
	       old, pte_get(guest, 1), GUEST_IOVA + 0x10, buf,
	       dev_misses(h, dev) == misses ? "no walk" : "walked?");
	if (strcmp(buf, msg))
		return fail("the device did not use the cached (stale) translation");

	/* The guest invalidates the IOVA; the VMM forwards it. */
	if (check("INVALIDATE", (inv.node_id = node, raw_ioctl(h, IOASID_INVALIDATE,
								 &invalidate))))
		return 1;
	memset(buf, 0, sizeof(buf));
	if (check("DMA read", ioasid_dma(h, dev, 0, 0, GUEST_IOVA + 0x10, buf,
					 sizeof(buf) - 1, &done)))
		return 1;
	printf("3. INVALIDATE of [0x%llx, +4 KiB) (%u entry applied); the device reads again"
	       " and gets\n   \"%s\" -> the new translation, walked afresh (misses %" PRIu64
	       " -> %" PRIu64 ")\n", GUEST_IOVA, invalidate.out_done, buf, misses,
	       dev_misses(h, dev));
	if (strcmp(buf, msg_b))
		return fail("after INVALIDATE the device did not use the new translation");

	/* A and D, as the guest sees them. */
	show_ad(guest, "after the read");
	if ((pte_get(guest, 1) & (PTE_A | PTE_D)) != PTE_A)
		return fail("after a read the leaf should have A set and D clear");
	if (check("DMA write", ioasid_dma(h, dev, IOASID_DMA_WRITE, 0, GUEST_IOVA, buf, 1,
					  &done)))
		return 1;
	show_ad(guest, "after a write");
	printf("4. the walker sets A in every entry it uses and D in a leaf it writes through,"
	       "\n   so the guest's dirty tracking of its own tables works\n");
	if (!(pte_get(guest, 1) & PTE_D))
		return fail("a write through a translation cached by a read did not set D");
	for (int level = 4; level > 1; level--)
		if (!(pte_get(guest, level) & PTE_A))
			return fail("an upper-level entry the walk used has no A bit");

	/* The guest disables translation: UNBIND drops everything cached. */
	if (check("UNBIND", (bind.root = 0, raw_ioctl(h, IOASID_UNBIND, &bind))))
		return 1;
	ret = ioasid_dma(h, dev, 0, 0, GUEST_IOVA + 0x10, buf, 16, &done);
	if (check("DEVICE_INFO", ioasid_device_info(h, dev, &dinfo)))
		return 1;
	printf("5. UNBIND: DMA through the node now %s (last fault: reason %u%s, address 0x%"
	       PRIx64 ", node %u)\n", ret == -EIO ? "faults (EIO)" : "still works?!",
	       dinfo.out_last_fault_reason,
	       dinfo.out_last_fault_reason == IOASID_FAULT_NOT_BOUND ? " = NOT_BOUND" : "",
	       (uint64_t)dinfo.out_last_fault_addr, dinfo.out_last_fault_node);
	if (ret != -EIO || dinfo.out_last_fault_reason != IOASID_FAULT_NOT_BOUND)
		return fail("DMA through an unbound node did not fault with NOT_BOUND");

	if (check("DETACH", ioasid_detach(h, dev, 0, 0)) ||
	    check("DESTROY device", ioasid_device_destroy(h, dev)) ||
	    check("DESTROY user-managed node", ioasid_node_destroy(h, node)))
		return 1;
	printf("device and user-managed node destroyed\n");
	return 0;
}

/*
 * 8. Page requests.
 *
 * A guest that hands its device addresses it has not mapped yet (shared
 * virtual memory, or a guest that maps lazily) relies on the device's page
 * requests: the IOMMU reports the miss, the guest maps the page and
 * answers, and the device retries. Here the device is a software endpoint
 * created with IOASID_DEVICE_PRI, its node routes its faults to a fault
 * queue, and the VMM's loop (ioasid_fault_service) plays the guest's
 * page-request handler.
 */
#define GPT2_GPA	0x3200000ULL	/* another 4-level table, level 4 first */
#define PAGE_C_GPA	0x3300000ULL	/* the page the handler maps */
#define PRI_IOVA	0x7f00abcde000ULL

/* The entry for @iova at @level of the table at @table. */
static uint64_t *table_pte(uint8_t *guest, uint64_t table, uint64_t iova, int level)
{
	unsigned int index = (iova >> (12 + 9 * (level - 1))) & 511;

	return (uint64_t *)(guest + table + (uint64_t)(4 - level) * PAGE) + index;
}

struct pri_dma {
	struct ioasid_handle *h;
	uint32_t dev;
	const char *msg;
	size_t len;
	uint64_t done;
	int ret;
	int finished;
};

/* The guest's device, on a thread of its own: its DMA waits for the answer. */
static void *pri_dma_thread(void *arg)
{
	struct pri_dma *d = arg;

	d->ret = ioasid_dma(d->h, d->dev, IOASID_DMA_WRITE, 0, PRI_IOVA + 0x20,
			    (void *)d->msg, d->len, &d->done);
	__atomic_store_n(&d->finished, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

struct pri_handler {
	uint8_t *guest;
	unsigned int requests;
};

/* The guest's page-request handler: map the page asked for, answer SUCCESS. */
static int on_fault_record(const struct ioasid_fault_record *rec, void *arg)
{
	struct pri_handler *ph = arg;

	if (rec->type != IOASID_FAULT_RECORD_PAGE_REQUEST) {
		printf("   record %" PRIu64 ": type %u (not a page request), address 0x%"
		       PRIx64 "\n", (uint64_t)rec->seq, rec->type, (uint64_t)rec->addr);
		return -1;
	}
	ph->requests++;
	printf("   page request (record %" PRIu64 ", group %u): device %u wants to %s"
	       " IOVA 0x%" PRIx64 ";\n   node %u, level %u: %s in the %s table\n",
	       (uint64_t)rec->seq, rec->group, rec->dev_id,
	       rec->access & IOASID_ACCESS_WRITE ? "write" : "read",
	       (uint64_t)rec->addr, rec->node_id, rec->level,
	       rec->reason == IOASID_FAULT_NOT_PRESENT ? "not present" : "refused",
	       rec->flags & IOASID_FAULT_RECORD_GUEST ? "guest's" : "VMM's");
	if (rec->addr != PRI_IOVA)
		return IOASID_PAGE_RESP_INVALID;
	/* Not present before: nothing was cached, no INVALIDATE is needed. */
	__atomic_store_n(table_pte(ph->guest, GPT2_GPA, rec->addr, 1),
			 PAGE_C_GPA | PTE_P | PTE_RW | PTE_US, __ATOMIC_SEQ_CST);
	printf("   the guest maps IOVA 0x%" PRIx64 " -> GPA 0x%llx (page C) and answers"
	       " SUCCESS\n", (uint64_t)rec->addr, PAGE_C_GPA);
	return IOASID_PAGE_RESP_SUCCESS;
}

static int page_requests(struct ioasid_handle *h, uint32_t root, uint8_t *guest)
{
	static const char msg[] = "written after the guest answered the page request";
	struct ioasid_format_x86_64 fmt = {
		.hdr = { .size = sizeof(fmt), .format = IOASID_FORMAT_X86_64 },
		.levels = 4,
		.phys_bits = 48,
	};
	struct ioasid_alloc alloc = {
		.size = sizeof(alloc), .mode = IOASID_MODE_USER_MANAGED,
		.parent_id = root, .format = (uintptr_t)&fmt, .format_len = sizeof(fmt),
	};
	struct pri_handler ph = { .guest = guest };
	struct pri_dma d = { .h = h, .msg = msg, .len = sizeof(msg) };
	struct ioasid_fault_queue_info qi;
	uint32_t queue, node, dev;
	pthread_t thread;
	int qfd, ret, handled = 0, waits = 0;

	printf("\n-- page requests: the guest maps on demand --\n");
	/* The fault queue: its own fd; unanswered requests time out after 10 s. */
	if (check("FAULT_QUEUE_ALLOC",
		  ioasid_fault_queue_alloc(h, IOASID_FAULT_QUEUE_CLOEXEC |
					   IOASID_FAULT_QUEUE_TIMEOUT, 0, 10000,
					   &queue, &qfd)))
		return 1;

	/* The guest's table maps nothing at PRI_IOVA yet: the leaf table is empty. */
	memset(guest + GPT2_GPA, 0, 4 * PAGE);
	memset(guest + PAGE_C_GPA, 0, PAGE);
	for (int level = 4; level > 1; level--)
		__atomic_store_n(table_pte(guest, GPT2_GPA, PRI_IOVA, level),
				 (GPT2_GPA + (uint64_t)(5 - level) * PAGE) |
				 PTE_P | PTE_RW | PTE_US, __ATOMIC_SEQ_CST);

	/* The node names the queue its faults and page requests go to. */
	alloc.fault_queue_id = queue;
	if (check("ALLOC user-managed node", ioasid_node_alloc_cmd(h, &alloc)))
		return 1;
	node = alloc.out_id;
	if (check("BIND", ioasid_bind(h, node, GPT2_GPA, 0)) ||
	    check("DEVICE_CREATE with PRI", ioasid_device_create_pri(h, 0, 0, 0, &dev)) ||
	    check("ATTACH", ioasid_attach(h, dev, node, 0, 0)))
		return 1;
	printf("fault queue %u (fd %d); user-managed node %u routes its faults there;\n"
	       "device %u issues page requests; IOVA 0x%llx is not mapped by the guest\n",
	       queue, qfd, node, dev, PRI_IOVA);

	d.dev = dev;
	if (pthread_create(&thread, NULL, pri_dma_thread, &d))
		return fail("pthread_create");
	printf("1. the device writes %zu bytes at IOVA 0x%llx: its DMA waits for an answer\n",
	       sizeof(msg), PRI_IOVA + 0x20);
	/* The VMM's fault loop: wait for records, hand each to the handler. */
	while (!__atomic_load_n(&d.finished, __ATOMIC_SEQ_CST) && waits < 30) {
		ret = ioasid_fault_service(qfd, on_fault_record, &ph, 1000);
		if (ret < 0) {
			check("ioasid_fault_service", ret);
			break;
		}
		handled += ret;
		waits += !ret;
	}
	pthread_join(thread, NULL);
	if (check("DMA after the page request", d.ret))
		return 1;
	printf("2. the DMA completed: %" PRIu64 " bytes; guest RAM at GPA 0x%llx reads:\n"
	       "   \"%s\"\n", d.done, PAGE_C_GPA + 0x20, (char *)guest + PAGE_C_GPA + 0x20);
	if (d.done != sizeof(msg) || memcmp(guest + PAGE_C_GPA + 0x20, msg, sizeof(msg)))
		return fail("the DMA did not land in the page the handler mapped");
	if (ph.requests != 1 || handled != 1)
		return fail("expected exactly one record, a page request");

	if (check("FAULT_QUEUE_INFO", ioasid_fault_queue_info(h, queue, &qi)))
		return 1;
	printf("3. queue %u: %u records waiting, %u requests pending, next sequence %"
	       PRIu64 ", %" PRIu64 " dropped, %" PRIu64 " answered by the module\n",
	       queue, qi.out_queued, qi.out_pending, (uint64_t)qi.out_next_seq,
	       (uint64_t)qi.out_overflow, (uint64_t)qi.out_auto_responses);
	if (qi.out_pending || qi.out_overflow || qi.out_auto_responses)
		return fail("the queue should have nothing pending, dropped or auto-answered");

	if (check("DETACH", ioasid_detach(h, dev, 0, 0)) ||
	    check("DESTROY device", ioasid_device_destroy(h, dev)) ||
	    check("DESTROY user-managed node", ioasid_node_destroy(h, node)) ||
	    check("DESTROY fault queue", ioasid_fault_queue_destroy(h, queue)))
		return 1;
	close(qfd);
	printf("device, node and fault queue destroyed\n");
	return 0;
}

int main(void)
{
	static struct ioasid_map batch[256];
	struct ioasid_handle *h;
	struct ioasid_info info;
	uint64_t gpa = 0, iova, unmapped;
	uint32_t root, viommu;
	unsigned int i, done;
	uint8_t *guest;
	int ret;

	ret = ioasid_module_load(NULL, 0);
	if (check("loading " IOASID_MODULE_NAME, ret))
		return 1;
	printf("module %s %s\n", IOASID_MODULE_NAME,
	       ret ? "was already loaded" : "loaded");
	if (check(IOASID_DEVICE_PATH, ioasid_open(&h, NULL, 0)) ||
	    check("GET_INFO", ioasid_get_info(h, &info)))
		return 1;
	printf("context open: capabilities 0x%" PRIx64 ", max depth %u, max batch %u\n",
	       (uint64_t)info.out_capabilities, info.out_max_depth,
	       info.out_max_batch);

	/* Guest RAM at GPA 0, backed by anonymous memory of this process. */
	guest = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (guest == MAP_FAILED) {
		perror("vmm-demo: mmap");
		return 1;
	}
	if (check("ALLOC root", ioasid_node_alloc(h, 0, IOASID_MODE_KERNEL_MANAGED,
						  &root)) ||
	    check("MAP guest RAM", ioasid_map(h, root, (uintptr_t)guest, GUEST_MEM,
					      &gpa, IOASID_MAP_READ |
					      IOASID_MAP_WRITE |
					      IOASID_MAP_FIXED_IOVA)))
		return 1;
	printf("guest RAM: %llu MiB at GPA 0x%" PRIx64 " (HVA %p)\n",
	       GUEST_MEM >> 20, gpa, (void *)guest);

	/* The guest programs its vIOMMU: IOVA 0x10000000 -> GPA 0x200000. */
	iova = 0x10000000;
	if (check("ALLOC vIOMMU domain",
		  ioasid_node_alloc(h, root, IOASID_MODE_KERNEL_MANAGED, &viommu)) ||
	    check("MAP in domain", ioasid_map(h, viommu, 0x200000, 1 << 20, &iova,
					      IOASID_MAP_READ |
					      IOASID_MAP_FIXED_IOVA)))
		return 1;
	printf("vIOMMU domain: IOVA 0x%" PRIx64 " -> GPA 0x200000, 1 MiB, read-only\n",
	       iova);

	/* A burst of 256 single-page guest mappings: one system call. */
	for (i = 0; i < 256; i++)
		batch[i] = (struct ioasid_map){
			.id = viommu,
			.flags = IOASID_MAP_READ | IOASID_MAP_WRITE,
			.addr = 0x1000000 + i * 2 * PAGE,
			.length = PAGE,
		};
	ret = ioasid_map_batch(h, batch, 256, &done);
	if (check("BATCH", ret))
		return 1;
	printf("batch: %u mappings in one call, kernel-chosen IOVAs 0x%" PRIx64
	       " .. 0x%" PRIx64 "\n", done, (uint64_t)batch[0].iova,
	       (uint64_t)batch[255].iova);
	show_node(h, "root", root);
	show_node(h, "domain", viommu);

	if (emulate_device(h, viommu, guest))
		return 1;

	if (check("UNMAP all", ioasid_unmap_all(h, viommu, &unmapped)))
		return 1;
	printf("domain unmapped: %" PRIu64 " KiB\n", unmapped >> 10);
	if (check("DESTROY domain", ioasid_node_destroy(h, viommu)))
		return 1;

	if (!(info.out_capabilities & IOASID_CAP_USER_MANAGED))
		return fail("this module has no user-managed nodes (IOASID_CAP_USER_MANAGED)");
	if (guest_iommu(h, root, guest))
		return 1;

	if (!(info.out_capabilities & IOASID_CAP_FAULT_QUEUE))
		return fail("this module has no fault queues (IOASID_CAP_FAULT_QUEUE)");
	if (page_requests(h, root, guest))
		return 1;

	if (check("DESTROY root", ioasid_node_destroy(h, root)))
		return 1;
	printf("nodes destroyed; guest RAM unpinned\n");
	return check("close", ioasid_close(h));
}
