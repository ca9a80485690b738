#!/usr/bin/env python3
"""Judge console logs of the test kernel and keep the count of results.

  verdict.py kunit LOG     KUnit results (via kunit.py parse), one per case
  verdict.py console LOG   no KASAN/UBSAN/lockdep report, WARN, Oops, panic
  verdict.py boot LOG      SMMUv3 probed with S1 and S2; both edus enumerated
  verdict.py e2e LOG       the workspace's end-to-end module (tests/e2e),
                           loaded by init: its KUnit cases, and the host's
                           log line of each refusal it reaches
  verdict.py tap NAME LOG  a kselftest's TAP results, one per case, and
                           every case its plan announced
  verdict.py leaks LOG     kmemleak scanned at the end (scripts/init.c) and
                           reported no leak
  verdict.py vmm LOG MARKS TRACE
                           make vmm: the verdict lines of its three levels,
                           the guest's faults, the VMM's errors, each
                           level's console, and the command figures
  verdict.py summary       'N passed, N failed' over build/results.txt

Each counted test is a line 'PASS|FAIL|SKIP name' in build/results.txt;
a skipped case is recorded as FAIL unless VERDICT_SKIP=SKIP.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TREE = os.path.join(TOP, 'build', 'linux')
RESULTS = os.environ.get('RESULTS') or os.path.join(TOP, 'build', 'results.txt')

# The first line of an RCU stall report (6.1: rcu_sched, rcu_preempt,
# rcu_tasks*, expedited)
STALL_RE = (r'(rcu: )?INFO: \S+ (self-detected stall|detected stalls|'
            r'detected expedited stalls)')

# Anything here in a console log fails the run, whatever KTAP says.
BAD = [
    (r'BUG: KASAN', 'KASAN report'),
    (r'UBSAN:', 'UBSAN report'),
    (r'WARNING: (possible|inconsistent|suspicious|bad unlock|held lock|'
     r'lock held|nested lock)', 'lockdep report'),
    (r'INFO: trying to register non-static key', 'lockdep report'),
    (r'BUG: sleeping function called from invalid context', 'atomic sleep'),
    (r'(list_add|list_del) corruption', 'list corruption'),
    (r'WARNING: CPU: \d+ PID: \d+ at ', 'WARN'),
    (r'------------\[ cut here \]------------', 'WARN/BUG'),
    (r'kernel BUG at ', 'BUG'),
    (r'\bBUG: ', 'BUG'),
    (r'Internal error: Oops', 'Oops'),
    (r'Unable to handle kernel', 'Oops'),
    (r'Kernel panic', 'panic'),
    (r'# TIMEOUT after', 'QEMU timeout'),
    # the SMMUv3 driver's own reports of a command or queue gone wrong
    (r'CMDQ error \(cons|skipping command in error state', 'SMMU command error'),
    (r'CMD_SYNC timeout|CMDQ timeout', 'SMMU command timeout'),
    (r'unexpected global error reported', 'SMMU global error'),
    (r'EVTQ overflow detected|PRIQ overflow detected', 'SMMU queue overflow'),
    (r'Service Failure Mode', 'SMMU service failure'),
    # hangs
    (STALL_RE, 'RCU stall'),
    (r'INFO: task \S+ blocked for more than', 'hung task'),
]


def record(status, name, detail='', quiet=False):
    # A case that skipped proves nothing: a selftest whose device never
    # bound to vfio-pci skips every case. In make test a skip fails;
    # make per-patch, where a suite may lack what a later patch adds,
    # sets VERDICT_SKIP=SKIP and counts them apart.
    if status == 'SKIP' and os.environ.get('VERDICT_SKIP', 'FAIL') != 'SKIP':
        status, detail = 'FAIL', 'skipped' + (f' ({detail})' if detail else '')
    with open(RESULTS, 'a') as f:
        f.write(f'{status} {name}\n')
    if quiet and status != 'FAIL':
        return status
    if status == 'FAIL':
        print(f'  FAIL  {name}' + (f': {detail}' if detail else ''))
    else:
        print(f'  {status:4}  {name}')
    return status


def read(log):
    with open(log, errors='replace') as f:
        return f.read()


def console(log):
    text = read(log)
    found = []
    for line in text.splitlines():
        for pat, what in BAD:
            if re.search(pat, line):
                found.append(f'{what}: {line.strip()}')
                break
    name = f'console clean: {os.path.basename(log)}'
    if found:
        record('FAIL', name, '; '.join(found[:3]))
        for f in found[:20]:
            print('        ' + f)
        return 1
    record('PASS', name)
    return 0


def kunit(log, expect_suites=()):
    kunit_py = os.path.join(TREE, 'tools', 'testing', 'kunit', 'kunit.py')
    with tempfile.NamedTemporaryFile(suffix='.json') as js:
        p = subprocess.run([sys.executable, kunit_py, 'parse',
                            '--json=' + js.name, os.path.abspath(log)],
                           capture_output=True, text=True)
        sys.stdout.write(p.stdout)
        if p.returncode and not p.stdout:
            sys.stdout.write(p.stderr)
        try:
            data = json.load(open(js.name))
        except ValueError:
            data = {}
    rc = 0
    seen = set()
    label = os.environ.get('VERDICT_PREFIX', 'kunit')

    def walk(group, prefix):
        nonlocal rc
        for case in group.get('test_cases', []):
            st = {'PASS': 'PASS', 'SKIP': 'SKIP'}.get(case.get('status'), 'FAIL')
            if record(st, f"{label} {prefix}{case['name']}", quiet=True) == 'FAIL':
                rc = 1
        for sub in group.get('sub_groups', []):
            # a parameterised case: each parameter is counted
            walk(sub, f"{prefix}{sub['name']}.")

    for suite in data.get('sub_groups', []):
        seen.add(suite['name'])
        walk(suite, f"{suite['name']}.")
    for s in expect_suites:
        if s not in seen:
            record('FAIL', f'{label} {s}', 'suite did not run')
            rc = 1
    return rc


# The host's line for each refusal tests/e2e reaches on the live driver,
# one per reason the series names (arm_smmu_nesting_refusal() and
# arm_smmu_nested_attach_refusal())
E2E_LINES = [
    'cannot attach to a nested domain: the SMMU has no stage 2',
    'cannot attach to a nested domain: the SMMU has no stage 1',
    'cannot attach to a nested domain: the SMMU forces stalls',
    'cannot attach to a nested domain: an erratum of this SMMU forbids nesting',
    'cannot attach to a nested domain: its MSIs bypass the SMMU '
    '(hardware MSI region)',
]


def e2e(log):
    """The module's KTAP, between init's marks, as a log of its own."""
    lines = read(log).splitlines()
    begin = [i for i, l in enumerate(lines) if 'e2e: module begins' in l]
    end = [i for i, l in enumerate(lines) if 'e2e: module ends' in l]
    if not begin or not end or end[-1] < begin[-1]:
        record('FAIL', 'kunit arm-smmu-v3-nested-e2e', 'the module did not run')
        return 1
    body = lines[begin[-1] + 1:end[-1]]
    m = re.match(r'^(\[[^]]*\] )?', lines[begin[-1]])
    pre = m.group(1) or ''
    out = [pre + 'KTAP version 1', pre + '1..1']
    for l in body:
        # the suite's result line carries the kernel's suite count
        out.append(re.sub(r'^(\[[^]]*\] )?((not )?ok )\d+ '
                          r'(arm-smmu-v3-nested-e2e)$', r'\g<1>\g<2>1 \4', l))
    rc = 0
    with tempfile.NamedTemporaryFile('w', suffix='.log', delete=False) as f:
        f.write('\n'.join(out) + '\n')
        tmp = f.name
    try:
        rc |= kunit(tmp, ['arm-smmu-v3-nested-e2e'])
    finally:
        os.unlink(tmp)
    text = '\n'.join(body)
    for want in E2E_LINES:
        name = f'e2e host log: "{want}"'
        hit = [l for l in body if want in l]
        if not hit:
            record('FAIL', name, 'not in the console log')
            rc = 1
        elif re.search(r'0x[0-9a-f]{8,}', hit[0]):
            record('FAIL', name, f'an address in it: {hit[0].strip()}')
            rc = 1
        else:
            record('PASS', name)
    del text
    return rc


def boot(log):
    text = read(log)
    rc = 0
    pre = os.environ.get('VERDICT_PREFIX', '')
    pre = pre + ' ' if pre else ''
    m = re.search(r'arm-smmu-v3 \S+: ias (\d+)-bit, oas (\d+)-bit '
                  r'\(features 0x([0-9a-f]+)\)', text)
    name = pre + 'boot: arm-smmu-v3 probed with stage 1 and stage 2'
    if not m:
        record('FAIL', name, 'no arm-smmu-v3 probe line')
        rc = 1
    else:
        feat = int(m.group(3), 16)
        # ARM_SMMU_FEAT_TRANS_S1 is bit 9, ARM_SMMU_FEAT_TRANS_S2 bit 10
        if feat & (1 << 9) and feat & (1 << 10):
            record('PASS', name)
        else:
            record('FAIL', name, f'features 0x{feat:08x} lack S1/S2')
            rc = 1
    # qemu.sh gives every machine two: the two-device cases need both
    name = pre + 'boot: both edu devices (1234:11e8) enumerated'
    n = len(set(re.findall(r'pci (\S+): \[1234:11e8\]', text)))
    if n == 2:
        record('PASS', name)
    else:
        record('FAIL', name, f'{n} PCI enumeration lines for 1234:11e8, not 2')
        rc = 1
    return rc


def tap(name, log):
    """Count the TAP lines of a kselftest run as init of the machine."""
    plan, seen, bad, running = None, 0, 0, None
    for line in read(log).splitlines():
        m = re.match(r'^1\.\.(\d+)$', line)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = re.match(r'^#  RUN +(\S+) \.\.\.$', line)
        if m:
            running = m.group(1)
            continue
        m = re.match(r'^(not ok|ok) (\d+)(.*)$', line)
        if not m or plan is None:
            continue
        seen += 1
        # 6.1's kselftest harness prints a skipped case as 'ok N # SKIP
        # why', without its name: the case is the one that last ran
        head, skip, why = m.group(3).partition('# SKIP')
        case, _, rest = head.strip().partition(' ')
        case = f'{name}.{case or running or m.group(2)}'
        if m.group(1) == 'ok' and skip:
            st = record('SKIP', case, why.strip())
        else:
            st = record('PASS' if m.group(1) == 'ok' else 'FAIL', case,
                        rest.strip(), quiet=True)
        bad += st == 'FAIL'
    if plan is None:
        record('FAIL', f'{name}: ran', f'no TAP plan in {log}')
        return 1
    if seen != plan:
        record('FAIL', f'{name}: all planned cases ran',
               f'{seen} of {plan} reported')
        return 1
    print(f'  {name}: {seen - bad} of {plan} TAP cases passed')
    return 1 if bad else 0


def leaks(log):
    """kmemleak's report, printed by scripts/init.c before power off."""
    text = read(log)
    name = f'no leak (kmemleak): {os.path.basename(log)}'
    m = re.search(r'kmemleak: report begins\n(.*?)kmemleak: report ends',
                  text, re.S)
    if not m:
        record('FAIL', name, 'kmemleak did not report (no scan at the end)')
        return 1
    if re.search(r'kmemleak: (Kernel memory leak detector disabled|'
                 r'Cannot allocate a kmemleak_object)', text):
        record('FAIL', name, 'kmemleak disabled itself during the run')
        return 1
    objs = re.findall(r'unreferenced object (0x[0-9a-f]+)', m.group(1))
    if objs:
        record('FAIL', name, f'{len(objs)} unreferenced objects')
        for line in m.group(1).splitlines()[:30]:
            print('        ' + line)
        return 1
    record('PASS', name)
    return 0


