// CRC-32C (Castagnoli), the checksum of WAL fragments. Uses the SSE4.2 crc32 instruction when the CPU has it
// (checked once at run time), a table otherwise; both give the same values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace foresight::storage::wal::crc32c {

// The CRC of `data` continuing from the CRC `crc` of the bytes before it (0 for none).
uint32_t Extend(uint32_t crc, const char* data, size_t n);
inline uint32_t Value(std::string_view data) { return Extend(0, data.data(), data.size()); }

// Both implementations, for tests that check they agree.
uint32_t ExtendPortable(uint32_t crc, const char* data, size_t n);
// Returns false (and leaves *out alone) when the CPU lacks SSE4.2.
bool ExtendHardware(uint32_t crc, const char* data, size_t n, uint32_t* out);

}  // namespace foresight::storage::wal::crc32c
