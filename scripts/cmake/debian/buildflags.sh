# Sourced by scripts/package and scripts/cross-arm64: Debian's build flags (hardening,
# optimisation, -ffile-prefix-map) for a host architecture, as CMake arguments, so that the
# tree cross-arm64 builds and tests is the one scripts/package packs.
#   debian_cmake_flags ARCH   sets the array DEBIAN_CMAKE_FLAGS
debian_cmake_flags() {
    local host_env=() cflags cxxflags cppflags ldflags
    [[ $1 != "$(dpkg --print-architecture)" ]] && host_env=(DEB_HOST_ARCH="$1")
    cflags=$(env "${host_env[@]}" dpkg-buildflags --get CFLAGS)
    cxxflags=$(env "${host_env[@]}" dpkg-buildflags --get CXXFLAGS)
    cppflags=$(env "${host_env[@]}" dpkg-buildflags --get CPPFLAGS)
    ldflags=$(env "${host_env[@]}" dpkg-buildflags --get LDFLAGS)
    # Debug information at level 1 (line tables, function names: what a backtrace needs), not
    # Debian's full -g: the packages are stripped (CPACK_STRIP_FILES, no -dbgsym package), so
    # the rest was compiled to be thrown away, and it cost a third of each shipped file's
    # compile time in the two trees built with these flags. The code generated is the same.
    cflags=$(sed -E 's/(^| )-g( |$)/\1-g1\2/' <<<"$cflags")
    cxxflags=$(sed -E 's/(^| )-g( |$)/\1-g1\2/' <<<"$cxxflags")
    DEBIAN_CMAKE_FLAGS=(-DCMAKE_C_FLAGS="$cflags $cppflags" -DCMAKE_CXX_FLAGS="$cxxflags $cppflags"
        -DCMAKE_EXE_LINKER_FLAGS="$ldflags"
        -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG")
}
