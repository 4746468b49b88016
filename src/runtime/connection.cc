#include "runtime/connection.h"

#include <strings.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace runtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// Events and responses are at most 6 MB; leave room for the headers and a margin.
constexpr uint64_t kMaxReplyBody = 16u << 20;

std::string HttpReply::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return {};
}

struct Connection::Impl {
  std::string host, port;
  asio::io_context io;
  tcp::socket socket{io};
  beast::flat_buffer buffer;

  base::Status Connect() {
    beast::error_code ec;
    socket.close(ec);
    buffer.clear();
    tcp::resolver resolver(io);
    auto endpoints = resolver.resolve(host, port, ec);
    if (ec) return base::Status::Unavailable("Runtime API " + host + ":" + port + ": " + ec.message());
    asio::connect(socket, endpoints, ec);
    if (ec) return base::Status::Unavailable("Runtime API " + host + ":" + port + ": " + ec.message());
    socket.set_option(tcp::no_delay(true), ec);
    return base::Status::Ok();
  }
};

Connection::Connection(std::string address) : impl_(std::make_unique<Impl>()) {
  size_t colon = address.rfind(':');
  impl_->host = colon == std::string::npos ? address : address.substr(0, colon);
  impl_->port = colon == std::string::npos ? "80" : address.substr(colon + 1);
  if (impl_->host.size() > 1 && impl_->host.front() == '[' && impl_->host.back() == ']') {
    impl_->host = impl_->host.substr(1, impl_->host.size() - 2);
  }
}

Connection::~Connection() = default;

base::StatusOr<HttpReply> Connection::Request(std::string_view method, std::string_view target,
                                              const std::vector<std::pair<std::string, std::string>>& headers,
                                              std::string_view body) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(beast::string_view(method.data(), method.size()));
  req.target(beast::string_view(target.data(), target.size()));
  req.version(11);
  req.set(bhttp::field::host, impl_->host + ":" + impl_->port);
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body().assign(body.data(), body.size());
  req.prepare_payload();

  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!impl_->socket.is_open()) EF_RETURN_IF_ERROR(impl_->Connect());
    beast::error_code ec;
    bhttp::write(impl_->socket, req, ec);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kMaxReplyBody);
    if (!ec) bhttp::read(impl_->socket, impl_->buffer, parser, ec);
    if (ec) {
      // A peer that closed an idle kept-alive connection shows up as a failed write or an end of
      // stream before any reply byte: that is worth one fresh connection, nothing else is.
      bool stale = attempt == 0 && !parser.got_some() &&
                   (ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset ||
                    ec == asio::error::broken_pipe || ec == asio::error::eof);
      beast::error_code ignored;
      impl_->socket.close(ignored);
      if (stale) continue;
      return base::Status::Unavailable("Runtime API " + std::string(method) + " " + std::string(target) + ": " + ec.message());
    }
    auto res = parser.release();
    HttpReply reply;
    reply.status = static_cast<int>(res.result_int());
    for (const auto& field : res) reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    reply.body = std::move(res.body());
    if (!res.keep_alive()) {
      beast::error_code ignored;
      impl_->socket.close(ignored);
    }
    return reply;
  }
  return base::Status::Unavailable("Runtime API: connection closed twice");
}

}  // namespace runtime
