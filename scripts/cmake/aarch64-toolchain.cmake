# Cross-compiling FabGate for a Raspberry Pi (arm64, Debian 12 / Raspberry Pi OS bookworm) on a
# Debian host with multiarch: `dpkg --add-architecture arm64` and the :arm64 -dev packages
# (scripts/cross-arm64 installs them). Headers that do not depend on the architecture
# (nlohmann-json, tl::expected, CLI11, doctest) are shared from /usr/include.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# pkg-config must see only arm64 .pc files, or it hands out amd64 libraries that link-fail.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# ctest and any build-time run of a target go through user-mode qemu; the arm64 loader and
# libraries are found at their multiarch paths (libc6:arm64 is installed with the -dev packages).
find_program(FABGATE_QEMU_AARCH64 qemu-aarch64-static qemu-aarch64)
if(FABGATE_QEMU_AARCH64)
    set(CMAKE_CROSSCOMPILING_EMULATOR "${FABGATE_QEMU_AARCH64}")
endif()
