// SPDX-License-Identifier: GPL-2.0-only
/*
 * The workload of make vmm's guest (L2): a workspace tool, not part of the
 * series. The RFC's VMM assigned QEMU's edu devices to this guest behind
 * its vSMMUv3; this module drives them through the guest's own SMMUv3
 * driver, which programs the guest-owned stage 1 that the host nests over
 * its stage 2, and judges by where DMA lands. Each check prints a line
 *
 *   VMMTEST: PASS|FAIL <tag>.<check>[: detail]
 *
 * that scripts/verdict.py counts, and faulting DMAs print
 *
 *   VMMTEST: FAULT <tag> <device> iova=0x...
 *
 * for verdict.py to find the event this guest's SMMUv3 driver logs (the
 * guest's /init prints those from the kernel log). These lines are
 * warnings, so that the console, at level 5, shows them and not the
 * driver's own: each console line costs the guest about 0.3 s.
 *
 *   insmod l2_edu.ko tag=dt1 cases=dma,unmap,fault,msi,two
 *
 * Cases:
 *   dma    the DMA API (strict): round trips through every edu, byte for
 *          byte, IOVAs reused after each unmap
 *   unmap  an IOMMU domain of this guest's own: map n pages, DMA, unmap,
 *          map the same IOVAs to other pages, DMA: only the new pages may
 *          be reached (n = 1, 4, 37 pages and a 2 MiB block)
 *   fault  DMA to IOVAs never mapped: nothing lands, the events are logged
 *          by this guest's driver (checked by verdict.py)
 *   msi    the host's MSI window [0x8000000, +1 MiB) mapped 1:1 in this
 *          guest's stage 1, as an IORT RMR asks: each MSI edu raises
 *          reaches the handler; without the window none does
 *   two    two edus, each in a domain of its own with the same IOVA mapped
 *          to different pages: each reaches only its own
 *   msi_dma_api
 *          what MSIs do on the DMA API's domain, where the guest keeps the
 *          MSI window for itself and maps its own doorbell elsewhere
 *          (reported, for verdict.py to compare with the README)
 */
#define pr_fmt(fmt) fmt

#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

/* QEMU's edu device (docs/specs/edu.rst) */
#define EDU_IDENT		0x00
#define EDU_IRQ_STATUS		0x24
#define EDU_IRQ_RAISE		0x60
#define EDU_IRQ_ACK		0x64
#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_CNT		0x90
#define EDU_DMA_CMD		0x98
#define EDU_DMA_RUN		BIT(0)
#define EDU_DMA_TO_RAM		BIT(1)
#define EDU_BUF			0x40000
#define EDU_BUF_SIZE		4096

/* IOVAs of the domains this module makes (edu's DMA mask is 40 bits) */
#define IOVA_SRC		0x1000000ULL	/* a page of known bytes */
#define IOVA_PROBE		0x1100000ULL	/* where read-backs land */
#define IOVA_RANGE		0x2000000ULL	/* n pages, unmapped, remapped */
#define IOVA_X			0x3000000ULL	/* in both edus' domains */
#define IOVA_Y			0x3100000ULL	/* in the first edu's only */
#define IOVA_BLOCK		0x4000000ULL	/* a 2 MiB block */
#define IOVA_HOLE		0x6000000ULL	/* never mapped */
#define MSI_WINDOW		0x8000000ULL	/* the host's IOMMU_RESV_SW_MSI */
#define MSI_WINDOW_SIZE		SZ_1M

#define MAX_EDUS		2
#define PROT			(IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE)

static char *tag = "l2";
module_param(tag, charp, 0444);
MODULE_PARM_DESC(tag, "prefix of the check names (the run)");
static char *cases = "dma";
module_param(cases, charp, 0444);
MODULE_PARM_DESC(cases, "comma-separated: dma,unmap,fault,msi,two,msi_dma_api");

struct edu {
	struct pci_dev *pdev;
	void __iomem *bar;
	atomic_t msis;
	bool dead;	/* a DMA never ended: edu ignores new parameters */
	char name[16];
};

static struct edu edus[MAX_EDUS];
static int nr_edus;
static int nr_failed;

