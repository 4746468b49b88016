#include "runtime/connection.h"

#include <strings.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

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

  std::string host_header;  // "host:port"

  base::Status Write(const std::vector<OutgoingRequest>& requests, bool* failed_before_reply);
  base::StatusOr<HttpReply> Read(std::string_view what, bool* failed_before_reply);

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
  impl_->host_header = impl_->host + ":" + impl_->port;
}

Connection::~Connection() = default;

namespace {

// "METHOD target HTTP/1.1" and the headers; the body is sent from the caller's memory.
void AppendHead(std::string& out, const OutgoingRequest& r, const std::string& host) {
  out.append(r.method).append(" ").append(r.target).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
  for (const auto& [k, v] : r.headers) out.append(k).append(": ").append(v).append("\r\n");
  if (!r.body.empty() || r.method != "GET") out.append("Content-Length: ").append(std::to_string(r.body.size())).append("\r\n");
  out.append("\r\n");
}

}  // namespace

base::Status Connection::Impl::Write(const std::vector<OutgoingRequest>& requests, bool* failed_before_reply) {
  std::vector<std::string> heads(requests.size());
  std::vector<asio::const_buffer> buffers;
  for (size_t i = 0; i < requests.size(); ++i) {
    AppendHead(heads[i], requests[i], host_header);
    buffers.emplace_back(heads[i].data(), heads[i].size());
    if (!requests[i].body.empty()) buffers.emplace_back(requests[i].body.data(), requests[i].body.size());
  }
  beast::error_code ec;
  asio::write(socket, buffers, ec);
  if (ec) {
    *failed_before_reply = true;
    return base::Status::Unavailable("Runtime API " + std::string(requests[0].method) + " " +
                                     std::string(requests[0].target) + ": " + ec.message());
  }
  return base::Status::Ok();
}

base::StatusOr<HttpReply> Connection::Impl::Read(std::string_view what, bool* failed_before_reply) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kMaxReplyBody);
  beast::error_code ec;
  bhttp::read(socket, buffer, parser, ec);
  if (ec) {
    // A peer that closed an idle kept-alive connection shows up as an end of stream before any
    // reply byte: the caller may try once more on a fresh connection.
    *failed_before_reply = !parser.got_some() && (ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset ||
                                                  ec == asio::error::broken_pipe || ec == asio::error::eof);
    beast::error_code ignored;
    socket.close(ignored);
    return base::Status::Unavailable("Runtime API " + std::string(what) + ": " + ec.message());
  }
  auto res = parser.release();
  HttpReply reply;
  reply.status = static_cast<int>(res.result_int());
  for (const auto& field : res) reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  reply.body = std::move(res.body());
  if (!res.keep_alive()) {
    beast::error_code ignored;
    socket.close(ignored);
  }
  return reply;
}

base::StatusOr<HttpReply> Connection::Request(std::string_view method, std::string_view target,
                                              const std::vector<std::pair<std::string, std::string>>& headers,
                                              std::string_view body) {
  std::vector<OutgoingRequest> one = {{method, target, headers, body}};
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!impl_->socket.is_open()) EF_RETURN_IF_ERROR(impl_->Connect());
    bool stale = false;
    base::Status written = impl_->Write(one, &stale);
    if (written.ok()) {
      auto reply = impl_->Read(std::string(method) + " " + std::string(target), &stale);
      if (reply.ok()) return reply;
      if (!stale || attempt > 0) return reply.status();
    } else {
      beast::error_code ignored;
      impl_->socket.close(ignored);
      if (attempt > 0) return written;
    }
  }
  return base::Status::Unavailable("Runtime API: connection closed twice");
}

base::StatusOr<std::vector<HttpReply>> Connection::Pipeline(const std::vector<OutgoingRequest>& requests) {
  if (!impl_->socket.is_open()) EF_RETURN_IF_ERROR(impl_->Connect());
  bool ignored_stale = false;
  base::Status written = impl_->Write(requests, &ignored_stale);
  if (!written.ok()) {
    beast::error_code ignored;
    impl_->socket.close(ignored);
    return written;
  }
  std::vector<HttpReply> replies;
  for (const auto& r : requests) {
    auto reply = impl_->Read(std::string(r.method) + " " + std::string(r.target), &ignored_stale);
    if (!reply.ok()) return reply.status();
    replies.push_back(std::move(*reply));
  }
  return replies;
}

}  // namespace runtime
