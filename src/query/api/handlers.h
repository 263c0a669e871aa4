// Internal: the handlers behind RegisterQueryApi and the helpers they share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/matcher.h"
#include "query/api/api.h"
#include "web/http/http.h"

namespace foresight::query::api {

// A status' message as a std::string_view (Debian's absl::string_view is its own type).
inline std::string_view Msg(const absl::Status& s) { return {s.message().data(), s.message().size()}; }

// An error response: {"status":"error",...} with the HTTP code Prometheus uses for the type.
web::Response ErrorResponse(std::string_view error_type, std::string_view message);
web::Response ErrorResponse(const absl::Status& s);  // the type from query::ErrorTypeOf
// `invalid parameter "<name>": <message>` as bad_data.
web::Response InvalidParam(std::string_view name, std::string_view message);
// {"status":"success","data":<data>}
web::Response Success(std::string_view data_json);

int64_t NowMs(const QueryApiDeps& deps);
// A timestamp parameter; `fallback` when absent or empty. The error is Prometheus' parseTimeParam wording.
absl::StatusOr<int64_t> TimeParam(const web::Request& req, std::string_view name, int64_t fallback);
// Every match[] as parsed matcher sets. Error text as Prometheus' for the endpoint's caller to wrap.
absl::StatusOr<std::vector<std::vector<Matcher>>> MatchParams(const web::Request& req);

web::Response HandleQuery(const QueryApiDeps& deps, const web::Request& req);
web::Response HandleQueryRange(const QueryApiDeps& deps, const web::Request& req);
web::Response HandleSeries(const QueryApiDeps& deps, const web::Request& req);
web::Response HandleLabels(const QueryApiDeps& deps, const web::Request& req);
web::Response HandleLabelValues(const QueryApiDeps& deps, const web::Request& req);
web::Response HandleTsdbStatus(const QueryApiDeps& deps, const web::Request& req);

// Writes a query result as the "data" object: {"resultType":...,"result":...}.
void AppendResult(std::string* out, const Result& r);

}  // namespace foresight::query::api
