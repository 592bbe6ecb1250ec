// fabctl: the FabLab manager's tool. Thin: everything is in daemon/ctl, so tests run the same
// code in-process.
#include <iostream>
#include <string>
#include <vector>

#include "ctl/fabctl.hpp"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    return fabgate::ctl::run_fabctl(args, std::cout, std::cerr);
}
