/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The seeded PRNG of the host walker tests (the fuzzers and walker_diff):
 * splitmix64, small, fast, and good enough to seed and to fuzz.  Results
 * depend only on the seed written to rnd_state.
 */
#ifndef WALKER_RNG_H
#define WALKER_RNG_H

#include <stdbool.h>
#include <stdint.h>

static uint64_t rnd_state;

static inline uint64_t rnd(void)
{
	uint64_t z = (rnd_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* True with probability @pct percent. */
static inline bool chance(unsigned int pct)
{
	return rnd_below(100) < pct;
}

#endif /* WALKER_RNG_H */
