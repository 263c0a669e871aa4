#include "svg_plot.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace foresight::analytics::eval {
namespace {

constexpr double kWidth = 1100, kHeight = 420, kLeft = 70, kRight = 20, kTop = 40, kBottom = 40;

}  // namespace

absl::Status WriteForecastSvg(const std::string& path, const ForecastPlot& p) {
  const size_t nh = p.history.size();
  const size_t total = nh + std::max(p.forecast.size(), p.actual.size());
  if (total < 2) return absl::InvalidArgumentError("svg: nothing to plot");
  double lo = 0, hi = 1;
  bool first = true;
  auto extend = [&](const std::vector<double>& v) {
    for (double x : v) {
      if (!std::isfinite(x)) continue;
      lo = first ? x : std::min(lo, x);
      hi = first ? x : std::max(hi, x);
      first = false;
    }
  };
  for (const auto* v : {&p.history, &p.actual, &p.forecast, &p.lower95, &p.upper95}) extend(*v);
  if (hi <= lo) hi = lo + 1;
  const double pad = (hi - lo) * 0.05;
  lo -= pad, hi += pad;
  auto X = [&](double i) { return kLeft + i / static_cast<double>(total - 1) * (kWidth - kLeft - kRight); };
  auto Y = [&](double v) { return kTop + (hi - v) / (hi - lo) * (kHeight - kTop - kBottom); };
  auto polyline = [&](const std::vector<double>& v, size_t offset, const char* color, double width) {
    std::string pts;
    for (size_t i = 0; i < v.size(); ++i) {
      if (std::isfinite(v[i]))
        absl::StrAppend(&pts, absl::StrFormat("%.1f,%.1f ", X(static_cast<double>(offset + i)), Y(v[i])));
    }
    return absl::StrFormat("<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" points=\"%s\"/>\n",
                           color, width, pts);
  };
  auto band = [&](const std::vector<double>& l, const std::vector<double>& u, const char* color) {
    std::string pts;
    for (size_t i = 0; i < u.size(); ++i)
      absl::StrAppend(&pts, absl::StrFormat("%.1f,%.1f ", X(static_cast<double>(nh + i)), Y(u[i])));
    for (size_t i = l.size(); i-- > 0;)
      absl::StrAppend(&pts, absl::StrFormat("%.1f,%.1f ", X(static_cast<double>(nh + i)), Y(l[i])));
    return absl::StrFormat("<polygon fill=\"%s\" stroke=\"none\" points=\"%s\"/>\n", color, pts);
  };
  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" "
      "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
      kWidth, kHeight);
  absl::StrAppend(&svg,
                  absl::StrFormat("<text x=\"%.0f\" y=\"22\" font-size=\"15\">%s</text>\n", kLeft, p.title));
  // Axes, horizontal grid with value labels, and day ticks relative to the origin.
  for (int k = 0; k <= 4; ++k) {
    const double v = lo + (hi - lo) * k / 4;
    absl::StrAppend(
        &svg, absl::StrFormat("<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
                              "<text x=\"4\" y=\"%.1f\">%.0f</text>\n",
                              kLeft, kWidth - kRight, Y(v), Y(v), Y(v) + 4, v));
  }
  const double steps_per_day = 24 * 60 / std::max(1e-9, p.step_minutes);
  for (double d = -std::floor(static_cast<double>(nh) / steps_per_day);
       d * steps_per_day + static_cast<double>(nh) < static_cast<double>(total); d += 1) {
    const double x = X(static_cast<double>(nh) + d * steps_per_day);
    absl::StrAppend(&svg,
                    absl::StrFormat("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"#eee\"/>"
                                    "<text x=\"%.1f\" y=\"%.0f\">%+.0fd</text>\n",
                                    x, x, kTop, kHeight - kBottom, x - 10, kHeight - kBottom + 16, d));
  }
  if (!p.upper95.empty()) absl::StrAppend(&svg, band(p.lower95, p.upper95, "#cfe0f5"));
  if (!p.upper80.empty()) absl::StrAppend(&svg, band(p.lower80, p.upper80, "#9fc2eb"));
  absl::StrAppend(&svg, polyline(p.history, 0, "#333", 1.2));
  absl::StrAppend(&svg, polyline(p.actual, nh, "#333", 1.2));
  absl::StrAppend(&svg, polyline(p.forecast, nh, "#1f5fbf", 2));
  const double ox = X(static_cast<double>(nh));
  absl::StrAppend(&svg,
                  absl::StrFormat("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"#c00\" "
                                  "stroke-dasharray=\"4 3\"/>\n",
                                  ox, ox, kTop, kHeight - kBottom));
  absl::StrAppend(&svg,
                  absl::StrFormat("<text x=\"%.0f\" y=\"%.0f\" fill=\"#1f5fbf\">forecast, 80%% / 95%% bands"
                                  "</text><text x=\"%.0f\" y=\"%.0f\" fill=\"#333\">actual</text>\n</svg>\n",
                                  kWidth - 300, kTop - 6, kWidth - 80, kTop - 6));
  std::ofstream out(path);
  out << svg;
  return out.good() ? absl::OkStatus() : absl::PermissionDeniedError(absl::StrCat("cannot write ", path));
}

}  // namespace foresight::analytics::eval
