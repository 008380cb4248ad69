// A real `authd serve` child process on 127.0.0.1 for the black-box API tests.
//
// AuthdServer picks a free port (bind port 0, read it, close), creates a temp data folder,
// optionally adds an admin with `authd user add` first (the folder is locked while a server runs),
// starts `authd serve` with fork/exec and waits until GET /healthz answers 200 (at most 10 s).
// Destruction sends SIGTERM and waits (at most 10 s), then SIGKILL. Kill() and Restart() are for
// crash tests: SIGKILL, then a new server on the same folder (on a fresh port).
//
// The child's stdout and stderr go to a file beside the data folder (Log() reads it), and the
// child dies with the test process (PR_SET_PDEATHSIG), so a crashed test leaves no server behind.
// Not thread-safe: drive one AuthdServer from one thread.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/client/test_client.hpp"
#include "tests/integration/free_port.hpp"
#include "tests/integration/process.hpp"
#include "tests/integration/tls_cert.hpp"

namespace authd::test {

// A fresh folder under the system temp folder, removed with everything in it at the end.
class TempFolder {
 public:
  TempFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "authd-api-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string Sub(std::string_view name) const {
    return (std::filesystem::path(path_) / name).string();
  }

 private:
  std::string path_;
};

// The authd binary under test: AUTHD_BINARY (this build's), or the TEST_AUTHD_BINARY environment
// variable when set (to run the same black-box tests against another build, e.g. a sanitized one).
// Not AUTHD_*: `authd serve` reads every AUTHD_* variable as an option and refuses unknown ones.
inline std::string AuthdBinary() {
  const char* other = std::getenv("TEST_AUTHD_BINARY");
  return other != nullptr && *other != '\0' ? std::string(other) : std::string(AUTHD_BINARY);
}

struct ServerSpec {
  // Run `authd user add --role admin` on the folder before the first start.
  bool with_admin = false;
  // Extra `authd serve` flags. Cheap argon2 settings (--argon2-memory-kib 8192
  // --argon2-iterations 1) are always passed; the server refuses a repeated flag, so do not give
  // those two here. --signup-burst 0 and --refresh-burst 0 are passed unless given here.
  std::vector<std::string> flags;
  // The data folder to use instead of one in the test's temp folder (e.g. on a small tmpfs the
  // test mounted); created when missing, never removed by the server object.
  std::string data_dir;
  // Serve HTTPS/WSS: a throwaway self-signed certificate for localhost/127.0.0.1 is written
  // beside the data folder and passed as --tls-cert/--tls-key. Talk to it with
  // Api(server.port(), timeout, server.tls()) or TestClient(port, timeout, ClientTls{}).
  bool tls = false;
};

class AuthdServer {
 public:
  static constexpr const char* kAdminUsername = "admin";
  static constexpr const char* kAdminEmail = "admin@example.com";
  static constexpr const char* kAdminPassword = "correct horse battery staple";

  explicit AuthdServer(ServerSpec spec = {}) : spec_(std::move(spec)) {
    std::filesystem::create_directories(data_dir());
    if (spec_.tls) {
      std::filesystem::create_directories(folder_.Sub("tls"));
      tls_files_ = WriteSelfSigned(folder_.Sub("tls"));
    }
    if (spec_.with_admin) {
      auto added = RunProcess(
          {AuthdBinary(), "user", "add", "--data", data_dir(), "--username", kAdminUsername,
           "--email", kAdminEmail, "--role", "admin", "--password-stdin"},
          std::string(kAdminPassword) + "\n");
      if (added.exit_code != 0) {
        error_ = "authd user add failed: " + added.err;
        return;
      }
      boost::system::error_code ec;
      auto user = boost::json::parse(added.out, ec);
      if (ec || !user.is_object() || !user.as_object().contains("id")) {
        error_ = "authd user add printed no user: " + added.out;
        return;
      }
      admin_id_ = std::string(user.as_object().at("id").as_string());
    }
    Start();
  }

  ~AuthdServer() { Stop(); }
  AuthdServer(const AuthdServer&) = delete;
  AuthdServer& operator=(const AuthdServer&) = delete;

