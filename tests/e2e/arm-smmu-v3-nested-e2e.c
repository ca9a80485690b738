// SPDX-License-Identifier: GPL-2.0-only
/*
 * End-to-end test of nested translation on an SMMUv3, with QEMU's "edu"
 * PCI device (1234:11e8) as the DMA master and QEMU's emulated SMMUv3,
 * which walks both stages on its own, as the judge.
 *
 * A workspace test, not part of the series: an out-of-tree module built
 * against the patched tree (tests/e2e/Kbuild) and loaded by the test
 * kernel's /init after the series' own KUnit suites. It takes over the
 * SMMU of the test machine, which nothing else uses: it flips feature bits
 * for one attach to reach each refusal, masks the event queue's interrupt,
 * sets the fault injection knobs and counts commands in the SMMU's queue,
 * and puts back what it found each time. Nothing of it belongs on a real
 * host.
 *
 * The test plays both parts with the exported IOMMU API only. As the VMM
 * it allocates a nested domain, maps "guest RAM" in stage 2 at IPAs that
 * are not the RAM's physical addresses, and installs the guest's table.
 * As the guest it writes a Context Descriptor and stage-1 page tables in
 * that RAM, every pointer an IPA, then makes edu copy data through them.
 * A copy is checked in the page of guest RAM that VA -> IPA names (the
 * account prints offsets in guest RAM, never a physical address).
 *
 * The CD and descriptor encodings are this file's own, from the Arm SMMUv3
 * specification (IHI 0070, "CD") and the Arm ARM (VMSAv8-64 translation
 * table descriptors). Without an edu device the cases are skipped.
 *
 * Where a case says what the driver must issue, it counts the commands
 * the driver put in the SMMU's command queue; QEMU's smmuv3_cmdq_opcode
 * trace names them (make's account shows them per case).
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/iommu.h>
#include <linux/iopoll.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>

#include "arm-smmu-v3.h"

/* QEMU's edu device: BAR0 registers, and its 4 KiB DMA buffer */
#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8
#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_CNT		0x90
#define EDU_DMA_CMD		0x98
#define EDU_DMA_START		BIT_ULL(0)
#define EDU_DMA_TO_RAM		BIT_ULL(1)
#define EDU_BUF			0x40000
#define EDU_DMA_MASK		DMA_BIT_MASK(28)

/* Context Descriptor, dword 0 */
#define CD0_T0SZ(n)		((u64)(n) << 0)		/* [5:0] */
#define CD0_TG0_4K		(0ULL << 6)		/* [7:6] */
#define CD0_IR0(c)		((u64)(c) << 8)	/* [9:8] */
#define CD0_OR0(c)		((u64)(c) << 10)	/* [11:10] */
#define CD0_SH0_IS		(3ULL << 12)		/* [13:12] */
#define CD0_EPD1		BIT_ULL(30)
#define CD0_V			BIT_ULL(31)
#define CD0_IPS_40		(2ULL << 32)		/* [34:32] */
#define CD0_AA64		BIT_ULL(41)
#define CD0_R			BIT_ULL(45)
#define CD0_A			BIT_ULL(46)
#define CD0_ASET		BIT_ULL(47)
#define CD0_ASID(a)		((u64)(a) << 48)	/* [63:48] */
/* dword 1: TTB0[51:4]; dword 3: MAIR */
#define CD1_TTB0(a)		((a) & GENMASK_ULL(51, 4))
#define CD3_MAIR_WB		0xffULL		/* Attr0: normal, write-back */
#define CD_DWORDS		8

/* VMSAv8-64 descriptors, 4 KiB granule */
#define D_VALID			BIT_ULL(0)
#define D_TABLE			BIT_ULL(1)	/* level 3: page */
#define D_AP_EL0		BIT_ULL(6)	/* AP[1]: read/write at EL0 too */
#define D_SH_IS			(3ULL << 8)
#define D_AF			BIT_ULL(10)
#define D_LEAF			(D_AF | D_SH_IS | D_AP_EL0)	/* AttrIndx 0 */
#define D_NEXT(a)		((a) & GENMASK_ULL(47, 12))
#define D_BLOCK_L2(a)		((a) & GENMASK_ULL(47, 21))
#define T0SZ			25	/* 39-bit VA: levels 1 to 3 */

/*
 * Guest RAM: 4 MiB at IPA 0x0b000000, a hole in QEMU virt's memory map
 * below edu's 28-bit DMA mask, far from the RAM at 0x40000000: DMA that
 * skipped stage 2 would reach nothing.
 */
#define RAM_IPA			0x0b000000ULL
#define RAM_SIZE		SZ_4M
#define CD_IPA			RAM_IPA			/* CD at offset 0 */
#define TABLES_IPA		(RAM_IPA + SZ_4K)	/* page-table pool */
#define TABLES_END		(RAM_IPA + SZ_1M)
#define PAGE_IPA(n)		(RAM_IPA + SZ_1M + (n) * SZ_4K)
#define BLOCK_IPA		(RAM_IPA + SZ_2M)	/* one 2 MiB block */
#define HOLE_IPA		(RAM_IPA + SZ_16M)	/* not in stage 2 */

/* Guest VAs, below edu's DMA mask too */
#define VA_A			0x01234000ULL
#define VA_B			0x01235000ULL
#define VA_S2_HOLE		0x01236000ULL	/* stage 1 to HOLE_IPA */
#define VA_BLOCK		0x04600000ULL
#define VA_HOLE			0x07777000ULL	/* never mapped */

#define GUEST_ASID		0x2a
#define XFER			64		/* bytes per DMA */

struct e2e_edu {
	struct pci_dev *pdev;
	void __iomem *regs;
};

static struct e2e_edu e2e_edus[2];
static unsigned int e2e_nr_edus;

struct e2e_faults {
	spinlock_t lock;	/* the handler's writes vs the test's reads */
	struct completion seen;
	unsigned int nr;
	struct iommu_fault first;
	bool others;	/* a fault in another page than the first's */
};

struct e2e_guest {
	struct e2e_edu *edu;
	struct iommu_domain *domain;
	struct page *ram;
	u8 *ram_va;
	phys_addr_t ram_pa;
	bool attached;
	bool table;
	bool faults_registered;
	struct e2e_faults faults;
	u64 next_table;
	u64 root;
	u16 asid;
	u8 seq;
};

/* What e2e_fail_nth sets of the fault injection knobs */
struct e2e_knob_vals {
	bool slab_wait, page_wait;
	u32 page_order;
	unsigned long slab_verbose, page_verbose;
};

/*
 * The knobs' variables, what they held when the injection was turned on
 * (put back when it is turned off), and what they held when the case
 * began (put back by e2e_exit(), whether the case ends or aborts)
 */
struct e2e_knobs {
	bool *slab_wait, *page_wait;
	u32 *page_order;
	unsigned long *slab_verbose, *page_verbose;
	struct e2e_knob_vals found, before;
	bool on, saved;
};

struct e2e_ctx {
	struct e2e_guest guests[2];
	unsigned int nr;
	struct e2e_knobs knobs;
	int evtq_irq_off;	/* the event queue's IRQ, masked by a case */
};

static struct device *e2e_dev(struct e2e_guest *g)
{
	return &g->edu->pdev->dev;
}

static void *e2e_ptr(struct e2e_guest *g, u64 ipa)
{
	return g->ram_va + (ipa - RAM_IPA);
}


/*
 * Where the driver's next command goes in the SMMU's command queue: the
 * index and wrap bit of its producer pointer. The commands issued between
 * two reads are their difference; nothing else uses the SMMU meanwhile.
 */
static u32 e2e_cmdq_pos(struct e2e_guest *g)
{
	struct arm_smmu_master *master = dev_iommu_priv_get(e2e_dev(g));
	struct arm_smmu_ll_queue *llq = &master->smmu->cmdq.q.llq;

	return atomic_read(&llq->atomic.prod) &
	       GENMASK(llq->max_n_shift, 0);
}

static u32 e2e_cmds_since(struct e2e_guest *g, u32 pos)
{
	struct arm_smmu_master *master = dev_iommu_priv_get(e2e_dev(g));

	return (e2e_cmdq_pos(g) - pos) &
	       GENMASK(master->smmu->cmdq.q.llq.max_n_shift, 0);
}

/* The guest's side: tables and CDs in its RAM, pointers are IPAs */
static u64 e2e_alloc_table(struct kunit *test, struct e2e_guest *g)
{
	u64 ipa = g->next_table;

	KUNIT_ASSERT_LT(test, ipa, TABLES_END);
	g->next_table += SZ_4K;
	memset(e2e_ptr(g, ipa), 0, SZ_4K);
	return ipa;
}

/* The descriptor for @va at @level (2 or 3), creating the tables above */
static u64 *e2e_desc(struct kunit *test, struct e2e_guest *g, u64 va,
		     int level)
{
	u64 table = g->root;
	int l;

	for (l = 1; ; l++) {
		u64 *desc = (u64 *)e2e_ptr(g, table) +
			    ((va >> (39 - 9 * l)) & 511);

		if (l == level)
			return desc;
		if (!(*desc & D_VALID)) {
			u64 next = e2e_alloc_table(test, g);

			WRITE_ONCE(*desc, D_VALID | D_TABLE | D_NEXT(next));
		}
		table = D_NEXT(*desc);
	}
}

static void e2e_map_4k(struct kunit *test, struct e2e_guest *g, u64 va,
		       u64 ipa)
{
	WRITE_ONCE(*e2e_desc(test, g, va, 3),
		   D_VALID | D_TABLE | D_LEAF | D_NEXT(ipa));
}

