"""The scaling curve of the side-by-side runs: metric against training steps, both sides, with the
untrained floor, from results.json (collect.py --betavae-curve).

    python3 bench/parity/plot-scaling.py [OUT.png]     (default bench/parity/betavae-scaling.png)
"""
import json
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "betavae-scaling.png")
    res = json.load(open(os.path.join(HERE, "results.json")))["betavae_dsprites_scaling"]
    steps = sorted(res, key=int)
    fig, ax = plt.subplots(figsize=(5.5, 3.6), dpi=120)
    for side, style in (("upstream", "o-"), ("untangle", "s--")):
        seeds = sorted({s for n in steps for s in res[n][side]})
        for s in seeds:
            xs = [int(n) for n in steps if s in res[n][side]]
            ys = [res[n][side][s]["trained"]["mig"] for n in steps if s in res[n][side]]
            label = "1Konny BetaVAE_H (PyTorch)" if side == "upstream" else "untangle"
            ax.plot(xs, ys, style, label=f"{label}, seed {s}")
    floors = [res[n]["upstream"][s]["untrained"]["mig"] for n in steps for s in res[n]["upstream"] if "untrained" in res[n]["upstream"][s]]
    if floors:
        ax.axhline(max(floors), color="grey", lw=0.8, ls=":", label="untrained (same weights)")
    ax.set_xscale("log")
    ax.set_xticks([int(n) for n in steps])
    ax.set_xticklabels(steps)
    ax.set_xlabel("training steps (batch 64, Adam 1e-4, β = 4)")
    ax.set_ylabel("MIG (10,000 images)")
    ax.set_title("β-VAE on dSprites, same initial weights and batches")
    ax.legend(fontsize=7, loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out)
    print("wrote", out)


if __name__ == "__main__":
    main()
