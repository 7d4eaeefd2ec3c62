// apps/fetch/output.cpp — JSON lines, body encodings, the output file.
#include "output.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include <corio/http/headers.hpp>

namespace corio_fetch {
namespace {

constexpr std::size_t flush_threshold = 64 * 1024;

}  // namespace

bool is_valid_utf8(std::string_view text) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int length = 0;
    std::uint32_t code = 0;
    std::uint32_t min = 0;
    if ((c & 0xE0) == 0xC0) {
      length = 2, code = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3, code = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4, code = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (end - p < length) return false;
    for (int i = 1; i < length; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      code = (code << 6) | (p[i] & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    p += length;
  }
  return true;
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                            (std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) |
                            static_cast<unsigned char>(bytes[i + 2]);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  if (i < bytes.size()) {
    std::uint32_t n = std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
    if (i + 1 < bytes.size()) n |= std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

std::string to_json_line(const FetchResult& result) {
  nlohmann::ordered_json line;
  line["url"] = result.url;
  if (result.line > 0) line["line"] = result.line;
  if (result.arg > 0) line["arg"] = result.arg;
  line["final_url"] = result.final_url ? nlohmann::ordered_json(*result.final_url) : nullptr;
  line["status"] = result.status ? nlohmann::ordered_json(*result.status) : nullptr;
  nlohmann::ordered_json headers = nlohmann::ordered_json::object();
  for (const auto& [name, value] : result.headers) {
    const std::string key = corio::http::ascii_lower(name);
    auto it = headers.find(key);
    if (it == headers.end()) {
      headers[key] = value;
    } else if (it->is_array()) {
      it->push_back(value);
    } else {
      *it = nlohmann::ordered_json::array({*it, value});
    }
  }
  line["headers"] = std::move(headers);
  line["elapsed_ms"] = std::round(result.elapsed_ms * 1000) / 1000;
  line["bytes"] = result.bytes;
  line["attempts"] = result.attempts;
  if (result.redirects > 0) line["redirects"] = result.redirects;
  if (result.error_class.empty()) {
    line["error"] = nullptr;
  } else {
    line["error"] = {{"class", result.error_class}, {"message", result.error_message}};
  }
  if (result.body) {
    if (is_valid_utf8(*result.body)) {
      line["body"] = *result.body;
      line["body_encoding"] = "utf-8";
    } else {
      line["body"] = base64_encode(*result.body);
      line["body_encoding"] = "base64";
    }
  }
  if (!result.body_file.empty()) {
    line["body_file"] = result.body_file;
    line["sha256"] = result.sha256;
  }
  std::string text = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  text += '\n';
  return text;
}

void prepare_save_dir(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw OutputError("cannot create --save-dir '" + dir + "': " + error.message());
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw OutputError("cannot write into --save-dir '" + dir + "': " + std::strerror(errno));
  }
}

std::string save_body(const std::string& dir, std::string_view body, const std::string& sha256) {
  const std::filesystem::path folder = std::filesystem::path(dir) / sha256.substr(0, 2);
  const std::filesystem::path file = folder / sha256;
  std::error_code error;
  if (std::filesystem::exists(file, error)) return file.string();
  std::filesystem::create_directories(folder, error);
  if (error) throw OutputError("cannot create '" + folder.string() + "': " + error.message());
  // Written under a temporary name and renamed: a reader never sees half a body.
  const std::filesystem::path partial = folder / (sha256 + ".part" + std::to_string(::getpid()));
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    if (!out) throw OutputError("cannot write '" + partial.string() + "'");
  }
  std::filesystem::rename(partial, file, error);
  if (error) throw OutputError("cannot rename to '" + file.string() + "': " + error.message());
  return file.string();
}

OutputWriter::OutputWriter(const std::string& path, bool append) : path_(path) {
  if (path.empty() || path == "-") {
    fd_ = STDOUT_FILENO;
    path_ = "<stdout>";
    return;
  }
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);
  if (fd_ < 0) throw OutputError("cannot open output '" + path + "': " + std::strerror(errno));
  owns_fd_ = true;
  if (append) {
    struct stat info {};
    if (::fstat(fd_, &info) == 0 && info.st_size > 0) {
      const int reader = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      char last = '\n';
      if (reader >= 0) {
        if (::pread(reader, &last, 1, info.st_size - 1) != 1) last = '\n';
        ::close(reader);
      }
      if (last != '\n') buffer_ += '\n';
    }
  }
}

OutputWriter::~OutputWriter() {
  try {
    flush();
  } catch (const OutputError&) {
    // Already reported by the engine's final flush; a destructor must not throw.
  }
  if (owns_fd_) ::close(fd_);
}

void OutputWriter::write(std::string_view line) {
  buffer_.append(line);
  if (buffer_.size() >= flush_threshold) flush();
}

void OutputWriter::flush() {
  std::size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      if (error == EPIPE) {
        // Nobody reads on: keep the line the reader got only part of, whole.
        const std::size_t cut = done == 0 ? std::string::npos : buffer_.rfind('\n', done - 1);
        buffer_.erase(0, cut == std::string::npos ? 0 : cut + 1);
        throw OutputClosed("cannot write output '" + path_ + "': " + std::strerror(error));
      }
      buffer_.erase(0, done);
      throw OutputError("cannot write output '" + path_ + "': " + std::strerror(error));
    }
    done += static_cast<std::size_t>(n);
  }
  buffer_.clear();
}

}  // namespace corio_fetch