static void e2e_map_2m(struct kunit *test, struct e2e_guest *g, u64 va,
		       u64 ipa)
{
	WRITE_ONCE(*e2e_desc(test, g, va, 2),
		   D_VALID | D_LEAF | D_BLOCK_L2(ipa));
}

static void e2e_write_cd(struct e2e_guest *g, u64 cd_ipa, u16 asid,
			 u64 root)
{
	u64 *cd = e2e_ptr(g, cd_ipa);

	memset(cd + 1, 0, (CD_DWORDS - 1) * sizeof(u64));
	cd[1] = CD1_TTB0(root);
	cd[3] = CD3_MAIR_WB;
	WRITE_ONCE(cd[0], CD0_T0SZ(T0SZ) | CD0_TG0_4K | CD0_IR0(1) |
			  CD0_OR0(1) | CD0_SH0_IS | CD0_EPD1 | CD0_V |
			  CD0_IPS_40 | CD0_AA64 | CD0_R | CD0_A | CD0_ASET |
			  CD0_ASID(asid));
}

/* A page of the guest's RAM filled with bytes no other fill produces */
static u8 e2e_fill(struct e2e_guest *g, u64 ipa, size_t len)
{
	u8 seed = ++g->seq * 16 + 1;
	u8 *p = e2e_ptr(g, ipa);
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = seed + i;
	return seed;
}

static bool e2e_holds(struct e2e_guest *g, u64 ipa, u8 seed)
{
	u8 *p = e2e_ptr(g, ipa);
	int i;

	for (i = 0; i < XFER; i++)
		if (READ_ONCE(p[i]) != (u8)(seed + i))
			return false;
	return true;
}

/* One line of the account: a DMA address, where it should go, the bytes */
static void e2e_narrate(struct kunit *test, struct e2e_guest *g,
			const char *dir, u64 addr, u64 ipa, const char *what)
{
	u64 off = ipa - RAM_IPA;

	if (addr != ipa)
		kunit_info(test, "DMA %s VA %#llx -> IPA %#llx -> RAM +%#llx %s %*ph\n",
			   dir, addr, ipa, off, what, 8, e2e_ptr(g, ipa));
	else
		kunit_info(test, "DMA %s IPA %#llx -> RAM +%#llx %s %*ph\n",
			   dir, ipa, off, what, 8, e2e_ptr(g, ipa));
}

/*
 * The device's side: one copy between edu's buffer and a DMA address.
 * writeq() orders the CPU's writes to guest RAM (tables, CD, data) before
 * the copy starts; readq() orders the CPU's reads after it is seen done.
 */
static int e2e_dma(struct kunit *test, struct e2e_guest *g, u64 addr,
		   bool to_ram)
{
	void __iomem *regs = g->edu->regs;
	u64 cmd;
	int ret;

	writeq(to_ram ? EDU_BUF : addr, regs + EDU_DMA_SRC);
	writeq(to_ram ? addr : EDU_BUF, regs + EDU_DMA_DST);
	writeq(XFER, regs + EDU_DMA_CNT);
	writeq(EDU_DMA_START | (to_ram ? EDU_DMA_TO_RAM : 0),
	       regs + EDU_DMA_CMD);
	ret = readq_poll_timeout(regs + EDU_DMA_CMD, cmd,
				 !(cmd & EDU_DMA_START), 1000,
				 5 * USEC_PER_SEC);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "edu DMA did not complete");
	return ret;
}

/*
 * Copy from @src to @dst through edu, both DMA addresses: VAs or IPAs
 * depending on what the STE does. Returns the seed of the bytes written
 * at @src_ipa, to look for at @dst_ipa.
 */
static u8 e2e_copy(struct kunit *test, struct e2e_guest *g,
		   u64 src, u64 src_ipa, u64 dst, u64 dst_ipa)
{
	u8 seed = e2e_fill(g, src_ipa, XFER);

	memset(e2e_ptr(g, dst_ipa), 0, XFER);
	e2e_dma(test, g, src, false);
	e2e_dma(test, g, dst, true);
	e2e_narrate(test, g, "RAM->edu", src, src_ipa, "holds");
	e2e_narrate(test, g, "edu->RAM", dst, dst_ipa,
		    e2e_holds(g, dst_ipa, seed) ? "got them" :
						  "did not get them");
	return seed;
}

/*
 * Which page did a read of @va use: fill @n candidate pages with their own
 * bytes, copy @va to @sink (a VA of @sink_ipa) and look. -1 for none.
 */
static int e2e_which(struct kunit *test, struct e2e_guest *g, u64 va,
		     const u64 *cand, int n, u64 sink, u64 sink_ipa)
{
	u8 seeds[4];
	int i;

	for (i = 0; i < n; i++)
		seeds[i] = e2e_fill(g, cand[i], XFER);
	memset(e2e_ptr(g, sink_ipa), 0, XFER);
	e2e_dma(test, g, va, false);
	e2e_dma(test, g, sink, true);
	for (i = 0; i < n; i++) {
		if (e2e_holds(g, sink_ipa, seeds[i])) {
			kunit_info(test, "DMA RAM->edu VA %#llx read IPA %#llx (RAM +%#llx)\n",
				   va, cand[i], cand[i] - RAM_IPA);
			return i;
		}
	}
	kunit_info(test, "DMA RAM->edu VA %#llx read none of the candidates\n",
		   va);
	return -1;
}

static int e2e_fault_handler(struct iommu_fault *fault, void *data)
{
	struct e2e_faults *f = data;
	unsigned long flags;

	spin_lock_irqsave(&f->lock, flags);
	if (!f->nr++)
		f->first = *fault;
	else if ((fault->event.addr ^ f->first.event.addr) & ~(u64)(SZ_4K - 1))
		f->others = true;
	spin_unlock_irqrestore(&f->lock, flags);
	complete(&f->seen);
	return 0;
}

/* The VMM's side */
static struct e2e_guest *e2e_guest_new(struct kunit *test, unsigned int n)
{
	struct e2e_ctx *ctx = test->priv;
	struct e2e_guest *g;

	if (n >= e2e_nr_edus)
		kunit_skip(test, "needs %u edu devices (QEMU -device edu), has %u",
			   n + 1, e2e_nr_edus);
	g = &ctx->guests[ctx->nr++];
	g->edu = &e2e_edus[n];
	g->ram = alloc_pages(GFP_KERNEL | __GFP_ZERO, get_order(RAM_SIZE));
	KUNIT_ASSERT_NOT_NULL(test, g->ram);
	g->ram_va = page_address(g->ram);
	g->ram_pa = page_to_phys(g->ram);

	g->domain = iommu_domain_alloc(&pci_bus_type);
	KUNIT_ASSERT_NOT_NULL(test, g->domain);
	KUNIT_ASSERT_EQ(test, iommu_enable_nesting(g->domain), 0);
	KUNIT_ASSERT_EQ(test, iommu_attach_device(g->domain, e2e_dev(g)), 0);
	g->attached = true;
	kunit_info(test, "edu %s attached to a new nested domain\n",
		   pci_name(g->edu->pdev));
	KUNIT_ASSERT_TRUE(test, iommu_get_nesting(g->domain));
	KUNIT_ASSERT_EQ(test, iommu_map(g->domain, RAM_IPA, g->ram_pa, RAM_SIZE,
					IOMMU_READ | IOMMU_WRITE), 0);
	kunit_info(test, "stage 2: IPA %#llx-%#llx -> guest RAM (%u MiB)\n",
		   RAM_IPA, RAM_IPA + RAM_SIZE - 1, RAM_SIZE / SZ_1M);

	g->next_table = TABLES_IPA;
	g->root = e2e_alloc_table(test, g);
	g->asid = GUEST_ASID;
	e2e_write_cd(g, CD_IPA, g->asid, g->root);
	return g;
}

static int e2e_set_table(struct kunit *test, struct e2e_guest *g, u8 config,
			 u64 base)
{
	static const char * const names[] = {
		[IOMMU_PASID_CONFIG_TRANSLATE] = "TRANSLATE",
		[IOMMU_PASID_CONFIG_BYPASS] = "BYPASS",
		[IOMMU_PASID_CONFIG_ABORT] = "ABORT",
	};
	struct iommu_pasid_table_config cfg = {
		.argsz		= sizeof(cfg),
		.version	= PASID_TABLE_CFG_VERSION_1,
		.base_ptr	= base,
		.format		= IOMMU_PASID_FORMAT_SMMUV3,
		.config		= config,
		.vendor_data.smmuv3 = {
			.version = PASID_TABLE_SMMUV3_CFG_VERSION_1,
		},
	};
	int ret;

	ret = iommu_attach_pasid_table(g->domain, &cfg);
	kunit_info(test, "attach_pasid_table %s, CD at IPA %#llx: %d\n",
		   config < ARRAY_SIZE(names) && names[config] ?
		   names[config] : "?", base, ret);
	if (!ret)
		g->table = true;
	return ret;
}

/* A guest with its CD installed, translating */
static struct e2e_guest *e2e_guest_translating(struct kunit *test,
					       unsigned int n)
{
	struct e2e_guest *g = e2e_guest_new(test, n);

	KUNIT_ASSERT_EQ(test, e2e_set_table(test, g, IOMMU_PASID_CONFIG_TRANSLATE,
					    CD_IPA), 0);
	return g;
}

/*
 * The guest's invalidation, as its VMM forwards it: by address (its ASID,
 * or every ASID for TLBI_NH_VAA), by ASID, or the whole domain
 */
