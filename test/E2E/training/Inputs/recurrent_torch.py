"""Writes the expected values of recurrent_torch.c with PyTorch (how they
were made; the test itself needs no Python):

  python recurrent_torch.py > values.h

The parameters and inputs follow value(i, salt) = 0.5 sin(0.7 i + salt)
rounded to float32, in row-major order, as the C program makes them.
"""
import math

import torch
import torch.nn as nn


def values(n, salt):
    return torch.tensor([0.5 * math.sin(0.7 * i + salt) for i in range(n)],
                        dtype=torch.float32)


torch.set_default_dtype(torch.float64)
gru = nn.GRU(2, 3, batch_first=True)
rnn = nn.RNN(3, 3, nonlinearity="relu", batch_first=True)
lstm = nn.LSTM(3, 3, batch_first=True)
params = []
for prefix, layer in (("g", gru), ("r", rnn), ("l", lstm)):
    params += [(prefix + ".w_ih", layer.weight_ih_l0),
               (prefix + ".w_hh", layer.weight_hh_l0),
               (prefix + ".b_ih", layer.bias_ih_l0),
               (prefix + ".b_hh", layer.bias_hh_l0)]
with torch.no_grad():
    for salt, (_, p) in enumerate(params):
        p.copy_(values(p.numel(), salt + 1).double().view_as(p))
x = values(2 * 4 * 2, 11).double().view(2, 4, 2)
y = values(2 * 3, 12).double().view(2, 3)
seq, _ = gru(x)
seq, _ = rnn(seq)
out, _ = lstm(seq)
loss = nn.functional.mse_loss(out[:, -1], y)
loss.backward()


def emit(name, t):
    print("static const double %s[] = {%s};" %
          (name, ", ".join("%.12g" % v for v in t.detach().flatten())))


emit("want_o", out)
emit("want_loss", loss.view(1))
for name, p in params:
    emit("want_" + name.replace(".", "_"), p - 0.5 * p.grad)
