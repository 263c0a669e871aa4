// Starts a real prometheus-node-exporter on a free loopback port for the duration of a test.
#pragma once

#include <curl/curl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

namespace foresight::collection::testing {

inline constexpr char kNodeExporter[] = "/usr/bin/prometheus-node-exporter";

inline int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

inline size_t AppendBody(char* d, size_t s, size_t n, void* u) {
  static_cast<std::string*>(u)->append(d, s * n);
  return s * n;
}

// The body of GET url, or "" on any error.
inline std::string HttpGet(const std::string& url) {
  std::string body;
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (curl_easy_perform(c) != CURLE_OK) body.clear();
  curl_easy_cleanup(c);
  return body;
}

class NodeExporterProcess {
 public:
  static bool Installed() { return std::filesystem::exists(kNodeExporter); }

  NodeExporterProcess() : port_(FreePort()) {
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string addr = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
      ::execl(kNodeExporter, kNodeExporter, addr.c_str(), "--log.level=error", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200 && HttpGet(url()).empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~NodeExporterProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  NodeExporterProcess(const NodeExporterProcess&) = delete;
  NodeExporterProcess& operator=(const NodeExporterProcess&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string url() const { return "http://" + address() + "/metrics"; }

 private:
  int port_;
  pid_t pid_ = -1;
};

}  // namespace foresight::collection::testing
