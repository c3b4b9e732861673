// SPDX-License-Identifier: GPL-2.0
/*
 * Pinned process memory.
 *
 * A struct ioasid_pages is what one MAP on a root pins: the pages behind
 * [addr, addr + length) of the caller's mm, pinned long-term once and
 * charged once, to a user or to an mm (the context's account mode). They
 * are kept as runs of physically contiguous pages, so a huge page or a
 * large folio is one 16-byte run however many 4 KiB pages it covers, and a
 * page is found by binary search over the runs. Pages are indexed by user
 * page number (address >> PAGE_SHIFT) in the pinning process, so the first
 * run's index says where they came from and nothing else needs to.
 *
 * Mappings hold references; COPY adds mappings in other roots that share
 * the same pages, so nothing is pinned or charged twice. The last reference
 * unpins (dirtying pages that devices could write) and returns the charge
 * to exactly the user or mm that paid it, even if that process is gone.
 *
 * Pinning is done in batches of up to IOASID_PIN_BATCH pages and checks
 * for fatal signals between batches, so a process killed mid-map stops
 * promptly and every page pinned so far is released.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "ioasid_private.h"

#define IOASID_PIN_BATCH	(PAGE_SIZE / sizeof(struct page *))
#define IOASID_PIN_ONSTACK	8

static struct kmem_cache *ioasid_pages1_cache;	/* pages with a single run */

int __init ioasid_pages_init(void)
{
	ioasid_pages1_cache = kmem_cache_create("ioasid_pages1",
						struct_size_t(struct ioasid_pages, runs, 1),
						0, SLAB_ACCOUNT, NULL);
	return ioasid_pages1_cache ? 0 : -ENOMEM;
}

void ioasid_pages_exit(void)
{
	kmem_cache_destroy(ioasid_pages1_cache);
}

static int ioasid_charge_user(struct user_struct *user, unsigned long npages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	long cur, new;

	if (capable(CAP_IPC_LOCK)) {
		atomic_long_add(npages, &user->locked_vm);
		return 0;
	}
	cur = atomic_long_read(&user->locked_vm);
	do {
		new = cur + npages;
		if (new < cur || new > limit)
			return -ENOMEM;
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur, new));
	return 0;
}

/* Charge @npages to the caller, per @mode; fills @pages' accounting owner. */
static int ioasid_pages_charge(struct ioasid_pages *pages,
			       enum ioasid_account_mode mode,
			       unsigned long npages)
{
	int rc;

	pages->account_mode = mode;
	if (mode == IOASID_ACCOUNT_PROCESS) {
		rc = account_locked_vm(current->mm, npages, true);
		if (rc)
			return rc;
		mmgrab(current->mm);
		pages->mm = current->mm;
	} else {
		pages->user = get_uid(current_user());
		rc = ioasid_charge_user(pages->user, npages);
		if (rc) {
			free_uid(pages->user);
			return rc;
		}
	}
	return 0;
}

static void ioasid_pages_uncharge(struct ioasid_pages *pages)
{
	if (pages->account_mode == IOASID_ACCOUNT_PROCESS) {
		account_locked_vm(pages->mm, pages->npages, false);
		mmdrop(pages->mm);
	} else {
		atomic_long_sub(pages->npages, &pages->user->locked_vm);
		free_uid(pages->user);
	}
}

/* A growable array of runs while pinning; starts on the caller's stack. */
struct ioasid_run_buf {
	struct ioasid_run *runs;
	unsigned long nruns;
	unsigned long cap;
	struct ioasid_run stack[IOASID_PIN_ONSTACK];
};

