#!/usr/bin/env python3
"""Judge console logs of the test kernel and keep the count of results.

  verdict.py kunit LOG     KUnit results (via kunit.py parse), one per case
  verdict.py console LOG   no KASAN/UBSAN/lockdep report, WARN, Oops, panic
  verdict.py boot LOG      SMMUv3 probed with S1 and S2; edu enumerated
  verdict.py tap NAME LOG  a kselftest's TAP results, one per case, and
                           every case its plan announced
  verdict.py leaks LOG     kmemleak scanned at the end (scripts/init.c) and
                           reported no leak
  verdict.py summary       'N passed, N failed' over build/results.txt

Each counted test is a line 'PASS|FAIL|SKIP name' in build/results.txt.
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
]


def record(status, name, detail='', quiet=False):
    with open(RESULTS, 'a') as f:
        f.write(f'{status} {name}\n')
    if quiet and status != 'FAIL':
        return
    if status == 'FAIL':
        print(f'  FAIL  {name}' + (f': {detail}' if detail else ''))
    else:
        print(f'  {status:4}  {name}')


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

    def walk(group, prefix):
        nonlocal rc
        for case in group.get('test_cases', []):
            st = {'PASS': 'PASS', 'SKIP': 'SKIP'}.get(case.get('status'), 'FAIL')
            record(st, f"kunit {prefix}{case['name']}", quiet=True)
            rc |= st == 'FAIL'
        for sub in group.get('sub_groups', []):
            # a parameterised case: each parameter is counted
            walk(sub, f"{prefix}{sub['name']}.")

    for suite in data.get('sub_groups', []):
        seen.add(suite['name'])
        walk(suite, f"{suite['name']}.")
    for s in expect_suites:
        if s not in seen:
            record('FAIL', f'kunit {s}', 'suite did not run')
            rc = 1
    return rc


def boot(log):
    text = read(log)
    rc = 0
    m = re.search(r'arm-smmu-v3 \S+: ias (\d+)-bit, oas (\d+)-bit '
                  r'\(features 0x([0-9a-f]+)\)', text)
    name = 'boot: arm-smmu-v3 probed with stage 1 and stage 2'
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
    name = 'boot: edu device (1234:11e8) enumerated'
    if re.search(r'pci \S+: \[1234:11e8\]', text):
        record('PASS', name)
    else:
        record('FAIL', name, 'no PCI enumeration line for 1234:11e8')
        rc = 1
    return rc


def tap(name, log):
    """Count the TAP lines of a kselftest run as init of the machine."""
    plan, seen, bad = None, 0, 0
    for line in read(log).splitlines():
        m = re.match(r'^1\.\.(\d+)$', line)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = re.match(r'^(not ok|ok) (\d+) (\S+)(.*)$', line)
        if not m or plan is None:
            continue
        seen += 1
        rest = m.group(4)
        if m.group(1) == 'ok' and '# SKIP' in rest:
            record('SKIP', f'{name}.{m.group(3)}')
        elif m.group(1) == 'ok':
            record('PASS', f'{name}.{m.group(3)}', quiet=True)
        else:
            record('FAIL', f'{name}.{m.group(3)}', rest.strip())
            bad += 1
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
    if cmd == 'tap':
        return tap(sys.argv[2], sys.argv[3])
    if cmd == 'leaks':
        return leaks(sys.argv[2])
    if cmd == 'summary':
        return summary()
    print(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main())
