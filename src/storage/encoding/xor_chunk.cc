// The kXor chunk: appender and iterator. Format: docs/format/chunks.md.
#include "storage/encoding/xor_chunk.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "storage/encoding/chunk.h"
#include "storage/encoding/varint.h"

namespace foresight::storage::encoding {
namespace {

// First allocation; with growth by half it gives 80, 120, 180, 270 bytes. Measured on the node-exporter
// replay's 120-sample chunks (mean 167 bytes): mean capacity 212 bytes, against 243-266 when starting at
// 32-72 bytes.
constexpr uint32_t kInitialCapacity = 80;
// Room past the last whole byte written that one Append may touch: the widest sample (starting mid-byte)
// plus the bit writer's 8-byte word stores. Kept tight: it decides when the buffer grows.
constexpr size_t kAppendRoom = (kMaxSampleBits + 7) / 8 + 1 + kBitSinkSlack;
static_assert(kXorHeaderBytes + kMaxVarintBytes + 8 + kBitSinkSlack <= kAppendRoom, "first sample must fit");

}  // namespace

XorChunkAppender::XorChunkAppender(XorChunkAppender&& other) noexcept { *this = std::move(other); }

XorChunkAppender& XorChunkAppender::operator=(XorChunkAppender&& other) noexcept {
  if (this != &other) {
    buf_ = std::move(other.buf_);
    capacity_ = std::exchange(other.capacity_, 0);
    bit_len_ = std::exchange(other.bit_len_, 0);
    t_ = std::exchange(other.t_, 0);
    delta_ = std::exchange(other.delta_, 0);
    v_ = std::exchange(other.v_, 0);
    num_samples_ = std::exchange(other.num_samples_, 0);
    leading_ = std::exchange(other.leading_, kNoWindow);
    trailing_ = std::exchange(other.trailing_, 0);
  }
  return *this;
}

void XorChunkAppender::Reserve(size_t min_bytes) {
  if (min_bytes <= capacity_) return;
  // Grow by half (not double): the head holds a million of these and most stop at ~120 samples.
  size_t cap = std::max<size_t>({min_bytes, capacity_ + capacity_ / 2, kInitialCapacity});
  cap = (cap + 7) & ~size_t{7};
  auto buf = std::make_unique<uint8_t[]>(cap);  // zero-filled, as BitSink needs
  if (buf_) std::memcpy(buf.get(), buf_.get(), capacity_);
  buf_ = std::move(buf);
  capacity_ = static_cast<uint32_t>(cap);
}

void XorChunkAppender::Append(int64_t t, double v) {
  if (num_samples_ == kMaxSamples) return;
  Reserve(bit_len_ / 8 + kAppendRoom);
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  if (num_samples_ == 0) {
    const int n = PutVarintTo(buf_.get() + kXorHeaderBytes, ZigZag(t));
    BitSink w(buf_.get(), (kXorHeaderBytes + n) * 8);
    w.PutWide(bits, 64);
    bit_len_ = static_cast<uint32_t>(w.bit_pos());
    delta_ = 0;
  } else {
    const uint64_t delta = static_cast<uint64_t>(t) - static_cast<uint64_t>(t_);
    BitSink w(buf_.get(), bit_len_);
    PutDod(w, static_cast<int64_t>(delta - delta_));
    XorWindow win{v_, leading_, trailing_};
    PutXorValue(w, win, bits);
    leading_ = win.leading;
    trailing_ = win.trailing;
    bit_len_ = static_cast<uint32_t>(w.bit_pos());
    delta_ = delta;
  }
  t_ = t;
  v_ = bits;
  ++num_samples_;
  buf_[0] = static_cast<uint8_t>(num_samples_ >> 8);
  buf_[1] = static_cast<uint8_t>(num_samples_);
}

int64_t ReadLongDod(BitReader& r, int ones) {
  switch (ones) {
    case 2:
      r.Skip(3);
      return SignExtend(r.Read(kDodBits2), kDodBits2);
    case 3:
      r.Skip(4);
      return SignExtend(r.Read(kDodBits3), kDodBits3);
    case 4:
      r.Skip(5);
      return SignExtend(r.Read(kDodBits4), kDodBits4);
    case 5:
      r.Skip(6);
      return SignExtend(r.Read(kDodBits5), kDodBits5);
    default:
      r.Skip(6);
      return static_cast<int64_t>(r.ReadWide(64));
  }
}

std::string_view XorChunkAppender::bytes() const {
  static constexpr char kEmpty[kXorHeaderBytes] = {0, 0};
  if (!buf_) return std::string_view(kEmpty, kXorHeaderBytes);
  return std::string_view(reinterpret_cast<const char*>(buf_.get()), (bit_len_ + 7) / 8);
}

namespace {

// Decodes kBatch samples at a time into small arrays: the decoding loop then keeps the bit reader and the
// XOR state in registers, and Next/At (virtual, called per sample) only step through the arrays.
class XorIterator final : public SampleIterator {
 public:
  explicit XorIterator(std::string_view bytes)
      : data_(reinterpret_cast<const uint8_t*>(bytes.data())), size_(bytes.size()) {
    if (size_ < kXorHeaderBytes) {
      err_ = absl::DataLossError("xor chunk: shorter than its header");
    } else {
      n_ = (data_[0] << 8) | data_[1];
    }
  }

