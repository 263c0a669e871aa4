// The kCompact chunk's header, body compression and iterator. Format: docs/format/chunks.md.
#include "storage/encoding/compact_chunk.h"

#include <zstd.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "storage/encoding/chunk.h"
#include "storage/encoding/compact_format.h"
#include "storage/encoding/varint.h"

namespace foresight::storage::encoding {
namespace {

// Every zstd frame starts with these four bytes; chunks leave them out and the decoder puts them back.
constexpr uint8_t kZstdMagic[4] = {0x28, 0xb5, 0x2f, 0xfd};

// A legitimate body is at most kMaxChunkSamples * kMaxBodyBytesPerSample (~2 MB): refusing larger windows
// keeps a forged frame from making the decoder allocate zstd's default maximum (128 MB).
constexpr int kZstdWindowLogMax = 21;

struct ZstdContexts {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ZstdContexts() { ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, kZstdWindowLogMax); }
  ~ZstdContexts() {
    ZSTD_freeCCtx(c);
    ZSTD_freeDCtx(d);
  }
};
ZstdContexts& Zstd() {
  thread_local ZstdContexts ctx;
  return ctx;
}

// The body compressed, without the frame's magic, or "" when zstd does not make it smaller.
std::string CompressBody(const std::string& body) {
  if (body.size() < kMinZstdBody) return {};
  std::string out(ZSTD_compressBound(body.size()), '\0');
  size_t n = ZSTD_compressCCtx(Zstd().c, out.data(), out.size(), body.data(), body.size(), kZstdLevel);
  if (ZSTD_isError(n) || n < sizeof(kZstdMagic) || std::memcmp(out.data(), kZstdMagic, 4) != 0) return {};
  out.resize(n);
  out.erase(0, sizeof(kZstdMagic));
  return out;
}

struct Header {
  uint8_t body = 0;
  int num_samples = 0;
  const uint8_t* rest = nullptr;  // the body (or its raw length and compressed bytes)
};

absl::StatusOr<Header> ParseHeader(std::string_view bytes) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const uint8_t* end = p + bytes.size();
  if (p == end) return absl::DataLossError("compact chunk: empty");
  Header h;
  h.body = *p++;
  if ((h.body & ~kBodyMask) != 0 || h.body > kBodyZstd)
    return absl::DataLossError("compact chunk: bad flags");
  uint64_t n;
  if (!GetVarint(&p, end, &n) || n > static_cast<uint64_t>(kMaxChunkSamples)) {
    return absl::DataLossError("compact chunk: bad sample count");
  }
  h.num_samples = static_cast<int>(n);
  h.rest = p;
  return h;
}

class CompactIterator final : public SampleIterator {
 public:
  explicit CompactIterator(std::string_view bytes) : bytes_(bytes) {}

  bool Next() override {
    if (!decoded_) Decode();
    if (i_ + 1 >= n_) {
      i_ = n_;
      return false;
    }
    ++i_;
    return true;
  }

  bool Seek(int64_t t) override {
    if (!decoded_) Decode();
    if (i_ >= n_) return false;
    if (i_ >= 0 && ts_[i_] >= t) return true;
    const size_t from = static_cast<size_t>(std::max(i_, 0));
    i_ = static_cast<int>(std::lower_bound(ts_.begin() + from, ts_.begin() + n_, t) - ts_.begin());
    return i_ < n_;
  }

  Sample At() const override { return Sample{ts_[i_], std::bit_cast<double>(vs_[i_])}; }
  absl::Status Err() const override { return err_; }

  void AppendRange(int64_t lo, int64_t hi, std::vector<Sample>* out) override {
    if (!Seek(lo)) return;
    for (; i_ < n_ && ts_[i_] <= hi; ++i_) out->push_back(Sample{ts_[i_], std::bit_cast<double>(vs_[i_])});
  }

  bool LastInRange(int64_t lo, int64_t hi, Sample* out) override {
    if (!decoded_) Decode();
    const auto end = ts_.begin() + n_;
    const auto after = std::upper_bound(ts_.begin(), end, hi);  // the first sample past hi
    i_ = n_;
    if (after == ts_.begin() || *(after - 1) < lo) return false;
    const size_t k = static_cast<size_t>(after - ts_.begin()) - 1;
    *out = Sample{ts_[k], std::bit_cast<double>(vs_[k])};
    return true;
  }

