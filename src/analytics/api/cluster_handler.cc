// /api/v1/cluster: clusters of series (by their behaviour features) or of user-supplied vectors, and the
// members far from the rest of their group.
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "analytics/api/handlers.h"
#include "analytics/cluster/cluster.h"

namespace foresight::analytics::api {
namespace {

struct Item {
  Json id;  // the series' labels, or the vector's name
  Labels metric;
  FeatureVector features;
};

// {"name": [numbers...], ...} from the `vectors` parameter or a JSON request body.
absl::StatusOr<std::vector<Item>> ParseVectors(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return ParamError("vectors", "must be a JSON object of arrays of numbers: {\"id\": [1, 2], ...}");
  }
  std::vector<Item> out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_array() || it.value().empty()) {
      return ParamError("vectors", absl::StrCat("\"", it.key(), "\" is not a non-empty array of numbers"));
    }
    Item item{Json(it.key()), {}, {}};
    for (const auto& v : it.value()) {
      if (!v.is_number() || !std::isfinite(v.get<double>())) {
        return ParamError("vectors",
                          absl::StrCat("\"", it.key(), "\" has an element that is not a finite number"));
      }
      item.features.push_back(v.get<double>());
    }
    if (!out.empty() && item.features.size() != out.front().features.size()) {
      return ParamError("vectors", "vectors differ in length");
    }
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace

absl::StatusOr<Json> Cluster(const AnalyticsApiDeps& deps, const web::Request& req) {
  auto method = EnumParam(req, "method", "kmeans", {"kmeans", "dbscan"});
  if (!method.ok()) return method.status();
  auto k = IntParam(req, "k", 0, 0, 100);  // 0: chosen by silhouette
  if (!k.ok()) return k.status();
  auto eps = NumberParam(req, "eps", 0.5, 1e-12, 1e300);
  if (!eps.ok()) return eps.status();
  auto min_points = IntParam(req, "min_points", 3, 1, 1 << 20);
  if (!min_points.ok()) return min_points.status();
  auto threshold = NumberParam(req, "threshold", 3.5, 0, 1e6);
  if (!threshold.ok()) return threshold.status();
  const auto group_by = OptionalParam(req, "group_by");

  std::vector<Item> items;
  Json skipped = Json::array();
  const bool json_body = req.headers.GetOr("Content-Type").find("application/json") != std::string_view::npos;
  const auto vectors_param = OptionalParam(req, "vectors");
  const bool vectors_mode = vectors_param.has_value() || (json_body && !req.body.empty());
  if (vectors_mode) {
    if (group_by) return ParamError("group_by", "needs series (\"query\"), not vectors");
    auto v = ParseVectors(vectors_param ? *vectors_param : std::string_view(req.body));
    if (!v.ok()) return v.status();
    items = std::move(*v);
  } else {
    auto query = RequiredParam(req, "query");
    if (!query.ok()) return query.status();
    auto range = RangeParams(deps, req);
    if (!range.ok()) return range.status();
    auto periods = PeriodsParam(req, range->step);
    if (!periods.ok()) return periods.status();
    auto series = EvalRange(deps, *query, *range);
    if (!series.ok()) return series.status();
    for (auto& s : *series) {
      auto f = ComputeSeriesFeatures(s.values, periods->empty() ? 0 : static_cast<int64_t>(periods->front()));
      if (!f.ok()) {
        skipped.push_back(
            Json{{"metric", LabelsJson(s.metric)}, {"error", std::string(f.status().message())}});
        continue;
      }
      items.push_back(Item{LabelsJson(s.metric), std::move(s.metric), f->vector()});
    }
  }
  const bool standardize_default = !vectors_mode;
  auto standardize = EnumParam(req, "standardize", standardize_default ? "true" : "false", {"true", "false"});
  if (!standardize.ok()) return standardize.status();
  if (items.size() < 3) {
    return absl::InvalidArgumentError(absl::StrCat("cluster: need at least 3 ",
                                                   vectors_mode ? "vectors" : "series",
                                                   " with enough data, got ", items.size()));
  }

  std::vector<FeatureVector> points;
  for (const auto& it : items) points.push_back(it.features);
  if (*standardize == "true") {
    auto z = Standardize(points);
    if (!z.ok()) return z.status();
    points = std::move(*z);
  }
  const int64_t n = static_cast<int64_t>(points.size());
  absl::StatusOr<Clustering> c = absl::InternalError("unset");
  if (*method == "dbscan") {
    c = Dbscan(points, *eps, *min_points);
  } else if (*k > 0) {
    if (*k > n) return ParamError("k", absl::StrCat("more clusters than points (", n, ")"));
    c = KMeans(points, *k);
  } else {
    c = KMeansAuto(points, 2, std::min<int64_t>(10, n - 1));
  }
  if (!c.ok()) return absl::InvalidArgumentError(absl::StrCat("cluster: ", c.status().message()));

  // Peer groups: the label's values when group_by is given, else the clusters.
  std::vector<int64_t> groups = c->labels;
  if (group_by) {
    std::map<std::string, int64_t> ids;
    for (size_t i = 0; i < items.size(); ++i) {
      auto [it, _] =
          ids.emplace(std::string(items[i].metric.Get(*group_by)), static_cast<int64_t>(ids.size()));
      groups[i] = it->second;
    }
  }
  Json members = Json::array();
  for (size_t i = 0; i < items.size(); ++i) {
    members.push_back(Json{{vectors_mode ? "id" : "metric", items[i].id},
                           {"cluster", c->labels[i]},
                           {"features", items[i].features}});
  }
  Json outliers = Json::array();
  for (const auto& o : PeerOutliers(points, groups, *threshold)) {
    const Item& it = items[static_cast<size_t>(o.index)];
    Json j{{vectors_mode ? "id" : "metric", it.id}, {"score", o.score}};
    if (group_by) {
      j["group"] = std::string(it.metric.Get(*group_by));
    } else {
      j["cluster"] = o.cluster;
    }
    outliers.push_back(std::move(j));
  }
  Json out;
  out["method"] = *method;
  if (!vectors_mode) out["features"] = Json::array({"level", "variability", "trend", "seasonality"});
  out["k"] = c->k;
  out["silhouette"] = NumberOrNull(c->silhouette);
  out["members"] = std::move(members);
  out["centroids"] = c->centroids;
  out["outliers"] = std::move(outliers);
  if (!vectors_mode) out["skipped"] = std::move(skipped);
  return out;
}

}  // namespace foresight::analytics::api
