"""Covariance structures of an MMRM: the t x t within-subject covariance matrix over the visits.

Each structure has two parameter vectors:

- `theta`, unconstrained, what the optimiser moves: log standard deviations, a log-Cholesky factor for
  `unstructured`, and correlations mapped from the real line (a correlation r = x / sqrt(1 + x^2); the
  Toeplitz correlations through partial autocorrelations, so every theta gives a positive-definite matrix);
- `phi`, the natural parameters SAS PROC MIXED reports (UN(i,j) covariances; TOEP(k) covariances; Var(j)
  and correlations for the heterogeneous structures; AR(1) variance and rho; CS covariance and residual
  variance). `phi` is what Kenward-Roger's second-order term is computed in, so it matches SAS's `kr`.

Every function uses only arithmetic, exp and sqrt, so it accepts complex input: derivatives of the matrix
with respect to the parameters are taken by complex step (exact to rounding), see `jacobian`.
"""

from __future__ import annotations

import numpy as np

STRUCTURES = (
    "unstructured",
    "toeplitz",
    "toeplitz_heterogeneous",
    "ar1",
    "ar1_heterogeneous",
    "compound_symmetry",
    "compound_symmetry_heterogeneous",
)
COMPLEX_STEP = 1e-30


def n_theta(structure: str, t: int) -> int:
    """Number of covariance parameters of `structure` over `t` visits."""
    return {
        "unstructured": t * (t + 1) // 2,
        "toeplitz": t,
        "toeplitz_heterogeneous": 2 * t - 1,
        "ar1": 2,
        "ar1_heterogeneous": t + 1,
        "compound_symmetry": 2,
        "compound_symmetry_heterogeneous": t + 1,
    }[structure]


def _corr(x):
    return x / np.sqrt(1 + x * x)


def _toeplitz_correlations(pacf) -> list:
    """Autocorrelations at lags 1..len(pacf) from partial autocorrelations (Durbin-Levinson)."""
    rho: list = []
    phi: list = []
    for k, p in enumerate(pacf, start=1):
        if k == 1:
            rho.append(p)
            phi = [p]
            continue
        r = sum(phi[j] * rho[k - 2 - j] for j in range(k - 1)) + p * (1 - sum(phi[j] * rho[j] for j in range(k - 1)))
        rho.append(r)
        phi = [phi[j] - p * phi[k - 2 - j] for j in range(k - 1)] + [p]
    return rho


def _lag_matrix(values_by_lag, t: int, dtype) -> np.ndarray:
    out = np.empty((t, t), dtype=dtype)
    for a in range(t):
        for b in range(t):
            out[a, b] = values_by_lag[abs(a - b)]
    return out


def natural(structure: str, theta: np.ndarray, t: int) -> np.ndarray:
    """The natural (SAS) parameters phi from the unconstrained theta."""
    theta = np.asarray(theta)
    if structure == "unstructured":
        L = np.zeros((t, t), dtype=theta.dtype)
        rows, cols = np.tril_indices(t)
        L[rows, cols] = theta
        L[np.arange(t), np.arange(t)] = np.exp(np.diagonal(L))
        sigma = L @ L.T
        return sigma[rows, cols]
    if structure == "toeplitz":
        var = np.exp(2 * theta[0])
        rho = _toeplitz_correlations([_corr(x) for x in theta[1:]])
        return np.array([var] + [var * r for r in rho])
    if structure == "toeplitz_heterogeneous":
        rho = _toeplitz_correlations([_corr(x) for x in theta[t:]])
        return np.concatenate([np.exp(2 * theta[:t]), np.array(rho, dtype=theta.dtype).reshape(-1)])
    if structure == "ar1":
        return np.array([np.exp(2 * theta[0]), _corr(theta[1])])
    if structure == "ar1_heterogeneous":
        return np.concatenate([np.exp(2 * theta[:t]), [_corr(theta[t])]])
    if structure == "compound_symmetry":
        var = np.exp(2 * theta[0])
        rho = _cs_rho(theta[1], t)
        return np.array([var * rho, var * (1 - rho)])
    if structure == "compound_symmetry_heterogeneous":
        return np.concatenate([np.exp(2 * theta[:t]), [_cs_rho(theta[t], t)]])
    raise ValueError(f"unknown covariance structure {structure!r}")


