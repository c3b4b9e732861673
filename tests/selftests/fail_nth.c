// SPDX-License-Identifier: GPL-2.0
/*
 * Fault-injection sweep over every ioctl and object of /dev/ioasid, in the
 * manner of iommufd's fail_nth selftest, on kernels with per-thread
 * fail-nth (the project's -debug kernel; elsewhere every sweep SKIPs).
 *
 * Each sequence is a world built without injection (a context, nodes,
 * mappings, devices...) and a short body run under injection. For nth = 1,
 * 2, ...: build the world, snapshot it, make the nth fault-injection check of
 * this thread fail (a slab or page allocation, a copy from or to user space),
 * run the body, disarm, and judge:
 *  - a call that fails returns an errno its documentation allows for want of
 *    memory or a failed copy (ENOMEM, EFAULT, EINTR as the uAPI header says);
 *  - the state afterwards is the snapshot before, changed by exactly what
 *    succeeded: a failed call made nothing (no node, no mapping, no pin, no
 *    attachment, no id, no lost dirty record), per object and module-wide;
 *  - memory is written by DMA up to out_done and nowhere else;
 *  - after closing the context, the module's totals in /sys/class/misc/ioasid
 *    and the kernel's count of FOLL_PIN pins are back where they started;
 *  - the kernel logged nothing troubling (an injected failure prints nothing:
 *    every fault attribute is set verbose=0).
 * The sweep stops at the first nth that injected nothing (that run must
 * succeed); "# <sequence>: N injection points" reports how many it took. A
 * run that went wrong is reported (sequence, nth, what failed, every
 * difference) and the sweep goes on from what is left, up to MAX_BAD_RUNS.
 *
 * A sequence is one FN_SEQ() line: a world (W_* flags), a body, and what a
 * success changes (expect). See "Sequences" below. The injection machinery
 * is in tests/include/fail_nth.h.
 *
 * The pci_* sequences drive a real PCI device (QEMU's edu, through a VFIO
 * container of type IOASID_VFIO_IOMMU) and check its DMA; without the device,
 * vfio-pci or ioasidfd_vfio they SKIP. See "A real PCI device" below.
 *
 * The fault queue sequences (issue 11) build worlds with a queue (W_QUEUE),
 * a node naming it, a PRI device on the user-managed node and a hole in its
 * guest table (W_PRI, W_HOLE), a page request pending there (W_PENDING) or
 * FAULT records queued (W_RECORDS). Snapshots also hold each queue's INFO,
 * each node's OPTION FAULT_QUEUE and the process's open fds, so a queue
 * whose FAULT_QUEUE_ALLOC failed must have left neither an fd nor an
 * object; read(), write() and close() of the queue's fd are calls of the
 * bodies too, and their verify steps finish what a failure interrupted
 * (answer, RETRY, read the rest) to show the state is still usable.
 *
 * The PASID-table kind sequences (issue 12 item 4, FN_SEQ_KIND) make the
 * user node a kind (SMMUv3 CD, AMD GCR3, RISC-V PDT) bound with the guest's
 * entry to a PASID table in buf page K_TABLE, the device attached to it
 * without a PASID, and DMA with U_PASID walking the table and its stage 1.
 *
 * The dirty_lost tests at the end are regression tests for one known kernel
 * bug: a dirty record lost when storing it fails, or when the clearing read
 * that reports it cannot copy the bitmap out.
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ioasid_test.h"
#include "fail_nth.h"
#include "ioasid_pci.h"

#define PAGE		4096ULL
#define RW		(IOASID_MAP_READ | IOASID_MAP_WRITE)
#define FIXED		IOASID_MAP_FIXED_IOVA
#define BUF_PAGES	64
#define LOCAL_PAGES	16
#define WARM_PAGES	16
/* Fixed mappings of every node start here; snapshots read dirty bits of 64 pages from it. */
#define W_IOVA		0x100000ULL
#define WIN_PAGES	64
#define RES_IOVA	0x40000000ULL
#define RES_LEN		(16 * PAGE)
#define PASID		5
/*
 * The user-managed node's guest table: 4 levels in buf pages 12..15 (GPAs
 * W_IOVA + 12p..), mapping U_IOVA..+4p to GPAs W_IOVA + 2p..+6p, with A and
 * D already set so that walking writes nothing to buf.
 */
#define U_IOVA		0x40000000ULL
#define U_PASID		6
#define U_TABLE		12
#define U_DATA		2
/*
 * The same table also maps IOVA 0..+4p (its level-3 entry 0 shares the
 * level-2 table of U_IOVA): the edu device reaches only 28-bit addresses,
 * so PCI DMA through the user node goes to P_UIOVA (-> buf page U_DATA + 1).
 */
#define P_UIOVA		(1 * PAGE)
/* edu transfers of the PCI sequences: P_XFER bytes at P_OFF into a page. */
#define P_XFER		64u
#define P_OFF		0x40u
#define MAX_IDS		8
/* No sequence comes near this; reaching it means the sweep never ends. */
#define MAX_NTH		3000
/* A sweep goes on past a run that went wrong, up to this many of them. */
#define MAX_BAD_RUNS	8

/* Pseudo requests for the calls that are not ioctls. */
#define FN_OPEN		1UL
#define FN_CLOSE	2UL
#define FN_QREAD	3UL	/* read() of a fault queue */
#define FN_QWRITE	4UL	/* write() of page responses to it */
#define FN_QCLOSE	5UL	/* close() of its fd */
/*
 * The fault queue sequences: a guest page of the user node's table whose
 * entry is cleared (the hole: U_IOVA + 3p, buf page U_DATA + 3), and the
 * DMA that runs into it: 512 bytes from 256 before it, so that a transfer
 * stops there with out_done 256.
 */
#define H_PAGE		3
#define H_IOVA		(U_IOVA + H_PAGE * PAGE - 256)
#define H_LEN		512u
#define H_DONE		256u
/* An IOVA no node maps: DMA there faults (NOT_MAPPED). */
#define F_IOVA		(W_IOVA + 40 * PAGE)

/*
 * The errors each call may return when an allocation or a copy from or to
 * user space fails, as uapi/linux/ioasid.h documents them (EFAULT is
 * documented for every ioctl). Anything else fails the test.
 */
static const struct fn_op {
	unsigned long req;
	const char *name;
	int errnos[4];
} fn_ops[] = {
	{ FN_OPEN, "open", { ENOMEM, EFAULT } },
	{ FN_CLOSE, "close", { 0 } },
	{ IOASID_GET_INFO, "GET_INFO", { EFAULT } },
	{ IOASID_ALLOC, "ALLOC", { ENOMEM, EFAULT } },
	{ IOASID_DESTROY, "DESTROY", { EFAULT } },
	{ IOASID_NODE_INFO, "NODE_INFO", { EFAULT } },
	{ IOASID_MAP, "MAP", { ENOMEM, EFAULT, EINTR } },
	{ IOASID_UNMAP, "UNMAP", { EFAULT } },
	{ IOASID_COPY, "COPY", { ENOMEM, EFAULT } },
	{ IOASID_BATCH, "BATCH", { ENOMEM, EFAULT, EINTR } },
	{ IOASID_IOVA_RANGES, "IOVA_RANGES", { ENOMEM, EFAULT } },
	{ IOASID_RESERVE_IOVA, "RESERVE_IOVA", { ENOMEM, EFAULT } },
	{ IOASID_OPTION, "OPTION", { EFAULT } },
	{ IOASID_DEVICE_CREATE, "DEVICE_CREATE", { ENOMEM, EFAULT } },
	{ IOASID_DEVICE_INFO, "DEVICE_INFO", { EFAULT } },
	{ IOASID_ATTACH, "ATTACH", { ENOMEM, EFAULT } },
	{ IOASID_DETACH, "DETACH", { ENOMEM, EFAULT } },
	{ IOASID_DMA, "DMA", { ENOMEM, EFAULT, EINTR } },
	{ IOASID_TRANSLATE, "TRANSLATE", { ENOMEM, EFAULT } },
	{ IOASID_DIRTY_TRACKING, "DIRTY_TRACKING", { EFAULT } },
	{ IOASID_DIRTY_BITMAP, "DIRTY_BITMAP", { ENOMEM, EFAULT } },
	{ IOASID_FORMAT_INFO, "FORMAT_INFO", { EFAULT } },
	{ IOASID_BIND, "BIND", { EFAULT } },
	{ IOASID_UNBIND, "UNBIND", { EFAULT } },
	{ IOASID_INVALIDATE, "INVALIDATE", { EFAULT } },
	{ IOASID_VFIO_ADOPT, "ADOPT", { ENOMEM, EFAULT } },
	{ IOASID_FAULT_QUEUE_ALLOC, "FAULT_QUEUE_ALLOC", { ENOMEM, EFAULT } },
	{ IOASID_FAULT_QUEUE_INFO, "FAULT_QUEUE_INFO", { EFAULT } },
	/* read() and write() of a queue: only their copies can fail. */
	{ FN_QREAD, "read", { EFAULT } },
	{ FN_QWRITE, "write", { EFAULT } },
	{ FN_QCLOSE, "close queue", { 0 } },
};

static const struct fn_op *fn_op(unsigned long req)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fn_ops); i++)
		if (fn_ops[i].req == req)
			return &fn_ops[i];
	return NULL;
}

static const char *fn_op_name(unsigned long req)
{
	const struct fn_op *op = fn_op(req);

	return op ? op->name : "?";
}

static bool fn_errno_ok(unsigned long req, int err)
{
	const struct fn_op *op = fn_op(req);
	unsigned int i;

	for (i = 0; op && i < ARRAY_SIZE(op->errnos) && op->errnos[i]; i++)
		if (op->errnos[i] == err)
			return true;
	return false;
}

/* One DMA of a body, for checking memory afterwards. */
struct fn_dma {
	uint32_t flags;
	uint64_t buf_off;	/* offset in buf of the IOVA it starts at */
	uint64_t local_off;	/* offset in local of its buffer */
	uint64_t len;
	uint64_t done;
	int rc;
};

struct fn_state {
	int fd;
	uint32_t root, root2, child, dev, user;
	uint32_t ufmt;		/* the user node's enum ioasid_format */
	uint32_t kind;		/* its PASID-table kind (format 5 to 7), or 0 */
	uint32_t pdev;		/* the adopted PCI device (edu) */
	struct pci_vfio *pci;	/* its VFIO container and device, or NULL */
	uint32_t pasid;		/* the PASID of DMA and TRANSLATE with one */
	uint32_t next_id;	/* the id the next object would get */
	uint32_t qid;		/* the fault queue */
	int qfd;		/* its fd (O_NONBLOCK), or -1 */
	uint32_t group;		/* the pending page request group (W_PENDING) */
	uint8_t *buf;		/* BUF_PAGES: what root mappings map */
	uint8_t *buf_ref;	/* its contents as each setup leaves them */
	uint8_t *local;		/* LOCAL_PAGES: the other end of DMA */
	uint8_t *local_ref;
	uint8_t *warm;		/* WARM_PAGES: where warming reads go */
	uint8_t scratch;
	/* What the body did. */
	unsigned long fail_req;
	int fail_errno;
	unsigned int ndma;
	struct fn_dma dma[4];
	uint32_t out_id;
	uint64_t out_iova;
	uint32_t batch_count, batch_done;
	uint64_t bitmap[2];
	struct ioasid_translate tr[2];
	unsigned int ntr;
	unsigned int nok;	/* calls of the body that succeeded */
	int out_fd;		/* FAULT_QUEUE_ALLOC's */
	uint32_t out_group;	/* the last DMA's */
	ssize_t qret;		/* what the last read() or write() of the queue returned */
	struct ioasid_fault_record recs[4];	/* what the body read */
	/* CPU writes of the body to buf (guest table entries): offset, value. */
	unsigned int ncpu;
	struct { uint64_t off, val; } cpu[2];
	union {
		struct ioasid_map maps[4];
		struct ioasid_unmap unmaps[4];
	};
};

/* An ioctl of a body or a world: on failure, what failed is remembered. */
static int fn_ioctl(struct fn_state *s, unsigned long req, void *arg)
{
	if (!ioctl(s->fd, req, arg)) {
		s->nok++;
		return 0;
	}
	s->fail_req = req;
	s->fail_errno = errno;
	return -1;
}

static int fn_alloc(struct fn_state *s, uint32_t parent, uint32_t *id)
{
	struct ioasid_alloc a = { .size = sizeof(a), .mode = IOASID_MODE_KERNEL_MANAGED,
				  .parent_id = parent };
	int rc = fn_ioctl(s, IOASID_ALLOC, &a);

	*id = a.out_id;
	return rc;
}

static int fn_map(struct fn_state *s, uint32_t id, uint64_t addr, uint64_t len,
		  uint64_t *iova, uint32_t flags)
{
	struct ioasid_map m = { .size = sizeof(m), .flags = flags, .id = id,
				.addr = addr, .length = len, .iova = *iova };
	int rc = fn_ioctl(s, IOASID_MAP, &m);

	*iova = m.iova;
	return rc;
}

/*
 * The user node's descriptor: 4 levels of 4 KiB tables in every format
 * (Arm64: 4 KiB granules, 48-bit halves, TTB1 on; RISC-V: Sv48; AMD v1:
 * Mode 4), each declared to update accessed and dirty state itself.
 */
static uint32_t fn_descriptor(uint32_t format, void *desc)
{
	memset(desc, 0, 32);
	if (format == IOASID_FORMAT_SMMUV3_CD) {
		struct ioasid_format_smmuv3_cd *d = desc;

		*d = (struct ioasid_format_smmuv3_cd){
			.hdr = { .size = sizeof(*d), .format = format },
			.ssid_bits = 20, .oas_bits = 48 };
		return sizeof(*d);
	}
	if (format == IOASID_FORMAT_AMD_GCR3) {
		struct ioasid_format_amd_gcr3 *d = desc;

		*d = (struct ioasid_format_amd_gcr3){
			.hdr = { .size = sizeof(*d), .format = format },
			.flags = IOASID_AMD_GCR3_AD_UPDATE, .pasid_bits = 20,
			.phys_bits = 48 };
		return sizeof(*d);
	}
	if (format == IOASID_FORMAT_RISCV_PDT) {
		struct ioasid_format_riscv_pdt *d = desc;

		*d = (struct ioasid_format_riscv_pdt){
			.hdr = { .size = sizeof(*d), .format = format },
			.flags = IOASID_RISCV_PDT_PD8 | IOASID_RISCV_PDT_PD17 |
				 IOASID_RISCV_PDT_PD20 | IOASID_RISCV_PDT_SV39 |
				 IOASID_RISCV_PDT_SV48 | IOASID_RISCV_PDT_SV57,
			.phys_bits = 48 };
		return sizeof(*d);
	}
	if (format == IOASID_FORMAT_ARM64) {
		struct ioasid_format_arm64 *a = desc;

		*a = (struct ioasid_format_arm64){
			.hdr = { .size = sizeof(*a), .format = format },
			.flags = IOASID_ARM64_HA | IOASID_ARM64_HD,
			.t0sz = 16, .t1sz = 16, .tg0 = 12, .tg1 = 12, .oas_bits = 48 };
		return sizeof(*a);
	}
	if (format == IOASID_FORMAT_RISCV) {
		struct ioasid_format_riscv *r = desc;

		*r = (struct ioasid_format_riscv){
			.hdr = { .size = sizeof(*r), .format = format },
			.flags = IOASID_RISCV_AD_UPDATE, .levels = 4, .phys_bits = 48 };
		return sizeof(*r);
	}
	if (format == IOASID_FORMAT_AMD_V1) {
		struct ioasid_format_amd_v1 *d = desc;

		*d = (struct ioasid_format_amd_v1){
			.hdr = { .size = sizeof(*d), .format = format },
			.flags = IOASID_AMD_V1_AD_UPDATE, .levels = 4, .phys_bits = 48 };
		return sizeof(*d);
	}
	{
		struct ioasid_format_x86_64 *x = desc;

		*x = (struct ioasid_format_x86_64){
			.hdr = { .size = sizeof(*x), .format = IOASID_FORMAT_X86_64 },
			.flags = IOASID_X86_64_AD_UPDATE, .levels = 4, .phys_bits = 48 };
		return sizeof(*x);
	}
}

static int fn_alloc_user_q(struct fn_state *s, uint32_t parent, uint32_t *id,
			   uint32_t flags, uint32_t queue)
{
	uint8_t f[32];
	struct ioasid_alloc a = { .size = sizeof(a), .mode = IOASID_MODE_USER_MANAGED,
				  .flags = flags, .fault_queue_id = queue,
				  .parent_id = parent, .format = (uintptr_t)f };
	int rc;

	a.format_len = fn_descriptor(s->ufmt, f);
	rc = fn_ioctl(s, IOASID_ALLOC, &a);
	*id = a.out_id;
	return rc;
}

static int fn_alloc_user(struct fn_state *s, uint32_t parent, uint32_t *id,
			 uint32_t flags)
{
	return fn_alloc_user_q(s, parent, id, flags, 0);
}

/*
 * BIND the user node to a table at @root, or (IOASID_UNBIND) unbind it. An
 * Arm64 node gets the same table as TTB1: an address of the upper half
 * whose index bits are U_IOVA's translates as U_IOVA does (U_TTB1).
 */
#define U_TTB1		(0xffff000000000000ULL | U_IOVA)
static void fn_kind_entry(uint32_t kind, __u64 e[4]);
static int fn_bind(struct fn_state *s, unsigned long req, uint64_t root)
{
	struct ioasid_bind b = { .size = sizeof(b), .id = s->user, .root = root };

	if (req == IOASID_BIND && s->ufmt == IOASID_FORMAT_ARM64)
		b.root1 = root;
	if (s->kind) {
		/* A kind binds the guest's entry (K_TABLE), no root. */
		b.root = 0;
		if (req == IOASID_BIND)
			fn_kind_entry(s->kind, b.entry);
	}
	return fn_ioctl(s, req, &b);
}

/*
 * One entry of the user node's table in @format: a pointer to the table
 * of level @level - 1 at @addr (@level > 1), or a 4 KiB leaf (@level 1),
 * with every permission and the accessed (and a leaf's dirty) state set,
 * so that walks write nothing.
 */
static uint64_t fn_entry(uint32_t format, unsigned int level, uint64_t addr)
{
	switch (format) {
	case IOASID_FORMAT_ARM64:	/* table / page, AF and AP[1] in the page */
		return addr | 3 | (level == 1 ? 0x440 : 0);
	case IOASID_FORMAT_RISCV:	/* V; a leaf R, W, X, U, A, D */
		return (addr >> 12) << 10 | (level == 1 ? 0xdf : 1);
	case IOASID_FORMAT_AMD_V1:	/* PR, NextLevel, IR, IW, A, D */
		return addr | 1 | (uint64_t)(level - 1) << 9 | 3ULL << 61 |
		       (level == 1 ? 0x60 : 0x20);
	}
	return addr | (level == 1 ? 0x67 : 0x27);	/* P, RW, US, A (and D) */
}

/*
 * PASID-table kinds (issue 12 item 4): the guest's PASID table in buf page
 * K_TABLE (GPA W_IOVA + K_TABLE p), whose entry for U_PASID points at the
 * stage-1 table of U_TABLE, encoded in the format the kind hands out:
 * SMMUv3 a linear CD table (S1CDMax 4) and an Arm64 CD (T0SZ 16, 4 KiB);
 * AMD a one-level GCR3 table (GLX 0) and x86-64 (4 levels); RISC-V a PD8
 * page of process contexts and Sv48. The device is attached to the kind
 * node without a PASID; its DMA with U_PASID walks both.
 */
#define K_TABLE		10
#define K_ROOT		(W_IOVA + K_TABLE * PAGE)

/* The stage-1 format of a kind's U_PASID entry (the format itself else). */
static uint32_t fn_stage1_format(uint32_t format)
{
	switch (format) {
	case IOASID_FORMAT_SMMUV3_CD:
		return IOASID_FORMAT_ARM64;
	case IOASID_FORMAT_AMD_GCR3:
		return IOASID_FORMAT_X86_64;
	case IOASID_FORMAT_RISCV_PDT:
		return IOASID_FORMAT_RISCV;
	}
	return format;
}

/* BIND's entry[] of a kind node: STE, DTE or DC pointing at K_ROOT. */
static void fn_kind_entry(uint32_t kind, __u64 e[4])
{
	memset(e, 0, 4 * sizeof(*e));
	switch (kind) {
	case IOASID_FORMAT_SMMUV3_CD:	/* V, Config S1, S1ContextPtr, S1CDMax 4 */
		e[0] = 1 | 5ULL << 1 | K_ROOT | 4ULL << 59;
		break;
	case IOASID_FORMAT_AMD_GCR3:	/* V, TV, GV, GLX 0, the root; DomainID 1 */
		e[0] = 3 | 1ULL << 55 | (K_ROOT >> 12 & 7) << 58;
		e[1] = 1 | (K_ROOT >> 15 & 0xffff) << 16 | (K_ROOT >> 31 & 0x1fffff) << 43;
		break;
	case IOASID_FORMAT_RISCV_PDT:	/* tc V, PDTV; fsc PD8 */
		e[0] = 1 | 1 << 5;
		e[2] = 1ULL << 60 | K_ROOT >> 12;
		break;
	}
}

