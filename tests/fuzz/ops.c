// SPDX-License-Identifier: GPL-2.0
/*
 * The call plumbing: every ioctl of the fuzzer goes through fz_do(), which
 * picks how the struct is passed (exact size, too short, longer with a
 * zero or non-zero tail, read-only, NULL, an inaccessible page, or through
 * libioasid), adjusts the expected outcomes for it (contract_envelope()),
 * makes the call and checks the errno and that nothing past @size was
 * written. Also: the pickers of ids and addresses, the context's setup and
 * the choice of the next operation.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ops.h"

void fz_note(struct fz *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->call.note, sizeof(f->call.note), fmt, ap);
	va_end(ap);
}

const char *fz_expect_str(const struct expect *x, char *buf, size_t len)
{
	size_t off = 0;
	int e;

	buf[0] = 0;
	for (e = 0; e < 128 && off < len; e++)
		if (ex_has(x, e))
			off += snprintf(buf + off, len - off, "%s%s",
					off ? "," : "", fz_errname(e));
	return buf;
}

/* The envelope ------------------------------------------------------------- */

static void pick_env(struct fz *f, const struct spec *s, struct env *e)
{
	e->place = PLACE_RW;
	e->tail = TAIL_NONE;
	e->size = s->ksize;
	e->lib = false;
	if (s->plain)
		return;
	if (s->lib && pct(f, 20)) {
		e->lib = true;
		return;
	}
	if (s->has_short && s->min < s->ksize && pct(f, 4)) {
		e->size = s->min;		/* as first shipped */
		return;
	}
	if (!pct(f, 5))
		return;
	switch (rn(f, 10)) {
	case 0:
		e->size = s->min - 1;
		break;
	case 1:
		e->size = rn(f, s->min);
		break;
	case 2:
	case 3:
		e->size = s->ksize + 1 + rn(f, 64);
		e->tail = TAIL_ZERO;
		break;
	case 4:
		e->size = s->ksize + 4000;	/* into the second page */
		e->tail = TAIL_ZERO;
		break;
	case 5:
		e->size = s->ksize + 1 + rn(f, 64);
		e->tail = TAIL_NONZERO;
		break;
	case 6:
		e->place = PLACE_RO;
		break;
	case 7:
		e->place = PLACE_NULL;
		break;
	case 8:
		e->place = PLACE_GUARD;
		break;
	default:
		/* A zero tail that runs into an inaccessible page. */
		e->size = 3 * PG;
		e->tail = TAIL_ZERO;
		e->place = PLACE_GUARD;
		break;
	}
}

static const char *env_str(const struct env *e)
{
	static const char *const place[] = { "", " ro-arg", " null-arg", " bad-arg" };
	static const char *const tail[] = { "", " zero-tail", " nonzero-tail" };
	static char buf[64];

	if (e->lib)
		return "lib";
	snprintf(buf, sizeof(buf), "ioctl%s%s", place[e->place], tail[e->tail]);
	return buf;
}

/*
 * Make the call @s describes. Returns its outcome (0 or an errno value) or
 * -1 when it diverged from the contract (the run then stops).
 */
