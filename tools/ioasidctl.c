// SPDX-License-Identifier: GPL-2.0
/*
 * ioasidctl: load and unload the ioasid module, show what /dev/ioasid offers,
 * what every open context holds (tree, from the module's debugfs view) and
 * the module's totals (stats), bind PCI devices to vfio-pci and back.
 *
 * Exit status (ioasidctl(8)): 0 success, 1 the operation failed, 2 bad
 * usage, 3 the module is not loaded or /dev/ioasid is missing, 4 permission
 * denied, 5 debugfs is not mounted. Every failure says on stderr what to do.
 * --json: the read commands (info, tree, stats) print one JSON document on
 * one line instead of text (tests/ctl/schema/ has their schemas).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libioasid.h>

#include "json_emit.h"

enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_NOT_LOADED = 3,
	EXIT_PERMISSION = 4,
	EXIT_NO_DEBUGFS = 5,
};

#define MODULE_DIR	"/sys/module/" IOASID_MODULE_NAME
#define TOTALS_DIR	"/sys/class/misc/ioasid"
#define DEBUGFS_DIR	"/sys/kernel/debug"
#define DEBUGFS_VIEW	DEBUGFS_DIR "/ioasid/contexts"
#ifndef DEBUGFS_MAGIC
#define DEBUGFS_MAGIC	0x64626720
#endif
/* The group the udev rule (packaging/udev/60-ioasid.rules) gives access. */
#define ACCESS_GROUP	"ioasid"
/* Mappings per node the text tree shows; --json shows them all. */
#define TREE_MAX_MAPS	16

static const char *const usage_text =
	"usage: ioasidctl [-h] [--json] [-d DEVICE] COMMAND\n"
	"\n"
	"  -d DEVICE          the device node for info (default /dev/ioasid)\n"
	"  --json             info, tree, stats: one JSON document instead of text\n"
	"\n"
	"commands:\n"
	"  load [MODULE.ko]   load the module (by name through modules.dep, or from a file)\n"
	"  unload             unload the module (fails while /dev/ioasid is open)\n"
	"  info               show capabilities and limits of /dev/ioasid\n"
	"  tree               show every open context: nodes, mappings, devices (root only)\n"
	"  stats              show the module's totals and parameters, and per context as root\n"
	"  bind BDF           bind PCI device BDF (0000:00:04.0) to vfio-pci\n"
	"  unbind BDF         unbind it from vfio-pci, so a host driver can take it\n"
	"\n"
	"exit status: 0 ok, 1 failed, 2 usage, 3 module not loaded or no device,\n"
	"4 permission denied, 5 debugfs not mounted\n";

static int usage(FILE *f, int status)
{
	fputs(usage_text, f);
	return status;
}

