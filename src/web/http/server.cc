// The only translation unit that includes Boost.Beast (it compiles slowly): the listener, the per-connection
// session state machine, and the translation between Beast messages and web::Request / web::Response.
#include "web/http/server.h"
#include "web/http/strings.h"

#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/metrics/metrics.h"
#include "web/http/gzip.h"
#include "web/http/url.h"

namespace foresight::web {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

absl::Status ParseListenAddress(std::string_view address, std::string* host, uint16_t* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) {
    return absl::InvalidArgumentError(Cat("listen address \"", address, "\" has no port (want host:port)"));
  }
  std::string_view h = address.substr(0, colon);
  std::string_view p = address.substr(colon + 1);
  if (h.starts_with("[")) {
    if (!h.ends_with("]")) return absl::InvalidArgumentError(Cat("bad IPv6 address in \"", address, "\""));
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string_view::npos) {
    return absl::InvalidArgumentError(Cat("IPv6 address must be in brackets: \"", address, "\""));
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (p.empty() || ec != std::errc() || end != p.data() + p.size() || value > 65535) {
    return absl::InvalidArgumentError(Cat("bad port in listen address \"", address, "\""));
  }
  *host = h.empty() ? "0.0.0.0" : std::string(h);
  *port = static_cast<uint16_t>(value);
  return absl::OkStatus();
}

namespace {

std::string EndpointString(const tcp::endpoint& ep) {
  auto addr = ep.address();
  return addr.is_v6() ? Cat("[", addr.to_string(), "]:", ep.port()) : Cat(addr.to_string(), ":", ep.port());
}

std::string_view ToStd(beast::string_view s) { return std::string_view(s.data(), s.size()); }

bool HasCrLf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

}  // namespace

class Session;

class Server::Impl {
 public:
  explicit Impl(ServerOptions o) : options(std::move(o)), ioc(std::max(1, options.io_threads)) {}

  absl::Status Start();
  void Stop(std::chrono::milliseconds drain);
  void DoAccept();
  void SessionClosed(uint64_t id) {
    std::lock_guard lock(mu);
    sessions.erase(id);
    if (open_connections) open_connections->Dec();
    cv.notify_all();
  }
  void Record(const std::string& handler, int status, Clock::time_point start) {
    if (requests == nullptr) return;
    const std::string& h = handler.empty() ? kOther : handler;
    requests->WithLabelValues({h, std::to_string(status)}).Inc();
    durations->WithLabelValues({h}).Observe(std::chrono::duration<double>(Clock::now() - start).count());
  }

  static inline const std::string kOther = "other";

  ServerOptions options;
  Router router;
  metrics::CounterFamily* requests = nullptr;
  metrics::HistogramFamily* durations = nullptr;
  metrics::Gauge* open_connections = nullptr;

  // Declared before the io_context: sessions destroyed during its shutdown still reach these.
  std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<uint64_t, std::weak_ptr<Session>> sessions;
  uint64_t next_session_id = 1;
  bool started = false;
  bool stopped = false;

