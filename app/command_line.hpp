// What every operator command does first: parse its options, open its data folder.
#pragma once

#include <boost/program_options.hpp>
#include <memory>
#include <optional>
#include <string_view>

#include "app/commands.hpp"
#include "app/data_dir.hpp"

namespace authd::app {

// Adds --help to `desc` and parses `args` into `vm`. Returns the exit status when the command
// must stop here (help printed: 0; bad usage, explained on stderr: 2), nullopt to go on.
[[nodiscard]] std::optional<int> ParseArgs(std::string_view command,
                                           boost::program_options::options_description& desc,
                                           const Args& args,
                                           boost::program_options::variables_map& vm);

// Opens the data folder, or says why not on stderr and returns nullptr (exit with kExitData).
[[nodiscard]] std::unique_ptr<DataDir> OpenOrComplain(std::string_view command,
                                                      const std::string& path, OpenMode mode);

}  // namespace authd::app
