// Known events: recurrences, windows on a grid, the process-wide calendar and the prophet regressors.
#include "analytics/forecast/events.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "synthetic.h"

namespace foresight::analytics {
namespace {

constexpr int64_t kHour = 3'600'000, kDay = 24 * kHour;
constexpr int64_t kJan1 = 1767225600000;  // 2026-01-01T00:00:00Z

using Spans = std::vector<std::pair<int64_t, int64_t>>;

TEST(Recurrence, NamesRoundTrip) {
  for (const char* s : {"none", "daily", "weekly", "monthly", "yearly"}) {
    auto r = ParseRecurrence(s);
    ASSERT_TRUE(r.has_value()) << s;
    EXPECT_EQ(RecurrenceName(*r), s);
  }
  EXPECT_FALSE(ParseRecurrence("fortnightly").has_value());
  EXPECT_FALSE(ParseRecurrence("").has_value());
}

TEST(Occurrences, OneOffEventOnlyWhenItOverlaps) {
  const CalendarEvent e{"launch", kJan1 + 10 * kHour, kJan1 + 12 * kHour, Recurrence::kNone};
  EXPECT_EQ(Occurrences(e, kJan1, kJan1 + kDay), (Spans{{e.start_ms, e.end_ms}}));
  EXPECT_EQ(Occurrences(e, kJan1 + 11 * kHour, kJan1 + kDay), (Spans{{e.start_ms, e.end_ms}}));
  EXPECT_TRUE(Occurrences(e, kJan1 + 12 * kHour, kJan1 + kDay).empty());  // end is exclusive
  EXPECT_TRUE(Occurrences(e, kJan1, kJan1 + 10 * kHour).empty());
}

TEST(Occurrences, DailyAndWeeklyRepeatFromTheFirst) {
  const CalendarEvent daily{"peak", kJan1 + 9 * kHour, kJan1 + 10 * kHour, Recurrence::kDaily};
  EXPECT_EQ(Occurrences(daily, kJan1 + 2 * kDay, kJan1 + 4 * kDay),
            (Spans{{kJan1 + 2 * kDay + 9 * kHour, kJan1 + 2 * kDay + 10 * kHour},
                   {kJan1 + 3 * kDay + 9 * kHour, kJan1 + 3 * kDay + 10 * kHour}}));
  // Nothing before the first occurrence.
  EXPECT_TRUE(Occurrences(daily, kJan1 - 5 * kDay, kJan1).empty());
  const CalendarEvent weekly{"batch", kJan1, kJan1 + 2 * kDay, Recurrence::kWeekly};
  // The range starts inside the second occurrence, which is included.
  EXPECT_EQ(Occurrences(weekly, kJan1 + 8 * kDay, kJan1 + 15 * kDay),
            (Spans{{kJan1 + 7 * kDay, kJan1 + 9 * kDay}, {kJan1 + 14 * kDay, kJan1 + 16 * kDay}}));
}

TEST(Occurrences, MonthlySkipsMonthsWithoutTheDay) {
  const int64_t jan31 = 1769817600000;  // 2026-01-31
  const CalendarEvent e{"close", jan31 + 8 * kHour, jan31 + 9 * kHour, Recurrence::kMonthly};
  const auto got = Occurrences(e, kJan1, kJan1 + 181 * kDay);  // to 2026-07-01
  ASSERT_EQ(got.size(), 3u);                                   // 31 January, March, May
  EXPECT_EQ(got[0].first, jan31 + 8 * kHour);
  EXPECT_EQ(got[1].first, jan31 + (28 + 31) * kDay + 8 * kHour);
  EXPECT_EQ(got[2].first, jan31 + (28 + 31 + 30 + 31) * kDay + 8 * kHour);
}

TEST(Occurrences, YearlyOnLeapDayOnlyInLeapYears) {
  const int64_t feb29_2024 = 1709164800000, feb29_2028 = 1835395200000;
  const CalendarEvent e{"leap", feb29_2024, feb29_2024 + kDay, Recurrence::kYearly};
  EXPECT_EQ(Occurrences(e, feb29_2024, feb29_2028 + 300 * kDay),
            (Spans{{feb29_2024, feb29_2024 + kDay}, {feb29_2028, feb29_2028 + kDay}}));
  // Far from the first occurrence the search does not start at it (and still finds the right one).
  EXPECT_EQ(Occurrences(e, feb29_2028 - kDay, feb29_2028 + kDay), (Spans{{feb29_2028, feb29_2028 + kDay}}));
}

TEST(EventWindowsOnGrid, MarksTheGridPointsInsideEachOccurrence) {
  const std::vector<CalendarEvent> cal = {
      {"morning", kJan1 + 9 * kHour, kJan1 + 12 * kHour, Recurrence::kDaily},
      {"blip", kJan1 + 30 * kHour + 10 * 60000, kJan1 + 30 * kHour + 20 * 60000, Recurrence::kNone},
  };
  // An hourly grid starting at 2026-01-01T01:00 of 72 points (history and horizon together).
  const auto w = EventWindowsOnGrid(cal, kJan1 + kHour, kHour, 72);
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[0].begin, 8u);  // 09:00 is point 8
  EXPECT_EQ(w[0].end, 11u);   // 12:00 excluded
  EXPECT_EQ(w[0].name, "morning");
  EXPECT_EQ(w[1].begin, 32u);
  EXPECT_EQ(w[2].begin, 56u);
  EXPECT_EQ(w[2].end, 59u);
  // Ten minutes inside one hour: no grid point lies in it, so the first point after its start.
  EXPECT_EQ(w[3].name, "blip");
  EXPECT_EQ(w[3].begin, 30u);
  EXPECT_EQ(w[3].end, 31u);
  // Restricted to some names; an occurrence cut by the grid's end is clipped.
  const std::vector<std::string> only = {"morning"};
  const auto m = EventWindowsOnGrid(cal, kJan1 + kHour, kHour, 58, only);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[2].begin, 56u);
  EXPECT_EQ(m[2].end, 58u);
}

