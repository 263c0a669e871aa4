// The Prometheus text exposition format, version 0.0.4, as client_golang writes it:
//
//   # HELP <name> <help, with \ and newline escaped>
//   # TYPE <name> counter|gauge|histogram|untyped
//   <name>{<label>="<value, with \ " and newline escaped>",...} <value>
//
// Histograms expand to <name>_bucket{...,le="<bound>"} (cumulative, ending with le="+Inf"), <name>_sum and
// <name>_count. Values and bounds use Go's strconv.FormatFloat(v, 'g', -1, 64): the shortest string that
// round-trips, in exponent form when the decimal exponent is < -4 or >= 6 (1e+06, 1.5e-05), and +Inf, -Inf,
// NaN for the special values. No HELP line is written for an empty help text, nothing for a family without
// series; no timestamps.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/metrics/metrics.h"

namespace foresight::metrics {

inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// Go's strconv.FormatFloat(v, 'g', -1, 64), except that -0 is written as 0 (as client_golang does).
std::string FormatFloat(double v);
std::string EscapeHelp(std::string_view help);
std::string EscapeLabelValue(std::string_view value);

// Appends the families, in the given order, to *out.
void WriteText(const std::vector<FamilySnapshot>& families, std::string* out);
// Gathers the registry and renders it.
std::string RenderText(const Registry& registry);

}  // namespace foresight::metrics
