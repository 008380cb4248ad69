// The one hook other handlers call to request a verification mail in the same commit as the fact
// that needs it (signup, email change). docs/MAIL.md.
#pragma once

#include <string>

#include "net/services.hpp"

namespace authd::net {

// `decide` followed, when it created `user_id` or changed their email, by a verification
// mail.requested in the same commit. `decide` unchanged when mail is off.
[[nodiscard]] storage::DecideFn WithVerificationMail(Services& s, storage::DecideFn decide,
                                                     std::string user_id,
                                                     const projections::Origin& origin);

}  // namespace authd::net
