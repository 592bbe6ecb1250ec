#pragma once
// fabweb as a function: the program's main is one call; tests run --add-manager in-process.
#include <istream>
#include <ostream>
#include <string>
#include <vector>

namespace fabgate::web {

// args without the program name. Reads a new manager's password from `in`.
int run_fabweb(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
               std::ostream& err);

}  // namespace fabgate::web
