# Install layout and the Debian package (`cpack -G DEB` in the build
# directory; README "Debian package", test tests/deploy/package_test.sh).
#
# The package installs with the prefix /usr: the binary at /usr/bin, where
# deploy/systemd/litmus-proxy.service starts it. The unit files and the config
# have absolute destinations, the places systemd and the unit look for them,
# so a plain `cmake --install` (any prefix) writes them there too.
# Only the proxy is installed: no test binary, fake Litmus or static library.
# No /usr/share/doc/litmus-proxy/copyright (Debian policy 12.5): the
# repository states no licence yet to put in it.

include(GNUInstallDirs)
set(LITMUS_DEB_DIR ${CMAKE_CURRENT_LIST_DIR})
set(LITMUS_SYSTEMD_DIR ${CMAKE_CURRENT_LIST_DIR}/../systemd)

install(TARGETS litmus-proxy RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${LITMUS_SYSTEMD_DIR}/litmus-proxy.service ${LITMUS_SYSTEMD_DIR}/litmus-proxy.socket
        DESTINATION /lib/systemd/system)
# The config the unit names; a conffile (deploy/debian/conffiles), so dpkg
# keeps local edits on upgrade.
install(FILES ${LITMUS_SYSTEMD_DIR}/config.yaml DESTINATION /etc/litmus-proxy)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/config/litmus-proxy.example.yaml
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/litmus-proxy)

set(LITMUS_PACKAGE_MAINTAINER
  "litmus-proxy maintainers <maintainers@users.noreply.r-seed-9c895c96.example>"
  CACHE STRING "Maintainer field of the Debian package")
# The project has no public address yet: set one to get a Homepage field.
set(LITMUS_PACKAGE_HOMEPAGE "" CACHE STRING "Homepage field of the Debian package (empty: none)")

# Debian package names allow no underscore (the project is litmus_proxy).
set(CPACK_PACKAGE_NAME litmus-proxy)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${LITMUS_PACKAGE_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "authenticating local proxy for the Litmus API")
set(CPACK_PACKAGE_DESCRIPTION
  "litmus-proxy listens on localhost (or a Unix-domain socket), holds a Litmus
OAuth token obtained with the client credentials and forwards requests to the
Litmus API with the token injected, so applications never handle the secret.
Ships a hardened systemd unit (not enabled on install), its socket unit and
its config.")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # litmus-proxy_<version>_<arch>.deb
# xz, as dpkg-deb uses by default: 0.8 MB instead of gzip's 1.2 MB, for 1 s
# more. A sanitizer build's package exists only for its test
# (tests/deploy/package_test.sh), and xz takes a minute over its 70 MB
# binary: gzip, CPack's default, 10 s.
if(NOT LITMUS_SANITIZE)
  set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
endif()
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
if(LITMUS_PACKAGE_HOMEPAGE)
  set(CPACK_DEBIAN_PACKAGE_HOMEPAGE ${LITMUS_PACKAGE_HOMEPAGE})
endif()
# The shared libraries' packages come from dpkg-shlibdeps (dpkg-dev);
# ca-certificates is no link dependency, but upstream TLS is verified against
# the system CA store it fills.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS ca-certificates)
# Not found by dpkg-shlibdeps: the PostgreSQL user store loads libpq when it is
# configured (proxy/users/libpq.hpp); without it the rest of the proxy works.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS libpq5)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${LITMUS_DEB_DIR}/conffiles ${LITMUS_DEB_DIR}/postinst ${LITMUS_DEB_DIR}/postrm)
# Control files get Debian's modes (scripts 0755, conffiles 0644) whatever
# the checkout's modes are.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