# --- make vmm -------------------------------------------------------------
# The L0 log holds L1's console; L1's /test (scripts/vmm/l1_run.c) copies
# the guest's console (L2) there with 'L2| ' before each line, and the
# VMM's stderr with 'VMM| '.
L2P, VMMP = 'L2| ', 'VMM| '
VERDICT = re.compile(r'VMMTEST: (PASS|FAIL) (\S+?): (.*)$')
FAULTLINE = re.compile(r'VMMTEST: FAULT (\S+) (\S+) iova=(0x[0-9a-f]+)')
# 6.1's line for a host's event, and the series' for a nested master's
# event that no guest was given (a stage-2 fault, a bad STE, a record the
# series failed to decode)
EVENT = re.compile(r'arm-smmu-v3 \S+: event 0x([0-9a-f]{2}) received:|'
                   r'\S+: event 0x([0-9a-f]{2}) of a nested master:')
DWORD = re.compile(r'arm-smmu-v3 \S+: \s*0x([0-9a-f]{16})\s*$')
MARK = re.compile(r'VMMTEST: MARK (\S+) (\S+)')
OPCODE = re.compile(r'smmuv3_cmdq_opcode <--- SMMU_CMD_(\w+)')
STAMPED = re.compile(r'^\d+@(\d+\.\d+):smmuv3_cmdq_opcode <--- SMMU_CMD_(\w+)')
TLBIS = ('TLBI_NH_VA', 'TLBI_NH_VAA', 'TLBI_NH_ASID', 'TLBI_NH_ALL',
         'TLBI_NSNH_ALL')