int fz_do(struct fz *f, struct spec *s)
{
	struct env *e = &s->env;
	struct expect x;
	uint32_t n, total;
	uint8_t *p = NULL;
	char exp[256], desc[1024];
	int rc, ret;

	pick_env(f, s, e);
	if (e->lib) {
		x = s->x;
		s->applies = true;
	} else {
		x = contract_envelope(s->has_short && e->size == s->min &&
				      s->min < s->ksize ? s->x_short : s->x,
				      e, s->min, s->has_out, s->acts, &s->applies);
	}

	/* Lay the struct out where the kernel will find it. */
	n = e->size < s->ksize ? e->size : s->ksize;
	total = (e->size > s->ksize ? e->size : s->ksize) + 64;
	if (e->place == PLACE_RW || (e->place == PLACE_GUARD && e->size > PG)) {
		p = f->mem.arg + (e->place == PLACE_GUARD ? PG : 0);
		if (total > 2 * PG)
			total = 2 * PG - (p - f->mem.arg);
		memset(p, CANARY, total);
		memcpy(p, s->cmd, n);
		if (e->size > s->ksize && e->size <= total)
			memset(p + s->ksize, 0, e->size - s->ksize);
		else if (e->size > s->ksize)
			memset(p + s->ksize, 0, total - s->ksize);
		if (e->tail == TAIL_NONZERO)
			p[s->ksize + rn(f, e->size - s->ksize)] = 1 + rn(f, 255);
		memcpy(p, &e->size, 4);
	} else if (e->place == PLACE_RO) {
		p = f->mem.arg_ro;
		mprotect(p, PG, PROT_READ | PROT_WRITE);
		memcpy(p, s->cmd, s->ksize);
		memcpy(p, &e->size, 4);
		mprotect(p, PG, PROT_READ);
	} else if (e->place == PLACE_GUARD) {
		p = f->mem.guard;
	}

	f->call.name = s->name;
	f->call.cmd = s->nr;
	f->call.how = env_str(e);
	f->call.size = e->size;
	memcpy(f->call.in, s->cmd, s->ksize < sizeof(f->call.in) ? s->ksize :
	       sizeof(f->call.in));
	memcpy(f->call.in, &e->size, 4);
	if (f->trace) {
		fz_describe(&f->call, desc, sizeof(desc));
		printf("# call %llu: %s\n", (unsigned long long)f->calls, desc);
	}

	f->calls++;
	f->stats[s->nr & 31]++;
	/* (A clock read can trap on some guests: only where a record needs it.) */
	f->t0 = s->nr == IOASID_CMD_DMA || s->nr == IOASID_CMD_TRANSLATE ? fz_now_ns() : 0;
	if (e->lib) {
		ret = s->lib(f, s->cmd);
		rc = ret < 0 ? -ret : 0;
	} else {
		ret = ioctl(f->fd, s->req, e->place == PLACE_NULL ? NULL : p);
		rc = ret < 0 ? errno : 0;
	}
	f->t1 = f->t0 ? fz_now_ns() : 0;
	f->outcomes[s->nr & 31][rc & 127]++;
	if (f->trace)
		printf("#   -> %s\n", fz_errname(rc));
	if (!ex_has(&x, rc)) {
		fz_fail(f, "returned %s, the contract allows {%s}",
			fz_errname(rc), fz_expect_str(&x, exp, sizeof(exp)));
		return -1;
	}
	if (!e->lib && e->place == PLACE_RW) {
		uint32_t i, from = e->size > 4 ? e->size : 4;
		uint32_t end = from + 64 < total ? from + 64 : total;

		/* (the size member itself is 4 bytes, whatever it says) */
		for (i = from; i < end; i++)
			if (p[i] != CANARY) {
				fz_fail(f, "byte %u written, past size %u", i, e->size);
				return -1;
			}
		memcpy((uint8_t *)s->cmd + 4, p + 4, n > 4 ? n - 4 : 0);
	}
	return rc;
}

/* Pickers ------------------------------------------------------------------- */

uint32_t pick_bad_id(struct fz *f)
{
	struct model *m = &f->m;

	switch (rn(f, 7)) {
	case 0:
		return 0;
	case 1:
		return m->ndead ? m->dead[rn(f, m->ndead < M_DEAD_IDS ?
					     m->ndead : M_DEAD_IDS)] : 1;
	case 2:
		if (m->nnodes)
			return m->nodes[rn(f, m->nnodes)].id + (pct(f, 50) ? 1 : -1);
		return m->max_id + 1;
	case 3:
		return m->max_id + 1;
	case 4:
		return UINT32_MAX;
	case 5:
		return rnd(f);
	default:
		return m->max_id + 1 + rn(f, 4);
	}
}

/* A node id: a live node, or with @bad_pct percent a near-valid one. */
uint32_t pick_node(struct fz *f, unsigned int bad_pct)
{
	struct model *m = &f->m;

	if (m->nnodes && !pct(f, bad_pct))
		return m->nodes[rn(f, m->nnodes)].id;
	if (m->ndevs && pct(f, 40))
		return m->devs[rn(f, m->ndevs)].id;	/* the wrong type */
	return pick_bad_id(f);
}

uint32_t pick_dev(struct fz *f, unsigned int bad_pct)
{
	struct model *m = &f->m;

	if (m->ndevs && !pct(f, bad_pct))
		return m->devs[rn(f, m->ndevs)].id;
	if (m->nnodes && pct(f, 40))
		return m->nodes[rn(f, m->nnodes)].id;
	return pick_bad_id(f);
}

uint64_t pick_len(struct fz *f)
{
	unsigned int r = rn(f, 100);

	if (r < 85)
		return rsmall(f, 8) * PG;
	if (r < 93)
		return (1 + rn(f, 32)) * PG;
	if (r < 95)
		return 0;
	if (r < 97)
		return rsmall(f, 8) * PG + 1 + rn(f, PG - 1);
	if (r < 99)
		return (1ULL << (12 + rn(f, 52))) + (pct(f, 50) ? 0 : PG);
	return FZ_BUF_PAGES * PG;
}

