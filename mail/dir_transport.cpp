// The embedded default: no mail server, each message a file in DATA/outbox/ (for development,
// tests, and installs that pick mail up from the folder).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "mail/transport.hpp"

namespace authd::mail {
namespace {

class DirTransport final : public MailTransport {
 public:
  explicit DirTransport(std::string folder) : folder_(std::move(folder)) {}

  [[nodiscard]] std::string_view Kind() const override { return "dir"; }

  SendResult Send(const MailMessage& message, const std::string& mime) override {
    std::error_code ec;
    std::filesystem::create_directories(folder_, ec);
    if (ec) return {.error = "cannot create " + folder_ + ": " + ec.message()};
    const auto final_path = std::filesystem::path(folder_) / (message.id + ".eml");
    const auto tmp_path = std::filesystem::path(folder_) / ("." + message.id + ".tmp");
    // 0600: the file holds a live token.
    const int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return {.error = "cannot write " + tmp_path.string() + ": " + std::strerror(errno)};
    std::size_t done = 0;
    while (done < mime.size()) {
      const ssize_t n = ::write(fd, mime.data() + done, mime.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        return {.error = "cannot write " + tmp_path.string() + ": " + why};
      }
      done += static_cast<std::size_t>(n);
    }
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!synced) return {.error = "cannot fsync " + tmp_path.string()};
    std::filesystem::rename(tmp_path, final_path, ec);
    if (ec) return {.error = "cannot rename into " + final_path.string() + ": " + ec.message()};
    // The rename itself must survive a crash before the mail is marked delivered.
    const int dir = ::open(folder_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      (void)::fsync(dir);
      ::close(dir);
    }
    return {.ok = true};
  }

 private:
  std::string folder_;
};

}  // namespace

std::unique_ptr<MailTransport> MakeDirTransport(std::string folder) {
  return std::make_unique<DirTransport>(std::move(folder));
}

}  // namespace authd::mail