static __printf(3, 4) void check(bool ok, const char *what,
				 const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_warn("VMMTEST: %s %s.%s: %pV\n", ok ? "PASS" : "FAIL", tag, what,
		&vaf);
	va_end(args);
	nr_failed += !ok;
}

/* One DMA of @cnt bytes from @src to @dst; edu takes 100 ms of its clock */
static int edu_dma(struct edu *e, u64 src, u64 dst, u32 cnt, bool to_ram)
{
	unsigned long end = jiffies + 10 * HZ;

	if (e->dead)
		return -EIO;
	writeq(src, e->bar + EDU_DMA_SRC);
	writeq(dst, e->bar + EDU_DMA_DST);
	writeq(cnt, e->bar + EDU_DMA_CNT);
	writeq(EDU_DMA_RUN | (to_ram ? EDU_DMA_TO_RAM : 0),
	       e->bar + EDU_DMA_CMD);
	while (readq(e->bar + EDU_DMA_CMD) & EDU_DMA_RUN) {
		if (time_after(jiffies, end)) {
			pr_warn("VMMTEST: %s: DMA %#llx -> %#llx timed out\n",
				e->name, src, dst);
			e->dead = true;
			return -ETIMEDOUT;
		}
		usleep_range(2000, 4000);
	}
	return 0;
}

/* RAM at @iova into edu's buffer at @off */
static int edu_load(struct edu *e, u64 iova, u32 off, u32 cnt)
{
	return edu_dma(e, iova, EDU_BUF + off, cnt, false);
}

/* edu's buffer at @off out to RAM at @iova */
static int edu_store(struct edu *e, u32 off, u64 iova, u32 cnt)
{
	return edu_dma(e, EDU_BUF + off, iova, cnt, true);
}

static void fill(void *p, size_t len, u8 seed)
{
	u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = seed + i * 7 + (i >> 8);
}

static bool all(const void *p, size_t len, u8 v)
{
	return !memchr_inv(p, v, len);
}

/* ---- a: the DMA API, strict ------------------------------------------- */

static void case_dma(struct edu *e)
{
	static const u32 sizes[] = { 1, 64, 100, 512, 1000, 2048, 4000, 4096 };
	struct device *dev = &e->pdev->dev;
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);
	u8 *src = kmalloc(EDU_BUF_SIZE, GFP_KERNEL);
	u8 *dst = kmalloc(EDU_BUF_SIZE, GFP_KERNEL);
	unsigned int i, good = 0, reused = 0;
	dma_addr_t s, d, first = 0;
	char what[32];
	void *coh;

	snprintf(what, sizeof(what), "dma_api_strict.%s", e->name);
	if (!src || !dst) {
		check(false, what, "no memory");
		goto out;
	}
	if (!dom || dom->type != IOMMU_DOMAIN_DMA) {
		check(false, what, "the device's domain is type %#x, not a strict DMA domain",
		      dom ? dom->type : 0);
		goto out;
	}
	/*
	 * Each buffer is unmapped before the next is mapped: the IOVA
	 * allocator hands the same IOVA out again, and only the guest's
	 * invalidation, forwarded to the host, keeps the device from
	 * reaching the previous buffer through it.
	 */
	for (i = 0; i < 2 * ARRAY_SIZE(sizes); i++) {
		u32 len = sizes[i % ARRAY_SIZE(sizes)];
		int ret;

		fill(src, EDU_BUF_SIZE, 0x40 + i);
		memset(dst, 0, EDU_BUF_SIZE);
		s = dma_map_single(dev, src, len, DMA_TO_DEVICE);
		if (dma_mapping_error(dev, s))
			break;
		ret = edu_load(e, s, 0, len);
		dma_unmap_single(dev, s, len, DMA_TO_DEVICE);
		if (ret)
			break;
		d = dma_map_single(dev, dst, len, DMA_FROM_DEVICE);
		if (dma_mapping_error(dev, d))
			break;
		reused += d == s;
		if (!first)
			first = s;
		ret = edu_store(e, 0, d, len);
		dma_unmap_single(dev, d, len, DMA_FROM_DEVICE);
		if (ret)
			break;
		if (!memcmp(dst, src, len) && all(dst + len, EDU_BUF_SIZE - len, 0))
			good++;
		else
			pr_warn("VMMTEST: %s: round trip %u of %u bytes differs\n",
				e->name, i, len);
	}
	/* the allocator must hand the same IOVA out again each time */
	check(good == 2 * ARRAY_SIZE(sizes) && reused == 2 * ARRAY_SIZE(sizes),
	      what,
	      "%u of %zu round trips byte for byte (1 to 4096 bytes), each at the IOVA of the buffer unmapped before it: %u of %zu (first IOVA %#llx)",
	      good, 2 * ARRAY_SIZE(sizes), reused, 2 * ARRAY_SIZE(sizes),
	      (u64)first);

	/* and a coherent buffer, both ways */
	coh = dma_alloc_coherent(dev, EDU_BUF_SIZE, &d, GFP_KERNEL);
	snprintf(what, sizeof(what), "dma_coherent.%s", e->name);
	if (!coh) {
		check(false, what, "no coherent buffer");
		goto out;
	}
	fill(coh, EDU_BUF_SIZE / 2, 0x99);
	memset(coh + EDU_BUF_SIZE / 2, 0, EDU_BUF_SIZE / 2);
	if (!edu_load(e, d, 0, EDU_BUF_SIZE / 2))
		edu_store(e, 0, d + EDU_BUF_SIZE / 2, EDU_BUF_SIZE / 2);
	check(!memcmp(coh, coh + EDU_BUF_SIZE / 2, EDU_BUF_SIZE / 2), what,
	      "2048 bytes copied within a coherent buffer at IOVA %#llx",
	      (u64)d);
	dma_free_coherent(dev, EDU_BUF_SIZE, coh, d);
