// Scraping over TLS from a real TLS endpoint on loopback: a Python https server (the standard library's
// http.server and ssl) with a throwaway CA and certificates made by the openssl command line for this test.
// The server certificate is for the name scrape.foresight.test only, and the target is 127.0.0.1:<port>, so
// the scrape succeeds only when tls_config.server_name names the certificate's host (or verification is
// off); a second server requires a client certificate (cert_file, key_file).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "collection/config/config.h"
#include "collection/scrape/manager.h"
#include "storage/db.h"
#include "test_util.h"

extern char** environ;

namespace foresight::collection {
namespace {

namespace fs = std::filesystem;
using testing::ReadSeries;
using testing::TempDir;
using testing::WaitFor;

constexpr char kPython[] = "/usr/bin/python3";
constexpr char kOpenSSL[] = "/usr/bin/openssl";
constexpr char kServerName[] = "scrape.foresight.test";

// Answers every GET with one sample whose labels say what the server saw: the Host header and the SNI name.
constexpr char kServerScript[] = R"(import http.server, ssl, sys
port_file, cert, key, ca, require_client = sys.argv[1:6]

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        sni = getattr(self.connection, 'foresight_sni', None) or ''
        body = ('tls_probe{host="%s",sni="%s"} 1\n' % (self.headers.get('Host', ''), sni)).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain; version=0.0.4')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
def remember_sni(sock, name, context):
    sock.foresight_sni = name
ctx.sni_callback = remember_sni
if require_client == '1':
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(ca)
server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
with open(port_file + '.tmp', 'w') as f:
    f.write(str(server.server_address[1]))
import os
os.rename(port_file + '.tmp', port_file)
server.serve_forever()
)";

bool Run(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

// A CA, a server certificate for kServerName signed by it, and a client certificate signed by it.
bool MakeCertificates(const std::string& d) {
  const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::string o = std::string(kOpenSSL);
  {
    std::ofstream(d + "/server.ext") << "subjectAltName=DNS:" << kServerName << "\n";
    std::ofstream(d + "/client.ext") << "extendedKeyUsage=clientAuth\n";
  }
  return Run(o + " req -x509 -new " + key + " -keyout " + d + "/ca.key -out " + d +
             "/ca.crt -days 2 -subj '/CN=Foresight test CA'") &&
         Run(o + " req -new " + key + " -keyout " + d + "/server.key -out " + d +
             "/server.csr -subj '/CN=" + kServerName + "'") &&
         Run(o + " x509 -req -in " + d + "/server.csr -CA " + d + "/ca.crt -CAkey " + d +
             "/ca.key -CAcreateserial -days 2 -out " + d + "/server.crt -extfile " + d + "/server.ext") &&
         Run(o + " req -new " + key + " -keyout " + d + "/client.key -out " + d +
             "/client.csr -subj '/CN=foresight-client'") &&
         Run(o + " x509 -req -in " + d + "/client.csr -CA " + d + "/ca.crt -CAkey " + d +
             "/ca.key -CAcreateserial -days 2 -out " + d + "/client.crt -extfile " + d + "/client.ext");
}

// The Python TLS server as a child process, stopped when destroyed.
class TlsServer {
 public:
  TlsServer(const std::string& dir, const std::string& name, bool require_client_cert) {
    const std::string port_file = dir + "/" + name + ".port";
    std::vector<std::string> argv = {kPython,
                                     dir + "/server.py",
                                     port_file,
                                     dir + "/server.crt",
                                     dir + "/server.key",
                                     dir + "/ca.crt",
                                     require_client_cert ? "1" : "0"};
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    const std::string log = dir + "/" + name + ".log";
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (posix_spawn(&pid_, kPython, &fa, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    if (pid_ > 0 && WaitFor([&] { return fs::exists(port_file); }, std::chrono::seconds(20))) {
      std::ifstream(port_file) >> port_;
    }
  }
  ~TlsServer() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

class TlsScrapeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kPython) || !fs::exists(kOpenSSL)) GTEST_SKIP() << "needs python3 and openssl";
    ASSERT_TRUE(MakeCertificates(certs_.path()));
    std::ofstream(certs_.path() + "/server.py") << kServerScript;
    plain_ = std::make_unique<TlsServer>(certs_.path(), "plain", false);
    mutual_ = std::make_unique<TlsServer>(certs_.path(), "mutual", true);
    ASSERT_GT(plain_->port(), 0);
    ASSERT_GT(mutual_->port(), 0);
    storage::DBOptions o;
    o.dir = data_.path();
    o.background_maintenance = false;
    auto db = storage::DB::Open(o);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }
  void TearDown() override {
    manager_.reset();
    if (db_) (void)db_->Close();
  }

  // One https job against `port` with `tls` as its tls_config block (YAML lines indented by 6).
  std::string Job(const std::string& name, int port, const std::string& tls) {
    return "  - job_name: " + name + "\n    scheme: https\n    scrape_interval: 500ms\n" +
           "    scrape_timeout: 400ms\n" + (tls.empty() ? "" : "    tls_config:\n" + tls) +
           "    static_configs:\n      - targets: ['127.0.0.1:" + std::to_string(port) + "']\n";
  }
  std::string Ca() { return "      ca_file: ca.crt\n"; }  // relative: resolved against the config's folder

  TargetSnapshot Target(const std::string& job) {
    for (TargetSnapshot& t : manager_->Targets()) {
      if (t.scrape_pool == job) return t;
    }
    return {};
  }

  TempDir certs_, data_;
  std::unique_ptr<TlsServer> plain_, mutual_;
  std::unique_ptr<storage::DB> db_;
  std::unique_ptr<ScrapeManager> manager_;
};

TEST_F(TlsScrapeTest, ServerNameCaCertAndKeyFilesAndInsecureSkipVerifyTakeEffect) {
  const int p = plain_->port(), m = mutual_->port();
  const std::string name = std::string("      server_name: ") + kServerName + "\n";
  const std::string client = "      cert_file: client.crt\n      key_file: client.key\n";
  const std::string yaml =
      "scrape_configs:\n" + Job("named", p, Ca() + name) +  // the certificate's name: verified
      Job("unnamed", p, Ca()) +                             // checked against 127.0.0.1: refused
      Job("wrong_name", p, Ca() + "      server_name: other.foresight.test\n") +  // refused
      Job("system_cas", p, name) +                                // our CA is not in the system store
      Job("insecure", p, "      insecure_skip_verify: true\n") +  // not verified at all
      Job("client_cert", m, Ca() + name + client) +               // mutual TLS
      Job("no_client_cert", m, Ca() + name);                      // the server wants a client certificate
  auto cfg = ParseConfig(yaml, certs_.path() + "/prometheus.yml");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  manager_ = std::make_unique<ScrapeManager>(db_.get());
  ASSERT_TRUE(manager_->ApplyConfig(*cfg).ok());
  manager_->Start();

  const std::vector<std::string> up = {"named", "insecure", "client_cert"};
  const std::vector<std::string> down = {"unnamed", "wrong_name", "system_cas", "no_client_cert"};
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const std::string& j : up)
          if (Target(j).health != TargetHealth::kUp) return false;
        for (const std::string& j : down)
          if (Target(j).health != TargetHealth::kDown) return false;
        return true;
      },
      std::chrono::seconds(20)))
      << [&] {
           std::string s;
           for (const TargetSnapshot& t : manager_->Targets())
             s += t.scrape_pool + ": " + std::string(HealthName(t.health)) + " " + t.last_error + "\n";
           return s;
         }();
  // The certificate's name is what failed, not the connection.
  EXPECT_NE(Target("unnamed").last_error.find("127.0.0.1"), std::string::npos)
      << Target("unnamed").last_error;
  EXPECT_NE(Target("wrong_name").last_error.find("other.foresight.test"), std::string::npos)
      << Target("wrong_name").last_error;
  // The target keeps its address in the API; the server saw the name as SNI and the address as Host.
  EXPECT_EQ(Target("named").scrape_url, "https://127.0.0.1:" + std::to_string(p) + "/metrics");
  const std::string addr = "127.0.0.1:" + std::to_string(p);
  auto series = ReadSeries(*db_, "tls_probe", {{"job", "named"}});
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series.begin()->first, "tls_probe{host=\"" + addr + "\", instance=\"" + addr +
                                       "\", job=\"named\", sni=\"" + kServerName + "\"}");
  EXPECT_EQ(ReadSeries(*db_, "tls_probe", {{"job", "client_cert"}}).size(), 1u);
  EXPECT_TRUE(ReadSeries(*db_, "tls_probe", {{"job", "unnamed"}}).empty());
}

TEST(TlsConfig, ServerNameMustBeAHostName) {
  auto cfg = ParseConfig("scrape_configs:\n  - job_name: a\n    tls_config:\n      server_name: 'bad/name'\n",
                         "p.yml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(std::string(cfg.status().message()).find("p.yml:4: key 'server_name'"), std::string::npos)
      << cfg.status();
}

}  // namespace
}  // namespace foresight::collection
