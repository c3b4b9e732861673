// SPDX-License-Identifier: GPL-2.0
/*
 * A real PCI device: QEMU's edu (0000:00:04.0 in the test VM, behind an
 * emulated VT-d), through a VFIO container of type IOASID_VFIO_IOMMU whose
 * device is ADOPTed into the fuzzer's context. Only when the device can be
 * adopted (GET_INFO has IOASID_CAP_PCI_DEVICE, vfio-pci and ioasidfd_vfio
 * load, the edu is there); otherwise the run says why and never calls any
 * of this.
 *
 * At the start, a private context learns what the device reserves in a node
 * it is attached to (IOVA_RANGES of an empty root: the MSI window and what
 * lies outside the aperture) and its page sizes and aperture. Then the
 * device is adopted into the fuzzer's context (again after every reopen,
 * and after a DESTROY of it) and is one of the model's devices (m_dev.pci):
 * the common ops (ATTACH, DETACH, DESTROY, DEVICE_INFO, DMA, TRANSLATE) pick
 * it too, with the PCI rules of contract.c. The ops here add:
 *
 * - ATTACH of the device to any node: roots, kernel-managed children,
 *   user-managed nodes with and without IOASID_ALLOC_CACHING_MODE and nodes
 *   below them, with PASID and REPLACE now and then; DETACH;
 * - ADOPT again (the same id while the object lives; EMSGSIZE for no room);
 * - real DMA by the edu engine through the attached node, checked against
 *   the model's translation: a byte whose page translates (through every
 *   level, with the permissions of every level) is read or written exactly;
 *   one whose page does not must stay as it was (memory is compared with
 *   the model's shadow after every transfer), and a read of it must not
 *   reach the device (its buffer, written out later, must not hold the
 *   secret). QEMU gives a transfer that crosses into a blocked page no
 *   certain outcome for what comes after it, so those bytes may be written
 *   or not, but only with the right value.
 *
 * DMA is checked only through kernel-managed chains. Through a user-managed
 * node, what the shadow domain holds is what the guest table had at the last
 * BIND or INVALIDATE that covered it, in tables the fuzzer writes at random
 * and the model does not walk: such DMA is not made (the fault count of the
 * device is then not predicted either, only that it never goes back).
 *
 * The edu moves at most 2048 bytes per transfer to IOVAs below 256 MiB, and
 * is slow under TCG: the run makes at most FZ_PCI_DMAS / IOASID_TEST_SCALE
 * transfers, spread over the run, and stops making them after
 * FZ_PCI_DMA_SECS seconds of them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "ops.h"
#include "ioasid_pci.h"

#define FZ_PCI_DMAS		300
#define FZ_PCI_DMA_SECS		40.0
#define XMAX			EDU_DMA_MAX

enum { B_UNKNOWN, B_KNOWN, B_BLOCKED };

static struct {
	bool on;
	struct pci_vfio pci;
	uint32_t pci_id;
	uint64_t pgsize_bitmap, aperture_start, aperture_last;
	/* The edu buffer's first XMAX bytes, as far as the model knows. */
	uint8_t state[XMAX], val[XMAX], secret[XMAX], prev[XMAX];
	/* Budget and counts. */
	uint64_t max_dmas, base_calls, dmas, dma_bytes, blocked_bytes, reads_checked;
	uint64_t adopts, skipped_user, wonly, round_trips, primes;
	uint64_t attached[5];	/* successful ATTACHes by kind of node */
	double dma_secs;
	char last_blocked[256];	/* the last read the model said was blocked */
} P;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

bool fz_pci_on(void)
{
	return P.on;
}

static int adopt(int ioasid_fd, struct ioasid_vfio_device *devs, uint32_t *num)
{
	struct ioasid_vfio_adopt cmd = {
		.size = sizeof(cmd),
		.ioasid_fd = ioasid_fd,
		.num_devices = *num,
		.devices = (uintptr_t)devs,
	};
	int ret = ioctl(P.pci.container_fd, IOASID_VFIO_ADOPT, &cmd);

	*num = cmd.num_devices;
	return ret ? errno : 0;
}