/* Print "ioasidctl: MESSAGE" on stderr unless @quiet; return @status. */
static int __attribute__((format(printf, 3, 4)))
failq(bool quiet, int status, const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return status;
	fputs("ioasidctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

#define failf(status, ...)	failq(false, status, __VA_ARGS__)

static int fail(const char *what, int err)
{
	return failf(EXIT_FAILED, "%s: %s", what, strerror(-err));
}

static bool module_loaded(void)
{
	return !access(MODULE_DIR, F_OK);
}

static int not_loaded(const char *cmd, bool quiet)
{
	return failq(quiet, EXIT_NOT_LOADED,
		     "%s: the %s module is not loaded; load it: ioasidctl load",
		     cmd, IOASID_MODULE_NAME);
}

/* What to say when the device @dev could not be opened with -@err. */
static int open_failed(const char *dev, int err)
{
	struct stat st;
	struct group *gr;

	if (err == -ENOENT || err == -ENODEV || err == -ENXIO) {
		if (!module_loaded())
			return failf(EXIT_NOT_LOADED,
				     "%s: no such device; load the module: ioasidctl load",
				     dev);
		return failf(EXIT_NOT_LOADED,
			     "%s: no such device, though the %s module is loaded; is devtmpfs mounted on /dev?",
			     dev, IOASID_MODULE_NAME);
	}
	if (err != -EACCES && err != -EPERM)
		return fail(dev, err);
	if (stat(dev, &st))
		return failf(EXIT_PERMISSION, "%s: permission denied", dev);
	gr = getgrgid(st.st_gid);
	if (st.st_gid && (st.st_mode & 060) == 060)
		return failf(EXIT_PERMISSION,
			     "%s: permission denied; it is for group %s (mode %04o): add your user to group %s (adduser $USER %s) and log in again",
			     dev, gr ? gr->gr_name : "?", st.st_mode & 07777,
			     gr ? gr->gr_name : "?", gr ? gr->gr_name : "?");
	return failf(EXIT_PERMISSION,
		     "%s: permission denied (owner %u:%s, mode %04o); install the udev rule 60-ioasid.rules (package ioasid-dkms), which gives group %s read-write access, or run as root",
		     dev, (unsigned int)st.st_uid, gr ? gr->gr_name : "?",
		     st.st_mode & 07777, ACCESS_GROUP);
}

/* A number from a sysfs file: 0, or -errno (-EINVAL if it holds none). */
static int read_sysfs_num(const char *path, long long *val)
{
	FILE *f = fopen(path, "r");
	int ret = 0;

	if (!f)
		return -errno;
	if (fscanf(f, "%lld", val) != 1)
		ret = ferror(f) ? -errno : -EINVAL;
	fclose(f);
	return ret;
}

/* The loaded module's version into @buf ("" when unknown). */
static void module_version(char *buf, size_t len)
{
	FILE *f = fopen(MODULE_DIR "/version", "r");

	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, len, f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
}

/* ------------------------------------------------------------------------ */
/* info */

static const char *const format_names[] = {
	[IOASID_FORMAT_X86_64] = "x86-64",
	[IOASID_FORMAT_ARM64] = "arm64",
	[IOASID_FORMAT_RISCV] = "riscv",
	[IOASID_FORMAT_AMD_V1] = "amd-v1",
	[IOASID_FORMAT_SMMUV3_CD] = "smmuv3-cd",
	[IOASID_FORMAT_AMD_GCR3] = "amd-gcr3",
	[IOASID_FORMAT_RISCV_PDT] = "riscv-pdt",
};
#define NR_FORMATS	(sizeof(format_names) / sizeof(format_names[0]))

static const char *const cap_names[] = {
	"kernel_managed", "batch", "sw_endpoint", "dirty_tracking",
	"user_managed", "pci_device", "fault_queue",
};

static const char *const total_names[] = {
	"contexts", "nodes", "mappings", "pinned_bytes",
};
#define NR_TOTALS	(sizeof(total_names) / sizeof(total_names[0]))

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

static void json_pgsizes(struct json_out *j, const char *key, uint64_t bitmap)
{
	unsigned int bit;

	json_arr_begin(j, key);
	for (bit = 0; bit < 64; bit++)
		if (bitmap & (1ULL << bit))
			json_u64(j, NULL, 1ULL << bit);
	json_arr_end(j);
}

/* The page-table formats of user-managed nodes: each one FORMAT_INFO knows. */
static void print_formats(struct ioasid_handle *handle, struct json_out *j)
{
	struct ioasid_format_info fi;
	unsigned int format, n;

	if (j)
		json_arr_begin(j, "formats");
	for (format = 1; format < NR_FORMATS; format++) {
		if (ioasid_format_info(handle, format, &fi))
			continue;
		if (j) {
			json_obj_begin(j, NULL);
			json_str(j, "name", format_names[format]);
			json_u64(j, "id", format);
			json_arr_begin(j, "levels");
			for (n = 0; n < 64; n++)
				if (fi.out_levels_bitmap & (1ULL << n))
					json_u64(j, NULL, n);
			json_arr_end(j);
			json_u64(j, "min_phys_bits", fi.out_min_phys_bits);
			json_u64(j, "max_phys_bits", fi.out_max_phys_bits);
			json_pgsizes(j, "page_sizes", fi.out_pgsize_bitmap);
			json_obj_end(j);
			continue;
		}
		printf("format:          %s: levels", format_names[format]);
		for (n = 0; n < 64; n++)
			if (fi.out_levels_bitmap & (1ULL << n))
				printf(" %u", n);
		printf(", output %u-%u bits, leaves", fi.out_min_phys_bits,
		       fi.out_max_phys_bits);
		print_pgsizes(fi.out_pgsize_bitmap);
	}
	if (j)
		json_arr_end(j);
}

/* Module-wide totals from sysfs; -1 where unreadable. */
static void read_totals(long long *vals, int *errs)
{
	char path[128];
	unsigned int i;

	for (i = 0; i < NR_TOTALS; i++) {
		snprintf(path, sizeof(path), TOTALS_DIR "/%s", total_names[i]);
		errs[i] = read_sysfs_num(path, &vals[i]);
		if (errs[i])
			vals[i] = -1;
	}
}

static void json_totals(struct json_out *j, const long long *vals)
{
	unsigned int i;

	json_obj_begin(j, "totals");
	for (i = 0; i < NR_TOTALS; i++)
		json_i64_or_null(j, total_names[i], vals[i]);
	json_obj_end(j);
}

static int cmd_info(const char *device, bool as_json)
{
	const char *dev = device ? device : IOASID_DEVICE_PATH;
	long long totals[NR_TOTALS];
	int errs[NR_TOTALS];
	struct ioasid_handle *handle;
	struct ioasid_info info;
	struct json_out jo, *j = NULL;
	char version[64];
	unsigned int i;
	int ret;

	ret = ioasid_open(&handle, device, 0);
	if (ret)
		return open_failed(dev, ret);
	ret = ioasid_get_info(handle, &info);
	if (ret) {
		ioasid_close(handle);
		return fail("GET_INFO", ret);
	}
	module_version(version, sizeof(version));
	read_totals(totals, errs);

	if (as_json) {
		j = &jo;
		json_init(j, stdout);
		json_obj_begin(j, NULL);
		json_obj_begin(j, "module");
		json_str(j, "name", IOASID_MODULE_NAME);
		json_str(j, "version", version[0] ? version : NULL);
		json_obj_end(j);
		json_str(j, "device", dev);
		json_u64(j, "capabilities", info.out_capabilities);
		json_arr_begin(j, "capability_names");
		for (i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
			if (info.out_capabilities & (1ULL << i))
				json_str(j, NULL, cap_names[i]);
		json_arr_end(j);
		json_pgsizes(j, "page_sizes", info.out_pgsize_bitmap);
		json_u64(j, "max_depth", info.out_max_depth);
		json_u64(j, "max_pasid_bits", info.out_max_pasid_bits);
		json_u64(j, "max_batch", info.out_max_batch);
		/* A module older than these members leaves them 0. */
		if (info.out_max_child_mappings) {
			json_obj_begin(j, "limits");
			json_u64(j, "child_mappings", info.out_max_child_mappings);
			json_u64(j, "iotlb_entries", info.out_max_iotlb_entries);
			json_u64(j, "reservations", info.out_max_reservations);
			json_u64(j, "attachments", info.out_max_attachments);
			json_obj_end(j);
		} else {
			json_null(j, "limits");
		}
		if (info.out_capabilities & IOASID_CAP_USER_MANAGED) {
			print_formats(handle, j);
		} else {
			json_arr_begin(j, "formats");
			json_arr_end(j);
		}
		json_totals(j, totals);
		json_obj_end(j);
		ioasid_close(handle);
		return json_ok(j) ? EXIT_OK : failf(EXIT_FAILED, "info: JSON nesting");
	}

	printf("module:          %s %s\n", IOASID_MODULE_NAME,
	       version[0] ? version : "(version unknown)");
	printf("device:          %s\n", dev);
	printf("capabilities:    0x%" PRIx64 "\n", (uint64_t)info.out_capabilities);
	printf("page sizes:     ");
	print_pgsizes(info.out_pgsize_bitmap);
	printf("max tree depth:  %u\n", info.out_max_depth);
	printf("max PASID bits:  %u\n", info.out_max_pasid_bits);
	printf("max batch:       %u\n", info.out_max_batch);
	if (info.out_max_child_mappings)
		printf("limits:          child_mappings=%" PRIu64 " iotlb_entries=%" PRIu64
		       " reservations=%u attachments=%u  (per context)\n",
		       (uint64_t)info.out_max_child_mappings,
		       (uint64_t)info.out_max_iotlb_entries,
		       info.out_max_reservations, info.out_max_attachments);
	if (info.out_capabilities & IOASID_CAP_USER_MANAGED)
		print_formats(handle, NULL);
	printf("totals:         ");
	for (i = 0; i < NR_TOTALS; i++) {
		if (totals[i] < 0)
			printf(" %s=?", total_names[i]);
		else
			printf(" %s=%lld", total_names[i], totals[i]);
	}
	printf("  (all contexts, this one included)\n");
	ioasid_close(handle);
	return EXIT_OK;
}

/* ------------------------------------------------------------------------ */
/* The debugfs view (module/debugfs.c has its format) */

struct view_map {
	uint64_t iova, length, addr, pinned;
	char perm[4];
};

struct view_node {
	uint32_t id, parent, depth, children, attached;
	bool user, dirty_tracking, bound, caching_mode, has_user_fields;
	char format[16];
	uint64_t root, bind_flags, mappings, mapped_bytes, pinned_bytes;
	size_t map0, nmaps;		/* its map records in the context's maps */
	long first_child, next_sibling;	/* indexes in the context's nodes */
	bool shown;
};

struct view_att {
	uint32_t dev, node;
	int64_t pasid;			/* -1: none */
};

struct view_dev {
	uint32_t id, pasid_bits, attachments;
	bool pci, gone;
	char bdf[32];
	size_t att0, natts;		/* its att records in the context's atts */
};

struct view_ctx {
	uint64_t id;
	long long pid, uid;
	char comm[64];
	char account[16];
	struct view_node *nodes;
	size_t nnodes, capnodes;
	struct view_map *maps;
	size_t nmaps, capmaps;
	struct view_dev *devs;
	size_t ndevs, capdevs;
	struct view_att *atts;
	size_t natts, capatts;
	bool complete;			/* its end record was read */
	uint64_t mappings, pinned_bytes;	/* over its nodes */
};

struct view {
	unsigned int version;
	struct view_ctx *ctxs;
	size_t nctxs, capctxs;
};

/* Room for one more element in a growable array; false without memory. */
static bool grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p;

	if (n < *cap)
		return true;
	p = realloc(*arr, ncap * size);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

#define PUSH(arr, n, cap)						\
	(grow((void **)&(arr), &(cap), (n), sizeof(*(arr))) ?		\
	 memset(&(arr)[(n)++], 0, sizeof(*(arr))) : NULL)

static void view_free(struct view *v)
{
	size_t i;

	for (i = 0; i < v->nctxs; i++) {
		free(v->ctxs[i].nodes);
		free(v->ctxs[i].maps);
		free(v->ctxs[i].devs);
		free(v->ctxs[i].atts);
	}
	free(v->ctxs);
	memset(v, 0, sizeof(*v));
}

/* The value of field @key among @ntok tokens "key=value", or NULL. */
static const char *field(char **toks, int ntok, const char *key)
{
	size_t n = strlen(key);
	int i;

	for (i = 1; i < ntok; i++)
		if (!strncmp(toks[i], key, n) && toks[i][n] == '=')
			return toks[i] + n + 1;
	return NULL;
}

static uint64_t field_u64(char **toks, int ntok, const char *key)
{
	const char *s = field(toks, ntok, key);

	return s ? strtoull(s, NULL, 0) : 0;
}

/* A comm with its \ooo escapes undone, into @out (NUL-terminated). */
static void unescape(const char *s, char *out, size_t len)
{
	size_t n = 0;

	while (*s && n + 1 < len) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			out[n++] = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
					  (s[3] - '0'));
			s += 4;
		} else {
			out[n++] = *s++;
		}
	}
	out[n] = '\0';
}

