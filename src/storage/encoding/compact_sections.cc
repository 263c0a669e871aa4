// The kCompact chunk's timestamp and value sections. Format: docs/format/chunks.md.
#include <algorithm>
#include <bit>
#include <cstring>
#include <numeric>
#include <vector>

#include "storage/encoding/bit_stream.h"
#include "storage/encoding/compact_format.h"
#include "storage/encoding/decimal.h"
#include "storage/encoding/varint.h"
#include "storage/encoding/xor_chunk.h"

namespace foresight::storage::encoding {
namespace {

// Arithmetic on deltas is modulo 2^64 so that any int64 sequence round-trips without overflow.
int64_t Sub(uint64_t a, uint64_t b) { return static_cast<int64_t>(a - b); }
int BitWidth(uint64_t v) { return std::bit_width(v); }

void PutFixed64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 8);
}
bool GetFixed64(const uint8_t** p, const uint8_t* end, uint64_t* v) {
  if (end - *p < 8) return false;
  uint64_t r = 0;
  for (int i = 0; i < 8; ++i) r |= static_cast<uint64_t>((*p)[i]) << (8 * i);
  *p += 8;
  *v = r;
  return true;
}

// Appends `values` (already zigzagged) at `width` bits each, padded to a byte.
void PutPacked(std::string* out, const uint64_t* values, size_t count, int width) {
  if (width == 0 || count == 0) return;
  const size_t bytes = (count * width + 7) / 8;
  const size_t base = out->size();
  out->resize(base + bytes + kBitSinkSlack);
  BitSink w(reinterpret_cast<uint8_t*>(out->data() + base), 0);
  for (size_t i = 0; i < count; ++i) w.PutWide(values[i], width);
  out->resize(base + bytes);
}
bool GetPacked(const uint8_t** p, const uint8_t* end, uint64_t* values, size_t count, int width) {
  if (width == 0) {
    std::fill(values, values + count, 0);
    return true;
  }
  const size_t bytes = (count * width + 7) / 8;
  if (static_cast<size_t>(end - *p) < bytes) return false;
  BitReader r(*p, bytes);
  for (size_t i = 0; i < count; ++i) values[i] = r.ReadWide(width);
  *p += bytes;
  return true;
}

// ---- values ----

void EncodeXorValues(std::span<const Sample> s, std::string* out) {
  const size_t base = out->size();
  out->resize(base + s.size() * (kMaxSampleBits / 8 + 1) + kBitSinkSlack);
  BitSink w(reinterpret_cast<uint8_t*>(out->data() + base), 0);
  XorWindow win;
  w.PutWide(std::bit_cast<uint64_t>(s[0].v), 64);
  win.prev = std::bit_cast<uint64_t>(s[0].v);
  for (size_t i = 1; i < s.size(); ++i) PutXorValue(w, win, std::bit_cast<uint64_t>(s[i].v));
  out->resize(base + (w.bit_pos() + 7) / 8);
}

// Mantissas of the chunk at a common number of decimals, or false when too many values are not decimal.
struct Decimals {
  int decimals = 0;
  std::vector<int64_t> x;            // exception slots repeat the previous mantissa
  std::vector<uint32_t> exceptions;  // indexes of values stored raw
};

bool ToDecimals(std::span<const Sample> s, Decimals* d) {
  const size_t n = s.size();
  const size_t max_exceptions = n / kMaxExceptionShare;
  std::vector<int> digits(n, -1);
  d->x.assign(n, 0);
  int k = 0;
  size_t exceptions = 0;
  for (size_t i = 0; i < n; ++i) {
    if (ToDecimal(s[i].v, &d->x[i], &digits[i])) {
      k = std::max(k, digits[i]);
    } else if (++exceptions > max_exceptions) {
      return false;
    }
  }
  d->decimals = k;
  int64_t prev = 0;
  for (size_t i = 0; i < n; ++i) {
    if (digits[i] < 0 || !RescaleDecimal(s[i].v, d->x[i], digits[i], k, &d->x[i])) {
      d->exceptions.push_back(static_cast<uint32_t>(i));
      d->x[i] = prev;
    }
    prev = d->x[i];
  }
  return d->exceptions.size() <= max_exceptions;
}

