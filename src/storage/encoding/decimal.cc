#include "storage/encoding/decimal.h"

#include <bit>
#include <cmath>
#include <initializer_list>

namespace foresight::storage::encoding {
namespace {

constexpr int64_t kPow10Int[19] = {1,
                                   10,
                                   100,
                                   1000,
                                   10000,
                                   100000,
                                   1000000,
                                   10000000,
                                   100000000,
                                   1000000000,
                                   10000000000,
                                   100000000000,
                                   1000000000000,
                                   10000000000000,
                                   100000000000000,
                                   1000000000000000,
                                   10000000000000000,
                                   100000000000000000,
                                   1000000000000000000};

bool SameBits(double a, double b) { return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b); }

}  // namespace

bool ToDecimal(double v, int64_t* m, int* decimals) {
  if (!std::isfinite(v) || (std::signbit(v) && v == 0)) return false;
  const double limit = static_cast<double>(kMaxDecimalMantissa);
  for (int d = 0; d <= kMaxDecimals; ++d) {
    const double scaled = v * kPow10[d];
    if (!(std::fabs(scaled) < limit)) return false;
    // The product is rounded, so the nearest integer may be one off the true mantissa: try its neighbours.
    const auto r = static_cast<int64_t>(std::nearbyint(scaled));
    for (int64_t c : {r, r - 1, r + 1}) {
      if (c > -kMaxDecimalMantissa && c < kMaxDecimalMantissa && SameBits(FromDecimal(c, d), v)) {
        *m = c;
        *decimals = d;
        return true;
      }
    }
  }
  return false;
}

bool RescaleDecimal(double v, int64_t m, int from_decimals, int to_decimals, int64_t* out) {
  const int k = to_decimals - from_decimals;
  if (k < 0 || k > 18 || to_decimals > kMaxDecimals) return false;
  int64_t x;
  if (__builtin_mul_overflow(m, kPow10Int[k], &x)) return false;
  if (x <= -kMaxDecimalMantissa || x >= kMaxDecimalMantissa) return false;
  if (!SameBits(FromDecimal(x, to_decimals), v)) return false;
  *out = x;
  return true;
}

}  // namespace foresight::storage::encoding
