#include "collection/push/push.h"

#include "web/http/router.h"

namespace foresight::collection {

absl::Status RegisterPushRoutes(web::Router& router, storage::Appendable& storage, PushStats* stats,
                                RemoteWriteOptions remote_write, JsonPushOptions json) {
  if (absl::Status s =
          RegisterRemoteWriteRoute(router, storage, stats ? &stats->remote_write : nullptr, remote_write);
      !s.ok()) {
    return s;
  }
  return RegisterJsonPushRoute(router, storage, stats ? &stats->json : nullptr, std::move(json));
}

}  // namespace foresight::collection
