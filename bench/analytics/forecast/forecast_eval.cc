// forecast_eval: accuracy, interval coverage and speed of the forecasting library on the M4 hourly data
// (and, with --traffic, rolling-origin forecasts on a web-traffic trace). See docs/analytics/forecasting.md.
//
//   forecast_eval --train Hourly-train.csv --horizon 48 --period 24 --out F.csv [--model auto] [--no-holdout]
//   forecast_eval --traffic worldcup98_5m.csv --svg surge.svg
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "eval_common.h"
#include "traffic_eval.h"

namespace fa = foresight::analytics;
namespace ev = foresight::analytics::eval;

namespace {

// CPU time of this thread: the timing target is "on one core", and the machine is shared.
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Args {
  std::string train, out, model = "auto", traffic, svg;
  size_t horizon = 48, limit = 0;
  std::vector<size_t> periods = {24};
  bool no_holdout = false, all_models = false;
};

int RunM4(const Args& a) {
  auto data = ev::ReadM4Csv(a.train);
  if (!data.ok()) {
    std::fprintf(stderr, "%s\n", std::string(data.status().message()).c_str());
    return 1;
  }
  if (a.limit && data->size() > a.limit) data->resize(a.limit);
  const size_t h = a.horizon, m = a.periods.empty() ? 1 : a.periods.front();
  std::vector<std::string> models = {a.model};
  if (!a.no_holdout) {
    for (const char* b : {"naive2", "snaive"}) {
      if (a.model != b) models.push_back(b);
    }
    if (a.all_models) {
      for (const char* b : {"naive", "ets", "theta", "mstl", "prophet", "arima", "ensemble"}) {
        if (a.model != b) models.push_back(b);
      }
    }
  }
  std::vector<ev::Score> scores(models.size());
  std::vector<std::string> ids;
  std::vector<fa::ForecastResult> main_results;
  std::map<std::string, int> chosen;
  for (const auto& s : *data) {
    if (s.values.size() <= (a.no_holdout ? 0 : h)) continue;
    const size_t n_train = a.no_holdout ? s.values.size() : s.values.size() - h;
    const std::vector<double> train(s.values.begin(),
                                    s.values.begin() + static_cast<std::ptrdiff_t>(n_train));
    const std::vector<double> actual(s.values.begin() + static_cast<std::ptrdiff_t>(n_train), s.values.end());
    for (size_t k = 0; k < models.size(); ++k) {
      fa::ForecastOptions o;
      o.horizon = h;
      o.periods = a.periods;
      o.model = models[k];
      // The M4 benchmarks use exactly the given period.
      o.detect_periods = !(models[k] == "naive2" || models[k] == "snaive" || models[k] == "naive");
      const double t0 = ThreadCpuSeconds();
      auto r = fa::Forecast(train, o);
      scores[k].seconds += ThreadCpuSeconds() - t0;
      scores[k].model = models[k];
      if (!r.ok()) {
        ++scores[k].failures;
        std::fprintf(stderr, "%s %s: %s\n", s.id.c_str(), models[k].c_str(),
                     std::string(r.status().message()).c_str());
        // Score a failure as the naive forecast so averages stay comparable.
        fa::ForecastOptions fb = o;
        fb.model = "naive";
        r = fa::Forecast(train, fb);
        if (!r.ok()) continue;
      }
      if (k == 0) {
        ids.push_back(s.id);
        main_results.push_back(*r);
        ++chosen[r->model.substr(0, r->model.find('('))];
      }
      if (!a.no_holdout) scores[k].Add(train, actual, *r, m);
    }
  }
  if (auto st = ev::WriteForecasts(a.out, ids, main_results); !st.ok()) {
    std::fprintf(stderr, "%s\n", std::string(st.message()).c_str());
    return 1;
  }
  std::printf("series: %zu  horizon: %zu  period: %zu  wrote %s\n", ids.size(), h, m, a.out.c_str());
  if (a.no_holdout) {
    std::printf("model %s: %.2f s\n", a.model.c_str(), scores[0].seconds);
    return 0;
  }
  const ev::Score* naive2 = nullptr;
  for (const auto& sc : scores) {
    if (sc.model == "naive2") naive2 = &sc;
  }
  std::printf("%-10s %8s %8s %7s %8s %8s %9s %6s\n", "model", "sMAPE", "MASE", "OWA", "cov80%", "cov95%",
              "cpu_s", "fails");
  for (const auto& sc : scores) {
    const double owa =
        naive2 ? 0.5 * (sc.Smape() / naive2->Smape() + sc.Mase() / naive2->Mase()) : std::nan("");
    double cov[2] = {std::nan(""), std::nan("")};
    for (size_t l = 0; l < sc.levels.size(); ++l) {
      const double c = 100.0 * static_cast<double>(sc.covered[l]) / static_cast<double>(sc.points);
      if (sc.levels[l] == 80) cov[0] = c;
      if (sc.levels[l] == 95) cov[1] = c;
    }
    std::printf("%-10s %8.3f %8.3f %7.3f %8.1f %8.1f %9.2f %6zu\n", sc.model.c_str(), sc.Smape(), sc.Mase(),
                owa, cov[0], cov[1], sc.seconds, sc.failures);
  }
  std::printf("chosen by %s:", a.model.c_str());
  for (const auto& [name, count] : chosen) std::printf(" %s=%d", name.c_str(), count);
  std::printf("\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Evaluate Foresight's forecasting on M4 hourly or a traffic trace"};
  Args a;
  app.add_option("--train", a.train, "M4 train CSV (wide: id, values...)");
  app.add_option("--horizon", a.horizon, "forecast horizon in steps")->check(CLI::PositiveNumber);
  app.add_option("--period", a.periods, "seasonal period(s), comma separated")->delimiter(',');
  app.add_option("--out", a.out, "forecast CSV to write (bands beside it, .bands.csv)");
  app.add_option("--model", a.model,
                 "auto, ensemble, naive, snaive, naive2, drift, ets, theta, mstl, prophet");
  app.add_flag("--no-holdout", a.no_holdout, "fit on all data and only write the forecasts");
  app.add_flag("--all-models", a.all_models, "also score every single model (hold-out mode)");
  app.add_option("--limit", a.limit, "only the first N series");
  app.add_option("--traffic", a.traffic, "traffic CSV (timestamp,count...): rolling-origin evaluation");
  app.add_option("--svg", a.svg, "traffic mode: SVG plot of a surge week with forecast and bands");
  CLI11_PARSE(app, argc, argv);
  if (!a.traffic.empty()) return ev::RunTraffic(a.traffic, a.svg, a.model);
  if (a.train.empty() || a.out.empty()) {
    std::fprintf(stderr, "--train and --out are required (or --traffic)\n");
    return 2;
  }
  return RunM4(a);
}
