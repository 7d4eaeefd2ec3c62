// ContentDecoder: a chain of streaming decompressors (zlib for gzip and deflate, brotli for
// br), each capped, each handing its output in bounded pieces to the next.
#include <corio/http/decoding.hpp>

#include <brotli/decode.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <climits>
#include <stdexcept>

#include <corio/http/errors.hpp>
#include <corio/http/headers.hpp>

namespace corio::http {

namespace detail {

// Where a stage's decoded bytes go: the next stage, or the caller's string. A reference to
// a callable, valid for one call.
class Sink {
 public:
  template <typename F>
  explicit Sink(F& f) noexcept
      : target_(&f), call_([](void* t, std::string_view piece) { (*static_cast<F*>(t))(piece); }) {}
  void operator()(std::string_view piece) const { call_(target_, piece); }

 private:
  void* target_;
  void (*call_)(void*, std::string_view);
};

// One coding of the chain. feed() decodes its input completely, handing output to `next` in
// pieces of at most kBufferSize bytes; it never produces more than limit + 1 bytes in all,
// throwing at the first byte over the limit.
class DecoderStage {
 public:
  static constexpr std::size_t kBufferSize = 16 * 1024;

  DecoderStage(std::string name, std::uint64_t limit) : name_(std::move(name)), limit_(limit) {}
  DecoderStage(const DecoderStage&) = delete;
  DecoderStage& operator=(const DecoderStage&) = delete;
  virtual ~DecoderStage() = default;

  virtual void feed(std::string_view in, Sink next) = 0;
  // The input ended: throws if a stream begun is not complete.
  virtual void finish() = 0;

 protected:
  // Room for the next decompressor call: the buffer, or one byte past the limit.
  [[nodiscard]] std::size_t room() const noexcept {
    const auto left = limit_ - produced_;
    return left >= kBufferSize ? kBufferSize : static_cast<std::size_t>(left) + 1;
  }

  // Counts and passes on the first n bytes of the buffer.
  void deliver(std::size_t n, Sink next) {
    if (n == 0) return;
    produced_ += n;
    if (produced_ > limit_) {
      throw DecodingError("decompressed body exceeds the limit of " + std::to_string(limit_) +
                          " bytes");
    }
    next(std::string_view(buffer_.data(), n));
  }

  [[noreturn]] void fail(const std::string& reason) const {
    throw DecodingError(name_ + ": " + reason);
  }
  [[noreturn]] void fail_trailing() const { fail("data after the end of the compressed stream"); }
  [[noreturn]] void fail_truncated() const {
    fail("truncated compressed data: the body ended before the end of the stream");
  }

  std::array<char, kBufferSize> buffer_;

 private:
  std::string name_;
  std::uint64_t limit_;
  std::uint64_t produced_ = 0;
};

namespace {

// gzip (windowBits 31: gzip wrapper only) and deflate (zlib wrapper, or raw when the first
// two bytes are not a zlib header).
class ZlibStage final : public DecoderStage {
 public:
  enum class Format { gzip, deflate };

  ZlibStage(std::string name, std::uint64_t limit, Format format)
      : DecoderStage(std::move(name), limit), format_(format) {
    if (format_ == Format::gzip) init(15 + 16);
  }
  ~ZlibStage() override {
    if (initialized_) inflateEnd(&stream_);
  }

  void feed(std::string_view in, Sink next) override {
    if (in.empty()) return;
    seen_input_ = true;
    if (!initialized_) {
      // deflate, undecided: a zlib header is CMF FLG with method 8, a window of at most
      // 32 KiB and CMF*256+FLG a multiple of 31 (RFC 1950 2.2).
      const auto cmf = static_cast<unsigned char>(held_ ? first_byte_ : in[0]);
      const bool maybe_zlib = (cmf & 0x0f) == 8 && (cmf >> 4) <= 7;
      if (maybe_zlib && !held_ && in.size() == 1) {
        first_byte_ = in[0];
        held_ = true;
        return;
      }
      bool zlib = false;
      if (maybe_zlib) {
        const auto flg = static_cast<unsigned char>(held_ ? in[0] : in[1]);
        zlib = ((cmf << 8) | flg) % 31 == 0;
      }
      init(zlib ? 15 : -15);
      if (held_) {
        held_ = false;
        inflate_all(std::string_view(&first_byte_, 1), next);
      }
    }
    inflate_all(in, next);
  }

