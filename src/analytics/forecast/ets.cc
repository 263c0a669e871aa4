#include "analytics/forecast/ets.h"

#include <nlopt.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "absl/strings/str_cat.h"
#include "analytics/stats/decompose.h"

namespace foresight::analytics::forecast_internal {
namespace {

constexpr double kBad = 1e300;
// beta / alpha stays below this: a slope that chases every hourly wiggle fits one step ahead well and
// extrapolates badly over a horizon (seen on M4 hourly).
constexpr double kMaxBetaRatio = 0.2;

struct Params {
  double alpha = 0.2, beta = 0, gamma = 0, phi = 1;
};

struct Init {
  double level = 0, slope = 0;
  std::vector<double> season;  // season[t % m] applies to time t at the start
};

struct RunResult {
  double neg2loglik = kBad;
  double sse = 0;  // of the absolute (A) or relative (M) innovations
  double level = 0, slope = 0;
  std::vector<double> ring;
};

// One pass of the state-space recursion. The state updates are the same for additive and multiplicative
// errors when written with the absolute one-step error e = y - mu; only the likelihood differs.
RunResult Run(std::span<const double> y, const EtsSpec& s, const Params& p, const Init& init, bool keep) {
  RunResult r;
  const size_t n = y.size(), m = s.season == 'N' ? 1 : s.period;
  thread_local std::vector<double> ring;
  ring.assign(init.season.begin(), init.season.end());
  if (ring.empty()) ring.assign(1, s.season == 'M' ? 1.0 : 0.0);
  double l = init.level, b = s.trend == 'N' ? 0 : init.slope;
  const double phi = s.trend == 'D' ? p.phi : 1;
  double sse = 0, sum_log = 0;
  for (size_t t = 0; t < n; ++t) {
    const double lp = l + phi * b;
    double& sv = ring[t % m];
    double mu = lp;
    if (s.season == 'A') mu = lp + sv;
    if (s.season == 'M') {
      if (!(lp > 0) || !(sv > 0)) return r;
      mu = lp * sv;
    }
    const double e = y[t] - mu;
    if (s.error == 'M') {
      if (!(mu > 0)) return r;
      const double rel = e / mu;
      sse += rel * rel;
      sum_log += std::log(mu);
    } else {
      sse += e * e;
    }
    if (s.season == 'M') {
      l = lp + p.alpha * e / sv;
      b = phi * b + p.beta * e / sv;
      sv = sv + p.gamma * e / lp;
    } else {
      l = lp + p.alpha * e;
      b = phi * b + p.beta * e;
      if (s.season == 'A') sv = sv + p.gamma * e;
    }
  }
  if (!std::isfinite(sse) || !std::isfinite(l)) return r;
  const double dn = static_cast<double>(n);
  r.sse = sse;
  r.neg2loglik = dn * std::log(std::max(sse / dn, 1e-300)) + 2 * sum_log;
  if (keep) {
    r.level = l, r.slope = b;
    r.ring = ring;
  }
  return r;
}

absl::StatusOr<Init> Initialise(std::span<const double> y, const EtsSpec& s) {
  Init init;
  const size_t n = y.size();
  const size_t m = s.season == 'N' ? 1 : s.period;
  std::vector<double> adj(y.begin(), y.end());
  if (s.season != 'N') {
    // The average pattern of all full cycles: the fit tends to keep gamma small, so the seasonal part stays
    // near these values, and the first few cycles alone were a poor estimate (M4 hourly OWA 0.90 -> 0.80).
    const size_t cycles = n / m;
    auto idx = ClassicalSeasonalIndices(y.first(cycles * m), m, s.season == 'M');
    if (!idx.ok()) return idx.status();
    init.season = *idx;
    for (size_t i = 0; i < n; ++i)
      adj[i] = s.season == 'M' ? y[i] / init.season[i % m] : y[i] - init.season[i % m];
  }
  // Level (and slope) from a least-squares line through the first max(10, m) adjusted points.
  const size_t k = std::min(n, std::max<size_t>(10, m));
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = 0; i < k; ++i) {
    const double x = static_cast<double>(i);
    sx += x, sy += adj[i], sxx += x * x, sxy += x * adj[i];
  }
  const double dk = static_cast<double>(k), den = dk * sxx - sx * sx;
  const double slope = den > 0 ? (dk * sxy - sx * sy) / den : 0;
  if (s.trend != 'N') {
    init.slope = slope;
    init.level = (sy - slope * sx) / dk - slope;  // the state before the first observation
  } else {
    init.level = sy / dk;
  }
  return init;
}

struct Problem {
  std::span<const double> y;
  const EtsSpec* spec;
  const Init* init;
  int evals = 0;
};

Params Decode(const EtsSpec& s, const double* x) {
  Params p;
  size_t i = 0;
  p.alpha = x[i++];
  if (s.trend != 'N') p.beta = x[i++] * p.alpha;
  if (s.season != 'N') p.gamma = x[i++] * (1 - p.alpha);
  if (s.trend == 'D') p.phi = x[i++];
  return p;
}

double Objective(unsigned, const double* x, double*, void* data) {
  auto* pr = static_cast<Problem*>(data);
  ++pr->evals;
  const double v = Run(pr->y, *pr->spec, Decode(*pr->spec, x), *pr->init, false).neg2loglik;
  return std::isfinite(v) ? v : kBad;
}

}  // namespace

