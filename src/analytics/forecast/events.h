// Known events (sale days, releases, holidays) as forecast regressors: a calendar of named events with an
// optional recurrence, turned into indicator windows on a series' time grid, and the process-wide calendar
// the server loads from the config (`foresight.events`, docs/config.md) and swaps on reload. See
// docs/analytics/forecasting.md ("Known events").
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analytics/forecast/forecast.h"

namespace foresight::analytics {

// How an event repeats after its first occurrence; all in UTC. Monthly keeps the day of month (months
// without that day are skipped, e.g. the 31st), yearly the month and day (29 February only in leap years).
enum class Recurrence { kNone, kDaily, kWeekly, kMonthly, kYearly };

// "none", "daily", "weekly", "monthly", "yearly", or nullopt.
std::optional<Recurrence> ParseRecurrence(std::string_view s);
std::string_view RecurrenceName(Recurrence r);

struct CalendarEvent {
  std::string name;  // the regressor's name; entries sharing a name form one regressor
  int64_t start_ms = 0;
  int64_t end_ms = 0;  // exclusive, > start_ms
  Recurrence recurrence = Recurrence::kNone;
};

// The occurrences [start, end) of `e` that overlap [from_ms, to_ms), in time order (at most `limit`).
std::vector<std::pair<int64_t, int64_t>> Occurrences(const CalendarEvent& e, int64_t from_ms, int64_t to_ms,
                                                     size_t limit = 100000);

// The events as regressor windows on the grid t_i = grid_start_ms + i*step_ms, i in [0, length) (history
// and horizon together): grid point i is inside an occurrence when t_i lies in [start, end); an occurrence
// shorter than a step that contains no grid point marks the first point after its start. `only`, when
// non-empty, restricts the events to these names. Windows are named after their event.
std::vector<EventWindow> EventWindowsOnGrid(std::span<const CalendarEvent> events, int64_t grid_start_ms,
                                            int64_t step_ms, size_t length,
                                            std::span<const std::string> only = {});

// The calendar every forecast of the process uses (API and PromQL functions); empty until set. Setting it
// swaps the whole calendar atomically; readers keep the one they took.
void SetEventCalendar(std::vector<CalendarEvent> events);
std::shared_ptr<const std::vector<CalendarEvent>> CurrentEventCalendar();

}  // namespace foresight::analytics
