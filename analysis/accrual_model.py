"""Building blocks of the accrual forecast: the Poisson–gamma prior and activation delays.

Used by :func:`analysis.forecast.forecast_accrual`; kept apart so each piece can be
tested and read on its own. Rates are per day throughout.

References
----------
.. [1] Anisimov VV, Fedorov VV. Modelling, prediction and adaptive adjustment of
   recruitment in multicentre trials. Stat Med 2007;26(27):4958–4975.
.. [2] Anisimov VV. Statistical modeling of clinical trials (recruitment and
   randomization). Commun Stat Theory Methods 2011;40(19–20):3684–3699.
.. [3] Mountain R, Sherlock C. Recruitment prediction for multicenter clinical trials
   based on a hierarchical Poisson–gamma model: asymptotic analysis and improved
   intervals. Biometrics 2022;78(2):636–648.
.. [4] Rubin DB. Using the SIR algorithm to simulate posterior distributions. In:
   Bayesian Statistics 3. Oxford University Press; 1988:395–402.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

ALPHA_BOUNDS = (0.1, 1000.0)  # gamma shape; the upper bound means "no heterogeneity seen"
PLANNED_PRIOR_SHAPE = 1.0  # exponential prior for a site's rate: weakly informative
PLANNED_LOG_MEAN_SD = float(np.log(2.0))  # planned rate trusted to a factor of 2 (1 s.d.)
# Ethics approval to first inclusion in French academic studies: median 134 days, IQR
# 61–237 (Rev Med Interne 2024). A log-normal with that median and
# sigma = ln(237/61) / (2 × 0.6745) ≈ 1.0 matches the IQR.
DEFAULT_DELAY_MEDIAN_DAYS = 134.0
DEFAULT_DELAY_SIGMA = 1.0
MIN_OBSERVED_DELAYS = 3  # fewer observed delays than this: use the default log-normal


@dataclass(frozen=True)
class GammaPrior:
    """Gamma(shape ``alpha``, rate ``beta``) distribution of a site's daily rate.

    ``log_mean_sd`` is the uncertainty of the log of the prior mean ``alpha / beta``:
    its standard error when fitted, the planning uncertainty when planned; it sets
    the spread of :func:`draw_prior_params`. ``source`` is ``"fitted"`` (maximum
    likelihood, over ``n_sites`` sites) or ``"planned"`` (from the plan).
    """

    alpha: float
    beta: float
    log_mean_sd: float
    source: str
    n_sites: int = 0

    @property
    def mean(self) -> float:
        return self.alpha / self.beta


def negbin_loglik(
    log_mean: float, alpha: float, counts: np.ndarray, exposures: np.ndarray
) -> np.ndarray:
    """Per-site log-likelihood of the counts under the Poisson–gamma model.

    A site with rate ``λ ~ Gamma(alpha, alpha/m)`` observed for ``t`` days has a
    negative-binomial count: ``P(k) = Γ(α+k) / (Γ(α) k!) (α/(α+mt))^α (mt/(α+mt))^k``,
    the marginal of the doubly stochastic (gamma-mixed) Poisson process of [1]_,
    parameterised by the prior mean ``m = alpha/beta``.
    """
    mean_count = np.exp(log_mean) * exposures
    return (
        special.gammaln(alpha + counts)
        - special.gammaln(alpha)
        - special.gammaln(counts + 1)
        + alpha * (np.log(alpha) - np.log(alpha + mean_count))
        + special.xlogy(counts, mean_count)
        - counts * np.log(alpha + mean_count)
    )


def fit_poisson_gamma(counts, exposures) -> GammaPrior | None:
    """Maximum-likelihood (alpha, beta) of the Poisson–gamma model across sites.

    Parameters
    ----------
    counts : array of int
        Patients enrolled at each site that has been open.
    exposures : array of float
        Days each of those sites has been open (all positive).

    Returns
    -------
    GammaPrior or None
        ``None`` when the data cannot identify the prior (fewer than two sites, or no
        patient at all). ``log_mean_sd`` is the standard error of ``log(alpha/beta)``
        from the observed information with ``alpha`` held at its estimate; it scales
        the proposal of :func:`draw_prior_params`.

    Notes
    -----
    Maximises the negative-binomial marginal likelihood of [1]_ over ``log m``
    (the prior mean) and ``log alpha``, with ``alpha`` bounded to
    :data:`ALPHA_BOUNDS`: sites that look alike drive the estimate to the upper bound
    (a common rate). As [3]_ shows, plugging in the estimates understates the
    uncertainty, so the forecast draws the parameters from their posterior
    (:func:`draw_prior_params`) rather than fixing them here.

    References
    ----------
    Anisimov VV, Fedorov VV (2007). Modelling, prediction and adaptive adjustment of
    recruitment in multicentre trials. Stat Med 26:4958-4975.
    """
    counts = np.asarray(counts, dtype=float)
    exposures = np.asarray(exposures, dtype=float)
    if len(counts) < 2 or counts.sum() <= 0:
        return None
    start = np.log(counts.sum() / exposures.sum())

    def objective(theta):
        alpha, mean_count = np.exp(theta[1]), np.exp(theta[0]) * exposures
        value = negbin_loglik(theta[0], alpha, counts, exposures).sum()
        d_log_mean = np.sum(counts - (alpha + counts) * mean_count / (alpha + mean_count))
        d_alpha = np.sum(
            special.digamma(alpha + counts)
            - special.digamma(alpha)
            + np.log(alpha / (alpha + mean_count))
            + (mean_count - counts) / (alpha + mean_count)
        )
        return -value, -np.array([d_log_mean, alpha * d_alpha])

    result = optimize.minimize(
        objective,
        x0=np.array([start, 0.0]),
        jac=True,
        method="SLSQP",  # L-BFGS-B is slower here when BLAS threads compete for cores
        bounds=[(start - 10, start + 10), tuple(np.log(ALPHA_BOUNDS))],
        options={"ftol": 1e-12, "maxiter": 200},
    )
    log_mean, alpha = float(result.x[0]), float(np.exp(result.x[1]))
    mean_count = np.exp(log_mean) * exposures
    information = np.sum(counts - (alpha + counts) * mean_count**2 / (alpha + mean_count) ** 2)
    information = information if information > 0 else counts.sum()
    return GammaPrior(
        alpha=alpha,
        beta=float(alpha / np.exp(log_mean)),
        log_mean_sd=float(1.0 / np.sqrt(information)),
        source="fitted",
        n_sites=len(counts),
    )


def planned_prior(rate_per_day: float) -> GammaPrior:
    """The weakly-informative prior used before the data can identify one.

    Shape :data:`PLANNED_PRIOR_SHAPE` (an exponential distribution of site rates, as
    variable as its mean) around the planned rate, whose own uncertainty is a factor
    of two (:data:`PLANNED_LOG_MEAN_SD`).
    """
    return GammaPrior(
        alpha=PLANNED_PRIOR_SHAPE,
        beta=PLANNED_PRIOR_SHAPE / rate_per_day,
        log_mean_sd=PLANNED_LOG_MEAN_SD,
        source="planned",
    )


def draw_prior_params(
    prior: GammaPrior, counts, exposures, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` draws of the prior's (shape, mean rate), reflecting their uncertainty.

    Sampling–importance resampling [4]_ from the posterior given the sites'
    negative-binomial likelihood:

    - fitted prior: flat hyperprior on ``log m`` and on ``log alpha`` within
      :data:`ALPHA_BOUNDS`; proposal ``log m ~ N(log m̂, (2 s.e.)²)``, ``log alpha``
      uniform on its bounds;
    - planned prior: ``alpha`` fixed, ``log m ~ N(log planned, PLANNED_LOG_MEAN_SD²)``
      as prior and proposal, so open sites recruiting slower or faster than planned
      move the mean for the sites still to open.
    """
    counts = np.asarray(counts, dtype=float)
    exposures = np.asarray(exposures, dtype=float)
    if prior.source == "planned":
        log_means = np.log(prior.mean) + prior.log_mean_sd * rng.standard_normal(n)
        log_alphas = np.full(n, np.log(prior.alpha))
        log_weights = np.zeros(n)
    else:
        z = rng.standard_normal(n)
        log_means = np.log(prior.mean) + 2.0 * prior.log_mean_sd * z
        log_alphas = rng.uniform(*np.log(ALPHA_BOUNDS), size=n)
        log_weights = 0.5 * z**2  # divide by the normal proposal density
    if exposures.sum() > 0:
        log_weights = log_weights + negbin_loglik(
            log_means[:, None], np.exp(log_alphas)[:, None], counts, exposures
        ).sum(axis=1)
    weights = np.exp(log_weights - log_weights.max())
    chosen = rng.choice(n, size=n, p=weights / weights.sum())
    return np.exp(log_alphas[chosen]), np.exp(log_means[chosen])