/* The kind's PASID table in @buf, with U_PASID's entry only. */
static void fn_kind_table(uint8_t *buf, uint32_t kind)
{
	uint8_t *t = buf + K_TABLE * PAGE;
	uint64_t s1 = W_IOVA + U_TABLE * PAGE, v[3] = { 0 };

	memset(t, 0, PAGE);
	switch (kind) {
	case IOASID_FORMAT_SMMUV3_CD:
		/* T0SZ 16, TG0 4 KiB, EPD1, V, IPS 48 bits, AA64, A, ASID 1; TTB0 */
		v[0] = 16 | 1ULL << 30 | 1ULL << 31 | 5ULL << 32 | 1ULL << 41 |
		       1ULL << 46 | 1ULL << 48;
		v[1] = s1;
		memcpy(t + 64 * U_PASID, v, 24);
		break;
	case IOASID_FORMAT_AMD_GCR3:
		v[0] = s1 | 1;
		memcpy(t + 8 * U_PASID, v, 8);
		break;
	case IOASID_FORMAT_RISCV_PDT:
		v[0] = 1;				/* ta: V */
		v[1] = 9ULL << 60 | s1 >> 12;		/* fsc: Sv48 */
		memcpy(t + 16 * U_PASID, v, 16);
		break;
	}
}

/* The guest table of the user node (see U_TABLE), in @buf, in @format. */
static void fn_user_table(uint8_t *buf, uint32_t format)
{
	uint64_t *t = (uint64_t *)(buf + U_TABLE * PAGE);
	unsigned int lvl, k;

	/*
	 * Nothing else present: a shadow domain (PCI) is filled from every
	 * present entry, and the pattern would be entries with reserved bits.
	 */
	memset(t, 0, 4 * PAGE);
	for (lvl = 4; lvl > 1; lvl--, t += PAGE / 8)
		t[(U_IOVA >> (12 + 9 * (lvl - 1))) & 511] =
			fn_entry(format, lvl, W_IOVA + (U_TABLE + 5 - lvl) * PAGE);
	for (k = 0; k < 4; k++)
		t[((U_IOVA >> 12) & 511) + k] =
			fn_entry(format, 1, W_IOVA + (U_DATA + k) * PAGE);
	/* IOVA 0..+4p too (P_UIOVA): level 3 entry 0 -> the same level 2 table */
	t = (uint64_t *)(buf + (U_TABLE + 1) * PAGE);
	t[0] = fn_entry(format, 3, W_IOVA + (U_TABLE + 2) * PAGE);
}

/* ADOPT the container's one device (the edu) into the context: its id. */
static int fn_adopt(struct fn_state *s, uint32_t *id)
{
	struct ioasid_vfio_device dev = { 0 };
	struct ioasid_vfio_adopt a = { .size = sizeof(a), .ioasid_fd = s->fd,
				       .num_devices = 1, .devices = (uintptr_t)&dev };

	if (ioctl(s->pci->container_fd, IOASID_VFIO_ADOPT, &a)) {
		s->fail_req = IOASID_VFIO_ADOPT;
		s->fail_errno = errno;
		return -1;
	}
	*id = dev.dev_id;
	return 0;
}

static uint64_t fn_ubuf(struct fn_state *s, uint64_t page)
{
	return (uintptr_t)s->buf + page * PAGE;
}

/* A DMA between local + @local_off and the IOVA that buf + @buf_off sits at. */
static int fn_dma(struct fn_state *s, uint32_t flags, uint64_t iova,
		  uint64_t buf_off, uint64_t local_off, uint64_t len)
{
	struct fn_dma *d = &s->dma[s->ndma++];
	struct ioasid_dma cmd = { .size = sizeof(cmd), .flags = flags,
				  .dev_id = s->dev, .pasid = flags & IOASID_DMA_PASID ? s->pasid : 0,
				  .iova = iova, .length = len,
				  .buffer = (uintptr_t)s->local + local_off };

	*d = (struct fn_dma){ .flags = flags, .buf_off = buf_off,
			      .local_off = local_off, .len = len };
	d->rc = fn_ioctl(s, IOASID_DMA, &cmd);
	d->done = cmd.out_done;
	return d->rc;
}

static int fn_translate(struct fn_state *s, uint32_t flags, uint64_t iova)
{
	struct ioasid_translate *t = &s->tr[s->ntr++];

	*t = (struct ioasid_translate){ .size = sizeof(*t), .flags = flags,
					.dev_id = s->dev, .iova = iova,
					.pasid = flags & IOASID_DMA_PASID ? s->pasid : 0 };
	return fn_ioctl(s, IOASID_TRANSLATE, t);
}

/* The dirty bits of the window W_IOVA..+WIN_PAGES of node @id. */
static struct ioasid_dirty_bitmap fn_window(uint32_t id, uint32_t flags,
					    uint64_t *bitmap)
{
	return (struct ioasid_dirty_bitmap){ .size = sizeof(struct ioasid_dirty_bitmap),
					     .flags = flags, .id = id, .iova = W_IOVA,
					     .length = WIN_PAGES * PAGE, .page_size = PAGE,
					     .data = (uintptr_t)bitmap };
}

static int fn_dirty_bitmap(struct fn_state *s, uint32_t id, uint32_t flags,
			   uint64_t *bitmap)
{
	struct ioasid_dirty_bitmap b = fn_window(id, flags, bitmap);

	return fn_ioctl(s, IOASID_DIRTY_BITMAP, &b);
}

/* Fault queues ----------------------------------------------------------- */

/* Where in buf the hole's guest table entry is, and what it holds when present. */
static uint64_t fn_hole_off(void)
{
	return (U_TABLE + 3) * PAGE + (((U_IOVA >> 12) & 511) + H_PAGE) * 8;
}

static uint64_t fn_hole_pte(void)
{
	return fn_entry(IOASID_FORMAT_X86_64, 1, W_IOVA + (U_DATA + H_PAGE) * PAGE);
}

/* A CPU write of the body to buf, which the memory check then expects. */
static void fn_cpu_write64(struct fn_state *s, uint64_t off, uint64_t val)
{
	s->cpu[s->ncpu].off = off;
	s->cpu[s->ncpu++].val = val;
	__atomic_store_n((uint64_t *)(s->buf + off), val, __ATOMIC_SEQ_CST);
}

static int fn_qalloc(struct fn_state *s, uint32_t flags, uint32_t depth,
		     uint32_t timeout, uint32_t *id, int *fd)
{
	struct ioasid_fault_queue_alloc a = { .size = sizeof(a), .flags = flags,
					      .depth = depth, .timeout_ms = timeout,
					      .out_fd = -1 };
	int rc = fn_ioctl(s, IOASID_FAULT_QUEUE_ALLOC, &a);

	*id = a.out_id;
	*fd = a.out_fd;
	return rc;
}

static int fn_option(struct fn_state *s, uint32_t option, uint32_t op, uint32_t object,
		     uint64_t *val)
{
	struct ioasid_option o = { .size = sizeof(o), .option_id = option, .op = op,
				   .object_id = object, .val64 = *val };
	int rc = fn_ioctl(s, IOASID_OPTION, &o);

	*val = o.val64;
	return rc;
}

/*
 * A DMA of the device whose outcome should be @want (0, EAGAIN: a page
 * request pending, EIO: a fault); it is recorded for the memory check like
 * fn_dma()'s. 0 when the outcome was @want, else -1 with the call in
 * s->fail_* (errno 0: it succeeded where it should not have).
 */
static int fn_dma_want(struct fn_state *s, uint32_t flags, uint64_t iova,
		       uint64_t buf_off, uint8_t *local, uint64_t local_off,
		       uint64_t len, uint32_t group, int want)
{
	struct fn_dma *d = &s->dma[s->ndma];
	struct ioasid_dma cmd = { .size = sizeof(cmd), .flags = flags,
				  .dev_id = s->dev,
				  .pasid = flags & IOASID_DMA_PASID ? s->pasid : 0,
				  .iova = iova, .length = len, .group = group,
				  .buffer = (uintptr_t)local + local_off };
	int err = ioctl(s->fd, IOASID_DMA, &cmd) ? errno : 0;

	/* Only DMA into local is checked: the world's go to warm. */
	if (local == s->local) {
		*d = (struct fn_dma){ .flags = flags, .buf_off = buf_off,
				      .local_off = local_off, .len = len,
				      .done = cmd.out_done, .rc = err ? -1 : 0 };
		s->ndma++;
	}
	s->out_group = cmd.out_group;
	if (err == want) {
		s->nok++;
		return 0;
	}
	s->fail_req = IOASID_DMA;
	s->fail_errno = err;
	return -1;
}

/* The DMA into the hole (a read), as each fault queue world makes it. */
static int fn_dma_hole(struct fn_state *s, uint32_t flags, uint8_t *local, int want)
{
	s->pasid = U_PASID;
	return fn_dma_want(s, IOASID_DMA_PASID | flags, H_IOVA,
			   (U_DATA + H_PAGE) * PAGE - H_DONE, local, 0, H_LEN, 0, want);
}

/* RETRY of what the hole's DMA left (H_LEN - H_DONE bytes), into local. */
static int fn_dma_retry(struct fn_state *s, uint32_t group, int want)
{
	s->pasid = U_PASID;
	return fn_dma_want(s, IOASID_DMA_PASID | IOASID_DMA_RETRY | IOASID_DMA_NOWAIT,
			   H_IOVA + H_DONE, (U_DATA + H_PAGE) * PAGE, s->local, 0,
			   H_LEN - H_DONE, group, want);
}

static struct ioasid_page_response fn_resp(struct fn_state *s, uint32_t group,
					   uint32_t code)
{
	return (struct ioasid_page_response){ .size = sizeof(struct ioasid_page_response),
					      .flags = IOASID_FAULT_RECORD_PASID,
					      .dev_id = s->dev, .pasid = U_PASID,
					      .group = group, .code = code };
}

/* write() @n responses to the queue: 0, or -1 with FN_QWRITE in s->fail_*. */
static int fn_qwrite(struct fn_state *s, const struct ioasid_page_response *r,
		     unsigned int n)
{
	s->qret = write(s->qfd, r, n * sizeof(*r));
	if (s->qret >= 0) {
		s->nok++;
		return 0;
	}
	s->fail_req = FN_QWRITE;
	s->fail_errno = errno;
	return -1;
}

/* read() the queue into s->recs, @n records' room. */
static int fn_qread(struct fn_state *s, unsigned int n)
{
	memset(s->recs, 0, sizeof(s->recs));
	s->qret = read(s->qfd, s->recs, n * sizeof(s->recs[0]));
	if (s->qret >= 0) {
		s->nok++;
		return 0;
	}
	s->fail_req = FN_QREAD;
	s->fail_errno = errno;
	return -1;
}