# Every verdict the run must print, by the level that prints it
VMM_EXPECT = {
    'host': ['vmm.host.vfio', 'vmm.host.kvm',
             'vmm.dt.ran', 'vmm.dt.exit', 'vmm.dt.reboot'],
    'dt1': ['edus', 'dma_api_strict.edu0', 'dma_coherent.edu0',
            'dma_api_strict.edu1', 'dma_coherent.edu1',
            'unmap_1_page.edu0', 'unmap_4_pages.edu0',
            'unmap_37_pages.edu0', 'unmap_2M_block.edu0', 'fault_dma',
            'msi_window', 'msi_no_window', 'two_devices',
            'two_devices_no_cross'],
    'dt2': ['edus', 'dma_api_strict.edu0', 'dma_coherent.edu0',
            'dma_api_strict.edu1', 'dma_coherent.edu1'],
    'acpi': ['edus', 'dma_api_strict.edu0', 'dma_coherent.edu0',
             'dma_api_strict.edu1', 'dma_coherent.edu1'],
    'acpi-host': ['vmm.acpi.ran', 'vmm.acpi.exit'],
}
# each stock guest's verdicts (VMM_STOCK=1): l1_run's, then the guest's
# /init's (scripts/vmm/l2_nvme.c)
VMM_STOCK_HOST = ['ran', 'exit', 'report']
VMM_STOCK_GUEST = ['domain', 'msi_window', 'disk', 'io', 'queues', 'irq', 'clean']
# VMM messages that are not errors: edu has no reset, and SIGTERM is how
# the run ends a VMM that -no-shutdown keeps after its guest powered off
VMM_BENIGN = re.compile(r'Cannot reset device \S+, no available reset '
                        r'mechanism|terminating on signal 15')
