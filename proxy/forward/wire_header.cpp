#include "proxy/forward/wire_header.hpp"

#include <charconv>

namespace litmus::forward {

namespace {

void append_version(std::string& out, unsigned version)
{
    out += "HTTP/";
    out += static_cast<char>('0' + version / 10 % 10);
    out += '.';
    out += static_cast<char>('0' + version % 10);
}

void append_fields(std::string& out, const http::fields& f)
{
    for (const auto& field : f) {
        out += field.name_string();
        out += ": ";
        out += field.value();
        out += "\r\n";
    }
    out += "\r\n";
}

}  // namespace

void append_wire_header(std::string& out, const http::request_header<>& h)
{
    out += h.method_string();
    out += ' ';
    out += h.target();
    out += ' ';
    append_version(out, h.version());
    out += "\r\n";
    append_fields(out, h);
}

void append_wire_header(std::string& out, const http::response_header<>& h)
{
    append_version(out, h.version());
    char status[4];
    auto [end, ec] = std::to_chars(status, status + sizeof status, h.result_int() % 1000);
    (void)ec;  // three digits always fit
    out += ' ';
    out.append(status, end);
    out += ' ';
    auto reason = h.reason();
    out += reason.empty() ? http::obsolete_reason(h.result()) : reason;
    out += "\r\n";
    append_fields(out, h);
}

}  // namespace litmus::forward