static void copy_field(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/* One record of the view into @v; records it does not know are skipped. */
static int view_line(struct view *v, char *line)
{
	struct view_ctx *c = v->nctxs ? &v->ctxs[v->nctxs - 1] : NULL;
	char *toks[32], *save = NULL, *t;
	struct view_node *node;
	struct view_map *map;
	struct view_dev *dev;
	struct view_att *att;
	const char *s;
	int n = 0;

	for (t = strtok_r(line, " ", &save); t && n < 32; t = strtok_r(NULL, " ", &save))
		toks[n++] = t;
	if (!n)
		return 0;
	if (!strcmp(toks[0], "version")) {
		v->version = n > 1 ? strtoul(toks[1], NULL, 10) : 0;
		return 0;
	}
	if (!strcmp(toks[0], "ctx")) {
		if (!PUSH(v->ctxs, v->nctxs, v->capctxs))
			return -ENOMEM;
		c = &v->ctxs[v->nctxs - 1];
		c->id = field_u64(toks, n, "id");
		s = field(toks, n, "pid");
		c->pid = s ? strtoll(s, NULL, 10) : -1;
		s = field(toks, n, "uid");
		c->uid = s ? strtoll(s, NULL, 10) : -1;
		s = field(toks, n, "comm");
		unescape(s ? s : "", c->comm, sizeof(c->comm));
		copy_field(c->account, sizeof(c->account), field(toks, n, "account"));
		return 0;
	}
	/* The rest belongs to the context before it. */
	if (!c || field_u64(toks, n, "ctx") != c->id)
		return 0;
	if (!strcmp(toks[0], "node")) {
		if (!PUSH(c->nodes, c->nnodes, c->capnodes))
			return -ENOMEM;
		node = &c->nodes[c->nnodes - 1];
		node->id = field_u64(toks, n, "id");
		node->parent = field_u64(toks, n, "parent");
		node->depth = field_u64(toks, n, "depth");
		node->children = field_u64(toks, n, "children");
		node->attached = field_u64(toks, n, "attached");
		s = field(toks, n, "mode");
		node->user = s && !strcmp(s, "user");
		node->dirty_tracking = field_u64(toks, n, "dirty_tracking");
		node->mappings = field_u64(toks, n, "mappings");
		node->mapped_bytes = field_u64(toks, n, "mapped_bytes");
		node->pinned_bytes = field_u64(toks, n, "pinned_bytes");
		s = field(toks, n, "format");
		node->has_user_fields = s;
		copy_field(node->format, sizeof(node->format), s);
		node->bound = field_u64(toks, n, "bound");
		node->root = field_u64(toks, n, "root");
		node->bind_flags = field_u64(toks, n, "bind_flags");
		node->caching_mode = field_u64(toks, n, "caching_mode");
		node->map0 = c->nmaps;
		node->first_child = node->next_sibling = -1;
		c->mappings += node->mappings;
		c->pinned_bytes += node->pinned_bytes;
		return 0;
	}
	if (!strcmp(toks[0], "map")) {
		node = c->nnodes ? &c->nodes[c->nnodes - 1] : NULL;
		if (!node || field_u64(toks, n, "node") != node->id)
			return 0;
		if (!PUSH(c->maps, c->nmaps, c->capmaps))
			return -ENOMEM;
		map = &c->maps[c->nmaps - 1];
		map->iova = field_u64(toks, n, "iova");
		map->length = field_u64(toks, n, "length");
		map->addr = field_u64(toks, n, "addr");
		map->pinned = field_u64(toks, n, "pinned_bytes");
		copy_field(map->perm, sizeof(map->perm), field(toks, n, "perm"));
		node->nmaps++;
		return 0;
	}
	if (!strcmp(toks[0], "dev")) {
		if (!PUSH(c->devs, c->ndevs, c->capdevs))
			return -ENOMEM;
		dev = &c->devs[c->ndevs - 1];
		dev->id = field_u64(toks, n, "id");
		s = field(toks, n, "kind");
		dev->pci = s && !strcmp(s, "pci");
		dev->pasid_bits = field_u64(toks, n, "pasid_bits");
		dev->attachments = field_u64(toks, n, "attachments");
		copy_field(dev->bdf, sizeof(dev->bdf), field(toks, n, "bdf"));
		s = field(toks, n, "state");
		dev->gone = s && !strcmp(s, "gone");
		dev->att0 = c->natts;
		return 0;
	}
	if (!strcmp(toks[0], "att")) {
		dev = c->ndevs ? &c->devs[c->ndevs - 1] : NULL;
		if (!dev || field_u64(toks, n, "dev") != dev->id)
			return 0;
		if (!PUSH(c->atts, c->natts, c->capatts))
			return -ENOMEM;
		att = &c->atts[c->natts - 1];
		att->dev = dev->id;
		att->node = field_u64(toks, n, "node");
		s = field(toks, n, "pasid");
		att->pasid = !s || !strcmp(s, "none") ? -1 : (int64_t)strtoull(s, NULL, 10);
		dev->natts++;
		return 0;
	}
	if (!strcmp(toks[0], "end"))
		c->complete = true;
	return 0;
}

/* Index of node @id in @c (its nodes come by ascending id), or -1. */
static long find_node(const struct view_ctx *c, uint32_t id)
{
	size_t lo = 0, hi = c->nnodes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->nodes[mid].id == id)
			return mid;
		if (c->nodes[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static const struct view_dev *find_dev(const struct view_ctx *c, uint32_t id)
{
	size_t i;

	for (i = 0; i < c->ndevs; i++)
		if (c->devs[i].id == id)
			return &c->devs[i];
	return NULL;
}

/* Children lists, in id order. */
static void view_link(struct view_ctx *c)
{
	long i, p, *last;

	last = calloc(c->nnodes ? c->nnodes : 1, sizeof(*last));
	for (i = 0; i < (long)c->nnodes; i++) {
		if (!c->nodes[i].parent)
			continue;
		p = find_node(c, c->nodes[i].parent);
		if (p < 0 || p == i)
			continue;
		if (last && last[p]) {
			c->nodes[last[p] - 1].next_sibling = i;
		} else if (!last) {
			/* No memory for the tails: append by walking. */
			long k = c->nodes[p].first_child;

			if (k < 0) {
				c->nodes[p].first_child = i;
				continue;
			}
			while (c->nodes[k].next_sibling >= 0)
				k = c->nodes[k].next_sibling;
			c->nodes[k].next_sibling = i;
			continue;
		} else {
			c->nodes[p].first_child = i;
		}
		last[p] = i + 1;
	}
	free(last);
}

/*
 * Read the debugfs view into @v. On failure, the exit status for @cmd,
 * and (unless @quiet) the message saying why and what to do.
 */
static int view_read(struct view *v, const char *cmd, bool quiet)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *line, *nl;
	struct statfs sfs;
	ssize_t r;
	int fd, err;

	memset(v, 0, sizeof(*v));
	fd = open(DEBUGFS_VIEW, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (err == EACCES || err == EPERM)
			return failq(quiet, EXIT_PERMISSION,
				     "%s: %s: permission denied; the module's debugfs view is for root only: run it as root (sudo ioasidctl %s)%s",
				     cmd, DEBUGFS_VIEW, cmd,
				     err == EPERM && !geteuid() ?
				     " (as root: is the kernel locked down?)" : "");
		if (err != ENOENT)
			return failq(quiet, EXIT_FAILED, "%s: %s: %s", cmd, DEBUGFS_VIEW,
				     strerror(err));
		if (!module_loaded())
			return not_loaded(cmd, quiet);
		if (statfs(DEBUGFS_DIR, &sfs) || sfs.f_type != DEBUGFS_MAGIC)
			return failq(quiet, EXIT_NO_DEBUGFS,
				     "%s: debugfs is not mounted on %s; mount it: mount -t debugfs none %s (the kernel needs CONFIG_DEBUG_FS)",
				     cmd, DEBUGFS_DIR, DEBUGFS_DIR);
		return failq(quiet, EXIT_FAILED,
			     "%s: no %s: the loaded %s module has no debugfs view (older than this ioasidctl?)",
			     cmd, DEBUGFS_VIEW, IOASID_MODULE_NAME);
	}
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *p = realloc(buf, cap ? cap * 2 : 65536);

			if (!p) {
				close(fd);
				free(buf);
				return failq(quiet, EXIT_FAILED, "%s: out of memory", cmd);
			}
			buf = p;
			cap = cap ? cap * 2 : 65536;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = errno;
			close(fd);
			free(buf);
			return failq(quiet, EXIT_FAILED, "%s: reading %s: %s", cmd,
				     DEBUGFS_VIEW, strerror(err));
		}
		if (!r)
			break;
		len += r;
	}
	close(fd);
	buf[len] = '\0';
	for (line = buf; *line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		else
			nl = line + strlen(line);
		if (view_line(v, line)) {
			free(buf);
			view_free(v);
			return failq(quiet, EXIT_FAILED, "%s: out of memory", cmd);
		}
	}
	free(buf);
	if (v->version != 1) {
		view_free(v);
		return failq(quiet, EXIT_FAILED,
			     "%s: %s: format version %u, this ioasidctl reads version 1: use the ioasidctl of the module's release",
			     cmd, DEBUGFS_VIEW, v->version);
	}
	for (len = 0; len < v->nctxs; len++)
		view_link(&v->ctxs[len]);
	return EXIT_OK;
}

