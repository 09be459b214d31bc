"""The peers of bench/run.py: the benchmark models in PyTorch (eager and
torch.compile) and ONNX Runtime, timed like dl-bench times dlc's entries.

  python peers.py WORKLOAD MODE THREADS ITERS

prints the median milliseconds of one call, or "n/a REASON". WORKLOAD is
one of run.py's names (mlp_train_b64, lenet_infer_b1, ...); MODE is eager,
compile or ort. Architectures, losses and optimizers match bench/models.
"""

import os
import statistics
import sys
import tempfile
import time

import torch
import torch.nn as nn


def mlp():
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512),
                         nn.ReLU(), nn.Linear(512, 10))


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


class Recurrent(nn.Module):
    """A recurrent layer (input 28, hidden 128) over the sequence, then a
    dense layer on its last step."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer(28, 128, batch_first=True)
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        seq, _ = self.layer(x)
        return self.fc(seq[:, -1])


def autoencoder():
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 784),
                         nn.Sigmoid())


def setup(workload):
    """(model, input, target, loss, optimizer factory) of a workload."""
    family, kind, batch = workload.split("_")
    b = int(batch[1:])
    if family == "mlp":
        return mlp(), torch.rand(b, 784) * 2 - 1, torch.randint(0, 10, (b,)), \
            nn.CrossEntropyLoss(), lambda p: torch.optim.SGD(p, lr=0.01), kind
    if family == "lenet":
        return lenet(), torch.rand(b, 1, 28, 28) * 2 - 1, \
            torch.randint(0, 10, (b,)), nn.CrossEntropyLoss(), \
            lambda p: torch.optim.SGD(p, lr=0.01), kind
    if family in ("lstm", "gru"):
        layer = nn.LSTM if family == "lstm" else nn.GRU
        return Recurrent(layer), torch.rand(b, 28, 28) * 2 - 1, \
            torch.randint(0, 10, (b,)), nn.CrossEntropyLoss(), \
            lambda p: torch.optim.SGD(p, lr=0.01), kind
    if family == "ae":
        x = torch.rand(b, 784)
        return autoencoder(), x, x, nn.MSELoss(), \
            lambda p: torch.optim.Adam(p, lr=1e-3), kind
    raise SystemExit(f"unknown workload {workload}")


def median_ms(fn, iters):
    for _ in range(max(3, iters // 10)):
        fn()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def torch_time(workload, compiled, iters):
    model, x, y, loss_fn, make_opt, kind = setup(workload)
    if kind == "infer":
        model.eval()
        forward = torch.compile(model) if compiled else model

        def step():
            with torch.no_grad():
                forward(x)
        return median_ms(step, iters)
    opt = make_opt(model.parameters())

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    fn = torch.compile(train_step) if compiled else train_step
    return median_ms(fn, iters)


def ort_time(workload, threads, iters):
    import onnxruntime as ort
    model, x, _, _, _, kind = setup(workload)
    if kind != "infer":
        return None
    model.eval()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.onnx")
        torch.onnx.export(model, (x,), path, input_names=["x"], dynamo=False)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(path, options,
                                       providers=["CPUExecutionProvider"])
        feed = {"x": x.numpy()}
        return median_ms(lambda: session.run(None, feed), iters)


def main():
    workload, mode, threads, iters = sys.argv[1], sys.argv[2], \
        int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    try:
        if mode == "ort":
            ms = ort_time(workload, threads, iters)
        else:
            ms = torch_time(workload, mode == "compile", iters)
    except Exception as e:  # a peer that cannot run a workload says why
        print("n/a", type(e).__name__, str(e).splitlines()[0][:80])
        return
    print("n/a not applicable" if ms is None else f"{ms:.4f}")


if __name__ == "__main__":
    main()
