// SPDX-License-Identifier: GPL-2.0-only
/*
 * /test of make vmm's host (L1): a workspace tool, not part of the series.
 * Runs in the series' kernel, booted at EL2 with KVM by scripts/vmm.sh, as
 * the operator of the RFC's VMM would:
 *
 *  1. binds every edu device (1234:11e8) to vfio-pci;
 *  2. runs the VMM (/vmm/qemu-system-aarch64, unmodified) with both edus
 *     assigned to a device-tree guest on its vSMMUv3 (iommu=smmuv3): the
 *     guest's first boot runs the workload's cases, then reboots (the VMM
 *     resets its vSMMU), its second boot runs DMA again and powers off;
 *  3. runs it again for an ACPI guest from UEFI (iommu=nested-smmuv3, whose
 *     IORT has RMRs for the MSI window), and reports what it does.
 *
 * The guest's console (the VMM's stdout) is copied to this console with
 * "L2| " before each line, the VMM's stderr with "VMM| ". The guest's
 * /init (scripts/vmm/l2_init.c) asks which run it is; this program answers
 * on the guest's serial port. Lines "VMMTEST: ..." are counted by
 * scripts/verdict.py, and so are those of the guest's workload.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <termios.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define VMM	"/vmm/qemu-system-aarch64"
#define MAX_EDUS 2

static char edus[MAX_EDUS][32];
static int nr_edus;
static char nvme[32];

static char *arg(const char *fmt, ...)
{
	char *s;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/*
 * A mark on the console, for the cut of L0's trace by time: out of this
 * console before what it marks starts (scripts/stamp.py times it when
 * L0 hands it over)
 */
static void mark(const char *vm, const char *what)
{
	say("VMMTEST: MARK %s %s\n", vm, what);
	tcdrain(1);
	usleep(500 * 1000);
}

static void verdict(int ok, const char *name, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	say("VMMTEST: %s %s: %s\n", ok ? "PASS" : "FAIL", name, buf);
}

static int put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret;

	if (fd < 0)
		return -errno;
	ret = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -errno;
	close(fd);
	return ret;
}

static int get(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* The driver bound to PCI device @bdf, or "" */
static void driver_of(const char *bdf, char *out, size_t len)
{
	char path[128], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	out[0] = 0;
	if (n > 0) {
		link[n] = 0;
		snprintf(out, len, "%s", strrchr(link, '/') + 1);
	}
}

static int bind_vfio(const char *bdf)
{
	char path[320], drv[64];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	put(path, "vfio-pci");
	driver_of(bdf, drv, sizeof(drv));
	if (drv[0] && strcmp(drv, "vfio-pci")) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
		put(path, bdf);
	}
	put("/sys/bus/pci/drivers_probe", bdf);
	driver_of(bdf, drv, sizeof(drv));
	say("vmm-l1: %s -> %s\n", bdf, drv[0] ? drv : "(none)");
	return !strcmp(drv, "vfio-pci");
}

static int bind_edus(void)
{
	char path[320], v[32], d[32];
	struct dirent *de;
	DIR *dir = opendir("/sys/bus/pci/devices");
	int i, bound = 0;

	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", de->d_name);
		if (get(path, v, sizeof(v)))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", de->d_name);
		if (get(path, d, sizeof(d)))
			continue;
		if (strcmp(v, "0x1234") || strcmp(d, "0x11e8") || nr_edus == MAX_EDUS)
			continue;
		if (strlen(de->d_name) >= sizeof(edus[0]))
			continue;
		strcpy(edus[nr_edus++], de->d_name);
	}
	if (dir)
		closedir(dir);
	/* readdir's order is not the bus order */
	if (nr_edus == 2 && strcmp(edus[0], edus[1]) > 0) {
		char t[32];

		memcpy(t, edus[0], sizeof(t));
		memcpy(edus[0], edus[1], sizeof(t));
		memcpy(edus[1], t, sizeof(t));
	}
	for (i = 0; i < nr_edus; i++)
		bound += bind_vfio(edus[i]);
	return bound;
}

