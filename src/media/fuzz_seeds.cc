// Writes the small seed inputs of fuzz_image_decode and fuzz_video_decode (fuzz/corpus/<name>/):
// each image format and variant we decode, and tiny videos in a few containers and codecs,
// all made here from synthetic pixels.
//   build/bin/media_fuzz_seeds fuzz/corpus
#include <png.h>
#include <turbojpeg.h>
#include <webp/encode.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <cstdio>
#include <cstring>
#include <string>

#include "base/files.h"
#include "media/image.h"
#include "media/image_decode.h"

namespace {

media::RgbImage Pattern(int w, int h, int phase = 0) {
  media::RgbImage img(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = img.row(y) + 3 * x;
      p[0] = static_cast<uint8_t>(x * 16 + phase);
      p[1] = static_cast<uint8_t>(y * 16);
      p[2] = static_cast<uint8_t>((x ^ y) * 8 + phase);
    }
  return img;
}

std::string Jpeg(const media::RgbImage& img, int samp) {
  tjhandle tj = tjInitCompress();
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  tjCompress2(tj, img.pixels.data(), img.width, img.stride(), img.height, TJPF_RGB, &buf, &size, samp, 50, 0);
  std::string out(reinterpret_cast<char*>(buf), size);
  tjFree(buf);
  tjDestroy(tj);
  return out;
}

std::string Png(const media::RgbImage& img, uint32_t format) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = img.width;
  png.height = img.height;
  png.format = format;
  std::vector<uint8_t> px;
  const int channels = PNG_IMAGE_PIXEL_CHANNELS(format);
  for (size_t i = 0; i < static_cast<size_t>(img.width) * img.height; ++i) {
    for (int c = 0; c < channels; ++c) px.push_back(c < 3 ? img.pixels[i * 3 + c] : 200);
  }
  png_alloc_size_t size = 0;
  png_image_write_to_memory(&png, nullptr, &size, 0, px.data(), 0, nullptr);
  std::string out(size, '\0');
  png_image_write_to_memory(&png, out.data(), &size, 0, px.data(), 0, nullptr);
  return out;
}

std::string WithExif(const std::string& jpeg, int orientation) {
  std::string tiff = std::string("II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0", 18) + char(orientation) +
                     std::string(7, '\0');
  std::string payload = std::string("Exif\0\0", 6) + tiff;
  const size_t len = payload.size() + 2;
  return jpeg.substr(0, 2) + "\xFF\xE1" + char(len >> 8) + char(len & 0xFF) + payload + jpeg.substr(2);
}

