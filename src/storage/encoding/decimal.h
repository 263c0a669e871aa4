// Exact decimal views of doubles, for the compact encoding: most exporter values are short decimals
// (0.16, 33.02, 9.645e-06, 28291072), whose integer mantissas delta-encode far better than XORed bits.
#pragma once

#include <cstdint>

namespace foresight::storage::encoding {

// 10^22 is the largest power of ten a double holds exactly; the decoder divides by it, so a decimal with
// up to this many fractional digits decodes with one correctly rounded operation.
inline constexpr int kMaxDecimals = 22;
// Mantissas stay below 2^53 so that converting them to double is exact.
inline constexpr int64_t kMaxDecimalMantissa = int64_t{1} << 53;

inline constexpr double kPow10[kMaxDecimals + 1] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// The value the decoder produces for mantissa m with `decimals` fractional digits (0 <= decimals <= 22).
// For |m| < 2^53 this is the double nearest to m / 10^decimals, i.e. what parsing the decimal would give.
inline double FromDecimal(int64_t m, int decimals) { return static_cast<double>(m) / kPow10[decimals]; }

// Finds the fewest fractional digits d and mantissa m with FromDecimal(m, d) bit-identical to v and
// |m| < 2^53. False for NaN, infinities, -0.0 and values with no such short decimal.
bool ToDecimal(double v, int64_t* m, int* decimals);

// Rescales a decimal to more fractional digits (to_decimals >= from_decimals) if the mantissa stays
// below 2^53 and still decodes to exactly `v`; false otherwise.
bool RescaleDecimal(double v, int64_t m, int from_decimals, int to_decimals, int64_t* out);

}  // namespace foresight::storage::encoding