static int ioasid_run_buf_add(struct ioasid_run_buf *rb, unsigned long pfn,
			      unsigned long index)
{
	struct ioasid_run *last = rb->nruns ? &rb->runs[rb->nruns - 1] : NULL;
	struct ioasid_run *grown;

	if (last && last->pfn + (index - last->index) == pfn)
		return 0;	/* continues the run */
	if (rb->nruns == rb->cap) {
		/* Huge only for a huge, scattered MAP: fail it quietly. */
		grown = kvmalloc_array(rb->cap * 2, sizeof(*grown),
				       GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!grown)
			return -ENOMEM;
		memcpy(grown, rb->runs, rb->nruns * sizeof(*grown));
		if (rb->runs != rb->stack)
			kvfree(rb->runs);
		rb->runs = grown;
		rb->cap *= 2;
	}
	rb->runs[rb->nruns++] = (struct ioasid_run){ .pfn = pfn, .index = index };
	return 0;
}

/* Pages in run @i of @nruns covering @npages from runs[0]. */
static unsigned long ioasid_run_len(const struct ioasid_run *runs,
				    unsigned long nruns, unsigned long npages,
				    unsigned long i)
{
	return (i + 1 < nruns ? runs[i + 1].index : runs[0].index + npages) -
	       runs[i].index;
}

static void ioasid_unpin_runs(const struct ioasid_run *runs,
			      unsigned long nruns, unsigned long npages,
			      bool dirty)
{
	unsigned long i;

	for (i = 0; i < nruns; i++) {
		unpin_user_page_range_dirty_lock(pfn_to_page(runs[i].pfn),
						 ioasid_run_len(runs, nruns, npages, i),
						 dirty);
		cond_resched();
	}
}

/*
 * Pin what a batch asks for. On kernels whose GUP lets a device write file
 * pages behind the filesystem's back (before v6.5), a writable pin looks at
 * the VMAs first, under the mmap lock it then pins under, and refuses as
 * later kernels do.
 */
static long ioasid_pin_batch(unsigned long start, unsigned long nr,
			     unsigned int gup_flags, struct page **pages)
{
	struct mm_struct *mm = current->mm;
	unsigned long end = start + (nr << PAGE_SHIFT);
	struct vm_area_struct *vma;
	long got;

	if (!(gup_flags & FOLL_WRITE) || ioasid_gup_refuses_writable_file_pins())
		return pin_user_pages_fast(start, nr, gup_flags, pages);

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	for (vma = find_vma(mm, start); vma && vma->vm_start < end;
	     vma = find_vma(mm, vma->vm_end)) {
		if (ioasid_vma_needs_dirty_tracking(vma)) {
			mmap_read_unlock(mm);
			return -EFAULT;
		}
	}
	/*
	 * The lockless walk first: it takes a huge page's 4 KiB pages in one
	 * step, where the slow path looks each up. Under the lock the VMAs
	 * checked stay; whatever it could not take goes the slow way.
	 */
	got = ioasid_pin_user_pages_fast_only(start, nr, gup_flags, pages);
	if (got <= 0)
		got = ioasid_pin_user_pages(start, nr, gup_flags, pages);
	mmap_read_unlock(mm);
	return got;
}

/* Pin @npages from @uaddr of the caller's mm into @rb; all or nothing. */
static int ioasid_pin(struct ioasid_run_buf *rb, unsigned long uaddr,
		      unsigned long npages, bool writable)
{
	unsigned int gup_flags = FOLL_LONGTERM | (writable ? FOLL_WRITE : 0);
	struct page *onstack[IOASID_PIN_ONSTACK];
	struct page **batch = onstack;
	unsigned long done = 0, batch_len = ARRAY_SIZE(onstack);
	int rc = 0, i, got;

	if (npages > ARRAY_SIZE(onstack)) {
		batch = (struct page **)__get_free_page(GFP_KERNEL);
		if (!batch)
			return -ENOMEM;
		batch_len = IOASID_PIN_BATCH;
	}

	while (done < npages) {
		if (fatal_signal_pending(current)) {
			rc = -EINTR;
			break;
		}
		got = ioasid_pin_batch(uaddr + (done << PAGE_SHIFT),
				       min(npages - done, batch_len),
				       gup_flags, batch);
		if (got <= 0) {
			/* EOPNOTSUPP (fsdax) would read as an unknown flag. */
			rc = !got || got == -EOPNOTSUPP ? -EFAULT : got;
			break;
		}
		for (i = 0; i < got; i++) {
			rc = ioasid_run_buf_add(rb, page_to_pfn(batch[i]),
						(uaddr >> PAGE_SHIFT) + done + i);
			if (rc) {
				/* This batch's pages are not in a run yet. */
				unpin_user_pages(batch + i, got - i);
				done += i;
				goto out;
			}
		}
		done += got;
		cond_resched();
	}
out:
	if (rc)
		ioasid_unpin_runs(rb->runs, rb->nruns, done, false);
	if (batch != onstack)
		free_page((unsigned long)batch);
	return rc;
}

