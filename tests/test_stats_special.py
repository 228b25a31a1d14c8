"""The t functions of dossier.analyses.stats give scipy.stats' numbers to the last bit and the exact binomial
interval R's binom.test numbers, without importing scipy.stats (which `dossier check` must not import: it
runs the analyses to find hand-typed numbers)."""

from __future__ import annotations

import csv
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats as sps

from dossier.stats import core as st
from tests.conftest import PILOT, ROOT

LEVELS = (0.8, 0.9, 0.95, 0.975, 0.99)


def test_clopper_pearson_equals_r_binom_test():
    """Against R's binom.test conf.int (tests/reference/binom_reference.R: 1,480 intervals, five levels)."""
    with (ROOT / "tests" / "reference" / "binom_reference_r.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1480
    for row in rows:
        k, n, level = int(row["k"]), int(row["n"]), float(row["level"])
        low, high = st.clopper_pearson(k, n, level)
        assert low == pytest.approx(float(row["low"]), rel=1e-13, abs=0), row
        assert high == pytest.approx(float(row["high"]), rel=1e-13, abs=0), row
        assert (low == 0) == (k == 0) and (high == 1) == (k == n), row


@pytest.mark.parametrize("level", LEVELS)
def test_clopper_pearson_agrees_with_scipy_binomtest(level):
    """scipy.stats.binomtest finds the same limits as brentq roots (xtol 2e-12): equal to that tolerance."""
    for n in [*range(1, 41), 97, 100, 250, 1000, 12345]:
        for k in sorted({0, 1, min(2, n), n // 3, n // 2, n - 1, n}):
            ci = sps.binomtest(k, n).proportion_ci(confidence_level=level, method="exact")
            low, high = st.clopper_pearson(k, n, level)
            assert low == pytest.approx(float(ci.low), rel=1e-7, abs=1e-11), (k, n)
            assert high == pytest.approx(float(ci.high), rel=1e-7, abs=1e-11), (k, n)
    assert st.clopper_pearson(0, 0, level) == (None, None)


def test_t_quantile_and_sf_equal_scipy_t():
    rng = np.random.default_rng(7)
    df = np.r_[np.nan, 1, 2, 3, 5, 10, 29, 30, 100, 1e3, 1e5, 1e6, rng.uniform(1, 5000, 200)]
    for level in LEVELS:
        assert np.array_equal(sps.t.ppf(0.5 + level / 2, df), st.t_quantile(0.5 + level / 2, df), equal_nan=True)
        for d in (1, 7, 250.0, 99999):
            assert sps.t.ppf(0.5 + level / 2, d) == st.t_quantile(0.5 + level / 2, d)
    x = np.r_[0, 1e-300, 0.5, 1, 1.96, 2.5, 10, 40, np.inf, np.nan, rng.exponential(3, 300)]
    for d in df:
        assert np.array_equal(sps.t.sf(x, d), st.t_sf(x, d), equal_nan=True)
    assert sps.t.sf(2.1, 17) == st.t_sf(2.1, 17)


def test_interval_and_p_helpers_equal_their_scipy_stats_formulas():
    rng = np.random.default_rng(3)
    mean, sd, n = rng.normal(0, 2, 50), rng.uniform(0, 3, 50), rng.integers(0, 60, 50).astype(float)
    low, high = st.t_interval(mean, sd, n, 0.95)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = sps.t.ppf(0.975, np.where(n >= 2, n - 1, np.nan)) * sd / np.sqrt(n)
        t = mean / (sd / np.sqrt(n))
        p = np.where((n >= 2) & (sd > 0), 2 * sps.t.sf(np.abs(t), np.where(n >= 2, n - 1, np.nan)), np.nan)
    assert np.array_equal(low, mean - half, equal_nan=True) and np.array_equal(high, mean + half, equal_nan=True)
    assert np.array_equal(st.one_sample_t_p(mean, sd, n), p, equal_nan=True)


@pytest.mark.parametrize("folder", [PILOT, ROOT / "datasets" / "hf-aav-synthetic"], ids=lambda p: p.name)
def test_check_imports_no_statistics_or_rendering_stack(folder):
    """`dossier check` runs the analyses (for hand-typed numbers) without scipy.stats, lifelines, statsmodels,
    weasyprint, matplotlib or python-docx."""
    code = ("import sys\nfrom dossier.cli import main\n"
            f"try:\n    main(['check', {str(folder)!r}])\nexcept SystemExit:\n    pass\n"
            "heavy = ('scipy.stats', 'lifelines', 'statsmodels', 'weasyprint', 'matplotlib', 'docx')\n"
            "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert out.stderr.strip().splitlines()[-1] == "[]", out.stderr