out:
	kfree(src);
	kfree(dst);
}

/* ---- domains of this guest's own -------------------------------------- */

struct own {
	struct edu *e;
	struct iommu_domain *dom;
	struct page *src, *probe;
	bool attached;
};

/* An unmanaged domain for @e, with a page of known bytes and a probe page */
static int own_get(struct own *o, struct edu *e, u8 seed)
{
	int ret;

	memset(o, 0, sizeof(*o));
	o->e = e;
	o->dom = iommu_domain_alloc(&pci_bus_type);
	o->src = alloc_page(GFP_KERNEL);
	o->probe = alloc_page(GFP_KERNEL);
	if (!o->dom || !o->src || !o->probe)
		return -ENOMEM;
	fill(page_address(o->src), PAGE_SIZE, seed);
	memset(page_address(o->probe), 0, PAGE_SIZE);
	ret = iommu_attach_device(o->dom, &e->pdev->dev);
	if (ret)
		return ret;
	o->attached = true;
	/* read-only: the only page DMA may write to is the probe */
	ret = iommu_map(o->dom, IOVA_SRC, page_to_phys(o->src), PAGE_SIZE,
			IOMMU_READ | IOMMU_CACHE);
	if (!ret)
		ret = iommu_map(o->dom, IOVA_PROBE, page_to_phys(o->probe),
				PAGE_SIZE, PROT);
	/* edu's buffer holds the known bytes */
	if (!ret)
		ret = edu_load(e, IOVA_SRC, 0, EDU_BUF_SIZE);
	return ret;
}

static void own_put(struct own *o)
{
	if (o->attached)
		iommu_detach_device(o->dom, &o->e->pdev->dev);
	if (o->dom)
		iommu_domain_free(o->dom);
	if (o->src)
		__free_page(o->src);
	if (o->probe)
		__free_page(o->probe);
}

/* ---- b: unmaps take effect ---------------------------------------------- */

/* Map @n pages (or one 2 MiB block) of @pages at @iova */
static int map_pages(struct iommu_domain *dom, u64 iova, struct page **pages,
		     unsigned int n, bool block)
{
	unsigned int i;
	int ret;

	if (block)
		return iommu_map(dom, iova, page_to_phys(pages[0]), SZ_2M, PROT);
	for (i = 0; i < n; i++) {
		ret = iommu_map(dom, iova + i * PAGE_SIZE,
				page_to_phys(pages[i]), PAGE_SIZE, PROT);
		if (ret)
			return ret;
	}
	return 0;
}