/* A pages object for @nruns runs (one run: the small cache). */
static struct ioasid_pages *ioasid_pages_alloc(unsigned long nruns)
{
	if (nruns == 1)
		return kmem_cache_alloc(ioasid_pages1_cache, GFP_KERNEL_ACCOUNT);
	return kvmalloc(struct_size_t(struct ioasid_pages, runs, nruns),
			GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
}

static void ioasid_pages_free(struct ioasid_pages *pages)
{
	if (pages->nruns == 1)
		kmem_cache_free(ioasid_pages1_cache, pages);
	else
		kvfree(pages);
}

/**
 * ioasid_pages_pin() - pin and charge the caller's memory
 * @uaddr: page-aligned user address
 * @npages: pages to pin, at least one
 * @writable: devices may write the pages
 * @mode: whom to charge
 *
 * Return: the pages with one reference, or an ERR_PTR; on failure nothing
 * stays pinned or charged.
 */
struct ioasid_pages *ioasid_pages_pin(unsigned long uaddr, unsigned long npages,
				      bool writable,
				      enum ioasid_account_mode mode)
{
	struct ioasid_run_buf rb = { .cap = IOASID_PIN_ONSTACK };
	struct ioasid_pages charge = {}, *pages;
	int rc;

	rb.runs = rb.stack;
	charge.npages = npages;
	rc = ioasid_pages_charge(&charge, mode, npages);
	if (rc)
		return ERR_PTR(rc);

	rc = ioasid_pin(&rb, uaddr, npages, writable);
	if (rc)
		goto out_uncharge;

	pages = ioasid_pages_alloc(rb.nruns);
	if (!pages) {
		rc = -ENOMEM;
		goto out_unpin;
	}
	kref_init(&pages->kref);
	pages->writable = writable;
	pages->account_mode = charge.account_mode;
	pages->user = charge.user;	/* or ->mm: a union */
	pages->npages = npages;
	pages->nruns = rb.nruns;
	memcpy(pages->runs, rb.runs, rb.nruns * sizeof(*rb.runs));
	if (rb.runs != rb.stack)
		kvfree(rb.runs);
	ioasid_stat_add(pinned_pages, npages);
	return pages;

out_unpin:
	ioasid_unpin_runs(rb.runs, rb.nruns, npages, false);
out_uncharge:
	if (rb.runs != rb.stack)
		kvfree(rb.runs);
	ioasid_pages_uncharge(&charge);
	return ERR_PTR(rc);
}

/**
 * ioasid_pages_pin_run() - pin adjacent ranges in one pass, an object each
 * @uaddr: page-aligned user address of the first range
 * @npages: pages of each range; range i + 1 starts where range i ends
 * @n: ranges
 * @writable: devices may write the pages
 * @mode: whom to charge
 * @out: the objects, one reference each, as ioasid_pages_pin() of each
 *	range would have made them
 *
 * One pin of the whole span, then split: a BATCH of MAPs of adjacent
 * memory pays for one GUP walk, and each MAP still unpins on its own.
 *
 * Return: 0, or an error with nothing pinned or charged.
 */
int ioasid_pages_pin_run(unsigned long uaddr, const unsigned long *npages,
			 unsigned int n, bool writable,
			 enum ioasid_account_mode mode, struct ioasid_pages **out)
{
	struct ioasid_run_buf rb = { .cap = IOASID_PIN_ONSTACK };
	unsigned long total = 0, first = uaddr >> PAGE_SHIFT, r = 0, k, end;
	unsigned int i, charged = 0, made = 0;
	struct ioasid_pages *pages;
	int rc;

