#include "query/engine/mathutil.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace foresight::query::internal {

std::pair<double, double> KahanSumInc(double inc, double sum, double c) {
  double t = sum + inc;
  if (std::abs(sum) >= std::abs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  return {t, c};
}

double Quantile(double q, std::vector<double>& values) {
  if (values.empty() || std::isnan(q)) return NAN;
  if (q < 0) return -INFINITY;
  if (q > 1) return INFINITY;
  std::sort(values.begin(), values.end(), [](double a, double b) {
    // Go's sort by value with NaN first (vectorByValueHeap Less: a < b || isNaN(a)).
    if (std::isnan(a)) return !std::isnan(b);
    return a < b;
  });
  double n = static_cast<double>(values.size());
  double rank = q * (n - 1);
  double lower = std::max(0.0, std::floor(rank));
  double upper = std::min(n - 1, lower + 1);
  double weight = rank - std::floor(rank);
  return values[static_cast<size_t>(lower)] * (1 - weight) + values[static_cast<size_t>(upper)] * weight;
}

std::string FormatFloatF(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

std::pair<double, double> LinearRegression(std::span<const storage::Sample> s, int64_t intercept_time) {
  double n = 0, sum_x = 0, cx = 0, sum_y = 0, cy = 0, sum_xy = 0, cxy = 0, sum_x2 = 0, cx2 = 0;
  double init_y = s[0].v;
  bool const_y = true;
  for (size_t i = 0; i < s.size(); ++i) {
    if (const_y && i > 0 && s[i].v != init_y) const_y = false;
    n += 1;
    double x = static_cast<double>(s[i].t - intercept_time) / 1e3;
    std::tie(sum_x, cx) = KahanSumInc(x, sum_x, cx);
    std::tie(sum_y, cy) = KahanSumInc(s[i].v, sum_y, cy);
    std::tie(sum_xy, cxy) = KahanSumInc(x * s[i].v, sum_xy, cxy);
    std::tie(sum_x2, cx2) = KahanSumInc(x * x, sum_x2, cx2);
  }
  if (const_y) {
    if (std::isinf(init_y)) return {NAN, NAN};
    return {0, init_y};
  }
  sum_x += cx;
  sum_y += cy;
  sum_xy += cxy;
  sum_x2 += cx2;
  double cov_xy = sum_xy - sum_x * sum_y / n;
  double var_x = sum_x2 - sum_x * sum_x / n;
  double slope = cov_xy / var_x;
  double intercept = sum_y / n - slope * sum_x / n;
  return {slope, intercept};
}

}  // namespace foresight::query::internal
