// SPDX-License-Identifier: GPL-2.0-only
/*
 * /init of the test kernel's initramfs (workspace tool, not part of the
 * series): mounts what tests need, loads the modules in /modules in the
 * order of their names (a distribution kernel's own VFIO modules, for
 * make deb's run), runs /test when there is one (the VFIO selftest, make
 * vmm's host) and loads /e2e.ko when there is one (the workspace's
 * end-to-end KUnit suite, tests/e2e, which runs as it loads, between two
 * marks in the kernel's log), then asks kmemleak for a scan and prints its
 * report between
 * markers on the console, where scripts/verdict.py looks for leaks, and
 * powers the machine off.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>

static void kmemleak_report(void)
{
	const char *path = "/sys/kernel/debug/kmemleak";
	char buf[4096];
	ssize_t n;
	int fd, i;

	fd = open(path, O_RDWR);
	if (fd < 0) {
		printf("kmemleak: not available\n");
		return;
	}
	/* twice: an object is reported once it was unreferenced at two scans */
	for (i = 0; i < 2; i++) {
		if (write(fd, "scan", 4) != 4)
			printf("kmemleak: scan failed\n");
		sleep(1);
	}
	close(fd);
	fd = open(path, O_RDONLY);
	printf("kmemleak: report begins\n");
	fflush(stdout);
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, n) != n)
			break;
	if (fd >= 0)
		close(fd);
	printf("kmemleak: report ends\n");
}

/* A line in the kernel's log, in order with the suites' own lines */
static void kmsg(const char *line)
{
	int fd = open("/dev/kmsg", O_WRONLY);

	if (fd < 0)
		return;
	if (write(fd, line, strlen(line)) < 0)
		printf("init: cannot write /dev/kmsg\n");
	close(fd);
}

/* Load the end-to-end test module: its KUnit suite runs as it loads */
static void e2e_load(void)
{
	int fd = open("/e2e.ko", O_RDONLY);

	if (fd < 0)
		return;
	kmsg("e2e: module begins\n");
	if (syscall(SYS_finit_module, fd, "", 0))
		kmsg("e2e: module not loaded\n");
	kmsg("e2e: module ends\n");
	close(fd);
}

/* /modules/NN-name.ko, in the order of their names: each one's log line */
static void modules_load(void)
{
	struct dirent **ent;
	char path[300];
	int i, n, fd;

	n = scandir("/modules", &ent, NULL, alphasort);
	for (i = 0; i < n; i++) {
		if (!strstr(ent[i]->d_name, ".ko"))
			goto next;
		snprintf(path, sizeof(path), "/modules/%s", ent[i]->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0 || syscall(SYS_finit_module, fd, "", 0))
			printf("init: module %s not loaded: %s\n", ent[i]->d_name,
			       strerror(errno));
		else
			printf("init: module %s loaded\n", ent[i]->d_name);
		if (fd >= 0)
			close(fd);
next:
		free(ent[i]);
	}
	if (n > 0)
		free(ent);
}

int main(void)
{
	struct stat st;
	pid_t pid;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	modules_load();

	if (!stat("/test", &st)) {
		pid = fork();
		if (!pid) {
			execl("/test", "/test", NULL);
			_exit(127);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	e2e_load();
	kmemleak_report();
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
