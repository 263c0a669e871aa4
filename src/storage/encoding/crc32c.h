// CRC-32C (Castagnoli), the checksum of LevelDB and Prometheus' chunk, WAL and index files.
// Chunk bytes carry no checksum of their own: the file that stores a chunk checksums it with this.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace foresight::storage::encoding {

// Extends `crc` (the CRC of earlier bytes, 0 to start) with [data, data + n).
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);
inline uint32_t Crc32c(std::string_view s) { return Crc32cExtend(0, s.data(), s.size()); }

}  // namespace foresight::storage::encoding
