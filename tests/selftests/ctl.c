// SPDX-License-Identifier: GPL-2.0
/*
 * ioasidctl(8) against the state the test makes: `tree`, `stats` and `info`
 * with --json, read back with a JSON parser (tests/ctl/json.h) and compared
 * with what was set up and with what the ioctls (NODE_INFO, GET_INFO,
 * FORMAT_INFO) and sysfs say; the text forms; the exit statuses and
 * messages of the documented failures (not root, debugfs not mounted, the
 * module not loaded, bad usage); and the module's debugfs view itself,
 * read in small pieces and from an offset, with more mappings and
 * attachments than one batch of its records holds.
 *
 * Every JSON document ioasidctl printed is also written on a line of its
 * own, "# JSON <command>[ <label>]: <document>", for tests/ctl/validate to
 * check against tests/ctl/schema/ on the host (the guest has no Python).
 *
 * ioasidctl is the build's: build/bin beside the selftests, or /usr/bin in
 * the test VM.
 */
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include "ioasid_test.h"
#include "ioasid_pci.h"
#include "../ctl/json.h"

/* VFIO setup of the PCI test is slow under TCG. */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	300

#define PAGE		4096ULL
#define RW		(IOASID_MAP_READ | IOASID_MAP_WRITE)
#define FIXED		IOASID_MAP_FIXED_IOVA
#define VIEW		"/sys/kernel/debug/ioasid/contexts"
#define DEBUGFS		"/sys/kernel/debug"
#define NOBODY		65534
#ifndef DEBUGFS_MAGIC
#define DEBUGFS_MAGIC	0x64626720
#endif

/* The documented exit statuses (ioasidctl(8)). */
#define EXIT_FAILED	1
#define EXIT_USAGE	2
#define EXIT_NOT_LOADED	3
#define EXIT_PERMISSION	4
#define EXIT_NO_DEBUGFS	5

/* The state: a root with two mappings, a bound x86-64 child, two devices. */
#define IOVA1		0x100000ULL
#define LEN1		(16 * PAGE)
#define IOVA2		0x200000ULL
#define LEN2		(2 * PAGE)
#define PASID		5
#define PASID_BITS	8

/* ------------------------------------------------------------------------ */
/* running ioasidctl */

/* In the guest /usr/bin; in a build tree build/bin, beside tests/selftests. */
static int find_ioasidctl(char *path, size_t len)
{
	char exe[PATH_MAX - 32], *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			snprintf(path, len, "%s/../../bin/ioasidctl", exe);
			if (!access(path, X_OK))
				return 0;
		}
	}
	snprintf(path, len, "/usr/bin/ioasidctl");
	return access(path, X_OK) ? -ENOENT : 0;
}

enum run_as {
	AS_ROOT,
	AS_NOBODY,		/* uid and gid 65534, no groups */
	NO_DEBUGFS,		/* root, in a mount namespace without debugfs */
};

struct run {
	int status;		/* exit status; -1 if it did not exit */
	char *out;		/* stdout, NUL-terminated */
	size_t outlen;
	char *err;		/* stderr */
	size_t errlen;
};

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
	char *p = realloc(*buf, *len + n + 1);

	if (!p)
		abort();
	memcpy(p + *len, data, n);
	*len += n;
	p[*len] = 0;
	*buf = p;
}

/* In the child: become who @as says. */
static void become(enum run_as as)
{
	if (as == AS_NOBODY) {
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(126);
	} else if (as == NO_DEBUGFS) {
		if (unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    umount2(DEBUGFS, MNT_DETACH))
			_exit(126);
	}
}

