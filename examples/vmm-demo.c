// SPDX-License-Identifier: GPL-2.0
/*
 * What a VMM does with /dev/ioasid, step by step:
 *  1. make sure the module is there and open a context;
 *  2. back 64 MiB of "guest memory" with a kernel-managed root: GPA -> HVA,
 *     pinned and charged once;
 *  3. give an emulated vIOMMU domain a child node that maps guest IOVAs to
 *     GPAs (software nesting: nothing is pinned twice);
 *  4. populate many small mappings with one batch call;
 *  5. tear it all down and show that nothing stays pinned.
 * Devices doing DMA through these trees arrive with the software-endpoint
 * work.
 */
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

	if (check("UNMAP all", ioasid_unmap_all(h, viommu, &unmapped)))
		return 1;
	printf("domain unmapped: %" PRIu64 " KiB\n", unmapped >> 10);
	if (check("DESTROY domain", ioasid_node_destroy(h, viommu)) ||
	    check("DESTROY root", ioasid_node_destroy(h, root)))
		return 1;
	printf("nodes destroyed; guest RAM unpinned\n");
	return check("close", ioasid_close(h));
}
