"""The scaling curves of the side-by-side runs: metric against training steps, both sides, with the
untrained floor, from results.json (collect.py --betavae-curve / --dsvae-curve / --disdiff-curve).

    python3 bench/parity/plot-scaling.py [betavae|dsvae|disdiff ...]     (default: every curve results.json holds)

Each curve is one row of CURVES: its results.json section, the two sides' keys and labels, how to
read the metric from an entry, the axis labels and the picture it writes next to this file. A
curve with `panels` draws one panel per (metric, label); `floor_side` names a side whose entries
are the untrained weights (DisDiff keeps them apart, under "untrained", key "scores").
"""
import json
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402,F401

HERE = os.path.dirname(os.path.abspath(__file__))

CURVES = {
    "betavae": dict(
        section="betavae_dsprites_scaling", out="betavae-scaling.png",
        sides=(("upstream", "1Konny BetaVAE_H (PyTorch)"), ("untangle", "untangle")),
        metric=lambda r: r["mig"], chance=None,
        xlabel="training steps (batch 64, Adam 1e-4, β = 4)", ylabel="MIG (10,000 images)",
        title="β-VAE on dSprites, same initial weights and batches"),
    "dsvae": dict(
        section="dsvae_sprites_scaling", out="dsvae-scaling.png",
        sides=(("pytorch_twin", "yatindandi DSVAE twin (PyTorch)"), ("untangle", "untangle")),
        metric=lambda r: r["swap_static/mean"], chance=1 / 6,
        xlabel="training steps (batch 16, Adam 2e-3, KL warm-up 300)", ylabel="static swap: A's colours read back",
        title="DSVAE on Sprites, same initial weights and batches"),
    "disdiff": dict(
        section="disdiff_shapes3d_scaling", out="disdiff-scaling.png",
        sides=(("twin", "PyTorch twin (DisDiff p_losses), torch's draws"), ("untangle", "untangle"), ("replay", "twin, untangle's draws")),
        floor_side=("untrained", "scores"),
        panels=((lambda r: r["factor_vae"], "FactorVAE (eval accuracy)", 1 / 6), (lambda r: r["dci"], "DCI disentanglement", None),
                (lambda r: r["mig"], "MIG", None)),
        xlabel="DisDiff-stage steps (batch 4, AdamW 2e-4)", ylabel=None,
        title="DisDiff stage on Shapes3D, same frozen LDM, initial weights and batches"),
}


def draw_sides(ax, spec, res, steps, metric, seed_colours=False, **style):
    """One line per (side, seed): the metric of each budget the seed was run at. The marker says
    the side; with `seed_colours` the colour says the seed."""
    for (side, who), marker in zip(spec["sides"], ("o-", "s--", "^:")):
        for s in sorted({s for n in steps for s in res[n].get(side, {})}):
            at = [n for n in steps if s in res[n].get(side, {})]
            colour = {"color": f"C{int(s)}"} if seed_colours else {}
            ax.plot([int(n) for n in at], [metric(res[n][side][s]["trained"]) for n in at], marker,
                    label=f"{who}, seed {s}", **colour, **style)


def step_axis(ax, steps):
    """Training steps on a log axis, one tick per budget."""
    ax.set_xscale("log")
    ax.set_xticks([int(n) for n in steps])
    ax.set_xticklabels(steps)
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def save(fig, spec):
    fig.tight_layout()
    out = os.path.join(HERE, spec["out"])
    fig.savefig(out)
    print("wrote", out)


def plot(spec, res):
    if "panels" in spec:
        return plot_panels(spec, res)
    steps = sorted(res, key=int)
    fig, ax = plt.subplots(figsize=(5.5, 3.6), dpi=120)
    draw_sides(ax, spec, res, steps, spec["metric"])
    first = spec["sides"][0][0]
    floors = [spec["metric"](e["untrained"]) for n in steps for e in res[n].get(first, {}).values() if "untrained" in e]
    if floors:
        ax.axhline(max(floors), color="grey", lw=0.8, ls=":", label="untrained (same weights)")
    if spec["chance"] is not None:
        ax.axhline(spec["chance"], color="black", lw=0.6, ls="-.", label="chance")
    step_axis(ax, steps)
    lo, hi = ax.get_ylim()
    ax.set_ylim(0 if spec["chance"] is None else min(lo, spec["chance"] * 0.8), hi + 0.45 * (hi - min(lo, 0)))  # room for the legend
    ax.set_xlabel(spec["xlabel"])
    ax.set_ylabel(spec["ylabel"])
    ax.set_title(spec["title"])
    ax.legend(fontsize=7, loc="upper left")
    ax.grid(alpha=0.3)
    save(fig, spec)


def plot_panels(spec, res):
    steps = sorted(res, key=int)
    fig, axes = plt.subplots(1, len(spec["panels"]), figsize=(4.2 * len(spec["panels"]), 3.8), dpi=120)
    fside, fkey = spec["floor_side"]
    for ax, (metric, label, chance) in zip(axes, spec["panels"]):
        draw_sides(ax, spec, res, steps, metric, seed_colours=True, ms=4)
        floors = [metric(e[fkey]) for n in steps for e in res[n].get(fside, {}).values()]
        if floors:
            ax.axhline(max(floors), color="grey", lw=0.8, ls=":", label="untrained (same weights), highest seed")
        if chance is not None:
            ax.axhline(chance, color="black", lw=0.6, ls="-.", label="chance")
        step_axis(ax, steps)
        ax.set_xlim(int(steps[0]) / 1.4, int(steps[-1]) * 1.4)
        ax.set_xlabel(spec["xlabel"], fontsize=8)
        ax.set_title(label, fontsize=9)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=6, loc="upper left")
    lo, hi = axes[0].get_ylim()
    axes[0].set_ylim(lo, hi + 0.9 * (hi - lo))   # room for the legend
    fig.suptitle(spec["title"], fontsize=10)
    save(fig, spec)


def main():
    res = json.load(open(os.path.join(HERE, "results.json")))
    names = sys.argv[1:] or [n for n, c in CURVES.items() if c["section"] in res]
    for n in names:
        plot(CURVES[n], res[CURVES[n]["section"]])


if __name__ == "__main__":
    main()
