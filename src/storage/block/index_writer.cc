#include "storage/block/index_writer.h"

#include <algorithm>
#include <tuple>

#include <xxhash.h>
#include <roaring/roaring.hh>

#include "absl/strings/str_cat.h"
#include "storage/block/coding.h"
#include "storage/block/index_format.h"

namespace foresight::storage::block {
namespace {

// Writes sections one after the other, tracking offsets and the running checksum of the current section.
class SectionWriter {
 public:
  explicit SectionWriter(BufferedFile* f) : f_(f), hash_(XXH3_createState()) {}
  ~SectionWriter() { XXH3_freeState(hash_); }
  SectionWriter(const SectionWriter&) = delete;
  SectionWriter& operator=(const SectionWriter&) = delete;

  absl::Status Write(std::string_view data) {
    if (auto s = f_->Append(data); !s.ok()) return s;
    pos_ += data.size();
    if (hashing_) XXH3_64bits_update(hash_, data.data(), data.size());
    return absl::OkStatus();
  }
  void Begin(Section s, bool checksummed) {
    cur_ = s;
    hashing_ = checksummed;
    toc_[s].offset = pos_;
    XXH3_64bits_reset(hash_);
  }
  void End() {
    toc_[cur_].length = pos_ - toc_[cur_].offset;
    toc_[cur_].checksum = hashing_ ? static_cast<uint32_t>(XXH3_64bits_digest(hash_)) : 0;
  }
  uint64_t section_pos() const { return pos_ - toc_[cur_].offset; }
  const Toc& toc() const { return toc_; }

 private:
  BufferedFile* f_;
  XXH3_state_t* hash_;
  uint64_t pos_ = 0;
  Toc toc_;
  Section cur_ = Section::kSymbols;
  bool hashing_ = false;
};

}  // namespace

void EncodeChunkMetas(std::span<const ChunkMeta> chunks, std::string* dst) {
  PutUvarint(dst, chunks.size());
  for (size_t i = 0; i < chunks.size(); ++i) {
    const ChunkMeta& c = chunks[i];
    if (i == 0) {
      PutVarint(dst, c.mint);
      PutUvarint(dst, static_cast<uint64_t>(c.maxt) - static_cast<uint64_t>(c.mint));
      PutUvarint(dst, c.ref);
    } else {
      const ChunkMeta& p = chunks[i - 1];
      PutUvarint(dst, static_cast<uint64_t>(c.mint) - static_cast<uint64_t>(p.maxt));
      PutUvarint(dst, static_cast<uint64_t>(c.maxt) - static_cast<uint64_t>(c.mint));
      PutVarint(dst, static_cast<int64_t>(c.ref - p.ref));
    }
  }
}

uint32_t IndexWriter::Intern(const std::string& s) {
  auto it = symbol_ids_.find(s);
  if (it != symbol_ids_.end()) return it->second;
  uint32_t id = static_cast<uint32_t>(symbols_.size());
  symbols_.push_back(s);
  symbol_ids_.emplace(symbols_.back(), id);
  return id;
}

absl::Status IndexWriter::AddSeries(const Labels& labels, std::span<const ChunkMeta> chunks) {
  if (series_ends_.size() >= 0xffffffffULL)
    return absl::ResourceExhaustedError("too many series for one block");
  const uint32_t series_id = num_series();
  PutUvarint(&series_buf_, labels.size());
  for (const Label& l : labels) {
    uint32_t n = Intern(l.name);
    uint32_t v = Intern(l.value);
    PutUvarint(&series_buf_, n);
    PutUvarint(&series_buf_, v);
    postings_[(uint64_t{n} << 32) | v].push_back(series_id);
  }
  EncodeChunkMetas(chunks, &series_buf_);
  series_ends_.push_back(series_buf_.size());
  return absl::OkStatus();
}

absl::Status IndexWriter::WriteTo(BufferedFile* file) {
  if (symbols_.size() >= 0xffffffffULL) return absl::ResourceExhaustedError("too many symbols for one block");
  // Final symbol numbers are positions in byte order, so comparing refs compares strings.
  std::vector<uint32_t> order(symbols_.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return symbols_[a] < symbols_[b]; });
  std::vector<uint32_t> final_id(symbols_.size());
  for (uint32_t i = 0; i < order.size(); ++i) final_id[order[i]] = i;

  SectionWriter w(file);
  std::string buf;
  PutFixed32(&buf, kIndexMagic);
  buf.push_back(static_cast<char>(kIndexVersion));
  buf.append(3, '\0');
  if (auto s = w.Write(buf); !s.ok()) return s;

