#include "storage/block/chunks.h"

#include <dirent.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "storage/block/coding.h"

namespace foresight::storage::block {

using encoding::ChunkEncoding;

std::string SegmentFileName(uint32_t segment) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%06u", segment);
  return buf;
}

ChunkSegmentWriter::ChunkSegmentWriter(fs::FileSystem& fs, std::string dir, uint64_t max_segment_bytes)
    : fs_(fs),
      dir_(std::move(dir)),
      max_segment_bytes_(std::min<uint64_t>(max_segment_bytes, 0xffffffffULL)) {}

ChunkSegmentWriter::~ChunkSegmentWriter() = default;

absl::Status ChunkSegmentWriter::CloseSegment() {
  if (!file_) return absl::OkStatus();
  absl::Status s = file_->Sync();
  file_.reset();
  return s;
}

absl::Status ChunkSegmentWriter::CutSegment() {
  if (auto s = CloseSegment(); !s.ok()) return s;
  ++segment_;
  auto f = BufferedFile::Create(fs_, fs::JoinPath(dir_, SegmentFileName(segment_)));
  if (!f.ok()) return f.status();
  file_ = std::move(*f);
  std::string header;
  PutFixed32(&header, kChunkSegmentMagic);
  header.push_back(static_cast<char>(kChunkSegmentVersion));
  header.append(3, '\0');
  if (auto s = file_->Append(header); !s.ok()) return s;
  segment_size_ = header.size();
  total_bytes_ += header.size();
  return absl::OkStatus();
}

absl::StatusOr<ChunkRef> ChunkSegmentWriter::Write(ChunkEncoding enc, std::string_view bytes) {
  record_.clear();
  PutUvarint(&record_, bytes.size());
  size_t body_start = record_.size();
  record_.push_back(static_cast<char>(enc));
  record_.append(bytes);
  PutFixed32(&record_, Checksum(std::string_view(record_).substr(body_start)));
  if (!file_ ||
      (segment_size_ + record_.size() > max_segment_bytes_ && segment_size_ > kChunkSegmentHeaderSize)) {
    if (auto s = CutSegment(); !s.ok()) return s;
  }
  if (segment_size_ + record_.size() > 0xffffffffULL) {
    return absl::InvalidArgumentError(Cat("chunk of ", bytes.size(), " bytes does not fit a segment"));
  }
  ChunkRef ref = MakeChunkRef(segment_, static_cast<uint32_t>(segment_size_));
  if (auto s = file_->Append(record_); !s.ok()) return s;
  segment_size_ += record_.size();
  total_bytes_ += record_.size();
  return ref;
}

absl::Status ChunkSegmentWriter::Finish() {
  if (auto s = CloseSegment(); !s.ok()) return s;
  return fs_.SyncDir(dir_);
}

absl::StatusOr<std::unique_ptr<ChunkSegmentReader>> ChunkSegmentReader::Open(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return fs::ErrnoStatus("open directory", dir, errno);
  std::vector<uint32_t> numbers;
  absl::Status bad;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    uint32_t n = 0;
    if (name.size() != 6 || !absl::SimpleAtoi(absl::string_view(name.data(), name.size()), &n)) {
      bad = absl::DataLossError(Cat(dir, ": unexpected file \"", name, "\" among chunk segments"));
      break;
    }
    numbers.push_back(n);
  }
  ::closedir(d);
  if (!bad.ok()) return bad;
  std::sort(numbers.begin(), numbers.end());
  auto reader = std::unique_ptr<ChunkSegmentReader>(new ChunkSegmentReader());
  for (size_t i = 0; i < numbers.size(); ++i) {
    std::string path = Cat(dir, "/", SegmentFileName(static_cast<uint32_t>(i + 1)));
    if (numbers[i] != i + 1) return absl::DataLossError(Cat(path, ": missing chunk segment"));
    auto f = MappedFile::Open(path);
    if (!f.ok()) return f.status();
    std::string_view data = (*f)->data();
    if (data.size() < kChunkSegmentHeaderSize || DecodeFixed32(data.data()) != kChunkSegmentMagic) {
      return absl::DataLossError(Cat(path, ": not a chunk segment (bad header)"));
    }
    if (static_cast<uint8_t>(data[4]) != kChunkSegmentVersion || data[5] != 0 || data[6] != 0 ||
        data[7] != 0) {
      return absl::DataLossError(Cat(path, ": unsupported chunk segment version or bad header ",
                                     static_cast<int>(static_cast<uint8_t>(data[4]))));
    }
    reader->segments_.push_back(std::move(*f));
  }
  return reader;
}

absl::StatusOr<ChunkView> ChunkSegmentReader::Chunk(ChunkRef ref) const {
  uint32_t seg = ChunkRefSegment(ref);
  uint32_t off = ChunkRefOffset(ref);
  if (seg == 0 || seg > segments_.size()) {
    return absl::DataLossError(
        Cat("chunk ref ", ref, ": segment ", seg, " does not exist (block has ", segments_.size(), ")"));
  }
  const MappedFile& f = *segments_[seg - 1];
  auto bad = [&](std::string_view what) {
    return absl::DataLossError(Cat(f.path(), ": chunk at offset ", off, ": ", what));
  };
  std::string_view data = f.data();
  if (off < kChunkSegmentHeaderSize || off >= data.size()) {
    return bad(Cat("offset outside the file (", data.size(), " bytes; truncated?)"));
  }
  Decoder dec(data.substr(off));
  uint64_t len;
  if (!dec.Uvarint(&len)) return bad("truncated or malformed length");
  std::string_view body;
  uint32_t sum;
  if (len > dec.remaining() || !dec.Bytes(len + 1, &body) || !dec.Fixed32(&sum)) {
    return bad(Cat("record of ", len, " bytes runs past the end of the file (truncated?)"));
  }
  if (Checksum(body) != sum) return bad("checksum mismatch");
  auto enc = static_cast<ChunkEncoding>(body[0]);
  if (enc != ChunkEncoding::kXor && enc != ChunkEncoding::kCompact) {
    return bad(Cat("unknown chunk encoding ", static_cast<int>(body[0])));
  }
  return ChunkView{enc, body.substr(1)};
}

uint64_t ChunkSegmentReader::size_bytes() const {
  uint64_t n = 0;
  for (const auto& s : segments_) n += s->size();
  return n;
}

}  // namespace foresight::storage::block
