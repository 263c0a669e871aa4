#include "storage/head/head.h"

#include <algorithm>

#include "storage/head/packed_labels.h"

namespace foresight::storage::head {

Head::Head() : epoch_(std::make_shared<Epoch>()) {}

Head::~Head() {
  for (SeriesId id = 1; id <= table_.MaxId(); ++id) delete table_.Get(id);
}

MemSeries* Head::FindInShard(Shard& shard, uint64_t hash, const std::string& packed) {
  auto it = shard.by_hash.find(hash);
  if (it == shard.by_hash.end()) return nullptr;
  if (it->second->packed_labels() == packed) return it->second;
  auto c = shard.collisions.find(hash);
  if (c == shard.collisions.end()) return nullptr;
  for (MemSeries* s : c->second) {
    if (s->packed_labels() == packed) return s;
  }
  return nullptr;
}

MemSeries* Head::GetOrCreate(const Labels& labels, bool* created) {
  thread_local std::string packed;
  PackLabels(labels, &packed);
  uint64_t hash = labels.Hash();
  Shard& shard = shards_[hash % kShards];
  {
    std::lock_guard lock(shard.mu);
    if (MemSeries* s = FindInShard(shard, hash, packed)) {
      *created = false;
      return s;
    }
  }
  *created = true;
  return Insert(next_id_.fetch_add(1), labels, hash, packed);
}

MemSeries* Head::CreateWithId(SeriesId id, const Labels& labels) {
  if (MemSeries* s = table_.Get(id)) return s;
  std::string packed;
  PackLabels(labels, &packed);
  SeriesId next = next_id_.load();
  while (next <= id && !next_id_.compare_exchange_weak(next, id + 1)) {
  }
  return Insert(id, labels, labels.Hash(), std::move(packed));
}

MemSeries* Head::Insert(SeriesId id, const Labels& labels, uint64_t hash, std::string packed) {
  Shard& shard = shards_[hash % kShards];
  auto series = std::make_unique<MemSeries>(id, hash, std::move(packed));
  {
    std::lock_guard lock(shard.mu);
    // Another writer may have created it between our lookup and now: theirs wins.
    if (MemSeries* s = FindInShard(shard, hash, series->packed_labels())) return s;
    auto [it, inserted] = shard.by_hash.try_emplace(hash, series.get());
    if (!inserted) shard.collisions[hash].push_back(series.get());
    table_.Set(id, series.get());
  }
  IndexSeries(id, labels);
  num_series_.fetch_add(1, std::memory_order_relaxed);
  return series.release();
}

void Head::IndexSeries(SeriesId id, const Labels& labels) {
  std::unique_lock lock(postings_mu_);
  for (const auto& l : labels) postings_[l.name][l.value].add(id);
  all_.add(id);
}

void Head::UnindexSeries(SeriesId id, const Labels& labels) {
  std::unique_lock lock(postings_mu_);
  for (const auto& l : labels) {
    auto n = postings_.find(l.name);
    if (n == postings_.end()) continue;
    auto v = n->second.find(l.value);
    if (v == n->second.end()) continue;
    v->second.remove(id);
    if (v->second.isEmpty()) n->second.erase(v);
    if (n->second.empty()) postings_.erase(n);
  }
  all_.remove(id);
}

void Head::ObserveTimes(int64_t mint, int64_t maxt) {
  int64_t cur = min_time_.load(std::memory_order_relaxed);
  while (mint < cur && !min_time_.compare_exchange_weak(cur, mint)) {
  }
  cur = max_time_.load(std::memory_order_relaxed);
  while (maxt > cur && !max_time_.compare_exchange_weak(cur, maxt)) {
  }
}

void Head::ResetMinTime(int64_t t) { min_time_.store(t, std::memory_order_release); }

std::shared_ptr<Epoch> Head::AcquireEpoch() const {
  std::lock_guard lock(epoch_mu_);
  return epoch_;
}

Head::TruncateStats Head::Truncate(int64_t t) {
  TruncateStats stats;
  std::vector<std::unique_ptr<MemSeries>> retired;
  for (SeriesId id = 1; id <= table_.MaxId(); ++id) {
    MemSeries* s = table_.Get(id);
    if (s == nullptr) continue;
    bool remove;
    {
      std::lock_guard lock(s->mu());
      stats.chunks_removed += s->TruncateBeforeLocked(t);
      remove = s->EmptyFromLocked(t) && s->num_chunks_locked() == 0;
    }
    if (!remove) continue;
    Shard& shard = shards_[s->hash() % kShards];
    {
      std::lock_guard lock(shard.mu);
      // A writer may have appended since we looked; keep the series then.
      std::lock_guard slock(s->mu());
      if (!s->EmptyFromLocked(t)) continue;
      s->MarkRemovedLocked();
      auto it = shard.by_hash.find(s->hash());
      if (it != shard.by_hash.end() && it->second == s) {
        auto c = shard.collisions.find(s->hash());
        if (c != shard.collisions.end() && !c->second.empty()) {
          it->second = c->second.back();
          c->second.pop_back();
          if (c->second.empty()) shard.collisions.erase(c);
        } else {
          shard.by_hash.erase(it);
        }
      } else if (auto c = shard.collisions.find(s->hash()); c != shard.collisions.end()) {
        std::erase(c->second, s);
        if (c->second.empty()) shard.collisions.erase(c);
      }
      table_.Set(id, nullptr);
    }
    UnindexSeries(id, UnpackLabels(s->packed_labels()));
    num_series_.fetch_sub(1, std::memory_order_relaxed);
    retired.emplace_back(s);
    ++stats.series_removed;
  }
  // New readers cannot reach the retired series any more; the ones that could still hold the old epoch.
  auto next = std::make_shared<Epoch>();
  std::lock_guard lock(epoch_mu_);
  epoch_->retired = std::move(retired);
  epoch_->next = next;
  epoch_ = std::move(next);
  num_chunks_.fetch_sub(std::min<uint64_t>(stats.chunks_removed, num_chunks_.load()),
                        std::memory_order_relaxed);
  return stats;
}

Labels Head::LabelsOf(const MemSeries& s) const { return UnpackLabels(s.packed_labels()); }

std::vector<SeriesId> Head::SortedIds(const index::Postings& ids) const {
  struct Entry {
    Labels labels;
    SeriesId id;
  };
  std::vector<Entry> entries;
  entries.reserve(ids.cardinality());
  for (uint32_t id : ids) {
    if (MemSeries* s = table_.Get(id)) entries.push_back(Entry{LabelsOf(*s), id});
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.labels < b.labels; });
  std::vector<SeriesId> out;
  out.reserve(entries.size());
  for (const auto& e : entries) out.push_back(e.id);
  return out;
}

