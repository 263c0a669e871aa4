#include "storage/block/index_format.h"

#include "storage/block/coding.h"

namespace foresight::storage::block {

std::string_view SectionName(Section s) {
  switch (s) {
    case Section::kSymbols:
      return "symbols";
    case Section::kSeries:
      return "series";
    case Section::kSeriesOffsets:
      return "series offsets";
    case Section::kPostings:
      return "postings";
    case Section::kLabelValues:
      return "label values";
    case Section::kLabelNames:
      return "label names";
  }
  return "?";
}

std::string EncodeToc(const Toc& toc) {
  std::string out;
  for (const auto& e : toc.sections) {
    PutFixed64(&out, e.offset);
    PutFixed64(&out, e.length);
    PutFixed32(&out, e.checksum);
  }
  PutFixed32(&out, Checksum(out));
  return out;
}

absl::StatusOr<Toc> DecodeToc(std::string_view b, uint64_t file_size, std::string_view path) {
  auto bad = [&](std::string_view what) { return absl::DataLossError(Cat(path, ": ", what)); };
  if (b.size() != kTocSize) return bad("table of contents truncated");
  if (Checksum(b.substr(0, kTocSize - 4)) != DecodeFixed32(b.data() + kTocSize - 4)) {
    return bad("table of contents checksum mismatch");
  }
  Toc toc;
  Decoder dec(b);
  uint64_t next = kIndexHeaderSize;  // sections follow the header and each other, in order, without gaps
  const uint64_t end = file_size - kTocSize;
  for (int i = 0; i < kNumSections; ++i) {
    TocEntry& e = toc.sections[i];
    dec.Fixed64(&e.offset);
    dec.Fixed64(&e.length);
    dec.Fixed32(&e.checksum);
    if (e.offset != next || e.offset > end || e.length > end - e.offset) {
      return bad(Cat("section \"", SectionName(static_cast<Section>(i)), "\" (offset ", e.offset, ", length ",
                     e.length, ") lies outside the file (", file_size, " bytes)"));
    }
    next = e.offset + e.length;
  }
  if (next != end) return bad("sections do not end where the table of contents starts");
  return toc;
}

}  // namespace foresight::storage::block
