// Internal numeric helpers shared by aggregations and functions.
#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "storage/storage.h"

namespace foresight::query::internal {

// Kahan-Babuska summation step: returns the new (sum, compensation).
std::pair<double, double> KahanSumInc(double inc, double sum, double c);
// Prometheus' quantile over values (sorted in place): linear interpolation between ranks.
double Quantile(double q, std::vector<double>& values);
// Go's strconv.FormatFloat(v, 'f', -1, 64): shortest digits, no exponent; NaN, +Inf, -Inf.
std::string FormatFloatF(double v);
// Least squares over (t - intercept_time in seconds, v): slope and intercept.
std::pair<double, double> LinearRegression(std::span<const storage::Sample> s, int64_t intercept_time);

}  // namespace foresight::query::internal