/* ------------------------------------------------------------------------ */
/* tree */

/* @bytes as "N B" or, when it is a whole number of them, "N KiB" etc. */
static const char *human(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned int u = 0;

	while (bytes >= 1024 && !(bytes % 1024) && u < 6) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, len, "%" PRIu64 " %s", bytes, units[u]);
	return buf;
}

static void print_att_line(const struct view_ctx *c, const struct view_att *a,
			   int indent)
{
	const struct view_dev *d = find_dev(c, a->dev);

	printf("%*sdevice %u: ", indent, "", a->dev);
	if (d && d->pci)
		printf("PCI %s%s", d->bdf, d->gone ? " (gone)" : "");
	else
		printf("software endpoint");
	if (a->pasid < 0)
		printf(", no PASID\n");
	else
		printf(", PASID %" PRId64 "\n", a->pasid);
}

static void print_node(struct view_ctx *c, long i, int indent, int depth)
{
	struct view_node *n = &c->nodes[i];
	char b1[32], b2[32];
	size_t k;
	long ch;

	n->shown = true;
	printf("%*snode %u: ", indent, "", n->id);
	if (n->user) {
		printf("user-managed %s", n->format);
		if (n->bound)
			printf(", bound at 0x%" PRIx64, n->root);
		else
			printf(", not bound");
		if (n->bind_flags)
			printf(" (flags 0x%" PRIx64 ")", n->bind_flags);
		if (n->caching_mode)
			printf(", caching mode");
	} else {
		printf("kernel-managed %s, %" PRIu64 " mapping%s, %s mapped",
		       n->parent ? "child" : "root", n->mappings,
		       n->mappings == 1 ? "" : "s",
		       human(n->mapped_bytes, b1, sizeof(b1)));
		if (!n->parent || n->pinned_bytes)
			printf(", %s pinned", human(n->pinned_bytes, b2, sizeof(b2)));
	}
	if (n->dirty_tracking)
		printf(", dirty tracking");
	printf("\n");
	for (k = 0; k < n->nmaps && k < TREE_MAX_MAPS; k++) {
		const struct view_map *m = &c->maps[n->map0 + k];

		printf("%*smap 0x%" PRIx64 "-0x%" PRIx64 " %s -> %s 0x%" PRIx64 " (%s%s)\n",
		       indent + 2, "", m->iova, m->iova + m->length - 1, m->perm,
		       n->parent ? "parent IOVA" : "user address", m->addr,
		       human(m->length, b1, sizeof(b1)), m->pinned ? ", pinned" : "");
	}
	if (n->nmaps > TREE_MAX_MAPS)
		printf("%*s... %zu more mappings (ioasidctl --json tree lists them all)\n",
		       indent + 2, "", n->nmaps - TREE_MAX_MAPS);
	for (k = 0; k < c->natts; k++)
		if (c->atts[k].node == n->id)
			print_att_line(c, &c->atts[k], indent + 2);
	/* A view read while it changed may link oddly: no node twice. */
	for (ch = n->first_child; ch >= 0 && depth < 64; ch = c->nodes[ch].next_sibling)
		if (!c->nodes[ch].shown)
			print_node(c, ch, indent + 2, depth + 1);
}