  net::io_context ioc;
  std::optional<net::strand<net::io_context::executor_type>> accept_strand;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> accept_retry;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::unique_ptr<net::thread_pool> handler_pool;
  std::vector<std::thread> io_threads;
  std::atomic<bool> stopping{false};
  tcp::endpoint bound;
};

// One connection. Every member is touched only on the connection's strand, except `server` (thread-safe
// parts) and what the handler task owns by value.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server::Impl* server, uint64_t id, tcp::socket socket)
      : server_(server), id_(id), stream_(std::move(socket)) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = EndpointString(ep);
  }
  ~Session() { server_->SessionClosed(id_); }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
  }

  // Called by Server::Stop: idle connections close now, busy ones after their response.
  void RequestStop(bool force) {
    net::dispatch(stream_.get_executor(), [self = shared_from_this(), force] {
      self->stop_requested_ = true;
      if (force || self->state_ == State::kReading || self->state_ == State::kLingering) self->Close();
    });
  }

 private:
  enum class State { kReading, kHandling, kWriting, kLingering, kClosed };

  const ServerOptions& opts() const { return server_->options; }

  void ReadHeader() {
    if (state_ == State::kClosed) return;
    state_ = State::kReading;
    if (stop_requested_ || server_->stopping.load()) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(std::min<size_t>(opts().max_header_bytes, UINT32_MAX)));
    parser_->body_limit(opts().max_body_bytes);
    stream_.expires_after(served_ == 0 ? opts().read_timeout : opts().idle_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    start_ = Clock::now();
    auto& req = parser_->get();
    if (auto len = parser_->content_length(); len && *len > opts().max_body_bytes) {
      return Reject(413, Cat("request body of ", *len, " bytes exceeds the limit of ", opts().max_body_bytes,
                             " bytes"));
    }
    auto expect = req[bhttp::field::expect];
    if (EqualsIgnoreCase(std::string_view(expect.data(), expect.size()), "100-continue") &&
        !parser_->is_done()) {
      continue_ =
          std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, req.version());
      stream_.expires_after(opts().write_timeout);
      return bhttp::async_write(stream_, *continue_,
                                [self = shared_from_this()](beast::error_code ec, size_t) {
                                  if (ec) return self->Close();
                                  self->ReadBody();
                                });
    }
    ReadBody();
  }

  void ReadBody() {
    stream_.expires_after(opts().read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->OnReadError(ec);
      self->Handle();
    });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      return Reject(413, Cat("request body exceeds the limit of ", opts().max_body_bytes, " bytes"));
    }
    if (ec == bhttp::error::header_limit) {
      return Reject(431, Cat("request headers exceed the limit of ", opts().max_header_bytes, " bytes"));
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      start_ = Clock::now();
      return Reject(400, Cat("malformed HTTP request: ", ec.message()));
    }
    Close();  // the peer went away, a timeout, or Stop()
  }

  // Answers without running a handler and closes the connection (the rest of the request is unread).
  void Reject(int status, std::string message) {
    server_->Record("", status, start_);
    Write(Response::Error(status, message), /*keep_alive=*/false, /*head=*/false, /*gzip=*/false);
  }

  void Handle() {
    state_ = State::kHandling;
    stream_.expires_never();
    bhttp::request<bhttp::string_body> msg = parser_->release();
    bool keep_alive = msg.keep_alive() && !stop_requested_;
    bool head = msg.method() == bhttp::verb::head;
    bool gzip = AcceptsGzip(ToStd(msg[bhttp::field::accept_encoding]));

    Request req;
    std::string error;
    int error_status = 400;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.remote_address = remote_;
    for (const auto& f : msg) req.headers.Add(std::string(f.name_string()), std::string(f.value()));
    req.body = std::move(msg.body());
    if (auto s = ParseTarget(req.target, &req.path, &req.params); !s.ok()) error = std::string(s.message());
    if (error.empty()) error = DecodeBody(&req, &error_status);
    if (!error.empty()) {
      server_->Record("", error_status, start_);
      return Write(Response::Error(error_status, error), false, head, false);
    }

    auto self = shared_from_this();
    Server::Impl* server = server_;
    auto start = start_;
    net::post(*server_->handler_pool, [self, server, req = std::move(req), start, keep_alive, head,
                                       gzip]() mutable {
      Router::Result result;
      try {
        result = server->router.Dispatch(req);
      } catch (const std::exception& e) {
        result = {Response::Error(500, Cat("internal error: ", e.what())), ""};
      } catch (...) {
        result = {Response::Error(500, "internal error"), ""};
      }
      if (result.response.status < 100 || result.response.status > 999) {
        result.response = Response::Error(500, Cat("handler returned status ", result.response.status));
      }
      server->Record(result.handler, result.response.status, start);
      auto res = self->Build(std::move(result.response), keep_alive, head, gzip);
      net::post(self->stream_.get_executor(),
                [self, res = std::move(res)]() mutable { self->Send(std::move(res)); });
    });
  }

  // Decodes a gzip body and parses a form body into params; returns an error message or "".
  std::string DecodeBody(Request* req, int* status) {
    std::string_view encoding = TrimSpace(req->headers.GetOr("Content-Encoding"));
    if (EqualsIgnoreCase(encoding, "gzip") || EqualsIgnoreCase(encoding, "x-gzip")) {
      auto decoded = GzipDecompress(req->body, opts().max_body_bytes);
      if (!decoded.ok()) {
        if (decoded.status().code() == absl::StatusCode::kResourceExhausted) *status = 413;
        return Cat("cannot decode gzip request body: ", decoded.status().message());
      }
      req->body = *std::move(decoded);
      req->headers.Remove("Content-Encoding");
      req->headers.Set("Content-Length", std::to_string(req->body.size()));
    }
    std::string_view type = req->headers.GetOr("Content-Type");
    type = TrimSpace(type.substr(0, type.find(';')));
    encoding = TrimSpace(req->headers.GetOr("Content-Encoding"));  // still encoded (e.g. snappy): not a form
    if ((req->method == "POST" || req->method == "PUT" || req->method == "PATCH") &&
        EqualsIgnoreCase(type, "application/x-www-form-urlencoded") &&
        (encoding.empty() || EqualsIgnoreCase(encoding, "identity"))) {
      Params form;
      if (auto s = ParseUrlEncoded(req->body, &form); !s.ok()) return Cat("invalid form body: ", s.message());
      for (const auto& [n, v] : req->params.entries()) form.Add(n, v);
      req->params = std::move(form);
    }
    return "";
  }

  using BeastResponse = bhttp::response<bhttp::string_body>;

  // Runs on the handler pool or the strand; touches no session state.
  std::shared_ptr<BeastResponse> Build(Response r, bool keep_alive, bool head, bool gzip) const {
    auto res = std::make_shared<BeastResponse>();
    res->version(11);
    res->result(static_cast<unsigned>(r.status));
    res->set(bhttp::field::server, "Foresight");
    for (const auto& [name, value] : r.headers.entries()) {
      if (name.empty() || HasCrLf(name) || HasCrLf(value))
        continue;  // never let a handler split the response
      if (EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Connection") ||
          EqualsIgnoreCase(name, "Transfer-Encoding")) {
        continue;
      }
      res->insert(name, value);
    }
    if (gzip && r.body.size() >= opts().gzip_min_bytes && !r.headers.Has("Content-Encoding")) {
      std::string compressed = GzipCompress(r.body);
      if (!compressed.empty()) {
        r.body = std::move(compressed);
        res->set(bhttp::field::content_encoding, "gzip");
        res->set(bhttp::field::vary, "Accept-Encoding");
      }
    }
    res->keep_alive(keep_alive);
    if (head) {
      res->content_length(r.body.size());
    } else {
      res->body() = std::move(r.body);
      res->prepare_payload();
    }
    return res;
  }

  void Write(Response r, bool keep_alive, bool head, bool gzip) {
    Send(Build(std::move(r), keep_alive && !stop_requested_, head, gzip));
  }

  void Send(std::shared_ptr<BeastResponse> res) {
    if (state_ == State::kClosed) return;
    state_ = State::kWriting;
    if (stop_requested_) res->keep_alive(false);
    stream_.expires_after(opts().write_timeout);
    bhttp::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      if (ec) return self->Close();
      if (!res->keep_alive()) return self->Linger();
      ++self->served_;
      self->ReadHeader();
    });
  }

  // After a final response: half-close, then read and discard what the client still sends (e.g. the body of
  // a rejected request) for up to a second, so that closing does not reset the connection before the client
  // has read the response.
  void Linger() {
    state_ = State::kLingering;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(1));
    DrainOnce();
  }

  void DrainOnce() {
    stream_.async_read_some(net::buffer(drain_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec || self->state_ != State::kLingering) return self->Close();
      self->DrainOnce();
    });
  }

  void Close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  Server::Impl* server_;
  uint64_t id_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<bhttp::response<bhttp::empty_body>> continue_;
  std::string remote_;
  std::array<char, 4096> drain_;
  State state_ = State::kReading;
  bool stop_requested_ = false;
  uint64_t served_ = 0;
  Clock::time_point start_ = Clock::now();
};

