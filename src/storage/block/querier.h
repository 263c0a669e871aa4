// A storage::Querier over one block for the time range [mint, maxt] (both inclusive).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/block/block.h"
#include "storage/storage.h"

namespace foresight::storage::block {

class BlockQuerier : public Querier {
 public:
  BlockQuerier(std::shared_ptr<const Block> block, int64_t mint, int64_t maxt);

  // Series matching all matchers that have a chunk overlapping [mint, maxt], in label order. Their
  // iterators decode only the chunks overlapping the range and return only samples inside it. No chunk
  // is read until a series' iterator is used (so hints->func == "series" costs index reads only).
  std::unique_ptr<SeriesSet> Select(std::span<const Matcher> matchers,
                                    const SelectHints* hints = nullptr) override;
  // With matchers: values among matching series; without: every value in the block's index.
  absl::StatusOr<std::vector<std::string>> LabelValues(std::string_view name,
                                                       std::span<const Matcher> matchers = {}) override;
  absl::StatusOr<std::vector<std::string>> LabelNames(std::span<const Matcher> matchers = {}) override;

 private:
  std::shared_ptr<const Block> block_;
  int64_t mint_;
  int64_t maxt_;
};

// Iterates the samples of a series' chunks (in time order, not overlapping) within [mint, maxt], opening
// each chunk only when reached; Seek skips chunks ending before the target without reading them.
std::unique_ptr<SampleIterator> NewBlockSeriesIterator(std::shared_ptr<const Block> block,
                                                       std::vector<ChunkMeta> chunks, int64_t mint,
                                                       int64_t maxt);

}  // namespace foresight::storage::block
