// The server over real TCP on loopback: libcurl for well-formed requests, raw sockets for malformed ones.
#include "web/http/server.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/metrics/metrics.h"
#include "common/metrics/text_format.h"
#include "gtest/gtest.h"
#include "web/http/gzip.h"
#include "web/http/test_client.h"

namespace foresight::web {
namespace {

using testing::Client;
using testing::Fetch;
using testing::FetchOptions;
using testing::RawExchange;

// Echoes what the server made of the request.
Response Echo(const Request& r) {
  std::string body = r.method + " " + r.path + "\n";
  for (const auto& [k, v] : r.params.entries()) body += "param " + k + "=" + v + "\n";
  body += "content-encoding=" + std::string(r.headers.GetOr("Content-Encoding", "-")) + "\n";
  body += "body=" + r.body + "\n";
  return Response::Text(200, body);
}

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options = {}) {
    options.listen_address = "127.0.0.1:0";
    options.registry = &registry_;
    server_ = std::make_unique<Server>(options);
    ASSERT_TRUE(server_->router().GetPost("/echo", Echo).ok());
    ASSERT_TRUE(server_->router()
                    .Get("/big",
                         [](const Request&) {
                           std::string body;
                           for (int i = 0; i < 2000; ++i)
                             body += "line " + std::to_string(i) + " of a large response\n";
                           return Response::Text(200, body);
                         })
                    .ok());
    ASSERT_TRUE(server_->router()
                    .Get("/remote", [](const Request& r) { return Response::Text(200, r.remote_address); })
                    .ok());
    ASSERT_TRUE(
        server_->router().Get("/small", [](const Request&) { return Response::Text(200, "tiny"); }).ok());
    ASSERT_TRUE(
        server_->router()
            .Get("/throw", [](const Request&) -> Response { throw std::runtime_error("handler exploded"); })
            .ok());
    ASSERT_TRUE(server_->router()
                    .Get("/label/:name/values",
                         [](const Request& r) {
                           return Response::Json(200, "[\"" + std::string(r.PathParam("name")) + "\"]");
                         })
                    .ok());
    ASSERT_TRUE(server_->router()
                    .Get("/metrics",
                         [this](const Request&) {
                           Response r = Response::Text(200, metrics::RenderText(registry_));
                           r.headers.Set("Content-Type", std::string(metrics::kTextContentType));
                           return r;
                         })
                    .ok());
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_NE(server_->port(), 0);
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }

  metrics::Registry registry_;
  std::unique_ptr<Server> server_;
};

TEST(ListenAddressTest, Parses) {
  std::string host;
  uint16_t port = 0;
  ASSERT_TRUE(ParseListenAddress("0.0.0.0:9095", &host, &port).ok());
  EXPECT_EQ(host, "0.0.0.0");
  EXPECT_EQ(port, 9095);
  ASSERT_TRUE(ParseListenAddress(":80", &host, &port).ok());
  EXPECT_EQ(host, "0.0.0.0");
  ASSERT_TRUE(ParseListenAddress("[::1]:0", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 0);
  ASSERT_TRUE(ParseListenAddress("localhost:1234", &host, &port).ok());
  EXPECT_EQ(host, "localhost");
  EXPECT_FALSE(ParseListenAddress("9095", &host, &port).ok());
  EXPECT_FALSE(ParseListenAddress("host:", &host, &port).ok());
  EXPECT_FALSE(ParseListenAddress("host:70000", &host, &port).ok());
  EXPECT_FALSE(ParseListenAddress("host:12ab", &host, &port).ok());
  EXPECT_FALSE(ParseListenAddress("::1:80", &host, &port).ok());
}

TEST(ServerStartTest, PortInUseIsAnError) {
  Server a({.listen_address = "127.0.0.1:0"});
  ASSERT_TRUE(a.Start().ok());
  Server b({.listen_address = "127.0.0.1:" + std::to_string(a.port())});
  auto s = b.Start();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("cannot listen"), std::string::npos) << s;
  Server c({.listen_address = "nonsense"});
  EXPECT_FALSE(c.Start().ok());
}

TEST_F(ServerTest, GetWithQueryParams) {
  StartServer();
  auto r =
      Fetch(Url("/echo?match%5B%5D=up&match[]=node_cpu%7Bmode%3D%22idle%22%7D&query=sum+by+(job)%20(x)"));
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(
      r.body,
      "GET /echo\nparam match[]=up\nparam match[]=node_cpu{mode=\"idle\"}\nparam query=sum by (job) (x)\n"
      "content-encoding=-\nbody=\n");
  EXPECT_EQ(r.Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.Header("Server"), "Foresight");
}

