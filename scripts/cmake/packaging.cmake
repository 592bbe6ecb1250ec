# Debian packages with CPack: `fabgate` (the machine daemon, for each Pi) and `fabledger` (the
# ledger, fabctl and broker examples, for the central host). scripts/package builds them and
# runs lintian. Included from the top-level CMakeLists.txt (or with -DCMAKE_PROJECT_INCLUDE);
# the work is deferred to the end of the top-level directory, when every target exists.
include_guard(GLOBAL)
include(GNUInstallDirs)
set(FABGATE_DEBIAN_DIR ${CMAKE_CURRENT_LIST_DIR}/debian)

set(FABGATE_PACKAGE_CONTACT "FabGate maintainers <fabgate@example.org>" CACHE STRING "Maintainer field of the packages")
set(FABGATE_PACKAGE_LICENSE "TBD" CACHE STRING "License named in debian/copyright")

# The package's version: the project's, or FABGATE_PACKAGE_VERSION (scripts/package takes it
# from FABGATE_VERSION or --version), e.g. to install a newer build over an older one.
set(FABGATE_PACKAGE_VERSION "" CACHE STRING "Debian version of the packages (empty: the project's version)")

function(fabgate_package_version out)
    set(version "${FABGATE_PACKAGE_VERSION}")
    if(version STREQUAL "")
        set(version "${PROJECT_VERSION}")
    endif()
    if(NOT version MATCHES "^[0-9][A-Za-z0-9.+~-]*$")
        message(FATAL_ERROR "FABGATE_PACKAGE_VERSION \"${version}\": a Debian version starts with a digit "
                            "and has only letters, digits and . + ~ -")
    endif()
    set(${out} "${version}" PARENT_SCOPE)
endfunction()

# Maintainer scripts from scripts/cmake/debian/*.in: users, directories and the units, as
# debhelper would; STATE_WHAT and ETC_WHAT say why purge keeps /var/lib/<pkg> and /etc/<pkg>.
# Further arguments: units the package ships but does not enable (stopped on remove, restarted
# on upgrade if running, their links removed on purge).
function(fabgate_write_maintainer_scripts component service state_what etc_what)
    set(dir ${CMAKE_BINARY_DIR}/packaging/${component})
    set(PKG ${component})
    set(SERVICE ${service})
    list(JOIN ARGN " " OPTIONAL_SERVICES)
    set(STATE_WHAT "${state_what}")
    set(ETC_WHAT "${etc_what}")
    foreach(script postinst prerm postrm)
        configure_file(${FABGATE_DEBIAN_DIR}/${script}.in ${dir}/${script} @ONLY
                       FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                                        WORLD_READ WORLD_EXECUTE)
    endforeach()
    string(TOUPPER ${component} up)
    set(CPACK_DEBIAN_${up}_PACKAGE_CONTROL_EXTRA "${dir}/postinst;${dir}/prerm;${dir}/postrm" PARENT_SCOPE)
    # lintian's overrides, each with its reason, ship in the package where lintian reads them.
    install(FILES ${FABGATE_DEBIAN_DIR}/${component}.lintian-overrides DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
            RENAME ${component} COMPONENT ${component})
endfunction()

