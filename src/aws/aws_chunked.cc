#include "aws/aws_chunked.h"

#include <openssl/crypto.h>

#include "aws/sigv4.h"

namespace aws {
namespace {

constexpr std::string_view kSignatureKey = "chunk-signature=";
// No chunk of a 64 MiB-limited request is larger; the bound keeps a hostile size from overflowing.
constexpr uint64_t kMaxChunkSize = uint64_t{1} << 40;

ChunkedResult Fail(ChunkedError e, std::string message) {
  ChunkedResult r;
  r.error = e;
  r.message = std::move(message);
  return r;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string ChunkSignature(const ChunkSigning& signing, std::string_view previous_signature, std::string_view data) {
  std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n";
  sts.append(signing.amz_date).append("\n").append(signing.scope).append("\n").append(previous_signature);
  sts.append("\n").append(kEmptySha256).append("\n").append(Sha256Hex(data));
  return HexEncode(HmacSha256(signing.signing_key, sts));
}

ChunkedResult DecodeAwsChunked(std::string_view body, const ChunkSigning* signing) {
  ChunkedResult out;
  std::string previous = signing ? signing->seed_signature : std::string();
  size_t pos = 0;
  while (true) {
    size_t eol = body.find("\r\n", pos);
    if (eol == std::string_view::npos) return Fail(ChunkedError::kIncomplete, "aws-chunked body ends inside a chunk header");
    std::string_view header = body.substr(pos, eol - pos);
    pos = eol + 2;
    // Size: hex digits up to ';' (or the end of the line).
    size_t semi = header.find(';');
    std::string_view hex = header.substr(0, semi);
    if (hex.empty() || hex.size() > 16) return Fail(ChunkedError::kMalformed, "aws-chunked: bad chunk size");
    uint64_t size = 0;
    for (char c : hex) {
      int d = HexDigit(c);
      if (d < 0) return Fail(ChunkedError::kMalformed, "aws-chunked: chunk size is not hexadecimal");
      size = size * 16 + static_cast<uint64_t>(d);
    }
    if (size > kMaxChunkSize) return Fail(ChunkedError::kMalformed, "aws-chunked: chunk too large");
    std::string_view sig;
    if (semi != std::string_view::npos) {
      std::string_view ext = header.substr(semi + 1);
      if (ext.substr(0, kSignatureKey.size()) != kSignatureKey)
        return Fail(ChunkedError::kMalformed, "aws-chunked: unknown chunk extension");
      sig = ext.substr(kSignatureKey.size());
    }
    if (body.size() - pos < size) return Fail(ChunkedError::kIncomplete, "aws-chunked body ends inside a chunk");
    std::string_view data = body.substr(pos, size);
    pos += size;
    if (signing) {
      if (sig.empty()) return Fail(ChunkedError::kBadSignature, "aws-chunked: chunk without chunk-signature");
      std::string expected = ChunkSignature(*signing, previous, data);
      if (sig.size() != expected.size() || CRYPTO_memcmp(sig.data(), expected.data(), sig.size()) != 0)
        return Fail(ChunkedError::kBadSignature, "aws-chunked: chunk signature does not match");
      previous = std::move(expected);
    }
    if (size == 0) {
      // Optional trailer lines, then an empty line. Clients differ on whether the final CRLF
      // is present when there are no trailers; both are accepted.
      std::string_view rest = body.substr(pos);
      if (rest.empty() || rest == "\r\n") return out;
      if (rest.size() < 4 || rest.substr(rest.size() - 4) != "\r\n\r\n")
        return Fail(ChunkedError::kIncomplete, "aws-chunked: trailers not terminated");
      out.trailers = std::string(rest.substr(0, rest.size() - 4));
      return out;
    }
    out.data.append(data);
    if (body.substr(pos, 2) != "\r\n") {
      return Fail(body.size() - pos < 2 ? ChunkedError::kIncomplete : ChunkedError::kMalformed,
                  "aws-chunked: chunk data not followed by CRLF");
    }
    pos += 2;
  }
}

std::string EncodeAwsChunked(std::string_view data, size_t chunk_size, const ChunkSigning* signing) {
  std::string out;
  std::string previous = signing ? signing->seed_signature : std::string();
  if (chunk_size == 0) chunk_size = 64 * 1024;
  size_t pos = 0;
  char hex[32];
  while (true) {
    std::string_view piece = data.substr(pos, chunk_size);
    std::snprintf(hex, sizeof(hex), "%zx", piece.size());
    out.append(hex);
    if (signing) {
      previous = ChunkSignature(*signing, previous, piece);
      out.append(";").append(kSignatureKey).append(previous);
    }
    out.append("\r\n").append(piece).append("\r\n");
    if (piece.empty()) break;
    pos += piece.size();
  }
  return out;
}

}  // namespace aws
