#!/usr/bin/env python3
"""Builds the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/): copies of the
shipped configs and topologies, and small hand-made files for the formats that ship none (a
workload stream, IDX and CIFAR files, a checkpoint, quantize's numbers). Run from anywhere:
    python3 tests/fuzz/make_corpus.py
Seeds are small on purpose: libFuzzer mutates them, and its default -max_len follows them."""
import pathlib
import shutil
import struct
import zlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fuzz" / "corpus"


def put(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def copy(target, *paths):
    for p in paths:
        put(target, p.name, p.read_bytes())


def configs(sub, pattern):
    return sorted((ROOT / "configs" / sub).glob(pattern))


copy("hw_config", *configs("hw", "*.yaml"))
copy("scalesim_cfg", *configs("hw", "*.cfg"))
copy("energy_table", *configs("energy", "*.yaml"))
copy("scalesim_topology", *[p for p in configs("topologies", "*.csv") if p.stat().st_size < 4096])
copy("train_config", *configs("train", "*.yaml"))
copy("experiment_config", *configs("experiments", "*.yaml"))
# The tests' experiment, its paths as seen from configs/experiments/ (where the target poses).
put("experiment_config", "tiny.yaml",
    (ROOT / "tests" / "host" / "tiny_experiment.yaml").read_text().replace("../../configs/", "../"))

# The policy node of a training config, one file per kind (host/config/policy_descriptions.cpp).
for i, text in enumerate([
        "name: uniform\nformat: fp32\n",
        "name: mixed16\n",
        "name: hfp8\n",
        "name: lee\nr: 0.5\n",
        "name: continuous16\n",
        "name: amax\n",
        "name: custom\nrules:\n  - {tensors: '*.w', format: e4m3}\n",
        "lee\n"]):
    put("policy_config", f"policy_{i}.yaml", text)

# Workload JSON lines (model/workload.hpp).
op = ('{"name":"%s","layer":"conv1","phase":"%s","M":12544,"N":64,"K":147,'
      '"A":{"tensor":"conv1.in","role":"activation","format":"e4m3"},'
      '"B":{"tensor":"conv1.w","role":"weight","format":"e5m2"},'
      '"C":{"tensor":"conv1.out","role":"activation","format":"fp16"},"acc":"fp32"}\n')
put("workload", "two_ops.jsonl", "# a comment\n" + op % ("conv1.fwd", "fwd") + "\n" + op % ("conv1.bwd", "bwd_data"))

# IDX: 2 images of 3x2 pixels, and 3 labels.
put("idx", "images.idx3", struct.pack(">IIII", 0x803, 2, 3, 2) + bytes(range(12)))
put("idx", "labels.idx1", struct.pack(">II", 0x801, 3) + bytes([0, 9, 3]))

# CIFAR: one record of each kind (label bytes, then 3072 pixel bytes).
put("cifar", "cifar10_one.bin", bytes([7]) + bytes(i % 256 for i in range(3072)))
put("cifar", "cifar100_one.bin", bytes([3, 42]) + bytes((i * 7) % 256 for i in range(3072)))


# A checkpoint (host/train/checkpoint.hpp layout), small: two tensors of 4 floats.
def ckpt():
    u32, u64, i32, i64, f32, f64 = (lambda v, f=f: struct.pack("<" + f, v) for f in "IQiqfd")
    s = lambda b: u64(len(b)) + b
    fmt = lambda e, m, bias, sp=0, sub=1: i32(e) + i32(m) + i32(bias) + bytes([sp, sub])
    vecf = lambda xs: u64(len(xs)) + b"".join(f32(x) for x in xs)
    state = (i32(1) + i64(32) + i64(32) + s(b"completed") + s(b"") + u64(0) +  # no epoch metrics
             u64(1) + u64(0) +  # one tensor's stats, empty
             u64(1) + i64(7) + i32(1) + f64(0.25) + s(b"conv1.w") + s(b"e4m3") + s(b"fp16"))
    assignment = fmt(8, 23, 127) + u64(2) + b"".join(
        fmt(4, 3, 7, 1) + bytes([0, 0]) + f32(1.0) + bytes([0]) for _ in range(2))
    sections = [
        (1, b"lenet5 synthetic b32 s1 uniform"),
        (2, state),
        (3, u64(2) + vecf([0.5, -1.0, 2.0, 0.0]) + vecf([1.0, 1.0, 1.0, 1.0])),
        (4, u64(1) + vecf([0.0, 1.0])),
        (5, f64(65536.0) + i64(10) + i64(0) + i64(1)),
        (6, assignment),
        (7, u64(2) + f64(0.5) + f64(1.0)),
    ]
    b = b"MPSIMCKP" + u32(1) + u32(len(sections))
    for tag, payload in sections:
        b += u32(tag) + u64(len(payload)) + payload + u32(zlib.crc32(payload))
    return b + u32(zlib.crc32(b))


# The target's first byte picks whether it fixes the CRCs (even) or not (odd).
put("checkpoint", "small.ckpt", b"\x00" + ckpt())
put("checkpoint", "small_nofix.ckpt", b"\x01" + ckpt())

# mpsim quantize's numbers, one per file as the command reads a line.
for i, t in enumerate(["1.5", "-0x1.8p-3", " inf ", "-infinity", "nan", "1e400", "4.9e-324", "0", "-0",
                       "448", "57344", "65504.0000001"]):
    put("quantize_number", f"n{i:02d}.txt", t)
