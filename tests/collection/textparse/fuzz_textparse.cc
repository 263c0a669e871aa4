// libFuzzer target: feeds the input to both parsers through the pull and the whole-payload APIs.
// Build with -DFORESIGHT_FUZZ=ON and clang; run e.g. `fuzz_textparse -max_total_time=60 corpus/`.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collection/textparse/payload.h"
#include "collection/textparse/writer.h"

namespace {

size_t Touch(std::span<const foresight::collection::LabelView> labels) {
  size_t n = 0;
  for (const auto& l : labels) {
    for (char c : l.name) n += static_cast<unsigned char>(c);
    for (char c : l.value) n += static_cast<unsigned char>(c);
  }
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace foresight::collection;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  static volatile size_t sink = 0;
  for (Format f : {Format::kText, Format::kOpenMetrics}) {
    Parser p(in, f);
    for (;;) {
      absl::StatusOr<Entry> e = p.Next();
      if (!e.ok() || *e == Entry::kEof) break;
      if (*e == Entry::kSeries) {
        sink = sink + Touch(p.labels()) + p.series().size();
        if (p.exemplar() != nullptr) sink = sink + Touch(p.exemplar()->labels);
      } else {
        sink = sink + p.help().size() + p.metric_name().size();
      }
    }
    // Whatever parses must survive a write and a second parse with the same samples.
    absl::StatusOr<ParsedPayload> parsed = ParsePayload(in, f);
    if (!parsed.ok()) continue;
    ExpositionWriter w(Format::kText);
    for (const auto& s : parsed->samples) w.Sample(s.labels, s.value, s.timestamp);
    absl::StatusOr<ParsedPayload> again = ParsePayload(w.Finish(), Format::kText);
    if (!again.ok() || again->samples.size() != parsed->samples.size()) __builtin_trap();
  }
  return 0;
}