/*
 * In a context of its own: adopt, attach to an empty root and learn the
 * device's reserved ranges (IOVA_RANGES' complement), page sizes and
 * aperture. Closing the context gives the device back to the container.
 */
static int probe(struct model *m, char *why, size_t len)
{
	struct ioasid_iova_range r[M_MAX_DRES + 1];
	struct ioasid_vfio_device dev;
	struct ioasid_device_info info;
	struct ioasid_handle *h;
	uint32_t num = 1, root, nr = M_MAX_DRES + 1, i;
	uint64_t cursor = 0;
	int rc;

	rc = ioasid_open(&h, NULL, 0);
	if (rc) {
		snprintf(why, len, "probe: open: %s", strerror(-rc));
		return -1;
	}
	rc = adopt(ioasid_fd(h), &dev, &num);
	if (!rc && num != 1)
		rc = ENODEV;
	if (!rc)
		rc = -ioasid_node_alloc(h, 0, IOASID_MODE_KERNEL_MANAGED, &root);
	if (!rc)
		rc = -ioasid_attach(h, dev.dev_id, root, 0, 0);
	if (!rc)
		rc = -ioasid_device_info(h, dev.dev_id, &info);
	if (!rc)
		rc = -ioasid_iova_ranges(h, root, r, &nr);
	ioasid_close(h);
	if (rc) {
		snprintf(why, len, "probe: adopt, attach, DEVICE_INFO or IOVA_RANGES: %s",
			 strerror(rc));
		return -1;
	}
	P.pci_id = dev.pci_id;
	P.pgsize_bitmap = info.out_pgsize_bitmap;
	P.aperture_start = info.out_aperture_start;
	P.aperture_last = info.out_aperture_last;
	/* The complement of the ranges: what the device reserves. */
	m->npci_res = 0;
	for (i = 0; i <= nr && i <= M_MAX_DRES; i++) {
		uint64_t first = i < nr ? r[i].start : 0;

		if (i < nr && first > cursor) {
			if (m->npci_res == M_MAX_DRES)
				break;
			m->pci_res[m->npci_res++] = (struct m_res){ cursor, first - cursor };
		}
		if (i == nr) {
			if (cursor && m->npci_res < M_MAX_DRES)	/* up to 2^64 - 1 */
				m->pci_res[m->npci_res++] =
					(struct m_res){ cursor, -cursor };
			break;
		}
		cursor = r[i].last + 1;
		if (!cursor)
			break;
	}
	if (nr > M_MAX_DRES || !(P.pgsize_bitmap & 4096)) {
		snprintf(why, len, "probe: %u IOVA ranges, page sizes 0x%llx: more "
			 "than the model takes", nr,
			 (unsigned long long)P.pgsize_bitmap);
		return -1;
	}
	return 0;
}

void fz_pci_setup(struct fz *f, unsigned int scale)
{
	struct ioasid_handle *h;
	struct ioasid_info gi;
	char why[512];
	unsigned int i;
	int ret;

	why[0] = 0;
	memset(&P, 0, sizeof(P));
	ret = ioasid_open(&h, NULL, 0);
	if (!ret) {
		ret = ioasid_get_info(h, &gi);
		ioasid_close(h);
	}
	if (ret || !(gi.out_capabilities & IOASID_CAP_PCI_DEVICE)) {
		printf("# PCI: not covered: no IOASID_CAP_PCI_DEVICE\n");
		return;
	}
	ret = pci_setup(&P.pci, EDU_BDF, IOASID_VFIO_IOMMU);
	if (ret) {
		printf("# PCI: not covered: %s%s\n", P.pci.why,
		       P.pci.unavailable ? "" : " (not an environment problem?)");
		pci_close(&P.pci);
		return;
	}
	if (probe(&f->m, why, sizeof(why))) {
		printf("# PCI: not covered: %s\n", why);
		pci_close(&P.pci);
		return;
	}
	P.on = true;
	P.max_dmas = FZ_PCI_DMAS / (scale ? scale : 1);
	P.base_calls = 1000000 / (scale ? scale : 1);
	if (P.max_dmas < 24)
		P.max_dmas = 24;
	printf("# PCI: edu %s (pci_id 0x%x) adopted; page sizes 0x%llx, aperture "
	       "[0x%llx, 0x%llx]; up to %llu DMAs\n", P.pci.bdf, P.pci_id,
	       (unsigned long long)P.pgsize_bitmap,
	       (unsigned long long)P.aperture_start,
	       (unsigned long long)P.aperture_last,
	       (unsigned long long)P.max_dmas);
	for (i = 0; i < f->m.npci_res; i++)
		printf("#   reserved while attached: [0x%llx, +0x%llx)\n",
		       (unsigned long long)f->m.pci_res[i].iova,
		       (unsigned long long)f->m.pci_res[i].len);
	fflush(stdout);
}

