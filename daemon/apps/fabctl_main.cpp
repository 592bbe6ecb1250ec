// fabctl: the FabLab manager's tool. Thin: everything is in daemon/ctl, so tests run the same
// code in-process.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "ctl/fabctl.hpp"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        return fabgate::ctl::run_fabctl(args, std::cout, std::cerr);
    } catch (const std::exception& e) {
        // A bug, not a user error: say so instead of aborting with a core dump.
        std::cerr << "fabctl: internal error: " << e.what() << " (please report it)\n";
        return fabgate::ctl::kExitRuntime;
    }
}
