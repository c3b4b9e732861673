// SPDX-License-Identifier: GPL-2.0
/*
 * ioasidctl: load and unload the ioasid module, show what /dev/ioasid offers.
 *
 * Exit status: 0 success, 1 the operation failed, 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libioasid.h>

static const char *const usage_text =
	"usage: ioasidctl [-h] [-d DEVICE] COMMAND\n"
	"\n"
	"  -d DEVICE          the device node for info (default /dev/ioasid)\n"
	"\n"
	"commands:\n"
	"  load [MODULE.ko]   load the module (by name through modules.dep, or from a file)\n"
	"  unload             unload the module (fails while /dev/ioasid is open)\n"
	"  info               show capabilities and limits of /dev/ioasid\n";

static int usage(FILE *f, int status)
{
	fputs(usage_text, f);
	return status;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "ioasidctl: %s: %s\n", what, strerror(-err));
	return 1;
}

static void print_pgsizes(uint64_t bitmap)
{
	static const char units[] = "BKMGTPE";
	unsigned int bit;

	for (bit = 0; bit < 64; bit++) {
		uint64_t size = 1ULL << bit;
		int u = 0;

		if (!(bitmap & size))
			continue;
		while (size >= 1024 && !(size % 1024)) {
			size /= 1024;
			u++;
		}
		printf(" %" PRIu64 "%c", size, units[u]);
	}
	printf("\n");
}

/* The page-table formats of user-managed nodes: each one FORMAT_INFO knows. */
static void print_formats(struct ioasid_handle *handle)
{
	static const char *const names[] = { [IOASID_FORMAT_X86_64] = "x86-64" };
	struct ioasid_format_info fi;
	unsigned int format, n;

	for (format = 1; format < sizeof(names) / sizeof(names[0]); format++) {
		if (ioasid_format_info(handle, format, &fi))
			continue;
		printf("format:          %s: levels", names[format]);
		for (n = 0; n < 64; n++)
			if (fi.out_levels_bitmap & (1ULL << n))
				printf(" %u", n);
		printf(", output %u-%u bits, leaves", fi.out_min_phys_bits,
		       fi.out_max_phys_bits);
		print_pgsizes(fi.out_pgsize_bitmap);
	}
}

static void print_module_version(void)
{
	char version[64] = "";
	FILE *f = fopen("/sys/module/" IOASID_MODULE_NAME "/version", "r");

	if (f) {
		if (!fgets(version, sizeof(version), f))
			version[0] = '\0';
		fclose(f);
	}
	version[strcspn(version, "\n")] = '\0';
	printf("module:          %s %s\n", IOASID_MODULE_NAME,
	       version[0] ? version : "(version unknown)");
}

/* Module-wide totals the module keeps in sysfs; -1 when absent. */
static long long read_total(const char *name)
{
	char path[128];
	long long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/misc/ioasid/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &val) != 1)
		val = -1;
	fclose(f);
	return val;
}

static void print_totals(void)
{
	static const char *const names[] = {
		"contexts", "nodes", "mappings", "pinned_bytes",
	};
	unsigned int i;

	printf("totals:         ");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		long long val = read_total(names[i]);

		if (val < 0)
			printf(" %s=?", names[i]);
		else
			printf(" %s=%lld", names[i], val);
	}
	printf("  (all contexts, this one included)\n");
}

static int cmd_info(const char *device)
{
	struct ioasid_handle *handle;
	struct ioasid_info info;
	int ret;

	ret = ioasid_open(&handle, device, 0);
	if (ret)
		return fail(device ? device : IOASID_DEVICE_PATH, ret);
	ret = ioasid_get_info(handle, &info);
	if (ret) {
		ioasid_close(handle);
		return fail("GET_INFO", ret);
	}

	print_module_version();
	printf("device:          %s\n", device ? device : IOASID_DEVICE_PATH);
	printf("capabilities:    0x%" PRIx64 "\n", (uint64_t)info.out_capabilities);
	printf("page sizes:     ");
	print_pgsizes(info.out_pgsize_bitmap);
	printf("max tree depth:  %u\n", info.out_max_depth);
	printf("max PASID bits:  %u\n", info.out_max_pasid_bits);
	printf("max batch:       %u\n", info.out_max_batch);
	/* A module older than these members leaves them 0. */
	if (info.out_max_child_mappings)
		printf("limits:          child_mappings=%" PRIu64 " iotlb_entries=%" PRIu64
		       " reservations=%u attachments=%u  (per context)\n",
		       (uint64_t)info.out_max_child_mappings,
		       (uint64_t)info.out_max_iotlb_entries,
		       info.out_max_reservations, info.out_max_attachments);
	if (info.out_capabilities & IOASID_CAP_USER_MANAGED)
		print_formats(handle);
	print_totals();
	ioasid_close(handle);
	return 0;
}

int main(int argc, char **argv)
{
	const char *device = NULL;
	const char *cmd;
	int opt, ret;

	while ((opt = getopt(argc, argv, "d:h")) != -1) {
		switch (opt) {
		case 'd':
			device = optarg;
			break;
		case 'h':
			return usage(stdout, 0);
		default:
			return usage(stderr, 2);
		}
	}
	if (optind >= argc)
		return usage(stderr, 2);
	cmd = argv[optind++];

	if (!strcmp(cmd, "load") && argc - optind <= 1) {
		ret = ioasid_module_load(argv[optind], 0);
		if (ret < 0)
			return fail("load", ret);
		printf("%s %s\n", IOASID_MODULE_NAME, ret ? "already loaded" : "loaded");
		return 0;
	}
	if (!strcmp(cmd, "unload") && argc == optind) {
		ret = ioasid_module_unload(0);
		if (ret < 0)
			return fail("unload", ret);
		printf("%s unloaded\n", IOASID_MODULE_NAME);
		return 0;
	}
	if (!strcmp(cmd, "info") && argc == optind)
		return cmd_info(device);
	return usage(stderr, 2);
}