void fz_pci_teardown(struct fz *f)
{
	if (!P.on)
		return;
	printf("#   PCI: ATTACH to a root %llu, a kernel-managed child %llu, a "
	       "user-managed node in caching mode %llu (not: %llu), below one %llu\n",
	       (unsigned long long)P.attached[0], (unsigned long long)P.attached[1],
	       (unsigned long long)P.attached[2], (unsigned long long)P.attached[3],
	       (unsigned long long)P.attached[4]);
	printf("#   PCI: %llu round trips, %llu primed reads\n",
	       (unsigned long long)P.round_trips, (unsigned long long)P.primes);
	printf("#   PCI: %llu adopts, %llu DMAs (%llu bytes checked, %llu bytes "
	       "blocked, %llu blocked reads checked) in %.1f s, %llu not made "
	       "through user-managed nodes, %llu bytes read through write-only "
	       "pages not checked\n",
	       (unsigned long long)P.adopts, (unsigned long long)P.dmas,
	       (unsigned long long)P.dma_bytes,
	       (unsigned long long)P.blocked_bytes,
	       (unsigned long long)P.reads_checked, P.dma_secs,
	       (unsigned long long)P.skipped_user, (unsigned long long)P.wonly);
	pci_close(&P.pci);
	P.on = false;
}

static struct m_dev *pci_dev(struct model *m)
{
	unsigned int i;

	for (i = 0; i < m->ndevs; i++)
		if (m->devs[i].pci)
			return &m->devs[i];
	return NULL;
}

/* ADOPT into the fuzzer's context: the same id while the object lives. */
void fz_pci_adopt(struct fz *f)
{
	struct ioasid_vfio_device devs[2];
	struct model *m = &f->m;
	struct m_dev *d = pci_dev(m);
	uint32_t num = pct(f, 10) ? 0 : 2;
	int rc;

	if (!P.on || (!d && m->ndevs >= M_MAX_DEVS))
		return;
	memset(devs, 0xee, sizeof(devs));
	snprintf(f->call.note, sizeof(f->call.note), "ADOPT num_devices %u", num);
	f->call.name = "ADOPT";
	f->call.how = "container ioctl";
	f->call.cmd = -1;
	f->calls++;
	P.adopts++;
	rc = adopt(f->fd, devs, &num);
	if (f->trace)
		printf("# call %llu: ADOPT num_devices %u -> %s\n",
		       (unsigned long long)f->calls - 1, num, fz_errname(rc));
	if (rc == EMSGSIZE && num == 1 && devs[0].dev_id == 0xeeeeeeee)
		return;		/* room for none: the count, nothing else */
	if (rc || num != 1 || devs[0].pci_id != P.pci_id ||
	    devs[1].dev_id != 0xeeeeeeee) {
		fz_fail(f, "ADOPT: %s, %u devices, pci_id 0x%x (0x%x expected)%s",
			fz_errname(rc), num, devs[0].pci_id, P.pci_id,
			devs[1].dev_id != 0xeeeeeeee ? ", wrote past the one device" : "");
		return;
	}
	if (d) {
		if (devs[0].dev_id != d->id)
			fz_fail(f, "ADOPT again: id %u, the device has %u",
				devs[0].dev_id, d->id);
		return;
	}
	if (!devs[0].dev_id || model_id_live(m, devs[0].dev_id)) {
		fz_fail(f, "ADOPT: id %u is %s", devs[0].dev_id,
			devs[0].dev_id ? "in use" : "0");
		return;
	}
	model_add_dev(m, devs[0].dev_id, 0, 0);
	d = model_dev(m, devs[0].dev_id);
	d->pci = true;
	d->pci_id = devs[0].pci_id;
}

