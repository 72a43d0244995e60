#!/usr/bin/env python3
"""PyTorch reference for issue 7's LeNet-5 accuracy target (docs/RESULTS.md).

The same network, data handling and recipe as `mpsim train --config configs/train/lenet5_fmnist.yaml`,
so its test accuracy says what this recipe reaches in a mainstream framework:
  - LeNet-5: conv 6@5x5 pad 2, ReLU, max-pool 2; conv 16@5x5, ReLU, max-pool 2; fc 120, ReLU,
    fc 84, ReLU, fc 10 (host/nn/models.cpp);
  - inputs normalised to mean 0, std 1 with the training set's statistics (host/data/dataset.cpp);
  - reshuffled every epoch, the last batch partial (host/data/batch_iterator.cpp);
  - SGD (PyTorch's momentum and weight decay, as host/nn/optimizer.cpp), cosine decay per step;
  - init `he`: weights N(0, 2/fan_in), biases 0 (host/nn/network.cpp); `torch`: PyTorch's default.

    python3 bench/pytorch_lenet5.py --data /usr/share/datasets/fashion-mnist \
        [--epochs 10] [--lr 0.05] [--wd 5e-4] [--seeds 1 2 3] [--init he|torch] [--device cuda]

Prints one line per run: the settings, the test accuracy after each epoch, the final one.
"""
import argparse
import gzip
import math
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(data_dir, device):
    def pick(stem):
        for name in (stem + ".gz", stem):
            if os.path.exists(os.path.join(data_dir, name)):
                return os.path.join(data_dir, name)
        raise SystemExit(f"pytorch_lenet5.py: {data_dir}: no {stem}[.gz]")
    xs = [read_idx(pick(s)).astype(np.float32) / 255.0 for s in ("train-images-idx3-ubyte", "t10k-images-idx3-ubyte")]
    ys = [read_idx(pick(s)).astype(np.int64) for s in ("train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte")]
    mean, std = xs[0].mean(dtype=np.float64), xs[0].std(dtype=np.float64)
    xs = [torch.from_numpy((x - mean) / std).float().unsqueeze(1).to(device) for x in xs]
    ys = [torch.from_numpy(y).to(device) for y in ys]
    return xs[0], ys[0], xs[1], ys[1]


class LeNet5(nn.Module):
    def __init__(self, init):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 6, 5, padding=2), nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(16 * 5 * 5, 120), nn.Linear(120, 84), nn.Linear(84, 10)
        if init == "he":
            for m in self.modules():
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    fan_in = m.weight[0].numel()
                    nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / fan_in))
                    nn.init.zeros_(m.bias)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc3(F.relu(self.fc2(x)))


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        correct = sum((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item() for i in range(0, len(x), 1000))
    model.train()
    return 100.0 * correct / len(x)


def run(args, data, lr, seed):
    xtr, ytr, xte, yte = data
    torch.manual_seed(seed)
    model = LeNet5(args.init).to(xtr.device)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=args.wd, nesterov=args.nesterov)
    steps_per_epoch = math.ceil(len(xtr) / args.batch)
    total = steps_per_epoch * args.epochs
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(1.0, s / total))))
    g = torch.Generator(device="cpu").manual_seed(seed)
    accs, start = [], time.time()
    for _ in range(args.epochs):
        order = torch.randperm(len(xtr), generator=g).to(xtr.device)
        for i in range(0, len(xtr), args.batch):
            idx = order[i:i + args.batch]
            loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        accs.append(accuracy(model, xte, yte))
    print(f"init {args.init} lr {lr} wd {args.wd} nesterov {int(args.nesterov)} seed {seed} epochs {args.epochs}: "
          f"test acc per epoch {' '.join(f'{a:.2f}' for a in accs)}; final {accs[-1]:.2f} "
          f"(train acc {accuracy(model, xtr, ytr):.2f}; {time.time() - start:.1f} s)", flush=True)
    return accs[-1]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, nargs="+", default=[0.05])
    p.add_argument("--wd", type=float, default=5e-4)
    p.add_argument("--nesterov", action="store_true")
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    p.add_argument("--init", choices=["he", "torch"], default="he")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0: PyTorch's default)")
    args = p.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    # fp32 throughout, as mpsim's uniform fp32: PyTorch lets cuDNN convolutions use TF32 by default.
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    data = load(args.data, torch.device(args.device))
    for lr in args.lr:
        finals = [run(args, data, lr, s) for s in args.seeds]
        print(f"== init {args.init} lr {lr} wd {args.wd}: final test acc mean {np.mean(finals):.2f} "
              f"min {min(finals):.2f} max {max(finals):.2f} over seeds {args.seeds}", flush=True)


if __name__ == "__main__":
    main()
