"""Table of bench/v3/side-by-side.sh's results: per arm and step budget, each headline score as
seed values and their mean. python3 bench/v3/collect.py OUT_DIR"""
import glob, json, os, re, sys
from collections import defaultdict

ROWS = [('content → digit, p@1', 'retrieval', 'v2026/zc_content/precision_at_1', '≥ 0.8'),
        ('content → colour, p@1', 'retrieval', 'v2026/zc_style/precision_at_1', '≤ 0.3'),
        ('style → colour, p@1', 'retrieval', 'v2026/zs_style/precision_at_1', '≥ 0.9'),
        ('style → digit, p@1', 'retrieval', 'v2026/zs_content/precision_at_1', '≤ 0.25'),
        ('style → colour, PR-AUC (v2025)', 'retrieval', 'v2025/zs_style/auc', ''),
        ('style → digit, PR-AUC', 'retrieval', 'v2025/zs_content/auc', ''),
        ('codebook accuracy, weighted', 'codebook', 'codebook_accuracy_weighted', '≥ 0.7'),
        ('atoms in use', 'codebook', 'atoms_in_use', '≥ 8')]

out = sys.argv[1]
runs = defaultdict(dict)
for f in glob.glob(os.path.join(out, '*-seed*-steps*.json')):
    m = re.match(r'(.+)-seed(\d+)-steps(\d+)\.json$', os.path.basename(f))
    if not m:
        continue
    runs[(m.group(1), int(m.group(3)))][int(m.group(2))] = json.load(open(f))['scores']
cols = sorted(runs, key=lambda k: (k[1], k[0]))
print('| score | target | ' + ' | '.join(f'{a} ({st} steps; seeds {",".join(map(str, sorted(runs[(a, st)])))})' for a, st in cols) + ' |')
print('|---|---|' + '---|' * len(cols))
for name, metric, key, target in ROWS:
    cells = []
    for c in cols:
        v = [runs[c][s][metric][key] for s in sorted(runs[c])]
        fmt = (lambda x: f'{x:.0f}') if key == 'atoms_in_use' else (lambda x: f'{x:.3f}')
        cells.append(f'{fmt(sum(v) / len(v))} ({" / ".join(fmt(x) for x in v)})' if len(v) > 1 else fmt(v[0]))
    print(f'| {name} | {target} | ' + ' | '.join(cells) + ' |')
