// A Beast body that sends `length` bytes of an open file from `offset`, 64 KiB at a time, with
// pread (so one open file could serve several ranges). Beast's own file_body always starts at the
// beginning of the file in 1.81; S3 GetObject with Range needs an arbitrary window.
// Internal to src/net.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

namespace net {

struct FileRangeBody {
  struct value_type {
    value_type() = default;
    value_type(value_type&& o) noexcept : fd(std::exchange(o.fd, -1)), offset(o.offset), length(o.length) {}
    value_type& operator=(value_type&& o) noexcept {
      if (this != &o) {
        if (fd >= 0) ::close(fd);
        fd = std::exchange(o.fd, -1);
        offset = o.offset;
        length = o.length;
      }
      return *this;
    }
    ~value_type() {
      if (fd >= 0) ::close(fd);
    }
    int fd = -1;  // owned
    uint64_t offset = 0;
    uint64_t length = 0;
  };

  static uint64_t size(const value_type& v) { return v.length; }

  // Serialises the body (Beast calls the serialising side a "writer").
  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;
    static constexpr size_t kPiece = 64 * 1024;

    template <bool isRequest, class Fields>
    writer(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(boost::beast::error_code& ec) { ec = {}; }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      ec = {};
      if (sent_ >= body_.length) return boost::none;
      if (!piece_) piece_ = std::make_unique<char[]>(kPiece);
      uint64_t want = std::min<uint64_t>(kPiece, body_.length - sent_);
      ssize_t got = ::pread(body_.fd, piece_.get(), want, static_cast<off_t>(body_.offset + sent_));
      if (got <= 0) {
        // The file shrank or failed under us: the connection is closed mid-body, so the client
        // sees a short response rather than wrong bytes.
        ec = boost::beast::errc::make_error_code(boost::beast::errc::io_error);
        return boost::none;
      }
      sent_ += static_cast<uint64_t>(got);
      return std::make_pair(const_buffers_type(piece_.get(), static_cast<size_t>(got)),
                            sent_ < body_.length);
    }

   private:
    value_type& body_;
    uint64_t sent_ = 0;
    std::unique_ptr<char[]> piece_;
  };
};

}  // namespace net