/* Run ioasidctl with @argv (NULL-terminated, without argv[0]) as @as. */
static int ctl(struct run *r, enum run_as as, const char *const *argv)
{
	const char *args[16] = { "ioasidctl" };
	int out[2], err[2], status, i;
	struct pollfd pfd[2];
	char bin[PATH_MAX];
	char buf[65536];
	ssize_t n;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	append(&r->out, &r->outlen, "", 0);
	append(&r->err, &r->errlen, "", 0);
	if (find_ioasidctl(bin, sizeof(bin)))
		return -ENOENT;
	for (i = 0; argv[i] && i < 14; i++)
		args[i + 1] = argv[i];
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return -errno;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		become(as);
		execv(bin, (char *const *)args);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	pfd[0] = (struct pollfd){ .fd = out[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = err[0], .events = POLLIN };
	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			n = read(pfd[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
			} else if (i == 0) {
				append(&r->out, &r->outlen, buf, n);
			} else {
				append(&r->err, &r->errlen, buf, n);
			}
		}
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return 0;
}

#define CTL(r, as, ...)	ctl(r, as, (const char *const[]){ __VA_ARGS__, NULL })

/*
 * The one JSON document of @r's stdout, parsed; also written as
 * "# JSON <what>: <document>" for the host's schema check. NULL (and the
 * reason logged) if stdout is not one line of valid JSON.
 */
static struct jv *json_of(struct __test_metadata *_metadata, struct run *r,
			  const char *what)
{
	char errbuf[128], *line;
	struct jv *doc;
	size_t n = r->outlen;
	int len;

	if (!n || r->out[n - 1] != '\n' || memchr(r->out, '\n', n - 1)) {
		TH_LOG("%s: stdout is not one line: %.200s", what, r->out);
		return NULL;
	}
	doc = jv_parse_n(r->out, n - 1, errbuf, sizeof(errbuf));
	if (!doc) {
		TH_LOG("%s: not JSON (%s): %.200s", what, errbuf, r->out);
		return NULL;
	}
	len = asprintf(&line, "# JSON %s: %.*s\n", what, (int)(n - 1), r->out);
	if (len > 0) {
		fflush(stdout);
		if (write(1, line, len) != len)
			TH_LOG("writing the JSON line failed");
		free(line);
	}
	return doc;
}

/* The context opened by this process in a tree or stats document. */
static struct jv *my_context(const struct jv *doc)
{
	struct jv *ctxs = jv_get(doc, "contexts"), *found = NULL;
	size_t i;

	for (i = 0; i < jv_len(ctxs); i++) {
		if (jv_uint(jv_get(jv_at(ctxs, i), "pid")) == (uint64_t)getpid()) {
			if (found)
				return NULL;	/* one only */
			found = jv_at(ctxs, i);
		}
	}
	return found;
}

/* The member of array @arr whose @key is @val. */
static struct jv *find_by(const struct jv *arr, const char *key, uint64_t val)
{
	size_t i;

	for (i = 0; i < jv_len(arr); i++)
		if (jv_uint(jv_get(jv_at(arr, i), key)) == val)
			return jv_at(arr, i);
	return NULL;
}

static void comm_of_self(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/comm", "r");

	buf[0] = 0;
	if (f) {
		if (!fgets(buf, len, f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
}

static bool debugfs_mounted(void)
{
	struct statfs s;

	return !statfs(DEBUGFS, &s) && s.f_type == DEBUGFS_MAGIC;
}

/* The whole of @path read @chunk bytes at a time from @offset, or NULL. */
static char *read_file(const char *path, size_t chunk, off_t offset, size_t *len)
{
	char *buf = NULL, *tmp = malloc(chunk);
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !tmp || (offset && lseek(fd, offset, SEEK_SET) != offset)) {
		if (fd >= 0)
			close(fd);
		free(tmp);
		return NULL;
	}
	append(&buf, &n, "", 0);
	while ((r = read(fd, tmp, chunk)) > 0)
		append(&buf, &n, tmp, r);
	close(fd);
	free(tmp);
	if (r < 0) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* ------------------------------------------------------------------------ */
/* the state */

FIXTURE(ctl) {
	struct ioasid_handle *h;
	uint8_t *buf;
	uint32_t root, user, d1, d2;
	char comm[32];
};

FIXTURE_SETUP(ctl)
{
	struct ioasid_format_x86_64 fmt = ioasid_x86_64_format(4, 48);
	uint64_t iova;

	if (geteuid())
		SKIP(return, "needs root (the debugfs view, sysfs totals)");
	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	if (!debugfs_mounted())
		SKIP(return, "debugfs is not mounted on " DEBUGFS);
	ASSERT_EQ(0, ioasid_open(&self->h, NULL, 0));
	comm_of_self(self->comm, sizeof(self->comm));
	self->buf = ioasid_map_aligned(LEN1 + LEN2, PAGE);
	ASSERT_NE(NULL, self->buf);
	memset(self->buf, 0, LEN1 + LEN2);

	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED,
				       &self->root));
	iova = IOVA1;
	ASSERT_EQ(0, ioasid_map(self->h, self->root, (uintptr_t)self->buf, LEN1,
				&iova, RW | FIXED));
	iova = IOVA2;
	ASSERT_EQ(0, ioasid_map(self->h, self->root, (uintptr_t)self->buf + LEN1,
				LEN2, &iova, IOASID_MAP_READ | FIXED));
	/* The guest table: the first (zeroed) page of the first mapping. */
	ASSERT_EQ(0, ioasid_node_alloc_user(self->h, self->root, &fmt, sizeof(fmt),
					    &self->user));
	ASSERT_EQ(0, ioasid_bind(self->h, self->user, IOVA1, 0));
	ASSERT_EQ(0, ioasid_device_create(self->h, 0, 0, &self->d1));
	ASSERT_EQ(0, ioasid_attach(self->h, self->d1, self->root, 0, 0));
	ASSERT_EQ(0, ioasid_device_create(self->h, IOASID_DEVICE_PASID, PASID_BITS,
					  &self->d2));
	ASSERT_EQ(0, ioasid_attach(self->h, self->d2, self->user,
				   IOASID_ATTACH_PASID, PASID));
}

FIXTURE_TEARDOWN(ctl)
{
	if (self->h)
		ioasid_close(self->h);
	if (self->buf)
		munmap(self->buf, LEN1 + LEN2);
}

/* The mapping at @iova in @node's "mappings" is the one given. */
static void check_mapping(struct __test_metadata *_metadata, const struct jv *node,
			  uint64_t iova, uint64_t len, const char *perm, uint64_t addr)
{
	const struct jv *maps = jv_get(node, "mappings"), *m = NULL;
	size_t i;

	for (i = 0; i < jv_len(maps); i++)
		if (jv_hexval(jv_get(jv_at(maps, i), "iova")) == iova)
			m = jv_at(maps, i);
	ASSERT_NE(NULL, m) TH_LOG("no mapping at 0x%llx", (unsigned long long)iova);
	EXPECT_EQ(len, jv_hexval(jv_get(m, "length")));
	EXPECT_STREQ(perm, jv_str(jv_get(m, "perm")));
	EXPECT_EQ(addr, jv_hexval(jv_get(m, "addr")));
	EXPECT_EQ(len, jv_uint(jv_get(m, "pinned_bytes")));
}

TEST_F(ctl, tree_json_is_the_state)
{
	struct jv *doc, *c, *root, *user, *d, *a;
	struct ioasid_node_info ni;
	struct run r;

	ASSERT_EQ(0, CTL(&r, AS_ROOT, "tree", "--json"));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_STREQ("", r.err);
	doc = json_of(_metadata, &r, "tree");
	ASSERT_NE(NULL, doc);
	EXPECT_EQ(1, jv_uint(jv_get(doc, "version")));
	c = my_context(doc);
	ASSERT_NE(NULL, c) TH_LOG("no (single) context of pid %d", getpid());
	EXPECT_NE(0, jv_uint(jv_get(c, "id")));
	EXPECT_EQ(0, jv_uint(jv_get(c, "uid")));
	EXPECT_STREQ(self->comm, jv_str(jv_get(c, "comm")));
	EXPECT_STREQ("user", jv_str(jv_get(c, "account")));
	EXPECT_EQ(1, jv_bool(jv_get(c, "complete")));
	EXPECT_EQ(2, jv_len(jv_get(c, "nodes")));
	EXPECT_EQ(2, jv_len(jv_get(c, "devices")));

	/* The root, as set up and as NODE_INFO has it. */
	root = find_by(jv_get(c, "nodes"), "id", self->root);
	ASSERT_NE(NULL, root);
	ASSERT_EQ(0, ioasid_node_info(self->h, self->root, &ni));
	EXPECT_TRUE(jv_is(jv_get(root, "parent"), JV_NULL));
	EXPECT_EQ(1, jv_uint(jv_get(root, "depth")));
	EXPECT_STREQ("kernel", jv_str(jv_get(root, "mode")));
	EXPECT_EQ(1, jv_uint(jv_get(root, "children")));
	EXPECT_EQ(1, jv_uint(jv_get(root, "attached")));
	EXPECT_EQ(2, jv_uint(jv_get(root, "num_mappings")));
	EXPECT_EQ(ni.out_num_mappings, jv_uint(jv_get(root, "num_mappings")));
	EXPECT_EQ(LEN1 + LEN2, jv_uint(jv_get(root, "mapped_bytes")));
	EXPECT_EQ(ni.out_mapped_bytes, jv_uint(jv_get(root, "mapped_bytes")));
	EXPECT_EQ(LEN1 + LEN2, jv_uint(jv_get(root, "pinned_bytes")));
	EXPECT_EQ(ni.out_pinned_bytes, jv_uint(jv_get(root, "pinned_bytes")));
	EXPECT_EQ(0, jv_bool(jv_get(root, "dirty_tracking")));
	EXPECT_EQ(NULL, jv_get(root, "format"));
	EXPECT_EQ(2, jv_len(jv_get(root, "mappings")));
	check_mapping(_metadata, root, IOVA1, LEN1, "rw", (uintptr_t)self->buf);
	check_mapping(_metadata, root, IOVA2, LEN2, "r", (uintptr_t)self->buf + LEN1);
	ASSERT_EQ(1, jv_len(jv_get(root, "attachments")));
	a = jv_at(jv_get(root, "attachments"), 0);
	EXPECT_EQ(self->d1, jv_uint(jv_get(a, "device")));
	EXPECT_STREQ("sw", jv_str(jv_get(a, "kind")));
	EXPECT_TRUE(jv_is(jv_get(a, "pasid"), JV_NULL));

	/* The user-managed child. */
	user = find_by(jv_get(c, "nodes"), "id", self->user);
	ASSERT_NE(NULL, user);
	EXPECT_EQ(self->root, jv_uint(jv_get(user, "parent")));
	EXPECT_EQ(2, jv_uint(jv_get(user, "depth")));
	EXPECT_STREQ("user", jv_str(jv_get(user, "mode")));
	EXPECT_STREQ("x86-64", jv_str(jv_get(user, "format")));
	EXPECT_EQ(1, jv_bool(jv_get(user, "bound")));
	EXPECT_EQ(IOVA1, jv_hexval(jv_get(user, "root")));
	EXPECT_EQ(0, jv_hexval(jv_get(user, "bind_flags")));
	EXPECT_EQ(0, jv_bool(jv_get(user, "caching_mode")));
	EXPECT_EQ(0, jv_uint(jv_get(user, "num_mappings")));
	EXPECT_EQ(0, jv_uint(jv_get(user, "pinned_bytes")));
	EXPECT_EQ(0, jv_uint(jv_get(user, "children")));
	EXPECT_EQ(1, jv_uint(jv_get(user, "attached")));
	EXPECT_EQ(0, jv_len(jv_get(user, "mappings")));
	ASSERT_EQ(1, jv_len(jv_get(user, "attachments")));
	a = jv_at(jv_get(user, "attachments"), 0);
	EXPECT_EQ(self->d2, jv_uint(jv_get(a, "device")));
	EXPECT_EQ(PASID, jv_uint(jv_get(a, "pasid")));

	/* The devices, each with its attachment. */
	d = find_by(jv_get(c, "devices"), "id", self->d1);
	ASSERT_NE(NULL, d);
	EXPECT_STREQ("sw", jv_str(jv_get(d, "kind")));
	EXPECT_EQ(0, jv_uint(jv_get(d, "pasid_bits")));
	EXPECT_EQ(1, jv_uint(jv_get(d, "num_attachments")));
	ASSERT_EQ(1, jv_len(jv_get(d, "attachments")));
	EXPECT_EQ(self->root, jv_uint(jv_get(jv_at(jv_get(d, "attachments"), 0), "node")));
	EXPECT_TRUE(jv_is(jv_get(jv_at(jv_get(d, "attachments"), 0), "pasid"), JV_NULL));
	d = find_by(jv_get(c, "devices"), "id", self->d2);
	ASSERT_NE(NULL, d);
	EXPECT_EQ(PASID_BITS, jv_uint(jv_get(d, "pasid_bits")));
	EXPECT_EQ(1, jv_uint(jv_get(d, "num_attachments")));
	ASSERT_EQ(1, jv_len(jv_get(d, "attachments")));
	EXPECT_EQ(self->user, jv_uint(jv_get(jv_at(jv_get(d, "attachments"), 0), "node")));
	EXPECT_EQ(PASID, jv_uint(jv_get(jv_at(jv_get(d, "attachments"), 0), "pasid")));

	/* The context's totals. */
	EXPECT_EQ(2, jv_uint(jv_get(jv_get(c, "totals"), "nodes")));
	EXPECT_EQ(2, jv_uint(jv_get(jv_get(c, "totals"), "devices")));
	EXPECT_EQ(2, jv_uint(jv_get(jv_get(c, "totals"), "mappings")));
	EXPECT_EQ(LEN1 + LEN2, jv_uint(jv_get(jv_get(c, "totals"), "pinned_bytes")));
	jv_free(doc);
	run_free(&r);

	/* --json before the command is the same document. */
	ASSERT_EQ(0, CTL(&r, AS_ROOT, "--json", "tree"));
	EXPECT_EQ(0, r.status);
	doc = json_of(_metadata, &r, "tree json-first");
	EXPECT_NE(NULL, my_context(doc));
	jv_free(doc);
	run_free(&r);
}

TEST_F(ctl, stats_json_counts_the_state)
{
	struct jv *doc, *c, *t, *params;
	struct run r;

	ASSERT_EQ(0, CTL(&r, AS_ROOT, "stats", "--json"));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_STREQ("", r.err);
	doc = json_of(_metadata, &r, "stats");
	ASSERT_NE(NULL, doc);
	EXPECT_STREQ("ioasidfd", jv_str(jv_get(jv_get(doc, "module"), "name")));
	EXPECT_NE(NULL, jv_str(jv_get(jv_get(doc, "module"), "version")));
	/* Module-wide: this context is the only one in the VM. */
	t = jv_get(doc, "totals");
	EXPECT_EQ(ioasid_sysfs_stat("contexts"), (long long)jv_uint(jv_get(t, "contexts")));
	EXPECT_EQ(ioasid_sysfs_stat("nodes"), (long long)jv_uint(jv_get(t, "nodes")));
	EXPECT_EQ(ioasid_sysfs_stat("mappings"), (long long)jv_uint(jv_get(t, "mappings")));
	EXPECT_EQ(ioasid_sysfs_stat("pinned_bytes"),
		  (long long)jv_uint(jv_get(t, "pinned_bytes")));
	EXPECT_EQ(1, jv_uint(jv_get(t, "contexts")));
	EXPECT_EQ(2, jv_uint(jv_get(t, "nodes")));
	EXPECT_EQ(2, jv_uint(jv_get(t, "mappings")));
	EXPECT_EQ(LEN1 + LEN2, jv_uint(jv_get(t, "pinned_bytes")));
	params = jv_get(doc, "parameters");
	EXPECT_TRUE(jv_is_uint(jv_get(params, "max_child_mappings")));
	EXPECT_TRUE(jv_is_uint(jv_get(params, "max_attachments")));
	c = my_context(doc);
	ASSERT_NE(NULL, c);
	EXPECT_STREQ(self->comm, jv_str(jv_get(c, "comm")));
	EXPECT_EQ(2, jv_uint(jv_get(c, "nodes")));
	EXPECT_EQ(2, jv_uint(jv_get(c, "devices")));
	EXPECT_EQ(2, jv_uint(jv_get(c, "mappings")));
	EXPECT_EQ(LEN1 + LEN2, jv_uint(jv_get(c, "pinned_bytes")));
	jv_free(doc);
	run_free(&r);
}

TEST_F(ctl, info_json_is_get_info)
{
	struct ioasid_format_info fi;
	struct jv *doc, *f, *v;
	struct ioasid_info info;
	uint64_t bit;
	size_t k;
	struct run r;

	ASSERT_EQ(0, ioasid_get_info(self->h, &info));
	ASSERT_EQ(0, CTL(&r, AS_ROOT, "info", "--json"));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	doc = json_of(_metadata, &r, "info");
	ASSERT_NE(NULL, doc);
	EXPECT_STREQ("/dev/ioasid", jv_str(jv_get(doc, "device")));
	EXPECT_EQ(info.out_capabilities, jv_uint(jv_get(doc, "capabilities")));
	EXPECT_EQ(__builtin_popcountll(info.out_capabilities),
		  jv_len(jv_get(doc, "capability_names")));
	EXPECT_EQ(info.out_max_depth, jv_uint(jv_get(doc, "max_depth")));
	EXPECT_EQ(info.out_max_pasid_bits, jv_uint(jv_get(doc, "max_pasid_bits")));
	EXPECT_EQ(info.out_max_batch, jv_uint(jv_get(doc, "max_batch")));
	v = jv_get(doc, "page_sizes");
	EXPECT_EQ(__builtin_popcountll(info.out_pgsize_bitmap), jv_len(v));
	for (k = 0, bit = 0; k < jv_len(v); k++)
		bit |= jv_uint(jv_at(v, k));
	EXPECT_EQ(info.out_pgsize_bitmap, bit);
	v = jv_get(doc, "limits");
	EXPECT_EQ(info.out_max_child_mappings, jv_uint(jv_get(v, "child_mappings")));
	EXPECT_EQ(info.out_max_iotlb_entries, jv_uint(jv_get(v, "iotlb_entries")));
	EXPECT_EQ(info.out_max_reservations, jv_uint(jv_get(v, "reservations")));
	EXPECT_EQ(info.out_max_attachments, jv_uint(jv_get(v, "attachments")));
	/* x86-64 as FORMAT_INFO has it. */
	ASSERT_EQ(0, ioasid_format_info(self->h, IOASID_FORMAT_X86_64, &fi));
	f = find_by(jv_get(doc, "formats"), "id", IOASID_FORMAT_X86_64);
	ASSERT_NE(NULL, f);
	EXPECT_STREQ("x86-64", jv_str(jv_get(f, "name")));
	EXPECT_EQ(fi.out_min_phys_bits, jv_uint(jv_get(f, "min_phys_bits")));
	EXPECT_EQ(fi.out_max_phys_bits, jv_uint(jv_get(f, "max_phys_bits")));
	v = jv_get(f, "levels");
	for (k = 0, bit = 0; k < jv_len(v); k++)
		bit |= 1ULL << jv_uint(jv_at(v, k));
	EXPECT_EQ(fi.out_levels_bitmap, bit);
	/* This context and info's own. */
	EXPECT_EQ(2, jv_uint(jv_get(jv_get(doc, "totals"), "contexts")));
	EXPECT_EQ(2, jv_uint(jv_get(jv_get(doc, "totals"), "nodes")));
	jv_free(doc);
	run_free(&r);
}

TEST_F(ctl, text_forms)
{
	char want[128];
	struct run r;

	ASSERT_EQ(0, CTL(&r, AS_ROOT, "tree"));
	EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	snprintf(want, sizeof(want), ": pid %d (%s), uid 0, account user: 2 nodes, 2 devices, 2 mappings, 72 KiB pinned\n",
		 getpid(), self->comm);
	EXPECT_NE(NULL, strstr(r.out, want)) TH_LOG("%s", r.out);
	snprintf(want, sizeof(want), "  node %u: kernel-managed root, 2 mappings, 72 KiB mapped, 72 KiB pinned\n",
		 self->root);
	EXPECT_NE(NULL, strstr(r.out, want)) TH_LOG("%s", r.out);
	snprintf(want, sizeof(want), "    node %u: user-managed x86-64, bound at 0x%llx\n",
		 self->user, IOVA1);
	EXPECT_NE(NULL, strstr(r.out, want)) TH_LOG("%s", r.out);
	snprintf(want, sizeof(want), "      device %u: software endpoint, PASID %d\n",
		 self->d2, PASID);
	EXPECT_NE(NULL, strstr(r.out, want)) TH_LOG("%s", r.out);
	snprintf(want, sizeof(want), "    map 0x%llx-0x%llx r -> user address 0x%llx (8 KiB, pinned)\n",
		 IOVA2, IOVA2 + LEN2 - 1, (unsigned long long)(uintptr_t)self->buf + LEN1);
	EXPECT_NE(NULL, strstr(r.out, want)) TH_LOG("%s", r.out);
	run_free(&r);

	ASSERT_EQ(0, CTL(&r, AS_ROOT, "stats"));
	EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "pinned bytes:    73728 (72 KiB)\n")) TH_LOG("%s", r.out);
	snprintf(want, sizeof(want), ": pid %d (%s): 2 nodes, 2 devices, 2 mappings, 73728 bytes pinned\n",
		 getpid(), self->comm);
	EXPECT_NE(NULL, strstr(r.out, want)) TH_LOG("%s", r.out);
	run_free(&r);

	ASSERT_EQ(0, CTL(&r, AS_ROOT, "info"));
	EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "format:          x86-64: levels 4 5")) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, "totals:          contexts=2 nodes=2 mappings=2 pinned_bytes=73728")) TH_LOG("%s", r.out);
	run_free(&r);
}

