// Stage c placeholder until the fabgate daemon is in the build.
#include "stages.hpp"

namespace fabgate::hil {

void run_daemon_stage(Verdicts& verdicts, const Options& options) {
    if (options.fabgate_path.empty())
        verdicts.note("daemon stage skipped: no fabgate binary in the image");
}

}  // namespace fabgate::hil