/* DEVICE_INFO of the PCI device (op_dev_info_of() made the call). */
void fz_pci_check_info(struct fz *f, struct m_dev *d,
		       const struct ioasid_device_info *c)
{
	struct m_node *n = d->natts ? model_node(&f->m, d->atts[0].node) : NULL;
	bool user = n && model_in_user_tree(&f->m, n->id);

	if (c->out_kind != IOASID_DEVICE_KIND_PCI || c->out_state != IOASID_DEVICE_LIVE ||
	    c->out_caps || c->out_pci_id != d->pci_id || c->out_flags ||
	    c->out_pasid_bits || c->out_num_attachments != d->natts ||
	    c->out_generation || c->out_iotlb_entries || c->out_iotlb_hits ||
	    c->out_iotlb_misses || c->__reserved) {
		fz_fail(f, "DEVICE_INFO of PCI device %u: kind %u state %u caps 0x%llx "
			"pci_id 0x%x flags 0x%x pasid_bits %u attachments %u generation "
			"%llu iotlb %llu/%llu/%llu; the model says kind PCI, live, no "
			"caps, pci_id 0x%x, %u attachments, the rest 0", d->id,
			c->out_kind, c->out_state, (unsigned long long)c->out_caps,
			c->out_pci_id, c->out_flags, c->out_pasid_bits,
			c->out_num_attachments, (unsigned long long)c->out_generation,
			(unsigned long long)c->out_iotlb_entries,
			(unsigned long long)c->out_iotlb_hits,
			(unsigned long long)c->out_iotlb_misses, d->pci_id, d->natts);
		return;
	}
	/* Page sizes and aperture: the domain's, 0 while attached nowhere. */
	if (c->out_pgsize_bitmap != (n ? P.pgsize_bitmap : 0) ||
	    c->out_aperture_start != (n ? P.aperture_start : 0) ||
	    c->out_aperture_last != (n ? P.aperture_last : 0)) {
		fz_fail(f, "DEVICE_INFO of PCI device %u: page sizes 0x%llx aperture "
			"[0x%llx, 0x%llx], %s", d->id,
			(unsigned long long)c->out_pgsize_bitmap,
			(unsigned long long)c->out_aperture_start,
			(unsigned long long)c->out_aperture_last,
			n ? "attached" : "attached nowhere");
		return;
	}
	/*
	 * Faults: ranges a shadow could not fill. Through kernel-managed
	 * levels only, there are none (nothing fails to allocate here).
	 * Through a guest table the model does not walk: not predicted.
	 */
	if (!user && (c->out_faults || c->out_last_fault_reason)) {
		fz_fail(f, "DEVICE_INFO of PCI device %u: %llu faults (last: reason %u "
			"node %u addr 0x%llx) through kernel-managed nodes only",
			d->id, (unsigned long long)c->out_faults,
			c->out_last_fault_reason, c->out_last_fault_node,
			(unsigned long long)c->out_last_fault_addr);
		return;
	}
	d->faults = c->out_faults;
}

/* ATTACH and DETACH ------------------------------------------------------------ */

static int lib_attach(struct fz *f, void *cmd)
{
	struct ioasid_attach *c = cmd;

	return ioasid_attach(f->h, c->dev_id, c->node_id, c->flags, c->pasid);
}

