#!/usr/bin/env python3
"""Copy a console (stdin) to stdout, and each line of it that holds
'VMMTEST: MARK' to the file MARKS as well, after the time it arrived.

    qemu-system-aarch64 ... | scripts/stamp.py MARKS >>LOG

QEMU's trace, written to a file of its own with -msg timestamp=on (each
line 'pid@seconds.micros:event ...'), is then cut at the marks by time:
written to the console log instead, its lines would land in the middle of
the console's.
"""
import sys
import time


def main():
    out = sys.stdout.buffer
    with open(sys.argv[1], 'a') as marks:
        for line in iter(sys.stdin.buffer.readline, b''):
            out.write(line)
            out.flush()
            if b'VMMTEST: MARK' in line:
                text = line.decode(errors='replace').strip()
                marks.write(f'{time.time():.6f} {text}\n')
                marks.flush()


if __name__ == '__main__':
    main()