static int e2e_inv(struct kunit *test, struct e2e_guest *g, u8 cache,
		   u8 granularity, u64 va, u32 archid)
{
	struct iommu_cache_invalidate_info inv = {
		.argsz		= sizeof(inv),
		.version	= IOMMU_CACHE_INVALIDATE_INFO_VERSION_1,
		.cache		= cache,
		.granularity	= granularity,
	};
	static const char * const names[] = { "DOMAIN", "PASID", "ADDR" };
	int ret;

	if (granularity == IOMMU_INV_GRANU_ADDR)
		inv.granu.addr_info = (struct iommu_inv_addr_info) {
			.flags		= IOMMU_INV_ADDR_FLAGS_ARCHID |
					  IOMMU_INV_ADDR_FLAGS_LEAF,
			.archid		= archid,
			.addr		= va,
			.granule_size	= SZ_4K,
			.nb_granules	= 1,
		};
	else if (granularity == IOMMU_INV_GRANU_PASID)
		inv.granu.pasid_info = (struct iommu_inv_pasid_info) {
			.flags		= IOMMU_INV_PASID_FLAGS_ARCHID,
			.archid		= archid,
		};
	ret = iommu_cache_invalidate(g->domain, e2e_dev(g), &inv);
	kunit_info(test, "cache_invalidate cache %#x granularity %s archid %#x: %d\n",
		   cache, names[granularity % 3], archid, ret);
	return ret;
}

static void e2e_faults_register(struct kunit *test, struct e2e_guest *g)
{
	int ret;

	spin_lock_init(&g->faults.lock);
	init_completion(&g->faults.seen);
	ret = iommu_register_device_fault_handler(e2e_dev(g), e2e_fault_handler,
						  &g->faults);
	KUNIT_ASSERT_EQ(test, ret, 0);
	g->faults_registered = true;
}

/* Stage 2 alone, before the guest's table: DMA addresses are IPAs */
static void e2e_stage2_only(struct kunit *test)
{
	struct e2e_guest *g = e2e_guest_new(test, 0);
	u8 seed;

	seed = e2e_copy(test, g, PAGE_IPA(0), PAGE_IPA(0), PAGE_IPA(1),
			PAGE_IPA(1));
	KUNIT_EXPECT_TRUE(test, e2e_holds(g, PAGE_IPA(1), seed));
}

/* VA -> IPA -> PA with 4 KiB pages, reading and writing */
static void e2e_translate_4k(struct kunit *test)
{
	struct e2e_guest *g = e2e_guest_translating(test, 0);
	u8 seed;

	e2e_map_4k(test, g, VA_A, PAGE_IPA(3));
	e2e_map_4k(test, g, VA_B, PAGE_IPA(7));
	seed = e2e_copy(test, g, VA_A, PAGE_IPA(3), VA_B, PAGE_IPA(7));
	KUNIT_EXPECT_TRUE(test, e2e_holds(g, PAGE_IPA(7), seed));

	/* and the other way round */
	seed = e2e_copy(test, g, VA_B, PAGE_IPA(7), VA_A, PAGE_IPA(3));
	KUNIT_EXPECT_TRUE(test, e2e_holds(g, PAGE_IPA(3), seed));
}

/* A 2 MiB stage-1 block: offsets inside it keep their distance */
static void e2e_translate_2m(struct kunit *test)
{
	struct e2e_guest *g = e2e_guest_translating(test, 0);
	u64 off1 = 0x12340, off2 = 0x1ff000;
	u8 seed;

	e2e_map_2m(test, g, VA_BLOCK, BLOCK_IPA);
	seed = e2e_copy(test, g, VA_BLOCK + off1, BLOCK_IPA + off1,
			VA_BLOCK + off2, BLOCK_IPA + off2);
	KUNIT_EXPECT_TRUE(test, e2e_holds(g, BLOCK_IPA + off2, seed));

	/* between a block and a page, both ways */
	e2e_map_4k(test, g, VA_A, PAGE_IPA(2));
	seed = e2e_copy(test, g, VA_BLOCK + off2, BLOCK_IPA + off2, VA_A,
			PAGE_IPA(2));
	KUNIT_EXPECT_TRUE(test, e2e_holds(g, PAGE_IPA(2), seed));
	seed = e2e_copy(test, g, VA_A, PAGE_IPA(2), VA_BLOCK + off1,
			BLOCK_IPA + off1);
	KUNIT_EXPECT_TRUE(test, e2e_holds(g, BLOCK_IPA + off1, seed));
}

/* The guest bypasses stage 1: DMA addresses are IPAs, still stage 2 */
static void e2e_bypass(struct kunit *test)
{
	struct e2e_guest *g = e2e_guest_new(test, 0);
	u8 seed;

	e2e_map_4k(test, g, VA_A, PAGE_IPA(0));
	KUNIT_ASSERT_EQ(test, e2e_set_table(test, g, IOMMU_PASID_CONFIG_BYPASS,
					    0), 0);
	seed = e2e_copy(test, g, PAGE_IPA(4), PAGE_IPA(4), PAGE_IPA(5),
			PAGE_IPA(5));
	KUNIT_EXPECT_TRUE(test, e2e_holds(g, PAGE_IPA(5), seed));
	/* the guest's VA means nothing now */
	seed = e2e_copy(test, g, PAGE_IPA(4), PAGE_IPA(4), VA_A, PAGE_IPA(0));
	KUNIT_EXPECT_FALSE(test, e2e_holds(g, PAGE_IPA(0), seed));
}

/* The guest aborts: no data moves, by VA or by IPA */
static void e2e_abort(struct kunit *test)
{
	struct e2e_guest *g = e2e_guest_translating(test, 0);
	u8 seed;

	e2e_map_4k(test, g, VA_A, PAGE_IPA(0));
	e2e_map_4k(test, g, VA_B, PAGE_IPA(1));
	seed = e2e_copy(test, g, VA_A, PAGE_IPA(0), VA_B, PAGE_IPA(1));
	KUNIT_ASSERT_TRUE(test, e2e_holds(g, PAGE_IPA(1), seed));

	/* edu's buffer holds @seed's bytes: write them out, aborted */
	KUNIT_ASSERT_EQ(test, e2e_set_table(test, g, IOMMU_PASID_CONFIG_ABORT,
					    0), 0);
	memset(e2e_ptr(g, PAGE_IPA(0)), 0, XFER);
	memset(e2e_ptr(g, PAGE_IPA(2)), 0, XFER);
	e2e_dma(test, g, VA_A, true);
	e2e_dma(test, g, PAGE_IPA(2), true);
	KUNIT_EXPECT_FALSE(test, e2e_holds(g, PAGE_IPA(0), seed));
	KUNIT_EXPECT_FALSE(test, e2e_holds(g, PAGE_IPA(2), seed));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(e2e_ptr(g, PAGE_IPA(0)), 0, XFER));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(e2e_ptr(g, PAGE_IPA(2)), 0, XFER));
}

/*
 * A new CD (new ASID, new tables) is read only once the guest's VMM
 * repeats its configuration, as the RFC's VMM does after the guest's CD
 * invalidation; until then the old CD and its translations stay.
 */
static void e2e_cd_change(struct kunit *test)
{
	struct e2e_guest *g = e2e_guest_translating(test, 0);
	const u64 cand[] = { PAGE_IPA(0), PAGE_IPA(1) };
	u64 old_root = g->root, new_root;

	e2e_map_4k(test, g, VA_A, PAGE_IPA(0));
	e2e_map_4k(test, g, VA_B, PAGE_IPA(9));
	KUNIT_ASSERT_EQ(test, e2e_which(test, g, VA_A, cand, 2, VA_B,
					PAGE_IPA(9)), 0);

	new_root = e2e_alloc_table(test, g);
	g->root = new_root;
	e2e_map_4k(test, g, VA_A, PAGE_IPA(1));
	e2e_map_4k(test, g, VA_B, PAGE_IPA(9));
	g->asid = GUEST_ASID + 1;
	e2e_write_cd(g, CD_IPA, g->asid, new_root);
	kunit_info(test, "CD rewritten: ASID %#x, TTB0 %#llx (was %#x, %#llx)\n",
		   g->asid, new_root, GUEST_ASID, old_root);
	KUNIT_EXPECT_EQ_MSG(test, e2e_which(test, g, VA_A, cand, 2, VA_B,
					    PAGE_IPA(9)), 0,
			    "the SMMU read the CD without a CFGI");

	KUNIT_ASSERT_EQ(test, e2e_set_table(test, g,
					    IOMMU_PASID_CONFIG_TRANSLATE,
					    CD_IPA), 0);
	KUNIT_EXPECT_EQ_MSG(test, e2e_which(test, g, VA_A, cand, 2, VA_B,
					    PAGE_IPA(9)), 1,
			    "the repeated configuration did not reach the SMMU");
}

/*
 * The same configuration again rewrites no STE, and only drops the CDs and
 * the stage-1 TLB entries: CFGI_CD_ALL of edu's stream, CMD_SYNC,
 * TLBI_NH_ALL of the VMID, CMD_SYNC (no CFGI_STE, no PREFETCH_CFG).
 */
static void e2e_set_repeated(struct kunit *test)
{
	struct e2e_guest *g = e2e_guest_translating(test, 0);
	u32 pos;
	u8 seed;

	e2e_map_4k(test, g, VA_A, PAGE_IPA(0));
	e2e_map_4k(test, g, VA_B, PAGE_IPA(1));
	pos = e2e_cmdq_pos(g);
	KUNIT_ASSERT_EQ(test, e2e_set_table(test, g,
					    IOMMU_PASID_CONFIG_TRANSLATE,
					    CD_IPA), 0);
	kunit_info(test, "%u commands\n", e2e_cmds_since(g, pos));
	KUNIT_EXPECT_EQ(test, e2e_cmds_since(g, pos), 4U);
	seed = e2e_copy(test, g, VA_A, PAGE_IPA(0), VA_B, PAGE_IPA(1));
	KUNIT_EXPECT_TRUE(test, e2e_holds(g, PAGE_IPA(1), seed));
}

