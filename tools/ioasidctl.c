// SPDX-License-Identifier: GPL-2.0
/*
 * ioasidctl: load and unload the ioasid module, show what /dev/ioasid offers,
 * bind PCI devices to vfio-pci and back.
 *
 * Exit status: 0 success, 1 the operation failed, 2 bad usage.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libioasid.h>

static const char *const usage_text =
	"usage: ioasidctl [-h] [-d DEVICE] COMMAND\n"
	"\n"
	"  -d DEVICE          the device node for info (default /dev/ioasid)\n"
	"\n"
	"commands:\n"
	"  load [MODULE.ko]   load the module (by name through modules.dep, or from a file)\n"
	"  unload             unload the module (fails while /dev/ioasid is open)\n"
	"  info               show capabilities and limits of /dev/ioasid\n"
	"  bind BDF           bind PCI device BDF (0000:00:04.0) to vfio-pci\n"
	"  unbind BDF         unbind it from vfio-pci, so a host driver can take it\n";

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

/* ------------------------------------------------------------------------ */
/* bind / unbind: a PCI device to vfio-pci and back, through sysfs */

#define PCI_DEVICES	"/sys/bus/pci/devices"
#define VFIO_PCI	"vfio-pci"

/*
 * A PCI address as sysfs names it, DDDD:BB:DD.F, into @out; BB:DD.F gets
 * segment 0000. -EINVAL for anything else.
 */
static int parse_bdf(const char *arg, char *out, size_t len)
{
	unsigned int seg = 0, bus, dev, fn;
	const char *p;
	int n = -1;

	for (p = arg; *p; p++)
		if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
			return -EINVAL;
	if (sscanf(arg, "%4x:%2x:%2x.%1x%n", &seg, &bus, &dev, &fn, &n) != 4 ||
	    (size_t)n != strlen(arg)) {
		seg = 0;
		n = -1;
		if (sscanf(arg, "%2x:%2x.%1x%n", &bus, &dev, &fn, &n) != 3 ||
		    (size_t)n != strlen(arg))
			return -EINVAL;
	}
	if (dev > 0x1f || fn > 7)
		return -EINVAL;
	snprintf(out, len, "%04x:%02x:%02x.%x", seg, bus, dev, fn);
	return 0;
}

static int write_sysfs(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	return (size_t)n == len ? 0 : -EIO;
}

/* The last component of the symlink @path into @out ("" and -errno if none). */
static int read_link_base(const char *path, char *out, size_t len)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	const char *base;

	out[0] = '\0';
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	memcpy(out, base, strlen(base) + 1);
	return 0;
}

/* The driver bound to @bdf ("" when none). */
static int pci_driver(const char *bdf, char *drv, size_t len)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver", bdf);
	ret = read_link_base(path, drv, len);
	return ret == -ENOENT ? 0 : ret;
}

/* modprobe @name (kmod's, which knows modules.dep); 0 if it exited 0. */
static int run_modprobe(const char *name)
{
	static const char *const paths[] = { "/sbin/modprobe", "/usr/sbin/modprobe" };
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid) {
		unsigned int i;

		for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
			execl(paths[i], "modprobe", name, (char *)NULL);
		execlp("modprobe", "modprobe", name, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -ENOENT;
}

/* Fail with "ioasidctl: CMD: BDF: message". */
static int __attribute__((format(printf, 3, 4)))
pci_fail(const char *cmd, const char *bdf, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ioasidctl: %s: %s: ", cmd, bdf);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* The device exists: 0, or 1 after the message. */
static int pci_exists(const char *cmd, const char *bdf)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PCI_DEVICES "/%s", bdf);
	if (access(path, F_OK))
		return pci_fail(cmd, bdf, "no such PCI device (no %s)", path);
	return 0;
}

