// /api/v1/status/tsdb: cardinality statistics of the head, computed from a querier over the head's range.
#include <algorithm>
#include <limits>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "query/api/handlers.h"
#include "query/api/json.h"

namespace foresight::query::api {

namespace {

struct Stat {
  std::string name;
  uint64_t value;
};

void AppendTop(std::string* out, std::string_view key, std::vector<Stat> stats, size_t limit) {
  std::sort(stats.begin(), stats.end(), [](const Stat& a, const Stat& b) {
    return a.value != b.value ? a.value > b.value : a.name < b.name;
  });
  if (stats.size() > limit) stats.resize(limit);
  out->push_back('"');
  out->append(key);
  out->append("\":[");
  for (size_t i = 0; i < stats.size(); ++i) {
    if (i) out->push_back(',');
    out->append(R"({"name":)");
    AppendString(out, stats[i].name);
    out->append(R"(,"value":)");
    out->append(std::to_string(stats[i].value));
    out->push_back('}');
  }
  out->push_back(']');
}

}  // namespace

web::Response HandleTsdbStatus(const QueryApiDeps& deps, const web::Request& req) {
  size_t limit = 10;
  storage::DBStats db;
  int64_t mint = storage::kMinTime, maxt = storage::kMaxTime;
  if (deps.db_stats) {
    db = deps.db_stats();
    if (db.head_series > 0) {
      mint = db.head_min_time;
      maxt = db.head_max_time;
    }
  }
  auto q = deps.queryable->NewQuerier(mint, maxt);
  if (!q.ok()) return ErrorResponse(q.status());
  auto all = Matcher::Make(MatchType::kRegexMatch, std::string(kMetricNameLabel), ".+");
  if (!all.ok()) return ErrorResponse("internal", Msg(all.status()));
  storage::SelectHints hints;
  hints.start = mint;
  hints.end = maxt;
  hints.func = "series";
  std::vector<Matcher> ms{*all};
  auto ss = (*q)->Select(ms, &hints);
  // label name -> value -> series count
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, uint64_t>> postings;
  uint64_t num_series = 0;
  while (ss->Next()) {
    ++num_series;
    for (const Label& l : ss->At().labels()) ++postings[l.name][l.value];
  }
  if (!ss->Err().ok()) return ErrorResponse("internal", Msg(ss->Err()));

  std::vector<Stat> by_metric, value_counts, memory, pairs;
  uint64_t num_pairs = 0;
  for (const auto& [name, values] : postings) {
    uint64_t bytes = 0;
    for (const auto& [value, count] : values) {
      pairs.push_back({name + "=" + value, count});
      bytes += value.size();
      if (name == kMetricNameLabel) by_metric.push_back({value, count});
      ++num_pairs;
    }
    memory.push_back({name, bytes});
    value_counts.push_back({name, values.size()});
  }
  std::string data = R"({"headStats":{"numSeries":)";
  data.append(std::to_string(num_series));
  data.append(R"(,"numLabelPairs":)");
  data.append(std::to_string(num_pairs));
  data.append(R"(,"chunkCount":)");
  data.append(std::to_string(db.head_chunks));
  data.append(R"(,"minTime":)");
  data.append(std::to_string(num_series ? db.head_min_time : std::numeric_limits<int64_t>::max()));
  data.append(R"(,"maxTime":)");
  data.append(std::to_string(num_series ? db.head_max_time : std::numeric_limits<int64_t>::min()));
  data.append("},");
  AppendTop(&data, "seriesCountByMetricName", std::move(by_metric), limit);
  data.push_back(',');
  AppendTop(&data, "labelValueCountByLabelName", std::move(value_counts), limit);
  data.push_back(',');
  AppendTop(&data, "memoryInBytesByLabelName", std::move(memory), limit);
  data.push_back(',');
  AppendTop(&data, "seriesCountByLabelValuePair", std::move(pairs), limit);
  data.push_back('}');
  return Success(data);
}

}  // namespace foresight::query::api
