// tests/unit/http_decoding_test.cpp — tests for include/corio/http/decoding.hpp.
// Compressed inputs are made here with zlib and libbrotlienc, and with /usr/bin/gzip.
#include <corio/http/decoding.hpp>
#include <corio/http/errors.hpp>

#include <brotli/encode.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace {

using corio::http::ContentDecoder;
using corio::http::DecodingError;

constexpr int kGzip = 15 + 16;
constexpr int kZlib = 15;
constexpr int kRawDeflate = -15;

// zlib's deflate with the given window bits (gzip, zlib or raw framing), streamed.
std::string deflate_with(std::string_view data, int window_bits, int level = 6) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    char buf[16384];
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = deflate(&zs, Z_FINISH);
    out.append(buf, sizeof buf - zs.avail_out);
  }
  deflateEnd(&zs);
  return out;
}

std::string gzip(std::string_view data) {
  return deflate_with(data, kGzip);
}

std::string brotli(std::string_view data) {
  std::string out(BrotliEncoderMaxCompressedSize(data.size()), '\0');
  auto size = out.size();
  if (!BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC,
                             data.size(), reinterpret_cast<const std::uint8_t*>(data.data()), &size,
                             reinterpret_cast<std::uint8_t*>(out.data()))) {
    throw std::runtime_error("BrotliEncoderCompress failed");
  }
  out.resize(size);
  return out;
}

// Text with some repetition and some noise, like a web page.
std::string sample(std::size_t size, unsigned seed = 1) {
  std::mt19937 rng(seed);
  static constexpr std::string_view words[] = {
      "<div class=\"item\">", "corio ", "asyncio ", "</div>\n", "price: ", "&nbsp;",
      "\xc3\xa9t\xc3\xa9 "};
  std::string s;
  while (s.size() < size) {
    if (rng() % 4 == 0) {
      s.push_back(static_cast<char>(rng()));
    } else {
      s.append(words[rng() % std::size(words)]);
    }
  }
  s.resize(size);
  return s;
}

// Feeds `encoded` in pieces of random sizes in [1, max_piece] (max_piece 0: whole).
std::string decode(std::string_view content_encoding, std::string_view encoded,
                   std::size_t max_piece = 0, unsigned seed = 7, std::uint64_t cap = 64ull << 20) {
  ContentDecoder decoder(content_encoding, cap);
  std::mt19937 rng(seed);
  std::string out;
  while (!encoded.empty()) {
    const auto n = max_piece == 0 ? encoded.size()
                                  : std::min<std::size_t>(1 + rng() % max_piece, encoded.size());
    decoder.feed(encoded.substr(0, n), out);
    encoded.remove_prefix(n);
  }
  decoder.finish(out);
  EXPECT_EQ(decoder.decoded_size(), out.size());
  return out;
}

// The message of the DecodingError that decoding throws, or "" if none.
std::string decode_error(std::string_view content_encoding, std::string_view encoded,
                         std::size_t max_piece = 0, std::uint64_t cap = 64ull << 20) {
  try {
    decode(content_encoding, encoded, max_piece, 7, cap);
  } catch (const DecodingError& e) {
    return e.what();
  }
  return "";
}

const std::string kTruncated =
    ": truncated compressed data: the body ended before the end of the stream";
const std::string kTrailing = ": data after the end of the compressed stream";

TEST(ContentDecoder, AcceptEncodingOffersEveryCodingItDecodes) {
  EXPECT_EQ(corio::http::kAcceptEncoding, "gzip, deflate, br");
}

TEST(ContentDecoder, NoCodingOrIdentityPassesTheBodyThrough) {
  for (const auto* header : {"", "identity", " Identity , identity", ","}) {
    ContentDecoder decoder(header);
    EXPECT_TRUE(decoder.is_identity()) << header;
    std::string out = "kept:";
    decoder.feed("plain ", out);
    decoder.feed("text", out);
    decoder.finish(out);
    EXPECT_EQ(out, "kept:plain text");
    EXPECT_EQ(decoder.decoded_size(), 10u);
  }
}

TEST(ContentDecoder, IdentityBodiesAreNotCapped) {
  ContentDecoder decoder("identity", 4);
  std::string out;
  decoder.feed("longer than four", out);
  decoder.finish(out);
  EXPECT_EQ(out, "longer than four");
}