// The order-th differences of x from index `order` on.
std::vector<int64_t> Differences(const std::vector<int64_t>& x, int order) {
  std::vector<int64_t> r(x.begin(), x.end());
  if (r.empty()) return r;
  for (int o = 0; o < order; ++o) {
    for (size_t i = r.size() - 1; i > static_cast<size_t>(o); --i) r[i] = Sub(r[i], r[i - 1]);
  }
  r.erase(r.begin(), r.begin() + std::min<size_t>(order, r.size()));
  return r;
}

// Bits of one kPackBits block either way: zigzagged, or as offsets from its least value (plus that base).
struct BlockCost {
  int width;        // zigzagged
  int based_width;  // offsets from lo
  int64_t lo;
};
BlockCost CostOfBlock(const int64_t* r, size_t cnt) {
  BlockCost c{0, 0, r[0]};
  int64_t hi = r[0];
  for (size_t j = 0; j < cnt; ++j) {
    c.width = std::max(c.width, BitWidth(ZigZag(r[j])));
    c.lo = std::min(c.lo, r[j]);
    hi = std::max(hi, r[j]);
  }
  c.based_width = BitWidth(static_cast<uint64_t>(hi) - static_cast<uint64_t>(c.lo));
  return c;
}
bool UseBase(const BlockCost& c, size_t cnt) {
  return cnt * c.based_width + 8 * VarintLength(ZigZag(c.lo)) < cnt * c.width;
}

// Estimated bits of residuals r bit-packed (the order with the fewest wins).
uint64_t Cost(const std::vector<int64_t>& r) {
  uint64_t bits = 0;
  for (size_t i = 0; i < r.size(); i += kPackBlock) {
    const size_t cnt = std::min<size_t>(kPackBlock, r.size() - i);
    const BlockCost c = CostOfBlock(r.data() + i, cnt);
    bits += 8 + (UseBase(c, cnt) ? cnt * c.based_width + 8 * VarintLength(ZigZag(c.lo)) : cnt * c.width);
  }
  return bits;
}

bool EncodeDecimalValues(std::span<const Sample> s, const Decimals& d, uint8_t packing, std::string* out) {
  const int n = static_cast<int>(s.size());
  int order = 0;
  std::vector<int64_t> r = Differences(d.x, 0);
  uint64_t best = Cost(r);
  for (int o = 1; o <= std::min(kMaxOrder, n); ++o) {
    std::vector<int64_t> c = Differences(d.x, o);
    if (uint64_t cost = Cost(c); cost < best) {
      best = cost;
      order = o;
      r = std::move(c);
    }
  }
  // Residuals often share a factor (memory in 4096-byte pages, counters stepping by 10): divide it out.
  uint64_t g = 0;
  for (int64_t v : r) g = std::gcd(g, v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v));
  if (g == 0 || g > (uint64_t{1} << 62)) g = 1;
  std::vector<uint64_t> z(r.size());
  for (size_t i = 0; i < r.size(); ++i) z[i] = ZigZag(r[i] / static_cast<int64_t>(g));

  out->push_back(static_cast<char>(kValDecimal));
  out->push_back(static_cast<char>(d.decimals));
  out->push_back(static_cast<char>(order));
  if (order >= 1) PutSignedVarint(out, d.x[0]);
  if (order >= 2) PutSignedVarint(out, Sub(d.x[1], d.x[0]));
  PutVarint(out, g);
  PutVarint(out, d.exceptions.size());
  uint32_t next = 0;
  for (uint32_t e : d.exceptions) {
    PutVarint(out, e - next);
    PutFixed64(out, std::bit_cast<uint64_t>(s[e].v));
    next = e + 1;
  }
  if (std::all_of(z.begin(), z.end(), [](uint64_t v) { return v == 0; })) {
    out->push_back(static_cast<char>(kPackZero));
    return false;
  }
  if (packing == kPackVarint) {
    out->push_back(static_cast<char>(kPackVarint));
    for (uint64_t v : z) PutVarint(out, v);
  } else {
    out->push_back(static_cast<char>(kPackBits));
    std::vector<uint64_t> offsets(kPackBlock);
    std::vector<int64_t> q(z.size());
    for (size_t i = 0; i < z.size(); ++i) q[i] = UnZigZag(z[i]);
    for (size_t i = 0; i < z.size(); i += kPackBlock) {
      const size_t cnt = std::min<size_t>(kPackBlock, z.size() - i);
      const BlockCost c = CostOfBlock(q.data() + i, cnt);
      if (UseBase(c, cnt)) {
        out->push_back(static_cast<char>(c.based_width | kPackBlockBased));
        PutSignedVarint(out, c.lo);
        for (size_t j = 0; j < cnt; ++j)
          offsets[j] = static_cast<uint64_t>(q[i + j]) - static_cast<uint64_t>(c.lo);
        PutPacked(out, offsets.data(), cnt, c.based_width);
      } else {
        out->push_back(static_cast<char>(c.width));
        PutPacked(out, z.data() + i, cnt, c.width);
      }
    }
  }
  return true;
}

