// SPDX-License-Identifier: GPL-2.0-only
/*
 * /init of make vmm's guest (L2): a workspace tool, not part of the series.
 * Asks on its console which run this boot is (scripts/vmm/l1_run.c, in the
 * host, answers through the VMM's serial port), loads the workload module
 * (scripts/vmm/l2_edu.c) with it, then reboots or powers off as told.
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
		for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
			if (strstr(msg, keep[i])) {
				printf("l2-init: kernel: %s\n", msg);
				break;
			}
	}
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	char line[256], tag[64], cases[128], then[32], params[256];
	int fd, ret;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	/* the boot was quiet: the workload and the SMMU's events are not */
	fd = open("/proc/sys/kernel/printk", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "7", 1) != 1)
			perror("l2-init: console level");
		close(fd);
	}

	kernel_log();
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
	printf("l2-init: %s\n", strcmp(then, "reboot") ? "powering off" : "rebooting");
	fflush(stdout);
	sync();
	reboot(strcmp(then, "reboot") ? RB_POWER_OFF : RB_AUTOBOOT);
	return 0;
}