static int lib_detach(struct fz *f, void *cmd)
{
	struct ioasid_attach *c = cmd;

	return ioasid_detach(f->h, c->dev_id, c->flags, c->pasid);
}

/* A node of each kind, @kind: 0 root, 1 kernel-managed child, 2 user-managed
 * with caching mode, 3 without, 4 below a user-managed node. */
static uint32_t pick_node_kind(struct fz *f, unsigned int kind)
{
	struct model *m = &f->m;
	unsigned int i, k = rn(f, m->nnodes ? m->nnodes : 1);

	for (i = 0; i < m->nnodes; i++, k = (k + 1) % m->nnodes) {
		struct m_node *n = &m->nodes[k];
		struct m_node *p = model_node(m, n->parent);
		bool user = n->mode == IOASID_MODE_USER_MANAGED;

		if ((kind == 0 && !p) ||
		    (kind == 1 && p && !user && !model_in_user_tree(m, p->id)) ||
		    (kind == 2 && user && n->caching) ||
		    (kind == 3 && user && !n->caching) ||
		    (kind == 4 && p && !user && model_in_user_tree(m, p->id)))
			return n->id;
	}
	return pick_node(f, 0);
}

void op_pci_attach(struct fz *f)
{
	struct ioasid_attach c = { .size = sizeof(c) };
	struct spec s = SPEC(c, "ATTACH", IOASID_CMD_ATTACH, IOASID_ATTACH);
	struct model *m = &f->m;
	struct m_dev *d = pci_dev(m);
	unsigned int r = rn(f, 100);

	if (!d)
		return fz_pci_adopt(f);
	if (d->natts && pct(f, 40))
		return op_pci_detach(f);
	c.dev_id = pct(f, 97) ? d->id : pick_bad_id(f);
	if (model_dev(m, c.dev_id))
		c.dev_id = d->id;	/* software endpoints: ops_dev.c */
	/* Mostly where DMA can be checked. */
	c.node_id = r < 35 ? pick_node_kind(f, 0) : r < 70 ? pick_node_kind(f, 1) :
		    r < 82 ? pick_node_kind(f, 2) : r < 88 ? pick_node_kind(f, 3) :
		    r < 94 ? pick_node_kind(f, 4) : pick_node(f, 40);
	r = rn(f, 100);
	if (r < 3)
		c.flags = IOASID_ATTACH_PASID, c.pasid = rn(f, 4);
	else if (r < 6)
		c.flags = IOASID_ATTACH_REPLACE;
	else if (r < 8)
		c.pasid = 1 + rn(f, 8);
	c.flags |= bad_flag(f, 2, 1);
	c.__reserved = pct(f, 1);
	s.x = contract_attach(m, &c);
	s.acts = ex_of(0);
	s.lib = !c.__reserved ? lib_attach : NULL;
	if (fz_do(f, &s) || !s.applies)
		return;
	model_attach(m, d, M_NO_PASID, c.node_id, false);
	{
		struct m_node *an = model_node(m, c.node_id);
		bool user = an->mode == IOASID_MODE_USER_MANAGED;

		P.attached[!an->parent ? 0 : user ? (an->caching ? 2 : 3) :
			   model_in_user_tree(m, an->parent) ? 4 : 1]++;
	}
	/* Where it is attached, the device's reservations show. */
	if (pct(f, 30))
		op_dev_info_of(f, d->id);
}

void op_pci_detach(struct fz *f)
{
	struct ioasid_attach c = { .size = sizeof(c) };
	struct spec s = SPEC(c, "DETACH", IOASID_CMD_DETACH, IOASID_DETACH);
	struct m_dev *d = pci_dev(&f->m);
	unsigned int r = rn(f, 100);

	if (!d)
		return fz_pci_adopt(f);
	c.dev_id = d->id;
	if (r < 3)
		c.flags = IOASID_ATTACH_PASID;
	else if (r < 5)
		c.pasid = 1 + rn(f, 4);
	else if (r < 6)
		c.node_id = pick_node(f, 0);
	s.x = contract_detach(&f->m, &c);
	s.acts = ex_of(0);
	s.lib = !c.node_id ? lib_detach : NULL;
	if (fz_do(f, &s) || !s.applies)
		return;
	model_detach(&f->m, d, M_NO_PASID);
	if (pct(f, 20))
		op_dev_info_of(f, d->id);
}

