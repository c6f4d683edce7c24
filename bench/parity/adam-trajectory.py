"""torch.optim.Adam on the gradient sequence adam-trajectory.ts wrote, against untangle's parameters.

    npx tsx bench/parity/adam-trajectory.ts /tmp/parity/adam && python3 bench/parity/adam-trajectory.py /tmp/parity/adam
Prints, per saved step, max |p_untangle − p_torch| relative to the distance travelled max |p_torch − p0|.
"""
import json
import os
import sys

import numpy as np
import torch
from safetensors.numpy import load_file

d = load_file(os.path.join(sys.argv[1], "adam.safetensors"))
p0, grads = d["p0"], d["grads"]
p = torch.nn.Parameter(torch.tensor(p0))
opt = torch.optim.Adam([p], lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
rows = []
for s in range(grads.shape[0]):
    p.grad = torch.tensor(grads[s])
    opt.step()
    key = f"p.{s + 1:06d}"
    if key in d:
        t = p.detach().numpy()
        rows.append({"step": s + 1, "max_abs": float(np.abs(d[key] - t).max()),
                     "rel_to_travel": float(np.abs(d[key] - t).max() / np.abs(t - p0).max())})
print(json.dumps(rows))
