#include "analytics/forecast/events.h"

#include <algorithm>
#include <chrono>
#include <mutex>

namespace foresight::analytics {
namespace {

constexpr int64_t kDayMs = 86'400'000;

// floor(a / b) and ceil(a / b) for b > 0.
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && (a < 0) ? 1 : 0); }
int64_t CeilDiv(int64_t a, int64_t b) { return -FloorDiv(-a, b); }

// The start of occurrence k of a monthly or yearly event, or nullopt when that date does not exist.
std::optional<int64_t> CalendarStart(const CalendarEvent& e, int64_t k) {
  using namespace std::chrono;
  const int64_t day = FloorDiv(e.start_ms, kDayMs);
  const int64_t time_of_day = e.start_ms - day * kDayMs;
  const year_month_day first{sys_days{days{day}}};
  year_month_day ymd = first;
  if (e.recurrence == Recurrence::kMonthly) {
    const year_month ym = first.year() / first.month() + months{k};
    ymd = ym / first.day();
  } else {
    ymd = year_month_day{first.year() + years{k}, first.month(), first.day()};
  }
  if (!ymd.ok()) return std::nullopt;
  return static_cast<int64_t>(sys_days{ymd}.time_since_epoch().count()) * kDayMs + time_of_day;
}

}  // namespace

std::optional<Recurrence> ParseRecurrence(std::string_view s) {
  for (Recurrence r : {Recurrence::kNone, Recurrence::kDaily, Recurrence::kWeekly, Recurrence::kMonthly,
                       Recurrence::kYearly}) {
    if (s == RecurrenceName(r)) return r;
  }
  return std::nullopt;
}

std::string_view RecurrenceName(Recurrence r) {
  switch (r) {
    case Recurrence::kDaily:
      return "daily";
    case Recurrence::kWeekly:
      return "weekly";
    case Recurrence::kMonthly:
      return "monthly";
    case Recurrence::kYearly:
      return "yearly";
    default:
      return "none";
  }
}

std::vector<std::pair<int64_t, int64_t>> Occurrences(const CalendarEvent& e, int64_t from_ms, int64_t to_ms,
                                                     size_t limit) {
  std::vector<std::pair<int64_t, int64_t>> out;
  const int64_t duration = e.end_ms - e.start_ms;
  if (duration <= 0 || from_ms >= to_ms) return out;
  auto add = [&](int64_t s) {
    if (s < to_ms && s + duration > from_ms) out.emplace_back(s, s + duration);
  };
  if (e.recurrence == Recurrence::kNone) {
    add(e.start_ms);
    return out;
  }
  if (e.recurrence == Recurrence::kDaily || e.recurrence == Recurrence::kWeekly) {
    const int64_t period = e.recurrence == Recurrence::kDaily ? kDayMs : 7 * kDayMs;
    // The first occurrence that can end after from_ms.
    int64_t s = e.start_ms + std::max<int64_t>(0, FloorDiv(from_ms - e.end_ms, period)) * period;
    for (; s < to_ms && out.size() < limit; s += period) add(s);
    return out;
  }
  // Months are at most 31 days and years 366, which bounds the first occurrence that can reach from_ms.
  const int64_t longest = e.recurrence == Recurrence::kMonthly ? 31 * kDayMs : 366 * kDayMs;
  for (int64_t k = std::max<int64_t>(0, FloorDiv(from_ms - e.end_ms, longest)); out.size() < limit; ++k) {
    const auto s = CalendarStart(e, k);
    if (!s) {
      if (k > 100000) break;  // a start date no later month or year has (cannot happen for valid dates)
      continue;
    }
    if (*s >= to_ms) break;
    add(*s);
  }
  return out;
}

std::vector<EventWindow> EventWindowsOnGrid(std::span<const CalendarEvent> events, int64_t grid_start_ms,
                                            int64_t step_ms, size_t length,
                                            std::span<const std::string> only) {
  std::vector<EventWindow> out;
  if (step_ms <= 0 || length == 0) return out;
  const int64_t n = static_cast<int64_t>(length);
  const int64_t grid_end_ms = grid_start_ms + (n - 1) * step_ms;
  for (const CalendarEvent& e : events) {
    if (!only.empty() && std::find(only.begin(), only.end(), e.name) == only.end()) continue;
    for (const auto& [s, t] : Occurrences(e, grid_start_ms - step_ms, grid_end_ms + 1)) {
      const int64_t first = CeilDiv(s - grid_start_ms, step_ms);  // first grid point at or after s
      const int64_t past = CeilDiv(t - grid_start_ms, step_ms);   // first grid point at or after t
      int64_t begin = first, end = past;
      if (begin >= end) end = begin + 1;  // shorter than a step: the first point after the start
      begin = std::clamp<int64_t>(begin, 0, n);
      end = std::clamp<int64_t>(end, 0, n);
      if (begin < end) out.push_back({static_cast<size_t>(begin), static_cast<size_t>(end), e.name});
    }
  }
  return out;
}

namespace {

std::mutex& CalendarMutex() {
  static std::mutex mu;
  return mu;
}

std::shared_ptr<const std::vector<CalendarEvent>>& CalendarSlot() {
  static auto* slot =
      new std::shared_ptr<const std::vector<CalendarEvent>>(std::make_shared<std::vector<CalendarEvent>>());
  return *slot;
}

}  // namespace

void SetEventCalendar(std::vector<CalendarEvent> events) {
  auto next = std::make_shared<const std::vector<CalendarEvent>>(std::move(events));
  std::lock_guard lock(CalendarMutex());
  CalendarSlot() = std::move(next);
}

std::shared_ptr<const std::vector<CalendarEvent>> CurrentEventCalendar() {
  std::lock_guard lock(CalendarMutex());
  return CalendarSlot();
}

}  // namespace foresight::analytics