/*
 * Remap VA_A from page 0 to page 1 behind the SMMU's back: its TLB keeps
 * page 0 until the guest's invalidation reaches it.
 */
static void e2e_stale_then(struct kunit *test, u8 cache, u8 granularity,
			   u32 archid)
{
	struct e2e_guest *g = e2e_guest_translating(test, 0);
	const u64 cand[] = { PAGE_IPA(0), PAGE_IPA(1) };
	u32 pos;

	e2e_map_4k(test, g, VA_A, PAGE_IPA(0));
	e2e_map_4k(test, g, VA_B, PAGE_IPA(9));
	KUNIT_ASSERT_EQ(test, e2e_which(test, g, VA_A, cand, 2, VA_B,
					PAGE_IPA(9)), 0);

	e2e_map_4k(test, g, VA_A, PAGE_IPA(1));
	KUNIT_EXPECT_EQ_MSG(test, e2e_which(test, g, VA_A, cand, 2, VA_B,
					    PAGE_IPA(9)), 0,
			    "the SMMU's TLB did not keep the old page");

	pos = e2e_cmdq_pos(g);
	KUNIT_ASSERT_EQ(test, e2e_inv(test, g, cache, granularity, VA_A,
				      archid), 0);
	/* one TLBI (QEMU has range invalidation), one CMD_SYNC */
	KUNIT_EXPECT_EQ(test, e2e_cmds_since(g, pos), 2U);
	KUNIT_EXPECT_EQ_MSG(test, e2e_which(test, g, VA_A, cand, 2, VA_B,
					    PAGE_IPA(9)), 1,
			    "the invalidation did not reach the SMMU's TLB");
}

/* TLBI_NH_VA */
static void e2e_stale_inv_addr(struct kunit *test)
{
	e2e_stale_then(test, IOMMU_CACHE_INV_TYPE_IOTLB, IOMMU_INV_GRANU_ADDR,
		       GUEST_ASID);
}

/* TLBI_NH_VAA: by address, in every ASID, as the RFC's VMM asks for it */
static void e2e_stale_inv_any_asid(struct kunit *test)
{
	e2e_stale_then(test, IOMMU_CACHE_INV_TYPE_IOTLB, IOMMU_INV_GRANU_ADDR,
		       0xffffffff);
}

/* TLBI_NH_ASID */
static void e2e_stale_inv_asid(struct kunit *test)
{
	e2e_stale_then(test, IOMMU_CACHE_INV_TYPE_IOTLB,
		       IOMMU_INV_GRANU_PASID, GUEST_ASID);
}

/* TLBI_NH_ALL */
static void e2e_stale_inv_domain(struct kunit *test)
{
	e2e_stale_then(test, IOMMU_CACHE_INV_TYPE_IOTLB,
		       IOMMU_INV_GRANU_DOMAIN, 0);
}

/*
 * A batch of the guest's invalidations, as its SMMU driver queues them
 * before one CMD_SYNC: three pages remapped, each stale until the batch,
 * which costs one TLBI per page and a single CMD_SYNC.
 */
static void e2e_inv_batch(struct kunit *test)
{
	struct e2e_guest *g = e2e_guest_translating(test, 0);
	const u64 va[] = { VA_A, VA_A + 2 * SZ_4K, VA_A + 5 * SZ_4K };
	struct iommu_cache_invalidate_info infos[ARRAY_SIZE(va)];
	u32 pos, done;
	int i;

	e2e_map_4k(test, g, VA_B, PAGE_IPA(9));
	for (i = 0; i < ARRAY_SIZE(va); i++) {
		const u64 cand[] = { PAGE_IPA(2 * i), PAGE_IPA(2 * i + 1) };

		e2e_map_4k(test, g, va[i], cand[0]);
		KUNIT_ASSERT_EQ(test, e2e_which(test, g, va[i], cand, 2, VA_B,
						PAGE_IPA(9)), 0);
		e2e_map_4k(test, g, va[i], cand[1]);
		KUNIT_ASSERT_EQ_MSG(test, e2e_which(test, g, va[i], cand, 2,
						    VA_B, PAGE_IPA(9)), 0,
				    "the SMMU's TLB did not keep the old page");
		infos[i] = (struct iommu_cache_invalidate_info) {
			.argsz		= sizeof(infos[i]),
			.version	= IOMMU_CACHE_INVALIDATE_INFO_VERSION_1,
			.cache		= IOMMU_CACHE_INV_TYPE_IOTLB,
			.granularity	= IOMMU_INV_GRANU_ADDR,
			.granu.addr_info = {
				.flags		= IOMMU_INV_ADDR_FLAGS_ARCHID |
						  IOMMU_INV_ADDR_FLAGS_LEAF,
				.archid		= g->asid,
				.addr		= va[i],
				.granule_size	= SZ_4K,
				.nb_granules	= 1,
			},
		};
	}

	pos = e2e_cmdq_pos(g);
	KUNIT_ASSERT_EQ(test, iommu_cache_invalidate_batch(g->domain, NULL,
							   infos, ARRAY_SIZE(va),
							   &done), 0);
	kunit_info(test, "batch of %zu invalidations: %u commands\n",
		   ARRAY_SIZE(va), e2e_cmds_since(g, pos));
	KUNIT_EXPECT_EQ(test, done, (u32)ARRAY_SIZE(va));
	KUNIT_EXPECT_EQ(test, e2e_cmds_since(g, pos), (u32)ARRAY_SIZE(va) + 1);
	for (i = 0; i < ARRAY_SIZE(va); i++) {
		const u64 cand[] = { PAGE_IPA(2 * i), PAGE_IPA(2 * i + 1) };

		KUNIT_EXPECT_EQ_MSG(test, e2e_which(test, g, va[i], cand, 2,
						    VA_B, PAGE_IPA(9)), 1,
				    "page %d: the batch did not reach the SMMU",
				    i);
	}
}

/*
 * A CD change reaches the SMMU with the guest's CD-cache invalidation
 * (CFGI_CD_ALL), where a VMM forwards it, as well as with a repeated
 * configuration.
 */
static void e2e_cd_change_cfgi(struct kunit *test)
{
	struct e2e_guest *g = e2e_guest_translating(test, 0);
	const u64 cand[] = { PAGE_IPA(0), PAGE_IPA(1) };
	u64 new_root;

	e2e_map_4k(test, g, VA_A, PAGE_IPA(0));
	e2e_map_4k(test, g, VA_B, PAGE_IPA(9));
	KUNIT_ASSERT_EQ(test, e2e_which(test, g, VA_A, cand, 2, VA_B,
					PAGE_IPA(9)), 0);

	new_root = e2e_alloc_table(test, g);
	g->root = new_root;
	e2e_map_4k(test, g, VA_A, PAGE_IPA(1));
	e2e_map_4k(test, g, VA_B, PAGE_IPA(9));
	g->asid = GUEST_ASID + 1;
	e2e_write_cd(g, CD_IPA, g->asid, new_root);
	KUNIT_EXPECT_EQ_MSG(test, e2e_which(test, g, VA_A, cand, 2, VA_B,
					    PAGE_IPA(9)), 0,
			    "the SMMU read the CD without a CFGI");

	KUNIT_ASSERT_EQ(test, e2e_inv(test, g, IOMMU_CACHE_INV_TYPE_PASID,
				      IOMMU_INV_GRANU_DOMAIN, 0, 0), 0);
	KUNIT_EXPECT_EQ_MSG(test, e2e_which(test, g, VA_A, cand, 2, VA_B,
					    PAGE_IPA(9)), 1,
			    "the CD invalidation did not reach the SMMU");
}

/*
 * Before any table, invalidations are answered as any other, and are
 * harmless: the RFC's VMM sends a DOMAIN one when its guest resets its
 * SMMU, and each of the guest's TLBIs to every device, those whose STE the
 * guest has not written yet too.
 */
static void e2e_inv_before_table(struct kunit *test)
{
	struct e2e_guest *g = e2e_guest_new(test, 0);
	u32 pos = e2e_cmdq_pos(g);
	u8 seed;

	KUNIT_EXPECT_EQ(test, e2e_inv(test, g, IOMMU_CACHE_INV_TYPE_IOTLB,
				      IOMMU_INV_GRANU_DOMAIN, 0, 0), 0);
	/* TLBI_NH_ALL of the VMID, CMD_SYNC */
	KUNIT_EXPECT_EQ(test, e2e_cmds_since(g, pos), 2U);
	pos = e2e_cmdq_pos(g);
	KUNIT_EXPECT_EQ(test, e2e_inv(test, g, IOMMU_CACHE_INV_TYPE_IOTLB,
				      IOMMU_INV_GRANU_PASID, 0, GUEST_ASID), 0);
	/* TLBI_NH_ASID, CMD_SYNC */
	KUNIT_EXPECT_EQ(test, e2e_cmds_since(g, pos), 2U);
	pos = e2e_cmdq_pos(g);
	KUNIT_EXPECT_EQ(test, e2e_inv(test, g, IOMMU_CACHE_INV_TYPE_IOTLB,
				      IOMMU_INV_GRANU_ADDR, VA_A, GUEST_ASID),
			0);
	/* TLBI_NH_VA, CMD_SYNC */
	KUNIT_EXPECT_EQ(test, e2e_cmds_since(g, pos), 2U);
	seed = e2e_copy(test, g, PAGE_IPA(0), PAGE_IPA(0), PAGE_IPA(1),
			PAGE_IPA(1));
	KUNIT_EXPECT_TRUE(test, e2e_holds(g, PAGE_IPA(1), seed));
}

