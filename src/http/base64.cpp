// base64 and Basic credentials.
#include "base64.hpp"

#include <openssl/evp.h>

namespace corio::http::detail {

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string basic_authorization(std::string_view username, std::string_view password) {
  std::string credentials;
  credentials.reserve(username.size() + 1 + password.size());
  credentials.append(username).append(":").append(password);
  return "Basic " + base64(credentials);
}

}  // namespace corio::http::detail
