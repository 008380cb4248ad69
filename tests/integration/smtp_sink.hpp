// A real SMTP server on loopback for the mail tests: tests/integration/smtp_sink.py (Debian's
// python3-aiosmtpd) as a child process that stores every accepted message as a file.
//
// Start() waits (at most 10 s) until the port accepts connections; Stop() sends SIGTERM and waits
// (at most 5 s), then SIGKILL. The child dies with the test process (PR_SET_PDEATHSIG).
// Not thread-safe.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server.hpp"

namespace authd::test {

inline bool PortAccepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

class SmtpSink {
 public:
  // `port` 0: a free one. `extra`: more smtp_sink.py flags (--auth U:P, --hold-first S).
  explicit SmtpSink(std::uint16_t port = 0, std::vector<std::string> extra = {})
      : port_(port != 0 ? port : PickFreePort()), extra_(std::move(extra)) {}
  ~SmtpSink() { Stop(); }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::string dir() const { return folder_.Sub("mail"); }

  bool Start() {
    const std::string script = std::string(AUTHD_TESTS_DIR) + "/smtp_sink.py";
    // Debian's interpreter: the package lives in its dist-packages, not in a pyenv one.
    const std::string python =
        std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    std::vector<std::string> argv = {python,  script, "--port", std::to_string(port_),
                                     "--dir", dir()};
    argv.insert(argv.end(), extra_.begin(), extra_.end());
    std::vector<char*> args;
    for (auto& a : argv)
      args.push_back(a.data());
    args.push_back(nullptr);
    const std::string log_path = folder_.Sub("sink.log");
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(126);
      const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (log_fd >= 0) {
        ::dup2(log_fd, 1);
        ::dup2(log_fd, 2);
      }
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (PortAccepts(port_)) return true;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  [[nodiscard]] std::string Log() const {
    std::ifstream in(folder_.Sub("sink.log"));
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }

  // Every stored message, oldest first.
  [[nodiscard]] std::vector<std::string> Messages() const { return ReadMessages(dir()); }

  // The stored messages to `to`, once there are at least `n` (or whatever there is after
  // `timeout`).
  [[nodiscard]] std::vector<std::string> WaitFor(
      const std::string& to, std::size_t n,
      std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    return WaitForMessages(dir(), to, n, timeout);
  }

  // The messages in `folder` (files ending in .eml, oldest name first).
  static std::vector<std::string> ReadMessages(const std::string& folder) {
    std::vector<std::filesystem::path> names;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(folder, ec)) {
      // Not the writers' temporary files (".name.tmp"), which start with a dot.
      const std::string name = e.path().filename().string();
      if (e.path().extension() == ".eml" && name.front() != '.') names.push_back(e.path());
    }
    std::sort(names.begin(), names.end());
    std::vector<std::string> out;
    for (const auto& p : names) {
      std::ifstream in(p);
      std::ostringstream s;
      s << in.rdbuf();
      out.push_back(s.str());
    }
    return out;
  }

  static std::vector<std::string> WaitForMessages(const std::string& folder, const std::string& to,
                                                  std::size_t n,
                                                  std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::vector<std::string> mine;
      for (auto& m : ReadMessages(folder)) {
        if (Header(m, "To") == to) mine.push_back(std::move(m));
      }
      if (mine.size() >= n || std::chrono::steady_clock::now() >= deadline) return mine;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

 private:
  std::uint16_t port_;
  std::vector<std::string> extra_;
  TempFolder folder_;
  pid_t pid_ = -1;

 public:
  // The value of header `name` of a stored message ("" when absent).
  static std::string Header(const std::string& message, const std::string& name) {
    std::istringstream in(message);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) break;  // end of the headers
      if (line.size() > name.size() + 1 && line.compare(0, name.size(), name) == 0 &&
          line[name.size()] == ':') {
        return line.substr(name.size() + 2);
      }
    }
    return "";
  }

  // The token a message carries (its "enter this code:" line).
  static std::string Token(const std::string& message) {
    static const std::regex re("enter this code: ([A-Za-z0-9_-]+)");
    std::smatch m;
    return std::regex_search(message, m, re) ? m[1].str() : std::string();
  }
};

}  // namespace authd::test
