// A throwaway PKI for TLS tests, made in memory with OpenSSL: a CA, a server certificate for
// DNS name "kube.test" only (so tls-server-name matters when connecting to 127.0.0.1) and a
// client certificate (CN=admin), plus an unrelated CA that trusts nothing here. PEM text.
#pragma once

#include <string>

namespace kmg::testing {

struct TestPki {
  std::string ca_cert;
  std::string server_cert;
  std::string server_key;
  std::string client_cert;
  std::string client_key;
  std::string other_ca_cert;
};

TestPki make_test_pki();

}  // namespace kmg::testing
