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
 *  6. tear it all down: the device's cached translations go with the
 *     unmap, and nothing stays pinned.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

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
	if (check("DESTROY domain", ioasid_node_destroy(h, viommu)) ||
	    check("DESTROY root", ioasid_node_destroy(h, root)))
		return 1;
	printf("nodes destroyed; guest RAM unpinned\n");
	return check("close", ioasid_close(h));
}
