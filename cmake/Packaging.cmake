# Installing and the Debian package. `cmake --install build` puts the
# program, its man page, the systemd unit and the example config under the
# prefix; `cpack` (in the build tree) makes mailferry_VERSION_ARCH.deb with
# the same files under /usr.

include(GNUInstallDirs)

install(TARGETS mailferry RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/cli/man/mailferry.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
# Relative to the prefix, so /usr/lib/systemd/system in the package; the
# unit runs /usr/bin/mailferry, where the package puts it.
install(FILES ${PROJECT_SOURCE_DIR}/contrib/deploy/systemd/mailferry.service
        DESTINATION lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/contrib/deploy/config.example.toml
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mailferry)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "mailferry developers <dev@mailferry.invalid>")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "move mail between accounts and keep them in step")
# The long description; cpack puts the summary above it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "mailferry copies mail from POP3 or IMAP4 accounts into IMAP4 accounts and
remembers in a SQLite state file what it has copied, so every run is
incremental and an interrupted run resumes without losing or duplicating a
message. It migrates one account (mailferry migrate), many from a config
file (mailferry sync), or keeps them in step as a systemd service
(mailferry daemon), and ships a POP3 + IMAP4 test server pair.")
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# mailferry_VERSION_ARCH.deb, as Debian names packages.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Depends from the libraries the binary links (dpkg-shlibdeps).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# TLS certificate checks use the system store.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS ca-certificates)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
include(CPack)
