"""The Java example (examples/src/main/java/dev/vecrnn/examples/Sine.java, in the README) written
in PyTorch, for comparison: the same data, model, optimizer, batches, validation split, early
stopping and baseline. Writes sine.pt."""
import copy, numpy as np, torch

rng = np.random.default_rng(1)  # a noisy sine, period 21 steps
n, T = 2000, 4
series = np.sin(0.3 * np.arange(n + T)) + 0.1 * rng.standard_normal(n + T)
x = torch.tensor(np.stack([series[s:s + T] for s in range(n)]), dtype=torch.float32).unsqueeze(-1)  # [n, 4, 1]
y = torch.tensor(series[T:], dtype=torch.float32).unsqueeze(-1)  # [n, 1]: the value after each window
x_train, y_train, x_val, y_val = x[:1440], y[:1440], x[1440:1600], y[1440:1600]  # the last tenth validates
x_test, y_test = x[1600:], y[1600:]

class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm, self.head = torch.nn.LSTM(1, 32, batch_first=True), torch.nn.Linear(32, 1)

    def forward(self, x):
        return self.head(self.lstm(x)[0][:, -1])

torch.manual_seed(1)
model, mse = Model(), torch.nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
best, best_state, waited = float("inf"), None, 0
for epoch in range(100):
    for batch in torch.randperm(len(x_train)).split(32):
        optimizer.zero_grad()
        mse(model(x_train[batch]), y_train[batch]).backward()
        optimizer.step()
    with torch.no_grad():
        validation = mse(model(x_val), y_val).item()
    print(f"epoch {epoch + 1}/100: validation {validation:.4f}")
    if validation < best:
        best, best_state, waited = validation, copy.deepcopy(model.state_dict()), 0
    elif (waited := waited + 1) >= 10:
        break
model.load_state_dict(best_state)

with torch.no_grad():
    test = mse(model(x_test), y_test).item()
repeat_last = ((x_test[:, -1] - y_test) ** 2).mean().item()  # the baseline: predict x[t+4] = x[t+3]
print(f"test MSE {test:.4f}, repeating the last value {repeat_last:.4f}")
torch.save(model.state_dict(), "sine.pt")