static void print_tree(struct view *v)
{
	char b[32];
	size_t i, k;

	if (!v->nctxs)
		printf("no open contexts\n");
	for (i = 0; i < v->nctxs; i++) {
		struct view_ctx *c = &v->ctxs[i];

		printf("context %" PRIu64 ": pid %lld (%s), uid %lld, account %s: %zu node%s, %zu device%s, %" PRIu64 " mapping%s, %s pinned%s\n",
		       c->id, c->pid, c->comm, c->uid, c->account,
		       c->nnodes, c->nnodes == 1 ? "" : "s",
		       c->ndevs, c->ndevs == 1 ? "" : "s",
		       c->mappings, c->mappings == 1 ? "" : "s",
		       human(c->pinned_bytes, b, sizeof(b)),
		       c->complete ? "" : " (closed while read)");
		/* Roots, then anything whose parent was not listed. */
		for (k = 0; k < c->nnodes; k++)
			if (!c->nodes[k].parent)
				print_node(c, k, 2, 0);
		for (k = 0; k < c->nnodes; k++)
			if (!c->nodes[k].shown)
				print_node(c, k, 2, 0);
		for (k = 0; k < c->ndevs; k++) {
			const struct view_dev *d = &c->devs[k];

			if (d->pci)
				printf("  device %u: PCI %s, %s, %u attachment%s\n",
				       d->id, d->bdf, d->gone ? "gone" : "live",
				       d->attachments, d->attachments == 1 ? "" : "s");
			else if (d->pasid_bits)
				printf("  device %u: software endpoint, %u-bit PASIDs, %u attachment%s\n",
				       d->id, d->pasid_bits, d->attachments,
				       d->attachments == 1 ? "" : "s");
			else
				printf("  device %u: software endpoint, %u attachment%s\n",
				       d->id, d->attachments,
				       d->attachments == 1 ? "" : "s");
		}
	}
}

