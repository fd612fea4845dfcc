"""Unsupervised alternatives for the family types, scored against the planted groups (numpy).

    LEA_PSEUDONYM_KEY=... .venv/bin/python benchmarks/study_recovery.py --conf-dir DIR/conf --env local

Reads ``gold.family_features`` and the planted group of each family (the answer key joined
as ``lea evaluate`` does: ``lea_spark.ml.truth.planted_groups``) once through Spark, then
scores in numpy/scikit-learn, on the families with a planted group (adjusted Rand index):

- the project's recipe replicated (exact mid-rank ECDF, k-means k = 100, average linkage of
  the type centres to 10 groups) and the *oracle* of its types (each type given its planted
  majority group: no grouping of those types can score more);
- k-means with unsupervised feature weights from a first clustering (each indicator weighted
  by the share of its variance between the types, then k-means again, four rounds);
- a diagonal Gaussian mixture of 10 and 12 components on the same ranks;
- latent class analysis: each indicator cut into 3 or 5 quantile classes, a mixture of
  independent categorical distributions fitted by EM (10 classes);
- k = 50, 150, 200 types with the same grouping;
- the recipe with indicators weighted by their phenomenon (the catalog's 11 phenomena): each
  phenomenon given equal total weight (1/sqrt of its number of indicators) or equal total
  variance of its ranks;
- discriminative re-clustering (``--only discriminative``): k-means again after whitening by
  the first types' pooled within-type covariance, or on iterated LDA projections onto the
  groups' or the types' top discriminant directions;
- structural types as the LEA project formed them (family structure x number of children x
  age band of the youngest child x age band of the youngest parent), and a hybrid: k-means
  sub-types inside each structure x youngest-child band, about 100 in all, in proportion to
  the families.

Nothing here uses the answer key except to score. Results go to docs/benchmarks.md by hand.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def load(conf_dir: str, env: str):
    import pandas as pd  # noqa: F401

    from lea_spark.config import load_config, secret
    from lea_spark.lake import read_table
    from lea_spark.ml.features import KEY_COLUMNS, feature_columns
    from lea_spark.ml.truth import planted_groups
    from lea_spark.session import get_spark

    cfg = load_config(conf_dir, env)
    spark = get_spark(cfg)
    key = secret(cfg["ingest.pseudonym_key_env"])
    answer_key = spark.read.parquet(str(cfg.path("answer_key") / "answer_key"))
    truth = planted_groups(answer_key, read_table(spark, cfg, "silver.family_members"), key)
    ff = read_table(spark, cfg, "gold.family_features")
    cols = feature_columns(ff.schema)
    pdf = ff.join(truth, "family_id", "left").select(*cols, "group_no").toPandas()
    spark.stop()
    assert not set(cols) & set(KEY_COLUMNS)
    x = pdf[cols].astype(float)
    return x.fillna(x.median()), pdf["group_no"].to_numpy(dtype=float), cols


def structural_key(x) -> tuple[np.ndarray, np.ndarray]:
    """``(structure x youngest-child band, the same x children x youngest-parent band)``."""
    structure = np.select([x.two_parent == 1, x.blended_family == 1, x.single_parent == 1,
                           x.relative_carer_family == 1], [0, 1, 2, 3], 4)
    children = np.minimum(x.n_children, 4).astype(int)
    youngest = np.digitize(x.youngest_child_age, [3, 7, 13])
    parent = np.digitize(x.youngest_parent_age, [30, 40])
    return structure * 10 + youngest, ((structure * 10 + children) * 10 + youngest) * 10 + parent


def mid_ranks(x: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return np.column_stack([(rankdata(x[:, j], "average") - 0.5) / len(x) for j in range(x.shape[1])])


def types_and_groups(r: np.ndarray, k: int, seed: int, n_groups: int = 10, n_init: int = 1):
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.cluster import KMeans

    lab = KMeans(k, n_init=n_init, random_state=seed).fit(r).labels_
    centres = np.array([r[lab == i].mean(0) for i in range(k)])
    return lab, fcluster(linkage(centres, "average"), t=n_groups, criterion="maxclust")[lab]


def latent_classes(bins: list[np.ndarray], k: int, seed: int, iters: int = 200, alpha: float = 1.0):
    """Hard labels of a latent class model (independent categorical indicators) fitted by EM."""
    from scipy.special import logsumexp

    n = len(bins[0])
    resp = np.random.default_rng(seed).dirichlet(np.ones(k), size=n)
    prev = -np.inf
    for _ in range(iters):
        ll = np.tile(np.log(resp.mean(0)), (n, 1))
        for b in bins:
            cnt = np.zeros((b.max() + 1, k))
            np.add.at(cnt, b, resp)
            ll += np.log(((cnt + alpha) / (cnt.sum(0) + alpha * len(cnt)))[b])
        tot = logsumexp(ll, axis=1)
        resp = np.exp(ll - tot[:, None])
        if tot.sum() - prev < 1e-6 * abs(tot.sum()):
            break
        prev = tot.sum()
    return resp.argmax(1)


def quantile_classes(x: np.ndarray, n_bins: int) -> list[np.ndarray]:
    out = []
    for j in range(x.shape[1]):
        cuts = np.unique(np.quantile(x[:, j], np.linspace(0, 1, n_bins + 1)[1:-1]))
        _, b = np.unique(np.searchsorted(cuts, x[:, j], side="right"), return_inverse=True)
        if b.max() > 0:
            out.append(b)
    return out


def phenomena(r: np.ndarray, cols: list[str], seeds: list[int], show) -> int:
    """The recipe with each indicator weighted by its phenomenon (equal count or equal variance)."""
    from lea_spark.indicators.catalog import by_name

    names = sorted({by_name(c).phenomenon for c in cols})
    block = np.array([names.index(by_name(c).phenomenon) for c in cols])
    count = np.bincount(block)
    var = np.array([r[:, block == b].var(0).sum() for b in range(len(names))])
    print("indicators and rank variance per phenomenon:",
          ", ".join(f"{p} {c} / {v:.3f}" for p, c, v in zip(names, count, var)))
    weights = {"equal weights (the recipe)": np.ones(len(cols)),
               "each phenomenon weight 1 (1/sqrt(indicators))": 1 / np.sqrt(count[block]),
               "each phenomenon the same rank variance": 1 / np.sqrt(var[block])}
    for name, w in weights.items():
        for seed in seeds:
            lab, g = types_and_groups(r * w, 100, seed)
            show(f"{name} (seed {seed})", g, lab)
    return 0


def discriminative(r: np.ndarray, seeds: list[int], show) -> int:
    """Discriminative re-clustering: k-means again in a space that separates the first
    clustering's segments best (pooled within-segment covariance whitened; iterated LDA
    projections onto the groups' or the types' top discriminant directions)."""
    r = r[:, r.std(0) > 0]

    def centres(z, lab):
        return np.array([z[lab == i].mean(0) for i in range(lab.max() + 1)])

    def inv_sqrt_within(z, lab, eps):
        e = z - centres(z, lab)[lab]
        w, v = np.linalg.eigh(e.T @ e / len(z))
        return v @ np.diag(np.maximum(w, eps * w.max()) ** -0.5) @ v.T

    def lda(z, lab, dims):
        w = inv_sqrt_within(z, lab, 1e-3)
        cb = (centres(z, lab) - z.mean(0)) @ w
        vals, vecs = np.linalg.eigh((cb * np.bincount(lab)[:, None]).T @ cb / len(z))
        return w @ vecs[:, ::-1][:, :dims]

    for seed in seeds:
        lab, g = types_and_groups(r, 100, seed)
        show(f"recipe (seed {seed})", g, lab)
        for eps in (1e-2, 1e-3):
            z = r @ inv_sqrt_within(r, lab, eps)
            lab2, g2 = types_and_groups(z, 100, seed)
            show(f"  whitened by the within-type covariance (eps {eps})", g2, lab2)
        for on, dims in (("groups", 9), ("groups", 20), ("types", 20), ("types", 40)):
            cur = (g - 1) if on == "groups" else lab
            for it in range(3):
                z = r @ lda(r, cur, dims)
                lab2, g2 = types_and_groups(z, 100, seed)
                show(f"  LDA on the {on}, {dims} directions, round {it + 1}", g2, lab2)
                cur = (g2 - 1) if on == "groups" else lab2
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--conf-dir", required=True)
    ap.add_argument("--env", default="local")
    ap.add_argument("--seeds", type=int, nargs="+", default=[7, 8])
    ap.add_argument("--sample", type=int, default=0, help="score a random sample of this many families (0: all)")
    ap.add_argument("--only", choices=["phenomena", "discriminative"], help="run only these alternatives (with the recipe)")
    args = ap.parse_args()
    import pandas as pd
    from sklearn.metrics import adjusted_rand_score as ari
    from sklearn.mixture import GaussianMixture

    xdf, y, cols = load(args.conf_dir, args.env)
    if args.sample and args.sample < len(y):
        keep = np.sort(np.random.default_rng(0).choice(len(y), args.sample, replace=False))
        xdf, y = xdf.iloc[keep].reset_index(drop=True), y[keep]
    x = xdf.to_numpy()
    r = mid_ranks(x)
    m = ~np.isnan(y)
    print(f"families {len(y):,}, with a planted group {int(m.sum()):,}, indicators {len(cols)}")

    def oracle(lab):
        t = pd.crosstab(lab[m], y[m])
        return ari(y[m], t.idxmax(axis=1).loc[lab[m]].to_numpy())

    def show(name, groups, types=None):
        extra = f"  oracle of its types {oracle(types):.3f}" if types is not None else ""
        print(f"{name:58s} ARI {ari(y[m], groups[m]):.3f}{extra}", flush=True)

    if args.only == "phenomena":
        return phenomena(r, cols, args.seeds, show)
    if args.only == "discriminative":
        return discriminative(r, args.seeds, show)
    for seed in args.seeds:
        lab, g = types_and_groups(r, 100, seed)
        show(f"recipe: ranks, k-means 100, average linkage (seed {seed})", g, lab)
        w_lab = lab
        for rnd in range(4):
            centres = np.array([r[w_lab == i].mean(0) for i in range(w_lab.max() + 1)])
            within = ((r - centres[w_lab]) ** 2).sum(0)
            total = ((r - r.mean(0)) ** 2).sum(0)
            w = np.where(total > 0, 1 - within / np.maximum(total, 1e-12), 0.0)
            w_lab, g = types_and_groups(r * np.sqrt(w / w.mean()), 100, seed)
            show(f"  weighted by between-type variance, round {rnd + 1}", g, w_lab)
    varying = r[:, r.std(0) > 0]
    for k in (10, 12):
        for seed in args.seeds:
            p = GaussianMixture(k, covariance_type="diag", random_state=seed, max_iter=300, reg_covar=1e-4).fit_predict(varying)
            show(f"diagonal Gaussian mixture, {k} components (seed {seed})", p, p)
    for n_bins in (3, 5):
        bins = quantile_classes(x, n_bins)
        for seed in args.seeds:
            p = latent_classes(bins, 10, seed)
            show(f"latent classes, {n_bins} classes per indicator, 10 (seed {seed})", p, p)
    for k in (50, 150, 200):
        for seed in args.seeds:
            lab, g = types_and_groups(r, k, seed)
            show(f"k-means {k}, average linkage (seed {seed})", g, lab)
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.cluster import KMeans

    def grouped(lab):
        centres = np.array([r[lab == i].mean(0) for i in range(lab.max() + 1)])
        return fcluster(linkage(centres, "average"), t=10, criterion="maxclust")[lab]

    coarse, fine = structural_key(xdf)
    _, lab = np.unique(fine, return_inverse=True)
    show(f"structural types ({lab.max() + 1}), average linkage", grouped(lab), lab)
    _, base = np.unique(coarse, return_inverse=True)
    sizes = np.bincount(base)
    for seed in args.seeds:
        lab, nxt = np.zeros(len(base), dtype=int), 0
        for i, n_sub in enumerate(np.maximum(1, np.round(100 * sizes / sizes.sum())).astype(int)):
            idx = np.flatnonzero(base == i)
            n_sub = min(n_sub, len(idx))
            sub = KMeans(n_sub, n_init=1, random_state=seed).fit(r[idx]).labels_ if n_sub > 1 else 0
            lab[idx] = nxt + sub
            nxt += n_sub
        show(f"hybrid: k-means inside {sizes.size} structural cells ({nxt} types, seed {seed})", grouped(lab), lab)
    return 0


if __name__ == "__main__":
    t0 = time.perf_counter()
    code = main()
    print(f"done in {time.perf_counter() - t0:.0f} s")
    sys.exit(code)