/* The view read a few bytes at a time, and from an offset, is the same file. */
TEST_F(ctl, view_reads_the_same_in_pieces)
{
	size_t len, len7, lenoff;
	char *all, *by7, *off;
	off_t at;

	all = read_file(VIEW, 1 << 20, 0, &len);
	ASSERT_NE(NULL, all);
	ASSERT_EQ(0, strncmp(all, "version 1\n", 10));
	by7 = read_file(VIEW, 7, 0, &len7);
	ASSERT_NE(NULL, by7);
	EXPECT_EQ(len, len7);
	EXPECT_EQ(0, strcmp(all, by7)) TH_LOG("whole:\n%s\nby 7:\n%s", all, by7);
	at = len / 2;
	off = read_file(VIEW, 100, at, &lenoff);
	ASSERT_NE(NULL, off);
	EXPECT_EQ(len - at, lenoff);
	EXPECT_EQ(0, strcmp(all + at, off));
	free(all);
	free(by7);
	free(off);
}

/*
 * More mappings and attachments than one record batch of the view (16),
 * a tree longer than a page: everything is listed, in order.
 */
TEST_F(ctl, many_mappings_and_attachments)
{
	unsigned int nmaps = 600 / ioasid_test_scale(), npasids = 40, i, k;
	struct jv *doc, *c, *root, *maps, *d;
	uint32_t root2, dev;
	size_t len, len7;
	char *all, *by7;
	char want[96];
	uint64_t iova;
	uint8_t *buf;
	struct run r;

	/* Enough for a view of three pages and more, however slow the kernel. */
	if (nmaps < 100)
		nmaps = 100;
	buf = ioasid_map_aligned(nmaps * PAGE, PAGE);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, ioasid_node_alloc(self->h, 0, IOASID_MODE_KERNEL_MANAGED, &root2));
	/* Every other page, so that no two mappings are one. */
	for (i = 0; i < nmaps; i++) {
		iova = 0x10000000ULL + 2 * i * PAGE;
		ASSERT_EQ(0, ioasid_map(self->h, root2, (uintptr_t)buf + i * PAGE, PAGE,
					&iova, i % 2 ? IOASID_MAP_READ | FIXED : RW | FIXED));
	}
	ASSERT_EQ(0, ioasid_device_create(self->h, IOASID_DEVICE_PASID, PASID_BITS, &dev));
	for (i = 0; i < npasids; i++)
		ASSERT_EQ(0, ioasid_attach(self->h, dev, i % 2 ? root2 : self->root,
					   IOASID_ATTACH_PASID, 100 + i));
	ASSERT_EQ(0, ioasid_attach(self->h, dev, root2, 0, 0));

	ASSERT_EQ(0, CTL(&r, AS_ROOT, "tree", "--json"));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	doc = json_of(_metadata, &r, "tree many");
	ASSERT_NE(NULL, doc);
	c = my_context(doc);
	root = find_by(jv_get(c, "nodes"), "id", root2);
	ASSERT_NE(NULL, root);
	EXPECT_EQ(nmaps, jv_uint(jv_get(root, "num_mappings")));
	maps = jv_get(root, "mappings");
	ASSERT_EQ(nmaps, jv_len(maps));
	for (i = 0; i < nmaps; i++) {
		struct jv *m = jv_at(maps, i);

		ASSERT_EQ(0x10000000ULL + 2 * i * PAGE, jv_hexval(jv_get(m, "iova"))) TH_LOG("mapping %u", i);
		EXPECT_EQ(PAGE, jv_hexval(jv_get(m, "length")));
		EXPECT_EQ((uintptr_t)buf + i * PAGE, jv_hexval(jv_get(m, "addr")));
		EXPECT_STREQ(i % 2 ? "r" : "rw", jv_str(jv_get(m, "perm")));
	}
	/* Half of the PASIDs and the PASID-less attachment at root2. */
	EXPECT_EQ(npasids / 2 + 1, jv_len(jv_get(root, "attachments")));
	d = find_by(jv_get(c, "devices"), "id", dev);
	ASSERT_NE(NULL, d);
	EXPECT_EQ(npasids + 1, jv_uint(jv_get(d, "num_attachments")));
	ASSERT_EQ(npasids + 1, jv_len(jv_get(d, "attachments")));
	for (k = 0; k < npasids; k++) {
		struct jv *a = jv_at(jv_get(d, "attachments"), k);

		EXPECT_EQ(100 + k, jv_uint(jv_get(a, "pasid")));
		EXPECT_EQ(k % 2 ? root2 : self->root, jv_uint(jv_get(a, "node")));
	}
	/* The attachment without PASID comes last. */
	EXPECT_TRUE(jv_is(jv_get(jv_at(jv_get(d, "attachments"), npasids), "pasid"), JV_NULL));
	EXPECT_EQ(nmaps + 2, jv_uint(jv_get(jv_get(c, "totals"), "mappings")));
	jv_free(doc);
	run_free(&r);

	/* The text tree shows 16 of them and says how many more. */
	ASSERT_EQ(0, CTL(&r, AS_ROOT, "tree"));
	EXPECT_EQ(0, r.status);
	snprintf(want, sizeof(want), "... %u more mappings", nmaps - 16);
	EXPECT_NE(NULL, strstr(r.out, want)) TH_LOG("%s", r.out);
	run_free(&r);

	all = read_file(VIEW, 1 << 20, 0, &len);
	ASSERT_NE(NULL, all);
	by7 = read_file(VIEW, 7, 0, &len7);
	ASSERT_NE(NULL, by7);
	EXPECT_GT(len, 8192);
	EXPECT_EQ(0, strcmp(all, by7));
	free(all);
	free(by7);
	munmap(buf, nmaps * PAGE);
}