  // True when the server answered /healthz; error() says why not.
  [[nodiscard]] bool ok() const { return pid_ > 0 && error_.empty(); }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] std::string data_dir() const {
    return spec_.data_dir.empty() ? folder_.Sub("data") : spec_.data_dir;
  }
  [[nodiscard]] const std::string& admin_id() const { return admin_id_; }
  // True when it serves HTTPS (ServerSpec::tls).
  [[nodiscard]] bool tls() const { return spec_.tls; }
  // The client settings for it: nullopt for plain HTTP.
  [[nodiscard]] std::optional<net::testing::ClientTls> client_tls() const {
    if (!spec_.tls) return std::nullopt;
    return net::testing::ClientTls{};
  }

  // False once the server process has exited (crashed, or was stopped or killed).
  [[nodiscard]] bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return true;
    pid_ = -1;
    exit_status_ = status;
    return false;
  }

  // How the server process ended, e.g. "killed by signal 6", when running() turned false.
  [[nodiscard]] std::string ExitDescription() const {
    if (WIFSIGNALED(exit_status_))
      return "killed by signal " + std::to_string(WTERMSIG(exit_status_));
    return "exited with status " + std::to_string(WEXITSTATUS(exit_status_));
  }

  // Everything the server wrote to stdout and stderr so far (for failure messages).
  [[nodiscard]] std::string Log() const {
    std::ifstream in(folder_.Sub("server.log"));
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }

  // SIGTERM, then wait (at most `grace`), then SIGKILL. True when it exited with status 0.
  bool Stop(std::chrono::milliseconds grace = std::chrono::seconds(10)) {
    if (pid_ <= 0) return false;
    ::kill(pid_, SIGTERM);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < deadline) {
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
      }
      if (r < 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    Kill();
    return false;
  }

  // SIGKILL, as a crash would: nothing is flushed or closed by the server.
  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  // Starts a new server on the same data folder (after Kill() or Stop()), on a fresh port.
  bool Restart() {
    if (pid_ > 0) Kill();
    error_.clear();
    return Start();
  }

 private:
  bool Start() {
    // The port may be taken between PickFreePort and the server's bind: try a few.
    for (int attempt = 0; attempt < 3; ++attempt) {
      port_ = PickFreePort();
      if (port_ == 0) {
        error_ = "no free port";
        return false;
      }
      if (Spawn() && WaitHealthy()) {
        error_.clear();
        return true;
      }
      Kill();
    }
    if (error_.empty()) error_ = "authd serve did not become healthy";
    error_ += "\n--- server log ---\n" + Log();
    return false;
  }

  bool Spawn() {
    std::vector<std::string> argv = {AuthdBinary(),
                                     "serve",
                                     "--data",
                                     data_dir(),
                                     "--listen",
                                     "127.0.0.1:" + std::to_string(port_),
                                     "--argon2-memory-kib",
                                     "8192",
                                     "--argon2-iterations",
                                     "1"};
    // The suites sign many users up from 127.0.0.1: the per-address signup and refresh limits
    // are off unless a suite sets them (docs/THROTTLING.md has the defaults).
    for (const char* flag : {"--signup-burst", "--refresh-burst"}) {
      if (std::find(spec_.flags.begin(), spec_.flags.end(), flag) == spec_.flags.end()) {
        argv.insert(argv.end(), {flag, "0"});
      }
    }
    if (spec_.tls)
      argv.insert(argv.end(), {"--tls-cert", tls_files_.cert, "--tls-key", tls_files_.key});
    argv.insert(argv.end(), spec_.flags.begin(), spec_.flags.end());
    // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
    std::vector<char*> args;
    for (auto& a : argv)
      args.push_back(a.data());
    args.push_back(nullptr);
    const std::string log_path = folder_.Sub("server.log");
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
      error_ = "fork failed";
      return false;
    }
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(126);
      const int null_fd = ::open("/dev/null", O_RDONLY);
      const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (null_fd < 0 || log_fd < 0) ::_exit(126);
      ::dup2(null_fd, 0);
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    pid_ = pid;
    return true;
  }

  bool WaitHealthy() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_status_ = status;
        error_ = "authd serve exited early";
        return false;
      }
      net::testing::TestClient client(port_, std::chrono::seconds(1), client_tls());
      if (client.connected()) {
        auto res = client.Do("GET", "/healthz");
        if (res && res->result_int() == 200) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    error_ = "authd serve did not answer GET /healthz within 10 s";
    return false;
  }

  ServerSpec spec_;
  TempFolder folder_;
  TlsFilesOnDisk tls_files_;
  std::string admin_id_;
  std::string error_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  int exit_status_ = 0;
};

}  // namespace authd::test