# the VMM's trace events that l1_run asks for
VMM_TRACE = re.compile(r'(smmuv3_cmdq_opcode|vfio_iommu_addr_inv_iotlb|'
                       r'vfio_iommu_asid_inv_iotlb|smmuv3_notify_config_change) ')
# 6.1's own unpinning of the guest's RAM when the VMM exits is slow under
# TCG: an RCU stall whose stalled CPU is in there (and nowhere in the SMMU
# driver) is the emulation's speed. Any other stall is a finding, and a
# report inside a stall's lines is still one.
STALL_BENIGN = ('unpin_user_pages_dirty_lock', 'unpin_user_page',
                'unpin_user_page_range_dirty_lock', 'put_pfn',
                'vfio_unpin_pages_remote')


def sid_of(bdf):
    """The PCI requester ID of 'dddd:bb:dd.f': the vSMMU's StreamID."""
    m = re.match(r'[0-9a-f]{4}:([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$', bdf)
    return int(m.group(1), 16) << 8 | int(m.group(2), 16) << 3 | int(m.group(3))


def split_levels(lines):
    """(L1 lines, L2 lines, VMM stderr lines), prefixes removed."""
    l1, l2, vmm = [], [], []
    for line in lines:
        if line.startswith(L2P):
            l2.append(line[len(L2P):])
        elif line.startswith(VMMP):
            vmm.append(line[len(VMMP):])
        else:
            l1.append(line)
    return l1, l2, vmm


GUEST_EVENT = re.compile(r'l2-init: guest event 0x([0-9a-f]{2}): 0x([0-9a-f]{16}) '
                         r'0x([0-9a-f]{16}) 0x([0-9a-f]{16}) 0x([0-9a-f]{16})')


def guest_events(l2):
    """The events the guest's SMMUv3 driver logged, as its /init printed
    them after the workload: (index, id, 4 dwords)."""
    evs = []
    for i, line in enumerate(l2):
        m = GUEST_EVENT.search(line)
        if m:
            evs.append((i, int(m.group(1), 16),
                        [int(m.group(k), 16) for k in range(2, 6)]))
    return evs


def boot_of(l2, tag):
    """The guest's lines of the boot that ran @tag: from its /init's
    'run TAG:' to the next question."""
    start = next((i for i, ln in enumerate(l2) if f'l2-init: run {tag}:' in ln), None)
    if start is None:
        return []
    end = next((i for i in range(start + 1, len(l2))
                if 'l2-init: which run?' in l2[i]), len(l2))
    return l2[start:end]


def rcu_stalls(l1):
    """Each RCU stall report of L1: (line index, first line, the frames of
    the first backtrace after it, innermost first)."""
    stalls = []
    for i, line in enumerate(l1):
        if not re.search(STALL_RE, line):
            continue
        frames, started = [], False
        for nxt in l1[i + 1:i + 80]:
            m = re.match(r'^\s*(?:\[<[0-9a-f]+>\] )?([A-Za-z_][\w.]*)\+0x[0-9a-f]+/0x',
                         nxt)
            if 'Call trace:' in nxt:
                started = True
            elif started and m:
                frames.append(m.group(1))
            elif started and frames:
                break
        stalls.append((i, line.strip(), frames))
    return stalls


def benign_stall(frames):
    """6.1's unpinning of a VM's RAM when its VMM exits, in the innermost
    frames, and nothing of the SMMU driver's anywhere."""
    return (any(f in STALL_BENIGN for f in frames[:6]) and
            not any(f.startswith('arm_smmu') for f in frames))


def vmm_console(l1, l2):
    """L1's console clean (RCU stalls judged), and the guest's."""
    rc = 0
    found = []
    stalls = rcu_stalls(l1)
    benign = {i for i, _, frames in stalls if benign_stall(frames)}
    for i, line in enumerate(l1):
        if i in benign:
            continue
        for pat, what in BAD:
            if re.search(pat, line):
                found.append(f'{what}: {line.strip()}')
                break
    for i, first, frames in stalls:
        where = ' < '.join(frames[:8]) or 'no backtrace'
        if i in benign:
            print(f'  note: an RCU stall in 6.1\'s unpinning (TCG speed), '
                  f'not a finding: {where}')
        else:
            found.append(f'RCU stall: {first}: {where}')
    name = 'vmm host (L1) console clean (KASAN, UBSAN, lockdep, WARN, SMMU errors, stalls)'
    if found:
        record('FAIL', name, '; '.join(found[:3]))
        for f in found[:20]:
            print('        ' + f)
        rc = 1
    else:
        record('PASS', name)
    found = []
    for line in l2:
        for pat, what in BAD:
            if re.search(pat, line):
                found.append(f'{what}: {line.strip()}')
                break
    name = 'vmm guest (L2) console clean (WARN, BUG, Oops, panic, SMMU errors)'
    if found:
        record('FAIL', name, '; '.join(found[:3]))
        rc = 1
    else:
        record('PASS', name)
    return rc