/* A closed context leaves the view; one opened after it comes later. */
TEST_F(ctl, closed_context_leaves_the_view)
{
	struct ioasid_handle *h2;
	struct jv *doc, *ctxs;
	uint64_t id1, id2;
	struct run r;

	ASSERT_EQ(0, ioasid_open(&h2, NULL, 0));
	ASSERT_EQ(0, CTL(&r, AS_ROOT, "tree", "--json"));
	doc = json_of(_metadata, &r, "tree two");
	ctxs = jv_get(doc, "contexts");
	ASSERT_EQ(2, jv_len(ctxs));
	id1 = jv_uint(jv_get(jv_at(ctxs, 0), "id"));
	id2 = jv_uint(jv_get(jv_at(ctxs, 1), "id"));
	EXPECT_LT(id1, id2);
	EXPECT_EQ(0, jv_len(jv_get(jv_at(ctxs, 1), "nodes")));
	EXPECT_EQ(getpid(), (pid_t)jv_uint(jv_get(jv_at(ctxs, 1), "pid")));
	jv_free(doc);
	run_free(&r);

	ASSERT_EQ(0, ioasid_close(h2));
	ASSERT_EQ(0, CTL(&r, AS_ROOT, "tree", "--json"));
	doc = json_of(_metadata, &r, "tree one");
	ctxs = jv_get(doc, "contexts");
	ASSERT_EQ(1, jv_len(ctxs));
	EXPECT_EQ(id1, jv_uint(jv_get(jv_at(ctxs, 0), "id")));
	jv_free(doc);
	run_free(&r);
}

