#include "analytics/forecast/auto_select.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "analytics/forecast/arima.h"
#include "analytics/forecast/ets.h"
#include "analytics/stats/stats.h"

namespace foresight::analytics::forecast_internal {
namespace {

bool AllFinite(const ModelOutput& o, size_t horizon) {
  if (o.mean.size() != horizon) return false;
  for (double v : o.mean) {
    if (!std::isfinite(v)) return false;
  }
  for (const auto& b : o.bands) {
    for (size_t h = 0; h < horizon; ++h) {
      if (!std::isfinite(b.lower[h]) || !std::isfinite(b.upper[h])) return false;
    }
  }
  return true;
}

// Median per step over the members' means and bounds.
ModelOutput MedianEnsemble(const std::vector<const ModelOutput*>& members) {
  ModelOutput out;
  const size_t horizon = members.front()->mean.size();
  std::vector<double> col(members.size());
  auto median_of = [&](auto get) {
    std::vector<double> r(horizon);
    for (size_t h = 0; h < horizon; ++h) {
      for (size_t k = 0; k < members.size(); ++k) col[k] = get(*members[k], h);
      r[h] = Median(col);
    }
    return r;
  };
  out.mean = median_of([](const ModelOutput& o, size_t h) { return o.mean[h]; });
  for (size_t l = 0; l < members.front()->bands.size(); ++l) {
    PredictionBand b;
    b.level = members.front()->bands[l].level;
    b.lower = median_of([l](const ModelOutput& o, size_t h) { return o.bands[l].lower[h]; });
    b.upper = median_of([l](const ModelOutput& o, size_t h) { return o.bands[l].upper[h]; });
    out.bands.push_back(std::move(b));
  }
  std::vector<std::string> names;
  for (const auto* m : members) names.push_back(m->name);
  out.name = absl::StrCat("ensemble(", absl::StrJoin(names, "+"), ")");
  return out;
}

// ARIMA inside auto must stay cheap (all of M4 hourly within the time budget): fewer models, recent data.
constexpr ArimaSearchOptions kArimaSearch{.max_fits = 16, .max_cycles = 12};

bool HasEventInHistory(const ModelInput& in) {
  for (const auto& e : in.events) {
    if (e.begin < std::min(e.end, in.y.size())) return true;
  }
  return false;
}

// The known events' effect at every index of history and horizon, as the prophet model estimates it on
// this data (the sum of the effects of the events active at the index); empty when it cannot.
std::vector<double> EventEffects(const ModelInput& in) {
  ModelInput p = in;
  p.horizon = 1;
  p.levels = {};
  auto fit = ProphetModel(p);
  if (!fit.ok()) return {};
  std::vector<double> effect(in.y.size() + in.horizon, 0.0);
  for (const auto& e : in.events) {
    const std::string key = e.name.empty() ? "event_effect" : absl::StrCat("event_effect:", e.name);
    for (const auto& [name, value] : fit->params) {
      if (name != key) continue;
      for (size_t i = e.begin; i < std::min(e.end, effect.size()); ++i) effect[i] += value;
    }
  }
  return effect;
}

// Models without regressors see known events this way: the events' effects are taken out of the history,
// the model forecasts the adjusted series and the effects are added back in the horizon (a regression
// with the model's errors, the regression part estimated by the prophet model).
Candidate WithEventEffects(Candidate c) {
  return {c.label, [fit = c.fit](const ModelInput& in) -> absl::StatusOr<ModelOutput> {
            const std::vector<double> effect = EventEffects(in);
            if (effect.empty()) return fit(in);
            std::vector<double> adjusted(in.y.begin(), in.y.end());
            for (size_t i = 0; i < adjusted.size(); ++i) adjusted[i] -= effect[i];
            ModelInput j = in;
            j.y = adjusted;
            auto out = fit(j);
            if (!out.ok()) return out;
            const size_t n = in.y.size();
            for (size_t h = 0; h < out->mean.size(); ++h) {
              out->mean[h] += effect[n + h];
              for (auto& b : out->bands) b.lower[h] += effect[n + h], b.upper[h] += effect[n + h];
            }
            out->name += "+events";
            return out;
          }};
}

}  // namespace

double Mase(std::span<const double> train, std::span<const double> actual, std::span<const double> f,
            size_t m) {
  auto scale_for = [&](size_t lag) {
    double s = 0;
    size_t k = 0;
    for (size_t i = lag; i < train.size(); ++i) s += std::fabs(train[i] - train[i - lag]), ++k;
    return k ? s / static_cast<double>(k) : 0.0;
  };
  double scale = m >= 1 && train.size() > m ? scale_for(m) : 0;
  if (!(scale > 0)) scale = scale_for(1);
  if (!(scale > 0)) return std::numeric_limits<double>::quiet_NaN();
  double e = 0;
  for (size_t h = 0; h < actual.size(); ++h) e += std::fabs(actual[h] - f[h]);
  return e / static_cast<double>(actual.size()) / scale;
}

std::vector<Candidate> AutoCandidates(const ModelInput& in) {
  std::vector<Candidate> c;
  const bool seasonal = !in.periods.empty();
  const size_t m = seasonal ? in.periods.front() : 1;
  const bool events = HasEventInHistory(in);
  std::vector<double> adjusted(in.y.begin(), in.y.end());
  if (events) {
    const std::vector<double> effect = EventEffects(in);
    for (size_t i = 0; i < adjusted.size() && i < effect.size(); ++i) adjusted[i] -= effect[i];
  }
  // ETS: the form is chosen once by AICc on all data; validation refits only its parameters.
  auto ets = AutoEts(adjusted, EtsCandidates(adjusted, m));
  if (ets.ok()) {
    const EtsSpec spec = ets->spec;
    c.push_back({"ets", [spec](const ModelInput& i) -> absl::StatusOr<ModelOutput> {
                   auto fit = FitEts(i.y, spec);
                   if (!fit.ok()) return fit.status();
                   return EtsForecast(*fit, i.horizon, i.levels);
                 }});
  }
  // ARIMA: the orders are chosen once, by a shorter search on the recent data (kArimaSearch); the folds
  // refit the coefficients starting from the search's.
  if (auto arima = AutoArima(adjusted, m, kArimaSearch); arima.ok()) {
    const ArimaOrder order = arima->order;
    const size_t start = arima->css_start;
    c.push_back(
        {"arima", [order, start, warm = arima->params](const ModelInput& i) -> absl::StatusOr<ModelOutput> {
           auto fit = FitArima(i.y, order, start, &warm);
           if (!fit.ok()) return fit.status();
           return ArimaForecast(i.y, *fit, i.horizon, i.levels);
         }});
  }
  c.push_back({"theta", ThetaModel});
  if (seasonal) {
    c.push_back({"snaive", SeasonalNaiveModel});
    if (in.periods.size() > 1) {
      c.push_back({"snaive_long", [](const ModelInput& i) {
                     ModelInput j = i;
                     j.periods = {i.periods.back()};
                     return SeasonalNaiveModel(j);
                   }});
    }
    c.push_back({"mstl", MstlEtsModel});
  } else {
    c.push_back({"naive", NaiveModel});
    c.push_back({"drift", DriftModel});
  }
  if (events) {
    for (auto& cand : c) cand = WithEventEffects(std::move(cand));
  }
  c.push_back({"prophet", ProphetModel});  // fits the events itself
  return c;
}

absl::StatusOr<Selection> SelectAndForecast(const ModelInput& in, const std::vector<Candidate>& candidates,
                                            size_t origins, size_t ensemble_size, bool ensemble_only) {
  const size_t n = in.y.size(), h = in.horizon;
  const size_t m = in.periods.empty() ? 1 : in.periods.front();
  const size_t longest = in.periods.empty() ? 1 : in.periods.back();
  const size_t min_train = std::max<size_t>({2 * longest + 2, 2 * h, 8});
  const size_t nc = candidates.size();
  // errors[c][o]: MASE of candidate c at origin o; forecasts kept for the ensemble.
  std::vector<std::vector<double>> errors(nc);
  std::vector<std::vector<ModelOutput>> fold_out(nc);
  std::vector<bool> usable(nc, true);
  size_t folds = 0;
  for (size_t o = 1; o <= origins && n >= o * h + min_train; ++o, ++folds) {
    const size_t end = n - o * h;
    ModelInput fold = in;
    fold.y = in.y.first(end);
    const auto actual = in.y.subspan(end, h);
    for (size_t c = 0; c < nc; ++c) {
      if (!usable[c]) continue;
      auto out = candidates[c].fit(fold);
      if (!out.ok() || !AllFinite(*out, h)) {
        usable[c] = false;
        continue;
      }
      errors[c].push_back(Mase(fold.y, actual, out->mean, m));
      fold_out[c].push_back(std::move(*out));
    }
  }
  if (folds == 0) {
    for (const auto& cand : candidates) {
      auto out = cand.fit(in);
      if (out.ok() && AllFinite(*out, h)) return Selection{std::move(*out), -1};
    }
    return absl::FailedPreconditionError("forecast: no model fits the data");
  }
  std::vector<std::pair<double, size_t>> ranked;
  for (size_t c = 0; c < nc; ++c) {
    if (!usable[c]) continue;
    const double e = Mean(errors[c]);
    if (std::isfinite(e)) ranked.emplace_back(e, c);
  }
  if (ranked.empty()) return absl::FailedPreconditionError("forecast: no model validated on the data");
  std::sort(ranked.begin(), ranked.end());
  const size_t k = std::min(ensemble_size, ranked.size());
  double ensemble_error = std::numeric_limits<double>::infinity();
  if (k >= 2) {
    std::vector<double> errs;
    for (size_t o = 0; o < folds; ++o) {
      std::vector<const ModelOutput*> members;
      for (size_t r = 0; r < k; ++r) members.push_back(&fold_out[ranked[r].second][o]);
      const ModelOutput e = MedianEnsemble(members);
      errs.push_back(Mase(in.y.first(n - (o + 1) * h), in.y.subspan(n - (o + 1) * h, h), e.mean, m));
    }
    ensemble_error = Mean(errs);
  }
  const bool use_ensemble = k >= 2 && (ensemble_only || ensemble_error < ranked.front().first);
  const size_t members = use_ensemble ? k : 1;
  std::vector<ModelOutput> finals;
  for (size_t r = 0; r < ranked.size() && finals.size() < members; ++r) {
    auto out = candidates[ranked[r].second].fit(in);
    if (out.ok() && AllFinite(*out, h)) finals.push_back(std::move(*out));
  }
  if (finals.empty()) return absl::FailedPreconditionError("forecast: the selected model failed on all data");
  Selection sel;
  if (finals.size() >= 2) {
    std::vector<const ModelOutput*> ptrs;
    for (const auto& f : finals) ptrs.push_back(&f);
    sel.output = MedianEnsemble(ptrs);
    sel.validation_error = ensemble_error;
  } else {
    sel.output = std::move(finals.front());
    sel.validation_error = ranked.front().first;
  }
  for (const auto& [err, c] : ranked) sel.output.params.emplace_back("mase_" + candidates[c].label, err);
  return sel;
}

}  // namespace foresight::analytics::forecast_internal
