#include "collection/scrape/service.h"

#include <gtest/gtest.h>

#include "node_exporter_process.h"
#include "test_util.h"

namespace foresight::collection {
namespace {

// The default config scrapes Foresight's own port: /host/metrics (job "node") served by the service's route.
TEST(CollectionService, DefaultConfigScrapesTheHostCollector) {
  testing::TempDir dir;
  storage::DBOptions o;
  o.dir = dir.path();
  o.background_maintenance = false;
  auto db = storage::DB::Open(o);
  ASSERT_TRUE(db.ok());

  web::ServerOptions so;
  so.listen_address = "127.0.0.1:0";
  web::Server server(so);
  // Routes go in before the server starts; the service is created once the port is known.
  std::unique_ptr<CollectionService> svc;
  CollectionService* svc_ptr = nullptr;
  std::atomic<CollectionService*> ready{nullptr};
  ASSERT_TRUE(server.router()
                  .Get("/host/metrics",
                       [&](const web::Request& r) {
                         web::Router inner;
                         CollectionService* s = ready.load();
                         if (s == nullptr) return web::Response::Error(503, "starting");
                         (void)s->RegisterRoutes(inner);
                         web::Request copy = r;
                         return inner.Dispatch(copy).response;
                       })
                  .ok());
  ASSERT_TRUE(server.router()
                  .Get("/api/v1/targets",
                       [&](const web::Request&) {
                         CollectionService* s = ready.load();
                         return s ? web::Response::Json(200, s->TargetsJson())
                                  : web::Response::Error(503, "starting");
                       })
                  .ok());
  ASSERT_TRUE(server.Start().ok());
  Config cfg = DefaultConfig(server.port());
  cfg.scrape_configs[0].scrape_interval_ms = 300;  // faster than the default 15s for the test
  cfg.scrape_configs[0].scrape_timeout_ms = 250;
  cfg.scrape_configs[1].scrape_interval_ms = 300;
  cfg.scrape_configs[1].scrape_timeout_ms = 250;
  CollectionOptions opts;
  opts.listen_port = server.port();
  auto created = CollectionService::Create(db->get(), cfg, opts);
  ASSERT_TRUE(created.ok()) << created.status();
  svc = *std::move(created);
  svc_ptr = svc.get();
  ready = svc_ptr;

  ASSERT_TRUE(testing::WaitFor([&] {
    for (const TargetSnapshot& t : svc->manager().Targets()) {
      if (t.scrape_pool == "node" && t.health == TargetHealth::kUp) return true;
    }
    return false;
  }));
  auto cpu = testing::ReadSeries(**db, "node_cpu_seconds_total", {{"job", "node"}});
  EXPECT_GE(cpu.size(), 8u);
  EXPECT_NE(cpu.begin()->first.find("instance=\"localhost:" + std::to_string(server.port()) + "\""),
            std::string::npos);
  const std::string json =
      testing::HttpGet("http://127.0.0.1:" + std::to_string(server.port()) + "/api/v1/targets");
  EXPECT_NE(json.find("\"scrapePool\":\"node\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"scrapePool\":\"foresight\""), std::string::npos);

  // Switching the host collector off: /host/metrics answers 404 and the node target goes down.
  cfg.host_collector = false;
  ASSERT_TRUE(svc->Reload(cfg).ok());
  EXPECT_TRUE(testing::WaitFor([&] {
    for (const TargetSnapshot& t : svc->manager().Targets()) {
      if (t.scrape_pool == "node") return t.health == TargetHealth::kDown;
    }
    return false;
  }));
  ready = nullptr;
  svc->Stop();
  server.Stop(std::chrono::milliseconds(0));
  (void)(*db)->Close();
}

}  // namespace
}  // namespace foresight::collection
