#include "analytics/forecast/arima.h"

#include <nlopt.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "analytics/stats/decompose.h"

namespace foresight::analytics::forecast_internal {
namespace {

constexpr int kMaxP = 3, kMaxQ = 3, kMaxSeasonal = 1;
constexpr double kPacfBound = 0.98;         // partial autocorrelations stay inside (-1, 1)
constexpr double kKpssCritical = 0.463;     // 5% level
constexpr double kSeasonalStrength = 0.64;  // seasonal differencing above this STL strength (as nsdiffs)

// Coefficients of (1-B)^d (1-B^m)^D, index = lag.
std::vector<double> DifferencingPolynomial(int d, int D, size_t m) {
  std::vector<double> poly = {1.0};
  auto multiply = [&](size_t lag) {
    std::vector<double> next(poly.size() + lag, 0.0);
    for (size_t i = 0; i < poly.size(); ++i) next[i] += poly[i], next[i + lag] -= poly[i];
    poly = std::move(next);
  };
  for (int i = 0; i < d; ++i) multiply(1);
  for (int i = 0; i < D; ++i) multiply(m);
  return poly;
}

std::vector<double> Difference(std::span<const double> y, const std::vector<double>& delta) {
  const size_t lag = delta.size() - 1;
  std::vector<double> w;
  for (size_t t = lag; t < y.size(); ++t) {
    double v = 0;
    for (size_t i = 0; i < delta.size(); ++i) v += delta[i] * y[t - i];
    w.push_back(v);
  }
  return w;
}

// AR coefficients (x_t = sum phi_j x_{t-j} + ...) from partial autocorrelations (Durbin-Levinson): any r in
// (-1, 1)^p gives a stationary polynomial (Barndorff-Nielsen & Schou 1973; Jones 1980).
std::vector<double> PacfToAr(std::span<const double> r) {
  std::vector<double> phi(r.size()), prev;
  for (size_t k = 0; k < r.size(); ++k) {
    prev.assign(phi.begin(), phi.begin() + static_cast<std::ptrdiff_t>(k));
    phi[k] = r[k];
    for (size_t j = 0; j < k; ++j) phi[j] = prev[j] - r[k] * prev[k - 1 - j];
  }
  return phi;
}

// (1 - sum a_i B^i) from a non-seasonal and a seasonal AR part, as lag-indexed a (a[0] unused).
std::vector<double> ExpandAr(std::span<const double> phi, std::span<const double> sphi, size_t m) {
  std::vector<double> a(phi.size() + m * sphi.size() + 1, 0.0);
  std::vector<double> left(phi.size() + 1, 0.0), right(m * sphi.size() + 1, 0.0);
  left[0] = right[0] = 1;
  for (size_t i = 0; i < phi.size(); ++i) left[i + 1] = -phi[i];
  for (size_t k = 0; k < sphi.size(); ++k) right[m * (k + 1)] = -sphi[k];
  for (size_t i = 0; i < left.size(); ++i) {
    for (size_t j = 0; j < right.size(); ++j) a[i + j] -= left[i] * right[j];
  }
  a[0] = 0;
  return a;
}

// (1 + sum b_j B^j) from a non-seasonal and a seasonal MA part, lag-indexed (b[0] unused).
std::vector<double> ExpandMa(std::span<const double> theta, std::span<const double> stheta, size_t m) {
  std::vector<double> left(theta.size() + 1, 0.0), right(m * stheta.size() + 1, 0.0);
  left[0] = right[0] = 1;
  for (size_t i = 0; i < theta.size(); ++i) left[i + 1] = theta[i];
  for (size_t k = 0; k < stheta.size(); ++k) right[m * (k + 1)] = stheta[k];
  std::vector<double> b(left.size() + right.size() - 1, 0.0);
  for (size_t i = 0; i < left.size(); ++i) {
    for (size_t j = 0; j < right.size(); ++j) b[i + j] += left[i] * right[j];
  }
  b[0] = 0;
  return b;
}

struct Lag {
  size_t lag;
  double coef;
};

std::vector<Lag> NonZero(const std::vector<double>& c) {
  std::vector<Lag> out;
  for (size_t i = 1; i < c.size(); ++i) {
    if (c[i] != 0) out.push_back({i, c[i]});
  }
  return out;
}

struct Problem {
  const std::vector<double>* z;  // differenced, mean removed
  ArimaOrder order;
  size_t start;
  std::vector<double> e;  // scratch: residuals
  std::vector<double> ar, ma;
};

// x = partial autocorrelations [ar p | ma q | sar P | sma Q]; fills pr.ar, pr.ma.
void Coefficients(const double* x, Problem& pr) {
  const auto& o = pr.order;
  const std::span<const double> all(x, static_cast<size_t>(o.p + o.q + o.P + o.Q));
  auto part = [&](size_t from, int count) { return all.subspan(from, static_cast<size_t>(count)); };
  const auto phi = PacfToAr(part(0, o.p));
  auto theta = PacfToAr(part(static_cast<size_t>(o.p), o.q));
  const auto sphi = PacfToAr(part(static_cast<size_t>(o.p + o.q), o.P));
  auto stheta = PacfToAr(part(static_cast<size_t>(o.p + o.q + o.P), o.Q));
  // An invertible MA polynomial 1 + sum theta B^j is a stationary AR one with the signs flipped.
  for (double& v : theta) v = -v;
  for (double& v : stheta) v = -v;
  pr.ar = ExpandAr(phi, sphi, o.m);
  pr.ma = ExpandMa(theta, stheta, o.m);
}

double SumOfSquares(Problem& pr) {
  const auto ar = NonZero(pr.ar), ma = NonZero(pr.ma);
  const std::vector<double>& z = *pr.z;
  pr.e.assign(z.size(), 0.0);
  double sse = 0;
  for (size_t t = pr.start; t < z.size(); ++t) {
    double v = z[t];
    for (const Lag& l : ar) v -= l.coef * z[t - l.lag];
    for (const Lag& l : ma) {
      if (l.lag <= t) v -= l.coef * pr.e[t - l.lag];
    }
    pr.e[t] = v;
    sse += v * v;
  }
  return std::isfinite(sse) ? sse : 1e300;
}

double Objective(unsigned n, const double* x, double* grad, void* data) {
  (void)n;
  (void)grad;
  auto& pr = *static_cast<Problem*>(data);
  Coefficients(x, pr);
  return SumOfSquares(pr);
}

}  // namespace

std::string ArimaOrder::Name() const {
  std::string s = absl::StrCat("arima(", p, ",", d, ",", q, ")");
  if (m >= 2 && (P || D || Q)) absl::StrAppend(&s, "(", P, ",", D, ",", Q, ")[", m, "]");
  if (constant) absl::StrAppend(&s, d + D == 0 ? " with mean" : " with drift");
  return s;
}

double KpssStatistic(std::span<const double> x) {
  const size_t n = x.size();
  if (n < 4) return 0;
  double mean = 0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(n);
  std::vector<double> e(n);
  for (size_t i = 0; i < n; ++i) e[i] = x[i] - mean;
  double partial = 0, eta = 0, s2 = 0;
  for (size_t i = 0; i < n; ++i) {
    partial += e[i];
    eta += partial * partial;
    s2 += e[i] * e[i];
  }
  const size_t lags = static_cast<size_t>(3 * std::sqrt(static_cast<double>(n)) / 13);
  for (size_t s = 1; s <= lags; ++s) {
    double c = 0;
    for (size_t t = s; t < n; ++t) c += e[t] * e[t - s];
    s2 += 2 * (1 - static_cast<double>(s) / static_cast<double>(lags + 1)) * c;
  }
  const double dn = static_cast<double>(n);
  s2 /= dn;
  return s2 > 0 ? eta / (dn * dn * s2) : 0;
}

absl::StatusOr<ArimaFit> FitArima(std::span<const double> y, const ArimaOrder& order, size_t css_start,
                                  const std::vector<double>* warm_start) {
  ArimaOrder o = order;
  if (o.m < 2) o.P = o.D = o.Q = 0;
  if (o.d + o.D > 1) o.constant = false;
  const std::vector<double> delta = DifferencingPolynomial(o.d, o.D, o.m);
  const std::vector<double> w = Difference(y, delta);
  const size_t ar_span = static_cast<size_t>(o.p) + o.m * static_cast<size_t>(o.P);
  const size_t start = std::max(css_start, ar_span);
  const size_t k = static_cast<size_t>(o.p + o.q + o.P + o.Q) + (o.constant ? 1 : 0) + 1;
  if (w.size() < start + k + 8) {
    return absl::InvalidArgumentError(absl::StrCat(o.Name(), ": too few points (", y.size(), ")"));
  }
  ArimaFit fit;
  fit.order = o;
  fit.css_start = start;
  if (o.constant) {
    for (double v : w) fit.mean += v;
    fit.mean /= static_cast<double>(w.size());
  }
  std::vector<double> z(w.size());
  for (size_t i = 0; i < w.size(); ++i) z[i] = w[i] - fit.mean;
  Problem pr{&z, o, start, {}, {}, {}};
  const unsigned dim = static_cast<unsigned>(o.p + o.q + o.P + o.Q);
  std::vector<double> x(dim, 0.0);
  // Seasonally differenced data nearly always want a negative seasonal MA: start there.
  if (o.Q > 0 && o.D > 0) x[dim - 1] = 0.5;  // partial autocorrelation 0.5 is theta = -0.5
  const bool warm = warm_start != nullptr && warm_start->size() == dim;
  if (warm) {
    for (size_t i = 0; i < dim; ++i) x[i] = std::clamp((*warm_start)[i], -kPacfBound, kPacfBound);
  }
  double sse = 0;
  if (dim > 0) {
    std::vector<double> lo(dim, -kPacfBound), hi(dim, kPacfBound);
    nlopt_opt opt = nlopt_create(NLOPT_LN_BOBYQA, dim);
    nlopt_set_lower_bounds(opt, lo.data());
    nlopt_set_upper_bounds(opt, hi.data());
    nlopt_set_min_objective(opt, Objective, &pr);
    nlopt_set_xtol_abs1(opt, 1e-4);
    nlopt_set_ftol_rel(opt, 1e-8);
    nlopt_set_maxeval(opt, (warm ? 15 : 40) * static_cast<int>(dim) + (warm ? 20 : 60));
    std::vector<double> step(dim, warm ? 0.05 : 0.2);
    nlopt_set_initial_step(opt, step.data());
    const nlopt_result res = nlopt_optimize(opt, x.data(), &sse);
    nlopt_destroy(opt);
    if (res < 0 && res != NLOPT_ROUNDOFF_LIMITED) {
      return absl::InternalError(
          absl::StrCat(o.Name(), ": the optimiser failed (", static_cast<int>(res), ")"));
    }
  }
  Coefficients(x.data(), pr);
  sse = SumOfSquares(pr);
  const double n_eff = static_cast<double>(z.size() - start);
  if (!(sse > 0) || sse >= 1e299) return absl::InternalError(absl::StrCat(o.Name(), ": no finite fit"));
  const double dk = static_cast<double>(k);
  const double loglik = -0.5 * n_eff * (std::log(2 * std::numbers::pi * sse / n_eff) + 1);
  fit.aicc = -2 * loglik + 2 * dk + 2 * dk * (dk + 1) / std::max(1.0, n_eff - dk - 1);
  fit.sigma2 = sse / std::max(1.0, n_eff - dk + 1);
  fit.ar = std::move(pr.ar);
  fit.ma = std::move(pr.ma);
  fit.residuals = std::move(pr.e);
  fit.params = x;
  return fit;
}

absl::StatusOr<ArimaFit> AutoArima(std::span<const double> y, size_t m, const ArimaSearchOptions& options) {
  if (options.max_cycles > 0 && m >= 2 && y.size() > options.max_cycles * m) {
    y = y.last(options.max_cycles * m);
  }
  const bool seasonal = m >= 2 && y.size() >= 3 * m + 10;
  int D = 0;
  if (seasonal) {
    auto stl = Stl(y, m);
    if (stl.ok() && SeasonalStrength(stl->seasonal, stl->remainder) > kSeasonalStrength) D = 1;
  }
  int d = 0;
  {
    const std::vector<double> w = Difference(y, DifferencingPolynomial(0, D, m));
    std::vector<double> x = w;
    while (d + D < 2 && KpssStatistic(x) > kKpssCritical) {
      ++d;
      x = Difference(w, DifferencingPolynomial(d, 0, m));
    }
  }
  // One conditioning start for every candidate, so that their AICc values are comparable.
  const size_t start = static_cast<size_t>(kMaxP) + (seasonal ? m * kMaxSeasonal : 0);
  using Key = std::tuple<int, int, int, int, bool>;  // p, q, P, Q, constant
  std::map<Key, double> tried;
  absl::StatusOr<ArimaFit> best = absl::FailedPreconditionError("arima: no order fits the data");
  auto consider = [&](int p, int q, int P, int Q, bool c) {
    if (!seasonal) P = Q = 0;
    if (d + D > 1) c = false;
    if (p < 0 || q < 0 || P < 0 || Q < 0 || p > kMaxP || q > kMaxQ || P > kMaxSeasonal || Q > kMaxSeasonal) {
      return false;
    }
    const Key key{p, q, P, Q, c};
    if (tried.count(key) || tried.size() >= options.max_fits) return false;
    auto fit = FitArima(y, {p, d, q, P, D, Q, seasonal ? m : 1, c}, start);
    tried[key] = fit.ok() ? fit->aicc : INFINITY;
    if (!fit.ok() || (best.ok() && fit->aicc >= best->aicc)) return false;
    best = std::move(fit);
    return true;
  };
  const bool c0 = d + D <= 1;
  consider(2, 2, 1, 1, c0);
  consider(0, 0, 0, 0, c0);
  consider(1, 0, 1, 0, c0);
  consider(0, 1, 0, 1, c0);
  if (!best.ok()) return best;
  for (bool improved = true; improved;) {
    const ArimaOrder o = best->order;
    improved = false;
    const int moves[][4] = {{1, 0, 0, 0},  {-1, 0, 0, 0}, {0, 1, 0, 0},  {0, -1, 0, 0}, {0, 0, 1, 0},
                            {0, 0, -1, 0}, {0, 0, 0, 1},  {0, 0, 0, -1}, {1, 1, 0, 0},  {-1, -1, 0, 0},
                            {1, -1, 0, 0}, {-1, 1, 0, 0}, {0, 0, 1, 1},  {0, 0, -1, -1}};
    for (const auto& mv : moves) {
      if (consider(o.p + mv[0], o.q + mv[1], o.P + mv[2], o.Q + mv[3], o.constant)) {
        improved = true;
        break;
      }
    }
    if (!improved && c0) improved = consider(o.p, o.q, o.P, o.Q, !o.constant);
  }
  return best;
}

ModelOutput ArimaForecast(std::span<const double> y, const ArimaFit& fit, size_t horizon,
                          std::span<const double> levels) {
  const ArimaOrder& o = fit.order;
  const std::vector<double> delta = DifferencingPolynomial(o.d, o.D, o.m);
  const size_t lag = delta.size() - 1;
  const size_t n = y.size();
  const std::vector<double> w = Difference(y, delta);
  std::vector<double> z(w.size() + horizon), e(w.size() + horizon, 0.0);
  for (size_t i = 0; i < w.size(); ++i) z[i] = w[i] - fit.mean, e[i] = fit.residuals[i];
  const auto ar = NonZero(fit.ar), ma = NonZero(fit.ma);
  for (size_t t = w.size(); t < z.size(); ++t) {
    double v = 0;
    for (const Lag& l : ar) v += l.lag <= t ? l.coef * z[t - l.lag] : 0;
    for (const Lag& l : ma) v += l.lag <= t ? l.coef * e[t - l.lag] : 0;
    z[t] = v;
  }
  // Undo the differencing: y_t = w_t - sum_{i>=1} delta_i y_{t-i}.
  std::vector<double> full(y.begin(), y.end());
  full.resize(n + horizon);
  ModelOutput out;
  out.mean.resize(horizon);
  for (size_t h = 0; h < horizon; ++h) {
    const size_t t = n + h;
    double v = z[t - lag] + fit.mean;
    for (size_t i = 1; i < delta.size(); ++i) v -= delta[i] * full[t - i];
    full[t] = out.mean[h] = v;
  }
  // Psi-weights of the whole model on y: phi*(B) = (1 - sum ar B^i) * delta(B), psi = theta / phi*.
  std::vector<double> phi_star(fit.ar.size() + lag, 0.0);
  for (size_t i = 0; i < fit.ar.size(); ++i) {
    const double a = i == 0 ? 1.0 : -fit.ar[i];
    for (size_t j = 0; j < delta.size(); ++j) phi_star[i + j] += a * delta[j];
  }
  std::vector<double> psi(horizon, 0.0), sd(horizon);
  double acc = 0;
  for (size_t j = 0; j < horizon; ++j) {
    double v = j == 0 ? 1.0 : (j < fit.ma.size() ? fit.ma[j] : 0.0);
    for (size_t i = 1; i <= j && i < phi_star.size(); ++i) v -= phi_star[i] * psi[j - i];
    psi[j] = v;
    acc += v * v;
    sd[j] = std::sqrt(fit.sigma2 * acc);
  }
  out.bands = NormalBands(out.mean, sd, levels);
  out.name = o.Name();
  out.params = {{"sigma", std::sqrt(fit.sigma2)}, {"aicc", fit.aicc}};
  if (o.constant) out.params.emplace_back(o.d + o.D == 0 ? "mean" : "drift", fit.mean);
  for (size_t i = 0; i < fit.params.size(); ++i)
    out.params.emplace_back(absl::StrCat("pacf", i + 1), fit.params[i]);
  return out;
}

absl::StatusOr<ModelOutput> ArimaModel(const ModelInput& in) {
  const size_t m = in.periods.empty() ? 1 : in.periods.front();
  auto fit = AutoArima(in.y, m);
  if (!fit.ok()) return fit.status();
  return ArimaForecast(in.y, *fit, in.horizon, in.levels);
}

}  // namespace foresight::analytics::forecast_internal