TEST(ContentDecoder, GzipRoundTripsInAnySplit) {
  const auto body = sample(300'000);
  const auto encoded = gzip(body);
  EXPECT_EQ(decode("gzip", encoded), body);
  EXPECT_EQ(decode("gzip", encoded, 100), body);
  EXPECT_EQ(decode("gzip", encoded, 70'000, 3), body);
  EXPECT_EQ(decode("gzip", encoded, 1), body);
}

TEST(ContentDecoder, CodingNamesIgnoreCaseAndWhitespace) {
  const auto body = sample(5000);
  EXPECT_EQ(decode("x-gzip", gzip(body)), body);
  EXPECT_EQ(decode(" \tGZip\t ", gzip(body)), body);
  EXPECT_EQ(decode("BR", brotli(body)), body);
  EXPECT_EQ(decode("Deflate", deflate_with(body, kZlib)), body);
  EXPECT_EQ(decode("gzip,,identity, ", gzip(body)), body);
}

TEST(ContentDecoder, AppendsToWhatTheStringHolds) {
  std::string out = "head:";
  ContentDecoder decoder("gzip");
  decoder.feed(gzip("body"), out);
  decoder.finish(out);
  EXPECT_EQ(out, "head:body");
  EXPECT_EQ(decoder.decoded_size(), 4u);
}

TEST(ContentDecoder, GzipFromTheGzipToolDecodes) {
  const auto body = sample(100'000, 5);
  char path[] = "/tmp/corio-decoding-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(path, std::ios::binary) << body;
  // -c keeps the file; the member then carries the original name and time (FNAME, MTIME).
  const std::string command = std::string("/usr/bin/gzip -9 -c ") + path;
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string encoded;
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) encoded.append(buf, n);
  EXPECT_EQ(pclose(pipe), 0);
  std::remove(path);
  ASSERT_GT(encoded.size(), 10u);
  EXPECT_EQ(static_cast<unsigned char>(encoded[3]) & 0x08, 0x08);  // FNAME is set
  EXPECT_EQ(decode("gzip", encoded, 333), body);
}

// Like `gzip -d`, and RFC 1952 2.2: a gzip file is a series of members.
TEST(ContentDecoder, GzipDecodesEveryConcatenatedMember) {
  const auto encoded = gzip("first,") + gzip("") + gzip(sample(40'000));
  const auto expected = "first," + sample(40'000);
  EXPECT_EQ(decode("gzip", encoded), expected);
  EXPECT_EQ(decode("gzip", encoded, 1), expected);
}

// RFC 9110 8.4.1.2 says zlib-wrapped; servers that send raw deflate exist.
TEST(ContentDecoder, DeflateAcceptsZlibWrappedAndRawStreams) {
  const auto body = sample(50'000, 2);
  for (const int bits : {kZlib, kRawDeflate}) {
    for (const int level : {0, 1, 9}) {
      const auto encoded = deflate_with(body, bits, level);
      EXPECT_EQ(decode("deflate", encoded), body) << bits << " " << level;
      EXPECT_EQ(decode("deflate", encoded, 1), body) << bits << " " << level;
      EXPECT_EQ(decode("deflate", encoded, 2000), body) << bits << " " << level;
    }
  }
}

TEST(ContentDecoder, BrotliRoundTripsInAnySplit) {
  const auto body = sample(200'000, 3);
  const auto encoded = brotli(body);
  EXPECT_EQ(decode("br", encoded), body);
  EXPECT_EQ(decode("br", encoded, 1), body);
  EXPECT_EQ(decode("br", encoded, 5000), body);
}

// RFC 9110 8.4: codings are listed in the order they were applied.
TEST(ContentDecoder, ChainedCodingsAreUndoneInReverseOrder) {
  const auto body = sample(60'000, 4);
  EXPECT_EQ(decode("gzip, br", brotli(gzip(body))), body);
  EXPECT_EQ(decode("br,gzip", gzip(brotli(body))), body);
  const auto triple = brotli(gzip(deflate_with(body, kRawDeflate)));
  EXPECT_EQ(decode("deflate, gzip, br", triple), body);
  EXPECT_EQ(decode("deflate, gzip, br", triple, 1), body);
  EXPECT_EQ(decode("deflate, identity, gzip, br", triple, 999), body);
}

// What servers send for HEAD and 204 answers.
TEST(ContentDecoder, EmptyBodyDecodesToEmptyWhateverTheCodings) {
  for (const auto* header : {"gzip", "deflate", "br", "gzip, br", "x-gzip, deflate"}) {
    ContentDecoder decoder(header);
    EXPECT_FALSE(decoder.is_identity());
    std::string out;
    decoder.feed("", out);
    decoder.finish(out);
    EXPECT_EQ(out, "");
    EXPECT_EQ(decoder.decoded_size(), 0u);
  }
}

TEST(ContentDecoder, EmptyButCompleteStreamsDecodeToEmpty) {
  EXPECT_EQ(decode("gzip", gzip("")), "");
  EXPECT_EQ(decode("deflate", deflate_with("", kZlib)), "");
  EXPECT_EQ(decode("deflate", deflate_with("", kRawDeflate)), "");
  EXPECT_EQ(decode("br", brotli("")), "");
}

TEST(ContentDecoder, UnknownCodingPassesTheRestThroughUnchanged) {
  const std::string body = "not decodable here";
  EXPECT_TRUE(ContentDecoder("zstd").is_identity());
  EXPECT_EQ(decode("zstd", body), body);
  // Applied after the unknown one: undone; applied before it: left alone.
  EXPECT_EQ(decode("compress, gzip", gzip(body)), body);
  EXPECT_FALSE(ContentDecoder("compress, gzip").is_identity());
  EXPECT_TRUE(ContentDecoder("gzip, compress").is_identity());
  EXPECT_EQ(decode("gzip, compress", gzip(body)), gzip(body));
}

TEST(ContentDecoder, TruncatedStreamsThrowAtFinish) {
  const auto body = sample(20'000, 6);
  const std::pair<const char*, std::string> cases[] = {
      {"gzip", gzip(body)},
      {"deflate", deflate_with(body, kZlib)},
      {"deflate", deflate_with(body, kRawDeflate)},
      {"br", brotli(body)},
  };
  for (const auto& [coding, encoded] : cases) {
    for (const auto keep :
         {std::size_t{1}, std::size_t{2}, encoded.size() / 2, encoded.size() - 1}) {
      ContentDecoder decoder(coding);
      std::string out;
      decoder.feed(std::string_view(encoded).substr(0, keep), out);
      try {
        decoder.finish(out);
        ADD_FAILURE() << coding << " cut to " << keep << " bytes did not throw";
      } catch (const DecodingError& e) {
        EXPECT_EQ(e.what(), coding + kTruncated) << keep;
      }
      EXPECT_LE(out.size(), body.size());
      EXPECT_EQ(out, body.substr(0, out.size()));
    }
  }
}

TEST(ContentDecoder, TruncatedInnerCodingThrowsAtFinish) {
  const auto gzipped = gzip("inner");
  EXPECT_EQ(decode_error("gzip, br", brotli(gzipped.substr(0, gzipped.size() - 3))),
            "gzip" + kTruncated);
}

TEST(ContentDecoder, DataAfterACompleteStreamIsAnError) {
  const auto body = sample(1000);
  EXPECT_EQ(decode_error("gzip", gzip(body) + "x"), "gzip" + kTrailing);
  EXPECT_EQ(decode_error("gzip", gzip(body) + "\n", 1), "gzip" + kTrailing);
  // Starts like another member (1f), then is not one.
  EXPECT_EQ(decode_error("gzip", gzip(body) + "\x1f"
                                              "x"),
            "gzip" + kTrailing);
  EXPECT_EQ(decode_error("gzip",
                         gzip(body) + "\x1f"
                                      "x",
                         1),
            "gzip" + kTrailing);
  // A real gzip magic followed by garbage is a broken member.
  EXPECT_EQ(decode_error("gzip", gzip(body) + std::string("\x1f\x8b\x07\0", 4)),
            "gzip: unknown compression method");
  EXPECT_EQ(decode_error("gzip", gzip(body) + "\x1f"), "gzip" + kTruncated);
  EXPECT_EQ(decode_error("deflate", deflate_with(body, kZlib) + "x"), "deflate" + kTrailing);
  EXPECT_EQ(decode_error("deflate", deflate_with(body, kRawDeflate) + "xy", 1),
            "deflate" + kTrailing);
  EXPECT_EQ(decode_error("br", brotli(body) + "x"), "br" + kTrailing);
  EXPECT_EQ(decode_error("br", brotli(body) + "x", 1), "br" + kTrailing);
}

TEST(ContentDecoder, CorruptDataNamesTheCodingAndTheReason) {
  EXPECT_EQ(decode_error("gzip", "this is not gzip"), "gzip: incorrect header check");
  EXPECT_EQ(decode_error("x-gzip", "this is not gzip", 1), "x-gzip: incorrect header check");
  auto bad_crc = gzip("some body");
  bad_crc[bad_crc.size() - 6] ^= 0x01;
  EXPECT_EQ(decode_error("gzip", bad_crc), "gzip: incorrect data check");
  auto bad_length = gzip("some body");
  bad_length[bad_length.size() - 1] ^= 0x01;
  EXPECT_EQ(decode_error("gzip", bad_length), "gzip: incorrect length check");
  // A zlib header (78 9c), then a reserved block type (BTYPE 11).
  EXPECT_EQ(decode_error("deflate", std::string("\x78\x9c\x07\x00", 4)),
            "deflate: invalid block type");
  // Not a zlib header, so raw deflate: a reserved block type again.
  EXPECT_EQ(decode_error("deflate", "\x07\x00"), "deflate: invalid block type");
  EXPECT_EQ(decode_error("br", std::string(64, '\xff')).rfind("br: invalid data (", 0), 0u)
      << decode_error("br", std::string(64, '\xff'));
  EXPECT_EQ(decode_error("gzip, br", brotli("not gzip inside")), "gzip: incorrect header check");
}

TEST(ContentDecoder, ZlibStreamWithAPresetDictionaryIsRejected) {
  z_stream zs{};
  ASSERT_EQ(deflateInit(&zs, 6), Z_OK);
  const std::string dictionary = "dictionary";
  deflateSetDictionary(&zs, reinterpret_cast<const Bytef*>(dictionary.data()),
                       static_cast<uInt>(dictionary.size()));
  std::string input = "dictionary words", encoded(256, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(input.data());
  zs.avail_in = static_cast<uInt>(input.size());
  zs.next_out = reinterpret_cast<Bytef*>(encoded.data());
  zs.avail_out = static_cast<uInt>(encoded.size());
  ASSERT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  encoded.resize(zs.total_out);
  deflateEnd(&zs);
  EXPECT_EQ(decode_error("deflate", encoded), "deflate: the stream needs a preset dictionary");
}

TEST(ContentDecoder, ErrorsStick) {
  ContentDecoder decoder("gzip");
  std::string out;
  EXPECT_THROW(decoder.feed("garbage", out), DecodingError);
  for (int i = 0; i < 2; ++i) {
    try {
      decoder.feed(gzip("valid now"), out);
      ADD_FAILURE() << "feed after an error did not throw";
    } catch (const DecodingError& e) {
      EXPECT_STREQ(e.what(), "gzip: incorrect header check");
    }
  }
  EXPECT_THROW(decoder.finish(out), DecodingError);
  EXPECT_EQ(out, "");
}

TEST(ContentDecoder, FeedAfterFinishIsAProgrammingError) {
  ContentDecoder decoder("gzip");
  std::string out;
  decoder.feed(gzip("a"), out);
  decoder.finish(out);
  decoder.finish(out);
  EXPECT_THROW(decoder.feed("b", out), std::logic_error);
  EXPECT_EQ(out, "a");
}

TEST(ContentDecoder, AMovedDecoderGoesOnWhereItWas) {
  const auto body = sample(30'000);
  const auto encoded = brotli(body);
  ContentDecoder first("br");
  std::string out;
  first.feed(std::string_view(encoded).substr(0, 100), out);
  ContentDecoder second(std::move(first));
  second.feed(std::string_view(encoded).substr(100), out);
  ContentDecoder third("identity");
  third = std::move(second);
  third.finish(out);
  EXPECT_EQ(out, body);
  EXPECT_EQ(third.decoded_size(), body.size());
}

TEST(ContentDecoder, TheCapAllowsExactlyItsSize) {
  const auto body = sample(100'000);
  for (const auto* coding : {"gzip", "br"}) {
    const auto encoded = std::string(coding) == "gzip" ? gzip(body) : brotli(body);
    EXPECT_EQ(decode(coding, encoded, 0, 7, body.size()), body);
    EXPECT_EQ(decode_error(coding, encoded, 0, body.size() - 1),
              "decompressed body exceeds the limit of 99999 bytes");
    EXPECT_EQ(decode_error(coding, encoded, 1, 10),
              "decompressed body exceeds the limit of 10 bytes");
  }
  EXPECT_EQ(decode_error("deflate", deflate_with(body, kRawDeflate), 0, 0),
            "decompressed body exceeds the limit of 0 bytes");
}

// A gzip stream of 1 GiB of zeros, about 1 MB long: 1 MiB of zeros deflated once with a full
// flush (which makes the block independent of what came before) and repeated 1024 times.
std::string gzip_bomb() {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, kRawDeflate, 9, Z_DEFAULT_STRATEGY), Z_OK);
  const std::string mib(1 << 20, '\0');
  auto run = [&](std::string_view input, int flush) {
    std::string out;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    zs.avail_in = static_cast<uInt>(input.size());
    do {
      char buf[65536];
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof buf;
      deflate(&zs, flush);
      out.append(buf, sizeof buf - zs.avail_out);
    } while (zs.avail_out == 0);
    return out;
  };
  const auto first = run(mib, Z_FULL_FLUSH);
  const auto block = run(mib, Z_FULL_FLUSH);
  const auto last = run({}, Z_FINISH);
  deflateEnd(&zs);
  std::string bomb("\x1f\x8b\x08\0\0\0\0\0\0\x03", 10);
  bomb += first;
  for (int i = 1; i < 1024; ++i) bomb += block;
  bomb += last;
  uLong crc = crc32(0, reinterpret_cast<const Bytef*>(mib.data()), static_cast<uInt>(mib.size()));
  for (z_off_t length = 1 << 20; length < (z_off_t{1} << 30); length *= 2) {
    crc = crc32_combine(crc, crc, length);
  }
  for (int i = 0; i < 4; ++i) bomb.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  bomb.append("\0\0\0\x40", 4);  // ISIZE: 2^30, little-endian
  return bomb;
}

TEST(ContentDecoder, AGzipBombStopsAtTheCapWithoutGrowingPastIt) {
  const auto bomb = gzip_bomb();
  EXPECT_LT(bomb.size(), 2u << 20);
  constexpr std::uint64_t cap = 1 << 20;
  ContentDecoder decoder("gzip", cap);
  std::string out;
  std::size_t fed = 0;
  try {
    while (fed < bomb.size()) {
      const auto piece = std::string_view(bomb).substr(fed, 64 * 1024);
      fed += piece.size();
      decoder.feed(piece, out);
    }
    ADD_FAILURE() << "the bomb decoded whole";
  } catch (const DecodingError& e) {
    EXPECT_STREQ(e.what(), "decompressed body exceeds the limit of 1048576 bytes");
  }
  EXPECT_EQ(fed, 64u * 1024);  // stopped inside the first piece
  EXPECT_EQ(decoder.decoded_size(), out.size());
  EXPECT_LE(out.size(), cap);
  EXPECT_LE(out.capacity(), cap);
  EXPECT_EQ(out.find_first_not_of('\0'), std::string::npos);
}

// The bomb is a valid gzip stream: decoded in full, it is 1 GiB of zeros.
TEST(ContentDecoder, TheGzipBombIsAValidStream) {
  ContentDecoder decoder("gzip", 1ull << 30);
  const auto bomb = gzip_bomb();
  std::string out;
  for (std::size_t at = 0; at < bomb.size(); at += 4096) {
    decoder.feed(std::string_view(bomb).substr(at, 4096), out);
    out.clear();
  }
  decoder.finish(out);
  EXPECT_EQ(decoder.decoded_size(), 1ull << 30);
}

TEST(ContentDecoder, TheCapKeepsAStringOfAnotherSizeBelowIt) {
  const auto body = sample(1'500'000);
  ContentDecoder decoder("br", 1'200'000);
  std::string out;
  EXPECT_THROW(decoder.feed(brotli(body), out), DecodingError);
  EXPECT_LE(out.capacity(), 1'200'000u);
  EXPECT_EQ(out, body.substr(0, out.size()));
}

// A gzip stream of the empty body padded with N empty stored blocks (5 bytes each), which
// brotli compresses to almost nothing: the body is empty, but the br layer's output is not.
std::string padded_empty_gzip(std::size_t blocks) {
  std::string s("\x1f\x8b\x08\0\0\0\0\0\0\x03", 10);
  for (std::size_t i = 0; i < blocks; ++i) s.append("\0\0\0\xff\xff", 5);
  s.append("\x03\0", 2);  // final empty block with fixed codes
  s.append(8, '\0');      // CRC-32 and ISIZE of the empty input
  return s;
}

TEST(ContentDecoder, TheCapAppliesToEveryCodingOfTheChain) {
  const auto inner = padded_empty_gzip(1 << 20);
  EXPECT_EQ(decode("gzip", inner), "");
  const auto wrapped = brotli(inner);
  EXPECT_LT(wrapped.size(), 64u * 1024);
  EXPECT_EQ(decode("gzip, br", wrapped, 0, 7, inner.size()), "");
  EXPECT_EQ(decode_error("gzip, br", wrapped, 0, 1 << 20),
            "decompressed body exceeds the limit of 1048576 bytes");
}

}  // namespace
