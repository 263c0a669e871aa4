#include "storage/head/packed_labels.h"

#include <vector>

namespace foresight::storage::head {
namespace {

void PutLen(std::string* out, size_t n) {
  while (n >= 0x80) {
    out->push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out->push_back(static_cast<char>(n));
}

// The input was written by PackLabels, so lengths are trusted (never read from outside the process).
std::string_view GetString(std::string_view& in) {
  size_t n = 0;
  int shift = 0;
  while (true) {
    auto b = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    n |= static_cast<size_t>(b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  std::string_view s = in.substr(0, n);
  in.remove_prefix(n);
  return s;
}

}  // namespace

void PackLabels(const Labels& labels, std::string* out) {
  out->clear();
  for (const auto& l : labels) {
    PutLen(out, l.name.size());
    out->append(l.name);
    PutLen(out, l.value.size());
    out->append(l.value);
  }
}

Labels UnpackLabels(std::string_view packed) {
  std::vector<Label> labels;
  labels.reserve(8);
  while (!packed.empty()) {
    std::string_view name = GetString(packed);
    std::string_view value = GetString(packed);
    labels.push_back(Label{std::string(name), std::string(value)});
  }
  return Labels(std::move(labels));
}

}  // namespace foresight::storage::head