  bool Next() override {
    if (++bi_ < bn_) return true;
    return Fill();
  }

  bool Seek(int64_t t) override {
    if (bi_ >= 0 && bi_ < bn_ && ts_[bi_] >= t) return true;
    for (;;) {
      if (bi_ < 0 || bi_ >= bn_ - 1) {
        if (!Next()) return false;
      } else if (ts_[bn_ - 1] < t) {
        bi_ = bn_ - 1;  // the whole rest of this batch is too early
        continue;
      } else {
        ++bi_;
      }
      if (ts_[bi_] >= t) return true;
    }
  }

  Sample At() const override { return Sample{ts_[bi_], std::bit_cast<double>(vs_[bi_])}; }
  absl::Status Err() const override { return err_; }

  void AppendRange(int64_t lo, int64_t hi, std::vector<Sample>* out) override {
    if (!Seek(lo)) return;
    do {
      for (; bi_ < bn_; ++bi_) {
        if (ts_[bi_] > hi) return;
        out->push_back(Sample{ts_[bi_], std::bit_cast<double>(vs_[bi_])});
      }
    } while (Fill());
  }

 private:
  static constexpr int kBatch = 64;

  bool Fill() {
    bi_ = 0;
    bn_ = 0;
    if (i_ >= n_ || !err_.ok()) return false;
    if (i_ == 0 && !First()) return false;
    // Local copies let the compiler keep the hot state in registers across the loop.
    BitReader r = r_;
    int64_t t = t_;
    uint64_t delta = delta_;
    XorWindow win = win_;
    int k = bn_;
    const int want = std::min(kBatch, n_ - i_ + bn_);
    for (; k < want; ++k) {
      // Most samples of most series repeat the last value on time: dod 0 and value 0, two zero bits.
      if (r.Peek(2) == 0) {
        r.Skip(2);
      } else {
        delta += static_cast<uint64_t>(ReadDod(r));
        if (!ReadXorValue(r, win)) {
          err_ = absl::DataLossError("xor chunk: bad value window");
          break;
        }
      }
      if (r.overrun()) {
        err_ = absl::DataLossError("xor chunk: truncated");
        break;
      }
      t = static_cast<int64_t>(static_cast<uint64_t>(t) + delta);
      ts_[k] = t;
      vs_[k] = win.prev;
    }
    i_ += k - bn_;
    bn_ = k;
    r_ = r;
    t_ = t;
    delta_ = delta;
    win_ = win;
    if (!err_.ok()) i_ = n_;
    return bn_ > 0;
  }

  // The first sample: a varint timestamp and the raw value, into slot 0.
  [[gnu::noinline]] bool First() {
    const uint8_t* p = data_ + kXorHeaderBytes;
    uint64_t u;
    if (!GetVarint(&p, data_ + size_, &u)) return Fail("xor chunk: bad first timestamp");
    t_ = UnZigZag(u);
    r_ = BitReader(data_, size_, static_cast<uint64_t>(p - data_) * 8);
    win_.prev = r_.ReadWide(64);
    if (r_.overrun()) return Fail("xor chunk: truncated");
    ts_[0] = t_;
    vs_[0] = win_.prev;
    bn_ = 1;
    ++i_;
    return true;
  }

  [[gnu::noinline, gnu::cold]] bool Fail(const char* msg) {
    err_ = absl::DataLossError(msg);
    i_ = n_;
    return false;
  }

  const uint8_t* data_;
  size_t size_;
  int n_ = 0;    // samples in the chunk
  int i_ = 0;    // samples decoded so far
  int bi_ = -1;  // position in the batch
  int bn_ = 0;   // samples in the batch
  BitReader r_;
  int64_t t_ = 0;
  uint64_t delta_ = 0;
  XorWindow win_;
  absl::Status err_;
  int64_t ts_[kBatch];
  uint64_t vs_[kBatch];
};

}  // namespace

std::unique_ptr<SampleIterator> NewXorIterator(std::string_view bytes) {
  return std::make_unique<XorIterator>(bytes);
}

absl::StatusOr<int> XorNumSamples(std::string_view bytes) {
  if (bytes.size() < kXorHeaderBytes) return absl::DataLossError("xor chunk: shorter than its header");
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  return (p[0] << 8) | p[1];
}

}  // namespace foresight::storage::encoding
