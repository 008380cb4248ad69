# Turns core/data/common-passwords.txt into a C++ array of lower-cased entries (comments skipped).
# Invoked with -DINPUT=... -DOUTPUT=...
file(STRINGS ${INPUT} lines ENCODING UTF-8)
set(body "")
foreach(line IN LISTS lines)
  if(line MATCHES "^#!comment:" OR line STREQUAL "")
    continue()
  endif()
  string(TOLOWER "${line}" line)
  string(REPLACE "\\" "\\\\" line "${line}")
  string(REPLACE "\"" "\\\"" line "${line}")
  string(APPEND body "    \"${line}\",\n")
endforeach()
file(WRITE ${OUTPUT} "// Generated from core/data/common-passwords.txt by cmake/EmbedPasswordList.cmake.\n"
  "#include <string_view>\n#include <span>\n"
  "namespace authd::core {\n"
  "extern const std::span<const std::string_view> kCommonPasswords;\n"
  "namespace { constexpr std::string_view kList[] = {\n${body}}; }\n"
  "const std::span<const std::string_view> kCommonPasswords{kList};\n"
  "}  // namespace authd::core\n")
