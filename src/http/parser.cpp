// src/http/parser.cpp — MessageParser on llhttp.
//
// llhttp's rules, and how this file obeys them:
// - settings outlive the parser: one static const llhttp_settings_t for every parser;
// - callbacks only record into ParserImpl (reached through llhttp_t::data); they are
//   noexcept, and a failure inside one (a limit, out of memory) is recorded and reported
//   by returning an error code, never by throwing through C;
// - pausing from a callback is done by returning HPE_PAUSED (on_message_complete), never
//   by calling llhttp_pause; llhttp_resume only after llhttp_execute returned HPE_PAUSED;
// - a non-pause error sticks until llhttp_reset: the impl keeps the error and rethrows it;
// - llhttp_finish at EOF (finish()), since a response body may end at close;
// - lenient flags stay off (llhttp_init's default), but for answers to CONNECT
//   (answers_connect_): there LENIENT_CHUNKED_LENGTH lets a head with both Content-Length
//   and Transfer-Encoding reach on_headers_complete, which refuses it unless it is 2xx.
#include <corio/http/parser.hpp>

#include <corio/http/headers.hpp>

#include <llhttp.h>

#include <algorithm>
#include <cassert>
#include <new>
#include <stdexcept>
#include <utility>

namespace corio::http {

int status_code(ProtocolErrorKind kind) noexcept {
  switch (kind) {
    case ProtocolErrorKind::bad_request:
      return 400;
    case ProtocolErrorKind::payload_too_large:
      return 413;
    case ProtocolErrorKind::uri_too_long:
      return 414;
    case ProtocolErrorKind::header_fields_too_large:
      return 431;
    case ProtocolErrorKind::not_implemented:
      return 501;
    case ProtocolErrorKind::version_not_supported:
      return 505;
  }
  return 400;
}

namespace {

// Transfer codings a server can be asked to decode (RFC 9110 registry); any other one in a
// request is answered with 501.
bool known_transfer_coding(std::string_view coding) noexcept {
  for (std::string_view known :
       {"chunked", "gzip", "x-gzip", "deflate", "compress", "x-compress", "identity"}) {
    if (iequals(coding, known)) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string_view> find_header(const HeaderList& headers,
                                            std::string_view name) noexcept {
  for (const auto& [field, value] : headers) {
    if (iequals(field, name)) return std::string_view(value);
  }
  return std::nullopt;
}

namespace detail {

class ParserImpl {
 public:
  // Where the parser stands. complete: paused at a message's end (llhttp's error is
  // HPE_PAUSED, or HPE_PAUSED_UPGRADE for an upgrade). upgraded: an upgrade message was
  // taken, nothing more is parsed. failed: error_ holds the sticky error.
  // closed: a message without keep-alive was taken; any further byte is an error.
  enum class State { idle, headers, body, complete, upgraded, closed, failed };

  ParserImpl(MessageParser::Mode mode, ParserOptions options)
      : mode_(mode), options_(std::move(options)), expect_no_body_(options_.expect_no_body) {
    init();
  }

  FeedResult feed(std::span<const char> data);
  bool finish();
  Message take_message();
  void next_message();
  void reset() {
    init();
    message_ = Message{};
  }
  void recycle_headers(HeaderList&& used) noexcept;

  MessageParser::Mode mode_;
  ParserOptions options_;
  bool expect_no_body_;
  bool answers_connect_ = false;
  State state_ = State::idle;

 private:
  // Gives a Message's fields other than strings and lists their defaults.
  static void reset_plain_fields(Message& m) noexcept;
  void after_message(bool upgrade, bool keep_alive) noexcept;

  void init() {
    llhttp_init(&parser_, mode_ == MessageParser::Mode::request ? HTTP_REQUEST : HTTP_RESPONSE,
                &settings_);
    parser_.data = this;
    llhttp_set_lenient_chunked_length(&parser_, answers_connect_ ? 1 : 0);
    state_ = State::idle;
    base_ = 0;
    message_start_ = 0;
    clear_message_state();
    error_.reset();
  }

  void clear_message_state() noexcept {
    open_ = nullptr;
    fields_ = 0;
    header_count_ = 0;
    trailer_bytes_ = 0;
    extension_bytes_ = 0;
    body_bytes_ = 0;
    uri_bytes_ = 0;
    reason_bytes_ = 0;
    version_.clear();
    headers_done_ = false;
    value_end_.reset();
    slices_.clear();
  }

  static ParserImpl& self(llhttp_t* p) noexcept { return *static_cast<ParserImpl*>(p->data); }

  // Absolute stream offset of a pointer into the buffer now being executed.
  std::uint64_t offset_of(const char* p) const noexcept {
    return base_ + static_cast<std::uint64_t>(p - data_);
  }

  const char* prefix() const noexcept {
    return mode_ == MessageParser::Mode::request ? "invalid HTTP request: "
                                                 : "invalid HTTP response: ";
  }

  // Records a failure found inside a callback; returns the code that stops llhttp.
  int fail(std::string_view what, ProtocolErrorKind kind) noexcept {
    try {
      if (!pending_failure_) pending_failure_.emplace(std::string(what), kind);
    } catch (...) {
      return fail_oom();
    }
    return HPE_USER;
  }
  int fail_limit(const char* what, std::uint64_t limit, ProtocolErrorKind kind) noexcept {
    try {
      return fail(std::string(what) + " larger than " + std::to_string(limit) + " bytes", kind);
    } catch (...) {
      return fail_oom();
    }
  }
  int fail_oom() noexcept {
    oom_ = true;
    return HPE_USER;
  }

  [[noreturn]] void raise(std::string what, ProtocolErrorKind kind, std::uint64_t at) {
    state_ = State::failed;
    error_.emplace(prefix() + what + " (at byte " + std::to_string(at) + ")", kind);
    throw *error_;
  }
  [[noreturn]] void raise_llhttp(llhttp_errno_t err, const char* pos);

  // Checks that the header section up to `end` (absolute) is within its limit.
  int check_section(std::uint64_t end) noexcept {
    if (end - message_start_ > options_.limits.max_header_section) {
      return fail_limit("header section", options_.limits.max_header_section,
                        ProtocolErrorKind::header_fields_too_large);
    }
    return 0;
  }

  // Starts the header or trailer field being read (open_): the next entry of its list, where
  // its name and value are appended, so they are never copied at the end. Entries past
  // fields_ are recycled ones (recycle_headers()): their strings are reused unless large,
  // and those left over are erased once the section ends (close_section()). Returns 0, or
  // HPE_USER when out of memory.
  int open_header() noexcept {
    auto& list = headers_done_ ? message_.trailers : message_.headers;
    try {
      if (fields_ < list.size()) {
        auto& field = list[fields_];
        // A large string is dropped, not kept: what a connection holds on to between
        // messages stays small whatever its peer once sent.
        if (field.first.capacity() + field.second.capacity() > kMaxRecycledCapacity) {
          field = {};
        } else {
          field.first.clear();
          field.second.clear();
        }
        open_ = &field;
      } else {
        if (list.capacity() == 0) list.reserve(std::max(header_hint_, kMinHeaderCapacity));
        open_ = &list.emplace_back();
      }
    } catch (...) {
      return fail_oom();
    }
    ++fields_;
    return 0;
  }

  // The header or trailer section is complete: drops the recycled entries it did not use.
  void close_section(HeaderList& list) noexcept {
    if (fields_ < list.size())
      list.erase(list.begin() + static_cast<std::ptrdiff_t>(fields_), list.end());
    fields_ = 0;
  }

  // Appends a piece of a header name (value false) or value; headers and trailers alike.
  int header_piece(bool value, const char* at, std::size_t length) noexcept {
    if (open_ == nullptr) {
      if (int rc = open_header(); rc != 0) return rc;
    }
    auto* field = open_;
    if (field->first.size() + field->second.size() + length > options_.limits.max_header_line) {
      return fail_limit(headers_done_ ? "trailer field" : "header field",
                        options_.limits.max_header_line,
                        ProtocolErrorKind::header_fields_too_large);
    }
    if (headers_done_) {
      trailer_bytes_ += length;
      if (trailer_bytes_ > options_.limits.max_header_section) {
        return fail_limit("trailer section", options_.limits.max_header_section,
                          ProtocolErrorKind::header_fields_too_large);
      }
    } else if (int rc = check_section(offset_of(at + length)); rc != 0) {
      return rc;
    }
    try {
      (value ? field->second : field->first).append(at, length);
    } catch (...) {
      return fail_oom();
    }
    return 0;
  }

  // llhttp callbacks. Data callbacks return 0 or HPE_USER (a recorded failure);
  // on_headers_complete returns 0, 1 (no body) or HPE_USER; on_message_complete returns
  // HPE_PAUSED (stop after this message) or 0 for an upgrade (llhttp then returns
  // HPE_PAUSED_UPGRADE itself); the other notifications return 0 or HPE_USER.
  static int on_message_begin(llhttp_t* p) noexcept {
    auto& s = self(p);
    s.state_ = State::headers;
    if (!s.spare_.empty() && s.message_.headers.empty()) s.message_.headers.swap(s.spare_);
    return 0;
  }
  static int on_method(llhttp_t* p, const char* at, std::size_t length) noexcept {
    auto& s = self(p);
    if (int rc = s.check_section(s.offset_of(at + length)); rc != 0) return rc;
    try {
      s.message_.method.append(at, length);
    } catch (...) {
      return s.fail_oom();
    }
    return 0;
  }
  static int on_url(llhttp_t* p, const char* at, std::size_t length) noexcept {
    auto& s = self(p);
    s.uri_bytes_ += length;
    if (s.uri_bytes_ > s.options_.limits.max_uri) {
      return s.fail_limit("request target", s.options_.limits.max_uri,
                          ProtocolErrorKind::uri_too_long);
    }
    if (int rc = s.check_section(s.offset_of(at + length)); rc != 0) return rc;
    try {
      s.message_.target.append(at, length);
    } catch (...) {
      return s.fail_oom();
    }
    return 0;
  }
  static int on_status(llhttp_t* p, const char* at, std::size_t length) noexcept {
    auto& s = self(p);
    s.reason_bytes_ += length;
    if (s.reason_bytes_ > s.options_.limits.max_header_line) {
      return s.fail_limit("status line", s.options_.limits.max_header_line,
                          ProtocolErrorKind::header_fields_too_large);
    }
    if (int rc = s.check_section(s.offset_of(at + length)); rc != 0) return rc;
    try {
      s.message_.reason.append(at, length);
    } catch (...) {
      return s.fail_oom();
    }
    return 0;
  }
  static int on_version(llhttp_t* p, const char* at, std::size_t length) noexcept {
    auto& s = self(p);
    if (s.version_.size() + length > 16)
      return s.fail("HTTP version too long", ProtocolErrorKind::bad_request);
    s.version_.append(at, length);  // capacity reserved: never allocates
    return s.check_section(s.offset_of(at + length));
  }
  static int on_header_field(llhttp_t* p, const char* at, std::size_t length) noexcept {
    auto& s = self(p);
    return s.header_piece(false, at, length);
  }
  static int on_header_field_complete(llhttp_t* p) noexcept {
    auto& s = self(p);
    if (s.open_ == nullptr) {
      return s.fail("invalid character in header name", ProtocolErrorKind::bad_request);
    }
    if (++s.header_count_ > s.options_.limits.max_header_count) {
      try {
        return s.fail("more than " + std::to_string(s.options_.limits.max_header_count) +
                          (s.headers_done_ ? " trailer fields" : " header fields"),
                      ProtocolErrorKind::header_fields_too_large);
      } catch (...) {
        return s.fail_oom();
      }
    }
    return 0;
  }
  static int on_header_value(llhttp_t* p, const char* at, std::size_t length) noexcept {
    auto& s = self(p);
    // llhttp 8 (its strict build too) joins obs-fold continuation lines into the value, dropping
    // the line break: a piece that does not start where the previous one ended is one. RFC 9112 5.2
    // lets a recipient reject them, and a strict parser does.
    if (s.value_end_ && *s.value_end_ != s.offset_of(at)) {
      return s.fail("obsolete line folding in header value", ProtocolErrorKind::bad_request);
    }
    s.value_end_ = s.offset_of(at + length);
    return s.header_piece(true, at, length);
  }
  static int on_header_value_complete(llhttp_t* p) noexcept {
    auto& s = self(p);
    s.value_end_.reset();
    if (s.open_ == nullptr) return 0;  // unreachable: a name came first
    // Trimmed in place: shrinking never allocates.
    std::string& value = s.open_->second;
    s.open_ = nullptr;
    const std::string_view kept = trim_ows(value);
    const auto begin = static_cast<std::size_t>(kept.data() - value.data());
    value.resize(begin + kept.size());
    if (begin > 0) value.erase(0, begin);
    return 0;
  }
  static int on_headers_complete(llhttp_t* p) noexcept {
    auto& s = self(p);
    auto& m = s.message_;
    s.close_section(m.headers);
    s.headers_done_ = true;
    s.header_hint_ = m.headers.size();
    s.header_count_ = 0;
    s.state_ = State::body;
    m.http_major = llhttp_get_http_major(p);
    m.http_minor = llhttp_get_http_minor(p);
    if (m.http_major != 1) {
      try {
        return s.fail("HTTP version " + std::to_string(m.http_major) + "." +
                          std::to_string(m.http_minor) + " not supported",
                      ProtocolErrorKind::version_not_supported);
      } catch (...) {
        return s.fail_oom();
      }
    }
    const bool request = s.mode_ == MessageParser::Mode::request;
    if (request) {
      if (s.message_.method.empty())
        s.message_.method = llhttp_method_name(static_cast<llhttp_method_t>(llhttp_get_method(p)));
    } else {
      m.status_code = llhttp_get_status_code(p);
      // The tunnel starts right after the head (RFC 9110 9.3.6).
      if (s.answers_connect_ && m.status_code >= 200 && m.status_code <= 299) return 1;
    }
    // Only answers_connect_ lets llhttp pass this; the answer was not 2xx.
    if ((p->flags & F_CONTENT_LENGTH) != 0 && (p->flags & F_TRANSFER_ENCODING) != 0) {
      return s.fail(
          "HPE_UNEXPECTED_CONTENT_LENGTH: Content-Length can't be present with "
          "Transfer-Encoding",
          ProtocolErrorKind::bad_request);
    }
    m.chunked = (p->flags & F_CHUNKED) != 0;
    if ((p->flags & F_CONTENT_LENGTH) != 0) {
      m.content_length = p->content_length;
      if (s.options_.limits.max_body && p->content_length > *s.options_.limits.max_body) {
        return s.fail_limit("body", *s.options_.limits.max_body,
                            ProtocolErrorKind::payload_too_large);
      }
    }
    if (request && (p->flags & F_TRANSFER_ENCODING) != 0) {
      bool unknown = false;
      for (const auto& [name, value] : m.headers) {
        if (!iequals(name, "transfer-encoding")) continue;
        for_each_list_item(value, [&unknown](std::string_view coding) {
          unknown = unknown || !known_transfer_coding(coding);
        });
      }
      if (unknown) return s.fail("unsupported transfer coding", ProtocolErrorKind::not_implemented);
    }
    if (request) return 0;
    // RFC 9112 6.3: 1xx (other than 101, which llhttp treats as an upgrade), 204 and 304
    // responses end at their header section whatever it says; llhttp 8 would wait for a
    // declared 304 body.
    const int status = m.status_code;
    const bool bodiless =
        (status >= 100 && status < 200 && status != 101) || status == 204 || status == 304;
    return bodiless || s.expect_no_body_ ? 1 : 0;
  }
  static int on_body(llhttp_t* p, const char* at, std::size_t length) noexcept {
    auto& s = self(p);
    s.body_bytes_ += length;
    if (s.options_.limits.max_body && s.body_bytes_ > *s.options_.limits.max_body) {
      return s.fail_limit("body", *s.options_.limits.max_body,
                          ProtocolErrorKind::payload_too_large);
    }
    try {
      if (s.options_.body_sink) {
        s.slices_.emplace_back(at, length);
      } else {
        s.message_.body.append(at, length);
      }
    } catch (...) {
      return s.fail_oom();
    }
    return 0;
  }
  static int on_chunk_extension(llhttp_t* p, const char*, std::size_t length) noexcept {
    auto& s = self(p);
    s.extension_bytes_ += length;
    if (s.extension_bytes_ > s.options_.limits.max_header_line) {
      return s.fail_limit("chunk extensions", s.options_.limits.max_header_line,
                          ProtocolErrorKind::bad_request);
    }
    return 0;
  }
  static int on_chunk_header(llhttp_t* p) noexcept {
    self(p).extension_bytes_ = 0;
    return 0;
  }
  static int on_message_complete(llhttp_t* p) noexcept {
    auto& s = self(p);
    auto& m = s.message_;
    s.close_section(m.trailers);
    m.keep_alive = llhttp_should_keep_alive(p) != 0;
    m.upgrade = llhttp_get_upgrade(p) != 0;
    s.state_ = State::complete;
    return m.upgrade ? 0 : HPE_PAUSED;
  }

  static constexpr llhttp_settings_t make_settings() noexcept {
    llhttp_settings_t settings{};
    settings.on_message_begin = on_message_begin;
    settings.on_url = on_url;
    settings.on_status = on_status;
    settings.on_method = on_method;
    settings.on_version = on_version;
    settings.on_header_field = on_header_field;
    settings.on_header_value = on_header_value;
    settings.on_chunk_extension_name = on_chunk_extension;
    settings.on_chunk_extension_value = on_chunk_extension;
    settings.on_headers_complete = on_headers_complete;
    settings.on_body = on_body;
    settings.on_message_complete = on_message_complete;
    settings.on_header_field_complete = on_header_field_complete;
    settings.on_header_value_complete = on_header_value_complete;
    settings.on_chunk_header = on_chunk_header;
    return settings;
  }
  // Shared by every parser, and so outlives each (llhttp_init's requirement).
  static const llhttp_settings_t settings_;

  llhttp_t parser_{};
  Message message_;
  // The header or trailer field being read (open_header()), or null between fields; it is
  // entry fields_ - 1 of its list, whose entries [0, fields_) are this message's.
  std::pair<std::string, std::string>* open_ = nullptr;
  std::size_t fields_ = 0;
  // The last message's header count: a fresh list reserves that much (no regrowth by one).
  std::size_t header_hint_ = 0;
  static constexpr std::size_t kMinHeaderCapacity = 8;
  // Header fields handed back by recycle_headers(), to become the next message's header list
  // (on_message_begin). open_header() reuses strings of at most kMaxRecycledCapacity bytes.
  HeaderList spare_;
  static constexpr std::size_t kMaxRecycledCapacity = 256;
  std::string version_;
  std::size_t header_count_ = 0;
  std::uint64_t trailer_bytes_ = 0;
  std::uint64_t extension_bytes_ = 0;
  std::uint64_t body_bytes_ = 0;
  std::uint64_t uri_bytes_ = 0;
  std::uint64_t reason_bytes_ = 0;
  bool headers_done_ = false;
  std::optional<std::uint64_t> value_end_;  // stream offset after the last header value piece
  // Body pieces for the sink, views into the buffer being executed; handed out after
  // llhttp_execute returns, so no user code runs inside a callback.
  std::vector<std::string_view> slices_;
  const char* data_ = nullptr;       // the buffer being executed
  std::uint64_t base_ = 0;           // stream offset of data_[0]: bytes consumed before it
  std::uint64_t message_start_ = 0;  // stream offset where the current message began
  std::optional<std::pair<std::string, ProtocolErrorKind>> pending_failure_;
  bool oom_ = false;
  std::optional<RemoteProtocolError> error_;

  friend class corio::http::MessageParser;
};

const llhttp_settings_t ParserImpl::settings_ = ParserImpl::make_settings();

void ParserImpl::raise_llhttp(llhttp_errno_t err, const char* pos) {
  const auto at = pos != nullptr ? offset_of(pos) : base_;
  if (oom_) {
    oom_ = false;
    state_ = State::failed;
    throw std::bad_alloc();
  }
  if (pending_failure_) {
    auto [what, kind] = std::move(*pending_failure_);
    pending_failure_.reset();
    raise(std::move(what), kind, at);
  }
  const char* reason = llhttp_get_error_reason(&parser_);
  // "HTTP/2.0" is well-formed but not ours to parse: a server answers 505, not 400.
  const bool other_version = err == HPE_INVALID_VERSION && !version_.empty() &&
                             version_[0] >= '0' && version_[0] <= '9' && version_[0] != '1';
  raise(std::string(llhttp_errno_name(err)) + ": " + (reason != nullptr ? reason : "error"),
        other_version ? ProtocolErrorKind::version_not_supported : ProtocolErrorKind::bad_request,
        at);
}

FeedResult ParserImpl::feed(std::span<const char> data) {
  if (state_ == State::failed) {
    if (error_) throw *error_;
    throw RemoteProtocolError(std::string(prefix()) + "the body sink failed earlier");
  }
  if (state_ == State::complete) return {0, true};
  if (state_ == State::upgraded || data.empty()) return {0, false};
  if (state_ == State::closed) {
    data_ = data.data();
    raise("data after a message that closes the connection", ProtocolErrorKind::bad_request, base_);
  }
  version_.reserve(16);
  data_ = data.data();
  const auto err = llhttp_execute(&parser_, data.data(), data.size());
  std::size_t consumed = data.size();
  if (err == HPE_OK) {
    // All consumed.
  } else if ((err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) && state_ == State::complete) {
    consumed = static_cast<std::size_t>(llhttp_get_error_pos(&parser_) - data.data());
  } else {
    raise_llhttp(err, llhttp_get_error_pos(&parser_));
  }
  assert(consumed <= data.size());
  if (state_ == State::headers) {
    // Catches what no callback sees, such as a run of whitespace inside a header line.
    if (check_section(base_ + consumed) != 0) raise_llhttp(HPE_USER, data.data() + consumed);
  }
  base_ += consumed;
  if (!slices_.empty()) {
    try {
      for (auto slice : slices_) options_.body_sink(slice);
    } catch (...) {
      slices_.clear();
      state_ = State::failed;
      throw;
    }
    slices_.clear();  // keeps its capacity for the next body
  }
  return {consumed, state_ == State::complete};
}

bool ParserImpl::finish() {
  if (state_ == State::failed) return feed({}).message_complete;  // rethrows
  if (state_ == State::complete) return true;
  // Between messages the stream may end. llhttp is not asked: after a pause in
  // on_message_complete it has not yet marked the point as safe to finish at.
  if (state_ == State::upgraded || state_ == State::idle || state_ == State::closed) return false;
  data_ = nullptr;
  const auto err = llhttp_finish(&parser_);
  if (err == HPE_OK || (err == HPE_PAUSED && state_ == State::complete)) {
    return state_ == State::complete;
  }
  if (pending_failure_ || oom_) raise_llhttp(err, nullptr);
  const char* reason = llhttp_get_error_reason(&parser_);
  raise(std::string(llhttp_errno_name(err)) + ": " + (reason != nullptr ? reason : "error") +
            ", the stream ended inside a message",
        ProtocolErrorKind::bad_request, base_);
}

Message ParserImpl::take_message() {
  if (state_ != State::complete) throw std::logic_error("take_message: no complete message");
  Message m = std::move(message_);
  // Moved-from strings and vectors are empty: only the other fields need their defaults.
  reset_plain_fields(message_);
  after_message(m.upgrade, m.keep_alive);
  return m;
}

void ParserImpl::next_message() {
  if (state_ != State::complete) throw std::logic_error("next_message: no complete message");
  const bool upgrade = message_.upgrade;
  const bool keep_alive = message_.keep_alive;
  // What the caller left keeps its memory for the next message, within the limits' bounds;
  // a body can be of any size, so only a small one's is kept.
  Message& m = message_;
  reset_plain_fields(m);
  m.reason.clear();
  m.method.clear();
  m.target.clear();
  if (spare_.empty()) {
    spare_.swap(m.headers);  // its strings, for the next header section
  } else {
    m.headers.clear();
  }
  m.trailers.clear();
  if (m.body.capacity() > kMaxRecycledCapacity) {
    std::string().swap(m.body);
  } else {
    m.body.clear();
  }
  after_message(upgrade, keep_alive);
}

void ParserImpl::reset_plain_fields(Message& m) noexcept {
  m.http_major = 1;
  m.http_minor = 1;
  m.status_code = 0;
  m.keep_alive = false;
  m.chunked = false;
  m.upgrade = false;
  m.content_length.reset();
}

void ParserImpl::after_message(bool upgrade, bool keep_alive) noexcept {
  clear_message_state();
  if (upgrade) {
    state_ = State::upgraded;
  } else if (!keep_alive) {
    state_ = State::closed;
  } else {
    llhttp_resume(&parser_);
    state_ = State::idle;
  }
  message_start_ = base_;
}

void ParserImpl::recycle_headers(HeaderList&& used) noexcept {
  // Only between messages, and only into an empty list: a list in use is never touched.
  if (state_ != State::idle || !message_.headers.empty()) return;
  spare_ = std::move(used);
}

}  // namespace detail

MessageParser::MessageParser(Mode mode, ParserOptions options)
    : impl_(std::make_unique<detail::ParserImpl>(mode, std::move(options))) {}
MessageParser::MessageParser(MessageParser&&) noexcept = default;
MessageParser& MessageParser::operator=(MessageParser&&) noexcept = default;
MessageParser::~MessageParser() = default;

FeedResult MessageParser::feed(std::span<const char> data) {
  return impl_->feed(data);
}
bool MessageParser::finish() {
  return impl_->finish();
}

bool MessageParser::message_complete() const noexcept {
  return impl_->state_ == detail::ParserImpl::State::complete;
}
bool MessageParser::headers_complete() const noexcept {
  using State = detail::ParserImpl::State;
  return impl_->state_ == State::body || impl_->state_ == State::complete;
}
Message& MessageParser::current() noexcept {
  return impl_->message_;
}
const Message& MessageParser::current() const noexcept {
  return impl_->message_;
}
bool MessageParser::in_message() const noexcept {
  using State = detail::ParserImpl::State;
  return impl_->state_ == State::headers || impl_->state_ == State::body;
}
bool MessageParser::upgraded() const noexcept {
  return impl_->state_ == detail::ParserImpl::State::upgraded;
}
Message MessageParser::take_message() {
  return impl_->take_message();
}
void MessageParser::next_message() {
  impl_->next_message();
}
void MessageParser::set_expect_no_body(bool value) noexcept {
  impl_->expect_no_body_ = value;
}
void MessageParser::set_answers_connect(bool value) noexcept {
  impl_->answers_connect_ = value;
  llhttp_set_lenient_chunked_length(&impl_->parser_, value ? 1 : 0);
}
void MessageParser::reset() {
  impl_->reset();
}
void MessageParser::recycle_headers(HeaderList&& used) noexcept {
  impl_->recycle_headers(std::move(used));
}

}  // namespace corio::http