TEST_F(ServerTest, FormPostParamsComeFirst) {
  StartServer();
  auto r = Fetch(Url("/echo?time=5"), {.method = "POST",
                                       .body = "query=rate(x%5B5m%5D)+*+2&match[]=a&match[]=b",
                                       .headers = {"Content-Type: application/x-www-form-urlencoded"}});
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body,
            "POST /echo\nparam query=rate(x[5m]) * 2\nparam match[]=a\nparam match[]=b\nparam time=5\n"
            "content-encoding=-\nbody=query=rate(x%5B5m%5D)+*+2&match[]=a&match[]=b\n");
  // Other content types are left alone.
  auto raw = Fetch(Url("/echo"), {.method = "POST", .body = "a=b", .headers = {"Content-Type: text/plain"}});
  EXPECT_EQ(raw.body, "POST /echo\ncontent-encoding=-\nbody=a=b\n");
  // A form with a bad escape is a 400.
  auto bad =
      Fetch(Url("/echo"), {.method = "POST",
                           .body = "query=%zz",
                           .headers = {"Content-Type: application/x-www-form-urlencoded; charset=utf-8"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("invalid form body"), std::string::npos) << bad.body;
}

TEST_F(ServerTest, BadQueryEscapeIs400) {
  StartServer();
  auto r = Fetch(Url("/echo?query=%zz"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("invalid query string"), std::string::npos) << r.body;
}

TEST_F(ServerTest, RoutingOverTheWire) {
  StartServer();
  EXPECT_EQ(Fetch(Url("/label/job/values")).body, "[\"job\"]");
  EXPECT_EQ(Fetch(Url("/label/a%20b/values")).body, "[\"a b\"]");
  EXPECT_EQ(Fetch(Url("/nope")).status, 404);
  EXPECT_TRUE(Fetch(Url("/remote")).body.starts_with("127.0.0.1:"));
  auto r = Fetch(Url("/small"), {.method = "DELETE"});
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("Allow"), "GET, HEAD");
  auto t = Fetch(Url("/throw"));
  EXPECT_EQ(t.status, 500);
  EXPECT_EQ(t.body, "internal error: handler exploded\n");
}

TEST_F(ServerTest, HeadHasLengthButNoBody) {
  StartServer();
  auto get = Fetch(Url("/big"));
  auto head = Fetch(Url("/big"), {.method = "HEAD"});
  ASSERT_EQ(head.status, 200) << head.error;
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.Header("Content-Length"), std::to_string(get.body.size()));
}

TEST_F(ServerTest, GzipResponseWhenAcceptedAndLarge) {
  StartServer();
  auto plain = Fetch(Url("/big"));
  ASSERT_EQ(plain.status, 200);
  EXPECT_EQ(plain.Header("Content-Encoding"), "");

  auto raw = Fetch(Url("/big"), {.accept_gzip = true, .decode = false});
  ASSERT_EQ(raw.status, 200);
  EXPECT_EQ(raw.Header("Content-Encoding"), "gzip");
  EXPECT_EQ(raw.Header("Vary"), "Accept-Encoding");
  EXPECT_LT(raw.body.size(), plain.body.size() / 4);
  auto decoded = GzipDecompress(raw.body, 10 << 20);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, plain.body);

  auto via_curl = Fetch(Url("/big"), {.accept_gzip = true});
  EXPECT_EQ(via_curl.body, plain.body);

  auto small = Fetch(Url("/small"), {.accept_gzip = true, .decode = false});
  EXPECT_EQ(small.Header("Content-Encoding"), "");
  EXPECT_EQ(small.body, "tiny");
}

