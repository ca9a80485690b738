#!/usr/bin/env python3
"""Tell what happened in the arm-smmu-v3-nested-e2e suite, from a console log.

    scripts/account.py CONSOLE_LOG

The log is one of scripts/qemu.sh's, booted with the driver's STE debug
line on (dyndbg) and QEMU's smmuv3_cmdq_opcode trace. For each case: the
STEs the driver wrote, decoded field by field from the Arm SMMUv3
specification's layout (written here, not taken from the driver), each
step and DMA the test reported, and the commands QEMU's SMMUv3 executed
between two steps. Exit status 1 when a case failed or none ran.
"""
import re
import sys

TS = re.compile(r'^\[\s*\d+\.\d+\]\s?')
TRACE = re.compile(r'smmuv3_cmdq_opcode.*<---\s*(\S+)')
STE = re.compile(r'(\S+ \S+): STE ([0-9a-f]{16}) ([0-9a-f]{16}) '
                 r'([0-9a-f]{16}) ([0-9a-f]{16})')
INFO = re.compile(r'^\s+# (e2e_\w+): (.*)$')
RESULT = re.compile(r'^\s+(ok|not ok) \d+ (?:- )?(e2e_\w+)(.*)$')
SUITE = re.compile(r'# Subtest: arm-smmu-v3-nested-e2e')

CONFIG = {0b000: 'abort', 0b100: 'bypass', 0b101: 'stage 1 only',
          0b110: 'stage 2 only', 0b111: 'nested: stage 1 then stage 2'}
CACHE = {0: 'NC', 1: 'WBRA', 2: 'WT', 3: 'WB'}
SH = {0: 'NSH', 2: 'OSH', 3: 'ISH'}
STRW = {0: 'NS-EL1', 2: 'EL2'}
TG = {0: '4K', 1: '64K', 2: '16K'}
PS = {0: '32', 1: '36', 2: '40', 3: '42', 4: '44', 5: '48', 6: '52'}


def bits(v, hi, lo):
    return (v >> lo) & ((1 << (hi - lo + 1)) - 1)


def decode_ste(d):
    """The fields of an STE's first four dwords, as (name, text) pairs."""
    d0, d1, d2, d3 = d
    cfg = bits(d0, 3, 1)
    out = [('V', str(bits(d0, 0, 0))),
           ('Config', f'{cfg:03b} ({CONFIG.get(cfg, "reserved")})')]
    if not bits(d0, 0, 0) or cfg in (0b000, 0b100):
        return out
    if cfg & 1:
        out += [('S1ContextPtr', f'{d0 & ((1 << 52) - 1) & ~0x3f:#x} (IPA)'
                 if cfg == 0b111 else '(a host PA: not logged)'),
                ('S1Fmt', str(bits(d0, 5, 4))),
                ('S1CDMax', str(bits(d0, 63, 59))),
                ('S1DSS', str(bits(d1, 1, 0))),
                ('S1CIR', CACHE[bits(d1, 3, 2)]),
                ('S1COR', CACHE[bits(d1, 5, 4)]),
                ('S1CSH', SH.get(bits(d1, 7, 6), '?')),
                ('S1STALLD', str(bits(d1, 27, 27))),
                ('STRW', STRW.get(bits(d1, 31, 30), '?'))]
    out += [('EATS', str(bits(d1, 29, 28)))]
    if cfg & 2:
        out += [('S2VMID', str(bits(d2, 15, 0))),
                ('S2T0SZ', str(bits(d2, 37, 32))),
                ('S2SL0', str(bits(d2, 39, 38))),
                ('S2IR0', CACHE[bits(d2, 41, 40)]),
                ('S2OR0', CACHE[bits(d2, 43, 42)]),
                ('S2SH0', SH.get(bits(d2, 45, 44), '?')),
                ('S2TG', TG.get(bits(d2, 47, 46), '?')),
                ('S2PS', PS.get(bits(d2, 50, 48), '?') + ' bits'),
                ('S2AA64', str(bits(d2, 51, 51))),
                ('S2AFFD', str(bits(d2, 53, 53))),
                ('S2PTW', str(bits(d2, 54, 54))),
                ('S2R', str(bits(d2, 58, 58))),
                ('S2TTB', '(a host PA: not logged)')]
    return out


def main():
    events, cases, order = [], {}, []
    current, started = None, False
    with open(sys.argv[1], errors='replace') as f:
        for raw in f:
            line = TS.sub('', raw.rstrip('\n'))
            if not started:
                started = bool(SUITE.search(line))
                continue
            m = TRACE.search(line)
            if m:
                events.append(('cmd', m.group(1).replace('SMMU_CMD_', '')))
                continue
            m = STE.search(line)
            if m:
                events.append(('ste', m.group(1),
                               [int(m.group(i), 16) for i in range(2, 6)]))
                continue
            m = INFO.match(line)
            if m:
                name = m.group(1)
                if name not in cases:
                    cases[name] = {'events': [], 'result': None}
                    order.append(name)
                current = cases[name]
                current['events'] += events + [('info', m.group(2))]
                events = []
                continue
            m = RESULT.match(line)
            if m and m.group(2) in cases:
                cases[m.group(2)]['events'] += events
                cases[m.group(2)]['result'] = m.group(1) + m.group(3)
                events = []
            elif m:
                cases[m.group(2)] = {'events': events,
                                     'result': m.group(1) + m.group(3)}
                order.append(m.group(2))
                events = []

    failed = 0
    for name in order:
        case = cases[name]
        print(f'== {name}: {case["result"] or "no result"}')
        if not (case['result'] or '').startswith('ok'):
            failed += 1
        cmds = []
        for ev in case['events'] + [('end',)]:
            if ev[0] == 'cmd':
                cmds.append(ev[1])
                continue
            if cmds:
                print('       QEMU executed: ' + ' '.join(cmds))
                cmds = []
            if ev[0] == 'ste':
                print(f'   STE written for {ev[1]}:')
                fields = [f'{k}={v}' for k, v in decode_ste(ev[2])]
                for i in range(0, len(fields), 4):
                    print('       ' + '  '.join(fields[i:i + 4]))
            elif ev[0] == 'info':
                print('   ' + ev[1])
    print(f'{len(order)} cases, {len(order) - failed} passed, {failed} failed')
    return 1 if failed or not order else 0


if __name__ == '__main__':
    sys.exit(main())
