// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz: a seeded, reproducible fuzzer of /dev/ioasid with a differential
 * model. One kselftest (fuzz.run) makes N operations, each one ioctl with
 * arguments drawn from a PRNG, and checks every answer against a userspace
 * model of the context (model.c) and the errno contract of the uAPI header
 * (contract.c). The first divergence stops the run and prints the seed, the
 * index of the call and the call, so that
 *
 *	fuzz -s SEED -n INDEX+1 [-x]
 *
 * makes exactly the same calls again (-x prints each one).
 *
 * Options (the kselftest harness's own -t/-f/... also work):
 *   -s SEED   seed (decimal or 0x...); else $IOASID_FUZZ_SEED; else the clock
 *   -n N      ioctl calls (default 1000000 / ioasid_test_scale())
 *   -x        trace: print every call
 *   -p        paranoid: check the dirty records after every operation
 *   -c K      compare all pinned memory with the model every K ops (512)
 *   -d SECS   stop early, passing, after SECS seconds (240; 0: never)
 */
#include <fcntl.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ioasid_test.h"
#include "fuzz.h"

/* Each ioctl's size as first shipped, from the shared list. */
uint32_t fz_min_size[32];

static struct {
	uint64_t seed, n;
	bool seed_set, trace, paranoid;
	unsigned int check_every;
	double deadline;
} opt = { .check_every = 512, .deadline = 240 };

static bool stopped;

bool fz_stopped(const struct fz *f)
{
	(void)f;
	return stopped;
}

/* The first divergence's report, printed again after the statistics. */
static char first_report[4096];

static void report(struct fz *f, const char *kind, const char *fmt, va_list ap)
{
	char desc[1024], what[1024];

	vsnprintf(what, sizeof(what), fmt, ap);
	fz_describe(&f->call, desc, sizeof(desc));
	snprintf(first_report, sizeof(first_report),
		 "# %s at call index %llu (seed %llu)\n# %s\n#   last call: %s\n"
		 "#   reproduce: fuzz -s %llu -n %llu -x\n", kind,
		 (unsigned long long)(f->calls ? f->calls - 1 : 0),
		 (unsigned long long)f->seed, what, desc,
		 (unsigned long long)f->seed, (unsigned long long)f->calls);
	fputs(first_report, stdout);
	fflush(stdout);
	stopped = true;
}

void fz_fail(struct fz *f, const char *fmt, ...)
{
	va_list ap;

	if (stopped)
		return;
	f->divergences++;
	va_start(ap, fmt);
	report(f, "DIVERGENCE", fmt, ap);
	va_end(ap);
}

void fz_abort(struct fz *f, const char *fmt, ...)
{
	va_list ap;

	if (stopped)
		return;
	va_start(ap, fmt);
	report(f, "FUZZER LIMIT (not a kernel divergence)", fmt, ap);
	va_end(ap);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool has_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[CAP_IPC_LOCK / 32].effective & (1u << (CAP_IPC_LOCK % 32));
}

/*
 * The fuzzer's memory, with inaccessible pages between the regions. The
 * pinned buffer starts at an odd multiple of 2 MiB: kernel-chosen IOVAs are
 * aligned like their source address, so that alignment (2 MiB for the
 * buffer's start, less inside it) must not depend on where mmap() put it,
 * or the same seed would not make the same calls.
 */
static int mem_setup(struct fz_mem *mem)
{
	const size_t pg = 4096, mb2 = 512 * pg, slack = 3 * mb2;
	size_t pages = 2 + FZ_BUF_PAGES + 2 + FZ_RO_PAGES + 2 + FZ_SCRATCH_PAGES +
		       2 + 2 + 1 + 1 + 1 + FZ_AUX_PAGES + 1 + 1;
	uint8_t *raw, *p;
	size_t i;

	raw = mmap(NULL, pages * pg + slack, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return -1;
	madvise(raw, pages * pg + slack, MADV_NOHUGEPAGE);
	p = (uint8_t *)((((uintptr_t)raw + 2 * mb2 - 1) & ~(2 * mb2 - 1)) + mb2);
	mem->buf = p;
	mem->ro = p + (FZ_BUF_PAGES + 2) * pg;
	mem->scratch = mem->ro + (FZ_RO_PAGES + 2) * pg;
	mem->arg = mem->scratch + (FZ_SCRATCH_PAGES + 2) * pg;
	mem->arg_ro = mem->arg + 3 * pg;
	mem->aux = mem->arg_ro + 2 * pg;
	mem->guard = mem->aux + (FZ_AUX_PAGES + 1) * pg;
	if (mprotect(mem->buf, FZ_BUF_PAGES * pg, PROT_READ | PROT_WRITE) ||
	    mprotect(mem->ro, FZ_RO_PAGES * pg, PROT_READ | PROT_WRITE) ||
	    mprotect(mem->scratch, FZ_SCRATCH_PAGES * pg, PROT_READ | PROT_WRITE) ||
	    mprotect(mem->arg, 2 * pg, PROT_READ | PROT_WRITE) ||
	    mprotect(mem->arg_ro, pg, PROT_READ | PROT_WRITE) ||
	    mprotect(mem->aux, FZ_AUX_PAGES * pg, PROT_READ | PROT_WRITE))
		return -1;
	mem->shadow_buf = malloc(FZ_BUF_PAGES * pg);
	mem->shadow_ro = malloc(FZ_RO_PAGES * pg);
	if (!mem->shadow_buf || !mem->shadow_ro)
		return -1;
	for (i = 0; i < FZ_BUF_PAGES * pg; i++)
		mem->buf[i] = mem->shadow_buf[i] = i * 7 + i / pg;
	for (i = 0; i < FZ_RO_PAGES * pg; i++)
		mem->ro[i] = mem->shadow_ro[i] = ~(i * 11 + i / pg);
	memset(mem->scratch, 0, FZ_SCRATCH_PAGES * pg);
	memset(mem->arg_ro, 0, pg);
	memset(mem->aux, 0, FZ_AUX_PAGES * pg);
	if (mprotect(mem->ro, FZ_RO_PAGES * pg, PROT_READ) ||
	    mprotect(mem->arg_ro, pg, PROT_READ))
		return -1;
	return 0;
}

/* Module-wide totals of /sys/class/misc/ioasid before the run. */
static long long base_nodes, base_mappings, base_pinned;

/*
 * Every object's INFO, the memory, and the module's totals: with only this
 * context open (the VM runs one test at a time), they are the model's.
 */
static void sweep(struct fz *f)
{
	long long nodes = ioasid_sysfs_stat("nodes");
	long long mappings = ioasid_sysfs_stat("mappings");
	long long pinned = ioasid_sysfs_stat("pinned_bytes");
	long long rig_nodes, rig_mappings, rig_pinned;
	unsigned int i;

	/* The page request rig's context (ops_fault.c) counts too. */
	fz_rig_totals(&rig_nodes, &rig_mappings, &rig_pinned);
	nodes -= rig_nodes;
	mappings -= rig_mappings;
	pinned -= rig_pinned;
	/* And the walk rig's (ops_walk.c). */
	fz_walk_totals(&rig_nodes, &rig_mappings, &rig_pinned);
	nodes -= rig_nodes;
	mappings -= rig_mappings;
	pinned -= rig_pinned;

	for (i = 0; i < f->m.nnodes && !stopped; i++)
		op_node_info_of(f, f->m.nodes[i].id);
	for (i = 0; i < f->m.ndevs && !stopped; i++)
		op_dev_info_of(f, f->m.devs[i].id);
	fz_fault_sweep(f);
	if (stopped || !fz_check_memory(f) || nodes < 0 || base_nodes < 0)
		return;
	f->call.name = "sysfs totals";
	f->call.cmd = -1;
	f->call.how = "read";
	if (nodes - base_nodes != f->m.nnodes ||
	    mappings - base_mappings != model_num_mappings(&f->m) ||
	    pinned - base_pinned != (long long)model_pinned_bytes(&f->m))
		fz_fail(f, "module totals: %lld nodes, %lld mappings, %lld bytes "
			"pinned; the model has %u, %u, %llu", nodes - base_nodes,
			mappings - base_mappings, pinned - base_pinned, f->m.nnodes,
			model_num_mappings(&f->m),
			(unsigned long long)model_pinned_bytes(&f->m));
}

FIXTURE(fuzz) {};
FIXTURE_SETUP(fuzz) {}
FIXTURE_TEARDOWN(fuzz) {}

TEST_F_TIMEOUT(fuzz, run, 3600)
{
	static const char *const names[32] = {
		"GET_INFO", "ALLOC", "DESTROY", "NODE_INFO", "MAP", "UNMAP",
		"COPY", "BATCH", "IOVA_RANGES", "RESERVE_IOVA", "OPTION",
		"DEVICE_CREATE", "DEVICE_INFO", "ATTACH", "DETACH", "DMA",
		"TRANSLATE", "DIRTY_TRACKING", "DIRTY_BITMAP", "FORMAT_INFO",
		"BIND", "UNBIND", "INVALIDATE", "FAULT_QUEUE_ALLOC",
		"FAULT_QUEUE_INFO", "read(queue)", "write(queue)", "close/poll(q)",
		[31] = "unknown ioctls",
	};
	static struct fz fzs;
	struct fz *f = &fzs;
	double t0, elapsed;
	unsigned int i;

	f->seed = opt.seed;
	f->ncalls = opt.n ? opt.n : 1000000 / ioasid_test_scale();
	f->trace = opt.trace;
	f->paranoid = opt.paranoid;
	f->check_every = opt.check_every ? opt.check_every : 1;
	f->rng = f->seed;
	printf("# seed %llu\n# calls %llu (reproduce: fuzz -s %llu -n %llu)\n",
	       (unsigned long long)f->seed, (unsigned long long)f->ncalls,
	       (unsigned long long)f->seed, (unsigned long long)f->ncalls);
	fflush(stdout);

	ASSERT_LE(0, ioasid_module_load(NULL, 0));
	ASSERT_EQ(0, mem_setup(&f->mem));
	f->capable = has_ipc_lock();
	model_init(&f->m);
	f->m.rw_start = (uintptr_t)f->mem.buf;
	f->m.rw_len = FZ_BUF_PAGES * 4096;
	f->m.ro_start = (uintptr_t)f->mem.ro;
	f->m.ro_len = FZ_RO_PAGES * 4096;
	base_nodes = ioasid_sysfs_stat("nodes");
	base_mappings = ioasid_sysfs_stat("mappings");
	base_pinned = ioasid_sysfs_stat("pinned_bytes");
	fz_pci_setup(f, ioasid_test_scale());
	fz_reset_context(f, false);
	ASSERT_FALSE(stopped);

	t0 = now();
	for (f->op = 0; f->calls < f->ncalls && !stopped; f->op++) {
		fz_step(f);
		if (f->paranoid && !stopped)
			fz_paranoid(f);
		if (stopped)
			break;
		if (f->op % f->check_every == f->check_every - 1)
			fz_check_memory(f);
		if (f->op % 8192 == 8191)
			sweep(f);
		/* Now and then, close the context with everything in it. */
		if (f->op % 40000 == 39999 && !stopped) {
			sweep(f);
			fz_reset_context(f, true);
		}
		if (f->op % 1024 == 1023 && opt.deadline > 0 &&
		    now() - t0 > opt.deadline) {
			printf("# deadline of %.0f s reached after %llu of %llu "
			       "calls\n", opt.deadline,
			       (unsigned long long)f->calls,
			       (unsigned long long)f->ncalls);
			f->op++;
			break;
		}
	}
	if (!stopped)
		sweep(f);
	elapsed = now() - t0;
	if (!stopped) {
		/* After close, the module holds nothing of the context. */
		ioasid_close(f->h);
		f->h = NULL;
		fz_fault_close_fds(f);
		fz_rig_teardown(f);
		fz_walk_teardown(f);
		model_reset(&f->m);
		sweep(f);
	}

	printf("# %llu operations, %llu calls in %.1f s: %.0f calls/s\n",
	       (unsigned long long)f->op, (unsigned long long)f->calls, elapsed,
	       elapsed > 0 ? f->calls / elapsed : 0.0);
	printf("#   DMA moved %llu bytes, %llu transfers stopped part way\n",
	       (unsigned long long)f->dma_bytes, (unsigned long long)f->dma_partial);
	fz_fault_summary(f);
	fz_walk_summary(f);
	fz_pci_teardown(f);
	/* Which outcomes each ioctl had: the contract's coverage. */
	for (i = 0; i < 32; i++) {
		char line[512];
		size_t off;
		int e;

		if (!f->stats[i])
			continue;
		off = snprintf(line, sizeof(line), "#   %-15s %8llu:", names[i] ?
			       names[i] : "?", (unsigned long long)f->stats[i]);
		for (e = 0; e < 128 && off < sizeof(line); e++)
			if (f->outcomes[i][e])
				off += snprintf(line + off, sizeof(line) - off, " %s %llu",
						e ? fz_errname(e) : "ok",
						(unsigned long long)f->outcomes[i][e]);
		puts(line);
	}
	fflush(stdout);
	if (stopped) {
		fputs(first_report, stdout);
		printf("# FAILED with seed %llu at call index %llu: fuzz -s %llu -n %llu -x\n",
		       (unsigned long long)f->seed,
		       (unsigned long long)(f->calls ? f->calls - 1 : 0),
		       (unsigned long long)f->seed, (unsigned long long)f->calls);
	}
	EXPECT_FALSE(stopped);
}

static void usage(const char *argv0)
{
	printf("usage: %s [-s SEED] [-n N] [-x] [-p] [-c K] [-d SECS] [harness options]\n"
	       "  -s SEED  seed (else $IOASID_FUZZ_SEED, else the clock)\n"
	       "  -n N     ioctl calls (default 1000000 / IOASID_TEST_SCALE)\n"
	       "  -x       print every call\n"
	       "  -p       check the dirty records after every operation\n"
	       "  -c K     compare all pinned memory with the model every K ops\n"
	       "  -d SECS  stop early (passing) after SECS seconds; 0: never\n",
	       argv0);
}

int main(int argc, char **argv)
{
	char **rest = calloc(argc + 1, sizeof(*rest));
	const char *env = getenv("IOASID_FUZZ_SEED");
	struct timespec ts;
	int i, n = 0;

#define X(type, ioctl, last) \
	fz_min_size[_IOC_NR(ioctl) & 31] = offsetofend(struct type, last);
	IOASID_FOR_EACH_IOCTL(X)
#undef X
	rest[n++] = argv[0];
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s") && i + 1 < argc) {
			opt.seed = strtoull(argv[++i], NULL, 0);
			opt.seed_set = true;
		} else if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			opt.n = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			opt.check_every = strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "-d") && i + 1 < argc) {
			opt.deadline = strtod(argv[++i], NULL);
		} else if (!strcmp(argv[i], "-x")) {
			opt.trace = true;
		} else if (!strcmp(argv[i], "-p")) {
			opt.paranoid = true;
		} else {
			if (!strcmp(argv[i], "-h"))
				usage(argv[0]);
			rest[n++] = argv[i];
		}
	}
	if (!opt.seed_set && env && *env) {
		opt.seed = strtoull(env, NULL, 0);
		opt.seed_set = true;
	}
	if (!opt.seed_set) {
		clock_gettime(CLOCK_REALTIME, &ts);
		opt.seed = (uint64_t)ts.tv_sec * 1000000007ULL ^ ts.tv_nsec ^
			   (uint64_t)getpid() << 32;
	}
	return test_harness_run(n, rest);
}
