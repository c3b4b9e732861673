// SPDX-License-Identifier: GPL-2.0
/* pin_user_pages() lost its vmas argument (v6.5). */
#include <linux/mm.h>

static __maybe_unused long ioasid_probe(unsigned long start, struct page **pages)
{
	return pin_user_pages(start, 1, FOLL_LONGTERM, pages);
}
