// tests/support/test_certificates.hpp — a test CA and certificates, made once per test
// binary by the `openssl` command line tool in a temporary directory: ca.crt/key, server
// (localhost, 127.0.0.1), expired (in 2020), wrong_host (wrong.example), unknown_ca (signed
// by other_ca, which nobody trusts) and client (clientAuth). Register the environment once:
//   const auto* const env =
//       ::testing::AddGlobalTestEnvironment(new corio_test::CertificateEnvironment);
//
// An expired certificate cannot come from `openssl req -x509 -days N` (N must be positive)
// nor from `openssl x509 -days` (3.0 has no -not_before/-not_after); `openssl ca` takes
// explicit -startdate/-enddate, so the expired one is signed with it.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

namespace corio_test {

inline constexpr const char* kOpensslConfig = R"([req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
[wrong_host_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
[client_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
[ca]
default_ca = test_ca
[test_ca]
database = index.txt
new_certs_dir = .
serial = serial.txt
default_md = sha256
policy = any_name
unique_subject = no
[any_name]
commonName = supplied
)";

inline constexpr const char* kMakeCertificates = R"(set -e
key="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
openssl req -x509 -config openssl.cnf $key -keyout ca.key -out ca.crt -days 3650 \
  -subj "/CN=corio test CA" -extensions ca_ext
openssl req -x509 -config openssl.cnf $key -keyout other_ca.key -out other_ca.crt -days 3650 \
  -subj "/CN=corio unknown CA" -extensions ca_ext
for name in server expired wrong_host unknown_ca client; do
  openssl req -new -config openssl.cnf $key -keyout $name.key -out $name.csr -subj "/CN=$name"
done
sign() {  # csr-name CA-name serial extensions
  openssl x509 -req -in $1.csr -CA $2.crt -CAkey $2.key -set_serial $3 -days 365 \
    -extfile openssl.cnf -extensions $4 -out $1.crt
}
sign server ca 1 server_ext
sign wrong_host ca 2 wrong_host_ext
sign unknown_ca other_ca 3 server_ext
sign client ca 4 client_ext
: > index.txt
echo 05 > serial.txt
openssl ca -config openssl.cnf -batch -notext -in expired.csr -cert ca.crt -keyfile ca.key \
  -startdate 20200101000000Z -enddate 20200102000000Z -extfile openssl.cnf \
  -extensions server_ext -out expired.crt
)";

// The certificates' directory, set by CertificateEnvironment::SetUp.
inline std::string g_certificates_dir;

// A file in the certificates' directory ("ca.crt", "server.key", ...; logs go there too).
inline std::string test_file(const std::string& name) {
  return g_certificates_dir + "/" + name;
}

class CertificateEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    char pattern[] = "/tmp/corio-tls-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr) << std::strerror(errno);
    g_certificates_dir = pattern;
    std::ofstream(test_file("openssl.cnf")) << kOpensslConfig;
    std::ofstream(test_file("make.sh")) << kMakeCertificates;
    const std::string command = "cd '" + g_certificates_dir + "' && sh make.sh > make.log 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0)
        << "certificate generation failed, see " << test_file("make.log");
  }
  // CORIO_TLS_TEST_KEEP=1 keeps the directory, with every child's log, for a post-mortem.
  void TearDown() override {
    const char* keep = std::getenv("CORIO_TLS_TEST_KEEP");
    if (!g_certificates_dir.empty() && (keep == nullptr || std::string(keep) != "1")) {
      std::filesystem::remove_all(g_certificates_dir);
    }
  }
};

}  // namespace corio_test
