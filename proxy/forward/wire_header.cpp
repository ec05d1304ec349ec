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

// Beast keeps each field as its wire line, "Name: value\r\n", in one piece
// (basic_fields::value_type; its serializer sends that piece as it is). One
// append per field instead of four, for every field of every message both
// ways. wire_header_test compares the result with Beast's serializer.
void append_fields(std::string& out, const http::fields& f)
{
    for (const auto& field : f) {
        auto name = field.name_string();
        auto value = field.value();
        BOOST_ASSERT(value.data() == name.data() + name.size() + 2);
        const char* line_end = value.data() + value.size() + 2;  // past the CRLF
        out.append(name.data(), static_cast<std::size_t>(line_end - name.data()));
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