std::string EtsSpec::Name() const {
  return absl::StrCat("ets(", std::string(1, error), ",", trend == 'D' ? "Ad" : std::string(1, trend), ",",
                      std::string(1, season), ")");
}

absl::StatusOr<EtsFit> FitEts(std::span<const double> y, const EtsSpec& s) {
  const size_t n = y.size();
  const size_t m = s.season == 'N' ? 1 : s.period;
  if (s.season != 'N' && (m < 2 || n < 2 * m + 2)) {
    return absl::InvalidArgumentError(absl::StrCat("ets: seasonal model needs two periods of ", m));
  }
  if (n < 4) return absl::InvalidArgumentError("ets: needs at least 4 points");
  if (s.error == 'M' || s.season == 'M') {
    for (double v : y) {
      if (!(v > 0)) return absl::InvalidArgumentError("ets: multiplicative model needs positive data");
    }
  }
  auto init = Initialise(y, s);
  if (!init.ok()) return init.status();
  std::vector<double> x = {0.2}, lo = {1e-4}, hi = {0.9999};
  if (s.trend != 'N') x.push_back(0.05), lo.push_back(1e-4), hi.push_back(kMaxBetaRatio);
  if (s.season != 'N') x.push_back(0.1), lo.push_back(1e-4), hi.push_back(0.9999);
  if (s.trend == 'D') x.push_back(0.95), lo.push_back(0.8), hi.push_back(0.98);
  const unsigned dim = static_cast<unsigned>(x.size());
  Problem pr{y, &s, &*init};
  nlopt_opt opt = nlopt_create(NLOPT_LN_NELDERMEAD, dim);
  nlopt_set_lower_bounds(opt, lo.data());
  nlopt_set_upper_bounds(opt, hi.data());
  nlopt_set_min_objective(opt, Objective, &pr);
  nlopt_set_xtol_rel(opt, 1e-4);
  nlopt_set_ftol_abs(opt, 1e-6);
  nlopt_set_maxeval(opt, 60 * static_cast<int>(dim) + 40);
  std::vector<double> step(dim, 0.1);
  nlopt_set_initial_step(opt, step.data());
  double best = kBad;
  const nlopt_result res = nlopt_optimize(opt, x.data(), &best);
  nlopt_destroy(opt);
  if (res < 0 || !(best < kBad)) return absl::InternalError(absl::StrCat("ets: ", s.Name(), " did not fit"));
  const Params p = Decode(s, x.data());
  RunResult r = Run(y, s, p, *init, true);
  if (!(r.neg2loglik < kBad)) return absl::InternalError("ets: no finite likelihood");
  EtsFit fit;
  fit.spec = s;
  fit.spec.period = m;
  fit.alpha = p.alpha, fit.beta = p.beta, fit.gamma = p.gamma, fit.phi = s.trend == 'D' ? p.phi : 1;
  fit.level = r.level, fit.slope = r.slope, fit.n = n;
  if (s.season != 'N') {
    fit.season.resize(m);
    for (size_t k = 0; k < m; ++k) fit.season[k] = r.ring[(n + k) % m];
  }
  const double k = static_cast<double>(dim + 2 + (s.trend != 'N' ? 1 : 0) + (s.season != 'N' ? m : 0));
  const double dn = static_cast<double>(n);
  fit.sigma2 = r.sse / std::max(1.0, dn - k);
  fit.aicc = r.neg2loglik + 2 * k + (dn - k - 1 > 0 ? 2 * k * (k + 1) / (dn - k - 1) : kBad);
  return fit;
}