/* DMA --------------------------------------------------------------------------- */

/* The fuzzer's memory (and its shadow) behind a user address. */
static uint8_t *mem_at(struct fz *f, uint64_t uaddr, uint8_t **shadow)
{
	uint64_t buf = (uintptr_t)f->mem.buf, ro = (uintptr_t)f->mem.ro;

	if (uaddr - buf < FZ_BUF_PAGES * PG) {
		*shadow = f->mem.shadow_buf + (uaddr - buf);
		return f->mem.buf + (uaddr - buf);
	}
	*shadow = f->mem.shadow_ro + (uaddr - ro);
	return f->mem.ro + (uaddr - ro);
}

/*
 * One edu transfer of @len bytes between IOVA @iova and the start of its
 * buffer, through whatever the device is attached to (@node, 0: nothing):
 * into memory (@to_memory) or from it.
 */
static void pci_dma(struct fz *f, uint32_t node, uint64_t iova, uint32_t len,
		    bool to_memory)
{
	uint32_t access = to_memory ? IOASID_MAP_WRITE : IOASID_MAP_READ;
	struct {
		bool ok;		/* the page translates with the access */
		bool sure;		/* before the first page that does not */
		uint8_t *mem, *shadow;
	} pg[2];
	uint64_t first_page = iova & ~(PG - 1);
	unsigned int npg = (iova + len - 1) / PG - iova / PG + 1, i;
	uint32_t b, leaked = 0, checkable = 0;
	bool sure = true;
	double t0;
	int rc;

	for (i = 0; i < npg; i++) {
		struct m_walk w;

		pg[i].ok = node && !model_walk(&f->m, node, first_page + i * PG, &w) &&
			   w.prot & access;
		if (!pg[i].ok)
			sure = false;
		pg[i].sure = sure || !pg[i].ok;
		if (pg[i].ok)
			pg[i].mem = mem_at(f, w.uaddr - (w.uaddr & (PG - 1)),
					   &pg[i].shadow);
	}
	snprintf(f->call.note, sizeof(f->call.note),
		 "edu DMA %s IOVA 0x%llx, %u bytes, through node %u: pages %s%s",
		 to_memory ? "to" : "from", (unsigned long long)iova, len, node,
		 pg[0].ok ? "translate" : "fault",
		 npg < 2 ? "" : pg[1].ok ? ", translate" : ", fault");
	f->call.name = "edu DMA";
	f->call.size = len;
	f->call.how = "device";
	f->call.cmd = -1;
	if (f->trace)
		printf("# %s\n", f->call.note);
	f->calls++;	/* counted like an ioctl: -n N stops after it */
	t0 = now_s();
	rc = edu_dma(&P.pci, iova, 0, len, to_memory, 0);
	P.dma_secs += now_s() - t0;
	P.dmas++;
	if (rc) {
		fz_fail(f, "edu DMA: %s", strerror(-rc));
		return;
	}
	for (b = 0; b < len; b++) {
		uint64_t a = iova + b;
		unsigned int k = a / PG - iova / PG;
		uint64_t off = a & (PG - 1);
		uint8_t *mem = pg[k].ok ? pg[k].mem + off : NULL;
		uint8_t *shadow = pg[k].ok ? pg[k].shadow + off : NULL;

		if (!to_memory) {
			/* Memory -> the device's buffer. */
			if (pg[k].ok && pg[k].sure) {
				P.state[b] = B_KNOWN;
				P.val[b] = *shadow;
			} else if (!pg[k].ok && P.state[b] == B_KNOWN) {
				/*
				 * Must not get there; may keep what it had. What
				 * it must not get: the memory behind a mapping
				 * that permits neither reading nor writing, or,
				 * for a node below a root, what the root maps
				 * at the same IOVA. Where nothing is mapped
				 * there is nothing to tell by. A write-only
				 * mapping is readable through VT-d on 6.12
				 * (intel-iommu sets DMA_FL_PTE_PRESENT, bit 0,
				 * which is the second-level READ bit, in every
				 * PTE): no check there.
				 */
				struct m_walk w;
				uint32_t root = node;
				struct m_node *rn_;
				uint8_t *sh;
				int wr;

				while ((rn_ = model_node(&f->m, root)) && rn_->parent)
					root = rn_->parent;
				P.state[b] = B_UNKNOWN;
				wr = node ? model_walk(&f->m, node, a, &w) : -1;
				if (!wr && w.prot & IOASID_MAP_WRITE) {
					P.wonly++;
				} else if ((!wr && !w.prot) ||
					   (wr && node && root != node &&
					    !model_walk(&f->m, root, a, &w))) {
					mem_at(f, w.uaddr, &sh);
					if (P.state[b] != B_BLOCKED)
						snprintf(P.last_blocked,
							 sizeof(P.last_blocked),
							 "call %llu: IOVA 0x%llx of node %u "
							 "(root %u), prot %u, uaddr 0x%llx",
							 (unsigned long long)f->calls,
							 (unsigned long long)a, node, root,
							 w.prot, (unsigned long long)w.uaddr);
					P.state[b] = B_BLOCKED;
					P.prev[b] = P.val[b];
					P.secret[b] = *sh;
				}
			} else {
				P.state[b] = B_UNKNOWN;
			}
			continue;
		}
		/* The device's buffer -> memory. */
		if (!pg[k].ok)
			continue;	/* the compare below sees any change */
		if (P.state[b] == B_KNOWN && pg[k].sure) {
			if (*mem != P.val[b]) {
				fz_fail(f, "edu DMA to IOVA 0x%llx: byte %u is 0x%02x, "
					"the device's buffer holds 0x%02x",
					(unsigned long long)iova, b, *mem, P.val[b]);
				return;
			}
		} else if (P.state[b] == B_KNOWN && *mem != *shadow &&
			   *mem != P.val[b]) {
			fz_fail(f, "edu DMA to IOVA 0x%llx: byte %u (after a blocked page) "
				"is 0x%02x, neither 0x%02x nor 0x%02x",
				(unsigned long long)iova, b, *mem, *shadow, P.val[b]);
			return;
		} else if (P.state[b] == B_BLOCKED && pg[k].sure &&
			   P.secret[b] != P.prev[b] && P.secret[b] != 0 &&
			   P.secret[b] != 0xff) {
			checkable++;
			leaked += *mem == P.secret[b];
		}
		*shadow = *mem;
	}
	if (to_memory) {
		P.dma_bytes += len;
		if (checkable >= 8) {
			P.reads_checked++;
			if (leaked * 2 > checkable) {
				fz_fail(f, "edu DMA to IOVA 0x%llx: %u of %u bytes the device "
					"read through a page that does not translate hold "
					"what memory held there (last blocked read: %s)",
					(unsigned long long)iova, leaked, checkable,
					P.last_blocked);
				return;
			}
		}
		for (b = 0; b < len; b++)
			if (P.state[b] == B_BLOCKED &&
			    pg[(iova + b) / PG - iova / PG].ok &&
			    pg[(iova + b) / PG - iova / PG].sure)
				P.state[b] = B_UNKNOWN;
	}
	for (b = 0; b < len; b++)
		P.blocked_bytes += !pg[(iova + b) / PG - iova / PG].ok;
	/* Nothing else changed: every byte of the buffers is the model's. */
	fz_check_memory(f);
}

