#include "contrib/testserver/self_signed.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace mailferry::testserver {

namespace {

namespace ssl = boost::asio::ssl;

template <typename T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const noexcept { Free(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

void check(bool ok, const char* what) {
    if (!ok) {
        throw std::runtime_error(std::string("cannot generate a TLS certificate: ") + what);
    }
}

std::string to_pem(auto write) {
    Bio bio(BIO_new(BIO_s_mem()));
    check(bio != nullptr, "BIO_new");
    check(write(bio.get()) == 1, "PEM_write");
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

ssl::context base_server_context() {
    ssl::context ctx(ssl::context::tls_server);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                    ssl::context::single_dh_use);
    return ctx;
}

}  // namespace

CertificatePair generate_self_signed(const std::vector<std::string>& extra_dns) {
    return generate_certificate(CertificateSpec{}, extra_dns);
}

CertificatePair generate_certificate(const CertificateSpec& spec,
                                     const std::vector<std::string>& extra_dns) {
    PKey key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EVP_EC_gen");

    Cert cert(X509_new());
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert.get(), 2) == 1, "X509_set_version");
    // A random serial so a client never sees two different certificates
    // with the same issuer and serial.
    std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>> serial(BN_new());
    check(serial && BN_rand(serial.get(), 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1, "BN_rand");
    check(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr, "serial");
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), spec.valid_from);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), spec.valid_until);
    check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");

    X509_NAME* name = X509_get_subject_name(cert.get());
    const auto* cn = reinterpret_cast<const unsigned char*>(spec.common_name.c_str());
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0) == 1, "subject");
    Cert issuer_cert;
    PKey issuer_key;
    if (spec.issuer != nullptr) {
        Bio cert_bio(BIO_new_mem_buf(spec.issuer->certificate_pem.data(),
                                     static_cast<int>(spec.issuer->certificate_pem.size())));
        issuer_cert.reset(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
        Bio key_bio(BIO_new_mem_buf(spec.issuer->private_key_pem.data(),
                                    static_cast<int>(spec.issuer->private_key_pem.size())));
        issuer_key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
        check(issuer_cert && issuer_key, "issuer PEM");
    }
    X509* signer_cert = issuer_cert ? issuer_cert.get() : cert.get();
    EVP_PKEY* signer_key = issuer_key ? issuer_key.get() : key.get();
    check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer_cert)) == 1, "issuer");

    std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
    for (const auto& dns : extra_dns) {
        san += ",DNS:" + dns;
    }
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, signer_cert, cert.get(), nullptr, nullptr, 0);
    for (const auto& [nid, value] :
         {std::pair{NID_subject_alt_name, san},
          std::pair{NID_basic_constraints, std::string("critical,CA:TRUE")},
          std::pair{NID_key_usage, std::string("critical,digitalSignature,keyCertSign")}}) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str());
        check(ext != nullptr, "X509V3_EXT_conf_nid");
        const int added = X509_add_ext(cert.get(), ext, -1);
        X509_EXTENSION_free(ext);
        check(added == 1, "X509_add_ext");
    }
    check(X509_sign(cert.get(), signer_key, EVP_sha256()) > 0, "X509_sign");

    CertificatePair pair;
    pair.certificate_pem = to_pem([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); });
    pair.private_key_pem = to_pem([&](BIO* b) {
        return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    });
    return pair;
}

ssl::context make_server_tls_context(const CertificatePair& pair) {
    ssl::context ctx = base_server_context();
    ctx.use_certificate_chain(boost::asio::buffer(pair.certificate_pem));
    ctx.use_private_key(boost::asio::buffer(pair.private_key_pem), ssl::context::pem);
    return ctx;
}

ssl::context make_server_tls_context(const std::string& cert_file, const std::string& key_file) {
    ssl::context ctx = base_server_context();
    boost::system::error_code ec;
    ctx.use_certificate_chain_file(cert_file, ec);
    if (ec) {
        throw std::runtime_error("cannot use TLS certificate " + cert_file + ": " + ec.message());
    }
    ctx.use_private_key_file(key_file, ssl::context::pem, ec);
    if (ec) {
        throw std::runtime_error("cannot use TLS key " + key_file + ": " + ec.message());
    }
    return ctx;
}

ssl::context make_self_signed_context() {
    return make_server_tls_context(generate_self_signed());
}

}  // namespace mailferry::testserver
