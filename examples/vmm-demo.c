// SPDX-License-Identifier: GPL-2.0
/*
 * What a VMM does first with /dev/ioasid: make sure the module is there,
 * open a context and learn what it offers. Later steps (guest memory in a
 * kernel-managed root, a software device doing DMA through it, a guest page
 * table) arrive here as the module grows them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <libioasid.h>

int main(void)
{
	struct ioasid_handle *handle;
	struct ioasid_info info;
	int ret;

	ret = ioasid_module_load(NULL, 0);
	if (ret < 0) {
		fprintf(stderr, "vmm-demo: loading %s: %s\n", IOASID_MODULE_NAME,
			strerror(-ret));
		return 1;
	}
	printf("module %s %s\n", IOASID_MODULE_NAME,
	       ret ? "was already loaded" : "loaded");

	ret = ioasid_open(&handle, NULL, 0);
	if (ret) {
		fprintf(stderr, "vmm-demo: %s: %s\n", IOASID_DEVICE_PATH, strerror(-ret));
		return 1;
	}
	ret = ioasid_get_info(handle, &info);
	if (ret) {
		fprintf(stderr, "vmm-demo: GET_INFO: %s\n", strerror(-ret));
		ioasid_close(handle);
		return 1;
	}
	printf("context open on %s (fd %d)\n", IOASID_DEVICE_PATH, ioasid_fd(handle));
	printf("  capabilities   0x%" PRIx64 "\n", (uint64_t)info.out_capabilities);
	printf("  page sizes     0x%" PRIx64 "\n", (uint64_t)info.out_pgsize_bitmap);
	printf("  max depth      %u\n", info.out_max_depth);
	printf("  PASID bits     %u\n", info.out_max_pasid_bits);
	printf("  max batch      %u\n", info.out_max_batch);
	return ioasid_close(handle) ? 1 : 0;
}