static struct page **alloc_set(unsigned int n, bool block, u8 v)
{
	struct page **p = kcalloc(n, sizeof(*p), GFP_KERNEL);
	struct page *blk;
	unsigned int i;

	if (!p)
		return NULL;
	if (block) {
		blk = alloc_pages(GFP_KERNEL | __GFP_NOWARN, get_order(SZ_2M));
		if (!blk)
			goto fail;
		for (i = 0; i < n; i++)
			p[i] = blk + i;
	} else {
		for (i = 0; i < n; i++) {
			p[i] = alloc_page(GFP_KERNEL);
			if (!p[i])
				goto fail;
		}
	}
	for (i = 0; i < n; i++)
		memset(page_address(p[i]), v, PAGE_SIZE);
	return p;
fail:
	if (!block)
		for (i = 0; i < n; i++)
			if (p[i])
				__free_page(p[i]);
	kfree(p);
	return NULL;
}

static void free_set(struct page **p, unsigned int n, bool block)
{
	unsigned int i;

	if (!p)
		return;
	if (block)
		__free_pages(p[0], get_order(SZ_2M));
	else
		for (i = 0; i < n; i++)
			__free_page(p[i]);
	kfree(p);
}

#define OLD_FILL	0x11
#define NEW_FILL	0x22
#define SPAN		64	/* bytes per DMA of these checks */

/*
 * Map @n pages at @iova, DMA into some of them (which fills the SMMU's
 * TLB), unmap them all, map the same IOVAs to other pages, DMA again:
 * writes must land in the new pages only, and reads must return the new
 * pages' bytes. A TLB entry the unmap did not invalidate, down to the
 * host's, would send the device to the old pages.
 */
static void unmap_one(struct edu *e, unsigned int n, bool block)
{
	u64 iova = block ? IOVA_BLOCK : IOVA_RANGE;
	unsigned int samples[3] = { 0, n / 2, n - 1 };
	struct page **old = NULL, **new = NULL;
	unsigned int i, k, warm = 0, landed = 0, stale = 0, read_new = 0;
	const u8 *known;
	struct own o;
	char what[40];
	size_t unmapped;
	int ret;

	snprintf(what, sizeof(what), "unmap_%s.%s",
		 block ? "2M_block" : n == 1 ? "1_page" :
		 n == 4 ? "4_pages" : "37_pages", e->name);
	ret = own_get(&o, e, 0x60 + n);
	if (ret) {
		check(false, what, "domain setup: %d", ret);
		goto out;
	}
	known = page_address(o.src);
	old = alloc_set(n, block, OLD_FILL);
	new = alloc_set(n, block, NEW_FILL);
	if (!old || !new) {
		check(false, what, "no memory for %u pages", n);
		goto out;
	}
	ret = map_pages(o.dom, iova, old, n, block);
	if (ret) {
		check(false, what, "map: %d", ret);
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(samples); i++) {
		k = samples[i];
		if (edu_store(e, 0, iova + k * PAGE_SIZE, SPAN))
			goto out_unmap;
		warm += !memcmp(page_address(old[k]), known, SPAN);
	}
	unmapped = iommu_unmap(o.dom, iova, n * PAGE_SIZE);
	if (unmapped != n * PAGE_SIZE) {
		check(false, what, "unmapped %zu of %lu bytes", unmapped,
		      n * PAGE_SIZE);
		goto out;
	}
	ret = map_pages(o.dom, iova, new, n, block);
	if (ret) {
		check(false, what, "remap: %d", ret);
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(samples); i++) {
		u8 *op, *np;

		k = samples[i];
		op = page_address(old[k]);
		np = page_address(new[k]);
		/* a write: edu's bytes 256.. go to the page's offset 256 */
		if (edu_store(e, 256, iova + k * PAGE_SIZE + 256, SPAN))
			break;
		landed += !memcmp(np + 256, known + 256, SPAN);
		stale += !all(op + 256, SPAN, OLD_FILL);
		/*
		 * a read of the page's offset 1024, stored to the probe; edu's
		 * bytes there first reloaded with known ones, so that a read
		 * that did not happen cannot pass for one
		 */
		if (edu_load(e, IOVA_SRC, 2048, SPAN) ||
		    edu_load(e, iova + k * PAGE_SIZE + 1024, 2048, SPAN) ||
		    edu_store(e, 2048, IOVA_PROBE, SPAN))
			break;
		read_new += all(page_address(o.probe), SPAN, NEW_FILL);
		memset(page_address(o.probe), 0, SPAN);
	}
	check(warm == 3 && landed == 3 && !stale && read_new == 3, what,
	      "IOVA %#llx, %u page%s%s: before the unmap %u of 3 DMAs landed; after the remap %u of 3 writes reached the new pages, %u the old ones, %u of 3 reads returned the new bytes",
	      iova, n, n == 1 ? "" : "s", block ? " (one block entry)" : "",
	      warm, landed, stale, read_new);
out_unmap:
	iommu_unmap(o.dom, iova, n * PAGE_SIZE);
out:
	/* the device is off the pages before they go */
	own_put(&o);
	free_set(old, n, block);
	free_set(new, n, block);
}