index::Postings Head::PostingsFor(std::string_view name, std::string_view value) const {
  std::shared_lock lock(postings_mu_);
  auto n = postings_.find(absl::string_view(name.data(), name.size()));
  if (n == postings_.end()) return {};
  auto v = n->second.find(absl::string_view(value.data(), value.size()));
  if (v == n->second.end()) return {};
  return v->second;
}

index::Postings Head::PostingsForValues(std::string_view name,
                                        const std::function<bool(std::string_view)>& accept) const {
  std::shared_lock lock(postings_mu_);
  index::Postings out;
  auto n = postings_.find(absl::string_view(name.data(), name.size()));
  if (n == postings_.end()) return out;
  for (const auto& [value, postings] : n->second) {
    if (accept(value)) out |= postings;
  }
  return out;
}

index::Postings Head::AllPostings() const {
  std::shared_lock lock(postings_mu_);
  return all_;
}

std::vector<std::string> Head::LabelValues(std::string_view name) const {
  std::vector<std::string> out;
  {
    std::shared_lock lock(postings_mu_);
    auto n = postings_.find(absl::string_view(name.data(), name.size()));
    if (n == postings_.end()) return out;
    out.reserve(n->second.size());
    for (const auto& [value, postings] : n->second) out.push_back(value);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Head::LabelNames() const {
  std::vector<std::string> out;
  {
    std::shared_lock lock(postings_mu_);
    out.reserve(postings_.size());
    for (const auto& [name, values] : postings_) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace foresight::storage::head