static void json_att(struct json_out *j, const struct view_att *a, bool by_node,
		     const struct view_dev *d)
{
	json_obj_begin(j, NULL);
	if (by_node) {
		json_u64(j, "device", a->dev);
		json_str(j, "kind", d && d->pci ? "pci" : "sw");
		if (d && d->pci)
			json_str(j, "bdf", d->bdf);
	} else {
		json_u64(j, "node", a->node);
	}
	if (a->pasid < 0)
		json_null(j, "pasid");
	else
		json_u64(j, "pasid", a->pasid);
	json_obj_end(j);
}

static void json_tree(struct json_out *j, const struct view *v)
{
	size_t i, k, m;

	json_obj_begin(j, NULL);
	json_u64(j, "version", v->version);
	json_arr_begin(j, "contexts");
	for (i = 0; i < v->nctxs; i++) {
		const struct view_ctx *c = &v->ctxs[i];

		json_obj_begin(j, NULL);
		json_u64(j, "id", c->id);
		json_i64_or_null(j, "pid", c->pid);
		json_i64_or_null(j, "uid", c->uid);
		json_str(j, "comm", c->comm);
		json_str(j, "account", c->account);
		json_bool(j, "complete", c->complete);
		json_arr_begin(j, "nodes");
		for (k = 0; k < c->nnodes; k++) {
			const struct view_node *n = &c->nodes[k];

			json_obj_begin(j, NULL);
			json_u64(j, "id", n->id);
			if (n->parent)
				json_u64(j, "parent", n->parent);
			else
				json_null(j, "parent");
			json_u64(j, "depth", n->depth);
			json_str(j, "mode", n->user ? "user" : "kernel");
			json_u64(j, "children", n->children);
			json_u64(j, "attached", n->attached);
			json_u64(j, "num_mappings", n->mappings);
			json_u64(j, "mapped_bytes", n->mapped_bytes);
			json_u64(j, "pinned_bytes", n->pinned_bytes);
			json_bool(j, "dirty_tracking", n->dirty_tracking);
			if (n->user) {
				json_str(j, "format", n->format);
				json_bool(j, "bound", n->bound);
				json_hex(j, "root", n->root);
				json_hex(j, "bind_flags", n->bind_flags);
				json_bool(j, "caching_mode", n->caching_mode);
			}
			json_arr_begin(j, "mappings");
			for (m = 0; m < n->nmaps; m++) {
				const struct view_map *mp = &c->maps[n->map0 + m];

				json_obj_begin(j, NULL);
				json_hex(j, "iova", mp->iova);
				json_hex(j, "length", mp->length);
				json_str(j, "perm", mp->perm);
				json_hex(j, "addr", mp->addr);
				json_u64(j, "pinned_bytes", mp->pinned);
				json_obj_end(j);
			}
			json_arr_end(j);
			json_arr_begin(j, "attachments");
			for (m = 0; m < c->natts; m++)
				if (c->atts[m].node == n->id)
					json_att(j, &c->atts[m], true,
						 find_dev(c, c->atts[m].dev));
			json_arr_end(j);
			json_obj_end(j);
		}
		json_arr_end(j);
		json_arr_begin(j, "devices");
		for (k = 0; k < c->ndevs; k++) {
			const struct view_dev *d = &c->devs[k];

			json_obj_begin(j, NULL);
			json_u64(j, "id", d->id);
			json_str(j, "kind", d->pci ? "pci" : "sw");
			if (d->pci) {
				json_str(j, "bdf", d->bdf);
				json_str(j, "state", d->gone ? "gone" : "live");
			} else {
				json_u64(j, "pasid_bits", d->pasid_bits);
			}
			json_u64(j, "num_attachments", d->attachments);
			json_arr_begin(j, "attachments");
			for (m = 0; m < d->natts; m++)
				json_att(j, &c->atts[d->att0 + m], false, d);
			json_arr_end(j);
			json_obj_end(j);
		}
		json_arr_end(j);
		json_obj_begin(j, "totals");
		json_u64(j, "nodes", c->nnodes);
		json_u64(j, "devices", c->ndevs);
		json_u64(j, "mappings", c->mappings);
		json_u64(j, "pinned_bytes", c->pinned_bytes);
		json_obj_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static int cmd_tree(bool as_json)
{
	struct json_out j;
	struct view v;
	int ret;

	ret = view_read(&v, "tree", false);
	if (ret)
		return ret;
	if (as_json) {
		json_init(&j, stdout);
		json_tree(&j, &v);
		ret = json_ok(&j) ? EXIT_OK : failf(EXIT_FAILED, "tree: JSON nesting");
	} else {
		print_tree(&v);
	}
	view_free(&v);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* stats */

/* The module's parameters, by name, into @j or as one text line. */
static void stats_params(struct json_out *j)
{
	struct dirent **names = NULL;
	char path[PATH_MAX], val[128];
	bool first = true;
	int i, n;
	FILE *f;

	n = scandir(MODULE_DIR "/parameters", &names, NULL, alphasort);
	if (j)
		json_obj_begin(j, "parameters");
	else
		printf("parameters:      ");
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char *end;

		if (name[0] == '.')
			continue;
		snprintf(path, sizeof(path), MODULE_DIR "/parameters/%s", name);
		f = fopen(path, "r");
		if (!f || !fgets(val, sizeof(val), f))
			val[0] = '\0';
		if (f)
			fclose(f);
		val[strcspn(val, "\n")] = '\0';
		if (!j) {
			printf("%s%s=%s", first ? "" : " ", name, val[0] ? val : "?");
			first = false;
			continue;
		}
		errno = 0;
		if (val[0] >= '0' && val[0] <= '9' &&
		    (strtoull(val, &end, 10), !*end && !errno))
			json_u64(j, name, strtoull(val, NULL, 10));
		else if (val[0])
			json_str(j, name, val);
		else
			json_null(j, name);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (j)
		json_obj_end(j);
	else
		printf("%s\n", n > 0 ? "" : " (none readable)");
}

static int cmd_stats(bool as_json)
{
	long long totals[NR_TOTALS];
	int errs[NR_TOTALS], view_ret = -1, ret = EXIT_OK;
	static const char *const labels[] = {
		"contexts:", "nodes:", "mappings:", "pinned bytes:",
	};
	struct json_out jo, *j = NULL;
	bool denied = false;
	char version[64], b[32];
	struct view v = { 0 };
	unsigned int i;
	size_t k;

	if (!module_loaded())
		return not_loaded("stats", false);
	module_version(version, sizeof(version));
	read_totals(totals, errs);
	for (i = 0; i < NR_TOTALS; i++)
		denied |= errs[i] == -EACCES || errs[i] == -EPERM;
	/* Per context, from the debugfs view: root only, quietly skipped. */
	if (!geteuid())
		view_ret = view_read(&v, "stats", true);

	if (as_json) {
		j = &jo;
		json_init(j, stdout);
		json_obj_begin(j, NULL);
		json_obj_begin(j, "module");
		json_str(j, "name", IOASID_MODULE_NAME);
		json_str(j, "version", version[0] ? version : NULL);
		json_obj_end(j);
		json_totals(j, totals);
		stats_params(j);
		if (view_ret) {
			json_null(j, "contexts");
		} else {
			json_arr_begin(j, "contexts");
			for (k = 0; k < v.nctxs; k++) {
				const struct view_ctx *c = &v.ctxs[k];

				json_obj_begin(j, NULL);
				json_u64(j, "id", c->id);
				json_i64_or_null(j, "pid", c->pid);
				json_i64_or_null(j, "uid", c->uid);
				json_str(j, "comm", c->comm);
				json_u64(j, "nodes", c->nnodes);
				json_u64(j, "devices", c->ndevs);
				json_u64(j, "mappings", c->mappings);
				json_u64(j, "pinned_bytes", c->pinned_bytes);
				json_obj_end(j);
			}
			json_arr_end(j);
		}
		json_obj_end(j);
		if (!json_ok(j))
			ret = failf(EXIT_FAILED, "stats: JSON nesting");
	} else {
		printf("module:          %s %s\n", IOASID_MODULE_NAME,
		       version[0] ? version : "(version unknown)");
		for (i = 0; i < NR_TOTALS; i++) {
			if (totals[i] < 0)
				printf("%-17s?\n", labels[i]);
			else if (i == 3)
				printf("%-17s%lld (%s)\n", labels[i], totals[i],
				       human(totals[i], b, sizeof(b)));
			else
				printf("%-17s%lld\n", labels[i], totals[i]);
		}
		stats_params(NULL);
		if (!view_ret) {
			printf("per context:     %zu open\n", v.nctxs);
			for (k = 0; k < v.nctxs; k++) {
				const struct view_ctx *c = &v.ctxs[k];

				printf("  context %" PRIu64 ": pid %lld (%s): %zu nodes, %zu devices, %" PRIu64 " mappings, %" PRIu64 " bytes pinned\n",
				       c->id, c->pid, c->comm, c->nnodes, c->ndevs,
				       c->mappings, c->pinned_bytes);
			}
		} else if (!geteuid()) {
			printf("per context:     ? (no debugfs view: see ioasidctl tree)\n");
		}
	}
	view_free(&v);
	if (fflush(stdout) || ferror(stdout))
		return failf(EXIT_FAILED, "stats: writing the output: %s", strerror(errno));
	if (denied)
		return failf(EXIT_PERMISSION,
			     "stats: %s/: permission denied; the module's totals are for root only (mode 0400): run it as root",
			     TOTALS_DIR);
	return ret;
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


/* ------------------------------------------------------------------------ */

static int cmd_load(const char *path)
{
	int ret = ioasid_module_load(path, 0);

	if (ret == -EPERM || ret == -EACCES)
		return failf(EXIT_PERMISSION,
			     "load: permission denied; loading a module needs root (CAP_SYS_MODULE): sudo ioasidctl load");
	if (ret == -ENOENT && !path)
		return failf(EXIT_FAILED,
			     "load: no %s module for the running kernel (modules.dep does not know it); install ioasid-dkms, or name the file: ioasidctl load path/to/%s.ko",
			     IOASID_MODULE_NAME, IOASID_MODULE_NAME);
	if (ret < 0)
		return fail("load", ret);
	printf("%s %s\n", IOASID_MODULE_NAME, ret ? "already loaded" : "loaded");
	return EXIT_OK;
}

static int cmd_unload(void)
{
	int ret = ioasid_module_unload(0);

	if (ret == -ENOENT)
		return failf(EXIT_NOT_LOADED, "unload: the %s module is not loaded",
			     IOASID_MODULE_NAME);
	if (ret == -EPERM || ret == -EACCES)
		return failf(EXIT_PERMISSION,
			     "unload: permission denied; unloading a module needs root (CAP_SYS_MODULE): sudo ioasidctl unload");
	if (ret == -EBUSY)
		return failf(EXIT_FAILED,
			     "unload: %s: a program has %s (or the module's debugfs view) open; close it first (fuser -v %s shows who)",
			     strerror(EBUSY), IOASID_DEVICE_PATH, IOASID_DEVICE_PATH);
	if (ret < 0)
		return fail("unload", ret);
	printf("%s unloaded\n", IOASID_MODULE_NAME);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *device = NULL;
	bool as_json = false;
	const char *cmd;
	int opt, ret, nargs;

	/* Options may come before or after the command (GNU getopt permutes). */
	while ((opt = getopt_long(argc, argv, "d:h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			device = optarg;
			break;
		case 'j':
			as_json = true;
			break;
		case 'h':
			return usage(stdout, EXIT_OK);
		default:
			return usage(stderr, EXIT_USAGE);
		}
	}
	if (optind >= argc)
		return usage(stderr, EXIT_USAGE);
	cmd = argv[optind++];
	nargs = argc - optind;

	if (!strcmp(cmd, "info") && !nargs)
		ret = cmd_info(device, as_json);
	else if (!strcmp(cmd, "tree") && !nargs)
		ret = cmd_tree(as_json);
	else if (!strcmp(cmd, "stats") && !nargs)
		ret = cmd_stats(as_json);
	else if (as_json && (!strcmp(cmd, "load") || !strcmp(cmd, "unload") ||
			     !strcmp(cmd, "bind") || !strcmp(cmd, "unbind")))
		return failf(EXIT_USAGE, "%s: --json is for the read commands: info, tree, stats",
			     cmd);
	else if (!strcmp(cmd, "load") && nargs <= 1)
		ret = cmd_load(argv[optind]);
	else if (!strcmp(cmd, "unload") && !nargs)
		ret = cmd_unload();
	else if (!strcmp(cmd, "bind") && nargs == 1)
		ret = cmd_bind(argv[optind]);
	else if (!strcmp(cmd, "unbind") && nargs == 1)
		ret = cmd_unbind(argv[optind]);
	else
		return usage(stderr, EXIT_USAGE);
	if (fflush(stdout) == EOF || ferror(stdout))
		return failf(EXIT_FAILED, "%s: writing the output: %s", cmd,
			     strerror(errno));
	return ret;
}