 private:
  // Chunks are small (a few hundred samples), so decoding them whole is simplest and lets each section's
  // loop run without per-sample branching on the mode.
  void Decode() {
    decoded_ = true;
    err_ = DecodeAll();
    if (!err_.ok()) n_ = 0;
  }

  absl::Status DecodeAll() {
    absl::StatusOr<Header> h = ParseHeader(bytes_);
    if (!h.ok()) return h.status();
    const int n = h->num_samples;
    const auto* end = reinterpret_cast<const uint8_t*>(bytes_.data() + bytes_.size());
    const uint8_t* p = h->rest;
    if (h->body == kBodyZstd) {
      uint64_t raw_len;
      if (!GetVarint(&p, end, &raw_len) ||
          raw_len > static_cast<uint64_t>(n) * kMaxBodyBytesPerSample + kMaxBodyOverhead) {
        return absl::DataLossError("compact chunk: bad body length");
      }
      std::string frame(reinterpret_cast<const char*>(kZstdMagic), sizeof(kZstdMagic));
      frame.append(reinterpret_cast<const char*>(p), static_cast<size_t>(end - p));
      body_.resize(raw_len);
      size_t got = ZSTD_decompressDCtx(Zstd().d, body_.data(), body_.size(), frame.data(), frame.size());
      if (ZSTD_isError(got) || got != raw_len) return absl::DataLossError("compact chunk: bad zstd body");
      p = reinterpret_cast<const uint8_t*>(body_.data());
      end = p + body_.size();
    }
    ts_.resize(n);
    vs_.resize(n);
    if (!DecodeTimestamps(&p, end, n, ts_.data()))
      return absl::DataLossError("compact chunk: bad timestamps");
    if (!DecodeValues(&p, end, n, vs_.data())) return absl::DataLossError("compact chunk: bad values");
    if (p != end) return absl::DataLossError("compact chunk: trailing bytes");
    n_ = n;
    return absl::OkStatus();
  }

  std::string_view bytes_;
  bool decoded_ = false;
  int n_ = 0;
  int i_ = -1;
  std::vector<int64_t> ts_;
  std::vector<uint64_t> vs_;
  std::string body_;
  absl::Status err_;
};

}  // namespace

std::string EncodeCompact(std::span<const Sample> samples) {
  if (samples.size() > static_cast<size_t>(kMaxChunkSamples)) samples = samples.first(kMaxChunkSamples);
  const int n = static_cast<int>(samples.size());
  std::string ts;
  EncodeTimestamps(samples, &ts);
  std::string best;
  uint8_t best_flags = kBodyRaw;
  // The residual packings and zstd suit different series; try each and keep the smallest.
  for (uint8_t packing : {kPackBits, kPackVarint}) {
    std::string body = ts;
    const bool packing_used = EncodeValues(samples, packing, &body);
    if (packing == kPackBits || body.size() < best.size()) {
      best = body;
      best_flags = kBodyRaw;
    }
    std::string z = CompressBody(body);
    if (!z.empty()) {
      std::string framed;
      PutVarint(&framed, body.size());
      framed += z;
      if (framed.size() < best.size()) {
        best = std::move(framed);
        best_flags = kBodyZstd;
      }
    }
    if (!packing_used) break;  // the values do not depend on the packing: nothing else to try
  }
  std::string out(1, static_cast<char>(best_flags));
  PutVarint(&out, static_cast<uint64_t>(n));
  out += best;
  return out;
}

std::unique_ptr<SampleIterator> NewCompactIterator(std::string_view bytes) {
  return std::make_unique<CompactIterator>(bytes);
}

absl::StatusOr<int> CompactNumSamples(std::string_view bytes) {
  absl::StatusOr<Header> h = ParseHeader(bytes);
  if (!h.ok()) return h.status();
  return h->num_samples;
}

}  // namespace foresight::storage::encoding
