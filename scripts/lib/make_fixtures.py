"""Generates the PyTorch golden fixtures in src/test/resources/fixtures/.

Run through scripts/make-fixtures, which finds a Python with torch. Each fixture is one
torch.nn.RNN/LSTM/GRU (time-major, float32) with its weights, inputs, outputs and the gradients
of L = sum(out*dout) + sum(h_n*dh_n) [+ sum(c_n*dc_n)], plus the same computation in float64
on the same (float32) weights and inputs, so that Java tests can use tight tolerances against
the float64 reference and loose ones against PyTorch's float32 result.

The safetensors files are written and read back by this script itself (no safetensors package):
8-byte little-endian header length N, N bytes of JSON header padded with spaces to a multiple of
8, then the tensors' raw little-endian bytes in the order of their data_offsets.
"""

import argparse
import copy
import filecmp
import json
import os
import struct
import sys
import tempfile
import zlib

import numpy as np
import torch

CELLS = ("rnn_tanh", "rnn_relu", "lstm", "gru")
DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8")}
MAX_TOTAL_BYTES = 3 * 1024 * 1024

# (suffix, layers, T, B, I, H, has_h0, has_dh_n, bias): every cell gets each of these.
VARIANTS = (
    ("l1_t9b3i7h13", 1, 9, 3, 7, 13, True, True, True),
    ("l2_t9b3i7h13", 2, 9, 3, 7, 13, True, True, True),
    ("l1_t5b2i4h6_noh0", 1, 5, 2, 4, 6, False, True, True),
    ("l2_t5b1i4h6_nodh", 2, 5, 1, 4, 6, True, False, True),
    ("l1_t1b2i3h5", 1, 1, 2, 3, 5, True, True, True),
    ("l2_t6b5i19h37", 2, 6, 5, 19, 37, True, True, True),
    ("l1_t5b2i4h6_nobias", 1, 5, 2, 4, 6, True, True, False),
)
# Trained models: layers, T, B, I, H of the fixture (training uses the same T, I, H).
TRAINED_SHAPE = (2, 12, 4, 5, 12)
TRAIN_STEPS = 200
TRAIN_BATCH = 32
INPUT_SCALE_TRAINED = 4.0
TRAIN_LR = 0.03


# ---------------------------------------------------------------- safetensors

