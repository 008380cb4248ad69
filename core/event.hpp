// The event envelope: one fact in the log. Plain value; its byte encoding lives in event_codec.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>

#include "core/clock.hpp"
#include "core/secret.hpp"

namespace authd::core {

struct Event {
  // Assigned by the event log when the event is committed.
  std::uint64_t seq = 0;
  std::string type;           // e.g. "user.signed_up"; see event_types.hpp
  std::uint32_t schema = 1;   // per-type payload version, for upcasting old records
  std::string stream;         // aggregate id, e.g. the user id
  std::uint64_t version = 0;  // 1-based position within the stream, assigned at commit
  Micros at = 0;              // commit time, microseconds since the epoch
  std::string actor;          // user id that caused it, or "" for anonymous
  std::string request_id;
  // Non-secret payload. Only strings, integers, booleans, arrays and objects (no doubles), so the
  // canonical encoding is exact.
  boost::json::object data;
  // Personal data and secrets: field name -> sealed blob (see sealing.hpp), all sealed under the
  // data key of `subject`. The actor's client address is sealed here as "ip".
  std::string subject;
  std::map<std::string, std::string, std::less<>> sealed;
  Digest prev_hash{};
  Digest hash{};

  friend bool operator==(const Event&, const Event&) = default;
};

}  // namespace authd::core
