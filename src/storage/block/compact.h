// Making blocks from other blocks (compaction) and from in-memory series (the head-to-block cut).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "storage/block/block.h"
#include "storage/block/meta.h"
#include "storage/block/writer.h"
#include "storage/storage.h"

namespace foresight::storage::block {

// Samples per chunk written by compaction and WriteBlockFromSeries: 4h at a 15s scrape interval.
// Larger chunks cost fewer bytes per sample, smaller ones less decoding for short queries.
inline constexpr int kDefaultMaxSamplesPerChunk = 960;

struct CompactOptions {
  int max_samples_per_chunk = kDefaultMaxSamplesPerChunk;
  // Non-overlapping chunks of the compact encoding with at least this many samples are copied as they
  // are; smaller ones and other encodings are decoded, joined with their neighbours and re-encoded.
  // 0 copies every non-overlapping chunk unchanged.
  int min_samples_to_copy = kDefaultMaxSamplesPerChunk;
  BlockWriterOptions writer;  // its level, sources and parents are set by Compact
};

// Merges `inputs` into one new block in `parent_dir` covering [min of min_time, max of max_time).
// Series with the same labels are joined; chunks overlapping in time are decoded and their samples merged
// (for equal timestamps the sample of the input listed first wins) and re-encoded compactly. The new
// block's level is max(input levels) + 1 and its sources the union of the inputs'. Inputs are not removed.
absl::StatusOr<BlockMeta> Compact(const std::string& parent_dir,
                                  std::span<const std::shared_ptr<Block>> inputs,
                                  const CompactOptions& options = {});

// Yields the next series (labels in strictly increasing order, samples in strictly increasing time
// order), or false at the end.
using SeriesSource = std::function<absl::StatusOr<bool>(Labels* labels, std::vector<Sample>* samples)>;

struct WriteSeriesOptions {
  int max_samples_per_chunk = kDefaultMaxSamplesPerChunk;
  BlockWriterOptions writer;
};

// Writes the series of `next` as a new block in `parent_dir` covering [mint, maxt), as chunks of the compact
// encoding of up to max_samples_per_chunk samples. Series without samples are left out.
absl::StatusOr<BlockMeta> WriteBlockFromSeries(const std::string& parent_dir, int64_t mint, int64_t maxt,
                                               const SeriesSource& next,
                                               const WriteSeriesOptions& options = {});

}  // namespace foresight::storage::block