  void finish() override {
    if (seen_input_ && !ended_) fail_truncated();
  }

 private:
  void init(int window_bits) {
    stream_ = z_stream{};
    if (inflateInit2(&stream_, window_bits) != Z_OK) fail("cannot allocate the zlib state");
    initialized_ = true;
  }

  void inflate_all(std::string_view in, Sink next) {
    while (!in.empty()) {
      const auto n = std::min<std::size_t>(in.size(), UINT_MAX);
      inflate_piece(in.substr(0, n), next);
      in.remove_prefix(n);
    }
  }

  void inflate_piece(std::string_view in, Sink next) {
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    stream_.avail_in = static_cast<uInt>(in.size());
    for (;;) {
      if (ended_) {
        if (stream_.avail_in == 0) return;
        // Another gzip member must follow, starting with the magic 1f 8b.
        if (format_ == Format::deflate || static_cast<unsigned char>(*stream_.next_in) != 0x1f) {
          fail_trailing();
        }
        inflateReset(&stream_);
        ended_ = false;
        ++member_;
      }
      const auto space = room();
      stream_.next_out = reinterpret_cast<Bytef*>(buffer_.data());
      stream_.avail_out = static_cast<uInt>(space);
      const int rc = inflate(&stream_, Z_NO_FLUSH);
      deliver(space - stream_.avail_out, next);
      switch (rc) {
        case Z_STREAM_END:
          ended_ = true;
          break;
        case Z_OK:
          if (stream_.avail_in == 0 && stream_.avail_out != 0) return;
          break;
        case Z_BUF_ERROR:  // no progress possible: all input taken, all output given
          return;
        case Z_NEED_DICT:
          fail("the stream needs a preset dictionary");
        case Z_MEM_ERROR:
          fail("out of memory");
        default:
          // A next member whose second byte is not 8b: data after the stream.
          if (member_ > 0 && stream_.total_in <= 2) fail_trailing();
          fail(stream_.msg != nullptr ? stream_.msg : "invalid compressed data");
      }
    }
  }

  Format format_;
  z_stream stream_{};
  bool initialized_ = false;
  bool held_ = false;  // deflate: first_byte_ waits for the second to decide the format
  char first_byte_ = 0;
  bool seen_input_ = false;
  bool ended_ = false;  // the current stream (gzip: member) is complete
  unsigned member_ = 0;
};

class BrotliStage final : public DecoderStage {
 public:
  BrotliStage(std::string name, std::uint64_t limit)
      : DecoderStage(std::move(name), limit),
        state_(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr)) {
    if (state_ == nullptr) fail("cannot allocate the brotli state");
  }
  ~BrotliStage() override { BrotliDecoderDestroyInstance(state_); }

  void feed(std::string_view in, Sink next) override {
    if (in.empty()) return;
    if (ended_) fail_trailing();
    seen_input_ = true;
    auto available_in = in.size();
    auto next_in = reinterpret_cast<const std::uint8_t*>(in.data());
    for (;;) {
      const auto space = room();
      auto available_out = space;
      auto next_out = reinterpret_cast<std::uint8_t*>(buffer_.data());
      const auto rc = BrotliDecoderDecompressStream(state_, &available_in, &next_in, &available_out,
                                                    &next_out, nullptr);
      deliver(space - available_out, next);
      switch (rc) {
        case BROTLI_DECODER_RESULT_SUCCESS:
          ended_ = true;
          if (available_in != 0) fail_trailing();
          return;
        case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
          return;
        case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
          break;
        case BROTLI_DECODER_RESULT_ERROR:
          fail_brotli();
      }
    }
  }

  void finish() override {
    if (seen_input_ && !ended_) fail_truncated();
  }