/* Now and then, a value just off @v. */
uint64_t skew(struct fz *f, uint64_t v, unsigned int p)
{
	if (!pct(f, p))
		return v;
	switch (rn(f, 6)) {
	case 0:
		return v + PG;
	case 1:
		return v - PG;
	case 2:
		return v + 1 + rn(f, PG - 1);
	case 3:
		return -v;
	case 4:
		return v ^ (1ULL << (12 + rn(f, 52)));
	default:
		return v | 0x800;
	}
}

uint32_t pick_prot(struct fz *f)
{
	unsigned int r = rn(f, 100);

	if (r < 45)
		return RW;
	if (r < 70)
		return IOASID_MAP_READ;
	if (r < 96)
		return IOASID_MAP_WRITE;
	return 0;
}

/* An IOVA of @n for @len bytes: dense, next to or on what is there. */
uint64_t pick_iova(struct fz *f, struct m_node *n, uint64_t len)
{
	unsigned int r = rn(f, 100);
	struct m_map *map = n && n->nmaps ? &n->maps[rn(f, n->nmaps)] : NULL;
	struct m_res *res = n && n->nres ? &n->res[rn(f, n->nres)] : NULL;

	if (r < 40 || (r < 80 && !map) || (r >= 80 && r < 84 && !res))
		return rn(f, WIN_PAGES) * PG;
	if (r < 55)
		return map->iova;
	if (r < 65)
		return map->iova + map->len;
	if (r < 72)
		return map->iova - len;
	if (r < 80)
		return map->iova + rn(f, map->len / PG) * PG;
	if (r < 84)
		return res->iova + (pct(f, 50) ? 0 : res->len);
	if (r < 88)
		return -len;			/* ends at 2^64 - 1 */
	if (r < 90)
		return -len + PG;		/* one page past it */
	if (r < 92)
		return 0;
	if (r < 94)
		return -PG;
	if (r < 96)
		return rn(f, WIN_PAGES) * PG + 1 + rn(f, PG - 1);
	return rnd(f) & ~(PG - 1);
}

/* The context ---------------------------------------------------------------- */

/* Open a new context (closing the old one, with all it holds, if @reopen). */
void fz_reset_context(struct fz *f, bool reopen)
{
	int rc;

	if (reopen) {
		/* Queue fds hold the context: close them before it or after. */
		bool fds_first = pct(f, 50);

		if (fds_first)
			fz_fault_close_fds(f);
		ioasid_close(f->h);
		f->h = NULL;
		if (!fds_first)
			fz_fault_close_fds(f);
	}
	rc = ioasid_open(&f->h, NULL, 0);
	if (rc) {
		fz_abort(f, "cannot open /dev/ioasid: %s", strerror(-rc));
		return;
	}
	f->fd = ioasid_fd(f->h);
	model_reset(&f->m);
	/* Each context's answers must not change. */
	op_get_info(f, true);
	/* The PCI device comes back into each new context. */
	if (fz_pci_on())
		fz_pci_adopt(f);
}

/* Does the fuzzer's memory hold what the model says? */
bool fz_check_memory(struct fz *f)
{
	size_t i;

	if (memcmp(f->mem.buf, f->mem.shadow_buf, FZ_BUF_PAGES * PG)) {
		for (i = 0; f->mem.buf[i] == f->mem.shadow_buf[i]; i++)
			;
		fz_fail(f, "buffer byte %zu (page %zu) is 0x%02x, the model says 0x%02x",
			i, (size_t)(i / PG), f->mem.buf[i], f->mem.shadow_buf[i]);
		return false;
	}
	if (memcmp(f->mem.ro, f->mem.shadow_ro, FZ_RO_PAGES * PG)) {
		fz_fail(f, "the read-only buffer changed");
		return false;
	}
	return true;
}

/* The next operation ------------------------------------------------------------ */

