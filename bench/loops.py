#!/usr/bin/env python3
"""Names and compares the per-loop profiles of compiled models.

A model's runtime times every parallel loop when the environment variable
DLC_PROFILE_LOOPS names a file, and appends one profile per instance to it
when the instance is destroyed (docs/abi.md):

    DLC_PROFILE_LOOPS=p.txt build/bin/dl-bench ./mlp.so step --threads 1
    DLC_PROFILE_LOOPS=p.txt build/bin/dl-bench ./mlp.so step --threads 2
    bench/loops.py p.txt

With one profile, prints each loop (its task function's symbol, found with
nm in the library the profile names), its iterations, calls, mean and best
time. With two or more (from one file or several), compares the first two,
loop by loop, by best time: B / A, and B - A / 2 (what a second thread does
not win back, when A ran on one thread and B on two). The best time of a
loop over many calls leaves out the host's slow stretches. Only the Python
standard library and nm (binutils, or LLVM's llvm-nm) are needed.
"""

import argparse
import os
import shutil
import subprocess
import sys


def nm_tool():
    for tool in ("nm", "llvm-nm", "/usr/lib/llvm-22/bin/llvm-nm"):
        path = shutil.which(tool) or (tool if os.path.exists(tool) else None)
        if path:
            return path
    return None


_symbols = {}


def symbols(library):
    """Offset -> name of the functions of `library` (local ones included)."""
    if library not in _symbols:
        table = {}
        tool = nm_tool()
        if tool and os.path.exists(library):
            out = subprocess.run([tool, library], capture_output=True, text=True)
            for line in out.stdout.splitlines():
                parts = line.split()
                if len(parts) == 3 and parts[1] in "tT":
                    # (Identical functions folded into one keep the first
                    # name in sorted order.)
                    offset = int(parts[0], 16)
                    if offset not in table or parts[2] < table[offset]:
                        table[offset] = parts[2]
        _symbols[library] = table
    return _symbols[library]


def read_profiles(paths):
    """The profiles in `paths`, in order: (header, [loop dicts])."""
    profiles = []
    for path in paths:
        with open(path) as f:
            for line in f:
                if line.startswith("# dlc loop profile"):
                    profiles.append((line[2:].strip(), []))
                elif line.startswith("loop ") and profiles:
                    p = line.split()
                    fields = dict(zip(p[3::2], p[4::2]))
                    library, offset = p[1], int(p[2], 16)
                    name = symbols(library).get(offset, "%s+0x%x" % (library, offset))
                    profiles[-1][1].append({
                        "name": name.replace("__dl_entry_", ""),
                        "iterations": int(fields["iterations"]),
                        "calls": int(fields["calls"]),
                        "mean": float(fields["mean_us"]),
                        "min": float(fields["min_us"]),
                    })
    return profiles


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", help="files DLC_PROFILE_LOOPS wrote")
    args = parser.parse_args()
    profiles = read_profiles(args.files)
    if not profiles:
        sys.exit("loops.py: no profile in " + ", ".join(args.files))
    if len(profiles) == 1:
        header, loops = profiles[0]
        print(header)
        print("%-48s %10s %7s %10s %10s" % ("loop", "iterations", "calls", "mean us", "best us"))
        for l in loops:
            print("%-48s %10d %7d %10.2f %10.2f" % (l["name"], l["iterations"], l["calls"], l["mean"], l["min"]))
        print("%-48s %10s %7s %10.1f %10.1f" % ("sum", "", "", sum(l["mean"] for l in loops),
                                            sum(l["min"] for l in loops)))
        return
    (ha, a), (hb, b) = profiles[0], profiles[1]
    print("A: " + ha)
    print("B: " + hb)
    print("%-48s %10s %10s %10s %7s %10s" % ("loop", "iterations", "A best us", "B best us", "B / A", "B - A / 2"))
    bs = {(l["name"], l["iterations"]): l for l in b}
    total_a = total_b = 0.0
    for l in a:
        other = bs.get((l["name"], l["iterations"]))
        if not other:
            print("%-48s %10d %10.2f %10s" % (l["name"], l["iterations"], l["min"], "-"))
            continue
        total_a += l["min"]
        total_b += other["min"]
        print("%-48s %10d %10.2f %10.2f %7.3f %10.2f" % (
            l["name"], l["iterations"], l["min"], other["min"], other["min"] / l["min"],
            other["min"] - l["min"] / 2))
    if total_a:
        print("%-48s %10s %10.1f %10.1f %7.3f %10.1f" % ("sum", "", total_a, total_b, total_b / total_a,
                                                    total_b - total_a / 2))


if __name__ == "__main__":
    main()