  // Symbols: count, offsets[count + 1] into the string bytes, the string bytes.
  w.Begin(Section::kSymbols, true);
  buf.clear();
  PutFixed32(&buf, static_cast<uint32_t>(order.size()));
  uint64_t off = 0;
  for (uint32_t id : order) {
    PutFixed32(&buf, static_cast<uint32_t>(off));
    off += symbols_[id].size();
    if (off > 0xffffffffULL) return absl::ResourceExhaustedError("symbol table over 4 GiB");
  }
  PutFixed32(&buf, static_cast<uint32_t>(off));
  for (uint32_t id : order) buf.append(symbols_[id]);
  if (auto s = w.Write(buf); !s.ok()) return s;
  w.End();

  // Series records: uvarint body length, body, checksum of the body.
  w.Begin(Section::kSeries, false);
  std::vector<uint64_t> series_offsets;
  series_offsets.reserve(series_ends_.size());
  std::string body;
  uint64_t start = 0;
  for (uint64_t end : series_ends_) {
    Decoder dec(std::string_view(series_buf_).substr(start, end - start));
    body.clear();
    uint64_t n = 0;
    dec.Uvarint(&n);
    PutUvarint(&body, n);
    for (uint64_t i = 0; i < 2 * n; ++i) {
      uint64_t id = 0;
      dec.Uvarint(&id);
      PutUvarint(&body, final_id[id]);
    }
    body.append(series_buf_, start + dec.pos(), end - start - dec.pos());  // the chunk metas, as they are
    buf.clear();
    PutUvarint(&buf, body.size());
    buf.append(body);
    PutFixed32(&buf, Checksum(body));
    series_offsets.push_back(w.section_pos());
    if (auto s = w.Write(buf); !s.ok()) return s;
    start = end;
  }
  w.End();

  w.Begin(Section::kSeriesOffsets, true);
  buf.clear();
  for (uint64_t o : series_offsets) PutFixed64(&buf, o);
  if (auto s = w.Write(buf); !s.ok()) return s;
  w.End();

  // Postings, sorted by (name, value): each a portable Roaring bitmap followed by its checksum.
  struct PairPostings {
    uint32_t name, value;
    const std::vector<uint32_t>* ids;
    uint64_t offset = 0, length = 0;
  };
  std::vector<PairPostings> pairs;
  pairs.reserve(postings_.size());
  for (const auto& [key, ids] : postings_) {
    pairs.push_back({final_id[key >> 32], final_id[static_cast<uint32_t>(key)], &ids});
  }
  std::sort(pairs.begin(), pairs.end(), [](const PairPostings& a, const PairPostings& b) {
    return std::tie(a.name, a.value) < std::tie(b.name, b.value);
  });
  w.Begin(Section::kPostings, false);
  for (auto& p : pairs) {
    Roaring r;
    r.addMany(p.ids->size(), p.ids->data());
    r.runOptimize();
    buf.resize(r.getSizeInBytes(true));
    buf.resize(r.write(buf.data(), true));
    if (buf.size() > 0xffffffffULL) return absl::ResourceExhaustedError("postings list over 4 GiB");
    p.offset = w.section_pos();
    p.length = buf.size();
    PutFixed32(&buf, Checksum(buf));
    if (auto s = w.Write(buf); !s.ok()) return s;
  }
  w.End();

  // Label values: per name, its (value, postings) entries; label names: per name, where its entries are.
  w.Begin(Section::kLabelValues, true);
  std::string names;
  for (size_t i = 0; i < pairs.size();) {
    size_t j = i;
    buf.clear();
    while (j < pairs.size() && pairs[j].name == pairs[i].name) {
      PutFixed32(&buf, pairs[j].value);
      PutFixed32(&buf, static_cast<uint32_t>(pairs[j].length));
      PutFixed64(&buf, pairs[j].offset);
      ++j;
    }
    PutFixed32(&names, pairs[i].name);
    PutFixed32(&names, static_cast<uint32_t>(j - i));
    PutFixed64(&names, w.section_pos());
    if (auto s = w.Write(buf); !s.ok()) return s;
    i = j;
  }
  w.End();

  w.Begin(Section::kLabelNames, true);
  if (auto s = w.Write(names); !s.ok()) return s;
  w.End();

  return file->Append(EncodeToc(w.toc()));
}

}  // namespace foresight::storage::block
