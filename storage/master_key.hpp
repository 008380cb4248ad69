// The master key that wraps every subject's data key.
#pragma once

#include <string>

#include "core/result.hpp"
#include "core/secret.hpp"

namespace authd::storage {

struct MasterKey {
  core::Key256 key;
  std::string source;    // "environment", "key file <path>" (never the key itself)
  bool created = false;  // a new key file was generated on this start
};

// From `env_value` (the AUTHD_MASTER_KEY variable: 64 hex digits or 43 base64url characters) when
// non-empty; else from `key_file`; else, when `create` is true, generates a key file with mode 0600
// (the folder is created with 0700 if missing). Errors: kInvalidArgument for a malformed value or
// a key file readable by group or others; kNotFound when missing and create is false; kIoError.
[[nodiscard]] Result<MasterKey> LoadMasterKey(const std::string& env_value,
                                              const std::string& key_file, bool create);

}  // namespace authd::storage