TEST(EventCalendar, SwapsWholeAndReadersKeepTheirCopy) {
  SetEventCalendar({{"a", kJan1, kJan1 + kHour, Recurrence::kNone}});
  const auto before = CurrentEventCalendar();
  SetEventCalendar(
      {{"b", kJan1, kJan1 + kHour, Recurrence::kDaily}, {"c", kJan1, kJan1 + 1, Recurrence::kNone}});
  ASSERT_EQ(before->size(), 1u);
  EXPECT_EQ(before->front().name, "a");
  ASSERT_EQ(CurrentEventCalendar()->size(), 2u);
  EXPECT_EQ(CurrentEventCalendar()->front().name, "b");
  SetEventCalendar({});
  EXPECT_TRUE(CurrentEventCalendar()->empty());
}

double Param(const ForecastResult& r, const std::string& name) {
  for (const auto& [n, v] : r.params) {
    if (n == name) return v;
  }
  return std::nan("");
}

TEST(ProphetEvents, EachNamedEventIsItsOwnRegressor) {
  // Hourly data with a daily season; "sale" (+40, 8 h every 9 days) and "outage" (-25, 3 h every 11 days).
  testing::SyntheticSpec s;
  s.n = 24 * 60;
  s.slope = 0;
  auto y = testing::Synthetic(s, 24 * 10);
  ForecastOptions o{.horizon = 24 * 10, .periods = {24}, .detect_periods = false, .model = "prophet"};
  for (size_t t = 30; t < y.size(); t += 24 * 9) o.events.push_back({t, t + 8, "sale"});
  for (size_t t = 100; t < y.size(); t += 24 * 11) o.events.push_back({t, t + 3, "outage"});
  for (const auto& e : o.events) {
    for (size_t t = e.begin; t < e.end && t < y.size(); ++t) y[t] += e.name == "sale" ? 40 : -25;
  }
  auto r = Forecast(std::span<const double>(y).first(s.n), o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NEAR(Param(*r, "event_effect:sale"), 40, 3);
  EXPECT_NEAR(Param(*r, "event_effect:outage"), -25, 3);
  // In the horizon, each event moves the forecast by its own effect.
  for (const auto& e : o.events) {
    if (e.begin < s.n || e.end > s.n + o.horizon) continue;
    const size_t t = e.begin + 1;
    const double expected = testing::SyntheticMean(s, t) + (e.name == "sale" ? 40 : -25);
    EXPECT_NEAR(r->points[t - s.n], expected, 6) << e.name << " at " << t;
  }
  // An event with no occurrence in the history gets no regressor (it cannot be estimated).
  o.events.push_back({s.n + 5, s.n + 9, "future_only"});
  r = Forecast(std::span<const double>(y).first(s.n), o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(std::isnan(Param(*r, "event_effect:future_only")));
}

}  // namespace
}  // namespace foresight::analytics
