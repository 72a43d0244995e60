#include "host/cli/options.hpp"

#include <stdexcept>

#include "host/cli/commands.hpp"
#include "model/format_names.hpp"

namespace mpsim::cli {

void throw_usage_error(const std::string& message) { throw UsageError(message); }

FloatFormat format_option(const std::string& option, const std::string& name) {
  try {
    return parse_format(name);
  } catch (const std::invalid_argument& e) {
    throw UsageError(option + ": " + e.what());
  }
}

}  // namespace mpsim::cli
