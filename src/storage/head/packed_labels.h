// A label set packed into one string (varint length + bytes for each name and value), so that a head series
// costs one allocation for its identity instead of two strings per label.
#pragma once

#include <string>
#include <string_view>

#include "common/labels.h"

namespace foresight::storage::head {

void PackLabels(const Labels& labels, std::string* out);
Labels UnpackLabels(std::string_view packed);

}  // namespace foresight::storage::head
