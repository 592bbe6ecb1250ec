# Precompiled headers: nlohmann/json, tl::expected and the standard headers were parsed again by
# every translation unit, most of the ASan tree's compile time in its lighter files (clang at -O0:
# the libraries and unit tests of core, ledger and ctl took 32% less CPU with them).
# Each header set is compiled once per tree by its owning target, and the targets built with the
# same flags reuse it (REUSE_FROM), since a PCH is only valid for the flags it was made with; the
# compiler refuses a stale one (-Winvalid-pch, an error with -Werror) rather than silently parse
# the headers again.
#
# Only third-party and standard headers go in: never OS headers (daemon/core must not see any),
# never project headers, whose edits would rebuild every file, and never CLI11, whose namespace-
# scope validator objects would be compiled into every file that uses the PCH (it made a file of
# fabctl's slower, not faster). Each file keeps its own includes; scripts/lint-layers checks them
# from the include lines, which a PCH does not change.
#
# On by default for clang only. gcc 12 loses the diagnostic pragmas of headers read from a PCH
# (GCC PR 64117): libstdc++'s own suppression of -Warray-bounds in char_traits.h is
# gone and -Werror fails on its known false positives at -O2. And gcc reads the whole PCH (100 MB)
# for every file where clang reads what the file uses: measured on gcc 12, a file without
# nlohmann/json took up to 0.8 s longer, one with it up to 1.6 s shorter, and two thirds of the
# files do not include it. -DFABGATE_PCH=OFF builds without, e.g. to see that every file includes
# what it uses.
set(fabgate_pch_default OFF)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    set(fabgate_pch_default ON)
endif()
option(FABGATE_PCH "Precompile the third-party headers (on by default with clang)" ${fabgate_pch_default})

set(FABGATE_PCH_STD_HEADERS
    <algorithm> <array> <chrono> <cstdint> <functional> <map> <memory> <optional> <set> <span>
    <string> <string_view> <utility> <vector>)
set(FABGATE_PCH_PRODUCT_HEADERS ${FABGATE_PCH_STD_HEADERS} <nlohmann/json.hpp> <tl/expected.hpp>)

# fabgate_precompile(TARGET HEADERS...): TARGET compiles the PCH of HEADERS for its own files.
# ccache: a clang PCH holds the time it was made unless told not to, and every file using it
# would then miss the cache in a fresh tree; ccache also needs CCACHE_SLOPPINESS to contain
# pch_defines,time_macros (scripts/test sets it). The PCH holds absolute paths of the checkout and
# the build dir: a fresh tree at the same path hits the cache, one in another clone does not.
function(fabgate_precompile target)
    if(FABGATE_PCH)
        target_precompile_headers(${target} PRIVATE ${ARGN})
        if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
            target_compile_options(${target} PRIVATE "SHELL:-Xclang -fno-pch-timestamp")
        endif()
    endif()
endfunction()

# fabgate_reuse_pch(TARGET OWNER): TARGET's files use OWNER's PCH. Both must be compiled with the
# same flags (build type, warnings, sanitizers); definitions and include paths may differ. The
# few programs under tests/ that are not doctest executables (support library, benchmarks,
# fabgate_hil, fuzzers) use none: in the fuzz tree their coverage flags differ from both, and
# clang refuses a PCH made with other sanitizer settings.
function(fabgate_reuse_pch target owner)
    if(FABGATE_PCH)
        target_precompile_headers(${target} REUSE_FROM ${owner})
    endif()
endfunction()