/*
 * The NVMe of L0 (class 0x010802), for the stock guests: bound to vfio-pci
 * as an operator would (driver_override); 1 if it is
 */
static int bind_nvme(void)
{
	char path[320], c[32];
	struct dirent *de;
	DIR *dir = opendir("/sys/bus/pci/devices");

	while (dir && !nvme[0] && (de = readdir(dir))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(nvme))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/class", de->d_name);
		if (!get(path, c, sizeof(c)) && !strcmp(c, "0x010802"))
			strcpy(nvme, de->d_name);
	}
	if (dir)
		closedir(dir);
	return nvme[0] && bind_vfio(nvme);
}

struct out {
	int fd;
	const char *prefix;
	char buf[4096];
	size_t len;
};

struct vm {
	const char *name;
	char **argv;
	const char **runs;	/* the answers to the guest's question, in order */
	int timeout_s;
	/* what was seen */
	int asked, powered_off, done_lines;
};

static void vm_line(struct vm *vm, int in_fd, const char *prefix, char *line)
{
	size_t n = strlen(line);

	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		line[--n] = 0;
	say("%s%s\n", prefix, line);
	if (strcmp(prefix, "L2| "))
		return;
	if (strstr(line, "l2-init: which run?")) {
		const char *run = vm->runs[vm->asked];

		if (!run)
			run = "run extra dma poweroff";
		else
			vm->asked++;
		say("vmm-l1: %s: boot %d of the guest: %s\n", vm->name, vm->asked, run);
		if (write(in_fd, run, strlen(run)) < 0 || write(in_fd, "\n", 1) < 0)
			say("vmm-l1: cannot answer the guest: %s\n", strerror(errno));
	}
	if (strstr(line, "VMMTEST: DONE"))
		vm->done_lines++;
	if (strstr(line, "reboot: Power down"))
		vm->powered_off = 1;
}

/* Copy what @o's pipe has, line by line; 0 at end of file */
static int drain(struct vm *vm, int in_fd, struct out *o)
{
	ssize_t n = read(o->fd, o->buf + o->len, sizeof(o->buf) - 1 - o->len);
	char *nl;

	if (n <= 0)
		return n < 0 && errno == EINTR;
	o->len += n;
	o->buf[o->len] = 0;
	while ((nl = memchr(o->buf, '\n', o->len))) {
		*nl = 0;
		vm_line(vm, in_fd, o->prefix, o->buf);
		o->len -= nl + 1 - o->buf;
		memmove(o->buf, nl + 1, o->len);
		o->buf[o->len] = 0;
	}
	if (o->len == sizeof(o->buf) - 1) {
		vm_line(vm, in_fd, o->prefix, o->buf);
		o->len = 0;
	}
	return 1;
}

/*
 * The host's vfio interrupt lines of /proc/interrupts, on this console,
 * and the NVMe's PCI command and status registers (INTx Disable, bit 10
 * of the command; Interrupt Status, bit 3 of the status): what the
 * host's INTx masking and the device's INTx are at
 */
static void host_irqs(const char *vm)
{
	char line[512], path[320];
	unsigned char cfg[8];
	FILE *f = fopen("/proc/interrupts", "r");
	int fd;

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "vfio"))
			say("vmm-l1: %s: host interrupts: %s", vm, line);
	if (f)
		fclose(f);
	if (!nvme[0])
		return;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", nvme);
	fd = open(path, O_RDONLY);
	if (fd >= 0 && pread(fd, cfg, sizeof(cfg), 0) == sizeof(cfg))
		say("vmm-l1: %s: %s command 0x%04x status 0x%04x\n", vm, nvme,
		    cfg[4] | cfg[5] << 8, cfg[6] | cfg[7] << 8);
	if (fd >= 0)
		close(fd);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Run one VMM to its end. The VMM keeps running when its guest powers off
 * (-no-shutdown): the teardown, closing VFIO, starts when this program
 * sends SIGTERM, after a mark on the console, so that the host commands
 * of the teardown can be told from the guest's (scripts/verdict.py).
 */
