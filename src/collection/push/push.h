// Every push endpoint in one call, for the server: POST /api/v1/write (remote-write 1.0) and POST /metrics
// (JSON push). GET /metrics (self-monitoring) can be registered on the same path separately.
#pragma once

#include "absl/status/status.h"
#include "collection/push/json_push.h"
#include "collection/remotewrite/receiver.h"

namespace foresight::collection {

struct PushStats {
  RemoteWriteStats remote_write;
  JsonPushStats json;
};

// `storage` and `stats` (may be null) must outlive the router.
absl::Status RegisterPushRoutes(web::Router& router, storage::Appendable& storage, PushStats* stats,
                                RemoteWriteOptions remote_write = {}, JsonPushOptions json = {});

}  // namespace foresight::collection