absl::Status Server::Impl::Start() {
  if (options.registry != nullptr) {
    auto req =
        options.registry->AddCounter("foresight_http_requests_total",
                                     "HTTP requests served, by route and status code.", {"handler", "code"});
    if (!req.ok()) return req.status();
    auto dur = options.registry->AddHistogram("foresight_http_request_duration_seconds",
                                              "Time from a complete request to its response, by route.",
                                              {"handler"}, metrics::DefaultLatencyBuckets());
    if (!dur.ok()) return dur.status();
    auto conns = options.registry->AddGauge("foresight_http_connections_open", "Open HTTP connections.");
    if (!conns.ok()) return conns.status();
    requests = *req;
    durations = *dur;
    open_connections = &(*conns)->Get();
  }
  std::string host;
  uint16_t port = 0;
  if (auto s = ParseListenAddress(options.listen_address, &host, &port); !s.ok()) return s;
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host, std::to_string(port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return absl::InvalidArgumentError(Cat("cannot resolve listen address ", options.listen_address, ": ",
                                          ec ? ec.message() : "no address"));
  }
  tcp::endpoint endpoint = results.begin()->endpoint();
  accept_strand.emplace(net::make_strand(ioc));
  acceptor.emplace(*accept_strand);
  accept_retry.emplace(*accept_strand);
  auto fail = [&](std::string_view what) {
    return absl::UnavailableError(Cat(what, " ", EndpointString(endpoint), ": ", ec.message()));
  };
  if (acceptor->open(endpoint.protocol(), ec)) return fail("cannot open socket for");
  if (acceptor->set_option(net::socket_base::reuse_address(true), ec))
    return fail("cannot set SO_REUSEADDR on");
  if (acceptor->bind(endpoint, ec)) return fail("cannot listen on");
  if (acceptor->listen(net::socket_base::max_listen_connections, ec)) return fail("cannot listen on");
  bound = acceptor->local_endpoint(ec);
  if (ec) return fail("cannot read the address of");

  handler_pool = std::make_unique<net::thread_pool>(std::max(1, options.handler_threads));
  work.emplace(ioc.get_executor());
  net::dispatch(*accept_strand, [this] { DoAccept(); });
  for (int i = 0; i < std::max(1, options.io_threads); ++i) {
    io_threads.emplace_back([this] {
      while (true) {
        try {
          ioc.run();
          return;
        } catch (const std::exception&) {
          // A completion handler threw (should not happen): keep serving.
        }
      }
    });
  }
  std::lock_guard lock(mu);
  started = true;
  return absl::OkStatus();
}