bool DecodeDecimalValues(const uint8_t** p, const uint8_t* end, int n, uint64_t* out) {
  if (end - *p < 2) return false;
  const int decimals = (*p)[0];
  const int order = (*p)[1];
  *p += 2;
  if (decimals > kMaxDecimals || order > kMaxOrder || order > n) return false;
  int64_t x0 = 0, d1 = 0;
  if (order >= 1 && !GetSignedVarint(p, end, &x0)) return false;
  if (order >= 2 && !GetSignedVarint(p, end, &d1)) return false;
  uint64_t g, num_exceptions;
  if (!GetVarint(p, end, &g) || g == 0 || !GetVarint(p, end, &num_exceptions) ||
      num_exceptions > static_cast<uint64_t>(n)) {
    return false;
  }
  // Exceptions are applied last; remember them in a small list first.
  std::vector<std::pair<uint32_t, uint64_t>> exceptions(num_exceptions);
  uint64_t next = 0;
  for (auto& [index, bits] : exceptions) {
    uint64_t gap;
    if (!GetVarint(p, end, &gap) || gap >= static_cast<uint64_t>(n) - next) return false;
    index = static_cast<uint32_t>(next + gap);
    next = index + 1;
    if (!GetFixed64(p, end, &bits)) return false;
  }
  if (*p == end) return false;
  const uint8_t packing = *(*p)++;
  uint64_t* z = out + order;
  const size_t count = static_cast<size_t>(n - order);
  if (packing == kPackZero) {
    std::fill(z, z + count, 0);
  } else if (packing == kPackVarint) {
    for (size_t i = 0; i < count; ++i) {
      if (!GetVarint(p, end, &z[i])) return false;
    }
  } else if (packing == kPackBits) {
    for (size_t i = 0; i < count; i += kPackBlock) {
      if (*p == end) return false;
      const uint8_t b = *(*p)++;
      const int width = b & ~kPackBlockBased;
      const size_t cnt = std::min<size_t>(kPackBlock, count - i);
      int64_t base = 0;
      if ((b & kPackBlockBased) && !GetSignedVarint(p, end, &base)) return false;
      if (width > 64 || !GetPacked(p, end, z + i, cnt, width)) return false;
      if (b & kPackBlockBased) {
        for (size_t j = i; j < i + cnt; ++j)
          z[j] = ZigZag(static_cast<int64_t>(z[j] + static_cast<uint64_t>(base)));
      }
    }
  } else {
    return false;
  }
  // Undo the differences in place (modulo 2^64), then turn mantissas into doubles.
  uint64_t x = static_cast<uint64_t>(x0), d = static_cast<uint64_t>(d1);
  if (order >= 1) out[0] = x;
  if (order >= 2) out[1] = x = x + d;
  for (size_t i = order; i < static_cast<size_t>(n); ++i) {
    const uint64_t r = static_cast<uint64_t>(UnZigZag(out[i])) * g;
    if (order == 0) {
      x = r;
    } else if (order == 1) {
      x += r;
    } else {
      d += r;
      x += d;
    }
    out[i] = x;
  }
  for (int i = 0; i < n; ++i) {
    out[i] = std::bit_cast<uint64_t>(FromDecimal(static_cast<int64_t>(out[i]), decimals));
  }
  for (const auto& [index, bits] : exceptions) out[index] = bits;
  return true;
}

