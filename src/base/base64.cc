#include "base/base64.h"

#include <array>
#include <cstdint>

namespace base {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> MakeDecodeTable() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr std::array<int8_t, 256> kDecode = MakeDecodeTable();

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v'; }

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (rest == 2) v |= uint8_t(bytes[i + 1]) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text, Base64Mode mode) {
  const bool lenient = mode == Base64Mode::kLenient;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;      // sextets collected in the current quantum
  int padding = 0;   // '=' seen
  for (char c : text) {
    if (lenient && IsSpace(c)) continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding) return std::nullopt;  // data after padding
    int8_t d = kDecode[static_cast<unsigned char>(c)];
    if (d < 0) return std::nullopt;
    acc = (acc << 6) | uint32_t(d);
    if (++bits == 4) {
      out += char(acc >> 16);
      out += char((acc >> 8) & 0xff);
      out += char(acc & 0xff);
      acc = 0;
      bits = 0;
    }
  }
  // bits: 0 (complete), 2 (one byte left), 3 (two bytes left); 1 is never valid.
  if (bits == 1) return std::nullopt;
  if (bits == 0 && padding) return std::nullopt;
  if (bits && !lenient && padding != 4 - bits) return std::nullopt;
  if (bits && lenient && padding && padding != 4 - bits) return std::nullopt;
  if (bits == 2) {
    if (!lenient && (acc & 0xf)) return std::nullopt;  // non-canonical trailing bits
    out += char(acc >> 4);
  } else if (bits == 3) {
    if (!lenient && (acc & 0x3)) return std::nullopt;
    out += char(acc >> 10);
    out += char((acc >> 2) & 0xff);
  }
  return out;
}

}  // namespace base
