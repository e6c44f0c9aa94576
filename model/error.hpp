#pragma once
// The one exception type for bad input. It carries where the bad value came
// from (a file:line:column, a CLI flag, a field path) so the CLI can print one
// line that names it. Infeasible-but-valid configurations are NOT errors: they
// are results with a reason (see feasibility.hpp).

#include <stdexcept>
#include <string>
#include <utility>

namespace hwplan {

class Error : public std::runtime_error {
public:
    // `where`: "file.yaml:12:5", "--batch", "deployment.tp" ... may be empty.
    explicit Error(std::string message, std::string where = {})
        : std::runtime_error(where.empty() ? message : where + ": " + message),
          message_(std::move(message)),
          where_(std::move(where)) {}

    [[nodiscard]] const std::string& message() const noexcept { return message_; }
    [[nodiscard]] const std::string& where() const noexcept { return where_; }

    // The same error seen from one level further out ("in models/x.yaml: ...").
    [[nodiscard]] Error within(const std::string& outer) const {
        return Error(message_, where_.empty() ? outer : outer + ": " + where_);
    }

private:
    std::string message_;
    std::string where_;
};

}  // namespace hwplan