static void case_unmap(struct edu *e)
{
	unmap_one(e, 1, false);
	unmap_one(e, 4, false);
	unmap_one(e, 37, false);
	unmap_one(e, SZ_2M / PAGE_SIZE, true);
}

/* ---- c: stage-1 faults reach this guest --------------------------------- */

static void case_fault(struct edu *e)
{
	static const u64 holes[] = { IOVA_HOLE, IOVA_HOLE + 0x10040,
				     IOVA_HOLE + 0x123400 };
	unsigned int i, done = 0;
	struct own o;
	int ret;

	ret = own_get(&o, e, 0x70);
	if (ret) {
		check(false, "fault_dma", "domain setup: %d", ret);
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(holes); i++) {
		pr_warn("VMMTEST: FAULT %s %s iova=%#llx\n", tag,
			dev_name(&e->pdev->dev), holes[i]);
		/* 4 bytes: one event */
		done += !edu_store(e, 0, holes[i], 4);
		/* the guest's driver logs at most 10 events in 5 s */
		msleep(500);
	}
	/* the probe page, the only page the device may write, is untouched */
	check(done == ARRAY_SIZE(holes) &&
	      all(page_address(o.probe), PAGE_SIZE, 0), "fault_dma",
	      "%u DMAs to IOVAs never mapped (%#llx, %#llx, %#llx) completed, nothing landed",
	      done, holes[0], holes[1], holes[2]);
	/* time for the events to come through the host and the VMM */
	msleep(3000);
out:
	own_put(&o);
}

/* ---- d: MSIs through the guest's stage 1 ------------------------------- */

static irqreturn_t edu_irq(int irq, void *data)
{
	struct edu *e = data;
	u32 st = readl(e->bar + EDU_IRQ_STATUS);

	if (!st)
		return IRQ_NONE;
	writel(st, e->bar + EDU_IRQ_ACK);
	atomic_inc(&e->msis);
	return IRQ_HANDLED;
}

/* Raise @n interrupts one at a time; how many reached the handler */
static unsigned int raise_msis(struct edu *e, unsigned int n,
			       unsigned int wait_ms)
{
	unsigned int i, got = 0;
	int before;

	for (i = 0; i < n; i++) {
		unsigned long end = jiffies + msecs_to_jiffies(wait_ms);

		before = atomic_read(&e->msis);
		writel(BIT(i % 8), e->bar + EDU_IRQ_RAISE);
		while (atomic_read(&e->msis) == before &&
		       time_before(jiffies, end))
			usleep_range(1000, 2000);
		got += atomic_read(&e->msis) != before;
		/* a lost one leaves its status bit: clear it */
		writel(~0U, e->bar + EDU_IRQ_ACK);
	}
	return got;
}

static int msi_setup(struct edu *e)
{
	int ret = pci_alloc_irq_vectors(e->pdev, 1, 1, PCI_IRQ_MSI);

	if (ret < 0)
		return ret;
	ret = request_irq(pci_irq_vector(e->pdev, 0), edu_irq, 0, "l2_edu", e);
	if (ret)
		pci_free_irq_vectors(e->pdev);
	return ret;
}

static void msi_teardown(struct edu *e)
{
	free_irq(pci_irq_vector(e->pdev, 0), e);
	pci_free_irq_vectors(e->pdev);
}