/* ------------------------------------------------------------------------ */
/* failures: who may read what, what is missing, bad usage */

TEST(not_root)
{
	struct ioasid_handle *h;
	struct jv *doc;
	struct run r;

	if (geteuid())
		SKIP(return, "needs root, to become nobody");
	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	ASSERT_EQ(0, ioasid_open(&h, NULL, 0));

	ASSERT_EQ(0, CTL(&r, AS_NOBODY, "tree"));
	EXPECT_EQ(EXIT_PERMISSION, r.status) TH_LOG("%s%s", r.out, r.err);
	EXPECT_STREQ("", r.out);
	EXPECT_NE(NULL, strstr(r.err, "permission denied")) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.err, "run it as root")) TH_LOG("%s", r.err);
	run_free(&r);
	ASSERT_EQ(0, CTL(&r, AS_NOBODY, "tree", "--json"));
	EXPECT_EQ(EXIT_PERMISSION, r.status);
	EXPECT_STREQ("", r.out);
	run_free(&r);

	/* The totals are root's: stats shows what it can and says so. */
	ASSERT_EQ(0, CTL(&r, AS_NOBODY, "stats", "--json"));
	EXPECT_EQ(EXIT_PERMISSION, r.status) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.err, "for root only")) TH_LOG("%s", r.err);
	doc = json_of(_metadata, &r, "stats nobody");
	ASSERT_NE(NULL, doc);
	EXPECT_TRUE(jv_is(jv_get(jv_get(doc, "totals"), "contexts"), JV_NULL));
	EXPECT_TRUE(jv_is(jv_get(doc, "contexts"), JV_NULL));
	EXPECT_TRUE(jv_is_uint(jv_get(jv_get(doc, "parameters"), "max_attachments")));
	jv_free(doc);
	run_free(&r);
	ASSERT_EQ(0, CTL(&r, AS_NOBODY, "stats"));
	EXPECT_EQ(EXIT_PERMISSION, r.status);
	EXPECT_NE(NULL, strstr(r.out, "contexts:        ?\n")) TH_LOG("%s", r.out);
	run_free(&r);

	/* /dev/ioasid is root's in the VM (no udev rule): the hint names the rule. */
	ASSERT_EQ(0, CTL(&r, AS_NOBODY, "info"));
	EXPECT_EQ(EXIT_PERMISSION, r.status) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.err, "/dev/ioasid: permission denied")) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.err, "group ioasid")) TH_LOG("%s", r.err);
	run_free(&r);
	ASSERT_EQ(0, ioasid_close(h));
}

