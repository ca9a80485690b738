// SPDX-License-Identifier: GPL-2.0-only
/*
 * /init of make vmm's stock guests (L2): a workspace tool, not part of the
 * series. The kernel is Debian's own, unmodified; this program stands in
 * for its initramfs: it loads Debian's own nvme modules (/modules/NN-*.ko,
 * in the order scripts/vmm.sh put them, each after what it depends on),
 * waits for the NVMe that the host assigned through the RFC's VMM, and
 * does block I/O through the guest's own stage 1 (its DMA domain, strict).
 *
 * It loads nvme, writes 64 MiB with O_DIRECT in several sizes from one
 * thread per CPU (on several queues where the device has MSI-X), syncs,
 * reads it back, compares, and counts the interrupts. The kernel command
 * line says what to expect:
 *   l2nvme.tag=NAME   the name of the verdicts ("nvme.NAME.*")
 *   l2nvme.wait=S     how long the disk may take to appear (240 s)
 *   pci=nomsi         INTx (a device-tree guest, which has no RMR for the
 *                     host's MSI window): one vector, one I/O queue
 *   acpi=force        an ACPI guest: the IORT's RMRs must map the host's
 *                     MSI window 1:1 in the device's domain
 * Lines "VMMTEST: PASS|FAIL name: detail" are counted by verdict.py;
 * "VMMTEST: DONE" ends the run, then the guest powers off.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define DISK		"/dev/nvme0n1"
#define IO_BYTES	(64u << 20)
#define MAX_CPUS	8

static char tag[64] = "stock";
/* pci=nomsi: the device's INTx, one vector, so one I/O queue */
static int intx;
/* how long the disk may take to appear, in seconds */
static int wait_s = 240;
/* acpi=force: an ACPI guest, from UEFI */
static int acpi;

static void verdict(int ok, const char *what, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("VMMTEST: %s nvme.%s.%s: %s\n", ok ? "PASS" : "FAIL", tag, what, buf);
	fflush(stdout);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n, got = 0;

	if (fd < 0)
		return -1;
	while (got < (ssize_t)len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	return got;
}

static void cmdline(void)
{
	char line[1024], *p;

	if (slurp("/proc/cmdline", line, sizeof(line)) < 0)
		return;
	printf("l2-nvme: command line: %s", line);
	p = strstr(line, "l2nvme.tag=");
	if (p)
		sscanf(p + 11, "%63s", tag);
	p = strstr(line, "l2nvme.wait=");
	if (p)
		sscanf(p + 12, "%d", &wait_s);
	intx = !!strstr(line, "pci=nomsi");
	acpi = !!strstr(line, "acpi=force");
}

/* /dev/kmsg writes a backslash and unprintable bytes as \xNN */
static void unescape(char *s)
{
	char *d = s;
	unsigned int c;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'x' && isxdigit((unsigned char)s[2]) &&
		    isxdigit((unsigned char)s[3]) && sscanf(s + 2, "%2x", &c) == 1) {
			*d++ = c;
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = 0;
}

/*
 * What the kernel logged that tells how the device fares: the NVMe
 * driver's timeouts and resets, ACPICA's errors, the guest's SMMU. Printed
 * (at most 120 lines) and counted.
 */
struct klog {
	int timeouts, resets, acpi_errors, smmu_events, printed;
};

static void kernel_log(int fd, struct klog *k)
{
	static const char *const keep[] = {
		"nvme", "ACPI BIOS Error", "ACPI Error", "ACPI Warning", "arm-smmu-v3",
		"IORT", "soft lockup", "rcu_sched", "BUG", "WARNING", "RMR", "MSI", "_DSM",
		"blocked for more", "Call trace", "+0x",
	};
	static char rec[8192];
	char *msg;
	unsigned int i;
	ssize_t n;

	/* EPIPE: records were overwritten before they were read; go on */
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n < 0)
			continue;
		rec[n] = 0;
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		msg[strcspn(msg, "\n")] = 0;
		unescape(msg);
		for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
			if (strstr(msg, keep[i]))
				break;
		if (i == sizeof(keep) / sizeof(keep[0]))
			continue;
		if (strstr(msg, "nvme") && strstr(msg, "timeout"))
			k->timeouts++;
		if (strstr(msg, "nvme") && (strstr(msg, "resetting") || strstr(msg, "reset controller") ||
					    strstr(msg, "Removing after")))
			k->resets++;
		if (strstr(msg, "ACPI BIOS Error") || strstr(msg, "ACPI Error") ||
		    strstr(msg, "Excess arguments"))
			k->acpi_errors++;
		if (strstr(msg, "arm-smmu-v3") && strstr(msg, "event 0x"))
			k->smmu_events++;
		if (k->printed++ < 120)
			printf("l2-nvme: kernel: %s\n", msg);
	}
}