/* A write to a VA the guest never mapped: its fault, as the guest sees it */
static void e2e_fault_s1(struct kunit *test)
{
	struct e2e_guest *g = e2e_guest_translating(test, 0);
	struct iommu_fault_unrecoverable *ev = &g->faults.first.event;

	e2e_faults_register(test, g);
	e2e_dma(test, g, VA_HOLE, true);
	KUNIT_ASSERT_NE_MSG(test, wait_for_completion_timeout(&g->faults.seen,
							      2 * HZ), 0,
			    "no fault reported");
	kunit_info(test, "fault: type %u reason %u flags %#x perm %#x addr %#llx\n",
		   g->faults.first.type, ev->reason, ev->flags, ev->perm,
		   ev->addr);
	KUNIT_EXPECT_EQ(test, g->faults.first.type, IOMMU_FAULT_DMA_UNRECOV);
	KUNIT_EXPECT_EQ(test, ev->reason, IOMMU_FAULT_REASON_PTE_FETCH);
	KUNIT_EXPECT_TRUE(test, ev->flags & IOMMU_FAULT_UNRECOV_ADDR_VALID);
	KUNIT_EXPECT_FALSE(test, ev->flags & IOMMU_FAULT_UNRECOV_PASID_VALID);
	KUNIT_EXPECT_EQ(test, ev->addr, VA_HOLE);
	KUNIT_EXPECT_TRUE(test, ev->perm & IOMMU_FAULT_PERM_WRITE);
	KUNIT_EXPECT_FALSE(test, ev->perm & IOMMU_FAULT_PERM_READ);
}

/*
 * A stage-2 fault is the host's: the guest's handler never sees it. The
 * stage-1 fault after it shows the event queue was drained past it.
 */
static void e2e_fault_s2(struct kunit *test)
{
	struct e2e_guest *g = e2e_guest_translating(test, 0);
	struct iommu_fault_unrecoverable *ev = &g->faults.first.event;
	bool others;

	e2e_map_4k(test, g, VA_S2_HOLE, HOLE_IPA);
	e2e_faults_register(test, g);
	e2e_dma(test, g, VA_S2_HOLE, false);
	e2e_dma(test, g, VA_HOLE, false);
	KUNIT_ASSERT_NE_MSG(test, wait_for_completion_timeout(&g->faults.seen,
							      2 * HZ), 0,
			    "no fault reported");
	kunit_info(test, "first fault reported: reason %u addr %#llx\n",
		   ev->reason, ev->addr);
	KUNIT_EXPECT_EQ(test, ev->addr, VA_HOLE);
	KUNIT_EXPECT_TRUE(test, ev->perm & IOMMU_FAULT_PERM_READ);
	/* edu faults once per word it moves: all of them in VA_HOLE */
	msleep(100);
	spin_lock_irq(&g->faults.lock);
	others = g->faults.others;
	spin_unlock_irq(&g->faults.lock);
	KUNIT_EXPECT_FALSE(test, others);
}

/*
 * A device that left its nested domain is the host's again: its faults
 * do not reach the handler its former guest's VMM registered.
 */
static void e2e_fault_not_nested(struct kunit *test)
{
	struct e2e_guest *g = e2e_guest_translating(test, 0);
	struct arm_smmu_master *master = dev_iommu_priv_get(e2e_dev(g));
	struct arm_smmu_ll_queue *evtq = &master->smmu->evtq.q.llq;
	unsigned int nr;
	u32 cons;

	e2e_faults_register(test, g);
	iommu_detach_device(g->domain, e2e_dev(g));
	g->attached = false;
	kunit_info(test, "edu back on its DMA domain, where VA %#llx is unmapped\n",
		   VA_HOLE);
	cons = READ_ONCE(evtq->cons);
	e2e_dma(test, g, VA_HOLE, true);
	KUNIT_EXPECT_EQ_MSG(test, wait_for_completion_timeout(&g->faults.seen,
							      HZ / 2), 0,
			    "the host's fault reached the former guest");
	/* it did fault: the event thread consumed the records */
	KUNIT_EXPECT_NE(test, READ_ONCE(evtq->cons), cons);
	spin_lock_irq(&g->faults.lock);
	nr = g->faults.nr;
	spin_unlock_irq(&g->faults.lock);
	KUNIT_EXPECT_EQ(test, nr, 0U);
}

/*
 * Hold the event thread off by masking the event queue's interrupt: the
 * records wait in the queue meanwhile
 */
static void e2e_evtq_hold(struct kunit *test, struct device *dev)
{
	struct e2e_ctx *ctx = test->priv;
	struct arm_smmu_master *master = dev_iommu_priv_get(dev);
	int irq = master->smmu->evtq.q.irq;

	if (irq <= 0)
		kunit_skip(test, "the event queue has no interrupt of its own");
	disable_irq(irq);
	ctx->evtq_irq_off = irq;
}

/*
 * Let the event thread go, make @g's device fault in a page of its own,
 * and check that this is the first record @g's VMM gets: @before's did
 * not reach it
 */
static void e2e_evtq_release_own_first(struct kunit *test, struct e2e_guest *g,
				       const char *before)
{
	struct e2e_ctx *ctx = test->priv;
	u64 addr;

	enable_irq(ctx->evtq_irq_off);
	ctx->evtq_irq_off = 0;
	e2e_dma(test, g, VA_HOLE + SZ_1M, true);
	KUNIT_ASSERT_NE_MSG(test, wait_for_completion_timeout(&g->faults.seen,
							      2 * HZ), 0,
			    "the guest's own fault was not reported");
	spin_lock_irq(&g->faults.lock);
	addr = g->faults.first.event.addr;
	spin_unlock_irq(&g->faults.lock);
	kunit_info(test, "the new VMM's first record: VA %#llx\n", addr);
	KUNIT_EXPECT_EQ_MSG(test, addr & ~(u64)(SZ_4K - 1), VA_HOLE + SZ_1M,
			    "%s fault reached the new VMM", before);
}

/*
 * Records of a guest's faults that wait in the event queue when its
 * device is detached are not for whoever gets the device next: a VMM that
 * attaches it to its own nested domain and registers its handler before
 * the event thread caught up must not receive them.
 */
static void e2e_fault_not_to_next_owner(struct kunit *test)
{
	struct e2e_guest *g = e2e_guest_translating(test, 0), *next;
	struct device *dev = e2e_dev(g);

	e2e_faults_register(test, g);
	e2e_evtq_hold(test, dev);
	e2e_dma(test, g, VA_HOLE, true);
	kunit_info(test, "guest 1 faulted at VA %#llx, event thread held off\n",
		   VA_HOLE);

	/* its VMM lets the device go, and the next one takes it */
	KUNIT_EXPECT_EQ(test, iommu_unregister_device_fault_handler(dev), 0);
	g->faults_registered = false;
	KUNIT_EXPECT_EQ(test, iommu_detach_pasid_table(g->domain), 0);
	g->table = false;
	iommu_detach_device(g->domain, dev);
	g->attached = false;
	next = e2e_guest_translating(test, 0);
	e2e_faults_register(test, next);
	kunit_info(test, "guest 2 has the device and a handler\n");

	e2e_evtq_release_own_first(test, next, "guest 1's");
}

/*
 * The other way: records of a host domain's faults that wait in the event
 * queue when the device goes to a VMM are the host's. They hold a host
 * IOVA: the VMM's handler must not receive them.
 */
static void e2e_fault_not_from_previous_owner(struct kunit *test)
{
	struct e2e_guest host = { }, *g;
	struct iommu_domain *domain;
	struct device *dev;
	int ret;

	if (!e2e_nr_edus)
		kunit_skip(test, "needs an edu device (QEMU -device edu)");
	host.edu = &e2e_edus[0];
	dev = e2e_dev(&host);
	e2e_evtq_hold(test, dev);

	/* the host's own domain, stage 1, with nothing mapped */
	domain = iommu_domain_alloc(&pci_bus_type);
	KUNIT_ASSERT_NOT_NULL(test, domain);
	ret = iommu_attach_device(domain, dev);
	if (!ret) {
		ret = e2e_dma(test, &host, VA_HOLE, true);
		iommu_detach_device(domain, dev);
	}
	iommu_domain_free(domain);
	KUNIT_ASSERT_EQ(test, ret, 0);
	kunit_info(test, "the host's domain faulted at IOVA %#llx, event thread held off\n",
		   VA_HOLE);

	g = e2e_guest_translating(test, 0);
	e2e_faults_register(test, g);
	kunit_info(test, "a guest has the device and a handler\n");
	e2e_evtq_release_own_first(test, g, "the host's");
}