static int cmd_bind(const char *arg)
{
	char bdf[32], path[PATH_MAX], drv[64], group[32];
	int ret;

	if (parse_bdf(arg, bdf, sizeof(bdf))) {
		pci_fail("bind", arg, "not a PCI address (DDDD:BB:DD.F)");
		return 2;
	}
	if (pci_exists("bind", bdf))
		return 1;
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/iommu_group", bdf);
	if (read_link_base(path, group, sizeof(group)))
		return pci_fail("bind", bdf,
				"no IOMMU group: no IOMMU translates its DMA (is one enabled, e.g. intel_iommu=on?), so VFIO cannot take it");
	ret = pci_driver(bdf, drv, sizeof(drv));
	if (ret)
		return pci_fail("bind", bdf, "reading its driver: %s", strerror(-ret));
	if (access("/sys/bus/pci/drivers/" VFIO_PCI, F_OK)) {
		ret = run_modprobe(VFIO_PCI);
		if (access("/sys/bus/pci/drivers/" VFIO_PCI, F_OK))
			return pci_fail("bind", bdf, "no %s driver (modprobe %s %s)",
					VFIO_PCI, VFIO_PCI,
					ret ? "failed" : "loaded nothing");
	}
	/* The standard way: override, unbind, probe. */
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override", bdf);
	ret = write_sysfs(path, VFIO_PCI);
	if (ret)
		return pci_fail("bind", bdf, "writing %s: %s", path, strerror(-ret));
	if (drv[0] && strcmp(drv, VFIO_PCI)) {
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver/unbind", bdf);
		ret = write_sysfs(path, bdf);
		if (ret)
			return pci_fail("bind", bdf, "unbinding from %s: %s", drv,
					strerror(-ret));
	}
	if (strcmp(drv, VFIO_PCI)) {
		ret = write_sysfs("/sys/bus/pci/drivers_probe", bdf);
		if (ret)
			return pci_fail("bind", bdf, "writing /sys/bus/pci/drivers_probe: %s",
					strerror(-ret));
	}
	ret = pci_driver(bdf, path, sizeof(path));
	if (ret || strcmp(path, VFIO_PCI))
		return pci_fail("bind", bdf, "%s did not take it (its driver is %s)",
				VFIO_PCI, path[0] ? path : "none");
	snprintf(path, sizeof(path), "/dev/vfio/%s", group);
	if (!strcmp(drv, VFIO_PCI))
		printf("%s: bound to %s (already)", bdf, VFIO_PCI);
	else
		printf("%s: bound to %s (was: %s)", bdf, VFIO_PCI,
		       drv[0] ? drv : "no driver");
	printf(", IOMMU group %s: %s%s\n", group, path,
	       access(path, F_OK) ? " (not there)" : "");
	return 0;
}

static int cmd_unbind(const char *arg)
{
	char bdf[32], path[PATH_MAX], drv[64];
	bool was_vfio;
	int ret;

	if (parse_bdf(arg, bdf, sizeof(bdf))) {
		pci_fail("unbind", arg, "not a PCI address (DDDD:BB:DD.F)");
		return 2;
	}
	if (pci_exists("unbind", bdf))
		return 1;
	ret = pci_driver(bdf, drv, sizeof(drv));
	if (ret)
		return pci_fail("unbind", bdf, "reading its driver: %s", strerror(-ret));
	if (drv[0] && strcmp(drv, VFIO_PCI))
		return pci_fail("unbind", bdf, "bound to %s, not %s: left alone",
				drv, VFIO_PCI);
	was_vfio = drv[0];
	if (was_vfio) {
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver/unbind", bdf);
		ret = write_sysfs(path, bdf);
		if (ret)
			return pci_fail("unbind", bdf, "unbinding from %s: %s", drv,
					strerror(-ret));
	}
	/* A newline clears the override. */
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override", bdf);
	ret = write_sysfs(path, "\n");
	if (ret)
		return pci_fail("unbind", bdf, "clearing %s: %s", path, strerror(-ret));
	ret = write_sysfs("/sys/bus/pci/drivers_probe", bdf);
	if (ret)
		return pci_fail("unbind", bdf, "writing /sys/bus/pci/drivers_probe: %s",
				strerror(-ret));
	ret = pci_driver(bdf, drv, sizeof(drv));
	if (ret)
		return pci_fail("unbind", bdf, "reading its driver: %s", strerror(-ret));
	if (!strcmp(drv, VFIO_PCI))
		return pci_fail("unbind", bdf, "%s took it again", VFIO_PCI);
	printf("%s: %s; %s%s\n", bdf,
	       was_vfio ? "unbound from " VFIO_PCI : "was bound to no driver",
	       drv[0] ? "now bound to " : "no driver took it", drv);
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
	if (!strcmp(cmd, "bind") && argc - optind == 1)
		return cmd_bind(argv[optind]);
	if (!strcmp(cmd, "unbind") && argc - optind == 1)
		return cmd_unbind(argv[optind]);
	return usage(stderr, 2);
}