bool DecodeXorValues(const uint8_t** p, const uint8_t* end, int n, uint64_t* out) {
  BitReader r(*p, static_cast<size_t>(end - *p));
  XorWindow win;
  win.prev = r.ReadWide(64);
  out[0] = win.prev;
  for (int i = 1; i < n; ++i) {
    if (!ReadXorValue(r, win)) return false;
    out[i] = win.prev;
  }
  if (r.overrun()) return false;
  *p += (r.bit_pos() + 7) / 8;
  return true;
}

}  // namespace

void EncodeTimestamps(std::span<const Sample> s, std::string* out) {
  const size_t n = s.size();
  if (n == 0) return;
  PutSignedVarint(out, s[0].t);
  if (n == 1) return;
  PutVarint(out, static_cast<uint64_t>(s[1].t) - static_cast<uint64_t>(s[0].t));
  if (n == 2) return;
  std::vector<uint64_t> z(n - 2);
  int width = 0;
  for (size_t i = 2; i < n; ++i) {
    const uint64_t d = static_cast<uint64_t>(s[i].t) - static_cast<uint64_t>(s[i - 1].t);
    const uint64_t prev = static_cast<uint64_t>(s[i - 1].t) - static_cast<uint64_t>(s[i - 2].t);
    z[i - 2] = ZigZag(Sub(d, prev));
    width = std::max(width, BitWidth(z[i - 2]));
  }
  if (width == 0) {
    out->push_back(static_cast<char>(kTsRegular));
    return;
  }
  std::string runs(1, static_cast<char>(kTsRuns));
  for (size_t i = 0; i < z.size();) {
    uint64_t run = 0;
    while (i < z.size() && z[i] == 0) ++run, ++i;
    PutVarint(&runs, run);
    if (i < z.size()) PutVarint(&runs, z[i++]);
  }
  std::string packed(1, static_cast<char>(kTsPacked));
  packed.push_back(static_cast<char>(width));
  PutPacked(&packed, z.data(), z.size(), width);
  // Jittered scrapes: each timestamp's offset from its slot on a regular grid needs about half the bits of
  // its dod (offsets within +-j give dods within +-2j).
  const uint64_t t0 = static_cast<uint64_t>(s[0].t);
  const uint64_t interval = (static_cast<uint64_t>(s[n - 1].t) - t0) / (n - 1);
  int grid_width = 0;
  for (size_t i = 2; i < n; ++i) {
    z[i - 2] = ZigZag(Sub(static_cast<uint64_t>(s[i].t), t0 + i * interval));
    grid_width = std::max(grid_width, BitWidth(z[i - 2]));
  }
  std::string grid(1, static_cast<char>(kTsGrid));
  PutVarint(&grid, interval);
  grid.push_back(static_cast<char>(grid_width));
  PutPacked(&grid, z.data(), z.size(), grid_width);
  const std::string* best = runs.size() <= packed.size() ? &runs : &packed;
  if (grid.size() < best->size()) best = &grid;
  out->append(*best);
}

