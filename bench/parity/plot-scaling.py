"""The scaling curve of the side-by-side runs: metric against training steps, both sides, with the
untrained floor, from results.json (collect.py --betavae-curve).

    python3 bench/parity/plot-scaling.py [OUT.png]     (default bench/parity/betavae-scaling.png)
    python3 bench/parity/plot-scaling.py disdiff [OUT.png]   (default bench/parity/disdiff-scaling.png;
                                                             collect.py --disdiff-curve: FactorVAE, DCI, MIG panels)
"""
import json
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402,F401

HERE = os.path.dirname(os.path.abspath(__file__))


def disdiff(out):
    res = json.load(open(os.path.join(HERE, "results.json")))["disdiff_shapes3d_scaling"]
    steps = sorted(res, key=int)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6), dpi=120)
    names = {"factor_vae": "FactorVAE (eval accuracy)", "dci": "DCI disentanglement", "mig": "MIG"}
    for ax, (key, label) in zip(axes, names.items()):
        for side, style, who in (("twin", "o-", "PyTorch twin (DisDiff p_losses)"), ("untangle", "s--", "untangle")):
            seeds = sorted({s for n in steps for s in res[n].get(side, {})})
            for s in seeds:
                xs = [int(n) for n in steps if s in res[n].get(side, {})]
                ys = [res[n][side][s]["trained"][key] for n in steps if s in res[n].get(side, {})]
                ax.plot(xs, ys, style, ms=4, label=f"{who}, seed {s}")
        floors = [res[n]["untrained"][s]["scores"][key] for n in steps for s in res[n].get("untrained", {})]
        if floors:
            ax.axhline(max(floors), color="grey", lw=0.8, ls=":", label="untrained (same weights), highest seed")
        if key == "factor_vae":
            ax.axhline(1 / 6, color="black", lw=0.6, ls="-.", label="chance (1/6: six factors)")
        ax.set_xscale("log")
        ax.set_xticks([int(n) for n in steps])
        ax.set_xticklabels(steps)
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("DisDiff-stage steps (batch 4)")
        ax.set_title(label, fontsize=9)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=6, loc="best")
    fig.suptitle("DisDiff stage on Shapes3D, same frozen LDM, initial weights and batches", fontsize=10)
    fig.tight_layout()
    fig.savefig(out)
    print("wrote", out)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "disdiff":
        return disdiff(sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "disdiff-scaling.png"))
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
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_ylim(0, 1.45 * ax.get_ylim()[1])   # room for the legend above the curves
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