void Server::Impl::DoAccept() {
  acceptor->async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (stopping.load()) return;
    if (ec) {
      if (ec == net::error::operation_aborted) return;
      // E.g. out of file descriptors: back off instead of spinning.
      accept_retry->expires_after(std::chrono::milliseconds(50));
      accept_retry->async_wait([this](beast::error_code wec) {
        if (!wec && !stopping.load()) DoAccept();
      });
      return;
    }
    std::shared_ptr<Session> session;
    {
      std::lock_guard lock(mu);
      uint64_t id = next_session_id++;
      session = std::make_shared<Session>(this, id, std::move(socket));
      sessions.emplace(id, session);
      if (open_connections) open_connections->Inc();
    }
    session->Start();
    DoAccept();
  });
}

void Server::Impl::Stop(std::chrono::milliseconds drain) {
  {
    std::lock_guard lock(mu);
    if (!started || stopped) return;
    stopped = true;
  }
  stopping.store(true);
  net::dispatch(*accept_strand, [this] {
    beast::error_code ignored;
    acceptor->close(ignored);
    accept_retry->cancel();
  });
  auto signal_sessions = [this](bool force) {
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard lock(mu);
      for (auto& [id, weak] : sessions) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) s->RequestStop(force);
  };
  signal_sessions(false);
  {
    std::unique_lock lock(mu);
    cv.wait_until(lock, Clock::now() + drain, [this] { return sessions.empty(); });
  }
  signal_sessions(true);
  handler_pool->join();  // running handlers finish; their responses go to closed sockets
  {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(1), [this] { return sessions.empty(); });
  }
  work.reset();
  ioc.stop();
  for (auto& t : io_threads) t.join();
  io_threads.clear();
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() { Stop(std::chrono::milliseconds(0)); }

Router& Server::router() { return impl_->router; }

absl::Status Server::Start() {
  if (impl_->acceptor) return absl::FailedPreconditionError("server already started");
  return impl_->Start();
}

std::string Server::address() const { return EndpointString(impl_->bound); }

uint16_t Server::port() const { return impl_->bound.port(); }

void Server::Stop(std::chrono::milliseconds drain) { impl_->Stop(drain); }

}  // namespace foresight::web
