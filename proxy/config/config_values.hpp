#pragma once
// The scalar values of the config file as text -> typed value: durations,
// sizes, counts, fractions, HOST:PORT endpoints and https URLs. Pure functions
// of their argument (thread-safe); the loader (config_loader.cpp) adds the
// key, the file position and the allowed range to the messages.

#include "proxy/config/config.hpp"

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace litmus::config {

/// Why a value was refused: a phrase that reads after "<key>: ", e.g.
/// "expected a duration such as 500ms, 10s, 2m or 1h, got 'soon'". It quotes
/// the offending text except where that could expose a secret (URL user info
/// and query).
struct value_error {
    std::string message;
};

/// Found by boost::system::result::value() through ADL: calling value() on
/// an error throws std::invalid_argument carrying the message.
[[noreturn]] void throw_exception_from_error(const value_error& e, const boost::source_location& loc);

template <class T>
using value_result = boost::system::result<T, value_error>;

/// "250ms", "10s", "5m", "2h", or a bare non-negative integer meaning seconds.
/// No fractions, signs or spaces. Values past 100 days are refused.
value_result<duration> parse_duration(std::string_view text);

/// Bytes: a non-negative integer, optionally followed by "KiB", "MiB" or "GiB"
/// (powers of 1024), e.g. "16384", "16KiB", "8MiB".
value_result<std::uint64_t> parse_size(std::string_view text);

/// A non-negative decimal integer, e.g. "64".
value_result<std::uint64_t> parse_count(std::string_view text);

/// "true" or "false" (YAML's other spellings such as "yes" are refused:
/// they read as strings elsewhere and surprise).
value_result<bool> parse_bool(std::string_view text);

/// "debug", "info", "warn" or "error".
value_result<log_level> parse_log_level(std::string_view text);

/// A finite decimal number, e.g. "0.2". The range is the caller's to check.
value_result<double> parse_fraction(std::string_view text);

/// "HOST:PORT" for `connect:` overrides: HOST is a DNS name, an IPv4 address
/// or a bracketed IPv6 address ("[::1]:8443"; stored without brackets). The
/// port is required, 1..65535. Names are lower-cased.
value_result<endpoint> parse_endpoint(std::string_view text);

/// "HOST:PORT" for a listener: HOST must be an IP literal or "localhost",
/// never a name that needs DNS. "localhost" becomes "127.0.0.1" so binding
/// does not depend on the resolver (which may prefer ::1). Port 0..65535,
/// 0 = any free port.
value_result<endpoint> parse_listen_address(std::string_view text);

/// The proxy listener's `listen`: a TCP address as parse_listen_address()
/// takes it, or "unix:PATH" for a Unix-domain socket. PATH must be absolute
/// and fit a socket address (at most 107 bytes).
struct proxy_listen {
    endpoint tcp;           ///< unset (empty host) for a Unix-domain socket
    std::string unix_path;  ///< "" for TCP
};
value_result<proxy_listen> parse_proxy_listen(std::string_view text);

/// Permission bits in octal: three digits, optionally after a leading 0
/// ("0660", "600"). No setuid, setgid or sticky bits (at most 0777).
value_result<file_mode> parse_file_mode(std::string_view text);

/// The mode as parse_file_mode() reads it, four digits: "0660".
std::string format_file_mode(file_mode m);

/// An https URL with a host and neither user info, query nor fragment.
/// Returns the host lower-cased (IPv6 without brackets), the port (443 when
/// absent) and the path without trailing '/' ("" for the root).
value_result<https_url> parse_https_url(std::string_view text);

/// A host name for downstream.allowed_hosts: a DNS name or an IP literal
/// (IPv6 in brackets), without a port, lower-cased.
value_result<std::string> parse_host_name(std::string_view text);

/// A browser origin for downstream.allowed_origins: "http://" or "https://",
/// a host, an optional port, nothing after it (RFC 6454 serialisation).
/// Lower-cased, as browsers send it.
value_result<std::string> parse_origin(std::string_view text);

/// True when the path `inner` equals `outer` or lies under it by whole
/// segments ("/api/v2" is under "/api", "/apix" is not).
bool path_under(std::string_view inner, std::string_view outer);

/// A duration in the largest unit that shows it exactly: "250ms", "10s", "5m", "1h".
std::string format_duration(duration d);

/// A size in the largest binary unit that shows it exactly: "512", "16KiB", "64MiB".
std::string format_size(std::uint64_t bytes);

/// `value` between single quotes for a message, control characters escaped
/// and cut to 80 characters.
std::string quoted(std::string_view value);

}  // namespace litmus::config