// A 3-frame 32x32 video; returns "" when this FFmpeg lacks the encoder or muxer.
std::string Video(const char* muxer, const char* encoder) {
  const AVCodec* codec = avcodec_find_encoder_by_name(encoder);
  const AVOutputFormat* ofmt = av_guess_format(muxer, nullptr, nullptr);
  if (!codec || !ofmt) return "";
  const std::string path = std::string("/tmp/media_fuzz_seed.") + muxer;
  AVFormatContext* fmt = nullptr;
  avformat_alloc_output_context2(&fmt, ofmt, nullptr, path.c_str());
  AVStream* st = avformat_new_stream(fmt, nullptr);
  AVCodecContext* c = avcodec_alloc_context3(codec);
  c->width = 32;
  c->height = 32;
  c->pix_fmt = AV_PIX_FMT_YUV420P;
  c->time_base = {1, 10};
  c->gop_size = 2;
  if (fmt->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  std::string result;
  if (avcodec_open2(c, codec, nullptr) >= 0 && avcodec_parameters_from_context(st->codecpar, c) >= 0 &&
      avio_open(&fmt->pb, path.c_str(), AVIO_FLAG_WRITE) >= 0) {
    st->time_base = c->time_base;
    if (avformat_write_header(fmt, nullptr) >= 0) {
      AVFrame* f = av_frame_alloc();
      f->format = c->pix_fmt;
      f->width = 32;
      f->height = 32;
      av_frame_get_buffer(f, 0);
      AVPacket* pkt = av_packet_alloc();
      for (int i = 0; i <= 3; ++i) {
        if (i < 3) {
          av_frame_make_writable(f);
          for (int y = 0; y < 32; ++y)
            for (int x = 0; x < 32; ++x) f->data[0][y * f->linesize[0] + x] = static_cast<uint8_t>(x * 8 + i * 40);
          for (int y = 0; y < 16; ++y)
            for (int x = 0; x < 16; ++x) {
              f->data[1][y * f->linesize[1] + x] = static_cast<uint8_t>(128 + y);
              f->data[2][y * f->linesize[2] + x] = static_cast<uint8_t>(128 - x);
            }
          f->pts = i;
        }
        avcodec_send_frame(c, i < 3 ? f : nullptr);
        while (avcodec_receive_packet(c, pkt) == 0) {
          av_packet_rescale_ts(pkt, c->time_base, st->time_base);
          pkt->stream_index = st->index;
          av_interleaved_write_frame(fmt, pkt);
        }
      }
      av_write_trailer(fmt);
      av_packet_free(&pkt);
      av_frame_free(&f);
    }
    avio_closep(&fmt->pb);
    base::StatusOr<std::string> bytes = base::ReadFile(path);
    if (bytes.ok()) result = *bytes;
  }
  avcodec_free_context(&c);
  avformat_free_context(fmt);
  std::remove(path.c_str());
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_ROOT\n", argv[0]);
    return 2;
  }
  const std::string images = std::string(argv[1]) + "/fuzz_image_decode/";
  const std::string videos = std::string(argv[1]) + "/fuzz_video_decode/";
  base::MakeDirs(images);
  base::MakeDirs(videos);
  const media::RgbImage img = Pattern(8, 6);
  uint8_t* webp = nullptr;
  size_t n = WebPEncodeLosslessRGB(img.pixels.data(), img.width, img.height, img.stride(), &webp);
  std::string webp_lossless(reinterpret_cast<char*>(webp), n);
  WebPFree(webp);
  n = WebPEncodeRGB(img.pixels.data(), img.width, img.height, img.stride(), 50, &webp);
  std::string webp_lossy(reinterpret_cast<char*>(webp), n);
  WebPFree(webp);
  const struct {
    const char* name;
    std::string bytes;
  } seeds[] = {
      {"seed_420.jpg", Jpeg(img, TJSAMP_420)},
      {"seed_gray.jpg", Jpeg(img, TJSAMP_GRAY)},
      {"seed_exif6.jpg", WithExif(Jpeg(img, TJSAMP_444), 6)},
      {"seed_rgb.png", Png(img, PNG_FORMAT_RGB)},
      {"seed_rgba.png", Png(img, PNG_FORMAT_RGBA)},
      {"seed_gray.png", Png(img, PNG_FORMAT_GRAY)},
      {"seed_lossless.webp", webp_lossless},
      {"seed_lossy.webp", webp_lossy},
      {"seed.ppm", media::EncodePpm(Pattern(3, 2))},
      {"seed_p2.pgm", "P2\n# c\n2 2\n15\n0 5\n10 15\n"},
      {"seed_p3.ppm", "P3 1 2 65535 65535 0 0 0 1000 2\n"},
      {"seed_p5_16bit.pgm", std::string("P5 2 1 1000\n\x03\xe8\x00\x01", 15)},
  };
  for (const auto& s : seeds) base::WriteFileAtomic(images + s.name, s.bytes);
  const struct {
    const char* muxer;
    const char* encoder;
  } kinds[] = {{"mp4", "mpeg4"}, {"mp4", "libx264"}, {"matroska", "mpeg4"}, {"avi", "mjpeg"}, {"webm", "libvpx"}};
  for (const auto& k : kinds) {
    const std::string bytes = Video(k.muxer, k.encoder);
    if (bytes.empty()) {
      std::printf("skipped %s/%s (not in this FFmpeg)\n", k.muxer, k.encoder);
      continue;
    }
    base::WriteFileAtomic(videos + "seed_" + k.encoder + "." + k.muxer, bytes);
    std::printf("video seed %s/%s: %zu bytes\n", k.muxer, k.encoder, bytes.size());
  }
  return 0;
}
