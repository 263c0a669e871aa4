#include "storage/block/index_file.h"

#include <roaring/roaring.h>

#include "storage/block/coding.h"

namespace foresight::storage::block {

using index::Postings;
using index::SeriesId;

IndexFile::IndexFile(std::unique_ptr<MappedFile> file, const Toc& toc) : file_(std::move(file)), toc_(toc) {
  num_series_ = static_cast<uint32_t>(toc_[Section::kSeriesOffsets].length / 8);
}

absl::StatusOr<std::unique_ptr<IndexFile>> IndexFile::Open(const std::string& path) {
  auto mapped = MappedFile::Open(path);
  if (!mapped.ok()) return mapped.status();
  std::string_view data = (*mapped)->data();
  auto bad = [&](std::string_view what) { return absl::DataLossError(Cat(path, ": ", what)); };
  if (data.size() < kIndexHeaderSize + kTocSize) return bad(Cat("too short (", data.size(), " bytes)"));
  if (DecodeFixed32(data.data()) != kIndexMagic) return bad("not an index file (bad magic number)");
  if (data[5] != 0 || data[6] != 0 || data[7] != 0) return bad("reserved header bytes are not zero");
  if (static_cast<uint8_t>(data[4]) != kIndexVersion) {
    return bad(Cat("unsupported index version ", static_cast<int>(static_cast<uint8_t>(data[4]))));
  }
  auto toc = DecodeToc(data.substr(data.size() - kTocSize), data.size(), path);
  if (!toc.ok()) return toc.status();
  const Toc& t = *toc;
  if (t[Section::kSeriesOffsets].length % 8 != 0 || t[Section::kSeriesOffsets].length / 8 > 0xffffffffULL) {
    return bad("series offsets section has a bad length");
  }
  if (t[Section::kLabelNames].length % kLabelNameEntrySize != 0 ||
      t[Section::kLabelValues].length % kLabelValueEntrySize != 0) {
    return bad("label index sections have a bad length");
  }
  // The symbol table's shape: count, count + 1 offsets, and exactly the string bytes the last offset says.
  std::string_view sym = data.substr(t[Section::kSymbols].offset, t[Section::kSymbols].length);
  if (sym.size() < 8) return bad("symbol table truncated");
  uint64_t count = DecodeFixed32(sym.data());
  uint64_t table = 4 + 4 * (count + 1);
  if (table > sym.size() || DecodeFixed32(sym.data() + table - 4) != sym.size() - table) {
    return bad("symbol table size does not match its contents");
  }
  return std::unique_ptr<IndexFile>(new IndexFile(std::move(*mapped), t));
}

absl::Status IndexFile::Corrupt(std::string_view what) const {
  return absl::DataLossError(Cat(file_->path(), ": ", what));
}

std::string_view IndexFile::SectionBytes(Section s) const {
  return file_->data().substr(toc_[s].offset, toc_[s].length);
}

absl::Status IndexFile::Check(Section s) const {
  Checked& c = checked_[static_cast<int>(s)];
  std::call_once(c.once, [&] {
    if (s == Section::kSeries || s == Section::kPostings) return;  // checked record by record
    if (Checksum(SectionBytes(s)) != toc_[s].checksum) {
      c.status = Corrupt(Cat(SectionName(s), " section checksum mismatch"));
    }
  });
  return c.status;
}

uint32_t IndexFile::num_symbols() const { return DecodeFixed32(SectionBytes(Section::kSymbols).data()); }

absl::StatusOr<std::string_view> IndexFile::Symbol(uint32_t ref) const {
  if (auto s = Check(Section::kSymbols); !s.ok()) return s;
  std::string_view sym = SectionBytes(Section::kSymbols);
  uint32_t count = num_symbols();
  if (ref >= count) return Corrupt(Cat("symbol ref ", ref, " out of range (", count, " symbols)"));
  size_t strings = 4 + 4 * (size_t{count} + 1);
  uint32_t a = DecodeFixed32(sym.data() + 4 + 4 * size_t{ref});
  uint32_t b = DecodeFixed32(sym.data() + 8 + 4 * size_t{ref});
  if (a > b || b > sym.size() - strings) return Corrupt(Cat("symbol ", ref, " has bad offsets"));
  return sym.substr(strings + a, b - a);
}

absl::StatusOr<std::optional<uint32_t>> IndexFile::FindSymbol(std::string_view s) const {
  uint32_t lo = 0, hi = num_symbols();
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    auto sym = Symbol(mid);
    if (!sym.ok()) return sym.status();
    int c = sym->compare(s);
    if (c == 0) return std::optional<uint32_t>(mid);
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return std::optional<uint32_t>();
}

absl::StatusOr<IndexFile::LabelName> IndexFile::LabelNameAt(size_t i) const {
  if (auto s = Check(Section::kLabelNames); !s.ok()) return s;
  if (auto s = Check(Section::kLabelValues); !s.ok()) return s;
  const char* e = SectionBytes(Section::kLabelNames).data() + i * kLabelNameEntrySize;
  LabelName ln{DecodeFixed32(e), DecodeFixed32(e + 4), {}};
  uint64_t off = DecodeFixed64(e + 8);
  std::string_view values = SectionBytes(Section::kLabelValues);
  uint64_t len = uint64_t{ln.num_values} * kLabelValueEntrySize;
  if (off > values.size() || len > values.size() - off) {
    return Corrupt(Cat("label name entry ", i, " points outside the label values section"));
  }
  ln.values = values.substr(off, len);
  return ln;
}

absl::StatusOr<std::optional<IndexFile::LabelName>> IndexFile::FindLabelName(std::string_view name) const {
  auto ref = FindSymbol(name);
  if (!ref.ok()) return ref.status();
  if (!*ref) return std::optional<LabelName>();
  std::string_view names = SectionBytes(Section::kLabelNames);
  size_t lo = 0, hi = names.size() / kLabelNameEntrySize;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    uint32_t r = DecodeFixed32(names.data() + mid * kLabelNameEntrySize);
    if (r == **ref) {
      auto ln = LabelNameAt(mid);
      if (!ln.ok()) return ln.status();
      return std::optional<LabelName>(*ln);
    }
    if (r < **ref) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return std::optional<LabelName>();
}

absl::StatusOr<Postings> IndexFile::ReadPostings(const char* entry) const {
  uint32_t len = DecodeFixed32(entry + 4);
  uint64_t off = DecodeFixed64(entry + 8);
  std::string_view all = SectionBytes(Section::kPostings);
  if (off > all.size() || uint64_t{len} + 4 > all.size() - off) {
    return Corrupt(Cat("postings list at offset ", off, " runs past the postings section"));
  }
  std::string_view bytes = all.substr(off, len);
  if (Checksum(bytes) != DecodeFixed32(all.data() + off + len)) {
    return Corrupt(Cat("postings list at offset ", off, ": checksum mismatch"));
  }
  roaring_bitmap_t* r = roaring_bitmap_portable_deserialize_safe(bytes.data(), bytes.size());
  if (r == nullptr) return Corrupt(Cat("postings list at offset ", off, ": malformed bitmap"));
  return Postings(r);
}

absl::StatusOr<Postings> IndexFile::PostingsFor(std::string_view name, std::string_view value) const {
  auto ln = FindLabelName(name);
  if (!ln.ok()) return ln.status();
  if (!*ln) return Postings();
  auto ref = FindSymbol(value);
  if (!ref.ok()) return ref.status();
  if (!*ref) return Postings();
  const std::string_view values = (*ln)->values;
  size_t lo = 0, hi = (*ln)->num_values;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const char* e = values.data() + mid * kLabelValueEntrySize;
    uint32_t r = DecodeFixed32(e);
    if (r == **ref) return ReadPostings(e);
    if (r < **ref) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return Postings();
}

absl::StatusOr<Postings> IndexFile::PostingsForValues(
    std::string_view name, const std::function<bool(std::string_view)>& accept) const {
  auto ln = FindLabelName(name);
  if (!ln.ok()) return ln.status();
  if (!*ln) return Postings();
  std::vector<Postings> lists;
  for (size_t i = 0; i < (*ln)->num_values; ++i) {
    const char* e = (*ln)->values.data() + i * kLabelValueEntrySize;
    auto v = Symbol(DecodeFixed32(e));
    if (!v.ok()) return v.status();
    if (!accept(*v)) continue;
    auto p = ReadPostings(e);
    if (!p.ok()) return p.status();
    lists.push_back(std::move(*p));
  }
  if (lists.empty()) return Postings();
  if (lists.size() == 1) return std::move(lists[0]);
  std::vector<const Postings*> ptrs;
  ptrs.reserve(lists.size());
  for (const auto& l : lists) ptrs.push_back(&l);
  return Postings::fastunion(ptrs.size(), ptrs.data());
}

absl::StatusOr<std::vector<std::string>> IndexFile::LabelValues(std::string_view name) const {
  auto ln = FindLabelName(name);
  if (!ln.ok()) return ln.status();
  std::vector<std::string> out;
  if (!*ln) return out;
  out.reserve((*ln)->num_values);
  for (size_t i = 0; i < (*ln)->num_values; ++i) {
    auto v = Symbol(DecodeFixed32((*ln)->values.data() + i * kLabelValueEntrySize));
    if (!v.ok()) return v.status();
    out.emplace_back(*v);
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> IndexFile::LabelNames() const {
  if (auto s = Check(Section::kLabelNames); !s.ok()) return s;
  std::string_view names = SectionBytes(Section::kLabelNames);
  std::vector<std::string> out;
  for (size_t i = 0; i < names.size() / kLabelNameEntrySize; ++i) {
    auto n = Symbol(DecodeFixed32(names.data() + i * kLabelNameEntrySize));
    if (!n.ok()) return n.status();
    out.emplace_back(*n);
  }
  return out;
}

absl::Status IndexFile::Series(SeriesId id, std::vector<Label>* labels,
                               std::vector<ChunkMeta>* chunks) const {
  if (auto s = Check(Section::kSeriesOffsets); !s.ok()) return s;
  if (id >= num_series_) return Corrupt(Cat("series ", id, " out of range (", num_series_, " series)"));
  uint64_t off = DecodeFixed64(SectionBytes(Section::kSeriesOffsets).data() + 8 * size_t{id});
  std::string_view all = SectionBytes(Section::kSeries);
  auto bad = [&](std::string_view what) { return Corrupt(Cat("series ", id, ": ", what)); };
  if (off >= all.size()) return bad("offset outside the series section");
  Decoder rec(all.substr(off));
  uint64_t len;
  std::string_view body;
  uint32_t sum;
  if (!rec.Uvarint(&len) || len > rec.remaining() || !rec.Bytes(len, &body) || !rec.Fixed32(&sum)) {
    return bad("record runs past the series section");
  }
  if (Checksum(body) != sum) return bad("checksum mismatch");
  Decoder dec(body);
  uint64_t n;
  if (!dec.Uvarint(&n) || n > dec.remaining() / 2) return bad("bad label count");
  labels->clear();
  labels->reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t name_ref, value_ref;
    if (!dec.Uvarint(&name_ref) || !dec.Uvarint(&value_ref)) return bad("truncated labels");
    if (name_ref > 0xffffffffULL || value_ref > 0xffffffffULL) return bad("symbol ref out of range");
    auto name = Symbol(static_cast<uint32_t>(name_ref));
    if (!name.ok()) return name.status();
    auto value = Symbol(static_cast<uint32_t>(value_ref));
    if (!value.ok()) return value.status();
    labels->push_back(Label{std::string(*name), std::string(*value)});
  }
  if (chunks == nullptr) return absl::OkStatus();
  uint64_t k;
  if (!dec.Uvarint(&k) || k > dec.remaining() / 3) return bad("bad chunk count");
  chunks->clear();
  chunks->reserve(k);
  for (uint64_t i = 0; i < k; ++i) {
    ChunkMeta c;
    uint64_t gap, span;
    if (i == 0) {
      uint64_t ref;
      if (!dec.Varint(&c.mint) || !dec.Uvarint(&span) || !dec.Uvarint(&ref))
        return bad("truncated chunk metas");
      c.ref = ref;
    } else {
      const ChunkMeta& p = chunks->back();
      int64_t dref;
      if (!dec.Uvarint(&gap) || !dec.Uvarint(&span) || !dec.Varint(&dref))
        return bad("truncated chunk metas");
      c.mint = static_cast<int64_t>(static_cast<uint64_t>(p.maxt) + gap);
      if (gap == 0 || c.mint <= p.maxt) return bad("chunks overlap or are out of order");
      c.ref = p.ref + static_cast<uint64_t>(dref);
    }
    c.maxt = static_cast<int64_t>(static_cast<uint64_t>(c.mint) + span);
    if (c.maxt < c.mint) return bad("chunk time range overflows");
    chunks->push_back(c);
  }
  return absl::OkStatus();
}

absl::Status IndexFile::Verify() const {
  for (int s = 0; s < kNumSections; ++s) {
    if (auto st = Check(static_cast<Section>(s)); !st.ok()) return st;
  }
  std::vector<Label> labels;
  std::vector<ChunkMeta> chunks;
  for (SeriesId id = 0; id < num_series_; ++id) {
    if (auto st = Series(id, &labels, &chunks); !st.ok()) return st;
  }
  std::string_view names = SectionBytes(Section::kLabelNames);
  for (size_t i = 0; i < names.size() / kLabelNameEntrySize; ++i) {
    auto ln = LabelNameAt(i);
    if (!ln.ok()) return ln.status();
    for (size_t j = 0; j < ln->num_values; ++j) {
      auto p = ReadPostings(ln->values.data() + j * kLabelValueEntrySize);
      if (!p.ok()) return p.status();
      if (!p->isEmpty() && p->maximum() >= num_series_) {
        return Corrupt(Cat("postings list of label name entry ", i, " has series id ", p->maximum(),
                           " beyond the ", num_series_, " series"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace foresight::storage::block