/* The first PCI device of class 0x010802 (NVMe), its address in @bdf */
static int find_nvme(char *bdf, size_t len)
{
	char path[300], v[32];
	struct dirent *de;
	DIR *dir = opendir("/sys/bus/pci/devices");
	int found = 0;

	while (dir && !found && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/class", de->d_name);
		if (slurp(path, v, sizeof(v)) > 0 && !strncmp(v, "0x010802", 8) &&
		    strlen(de->d_name) < len) {
			memcpy(bdf, de->d_name, strlen(de->d_name) + 1);
			found = 1;
		}
	}
	if (dir)
		closedir(dir);
	return found;
}

/*
 * The device's IOMMU group: its domain type (strict "DMA" wanted, not
 * "DMA-FQ" or "identity") and whether its reserved regions have the host's
 * MSI window [0x8000000, +1 MiB) as a direct (1:1) region, from the RMR
 */
static void iommu_group(const char *bdf, char *type, size_t tlen, int *direct_msi)
{
	char path[300], buf[4096], *l;
	unsigned long long a, b;
	char kind[32];

	*direct_msi = 0;
	type[0] = 0;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group/type", bdf);
	if (slurp(path, type, tlen) > 0)
		type[strcspn(type, "\n")] = 0;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group/reserved_regions", bdf);
	if (slurp(path, buf, sizeof(buf)) <= 0)
		return;
	for (l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
		printf("l2-nvme: %s reserved region: %s\n", bdf, l);
		if (sscanf(l, "%llx %llx %31s", &a, &b, kind) == 3 && !strncmp(kind, "direct", 6) &&
		    a <= 0x8000000ULL && b >= 0x80fffffULL)
			*direct_msi = 1;
	}
}

static int load_modules(void)
{
	struct dirent **names;
	int i, n, loaded = 0;
	char path[300];

	n = scandir("/modules", &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		int fd, ret;

		if (names[i]->d_name[0] == '.')
			goto next;
		snprintf(path, sizeof(path), "/modules/%s", names[i]->d_name);
		fd = open(path, O_RDONLY);
		ret = fd < 0 ? -1 : syscall(SYS_finit_module, fd, "", 0);
		if (ret && errno != EEXIST)
			printf("l2-nvme: module %s not loaded: %s\n", names[i]->d_name, strerror(errno));
		else
			loaded++;
		if (fd >= 0)
			close(fd);
next:
		free(names[i]);
	}
	if (n > 0)
		free(names);
	return n < 0 ? 0 : loaded;
}

static void *load_thread(void *arg)
{
	*(int *)arg = load_modules();
	return NULL;
}

/*
 * The interrupts of the NVMe's vectors, from /proc/interrupts: the sum
 * over CPUs per line whose name has "nvme", their number in @lines, in
 * @msi those of them that are MSIs (the ITS's, not a GIC wire), and in
 * @ioq the I/O queues that they serve ("nvme0qN", N > 0; the disk itself
 * has no blk-mq queues of its own under NVMe multipath, as Debian builds)
 */
#define MAX_QUEUES 16