def vmm_faults(l1, l2):
    """Every DMA the workload aimed at an unmapped IOVA gave the guest's own
    SMMUv3 driver an F_TRANSLATION event with its StreamID and address, in
    the same boot, one event for each; the host logged none as its own."""
    rc = 0
    for tag in ('dt1',):
        boot = boot_of(l2, tag)
        want = []
        for line in boot:
            m = FAULTLINE.search(line)
            if m and m.group(1) == tag:
                want.append((m.group(2), int(m.group(3), 16)))
        left = [(dw[0] >> 32, dw[2]) for _, eid, dw in guest_events(boot) if eid == 0x10]
        missing = []
        for bdf, iova in want:
            key = (sid_of(bdf), iova)
            if key in left:
                left.remove(key)
            else:
                missing.append(f'{bdf} {iova:#x}')
        name = f'vmm {tag}.faults_reach_guest'
        if not want:
            record('FAIL', name, 'the workload aimed no DMA at a hole')
            rc = 1
        elif missing:
            record('FAIL', name, f'no F_TRANSLATION in the guest for {", ".join(missing)}')
            rc = 1
        else:
            record('PASS', name)
            print(f'        {len(want)} faulting DMAs, each an F_TRANSLATION (0x10) '
                  'with its StreamID and address in the guest\'s own event log: '
                  + ', '.join(f'{b} {a:#x}' for b, a in want))
    host_events = [ln.strip() for ln in l1 if EVENT.search(ln)]
    name = 'vmm host (L1) logged no event as its own (the guest\'s go to the VMM)'
    if host_events:
        record('FAIL', name, host_events[0])
        rc = 1
    else:
        record('PASS', name)
    return rc


def msi_dma_api(l2, tag):
    """What MSIs did on the guest's DMA API domain in run @tag: MSIs that
    arrived, of how many, and the fewest F_TRANSLATION events at IOVA
    0x8000040 of one edu (0x8 and 0x10 are their StreamIDs)."""
    boot = boot_of(l2, tag)
    text = '\n'.join(boot)
    got = [int(n) for n in re.findall(rf'INFO {tag} msi_dma_api edu\d: (\d+) of 4 MSIs',
                                      text)]
    faults = [sum(1 for _, eid, dw in guest_events(boot)
                  if eid == 0x10 and dw[2] == 0x8000040 and dw[0] >> 32 == sid)
              for sid in (0x8, 0x10)]
    return sum(got), 4 * len(got), min(faults)


def vmm_msi_claims(lines, l2):
    """The README's account of MSIs on the DMA API's domain, where the
    guest keeps the MSI window for itself: none arrive, each faults in
    the guest's stage 1. For a device-tree guest, for want of an RMR; for
    an ACPI guest, because the VMM's DSDT makes Linux ignore its RMRs."""
    rc = 0
    got, of, faults = msi_dma_api(l2, 'dt2')
    print(f'  device-tree guest, MSIs on the DMA API\'s domain: {got} of {of} arrived; '
          f'at least {faults} F_TRANSLATION at IOVA 0x8000040 in the guest for each edu')
    name = 'vmm dt2.msi_dma_api_as_documented'
    if of == 8 and not got and faults >= 4:
        record('PASS', name)
    else:
        record('FAIL', name, 'the README\'s account of device-tree guests\' MSIs '
               'no longer holds (see above): update it')
        rc = 1
    mark = next((i for i, ln in enumerate(lines)
                 if ln.startswith('VMMTEST: MARK acpi start')), None)
    if mark is None:
        if os.environ.get('VMM_ACPI') == '1':
            record('FAIL', 'vmm acpi.rmr_path_as_documented', 'the ACPI guest never ran')
            return 1
        return rc
    # the ACPI guest's whole console, its boot included
    acpi = '\n'.join(ln[len(L2P):] for ln in lines[mark:] if ln.startswith(L2P))
    dup = re.search(r'Failure creating named object \[\\_SB\.PCI0\._DSM\], '
                    r'AE_ALREADY_EXISTS', acpi)
    excess = re.search(r'\\_SB\.PCI0\._DSM: Excess arguments - ASL declared 5',
                       acpi)
    rmr = re.search(r'IORT RMR: \[0x8000000, \+0x100000\) for (\d+) StreamIDs, '
                    r'(0x[0-9a-f]+|0) to (0x[0-9a-f]+)', acpi)
    # the edus are 00:01.0 and 00:02.0: StreamIDs 0x8 and 0x10
    rmrs = rmr and int(rmr.group(2), 16) <= 0x8 and int(rmr.group(3), 16) >= 0x10
    got, of, faults = msi_dma_api(l2, 'acpi')
    print(f'  ACPI guest: IORT RMRs of the MSI window [0x8000000, +1 MiB): '
          f'{rmr.group(1) + " StreamIDs, " + rmr.group(2) + " to " + rmr.group(3) if rmr else "none"}; '
          f'duplicate \\_SB.PCI0._DSM {"reported" if dup else "not reported"}, '
          f'its surviving 5-argument form {"evaluated" if excess else "not evaluated"}; '
          f'MSIs on the DMA API\'s domain: {got} of {of} arrived; at least '
          f'{faults} F_TRANSLATION at IOVA 0x8000040 in the guest for each edu')
    name = 'vmm acpi.rmr_path_as_documented'
    if rmrs and dup and excess and of == 8 and not got and faults >= 4:
        record('PASS', name)
    else:
        record('FAIL', name, 'the README\'s account of the VMM\'s ACPI tables no '
               'longer holds (see above): update it')
        rc = 1
    return rc


