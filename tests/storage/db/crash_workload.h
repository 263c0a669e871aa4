// The deterministic workload shared by crash_test and its child process.
#pragma once

#include <string>

#include "common/labels.h"

namespace foresight::crashtest {

inline constexpr int kSeries = 50;
inline Labels SeriesLabels(int s) {
  return Labels{{"__name__", "crash_test"}, {"series", std::to_string(s)}, {"pad", std::string(40, 'x')}};
}
inline int64_t Time(int batch) { return 1'700'000'000'000 + int64_t{batch} * 1000; }
inline double Value(int batch, int s) { return batch * 1000.0 + s + 0.25; }

}  // namespace foresight::crashtest
