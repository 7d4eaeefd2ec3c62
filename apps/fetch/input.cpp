// apps/fetch/input.cpp — line splitting and chunked reading of corio-fetch's input.
#include "input.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <utility>

#include <corio/thread.hpp>

namespace corio_fetch {
namespace {

constexpr std::size_t chunk_size = 64 * 1024;
constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.remove_suffix(1);
  }
  return text;
}

struct Chunk {
  std::string bytes;
  int error = 0;
  bool interrupted = false;  // `wake_fd` fired first: nothing was read
};

// Reads up to a chunk from `fd`. With `wake_fd` (an eventfd, or -1), first waits until
// either is readable, and returns interrupted without reading once `wake_fd` is.
Chunk read_chunk(int fd, int wake_fd = -1) {
  Chunk chunk;
  while (wake_fd >= 0) {
    pollfd fds[2] = {{wake_fd, POLLIN, 0}, {fd, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      chunk.error = errno;
      return chunk;
    }
    if (fds[0].revents != 0) {
      chunk.interrupted = true;
      return chunk;
    }
    if (fds[1].revents != 0) break;
  }
  chunk.bytes.resize(chunk_size);
  for (;;) {
    const ssize_t n = ::read(fd, chunk.bytes.data(), chunk.bytes.size());
    if (n >= 0) {
      chunk.bytes.resize(static_cast<std::size_t>(n));
      return chunk;
    }
    if (errno != EINTR) {
      chunk.error = errno;
      chunk.bytes.clear();
      return chunk;
    }
  }
}

}  // namespace

void LineSplitter::emit(std::deque<InputLine>& out) {
  ++line_;
  std::string_view first = partial_;
  if (line_ == 1 && first.starts_with(utf8_bom)) first.remove_prefix(utf8_bom.size());
  const std::string_view text = trim(first);
  const bool comment = !text.empty() && text.front() == '#';  // skipped however long
  if (overflow_ && !comment) {
    out.push_back({line_, 0, std::string(text.substr(0, 200)), true});
  } else if (!text.empty() && !comment) {
    out.push_back({line_, 0, std::string(text), false});
  }
  partial_.clear();
  overflow_ = false;
}

void LineSplitter::feed(std::string_view chunk, std::deque<InputLine>& out) {
  while (!chunk.empty()) {
    const auto newline = chunk.find('\n');
    const std::string_view piece = chunk.substr(0, newline);
    if (!overflow_) {
      if (partial_.size() + piece.size() > max_line_) {
        // Keep the start (for the report), drop the rest as it streams by.
        partial_.append(piece.substr(0, max_line_ - std::min(max_line_, partial_.size())));
        overflow_ = true;
      } else {
        partial_.append(piece);
      }
    }
    if (newline == std::string_view::npos) return;
    emit(out);
    chunk.remove_prefix(newline + 1);
  }
}

void LineSplitter::finish(std::deque<InputLine>& out) {
  if (!partial_.empty() || overflow_) emit(out);
}

InputReader::InputReader(std::vector<std::string> urls, const std::string& path)
    : urls_(std::move(urls)), path_(path) {
  if (path.empty()) return;
  if (path == "-") {
    fd_ = STDIN_FILENO;
    path_ = "<stdin>";
  } else {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      throw InputError("cannot open input '" + path + "': " + std::strerror(errno));
    }
    owns_fd_ = true;
  }
  struct stat info {};
  if (::fstat(fd_, &info) != 0) {
    const int error = errno;
    if (owns_fd_) ::close(fd_);
    throw InputError("cannot read input '" + path_ + "': " + std::strerror(error));
  }
  if (S_ISDIR(info.st_mode)) {
    if (owns_fd_) ::close(fd_);
    throw InputError("cannot read input '" + path_ + "': it is a directory");
  }
  regular_ = S_ISREG(info.st_mode);
  if (!regular_) {
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (wake_fd_ < 0) {
      const int error = errno;
      if (owns_fd_) ::close(fd_);
      throw InputError("cannot read input '" + path_ + "': " + std::strerror(error));
    }
  }
}

void InputReader::interrupt() noexcept {
  if (wake_fd_ >= 0) (void)::eventfd_write(wake_fd_, 1);
}

bool InputReader::reads_from(const std::string& path) const noexcept {
  struct stat input {};
  struct stat other {};
  return regular_ && !path.empty() && ::fstat(fd_, &input) == 0 &&
         ::stat(path.c_str(), &other) == 0 && input.st_dev == other.st_dev &&
         input.st_ino == other.st_ino;
}

InputReader::~InputReader() {
  if (owns_fd_) ::close(fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

std::optional<InputLine> InputReader::next_buffered() {
  if (next_url_ < urls_.size()) {
    InputLine line{0, next_url_ + 1, std::move(urls_[next_url_]), false};
    ++next_url_;
    return line;
  }
  if (ready_.empty()) return std::nullopt;
  InputLine line = std::move(ready_.front());
  ready_.pop_front();
  return line;
}

corio::Task<std::optional<InputLine>> InputReader::next() {
  while (next_url_ == urls_.size() && ready_.empty() && fd_ >= 0 && !eof_) {
    Chunk chunk = co_await corio::to_thread(read_chunk, fd_, wake_fd_);
    if (chunk.interrupted) {
      eof_ = true;  // stopped waiting; the unread rest stays unread
      break;
    }
    if (chunk.error != 0) {
      eof_ = true;
      throw InputError("cannot read input '" + path_ + "' after line " +
                       std::to_string(splitter_.lines_seen()) + ": " + std::strerror(chunk.error));
    }
    if (chunk.bytes.empty()) {
      eof_ = true;
      splitter_.finish(ready_);
    } else {
      splitter_.feed(chunk.bytes, ready_);
    }
  }
  co_return next_buffered();
}

corio::Task<std::optional<std::uint64_t>> InputReader::count_file_lines() const {
  if (!regular_ || fd_ < 0) co_return std::nullopt;
  const std::string path = fd_ == STDIN_FILENO ? std::string("/dev/stdin") : path_;
  // Counts what the engine will see: lines that are neither blank nor '#' comments.
  // Named before the co_await: g++ 12 frees a temporary lambda holding a string twice.
  auto count_urls = [path]() {
    std::optional<std::uint64_t> lines;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return lines;
    std::uint64_t urls = 0;
    bool content = false;
    bool comment = false;
    bool start = true;
    for (;;) {
      Chunk chunk = read_chunk(fd);
      if (chunk.error != 0) {
        ::close(fd);
        return lines;
      }
      if (chunk.bytes.empty()) break;
      std::string_view bytes = chunk.bytes;
      if (start && bytes.starts_with(utf8_bom)) bytes.remove_prefix(utf8_bom.size());
      start = false;
      for (const char c : bytes) {
        if (c == '\n') {
          if (content && !comment) ++urls;
          content = false;
          comment = false;
        } else if (!content && std::isspace(static_cast<unsigned char>(c)) == 0) {
          content = true;
          comment = c == '#';
        }
      }
    }
    ::close(fd);
    if (content && !comment) ++urls;
    lines = urls;
    return lines;
  };
  const std::optional<std::uint64_t> count = co_await corio::to_thread(std::move(count_urls));
  co_return count;
}

}  // namespace corio_fetch