enum {
	W_GET_INFO = 4, W_ALLOC = 35, W_DESTROY = 28, W_NODE_INFO = 45,
	W_MAP = 150, W_UNMAP = 85, W_UNMAP_ALL = 8, W_COPY = 40, W_BATCH = 40,
	W_IOVA_RANGES = 18, W_RESERVE = 35, W_OPTION = 8, W_BAD = 4,
	W_DEV_CREATE = 12, W_DEV_INFO = 30, W_ATTACH = 45, W_DETACH = 18,
	W_DMA = 160, W_TRANSLATE = 120, W_DIRTY_TRACKING = 20,
	W_DIRTY_BITMAP = 40, W_CPU_WRITE = 10, W_FORMAT_INFO = 4, W_BIND = 25,
	W_UNBIND = 10, W_INVALIDATE = 30,
	/* Only with the edu adopted (ops_pci.c). */
	W_PCI_ATTACH = 6, W_PCI_DMA = 6,
	/* Only with IOASID_CAP_FAULT_QUEUE (ops_fault.c). */
	W_FQ_ALLOC = 6, W_FQ_INFO = 8, W_FQ_READ = 14, W_FQ_WRITE = 6, W_FQ_CLOSE = 2,
	W_RIG = 60,
	/* Only with IOASID_CAP_USER_MANAGED (ops_walk.c). */
	W_WALK = 50,
};

static const struct {
	unsigned int weight;
	void (*fn)(struct fz *f);
} ops[] = {
	{ W_ALLOC, op_alloc }, { W_DESTROY, op_destroy },
	{ W_NODE_INFO, op_node_info }, { W_MAP, op_map },
	{ W_COPY, op_copy }, { W_BATCH, op_batch },
	{ W_IOVA_RANGES, op_iova_ranges }, { W_RESERVE, op_reserve },
	{ W_OPTION, op_option }, { W_BAD, op_bad_ioctl },
	{ W_DEV_CREATE, op_dev_create }, { W_DEV_INFO, op_dev_info },
	{ W_ATTACH, op_attach }, { W_DETACH, op_detach }, { W_DMA, op_dma },
	{ W_TRANSLATE, op_translate }, { W_DIRTY_TRACKING, op_dirty_tracking },
	{ W_DIRTY_BITMAP, op_dirty_bitmap }, { W_CPU_WRITE, op_cpu_write },
	/* These do nothing without IOASID_CAP_USER_MANAGED. */
	{ W_FORMAT_INFO, op_format_info }, { W_BIND, op_bind },
	{ W_UNBIND, op_unbind }, { W_INVALIDATE, op_invalidate },
	/* These do nothing without IOASID_CAP_FAULT_QUEUE (the rig: nor without both). */
	{ W_FQ_ALLOC, op_fq_alloc }, { W_FQ_INFO, op_fq_info }, { W_FQ_READ, op_fq_read },
	{ W_FQ_WRITE, op_fq_write }, { W_FQ_CLOSE, op_fq_close }, { W_RIG, op_rig },
	/* The walk rig: nothing without IOASID_CAP_USER_MANAGED. */
	{ W_WALK, op_walk },
};

static void op_unmap_some(struct fz *f)
{
	op_unmap(f, false);
}

static void op_unmap_every(struct fz *f)
{
	op_unmap(f, true);
}

static void op_get_info_any(struct fz *f)
{
	op_get_info(f, false);
}

static void fz_step_one(struct fz *f);

void fz_step(struct fz *f)
{
	fz_step_one(f);
	if (!fz_stopped(f))
		fz_fault_after_op(f);
}

static void fz_step_one(struct fz *f)
{
	unsigned int total = W_UNMAP + W_UNMAP_ALL + W_GET_INFO, i, r;

	f->call.note[0] = 0;
	/* Keep something to work on. */
	if (!f->m.nnodes || (f->m.nnodes < 3 && pct(f, 20))) {
		op_alloc(f);
		return;
	}
	if (!f->m.ndevs && pct(f, 20)) {
		op_dev_create(f);
		return;
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		total += ops[i].weight;
	if (fz_pci_on())
		total += W_PCI_ATTACH + W_PCI_DMA;
	r = rn(f, total);
	if (fz_pci_on()) {
		if (r < W_PCI_ATTACH)
			return op_pci_attach(f);
		r -= W_PCI_ATTACH;
		if (r < W_PCI_DMA)
			return op_pci_dma(f);
		r -= W_PCI_DMA;
	}
	if (r < W_UNMAP)
		return op_unmap_some(f);
	r -= W_UNMAP;
	if (r < W_UNMAP_ALL)
		return op_unmap_every(f);
	r -= W_UNMAP_ALL;
	if (r < W_GET_INFO)
		return op_get_info_any(f);
	r -= W_GET_INFO;
	for (i = 0; r >= ops[i].weight; i++)
		r -= ops[i].weight;
	ops[i].fn(f);
}