/* Without the guest's table, stage 2 alone translates again */
static void e2e_detach_table(struct kunit *test)
{
	struct e2e_guest *g = e2e_guest_translating(test, 0);
	u8 seed;

	e2e_map_4k(test, g, VA_A, PAGE_IPA(0));
	e2e_map_4k(test, g, VA_B, PAGE_IPA(1));
	seed = e2e_copy(test, g, VA_A, PAGE_IPA(0), VA_B, PAGE_IPA(1));
	KUNIT_ASSERT_TRUE(test, e2e_holds(g, PAGE_IPA(1), seed));

	KUNIT_ASSERT_EQ(test, iommu_detach_pasid_table(g->domain), 0);
	g->table = false;
	kunit_info(test, "detach_pasid_table\n");
	seed = e2e_copy(test, g, PAGE_IPA(2), PAGE_IPA(2), PAGE_IPA(3),
			PAGE_IPA(3));
	KUNIT_EXPECT_TRUE(test, e2e_holds(g, PAGE_IPA(3), seed));
	seed = e2e_copy(test, g, PAGE_IPA(2), PAGE_IPA(2), VA_B, PAGE_IPA(1));
	KUNIT_EXPECT_FALSE(test, e2e_holds(g, PAGE_IPA(1), seed));

	/* and the table can come back */
	KUNIT_ASSERT_EQ(test, e2e_set_table(test, g,
					    IOMMU_PASID_CONFIG_TRANSLATE,
					    CD_IPA), 0);
	seed = e2e_copy(test, g, VA_A, PAGE_IPA(0), VA_B, PAGE_IPA(1));
	KUNIT_EXPECT_TRUE(test, e2e_holds(g, PAGE_IPA(1), seed));
}

/*
 * The host unmaps a page of guest RAM from stage 2: DMA to a guest VA that
 * used it, and that the SMMU had cached, no longer reaches the page. With
 * QEMU's range invalidation and no ATS, that takes four commands.
 */
static void e2e_stage2_unmap(struct kunit *test)
{
	struct e2e_guest *g = e2e_guest_translating(test, 0);
	u32 pos;
	u8 seed;

	e2e_map_4k(test, g, VA_A, PAGE_IPA(0));
	e2e_map_4k(test, g, VA_B, PAGE_IPA(1));
	seed = e2e_copy(test, g, VA_B, PAGE_IPA(1), VA_A, PAGE_IPA(0));
	KUNIT_ASSERT_TRUE(test, e2e_holds(g, PAGE_IPA(0), seed));

	pos = e2e_cmdq_pos(g);
	KUNIT_ASSERT_EQ(test, iommu_unmap(g->domain, PAGE_IPA(0), SZ_4K),
			(size_t)SZ_4K);
	kunit_info(test, "stage 2: IPA %#llx unmapped, %u commands\n", PAGE_IPA(0),
		   e2e_cmds_since(g, pos));
	/* the range, CMD_SYNC, TLBI_NH_ALL for the combined entries, CMD_SYNC */
	KUNIT_EXPECT_EQ(test, e2e_cmds_since(g, pos), 4U);
	seed = e2e_copy(test, g, VA_B, PAGE_IPA(1), VA_A, PAGE_IPA(0));
	KUNIT_EXPECT_FALSE_MSG(test, e2e_holds(g, PAGE_IPA(0), seed),
			       "DMA reached a page stage 2 no longer maps");
}

/*
 * A stage-2 unmap that only frees a table (2 MiB unmapped at once where
 * stage 2 maps pages of 4K) gathers no page, so iotlb_sync has nothing to
 * do: the walk's flush must drop the combined entries itself, or the
 * device still reaches the pages through the guest's VA.
 */
static void e2e_stage2_unmap_table(struct kunit *test)
{
	struct e2e_guest *g = e2e_guest_translating(test, 0);
	phys_addr_t pa = g->ram_pa + (BLOCK_IPA - RAM_IPA);
	u64 off;
	u32 pos;
	u8 seed;

	/* stage 2 of the block's 2 MiB as 512 pages of 4K: a table */
	KUNIT_ASSERT_EQ(test, iommu_unmap(g->domain, BLOCK_IPA, SZ_2M),
			(size_t)SZ_2M);
	for (off = 0; off < SZ_2M; off += SZ_4K)
		KUNIT_ASSERT_EQ(test, iommu_map(g->domain, BLOCK_IPA + off,
						pa + off, SZ_4K,
						IOMMU_READ | IOMMU_WRITE), 0);
	e2e_map_4k(test, g, VA_A, BLOCK_IPA);
	e2e_map_4k(test, g, VA_B, PAGE_IPA(1));
	seed = e2e_copy(test, g, VA_B, PAGE_IPA(1), VA_A, BLOCK_IPA);
	KUNIT_ASSERT_TRUE(test, e2e_holds(g, BLOCK_IPA, seed));

	pos = e2e_cmdq_pos(g);
	KUNIT_ASSERT_EQ(test, iommu_unmap(g->domain, BLOCK_IPA, SZ_2M),
			(size_t)SZ_2M);
	kunit_info(test, "stage 2: 2 MiB of 4K pages unmapped at once (a table freed), %u commands\n",
		   e2e_cmds_since(g, pos));
	/* TLBI_S2_IPA, CMD_SYNC, TLBI_NH_ALL for the combined entries, CMD_SYNC */
	KUNIT_EXPECT_EQ(test, e2e_cmds_since(g, pos), 4U);
	seed = e2e_copy(test, g, VA_B, PAGE_IPA(1), VA_A, BLOCK_IPA);
	KUNIT_EXPECT_FALSE_MSG(test, e2e_holds(g, BLOCK_IPA, seed),
			       "DMA reached a page stage 2 no longer maps");
}

/*
 * A refused table or invalidation changes nothing: no command reaches the
 * SMMU, and the installed table still translates.
 */