static unsigned long long nvme_irqs(int *lines, int *msi, int *ioq,
				    unsigned long long per_q[MAX_QUEUES])
{
	static char buf[1 << 16];
	unsigned long long total = 0;
	char *l, *save;

	*lines = *msi = *ioq = 0;
	if (per_q)
		memset(per_q, 0, MAX_QUEUES * sizeof(*per_q));
	if (slurp("/proc/interrupts", buf, sizeof(buf)) <= 0)
		return 0;
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *p = strchr(l, ':'), *q;
		unsigned long long v, sum;
		unsigned int n;
		int off;

		if (!p || !strstr(l, "nvme"))
			continue;
		(*lines)++;
		*msi += !!strstr(l, "MSI");
		p++;
		sum = 0;
		while (sscanf(p, " %llu%n", &v, &off) == 1) {
			sum += v;
			p += off;
		}
		total += sum;
		/* the queues this line serves (INTx: all of them, one line) */
		for (q = strstr(p, "nvme"); q; q = strstr(q + 4, "nvme"))
			if (sscanf(q, "nvme%*uq%u", &n) == 1 && n > 0) {
				(*ioq)++;
				if (per_q && n < MAX_QUEUES)
					per_q[n] += sum;
			}
	}
	return total;
}

struct worker {
	int cpu, fd;
	unsigned long long start, bytes;
	int errors, mismatches;
	unsigned long long first_bad;
	double secs;
};

/*
 * The pattern of the byte at @pos: every 8 bytes say where they are, and
 * which run wrote them (@seed: a disk left by an earlier guest or run
 * does not pass for this one's writes)
 */
static uint64_t seed;

static void fill(uint64_t *p, unsigned long long pos, size_t len)
{
	size_t i;

	for (i = 0; i < len / 8; i++)
		p[i] = (pos + i * 8) ^ seed;
}

static const size_t sizes[] = { 4096, 16384, 65536, 131072, 524288, 1048576, 8192 };

/*
 * Fresh pages for each piece, given back after it: the guest maps each
 * I/O's pages at IOVAs of its own and unmaps them after (strict mode:
 * an invalidation each), so that a mapping left stale in an IOTLB would
 * send the next piece's data to, or take it from, pages no longer its
 */
static void *piece(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	size_t len;
	unsigned long long off;
	uint64_t *buf, *want;
	double t0 = now();
	cpu_set_t set;
	int pass, k;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		w->errors++;
	for (pass = 0; pass < 2; pass++) {
		for (off = w->start, k = 0; off < w->start + w->bytes; off += len, k++) {
			len = sizes[k % (sizeof(sizes) / sizeof(sizes[0]))];
			if (off + len > w->start + w->bytes)
				len = w->start + w->bytes - off;
			want = piece(len);
			buf = pass ? piece(len) : NULL;
			if (!want || (pass && !buf)) {
				w->errors++;
			} else if (!pass) {
				fill(want, off, len);
				if (pwrite(w->fd, want, len, off) != (ssize_t)len)
					w->errors++;
			} else if (pread(w->fd, buf, len, off) != (ssize_t)len) {
				w->errors++;
			} else {
				fill(want, off, len);
				if (memcmp(buf, want, len)) {
					if (!w->mismatches)
						w->first_bad = off;
					w->mismatches++;
				}
			}
			if (want)
				munmap(want, len);
			if (buf)
				munmap(buf, len);
		}
		/* the reads must come from the device, not from a cache */
		if (!pass && fdatasync(w->fd))
			w->errors++;
	}
	w->secs = now() - t0;
	return NULL;
}

/*
 * While the I/O runs: every 20 s, the NVMe's interrupts so far and the
 * kernel's new lines (a stall's report among them), so that a guest that
 * hangs in the I/O still tells what it was doing
 */
struct watch {
	struct klog *k;
	int kfd, stop;
};

static void *watch_thread(void *arg)
{
	struct watch *w = arg;
	int i, lines, msi, ioq;

	while (!w->stop) {
		for (i = 0; i < 200 && !w->stop; i++)
			usleep(100 * 1000);
		if (w->stop)
			break;
		printf("l2-nvme: watch: %llu NVMe interrupts so far\n",
		       nvme_irqs(&lines, &msi, &ioq, NULL));
		kernel_log(w->kfd, w->k);
	}
	return NULL;
}

