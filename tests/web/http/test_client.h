// Test clients (include as "web/http/test_client.h" from tests/): libcurl for well-formed HTTP, a raw TCP
// socket for bytes no client library would send.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace foresight::web::testing {

struct FetchResult {
  long status = 0;    // 0 when the transfer failed
  std::string error;  // curl's message when it failed
  std::vector<std::string> header_lines;
  std::string body{};
  long new_connections = -1;  // CURLINFO_NUM_CONNECTS: 0 when a kept-alive connection was reused

  // The value of the first header of that (case-insensitive) name, or "".
  std::string Header(const std::string& name) const;
};

struct FetchOptions {
  std::string method = "GET";
  std::string body{};
  std::vector<std::string> headers{};  // "Name: value"
  bool accept_gzip = false;            // send Accept-Encoding: gzip
  bool decode = true;                  // let curl decode a gzip response
  long timeout_ms = 10000;
};

// A reusable client (keeps its connection alive between calls). Not thread-safe: one per thread.
class Client {
 public:
  Client();
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  FetchResult Fetch(const std::string& url, const FetchOptions& options = {});

 private:
  void* curl_;
};

FetchResult Fetch(const std::string& url, const FetchOptions& options = {});

// Connects to 127.0.0.1:port, writes `bytes`, and reads until the server closes or the timeout passes.
std::string RawExchange(uint16_t port, const std::string& bytes,
                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace foresight::web::testing