bool DecodeTimestamps(const uint8_t** p, const uint8_t* end, int n, int64_t* out) {
  if (n == 0) return true;
  if (!GetSignedVarint(p, end, &out[0])) return false;
  if (n == 1) return true;
  uint64_t delta;
  if (!GetVarint(p, end, &delta)) return false;
  out[1] = static_cast<int64_t>(static_cast<uint64_t>(out[0]) + delta);
  if (n == 2) return true;
  if (*p == end) return false;
  const uint8_t mode = *(*p)++;
  // Decode zigzagged dods into out[2..n) first, then integrate in place.
  auto* z = reinterpret_cast<uint64_t*>(out + 2);
  const size_t m = static_cast<size_t>(n - 2);
  if (mode == kTsRegular) {
    std::fill(z, z + m, 0);
  } else if (mode == kTsRuns) {
    for (size_t i = 0; i < m;) {
      uint64_t run;
      if (!GetVarint(p, end, &run) || run > m - i) return false;
      std::fill(z + i, z + i + run, 0);
      i += run;
      if (i < m && !GetVarint(p, end, &z[i++])) return false;
    }
  } else if (mode == kTsPacked) {
    if (*p == end) return false;
    const int width = *(*p)++;
    if (width < 1 || width > 64 || !GetPacked(p, end, z, m, width)) return false;
  } else if (mode == kTsGrid) {
    uint64_t interval;
    if (!GetVarint(p, end, &interval) || *p == end) return false;
    const int width = *(*p)++;
    if (width > 64 || !GetPacked(p, end, z, m, width)) return false;
    const uint64_t t0 = static_cast<uint64_t>(out[0]);
    for (size_t i = 2; i < static_cast<size_t>(n); ++i) {
      out[i] = static_cast<int64_t>(t0 + i * interval + static_cast<uint64_t>(UnZigZag(z[i - 2])));
    }
    return true;
  } else {
    return false;
  }
  for (size_t i = 2; i < static_cast<size_t>(n); ++i) {
    delta += static_cast<uint64_t>(UnZigZag(static_cast<uint64_t>(out[i])));
    out[i] = static_cast<int64_t>(static_cast<uint64_t>(out[i - 1]) + delta);
  }
  return true;
}

bool EncodeValues(std::span<const Sample> s, uint8_t packing, std::string* out) {
  if (s.empty()) return false;
  const uint64_t first = std::bit_cast<uint64_t>(s[0].v);
  if (std::all_of(s.begin(), s.end(),
                  [&](const Sample& x) { return std::bit_cast<uint64_t>(x.v) == first; })) {
    int64_t m;
    int decimals;
    if (ToDecimal(s[0].v, &m, &decimals)) {
      out->push_back(static_cast<char>(kValConstantDecimal));
      out->push_back(static_cast<char>(decimals));
      PutSignedVarint(out, m);
    } else {
      out->push_back(static_cast<char>(kValConstant));
      PutFixed64(out, first);
    }
    return false;
  }
  Decimals d;
  if (ToDecimals(s, &d)) return EncodeDecimalValues(s, d, packing, out);
  out->push_back(static_cast<char>(kValXor));
  EncodeXorValues(s, out);
  return false;
}

bool DecodeValues(const uint8_t** p, const uint8_t* end, int n, uint64_t* out) {
  if (n == 0) return true;
  if (*p == end) return false;
  const uint8_t mode = *(*p)++;
  switch (mode) {
    case kValConstant: {
      uint64_t bits;
      if (!GetFixed64(p, end, &bits)) return false;
      std::fill(out, out + n, bits);
      return true;
    }
    case kValConstantDecimal: {
      int64_t m;
      if (*p == end) return false;
      const int decimals = *(*p)++;
      if (decimals > kMaxDecimals || !GetSignedVarint(p, end, &m)) return false;
      std::fill(out, out + n, std::bit_cast<uint64_t>(FromDecimal(m, decimals)));
      return true;
    }
    case kValXor:
      return DecodeXorValues(p, end, n, out);
    case kValDecimal:
      return DecodeDecimalValues(p, end, n, out);
    default:
      return false;
  }
}

}  // namespace foresight::storage::encoding
