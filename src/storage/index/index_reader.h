// The read side of a label index, implemented by the in-memory head and by each on-disk block,
// so that matcher evaluation (PostingsForMatchers) is written once for both.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <roaring/roaring.hh>

#include "common/matcher.h"

namespace foresight::storage::index {

// Series ids are uint32 within one reader (the head or one block); postings are Roaring bitmaps of them.
using SeriesId = uint32_t;
using Postings = ::Roaring;  // CRoaring 0.2 (Debian 12) has no namespace

class IndexReader {
 public:
  virtual ~IndexReader() = default;
  // Series having label name=value exactly (empty when none).
  virtual Postings PostingsFor(std::string_view name, std::string_view value) const = 0;
  // Union of the postings of every value of `name` that `accept` returns true for.
  virtual Postings PostingsForValues(std::string_view name,
                                     const std::function<bool(std::string_view)>& accept) const = 0;
  // Every series of the reader.
  virtual Postings AllPostings() const = 0;
  // Sorted distinct values of label `name` over all series.
  virtual std::vector<std::string> LabelValues(std::string_view name) const = 0;
  // Sorted distinct label names over all series.
  virtual std::vector<std::string> LabelNames() const = 0;
};

// The series matching all matchers, with Prometheus' semantics: a matcher that accepts "" also selects
// series without the label; a set of matchers that all accept "" selects nothing... unless another matcher
// narrows it (Prometheus requires at least one non-empty matcher at the query layer, not here).
Postings PostingsForMatchers(const IndexReader& reader, std::span<const Matcher> matchers);

}  // namespace foresight::storage::index