static int run_vm(struct vm *vm)
{
	int in[2], out[2], err[2], status = -1, open_fds = 2, i;
	struct out o[2] = { { .prefix = "L2| " }, { .prefix = "VMM| " } };
	double start = now(), stopped = 0, done_at = 0, last_irqs = start;
	int killed = 0, timed_out = 0, stuck = 0;
	char name[64];
	pid_t pid;

	if (pipe(in) || pipe(out) || pipe(err))
		return -1;
	mark(vm->name, "start");
	/* arguments with spaces quoted (README's lines are checked against it) */
	say("vmm-l1: %s:", vm->name);
	for (i = 0; vm->argv[i]; i++)
		say(strchr(vm->argv[i], ' ') ? " \"%s\"" : " %s", vm->argv[i]);
	say("\n");
	pid = fork();
	if (!pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(in[1]);
		close(out[0]);
		close(err[0]);
		execv(vm->argv[0], vm->argv);
		fprintf(stderr, "exec %s: %s\n", vm->argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	o[0].fd = out[0];
	o[1].fd = err[0];
	while (open_fds) {
		struct pollfd p[2] = { { o[0].fd, POLLIN, 0 }, { o[1].fd, POLLIN, 0 } };
		double t = now();

		if (poll(p, 2, 1000) < 0 && errno != EINTR)
			break;
		/* every 30 s, what the host's vfio-pci took */
		if (t - last_irqs > 30) {
			host_irqs(vm->name);
			last_irqs = t;
		}
		for (i = 0; i < 2; i++)
			if (o[i].fd >= 0 && p[i].revents && !drain(vm, in[1], &o[i])) {
				close(o[i].fd);
				o[i].fd = -1;
				open_fds--;
			}
		if (vm->powered_off && !stopped) {
			/* let the last words of the guest through first */
			stopped = t;
		}
		/*
		 * A stock guest whose device never came up can hang in its
		 * power-off (its driver's probe holds the device): 60 s after
		 * its last word, the VMM tears it down all the same
		 */
		if (!vm->powered_off && !vm->runs[0] && vm->done_lines && !done_at)
			done_at = t;
		if (done_at && !stopped && t - done_at > 60) {
			say("vmm-l1: %s: the guest reported but did not power off in 60 s\n", vm->name);
			stopped = t;
		}
		if (stopped && !killed && t - stopped > 2) {
			mark(vm->name, "teardown");
			kill(pid, SIGTERM);
			killed = 1;
		}
		/* a VMM that SIGKILL cannot end (stuck in the kernel): give up */
		if (timed_out && t - start > vm->timeout_s + 120) {
			say("vmm-l1: %s: the VMM is still there 120 s after SIGKILL\n", vm->name);
			stuck = 1;
			break;
		}
		if (!timed_out && t - start > vm->timeout_s) {
			say("vmm-l1: %s: no end after %d s, killing the VMM\n",
			    vm->name, vm->timeout_s);
			mark(vm->name, "teardown");
			kill(pid, SIGKILL);
			timed_out = killed = 1;
		}
	}
	close(in[1]);
	if (stuck)
		waitpid(pid, &status, WNOHANG);
	else
		waitpid(pid, &status, 0);
	mark(vm->name, "exited");
	say("vmm-l1: %s: VMM ended after %.0f s, %s %d\n", vm->name, now() - start,
	    WIFEXITED(status) ? "exit status" : "signal",
	    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	snprintf(name, sizeof(name), "vmm.%s.ran", vm->name);
	/* a stock guest asks for no runs: its boots are not counted */
	verdict(!timed_out && vm->powered_off, name, "%s%s",
		vm->runs[0] ? arg("%d boot(s) of the guest, ", vm->asked) : "",
		timed_out ? "TIMED OUT" :
		vm->powered_off ? "the guest powered off" : "the guest never powered off");
	/* SIGTERM is how this run ends a VMM that -no-shutdown keeps */
	snprintf(name, sizeof(name), "vmm.%s.exit", vm->name);
	verdict(killed && !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		name, "the VMM %s",
		WIFEXITED(status) ? (WEXITSTATUS(status) ? "exited with an error" :
				      "tore the VM down and exited (status 0)") :
		"was killed");
	return 0;
}


/*
 * The VMM's command line for a guest of @machine with @mem MiB of RAM;
 * @uefi for ACPI
 */
static char **vmm_argv(const char *machine, int mem, int uefi,
		       const char *append)
{
	static const char *common[] = {
		VMM, "-accel", "kvm", "-cpu", "host", "-smp", "1",
		"-display", "none", "-monitor", "none", "-serial", "stdio",
		"-nodefaults", "-no-shutdown",
		"-kernel", "/vmm/Image", "-initrd", "/vmm/l2.cpio",
		/* the guest's commands as the vSMMU executes them */
		"-trace", "smmuv3_cmdq_opcode",
		/* and each VFIO_IOMMU_CACHE_INVALIDATE it sends */
		"-trace", "vfio_iommu_addr_inv_iotlb",
		"-trace", "vfio_iommu_asid_inv_iotlb",
		"-trace", "smmuv3_notify_config_change",
	};
	char **argv = calloc(64, sizeof(*argv));
	int n = 0, i;

	for (i = 0; i < (int)(sizeof(common) / sizeof(common[0])); i++)
		argv[n++] = (char *)common[i];
	argv[n++] = "-m";
	argv[n++] = arg("%d", mem);
	argv[n++] = "-M";
	argv[n++] = (char *)machine;
	if (uefi) {
		argv[n++] = "-bios";
		argv[n++] = "/vmm/QEMU_EFI.fd";
	}
	argv[n++] = "-append";
	argv[n++] = (char *)append;
	for (i = 0; i < nr_edus; i++) {
		argv[n++] = "-device";
		argv[n++] = arg("vfio-pci,host=%s", edus[i]);
	}
	argv[n] = NULL;
	return argv;
}

/*
 * The stock guests (scripts/vmm.sh, VMM_STOCK=1): /vmm/stock.plan has one
 * VM a line, "NAME VMM KERNEL INITRD MACHINE UEFI MEM SMP APPEND...", run
 * in that order on L0's NVMe, one after the other, each VM torn down by
 * its VMM before the next starts: the device serves one VM after another.
 * Each guest's /init (scripts/vmm/l2_nvme.c) reports and powers off.
 */
static void run_stock(void)
{
	char line[1024], name[64], vmm[128], kernel[128], initrd[128], machine[128];
	int uefi, mem, smp, off, n = 0;
	FILE *f = fopen("/vmm/stock.plan", "r");

	if (!f)
		return;
	verdict(bind_nvme(), "vmm.host.nvme", "L0's NVMe %s bound to vfio-pci",
		nvme[0] ? nvme : "(none)");
	while (nvme[0] && fgets(line, sizeof(line), f)) {
		/*
		 * about 130 s (device tree) and 225 s (ACPI) in a good run;
		 * the edu VMs' 600 s each and four of these fit in L0's 3600
		 */
		struct vm vm = { .timeout_s = 480 };
		static const char *none[] = { NULL };
		char **argv = calloc(64, sizeof(*argv));
		int a = 0;

		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#' || !line[0])
			continue;
		if (sscanf(line, "%63s %127s %127s %127s %127s %d %d %d %n", name, vmm, kernel,
			   initrd, machine, &uefi, &mem, &smp, &off) != 8) {
			say("vmm-l1: stock.plan: cannot read \"%s\"\n", line);
			continue;
		}
		argv[a++] = strdup(vmm);
		argv[a++] = "-accel"; argv[a++] = "kvm"; argv[a++] = "-cpu"; argv[a++] = "host";
		argv[a++] = "-smp"; argv[a++] = arg("%d", smp);
		argv[a++] = "-m"; argv[a++] = arg("%d", mem);
		argv[a++] = "-M"; argv[a++] = strdup(machine);
		argv[a++] = "-display"; argv[a++] = "none"; argv[a++] = "-monitor"; argv[a++] = "none";
		argv[a++] = "-serial"; argv[a++] = "stdio"; argv[a++] = "-nodefaults";
		argv[a++] = "-no-shutdown";
		if (uefi) {
			argv[a++] = "-bios";
			argv[a++] = "/vmm/QEMU_EFI.fd";
		}
		argv[a++] = "-kernel"; argv[a++] = strdup(kernel);
		argv[a++] = "-initrd"; argv[a++] = strdup(initrd);
		argv[a++] = "-append"; argv[a++] = strdup(line + off);
		argv[a++] = "-device"; argv[a++] = arg("vfio-pci,host=%s", nvme);
		argv[a] = NULL;
		vm.name = strdup(name);
		vm.argv = argv;
		vm.runs = none;
		run_vm(&vm);
		n++;
		verdict(vm.done_lines == 1, arg("vmm.%s.report", name),
			"the guest's /init %s", vm.done_lines ? "reported and ended" : "never reported its end");
	}
	fclose(f);
	say("vmm-l1: %d stock guest(s) run\n", n);
}

int main(void)
{
	static const char *dt_runs[] = {
		"run dt1 dma,unmap,fault,msi,two reboot",
		"run dt2 dma,msi_dma_api poweroff",
		NULL,
	};
	static const char *acpi_runs[] = { "run acpi dma,msi_dma_api poweroff", NULL };
	/*
	 * The guest's console costs a trip through KVM and the VMM for each
	 * character, under TCG: its boot is quiet, and its /init raises the
	 * console's level for the workload and the SMMU's event lines
	 */
	const char *append = "console=ttyAMA0 iommu.strict=1 quiet";
	const char *append_acpi = "console=ttyAMA0 iommu.strict=1 quiet acpi=force";
	/* about 130 s and 160 s in a good run */
	struct vm dt = { .name = "dt", .runs = dt_runs, .timeout_s = 600 };
	struct vm acpi = { .name = "acpi", .runs = acpi_runs, .timeout_s = 600 };
	struct stat st;
	int bound;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	/* VMM_STOCK=only (scripts/vmm.sh): the stock guests alone */
	if (!stat("/vmm/stock.only", &st)) {
		run_stock();
		say("vmm-l1: done\n");
		return 0;
	}
	bound = bind_edus();
	verdict(bound == 2, "vmm.host.vfio", "%d of 2 edu devices bound to vfio-pci", bound);
	verdict(!stat("/dev/kvm", &st), "vmm.host.kvm", "/dev/kvm %s",
		stat("/dev/kvm", &st) ? "is missing (no KVM at EL2?)" : "is there");
	if (bound != 2 || stat("/dev/kvm", &st))
		return 1;
	/*
	 * Two guest sizes: the teardown's host commands must not grow with
	 * the guest's RAM, which VFIO maps and unmaps whole (verdict.py)
	 */
	dt.argv = vmm_argv("virt,iommu=smmuv3,gic-version=3", 256, 0, append);
	acpi.argv = vmm_argv("virt,iommu=nested-smmuv3,gic-version=3", 512, 1,
			     append_acpi);

	run_vm(&dt);
	verdict(dt.asked == 2 && dt.done_lines == 2, "vmm.dt.reboot",
		"the guest booted %d times (2 wanted: the reboot resets the vSMMU), its workload ended %d times",
		dt.asked, dt.done_lines);

	/* the first VM is gone: the ACPI VM takes the same devices again */
	if (stat("/vmm/QEMU_EFI.fd", &st))
		say("vmm-l1: no /vmm/QEMU_EFI.fd: the ACPI guest is not run\n");
	else
		run_vm(&acpi);
	run_stock();
	say("vmm-l1: done\n");
	return 0;
}
