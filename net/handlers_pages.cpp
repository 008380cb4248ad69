// The browser pages (GET /login, /signup, /account, /dashboard) and their static assets
// (GET /assets/{dir}/{file}), docs/WEB.md.
//
// Every file is read once, when the routes are registered, into an immutable table keyed by its
// URL path. A request is answered from that table only, so no request path ever reaches the file
// system: `..`, encoded slashes or NUL bytes cannot name a file that was not loaded, and the I/O
// threads never block on disk. Changing the pages needs a restart (they ship with the binary).
#include <boost/json.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <system_error>

#include "net/api.hpp"
#include "net/cookies.hpp"
#include "net/csrf.hpp"
#include "net/errors.hpp"
#include "net/log.hpp"
#include "net/problems.hpp"
#include "net/services.hpp"

namespace authd::net {
namespace {

using boost::asio::awaitable;
namespace fs = std::filesystem;

// Scripts and styles only from this server, no inline code; WebSockets to this server ('self'
// covers ws:/wss: to the same host in current browsers, CSP Level 3); QR codes are canvases and
// charts draw on canvases, so images need only 'self' and data:.
constexpr std::string_view kPageCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

// Assets are not fingerprinted, so browsers may keep them but must ask (If-None-Match) before
// reuse: a restart with new pages is seen at once, and an unchanged file costs a 304.
constexpr std::string_view kAssetCacheControl = "no-cache";

// The largest file loaded; the biggest vendored library is well under 1 MiB.
constexpr std::uintmax_t kMaxFileBytes = 4U * 1024U * 1024U;

constexpr std::string_view kPages[] = {"login", "signup", "account", "dashboard"};

struct StaticFile {
  std::string content_type;
  std::string etag;
  std::string body;
};

using FileTable = std::map<std::string, StaticFile, std::less<>>;

std::string_view ContentTypeFor(const fs::path& file) {
  const std::string ext = file.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  return "";  // anything else (source maps, READMEs, licences) is not served
}

// A name a URL segment may carry: [A-Za-z0-9._-], not starting with a dot (no "..", no
// hidden files).
bool IsPlainName(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.size() > 128) return false;
  for (const char ch : name) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

// FNV-1a: a stable validator for If-None-Match, not a security hash.
std::string ETagOf(std::string_view body) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char ch : body) {
    h ^= static_cast<unsigned char>(ch);
    h *= 1099511628211ULL;
  }
  std::ostringstream out;
  out << '"' << std::hex << h << '"';
  return out.str();
}

bool ReadFile(const fs::path& file, std::string& out) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec || size > kMaxFileBytes) return false;
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return static_cast<bool>(in) || in.eof();
}

void Load(FileTable& table, const std::string& url, const fs::path& file) {
  StaticFile f;
  f.content_type = std::string(ContentTypeFor(file));
  if (f.content_type.empty() || !ReadFile(file, f.body)) return;
  f.etag = ETagOf(f.body);
  table.emplace(url, std::move(f));
}

// web_root/assets/{dir}/{file} and web_root/assets/{file}: the two shapes the routes accept.
void LoadAssets(FileTable& table, const fs::path& assets) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(assets, ec)) {
    const std::string name = entry.path().filename().string();
    if (!IsPlainName(name)) continue;
    if (entry.is_regular_file(ec)) {
      Load(table, "/assets/" + name, entry.path());
    } else if (entry.is_directory(ec)) {
      std::error_code inner_ec;
      for (const auto& inner : fs::directory_iterator(entry.path(), inner_ec)) {
        const std::string file = inner.path().filename().string();
        if (IsPlainName(file) && inner.is_regular_file(inner_ec)) {
          Load(table, "/assets/" + name + "/" + file, inner.path());
        }
      }
    }
  }
}

Response Serve(const StaticFile& f, const Request& request, bool page) {
  Response r;
  r.SetHeader("ETag", f.etag);
  if (page) {
    r.SetHeader("Content-Security-Policy", kPageCsp);
    r.SetHeader("Cache-Control", "no-store");
  } else {
    r.SetHeader("Cache-Control", kAssetCacheControl);
    if (request.Header("If-None-Match") == std::string_view(f.etag)) {
      r.status = 304;
      return r;
    }
  }
  r.status = 200;
  r.content_type = f.content_type;
  r.body = f.body;
  return r;
}

// Login CSRF: the login and signup forms must echo a token the server issued, so a browser
// without one gets an anonymous token with the page. A held token is left alone (it may be bound
// to the current session); a stale one makes the login answer csrf_failed, and the page then asks
// GET /v1/csrf, which replaces it.
void GiveAnonymousCsrf(const RequestContext& ctx, Response& r) {
  const auto* s = ctx.App<Services>();
  if (s == nullptr || s->csrf == nullptr || CookieValue(ctx.request, kCsrfCookie)) return;
  SetCookie(r, kCsrfCookie, s->csrf->Issue(""), s->options.session_lifetime / 1'000'000,
            CookieAccess::kScriptReadable);
}

}  // namespace

bool RegisterPageRoutes(Router& router, const std::string& web_root) {
  auto table = std::make_shared<FileTable>();
  for (const auto page : kPages) {
    Load(*table, "/" + std::string(page), fs::path(web_root) / (std::string(page) + ".html"));
  }
  LoadAssets(*table, fs::path(web_root) / "assets");
  std::size_t pages = 0;
  for (const auto page : kPages)
    pages += table->count("/" + std::string(page));
  if (pages == 0) return false;

  for (const auto page : kPages) {
    const std::string url = "/" + std::string(page);
    router.Get(url, [table, url](RequestContext& ctx) -> awaitable<Response> {
      const auto it = table->find(url);
      if (it == table->end()) co_return ProblemForError(Errc::kNotFound);
      auto r = Serve(it->second, ctx.request, true);
      GiveAnonymousCsrf(ctx, r);
      co_return r;
    });
  }
  // "/" is where people type the server's address: send them to the account page, which sends
  // signed-out visitors on to /login.
  router.Get("/", [](RequestContext&) -> awaitable<Response> {
    Response r;
    r.status = 302;
    r.SetHeader("Location", "/account");
    co_return r;
  });
  // Parameters arrive percent-decoded, so the lookup key is rebuilt from checked names only: an
  // encoded "/" or ".." fails IsPlainName and never matches.
  const auto asset = [table](RequestContext& ctx) -> awaitable<Response> {
    const auto dir = ctx.Param("dir");
    const auto file = ctx.Param("file").value_or("");
    if ((dir && !IsPlainName(*dir)) || !IsPlainName(file)) {
      co_return ProblemForError(Errc::kNotFound);
    }
    const std::string key = dir ? "/assets/" + std::string(*dir) + "/" + std::string(file)
                                : "/assets/" + std::string(file);
    const auto it = table->find(key);
    if (it == table->end()) co_return ProblemForError(Errc::kNotFound);
    co_return Serve(it->second, ctx.request, false);
  };
  router.Get("/assets/{file}", asset);
  router.Get("/assets/{dir}/{file}", asset);
  LogInfo("serving the browser pages",
          {{"web_root", web_root}, {"files", static_cast<std::uint64_t>(table->size())}});
  return true;
}

}  // namespace authd::net
