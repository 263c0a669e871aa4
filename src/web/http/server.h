// The HTTP/1.1 server every part registers its endpoints on (through router()).
//
// Threading: `io_threads` threads (default 2) run Boost.Asio: they accept, read and parse requests and write
// responses; each connection's I/O is serialised on its own strand. Handlers do NOT run on them: a parsed
// request is posted to a separate pool of `handler_threads` (default 8), so a long handler (a query) never
// blocks I/O on other connections, and at most handler_threads handlers run at once; further requests queue.
// Gzip of large responses also happens on the handler pool.
//
// Per connection: keep-alive (HTTP/1.1 default, "Connection: close" honoured); read_timeout bounds reading
// one request once it has started (and the first request of a connection), idle_timeout bounds the wait for
// the next request on a kept-alive connection, write_timeout bounds writing a response.
//
// Rejections without calling a handler: 400 for a malformed request (with the parser's reason), 413 for a
// body larger than max_body_bytes (also after gzip decoding), 431 for headers beyond max_header_bytes.
// "Expect: 100-continue" is answered before the body is read (or 413 right away).
//
// Stop() stops accepting, closes idle connections, lets in-flight requests finish and answers them with
// "Connection: close", waits until every connection is gone or the drain deadline passes, then closes what
// is left. It still waits for handlers that are running (they cannot be interrupted). Do not call Stop()
// from a handler.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "web/http/router.h"

namespace foresight::metrics {
class Registry;
}

namespace foresight::web {

struct ServerOptions {
  std::string listen_address = "0.0.0.0:9095";  // "host:port", ":port", "[::1]:port"; port 0 picks a free one
  int io_threads = 2;
  int handler_threads = 8;
  size_t max_body_bytes = 64u << 20;
  size_t max_header_bytes = 1u << 20;  // request line + headers; long PromQL in GET URLs needs room
  std::chrono::milliseconds read_timeout = std::chrono::minutes(5);
  std::chrono::milliseconds idle_timeout = std::chrono::minutes(2);
  std::chrono::milliseconds write_timeout = std::chrono::minutes(5);
  // Responses of at least this many bytes are gzipped for clients that send Accept-Encoding: gzip.
  size_t gzip_min_bytes = 1024;
  // Where foresight_http_requests_total{handler,code}, foresight_http_request_duration_seconds{handler} and
  // foresight_http_connections_open go; nullptr records nothing. `handler` is the route pattern, or "other"
  // for requests no route matched or rejected before routing. The registry must outlive the server.
  metrics::Registry* registry = nullptr;
};

// Splits a listen address into host and port. An empty host means all IPv4 interfaces (0.0.0.0).
absl::Status ParseListenAddress(std::string_view address, std::string* host, uint16_t* port);

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();  // Stop() with a zero drain deadline if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Register every route before Start().
  Router& router();

  // Binds, listens and starts the threads. Errors: a bad address, a port in use, a metrics conflict.
  absl::Status Start();
  // The bound address, e.g. "0.0.0.0:9095" or "[::1]:40123" (valid after Start()).
  std::string address() const;
  uint16_t port() const;

  // Graceful stop (see above). Idempotent.
  void Stop(std::chrono::milliseconds drain = std::chrono::seconds(10));

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace foresight::web
