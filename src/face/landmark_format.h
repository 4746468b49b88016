// The on-disk format of our 68-point landmark model (docs/face.md, "Landmark model file").
//
// dlib's shape_predictor_68_face_landmarks.dat takes ~0.7 s to deserialise (every float is
// stored as a variable-length mantissa/exponent pair). `edgeface convert-models` rewrites it
// once, at set-up, as flat little-endian arrays that load with one read and one CRC check.
//
//   header (kHeaderSize bytes, little-endian):
//     char[8] magic "EFLM\r\n\x1a\n"   u32 version (1)
//     u32 num_parts (68)    u32 num_cascades (15)    u32 trees_per_cascade (500)
//     u32 tree_depth (4: 15 splits, 16 leaves)       u32 features_per_cascade (500)
//     u64 payload_bytes     u32 crc32 of the payload (zlib)   u32 zero
//   payload, in this order (sizes follow from the header):
//     f32 initial_shape[2*num_parts]                          (x0 y0 x1 y1 ... in [0,1] box units)
//     u32 anchor[num_cascades][features_per_cascade]          (index of a shape point)
//     f32 delta[num_cascades][features_per_cascade][2]        (offset from that point)
//     split[num_cascades][trees_per_cascade][2^depth - 1]     (u32 idx1, u32 idx2, f32 thresh)
//     f32 leaf[num_cascades][trees_per_cascade][2^depth][2*num_parts]
#pragma once

#include <cstddef>
#include <cstdint>

namespace face::landmark_format {

inline constexpr char kMagic[8] = {'E', 'F', 'L', 'M', '\r', '\n', '\x1a', '\n'};
inline constexpr uint32_t kVersion = 1;
inline constexpr size_t kHeaderSize = 48;
inline constexpr char kDefaultFileName[] = "shape_predictor_68.eflm";
// The HOG face detector, saved beside it by the same set-up step (face/detector.h).
inline constexpr char kDetectorFileName[] = "frontal_face_detector.efhog";
inline constexpr char kDlibModelPath[] = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat";

struct Header {
  char magic[8];
  uint32_t version;
  uint32_t num_parts;
  uint32_t num_cascades;
  uint32_t trees_per_cascade;
  uint32_t tree_depth;
  uint32_t features_per_cascade;
  uint64_t payload_bytes;
  uint32_t crc32;
  uint32_t zero;
};
static_assert(sizeof(Header) == kHeaderSize, "the header is written as raw bytes");

struct Split {
  uint32_t idx1;
  uint32_t idx2;
  float thresh;
};
static_assert(sizeof(Split) == 12);

// Bytes of payload a header describes (sections in the order listed above).
inline uint64_t PayloadBytes(const Header& h) {
  const uint64_t splits = (uint64_t{1} << h.tree_depth) - 1, leaves = uint64_t{1} << h.tree_depth;
  const uint64_t trees = uint64_t{h.num_cascades} * h.trees_per_cascade;
  const uint64_t features = uint64_t{h.num_cascades} * h.features_per_cascade;
  return 4 * (2 * uint64_t{h.num_parts}) + features * 4 + features * 8 + trees * splits * sizeof(Split) +
         trees * leaves * 2 * h.num_parts * 4;
}

}  // namespace face::landmark_format
