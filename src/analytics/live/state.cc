#include "analytics/live/state.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace foresight::analytics::live {
namespace {

constexpr uint32_t kMagic = 0x564c5346;  // "FSLV"
constexpr uint32_t kVersion = 1;
constexpr size_t kHeader = 4 + 4 + 8 + 8;

class Writer {
 public:
  template <class T>
  void Put(T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void Str(std::string_view s) {
    Put<uint64_t>(s.size());
    out.append(s.data(), s.size());
  }
  std::string out;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  template <class T>
  bool Get(T* v) {
    if (in_.size() < sizeof(T)) return false;
    std::memcpy(v, in_.data(), sizeof(T));
    in_.remove_prefix(sizeof(T));
    return true;
  }
  bool Str(std::string* s) {
    uint64_t n = 0;
    if (!Get(&n) || n > in_.size()) return false;
    s->assign(in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  // A count of items that each take at least `min_bytes`: rejects counts the rest cannot hold.
  bool Count(uint64_t* n, size_t min_bytes) { return Get(n) && *n <= in_.size() / min_bytes; }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

absl::Status Corrupt(std::string_view what) {
  return absl::DataLossError(absl::StrCat("anomaly state: ", absl::string_view(what.data(), what.size())));
}

absl::Status Errno(std::string_view what, const std::string& path) {
  return absl::InternalError(
      absl::StrCat(absl::string_view(what.data(), what.size()), " ", path, ": ", std::strerror(errno)));
}

}  // namespace

std::string EncodeState(const std::vector<SavedWatch>& watches) {
  Writer p;
  p.Put<uint64_t>(watches.size());
  for (const auto& w : watches) {
    p.Str(w.name);
    p.Str(w.query);
    p.Put(w.sensitivity);
    p.Put(w.interval_ms);
    p.Put(w.warmup);
    p.Put(w.last_eval_ms);
    p.Put<uint64_t>(w.series.size());
    for (const auto& s : w.series) {
      p.Put<uint64_t>(s.labels.size());
      for (const auto& l : s.labels) {
        p.Str(l.name);
        p.Str(l.value);
      }
      p.Put(s.last_t);
      p.Str(s.detector);
    }
  }
  Writer h;
  h.Put(kMagic);
  h.Put(kVersion);
  h.Put<uint64_t>(p.out.size());
  h.Put<uint64_t>(XXH64(p.out.data(), p.out.size(), 0));
  return h.out + p.out;
}

absl::StatusOr<std::vector<SavedWatch>> DecodeState(std::string_view bytes) {
  Reader h(bytes.substr(0, std::min(bytes.size(), kHeader)));
  uint32_t magic = 0, version = 0;
  uint64_t len = 0, sum = 0;
  if (!h.Get(&magic) || !h.Get(&version) || !h.Get(&len) || !h.Get(&sum)) return Corrupt("truncated header");
  if (magic != kMagic) return Corrupt("bad magic");
  if (version != kVersion) return Corrupt(absl::StrCat("unsupported version ", version));
  const std::string_view payload = bytes.substr(kHeader);
  if (payload.size() != len) return Corrupt("length mismatch (truncated file?)");
  if (XXH64(payload.data(), payload.size(), 0) != sum) return Corrupt("checksum mismatch");
  Reader r(payload);
  uint64_t nw = 0;
  std::vector<SavedWatch> out;
  if (!r.Count(&nw, 8)) return Corrupt("bad watch count");
  for (uint64_t i = 0; i < nw; ++i) {
    SavedWatch w;
    uint64_t ns = 0;
    if (!r.Str(&w.name) || !r.Str(&w.query) || !r.Get(&w.sensitivity) || !r.Get(&w.interval_ms) ||
        !r.Get(&w.warmup) || !r.Get(&w.last_eval_ms) || !r.Count(&ns, 8)) {
      return Corrupt("truncated watch");
    }
    for (uint64_t j = 0; j < ns; ++j) {
      SavedSeries s;
      uint64_t nl = 0;
      if (!r.Count(&nl, 16)) return Corrupt("bad label count");
      std::vector<Label> labels(nl);
      for (auto& l : labels) {
        if (!r.Str(&l.name) || !r.Str(&l.value)) return Corrupt("truncated labels");
      }
      s.labels = Labels(std::move(labels));
      if (!r.Get(&s.last_t) || !r.Str(&s.detector)) return Corrupt("truncated series");
      w.series.push_back(std::move(s));
    }
    out.push_back(std::move(w));
  }
  if (!r.done()) return Corrupt("trailing bytes");
  return out;
}

absl::Status WriteFileAtomic(const std::string& path, std::string_view data) {
  const std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create", tmp);
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      auto st = Errno("cannot write", tmp);
      ::close(fd);
      return st;
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto st = Errno("cannot fsync", tmp);
    ::close(fd);
    return st;
  }
  if (::close(fd) != 0) return Errno("cannot close", tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Errno("cannot rename to", path);
  const std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) return absl::NotFoundError(absl::StrCat(path, " does not exist"));
    return Errno("cannot open", path);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Errno("cannot read", path);
  return ss.str();
}

}  // namespace foresight::analytics::live
