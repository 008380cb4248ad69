#include "bench/server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "tests/client/test_client.hpp"
#include "tests/integration/free_port.hpp"

namespace authd::bench {
namespace {

bool Healthy(std::uint16_t port) {
  net::testing::TestClient client(port, std::chrono::seconds(2));
  if (!client.connected()) return false;
  auto res = client.Do("GET", "/healthz");
  return res && res->result_int() == 200;
}

}  // namespace

ServerProcess::~ServerProcess() {
  Stop();
}

bool ServerProcess::Start(const std::string& authd, const std::string& data,
                          const std::string& log_path, const std::vector<std::string>& flags,
                          std::chrono::seconds timeout) {
  Stop();
  error_.clear();
  port_ = test::PickFreePort();  // may be taken before the bind: Start then fails and says so
  if (port_ == 0) {
    error_ = "no free port";
    return false;
  }
  std::vector<std::string> argv = {authd, "serve",    "--data",
                                   data,  "--listen", "127.0.0.1:" + std::to_string(port_)};
  argv.insert(argv.end(), flags.begin(), flags.end());
  // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(a.data());
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    error_ = "fork failed";
    return false;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the benchmark
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
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      error_ = "authd serve exited early (status " + std::to_string(status) + "); see " + log_path;
      return false;
    }
    if (Healthy(port_)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  error_ = "authd serve did not answer GET /healthz in time; see " + log_path;
  Stop();
  return false;
}

void ServerProcess::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) != pid_) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
}

ProcMemory ServerProcess::Memory() const {
  ProcMemory m;
  if (pid_ <= 0) return m;
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name;
    long long value = -1;
    fields >> name >> value;
    if (name == "VmRSS:") m.rss_kib = value;
    if (name == "VmHWM:") m.hwm_kib = value;
    if (name == "RssAnon:") m.anon_kib = value;
    if (name == "RssFile:") m.file_kib = value;
    if (name == "Threads:") m.threads = value;
  }
  return m;
}

}  // namespace authd::bench