 private:
  [[noreturn]] void fail_brotli() const {
    // Brotli names its errors without a prefix ("PADDING_1"); codes above -19
    // (DICTIONARY_NOT_SET) are format errors, -21 to -30 allocation failures
    // (brotli/decode.h). Debian 12's first libbrotli-dev (1.0.9-2+b6) has no name for -17,
    // BLOCK_SWITCH, which its security update added.
    const auto code = BrotliDecoderGetErrorCode(state_);
    const std::string name = BrotliDecoderErrorString(code);
    if (code > BROTLI_DECODER_ERROR_DICTIONARY_NOT_SET) fail("invalid data (" + name + ")");
    if (code <= BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES) fail("out of memory (" + name + ")");
    fail("decoder error (" + name + ")");
  }

  BrotliDecoderState* state_;
  bool seen_input_ = false;
  bool ended_ = false;
};

// The codings of the list, lowercased, last applied first.
std::vector<std::string> codings_to_undo(std::string_view list) {
  std::vector<std::string> codings;
  for (;;) {
    const auto comma = list.rfind(',');
    const auto item = trim_ows(comma == std::string_view::npos ? list : list.substr(comma + 1));
    if (!item.empty()) {
      codings.push_back(ascii_lower(item));
    }
    if (comma == std::string_view::npos) return codings;
    list = list.substr(0, comma);
  }
}

}  // namespace
}  // namespace detail

ContentDecoder::ContentDecoder(std::string_view content_encoding, std::uint64_t max_decoded_size)
    : max_decoded_size_(max_decoded_size) {
  for (auto& name : detail::codings_to_undo(content_encoding)) {
    using detail::ZlibStage;
    if (name == "identity") continue;
    if (name == "gzip" || name == "x-gzip") {
      stages_.push_back(
          std::make_unique<ZlibStage>(std::move(name), max_decoded_size, ZlibStage::Format::gzip));
    } else if (name == "deflate") {
      stages_.push_back(std::make_unique<ZlibStage>(std::move(name), max_decoded_size,
                                                    ZlibStage::Format::deflate));
    } else if (name == "br") {
      stages_.push_back(std::make_unique<detail::BrotliStage>(std::move(name), max_decoded_size));
    } else {
      break;  // unknown: what lies beneath it passes through unchanged
    }
  }
}

ContentDecoder::ContentDecoder(ContentDecoder&&) noexcept = default;
ContentDecoder& ContentDecoder::operator=(ContentDecoder&&) noexcept = default;
ContentDecoder::~ContentDecoder() = default;

void ContentDecoder::feed(std::string_view encoded, std::string& out) {
  if (!error_.empty()) fail_again();
  if (finished_) throw std::logic_error("ContentDecoder::feed() after finish()");
  try {
    push(0, encoded, out);
  } catch (const std::exception& e) {
    error_ = e.what();
    throw;
  }
}

// Each stage's feed() already handed all its output on: finish() only checks completeness.
void ContentDecoder::finish(std::string& /*out*/) {
  if (!error_.empty()) fail_again();
  if (finished_) return;
  finished_ = true;
  try {
    for (auto& stage : stages_) stage->finish();
  } catch (const std::exception& e) {
    error_ = e.what();
    throw;
  }
}

void ContentDecoder::push(std::size_t stage, std::string_view data, std::string& out) {
  if (stage == stages_.size()) {
    append(data, out);
    return;
  }
  auto next = [&](std::string_view piece) { push(stage + 1, piece, out); };
  stages_[stage]->feed(data, detail::Sink(next));
}

void ContentDecoder::append(std::string_view piece, std::string& out) {
  if (!is_identity() && piece.size() > out.capacity() - out.size()) {
    // append() would double the capacity; when that goes past what the cap still allows,
    // grow to exactly that instead (reserve() would round up to the double too). So a bomb
    // stopped at the cap leaves `out` holding no more than the cap.
    const auto left = max_decoded_size_ - decoded_;  // >= piece.size(): the stage checked
    const auto ceiling = left < out.max_size() - out.size() ? out.size() + left : out.max_size();
    if (ceiling < 2 * out.capacity()) {
      std::string exact;
      exact.reserve(static_cast<std::size_t>(ceiling));
      exact.append(out);
      out.swap(exact);
    }
  }
  out.append(piece);
  decoded_ += piece.size();
}

void ContentDecoder::fail_again() const {
  throw DecodingError(error_);
}

}  // namespace corio::http