TEST(debugfs_not_mounted)
{
	struct jv *doc;
	struct run r;

	if (geteuid())
		SKIP(return, "needs root, for a mount namespace");
	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	if (!debugfs_mounted())
		SKIP(return, "debugfs is not mounted here to begin with");

	ASSERT_EQ(0, CTL(&r, NO_DEBUGFS, "tree"));
	EXPECT_EQ(EXIT_NO_DEBUGFS, r.status) TH_LOG("%s%s", r.out, r.err);
	EXPECT_STREQ("", r.out);
	EXPECT_NE(NULL, strstr(r.err, "debugfs is not mounted")) TH_LOG("%s", r.err);
	EXPECT_NE(NULL, strstr(r.err, "mount -t debugfs none /sys/kernel/debug")) TH_LOG("%s", r.err);
	run_free(&r);
	ASSERT_EQ(0, CTL(&r, NO_DEBUGFS, "--json", "tree"));
	EXPECT_EQ(EXIT_NO_DEBUGFS, r.status);
	EXPECT_STREQ("", r.out);
	run_free(&r);
	/* stats goes without its per-context part. */
	ASSERT_EQ(0, CTL(&r, NO_DEBUGFS, "stats", "--json"));
	EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	doc = json_of(_metadata, &r, "stats no-debugfs");
	ASSERT_NE(NULL, doc);
	EXPECT_TRUE(jv_is(jv_get(doc, "contexts"), JV_NULL));
	EXPECT_TRUE(jv_is_uint(jv_get(jv_get(doc, "totals"), "contexts")));
	jv_free(doc);
	run_free(&r);
	/* Only the child's namespace lost it. */
	EXPECT_TRUE(debugfs_mounted());
}

