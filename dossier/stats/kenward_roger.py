"""Kenward-Roger adjusted covariance of the fixed effects and degrees of freedom for one contrast.

Kenward & Roger (1997), Biometrics 53:983-997, in the form of the mmrm R package's "Kenward-Roger"
vignette (no code taken from it). With C = (X'V^-1X)^-1, W the asymptotic covariance of the covariance
parameters and, summed over subjects,
    P_h = X' dV^-1/dphi_h X,  Q_hj = X' dV^-1/dphi_h V dV^-1/dphi_j X,  R_hj = X'V^-1 d2V/dphi_h dphi_j V^-1 X,
the adjusted covariance is C_A = C + 2 C {sum_hj W_hj (Q_hj - P_h C P_j - R_hj / 4)} C. The parameters
phi are SAS PROC MIXED's own (UN(i,j) and TOEP(k) covariances, variances and correlations of the
heterogeneous structures, AR(1) variance and rho, CS covariance and residual), so that R_hj, the only
term that depends on the parameterisation, is the one SAS `ddfm=kr` uses (R = 0 for the structures
linear in phi: unstructured, toeplitz, compound symmetry). The df of a contrast l follows the paper's
F approximation with one numerator degree of freedom (A1, A2, B, g, c1..c3, E*, V*, rho, m).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dossier.stats import covariance


@dataclass(frozen=True)
class KenwardRoger:
    beta_cov: np.ndarray  # the unadjusted C
    adjusted_cov: np.ndarray  # C_A
    theta_cov: np.ndarray  # W in the natural parameters
    P: np.ndarray  # (m, p, p)

    def contrast(self, contrast: np.ndarray) -> tuple[float, float]:
        """(variance of contrast'beta from C_A, Kenward-Roger df)."""
        C = self.beta_cov
        base = float(contrast @ C @ contrast)
        theta = np.outer(contrast, contrast) / base
        T = np.einsum("pq,qr,hrs,st->hpt", theta, C, self.P, C)
        traces = np.einsum("hpp->h", T)
        a1 = float(traces @ self.theta_cov @ traces)
        a2 = float(np.einsum("hj,hpq,jqp->", self.theta_cov, T, T))
        n = 1.0
        b = (a1 + 6 * a2) / (2 * n)
        g = ((n + 1) * a1 - (n + 4) * a2) / ((n + 2) * a2)
        denominator = 3 * n + 2 - 2 * g
        c1, c2, c3 = g / denominator, (n - g) / denominator, (n + 2 - g) / denominator
        e_star = 1 / (1 - a2 / n)
        v_star = 2 / n * (1 + c1 * b) / ((1 - c2 * b) ** 2 * (1 - c3 * b))
        rho = v_star / (2 * e_star**2)
        df = 4 + (n + 2) / (n * rho - 1)
        return float(contrast @ self.adjusted_cov @ contrast), float(df)


def kenward_roger(fit, patterns) -> KenwardRoger:
    """The Kenward-Roger quantities of a converged `reml.RemlFit` on its patterns (`reml.make_patterns`)."""
    structure, t = fit.structure, fit.sigma.shape[0]
    phi = covariance.natural(structure, fit.theta, t)
    J = covariance.jacobian(lambda th: covariance.natural(structure, th, t), fit.theta)  # J[k, l] = dphi_l/dtheta_k
    W = J.T @ fit.theta_cov @ J

    def dsigma(x):
        return covariance.jacobian(lambda ph: covariance.sigma_from_natural(structure, ph, t), x)

    first = dsigma(phi)  # (m, t, t)
    m = phi.size
    second = np.empty((m, m, t, t))
    for j in range(m):
        h = 1e-5 * max(1.0, abs(phi[j]))
        up, down = phi.copy(), phi.copy()
        up[j] += h
        down[j] -= h
        second[:, j] = (dsigma(up) - dsigma(down)) / (2 * h)
    second = 0.5 * (second + second.transpose(1, 0, 2, 3))
    p = fit.beta.size
    P, Q, R = np.zeros((m, p, p)), np.zeros((m, m, p, p)), np.zeros((m, m, p, p))
    for pat in patterns:
        sig = fit.sigma[pat.index]
        S = np.linalg.inv(sig)
        d = first[(slice(None), *pat.index)]
        M = S @ d @ S  # -dS/dphi_h
        P -= pat.xmx(M)
        Q += pat.xmx(np.einsum("hab,jbc->hjac", M, d @ S))
        R += pat.xmx(S @ second[(slice(None), slice(None), *pat.index)] @ S)
    C = fit.beta_cov
    PCP = np.einsum("hpq,qr,jrs->hjps", P, C, P)
    inner = np.einsum("hj,hjpq->pq", W, Q - PCP - R / 4)
    adjusted = C + 2 * C @ inner @ C
    return KenwardRoger(C, 0.5 * (adjusted + adjusted.T), W, P)