static void io(struct klog *k, int kfd)
{
	struct watch wt = { .k = k, .kfd = kfd };
	unsigned long long q0[MAX_QUEUES], q1[MAX_QUEUES];
	int started[MAX_CPUS], watching, quiet = 0;
	pthread_t watcher;
	struct worker w[MAX_CPUS];
	pthread_t th[MAX_CPUS];
	unsigned long long irq0, irq1, size = 0, total = 0;
	int cpus = sysconf(_SC_NPROCESSORS_ONLN), i, lines, msi, fd, errors = 0, bad = 0, queues;
	char buf[64];
	double t0;

	if (cpus < 1)
		cpus = 1;
	if (cpus > MAX_CPUS)
		cpus = MAX_CPUS;
	if (slurp("/sys/block/nvme0n1/size", buf, sizeof(buf)) > 0)
		size = strtoull(buf, NULL, 10) * 512;
	nvme_irqs(&lines, &msi, &queues, NULL);
	printf("l2-nvme: %s: %llu MiB, %d I/O queue(s) with interrupts, %d CPU(s)\n", DISK, size >> 20,
	       queues, cpus);
	fd = open(DISK, O_RDWR | O_DIRECT);
	if (fd < 0 || size < IO_BYTES) {
		verdict(0, "io", "cannot use %s: %s", DISK, fd < 0 ? strerror(errno) : "too small");
		return;
	}
	irq0 = nvme_irqs(&lines, &msi, &queues, q0);
	watching = !pthread_create(&watcher, NULL, watch_thread, &wt);
	t0 = now();
	for (i = 0; i < cpus; i++) {
		w[i] = (struct worker){ .cpu = i, .fd = fd };
		/* whole MiB each, 64 MiB at least in all (the disk has 256) */
		w[i].bytes = (IO_BYTES / cpus + 0xfffff) & ~(unsigned long long)0xfffff;
		w[i].start = i * w[i].bytes;
		started[i] = !pthread_create(&th[i], NULL, work, &w[i]);
		if (!started[i])
			w[i].errors++;
	}
	for (i = 0; i < cpus; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		errors += w[i].errors;
		bad += w[i].mismatches;
		total += w[i].bytes;
		printf("l2-nvme: CPU %d: %llu MiB at %llu MiB, %d error(s), %d mismatch(es), %.1f s\n",
		       i, w[i].bytes >> 20, w[i].start >> 20, w[i].errors, w[i].mismatches, w[i].secs);
		if (w[i].mismatches)
			printf("l2-nvme: CPU %d: first mismatch at byte %llu\n", i, w[i].first_bad);
	}
	/* the watcher shares nvme_irqs()'s buffer and the log: stopped first */
	wt.stop = 1;
	if (watching)
		pthread_join(watcher, NULL);
	irq1 = nvme_irqs(&lines, &msi, &queues, q1);
	close(fd);
	kernel_log(kfd, k);
	verdict(!errors && !bad && total >= IO_BYTES, "io",
		"%llu MiB written with O_DIRECT (4K to 1M), synced, read back: %d I/O error(s), %d mismatching piece(s), %.1f s",
		total >> 20, errors, bad, now() - t0);
	/*
	 * MSI-X: a vector per queue, a queue per CPU. INTx: the driver's one
	 * vector serves the admin queue and one I/O queue, which all CPUs
	 * share: what pci=nomsi costs
	 */
	if (intx)
		verdict(queues == 1 && cpus >= 2, "queues",
			"%d I/O queue (INTx: one vector), shared by one writer per CPU on %d CPUs",
			queues, cpus);
	else
		verdict(queues >= 2 && cpus >= 2, "queues",
			"%d I/O queues, one writer per CPU on %d CPUs", queues, cpus);
	/* each I/O queue's interrupts rose (INTx: their one line) */
	for (i = 1; i <= queues && i < MAX_QUEUES; i++)
		if (q1[i] <= q0[i]) {
			printf("l2-nvme: I/O queue %d took no interrupt\n", i);
			quiet++;
		}
	verdict(irq1 > irq0 && queues >= 1 && !quiet && (intx ? !msi && lines == 1 : msi == lines && lines >= 2),
		"irq",
		"%llu interrupts during the I/O, on %d line(s) of /proc/interrupts, %d of them MSIs (%s wanted), %d of %d I/O queue(s) without one",
		irq1 - irq0, lines, msi, intx ? "one INTx line" : "an MSI per queue", quiet, queues);
}