def _cs_rho(x, t: int):
    """A correlation in (-1/(t-1), 1), the range where compound symmetry is positive definite."""
    low = -1.0 / (t - 1)
    return low + (1 - low) / (1 + np.exp(-x))


def sigma_from_natural(structure: str, phi: np.ndarray, t: int) -> np.ndarray:
    """The t x t covariance matrix from the natural parameters phi."""
    phi = np.asarray(phi)
    if structure == "unstructured":
        out = np.zeros((t, t), dtype=phi.dtype)
        rows, cols = np.tril_indices(t)
        out[rows, cols] = phi
        out[cols, rows] = phi
        return out
    if structure == "toeplitz":
        return _lag_matrix(phi, t, phi.dtype)
    if structure in ("toeplitz_heterogeneous", "ar1_heterogeneous", "compound_symmetry_heterogeneous"):
        sd = np.sqrt(phi[:t])
        if structure == "toeplitz_heterogeneous":
            corr_by_lag = [1.0] + list(phi[t:])
        elif structure == "ar1_heterogeneous":
            corr_by_lag = [phi[t] ** k for k in range(t)]
        else:
            corr_by_lag = [1.0] + [phi[t]] * (t - 1)
        return _lag_matrix(corr_by_lag, t, phi.dtype) * np.outer(sd, sd)
    if structure == "ar1":
        return phi[0] * _lag_matrix([phi[1] ** k for k in range(t)], t, phi.dtype)
    if structure == "compound_symmetry":
        return phi[0] * np.ones((t, t), dtype=phi.dtype) + phi[1] * np.eye(t, dtype=phi.dtype)
    raise ValueError(f"unknown covariance structure {structure!r}")


def sigma(structure: str, theta: np.ndarray, t: int) -> np.ndarray:
    """The t x t covariance matrix at the unconstrained theta."""
    return sigma_from_natural(structure, natural(structure, theta, t), t)


def jacobian(function, x: np.ndarray) -> np.ndarray:
    """d function(x) / dx by complex step: result[k] = d function / d x_k (exact to rounding)."""
    x = np.asarray(x, dtype=float)
    out = []
    for k in range(x.size):
        step = x.astype(complex)
        step[k] += 1j * COMPLEX_STEP
        out.append(np.imag(function(step)) / COMPLEX_STEP)
    return np.array(out)


def start(structure: str, t: int, variances: np.ndarray) -> np.ndarray:
    """Starting theta: the observed per-visit residual variances, no correlation."""
    log_sd = 0.5 * np.log(np.maximum(variances, 1e-8 * max(float(np.max(variances)), 1e-300)))
    pooled = 0.5 * np.log(max(float(np.mean(variances)), 1e-300))
    if structure == "unstructured":
        theta = np.zeros(t * (t + 1) // 2)
        rows, cols = np.tril_indices(t)
        theta[rows == cols] = log_sd
        return theta
    if structure == "toeplitz":
        return np.concatenate([[pooled], np.zeros(t - 1)])
    if structure == "toeplitz_heterogeneous":
        return np.concatenate([log_sd, np.zeros(t - 1)])
    if structure == "ar1":
        return np.array([pooled, 0.0])
    if structure == "ar1_heterogeneous":
        return np.concatenate([log_sd, [0.0]])
    if structure == "compound_symmetry":
        return np.array([pooled, -np.log(t - 1.0)])  # rho = 0
    if structure == "compound_symmetry_heterogeneous":
        return np.concatenate([log_sd, [-np.log(t - 1.0)]])
    raise ValueError(f"unknown covariance structure {structure!r}")
