#include "peer.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <snappy.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

namespace foresight::testing {

namespace {

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutTag(std::string* out, int field, int wire) {
  PutVarint(out, static_cast<uint64_t>(field << 3 | wire));
}

void PutBytes(std::string* out, int field, std::string_view b) {
  PutTag(out, field, 2);
  PutVarint(out, b.size());
  out->append(b);
}

size_t WriteCb(char* p, size_t size, size_t n, void* ud) {
  static_cast<std::string*>(ud)->append(p, size * n);
  return size * n;
}

absl::StatusOr<HttpResult> Perform(const std::string& url, const std::string* body,
                                   const std::vector<std::string>& headers) {
  CURL* c = curl_easy_init();
  if (c == nullptr) return absl::InternalError("curl_easy_init failed");
  HttpResult res;
  curl_slist* hl = nullptr;
  for (const auto& h : headers) hl = curl_slist_append(hl, h.c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteCb);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &res.body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (hl) curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
  if (body) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  }
  CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res.code);
  curl_slist_free_all(hl);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK) return absl::UnavailableError(std::string(curl_easy_strerror(rc)) + ": " + url);
  return res;
}

}  // namespace

std::string EncodeWriteRequest(const std::vector<RwSeries>& series) {
  std::string out, ts, tmp;
  for (const RwSeries& s : series) {
    ts.clear();
    for (const Label& l : s.labels) {
      tmp.clear();
      PutBytes(&tmp, 1, l.name);
      PutBytes(&tmp, 2, l.value);
      PutBytes(&ts, 1, tmp);
    }
    for (const storage::Sample& smp : s.samples) {
      tmp.clear();
      PutTag(&tmp, 1, 1);
      uint64_t bits;
      std::memcpy(&bits, &smp.v, 8);
      for (int i = 0; i < 8; ++i) tmp.push_back(static_cast<char>(bits >> (8 * i)));
      PutTag(&tmp, 2, 0);
      PutVarint(&tmp, static_cast<uint64_t>(smp.t));
      PutBytes(&ts, 2, tmp);
    }
    PutBytes(&out, 1, ts);
  }
  return out;
}

absl::Status RemoteWrite(const std::string& url, const std::vector<RwSeries>& series) {
  std::string raw = EncodeWriteRequest(series);
  std::string compressed;
  snappy::Compress(raw.data(), raw.size(), &compressed);
  auto r = Perform(url, &compressed,
                   {"Content-Encoding: snappy", "Content-Type: application/x-protobuf",
                    "X-Prometheus-Remote-Write-Version: 0.1.0"});
  if (!r.ok()) return r.status();
  if (r->code / 100 != 2)
    return absl::InternalError("remote write to " + url + ": HTTP " + std::to_string(r->code) + ": " +
                               r->body);
  return absl::OkStatus();
}

absl::StatusOr<HttpResult> HttpGet(const std::string& url) { return Perform(url, nullptr, {}); }

absl::StatusOr<HttpResult> HttpPost(const std::string& url, const std::string& body,
                                    const std::string& content_type) {
  return Perform(url, &body, {"Content-Type: " + content_type});
}

std::string UrlEncode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

absl::Status Process::Start(const std::vector<std::string>& argv, const std::string& log_path) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execvp(args[0], args.data());
    _exit(127);
  }
  pid_ = pid;
  return absl::OkStatus();
}

void Process::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

bool WaitReady(const std::string& url, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = HttpGet(url);
    if (r.ok() && r->code == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace foresight::testing