std::vector<EtsSpec> EtsCandidates(std::span<const double> y, size_t period) {
  const bool positive = std::all_of(y.begin(), y.end(), [](double v) { return v > 0; });
  const bool seasonal = period >= 2 && y.size() >= 2 * period + 2;
  std::vector<EtsSpec> out;
  for (char error : {'A', 'M'}) {
    if (error == 'M' && !positive) continue;
    for (char trend : {'N', 'A', 'D'}) {
      for (char season : {'N', 'A', 'M'}) {
        if (season != 'N' && !seasonal) continue;
        if (season == 'M' && (!positive || error == 'A')) continue;
        out.push_back({error, trend, season, season == 'N' ? 1 : period});
      }
    }
  }
  return out;
}

absl::StatusOr<EtsFit> AutoEts(std::span<const double> y, std::span<const EtsSpec> candidates) {
  absl::StatusOr<EtsFit> best = absl::InvalidArgumentError("ets: no candidate model fits the data");
  for (const EtsSpec& s : candidates) {
    auto fit = FitEts(y, s);
    if (fit.ok() && (!best.ok() || fit->aicc < best->aicc)) best = std::move(fit);
  }
  return best;
}

ModelOutput EtsForecast(const EtsFit& f, size_t horizon, std::span<const double> levels) {
  const EtsSpec& s = f.spec;
  const size_t m = s.season == 'N' ? 1 : s.period;
  auto season_at = [&](size_t h) {
    return s.season == 'N' ? 0.0 : f.season[h % m];  // 'N': nothing to add
  };
  ModelOutput out;
  out.name = s.Name();
  out.mean.resize(horizon);
  double damp = 0, pw = 1;
  for (size_t h = 0; h < horizon; ++h) {
    pw *= f.phi;
    damp += pw;
    const double lp = f.level + damp * f.slope;
    out.mean[h] = s.season == 'M' ? lp * season_at(h) : lp + season_at(h);
  }
  out.params = {{"alpha", f.alpha},
                {"beta", f.beta},
                {"gamma", f.gamma},
                {"phi", f.phi},
                {"sigma", std::sqrt(f.sigma2)},
                {"aicc", f.aicc}};
  if (s.error == 'A' && s.season != 'M') {
    // Linear model: Var_h = sigma^2 (1 + sum_{j<h} c_j^2), c_j = alpha + beta*(phi+..+phi^j) + gamma*[m | j].
    std::vector<double> sd(horizon);
    double acc = 1, dj = 0, pj = 1;
    for (size_t h = 0; h < horizon; ++h) {
      sd[h] = std::sqrt(f.sigma2 * acc);
      pj *= f.phi;
      dj += pj;
      const size_t j = h + 1;
      const double c = f.alpha + f.beta * dj + (s.season == 'A' && j % m == 0 ? f.gamma : 0);
      acc += c * c;
    }
    out.bands = NormalBands(out.mean, sd, levels);
    return out;
  }
  // Simulation: the same recursion driven by normal innovations.
  constexpr size_t kPaths = 500;
  std::mt19937_64 rng(0x5eed);
  std::normal_distribution<double> noise(0, std::sqrt(f.sigma2));
  std::vector<std::vector<double>> paths(kPaths, std::vector<double>(horizon));
  for (auto& path : paths) {
    double l = f.level, b = f.slope;
    std::vector<double> ring(f.season.begin(), f.season.end());
    for (size_t h = 0; h < horizon; ++h) {
      const double lp = l + f.phi * b;
      const double sv = s.season == 'N' ? 0.0 : ring[h % m];
      const double mu = s.season == 'M' ? lp * sv : lp + sv;
      const double eps = noise(rng);
      const double e = s.error == 'M' ? mu * eps : eps;
      path[h] = mu + e;
      if (s.season == 'M') {
        const double safe_sv = sv != 0 ? sv : 1e-12, safe_lp = lp != 0 ? lp : 1e-12;
        l = lp + f.alpha * e / safe_sv;
        b = f.phi * b + f.beta * e / safe_sv;
        ring[h % m] = sv + f.gamma * e / safe_lp;
      } else {
        l = lp + f.alpha * e;
        b = f.phi * b + f.beta * e;
        if (s.season == 'A') ring[h % m] = sv + f.gamma * e;
      }
    }
  }
  out.bands = SimulatedBands(paths, horizon, levels);
  return out;
}

absl::StatusOr<ModelOutput> EtsModel(const ModelInput& in) {
  const size_t m = in.periods.empty() ? 1 : in.periods.front();
  const std::vector<EtsSpec> candidates = EtsCandidates(in.y, m);
  auto fit = AutoEts(in.y, candidates);
  if (!fit.ok()) return fit.status();
  return EtsForecast(*fit, in.horizon, in.levels);
}

}  // namespace foresight::analytics::forecast_internal
