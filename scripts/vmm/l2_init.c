// SPDX-License-Identifier: GPL-2.0-only
/*
 * /init of make vmm's guest (L2): a workspace tool, not part of the series.
 * Asks on its console which run this boot is (scripts/vmm/l1_run.c, in the
 * host, answers through the VMM's serial port), loads the workload module
 * (scripts/vmm/l2_edu.c) with it, prints the events the guest's SMMUv3
 * driver logged, one line each, then reboots or powers off as told.
 *
 * Each character on the guest's console costs a trip through KVM and the
 * VMM under TCG (a line takes about 0.3 s): the console shows warnings
 * only (the workload's verdicts are warnings), and the driver's events,
 * five lines each, are printed here, one line each and at most 64, so
 * that a flood of them cannot stall the run.
 *
 * The answer is one line: "run TAG CASES reboot|poweroff".
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/syscall.h>

/* /dev/kmsg writes a backslash and unprintable bytes as \xNN */
static void unescape(char *s)
{
	char *d = s;
	unsigned int c;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'x' && sscanf(s + 2, "%2x", &c) == 1) {
			*d++ = c;
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = 0;
}

/*
 * The boot was quiet: print what the kernel logged of the vSMMU, of ACPI
 * errors and of the IORT (its RMRs), the evidence for what this guest
 * does with them
 */
static void kernel_log(void)
{
	static const char *const keep[] = {
		"arm-smmu-v3", "ACPI BIOS Error", "ACPI Error", "IORT", "RMR",
	};
	char rec[1024];
	unsigned int i;
	ssize_t n;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	while (fd >= 0 && (n = read(fd, rec, sizeof(rec) - 1)) > 0) {
		char *msg;

		rec[n] = 0;
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		msg[strcspn(msg, "\n")] = 0;
		unescape(msg);
		for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
			if (strstr(msg, keep[i])) {
				printf("l2-init: kernel: %s\n", msg);
				break;
			}
	}
	if (fd >= 0)
		close(fd);
}

static unsigned int le(const unsigned char *p, int n)
{
	unsigned int v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/*
 * The RMR nodes of an ACPI guest's IORT (type 6): the memory ranges the
 * firmware asks the OS to keep mapped 1:1, each for the StreamIDs of its
 * ID mapping. One line per range: how many nodes have it, for which IDs.
 */
static void iort_rmrs(void)
{
	static unsigned char t[1 << 18];
	unsigned long long base = 0, size = 0;
	unsigned int nodes, off, i, count = 0, lo = ~0U, hi = 0;
	int fd = open("/sys/firmware/acpi/tables/IORT", O_RDONLY);
	size_t n = 0;
	ssize_t r;

	/* sysfs hands a table out a page at a time */
	while (fd >= 0 && n < sizeof(t) && (r = read(fd, t + n, sizeof(t) - n)) > 0)
		n += r;
	if (fd >= 0)
		close(fd);
	if (n < 48)
		return;
	nodes = le(t + 36, 4);
	off = le(t + 40, 4);
	for (i = 0; i < nodes && off + 28 <= n; i++) {
		unsigned int len = le(t + off + 1, 2);
		unsigned int maps = le(t + off + 12, 4);
		unsigned int ranges = le(t + off + 24, 4);
		const unsigned char *rd = t + off + ranges;
		unsigned long long b, sz;
		unsigned int sid;

		if (!len || off + len > n)
			break;
		if (t[off] == 6 && le(t + off + 20, 4) && le(t + off + 8, 4) &&
		    off + ranges + 20 <= n && off + maps + 20 <= n) {
			b = le(rd, 4) | (unsigned long long)le(rd + 4, 4) << 32;
			sz = le(rd + 8, 4) | (unsigned long long)le(rd + 12, 4) << 32;
			sid = le(t + off + maps + 8, 4);
			if (count && (b != base || sz != size)) {
				printf("l2-init: IORT RMR: [%#llx, +%#llx) for %u StreamIDs, %#x to %#x\n",
				       base, size, count, lo, hi);
				count = 0;
				lo = ~0U;
				hi = 0;
			}
			base = b;
			size = sz;
			count++;
			lo = sid < lo ? sid : lo;
			hi = sid > hi ? sid : hi;
		}
		off += len;
	}
	if (count)
		printf("l2-init: IORT RMR: [%#llx, +%#llx) for %u StreamIDs, %#x to %#x\n",
		       base, size, count, lo, hi);
}

/*
 * The events the guest's SMMUv3 driver logged ("event 0xNN received:",
 * then its four dwords, a record each), one line each: "l2-init: guest
 * event 0xNN: DW0 DW1 DW2 DW3"
 */
static void guest_events(void)
{
	unsigned long long dw[4];
	unsigned int id = 0, printed = 0, seen = 0;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK), got = -1;
	char rec[1024], *msg, *p;
	ssize_t n;

	while (fd >= 0 && (n = read(fd, rec, sizeof(rec) - 1)) > 0) {
		rec[n] = 0;
		msg = strchr(rec, ';');
		if (!msg || !strstr(msg, "arm-smmu-v3"))
			continue;
		msg[strcspn(msg, "\n")] = 0;
		unescape(msg);
		p = strstr(msg, ": event 0x");
		if (p && sscanf(p, ": event 0x%x received", &id) == 1) {
			got = 0;
			continue;
		}
		p = strstr(msg, ": \t0x");
		if (got < 0 || !p || sscanf(p + 3, "%llx", &dw[got]) != 1)
			continue;
		if (++got < 4)
			continue;
		got = -1;
		seen++;
		if (printed++ < 64)
			printf("l2-init: guest event 0x%02x: 0x%016llx 0x%016llx 0x%016llx 0x%016llx\n",
			       id, dw[0], dw[1], dw[2], dw[3]);
	}
	if (fd >= 0)
		close(fd);
	printf("l2-init: %u events of the guest's SMMUv3 driver in its log, %u printed\n",
	       seen, printed < 64 ? printed : 64);
}

int main(void)
{
	char line[256], tag[64], cases[128], then[32], params[256];
	int fd, ret;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	/* the boot was quiet; now warnings and worse, the verdicts */
	fd = open("/proc/sys/kernel/printk", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "5", 1) != 1)
			perror("l2-init: console level");
		close(fd);
	}

	kernel_log();
	iort_rmrs();
	fd = open("/proc/cmdline", O_RDONLY);
	if (fd >= 0) {
		ret = read(fd, line, sizeof(line) - 1);
		line[ret > 0 ? ret : 0] = 0;
		printf("l2-init: command line: %s", line);
		close(fd);
	}
	for (;;) {
		printf("l2-init: which run?\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin)) {
			printf("l2-init: no answer on the console\n");
			strcpy(line, "run l2 dma poweroff");
		}
		if (sscanf(line, "run %63s %127s %31s", tag, cases, then) == 3)
			break;
	}
	printf("l2-init: run %s: %s, then %s\n", tag, cases, then);
	fflush(stdout);
	snprintf(params, sizeof(params), "tag=%s cases=%s", tag, cases);
	fd = open("/l2_edu.ko", O_RDONLY);
	ret = fd < 0 ? -1 : syscall(SYS_finit_module, fd, params, 0);
	if (ret)
		perror("l2-init: loading l2_edu.ko");
	guest_events();
	printf("l2-init: %s\n", strcmp(then, "reboot") ? "powering off" : "rebooting");
	fflush(stdout);
	sync();
	reboot(strcmp(then, "reboot") ? RB_POWER_OFF : RB_AUTOBOOT);
	return 0;
}