static void case_msi(struct edu *e)
{
	unsigned int got, lost, again;
	struct own o;
	int ret;

	ret = msi_setup(e);
	if (ret) {
		check(false, "msi_window", "MSI vector: %d", ret);
		return;
	}
	ret = own_get(&o, e, 0x80);
	if (!ret)
		ret = iommu_map(o.dom, MSI_WINDOW, MSI_WINDOW, MSI_WINDOW_SIZE,
				IOMMU_WRITE | IOMMU_MMIO);
	if (ret) {
		check(false, "msi_window", "domain setup: %d", ret);
		goto out;
	}
	got = raise_msis(e, 16, 2000);
	check(got == 16, "msi_window",
	      "[%#llx, +1 MiB) mapped 1:1 in the guest's stage 1: %u of 16 MSIs reached the handler",
	      MSI_WINDOW, got);

	/* the control: without the window, the write faults in stage 1 */
	msleep(1000);	/* no MSI of the above is still on its way */
	iommu_unmap(o.dom, MSI_WINDOW, MSI_WINDOW_SIZE);
	pr_warn("VMMTEST: FAULT %s %s iova=%#llx (an MSI, no window)\n", tag,
		dev_name(&e->pdev->dev), MSI_WINDOW + 0x40);
	lost = 1 - raise_msis(e, 1, 2000);
	ret = iommu_map(o.dom, MSI_WINDOW, MSI_WINDOW, MSI_WINDOW_SIZE,
			IOMMU_WRITE | IOMMU_MMIO);
	again = ret ? 0 : raise_msis(e, 4, 2000);
	check(lost == 1 && again == 4, "msi_no_window",
	      "window unmapped: %u of 1 MSI lost; mapped again: %u of 4 arrived",
	      lost, again);
out:
	own_put(&o);
	msi_teardown(e);
}

/*
 * What MSIs do on the DMA API's domain: an ACPI guest's IORT RMR would
 * have it map the MSI window 1:1; a device-tree guest has no RMR
 */
static void case_msi_dma_api(struct edu *e)
{
	unsigned int got;
	int ret = msi_setup(e);

	if (ret) {
		check(false, "msi_dma_api_vector", "MSI vector: %d", ret);
		return;
	}
	pr_warn("VMMTEST: FAULT %s %s iova=%#llx (an MSI, DMA API domain)\n", tag,
		dev_name(&e->pdev->dev), MSI_WINDOW + 0x40);
	got = raise_msis(e, 4, 2000);
	pr_warn("VMMTEST: INFO %s msi_dma_api %s: %u of 4 MSIs reached the handler on the DMA API's domain\n",
		tag, e->name, got);
	msi_teardown(e);
}

/* ---- e: two devices, two guest stage 1s --------------------------------- */

