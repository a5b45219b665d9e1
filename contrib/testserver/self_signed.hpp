#pragma once
// Throwaway TLS certificates for the test servers (--tls-self-signed) and
// for tests that need a server their client can verify.

#include <boost/asio/ssl/context.hpp>

#include <string>
#include <vector>

namespace mailferry::testserver {

struct CertificatePair {
    std::string certificate_pem;
    std::string private_key_pem;
};

// A fresh P-256 key and a self-signed certificate valid for a day, with
// subjectAltName DNS:localhost, IP:127.0.0.1 and IP:::1 plus `extra_dns`.
// Throws std::runtime_error when OpenSSL fails.
CertificatePair generate_self_signed(const std::vector<std::string>& extra_dns = {});

// What generate_certificate() makes: validity as seconds from now, and the
// CA that signs it (none: self-signed, itself usable as a CA).
struct CertificateSpec {
    long valid_from = -3600;
    long valid_until = 24 * 3600;
    const CertificatePair* issuer = nullptr;
    // The subject's common name; two CAs need different ones.
    std::string common_name = "mailferry test server";
};

// Like generate_self_signed(), with the validity and issuer of `spec`, so
// tests can serve expired, not yet valid or foreign-CA certificates.
CertificatePair generate_certificate(const CertificateSpec& spec,
                                     const std::vector<std::string>& extra_dns = {});

// A TLS server context (TLS 1.2 and later) serving the given certificate.
boost::asio::ssl::context make_server_tls_context(const CertificatePair& pair);
// The same from PEM files (--tls-cert, --tls-key); throws std::runtime_error
// naming the file that could not be used.
boost::asio::ssl::context make_server_tls_context(const std::string& cert_file,
                                                  const std::string& key_file);
// A server context with a freshly generated self-signed certificate.
boost::asio::ssl::context make_self_signed_context();

}  // namespace mailferry::testserver
