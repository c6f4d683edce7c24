"""Reference side of bench/crosscheck.ts: scores the same codes/factors with numpy + scikit-learn,
following disentanglement_lib's metric definitions. Needs scikit-learn and scipy (not a test
dependency): python3 reference.py DIR  (DIR holds the .npy files written by crosscheck.ts)."""
import json
import sys

import numpy as np
import scipy.linalg
import scipy.stats
from sklearn import ensemble, linear_model, metrics, preprocessing, svm

d = sys.argv[1]
mus = np.load(f"{d}/codes_train.npy").astype(np.float64).T  # (num_codes, n)
ys = np.load(f"{d}/factors_train.npy").T
mus_test = np.load(f"{d}/codes_test.npy").astype(np.float64).T
ys_test = np.load(f"{d}/factors_test.npy").T
num_bins = 20


def discretize(target):
    out = np.zeros_like(target)
    for i in range(target.shape[0]):
        out[i, :] = np.digitize(target[i, :], np.histogram(target[i, :], num_bins)[1][:-1])
    return out


def mi_matrix(a, b):
    m = np.zeros([a.shape[0], b.shape[0]])
    for i in range(a.shape[0]):
        for j in range(b.shape[0]):
            m[i, j] = metrics.mutual_info_score(b[j, :], a[i, :])
    return m


res = {}
disc = discretize(mus)
m = mi_matrix(disc, ys)
ent = np.array([metrics.mutual_info_score(y, y) for y in ys])
s = np.sort(m, axis=0)[::-1]
res["mig"] = {"discrete_mig": float(np.mean((s[0] - s[1]) / ent))}

sq = np.square(m)
mx = np.max(sq, axis=1)
mod = 1.0 - (np.sum(sq, axis=1) - mx) / (mx * (sq.shape[1] - 1.0))
mod[mx == 0.0] = 0.0
mean, std = mus.mean(axis=1), mus.std(axis=1)
xn, xtn = ((mus - mean[:, None]) / std[:, None]).T, ((mus_test - mean[:, None]) / std[:, None]).T
etr, ete = [], []
for j in range(ys.shape[0]):
    clf = linear_model.LogisticRegression().fit(xn, ys[j])
    mlb = preprocessing.MultiLabelBinarizer()
    etr.append(metrics.roc_auc_score(mlb.fit_transform(ys[j][:, None]), clf.predict_proba(xn)))
    ete.append(metrics.roc_auc_score(mlb.fit_transform(ys_test[j][:, None]), clf.predict_proba(xtn)))
res["modularity"] = {"modularity_score": float(np.mean(mod)), "explicitness_score_train": float(np.mean(etr)),
                     "explicitness_score_test": float(np.mean(ete))}

sm = np.zeros([mus.shape[0], ys.shape[0]])
for i in range(mus.shape[0]):
    for j in range(ys.shape[0]):
        c = svm.LinearSVC(C=0.01, class_weight="balanced").fit(mus[i][:, None], ys[j])
        sm[i, j] = np.mean(c.predict(mus_test[i][:, None]) == ys_test[j])
ss = np.sort(sm, axis=0)
res["sap"] = {"SAP_score": float(np.mean(ss[-1] - ss[-2]))}

def dci(seed):
  imp = np.zeros([mus.shape[0], ys.shape[0]])
  tr, te = [], []
  for j in range(ys.shape[0]):
    g = ensemble.GradientBoostingClassifier(random_state=seed).fit(mus.T, ys[j])
    imp[:, j] = np.abs(g.feature_importances_)
    tr.append(np.mean(g.predict(mus.T) == ys[j]))
    te.append(np.mean(g.predict(mus_test.T) == ys_test[j]))
  pc = 1.0 - scipy.stats.entropy(imp.T + 1e-11, base=imp.shape[1])
  pf = 1.0 - scipy.stats.entropy(imp + 1e-11, base=imp.shape[0])
  return {"informativeness_train": float(np.mean(tr)), "informativeness_test": float(np.mean(te)),
              "disentanglement": float(np.sum(pc * imp.sum(axis=1) / imp.sum())),
              "completeness": float(np.sum(pf * imp.sum(axis=0) / imp.sum()))}


res["dci"] = dci(0)
res["dci_sklearn_seed1"] = dci(1)

cov = np.cov(mus)
tc = 0.5 * (np.sum(np.log(np.diag(cov))) - np.linalg.slogdet(cov)[1])
w = 2 * np.trace(cov) - 2 * np.trace(scipy.linalg.sqrtm(cov * np.expand_dims(np.diag(cov), axis=1))).real
mm = mi_matrix(disc, disc)
np.fill_diagonal(mm, 0)
k = mus.shape[0]
res["unsupervised"] = {"gaussian_total_correlation": float(tc), "gaussian_wasserstein_correlation": float(w),
                       "gaussian_wasserstein_correlation_norm": float(w / np.trace(cov)),
                       "mutual_info_score": float(np.sum(mm) / (k * k - k))}
bx, by = np.load(f"{d}/bv_train.npy"), np.load(f"{d}/bv_train_labels.npy")
ex, ey = np.load(f"{d}/bv_eval.npy"), np.load(f"{d}/bv_eval_labels.npy")
bv = linear_model.LogisticRegression().fit(bx, by)
res["betavae"] = {"train_accuracy": float(np.mean(bv.predict(bx) == by)), "eval_accuracy": float(bv.score(ex, ey)),
                  "first_train_proba": float(bv.predict_proba(bx[:1])[0, 0])}
print(json.dumps(res))
