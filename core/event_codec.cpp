#include "core/event_codec.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <vector>

#include "core/error.hpp"
#include "core/hashing.hpp"
#include "core/utf8.hpp"

namespace authd::core {
namespace {

class Writer {
 public:
  void U8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U16(std::uint16_t v) { Int(v, 2); }
  void U32(std::uint32_t v) { Int(v, 4); }
  void U64(std::uint64_t v) { Int(v, 8); }
  void Str8(std::string_view s) {
    // Short fields (type, ids) are bounded by the decider; clip defensively rather than wrap.
    U16(static_cast<std::uint16_t>(std::min<std::size_t>(s.size(), 0xFFFF)));
    out_.append(s.substr(0, 0xFFFF));
  }
  void Str32(std::string_view s) {
    U32(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }
  void Raw(std::span<const std::uint8_t> b) {
    out_.append(reinterpret_cast<const char*>(b.data()), b.size());
  }
  std::string& out() { return out_; }

 private:
  void Int(std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
      out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool U8(std::uint8_t& v) {
    std::uint64_t x = 0;
    if (!Int(x, 1)) return false;
    v = static_cast<std::uint8_t>(x);
    return true;
  }
  bool U16(std::uint16_t& v) {
    std::uint64_t x = 0;
    if (!Int(x, 2)) return false;
    v = static_cast<std::uint16_t>(x);
    return true;
  }
  bool U32(std::uint32_t& v) {
    std::uint64_t x = 0;
    if (!Int(x, 4)) return false;
    v = static_cast<std::uint32_t>(x);
    return true;
  }
  bool U64(std::uint64_t& v) { return Int(v, 8); }
  bool Str8(std::string& s) {
    std::uint16_t n = 0;
    return U16(n) && Bytes(n, s);
  }
  bool Str32(std::string& s) {
    std::uint32_t n = 0;
    return U32(n) && Bytes(n, s);
  }
  bool Digest32(Digest& d) {
    if (in_.size() - pos_ < d.size()) return false;
    std::copy_n(in_.data() + pos_, d.size(), reinterpret_cast<char*>(d.data()));
    pos_ += d.size();
    return true;
  }
  [[nodiscard]] std::size_t pos() const { return pos_; }
  [[nodiscard]] bool done() const { return pos_ == in_.size(); }

 private:
  bool Int(std::uint64_t& v, int bytes) {
    if (in_.size() - pos_ < static_cast<std::size_t>(bytes)) return false;
    v = 0;
    for (int i = 0; i < bytes; ++i)
      v = (v << 8) | static_cast<std::uint8_t>(in_[pos_++]);
    return true;
  }
  bool Bytes(std::size_t n, std::string& s) {
    if (in_.size() - pos_ < n) return false;
    s.assign(in_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
};

void WriteCanonical(const boost::json::value& v, std::string& out) {
  switch (v.kind()) {
    case boost::json::kind::object: {
      const auto& obj = v.get_object();
      std::vector<const boost::json::key_value_pair*> members;
      members.reserve(obj.size());
      for (const auto& kv : obj)
        members.push_back(&kv);
      std::sort(members.begin(), members.end(),
                [](auto* a, auto* b) { return a->key() < b->key(); });
      out.push_back('{');
      bool first = true;
      for (const auto* kv : members) {
        if (!first) out.push_back(',');
        first = false;
        out += boost::json::serialize(boost::json::string_view(kv->key()));
        out.push_back(':');
        WriteCanonical(kv->value(), out);
      }
      out.push_back('}');
      return;
    }
    case boost::json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        WriteCanonical(item, out);
      }
      out.push_back(']');
      return;
    }
    default:
      // Strings, integers, booleans and null serialize one way in Boost.JSON. Doubles are kept
      // out of events by contract (see event.hpp).
      out += boost::json::serialize(v);
      return;
  }
}

bool FitsJson(const boost::json::value& v, std::size_t depth) {
  switch (v.kind()) {
    case boost::json::kind::object:
      if (depth > kMaxDataDepth) return false;
      for (const auto& kv : v.get_object()) {
        if (!ScanUtf8(kv.key()).valid || !FitsJson(kv.value(), depth + 1)) return false;
      }
      return true;
    case boost::json::kind::array:
      if (depth > kMaxDataDepth) return false;
      for (const auto& item : v.get_array()) {
        if (!FitsJson(item, depth + 1)) return false;
      }
      return true;
    case boost::json::kind::string:
      return ScanUtf8(v.get_string()).valid;
    case boost::json::kind::double_:
      return false;  // doubles have no single canonical text
    default:
      return true;
  }
}

}  // namespace

bool FitsEncoding(const Event& e) {
  for (const std::string* f : {&e.type, &e.stream, &e.actor, &e.request_id, &e.subject}) {
    if (f->size() > kMaxShortField) return false;
  }
  if (e.sealed.size() > kMaxSealedFields) return false;
  for (const auto& [field, blob] : e.sealed) {
    if (field.size() > kMaxShortField || blob.size() > 0xFFFFFFFFU) return false;
  }
  return FitsJson(e.data, 1);
}

std::string CanonicalJson(const boost::json::value& v) {
  std::string out;
  WriteCanonical(v, out);
  return out;
}

std::string EncodeEventBody(const Event& e) {
  Writer w;
  w.U8(kEventFormat);
  w.U64(e.seq);
  w.Str8(e.type);
  w.U32(e.schema);
  w.Str8(e.stream);
  w.U64(e.version);
  w.U64(static_cast<std::uint64_t>(e.at));
  w.Str8(e.actor);
  w.Str8(e.request_id);
  w.Str32(CanonicalJson(e.data));
  w.Str8(e.subject);
  w.U16(static_cast<std::uint16_t>(e.sealed.size()));
  for (const auto& [field, blob] : e.sealed) {
    w.Str8(field);
    w.Str32(blob);
  }
  return std::move(w.out());
}

std::string EncodeEvent(const Event& e) {
  std::string out = EncodeEventBody(e);
  out.append(reinterpret_cast<const char*>(e.prev_hash.data()), e.prev_hash.size());
  out.append(reinterpret_cast<const char*>(e.hash.data()), e.hash.size());
  return out;
}

std::string SealChain(Event& e, const Digest& prev) {
  std::string body = EncodeEventBody(e);
  e.prev_hash = prev;
  e.hash = ChainHash(prev, body);
  body.append(reinterpret_cast<const char*>(e.prev_hash.data()), e.prev_hash.size());
  body.append(reinterpret_cast<const char*>(e.hash.data()), e.hash.size());
  return body;
}

Result<Event> DecodeEvent(std::string_view bytes, std::size_t* body_size) {
  Reader r(bytes);
  Event e;
  std::uint8_t format = 0;
  std::uint64_t at = 0;
  std::string data;
  std::uint16_t n_sealed = 0;
  if (!r.U8(format) || format != kEventFormat) return Errc::kCorruptRecord;
  if (!r.U64(e.seq) || !r.Str8(e.type) || !r.U32(e.schema) || !r.Str8(e.stream) ||
      !r.U64(e.version) || !r.U64(at) || !r.Str8(e.actor) || !r.Str8(e.request_id) ||
      !r.Str32(data) || !r.Str8(e.subject) || !r.U16(n_sealed)) {
    return Errc::kCorruptRecord;
  }
  e.at = static_cast<Micros>(at);
  for (std::uint16_t i = 0; i < n_sealed; ++i) {
    std::string field;
    std::string blob;
    if (!r.Str8(field) || !r.Str32(blob)) return Errc::kCorruptRecord;
    // Fields are written in order; anything else was not written by EncodeEvent.
    if (!e.sealed.empty() && e.sealed.rbegin()->first >= field) return Errc::kCorruptRecord;
    e.sealed.emplace_hint(e.sealed.end(), std::move(field), std::move(blob));
  }
  const std::size_t body_end = r.pos();
  if (!r.Digest32(e.prev_hash) || !r.Digest32(e.hash) || !r.done()) return Errc::kCorruptRecord;

  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = kMaxDataDepth + 1;  // a little above what FitsEncoding lets in
  auto parsed = boost::json::parse(data, ec, {}, opts);
  if (ec || !parsed.is_object()) return Errc::kCorruptRecord;
  e.data = std::move(parsed.get_object());
  if (body_size != nullptr) *body_size = body_end;
  return e;
}

}  // namespace authd::core
