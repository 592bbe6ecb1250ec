// fabweb: the web console. Thin: everything is in daemon/web (run_fabweb).
#include <iostream>
#include <string>
#include <vector>

#include "web/fabweb.hpp"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    return fabgate::web::run_fabweb(args, std::cin, std::cout, std::cerr);
}
