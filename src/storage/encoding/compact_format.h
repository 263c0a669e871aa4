// The kCompact chunk format's constants and its two sections (timestamps, values), shared by the encoder
// and decoder. Internal to storage/encoding; the layout is described in docs/format/chunks.md.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "storage/storage.h"

namespace foresight::storage::encoding {

// Header byte: low bits name how the body is stored; the others are reserved and must be zero.
inline constexpr uint8_t kBodyRaw = 0;
inline constexpr uint8_t kBodyZstd = 1;
inline constexpr uint8_t kBodyMask = 0x03;
inline constexpr int kZstdLevel = 3;
// Bodies smaller than this are never worth zstd's frame and table overhead.
inline constexpr size_t kMinZstdBody = 48;
// A decoder refuses a zstd body that claims more than this many bytes per sample (bounds its allocation).
inline constexpr size_t kMaxBodyBytesPerSample = 32;
inline constexpr size_t kMaxBodyOverhead = 64;

// Timestamp section modes (after t0 and the first delta).
inline constexpr uint8_t kTsRegular = 0;  // every delta-of-delta is zero
inline constexpr uint8_t kTsRuns = 1;     // (zero-run length, dod) varint pairs
inline constexpr uint8_t kTsPacked = 2;   // zigzag dods, fixed width
inline constexpr uint8_t kTsGrid = 3;     // offsets from t0 + i * interval, fixed width (scrape jitter)

// Value section modes.
inline constexpr uint8_t kValConstant = 0;         // one raw 64-bit value
inline constexpr uint8_t kValXor = 1;              // Gorilla XOR bits, as in kXor
inline constexpr uint8_t kValDecimal = 2;          // integer mantissas, differenced, packed
inline constexpr uint8_t kValConstantDecimal = 3;  // one value as (decimals, mantissa): 0 or 1 in 3 bytes

// How decimal residuals are packed.
inline constexpr uint8_t kPackZero = 0;    // all residuals are zero: nothing stored
inline constexpr uint8_t kPackVarint = 1;  // zigzag varints (byte-aligned; zstd finds their repeats)
inline constexpr uint8_t kPackBits = 2;    // blocks of kPackBlock values at the block's bit width
inline constexpr int kPackBlock = 32;
// A kPackBits block's width byte: the width (0..64), plus this flag when the block stores its values as
// unsigned offsets from a base (an svarint after the byte) instead of zigzagged: noisy gauges sit far from
// zero and need a bit less that way.
inline constexpr uint8_t kPackBlockBased = 0x80;

// The largest difference order of decimal mantissas (0: the values, 1: deltas, 2: delta-of-deltas).
inline constexpr int kMaxOrder = 2;
// A decimal chunk stores non-decimal values (NaN, stale markers, -0.0, ...) as exceptions; with more
// than n / kMaxExceptionShare of them, XOR is used for the whole chunk.
inline constexpr int kMaxExceptionShare = 8;

void EncodeTimestamps(std::span<const Sample> s, std::string* out);
// Appends the value section. `packing` is the residual packing tried for decimal values; returns whether
// it was used (false: another packing would give the same bytes).
bool EncodeValues(std::span<const Sample> s, uint8_t packing, std::string* out);

// Decoders: read a section from [*p, end) into out[0, n); false when malformed.
bool DecodeTimestamps(const uint8_t** p, const uint8_t* end, int n, int64_t* out);
bool DecodeValues(const uint8_t** p, const uint8_t* end, int n, uint64_t* out);

}  // namespace foresight::storage::encoding
