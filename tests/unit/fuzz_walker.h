/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The driver machinery every walker fuzzer (tests/unit/fuzz_walker_<name>.c)
 * shares: its options and environment, its clock, its KTAP header and the
 * KTAP result of each family of checks.  Include after kselftest.h.
 */
#ifndef FUZZ_WALKER_H
#define FUZZ_WALKER_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : dflt;
}

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The environment (WALKER_FUZZ_SECONDS, _SEED, _ITERS, _FIRST), then the
 * options -t SECONDS -s SEED -n ITERATIONS -f FIRST -v.  Returns 0, or 2
 * (the exit code) after printing the usage.
 */
static inline int fuzz_options(int argc, char **argv, double *seconds, uint64_t *seed,
			       uint64_t *iters, uint64_t *first, bool *verbose)
{
	int opt;

	*seconds = env_u64("WALKER_FUZZ_SECONDS", 10);
	*seed = env_u64("WALKER_FUZZ_SEED", (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32));
	*iters = env_u64("WALKER_FUZZ_ITERS", 0);
	*first = env_u64("WALKER_FUZZ_FIRST", 0);
	while ((opt = getopt(argc, argv, "t:s:n:f:v")) != -1) {
		switch (opt) {
		case 't':
			*seconds = strtod(optarg, NULL);
			break;
		case 's':
			*seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			*iters = strtoull(optarg, NULL, 0);
			break;
		case 'f':
			*first = strtoull(optarg, NULL, 0);
			break;
		case 'v':
			*verbose = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-t SECONDS] [-s SEED] [-n ITERATIONS] [-f FIRST] [-v]\n",
				argv[0]);
			return 2;
		}
	}
	return 0;
}

/* The KTAP header: the plan (one test per family) and how to replay. */
static inline void fuzz_header(unsigned int nr_families, uint64_t seed, double seconds,
			       uint64_t iters)
{
	ksft_print_header();
	ksft_set_plan(nr_families);
	ksft_print_msg("seed %" PRIu64 " (replay: -s %" PRIu64 " or WALKER_FUZZ_SEED), %.1f s%s\n",
		       seed, seed, seconds, iters ? ", bounded by -n" : "");
}

/*
 * One KTAP result per family: its violations fail it; the coverage family
 * is skipped below @coverage_iters iterations.
 */
static inline void fuzz_results(const char *const *family_name, const unsigned long *failures,
				unsigned int nr_families, unsigned int coverage_family,
				uint64_t iters, uint64_t coverage_iters)
{
	unsigned int fam;

	for (fam = 0; fam < nr_families; fam++) {
		if (fam == coverage_family && iters < coverage_iters)
			ksft_test_result_code(KSFT_SKIP, family_name[fam],
					      "only %" PRIu64 " iterations", iters);
		else if (failures[fam])
			ksft_test_result_code(KSFT_FAIL, family_name[fam],
					      "%lu violations", failures[fam]);
		else
			ksft_test_result_code(KSFT_PASS, family_name[fam], NULL);
	}
}

#endif /* FUZZ_WALKER_H */
