// SMTP through libcurl. One easy handle per message: mail is rare, and a fresh connection keeps
// no state between sends that could go stale.
#include <curl/curl.h>

#include <cstring>
#include <mutex>

#include "mail/transport.hpp"

namespace authd::mail {
namespace {

struct Upload {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t ReadChunk(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  const std::size_t room = size * count;
  const std::size_t left = up->data->size() - up->offset;
  const std::size_t n = left < room ? left : room;
  std::memcpy(buffer, up->data->data() + up->offset, n);
  up->offset += n;
  return n;
}

class SmtpTransport final : public MailTransport {
 public:
  explicit SmtpTransport(SmtpOptions options) : options_(std::move(options)) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  [[nodiscard]] std::string_view Kind() const override { return "smtp"; }

  SendResult Send(const MailMessage& message, const std::string& mime) override {
    CURL* curl = curl_easy_init();
    if (curl == nullptr) return {.error = "curl_easy_init failed"};
    const std::string from = "<" + AddressOf(message.from) + ">";
    const std::string to = "<" + message.to + ">";
    curl_slist* rcpt = curl_slist_append(nullptr, to.c_str());
    Upload upload{.data = &mime};
    curl_easy_setopt(curl, CURLOPT_URL, options_.url.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, &ReadChunk);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, options_.timeout_seconds);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    long tls = CURLUSESSL_TRY;
    if (options_.starttls == "off") tls = CURLUSESSL_NONE;
    if (options_.starttls == "require") tls = CURLUSESSL_ALL;
    curl_easy_setopt(curl, CURLOPT_USE_SSL, tls);
    if (!options_.user.empty()) {
      curl_easy_setopt(curl, CURLOPT_USERNAME, options_.user.c_str());
      curl_easy_setopt(curl, CURLOPT_PASSWORD, options_.password.c_str());
    }
    const CURLcode rc = curl_easy_perform(curl);
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(curl);
    if (rc == CURLE_OK) return {.ok = true};
    SendResult r;
    r.error = std::string(curl_easy_strerror(rc));
    if (code != 0) r.error += " (SMTP " + std::to_string(code) + ")";
    // 5xx is the server's final no (unknown recipient, policy); anything else may pass later.
    r.permanent = code >= 500 && code < 600 && rc != CURLE_LOGIN_DENIED;
    return r;
  }

 private:
  SmtpOptions options_;
};

}  // namespace

std::unique_ptr<MailTransport> MakeSmtpTransport(SmtpOptions options) {
  return std::make_unique<SmtpTransport>(std::move(options));
}

}  // namespace authd::mail
