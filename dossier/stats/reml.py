"""REML fit of a linear model with one covariance matrix per subject over the visits (the MMRM core).

`fit(y, X, subject, visit, n_visits, structure)` works on arrays: response, full-rank design, integer
subject and visit codes. Subjects are grouped by their pattern of observed visits; every subject of a
pattern shares the same sub-matrix of the covariance, so each evaluation of the restricted likelihood
works per pattern, not per subject. A pattern with more subjects than design columns is reduced once to
its moments (sums over subjects of X_a' X_b, X_a' y_b, y_a y_b for each pair of visits a, b), after which
an evaluation costs O(t^2 p^2) whatever the number of subjects; smaller patterns keep their rows and
use batched numpy products.

-2 REML log-likelihood (as SAS PROC MIXED prints it, "-2 Res Log Like"):
    sum_i log|S_i| + log|X'V^-1 X| + r'V^-1 r + (N - p) log(2 pi),  r = y - X beta_hat (GLS).
Its gradient in the covariance parameters is analytic; the Hessian is the central difference of the
gradient. The optimiser is BFGS (scipy) followed by Newton steps on that Hessian; the fit has converged
when the Hessian is positive definite and g'H^-1 g < 1e-10 (|f| + 1) (SAS's default relative Hessian
criterion is 1e-8; Newton steps are cheap here, so the fit goes 100 times closer to the maximum).

Degrees of freedom for a contrast l: Satterthwaite, df = 2 (l'Cl)^2 / (g' W g) with C = (X'V^-1X)^-1,
g_k = l' dC/dtheta_k l and W the inverse observed information of theta (the asymptotic covariance of
the REML estimate, 2 H^-1 for H the Hessian of -2 REML log-likelihood). Kenward-Roger (Kenward & Roger
1997; the formulas in the mmrm R package's "Kenward-Roger" vignette): the adjusted covariance
C_A = C + 2 C {sum_hj W_hj (Q_hj - P_h C P_j - R_hj / 4)} C, with P, Q, R in SAS's natural covariance
parameters (so the second-order term R matches SAS `ddfm=kr`), and the KR df for one contrast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize

from dossier.stats import covariance

LOG_2PI = float(np.log(2 * np.pi))
CONVERGENCE = 1e-10


class ConvergenceFailure(Exception):
    """The REML optimisation did not reach a proper maximum."""


class _Pattern:
    """The subjects sharing one set of observed visits."""

    def __init__(self, visits: np.ndarray, X: np.ndarray, Y: np.ndarray) -> None:
        self.visits = visits
        self.n, self.t, self.p = X.shape
        self.index = np.ix_(visits, visits)
        self.yy = Y.T @ Y
        self.moments = self.n > self.p
        if self.moments:
            flat = X.reshape(self.n, self.t * self.p)
            xx = (flat.T @ flat).reshape(self.t, self.p, self.t, self.p)
            self.xx = np.ascontiguousarray(xx.transpose(0, 2, 1, 3))
            self.xy = np.ascontiguousarray((flat.T @ Y).reshape(self.t, self.p, self.t).transpose(0, 2, 1))
            self.X = self.Y = None
        else:
            self.X, self.Y = X, Y

    def _moments(self):
        if self.moments:
            return self.xx, self.xy
        flat = self.X.reshape(self.n, self.t * self.p)
        xx = (flat.T @ flat).reshape(self.t, self.p, self.t, self.p).transpose(0, 2, 1, 3)
        xy = (flat.T @ self.Y).reshape(self.t, self.p, self.t).transpose(0, 2, 1)
        return xx, xy

    def xmx(self, M: np.ndarray) -> np.ndarray:
        """sum_i X_i' M X_i; M is (t, t) or a stack (..., t, t)."""
        if self.moments or M.ndim > 2:
            xx = self._moments()[0]
            flat = M.reshape(-1, self.t * self.t) @ xx.reshape(self.t * self.t, self.p * self.p)
            return flat.reshape(*M.shape[:-2], self.p, self.p)
        Z = np.matmul(M, self.X).reshape(-1, self.p)
        return self.X.reshape(-1, self.p).T @ Z

    def xmy(self, M: np.ndarray) -> np.ndarray:
        if self.moments:
            return M.reshape(-1) @ self.xy.reshape(self.t * self.t, self.p)
        return self.X.reshape(-1, self.p).T @ (self.Y @ M.T).reshape(-1)

    def xcx(self, C: np.ndarray) -> np.ndarray:
        """sum_i X_i C X_i' (t x t)."""
        if self.moments:
            return (self.xx.reshape(self.t * self.t, self.p * self.p) @ C.reshape(-1)).reshape(self.t, self.t)
        XC = self.X @ C
        return np.einsum("nap,nbp->ab", XC, self.X)

    def residual_outer(self, beta: np.ndarray) -> np.ndarray:
        """sum_i r_i r_i' for r_i = y_i - X_i beta."""
        if self.moments:
            fy = self.xy @ beta
            xxb = (self.xx.reshape(-1, self.p) @ beta).reshape(self.t, self.t, self.p) @ beta
            return self.yy - fy - fy.T + xxb
        r = self.Y - self.X @ beta
        return r.T @ r