/* Open file descriptors of this process. */
static long long fn_count_fds(void)
{
	int fd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char buf[4096];
	long long n = 0;
	long len, off;

	if (fd < 0)
		return -1;
	while ((len = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (off = 0; off < len; off += *(unsigned short *)(buf + off + 16))
			n += buf[off + 19] != '.';
	close(fd);
	return n - 1;
}

/* Worlds ----------------------------------------------------------------- */

#define W_CTX		(1u << 0)	/* an open context */
#define W_ROOT		(1u << 1)	/* a root */
#define W_MAP		(1u << 2)	/* root: W..+8p <- buf 0..7, W+8p..+16p <- buf 8..15 */
#define W_ROOT2		(1u << 3)	/* a second, empty root */
#define W_COPY		(1u << 4)	/* root2: COPY of root W..+16p, at W */
#define W_CHILD		(1u << 5)	/* a child of root */
#define W_CHILD_MAP	(1u << 6)	/* child: W..+8p -> root W+4p..+12p */
#define W_RESERVE	(1u << 7)	/* root: RES_IOVA..+RES_LEN reserved */
#define W_DEV		(1u << 8)	/* a device with 8 PASID bits */
#define W_ATTACH	(1u << 9)	/* device -> root, without PASID */
#define W_ATTACH_PASID	(1u << 10)	/* device PASID 5 -> child */
#define W_DIRTY		(1u << 11)	/* root: dirty tracking on */
#define W_DIRTY_DATA	(1u << 12)	/* root: pages 1 and 9 written by DMA */
#define W_WARM		(1u << 13)	/* the device's IOTLB filled by DMA reads */
#define W_USER		(1u << 14)	/* a user-managed child of root (x86-64) */
#define W_BIND		(1u << 15)	/* user: bound to the table at U_TABLE */
#define W_ATTACH_USER	(1u << 16)	/* device PASID U_PASID -> user */
#define W_ALL		((1u << 17) - 1)	/* (the PCI worlds are not in it) */
#define W_USER_CM	(1u << 17)	/* user: with IOASID_ALLOC_CACHING_MODE */
#define W_PCI		(1u << 18)	/* the edu adopted (pdev) */
#define W_PCI_ROOT	(1u << 19)	/* pdev -> root */
#define W_PCI_CHILD	(1u << 20)	/* pdev -> child */
#define W_PCI_USER	(1u << 21)	/* pdev -> user (bound, caching mode) */
#define W_PCI_READY	(1u << 22)	/* the edu's container only: nothing adopted */
#define W_PCI_ANY	(W_PCI | W_PCI_ROOT | W_PCI_CHILD | W_PCI_USER | W_PCI_READY)
#define W_QUEUE		(1u << 23)	/* a fault queue (depth 8, no timeout), qfd O_NONBLOCK */
#define W_QUEUE_ROOT	(1u << 24)	/* root: its faults go to the queue (OPTION) */
#define W_PRI		(1u << 25)	/* device: IOASID_DEVICE_PRI, pri_max_pending 1;
					   user: names the queue (ALLOC) */
#define W_HOLE		(1u << 26)	/* the guest entry of the hole is cleared */
#define W_PENDING	(1u << 27)	/* a page request pending at the hole (group) */
#define W_RECORDS	(1u << 28)	/* 2 FAULT records queued (DMA at F_IOVA) */
#define W_AUTO_INV	(1u << 29)	/* user: IOASID_ALLOC_PRI_AUTO_INVALID */
#define W_FAULT_ANY	(W_QUEUE | W_PRI | W_HOLE | W_AUTO_INV)
/* The user node's format (issue 12): x86-64 without these. */
#define W_ARM64		(1u << 30)
#define W_RISCV		(2u << 30)
#define W_AMD_V1	(3u << 30)
#define W_FORMAT	(3u << 30)

static uint32_t fn_world_format(unsigned int w)
{
	switch (w & W_FORMAT) {
	case W_ARM64:
		return IOASID_FORMAT_ARM64;
	case W_RISCV:
		return IOASID_FORMAT_RISCV;
	case W_AMD_V1:
		return IOASID_FORMAT_AMD_V1;
	}
	return IOASID_FORMAT_X86_64;
}

static unsigned int fn_world_closure(unsigned int w)
{
	unsigned int prev;

	do {
		prev = w;
		if (w & W_PENDING)
			w |= W_PRI | W_ATTACH_USER | W_HOLE;
		if (w & W_RECORDS)
			w |= W_QUEUE_ROOT | W_ATTACH;
		if (w & W_QUEUE_ROOT)
			w |= W_QUEUE | W_ROOT;
		if (w & W_PRI)
			w |= W_QUEUE | W_DEV | W_USER;
		if (w & W_AUTO_INV)
			w |= W_USER;
		if (w & W_COPY)
			w |= W_ROOT2 | W_MAP;
		if (w & W_ATTACH_PASID)
			w |= W_CHILD_MAP | W_DEV;
		if (w & W_ATTACH_USER)
			w |= W_BIND | W_DEV;
		if (w & W_PCI_ROOT)
			w |= W_PCI | W_MAP;
		if (w & W_PCI_CHILD)
			w |= W_PCI | W_CHILD_MAP;
		if (w & W_PCI_USER)
			w |= W_PCI | W_BIND | W_USER_CM;
		if (w & W_USER_CM)
			w |= W_USER;
		if (w & W_BIND)
			w |= W_USER;
		if (w & W_USER)
			w |= W_MAP;
		if (w & W_DIRTY_DATA)
			w |= W_DIRTY | W_ATTACH;
		if (w & W_ATTACH)
			w |= W_DEV | W_MAP;
		if (w & W_WARM)
			w |= W_DEV;
		if (w & W_CHILD_MAP)
			w |= W_CHILD | W_MAP;
		if (w & (W_MAP | W_ROOT2 | W_CHILD | W_RESERVE | W_DIRTY))
			w |= W_ROOT;
		if (w & ~W_FORMAT)
			w |= W_CTX;
	} while (w != prev);
	return w;
}

/* Build a world; 0, or -1 with the failing call in s->fail_*. */
static int fn_world(struct fn_state *s, unsigned int w)
{
	uint32_t last = 0;
	uint64_t iova;

	w = fn_world_closure(w);
	s->ufmt = s->kind ? s->kind : fn_world_format(w);
	memcpy(s->buf, s->buf_ref, BUF_PAGES * PAGE);
	memcpy(s->local, s->local_ref, LOCAL_PAGES * PAGE);
	if (!(w & W_CTX))
		return 0;
	s->fd = open(IOASID_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (s->fd < 0) {
		s->fail_req = FN_OPEN;
		s->fail_errno = errno;
		return -1;
	}
	if (w & W_QUEUE) {
		if (fn_qalloc(s, IOASID_FAULT_QUEUE_NONBLOCK | IOASID_FAULT_QUEUE_CLOEXEC |
			      IOASID_FAULT_QUEUE_TIMEOUT, 8, 0, &s->qid, &s->qfd))
			return -1;
		last = s->qid;
	}
	if (w & W_ROOT) {
		if (fn_alloc(s, 0, &s->root))
			return -1;
		last = s->root;
	}
	if (w & W_QUEUE_ROOT) {
		uint64_t v = s->qid;

		if (fn_option(s, IOASID_OPTION_FAULT_QUEUE, IOASID_OPTION_OP_SET, s->root, &v))
			return -1;
	}
	if (w & W_MAP) {
		iova = W_IOVA;
		if (fn_map(s, s->root, fn_ubuf(s, 0), 8 * PAGE, &iova, RW | FIXED))
			return -1;
		iova = W_IOVA + 8 * PAGE;
		if (fn_map(s, s->root, fn_ubuf(s, 8), 8 * PAGE, &iova, RW | FIXED))
			return -1;
	}
	if (w & W_ROOT2) {
		if (fn_alloc(s, 0, &s->root2))
			return -1;
		last = s->root2;
	}
	if (w & W_COPY) {
		struct ioasid_copy c = { .size = sizeof(c), .flags = RW | FIXED,
					 .dst_id = s->root2, .src_id = s->root,
					 .length = 16 * PAGE, .src_iova = W_IOVA,
					 .dst_iova = W_IOVA };

		if (fn_ioctl(s, IOASID_COPY, &c))
			return -1;
	}
	if (w & W_CHILD) {
		if (fn_alloc(s, s->root, &s->child))
			return -1;
		last = s->child;
	}
	if (w & W_CHILD_MAP) {
		iova = W_IOVA;
		if (fn_map(s, s->child, W_IOVA + 4 * PAGE, 8 * PAGE, &iova, RW | FIXED))
			return -1;
	}
	if (w & W_USER) {
		if (fn_alloc_user_q(s, s->root, &s->user,
				    (w & W_USER_CM ? IOASID_ALLOC_CACHING_MODE : 0) |
				    (w & W_AUTO_INV ? IOASID_ALLOC_PRI_AUTO_INVALID : 0),
				    w & W_PRI ? s->qid : 0))
			return -1;
		last = s->user;
	}
	if (w & W_BIND && fn_bind(s, IOASID_BIND, W_IOVA + U_TABLE * PAGE))
		return -1;
	if (w & W_RESERVE) {
		struct ioasid_reserve_iova r = { .size = sizeof(r), .id = s->root,
						 .iova = RES_IOVA, .length = RES_LEN };

		if (fn_ioctl(s, IOASID_RESERVE_IOVA, &r))
			return -1;
	}
	if (w & W_DEV) {
		struct ioasid_device_create d = { .size = sizeof(d),
						  .flags = IOASID_DEVICE_PASID |
							   (w & W_PRI ? IOASID_DEVICE_PRI : 0),
						  .pasid_bits = 8,
						  .pri_max_pending = w & W_PRI ? 1 : 0 };

		if (fn_ioctl(s, IOASID_DEVICE_CREATE, &d))
			return -1;
		s->dev = last = d.out_id;
	}
	if (w & W_PCI) {
		if (fn_adopt(s, &s->pdev))
			return -1;
		last = s->pdev;
	}
	if (w & (W_PCI_ROOT | W_PCI_CHILD | W_PCI_USER)) {
		struct ioasid_attach a = { .size = sizeof(a), .dev_id = s->pdev,
					   .node_id = w & W_PCI_ROOT ? s->root :
						      w & W_PCI_CHILD ? s->child : s->user };

		if (fn_ioctl(s, IOASID_ATTACH, &a))
			return -1;
	}
	if (w & W_ATTACH) {
		struct ioasid_attach a = { .size = sizeof(a), .dev_id = s->dev,
					   .node_id = s->root };

		if (fn_ioctl(s, IOASID_ATTACH, &a))
			return -1;
	}
	if (w & W_ATTACH_PASID) {
		struct ioasid_attach a = { .size = sizeof(a), .flags = IOASID_ATTACH_PASID,
					   .dev_id = s->dev, .node_id = s->child,
					   .pasid = PASID };

		if (fn_ioctl(s, IOASID_ATTACH, &a))
			return -1;
	}
	if (w & W_ATTACH_USER) {
		struct ioasid_attach a = { .size = sizeof(a), .flags = IOASID_ATTACH_PASID,
					   .dev_id = s->dev, .node_id = s->user,
					   .pasid = U_PASID };

		/* A kind node: without a PASID (its table has the PASIDs). */
		if (s->kind) {
			a.flags = 0;
			a.pasid = 0;
		}

		if (fn_ioctl(s, IOASID_ATTACH, &a))
			return -1;
	}
	if (w & W_PENDING) {
		if (fn_dma_hole(s, IOASID_DMA_NOWAIT, s->warm, EAGAIN))
			return -1;
		s->group = s->out_group;
	}
	if (w & W_RECORDS) {
		if (fn_dma_want(s, 0, F_IOVA, 0, s->warm, 0, 8, 0, EIO) ||
		    fn_dma_want(s, IOASID_DMA_WRITE, F_IOVA + PAGE, 0, s->warm, 0, 8, 0, EIO))
			return -1;
	}
	if (w & W_DIRTY) {
		struct ioasid_dirty_tracking t = { .size = sizeof(t),
						   .flags = IOASID_DIRTY_ENABLE,
						   .id = s->root };

		if (fn_ioctl(s, IOASID_DIRTY_TRACKING, &t))
			return -1;
	}
	if (w & W_DIRTY_DATA) {
		/* Write what is there: the pages are dirty, the bytes unchanged. */
		struct ioasid_dma d = { .size = sizeof(d), .flags = IOASID_DMA_WRITE,
					.dev_id = s->dev, .length = 1,
					.buffer = (uintptr_t)&s->scratch };

		s->scratch = s->buf[1 * PAGE + 7];
		d.iova = W_IOVA + 1 * PAGE + 7;
		if (fn_ioctl(s, IOASID_DMA, &d))
			return -1;
		s->scratch = s->buf[9 * PAGE];
		d.iova = W_IOVA + 9 * PAGE;
		if (fn_ioctl(s, IOASID_DMA, &d))
			return -1;
	}
	if (w & W_WARM) {
		struct ioasid_dma d = { .size = sizeof(d), .dev_id = s->dev,
					.buffer = (uintptr_t)s->warm };

		if (w & W_ATTACH) {
			d.iova = W_IOVA;
			d.length = 16 * PAGE;
			if (fn_ioctl(s, IOASID_DMA, &d))
				return -1;
		}
		if (w & W_ATTACH_PASID) {
			d.flags = IOASID_DMA_PASID;
			d.pasid = PASID;
			d.iova = W_IOVA;
			d.length = 8 * PAGE;
			if (fn_ioctl(s, IOASID_DMA, &d))
				return -1;
		}
		if (w & W_ATTACH_USER) {
			d.flags = IOASID_DMA_PASID;
			d.pasid = U_PASID;
			d.iova = U_IOVA;
			d.length = 4 * PAGE;
			if (fn_ioctl(s, IOASID_DMA, &d))
				return -1;
		}
	}
	s->next_id = last + 1;
	return 0;
}

/* Snapshots -------------------------------------------------------------- */

enum { FN_NONE, FN_NODE, FN_DEV, FN_QUEUE };

struct fn_obj {
	int kind;
	/* nodes */
	uint32_t mode, parent, depth, children;
	unsigned long long nmap, mapped, pinned;
	uint32_t nranges;
	struct ioasid_iova_range ranges[4];
	bool tracking;
	unsigned long long dirty;	/* pages W_IOVA.. of the window, a bit each */
	uint32_t node_flags;		/* NODE_INFO out_flags */
	unsigned long long root;	/* NODE_INFO out_root */
	uint32_t fault_queue;		/* OPTION FAULT_QUEUE */
	/* devices */
	uint32_t flags, pasid_bits, natt;
	/* fault queues: FAULT_QUEUE_INFO */
	uint32_t qdepth, timeout, queued, pending, qnodes, closed;
	unsigned long long next_seq, overflow, timeouts, auto_responses;
};

struct fn_snap {
	long long contexts, nodes, mappings, pinned_bytes, pins;
	long long fds;				/* open in this process */
	unsigned long long account_mode;	/* ~0 without a context */
	struct fn_obj obj[MAX_IDS + 2];	/* by id */
};

static double fn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The module-wide totals and the kernel's count of FOLL_PIN pins, from files
 * kept open: every syscall costs about a millisecond on the debug kernel
 * under TCG. sysfs attributes and /proc/vmstat are regenerated when read
 * from offset 0.
 */
static struct {
	int fd[4];		/* contexts, nodes, mappings, pinned_bytes */
	int vmstat, refresh;
} fn_stat_fds = { { -1, -1, -1, -1 }, -1, -1 };

static int fn_stats_open(void)
{
	static const char *const names[] = { "contexts", "nodes", "mappings",
					     "pinned_bytes" };
	char path[96];
	unsigned int i;

	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/sys/class/misc/ioasid/%s", names[i]);
		fn_stat_fds.fd[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fn_stat_fds.fd[i] < 0)
			return -errno;
	}
	fn_stat_fds.vmstat = open("/proc/vmstat", O_RDONLY | O_CLOEXEC);
	fn_stat_fds.refresh = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);
	return fn_stat_fds.vmstat < 0 || fn_stat_fds.refresh < 0 ? -errno : 0;
}

static long long fn_stat(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = 0;
	return atoll(buf);
}

static long long fn_vmstat(const char *buf, const char *name)
{
	const char *p = strstr(buf, name);

	return p ? atoll(p + strlen(name)) : -1;
}

/* FOLL_PIN pages not yet unpinned, kernel-wide (the VM runs nothing else). */
static long long fn_pins(void)
{
	static char buf[16384];
	ssize_t n;

	/* vmstat counters are batched per CPU: fold them before reading. */
	if (pwrite(fn_stat_fds.refresh, "1", 1, 0) != 1)
		return -1;
	n = pread(fn_stat_fds.vmstat, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return fn_vmstat(buf, "\nnr_foll_pin_acquired ") -
	       fn_vmstat(buf, "\nnr_foll_pin_released ");
}

/*
 * The module's totals, and with @pins the FOLL_PIN count (folding the
 * per-CPU counters takes long on the debug kernel: only where it counts).
 */
static void fn_totals(struct fn_snap *snap, bool pins)
{
	snap->contexts = fn_stat(fn_stat_fds.fd[0]);
	snap->nodes = fn_stat(fn_stat_fds.fd[1]);
	snap->mappings = fn_stat(fn_stat_fds.fd[2]);
	snap->pinned_bytes = fn_stat(fn_stat_fds.fd[3]);
	snap->pins = pins ? fn_pins() : 0;
	snap->fds = fn_count_fds();
}

/* What the context holds, by id, and the module-wide totals. Runs disarmed. */
static void fn_snapshot(struct fn_state *s, struct fn_snap *snap)
{
	uint32_t id, last = s->next_id;

	memset(snap, 0, sizeof(*snap));
	fn_totals(snap, false);
	snap->account_mode = ~0ULL;
	if (s->fd < 0)
		return;
	{
		struct ioasid_option o = { .size = sizeof(o),
					   .option_id = IOASID_OPTION_ACCOUNT_MODE,
					   .op = IOASID_OPTION_OP_GET };

		if (!ioctl(s->fd, IOASID_OPTION, &o))
			snap->account_mode = o.val64;
	}
	if (last > MAX_IDS)
		last = MAX_IDS;
	for (id = 1; id <= last; id++) {
		struct fn_obj *o = &snap->obj[id];
		struct ioasid_node_info ni = { .size = sizeof(ni), .id = id };
		struct ioasid_device_info di = { .size = sizeof(di), .dev_id = id };
		struct ioasid_fault_queue_info qi = { .size = sizeof(qi), .queue_id = id };
		struct ioasid_iova_range r[4];
		struct ioasid_iova_ranges rr = { .size = sizeof(rr), .id = id,
						 .num_ranges = 4, .ranges = (uintptr_t)r };
		uint64_t bm = 0;
		struct ioasid_dirty_bitmap b = fn_window(id, IOASID_DIRTY_NO_CLEAR, &bm);

		if (id != s->dev && !ioctl(s->fd, IOASID_NODE_INFO, &ni)) {
			o->kind = FN_NODE;
			o->mode = ni.out_mode;
			o->parent = ni.out_parent_id;
			o->depth = ni.out_depth;
			o->children = ni.out_num_children;
			o->nmap = ni.out_num_mappings;
			o->mapped = ni.out_mapped_bytes;
			o->pinned = ni.out_pinned_bytes;
			o->node_flags = ni.out_flags;
			o->root = ni.out_root;
			if (!ioctl(s->fd, IOASID_IOVA_RANGES, &rr) || errno == EMSGSIZE) {
				o->nranges = rr.num_ranges;
				memcpy(o->ranges, r, sizeof(r[0]) * (rr.num_ranges < 4 ?
								    rr.num_ranges : 4));
			} else {
				o->nranges = ~0u;
			}
			o->tracking = !ioctl(s->fd, IOASID_DIRTY_BITMAP, &b);
			o->dirty = bm;
			{
				struct ioasid_option q = {
					.size = sizeof(q), .option_id = IOASID_OPTION_FAULT_QUEUE,
					.op = IOASID_OPTION_OP_GET, .object_id = id };

				o->fault_queue = ioctl(s->fd, IOASID_OPTION, &q) ? ~0u :
						 (uint32_t)q.val64;
			}
		} else if ((id == s->dev || id == s->pdev || id == s->next_id) &&
			   !ioctl(s->fd, IOASID_DEVICE_INFO, &di)) {
			o->kind = FN_DEV;
			o->flags = di.out_flags;
			o->pasid_bits = di.out_pasid_bits;
			o->natt = di.out_num_attachments;
		} else if ((id == s->qid || id == s->next_id) &&
			   !ioctl(s->fd, IOASID_FAULT_QUEUE_INFO, &qi)) {
			o->kind = FN_QUEUE;
			o->qdepth = qi.out_depth;
			o->timeout = qi.out_timeout_ms;
			o->queued = qi.out_queued;
			o->pending = qi.out_pending;
			o->qnodes = qi.out_nodes;
			o->closed = qi.out_closed;
			o->next_seq = qi.out_next_seq;
			o->overflow = qi.out_overflow;
			o->timeouts = qi.out_timeouts;
			o->auto_responses = qi.out_auto_responses;
		}
	}
}

/* A fresh node as ALLOC makes it. */
static void fn_want_node(struct fn_snap *want, uint32_t id, uint32_t parent,
			 uint32_t depth)
{
	struct fn_obj *o = &want->obj[id];

	memset(o, 0, sizeof(*o));
	o->kind = FN_NODE;
	o->mode = IOASID_MODE_KERNEL_MANAGED;
	o->parent = parent;
	o->depth = depth;
	o->nranges = 1;
	o->ranges[0] = (struct ioasid_iova_range){ 0, ~0ULL };
	want->nodes++;
	if (parent)
		want->obj[parent].children++;
}

/*
 * @count mappings of @pages pages in all made (or, negative, removed) at
 * node @id; @pinned: they count in the node's pinned_bytes (a root's);
 * @charged: pages were pinned (or unpinned) for it, module-wide.
 */
static void fn_want_map(struct fn_snap *want, uint32_t id, int count, long long pages,
			bool pinned, bool charged)
{
	want->obj[id].nmap += count;
	want->obj[id].mapped += pages * PAGE;
	want->mappings += count;
	if (pinned)
		want->obj[id].pinned += pages * PAGE;
	/* (FOLL_PIN pins are only counted once everything is torn down) */
	if (charged)
		want->pinned_bytes += pages * PAGE;
}

#define FN_CMP(field, fmt)						\
	do {								\
		if (want->field != got->field) {			\
			ksft_print_msg("%s: " #field ": want " fmt ", got " fmt "\n", \
				       what, want->field, got->field);	\
			bad++;						\
		}							\
	} while (0)

static int fn_compare_totals(const char *what, const struct fn_snap *want,
			     const struct fn_snap *got)
{
	int bad = 0;

	FN_CMP(contexts, "%lld");
	FN_CMP(nodes, "%lld");
	FN_CMP(mappings, "%lld");
	FN_CMP(pinned_bytes, "%lld");
	FN_CMP(pins, "%lld");
	FN_CMP(fds, "%lld");
	return bad;
}

static int fn_compare(const char *what, const struct fn_snap *want,
		      const struct fn_snap *got)
{
	int bad = fn_compare_totals(what, want, got);
	unsigned int id, i;

	FN_CMP(account_mode, "%llu");
	for (id = 1; id <= MAX_IDS + 1; id++) {
		const struct fn_obj *w = &want->obj[id], *g = &got->obj[id];
		char field[64];

#define FN_OCMP(f, fmt)							\
		do {							\
			if (w->f != g->f) {				\
				snprintf(field, sizeof(field), "id %u " #f, id); \
				ksft_print_msg("%s: %s: want " fmt ", got " fmt "\n", \
					       what, field, w->f, g->f); \
				bad++;					\
			}						\
		} while (0)
		FN_OCMP(kind, "%d");
		if (w->kind != g->kind)
			continue;
		if (w->kind == FN_NODE) {
			FN_OCMP(mode, "%u");
			FN_OCMP(parent, "%u");
			FN_OCMP(depth, "%u");
			FN_OCMP(children, "%u");
			FN_OCMP(nmap, "%llu");
			FN_OCMP(mapped, "%#llx");
			FN_OCMP(pinned, "%#llx");
			FN_OCMP(nranges, "%u");
			for (i = 0; i < w->nranges && i < 4 && w->nranges == g->nranges; i++) {
				FN_OCMP(ranges[i].start, "%#llx");
				FN_OCMP(ranges[i].last, "%#llx");
			}
			FN_OCMP(tracking, "%d");
			FN_OCMP(dirty, "%#llx");
			FN_OCMP(node_flags, "%#x");
			FN_OCMP(root, "%#llx");
			FN_OCMP(fault_queue, "%u");
		} else if (w->kind == FN_DEV) {
			FN_OCMP(flags, "%u");
			FN_OCMP(pasid_bits, "%u");
			FN_OCMP(natt, "%u");
		} else if (w->kind == FN_QUEUE) {
			FN_OCMP(qdepth, "%u");
			FN_OCMP(timeout, "%u");
			FN_OCMP(queued, "%u");
			FN_OCMP(pending, "%u");
			FN_OCMP(qnodes, "%u");
			FN_OCMP(closed, "%u");
			FN_OCMP(next_seq, "%llu");
			FN_OCMP(overflow, "%llu");
			FN_OCMP(timeouts, "%llu");
			FN_OCMP(auto_responses, "%llu");
		}
#undef FN_OCMP
	}
	return bad;
}

/*
 * Memory after the body: DMA reads filled local up to out_done, DMA writes
 * filled buf up to out_done, nothing else changed; a DMA that succeeded
 * moved everything.
 */
static int fn_check_memory(const char *what, struct fn_state *s)
{
	static uint8_t want_buf[BUF_PAGES * PAGE], want_local[LOCAL_PAGES * PAGE];
	unsigned int i;
	int bad = 0;

	memcpy(want_buf, s->buf_ref, sizeof(want_buf));
	memcpy(want_local, s->local_ref, sizeof(want_local));
	for (i = 0; i < s->ncpu; i++)
		memcpy(want_buf + s->cpu[i].off, &s->cpu[i].val, 8);
	for (i = 0; i < s->ndma; i++) {
		struct fn_dma *d = &s->dma[i];

		if (d->done > d->len || (!d->rc && d->done != d->len)) {
			ksft_print_msg("%s: DMA %u: out_done %llu of %llu, rc %d\n",
				       what, i, (unsigned long long)d->done,
				       (unsigned long long)d->len, d->rc);
			bad++;
			continue;
		}
		if (d->flags & IOASID_DMA_WRITE)
			memcpy(want_buf + d->buf_off, want_local + d->local_off, d->done);
		else
			memcpy(want_local + d->local_off, want_buf + d->buf_off, d->done);
	}
	if (memcmp(want_buf, s->buf, sizeof(want_buf))) {
		ksft_print_msg("%s: mapped memory is not what DMA wrote up to out_done\n", what);
		bad++;
	}
	if (memcmp(want_local, s->local, sizeof(want_local))) {
		ksft_print_msg("%s: the DMA buffer is not what DMA read up to out_done\n", what);
		bad++;
	}
	return bad;
}

/* Sequences -------------------------------------------------------------- */

struct fn_seq {
	const char *name;
	unsigned int world;
	uint32_t kind;		/* the user node a PASID-table kind (5 to 7), or 0 */
	/* Runs under injection: 0, or -1 with the failing call in s->fail_*. */
	int (*body)(struct fn_state *s);
	/*
	 * Turn @want, the snapshot before, into what the body's successful
	 * calls (@rc: 0 if all did) must have made of it. NULL: nothing.
	 */
	void (*expect)(struct fn_state *s, struct fn_snap *want, int rc);
	/* Further checks after the snapshot; may change the world. */
	int (*verify)(struct fn_state *s, const struct fn_snap *pre, int rc);
};

FIXTURE(fail_nth) {
	struct fault_inject fi;
	struct pci_vfio pci;
	struct fn_state s;
	struct fn_snap base, pre, post, want;
};

FIXTURE_VARIANT(fail_nth) {
	const struct fn_seq *seq;
};

/* One line per sequence: FN_SEQ(name, world, body, expect, verify). */
#define FN_SEQ(_name, _world, _body, _expect, _verify)			\
	static const struct fn_seq fn_seq_##_name = {			\
		.name = #_name, .world = _world, .body = _body,		\
		.expect = _expect, .verify = _verify,			\
	};								\
	FIXTURE_VARIANT_ADD(fail_nth, _name) { .seq = &fn_seq_##_name }

/* The same, the user node of the PASID-table kind @_kind (K_TABLE). */
#define FN_SEQ_KIND(_name, _kind, _world, _body, _expect, _verify)	\
	static const struct fn_seq fn_seq_##_name = {			\
		.name = #_name, .world = _world, .kind = _kind,		\
		.body = _body, .expect = _expect, .verify = _verify,	\
	};								\
	FIXTURE_VARIANT_ADD(fail_nth, _name) { .seq = &fn_seq_##_name }

/* Contexts */

static int body_open_close(struct fn_state *s)
{
	s->fd = open(IOASID_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (s->fd < 0) {
		s->fail_req = FN_OPEN;
		s->fail_errno = errno;
		return -1;
	}
	if (close(s->fd)) {
		s->fail_req = FN_CLOSE;
		s->fail_errno = errno;
	}
	s->fd = -1;
	return s->fail_req ? -1 : 0;
}
FN_SEQ(open_close, 0, body_open_close, NULL, NULL);

static int body_get_info(struct fn_state *s)
{
	struct ioasid_info i = { .size = sizeof(i) };

	if (fn_ioctl(s, IOASID_GET_INFO, &i))
		return -1;
	return i.out_pgsize_bitmap & PAGE ? 0 : -1;
}
FN_SEQ(get_info, W_CTX, body_get_info, NULL, NULL);

static int body_option(struct fn_state *s)
{
	struct ioasid_option o = { .size = sizeof(o),
				   .option_id = IOASID_OPTION_ACCOUNT_MODE,
				   .op = IOASID_OPTION_OP_GET };

	if (fn_ioctl(s, IOASID_OPTION, &o))
		return -1;
	o.op = IOASID_OPTION_OP_SET;
	o.val64 = IOASID_ACCOUNT_PROCESS;
	return fn_ioctl(s, IOASID_OPTION, &o);
}

static void expect_option(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (!rc)
		want->account_mode = IOASID_ACCOUNT_PROCESS;
}
FN_SEQ(option_get_set, W_CTX, body_option, expect_option, NULL);

/* A context that is closed with everything in it: the release path. */
static int body_close(struct fn_state *s)
{
	int rc = close(s->fd);

	s->fd = -1;
	if (rc) {
		s->fail_req = FN_CLOSE;
		s->fail_errno = errno;
	}
	return rc;
}

static struct fn_snap fn_base;	/* the fixture's baseline, for release */

static void expect_release(struct fn_state *s, struct fn_snap *want, int rc)
{
	long long fds = want->fds - 1;	/* the context's fd is gone */

	memset(want, 0, sizeof(*want));
	want->fds = fds;
	want->contexts = fn_base.contexts;
	want->nodes = fn_base.nodes;
	want->mappings = fn_base.mappings;
	want->pinned_bytes = fn_base.pinned_bytes;
	want->account_mode = ~0ULL;
}
FN_SEQ(release_all, W_ALL, body_close, expect_release, NULL);

/* Nodes */

/* After a failed ALLOC or DEVICE_CREATE, the id was not kept: the next one gets it. */
static int verify_id_free(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	uint32_t id;

	if (!rc)
		return 0;
	if (fn_alloc(s, 0, &id) || id != s->next_id) {
		ksft_print_msg("after the failure, ALLOC gave id %u (rc %d), want %u\n",
			       id, s->fail_errno, s->next_id);
		return 1;
	}
	return 0;
}

static int body_alloc_root(struct fn_state *s)
{
	return fn_alloc(s, 0, &s->out_id);
}

static void expect_alloc_root(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (!rc)
		fn_want_node(want, s->next_id, 0, 1);
}
FN_SEQ(alloc_root, W_CTX, body_alloc_root, expect_alloc_root, verify_id_free);

static int body_alloc_child(struct fn_state *s)
{
	return fn_alloc(s, s->root, &s->out_id);
}

static void expect_alloc_child(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (!rc)
		fn_want_node(want, s->next_id, s->root, 2);
}
FN_SEQ(alloc_child, W_MAP, body_alloc_child, expect_alloc_child, verify_id_free);

static int fn_destroy(struct fn_state *s, uint32_t id)
{
	struct ioasid_destroy d = { .size = sizeof(d), .id = id };

	return fn_ioctl(s, IOASID_DESTROY, &d);
}

static int body_destroy_child(struct fn_state *s)
{
	return fn_destroy(s, s->child);
}

static void expect_destroy_child(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (rc)
		return;
	fn_want_map(want, s->child, -1, -8, false, false);
	memset(&want->obj[s->child], 0, sizeof(want->obj[0]));
	want->obj[s->root].children--;
	want->nodes--;
}
FN_SEQ(destroy_child, W_CHILD_MAP, body_destroy_child, expect_destroy_child, NULL);

static int body_destroy_root(struct fn_state *s)
{
	return fn_destroy(s, s->root);
}

static void expect_destroy_root(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (rc)
		return;
	fn_want_map(want, s->root, -2, -16, true, true);
	memset(&want->obj[s->root], 0, sizeof(want->obj[0]));
	want->nodes--;
}
FN_SEQ(destroy_root, W_MAP | W_RESERVE, body_destroy_root, expect_destroy_root, NULL);

static int body_node_info(struct fn_state *s)
{
	struct ioasid_node_info ni = { .size = sizeof(ni), .id = s->root };

	if (fn_ioctl(s, IOASID_NODE_INFO, &ni))
		return -1;
	ni.id = s->child;
	return fn_ioctl(s, IOASID_NODE_INFO, &ni);
}
FN_SEQ(node_info, W_CHILD_MAP, body_node_info, NULL, NULL);

/* MAP, UNMAP, COPY, BATCH */

static int body_map_root_fixed(struct fn_state *s)
{
	s->out_iova = W_IOVA + 32 * PAGE;
	return fn_map(s, s->root, fn_ubuf(s, 16), 16 * PAGE, &s->out_iova, RW | FIXED);
}

static int body_map_root_auto(struct fn_state *s)
{
	return fn_map(s, s->root, fn_ubuf(s, 16), 16 * PAGE, &s->out_iova, RW);
}

static void expect_map_root(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (!rc)
		fn_want_map(want, s->root, 1, 16, true, true);
}
FN_SEQ(map_root_fixed, W_ROOT, body_map_root_fixed, expect_map_root, NULL);
FN_SEQ(map_root_auto, W_MAP, body_map_root_auto, expect_map_root, NULL);

static int body_map_child_fixed(struct fn_state *s)
{
	s->out_iova = W_IOVA + 16 * PAGE;
	return fn_map(s, s->child, W_IOVA + 2 * PAGE, 8 * PAGE, &s->out_iova, RW | FIXED);
}

static int body_map_child_auto(struct fn_state *s)
{
	return fn_map(s, s->child, W_IOVA + 2 * PAGE, 8 * PAGE, &s->out_iova, RW);
}

static void expect_map_child(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (!rc)
		fn_want_map(want, s->child, 1, 8, false, false);
}
FN_SEQ(map_child_fixed, W_CHILD, body_map_child_fixed, expect_map_child, NULL);
FN_SEQ(map_child_auto, W_CHILD_MAP, body_map_child_auto, expect_map_child, NULL);

static int fn_unmap(struct fn_state *s, uint32_t id, uint32_t flags, uint64_t iova,
		    uint64_t len)
{
	struct ioasid_unmap u = { .size = sizeof(u), .flags = flags, .id = id,
				  .iova = iova, .length = len };

	return fn_ioctl(s, IOASID_UNMAP, &u);
}

static int body_unmap_root(struct fn_state *s)
{
	return fn_unmap(s, s->root, 0, W_IOVA, 16 * PAGE);
}

static void expect_unmap_root(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (!rc)
		fn_want_map(want, s->root, -2, -16, true, true);
}
FN_SEQ(unmap_root, W_MAP, body_unmap_root, expect_unmap_root, NULL);

/* UNMAP_ALL of a root whose pages root2 also maps (COPY): they stay pinned. */
static int body_unmap_all_root(struct fn_state *s)
{
	return fn_unmap(s, s->root, IOASID_UNMAP_ALL, 0, 0);
}

static void expect_unmap_all_root(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (!rc)
		fn_want_map(want, s->root, -2, -16, true, false);
}
FN_SEQ(unmap_all_root, W_COPY, body_unmap_all_root, expect_unmap_all_root, NULL);

static int body_unmap_all_child(struct fn_state *s)
{
	return fn_unmap(s, s->child, IOASID_UNMAP_ALL, 0, 0);
}

static void expect_unmap_all_child(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (!rc)
		fn_want_map(want, s->child, -1, -8, false, false);
}
FN_SEQ(unmap_all_child, W_CHILD_MAP, body_unmap_all_child, expect_unmap_all_child, NULL);

/* COPY of root W+4p..W+12p (two source mappings) into root2. */
static int fn_copy(struct fn_state *s, uint32_t flags)
{
	struct ioasid_copy c = { .size = sizeof(c), .flags = flags,
				 .dst_id = s->root2, .src_id = s->root,
				 .length = 8 * PAGE, .src_iova = W_IOVA + 4 * PAGE,
				 .dst_iova = W_IOVA + 32 * PAGE };

	return fn_ioctl(s, IOASID_COPY, &c);
}

static int body_copy_fixed(struct fn_state *s)
{
	return fn_copy(s, RW | FIXED);
}

static int body_copy_auto(struct fn_state *s)
{
	return fn_copy(s, IOASID_MAP_READ);
}

static void expect_copy(struct fn_state *s, struct fn_snap *want, int rc)
{
	/* Two mappings, pinned_bytes counted at the node, nothing pinned again. */
	if (!rc)
		fn_want_map(want, s->root2, 2, 8, true, false);
}
FN_SEQ(copy_fixed, W_MAP | W_ROOT2, body_copy_fixed, expect_copy, NULL);
FN_SEQ(copy_auto, W_MAP | W_ROOT2, body_copy_auto, expect_copy, NULL);

static int fn_batch(struct fn_state *s, uint32_t op, uint32_t count, uint32_t entry_size)
{
	struct ioasid_batch b = { .size = sizeof(b), .op = op, .count = count,
				  .entry_size = entry_size,
				  .entries = (uintptr_t)s->maps };
	int rc;

	s->batch_count = count;
	rc = fn_ioctl(s, IOASID_BATCH, &b);
	s->batch_done = b.out_done;
	return rc;
}

static int body_batch_map(struct fn_state *s)
{
	unsigned int i;

	for (i = 0; i < 3; i++)
		s->maps[i] = (struct ioasid_map){
			.size = sizeof(s->maps[0]), .flags = RW | (i < 2 ? FIXED : 0),
			.id = s->root, .addr = fn_ubuf(s, 16 + 4 * i),
			.length = 4 * PAGE, .iova = W_IOVA + (32 + 4 * i) * PAGE };
	return fn_batch(s, IOASID_CMD_MAP, 3, sizeof(s->maps[0]));
}

static void expect_batch_map(struct fn_state *s, struct fn_snap *want, int rc)
{
	/* The entries before the failing one are applied, and said so. */
	fn_want_map(want, s->root, s->batch_done, 4 * (long long)s->batch_done, true, true);
}

static int verify_batch(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	if (rc || s->batch_done == s->batch_count)
		return 0;
	ksft_print_msg("BATCH succeeded with out_done %u\n", s->batch_done);
	return 1;
}
FN_SEQ(batch_map, W_ROOT, body_batch_map, expect_batch_map, verify_batch);

static int body_batch_unmap(struct fn_state *s)
{
	unsigned int i;

	for (i = 0; i < 2; i++)
		s->unmaps[i] = (struct ioasid_unmap){
			.size = sizeof(s->unmaps[0]), .id = s->root,
			.iova = W_IOVA + 8 * i * PAGE, .length = 8 * PAGE };
	return fn_batch(s, IOASID_CMD_UNMAP, 2, sizeof(s->unmaps[0]));
}

static void expect_batch_unmap(struct fn_state *s, struct fn_snap *want, int rc)
{
	fn_want_map(want, s->root, -(int)s->batch_done, -8 * (long long)s->batch_done,
		    true, true);
}
FN_SEQ(batch_unmap, W_MAP, body_batch_unmap, expect_batch_unmap, verify_batch);

/* IOVA ranges and reservations */

static int body_iova_ranges(struct fn_state *s)
{
	struct ioasid_iova_range r[4];
	struct ioasid_iova_ranges rr = { .size = sizeof(rr), .id = s->root,
					 .num_ranges = 4, .ranges = (uintptr_t)r };

	if (fn_ioctl(s, IOASID_IOVA_RANGES, &rr))
		return -1;
	return rr.num_ranges == 2 && r[0].last == RES_IOVA - 1 &&
	       r[1].start == RES_IOVA + RES_LEN ? 0 : -1;
}
FN_SEQ(iova_ranges, W_RESERVE, body_iova_ranges, NULL, NULL);

static int fn_reserve(struct fn_state *s, uint32_t flags)
{
	struct ioasid_reserve_iova r = { .size = sizeof(r), .flags = flags,
					 .id = s->root, .iova = RES_IOVA,
					 .length = RES_LEN };

	return fn_ioctl(s, IOASID_RESERVE_IOVA, &r);
}

static int body_reserve(struct fn_state *s)
{
	return fn_reserve(s, 0);
}

static void expect_reserve(struct fn_state *s, struct fn_snap *want, int rc)
{
	struct fn_obj *o = &want->obj[s->root];

	if (rc)
		return;
	o->nranges = 2;
	o->ranges[0] = (struct ioasid_iova_range){ 0, RES_IOVA - 1 };
	o->ranges[1] = (struct ioasid_iova_range){ RES_IOVA + RES_LEN, ~0ULL };
}
FN_SEQ(reserve_iova, W_MAP, body_reserve, expect_reserve, NULL);

static int body_unreserve(struct fn_state *s)
{
	return fn_reserve(s, IOASID_RESERVE_REMOVE);
}

static void expect_unreserve(struct fn_state *s, struct fn_snap *want, int rc)
{
	struct fn_obj *o = &want->obj[s->root];

	if (rc)
		return;
	o->nranges = 1;
	o->ranges[0] = (struct ioasid_iova_range){ 0, ~0ULL };
	o->ranges[1] = (struct ioasid_iova_range){ 0, 0 };
}
FN_SEQ(unreserve_iova, W_RESERVE, body_unreserve, expect_unreserve, NULL);

/* Devices, ATTACH, REPLACE, DETACH */

static int body_device_create(struct fn_state *s)
{
	struct ioasid_device_create d = { .size = sizeof(d), .flags = IOASID_DEVICE_PASID,
					  .pasid_bits = 8 };

	return fn_ioctl(s, IOASID_DEVICE_CREATE, &d);
}

static void expect_device_create(struct fn_state *s, struct fn_snap *want, int rc)
{
	struct fn_obj *o = &want->obj[s->next_id];

	if (rc)
		return;
	o->kind = FN_DEV;
	o->flags = IOASID_DEVICE_PASID;
	o->pasid_bits = 8;
}
FN_SEQ(device_create, W_CTX, body_device_create, expect_device_create, verify_id_free);

static int body_device_info(struct fn_state *s)
{
	struct ioasid_device_info d = { .size = sizeof(d), .dev_id = s->dev };

	return fn_ioctl(s, IOASID_DEVICE_INFO, &d);
}
FN_SEQ(device_info, W_ATTACH, body_device_info, NULL, NULL);

static int body_device_destroy(struct fn_state *s)
{
	return fn_destroy(s, s->dev);
}

static void expect_device_destroy(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (!rc)
		memset(&want->obj[s->dev], 0, sizeof(want->obj[0]));
}
FN_SEQ(device_destroy, W_DEV | W_ROOT, body_device_destroy, expect_device_destroy, NULL);

static int fn_attach(struct fn_state *s, uint32_t flags, uint32_t node, uint32_t pasid)
{
	struct ioasid_attach a = { .size = sizeof(a), .flags = flags,
				   .dev_id = s->dev, .node_id = node, .pasid = pasid };

	return fn_ioctl(s, IOASID_ATTACH, &a);
}

static int fn_detach(struct fn_state *s, uint32_t flags, uint32_t pasid)
{
	struct ioasid_attach a = { .size = sizeof(a), .flags = flags,
				   .dev_id = s->dev, .pasid = pasid };

	return fn_ioctl(s, IOASID_DETACH, &a);
}

static void expect_attach(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (!rc)
		want->obj[s->dev].natt++;
}

static void expect_detach(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (!rc)
		want->obj[s->dev].natt--;
}

/*
 * Where DMA of the device (PASID or not) goes now: 1 if it reaches buf
 * page @page at IOVA W_IOVA + @iova_page, 0 if it faults (EIO), -1 else.
 */
static int fn_reaches(struct fn_state *s, uint32_t flags, uint64_t iova_page,
		      uint64_t page)
{
	struct ioasid_translate t = { .size = sizeof(t), .flags = flags,
				      .dev_id = s->dev,
				      .pasid = flags & IOASID_DMA_PASID ? PASID : 0,
				      .iova = W_IOVA + iova_page * PAGE };

	if (!ioctl(s->fd, IOASID_TRANSLATE, &t))
		return t.out_uaddr == fn_ubuf(s, page) ? 1 : -1;
	return errno == EIO ? 0 : -1;
}

/*
 * An attachment that failed left nothing behind: DMA faults, and the node
 * counts no attachment (DESTROY works). One that worked is in use.
 */
static int fn_verify_attached(struct fn_state *s, int rc, uint32_t flags,
			      uint32_t node, uint64_t iova_page, uint64_t page)
{
	int reach = fn_reaches(s, flags, iova_page, page);

	if (reach != !rc) {
		ksft_print_msg("after ATTACH rc %d, DMA %s\n", rc,
			       reach == 1 ? "reaches the node" :
			       reach ? "gives an unexpected result" : "faults");
		return 1;
	}
	if (!rc)
		return 0;
	if (fn_destroy(s, node)) {
		ksft_print_msg("after a failed ATTACH, DESTROY of the node: errno %d\n",
			       s->fail_errno);
		return 1;
	}
	return 0;
}

static int body_attach(struct fn_state *s)
{
	return fn_attach(s, 0, s->root, 0);
}

static int verify_attach(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	return fn_verify_attached(s, rc, 0, s->root, 3, 3);
}
FN_SEQ(attach, W_MAP | W_DEV, body_attach, expect_attach, verify_attach);

static int body_attach_pasid(struct fn_state *s)
{
	return fn_attach(s, IOASID_ATTACH_PASID, s->child, PASID);
}

static int verify_attach_pasid(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	/* child W+1p -> root W+5p -> buf page 5 */
	return fn_verify_attached(s, rc, IOASID_DMA_PASID, s->child, 1, 5);
}
FN_SEQ(attach_pasid, W_CHILD_MAP | W_DEV, body_attach_pasid, expect_attach,
       verify_attach_pasid);

static int body_replace(struct fn_state *s)
{
	return fn_attach(s, IOASID_ATTACH_REPLACE, s->root2, 0);
}

static int verify_replace(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	/* root2 is empty: DMA faults once replaced, reaches root until then. */
	int reach = fn_reaches(s, 0, 3, 3);

	if (reach != !!rc) {
		ksft_print_msg("after REPLACE rc %d, DMA %s\n", rc,
			       reach == 1 ? "still reaches the old node" :
			       reach ? "gives an unexpected result" : "faults");
		return 1;
	}
	/* The node given up counts no attachment any more. */
	if (fn_destroy(s, rc ? s->root2 : s->root)) {
		ksft_print_msg("after REPLACE rc %d, DESTROY of the unused node: errno %d\n",
			       rc, s->fail_errno);
		return 1;
	}
	return 0;
}
FN_SEQ(replace, W_ATTACH | W_ROOT2, body_replace, NULL, verify_replace);

static int body_detach(struct fn_state *s)
{
	return fn_detach(s, 0, 0);
}

static int verify_detach(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	if (fn_reaches(s, 0, 3, 3) != !!rc) {
		ksft_print_msg("after DETACH rc %d, DMA does not do what it should\n", rc);
		return 1;
	}
	return 0;
}
FN_SEQ(detach, W_ATTACH | W_ATTACH_PASID, body_detach, expect_detach, verify_detach);

static int body_detach_pasid(struct fn_state *s)
{
	return fn_detach(s, IOASID_ATTACH_PASID, PASID);
}

static int verify_detach_pasid(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	if (fn_reaches(s, IOASID_DMA_PASID, 1, 5) != !!rc) {
		ksft_print_msg("after DETACH rc %d, PASID DMA does not do what it should\n",
			       rc);
		return 1;
	}
	if (!rc && fn_destroy(s, s->child)) {
		ksft_print_msg("after DETACH, DESTROY of the child: errno %d\n",
			       s->fail_errno);
		return 1;
	}
	return 0;
}
FN_SEQ(detach_pasid, W_ATTACH_PASID, body_detach_pasid, expect_detach,
       verify_detach_pasid);

/* DMA and TRANSLATE */

/* Across the two root mappings (the boundary is W+8p), IOTLB cold. */
static int body_dma_read(struct fn_state *s)
{
	return fn_dma(s, 0, W_IOVA + 6 * PAGE + 100, 6 * PAGE + 100, 0, 4 * PAGE);
}
FN_SEQ(dma_read_miss, W_ATTACH, body_dma_read, NULL, NULL);

static int body_dma_write(struct fn_state *s)
{
	return fn_dma(s, IOASID_DMA_WRITE, W_IOVA + 6 * PAGE + 100, 6 * PAGE + 100,
		      0, 4 * PAGE);
}
FN_SEQ(dma_write_miss, W_ATTACH, body_dma_write, NULL, NULL);

/* The same with the IOTLB filled: hits only. */
static int body_dma_hit(struct fn_state *s)
{
	if (fn_dma(s, 0, W_IOVA + 6 * PAGE + 100, 6 * PAGE + 100, 0, 4 * PAGE))
		return -1;
	return fn_dma(s, IOASID_DMA_WRITE, W_IOVA + 2 * PAGE + 5, 2 * PAGE + 5,
		      5 * PAGE, 3 * PAGE);
}
FN_SEQ(dma_hit, W_ATTACH | W_WARM, body_dma_hit, NULL, NULL);

/*
 * Through the child with a PASID: child W+1p.. is root W+5p.., across the
 * root's two mappings at child W+3p; the read misses, the write hits.
 */
static int body_dma_child(struct fn_state *s)
{
	if (fn_dma(s, IOASID_DMA_PASID, W_IOVA + PAGE + 9, 5 * PAGE + 9, 0, 5 * PAGE))
		return -1;
	return fn_dma(s, IOASID_DMA_PASID | IOASID_DMA_WRITE, W_IOVA + 2 * PAGE,
		      6 * PAGE, 6 * PAGE, 4 * PAGE);
}
FN_SEQ(dma_child, W_ATTACH_PASID, body_dma_child, NULL, NULL);

static int body_translate(struct fn_state *s)
{
	if (fn_translate(s, 0, W_IOVA + 3 * PAGE + 1))
		return -1;
	return fn_translate(s, IOASID_DMA_WRITE, W_IOVA + 9 * PAGE);
}

/*
 * The body's TRANSLATEs that succeeded: result i at @want[i], @len[i] bytes
 * long (0: any length), readable, writable and executable.
 */
static int fn_check_translate(struct fn_state *s, int rc, const uint64_t *want,
			      const uint64_t *len)
{
	unsigned int i;

	for (i = 0; i < s->ntr; i++) {
		const struct ioasid_translate *t = &s->tr[i];

		if ((i + 1 < s->ntr || !rc) &&
		    (t->out_uaddr != want[i] || !t->out_length ||
		     (len[i] && t->out_length != len[i]) ||
		     t->out_prot != (RW | IOASID_ACCESS_EXEC))) {
			ksft_print_msg("TRANSLATE %u: uaddr %#llx (want %#llx), length %llu, prot %u\n",
				       i, (unsigned long long)t->out_uaddr,
				       (unsigned long long)want[i],
				       (unsigned long long)t->out_length, t->out_prot);
			return 1;
		}
	}
	return 0;
}

static int verify_translate(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	const uint64_t want[] = { fn_ubuf(s, 3) + 1, fn_ubuf(s, 9) }, len[2] = { 0 };

	return fn_check_translate(s, rc, want, len);
}
FN_SEQ(translate, W_ATTACH, body_translate, NULL, verify_translate);

/* User-managed nodes */

/* A user-managed node as ALLOC makes it: no IOVA ranges of its own. */
static void fn_want_user(struct fn_snap *want, uint32_t id, uint32_t parent,
			 uint32_t depth)
{
	fn_want_node(want, id, parent, depth);
	want->obj[id].mode = IOASID_MODE_USER_MANAGED;
	want->obj[id].nranges = ~0u;
	memset(want->obj[id].ranges, 0, sizeof(want->obj[id].ranges));
}

static int body_alloc_user(struct fn_state *s)
{
	return fn_alloc_user(s, s->root, &s->out_id, 0);
}

static void expect_alloc_user(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (!rc)
		fn_want_user(want, s->next_id, s->root, 2);
}
FN_SEQ(alloc_user, W_MAP, body_alloc_user, expect_alloc_user, verify_id_free);

static int body_format_info(struct fn_state *s)
{
	struct ioasid_format_info f = { .size = sizeof(f), .format = s->ufmt };

	if (fn_ioctl(s, IOASID_FORMAT_INFO, &f))
		return -1;
	return f.out_pgsize_bitmap & PAGE ? 0 : -1;
}
FN_SEQ(format_info, W_CTX, body_format_info, NULL, NULL);

static int body_bind(struct fn_state *s)
{
	return fn_bind(s, IOASID_BIND, W_IOVA + U_TABLE * PAGE);
}

static void expect_bound(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (rc)
		return;
	want->obj[s->user].node_flags |= IOASID_NODE_BOUND;
	want->obj[s->user].root = W_IOVA + U_TABLE * PAGE;
}
FN_SEQ(bind, W_USER, body_bind, expect_bound, NULL);

/* A second BIND drops what the device cached; DMA goes on through the table. */
static int body_rebind(struct fn_state *s)
{
	if (body_bind(s))
		return -1;
	s->pasid = U_PASID;
	return fn_dma(s, IOASID_DMA_PASID, U_IOVA + PAGE + 3, (U_DATA + 1) * PAGE + 3,
		      0, 2 * PAGE);
}
FN_SEQ(rebind, W_ATTACH_USER | W_WARM, body_rebind, expect_bound, NULL);

static int body_unbind(struct fn_state *s)
{
	return fn_bind(s, IOASID_UNBIND, 0);
}

static void expect_unbound(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (rc)
		return;
	want->obj[s->user].node_flags &= ~IOASID_NODE_BOUND;
	want->obj[s->user].root = 0;
}
FN_SEQ(unbind, W_ATTACH_USER | W_WARM, body_unbind, expect_unbound, NULL);

/* Every scope of INVALIDATE, then DMA through what is left and what was dropped. */
static int body_invalidate(struct fn_state *s)
{
	struct ioasid_inv_entry e[3] = {
		{ .node_id = s->user, .scope = IOASID_INV_SCOPE_ADDR,
		  .addr = U_IOVA + PAGE, .size = PAGE, .granule = PAGE },
		{ .node_id = s->user, .scope = IOASID_INV_SCOPE_PASID, .pasid = U_PASID },
		{ .node_id = s->user, .flags = IOASID_INV_NO_PASID },
	};
	struct ioasid_invalidate inv = { .size = sizeof(inv), .count = 3,
					 .entry_size = sizeof(e[0]),
					 .entries = (uintptr_t)e };

	if (fn_ioctl(s, IOASID_INVALIDATE, &inv))
		return -1;
	s->pasid = U_PASID;
	return fn_dma(s, IOASID_DMA_PASID | IOASID_DMA_WRITE, U_IOVA + 2 * PAGE + 8,
		      (U_DATA + 2) * PAGE + 8, PAGE, PAGE);
}
FN_SEQ(invalidate, W_ATTACH_USER | W_WARM, body_invalidate, NULL, NULL);

/*
 * DMA through the user node: walks read the table through the root (an
 * Arm64 node's read goes through its TTB1 half, the same table).
 */
static int body_dma_user(struct fn_state *s)
{
	uint64_t iova = s->ufmt == IOASID_FORMAT_ARM64 ? U_TTB1 : U_IOVA;

	s->pasid = U_PASID;
	if (fn_dma(s, IOASID_DMA_PASID, iova + 100, U_DATA * PAGE + 100, 0, 3 * PAGE))
		return -1;
	return fn_dma(s, IOASID_DMA_PASID | IOASID_DMA_WRITE, U_IOVA + PAGE,
		      (U_DATA + 1) * PAGE, 4 * PAGE, 2 * PAGE);
}
FN_SEQ(dma_user_miss, W_ATTACH_USER, body_dma_user, NULL, NULL);
FN_SEQ(dma_user_hit, W_ATTACH_USER | W_WARM, body_dma_user, NULL, NULL);

static int body_translate_user(struct fn_state *s)
{
	s->pasid = U_PASID;
	if (fn_translate(s, IOASID_DMA_PASID, U_IOVA + 3 * PAGE + 1))
		return -1;
	return fn_translate(s, IOASID_DMA_PASID | IOASID_DMA_WRITE, U_IOVA + PAGE);
}

/* A guest leaf is a page: an entry ends there. */
static int verify_translate_user(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	const uint64_t want[] = { fn_ubuf(s, U_DATA + 3) + 1, fn_ubuf(s, U_DATA + 1) };
	const uint64_t len[] = { PAGE - 1, PAGE };

	return fn_check_translate(s, rc, want, len);
}
FN_SEQ(translate_user, W_ATTACH_USER, body_translate_user, NULL, verify_translate_user);

/* UNMAP of the root's mapping that holds the table drops the user node's entries. */
static int body_unmap_table(struct fn_state *s)
{
	return fn_unmap(s, s->root, 0, W_IOVA + 8 * PAGE, 8 * PAGE);
}

static void expect_unmap_table(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (!rc)
		fn_want_map(want, s->root, -1, -8, true, true);
}

static int verify_unmap_table(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	struct ioasid_dma d = { .size = sizeof(d), .flags = IOASID_DMA_PASID,
				.dev_id = s->dev, .pasid = U_PASID, .iova = U_IOVA,
				.length = 1, .buffer = (uintptr_t)&s->scratch };

	if (rc || (ioctl(s->fd, IOASID_DMA, &d) && errno == EIO))
		return 0;
	ksft_print_msg("DMA through a table the root no longer maps: %s\n",
		       strerror(errno));
	return 1;
}
FN_SEQ(unmap_table, W_ATTACH_USER | W_WARM, body_unmap_table, expect_unmap_table,
       verify_unmap_table);

static int body_destroy_user(struct fn_state *s)
{
	return fn_destroy(s, s->user);
}

static void expect_destroy_user(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (rc)
		return;
	memset(&want->obj[s->user], 0, sizeof(want->obj[0]));
	want->obj[s->root].children--;
	want->nodes--;
}
FN_SEQ(destroy_user, W_BIND, body_destroy_user, expect_destroy_user, NULL);

/*
 * The same for the formats of issue 12: a user node of each (see
 * fn_descriptor(); Arm64 bound with both halves), over the same table
 * encoded in its format. The module allocates per node (ALLOC, BIND) and
 * per walk (DMA, TRANSLATE through a cold IOTLB).
 */
#define FN_SEQ_FORMAT(_fmt, _w)						\
FN_SEQ(alloc_user_##_fmt, W_MAP | _w, body_alloc_user, expect_alloc_user,	\
       verify_id_free);							\
FN_SEQ(format_info_##_fmt, W_CTX | _w, body_format_info, NULL, NULL);	\
FN_SEQ(bind_##_fmt, W_USER | _w, body_bind, expect_bound, NULL);		\
FN_SEQ(rebind_##_fmt, W_ATTACH_USER | W_WARM | _w, body_rebind, expect_bound, \
       NULL);								\
FN_SEQ(dma_user_miss_##_fmt, W_ATTACH_USER | _w, body_dma_user, NULL, NULL); \
FN_SEQ(dma_user_hit_##_fmt, W_ATTACH_USER | W_WARM | _w, body_dma_user, NULL, \
       NULL);								\
FN_SEQ(translate_user_##_fmt, W_ATTACH_USER | _w, body_translate_user, NULL, \
       verify_translate_user);						\
FN_SEQ(invalidate_##_fmt, W_ATTACH_USER | W_WARM | _w, body_invalidate, NULL, \
       NULL);								\
FN_SEQ(unbind_##_fmt, W_ATTACH_USER | W_WARM | _w, body_unbind, expect_unbound, \
       NULL);								\
FN_SEQ(destroy_user_##_fmt, W_BIND | _w, body_destroy_user, expect_destroy_user, \
       NULL)

FN_SEQ_FORMAT(arm64, W_ARM64);
FN_SEQ_FORMAT(riscv, W_RISCV);
FN_SEQ_FORMAT(amd_v1, W_AMD_V1);

/*
 * PASID-table kinds (issue 12 item 4): ALLOC of each kind, BIND of its
 * guest entry (64-byte struct ioasid_bind), DMA with U_PASID through the
 * kind node (the first walk: the PASID's sub-attachment and IOTLB entries
 * are allocated), INVALIDATE with IOASID_INV_PASID_TABLE (a PASID's, every
 * one, the no-PASID ones) and DMA again, and DETACH of the kind node with
 * U_PASID's translations cached (everything for every PASID dropped).
 */
static void expect_kind_bound(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (!rc)
		want->obj[s->user].node_flags |= IOASID_NODE_BOUND;	/* root 0 */
}

static int body_inv_pasid_table(struct fn_state *s)
{
	struct ioasid_inv_entry e[3] = {
		{ .node_id = s->user, .scope = IOASID_INV_SCOPE_PASID,
		  .flags = IOASID_INV_PASID_TABLE, .pasid = U_PASID },
		{ .node_id = s->user, .flags = IOASID_INV_PASID_TABLE },
		{ .node_id = s->user, .flags = IOASID_INV_PASID_TABLE | IOASID_INV_NO_PASID },
	};
	struct ioasid_invalidate inv = { .size = sizeof(inv), .count = 3,
					 .entry_size = sizeof(e[0]),
					 .entries = (uintptr_t)e };

	if (fn_ioctl(s, IOASID_INVALIDATE, &inv))
		return -1;
	s->pasid = U_PASID;
	return fn_dma(s, IOASID_DMA_PASID | IOASID_DMA_WRITE, U_IOVA + 2 * PAGE + 8,
		      (U_DATA + 2) * PAGE + 8, PAGE, PAGE);
}

static int body_detach_kind(struct fn_state *s)
{
	return fn_detach(s, 0, 0);
}

/* After DETACH, DMA with U_PASID faults; a failed one left it translating. */
static int verify_detach_kind(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	struct ioasid_translate t = { .size = sizeof(t), .flags = IOASID_DMA_PASID,
				      .dev_id = s->dev, .pasid = U_PASID,
				      .iova = U_IOVA + PAGE };
	int ret = ioctl(s->fd, IOASID_TRANSLATE, &t) ? errno : 0;

	if (rc ? ret || t.out_uaddr != fn_ubuf(s, U_DATA + 1) : ret != EIO) {
		ksft_print_msg("after DETACH of the kind node rc %d, TRANSLATE with PASID %u: "
			       "%s\n", rc, U_PASID, ret ? strerror(ret) : "translated");
		return 1;
	}
	return 0;
}

#define FN_SEQ_KINDS(_k, _kind)						\
FN_SEQ_KIND(alloc_##_k, _kind, W_MAP, body_alloc_user, expect_alloc_user,	\
	    verify_id_free);						\
FN_SEQ_KIND(bind_##_k, _kind, W_USER, body_bind, expect_kind_bound, NULL);	\
FN_SEQ_KIND(dma_##_k##_miss, _kind, W_ATTACH_USER, body_dma_user, NULL, NULL); \
FN_SEQ_KIND(invalidate_pasid_table_##_k, _kind, W_ATTACH_USER | W_WARM,	\
	    body_inv_pasid_table, NULL, NULL);				\
FN_SEQ_KIND(detach_##_k, _kind, W_ATTACH_USER | W_WARM, body_detach_kind,	\
	    expect_detach, verify_detach_kind)

FN_SEQ_KINDS(smmuv3_cd, IOASID_FORMAT_SMMUV3_CD);
FN_SEQ_KINDS(amd_gcr3, IOASID_FORMAT_AMD_GCR3);
FN_SEQ_KINDS(riscv_pdt, IOASID_FORMAT_RISCV_PDT);

/* Dirty tracking */

static int fn_tracking(struct fn_state *s, bool on)
{
	struct ioasid_dirty_tracking t = { .size = sizeof(t), .id = s->root,
					   .flags = on ? IOASID_DIRTY_ENABLE : 0 };

	return fn_ioctl(s, IOASID_DIRTY_TRACKING, &t);
}

static int body_dirty_on(struct fn_state *s)
{
	return fn_tracking(s, true);
}

static void expect_dirty_on(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (!rc)
		want->obj[s->root].tracking = true;
}
FN_SEQ(dirty_tracking_on, W_MAP, body_dirty_on, expect_dirty_on, NULL);

static int body_dirty_off(struct fn_state *s)
{
	return fn_tracking(s, false);
}

static void expect_dirty_off(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (rc)
		return;
	want->obj[s->root].tracking = false;
	want->obj[s->root].dirty = 0;
}
FN_SEQ(dirty_tracking_off, W_DIRTY_DATA, body_dirty_off, expect_dirty_off, NULL);

/* Pages of the window the DMAs of the body wrote into (root IOVA = buf offset). */
static uint64_t fn_written_pages(struct fn_state *s)
{
	uint64_t bits = 0, off;
	unsigned int i;

	for (i = 0; i < s->ndma; i++) {
		struct fn_dma *d = &s->dma[i];

		if (!(d->flags & IOASID_DMA_WRITE))
			continue;
		for (off = d->buf_off; off < d->buf_off + d->done; off = (off | (PAGE - 1)) + 1)
			bits |= 1ULL << (off / PAGE);
	}
	return bits;
}

/* Every page a DMA wrote (up to out_done) is recorded: no record lost. */
static void expect_dirty_written(struct fn_state *s, struct fn_snap *want, int rc)
{
	want->obj[s->root].dirty |= fn_written_pages(s);
}

static int body_dirty_dma_write(struct fn_state *s)
{
	return fn_dma(s, IOASID_DMA_WRITE, W_IOVA + 3 * PAGE + 10, 3 * PAGE + 10,
		      0, 2 * PAGE);
}
FN_SEQ(dirty_dma_write, W_DIRTY | W_ATTACH | W_WARM, body_dirty_dma_write,
       expect_dirty_written, NULL);

/* Written through the child: recorded at the root (child W+2p = root W+6p). */
static int body_dirty_dma_write_child(struct fn_state *s)
{
	return fn_dma(s, IOASID_DMA_PASID | IOASID_DMA_WRITE, W_IOVA + 2 * PAGE + 10,
		      6 * PAGE + 10, 0, 3 * PAGE);
}
FN_SEQ(dirty_dma_write_child, W_DIRTY | W_ATTACH_PASID, body_dirty_dma_write_child,
       expect_dirty_written, NULL);

static int body_dirty_bitmap_noclear(struct fn_state *s)
{
	return fn_dirty_bitmap(s, s->root, IOASID_DIRTY_NO_CLEAR, s->bitmap);
}

static int body_dirty_bitmap_clear(struct fn_state *s)
{
	return fn_dirty_bitmap(s, s->root, 0, s->bitmap);
}

static void expect_dirty_cleared(struct fn_state *s, struct fn_snap *want, int rc)
{
	/* A clearing read that failed lost nothing. */
	if (!rc)
		want->obj[s->root].dirty = 0;
}

static int verify_dirty_bitmap(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	if (rc || s->bitmap[0] == pre->obj[s->root].dirty)
		return 0;
	ksft_print_msg("DIRTY_BITMAP reported %#llx, want %#llx\n",
		       (unsigned long long)s->bitmap[0],
		       (unsigned long long)pre->obj[s->root].dirty);
	return 1;
}
FN_SEQ(dirty_bitmap_no_clear, W_DIRTY_DATA, body_dirty_bitmap_noclear, NULL,
       verify_dirty_bitmap);
FN_SEQ(dirty_bitmap_clear, W_DIRTY_DATA, body_dirty_bitmap_clear, expect_dirty_cleared,
       verify_dirty_bitmap);

/* Fault queues and page requests ------------------------------------------ */

/*
 * A fault queue is an object and a file descriptor: FAULT_QUEUE_ALLOC that
 * fails leaves neither (the snapshots compare the open fds and the object
 * at the next id; verify_id_free the id), one that works both.
 */
static void fn_want_queue(struct fn_snap *want, uint32_t id, uint32_t depth,
			  uint32_t timeout)
{
	struct fn_obj *o = &want->obj[id];

	memset(o, 0, sizeof(*o));
	o->kind = FN_QUEUE;
	o->qdepth = depth;
	o->timeout = timeout;
	o->next_seq = 1;
	want->fds++;
}

static int body_queue_alloc(struct fn_state *s)
{
	int rc = fn_qalloc(s, IOASID_FAULT_QUEUE_CLOEXEC | IOASID_FAULT_QUEUE_NONBLOCK |
			   IOASID_FAULT_QUEUE_TIMEOUT, 16, 5000, &s->out_id, &s->out_fd);

	if (rc)
		s->out_fd = -1;		/* whatever it says, nothing is ours */
	return rc;
}

static void expect_queue_alloc(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (!rc)
		fn_want_queue(want, s->next_id, 16, 5000);
}

/* A new queue's fd: its flags, and empty. */
static int fn_check_new_fd(struct fn_state *s, int fd, bool cloexec, bool nonblock)
{
	struct ioasid_fault_record r;
	int fdfl = fcntl(fd, F_GETFD), fl = fcntl(fd, F_GETFL);
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	if (fdfl < 0 || fl < 0 || !(fdfl & FD_CLOEXEC) != !cloexec ||
	    !(fl & O_NONBLOCK) != !nonblock) {
		ksft_print_msg("the queue's fd %d: FD flags %#x, file flags %#x\n", fd, fdfl, fl);
		return 1;
	}
	if (poll(&p, 1, 0) != 1 || p.revents != POLLOUT) {
		ksft_print_msg("an empty queue polls %#x\n", p.revents);
		return 1;
	}
	if (nonblock && (read(fd, &r, sizeof(r)) != -1 || errno != EAGAIN)) {
		ksft_print_msg("an empty O_NONBLOCK queue: read gives %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

static int verify_queue_alloc(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	if (rc)
		return verify_id_free(s, pre, rc);
	if (s->out_id != s->next_id) {
		ksft_print_msg("FAULT_QUEUE_ALLOC gave id %u, want %u\n", s->out_id, s->next_id);
		return 1;
	}
	return fn_check_new_fd(s, s->out_fd, true, true);
}
FN_SEQ(fault_queue_alloc, W_CTX, body_queue_alloc, expect_queue_alloc, verify_queue_alloc);

/* The defaults: depth 256, the module's pri_timeout_ms, a blocking fd. */
static int body_queue_alloc_default(struct fn_state *s)
{
	int rc = fn_qalloc(s, 0, 0, 0, &s->out_id, &s->out_fd);

	if (rc)
		s->out_fd = -1;
	return rc;
}

static void expect_queue_alloc_default(struct fn_state *s, struct fn_snap *want, int rc)
{
	char buf[32];

	if (rc)
		return;
	fn_want_queue(want, s->next_id, 256, 10000);
	if (!fi_read_file("/sys/module/" IOASID_MODULE_NAME "/parameters/pri_timeout_ms",
			  buf, sizeof(buf)))
		want->obj[s->next_id].timeout = strtoul(buf, NULL, 10);
}

static int verify_queue_alloc_default(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	if (rc)
		return verify_id_free(s, pre, rc);
	return fn_check_new_fd(s, s->out_fd, false, false);
}
FN_SEQ(fault_queue_alloc_default, W_MAP, body_queue_alloc_default,
       expect_queue_alloc_default, verify_queue_alloc_default);

static int body_queue_info(struct fn_state *s)
{
	struct ioasid_fault_queue_info qi = { .size = sizeof(qi), .queue_id = s->qid };

	if (fn_ioctl(s, IOASID_FAULT_QUEUE_INFO, &qi))
		return -1;
	if (qi.out_depth != 8 || qi.out_timeout_ms || qi.out_queued != 2 ||
	    qi.out_pending || qi.out_nodes != 1 || qi.out_closed ||
	    qi.out_next_seq != 3 || qi.out_overflow || qi.out_timeouts ||
	    qi.out_auto_responses) {
		ksft_print_msg("FAULT_QUEUE_INFO: depth %u timeout %u queued %u pending %u nodes %u closed %u next_seq %llu overflow %llu\n",
			       qi.out_depth, qi.out_timeout_ms, qi.out_queued, qi.out_pending,
			       qi.out_nodes, qi.out_closed, (unsigned long long)qi.out_next_seq,
			       (unsigned long long)qi.out_overflow);
		return -1;
	}
	return 0;
}
FN_SEQ(fault_queue_info, W_RECORDS, body_queue_info, NULL, NULL);

/* OPTION: a node's queue, set and read back; the queue's timeout, set and read back. */
static int body_option_queue(struct fn_state *s)
{
	uint64_t v = s->qid;

	if (fn_option(s, IOASID_OPTION_FAULT_QUEUE, IOASID_OPTION_OP_SET, s->child, &v))
		return -1;
	v = 0;
	if (fn_option(s, IOASID_OPTION_FAULT_QUEUE, IOASID_OPTION_OP_GET, s->child, &v))
		return -1;
	if (v != s->qid) {
		ksft_print_msg("OPTION FAULT_QUEUE GET: %llu, want %u\n",
			       (unsigned long long)v, s->qid);
		return -1;
	}
	v = 250;
	if (fn_option(s, IOASID_OPTION_FAULT_TIMEOUT_MS, IOASID_OPTION_OP_SET, s->qid, &v))
		return -1;
	v = 0;
	if (fn_option(s, IOASID_OPTION_FAULT_TIMEOUT_MS, IOASID_OPTION_OP_GET, s->qid, &v))
		return -1;
	if (v != 250) {
		ksft_print_msg("OPTION FAULT_TIMEOUT_MS GET: %llu, want 250\n",
			       (unsigned long long)v);
		return -1;
	}
	return 0;
}

static void expect_option_queue(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (s->nok >= 1) {
		want->obj[s->child].fault_queue = s->qid;
		want->obj[s->qid].qnodes++;
	}
	if (s->nok >= 3)
		want->obj[s->qid].timeout = 250;
}
FN_SEQ(option_fault_queue, W_QUEUE | W_CHILD, body_option_queue, expect_option_queue, NULL);

static int body_option_queue_clear(struct fn_state *s)
{
	uint64_t v = 0;

	return fn_option(s, IOASID_OPTION_FAULT_QUEUE, IOASID_OPTION_OP_SET, s->root, &v);
}

static void expect_option_queue_clear(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (rc)
		return;
	want->obj[s->root].fault_queue = 0;
	want->obj[s->qid].qnodes--;
}
FN_SEQ(option_fault_queue_clear, W_QUEUE_ROOT | W_MAP, body_option_queue_clear,
       expect_option_queue_clear, NULL);

/* ALLOC naming a queue: a kernel-managed child, a user-managed node that answers INVALID. */
static int body_alloc_queue_child(struct fn_state *s)
{
	struct ioasid_alloc a = { .size = sizeof(a), .mode = IOASID_MODE_KERNEL_MANAGED,
				  .parent_id = s->root, .fault_queue_id = s->qid };

	return fn_ioctl(s, IOASID_ALLOC, &a);
}

static void expect_alloc_queue_child(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (rc)
		return;
	fn_want_node(want, s->next_id, s->root, 2);
	want->obj[s->next_id].fault_queue = s->qid;
	want->obj[s->qid].qnodes++;
}
FN_SEQ(alloc_queue_child, W_QUEUE | W_MAP, body_alloc_queue_child, expect_alloc_queue_child,
       verify_id_free);

static int body_alloc_user_auto_invalid(struct fn_state *s)
{
	return fn_alloc_user_q(s, s->root, &s->out_id, IOASID_ALLOC_PRI_AUTO_INVALID, s->qid);
}

static void expect_alloc_user_auto_invalid(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (rc)
		return;
	fn_want_user(want, s->next_id, s->root, 2);
	want->obj[s->next_id].node_flags = IOASID_NODE_PRI_AUTO_INVALID;
	want->obj[s->next_id].fault_queue = s->qid;
	want->obj[s->qid].qnodes++;
}
FN_SEQ(alloc_user_auto_invalid, W_QUEUE | W_MAP, body_alloc_user_auto_invalid,
       expect_alloc_user_auto_invalid, verify_id_free);

/* DESTROY of a queue no node names: the object goes, its fd stays and reads. */
static int body_destroy_queue(struct fn_state *s)
{
	return fn_destroy(s, s->qid);
}

static void expect_destroy_queue(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (!rc)
		memset(&want->obj[s->qid], 0, sizeof(want->obj[0]));
}

/* The fd of a destroyed queue reads what is left: nothing, end of file. */
static int verify_destroy_queue(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	struct ioasid_fault_record r;
	ssize_t got = read(s->qfd, &r, sizeof(r));

	if (rc ? got != -1 || errno != EAGAIN : got != 0) {
		ksft_print_msg("after DESTROY rc %d, read of the queue's fd: %zd (%s)\n", rc,
			       got, strerror(errno));
		return 1;
	}
	return 0;
}
FN_SEQ(destroy_queue, W_QUEUE | W_ROOT, body_destroy_queue, expect_destroy_queue,
       verify_destroy_queue);

/* DESTROY of a node that names the queue: one node less names it. */
static void expect_destroy_root_queue(struct fn_state *s, struct fn_snap *want, int rc)
{
	expect_destroy_root(s, want, rc);
	if (!rc)
		want->obj[s->qid].qnodes--;
}
FN_SEQ(destroy_root_queue, W_QUEUE_ROOT | W_MAP, body_destroy_root, expect_destroy_root_queue,
       NULL);

/* A DMA fault routed to the queue: one record, field by field. */
static int body_fault_record(struct fn_state *s)
{
	return fn_dma_want(s, 0, F_IOVA + 8, 0, s->local, 0, 64, 0, EIO);
}

static void expect_fault_record(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (rc)
		return;
	want->obj[s->qid].queued++;
	want->obj[s->qid].next_seq++;
}

/* Record @r: of this kind, from the device, at @node, sequence @seq. */
static int fn_check_record(const struct ioasid_fault_record *r, uint32_t type,
			   uint64_t seq, uint32_t flags, uint32_t dev, uint32_t pasid,
			   uint32_t node, uint32_t level, uint32_t reason, uint32_t access,
			   uint64_t addr)
{
	if (r->size < sizeof(*r) || r->type != type || r->seq != seq || r->flags != flags ||
	    r->dev_id != dev || r->pasid != pasid || r->node_id != node ||
	    r->level != level || r->reason != reason || r->access != access ||
	    r->addr != addr || (type == IOASID_FAULT_RECORD_FAULT) != !r->group ||
	    !r->time_ns) {
		ksft_print_msg("record: size %u type %u seq %llu flags %#x dev %u pasid %u node %u level %u reason %u access %#x group %u addr %#llx\n",
			       r->size, r->type, (unsigned long long)r->seq, r->flags,
			       r->dev_id, r->pasid, r->node_id, r->level, r->reason,
			       r->access, r->group, (unsigned long long)r->addr);
		ksft_print_msg("  want: type %u seq %llu flags %#x dev %u pasid %u node %u level %u reason %u access %#x addr %#llx\n",
			       type, (unsigned long long)seq, flags, dev, pasid, node, level,
			       reason, access, (unsigned long long)addr);
		return 1;
	}
	return 0;
}

static int verify_fault_record(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	if (rc)
		return 0;
	if (fn_qread(s, 4) || s->qret != sizeof(s->recs[0])) {
		ksft_print_msg("read of the record: %zd (%s)\n", s->qret, strerror(s->fail_errno));
		return 1;
	}
	return fn_check_record(&s->recs[0], IOASID_FAULT_RECORD_FAULT, 1, 0, s->dev, 0,
			       s->root, 0, IOASID_FAULT_NOT_MAPPED, IOASID_ACCESS_READ,
			       F_IOVA + 8);
}
FN_SEQ(fault_record, W_QUEUE_ROOT | W_ATTACH, body_fault_record, expect_fault_record,
       verify_fault_record);

/*
 * read() of two queued records into room for four. A read that fails lost
 * nothing: what it did not return is read afterwards, every sequence number
 * once, in order.
 */
static int body_read_records(struct fn_state *s)
{
	if (fn_qread(s, 4))
		return -1;
	if (s->qret % sizeof(s->recs[0]) || !s->qret) {
		ksft_print_msg("read returned %zd\n", s->qret);
		s->fail_req = 0;
		return -1;
	}
	return 0;
}

static void expect_read_records(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (s->qret > 0)
		want->obj[s->qid].queued -= s->qret / sizeof(s->recs[0]);
}

static int verify_read_records(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	struct ioasid_fault_record all[4];
	unsigned int n = s->qret > 0 ? s->qret / sizeof(s->recs[0]) : 0, k;
	int bad = 0;

	memcpy(all, s->recs, n * sizeof(all[0]));
	if (n < 2) {
		ssize_t got = read(s->qfd, all + n, sizeof(all) - n * sizeof(all[0]));

		if (got != (ssize_t)((2 - n) * sizeof(all[0]))) {
			ksft_print_msg("after read rc %d (%u records), the rest: %zd (%s)\n",
				       rc, n, got, strerror(errno));
			return 1;
		}
	}
	for (k = 0; k < 2; k++)
		bad += fn_check_record(&all[k], IOASID_FAULT_RECORD_FAULT, k + 1, 0, s->dev,
				       0, s->root, 0, IOASID_FAULT_NOT_MAPPED,
				       k ? IOASID_ACCESS_WRITE : IOASID_ACCESS_READ,
				       F_IOVA + k * PAGE);
	return bad;
}
FN_SEQ(read_records, W_RECORDS, body_read_records, expect_read_records, verify_read_records);

/* DEVICE_CREATE of a device that issues page requests. */
static int body_device_create_pri(struct fn_state *s)
{
	struct ioasid_device_create d = { .size = sizeof(d),
					  .flags = IOASID_DEVICE_PASID | IOASID_DEVICE_PRI,
					  .pasid_bits = 8, .pri_max_pending = 2 };

	return fn_ioctl(s, IOASID_DEVICE_CREATE, &d);
}

static void expect_device_create_pri(struct fn_state *s, struct fn_snap *want, int rc)
{
	struct fn_obj *o = &want->obj[s->next_id];

	if (rc)
		return;
	o->kind = FN_DEV;
	o->flags = IOASID_DEVICE_PASID | IOASID_DEVICE_PRI;
	o->pasid_bits = 8;
}
FN_SEQ(device_create_pri, W_CTX, body_device_create_pri, expect_device_create_pri,
       verify_id_free);

/* ATTACH of the PRI device to the user node: then its DMA into the hole asks for the page. */
static int body_attach_pri(struct fn_state *s)
{
	return fn_attach(s, IOASID_ATTACH_PASID, s->user, U_PASID);
}

static int verify_attach_pri(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	/* Attached: a page request; not: a fault of nothing attached (no record). */
	if (fn_dma_hole(s, IOASID_DMA_NOWAIT, s->warm, rc ? EIO : EAGAIN)) {
		ksft_print_msg("after ATTACH rc %d, DMA into the hole: %s\n", rc,
			       strerror(s->fail_errno));
		return 1;
	}
	return 0;
}
FN_SEQ(attach_pri, W_PRI | W_BIND | W_HOLE, body_attach_pri, expect_attach, verify_attach_pri);

/* A DMA into the hole with NOWAIT: EAGAIN, out_done exact, a page request queued. */
static int body_dma_page_request(struct fn_state *s)
{
	return fn_dma_hole(s, IOASID_DMA_NOWAIT, s->local, EAGAIN);
}

static void expect_page_request(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (rc)
		return;
	want->obj[s->qid].queued++;
	want->obj[s->qid].pending++;
	want->obj[s->qid].next_seq++;
}

/* The request's record; answer it INVALID and the retried DMA fails (EIO). */
static int fn_finish_request(struct fn_state *s, uint32_t group, uint64_t seq)
{
	struct ioasid_page_response r = fn_resp(s, group, IOASID_PAGE_RESP_INVALID);
	int bad = 0;

	if (fn_qread(s, 4) || s->qret != sizeof(s->recs[0])) {
		ksft_print_msg("read of the page request: %zd (%s)\n", s->qret,
			       strerror(s->fail_errno));
		return 1;
	}
	bad += fn_check_record(&s->recs[0], IOASID_FAULT_RECORD_PAGE_REQUEST, seq,
			       IOASID_FAULT_RECORD_PASID | IOASID_FAULT_RECORD_GUEST,
			       s->dev, U_PASID, s->user, 1, IOASID_FAULT_NOT_PRESENT,
			       IOASID_ACCESS_READ, U_IOVA + H_PAGE * PAGE);
	if (s->recs[0].group != group) {
		ksft_print_msg("the record's group %u, the DMA's %u\n", s->recs[0].group, group);
		bad++;
	}
	if (fn_qwrite(s, &r, 1) || s->qret != sizeof(r)) {
		ksft_print_msg("write of the response: %zd (%s)\n", s->qret,
			       strerror(s->fail_errno));
		return bad + 1;
	}
	if (fn_dma_want(s, IOASID_DMA_PASID | IOASID_DMA_RETRY | IOASID_DMA_NOWAIT,
			H_IOVA + H_DONE, 0, s->warm, 0, H_LEN - H_DONE, group, EIO)) {
		ksft_print_msg("RETRY after INVALID: %s\n", strerror(s->fail_errno));
		bad++;
	}
	return bad;
}

static int verify_page_request(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	if (!rc) {
		if (!s->out_group || s->dma[0].done != H_DONE) {
			ksft_print_msg("EAGAIN with group %u, out_done %llu\n", s->out_group,
				       (unsigned long long)s->dma[0].done);
			return 1;
		}
		return fn_finish_request(s, s->out_group, 1);
	}
	/* Nothing was raised: the device raises one now. */
	if (fn_dma_hole(s, IOASID_DMA_NOWAIT, s->warm, EAGAIN)) {
		ksft_print_msg("after a failed DMA, DMA into the hole: %s\n",
			       strerror(s->fail_errno));
		return 1;
	}
	return fn_finish_request(s, s->out_group, pre->obj[s->qid].next_seq);
}
FN_SEQ(dma_page_request, W_PRI | W_ATTACH_USER | W_HOLE, body_dma_page_request,
       expect_page_request, verify_page_request);

/* A node that answers INVALID itself: the DMA fails at once, the record says so. */
static int body_dma_auto_invalid(struct fn_state *s)
{
	return fn_dma_hole(s, 0, s->local, EIO);
}

static void expect_auto_invalid(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (rc)
		return;
	want->obj[s->qid].queued++;
	want->obj[s->qid].next_seq++;
	want->obj[s->qid].auto_responses++;
}

static int verify_auto_invalid(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	if (rc)
		return 0;
	if (s->dma[0].done != H_DONE) {
		ksft_print_msg("out_done %llu, want %u\n", (unsigned long long)s->dma[0].done,
			       H_DONE);
		return 1;
	}
	if (fn_qread(s, 4) || s->qret != sizeof(s->recs[0]))
		return 1;
	return fn_check_record(&s->recs[0], IOASID_FAULT_RECORD_PAGE_REQUEST, 1,
			       IOASID_FAULT_RECORD_PASID | IOASID_FAULT_RECORD_GUEST |
			       IOASID_FAULT_RECORD_ANSWERED, s->dev, U_PASID, s->user, 1,
			       IOASID_FAULT_NOT_PRESENT, IOASID_ACCESS_READ,
			       U_IOVA + H_PAGE * PAGE);
}
FN_SEQ(dma_auto_invalid, W_PRI | W_AUTO_INV | W_ATTACH_USER | W_HOLE, body_dma_auto_invalid,
       expect_auto_invalid, verify_auto_invalid);

/* RETRY of a group nobody answered: EAGAIN and the same group again. */
static int body_retry_pending(struct fn_state *s)
{
	return fn_dma_retry(s, s->group, EAGAIN);
}

static int verify_retry_pending(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	if (!rc && s->out_group != s->group) {
		ksft_print_msg("RETRY of group %u still pending: out_group %u\n", s->group,
			       s->out_group);
		return 1;
	}
	return 0;
}
FN_SEQ(retry_pending, W_PENDING, body_retry_pending, NULL, verify_retry_pending);

/*
 * The servicer's round: the guest maps the page, answers SUCCESS, and the
 * DMA retried from where it stopped moves the rest.
 */
static int body_retry_success(struct fn_state *s)
{
	struct ioasid_page_response r = fn_resp(s, s->group, IOASID_PAGE_RESP_SUCCESS);

	fn_cpu_write64(s, fn_hole_off(), fn_hole_pte());
	if (fn_qwrite(s, &r, 1))
		return -1;
	if (s->qret != sizeof(r)) {
		ksft_print_msg("write of one response returned %zd\n", s->qret);
		s->fail_req = 0;
		return -1;
	}
	return fn_dma_retry(s, s->group, 0);
}

static void expect_answered(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (s->nok >= 1)
		want->obj[s->qid].pending--;
}

/* Whatever failed, the round completes: the response (again), the DMA (again). */
static int verify_retry_success(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	struct ioasid_page_response r = fn_resp(s, s->group, IOASID_PAGE_RESP_SUCCESS);
	uint8_t *want = s->buf + (U_DATA + H_PAGE) * PAGE;

	if (!rc)
		return 0;
	if (s->nok < 1 && (fn_qwrite(s, &r, 1) || s->qret != sizeof(r))) {
		ksft_print_msg("after a failed write, write again: %zd (%s)\n", s->qret,
			       strerror(s->fail_errno));
		return 1;
	}
	memset(s->warm, 0, PAGE);
	if (fn_dma_want(s, IOASID_DMA_PASID | IOASID_DMA_RETRY | IOASID_DMA_NOWAIT,
			H_IOVA + H_DONE, 0, s->warm, 0, H_LEN - H_DONE, s->group, 0) ||
	    memcmp(s->warm, want, H_LEN - H_DONE)) {
		ksft_print_msg("after rc %d, RETRY again: %s\n", rc, strerror(s->fail_errno));
		return 1;
	}
	return 0;
}
FN_SEQ(retry_success, W_PENDING, body_retry_success, expect_answered, verify_retry_success);

/*
 * write() of two responses, the second for a group nobody raised: the
 * first is consumed and only it (the write returns its size).
 */
static int body_write_response(struct fn_state *s)
{
	struct ioasid_page_response r[2] = {
		fn_resp(s, s->group, IOASID_PAGE_RESP_INVALID),
		fn_resp(s, s->group + 1000, IOASID_PAGE_RESP_SUCCESS),
	};

	if (fn_qwrite(s, r, 2))
		return -1;
	if (s->qret != sizeof(r[0])) {
		ksft_print_msg("write of a valid and an unknown response returned %zd\n",
			       s->qret);
		s->fail_req = 0;
		return -1;
	}
	return 0;
}

static int verify_write_response(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	struct ioasid_page_response r = fn_resp(s, s->group, IOASID_PAGE_RESP_INVALID);
	int bad = 0;

	if (rc && (fn_qwrite(s, &r, 1) || s->qret != sizeof(r))) {
		ksft_print_msg("after a failed write, write again: %zd (%s)\n", s->qret,
			       strerror(s->fail_errno));
		return 1;
	}
	if (write(s->qfd, &r, sizeof(r)) != -1 || errno != EALREADY) {
		ksft_print_msg("a second response to the group: %s, want EALREADY\n",
			       strerror(errno));
		bad++;
	}
	if (fn_dma_want(s, IOASID_DMA_PASID | IOASID_DMA_RETRY | IOASID_DMA_NOWAIT,
			H_IOVA + H_DONE, 0, s->warm, 0, H_LEN - H_DONE, s->group, EIO)) {
		ksft_print_msg("RETRY after INVALID: %s\n", strerror(s->fail_errno));
		bad++;
	}
	return bad;
}
FN_SEQ(write_response, W_PENDING, body_write_response, expect_answered,
       verify_write_response);

/*
 * What answers a request for the module: closing the queue's fd, DETACH,
 * REPLACE. Nothing stays pending; the DMA's retry fails (EIO), a late
 * response is ECANCELED.
 */
static int fn_verify_cancelled(struct fn_state *s, int rc, bool late_write)
{
	struct ioasid_page_response r = fn_resp(s, s->group, IOASID_PAGE_RESP_SUCCESS);
	int bad = 0;

	if (rc)
		return 0;
	if (late_write && (write(s->qfd, &r, sizeof(r)) != -1 || errno != ECANCELED)) {
		ksft_print_msg("a response after the module answered: %s, want ECANCELED\n",
			       strerror(errno));
		bad++;
	}
	if (fn_dma_want(s, IOASID_DMA_PASID | IOASID_DMA_RETRY | IOASID_DMA_NOWAIT,
			H_IOVA + H_DONE, 0, s->warm, 0, H_LEN - H_DONE, s->group, EIO)) {
		ksft_print_msg("RETRY after the module answered: %s\n", strerror(s->fail_errno));
		bad++;
	}
	return bad;
}

static int body_close_queue(struct fn_state *s)
{
	int rc = close(s->qfd);

	s->qfd = -1;
	if (rc) {
		s->fail_req = FN_QCLOSE;
		s->fail_errno = errno;
	}
	return rc;
}

static void expect_close_queue(struct fn_state *s, struct fn_snap *want, int rc)
{
	struct fn_obj *q = &want->obj[s->qid];

	want->fds--;
	q->closed = 1;
	q->auto_responses += q->pending;
	q->pending = 0;
}

/* Then a request cannot be delivered: answered at once, counted as dropped. */
static int verify_close_queue(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	struct ioasid_fault_queue_info qi = { .size = sizeof(qi), .queue_id = s->qid };
	int bad = fn_verify_cancelled(s, rc, false);

	if (fn_dma_hole(s, IOASID_DMA_NOWAIT, s->warm, EIO)) {
		ksft_print_msg("a page request to a closed queue: %s, want EIO\n",
			       strerror(s->fail_errno));
		bad++;
	}
	if (ioctl(s->fd, IOASID_FAULT_QUEUE_INFO, &qi) ||
	    qi.out_overflow != pre->obj[s->qid].overflow + 1 ||
	    qi.out_next_seq != pre->obj[s->qid].next_seq + 1 || qi.out_pending) {
		ksft_print_msg("closed queue after a request: overflow %llu next_seq %llu pending %u\n",
			       (unsigned long long)qi.out_overflow,
			       (unsigned long long)qi.out_next_seq, qi.out_pending);
		bad++;
	}
	return bad;
}
FN_SEQ(close_queue_pending, W_PENDING, body_close_queue, expect_close_queue,
       verify_close_queue);

static void expect_cancelled(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (rc)
		return;
	want->obj[s->qid].pending--;
	want->obj[s->qid].auto_responses++;
}

static int body_detach_pri(struct fn_state *s)
{
	return fn_detach(s, IOASID_ATTACH_PASID, U_PASID);
}

static void expect_detach_pri(struct fn_state *s, struct fn_snap *want, int rc)
{
	expect_detach(s, want, rc);
	expect_cancelled(s, want, rc);
}

static int verify_detach_pri(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	return fn_verify_cancelled(s, rc, true);
}
FN_SEQ(detach_pending, W_PENDING, body_detach_pri, expect_detach_pri, verify_detach_pri);

static int body_replace_pri(struct fn_state *s)
{
	return fn_attach(s, IOASID_ATTACH_PASID | IOASID_ATTACH_REPLACE, s->root, U_PASID);
}
FN_SEQ(replace_pending, W_PENDING, body_replace_pri, expect_cancelled, verify_detach_pri);

/*
 * Closing the context's fd with a request pending and the queue's fd open:
 * the queue's file holds the context, which lives on with everything in it
 * until that fd goes too (the run's teardown then finds the module's totals
 * and the pins back at the baseline). Meanwhile the fd reads the request.
 */
static void expect_release_held(struct fn_state *s, struct fn_snap *want, int rc)
{
	struct fn_snap held = *want;

	memset(want, 0, sizeof(*want));
	want->contexts = held.contexts;
	want->nodes = held.nodes;
	want->mappings = held.mappings;
	want->pinned_bytes = held.pinned_bytes;
	want->fds = held.fds - 1;
	want->account_mode = ~0ULL;
}

static int verify_release_pending(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	ssize_t got = read(s->qfd, s->recs, sizeof(s->recs));

	if (got != sizeof(s->recs[0]) || s->recs[0].type != IOASID_FAULT_RECORD_PAGE_REQUEST ||
	    s->recs[0].group != s->group) {
		ksft_print_msg("after closing the context, read of the queue: %zd (%s)\n",
			       got, strerror(errno));
		return 1;
	}
	return 0;
}
FN_SEQ(release_pending, W_PENDING, body_close, expect_release_held, verify_release_pending);

/* A real PCI device ------------------------------------------------------- */

/*
 * The edu device (QEMU's, 0000:00:04.0 in the VM) through a VFIO container of
 * type IOASID_VFIO_IOMMU, set up once per sweep; each world ADOPTs it into
 * its context, and closing the context hands it back. Its DMA engine's buffer
 * is primed once with fn_pci_pattern() (a read through a mapping, see
 * fn_pci_prime()); the checks below only ever write it out to memory, so a
 * transfer either puts the pattern there (the IOVA translates) or changes
 * nothing (the IOMMU blocked it), and nothing else may happen. A transfer
 * takes 100 ms of virtual time: one per run where it tells something.
 *
 * Failures injected into the refill of a shadow domain (ATTACH below a root
 * or at a user-managed node, MAP/BATCH above an attached child, INVALIDATE
 * of an attached user-managed node) do not fail the call: the range is left
 * unmapped and counted as a fault of the device, with reason
 * IOASID_FAULT_RESOURCE (struct ioasid_attach). The checks accept that, and
 * nothing else: with such a fault, the device may not reach what it should
 * (the transfer changes nothing), but it never reaches anything wrong.
 */
static uint8_t fn_pci_pattern(unsigned int i)
{
	return 0xc3 ^ (uint8_t)(i * 13 + 5);
}

/* The node's IOVA ranges while the edu is attached to it (from the prime). */
static uint32_t fn_pci_nranges;
static struct ioasid_iova_range fn_pci_ranges[4];

/*
 * In a context of its own: adopt, map a page of the pattern, attach, learn
 * the IOVA ranges, read the pattern into the edu's buffer and, as a control,
 * write it out to another page. 0, or -1 with @why.
 */
static int fn_pci_prime(struct pci_vfio *p, char *why, size_t len)
{
	uint8_t *pg = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	struct fn_state s = { .pci = p };
	struct ioasid_iova_ranges rr = { .size = sizeof(rr), .num_ranges = 4,
					 .ranges = (uintptr_t)fn_pci_ranges };
	uint64_t iova = W_IOVA;
	unsigned int i;
	int rc = -1;

	if (pg == MAP_FAILED) {
		snprintf(why, len, "mmap");
		return -1;
	}
	for (i = 0; i < P_XFER; i++)
		pg[P_OFF + i] = fn_pci_pattern(i);
	memset(pg + PAGE, 0, PAGE);
	s.fd = open(IOASID_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (s.fd < 0 || fn_adopt(&s, &s.pdev) || fn_alloc(&s, 0, &s.root) ||
	    fn_map(&s, s.root, (uintptr_t)pg, 2 * PAGE, &iova, RW | FIXED)) {
		snprintf(why, len, "prime: %s failed: %s", fn_op_name(s.fail_req),
			 strerror(s.fail_errno));
		goto out;
	}
	{
		struct ioasid_attach a = { .size = sizeof(a), .dev_id = s.pdev,
					   .node_id = s.root };

		rr.id = s.root;
		if (fn_ioctl(&s, IOASID_ATTACH, &a) ||
		    fn_ioctl(&s, IOASID_IOVA_RANGES, &rr)) {
			snprintf(why, len, "prime: %s failed: %s",
				 fn_op_name(s.fail_req), strerror(s.fail_errno));
			goto out;
		}
	}
	fn_pci_nranges = rr.num_ranges;
	if (edu_dma_from_memory(p, W_IOVA + P_OFF, 0, P_XFER) ||
	    edu_dma_to_memory(p, W_IOVA + PAGE + P_OFF, 0, P_XFER)) {
		snprintf(why, len, "prime: edu DMA failed");
		goto out;
	}
	for (i = 0; i < P_XFER; i++)
		if (pg[PAGE + P_OFF + i] != fn_pci_pattern(i)) {
			snprintf(why, len, "prime: the edu wrote 0x%02x at byte %u, "
				 "not the pattern it read", pg[PAGE + P_OFF + i], i);
			goto out;
		}
	rc = 0;
out:
	if (s.fd >= 0)
		close(s.fd);
	munmap(pg, 2 * PAGE);
	return rc;
}

/*
 * The edu writes its buffer (the pattern) to @iova, where buf page @page
 * should be if it translates: 1 if the pattern landed there, 0 if nothing
 * changed, -1 (reported) for anything else, or a change elsewhere in buf.
 * buf must be buf_ref when called (fn_check_memory() said so).
 */
static int fn_pci_dma(struct fn_state *s, const char *what, uint64_t iova,
		      uint64_t page)
{
	uint64_t off = page * PAGE + P_OFF;
	unsigned int i, pat = 0, ref = 0;
	long d;

	if (edu_dma_to_memory(s->pci, iova + P_OFF, 0, P_XFER)) {
		ksft_print_msg("%s: the edu DMA did not complete\n", what);
		return -1;
	}
	for (i = 0; i < P_XFER; i++) {
		pat += s->buf[off + i] == fn_pci_pattern(i);
		ref += s->buf[off + i] == s->buf_ref[off + i];
	}
	/* Everything else as it was. */
	for (d = 0; d < (long)(BUF_PAGES * PAGE); d++)
		if ((uint64_t)d - off >= P_XFER && s->buf[d] != s->buf_ref[d]) {
			ksft_print_msg("%s: an edu DMA to IOVA %#llx changed buf byte %#lx\n",
				       what, (unsigned long long)iova + P_OFF, d);
			return -1;
		}
	if (pat == P_XFER)
		return 1;
	if (ref == P_XFER)
		return 0;
	ksft_print_msg("%s: an edu DMA to IOVA %#llx left %u bytes of the pattern, "
		       "%u unchanged, of %u\n", what, (unsigned long long)iova + P_OFF,
		       pat, ref, P_XFER);
	return -1;
}

/*
 * After the body: the device reaches buf page @page at @iova (@reach) or
 * not. With @fill (a shadow was filled or refilled), faults of reason
 * IOASID_FAULT_RESOURCE are allowed, and then the range may be missing.
 */
static int fn_pci_check(struct fn_state *s, const char *what, bool reach,
			uint64_t iova, uint64_t page, bool fill)
{
	struct ioasid_device_info di = { .size = sizeof(di), .dev_id = s->pdev };
	int got;

	if (ioctl(s->fd, IOASID_DEVICE_INFO, &di)) {
		ksft_print_msg("%s: DEVICE_INFO of the PCI device: %s\n", what,
			       strerror(errno));
		return 1;
	}
	if (di.out_faults && (!fill || di.out_last_fault_reason != IOASID_FAULT_RESOURCE)) {
		ksft_print_msg("%s: %llu faults of the PCI device, the last: reason %u "
			       "node %u addr %#llx\n", what,
			       (unsigned long long)di.out_faults,
			       di.out_last_fault_reason, di.out_last_fault_node,
			       (unsigned long long)di.out_last_fault_addr);
		return 1;
	}
	got = fn_pci_dma(s, what, iova, page);
	if (got < 0)
		return 1;
	if (got == reach || (di.out_faults && reach && !got))
		return 0;
	ksft_print_msg("%s: the PCI device %s IOVA %#llx (%llu faults)\n", what,
		       got ? "reaches" : "does not reach", (unsigned long long)iova,
		       (unsigned long long)di.out_faults);
	return 1;
}

/*
 * Attached at @node: the MSI window is one of its reserved ranges, so a
 * MAP there fails with EADDRINUSE (@addr: what the MAP maps, for @node).
 */
static int fn_pci_msi_reserved(struct fn_state *s, uint32_t node, uint64_t addr)
{
	uint64_t iova = 0xfee00000ULL;

	if (!fn_map(s, node, addr, PAGE, &iova, RW | FIXED) ||
	    s->fail_errno != EADDRINUSE) {
		ksft_print_msg("the device is attached to node %u, but MAP at the MSI "
			       "window: %s\n", node,
			       s->fail_errno ? strerror(s->fail_errno) : "success");
		return 1;
	}
	return 0;
}

static int fn_pci_attach(struct fn_state *s, uint32_t node)
{
	struct ioasid_attach a = { .size = sizeof(a), .dev_id = s->pdev,
				   .node_id = node };

	return fn_ioctl(s, IOASID_ATTACH, &a);
}

/* Attached: the node shows the device's reserved ranges. */
static void fn_want_pci_ranges(struct fn_snap *want, uint32_t node, bool attached)
{
	struct fn_obj *o = &want->obj[node];

	if (o->mode == IOASID_MODE_USER_MANAGED)
		return;		/* (no IOVA_RANGES there) */
	if (attached) {
		o->nranges = fn_pci_nranges;
		memcpy(o->ranges, fn_pci_ranges, sizeof(o->ranges));
	} else {
		o->nranges = 1;
		memset(o->ranges, 0, sizeof(o->ranges));
		o->ranges[0] = (struct ioasid_iova_range){ 0, ~0ULL };
	}
}

/* ADOPT: a new device object; a failed one took no id. */
static int body_pci_adopt(struct fn_state *s)
{
	return fn_adopt(s, &s->out_id);
}

static void expect_pci_adopt(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (rc)
		return;
	memset(&want->obj[s->next_id], 0, sizeof(want->obj[0]));
	want->obj[s->next_id].kind = FN_DEV;
}

static int verify_pci_adopt(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	uint32_t id = 0;

	if (!rc && s->out_id != s->next_id) {
		ksft_print_msg("ADOPT gave id %u, want %u\n", s->out_id, s->next_id);
		return 1;
	}
	/* Again: the same id if it worked, the one it would have had if not. */
	if (fn_adopt(s, &id) || id != s->next_id) {
		ksft_print_msg("after ADOPT rc %d, ADOPT again: errno %d, id %u, want %u\n",
			       rc, s->fail_errno, id, s->next_id);
		return 1;
	}
	return 0;
}
FN_SEQ(pci_adopt, W_MAP | W_PCI_READY, body_pci_adopt, expect_pci_adopt, verify_pci_adopt);

/* ATTACH to a root with mappings: the domain is replayed. */
static int body_pci_attach_root(struct fn_state *s)
{
	return fn_pci_attach(s, s->root);
}

static void expect_pci_attach_root(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (rc)
		return;
	want->obj[s->pdev].natt++;
	fn_want_pci_ranges(want, s->root, true);
}

static int verify_pci_attach_root(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	int bad = fn_pci_check(s, "ATTACH to the root", !rc, W_IOVA + 3 * PAGE, 3,
			       false);

	if (!rc)
		return bad + fn_pci_msi_reserved(s, s->root, fn_ubuf(s, 0));
	/* A failed ATTACH left no attachment: the root can go. */
	if (rc && fn_destroy(s, s->root)) {
		ksft_print_msg("after a failed ATTACH, DESTROY of the root: %s\n",
			       strerror(s->fail_errno));
		bad++;
	}
	return bad;
}
FN_SEQ(pci_attach_root, W_MAP | W_PCI, body_pci_attach_root, expect_pci_attach_root,
       verify_pci_attach_root);

/* ATTACH to a child: a shadow domain filled with the composed translation. */
static int body_pci_attach_child(struct fn_state *s)
{
	return fn_pci_attach(s, s->child);
}

static void expect_pci_attach_child(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (rc)
		return;
	want->obj[s->pdev].natt++;
	fn_want_pci_ranges(want, s->child, true);
}

static int verify_pci_attach_child(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	/* child W+1p -> root W+5p -> buf page 5 */
	int bad = fn_pci_check(s, "ATTACH to the child", !rc, W_IOVA + PAGE, 5, true);

	if (!rc)
		return bad + fn_pci_msi_reserved(s, s->child, W_IOVA);
	if (rc && fn_destroy(s, s->child)) {
		ksft_print_msg("after a failed ATTACH, DESTROY of the child: %s\n",
			       strerror(s->fail_errno));
		bad++;
	}
	return bad;
}
FN_SEQ(pci_attach_child, W_CHILD_MAP | W_PCI, body_pci_attach_child,
       expect_pci_attach_child, verify_pci_attach_child);

/* ATTACH to a bound user-managed node in caching mode: filled from the table. */
static int body_pci_attach_user(struct fn_state *s)
{
	return fn_pci_attach(s, s->user);
}

static void expect_pci_attach_user(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (!rc)
		want->obj[s->pdev].natt++;
}

static int verify_pci_attach_user(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	int bad = fn_pci_check(s, "ATTACH to the user node", !rc, P_UIOVA,
			       U_DATA + 1, true);

	if (rc && fn_destroy(s, s->user)) {
		ksft_print_msg("after a failed ATTACH, DESTROY of the user node: %s\n",
			       strerror(s->fail_errno));
		bad++;
	}
	return bad;
}
FN_SEQ(pci_attach_user, W_BIND | W_USER_CM | W_PCI, body_pci_attach_user,
       expect_pci_attach_user, verify_pci_attach_user);

/* MAP on a root the device is attached to: mirrored into its domain. */
static int body_pci_map_root(struct fn_state *s)
{
	s->out_iova = W_IOVA + 32 * PAGE;
	return fn_map(s, s->root, fn_ubuf(s, 16), 8 * PAGE, &s->out_iova, RW | FIXED);
}

static void expect_pci_map(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (!rc)
		fn_want_map(want, s->root, 1, 8, true, true);
}

static int verify_pci_map_root(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	return fn_pci_check(s, "MAP with the device attached", !rc,
			    W_IOVA + 34 * PAGE, 18, false);
}
FN_SEQ(pci_map_root, W_PCI_ROOT, body_pci_map_root, expect_pci_map,
       verify_pci_map_root);

/* BATCH of MAPs on it: all in the domain, or those before the failing one. */
static int body_pci_batch_root(struct fn_state *s)
{
	unsigned int i;

	for (i = 0; i < 2; i++)
		s->maps[i] = (struct ioasid_map){
			.size = sizeof(s->maps[0]), .flags = RW | FIXED,
			.id = s->root, .addr = fn_ubuf(s, 16 + 4 * i),
			.length = 4 * PAGE, .iova = W_IOVA + (32 + 4 * i) * PAGE };
	return fn_batch(s, IOASID_CMD_MAP, 2, sizeof(s->maps[0]));
}

static void expect_pci_batch(struct fn_state *s, struct fn_snap *want, int rc)
{
	fn_want_map(want, s->root, s->batch_done, 4 * (long long)s->batch_done, true, true);
}

static int verify_pci_batch_root(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	/* The second entry: buf 20..23 at W+36p. */
	return verify_batch(s, pre, rc) +
	       fn_pci_check(s, "BATCH with the device attached", s->batch_done == 2,
			    W_IOVA + 37 * PAGE, 21, false);
}
FN_SEQ(pci_batch_map_root, W_PCI_ROOT, body_pci_batch_root, expect_pci_batch,
       verify_pci_batch_root);

/* UNMAP on it: out of the domain before it returns (and the IOTLB flushed). */
static int body_pci_unmap_root(struct fn_state *s)
{
	struct ioasid_unmap u = { .size = sizeof(u), .id = s->root, .iova = W_IOVA,
				  .length = 8 * PAGE };

	return fn_ioctl(s, IOASID_UNMAP, &u);
}

static void expect_pci_unmap(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (!rc)
		fn_want_map(want, s->root, -1, -8, true, true);
}

static int verify_pci_unmap_root(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	return fn_pci_check(s, "UNMAP with the device attached", !!rc,
			    W_IOVA + 3 * PAGE, 3, false);
}
FN_SEQ(pci_unmap_root, W_PCI_ROOT, body_pci_unmap_root, expect_pci_unmap,
       verify_pci_unmap_root);

/* MAP above an attached child: the child's shadow is refilled. */
static int verify_pci_shadow(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	/* child W+1p -> root W+5p -> buf page 5: there before, there after */
	return fn_pci_check(s, "a refill of the child's shadow", true,
			    W_IOVA + PAGE, 5, true);
}
FN_SEQ(pci_map_above_child, W_PCI_CHILD, body_pci_map_root, expect_pci_map,
       verify_pci_shadow);

static int verify_pci_batch_shadow(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	return verify_batch(s, pre, rc) + verify_pci_shadow(s, pre, rc);
}
FN_SEQ(pci_batch_above_child, W_PCI_CHILD, body_pci_batch_root, expect_pci_batch,
       verify_pci_batch_shadow);

/* UNMAP above it: the translations through the range leave the shadow. */
static int verify_pci_unmap_shadow(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	/* child W+1p -> root W+5p, unmapped with W..+8p */
	return fn_pci_check(s, "UNMAP above the child", !!rc, W_IOVA + PAGE, 5, false);
}
FN_SEQ(pci_unmap_above_child, W_PCI_CHILD, body_pci_unmap_root, expect_pci_unmap,
       verify_pci_unmap_shadow);

/* INVALIDATE of a user-managed node the device is attached to: refilled. */
static int body_pci_invalidate(struct fn_state *s)
{
	struct ioasid_inv_entry e[2] = {
		{ .node_id = s->user, .scope = IOASID_INV_SCOPE_ADDR,
		  .addr = 0, .size = 4 * PAGE, .granule = PAGE },
		{ .node_id = s->user, .flags = IOASID_INV_NO_PASID },
	};
	struct ioasid_invalidate inv = { .size = sizeof(inv), .count = 2,
					 .entry_size = sizeof(e[0]),
					 .entries = (uintptr_t)e };

	return fn_ioctl(s, IOASID_INVALIDATE, &inv);
}

static int verify_pci_invalidate(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	return fn_pci_check(s, "INVALIDATE with the device attached", true, P_UIOVA,
			    U_DATA + 1, true);
}
FN_SEQ(pci_invalidate, W_PCI_USER, body_pci_invalidate, NULL, verify_pci_invalidate);

/* DETACH: the group's DMA is blocked when it returns. */
static int body_pci_detach(struct fn_state *s)
{
	struct ioasid_attach a = { .size = sizeof(a), .dev_id = s->pdev };

	return fn_ioctl(s, IOASID_DETACH, &a);
}

static void expect_pci_detach(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (rc)
		return;
	want->obj[s->pdev].natt--;
	fn_want_pci_ranges(want, s->root, false);
}

static int verify_pci_detach(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	return fn_pci_check(s, "DETACH", !!rc, W_IOVA + 3 * PAGE, 3, false);
}
FN_SEQ(pci_detach, W_PCI_ROOT, body_pci_detach, expect_pci_detach, verify_pci_detach);

/* DESTROY of the device object: adopted anew afterwards, with a new id. */
static int body_pci_destroy(struct fn_state *s)
{
	return fn_destroy(s, s->pdev);
}

static void expect_pci_destroy(struct fn_state *s, struct fn_snap *want, int rc)
{
	if (!rc)
		memset(&want->obj[s->pdev], 0, sizeof(want->obj[0]));
}

static int verify_pci_destroy(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	uint32_t id = 0;

	/* Destroyed: a new object (any free id); not: the same one. */
	if (fn_adopt(s, &id) || !id || (rc && id != s->pdev) ||
	    (!rc && id == s->root)) {
		ksft_print_msg("after DESTROY rc %d, ADOPT: errno %d, id %u (device %u, "
			       "root %u)\n", rc, s->fail_errno, id, s->pdev, s->root);
		return 1;
	}
	s->pdev = id;
	if (fn_pci_attach(s, s->root)) {
		ksft_print_msg("after DESTROY rc %d, ATTACH: %s\n", rc,
			       strerror(s->fail_errno));
		return 1;
	}
	return 0;
}
FN_SEQ(pci_destroy, W_MAP | W_PCI, body_pci_destroy, expect_pci_destroy,
       verify_pci_destroy);

/* Closing the context with the device attached below a root. */
static int verify_pci_release(struct fn_state *s, const struct fn_snap *pre, int rc)
{
	int bad = 0;

	/* The device is the container's again: another context adopts it. */
	s->fd = open(IOASID_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (s->fd < 0 || fn_adopt(s, &s->pdev)) {
		ksft_print_msg("after closing the context, ADOPT: %s\n",
			       strerror(s->fail_errno));
		bad++;
	}
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	return bad;
}
FN_SEQ(pci_release, W_PCI_CHILD | W_RESERVE | W_DEV | W_ATTACH, body_close,
       expect_release, verify_pci_release);

/* The sweep --------------------------------------------------------------- */

static void *fn_map_populated(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Nothing may fault in user space while armed: have the stack there already. */
static void __attribute__((noinline)) fn_prefault_stack(void)
{
	volatile uint8_t pad[64 * 1024];
	unsigned int i;

	for (i = 0; i < sizeof(pad); i += 512)
		pad[i] = i;
}

FIXTURE_SETUP(fail_nth)
{
	struct fn_state *s = &self->s;
	char why[256];
	unsigned int i;

	s->fd = s->qfd = -1;
	pci_init(&self->pci, EDU_BDF);
	if (fi_setup(&self->fi, why, sizeof(why)))
		SKIP(return, "%s", why);
	if (access(IOASID_DEVICE_PATH, F_OK))
		ASSERT_LE(0, ioasid_module_load(NULL, 0));
	if (variant->seq->world & W_FORMAT) {
		struct ioasid_format_info fi = {
			.size = sizeof(fi), .format = fn_world_format(variant->seq->world) };
		int fd = open(IOASID_DEVICE_PATH, O_RDWR | O_CLOEXEC);

		ASSERT_LE(0, fd);
		if (ioctl(fd, IOASID_FORMAT_INFO, &fi)) {
			close(fd);
			SKIP(return, "the module does not walk format %u (FORMAT_INFO: %s)",
			     fi.format, strerror(errno));
		}
		close(fd);
	}
	if (fn_world_closure(variant->seq->world) & W_FAULT_ANY) {
		struct ioasid_info info = { .size = sizeof(info) };
		int fd = open(IOASID_DEVICE_PATH, O_RDWR | O_CLOEXEC);

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, ioctl(fd, IOASID_GET_INFO, &info));
		close(fd);
		if (!(info.out_capabilities & IOASID_CAP_FAULT_QUEUE))
			SKIP(return, "no IOASID_CAP_FAULT_QUEUE");
	}
	memset(s, 0, sizeof(*s));
	s->fd = s->qfd = s->out_fd = -1;
	s->buf = fn_map_populated(BUF_PAGES * PAGE);
	s->buf_ref = fn_map_populated(BUF_PAGES * PAGE);
	s->local = fn_map_populated(LOCAL_PAGES * PAGE);
	s->local_ref = fn_map_populated(LOCAL_PAGES * PAGE);
	s->warm = fn_map_populated(WARM_PAGES * PAGE);
	ASSERT_TRUE(s->buf && s->buf_ref && s->local && s->local_ref && s->warm);
	for (i = 0; i < BUF_PAGES * PAGE; i++)
		s->buf_ref[i] = i * 7 + i / PAGE;
	fn_user_table(s->buf_ref, variant->seq->kind ? fn_stage1_format(variant->seq->kind) :
				  fn_world_format(variant->seq->world));
	if (variant->seq->kind)
		fn_kind_table(s->buf_ref, variant->seq->kind);
	if (fn_world_closure(variant->seq->world) & W_HOLE)
		memset(s->buf_ref + fn_hole_off(), 0, 8);
	for (i = 0; i < LOCAL_PAGES * PAGE; i++)
		s->local_ref[i] = 0xa5 ^ (i * 3);
	ASSERT_EQ(0, fn_stats_open());
	if (variant->seq->world & W_PCI_ANY) {
		int ret = pci_setup(&self->pci, EDU_BDF, IOASID_VFIO_IOMMU);

		if (ret && self->pci.unavailable)
			SKIP(return, "%s", self->pci.why);
		ASSERT_EQ(0, ret) TH_LOG("%s", self->pci.why);
		ASSERT_EQ(0, fn_pci_prime(&self->pci, why, sizeof(why)))
			TH_LOG("%s", why);
		s->pci = &self->pci;
	}
	fn_totals(&self->base, true);
	ASSERT_LE(0, self->base.contexts);
	ASSERT_LE(0, self->base.pins);
	fn_base = self->base;
}

FIXTURE_TEARDOWN(fail_nth)
{
	if (self->s.fd >= 0)
		close(self->s.fd);
	if (self->s.qfd >= 0)
		close(self->s.qfd);
	pci_close(&self->pci);
	fi_restore(&self->fi);
}

TEST_F_TIMEOUT(fail_nth, sweep, 300)
{
	const struct fn_seq *seq = variant->seq;
	struct fn_state *s = &self->s;
	unsigned int nth, points = 0, failed = 0, enomem = 0, efault = 0, bad_runs = 0;
	double t0 = fn_now();
	unsigned long req;
	int rc, err, injected, bad;
	char what[96];

	for (nth = 1; nth < MAX_NTH && bad_runs < MAX_BAD_RUNS; nth++) {
		snprintf(what, sizeof(what), "%s nth=%u", seq->name, nth);
		s->fd = -1;
		s->root = s->root2 = s->child = s->dev = s->user = s->next_id = 0;
		s->pdev = 0;
		s->qid = s->group = s->out_group = 0;
		s->qfd = s->out_fd = -1;
		s->qret = 0;
		s->ncpu = 0;
		memset(s->recs, 0, sizeof(s->recs));
		s->pasid = PASID;
		s->kind = seq->kind;
		s->fail_req = 0;
		s->fail_errno = 0;
		s->ndma = s->ntr = 0;
		s->out_id = 0;
		s->out_iova = 0;
		s->batch_count = s->batch_done = 0;
		memset(s->bitmap, 0, sizeof(s->bitmap));
		if (fn_world(s, seq->world)) {
			ksft_print_msg("%s: setting up: %s failed: %s\n", what,
				       fn_op_name(s->fail_req), strerror(s->fail_errno));
			ASSERT_TRUE(0);
		}
		fn_snapshot(s, &self->pre);
		bad = fi_log_check(&self->fi, what);
		fn_prefault_stack();

		s->nok = 0;
		ASSERT_EQ(0, fi_arm(&self->fi, nth));
		rc = seq->body(s);
		injected = fi_disarm(&self->fi);
		ASSERT_LE(0, injected);
		req = s->fail_req;
		err = s->fail_errno;

		if (rc && !injected) {
			ksft_print_msg("%s: without injection, %s failed: %s\n", what,
				       fn_op_name(req), strerror(err));
			bad++;
		} else if (rc && !req) {
			ksft_print_msg("%s: the body's results are wrong\n", what);
			bad++;
		} else if (rc && !fn_errno_ok(req, err)) {
			ksft_print_msg("%s: %s failed with %s (%d), not an error it documents for this\n",
				       what, fn_op_name(req), strerror(err), err);
			bad++;
		}
		if (rc) {
			failed++;
			enomem += err == ENOMEM;
			efault += err == EFAULT;
		}

		/* The state is the one before, changed by what succeeded. */
		fn_snapshot(s, &self->post);
		self->want = self->pre;
		if (seq->expect)
			seq->expect(s, &self->want, rc);
		bad += fn_compare(what, &self->want, &self->post);
		bad += fn_check_memory(what, s);
		if (seq->verify)
			bad += seq->verify(s, &self->pre, rc);

		/* Torn down, everything the module holds is given back. */
		if (s->fd >= 0) {
			close(s->fd);
			s->fd = -1;
		}
		if (s->qfd >= 0) {
			close(s->qfd);
			s->qfd = -1;
		}
		if (s->out_fd >= 0) {
			close(s->out_fd);
			s->out_fd = -1;
		}
		fn_totals(&self->post, true);
		bad += fn_compare_totals(what, &self->base, &self->post);
		bad += fi_log_check(&self->fi, what);

		if (bad) {
			ksft_print_msg("%s: ^ the run %s (%s%s%s) went wrong\n",
				       what, injected ? "with an injected failure" :
				       "without injection",
				       rc ? fn_op_name(req) : "every call succeeded",
				       rc ? " failed with " : "", rc ? strerror(err) : "");
			bad_runs++;
			/* Judge the next runs on their own: from what is left now. */
			self->base = self->post;
			fn_base = self->base;
		}
		if (!injected)
			break;
		points++;
	}
	ksft_print_msg("%s: %u injection points (%u failed a call: %u ENOMEM, %u EFAULT; %u runs in %.1f s)\n",
		       seq->name, points, failed, enomem, efault, nth, fn_now() - t0);
	if (bad_runs)
		ksft_print_msg("%s: %u runs went wrong%s\n", seq->name, bad_runs,
			       bad_runs == MAX_BAD_RUNS ? " (the sweep stopped there)" : "");
	EXPECT_EQ(0, bad_runs);
	EXPECT_GT(MAX_NTH, nth);
}

/* Dirty record lost ------------------------------------------------------ */

/*
 * Regression tests for a kernel bug: node dirty tracking keeps records in an
 * xarray; when one cannot be stored for want of memory the node sets an
 * overflow flag, and any clearing DIRTY_BITMAP, even of an unrelated range,
 * clears it, so the lost write is never reported. Likewise a clearing read
 * must not forget records it could not report because the copy to the
 * user's bitmap failed.
 */

#define DL_PAGES	32
#define DL_A		3	/* the page written */
#define DL_B		20	/* an unrelated page whose range is cleared */
#define DL_OFF		17

FIXTURE(dirty_lost) {
	int fd;
	uint32_t root, dev;
	uint8_t *buf;
	uint8_t byte;
	uint64_t bitmap[4];
	bool have_fi;
	char why[256];
	struct fault_inject fi;
};

static int dl_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

static int dl_bitmap(struct _test_data_dirty_lost *self, uint64_t page, uint64_t pages,
		     uint32_t flags, void *data)
{
	struct ioasid_dirty_bitmap b = { .size = sizeof(b), .flags = flags, .id = self->root,
					 .iova = W_IOVA + page * PAGE, .length = pages * PAGE,
					 .page_size = PAGE, .data = (uintptr_t)data };

	return dl_ioctl(self->fd, IOASID_DIRTY_BITMAP, &b);
}

/* Is page A reported dirty (by a NO_CLEAR read of its page alone)? */
static int dl_a_dirty(struct _test_data_dirty_lost *self)
{
	uint64_t bm = 0;
	int rc = dl_bitmap(self, DL_A, 1, IOASID_DIRTY_NO_CLEAR, &bm);

	return rc ? rc : (int)(bm & 1);
}

static int dl_dma(struct _test_data_dirty_lost *self, uint32_t flags, uint64_t page,
		  uint64_t off, void *p, uint64_t len)
{
	struct ioasid_dma d = { .size = sizeof(d), .flags = flags, .dev_id = self->dev,
				.iova = W_IOVA + page * PAGE + off, .length = len,
				.buffer = (uintptr_t)p };

	return dl_ioctl(self->fd, IOASID_DMA, &d);
}

/* All records cleared, the IOTLB warm: a write then allocates only its record. */
static void dl_reset(struct __test_metadata *_metadata,
		     struct _test_data_dirty_lost *self)
{
	uint8_t tmp[64];

	ASSERT_EQ(0, dl_bitmap(self, 0, DL_PAGES, 0, self->bitmap));
	ASSERT_EQ(0, dl_dma(self, 0, 0, 0, self->buf + DL_PAGES * PAGE, DL_PAGES * PAGE));
	ASSERT_EQ(0, dl_dma(self, 0, DL_A, 0, tmp, sizeof(tmp)));
	ASSERT_EQ(0, dl_a_dirty(self));
}

/*
 * After a write to A that reached memory: a clearing read of B's page, then
 * A must still be reported. 1 if it is, 0 if the record was lost.
 */
static int dl_a_survives_clearing_b(struct __test_metadata *_metadata,
				    struct _test_data_dirty_lost *self, const char *what)
{
	uint64_t bm = 0;
	int a;

	a = dl_a_dirty(self);
	ASSERT_LE(0, a);
	if (!a)
		ksft_print_msg("%s: A is not reported dirty right after the write\n", what);
	ASSERT_EQ(0, dl_bitmap(self, DL_B, 1, 0, &bm));
	a = dl_a_dirty(self);
	ASSERT_LE(0, a);
	if (!a)
		ksft_print_msg("%s: the write to page A is lost: a clearing read of page B forgot it\n",
			       what);
	return a;
}

FIXTURE_SETUP(dirty_lost)
{
	struct ioasid_alloc a = { .size = sizeof(a), .mode = IOASID_MODE_KERNEL_MANAGED };
	struct ioasid_device_create dc = { .size = sizeof(dc) };
	struct ioasid_dirty_tracking t = { .size = sizeof(t), .flags = IOASID_DIRTY_ENABLE };
	struct ioasid_map m = { .size = sizeof(m), .flags = RW | FIXED, .iova = W_IOVA,
				.length = DL_PAGES * PAGE };
	struct ioasid_attach at = { .size = sizeof(at) };

	self->have_fi = !fi_setup(&self->fi, self->why, sizeof(self->why));
	if (access(IOASID_DEVICE_PATH, F_OK))
		ASSERT_LE(0, ioasid_module_load(NULL, 0));
	self->fd = open(IOASID_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	/* Room for the buffer and, behind it, a copy of what DMA reads. */
	self->buf = fn_map_populated(2 * DL_PAGES * PAGE);
	ASSERT_NE(NULL, self->buf);
	memset(self->buf, 0x11, 2 * DL_PAGES * PAGE);
	ASSERT_EQ(0, dl_ioctl(self->fd, IOASID_ALLOC, &a));
	self->root = a.out_id;
	m.id = self->root;
	m.addr = (uintptr_t)self->buf;
	ASSERT_EQ(0, dl_ioctl(self->fd, IOASID_MAP, &m));
	ASSERT_EQ(0, dl_ioctl(self->fd, IOASID_DEVICE_CREATE, &dc));
	self->dev = dc.out_id;
	at.dev_id = self->dev;
	at.node_id = self->root;
	ASSERT_EQ(0, dl_ioctl(self->fd, IOASID_ATTACH, &at));
	t.id = self->root;
	ASSERT_EQ(0, dl_ioctl(self->fd, IOASID_DIRTY_TRACKING, &t));
}

FIXTURE_TEARDOWN(dirty_lost)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->have_fi)
		fi_restore(&self->fi);
}

/*
 * One failure at a time in a DMA write to A: whenever the write reached
 * memory, A is reported, even after clearing an unrelated page B.
 */
TEST_F_TIMEOUT(dirty_lost, fail_nth_in_write, 120)
{
	unsigned int nth, points = 0, lost = 0;
	uint8_t *a = self->buf + DL_A * PAGE + DL_OFF;
	char what[64];
	int rc, injected;

	if (!self->have_fi)
		SKIP(return, "%s", self->why);
	for (nth = 1; nth < MAX_NTH; nth++) {
		snprintf(what, sizeof(what), "nth=%u", nth);
		dl_reset(_metadata, self);
		self->byte = *a + 1;
		fn_prefault_stack();
		ASSERT_EQ(0, fi_arm(&self->fi, nth));
		rc = dl_dma(self, IOASID_DMA_WRITE, DL_A, DL_OFF, &self->byte, 1);
		injected = fi_disarm(&self->fi);
		ASSERT_LE(0, injected);
		if (rc && (!injected || !fn_errno_ok(IOASID_DMA, -rc))) {
			ksft_print_msg("%s: DMA write failed with %s\n", what, strerror(-rc));
			ASSERT_TRUE(0);
		}
		if (!rc)
			ASSERT_EQ(self->byte, *a);
		if (*a == self->byte && !dl_a_survives_clearing_b(_metadata, self, what))
			lost++;
		ASSERT_EQ(0, fi_log_check(&self->fi, what));
		if (!injected)
			break;
		points++;
	}
	ASSERT_GT(MAX_NTH, nth);
	ksft_print_msg("dirty_lost.fail_nth_in_write: %u injection points, %u records lost\n",
		       points, lost);
	EXPECT_EQ(0, lost);
}

/*
 * Every slab allocation of the DMA write to A fails (the xarray retries a
 * failed node allocation once, so one injected failure never loses a
 * record): if the write reached memory, A is still reported after clearing
 * an unrelated page B.
 */
TEST_F(dirty_lost, every_allocation_in_write_fails)
{
	uint8_t *a = self->buf + DL_A * PAGE + DL_OFF;
	struct fi_storm st;
	int rc, failed;

	if (!self->have_fi)
		SKIP(return, "%s", self->why);
	ASSERT_EQ(0, fi_slab_storm_prepare(&self->fi, &st));
	dl_reset(_metadata, self);
	self->byte = *a + 1;
	fn_prefault_stack();
	ASSERT_EQ(0, fi_slab_storm(&st, true));
	rc = dl_dma(self, IOASID_DMA_WRITE, DL_A, DL_OFF, &self->byte, 1);
	failed = fi_slab_storm(&st, false);
	fi_slab_storm_close(&st);
	ASSERT_LE(0, failed);
	ksft_print_msg("the write returned %d, %d slab allocations failed, the byte %s memory\n",
		       rc, failed, *a == self->byte ? "reached" : "did not reach");
	ASSERT_EQ(0, fi_log_check(&self->fi, "every_allocation_in_write_fails"));
	if (rc) {
		ASSERT_TRUE(fn_errno_ok(IOASID_DMA, -rc));
	} else {
		ASSERT_EQ(self->byte, *a);
	}
	if (*a == self->byte)
		EXPECT_EQ(1, dl_a_survives_clearing_b(_metadata, self, "every allocation fails"));
}

/* uffd-driven failure of the bitmap copy in the middle of a clearing read. */
struct dl_reader {
	struct _test_data_dirty_lost *self;
	uint64_t *data;
	int rc;
	volatile bool done;
};

static void *dl_reader_thread(void *arg)
{
	struct dl_reader *r = arg;

	/* 128 pages: two bitmap words, A's in the first. */
	r->rc = dl_bitmap(r->self, 0, 128, 0, r->data);
	r->done = true;
	return NULL;
}

/* The next message of @uffd, or 0 if none came within @ms or the reader finished. */
static int dl_uffd_wait(int uffd, struct dl_reader *r, struct uffd_msg *msg, int ms)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };

	for (; ms > 0; ms -= 50) {
		if (poll(&pfd, 1, 50) == 1 && read(uffd, msg, sizeof(*msg)) == sizeof(*msg))
			return 1;
		if (r->done)
			return 0;
	}
	return 0;
}

/*
 * The bitmap: the first word at the end of page P1 (present), the second at
 * the start of P2 (missing), both registered with userfaultfd. When the
 * kernel first touches P2, P1 is write-protected (its words were written by
 * then); when it next writes P1, P1 is made PROT_NONE and the write fails:
 * the copy of the bitmap fails after the kernel has looked at the records.
 * Returns the reader's result, or 1 if the read could not be driven so.
 */
static int dl_fail_copy_midway(struct __test_metadata *_metadata,
			       struct _test_data_dirty_lost *self, const char **skip)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING |
					       UFFDIO_REGISTER_MODE_WP };
	static uint8_t zeros[4096] __attribute__((aligned(4096)));
	struct dl_reader r = { .self = self };
	struct uffd_msg msg;
	uint8_t *p1;
	pthread_t t;
	int uffd, events = 0;

	p1 = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	ASSERT_NE(MAP_FAILED, p1);
	memset(p1, 0xff, PAGE);		/* P1 present, P2 never touched */
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0) {
		*skip = "no userfaultfd";
		munmap(p1, 2 * PAGE);
		return 1;
	}
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	reg.range.start = (uintptr_t)p1;
	reg.range.len = 2 * PAGE;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		*skip = "no userfaultfd write-protection for anonymous memory";
		close(uffd);
		munmap(p1, 2 * PAGE);
		return 1;
	}

	r.data = (uint64_t *)(p1 + PAGE - 8);
	ASSERT_EQ(0, pthread_create(&t, NULL, dl_reader_thread, &r));
	while (dl_uffd_wait(uffd, &r, &msg, 20000)) {
		uint64_t addr = msg.arg.pagefault.address & ~(PAGE - 1);

		ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);
		events++;
		if (addr == (uintptr_t)p1 + PAGE) {
			/* P2 missing: P1 was written; protect it, then give P2. */
			struct uffdio_writeprotect wp = {
				.range = { (uintptr_t)p1, PAGE },
				.mode = UFFDIO_WRITEPROTECT_MODE_WP };
			struct uffdio_copy c = { .dst = (uintptr_t)p1 + PAGE,
						 .src = (uintptr_t)zeros, .len = PAGE };

			ASSERT_EQ(0, ioctl(uffd, UFFDIO_WRITEPROTECT, &wp));
			ASSERT_EQ(0, ioctl(uffd, UFFDIO_COPY, &c));
		} else if (addr == (uintptr_t)p1 &&
			   msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP) {
			/* P1 written again: make that fail. */
			struct uffdio_range wake = { (uintptr_t)p1, PAGE };

			ASSERT_EQ(0, mprotect(p1, PAGE, PROT_NONE));
			ASSERT_EQ(0, ioctl(uffd, UFFDIO_WAKE, &wake));
		} else {
			ksft_print_msg("unexpected userfault at %#llx flags %#llx\n",
				       (unsigned long long)msg.arg.pagefault.address,
				       (unsigned long long)msg.arg.pagefault.flags);
			ASSERT_TRUE(0);
		}
	}
	close(uffd);	/* wakes anything still waiting */
	ASSERT_EQ(0, pthread_join(t, NULL));
	ksft_print_msg("clearing read with the copy failing midway: %d userfaults, rc %d\n",
		       events, r.rc);
	if (!r.rc) {
		/* The kernel never wrote P1 after P2: it reported, and must have reported A. */
		EXPECT_EQ(1ULL << DL_A, *r.data & (1ULL << DL_A));
		*skip = "the read did not write the bitmap in an order that lets it fail midway";
	}
	munmap(p1, 2 * PAGE);
	return r.rc;
}

/*
 * A clearing read that fails to copy the bitmap out (EFAULT) forgets no
 * record: the next read still reports page A.
 */
TEST_F(dirty_lost, clearing_read_that_cannot_copy_out)
{
	const char *skip = NULL;
	uint8_t *none;
	int rc;

	none = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	ASSERT_NE(MAP_FAILED, none);
	memset(none, 0, PAGE);
	ASSERT_EQ(0, mprotect(none + PAGE, PAGE, PROT_NONE));

	/* The whole bitmap in a PROT_NONE page. */
	dl_reset(_metadata, self);
	self->byte = 0x42;
	ASSERT_EQ(0, dl_dma(self, IOASID_DMA_WRITE, DL_A, DL_OFF, &self->byte, 1));
	EXPECT_EQ(-EFAULT, dl_bitmap(self, 0, DL_PAGES, 0, none + PAGE));
	EXPECT_EQ(1, dl_a_dirty(self));

	/* A's word writable, the next one in the PROT_NONE page. */
	dl_reset(_metadata, self);
	ASSERT_EQ(0, dl_dma(self, IOASID_DMA_WRITE, DL_A, DL_OFF, &self->byte, 1));
	EXPECT_EQ(-EFAULT, dl_bitmap(self, 0, 128, 0, none + PAGE - 8));
	EXPECT_EQ(1, dl_a_dirty(self));
	munmap(none, 2 * PAGE);

	/* The copy fails after the kernel went through the records. */
	dl_reset(_metadata, self);
	ASSERT_EQ(0, dl_dma(self, IOASID_DMA_WRITE, DL_A, DL_OFF, &self->byte, 1));
	rc = dl_fail_copy_midway(_metadata, self, &skip);
	if (skip) {
		ksft_print_msg("copy failing midway not tested: %s\n", skip);
		return;
	}
	EXPECT_EQ(-EFAULT, rc);
	rc = dl_a_dirty(self);
	if (rc != 1)
		ksft_print_msg("the write to page A is lost: the clearing read that failed to copy the bitmap out forgot it\n");
	EXPECT_EQ(1, rc);
}

TEST_HARNESS_MAIN
