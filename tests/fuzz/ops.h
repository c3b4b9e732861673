/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by ops.c and ops_dev.c: one call as a struct spec, made by fz_do()
 * with a generic envelope (size, tail, placement, libioasid or raw ioctl),
 * and the pickers of ids, lengths and addresses.
 */
#ifndef IOASID_FUZZ_OPS_H
#define IOASID_FUZZ_OPS_H

#include "contract.h"
#include "fuzz.h"

#define PG		M_PAGE
#define RW		(IOASID_MAP_READ | IOASID_MAP_WRITE)
#define FIXED		IOASID_MAP_FIXED_IOVA
#define WIN_PAGES	384	/* the dense IOVA window of fixed MAPs */
#define CANARY		0xa5

struct spec {
	const char *name;
	unsigned int nr;	/* IOASID_CMD_* */
	unsigned long req;
	void *cmd;		/* the struct, updated with the kernel's answer */
	uint32_t ksize;		/* sizeof the struct */
	uint32_t min;		/* its size as first shipped */
	struct expect x;	/* outcomes of the request as made */
	struct expect acts;	/* outcomes that write back or change state */
	bool has_out;		/* the struct has out_* members */
	int (*lib)(struct fz *f, void *cmd);	/* libioasid path: 0 or -errno */
	bool plain;		/* force the plain envelope */
	/*
	 * The struct as first shipped (size @min < @ksize) is a request of
	 * its own: the kernel sees the members past @min as 0. @x_short
	 * holds its outcomes; without @has_short that size is not tried.
	 */
	bool has_short;
	struct expect x_short;
	/* Results. */
	bool applies;		/* the kernel saw the request as made */
	struct env env;
};

/* Each ioctl's size as first shipped (main.c, from ioasid_test.h). */
extern uint32_t fz_min_size[32];

#define SPEC(c, nm, nr_, req_)						\
	{ .name = nm, .nr = nr_, .req = req_, .cmd = &(c),		\
	  .ksize = sizeof(c), .min = fz_min_size[nr_] }

int fz_do(struct fz *f, struct spec *s);
void fz_note(struct fz *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *fz_expect_str(const struct expect *x, char *buf, size_t len);

/* Ids. */
uint32_t pick_bad_id(struct fz *f);
uint32_t pick_node(struct fz *f, unsigned int bad_pct);
uint32_t pick_dev(struct fz *f, unsigned int bad_pct);

/* Values. */
uint64_t pick_len(struct fz *f);
uint64_t pick_iova(struct fz *f, struct m_node *n, uint64_t len);
uint64_t skew(struct fz *f, uint64_t v, unsigned int p);
uint32_t pick_prot(struct fz *f);

/* An unknown bit of a flags word above @known_bits, @p percent of the time. */
static inline uint32_t bad_flag(struct fz *f, uint32_t known_bits, unsigned int p)
{
	return pct(f, p) ? 1u << (known_bits + rn(f, 32 - known_bits)) : 0;
}

/* A non-zero __reserved, @p percent of the time. */
static inline uint32_t bad_u32(struct fz *f, unsigned int p)
{
	return pct(f, p) ? 1 + rn(f, UINT32_MAX) : 0;
}

/* ops_node.c */
void op_get_info(struct fz *f, bool first);
void op_alloc(struct fz *f);
void op_destroy(struct fz *f);
void op_node_info(struct fz *f);
void op_iova_ranges(struct fz *f);
void op_reserve(struct fz *f);
void op_option(struct fz *f);
void op_bad_ioctl(struct fz *f);
void op_cpu_write(struct fz *f);

/* ops_map.c */
void op_map(struct fz *f);
void op_unmap(struct fz *f, bool all);
void op_copy(struct fz *f);
void op_batch(struct fz *f);

/* ops_dev.c */
void op_dev_create(struct fz *f);
void op_dev_info(struct fz *f);
void op_attach(struct fz *f);
void op_detach(struct fz *f);
void op_dma(struct fz *f);
void op_translate(struct fz *f);
void op_dirty_tracking(struct fz *f);
void op_dirty_bitmap(struct fz *f);
bool dev_check_gen(struct fz *f, struct m_dev *d, uint64_t gen, const char *what);

/* ops_user.c */
void op_format_info(struct fz *f);
void op_bind(struct fz *f);
void op_unbind(struct fz *f);
void op_invalidate(struct fz *f);

/* ops_fault.c */
uint32_t pick_queue_id(struct fz *f, unsigned int bad_pct);
void op_fq_alloc(struct fz *f);
void op_fq_info(struct fz *f);
void op_fq_read(struct fz *f);
void op_fq_write(struct fz *f);
void op_fq_close(struct fz *f);
void op_rig(struct fz *f);
void fz_fault_translation(struct fz *f, struct m_dev *d, uint32_t flags, uint32_t pasid,
			  uint64_t addr, bool wrapped);
bool fz_fq_option_done(struct fz *f, const struct ioasid_option *c);
void fz_fq_pick_option(struct fz *f, struct ioasid_option *c);

/* ops_walk.c */
void op_walk(struct fz *f);

/* ops_pci.c */
bool fz_pci_on(void);
void fz_pci_adopt(struct fz *f);
void fz_pci_check_info(struct fz *f, struct m_dev *d,
		       const struct ioasid_device_info *c);
void op_pci_attach(struct fz *f);
void op_pci_detach(struct fz *f);
void op_pci_dma(struct fz *f);

#endif
