#include "tests/support/gzip_encode.hpp"

#include <boost/beast/zlib/deflate_stream.hpp>
#include <boost/crc.hpp>

#include <cstdint>
#include <stdexcept>

namespace litmus::fake {

namespace {

void append_le32(std::string& out, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

std::string gzip_encode(std::string_view data)
{
    namespace zlib = boost::beast::zlib;
    // ID1 ID2, CM=deflate, no flags, no mtime, no extra flags, OS unknown.
    std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);

    zlib::deflate_stream ds;
    ds.reset(6, 15, 8, zlib::Strategy::normal);
    std::string compressed(data.size() + data.size() / 10 + 64, '\0');
    zlib::z_params zs;
    zs.next_in = data.data();
    zs.avail_in = data.size();
    zs.next_out = compressed.data();
    zs.avail_out = compressed.size();
    boost::system::error_code ec;
    ds.write(zs, zlib::Flush::finish, ec);
    if (ec && ec != zlib::error::end_of_stream)
        throw std::runtime_error("gzip_encode: " + ec.message());
    compressed.resize(zs.total_out);
    out += compressed;

    boost::crc_32_type crc;
    crc.process_bytes(data.data(), data.size());
    append_le32(out, crc.checksum());
    append_le32(out, static_cast<std::uint32_t>(data.size()));
    return out;
}

}  // namespace litmus::fake