void op_pci_dma(struct fz *f)
{
	struct m_dev *d = pci_dev(&f->m);
	struct m_node *n;
	uint64_t iova;
	uint32_t len, node;
	unsigned int r, tries, k;
	bool to_memory;

	/*
	 * Spread over a run of the default length, whatever -n says: the
	 * calls of a seed must not depend on it, or -n would not reproduce.
	 */
	if (!d || P.dmas >= P.max_dmas ||
	    (double)P.dmas * P.base_calls > (double)P.max_dmas * (f->calls + 1))
		return;
	node = d->natts ? d->atts[0].node : 0;
	n = model_node(&f->m, node);
	/* Mostly through a node: attached nowhere, everything is blocked. */
	if (!n && pct(f, 80))
		return;
	if (n && model_in_user_tree(&f->m, node)) {
		P.skipped_user++;
		return;
	}
	r = rn(f, 100);
	len = r < 70 ? 1 + rn(f, XMAX) : r < 85 ? 1 + rn(f, 64) : XMAX;
	iova = 0;
	for (tries = 0; tries < 8 && !iova; tries++) {
		struct m_node *top = n;

		while (top && top->parent)
			top = model_node(&f->m, top->parent);
		r = rn(f, 100);
		if (top && top != n && top->nmaps && r < 25) {
			/* What the root maps, the node not: a read must not get it. */
			struct m_map *map = &top->maps[rn(f, top->nmaps)];
			struct m_walk w;

			iova = map->iova + rn(f, map->len);
			if (!model_walk(&f->m, node, iova, &w))
				iova = 0;
		} else if (n && n->nmaps && r < 80) {
			struct m_map *map = &n->maps[rn(f, n->nmaps)];

			iova = map->iova + (pct(f, 50) ? rn(f, map->len) :
					    rn(f, map->len / PG) * PG);
		} else {
			iova = rn(f, WIN_PAGES) * PG + rn(f, PG);
		}
		/* 28-bit device addresses; mostly within one page. */
		if (pct(f, 80) && (iova & (PG - 1)) + len > PG)
			iova = (iova & ~(PG - 1)) + rn(f, PG - len + 1);
		if (!iova || iova >= EDU_DMA_LIMIT || len > EDU_DMA_LIMIT - iova)
			iova = 0;
	}
	to_memory = pct(f, 50);
	/*
	 * A time limit, after every draw: skipping a transfer changes no
	 * later call (only the shadow, which no choice depends on).
	 */
	if (!iova || P.dma_secs > FZ_PCI_DMA_SECS)
		return;
	if (!to_memory && n && n->nmaps && pct(f, 50)) {
		/*
		 * Before a read, often, one through a page that translates
		 * for reading: the device's buffer is then known, and a read
		 * the IOMMU must block can be told from one it let through.
		 */
		uint64_t src = 0;

		k = rn(f, n->nmaps);
		for (tries = 0; tries < n->nmaps && !src; tries++, k = (k + 1) % n->nmaps) {
			struct m_walk w;

			src = n->maps[k].iova;
			if (!src || src >= EDU_DMA_LIMIT - PG ||
			    model_walk(&f->m, node, src, &w) || !(w.prot & IOASID_MAP_READ))
				src = 0;
		}
		if (src) {
			P.primes++;
			pci_dma(f, node, src + rn(f, PG - len + 1), len, false);
			if (fz_stopped(f))
				return;
		}
	}
	pci_dma(f, node, iova, len, to_memory);
	if (to_memory || !n || !n->nmaps || fz_stopped(f) || pct(f, 40))
		return;
	/*
	 * Mostly, what was read goes straight back out, to a page that
	 * translates for writing: that checks the read (and a blocked one).
	 */
	k = rn(f, n->nmaps);
	for (tries = 0; tries < n->nmaps; tries++, k = (k + 1) % n->nmaps) {
		struct m_walk w;

		iova = n->maps[k].iova + (n->maps[k].len > PG ?
					  rn(f, n->maps[k].len / PG) * PG : 0);
		if (iova && iova < EDU_DMA_LIMIT - PG &&
		    !model_walk(&f->m, node, iova, &w) && w.prot & IOASID_MAP_WRITE)
			break;
	}
	if (tries < n->nmaps) {
		P.round_trips++;
		pci_dma(f, node, iova + rn(f, PG - len + 1), len, true);
	}
}