def vmm_figures(lines, l2marks, marks, trace):
    """Commands per phase: the guest's (its vSMMU, in the VMM's trace) and
    the host's (L0's SMMU, in its trace, cut at the marks by time)."""
    from collections import Counter, OrderedDict
    guest, reqs = OrderedDict(), OrderedDict()
    phase = None
    for line in lines:
        m = MARK.search(line)
        if m and not line.startswith(L2P):
            phase = f'{m.group(1)} {m.group(2)}'
            guest.setdefault(phase, Counter())
            reqs.setdefault(phase, Counter())
            continue
        if not line.startswith(VMMP) or phase is None:
            continue
        m = OPCODE.search(line)
        if m:
            guest[phase][m.group(1)] += 1
        if 'vfio_iommu_addr_inv_iotlb' in line:
            reqs[phase]['by address'] += 1
        elif 'vfio_iommu_asid_inv_iotlb' in line:
            reqs[phase]['by ASID'] += 1
        elif 'smmuv3_notify_config_change' in line:
            reqs[phase]['SET_PASID_TABLE'] += 1
    cuts = []
    for line in open(marks, errors='replace'):
        t, _, rest = line.partition(' ')
        m = MARK.search(rest)
        if m:
            cuts.append((float(t), f'{m.group(1)} {m.group(2)}'))
    host = OrderedDict((p, Counter()) for _, p in cuts)
    for line in open(trace, errors='replace'):
        m = STAMPED.match(line)
        if not m:
            continue
        t = float(m.group(1))
        cur = None
        for tc, p in cuts:
            if tc <= t:
                cur = p
        if cur:
            host[cur][m.group(2)] += 1

    def fmt(c):
        return ', '.join(f'{k} {v}' for k, v in sorted(c.items(), key=lambda kv: -kv[1])) or '-'

    print('  commands: the guest\'s (its vSMMU: the VMM\'s trace), the VMM\'s requests, '
          'the host\'s (L0\'s SMMU: its smmuv3_cmdq_opcode trace)')
    names = {'start': 'while the guest ran', 'teardown': 'teardown (VMM exit)'}
    for p in host:
        vm, what = p.split()
        if what == 'exited':
            continue
        print(f'  {vm}, {names.get(what, what)}:')
        if what == 'start':
            print(f'    guest    {fmt(guest.get(p, Counter()))}')
            print(f'    requests {fmt(reqs.get(p, Counter()))}')
        print(f'    host     {fmt(host[p])}')
        if what == 'start':
            g = guest.get(p, Counter())
            h = host[p]
            for op in ('TLBI_NH_VA', 'TLBI_NH_ASID'):
                if g[op]:
                    print(f'    host {op} per guest {op}: {h[op] / g[op]:.2f}'
                          f' ({h[op]} / {g[op]})')
            r = reqs.get(p, Counter())
            if r['by address']:
                print(f'    host TLBI_NH_VA per request by address: '
                      f'{h["TLBI_NH_VA"] / r["by address"]:.2f} '
                      f'({h["TLBI_NH_VA"]} / {r["by address"]})')
            gi = sum(g[op] for op in TLBIS)
            if gi:
                print(f'    host commands (SYNC included) per guest invalidation: '
                      f'{sum(h.values()) / gi:.2f}')
    return host, guest, reqs


# make vmm of 07e8678 (v4), the 256 MiB device-tree guest with two edus:
# its teardown cost about 540 CMD_SYNCs, one batch per piece unmapped
V4_TEARDOWN_SYNCS = 540


