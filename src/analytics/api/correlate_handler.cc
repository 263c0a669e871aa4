// /api/v1/correlate: pairs of series (`query` x `with`) or the top k of `match` against one series.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "analytics/api/handlers.h"
#include "analytics/correlate/correlate.h"

namespace foresight::analytics::api {
namespace {

absl::StatusOr<double> Coefficient(std::span<const double> x, std::span<const double> y, bool spearman) {
  return spearman ? Spearman(x, y) : Pearson(x, y);
}

// Adds "coefficient" (or "error") and, with max_lag > 0, "best_lag" to `r`.
void Describe(Json& r, std::span<const double> x, std::span<const double> y, bool spearman, int64_t max_lag,
              int64_t step_ms) {
  auto c = Coefficient(x, y, spearman);
  if (!c.ok()) {
    r["coefficient"] = nullptr;
    r["error"] = std::string(c.status().message());
    return;
  }
  r["coefficient"] = NumberOrNull(*c);
  if (max_lag <= 0) return;
  auto lag = BestLag(x, y, max_lag);
  if (!lag.ok()) {
    r["best_lag"] = nullptr;
    return;
  }
  r["best_lag"] = Json{{"steps", lag->lag},
                       {"seconds", static_cast<double>(lag->lag) * static_cast<double>(step_ms) / 1000.0},
                       {"coefficient", NumberOrNull(lag->r)}};
}

}  // namespace

absl::StatusOr<Json> Correlate(const AnalyticsApiDeps& deps, const web::Request& req) {
  auto query = RequiredParam(req, "query");
  if (!query.ok()) return query.status();
  auto range = RangeParams(deps, req);
  if (!range.ok()) return range.status();
  auto method = EnumParam(req, "method", "pearson", {"pearson", "spearman"});
  if (!method.ok()) return method.status();
  const bool spearman = *method == "spearman";
  int64_t max_lag = 0;
  if (OptionalParam(req, "max_lag")) {
    auto d = DurationParam(req, "max_lag", std::nullopt);
    if (!d.ok()) return d.status();
    max_lag = *d / range->step;
    if (max_lag >= range->points() / 2) return ParamError("max_lag", "must be less than half the range");
  }
  const auto with = OptionalParam(req, "with");
  const auto match = OptionalParam(req, "match");
  if (with.has_value() == match.has_value()) {
    return ParamError(with ? "match" : "with", "exactly one of \"with\" and \"match\" must be given");
  }
  auto k = IntParam(req, "k", 10, 1, 1000);
  if (!k.ok()) return k.status();

  auto xs = EvalRange(deps, *query, *range);
  if (!xs.ok()) return xs.status();
  auto ys = EvalRange(deps, with ? *with : *match, *range);
  if (!ys.ok()) return ys.status();

  Json out;
  out["method"] = *method;
  Json results = Json::array();
  if (with) {
    if (xs->size() * ys->size() > deps.max_series) {
      return absl::InvalidArgumentError(absl::StrCat(xs->size(), " x ", ys->size(),
                                                     " series pairs, more than the limit of ",
                                                     deps.max_series, "; narrow the queries"));
    }
    for (const auto& x : *xs) {
      for (const auto& y : *ys) {
        Json r{{"metric", LabelsJson(x.metric)}, {"with", LabelsJson(y.metric)}};
        Describe(r, x.values, y.values, spearman, max_lag, range->step);
        results.push_back(std::move(r));
      }
    }
    out["pairs"] = std::move(results);
    return out;
  }
  if (xs->size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("with \"match\", \"query\" must return exactly one series; it returned ", xs->size()));
  }
  const GridSeries& target = xs->front();
  std::vector<std::span<const double>> candidates;
  for (const auto& y : *ys) candidates.emplace_back(y.values);
  const auto top = TopKCorrelated(target.values, candidates, *k,
                                  spearman ? CorrelationMethod::kSpearman : CorrelationMethod::kPearson);
  for (const auto& c : top) {
    const GridSeries& y = (*ys)[static_cast<size_t>(c.index)];
    Json r{{"metric", LabelsJson(y.metric)}};
    Describe(r, target.values, y.values, spearman, max_lag, range->step);
    results.push_back(std::move(r));
  }
  out["metric"] = LabelsJson(target.metric);
  out["top"] = std::move(results);
  return out;
}

}  // namespace foresight::analytics::api