def make_patterns(y, X, subject, visit) -> list[_Pattern]:
    """Group the records by subject's pattern of observed visits (records of one subject, distinct visits)."""
    order = np.lexsort((visit, subject))
    y, X, subject, visit = y[order], X[order], subject[order], visit[order]
    starts = np.flatnonzero(np.r_[True, subject[1:] != subject[:-1]])
    counts = np.diff(np.r_[starts, subject.size])
    masks = np.bitwise_or.reduceat(np.left_shift(np.int64(1), visit.astype(np.int64)), starts)
    patterns = []
    for mask in np.unique(masks):
        members = np.flatnonzero(masks == mask)
        t = int(counts[members[0]])
        rows = starts[members][:, None] + np.arange(t)[None, :]
        patterns.append(_Pattern(visit[rows[0]], X[rows], y[rows]))
    return patterns


@dataclass(frozen=True)
class RemlFit:
    """A converged REML fit: coefficients, their covariance, covariance parameters and what df needs."""

    structure: str
    theta: np.ndarray
    sigma: np.ndarray  # t x t covariance over the visits
    beta: np.ndarray
    beta_cov: np.ndarray  # C = (X'V^-1X)^-1
    neg2_reml: float
    iterations: int
    theta_cov: np.ndarray  # W = 2 H^-1
    dC: np.ndarray  # dC / dtheta_k, stacked (m, p, p)
    n_records: int
    n_subjects: int


