// kubeadm-style admin.conf and kind-style user kubeconfigs for discovery tests.
#pragma once

#include <string>

#include "util/text.h"

namespace kmg::testing {

inline std::string pem(const std::string& type, const std::string& body) {
  return "-----BEGIN " + type + "-----\n" + base64_encode(body) + "\n-----END " + type + "-----\n";
}

// What kubeadm writes to /etc/kubernetes/admin.conf on a kind node (server is the node network's).
inline std::string admin_conf(const std::string& cluster, bool with_credentials = true) {
  std::string user = "- name: kubernetes-admin\n  user:\n";
  if (with_credentials) {
    user += "    client-certificate-data: " + base64_encode(pem("CERTIFICATE", "cert-" + cluster)) +
            "\n    client-key-data: " + base64_encode(pem("RSA PRIVATE KEY", "key-" + cluster)) +
            "\n";
  } else {
    user += "    {}\n";
  }
  return "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n"
         "    certificate-authority-data: " +
         base64_encode(pem("CERTIFICATE", "ca-" + cluster)) + "\n    server: https://" + cluster +
         "-control-plane:6443\n  name: " + cluster +
         "\ncontexts:\n- context:\n    cluster: " + cluster +
         "\n    user: kubernetes-admin\n  name: kubernetes-admin@" + cluster +
         "\ncurrent-context: kubernetes-admin@" + cluster + "\nusers:\n" + user;
}

// What `kind create cluster` merges into the user's kubeconfig.
inline std::string kind_user_kubeconfig(const std::string& cluster, const std::string& server) {
  const std::string n = "kind-" + cluster;
  return "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n"
         "    certificate-authority-data: " +
         base64_encode(pem("CERTIFICATE", "ca-" + cluster)) + "\n    server: " + server +
         "\n  name: " + n + "\ncontexts:\n- context:\n    cluster: " + n + "\n    user: " + n +
         "\n  name: " + n + "\ncurrent-context: " + n + "\nusers:\n- name: " + n +
         "\n  user:\n    client-certificate-data: " +
         base64_encode(pem("CERTIFICATE", "cert-" + cluster)) +
         "\n    client-key-data: " + base64_encode(pem("RSA PRIVATE KEY", "key-" + cluster)) + "\n";
}

}  // namespace kmg::testing