# /usr/share/doc/<package>/: copyright and changelog, which Debian requires of every package.
function(fabgate_package_docs component)
    set(dir ${CMAKE_BINARY_DIR}/packaging/${component}/doc)
    file(MAKE_DIRECTORY ${dir})
    string(TIMESTAMP year "%Y" UTC)
    file(WRITE ${dir}/copyright "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: FabGate
Upstream-Contact: ${FABGATE_PACKAGE_CONTACT}

Files: *
Copyright: ${year} FabGate contributors
License: ${FABGATE_PACKAGE_LICENSE}
 The license is named by the FabGate project.
")
    string(TIMESTAMP date "%a, %d %b %Y %H:%M:%S +0000" UTC)
    fabgate_package_version(version)
    file(WRITE ${dir}/changelog "${component} (${version}) unstable; urgency=medium

  * Packaged with CPack (scripts/package).

 -- ${FABGATE_PACKAGE_CONTACT}  ${date}
")
    find_program(FABGATE_GZIP gzip REQUIRED)
    execute_process(COMMAND ${FABGATE_GZIP} -n -9 -f -k ${dir}/changelog)
    install(FILES ${dir}/copyright ${dir}/changelog.gz DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${component}
            COMPONENT ${component})
    install(FILES ${CMAKE_SOURCE_DIR}/docs/deploy.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${component}
            COMPONENT ${component} OPTIONAL)
endfunction()

function(fabgate_packaging)
    set(src ${CMAKE_SOURCE_DIR})
    # Debian 12 keeps units in /lib/systemd/system (lintian refuses /usr/lib there until trixie).
    set(unitdir /lib/systemd/system)

    # --- fabgate: the machine daemon
    if(TARGET fabgate)
        install(TARGETS fabgate RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT fabgate)
    endif()
    install(FILES ${src}/systemd/fabgate.service DESTINATION ${unitdir} COMPONENT fabgate)
    install(FILES ${src}/systemd/fabgate.sysusers.conf DESTINATION lib/sysusers.d
            RENAME fabgate.conf COMPONENT fabgate)
    install(FILES ${src}/systemd/fabgate.tmpfiles.conf DESTINATION lib/tmpfiles.d
            RENAME fabgate.conf COMPONENT fabgate)
    install(FILES ${src}/systemd/fabgate.udev.rules DESTINATION /lib/udev/rules.d
            RENAME 60-fabgate.rules COMPONENT fabgate)
    set(example_dir ${CMAKE_BINARY_DIR}/packaging/fabgate/examples)
    file(MAKE_DIRECTORY ${example_dir})
    # The shape scripts/enrol-gate writes; copied to /etc/fabgate/gate.json and edited, the
    # service starts (its ConditionPathExists= waits for that file).
    file(WRITE ${example_dir}/gate.json [=[{
  "site": "lab",
  "machine": "laser-1",
  "machine_name": "Laser cutter",
  "broker": {
    "host": "broker.local",
    "port": 8883,
    "username": "gate-lab-laser-1",
    "password_file": "/etc/fabgate/broker.pass",
    "tls": {"ca_file": "/etc/fabgate/ca.crt"}
  },
  "journal": "/var/lib/fabgate/journal.db",
  "hardware": {
    "kind": "gpio",
    "reader": {"type": "rdm6300", "device": "/dev/serial0"},
    "outputs": {"relay": {"chip": "gpiochip0", "line": 17}}
  }
}
]=])
    install(FILES ${example_dir}/gate.json DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/fabgate/examples COMPONENT fabgate)
    fabgate_package_docs(fabgate)
    fabgate_write_maintainer_scripts(fabgate fabgate.service
        "the journal: sessions not yet delivered, the cached access list"
        "the broker password and the CA certificate")

    # --- fabledger: the ledger, fabctl, enrolment, broker examples
    foreach(app fabledger fabctl fabweb)
        if(TARGET ${app})
            install(TARGETS ${app} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT fabledger)
        endif()
    endforeach()
    install(PROGRAMS ${src}/scripts/enrol-gate DESTINATION ${CMAKE_INSTALL_SBINDIR} RENAME fabgate-enrol-gate
            COMPONENT fabledger)
    install(FILES ${src}/systemd/fabledger.service DESTINATION ${unitdir} COMPONENT fabledger)
    # The web console (docs/console.md) ships with the ledger, installed but not enabled.
    install(FILES ${src}/systemd/fabweb.service DESTINATION ${unitdir} COMPONENT fabledger)
    # Without its pages fabweb serves nothing: a tree without them must not make a package.
    if(NOT IS_DIRECTORY ${src}/daemon/web/static)
        message(FATAL_ERROR "packaging: ${src}/daemon/web/static is missing: the web console's pages "
                            "(fabweb.service would serve nothing)")
    endif()
    install(DIRECTORY ${src}/daemon/web/static/ DESTINATION ${CMAKE_INSTALL_DATADIR}/fabgate/console
            COMPONENT fabledger)
    install(FILES ${src}/docs/console.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/fabledger COMPONENT fabledger)
    install(FILES ${src}/systemd/fabledger.sysusers.conf DESTINATION lib/sysusers.d
            RENAME fabledger.conf COMPONENT fabledger)
    install(FILES ${src}/systemd/fabledger.tmpfiles.conf DESTINATION lib/tmpfiles.d
            RENAME fabledger.conf COMPONENT fabledger)
    install(FILES ${src}/config/mosquitto/mosquitto.conf ${src}/config/mosquitto/acl.conf
                  ${src}/config/mosquitto/site-bridge.conf
            DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/fabledger/examples/mosquitto COMPONENT fabledger)
    # The services may write only /var/lib/fabledger: the examples name the database there.
    # Both are the examples docs/deploy.md and docs/console.md tell the admin to copy.
    foreach(example ledger.json fabweb.json)
        if(NOT EXISTS ${src}/config/${example})
            message(FATAL_ERROR "packaging: ${src}/config/${example} is missing: the example the "
                                "fabledger package's docs tell the admin to copy")
        endif()
        file(READ ${src}/config/${example} text)
        string(REGEX REPLACE "\"database\": *\"[^\"]*\"" "\"database\": \"/var/lib/fabledger/ledger.db\""
               text "${text}")
        if(NOT text MATCHES "\"database\": \"/var/lib/fabledger/ledger.db\"")
            message(FATAL_ERROR "packaging: config/${example} has no \"database\" to point at /var/lib/fabledger")
        endif()
        file(WRITE ${CMAKE_BINARY_DIR}/packaging/fabledger/${example} "${text}")
        install(FILES ${CMAKE_BINARY_DIR}/packaging/fabledger/${example}
                DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/fabledger/examples COMPONENT fabledger)
    endforeach()
    fabgate_package_docs(fabledger)
    fabgate_write_maintainer_scripts(fabledger fabledger.service
        "the billing database: sessions, members, rights, tariffs"
        "the access-list signing key the gates trust"
        fabweb.service)

    # --- CPack
    set(CPACK_GENERATOR DEB)
    set(CPACK_PACKAGE_NAME fabgate)
    fabgate_package_version(CPACK_PACKAGE_VERSION)
    set(CPACK_PACKAGE_VENDOR "FabGate")
    set(CPACK_PACKAGE_CONTACT "${FABGATE_PACKAGE_CONTACT}")
    set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
    set(CPACK_STRIP_FILES ON)
    set(CPACK_DEB_COMPONENT_INSTALL ON)
    set(CPACK_COMPONENTS_ALL fabgate fabledger)
    set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
    set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
    set(CPACK_DEBIAN_PACKAGE_SECTION misc)
    set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
    set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
    set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/fabgate/fabgate")
    set(CPACK_DEBIAN_FABGATE_PACKAGE_NAME fabgate)
    set(CPACK_DEBIAN_FABLEDGER_PACKAGE_NAME fabledger)
    set(CPACK_DEBIAN_FABGATE_PACKAGE_SECTION misc)
    set(CPACK_DEBIAN_FABLEDGER_PACKAGE_SECTION misc)
    set(CPACK_DEBIAN_FABGATE_PACKAGE_DEPENDS "systemd, init-system-helpers (>= 1.54~)")
    # tzdata: fabctl and fabledger read the lab's time_zone from the system tz database.
    set(CPACK_DEBIAN_FABLEDGER_PACKAGE_DEPENDS "systemd, init-system-helpers (>= 1.54~), tzdata")
    set(CPACK_DEBIAN_FABLEDGER_PACKAGE_RECOMMENDS "mosquitto, mosquitto-clients, openssl, libjs-chart.js")
    # CPack indents every line after the first (the synopsis) itself; lines stay under 80.
    set(CPACK_COMPONENT_FABGATE_DESCRIPTION "FabLab machine access control by RFID badge
fabgate runs on a Raspberry Pi next to a laser cutter, 3D printer or other
machine. It reads members' badges, switches the machine's power relay only
for those trained on it, meters each session and sends it over MQTT to the
central ledger, keeping a journal so nothing is lost while the network is
down.")
    set(CPACK_COMPONENT_FABLEDGER_DESCRIPTION "FabLab billing ledger for FabGate machine sessions
fabledger stores the sessions that FabGate machine gates publish over MQTT
in SQLite, acknowledges them once stored, and publishes each machine's
signed access list. fabctl manages members, badges, training and tariffs;
fabgate-enrol-gate adds gates to the broker.")
    set(CPACK_COMPONENT_FABGATE_DISPLAY_NAME "fabgate")
    set(CPACK_COMPONENT_FABLEDGER_DISPLAY_NAME "fabledger")
    set(CPACK_DEBIAN_FABGATE_PACKAGE_CONTROL_EXTRA "${CPACK_DEBIAN_FABGATE_PACKAGE_CONTROL_EXTRA}")
    set(CPACK_DEBIAN_FABLEDGER_PACKAGE_CONTROL_EXTRA "${CPACK_DEBIAN_FABLEDGER_PACKAGE_CONTROL_EXTRA}")
    if(CMAKE_CROSSCOMPILING AND CMAKE_SYSTEM_PROCESSOR STREQUAL "aarch64")
        set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
    endif()
    include(CPack)
endfunction()

cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL fabgate_packaging)