class _Model:
    def __init__(self, patterns: list[_Pattern], n_visits: int, structure: str) -> None:
        self.patterns = patterns
        self.t = n_visits
        self.structure = structure
        self.p = patterns[0].p
        self.n = sum(pat.n * pat.t for pat in patterns)

    def sigma(self, theta):
        return covariance.sigma(self.structure, theta, self.t)

    def dsigma(self, theta) -> np.ndarray:
        return covariance.jacobian(lambda th: self.sigma(th), theta)

    def evaluate(self, theta: np.ndarray, gradient: bool = True):
        """(-2 REML log-likelihood, its gradient, state) at theta; (inf, None, None) if not positive definite."""
        sig = self.sigma(theta)
        A = np.zeros((self.p, self.p))
        b = np.zeros(self.p)
        c = 0.0
        logdet = 0.0
        inverses = []
        for pat in self.patterns:
            sub = sig[pat.index]
            try:
                lower = np.linalg.cholesky(sub)
                S = np.linalg.inv(sub)
            except np.linalg.LinAlgError:
                return np.inf, None, None
            inverses.append(S)
            logdet += pat.n * 2 * np.sum(np.log(np.diagonal(lower)))
            A += pat.xmx(S)
            b += pat.xmy(S)
            c += float(np.sum(S * pat.yy))
        try:
            a_lower = np.linalg.cholesky(A)
            C = np.linalg.inv(A)
        except np.linalg.LinAlgError:
            return np.inf, None, None
        beta = C @ b
        value = logdet + 2 * np.sum(np.log(np.diagonal(a_lower))) + (c - b @ beta) + (self.n - self.p) * LOG_2PI
        if not np.isfinite(value):
            return np.inf, None, None
        state = (sig, inverses, beta, C)
        if not gradient:
            return float(value), None, state
        G = np.zeros((self.t, self.t))
        for pat, S in zip(self.patterns, inverses):
            inner = pat.n * np.eye(pat.t) - (pat.xcx(C) + pat.residual_outer(beta)) @ S
            G[pat.index] += S @ inner
        G = 0.5 * (G + G.T)
        grad = np.einsum("kab,ab->k", self.dsigma(theta), G)
        if not np.all(np.isfinite(grad)):
            return np.inf, None, None
        return float(value), grad, state

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        m = theta.size
        H = np.empty((m, m))
        for k in range(m):
            h = 1e-4 * max(1.0, abs(theta[k]))
            up, down = theta.copy(), theta.copy()
            up[k] += h
            down[k] -= h
            g_up = self.evaluate(up)[1]
            g_down = self.evaluate(down)[1]
            if g_up is None or g_down is None:
                raise ConvergenceFailure("the likelihood is not defined around the estimate")
            H[k] = (g_up - g_down) / (2 * h)
        return 0.5 * (H + H.T)


def fit(y, X, subject, visit, n_visits: int, structure: str, start: np.ndarray, max_iterations: int = 200) -> RemlFit:
    """Fit by REML; raises ConvergenceFailure when no proper maximum is found within max_iterations."""
    patterns = make_patterns(y, X, subject, visit)
    model = _Model(patterns, n_visits, structure)

    def objective(theta):
        value, grad, _ = model.evaluate(theta)
        if grad is None:
            return 1e300, np.zeros_like(theta)
        return value, grad

    with np.errstate(all="ignore"):
        result = optimize.minimize(objective, start, jac=True, method="BFGS",
                                   options={"maxiter": max_iterations, "gtol": 1e-6})
    theta = np.asarray(result.x, dtype=float)
    iterations = int(result.nit)
    converged = False
    for _ in range(20):
        value, grad, _ = model.evaluate(theta)
        if grad is None:
            break
        H = model.hessian(theta)
        try:
            h_factor = linalg.cho_factor(H, lower=True)
        except (linalg.LinAlgError, ValueError):  # not positive definite, or not finite
            break
        step = linalg.cho_solve(h_factor, grad)
        if abs(grad @ step) < CONVERGENCE * (abs(value) + 1):
            converged = True
            break
        if iterations >= max_iterations:
            break
        iterations += 1
        for _half in range(30):
            trial = theta - step
            if model.evaluate(trial, gradient=False)[0] <= value + 1e-10 * abs(value):
                theta = trial
                break
            step = step / 2
        else:
            break
    if not converged:
        raise ConvergenceFailure(f"no convergence after {iterations} iterations")
    value, grad, (sig, inverses, beta, C) = model.evaluate(theta)
    theta_cov = 2 * linalg.cho_solve(h_factor, np.eye(theta.size))
    dsig = model.dsigma(theta)
    P = np.zeros((theta.size, model.p, model.p))
    for pat, S in zip(patterns, inverses):
        P += pat.xmx(S @ dsig[(slice(None), *pat.index)] @ S)
    dC = C @ P @ C
    return RemlFit(structure, theta, sig, beta, C, value, iterations, theta_cov, dC,
                   model.n, sum(pat.n for pat in patterns))


def satterthwaite(fit_: RemlFit, contrast: np.ndarray) -> tuple[float, float]:
    """(variance of contrast'beta, Satterthwaite df)."""
    variance = float(contrast @ fit_.beta_cov @ contrast)
    g = np.einsum("p,kpq,q->k", contrast, fit_.dC, contrast)
    return variance, float(2 * variance**2 / (g @ fit_.theta_cov @ g))