	rb.runs = rb.stack;
	for (i = 0; i < n; i++)
		total += npages[i];
	for (; charged < n; charged++) {
		out[charged] = kzalloc(sizeof(**out), GFP_KERNEL);
		if (!out[charged]) {
			rc = -ENOMEM;
			goto out_uncharge;
		}
		out[charged]->npages = npages[charged];
		rc = ioasid_pages_charge(out[charged], mode, npages[charged]);
		if (rc) {
			kfree(out[charged]);
			goto out_uncharge;
		}
	}
	rc = ioasid_pin(&rb, uaddr, total, writable);
	if (rc)
		goto out_uncharge;

	/* Range i: the runs that cover [first, end), the first one cut. */
	for (; made < n; made++) {
		end = first + npages[made];
		while (r + 1 < rb.nruns && rb.runs[r + 1].index <= first)
			r++;
		for (k = r; k < rb.nruns && rb.runs[k].index < end; k++)
			;
		pages = ioasid_pages_alloc(k - r);
		if (!pages) {
			rc = -ENOMEM;
			goto out_unpin;
		}
		kref_init(&pages->kref);
		pages->writable = writable;
		pages->account_mode = out[made]->account_mode;
		pages->user = out[made]->user;	/* or ->mm: a union */
		pages->npages = npages[made];
		pages->nruns = k - r;
		memcpy(pages->runs, &rb.runs[r], pages->nruns * sizeof(*rb.runs));
		pages->runs[0].pfn += first - pages->runs[0].index;
		pages->runs[0].index = first;
		kfree(out[made]);
		out[made] = pages;
		first = end;
	}
	if (rb.runs != rb.stack)
		kvfree(rb.runs);
	ioasid_stat_add(pinned_pages, total);
	return 0;

out_unpin:
	ioasid_unpin_runs(rb.runs, rb.nruns, total, false);
out_uncharge:
	if (rb.runs != rb.stack)
		kvfree(rb.runs);
	for (i = 0; i < charged; i++) {
		ioasid_pages_uncharge(out[i]);
		if (i < made)
			ioasid_pages_free(out[i]);
		else
			kfree(out[i]);
	}
	return rc;
}

static void ioasid_pages_release(struct kref *kref)
{
	struct ioasid_pages *pages = container_of(kref, struct ioasid_pages, kref);

	ioasid_unpin_runs(pages->runs, pages->nruns, pages->npages,
			  pages->writable);
	ioasid_pages_uncharge(pages);
	ioasid_stat_sub(pinned_pages, pages->npages);
	ioasid_pages_free(pages);
}

void ioasid_pages_put(struct ioasid_pages *pages)
{
	kref_put(&pages->kref, ioasid_pages_release);
}

/**
 * ioasid_pages_pfn() - the page frame at a page index
 * @pages: the pages
 * @index: the user page number of one of them
 * @contig: set to how many pages from @index on are physically contiguous
 */
unsigned long ioasid_pages_pfn(const struct ioasid_pages *pages,
			       unsigned long index, unsigned long *contig)
{
	unsigned long lo = 0, hi = pages->nruns - 1, mid;

	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if (pages->runs[mid].index <= index)
			lo = mid;
		else
			hi = mid - 1;
	}
	*contig = ioasid_run_len(pages->runs, pages->nruns, pages->npages, lo) -
		  (index - pages->runs[lo].index);
	return pages->runs[lo].pfn + (index - pages->runs[lo].index);
}
