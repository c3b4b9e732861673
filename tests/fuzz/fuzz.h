/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ioasid fuzzer: what every file of it shares. The run's state (struct
 * fz), the seeded PRNG, the process memory the fuzzer maps and pins, and the
 * reporting of divergences.
 *
 *   main.c      options, the KTAP test, the loop
 *   ops.c       the call plumbing (struct placement, sizes, checks), the
 *               pickers, and the choice of the next operation
 *   ops_node.c  GET_INFO, ALLOC, DESTROY, NODE_INFO, IOVA_RANGES,
 *               RESERVE_IOVA, OPTION, unknown ioctls, CPU writes
 *   ops_map.c   MAP, UNMAP, COPY, BATCH
 *   ops_dev.c   devices, ATTACH/DETACH, DMA, TRANSLATE, dirty tracking
 *   ops_user.c  FORMAT_INFO, BIND, UNBIND, INVALIDATE
 *   ops_pci.c   a real PCI device (edu): ADOPT, ATTACH/DETACH, its DMA
 *   ops_fault.c fault queues, their records and responses, and page
 *               requests (a context of their own: the rig)
 *   ops_walk.c  DMA and TRANSLATE through user-managed nodes of every
 *               format, over scribbled tables (a context of its own)
 *   ops_walk_kinds.c
 *               the walk rig's nodes of the PASID-table kinds (walk_rig.h:
 *               what they share with ops_walk.c)
 *   kinds.c     PASID-table kinds: descriptors, guest entries (BIND)
 *   model.c     the userspace model of one context
 *   contract.c  the errno each call must return, per the uAPI header
 *   describe.c  printing a call's struct for reports and traces
 */
#ifndef IOASID_FUZZ_H
#define IOASID_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libioasid.h>

#include "model.h"

/* Process memory, laid out once; see mem_setup() in main.c. */
#define FZ_BUF_PAGES		128	/* RW, pinned by MAP, shadowed */
#define FZ_RO_PAGES		8	/* read-only, pinned by READ-only MAP */
#define FZ_SCRATCH_PAGES	8	/* the user end of DMA */
#define FZ_AUX_PAGES		4	/* batch entries, ranges, bitmaps */

struct fz_mem {
	uint8_t *buf;		/* FZ_BUF_PAGES, guard pages on both sides */
	uint8_t *ro;		/* FZ_RO_PAGES, guard pages on both sides */
	uint8_t *scratch;	/* FZ_SCRATCH_PAGES, guard page after */
	uint8_t *arg;		/* one RW page: the ioctl's struct */
	uint8_t *arg_ro;	/* one read-only page */
	uint8_t *aux;		/* FZ_AUX_PAGES RW, guard page after */
	uint8_t *guard;		/* a PROT_NONE page */
	uint8_t *shadow_buf;	/* what buf must hold */
	uint8_t *shadow_ro;	/* what ro must hold */
};

/* The call being made, kept for reports: name, how it was made, its input. */
struct fz_call {
	const char *name;
	const char *how;	/* "ioctl", "lib", "ioctl ro-arg", ... */
	unsigned int cmd;	/* IOASID_CMD_*, or -1 for none */
	uint32_t size;		/* the size field as passed */
	uint8_t in[128];	/* the struct as passed (first bytes) */
	char note[160];		/* op-specific context */
};

struct fz {
	int fd;
	struct ioasid_handle *h;
	struct model m;
	struct fz_mem mem;
	uint64_t rng;
	uint64_t seed;
	uint64_t op;		/* index of the current operation */
	uint64_t ncalls;	/* ioctls to make (-n) */
	uint64_t calls;		/* ioctls made */
	uint64_t divergences;
	unsigned int check_every;	/* full memory compare interval */
	bool trace;
	bool paranoid;		/* -p: extra checks after every operation */
	bool capable;		/* CAP_IPC_LOCK: no RLIMIT_MEMLOCK failures */
	struct fz_call call;
	uint64_t stats[32];	/* per IOASID_CMD_*: calls */
	uint64_t outcomes[32][128];	/* per IOASID_CMD_*: calls by errno */
	uint64_t t0, t1;		/* CLOCK_MONOTONIC around the last call */
	uint64_t dma_bytes;		/* bytes DMA moved, and checked */
	uint64_t dma_partial;		/* DMAs that stopped part way */
};

/* splitmix64: small, fast, and every seed is a good one. */
static inline uint64_t rnd(struct fz *f)
{
	uint64_t z = (f->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. */
static inline uint64_t rn(struct fz *f, uint64_t n)
{
	return rnd(f) % n;
}

/* True with probability pct percent. */
static inline bool pct(struct fz *f, unsigned int p)
{
	return rn(f, 100) < p;
}

/* Small numbers more often: 1 + geometric-ish, at most max. */
static inline uint64_t rsmall(struct fz *f, uint64_t max)
{
	uint64_t v = 1;

	while (v < max && pct(f, 45))
		v += 1 + rn(f, v);
	return v < max ? v : max;
}

/* main.c: report a divergence of the current call; the run stops. */
void fz_fail(struct fz *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* main.c: an internal limit of the fuzzer was hit (not a kernel bug). */
void fz_abort(struct fz *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool fz_stopped(const struct fz *f);

/* ops.c / ops_dev.c */
void fz_step(struct fz *f);
void fz_reset_context(struct fz *f, bool reopen);
bool fz_check_memory(struct fz *f);
void op_node_info_of(struct fz *f, uint32_t id);
void op_dev_info_of(struct fz *f, uint32_t id);
void fz_paranoid(struct fz *f);

/* ops_pci.c: the edu device, when it can be adopted */
void fz_pci_setup(struct fz *f, unsigned int scale);
void fz_pci_teardown(struct fz *f);

/* ops_fault.c: fault queues and page requests */
void fz_fault_setup(struct fz *f, bool has_cap);
bool fz_fault_on(void);
void fz_fault_sweep(struct fz *f);
void fz_fault_summary(struct fz *f);
void fz_fault_close_fds(struct fz *f);
void fz_fault_after_op(struct fz *f);
void fz_rig_teardown(struct fz *f);
void fz_rig_totals(long long *nodes, long long *mappings, long long *pinned);
uint64_t fz_now_ns(void);

/* ops_walk.c: DMA through user-managed nodes of every format (the walk rig) */
void fz_walk_teardown(struct fz *f);
void fz_walk_totals(long long *nodes, long long *mappings, long long *pinned);
void fz_walk_summary(struct fz *f);

/* describe.c */
void fz_describe(const struct fz_call *c, char *out, size_t len);
const char *fz_errname(int err);
/* Names of enum ioasid_format and enum ioasid_fault_reason values ("?"). */
const char *fz_format_name(uint32_t format);
const char *fz_reason_name(uint32_t reason);

#endif