def write_safetensors(path, tensors):
    """Writes {name: numpy array} (all F32 or all F64) atomically: temp file, then rename."""
    header = {}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        dtype_name = {np.dtype("float32"): "F32", np.dtype("float64"): "F64"}[array.dtype]
        data = array.astype(DTYPES[dtype_name], copy=False).tobytes(order="C")
        header[name] = {"dtype": dtype_name, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)
    folder = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(struct.pack("<Q", len(header_bytes)))
            out.write(header_bytes)
            for chunk in chunks:
                out.write(chunk)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def read_safetensors(path):
    """Reads a file written by write_safetensors, checking every structural rule."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", blob[:8])
    if n % 8 != 0 or 8 + n > len(blob):
        raise ValueError(f"{path}: bad header length {n} for file size {len(blob)}")
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    spans = []
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = DTYPES[entry["dtype"]]
        shape = tuple(entry["shape"])
        begin, end = entry["data_offsets"]
        count = int(np.prod(shape, dtype=np.int64))
        if not 0 <= begin <= end <= len(data) or end - begin != count * dtype.itemsize:
            raise ValueError(f"{path}: tensor {name} has offsets {begin}..{end}, shape {shape}")
        spans.append((begin, end))
        tensors[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(shape)
    spans.sort()
    position = 0
    for begin, end in spans:
        if begin != position:
            raise ValueError(f"{path}: gap or overlap at byte {begin} of the data section")
        position = end
    if position != len(data):
        raise ValueError(f"{path}: {len(data) - position} trailing bytes after the tensors")
    return tensors


def write_and_verify(path, tensors):
    write_safetensors(path, tensors)
    back = read_safetensors(path)
    if sorted(back) != sorted(tensors):
        raise AssertionError(f"{path}: names differ after re-reading")
    for name, array in tensors.items():
        if back[name].shape != array.shape or back[name].tobytes() != array.tobytes():
            raise AssertionError(f"{path}: tensor {name} differs after re-reading")
    return os.path.getsize(path)


# ---------------------------------------------------------------- models

def make_module(cell, layers, input_size, hidden, bias):
    if cell in ("rnn_tanh", "rnn_relu"):
        return torch.nn.RNN(input_size, hidden, num_layers=layers, bias=bias,
                            nonlinearity=cell[4:], batch_first=False)
    module_type = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
    return module_type(input_size, hidden, num_layers=layers, bias=bias, batch_first=False)


def seed_for(name):
    return zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF


def run_forward_backward(module, cell, x, h0, c0, dout, dh_n, dc_n):
    """Forward and backward of L; returns {name: tensor} of outputs and gradients."""
    x = x.clone().requires_grad_(True)
    h0 = h0.clone().requires_grad_(True)
    c0 = c0.clone().requires_grad_(True) if c0 is not None else None
    module.zero_grad(set_to_none=True)
    if cell == "lstm":
        out, (h_n, c_n) = module(x, (h0, c0))
    else:
        out, h_n = module(x, h0)
        c_n = None
    loss = (out * dout).sum() + (h_n * dh_n).sum()
    if c_n is not None:
        loss = loss + (c_n * dc_n).sum()
    loss.backward()
    result = {"out": out, "h_n": h_n, "grad.x": x.grad, "grad.h0": h0.grad}
    if c_n is not None:
        result["c_n"] = c_n
        result["grad.c0"] = c0.grad
    for pname, param in module.named_parameters():
        result["grad." + pname] = param.grad
    return {k: v.detach().numpy().copy() for k, v in result.items()}


def saturation(module, cell, x, h0, c0):
    """Fraction of gate activations within 0.05 of their asymptotes, over all layers and steps.

    Recomputes the forward pass from the DESIGN.md gate equations and checks it against the
    module's output, so the fixtures also confirm the gate order the Java code assumes.
    """
    layer_input = x
    last_h = []
    saturated = total = 0
    with torch.no_grad():
        for layer in range(module.num_layers):
            w_ih = getattr(module, f"weight_ih_l{layer}")
            w_hh = getattr(module, f"weight_hh_l{layer}")
            b_ih = getattr(module, f"bias_ih_l{layer}", None)
            b_hh = getattr(module, f"bias_hh_l{layer}", None)
            h = h0[layer]
            c = c0[layer] if c0 is not None else None
            outputs = []
            for t in range(layer_input.shape[0]):
                gi = layer_input[t] @ w_ih.T + (b_ih if b_ih is not None else 0)
                gh = h @ w_hh.T + (b_hh if b_hh is not None else 0)
                if cell == "lstm":
                    i, f, g, o = (gi + gh).chunk(4, dim=1)
                    i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
                    acts = [i, f, o, (g + 1) / 2]
                    c = f * c + i * g
                    h = o * c.tanh()
                elif cell == "gru":
                    ir, iz, inn = gi.chunk(3, dim=1)
                    hr, hz, hn = gh.chunk(3, dim=1)
                    r, z = (ir + hr).sigmoid(), (iz + hz).sigmoid()
                    n = (inn + r * hn).tanh()
                    acts = [r, z, (n + 1) / 2]
                    h = (1 - z) * n + z * h
                elif cell == "rnn_tanh":
                    h = (gi + gh).tanh()
                    acts = [(h + 1) / 2]
                else:
                    h = (gi + gh).relu()
                    acts = []
                    saturated += int((h == 0).sum())  # ReLU's flat side: zero gradient too
                    total += h.numel()
                for a in acts:
                    saturated += int(((a < 0.05) | (a > 0.95)).sum())
                    total += a.numel()
                outputs.append(h)
            layer_input = torch.stack(outputs)
            last_h.append(h)
        reference = module(x, (h0, c0) if cell == "lstm" else h0)
    if not torch.allclose(layer_input, reference[0], rtol=0, atol=1e-12):
        raise AssertionError(f"{cell}: gate equations disagree with torch.nn")
    if not torch.allclose(torch.stack(last_h), (reference[1][0] if cell == "lstm" else reference[1]),
                          rtol=0, atol=1e-12):
        raise AssertionError(f"{cell}: final state disagrees with torch.nn")
    return saturated / total


def train(module, steps, seed):
    """Briefly trains module (plus a linear head) to output a bounded running sum of its input.

    Inputs are large (scale 4) and the target is tanh of a running sum, so trained gates and
    hidden states sit near their asymptotes: the fixture then exercises saturated nonlinearities.
    """
    generator = torch.Generator().manual_seed(seed)
    layers, steps_t, _, input_size, hidden = TRAINED_SHAPE
    head = torch.nn.Linear(hidden, 2)
    optimizer = torch.optim.Adam(list(module.parameters()) + list(head.parameters()), lr=TRAIN_LR)
    losses = []
    for _ in range(steps):
        x = torch.randn(steps_t, TRAIN_BATCH, input_size, generator=generator) * INPUT_SCALE_TRAINED
        running = x[:, :, :2].cumsum(dim=0)
        target = torch.tanh(running)
        out = module(x)[0]
        loss = torch.nn.functional.mse_loss(head(out), target)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
        optimizer.step()
        losses.append(float(loss))
    return losses[0], sum(losses[-10:]) / 10


def make_fixture(out_dir, cell, name, layers, steps_t, batch, input_size, hidden,
                 has_h0, has_dh_n, bias, trained):
    seed = seed_for(name)
    torch.manual_seed(seed)
    module = make_module(cell, layers, input_size, hidden, bias)
    entry = {"name": name, "cell": cell, "num_layers": layers, "T": steps_t, "B": batch,
             "I": input_size, "H": hidden, "bias": bias, "has_h0": has_h0,
             "has_dh_n": has_dh_n, "trained": trained, "seed": seed}
    if trained:
        first, last = train(module, TRAIN_STEPS, seed)
        entry["train"] = {"task": "tanh(cumsum(x[:, :, 0:2])) through a Linear(H, 2) head "
                                  "(head not stored)",
                          "steps": TRAIN_STEPS, "optimizer": f"Adam lr={TRAIN_LR}, clip norm 1.0",
                          "input_scale": INPUT_SCALE_TRAINED,
                          "first_loss": round(first, 6), "final_loss": round(last, 6)}
    generator = torch.Generator().manual_seed(seed + 1)
    scale = INPUT_SCALE_TRAINED if trained else 1.0
    x = torch.randn(steps_t, batch, input_size, generator=generator) * scale
    h0 = torch.randn(layers, batch, hidden, generator=generator) * 0.5
    c0 = torch.randn(layers, batch, hidden, generator=generator) * 0.5 if cell == "lstm" else None
    dout = torch.randn(steps_t, batch, hidden, generator=generator)
    dh_n = torch.randn(layers, batch, hidden, generator=generator)
    dc_n = torch.randn(layers, batch, hidden, generator=generator) if cell == "lstm" else None
    if not has_h0:
        h0 = torch.zeros_like(h0)
        c0 = torch.zeros_like(c0) if c0 is not None else None
    if not has_dh_n:
        dh_n = torch.zeros_like(dh_n)
        dc_n = torch.zeros_like(dc_n) if dc_n is not None else None

    weights = {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}
    inputs = {"x": x.numpy(), "dout": dout.numpy()}
    if has_h0:
        inputs["h0"] = h0.numpy()
        if c0 is not None:
            inputs["c0"] = c0.numpy()
    if has_dh_n:
        inputs["dh_n"] = dh_n.numpy()
        if dc_n is not None:
            inputs["dc_n"] = dc_n.numpy()

    expected = run_forward_backward(module, cell, x, h0, c0, dout, dh_n, dc_n)
    module64 = copy.deepcopy(module).double()
    as64 = lambda t: t.double() if t is not None else None
    expected64 = run_forward_backward(module64, cell, as64(x), as64(h0), as64(c0), as64(dout),
                                      as64(dh_n), as64(dc_n))
    entry["max_abs_f32_vs_f64"] = {
        k: float(f"{np.abs(expected[k].astype(np.float64) - expected64[k]).max():.3e}")
        for k in sorted(expected)}
    entry["saturated_fraction"] = round(saturation(module64, cell, as64(x), as64(h0), as64(c0)), 4)

    files = {"weights": weights, "inputs": inputs, "expected": expected,
             "expected64": expected64}
    size = 0
    entry["files"] = {}
    for kind, tensors in files.items():
        filename = f"{name}.{kind}.safetensors"
        size += write_and_verify(os.path.join(out_dir, filename), tensors)
        entry["files"][kind] = filename
    return entry, size


def generate(out_dir):
    torch.set_num_threads(1)  # a fixed reduction order, so reruns give identical bytes
    torch.use_deterministic_algorithms(True)
    os.makedirs(out_dir, exist_ok=True)
    fixtures = []
    total = 0
    for cell in CELLS:
        for suffix, layers, steps_t, batch, input_size, hidden, has_h0, has_dh_n, bias in VARIANTS:
            entry, size = make_fixture(out_dir, cell, f"{cell}_{suffix}", layers, steps_t, batch,
                                       input_size, hidden, has_h0, has_dh_n, bias, False)
            fixtures.append(entry)
            total += size
        layers, steps_t, batch, input_size, hidden = TRAINED_SHAPE
        entry, size = make_fixture(out_dir, cell, f"{cell}_trained", layers, steps_t, batch,
                                   input_size, hidden, True, True, True, True)
        fixtures.append(entry)
        total += size
    manifest = {
        "generator": "scripts/make-fixtures",
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "layout": "time-major (batch_first=False); x [T,B,I], h0/h_n/c0/c_n/dh_n/dc_n [L,B,H], "
                  "out/dout [T,B,H]",
        "loss": "L = sum(out*dout) + sum(h_n*dh_n) + sum(c_n*dc_n) (lstm); absent h0/c0 and "
                "dh_n/dc_n are zeros",
        "files": {
            "weights": "state_dict with PyTorch names (weight_ih_l{k}, weight_hh_l{k}, "
                       "bias_ih_l{k}, bias_hh_l{k}; no bias_* when bias is false), F32",
            "inputs": "x, dout, and h0 [c0] when has_h0, dh_n [dc_n] when has_dh_n, F32",
            "expected": "out, h_n, [c_n], grad.<param>, grad.x, grad.h0, [grad.c0]: PyTorch "
                        "float32, F32",
            "expected64": "same names as expected, computed in float64 from the same float32 "
                          "weights and inputs, F64",
        },
        "fixtures": fixtures,
    }
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, sort_keys=False)
        f.write("\n")
    listed = {name for e in fixtures for name in e["files"].values()} | {"manifest.json",
                                                                         "README.md"}
    stray = sorted(n for n in os.listdir(out_dir) if n not in listed)
    if stray:
        print("warning: files not written by this run: " + ", ".join(stray), file=sys.stderr)
    if total > MAX_TOTAL_BYTES:
        raise SystemExit(f"fixtures total {total} bytes, over the {MAX_TOTAL_BYTES} budget")
    return fixtures, total


def main():
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    parser = argparse.ArgumentParser(prog="scripts/make-fixtures", description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(root, "src", "test", "resources", "fixtures"),
                        help="output folder (default: %(default)s)")
    parser.add_argument("--check", action="store_true",
                        help="generate into a temporary folder and compare byte for byte with "
                             "--out instead of writing it")
    args = parser.parse_args()
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            fixtures, _ = generate(tmp)
            names = sorted(os.listdir(tmp))
            _, mismatch, errors = filecmp.cmpfiles(tmp, args.out, names, shallow=False)
            if mismatch or errors:
                print("differ from " + args.out + ": " + ", ".join(mismatch + errors))
                sys.exit(1)
            print(f"{len(fixtures)} fixtures, {len(names)} files identical to {args.out}")
        return
    fixtures, total = generate(args.out)
    print(f"wrote {len(fixtures)} fixtures ({total} bytes of safetensors) to {args.out}")


if __name__ == "__main__":
    main()
