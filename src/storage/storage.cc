#include "storage/storage.h"

namespace foresight::storage {

std::string_view RejectReasonName(RejectReason r) {
  switch (r) {
    case RejectReason::kOutOfOrder:
      return "out_of_order";
    case RejectReason::kDuplicate:
      return "duplicate_sample";
    case RejectReason::kTooOld:
      return "too_old";
    case RejectReason::kInvalidLabels:
      return "invalid_labels";
  }
  return "unknown";
}

std::optional<RejectReason> RejectReasonOf(const absl::Status& s) {
  auto payload = s.GetPayload(absl::string_view(kRejectReasonPayload.data(), kRejectReasonPayload.size()));
  if (!payload) return std::nullopt;
  std::string name(*payload);
  for (auto r : {RejectReason::kOutOfOrder, RejectReason::kDuplicate, RejectReason::kTooOld,
                 RejectReason::kInvalidLabels}) {
    if (RejectReasonName(r) == name) return r;
  }
  return std::nullopt;
}

}  // namespace foresight::storage
