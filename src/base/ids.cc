#include "base/ids.h"

#include <cstdint>
#include <random>

namespace base {
namespace {

std::mt19937_64& Generator() {
  thread_local std::mt19937_64 rng{(static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}()};
  return rng;
}

}  // namespace

std::string NewUuid() {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t a = Generator()(), b = Generator()();
  a = (a & ~0xF000ull) | 0x4000ull;                                  // version 4
  b = (b & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;           // variant 10xx
  std::string out(36, '-');
  int pos = 0;
  auto put = [&](uint64_t v, int digits) {
    for (int i = digits - 1; i >= 0; --i) out[pos++] = kHex[(v >> (4 * i)) & 15];
  };
  put(a >> 32, 8), ++pos;
  put(a >> 16, 4), ++pos;
  put(a, 4), ++pos;
  put(b >> 48, 4), ++pos;
  put(b, 12);
  return out;
}

std::string RandomString(size_t length, std::string_view alphabet) {
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::string out(length, ' ');
  for (char& c : out) c = alphabet[pick(Generator())];
  return out;
}

}  // namespace base