static void e2e_refused_changes_nothing(struct kunit *test)
{
	struct e2e_guest *g = e2e_guest_translating(test, 0);
	u32 pos;
	u8 seed;

	e2e_map_4k(test, g, VA_A, PAGE_IPA(0));
	e2e_map_4k(test, g, VA_B, PAGE_IPA(1));
	pos = e2e_cmdq_pos(g);
	KUNIT_EXPECT_EQ(test, e2e_set_table(test, g,
					    IOMMU_PASID_CONFIG_TRANSLATE,
					    CD_IPA + 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, e2e_set_table(test, g, 0, CD_IPA), -EINVAL);
	KUNIT_EXPECT_EQ(test, e2e_set_table(test, g,
					    IOMMU_PASID_CONFIG_TRANSLATE,
					    1ULL << 48), -EINVAL);
	KUNIT_EXPECT_EQ(test, e2e_inv(test, g, 0, IOMMU_INV_GRANU_DOMAIN, 0, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, e2e_inv(test, g, IOMMU_CACHE_INV_TYPE_IOTLB,
				      IOMMU_INV_GRANU_PASID, 0, 0x10000),
			-EINVAL);
	KUNIT_EXPECT_EQ_MSG(test, e2e_cmds_since(g, pos), 0U,
			    "a refused request issued commands");
	seed = e2e_copy(test, g, VA_A, PAGE_IPA(0), VA_B, PAGE_IPA(1));
	KUNIT_EXPECT_TRUE(test, e2e_holds(g, PAGE_IPA(1), seed));
}

/*
 * What this SMMU is made to look like for one attach of a nested domain,
 * and the reason the host's log must give (scripts/verdict.py checks each
 * line in the console log): the refusals of the series, reached on the
 * live driver. Their rules are the series' KUnit cases on pure helpers.
 */
struct e2e_refusal {
	const char *what;
	u32 clear, set;
	const char *line;
};

static const struct e2e_refusal e2e_refusals[] = {
	{ "without stage 2", ARM_SMMU_FEAT_TRANS_S2, 0,
	  "the SMMU has no stage 2" },
	{ "without stage 1", ARM_SMMU_FEAT_TRANS_S1, 0,
	  "the SMMU has no stage 1" },
	{ "that forces stalls", 0,
	  ARM_SMMU_FEAT_STALLS | ARM_SMMU_FEAT_STALL_FORCE,
	  "the SMMU forces stalls" },
	{ "with an erratum against nesting (no FEAT_NESTING)",
	  ARM_SMMU_FEAT_NESTING, 0,
	  "an erratum of this SMMU forbids nesting" },
};

/*
 * A nested domain is refused on an SMMU that cannot nest, and the refusal
 * changes nothing: the device stays in the domain it was in (its DMA-API
 * domain; it never runs on a bypass entry); the same new domain is welcome
 * once the SMMU is itself again.
 */
static void e2e_refused_smmu(struct kunit *test)
{
	struct iommu_domain *domain, *before;
	struct arm_smmu_master *master;
	struct arm_smmu_device *smmu;
	struct device *dev;
	u32 features;
	int i, ret;

	if (!e2e_nr_edus)
		kunit_skip(test, "needs an edu device (QEMU -device edu)");
	dev = &e2e_edus[0].pdev->dev;
	master = dev_iommu_priv_get(dev);
	smmu = master->smmu;
	before = iommu_get_domain_for_dev(dev);
	KUNIT_ASSERT_NOT_NULL(test, before);
	domain = iommu_domain_alloc(&pci_bus_type);
	KUNIT_ASSERT_NOT_NULL(test, domain);
	KUNIT_ASSERT_EQ(test, iommu_enable_nesting(domain), 0);
	for (i = 0; i < ARRAY_SIZE(e2e_refusals); i++) {
		const struct e2e_refusal *r = &e2e_refusals[i];

		features = smmu->features;
		smmu->features = (features & ~r->clear) | r->set;
		ret = iommu_attach_device(domain, dev);
		smmu->features = features;
		kunit_info(test, "attach on an SMMU %s: %d (host: \"%s\")\n",
			   r->what, ret, r->line);
		KUNIT_EXPECT_EQ(test, ret, -EINVAL);
		if (!ret)
			iommu_detach_device(domain, dev);
		KUNIT_EXPECT_FALSE(test, iommu_get_nesting(domain));
		KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(dev),
				    before);
		KUNIT_EXPECT_PTR_EQ(test, master->domain,
				    to_smmu_domain(before));
	}
	ret = iommu_attach_device(domain, dev);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_TRUE(test, iommu_get_nesting(domain));
	if (!ret)
		iommu_detach_device(domain, dev);
	iommu_domain_free(domain);
}

/*
 * A device whose MSIs reach a doorbell the SMMU does not translate (a
 * hardware MSI reserved region, which firmware describes and this machine
 * has not) cannot join a nested domain: edu, made to look like one.
 */
static void e2e_refused_hw_msi(struct kunit *test)
{
	struct e2e_edu *edu = &e2e_edus[0];
	struct arm_smmu_master *master;
	struct iommu_domain *domain;
	bool hw_msi;
	int ret;

	if (!e2e_nr_edus)
		kunit_skip(test, "needs an edu device (QEMU -device edu)");
	master = dev_iommu_priv_get(&edu->pdev->dev);
	domain = iommu_domain_alloc(&pci_bus_type);
	KUNIT_ASSERT_NOT_NULL(test, domain);
	KUNIT_ASSERT_EQ(test, iommu_enable_nesting(domain), 0);

	hw_msi = master->hw_msi;
	KUNIT_ASSERT_FALSE(test, hw_msi);
	master->hw_msi = true;
	ret = iommu_attach_device(domain, &edu->pdev->dev);
	master->hw_msi = hw_msi;
	kunit_info(test, "attach with a hardware MSI region: %d\n", ret);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	if (!ret)
		iommu_detach_device(domain, &edu->pdev->dev);

	/* the same device without it is welcome */
	ret = iommu_attach_device(domain, &edu->pdev->dev);
	KUNIT_EXPECT_EQ(test, ret, 0);
	if (!ret)
		iommu_detach_device(domain, &edu->pdev->dev);
	iommu_domain_free(domain);
}

/*
 * Two guests, same ASID and VAs, each its own domain and VMID: what the
 * first one's configuration drops of the SMMU's TLB is its own only.
 */
static void e2e_isolation(struct kunit *test)
{
	struct e2e_guest *g[2];
	const u64 cand[] = { PAGE_IPA(0), PAGE_IPA(1) };
	int i;

	for (i = 0; i < 2; i++) {
		g[i] = e2e_guest_translating(test, i);
		e2e_map_4k(test, g[i], VA_A, PAGE_IPA(0));
		e2e_map_4k(test, g[i], VA_B, PAGE_IPA(9));
		KUNIT_ASSERT_EQ(test, e2e_which(test, g[i], VA_A, cand, 2,
						VA_B, PAGE_IPA(9)), 0);
	}
	for (i = 0; i < 2; i++)
		e2e_map_4k(test, g[i], VA_A, PAGE_IPA(1));

	KUNIT_ASSERT_EQ(test, e2e_set_table(test, g[0],
					    IOMMU_PASID_CONFIG_TRANSLATE,
					    CD_IPA), 0);
	KUNIT_EXPECT_EQ(test, e2e_which(test, g[0], VA_A, cand, 2, VA_B,
					PAGE_IPA(9)), 1);
	KUNIT_EXPECT_EQ_MSG(test, e2e_which(test, g[1], VA_A, cand, 2, VA_B,
					    PAGE_IPA(9)), 0,
			    "the other guest's invalidation reached this one");

	/* and so is what its DOMAIN invalidation drops */
	e2e_map_4k(test, g[0], VA_A, PAGE_IPA(0));
	KUNIT_EXPECT_EQ(test, e2e_which(test, g[0], VA_A, cand, 2, VA_B,
					PAGE_IPA(9)), 1);
	KUNIT_ASSERT_EQ(test, e2e_inv(test, g[0], IOMMU_CACHE_INV_TYPE_IOTLB,
				      IOMMU_INV_GRANU_DOMAIN, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, e2e_which(test, g[0], VA_A, cand, 2, VA_B,
					PAGE_IPA(9)), 0);
	KUNIT_EXPECT_EQ_MSG(test, e2e_which(test, g[1], VA_A, cand, 2, VA_B,
					    PAGE_IPA(9)), 0,
			    "the other guest's invalidation reached this one");
	KUNIT_ASSERT_EQ(test, e2e_inv(test, g[1], IOMMU_CACHE_INV_TYPE_IOTLB,
				      IOMMU_INV_GRANU_DOMAIN, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, e2e_which(test, g[1], VA_A, cand, 2, VA_B,
					PAGE_IPA(9)), 1);
}

/* Everything torn down in order; the device is back on its DMA domain */
static void e2e_teardown(struct kunit *test)
{
	struct e2e_ctx *ctx = test->priv;
	struct e2e_guest *g = e2e_guest_translating(test, 0);
	struct device *dev = e2e_dev(g);

	e2e_faults_register(test, g);
	KUNIT_EXPECT_EQ(test, iommu_unregister_device_fault_handler(dev), 0);
	g->faults_registered = false;
	KUNIT_EXPECT_EQ(test, iommu_detach_pasid_table(g->domain), 0);
	g->table = false;
	iommu_detach_device(g->domain, dev);
	g->attached = false;
	KUNIT_EXPECT_PTR_NE(test, iommu_get_domain_for_dev(dev), g->domain);
	iommu_domain_free(g->domain);
	g->domain = NULL;
	__free_pages(g->ram, get_order(RAM_SIZE));
	g->ram = NULL;
	ctx->nr--;
}

static void e2e_knobs_set(const struct e2e_knobs *k,
			  const struct e2e_knob_vals *v)
{
	WRITE_ONCE(*k->slab_wait, v->slab_wait);
	WRITE_ONCE(*k->page_wait, v->page_wait);
	WRITE_ONCE(*k->page_order, v->page_order);
	WRITE_ONCE(*k->slab_verbose, v->slab_verbose);
	WRITE_ONCE(*k->page_verbose, v->page_verbose);
}

static void e2e_fault_injection_off(struct e2e_knobs *k)
{
	if (k->on)
		e2e_knobs_set(k, &k->found);
	k->on = false;
}

#ifdef CONFIG_FAULT_INJECTION
/*
 * The variable behind a fault injection knob: debugfs is the knobs' only
 * interface, and a file's inode holds the variable it reads and writes
 * (i_private). At boot no one has mounted debugfs to write them.
 */
static void *e2e_knob(const char *dir, const char *name)
{
	struct dentry *parent = debugfs_lookup(dir, NULL), *file;
	void *var = NULL;

	if (IS_ERR_OR_NULL(parent))
		return NULL;
	file = debugfs_lookup(name, parent);
	if (!IS_ERR_OR_NULL(file)) {
		var = d_inode(file)->i_private;
		dput(file);
	}
	dput(parent);
	return var;
}

/* Look the knobs' variables up; 0, or -ENOENT */
static int e2e_knobs_find(struct e2e_knobs *k)
{
	k->slab_wait = e2e_knob("failslab", "ignore-gfp-wait");
	k->page_wait = e2e_knob("fail_page_alloc", "ignore-gfp-wait");
	k->page_order = e2e_knob("fail_page_alloc", "min-order");
	k->slab_verbose = e2e_knob("failslab", "verbose");
	k->page_verbose = e2e_knob("fail_page_alloc", "verbose");
	return k->slab_wait && k->page_wait && k->page_order &&
	       k->slab_verbose && k->page_verbose ? 0 : -ENOENT;
}

static void e2e_knobs_get(const struct e2e_knobs *k, struct e2e_knob_vals *v)
{
	v->slab_wait = READ_ONCE(*k->slab_wait);
	v->page_wait = READ_ONCE(*k->page_wait);
	v->page_order = READ_ONCE(*k->page_order);
	v->slab_verbose = READ_ONCE(*k->slab_verbose);
	v->page_verbose = READ_ONCE(*k->page_verbose);
}

/*
 * By default, allocations that may sleep are spared, and so are single
 * pages; and each injected failure dumps the stack. Fail every kind,
 * quietly, until e2e_fault_injection_off() puts back what the knobs held.
 */
static void e2e_fault_injection_on(struct e2e_knobs *k)
{
	static const struct e2e_knob_vals fail_all = {};

	e2e_knobs_get(k, &k->found);
	e2e_knobs_set(k, &fail_all);
	k->on = true;
}

/*
 * What the VMM does to give a device a nested domain, and to take it back:
 * 0, or the error of the first step that failed, with the steps before it
 * undone.
 */
static int e2e_vmm_cycle(struct device *dev, phys_addr_t ram_pa)
{
	struct iommu_pasid_table_config cfg = {
		.argsz		= sizeof(cfg),
		.version	= PASID_TABLE_CFG_VERSION_1,
		.base_ptr	= CD_IPA,
		.format		= IOMMU_PASID_FORMAT_SMMUV3,
		.config		= IOMMU_PASID_CONFIG_TRANSLATE,
		.vendor_data.smmuv3 = {
			.version = PASID_TABLE_SMMUV3_CFG_VERSION_1,
		},
	};
	struct iommu_domain *domain;
	int ret;

	domain = iommu_domain_alloc(&pci_bus_type);
	if (!domain)
		return -ENOMEM;
	ret = iommu_enable_nesting(domain);
	if (ret)
		goto out_free;
	ret = iommu_attach_device(domain, dev);
	if (ret)
		goto out_free;
	ret = iommu_map(domain, RAM_IPA, ram_pa, RAM_SIZE,
			IOMMU_READ | IOMMU_WRITE);
	if (ret)
		goto out_detach;
	ret = iommu_attach_pasid_table(domain, &cfg);
	if (!ret)
		ret = iommu_detach_pasid_table(domain);
	iommu_unmap(domain, RAM_IPA, RAM_SIZE);
out_detach:
	iommu_detach_device(domain, dev);
out_free:
	iommu_domain_free(domain);
	return ret;
}
#endif

/*
 * Fail each allocation of the VMM's attach and detach of a nested domain
 * in turn (the task's fail-nth), on the second edu, until the whole cycle
 * succeeds. Each failure is an error of the step that met it, or is
 * absorbed; the first edu's nested domain keeps translating all along;
 * what a failure path leaked, kmemleak reports after the boot.
 */
static void e2e_fail_nth(struct kunit *test)
{
#ifdef CONFIG_FAULT_INJECTION
	static const struct e2e_knob_vals user = {
		.slab_wait = false, .page_wait = true, .page_order = 3,
		.slab_verbose = 1, .page_verbose = 1,
	};
	struct e2e_ctx *ctx = test->priv;
	struct e2e_knobs *k = &ctx->knobs;
	struct e2e_knob_vals after;
	struct e2e_guest *g = e2e_guest_translating(test, 0);
	unsigned int n, injected = 0, errors = 0;
	bool hit;
	u8 seed;
	int ret;

	if (e2e_nr_edus < 2)
		kunit_skip(test, "needs a second edu device");
	if (!IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS) ||
	    !IS_ENABLED(CONFIG_FAILSLAB) || !IS_ENABLED(CONFIG_FAIL_PAGE_ALLOC))
		kunit_skip(test, "needs FAULT_INJECTION_DEBUG_FS, FAILSLAB and FAIL_PAGE_ALLOC");
	/*
	 * Settings a user could have made, which the knobs must hold again
	 * after the injection: the order and verbosities unlike both the
	 * injection's and the defaults; of the two waits (booleans), one
	 * unlike the default, the other unlike the injection's
	 */
	KUNIT_ASSERT_EQ(test, e2e_knobs_find(k), 0);
	e2e_knobs_get(k, &k->before);
	k->saved = true;
	e2e_knobs_set(k, &user);
	e2e_fault_injection_on(k);
	e2e_knobs_get(k, &after);
	KUNIT_EXPECT_EQ(test, after.page_order, 0U);
	KUNIT_EXPECT_FALSE(test, after.slab_wait || after.page_wait);
	e2e_map_4k(test, g, VA_A, PAGE_IPA(0));
	e2e_map_4k(test, g, VA_B, PAGE_IPA(1));

	for (n = 1; n < 256; n++) {
		WRITE_ONCE(current->fail_nth, n);
		ret = e2e_vmm_cycle(&e2e_edus[1].pdev->dev, g->ram_pa);
		hit = !READ_ONCE(current->fail_nth);
		WRITE_ONCE(current->fail_nth, 0);
		if (!hit) {
			KUNIT_EXPECT_EQ(test, ret, 0);
			break;
		}
		injected++;
		if (ret) {
			errors++;
			KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM,
					    "allocation %u failed", n);
		}
		seed = e2e_copy(test, g, VA_A, PAGE_IPA(0), VA_B, PAGE_IPA(1));
		KUNIT_EXPECT_TRUE_MSG(test, e2e_holds(g, PAGE_IPA(1), seed),
				      "allocation %u: the other domain broke",
				      n);
	}
	e2e_fault_injection_off(k);
	e2e_knobs_get(k, &after);
	KUNIT_EXPECT_EQ(test, after.slab_wait, user.slab_wait);
	KUNIT_EXPECT_EQ(test, after.page_wait, user.page_wait);
	KUNIT_EXPECT_EQ(test, after.page_order, user.page_order);
	KUNIT_EXPECT_EQ(test, after.slab_verbose, user.slab_verbose);
	KUNIT_EXPECT_EQ(test, after.page_verbose, user.page_verbose);
	kunit_info(test, "%u allocations failed in turn, %u of them as errors\n",
		   injected, errors);
	KUNIT_EXPECT_GT(test, injected, 0);
	KUNIT_EXPECT_LT(test, n, 256);

	/* and the second edu still takes a nested domain that translates */
	g = e2e_guest_translating(test, 1);
	e2e_map_4k(test, g, VA_A, PAGE_IPA(0));
	e2e_map_4k(test, g, VA_B, PAGE_IPA(1));
	seed = e2e_copy(test, g, VA_A, PAGE_IPA(0), VA_B, PAGE_IPA(1));
	KUNIT_EXPECT_TRUE(test, e2e_holds(g, PAGE_IPA(1), seed));
#else
	kunit_skip(test, "needs CONFIG_FAULT_INJECTION");
#endif
}

static int e2e_init(struct kunit *test)
{
	test->priv = kunit_kzalloc(test, sizeof(struct e2e_ctx), GFP_KERNEL);
	return test->priv ? 0 : -ENOMEM;
}

static void e2e_exit(struct kunit *test)
{
	struct e2e_ctx *ctx = test->priv;

	e2e_fault_injection_off(&ctx->knobs);
	if (ctx->knobs.saved)
		e2e_knobs_set(&ctx->knobs, &ctx->knobs.before);
	if (ctx->evtq_irq_off)
		enable_irq(ctx->evtq_irq_off);
	while (ctx->nr) {
		struct e2e_guest *g = &ctx->guests[--ctx->nr];
		struct device *dev = e2e_dev(g);

		if (g->faults_registered)
			iommu_unregister_device_fault_handler(dev);
		if (g->table)
			iommu_detach_pasid_table(g->domain);
		if (g->attached)
			iommu_detach_device(g->domain, dev);
		if (g->domain)
			iommu_domain_free(g->domain);
		if (g->ram)
			__free_pages(g->ram, get_order(RAM_SIZE));
		kunit_info(test, "teardown: table and device detached, domain freed\n");
	}
}

static int e2e_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct e2e_edu *edu;
	int ret;

	if (e2e_nr_edus >= ARRAY_SIZE(e2e_edus))
		return -ENOSPC;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	/* edu truncates DMA addresses to its mask: keep within it */
	ret = dma_set_mask_and_coherent(&pdev->dev, EDU_DMA_MASK);
	if (ret)
		return ret;
	edu = &e2e_edus[e2e_nr_edus];
	edu->regs = pcim_iomap(pdev, 0, 0);
	if (!edu->regs)
		return -ENOMEM;
	pci_set_master(pdev);
	edu->pdev = pdev;
	e2e_nr_edus++;
	return 0;
}

