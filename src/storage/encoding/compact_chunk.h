// The kCompact chunk: encoder, iterator and header reader. Internal to storage/encoding (use chunk.h).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "storage/storage.h"

namespace foresight::storage::encoding {

std::string EncodeCompact(std::span<const Sample> samples);
std::unique_ptr<SampleIterator> NewCompactIterator(std::string_view bytes);
absl::StatusOr<int> CompactNumSamples(std::string_view bytes);

}  // namespace foresight::storage::encoding