TEST(usage_errors)
{
	struct run r;

	ASSERT_EQ(0, CTL(&r, AS_ROOT, "load", "--json"));
	EXPECT_EQ(EXIT_USAGE, r.status);
	EXPECT_NE(NULL, strstr(r.err, "--json is for the read commands")) TH_LOG("%s", r.err);
	run_free(&r);
	ASSERT_EQ(0, CTL(&r, AS_ROOT, "tree", "extra"));
	EXPECT_EQ(EXIT_USAGE, r.status);
	EXPECT_NE(NULL, strstr(r.err, "usage:")) TH_LOG("%s", r.err);
	run_free(&r);
	ASSERT_EQ(0, CTL(&r, AS_ROOT, "stats", "--jsn"));
	EXPECT_EQ(EXIT_USAGE, r.status);
	run_free(&r);
	ASSERT_EQ(0, CTL(&r, AS_ROOT, "--help"));
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "exit status:")) TH_LOG("%s", r.out);
	run_free(&r);
}

/* A PCI device in the tree: QEMU's edu, adopted through VFIO. */
TEST(pci_device)
{
	struct ioasid_vfio_device devs[1];
	struct jv *doc, *c, *d, *node;
	struct ioasid_handle *h;
	uint32_t num = 1, root;
	struct pci_vfio pci;
	struct run r;
	int ret;

	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	ret = pci_setup(&pci, EDU_BDF, IOASID_VFIO_IOMMU);
	if (ret && pci.unavailable) {
		pci_close(&pci);
		SKIP(return, "%s", pci.why);
	}
	ASSERT_EQ(0, ret) TH_LOG("%s", pci.why);
	ASSERT_EQ(0, ioasid_open(&h, NULL, 0));
	ASSERT_EQ(0, ioasid_vfio_adopt(h, pci.container_fd, devs, &num));
	ASSERT_EQ(1, num);
	ASSERT_EQ(0, ioasid_node_alloc(h, 0, IOASID_MODE_KERNEL_MANAGED, &root));
	ASSERT_EQ(0, ioasid_attach(h, devs[0].dev_id, root, 0, 0));

	ASSERT_EQ(0, CTL(&r, AS_ROOT, "tree", "--json"));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	doc = json_of(_metadata, &r, "tree pci");
	c = my_context(doc);
	ASSERT_NE(NULL, c);
	d = find_by(jv_get(c, "devices"), "id", devs[0].dev_id);
	ASSERT_NE(NULL, d);
	EXPECT_STREQ("pci", jv_str(jv_get(d, "kind")));
	EXPECT_STREQ(EDU_BDF, jv_str(jv_get(d, "bdf")));
	EXPECT_STREQ("live", jv_str(jv_get(d, "state")));
	EXPECT_EQ(1, jv_uint(jv_get(d, "num_attachments")));
	EXPECT_EQ(root, jv_uint(jv_get(jv_at(jv_get(d, "attachments"), 0), "node")));
	node = find_by(jv_get(c, "nodes"), "id", root);
	ASSERT_EQ(1, jv_len(jv_get(node, "attachments")));
	EXPECT_STREQ(EDU_BDF, jv_str(jv_get(jv_at(jv_get(node, "attachments"), 0), "bdf")));
	jv_free(doc);
	run_free(&r);

	/* Detached, the device stays, attached nowhere. */
	ASSERT_EQ(0, ioasid_detach(h, devs[0].dev_id, 0, 0));
	ASSERT_EQ(0, CTL(&r, AS_ROOT, "tree"));
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "PCI " EDU_BDF ", live, 0 attachments")) TH_LOG("%s", r.out);
	run_free(&r);
	ioasid_close(h);
	pci_close(&pci);
}