def vmm_teardown(lines, host):
    """The host's commands of each VM's teardown, for the guest's RAM; the
    VM with more RAM may not cost more (the cost is per device)."""
    mem = {}
    for line in lines:
        m = re.match(r'vmm-l1: (\S+): .* -m (\d+) ', line)
        # the VMs with the two edus (the stock guests have an NVMe)
        if m and m.group(1) in ('dt', 'acpi'):
            mem[m.group(1)] = int(m.group(2))
    rows = []
    for vm in mem:
        c = host.get(f'{vm} teardown')
        if c is None:
            continue
        rows.append((mem[vm], vm, sum(c.values()), c.get('SYNC', 0)))
    print('  teardown of each VM (two edus), L0\'s trace:')
    for m, vm, n, syncs in sorted(rows):
        print(f'    {vm:5} guest of {m:5} MiB: {n:4} commands, {syncs:4} CMD_SYNC')
    print(f'    v4 (07e8678), 256 MiB guest: about {V4_TEARDOWN_SYNCS} CMD_SYNC')
    name = 'vmm teardown: the host\'s commands do not grow with the guest\'s RAM'
    rows.sort()
    if len(rows) == 1 and os.environ.get('VMM_ACPI') != '1':
        # one VM by design (make deb's run): far below v4's cost only
        name = 'vmm teardown: the one VM\'s host commands far below v4\'s'
        if rows[0][3] < V4_TEARDOWN_SYNCS // 10:
            record('PASS', name)
            return 0
        record('FAIL', name, f'{rows[0][3]} CMD_SYNC')
        return 1
    if len(rows) < 2 or rows[0][0] == rows[-1][0]:
        record('FAIL', name, 'no two VMs of different RAM sizes tore down')
        return 1
    small, big = rows[0], rows[-1]
    # the bigger VM may cost no more than the smaller one, and both far
    # below v4's figure
    if big[2] <= small[2] and big[3] < V4_TEARDOWN_SYNCS // 10:
        record('PASS', name)
        print(f'        {big[3]} CMD_SYNC for {big[0]} MiB, {small[3]} for {small[0]} MiB')
        return 0
    record('FAIL', name, f'{big[2]} commands ({big[3]} CMD_SYNC) for {big[0]} MiB, '
           f'{small[2]} ({small[3]}) for {small[0]} MiB')
    return 1


def vmm_reboot(lines):
    """The guest's reboot reset its vSMMU: the VMM sent a SET_PASID_TABLE
    for the guest's new STEs before the second boot's DMA."""
    rebooted = None
    sets = 0
    for i, line in enumerate(lines):
        if line.startswith(L2P) and 'reboot: Restarting system' in line:
            rebooted = i
        elif rebooted is not None and line.startswith(VMMP) and \
                re.search(r'smmuv3_notify_config_change .*config=1', line):
            sets += 1
        elif rebooted is not None and (re.search(r'VMMTEST: (PASS|FAIL) dt2\.', line)
                                       or 'VMMTEST: MARK dt teardown' in line):
            break
    name = 'vmm dt.reboot_sets_again'
    if rebooted is not None and sets:
        record('PASS', name)
        print(f'        after the guest\'s reboot, {sets} SET_PASID_TABLE (TRANSLATE) '
              'before its DMA')
        return 0
    record('FAIL', name, 'no reboot' if rebooted is None else
           'no SET_PASID_TABLE after the reboot before the DMA')
    return 1


README_RUN = re.compile(r'^<!-- make vmm runs (\S+) -->$')


def vmm_readme_lines(l1):
    """Each VMM command line the README shows as one make vmm runs
    (after a '<!-- make vmm runs NAME -->' line, an indented block whose
    lines end in ' \\' but the last) is the one l1_run ran for NAME."""
    readme = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'README.md')
    ran = {}
    for line in l1:
        m = re.match(r'vmm-l1: (\S+): (/.*)$', line.rstrip())
        if m:
            ran[m.group(1)] = m.group(2)
    rc = 0
    shown = 0
    text = open(readme).read().splitlines()
    for i, line in enumerate(text):
        m = README_RUN.match(line.strip())
        if not m:
            continue
        j, parts = i + 1, []
        while j < len(text) and not text[j].strip():
            j += 1
        while j < len(text) and text[j].startswith('    '):
            part = text[j].strip()
            parts.append(part[:-1].strip() if part.endswith('\\') else part)
            j += 1
            if not part.endswith('\\'):
                break
        shown += 1
        cmd = ' '.join(parts)
        name = f'vmm README\'s command line of {m.group(1)} is the one make vmm ran'
        if m.group(1) not in ran:
            record('FAIL', name, f'{m.group(1)} did not run')
            rc = 1
        elif ran[m.group(1)] != cmd:
            record('FAIL', name, 'they differ: update the README')
            print(f'        README: {cmd}')
            print(f'        ran:    {ran[m.group(1)]}')
            rc = 1
        else:
            record('PASS', name)
    if not shown:
        record('FAIL', 'vmm README shows the command lines make vmm ran',
               'no "<!-- make vmm runs NAME -->" in README.md')
        rc = 1
    return rc