static void case_two(void)
{
	struct own o[2] = {};
	struct page *x[2] = {}, *y = NULL;
	bool own0, own1, other0, other1, y_clean;
	const u8 *k0, *k1;
	int ret, i;

	if (nr_edus < 2) {
		check(false, "two_devices", "%d edu device(s), 2 needed", nr_edus);
		return;
	}
	for (i = 0; i < 2; i++) {
		ret = own_get(&o[i], &edus[i], 0xa0 + 0x10 * i);
		x[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (ret || !x[i] ||
		    iommu_map(o[i].dom, IOVA_X, page_to_phys(x[i]), PAGE_SIZE,
			      PROT)) {
			check(false, "two_devices", "setup of edu%d: %d", i, ret);
			goto out;
		}
	}
	y = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!y || iommu_map(o[0].dom, IOVA_Y, page_to_phys(y), PAGE_SIZE,
			    PROT)) {
		check(false, "two_devices", "setup of IOVA_Y");
		goto out;
	}
	k0 = page_address(o[0].src);
	k1 = page_address(o[1].src);
	/* both write the same IOVA: each must reach its own page */
	edu_store(&edus[0], 0, IOVA_X, 256);
	own0 = !memcmp(page_address(x[0]), k0, 256);
	other1 = all(page_address(x[1]), PAGE_SIZE, 0);
	edu_store(&edus[1], 0, IOVA_X, 256);
	own1 = !memcmp(page_address(x[1]), k1, 256);
	other0 = !memcmp(page_address(x[0]), k0, 256);
	check(own0 && own1 && other0 && other1, "two_devices",
	      "IOVA %#llx: edu0's write %s its page, %s edu1's; edu1's write %s its page, %s edu0's",
	      IOVA_X, own0 ? "reached" : "missed", other1 ? "not" : "ALSO",
	      own1 ? "reached" : "missed", other0 ? "not" : "ALSO");
	/* an IOVA only the first edu's domain maps */
	pr_warn("VMMTEST: FAULT %s %s iova=%#llx (edu1, mapped by edu0 only)\n",
		tag, dev_name(&edus[1].pdev->dev), IOVA_Y);
	edu_store(&edus[1], 0, IOVA_Y, 4);
	msleep(500);
	y_clean = all(page_address(y), PAGE_SIZE, 0);
	check(y_clean, "two_devices_no_cross",
	      "edu1's write to %#llx, which only edu0's stage 1 maps, %s edu0's page",
	      IOVA_Y, y_clean ? "did not reach" : "REACHED");
	msleep(3000);
out:
	for (i = 0; i < 2; i++)
		own_put(&o[i]);
	for (i = 0; i < 2; i++)
		if (x[i])
			__free_page(x[i]);
	if (y)
		__free_page(y);
}

/* ---- the devices ------------------------------------------------------- */

static int l2_edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu *e;
	int ret;

	if (nr_edus >= MAX_EDUS)
		return -ENOSPC;
	e = &edus[nr_edus];
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(0), "l2_edu");
	if (ret)
		return ret;
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(40));
	if (ret)
		return ret;
	pci_set_master(pdev);
	e->pdev = pdev;
	e->bar = pcim_iomap_table(pdev)[0];
	atomic_set(&e->msis, 0);
	snprintf(e->name, sizeof(e->name), "edu%d", nr_edus);
	pr_warn("VMMTEST: INFO %s %s is %s, ident %#x, IOMMU group %d\n", tag,
		e->name, pci_name(pdev), readl(e->bar + EDU_IDENT),
		pdev->dev.iommu_group ? iommu_group_id(pdev->dev.iommu_group) : -1);
	nr_edus++;
	return 0;
}

static const struct pci_device_id l2_edu_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};

static struct pci_driver l2_edu_driver = {
	.name		= "l2_edu",
	.id_table	= l2_edu_ids,
	.probe		= l2_edu_probe,
};

static bool want(const char *name)
{
	const char *p = cases;
	size_t len = strlen(name);

	while ((p = strstr(p, name))) {
		if ((p == cases || p[-1] == ',') && (!p[len] || p[len] == ','))
			return true;
		p += len;
	}
	return false;
}

static int __init l2_edu_init(void)
{
	int ret, i;

	ret = pci_register_driver(&l2_edu_driver);
	if (ret)
		return ret;
	for (i = 0, ret = 0; i < nr_edus; i++)
		ret += !!edus[i].pdev->dev.iommu_group;
	check(nr_edus == MAX_EDUS && ret == nr_edus, "edus",
	      "%d edu device(s), %d of them behind the vSMMUv3", nr_edus, ret);
	for (i = 0; i < nr_edus; i++) {
		if (want("dma"))
			case_dma(&edus[i]);
		if (want("msi_dma_api"))
			case_msi_dma_api(&edus[i]);
	}
	if (nr_edus && want("unmap"))
		case_unmap(&edus[0]);
	if (nr_edus && want("fault"))
		case_fault(&edus[0]);
	if (nr_edus && want("msi"))
		case_msi(&edus[0]);
	if (want("two"))
		case_two();
	pr_warn("VMMTEST: DONE %s: %d failed\n", tag, nr_failed);
	return 0;
}

static void __exit l2_edu_exit(void)
{
	pci_unregister_driver(&l2_edu_driver);
}

module_init(l2_edu_init);
module_exit(l2_edu_exit);
MODULE_DESCRIPTION("make vmm's guest workload: edu DMA through a guest-owned stage 1");
MODULE_LICENSE("GPL");