int main(void)
{
	struct klog k = { 0 };
	char bdf[64] = "", type[32], buf[256];
	int kfd, direct, loaded = 0, found = 0, i;
	struct timespec ts;
	pthread_t loader;
	double t0;
	struct stat st;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (slurp("/proc/version", buf, sizeof(buf)) > 0)
		printf("l2-nvme: %s", buf);
	cmdline();
	clock_gettime(CLOCK_REALTIME, &ts);
	seed = 0x5a5aa5a5c3c33c3cULL ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec;
	for (i = 0; tag[i]; i++)
		seed = seed * 131 + (unsigned char)tag[i];
	printf("l2-nvme: the data's seed: %#llx\n", (unsigned long long)seed);
	/* the timeouts, resets and ACPICA errors are read there */
	if (kfd < 0) {
		verdict(0, "device", "cannot read the kernel's log: %s", strerror(errno));
		goto out;
	}
	kernel_log(kfd, &k);
	if (!find_nvme(bdf, sizeof(bdf))) {
		verdict(0, "device", "no NVMe (class 0x010802) on the guest's PCI bus");
		goto out;
	}
	/*
	 * Loading nvme waits for its probe, which waits for the controller:
	 * a thread loads, so that this one can watch the kernel's log. The
	 * device joins its IOMMU group when the driver binds to it (the
	 * firmware's IOMMU description is read then).
	 */
	if (pthread_create(&loader, NULL, load_thread, &loaded)) {
		verdict(0, "device", "cannot start the module loader");
		goto out;
	}
	snprintf(buf, sizeof(buf), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	for (t0 = now(); stat(buf, &st) && now() - t0 < 60;) {
		usleep(100 * 1000);
		kernel_log(kfd, &k);
	}
	iommu_group(bdf, type, sizeof(type), &direct);
	verdict(!strcmp(type, "DMA"), "domain", "%s is in an IOMMU group of type \"%s\" (strict DMA wanted)",
		bdf, type[0] ? type : "none");
	/*
	 * ACPI: the IORT's RMRs map the host's MSI window 1:1 (the VMM's
	 * fixes); device tree: no RMR, so MSIs cannot work (pci=nomsi)
	 */
	if (acpi)
		verdict(direct && !k.acpi_errors, "msi_window",
			"the host's MSI window %s a direct region of the group (IORT RMR), %d ACPICA error line(s)",
			direct ? "is" : "is not", k.acpi_errors);
	else
		verdict(!direct, "msi_window",
			"the host's MSI window %s a direct region of the group (a device tree has no RMR)",
			direct ? "is" : "is not");
	t0 = now();
	while (now() - t0 < wait_s && !found) {
		found = !stat("/sys/block/nvme0n1", &st);
		if (!found)
			usleep(200 * 1000);
		kernel_log(kfd, &k);
	}
	verdict(found, "disk", "%s %s after %.0f s", DISK, found ? "there" : "missing", now() - t0);
	if (found) {
		pthread_join(loader, NULL);
		printf("l2-nvme: %d module(s) loaded from /modules\n", loaded);
	}
	if (found) {
		/* devtmpfs has the node when the disk is announced */
		for (t0 = now(); stat(DISK, &st) && now() - t0 < 10;)
			usleep(100 * 1000);
		io(&k, kfd);
	}
	kernel_log(kfd, &k);
	verdict(!k.timeouts && !k.resets, "clean", "%d I/O timeout line(s), %d controller reset line(s)",
		k.timeouts, k.resets);
	printf("l2-nvme: %d event line(s) of the guest's SMMUv3 driver\n", k.smmu_events);
out:
	printf("VMMTEST: DONE %s\n", tag);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