def vmm(log, marks, trace):
    lines = read(log).splitlines()
    l1, l2, vmm_err = split_levels(lines)
    rc = 0
    seen = {}
    for line in l1 + l2:
        m = VERDICT.search(line)
        # a name's FAIL stands, whatever the same name says after it
        if m and seen.get(m.group(2), ('PASS',))[0] != 'FAIL':
            seen[m.group(2)] = (m.group(1), m.group(3))
    # the ACPI guest runs when vmm.sh packed UEFI for it (VMM_ACPI=1)
    acpi_ran = (os.environ.get('VMM_ACPI') == '1' or
                any('VMMTEST: MARK acpi start' in ln for ln in l1))
    expect = []
    for level, names in VMM_EXPECT.items():
        if level.startswith('acpi') and not acpi_ran:
            continue
        for n in names:
            expect.append(n if level in ('host', 'acpi-host') else f'{level}.{n}')
    # the stock guests of the plan (VMM_STOCK=1): what each must report
    stock = os.environ.get('VMM_STOCK_TAGS', '').split()
    if os.environ.get('VMM_STOCK_ON') == '1' and not stock:
        record('FAIL', 'vmm stock guests planned', 'the plan has no guest')
        rc = 1
    if stock:
        expect.append('vmm.host.nvme')
    for tag in stock:
        expect += [f'vmm.{tag}.{n}' for n in VMM_STOCK_HOST]
        expect += [f'nvme.{tag}.{n}' for n in VMM_STOCK_GUEST]
    for name in expect + sorted(set(seen) - set(expect)):
        st, detail = seen.get(name, ('FAIL', 'never reported'))
        record(st, f'vmm {name}', detail)
        if st == 'PASS':
            print(f'        {detail}')
        rc |= st != 'PASS'
    name = 'vmm the host\'s run ended (vmm-l1: done)'
    if any(ln.startswith('vmm-l1: done') for ln in l1):
        record('PASS', name)
    else:
        record('FAIL', name, 'l1_run did not finish')
        rc = 1
    # anything on the VMM's stderr but its trace events and the benign
    errors = [ln.strip() for ln in vmm_err
              if not VMM_TRACE.match(ln) and not VMM_BENIGN.search(ln)]
    name = 'vmm the VMM reported no error (no refused request, no fault it could not read)'
    if errors:
        record('FAIL', name, errors[0])
        for e in errors[:10]:
            print('        ' + e)
        rc = 1
    else:
        record('PASS', name)
    rc |= vmm_reboot(lines)
    rc |= vmm_faults(l1, l2)
    rc |= vmm_msi_claims(lines, l2)
    rc |= vmm_console(l1, l2)
    if stock:
        rc |= vmm_readme_lines(l1)
    if os.path.exists(marks) and os.path.exists(trace):
        # QEMU's own complaints about what L1's SMMUv3 driver gave it; a
        # translation fault is an event, the guest's own (its faults)
        errs = [ln.strip() for ln in open(trace, errors='replace')
                if 'smmu' in ln.lower() and not STAMPED.match(ln) and
                not re.search(r'translation failed for iova=0x[0-9a-f]+ '
                              r'\(SMMU_EVT_F_\w+\)', ln)]
        name = 'vmm L0\'s SMMUv3 reported no guest error (-d guest_errors)'
        if errs:
            record('FAIL', name, errs[0])
            for e in errs[:10]:
                print('        ' + e)
            rc = 1
        else:
            record('PASS', name)
        host, _, reqs = vmm_figures(lines, l2, marks, trace)
        rc |= vmm_teardown(lines, host)
        # a request by address is one power-of-two chunk of pages: one
        # range command covers it
        h = host.get('dt start', {}).get('TLBI_NH_VA', 0)
        r = reqs.get('dt start', {}).get('by address', 0)
        name = 'vmm dt.one_host_tlbi_per_request (L0\'s trace)'
        if r and h == r:
            record('PASS', name)
        else:
            record('FAIL', name, f'{h} host TLBI_NH_VA for {r} requests by address')
            rc = 1
    else:
        record('FAIL', 'vmm figures', f'no {marks} or {trace}')
        rc = 1
    return rc


def summary():
    counts = {'PASS': 0, 'FAIL': 0, 'SKIP': 0}
    failed = []
    if os.path.exists(RESULTS):
        for line in open(RESULTS):
            st, _, name = line.strip().partition(' ')
            if st in counts:
                counts[st] += 1
                if st == 'FAIL':
                    failed.append(name)
    for f in failed:
        print(f'failed: {f}')
    line = f"{counts['PASS']} passed, {counts['FAIL']} failed"
    if counts['SKIP']:
        line += f", {counts['SKIP']} skipped"
    print(line)
    return 1 if counts['FAIL'] or not counts['PASS'] else 0


def main():
    cmd = sys.argv[1]
    if cmd == 'kunit':
        return kunit(sys.argv[2], sys.argv[3:])
    if cmd == 'console':
        return console(sys.argv[2])
    if cmd == 'boot':
        return boot(sys.argv[2])
    if cmd == 'e2e':
        return e2e(sys.argv[2])
    if cmd == 'tap':
        return tap(sys.argv[2], sys.argv[3])
    if cmd == 'leaks':
        return leaks(sys.argv[2])
    if cmd == 'vmm':
        return vmm(sys.argv[2], sys.argv[3], sys.argv[4])
    if cmd == 'summary':
        return summary()
    print(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main())
