#include "web/http/router.h"

#include <stdexcept>

#include "gtest/gtest.h"

namespace foresight::web {
namespace {

Handler Named(std::string name) {
  return [name](const Request& r) {
    std::string body = name;
    for (const auto& [k, v] : r.path_params.entries()) body += " " + k + "=" + v;
    return Response::Text(200, body);
  };
}

Router::Result Call(const Router& router, std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return router.Dispatch(r);
}

TEST(RouterTest, ExactPaths) {
  Router router;
  ASSERT_TRUE(router.Get("/-/healthy", Named("healthy")).ok());
  ASSERT_TRUE(router.Get("/", Named("root")).ok());
  auto r = Call(router, "GET", "/-/healthy");
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.body, "healthy");
  EXPECT_EQ(r.handler, "/-/healthy");
  EXPECT_EQ(Call(router, "GET", "/").response.body, "root");
  EXPECT_EQ(Call(router, "GET", "/-/healthy/").response.status, 404);
  EXPECT_EQ(Call(router, "GET", "/-/health").response.status, 404);
  EXPECT_EQ(Call(router, "GET", "").response.status, 404);
}

TEST(RouterTest, NotFound) {
  Router router;
  ASSERT_TRUE(router.Get("/a", Named("a")).ok());
  auto r = Call(router, "GET", "/nope");
  EXPECT_EQ(r.response.status, 404);
  EXPECT_EQ(r.response.body, "404 page not found\n");
  EXPECT_EQ(r.handler, "");
}

TEST(RouterTest, PathParameters) {
  Router router;
  ASSERT_TRUE(router.Get("/api/v1/label/:name/values", Named("values")).ok());
  ASSERT_TRUE(router.Get("/static/*path", Named("static")).ok());
  auto r = Call(router, "GET", "/api/v1/label/job/values");
  EXPECT_EQ(r.response.body, "values name=job");
  EXPECT_EQ(r.handler, "/api/v1/label/:name/values");
  EXPECT_EQ(Call(router, "GET", "/api/v1/label//values").response.status, 404);  // empty segment
  EXPECT_EQ(Call(router, "GET", "/api/v1/label/job/values/x").response.status, 404);
  EXPECT_EQ(Call(router, "GET", "/static/js/app.js").response.body, "static path=js/app.js");
  EXPECT_EQ(Call(router, "GET", "/static/").response.body, "static path=");
  EXPECT_EQ(Call(router, "GET", "/static").response.body, "static path=");
}

TEST(RouterTest, LiteralBeatsParamBeatsRest) {
  Router router;
  ASSERT_TRUE(router.Get("/api/*rest", Named("rest")).ok());
  ASSERT_TRUE(router.Get("/api/:x/values", Named("param")).ok());
  ASSERT_TRUE(router.Get("/api/label/values", Named("literal")).ok());
  ASSERT_TRUE(router.Get("/api/:x/:y", Named("two")).ok());
  EXPECT_EQ(Call(router, "GET", "/api/label/values").response.body, "literal");
  EXPECT_EQ(Call(router, "GET", "/api/job/values").response.body, "param x=job");
  EXPECT_EQ(Call(router, "GET", "/api/job/other").response.body, "two x=job y=other");
  EXPECT_EQ(Call(router, "GET", "/api/a/b/c").response.body, "rest rest=a/b/c");
}

TEST(RouterTest, MethodNotAllowedListsAllow) {
  Router router;
  ASSERT_TRUE(router.GetPost("/api/v1/query", Named("query")).ok());
  ASSERT_TRUE(router.Post("/api/v1/write", Named("write")).ok());
  ASSERT_TRUE(router.Add({"DELETE"}, "/api/v1/admin/:what", Named("admin")).ok());
  EXPECT_EQ(Call(router, "POST", "/api/v1/query").response.status, 200);
  auto r = Call(router, "PUT", "/api/v1/query");
  EXPECT_EQ(r.response.status, 405);
  EXPECT_EQ(r.response.headers.GetOr("Allow"), "GET, HEAD, POST");
  auto w = Call(router, "GET", "/api/v1/write");
  EXPECT_EQ(w.response.status, 405);
  EXPECT_EQ(w.response.headers.GetOr("Allow"), "POST");
  auto a = Call(router, "GET", "/api/v1/admin/tsdb");
  EXPECT_EQ(a.response.status, 405);
  EXPECT_EQ(a.response.headers.GetOr("allow"), "DELETE");
  EXPECT_EQ(Call(router, "DELETE", "/api/v1/admin/tsdb").response.body, "admin what=tsdb");
}

TEST(RouterTest, MethodMatchFallsBackToAnotherRoute) {
  Router router;
  ASSERT_TRUE(router.Post("/api/x", Named("post-literal")).ok());
  ASSERT_TRUE(router.Get("/api/:name", Named("get-param")).ok());
  EXPECT_EQ(Call(router, "GET", "/api/x").response.body, "get-param name=x");
  EXPECT_EQ(Call(router, "POST", "/api/x").response.body, "post-literal");
  auto r = Call(router, "PUT", "/api/x");
  EXPECT_EQ(r.response.status, 405);
  EXPECT_EQ(r.response.headers.GetOr("Allow"), "GET, HEAD, POST");
}

TEST(RouterTest, HeadUsesGet) {
  Router router;
  ASSERT_TRUE(router.Get("/m", Named("m")).ok());
  EXPECT_EQ(Call(router, "HEAD", "/m").response.status, 200);
}

TEST(RouterTest, RegistrationErrors) {
  Router router;
  ASSERT_TRUE(router.Get("/a/:x", Named("a")).ok());
  EXPECT_TRUE(router.Post("/a/:x", Named("a-post")).ok());  // same pattern, new method
  EXPECT_EQ(router.Get("/a/:x", Named("dup")).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(router.Get("/a/:y", Named("other-name")).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(router.Get("no-slash", Named("x")).ok());
  EXPECT_FALSE(router.Get("/a/*rest/more", Named("x")).ok());
  EXPECT_FALSE(router.Get("/a/:", Named("x")).ok());
  EXPECT_FALSE(router.Get("/b", nullptr).ok());
  EXPECT_FALSE(router.Add({}, "/c", Named("x")).ok());
}

TEST(RouterTest, ExceptionsBecome500) {
  Router router;
  ASSERT_TRUE(
      router.Get("/throw", [](const Request&) -> Response { throw std::runtime_error("boom"); }).ok());
  ASSERT_TRUE(router.Get("/throw-int", [](const Request&) -> Response { throw 42; }).ok());
  auto r = Call(router, "GET", "/throw");
  EXPECT_EQ(r.response.status, 500);
  EXPECT_EQ(r.response.body, "internal error: boom\n");
  EXPECT_EQ(r.handler, "/throw");
  EXPECT_EQ(Call(router, "GET", "/throw-int").response.status, 500);
}

}  // namespace
}  // namespace foresight::web
