"""The benchmark: compiles the workloads of issue 5 with dlc, times them
with dl-bench on 1 and 2 threads next to their peers (PyTorch eager,
torch.compile, ONNX Runtime for inference) in the same run, and prints a
table of median milliseconds (each the lowest of the medians measured in
--rounds alternations of dlc and its peers, 2 by default), GFLOP/s, % of
the FMA peak measured in the same run, and the ratio to the fastest peer
(> 1: dlc is faster).

  python bench/run.py [--iters N] [--rounds N] [--only SUBSTRING] [--no-peers]
                      [--markdown FILE]

Run it through bench/run.sh, which builds dlc and sets up the peers' venv.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bin")
OUT = os.path.join(ROOT, "bench", "out")

MLP = 784 * 512 + 512 * 512 + 512 * 10           # multiply-adds per sample
LENET = 28 * 28 * 6 * 25 + 10 * 10 * 16 * 150 + 400 * 120 + 120 * 84 + 84 * 10
LSTM = 28 * 4 * 128 * (28 + 128) + 128 * 10
GRU = 28 * 3 * 128 * (28 + 128) + 128 * 10
AE = 784 * 128 * 2

# name: (model, batch, entry, flops): training counts 3x the forward pass.
WORKLOADS = {
    "mlp_train_b64": ("mlp", 64, "step", 6 * 64 * MLP),
    "mlp_train_b256": ("mlp", 256, "step", 6 * 256 * MLP),
    "mlp_infer_b1": ("mlp", 1, "infer", 2 * MLP),
    "mlp_infer_b64": ("mlp", 64, "infer", 2 * 64 * MLP),
    "lenet_train_b64": ("lenet", 64, "step", 6 * 64 * LENET),
    "lenet_infer_b1": ("lenet", 1, "infer", 2 * LENET),
    "lenet_infer_b64": ("lenet", 64, "infer", 2 * 64 * LENET),
    "lstm_train_b64": ("lstm", 64, "step", 6 * 64 * LSTM),
    "gru_train_b64": ("gru", 64, "step", 6 * 64 * GRU),
    "ae_train_b256": ("autoencoder", 256, "step", 6 * 256 * AE),
}


def compile_model(name, model, batch):
    """Compiles the workload three times; returns the library and the
    median wall time of the compiles (the VM's neighbours only add time)."""
    lib = os.path.join(OUT, f"lib{name}.so")
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([os.path.join(BIN, "dlc"),
                        os.path.join(ROOT, "bench", "models", model + ".dl"),
                        "-D", f"B={batch}", "-o", lib], check=True)
        times.append(time.perf_counter() - t0)
    return lib, sorted(times)[1]


def dlc_time(lib, entry, flops, threads, iters):
    out = subprocess.run([os.path.join(BIN, "dl-bench"), lib, entry,
                          "--flops", str(flops), "--threads", str(threads),
                          "--iters", str(iters)],
                         check=True, capture_output=True, text=True).stdout
    return float(out.split()[0])


def peer_time(python, workload, mode, threads, iters):
    out = subprocess.run([python, os.path.join(ROOT, "bench", "peers.py"),
                          workload, mode, str(threads), str(iters)],
                         capture_output=True, text=True).stdout.strip()
    try:
        return float(out.splitlines()[-1])
    except (ValueError, IndexError):
        return None


def lower(a, b):
    """The lower of two times, either of which may be missing."""
    return min([t for t in (a, b) if t], default=None)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--iters", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2,
                        help="alternations of dlc and its peers per "
                             "workload; each time is the lowest median")
    parser.add_argument("--only", default="")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--markdown")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    venv = os.path.join(ROOT, "bench", ".venv", "bin", "python")
    peers = not args.no_peers and os.path.exists(venv)
    peak = float(subprocess.run([os.path.join(BIN, "dl-bench"), "--peak"],
                                check=True, capture_output=True,
                                text=True).stdout)
    rows = []
    header = ("workload", "thr", "dlc ms", "GFLOP/s", "% peak", "eager ms",
              "compile ms", "ORT ms", "vs fastest", "dlc compile s")
    print(f"FMA peak of one core, measured now: {peak:.1f} GFLOP/s")
    print(" | ".join(header))
    for name, (model, batch, entry, flops) in WORKLOADS.items():
        if args.only not in name:
            continue
        lib, compile_s = compile_model(name, model, batch)
        for threads in (1, 2):
            # Each time is the lowest of the medians taken in `rounds`
            # alternations of dlc and its peers (this 2-core VM's neighbours
            # slow whole stretches of it down; noise only ever adds time).
            # Without peers, dlc is timed once.
            ms = eager = compiled = onnx = None
            for _ in range(max(1, args.rounds) if peers else 1):
                ms = lower(ms, dlc_time(lib, entry, flops, threads, args.iters))
                if not peers:
                    continue
                eager = lower(eager, peer_time(venv, name, "eager", threads,
                                               args.iters))
                compiled = lower(compiled, peer_time(venv, name, "compile",
                                                     threads, args.iters))
                if entry == "infer":
                    onnx = lower(onnx, peer_time(venv, name, "ort", threads,
                                                 args.iters))
            gflops = flops / (ms * 1e-3) / 1e9
            best = min([t for t in (eager, compiled, onnx) if t], default=None)
            fmt = lambda t: f"{t:.3f}" if t else "n/a"
            row = (name, str(threads), f"{ms:.3f}", f"{gflops:.1f}",
                   f"{100 * gflops / (peak * threads):.0f}", fmt(eager),
                   fmt(compiled), fmt(onnx),
                   f"{best / ms:.2f}x" if best else "n/a", f"{compile_s:.1f}")
            rows.append(row)
            print(" | ".join(row), flush=True)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(f"FMA peak of one core, measured in the same run: "
                    f"{peak:.1f} GFLOP/s\n\n")
            f.write("| " + " | ".join(header) + " |\n")
            f.write("|" + "---|" * len(header) + "\n")
            for row in rows:
                f.write("| " + " | ".join(row) + " |\n")


if __name__ == "__main__":
    sys.exit(main())