def sample_residual_delays(
    delays, elapsed: float | None, n: int, rng: np.random.Generator
) -> np.ndarray | None:
    """Days still to wait for an activation whose delay has already lasted ``elapsed`` days.

    With at least :data:`MIN_OBSERVED_DELAYS` observed delays, draws among those
    longer than ``elapsed`` (the empirical distribution conditioned on the site not
    being open yet) and returns ``None`` when none is longer (the site is overdue);
    with fewer, draws from the default log-normal truncated below at ``elapsed``.
    ``elapsed=None`` draws a whole delay, unconditionally. Unknown activation dates
    are random in the model of [2]_; here their distribution is learned from the sites
    that have opened.
    """
    delays = np.asarray(delays, dtype=float)
    if len(delays) >= MIN_OBSERVED_DELAYS:
        if elapsed is None:
            return rng.choice(delays, size=n)
        longer = delays[delays > elapsed]
        if len(longer) == 0:
            return None
        return rng.choice(longer, size=n) - elapsed
    elapsed = 0.0 if elapsed is None else max(elapsed, 0.0)
    default = stats.lognorm(s=DEFAULT_DELAY_SIGMA, scale=DEFAULT_DELAY_MEDIAN_DAYS)
    lowest = default.cdf(elapsed)
    quantiles = np.minimum(lowest + (1.0 - lowest) * rng.uniform(size=n), 1.0 - 1e-12)
    return default.ppf(quantiles) - elapsed
