// Read access to a mapped index file. Opening reads only the header and the table of contents; every
// other section is checked (checksum) on first use, and series records and postings lists carry their own
// checksums checked on each read. Nothing is decoded up front. Thread-safe. Internal to storage/block.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/labels.h"
#include "storage/block/chunks.h"
#include "storage/block/file.h"
#include "storage/block/index_format.h"
#include "storage/index/index_reader.h"

namespace foresight::storage::block {

class IndexFile {
 public:
  static absl::StatusOr<std::unique_ptr<IndexFile>> Open(const std::string& path);

  uint32_t num_series() const { return num_series_; }
  uint64_t size_bytes() const { return file_->size(); }

  // The labels and (when `chunks` is not null) chunk metas of series `id`.
  absl::Status Series(index::SeriesId id, std::vector<Label>* labels, std::vector<ChunkMeta>* chunks) const;

  absl::StatusOr<index::Postings> PostingsFor(std::string_view name, std::string_view value) const;
  absl::StatusOr<index::Postings> PostingsForValues(
      std::string_view name, const std::function<bool(std::string_view)>& accept) const;
  absl::StatusOr<std::vector<std::string>> LabelValues(std::string_view name) const;
  absl::StatusOr<std::vector<std::string>> LabelNames() const;

  // Checks every checksum of the file (all sections, every series record and postings list).
  absl::Status Verify() const;

 private:
  struct LabelName {
    uint32_t name;
    uint32_t num_values;
    std::string_view values;  // num_values entries of kLabelValueEntrySize bytes
  };

  IndexFile(std::unique_ptr<MappedFile> file, const Toc& toc);
  absl::Status Corrupt(std::string_view what) const;
  std::string_view SectionBytes(Section s) const;
  // Verifies a section's checksum once; later calls return the first result.
  absl::Status Check(Section s) const;

  uint32_t num_symbols() const;
  absl::StatusOr<std::string_view> Symbol(uint32_t ref) const;
  // The ref of `s`, nullopt when the index has no such string.
  absl::StatusOr<std::optional<uint32_t>> FindSymbol(std::string_view s) const;
  absl::StatusOr<std::optional<LabelName>> FindLabelName(std::string_view name) const;
  absl::StatusOr<LabelName> LabelNameAt(size_t i) const;
  // Reads the postings list of a label value entry.
  absl::StatusOr<index::Postings> ReadPostings(const char* entry) const;

  std::unique_ptr<MappedFile> file_;
  Toc toc_;
  uint32_t num_series_ = 0;
  struct Checked {
    std::once_flag once;
    absl::Status status;
  };
  mutable std::array<Checked, kNumSections> checked_;
};

}  // namespace foresight::storage::block
