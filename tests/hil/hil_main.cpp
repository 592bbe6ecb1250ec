// The guest side of scripts/hil-gpio-sim: runs as /init's child inside the VM, as root, with
// configfs mounted and gpio-sim loaded. Usage: fabgate_hil [--badges N] [--fabgate PATH]
#include <cstdlib>
#include <string>
#include <string_view>

#include "stages.hpp"
#include "verdicts.hpp"

int main(int argc, char** argv) {
    fabgate::hil::Options options;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view flag = argv[i];
        if (flag == "--badges") options.badges = std::atoi(argv[i + 1]);
        if (flag == "--fabgate") options.fabgate_path = argv[i + 1];
    }
    fabgate::hil::Verdicts verdicts;
    fabgate::hil::run_raw_stage(verdicts);
    fabgate::hil::run_adapter_stage(verdicts, options);
    fabgate::hil::run_daemon_stage(verdicts, options);
    verdicts.finish();
    return verdicts.failed() == 0 ? 0 : 1;
}