static const struct pci_device_id e2e_ids[] = {
	{ PCI_DEVICE(EDU_VENDOR, EDU_DEVICE) },
	{}
};

static struct pci_driver e2e_driver = {
	.name		= "arm-smmu-v3-nested-e2e",
	.id_table	= e2e_ids,
	.probe		= e2e_probe,
};


static struct kunit_case e2e_cases[] = {
	KUNIT_CASE(e2e_stage2_only),
	KUNIT_CASE(e2e_translate_4k),
	KUNIT_CASE(e2e_translate_2m),
	KUNIT_CASE(e2e_bypass),
	KUNIT_CASE(e2e_abort),
	KUNIT_CASE(e2e_cd_change),
	KUNIT_CASE(e2e_set_repeated),
	KUNIT_CASE(e2e_stale_inv_addr),
	KUNIT_CASE(e2e_stale_inv_any_asid),
	KUNIT_CASE(e2e_stale_inv_asid),
	KUNIT_CASE(e2e_stale_inv_domain),
	KUNIT_CASE(e2e_inv_batch),
	KUNIT_CASE(e2e_cd_change_cfgi),
	KUNIT_CASE(e2e_inv_before_table),
	KUNIT_CASE(e2e_fault_s1),
	KUNIT_CASE(e2e_fault_s2),
	KUNIT_CASE(e2e_fault_not_nested),
	KUNIT_CASE(e2e_fault_not_to_next_owner),
	KUNIT_CASE(e2e_fault_not_from_previous_owner),
	KUNIT_CASE(e2e_detach_table),
	KUNIT_CASE(e2e_stage2_unmap),
	KUNIT_CASE(e2e_stage2_unmap_table),
	KUNIT_CASE(e2e_refused_changes_nothing),
	KUNIT_CASE(e2e_refused_smmu),
	KUNIT_CASE(e2e_refused_hw_msi),
	KUNIT_CASE(e2e_isolation),
	KUNIT_CASE(e2e_teardown),
	KUNIT_CASE(e2e_fail_nth),
	{}
};

static struct kunit_suite e2e_suite = {
	.name		= "arm-smmu-v3-nested-e2e",
	.init		= e2e_init,
	.exit		= e2e_exit,
	.test_cases	= e2e_cases,
};

static struct kunit_suite *e2e_suites[] = { &e2e_suite };

/*
 * Not kunit_test_suite(): 6.1's KUnit runs a module's suites as the module
 * is coming, before its sysfs directory exists, where no PCI driver can
 * register. The module's init binds edu, then runs the suite itself.
 */
static int __init e2e_module_init(void)
{
	int ret = pci_register_driver(&e2e_driver);

	if (ret)
		return ret;
	__kunit_test_suites_init(e2e_suites, ARRAY_SIZE(e2e_suites));
	return 0;
}
module_init(e2e_module_init);

static void __exit e2e_module_exit(void)
{
	__kunit_test_suites_exit(e2e_suites, ARRAY_SIZE(e2e_suites));
	pci_unregister_driver(&e2e_driver);
}
module_exit(e2e_module_exit);

MODULE_DESCRIPTION("End-to-end test of SMMUv3 nested translation with QEMU's edu");
MODULE_LICENSE("GPL");