TEST_F(ServerTest, GzipRequestBodyIsDecoded) {
  StartServer();
  std::string form = "query=up&match[]=x";
  auto r = Fetch(Url("/echo"),
                 {.method = "POST",
                  .body = GzipCompress(form),
                  .headers = {"Content-Encoding: gzip", "Content-Type: application/x-www-form-urlencoded"}});
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "POST /echo\nparam query=up\nparam match[]=x\ncontent-encoding=-\nbody=" + form + "\n");

  auto bad =
      Fetch(Url("/echo"), {.method = "POST", .body = "not gzip", .headers = {"Content-Encoding: gzip"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("gzip"), std::string::npos);

  // Other encodings (snappy for remote write) pass through untouched.
  auto snappy =
      Fetch(Url("/echo"), {.method = "POST", .body = "xyz", .headers = {"Content-Encoding: snappy"}});
  EXPECT_EQ(snappy.body, "POST /echo\ncontent-encoding=snappy\nbody=xyz\n");
}

TEST_F(ServerTest, BodyLimit413) {
  StartServer({.max_body_bytes = 1000});
  EXPECT_EQ(Fetch(Url("/echo"), {.method = "POST", .body = std::string(1000, 'a')}).status, 200);
  auto big = Fetch(Url("/echo"), {.method = "POST", .body = std::string(5000, 'a')});
  EXPECT_EQ(big.status, 413) << big.error;
  EXPECT_NE(big.body.find("exceeds the limit of 1000 bytes"), std::string::npos) << big.body;
  // With Expect: 100-continue the answer comes before the body is sent.
  auto expect =
      Fetch(Url("/echo"),
            {.method = "POST", .body = std::string(200000, 'b'), .headers = {"Expect: 100-continue"}});
  EXPECT_EQ(expect.status, 413) << expect.error;
  // Chunked bodies have no Content-Length: the parser's limit catches them.
  auto chunked = RawExchange(server_->port(),
                             "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "7d0\r\n" +
                                 std::string(2000, 'c') + "\r\n0\r\n\r\n");
  EXPECT_TRUE(chunked.starts_with("HTTP/1.1 413")) << chunked.substr(0, 100);
  // A small gzip body that expands beyond the limit.
  auto bomb = Fetch(Url("/echo"), {.method = "POST",
                                   .body = GzipCompress(std::string(100000, 'z')),
                                   .headers = {"Content-Encoding: gzip"}});
  EXPECT_EQ(bomb.status, 413);
}

TEST_F(ServerTest, MalformedRequestsGet400) {
  StartServer();
  for (const std::string& bytes : {std::string("GARBAGE\r\n\r\n"), std::string("GET / HTTPX/1.1\r\n\r\n"),
                                   std::string("GET /echo HTTP/1.1\r\nBad Header Line\r\n\r\n"),
                                   std::string("GET /echo HTTP/1.1\r\nContent-Length: abc\r\n\r\n"),
                                   std::string("G\x01T / HTTP/1.1\r\n\r\n", 19),
                                   std::string("GET metrics HTTP/1.1\r\nHost: x\r\n\r\n")}) {
    std::string response = RawExchange(server_->port(), bytes);
    EXPECT_TRUE(response.starts_with("HTTP/1.1 400 Bad Request\r\n")) << bytes << " -> " << response;
    EXPECT_NE(response.find("Connection: close"), std::string::npos) << response;
  }
  // The server is still fine afterwards.
  EXPECT_EQ(Fetch(Url("/small")).status, 200);
  std::string text = Fetch(Url("/metrics")).body;
  EXPECT_NE(text.find("foresight_http_requests_total{handler=\"other\",code=\"400\"} 6"), std::string::npos)
      << text;
}

TEST_F(ServerTest, HugeHeadersGet431) {
  StartServer({.max_header_bytes = 4096});
  std::string response = RawExchange(
      server_->port(), "GET /small HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(10000, 'h') + "\r\n\r\n");
  EXPECT_TRUE(response.starts_with("HTTP/1.1 431")) << response.substr(0, 100);
}

TEST_F(ServerTest, KeepAliveAndPipelining) {
  StartServer();
  Client client;
  auto first = client.Fetch(Url("/small"));
  auto second = client.Fetch(Url("/small"));
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(first.new_connections, 1);
  EXPECT_EQ(second.new_connections, 0);  // reused

  std::string two = RawExchange(server_->port(),
                                "GET /small HTTP/1.1\r\nHost: x\r\n\r\n"
                                "GET /label/x/values HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(two.find("tiny"), std::string::npos) << two;
  EXPECT_NE(two.find("[\"x\"]"), std::string::npos) << two;
}

TEST_F(ServerTest, IdleConnectionsAreClosed) {
  StartServer({.idle_timeout = std::chrono::milliseconds(200)});
  auto start = std::chrono::steady_clock::now();
  // Keep-alive request; RawExchange then waits until the server closes the idle connection.
  std::string response = RawExchange(server_->port(), "GET /small HTTP/1.1\r\nHost: x\r\n\r\n");
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_NE(response.find("tiny"), std::string::npos);
  EXPECT_LT(elapsed, std::chrono::seconds(3));
}

TEST_F(ServerTest, SlowClientTimesOut) {
  StartServer({.read_timeout = std::chrono::milliseconds(200)});
  auto start = std::chrono::steady_clock::now();
  std::string response = RawExchange(server_->port(), "GET /small HTTP/1.1\r\nHo");  // never finishes
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(response, "");
}

TEST_F(ServerTest, ConcurrentClients) {
  StartServer();
  constexpr int kThreads = 8, kRequests = 100;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Client client;
      for (int i = 0; i < kRequests; ++i) {
        std::string v = std::to_string(t) + "-" + std::to_string(i);
        auto r = client.Fetch(Url("/echo?v=" + v));
        if (r.status == 200 && r.body.find("param v=" + v + "\n") != std::string::npos) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kRequests);
  std::string text = Fetch(Url("/metrics")).body;
  EXPECT_NE(text.find("foresight_http_requests_total{handler=\"/echo\",code=\"200\"} 800\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("foresight_http_request_duration_seconds_count{handler=\"/echo\"} 800\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE foresight_http_connections_open gauge"), std::string::npos);
}

// A latch that a slow handler waits on.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  std::atomic<int> entered{0};
  void Wait() {
    ++entered;
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return open; });
  }
  void Open() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
};

TEST_F(ServerTest, LongHandlerDoesNotBlockOthers) {
  Gate gate;
  server_ = nullptr;
  ServerOptions options{.listen_address = "127.0.0.1:0", .io_threads = 1, .handler_threads = 3};
  server_ = std::make_unique<Server>(options);
  ASSERT_TRUE(server_->router()
                  .Get("/slow",
                       [&](const Request&) {
                         gate.Wait();
                         return Response::Text(200, "slow done");
                       })
                  .ok());
  ASSERT_TRUE(
      server_->router().Get("/fast", [](const Request&) { return Response::Text(200, "fast"); }).ok());
  ASSERT_TRUE(server_->Start().ok());
  std::vector<std::thread> slow;
  std::atomic<int> slow_ok{0};
  for (int i = 0; i < 2; ++i) {
    slow.emplace_back([&] {
      if (Fetch(Url("/slow")).body == "slow done") ++slow_ok;
    });
  }
  while (gate.entered.load() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(Fetch(Url("/fast"), {.timeout_ms = 2000}).body, "fast");
  gate.Open();
  for (auto& t : slow) t.join();
  EXPECT_EQ(slow_ok.load(), 2);
}

TEST_F(ServerTest, GracefulStopDrainsInFlight) {
  Gate gate;
  server_ = std::make_unique<Server>(ServerOptions{.listen_address = "127.0.0.1:0"});
  ASSERT_TRUE(server_->router()
                  .Get("/slow",
                       [&](const Request&) {
                         gate.Wait();
                         return Response::Text(200, "finished");
                       })
                  .ok());
  ASSERT_TRUE(server_->Start().ok());
  std::string url = Url("/slow");
  testing::FetchResult in_flight;
  std::thread client([&] { in_flight = Fetch(url); });
  // An idle kept-alive connection must not hold up the stop.
  Client idle;
  ASSERT_EQ(idle.Fetch(Url("/nope")).status, 404);
  while (gate.entered.load() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server_->Stop(std::chrono::seconds(10));
    stopped = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(stopped.load());                             // waiting for the in-flight request
  EXPECT_NE(Fetch(url, {.timeout_ms = 1000}).status, 200);  // no longer accepting
  gate.Open();
  client.join();
  stopper.join();
  EXPECT_TRUE(stopped.load());
  EXPECT_EQ(in_flight.status, 200) << in_flight.error;
  EXPECT_EQ(in_flight.body, "finished");
  EXPECT_EQ(in_flight.Header("Connection"), "close");
  server_->Stop();  // idempotent
}

TEST_F(ServerTest, StopDeadlineClosesStuckConnections) {
  Gate gate;
  server_ = std::make_unique<Server>(ServerOptions{.listen_address = "127.0.0.1:0"});
  ASSERT_TRUE(server_->router()
                  .Get("/stuck",
                       [&](const Request&) {
                         gate.Wait();
                         return Response::Text(200, "late");
                       })
                  .ok());
  ASSERT_TRUE(server_->Start().ok());
  testing::FetchResult stuck;
  std::string url = Url("/stuck");
  std::thread client([&] { stuck = Fetch(url); });
  while (gate.entered.load() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::thread opener([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    gate.Open();  // the handler itself cannot be interrupted; Stop waits for it after the deadline
  });
  auto start = std::chrono::steady_clock::now();
  server_->Stop(std::chrono::milliseconds(50));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  client.join();
  opener.join();
  EXPECT_NE(stuck.status, 200);  // its connection was closed at the deadline
}

}  // namespace
}  // namespace foresight::web
