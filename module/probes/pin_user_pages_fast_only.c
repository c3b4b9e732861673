// SPDX-License-Identifier: GPL-2.0
/* pin_user_pages_fast_only() (gone in v6.6; only needed before v6.5). */
#include <linux/mm.h>

static __maybe_unused int ioasid_probe(unsigned long start, struct page **pages)
{
	return pin_user_pages_fast_only(start, 1, FOLL_WRITE, pages);
}
