// An additive regression model in the spirit of Prophet (Taylor & Letham 2018), fitted as a penalised least
// squares problem rather than by Stan (plus an AR(1) continuation of the last residual):
//   y(t) = a + k*t + sum_j d_j * max(0, t - c_j) + sum_p Fourier_p(t) + sum_e b_e * event_e(t) + noise
// with t scaled to [0, 1] over the history, 25 candidate changepoints c_j spread over the first 80% of it,
// an L1 penalty on the slope changes d_j (automatic changepoint selection, solved by iteratively reweighted
// ridge) and an L2 penalty on the Fourier and event coefficients; event_e is 1 inside an occurrence of the
// known event e (one regressor per name, past and future) and 0 outside. The forecast continues the last
// slope. Intervals: the residual variance plus the variance of future trend changes, which arrive at the rate
// seen in the history with the mean size of the fitted ones (Prophet's trend-uncertainty idea, analytically).
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numbers>

#include "absl/strings/str_cat.h"
#include "analytics/forecast/model.h"

namespace foresight::analytics::forecast_internal {
namespace {

constexpr size_t kChangepoints = 25;
constexpr double kChangepointRange = 0.8;
constexpr double kL1 = 0.5;       // penalty on slope changes (data scaled to unit max)
constexpr double kL2 = 0.01;      // penalty on seasonal and event coefficients
constexpr int kReweightings = 8;  // IRLS passes for the L1 penalty

size_t FourierOrder(size_t period) { return std::min<size_t>(10, period / 2); }

bool InEvent(std::span<const EventWindow> events, const std::string& name, size_t i) {
  for (const auto& e : events) {
    if (e.name == name && i >= e.begin && i < e.end) return true;
  }
  return false;
}

// The distinct event names with at least one occurrence in the history (others cannot be estimated and
// would only add a zero coefficient), in order of first appearance.
std::vector<std::string> EventsSeenInHistory(std::span<const EventWindow> events, size_t n) {
  std::vector<std::string> names;
  for (const auto& e : events) {
    if (e.begin < std::min(e.end, n) && std::find(names.begin(), names.end(), e.name) == names.end()) {
      names.push_back(e.name);
    }
  }
  return names;
}

}  // namespace

absl::StatusOr<ModelOutput> ProphetModel(const ModelInput& in) {
  const size_t n = in.y.size();
  if (n < 10) return absl::InvalidArgumentError("prophet: needs at least 10 points");
  double scale = 0;
  for (double v : in.y) scale = std::max(scale, std::fabs(v));
  if (!(scale > 0)) scale = 1;
  const double span = static_cast<double>(n - 1);
  const size_t ncp = std::min(kChangepoints, n / 5);
  std::vector<double> cps;
  for (size_t j = 0; j < ncp; ++j) {
    cps.push_back(kChangepointRange * static_cast<double>(j + 1) / static_cast<double>(ncp + 1));
  }
  const std::vector<std::string> event_names = EventsSeenInHistory(in.events, n);
  size_t cols = 2 + ncp + event_names.size();
  for (size_t p : in.periods) cols += 2 * FourierOrder(p);
  // Row builder shared by fit and forecast (index i may lie beyond the history).
  auto row = [&](size_t i, auto&& x) {
    const double t = static_cast<double>(i) / span;
    size_t c = 0;
    x(c++) = 1;
    x(c++) = t;
    for (double cp : cps) x(c++) = std::max(0.0, t - cp);
    for (size_t p : in.periods) {
      for (size_t k = 1; k <= FourierOrder(p); ++k) {
        const double a = 2 * std::numbers::pi * static_cast<double>(k) * static_cast<double>(i % p) /
                         static_cast<double>(p);
        x(c++) = std::sin(a);
        x(c++) = std::cos(a);
      }
    }
    for (const auto& name : event_names) x(c++) = InEvent(in.events, name, i) ? 1 : 0;
  };
  Eigen::MatrixXd X(n, cols);
  Eigen::VectorXd y(n);
  for (size_t i = 0; i < n; ++i) {
    row(i, X.row(static_cast<Eigen::Index>(i)));
    y(static_cast<Eigen::Index>(i)) = in.y[i] / scale;
  }
  const Eigen::MatrixXd xtx = X.transpose() * X;
  const Eigen::VectorXd xty = X.transpose() * y;
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(cols));
  const Eigen::Index first_cp = 2, first_season = static_cast<Eigen::Index>(2 + ncp);
  for (int it = 0; it < kReweightings; ++it) {
    Eigen::MatrixXd a = xtx;
    for (Eigen::Index j = first_season; j < static_cast<Eigen::Index>(cols); ++j) a(j, j) += kL2;
    for (Eigen::Index j = first_cp; j < first_season; ++j) {
      // |d| ~ d^2 / |d_prev|: the L1 penalty as a reweighted ridge.
      a(j, j) += kL1 / std::max(std::fabs(beta(j)), 1e-4) / 2;
    }
    a.diagonal().array() += 1e-9;
    beta = a.ldlt().solve(xty);
    if (!beta.allFinite()) return absl::InternalError("prophet: the fit is singular");
  }
  const Eigen::VectorXd resid = y - X * beta;
  const double dof = std::max(1.0, static_cast<double>(n) - static_cast<double>(cols));
  const double sigma = std::sqrt(resid.squaredNorm() / dof) * scale;
  // Future trend changes: rate per unit of scaled time and mean absolute size of the fitted ones.
  double mean_abs = 0;
  for (Eigen::Index j = first_cp; j < first_season; ++j) mean_abs += std::fabs(beta(j));
  mean_abs = ncp ? mean_abs / static_cast<double>(ncp) : 0;
  const double rate = ncp / kChangepointRange;
  // The residuals are autocorrelated (the fit is smooth, the data are not): continue the last residual with
  // its lag-1 autocorrelation rho, decaying as rho^h (an AR(1) error term).
  double r01 = 0, r00 = 0;
  for (Eigen::Index i = 1; i < resid.size(); ++i)
    r01 += resid(i) * resid(i - 1), r00 += resid(i - 1) * resid(i - 1);
  const double rho = r00 > 0 ? std::clamp(r01 / r00, 0.0, 0.99) : 0;
  const double last_resid = resid(resid.size() - 1) * scale;
  ModelOutput out;
  out.name = "prophet";
  out.mean.resize(in.horizon);
  std::vector<double> sd(in.horizon);
  Eigen::RowVectorXd x(cols);
  for (size_t h = 0; h < in.horizon; ++h) {
    row(n + h, x);
    out.mean[h] = x.dot(beta) * scale + std::pow(rho, static_cast<double>(h + 1)) * last_resid;
    const double dt = static_cast<double>(h + 1) / span;
    const double trend_var = rate * 2 * mean_abs * mean_abs * dt * dt * dt / 3 * scale * scale;
    sd[h] = std::sqrt(sigma * sigma + trend_var);
  }
  out.bands = NormalBands(out.mean, sd, in.levels);
  double final_slope = beta(1);
  size_t active = 0;
  for (Eigen::Index j = first_cp; j < first_season; ++j) {
    final_slope += beta(j);
    active += std::fabs(beta(j)) > 1e-3 ? 1 : 0;
  }
  out.params = {{"slope_per_step", final_slope * scale / span},
                {"changepoints", static_cast<double>(active)},
                {"sigma", sigma},
                {"residual_ar1", rho}};
  for (size_t e = 0; e < event_names.size(); ++e) {
    const Eigen::Index col = static_cast<Eigen::Index>(cols - event_names.size() + e);
    out.params.emplace_back(
        event_names[e].empty() ? std::string("event_effect") : absl::StrCat("event_effect:", event_names[e]),
        beta(col) * scale);
  }
  return out;
}

}  // namespace foresight::analytics::forecast_internal