/*
 * Unloads the module (nothing of this binary has it open between tests)
 * and loads it again.
 */
TEST(module_not_loaded)
{
	struct run r;

	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	/* The VFIO backend holds the core: unload it alone first, if it is there. */
	if (!access("/sys/module/ioasidfd_vfio", F_OK))
		ASSERT_EQ(0, syscall(SYS_delete_module, "ioasidfd_vfio", O_NONBLOCK))
			TH_LOG("delete_module(ioasidfd_vfio): %s", strerror(errno));
	ASSERT_EQ(0, CTL(&r, AS_ROOT, "unload"));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	run_free(&r);

	ASSERT_EQ(0, CTL(&r, AS_ROOT, "tree"));
	EXPECT_EQ(EXIT_NOT_LOADED, r.status);
	EXPECT_NE(NULL, strstr(r.err, "not loaded; load it: ioasidctl load")) TH_LOG("%s", r.err);
	run_free(&r);
	ASSERT_EQ(0, CTL(&r, AS_ROOT, "stats", "--json"));
	EXPECT_EQ(EXIT_NOT_LOADED, r.status);
	EXPECT_STREQ("", r.out);
	run_free(&r);
	ASSERT_EQ(0, CTL(&r, AS_ROOT, "info"));
	EXPECT_EQ(EXIT_NOT_LOADED, r.status);
	EXPECT_NE(NULL, strstr(r.err, "/dev/ioasid: no such device; load the module: ioasidctl load"))
		TH_LOG("%s", r.err);
	run_free(&r);
	ASSERT_EQ(0, CTL(&r, AS_ROOT, "unload"));
	EXPECT_EQ(EXIT_NOT_LOADED, r.status);
	run_free(&r);

	ASSERT_EQ(0, CTL(&r, AS_ROOT, "load"));
	EXPECT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_STREQ("ioasidfd loaded\n", r.out);
	run_free(&r);
	ASSERT_EQ(0, CTL(&r, AS_ROOT, "tree", "--json"));
	EXPECT_EQ(0, r.status);
	EXPECT_STREQ("{\"version\":1,\"contexts\":[]}\n", r.out);
	run_free(&r);
}

TEST_HARNESS_MAIN
