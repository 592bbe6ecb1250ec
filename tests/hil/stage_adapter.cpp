// Stage b placeholder until hw/gpio's adapter is in the build.
#include "stages.hpp"

namespace fabgate::hil {

void run_adapter_stage(Verdicts& verdicts, const Options&) {
    verdicts.note("adapter stage not built: hw/gpio has no adapter library yet");
}

}  // namespace fabgate::hil
