/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The little of the kernel that module/walkers/ uses, for building the
 * walkers on the host (unit tests, fuzzers).
 */
#ifndef IOASID_WALKER_SHIM_H
#define IOASID_WALKER_SHIM_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

#ifndef BIT
#define BIT(n)		(1UL << (n))
#endif

#endif
