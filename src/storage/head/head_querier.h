// Reading the head: a Querier over its series, seeing every commit either whole or not at all.
#pragma once

#include <memory>

#include "storage/head/head.h"
#include "storage/storage.h"

namespace foresight::storage::head {

// Samples of the head within [mint, maxt], clipped below at the head's min read time (older samples
// still in memory are also in blocks). Holds an epoch so that series it saw are not freed under it.
std::unique_ptr<Querier> NewHeadQuerier(const Head* head, int64_t mint, int64_t maxt);

// Iterates a list of time-ordered, non-overlapping chunks, clipped to [mint, maxt].
std::unique_ptr<SampleIterator> NewChunkListIterator(std::vector<ChunkRef> chunks, int64_t mint,
                                                     int64_t maxt);

}  // namespace foresight::storage::head
