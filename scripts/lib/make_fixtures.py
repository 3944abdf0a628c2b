"""Generates the PyTorch golden fixtures in library/src/test/resources/fixtures/.

Run through scripts/make-fixtures, which finds a Python with torch. Each fixture is one
torch.nn.RNN/LSTM/GRU (time-major, float32; some bidirectional, some run on a variable-length
batch through pack_padded_sequence(enforce_sorted=False) / pad_packed_sequence) with its
weights, inputs, outputs and the gradients of L = sum(out*dout) + sum(h_n*dh_n)
[+ sum(c_n*dc_n)], plus the same computation in float64 on the same (float32) weights and
inputs, so that Java tests can use tight tolerances against the float64 reference and loose
ones against PyTorch's float32 result.

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
DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8"), "I64": np.dtype("<i8")}
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
# (suffix, layers, T, B, I, H, bidirectional, lengths or None): every cell gets each of these,
# with h0 and dh_n given. Lengths are unsorted and include T, 1 and a tie.
SEQUENCE_VARIANTS = (
    ("bi_l1_t7b3i5h11", 1, 7, 3, 5, 11, True, None),
    ("bi_l2_t6b4i7h9", 2, 6, 4, 7, 9, True, None),
    ("var_l2_t6b4i5h7", 2, 6, 4, 5, 7, False, (3, 6, 1, 3)),
    ("var_bi_l1_t7b5i4h9", 1, 7, 5, 4, 9, True, (7, 2, 5, 1, 5)),
    ("var_bi_l2_t5b3i6h5", 2, 5, 3, 6, 5, True, (1, 5, 4)),
)
# LSTM with projections (proj_size P < H): (suffix, layers, T, B, I, H, P, bidirectional,
# lengths or None), h0 and dh_n given. h0/h_n/dh_n are [D*L,B,P], c0/c_n/dc_n [D*L,B,H].
PROJ_VARIANTS = (
    ("proj_l1_t6b3i7h13p5", 1, 6, 3, 7, 13, 5, False, None),
    ("proj_l2_t5b2i6h9p4", 2, 5, 2, 6, 9, 4, False, None),
    ("proj_l1_t4b1i7h13p5", 1, 4, 1, 7, 13, 5, False, None),
    ("proj_bi_l1_t7b3i5h11p6", 1, 7, 3, 5, 11, 6, True, None),
    ("proj_bi_l2_t5b3i5h11p3", 2, 5, 3, 5, 11, 3, True, None),
    ("proj_var_l2_t6b4i5h7p3", 2, 6, 4, 5, 7, 3, False, (3, 6, 1, 3)),
    ("proj_var_bi_l2_t5b3i6h10p4", 2, 5, 3, 6, 10, 4, True, (1, 5, 4)),
    ("proj_l2_t6b5i19h37p19", 2, 6, 5, 19, 37, 19, False, None),
)
# Deeper stacks, one cell each: (cell, suffix, layers, T, B, I, H, bidirectional, lengths or
# None, proj_size or 0), h0 and dh_n given; kept small for the size budget.
DEEP_VARIANTS = (
    ("gru", "deep_var_bi_l3_t6b4i5h6", 3, 6, 4, 5, 6, True, (6, 2, 5, 1), 0),
    ("rnn_relu", "deep_bi_l3_t5b3i4h5", 3, 5, 3, 4, 5, True, None, 0),
    ("lstm", "deep_proj_var_bi_l3_t6b3i4h7p3", 3, 6, 3, 4, 7, True, (2, 6, 4), 3),
    ("rnn_tanh", "deep_var_l4_t6b4i3h5", 4, 6, 4, 3, 5, False, (6, 1, 6, 2), 0),
)
# Trained models: layers, T, B, I, H of the fixture (training uses the same T, I, H).
TRAINED_SHAPE = (2, 12, 4, 5, 12)
TRAIN_STEPS = 200
TRAIN_BATCH = 32
INPUT_SCALE_TRAINED = 4.0
TRAIN_LR = 0.03


# ---------------------------------------------------------------- safetensors

def write_safetensors(path, tensors):
    """Writes {name: numpy array} (F32, F64 or I64) atomically: temp file, then rename."""
    header = {}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        dtype_name = {np.dtype("float32"): "F32", np.dtype("float64"): "F64",
                      np.dtype("int64"): "I64"}[array.dtype]
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

def make_module(cell, layers, input_size, hidden, bias, bidirectional=False, proj=0):
    if proj:
        return torch.nn.LSTM(input_size, hidden, num_layers=layers, bias=bias, batch_first=False,
                             bidirectional=bidirectional, proj_size=proj)
    if cell in ("rnn_tanh", "rnn_relu"):
        return torch.nn.RNN(input_size, hidden, num_layers=layers, bias=bias,
                            nonlinearity=cell[4:], batch_first=False, bidirectional=bidirectional)
    module_type = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
    return module_type(input_size, hidden, num_layers=layers, bias=bias, batch_first=False,
                       bidirectional=bidirectional)


def seed_for(name):
    return zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF


def run_forward_backward(module, cell, x, h0, c0, dout, dh_n, dc_n, lengths=None):
    """Forward and backward of L; returns {name: tensor} of outputs and gradients.

    With lengths, x goes through pack_padded_sequence(enforce_sorted=False) and the output
    comes back through pad_packed_sequence(total_length=T): zeros past each sequence's end.
    """
    x = x.clone().requires_grad_(True)
    h0 = h0.clone().requires_grad_(True)
    c0 = c0.clone().requires_grad_(True) if c0 is not None else None
    module.zero_grad(set_to_none=True)
    source = x
    if lengths is not None:
        source = torch.nn.utils.rnn.pack_padded_sequence(
            x, torch.tensor(lengths, dtype=torch.int64), enforce_sorted=False)
    if cell == "lstm":
        out, (h_n, c_n) = module(source, (h0, c0))
    else:
        out, h_n = module(source, h0)
        c_n = None
    if lengths is not None:
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, total_length=x.shape[0])
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


def sequence_reference(module, cell, x, h0, c0, lengths):
    """Forward pass from the DESIGN.md gate equations, one sequence at a time, in float64.

    Sequence b runs lengths[b] steps; the reverse direction runs from its own last step down to
    step 0; outputs past the end are zero; h_n is the state after the last step processed. This
    is what the Java layer implements, so checking it against torch.nn (packed sequences) pins
    down PyTorch's semantics. Returns (out, h_n, c_n or None).
    """
    steps, batch, _ = x.shape
    dirs = 2 if module.bidirectional else 1
    hidden = module.hidden_size
    proj = getattr(module, "proj_size", 0)
    state = proj if proj else hidden
    lengths = lengths if lengths is not None else [steps] * batch
    layer_input = x
    h_last, c_last = [], []
    with torch.no_grad():
        for layer in range(module.num_layers):
            out = torch.zeros(steps, batch, dirs * state, dtype=x.dtype)
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d == 1 else "")
                w_ih, w_hh = getattr(module, "weight_ih" + sfx), getattr(module, "weight_hh" + sfx)
                b_ih, b_hh = getattr(module, "bias_ih" + sfx), getattr(module, "bias_hh" + sfx)
                for b in range(batch):
                    h = h0[dirs * layer + d, b]
                    c = c0[dirs * layer + d, b] if c0 is not None else None
                    order = range(lengths[b]) if d == 0 else range(lengths[b] - 1, -1, -1)
                    for t in order:
                        gi = layer_input[t, b] @ w_ih.T + b_ih
                        gh = h @ w_hh.T + b_hh
                        if cell == "lstm":
                            i, f, g, o = (gi + gh).chunk(4)
                            c = f.sigmoid() * c + i.sigmoid() * g.tanh()
                            h = o.sigmoid() * c.tanh()
                            if proj:
                                h = h @ getattr(module, "weight_hr" + sfx).T
                        elif cell == "gru":
                            ir, iz, inn = gi.chunk(3)
                            hr, hz, hn = gh.chunk(3)
                            r, z = (ir + hr).sigmoid(), (iz + hz).sigmoid()
                            n = (inn + r * hn).tanh()
                            h = (1 - z) * n + z * h
                        elif cell == "rnn_tanh":
                            h = (gi + gh).tanh()
                        else:
                            h = (gi + gh).relu()
                        out[t, b, d * state:(d + 1) * state] = h
                    h_last.append(h)
                    c_last.append(c)
            layer_input = out
    count = len(h_last) // batch
    h_n = torch.stack(h_last).reshape(count, batch, state)
    c_n = torch.stack(c_last).reshape(count, batch, hidden) if c0 is not None else None
    return layer_input, h_n, c_n


def make_sequence_fixture(out_dir, cell, name, layers, steps_t, batch, input_size, hidden,
                          bidirectional, lengths, proj=0):
    """A bidirectional, variable-length and/or projected (LSTM proj_size) fixture: h0 and dh_n
    given, bias on."""
    seed = seed_for(name)
    torch.manual_seed(seed)
    module = make_module(cell, layers, input_size, hidden, True, bidirectional, proj)
    dirs = 2 if bidirectional else 1
    state = proj if proj else hidden
    entry = {"name": name, "cell": cell, "num_layers": layers, "T": steps_t, "B": batch,
             "I": input_size, "H": hidden, "bias": True, "has_h0": True, "has_dh_n": True,
             "trained": False, "seed": seed, "bidirectional": bidirectional}
    if proj:
        entry["proj_size"] = proj
    if lengths is not None:
        entry["lengths"] = list(lengths)
    generator = torch.Generator().manual_seed(seed + 1)
    x = torch.randn(steps_t, batch, input_size, generator=generator)
    h0 = torch.randn(dirs * layers, batch, state, generator=generator) * 0.5
    c0 = (torch.randn(dirs * layers, batch, hidden, generator=generator) * 0.5
          if cell == "lstm" else None)
    dout = torch.randn(steps_t, batch, dirs * state, generator=generator)
    dh_n = torch.randn(dirs * layers, batch, state, generator=generator)
    dc_n = torch.randn(dirs * layers, batch, hidden, generator=generator) if cell == "lstm" else None

    weights = {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}
    inputs = {"x": x.numpy(), "dout": dout.numpy(), "h0": h0.numpy(), "dh_n": dh_n.numpy()}
    if c0 is not None:
        inputs["c0"] = c0.numpy()
        inputs["dc_n"] = dc_n.numpy()
    if lengths is not None:
        inputs["lengths"] = np.array(lengths, dtype=np.int64)

    expected = run_forward_backward(module, cell, x, h0, c0, dout, dh_n, dc_n, lengths)
    module64 = copy.deepcopy(module).double()
    as64 = lambda t: t.double() if t is not None else None
    expected64 = run_forward_backward(module64, cell, as64(x), as64(h0), as64(c0), as64(dout),
                                      as64(dh_n), as64(dc_n), lengths)
    ref_out, ref_h, ref_c = sequence_reference(module64, cell, as64(x), as64(h0), as64(c0), lengths)
    for what, ours, theirs in (("out", ref_out, expected64["out"]), ("h_n", ref_h, expected64["h_n"]),
                               ("c_n", ref_c, expected64.get("c_n"))):
        if ours is not None and not np.allclose(ours.numpy(), theirs, rtol=0, atol=1e-12):
            raise AssertionError(f"{name}: per-sequence {what} disagrees with torch.nn")
    entry["max_abs_f32_vs_f64"] = {
        k: float(f"{np.abs(expected[k].astype(np.float64) - expected64[k]).max():.3e}")
        for k in sorted(expected)}

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
    for cell in CELLS:
        for suffix, layers, steps_t, batch, input_size, hidden, bidirectional, lengths in (
                SEQUENCE_VARIANTS):
            entry, size = make_sequence_fixture(out_dir, cell, f"{cell}_{suffix}", layers, steps_t,
                                                batch, input_size, hidden, bidirectional, lengths)
            fixtures.append(entry)
            total += size
    for suffix, layers, steps_t, batch, input_size, hidden, proj, bidirectional, lengths in (
            PROJ_VARIANTS):
        entry, size = make_sequence_fixture(out_dir, "lstm", f"lstm_{suffix}", layers, steps_t,
                                            batch, input_size, hidden, bidirectional, lengths, proj)
        fixtures.append(entry)
        total += size
    for cell, suffix, layers, steps_t, batch, input_size, hidden, bidirectional, lengths, proj in (
            DEEP_VARIANTS):
        entry, size = make_sequence_fixture(out_dir, cell, f"{cell}_{suffix}", layers, steps_t,
                                            batch, input_size, hidden, bidirectional, lengths, proj)
        fixtures.append(entry)
        total += size
    manifest = {
        "generator": "scripts/make-fixtures",
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "layout": "time-major (batch_first=False); x [T,B,I], h0/h_n/c0/c_n/dh_n/dc_n [D*L,B,H], "
                  "out/dout [T,B,D*H]; D = 2 for entries with bidirectional true, else 1; "
                  "entries with proj_size P (lstm with projections) have h0/h_n/dh_n [D*L,B,P] "
                  "and out/dout [T,B,D*P] (c0/c_n/dc_n stay [D*L,B,H])",
        "loss": "L = sum(out*dout) + sum(h_n*dh_n) + sum(c_n*dc_n) (lstm); absent h0/c0 and "
                "dh_n/dc_n are zeros",
        "sequences": "entries with lengths ran x through pack_padded_sequence(lengths, "
                     "enforce_sorted=False) and pad_packed_sequence(total_length=T): out is zero "
                     "past each sequence's end, h_n/c_n are each sequence's last states; entries "
                     "without lengths are full-length, without bidirectional one-directional",
        "files": {
            "weights": "state_dict with PyTorch names (weight_ih_l{k}, weight_hh_l{k}, "
                       "bias_ih_l{k}, bias_hh_l{k}, weight_hr_l{k} [P,H] with proj_size, and "
                       "the same with _reverse when bidirectional; "
                       "no bias_* when bias is false), F32",
            "inputs": "x, dout, and h0 [c0] when has_h0, dh_n [dc_n] when has_dh_n, F32; "
                      "lengths [B] I64 when the entry has lengths",
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
    parser.add_argument("--out", default=os.path.join(root, "library", "src", "test", "resources", "fixtures"),
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
