/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the differential tests of the walkers share (walker_diff.c, and
 * walker_diff_pasid.c behind the PASID-table kinds): the random set of
 * mappings of one seed, drawn with walker_rng.h, and the run's clock and
 * environment. The mappings lie in [base, base + TOP), their outputs in
 * [0, OUT_TOP); nothing here depends on a format.
 */
#ifndef WALKER_DIFF_H
#define WALKER_DIFF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "pt_encode.h"
#include "walker_rng.h"

#define TOP		(1ULL << 38)	/* inputs: BASE + [0, TOP), in every format */
#define OUT_TOP		(1ULL << 40)	/* outputs: [0, OUT_TOP) */
#define MAX_MAPS	40
#define SZ_4K		(1ULL << 12)
#define SZ_2M		(1ULL << 21)

/* The mappings --------------------------------------------------------------- */

struct mapping {
	uint64_t iova, pa, size;
	unsigned int perm;	/* PT_ENC_* */
};

static struct mapping maps[MAX_MAPS];
static unsigned int nmaps;

/*
 * Where the inputs are: 0 (the lower half: Arm64's TTB0), or the top TOP
 * bytes of the input space (the upper half: Arm64's TTB1, x86-64's and
 * RISC-V's negative addresses, AMD v1 with 6 levels).
 */
static uint64_t base;

static bool overlaps(uint64_t iova, uint64_t size)
{
	unsigned int i;

	for (i = 0; i < nmaps; i++)
		if (iova <= maps[i].iova + (maps[i].size - 1) &&
		    maps[i].iova <= iova + (size - 1))
			return true;
	return false;
}

/* The mapping that holds @a, or NULL. */
static const struct mapping *mapping_of(uint64_t a)
{
	unsigned int i;

	for (i = 0; i < nmaps; i++)
		if (a >= maps[i].iova && a - maps[i].iova < maps[i].size)
			return &maps[i];
	return NULL;
}

static void gen_mappings(void)
{
	static const uint64_t aligns[] = {
		SZ_4K, SZ_4K, SZ_4K, SZ_4K, 16ULL << 10, 16ULL << 10, 64ULL << 10,
		64ULL << 10, 128ULL << 10, SZ_2M, SZ_2M, SZ_2M, 4ULL << 20,
		32ULL << 20, 512ULL << 20, 1ULL << 30,
	};
	unsigned int want = 8 + rnd_below(MAX_MAPS - 8), tries;

	nmaps = 0;
	for (tries = 0; nmaps < want && tries < 1000; tries++) {
		uint64_t a = aligns[rnd_below(sizeof(aligns) / sizeof(aligns[0]))];
		uint64_t pa_align = a, size, iova, pa;
		struct mapping *m = &maps[nmaps];

		size = a * (1 + rnd_below(a >= (512ULL << 20) ? 2 : 3));
		if (rnd_below(3) == 0)		/* a tail of smaller pages */
			size += (SZ_4K << (2 * rnd_below(3))) * rnd_below(4);
		if (a <= SZ_2M && rnd_below(4) == 0)	/* output less aligned */
			pa_align = SZ_4K << (2 * rnd_below(3));
		if (nmaps && rnd_below(4) == 0) {
			/* Right after the previous one, maybe contiguous. */
			iova = maps[nmaps - 1].iova - base + maps[nmaps - 1].size;
			pa = maps[nmaps - 1].pa + maps[nmaps - 1].size;
			if (rnd_below(2))
				pa = rnd_below(OUT_TOP / pa_align) * pa_align;
			if ((iova | pa) & (SZ_4K - 1))
				continue;
		} else {
			iova = rnd_below(TOP / a) * a;
			pa = rnd_below(OUT_TOP / pa_align) * pa_align;
		}
		if (iova + size > TOP || pa + size > OUT_TOP ||
		    overlaps(base + iova, size))
			continue;
		m->iova = base + iova;
		m->pa = pa;
		m->size = size;
		m->perm = PT_ENC_R | (unsigned int)rnd_below(8) << 1;	/* W, X, U */
		nmaps++;
	}
}

/* The run ------------------------------------------------------------------ */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : def;
}

#endif /* WALKER_DIFF_H */
