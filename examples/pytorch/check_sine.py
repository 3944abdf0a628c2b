"""Loads the model the Java example saved (sine.safetensors) into PyTorch's nn.LSTM + nn.Linear and
checks that they predict what vecrnn predicted for the held-out windows (sine-check.safetensors,
also written by the example), to 1e-5. Run it in the folder the example ran in; exit status 1 if
the predictions differ. Needs torch and numpy (Debian: python3-torch python3-numpy); reads
safetensors without the safetensors package."""
import sys

# example:start
import json, struct, numpy as np, torch

def load_safetensors(path):  # the same as safetensors.torch.load_file(path), for float32 tensors
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = {k: v for k, v in json.loads(raw[8:8 + n]).items() if k != "__metadata__"}
    return {k: torch.from_numpy(np.frombuffer(raw, "<f4", int(np.prod(v["shape"])), 8 + n + v["data_offsets"][0])
                                .reshape(v["shape"]).copy()) for k, v in header.items()}

state = load_safetensors("sine.safetensors")  # nn.LSTM's names + head.weight, head.bias
lstm, head = torch.nn.LSTM(1, 32, batch_first=True), torch.nn.Linear(32, 1)
lstm.load_state_dict({k: v for k, v in state.items() if not k.startswith("head.")})
head.load_state_dict({"weight": state["head.weight"], "bias": state["head.bias"]})
windows = torch.tensor([[0.0, 0.3, 0.56, 0.78]]).unsqueeze(-1)  # [N, 4, 1]: N windows of 4 values
print(head(lstm(windows)[0][:, -1]))  # the next value of each window, [N, 1]
# example:end

check = load_safetensors("sine-check.safetensors")
with torch.no_grad():
    prediction = head(lstm(check["x"])[0][:, -1])
difference = (prediction - check["prediction"]).abs().max().item()
print(f"PyTorch {torch.__version__}: nn.LSTM + nn.Linear loaded from sine.safetensors predict vecrnn's "
      f"{len(prediction)} held-out values to {difference:.1e} (largest difference; required: 1e-5)")
sys.exit(0 if difference <= 1e-5 else 1)
