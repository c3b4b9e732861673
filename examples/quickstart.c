// SPDX-License-Identifier: GPL-2.0
/*
 * The smallest useful libioasid program, for a VMM author: guest RAM in a
 * kernel-managed root (GPA -> this process's memory), a vIOMMU domain as a
 * child of it (IOVA -> GPA), and an emulated device (a software endpoint)
 * that DMAs through the domain. Build: cc quickstart.c $(pkg-config --cflags
 * --libs libioasid). Needs /dev/ioasid (modprobe ioasidfd; group ioasid).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <libioasid.h>

#define GUEST_RAM	(2u << 20)	/* 2 MiB of "guest RAM" at GPA 0 */
#define GPA		0x1000ull	/* where the device's buffer is */
#define IOVA		0x80000000ull	/* the device's address for it */

#define TRY(call) do {							\
	int ret_ = (call);						\
	if (ret_ < 0) {							\
		fprintf(stderr, "quickstart: %s: %s\n", #call,		\
			strerror(-ret_));				\
		return 1;						\
	}								\
} while (0)

int main(void)
{
	static char msg[] = "written by the device through the vIOMMU";
	uint64_t gpa = 0, iova = IOVA, done;
	struct ioasid_handle *h;
	uint32_t root, domain, dev;
	char back[sizeof(msg)];
	uint8_t *ram;

	ram = mmap(NULL, GUEST_RAM, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		return perror("quickstart: mmap"), 1;

	/* A context; in it a root: GPA 0 .. 2 MiB -> ram, pinned here. */
	TRY(ioasid_open(&h, NULL, 0));
	TRY(ioasid_node_alloc(h, 0, IOASID_MODE_KERNEL_MANAGED, &root));
	TRY(ioasid_map(h, root, (uintptr_t)ram, GUEST_RAM, &gpa,
		       IOASID_MAP_READ | IOASID_MAP_WRITE | IOASID_MAP_FIXED_IOVA));

	/* The guest's vIOMMU maps IOVA -> GPA: a child of the root. */
	TRY(ioasid_node_alloc(h, root, IOASID_MODE_KERNEL_MANAGED, &domain));
	TRY(ioasid_map(h, domain, GPA, 4096, &iova,
		       IOASID_MAP_READ | IOASID_MAP_WRITE | IOASID_MAP_FIXED_IOVA));

	/* An emulated device behind the vIOMMU. */
	TRY(ioasid_device_create(h, 0, 0, &dev));
	TRY(ioasid_attach(h, dev, domain, 0, 0));

	/* The device writes to IOVA: it lands in guest RAM at GPA. */
	TRY(ioasid_dma(h, dev, IOASID_DMA_WRITE, 0, IOVA, msg, sizeof(msg), &done));
	printf("DMA write: %llu bytes; guest RAM at GPA 0x%llx: \"%s\"\n",
	       (unsigned long long)done, GPA, (char *)ram + GPA);

	/* And reads it back. */
	TRY(ioasid_dma(h, dev, 0, 0, IOVA, back, sizeof(back), &done));
	printf("DMA read:  \"%s\"\n", back);

	/* Once the vIOMMU unmaps it, the device's DMA there faults. */
	TRY(ioasid_unmap(h, domain, IOVA, 4096, NULL));
	if (ioasid_dma(h, dev, 0, 0, IOVA, back, 1, &done) != -EIO)
		return fprintf(stderr, "quickstart: DMA after UNMAP did not fail\n"), 1;
	printf("after UNMAP: DMA fails with EIO\n");

	/* Closing the context would do all of this too. */
	TRY(ioasid_detach(h, dev, 0, 0));
	TRY(ioasid_device_destroy(h, dev));
	TRY(ioasid_node_destroy(h, domain));
	TRY(ioasid_node_destroy(h, root));
	TRY(ioasid_close(h));
	if (memcmp(ram + GPA, msg, sizeof(msg)) || memcmp(back, msg, sizeof(msg)))
		return fprintf(stderr, "quickstart: data differs\n"), 1;
	printf("quickstart: OK\n");
	return 0;
}
