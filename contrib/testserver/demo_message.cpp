#include "contrib/testserver/demo_message.hpp"

#include "clients/wire/base64.hpp"
#include "clients/wire/date_time.hpp"

#include <array>
#include <cstdio>

namespace mailferry::testserver::demo {

namespace {

// '\n' to CRLF.
std::string crlf(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\n') {
            out += "\r\n";
        } else {
            out += c;
        }
    }
    if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) {
        out += "\r\n";
    }
    return out;
}

bool is_ascii(std::string_view text) {
    for (char c : text) {
        if (static_cast<unsigned char>(c) > 0x7f) {
            return false;
        }
    }
    return true;
}

std::string text_part_headers(std::string_view text) {
    return is_ascii(text) ? "Content-Type: text/plain; charset=us-ascii\r\n"
                            "Content-Transfer-Encoding: 7bit\r\n"
                          : "Content-Type: text/plain; charset=UTF-8\r\n"
                            "Content-Transfer-Encoding: 8bit\r\n";
}

std::string html_of(std::string_view text) {
    std::string html = "<html><body>\n<p>";
    for (char c : text) {
        switch (c) {
            case '\n':
                html += "<br>\n";
                break;
            case '<':
                html += "&lt;";
                break;
            case '>':
                html += "&gt;";
                break;
            case '&':
                html += "&amp;";
                break;
            default:
                html += c;
        }
    }
    return html + "</p>\n</body></html>\n";
}

// A small document that looks like a PDF to a mail client, base64 in lines
// of 76 characters (RFC 2045 §6.8).
std::string pdf_attachment_base64(std::string_view title) {
    std::string pdf =
        "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
        "% ";
    pdf += title;
    pdf += "\ntrailer << /Root 1 0 R >>\n%%EOF\n";
    const std::string encoded = wire::base64_encode(pdf);
    std::string lines;
    for (std::size_t i = 0; i < encoded.size(); i += 76) {
        lines += encoded.substr(i, 76);
        lines += "\r\n";
    }
    return lines;
}

std::string forwarded_message(const MessageSpec& spec) {
    MessageSpec inner;
    inner.message_id = "original." + spec.message_id;
    inner.date = spec.date;
    inner.date.day = 1;
    inner.from = "Reservations <booking@hotel-alpenblick.example>";
    inner.to = spec.from;
    inner.subject = "Your booking confirmation";
    inner.text =
        "Dear guest,\n\nyour room is confirmed for three nights.\n"
        "Check-in from 15:00.\n\nKind regards,\nHotel Alpenblick\n";
    return build_message(inner);
}

}  // namespace

InternalDate to_internal_date(const CivilTime& t) {
    const std::int64_t local = wire::days_from_civil(t.year, static_cast<unsigned>(t.month),
                                                     static_cast<unsigned>(t.day)) *
                                   86400 +
                               std::int64_t{t.hour} * 3600 + std::int64_t{t.minute} * 60;
    return InternalDate{local - std::int64_t{t.offset_minutes} * 60, t.offset_minutes};
}

std::string format_date(const CivilTime& t) {
    const std::int64_t days =
        wire::days_from_civil(t.year, static_cast<unsigned>(t.month), static_cast<unsigned>(t.day));
    const int offset = t.offset_minutes < 0 ? -t.offset_minutes : t.offset_minutes;
    std::array<char, 64> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "%s, %02d %s %04d %02d:%02d:00 %c%02d%02d",
                  wire::weekday_name(days).data(), t.day,
                  wire::month_name(static_cast<unsigned>(t.month)).data(), t.year, t.hour, t.minute,
                  t.offset_minutes < 0 ? '-' : '+', offset / 60, offset % 60);
    return buffer.data();
}

std::string build_message(const MessageSpec& spec) {
    std::string m;
    m += "Message-ID: <" + spec.message_id + ">\r\n";
    m += "Date: " + format_date(spec.date) + "\r\n";
    m += "From: " + std::string(spec.from) + "\r\n";
    m += "To: " + std::string(spec.to) + "\r\n";
    m += "Subject: " + std::string(spec.subject) + "\r\n";
    m += "MIME-Version: 1.0\r\n";
    const std::string boundary =
        "=_mailferry_" + spec.message_id.substr(0, spec.message_id.find('@'));
    switch (spec.shape) {
        case Shape::plain:
            m += text_part_headers(spec.text) + "\r\n" + crlf(spec.text);
            break;
        case Shape::alternative:
            m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
            m += "This is a multi-part message in MIME format.\r\n";
            m += "--" + boundary + "\r\n" + text_part_headers(spec.text) + "\r\n" + crlf(spec.text);
            m += "--" + boundary + "\r\nContent-Type: text/html; charset=UTF-8\r\n";
            m += "Content-Transfer-Encoding: 8bit\r\n\r\n" + crlf(html_of(spec.text));
            m += "--" + boundary + "--\r\n";
            break;
        case Shape::attachment:
            m += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n";
            m += "--" + boundary + "\r\n" + text_part_headers(spec.text) + "\r\n" + crlf(spec.text);
            m += "--" + boundary + "\r\nContent-Type: application/pdf; name=\"document.pdf\"\r\n";
            m += "Content-Disposition: attachment; filename=\"document.pdf\"\r\n";
            m += "Content-Transfer-Encoding: base64\r\n\r\n" + pdf_attachment_base64(spec.subject);
            m += "--" + boundary + "--\r\n";
            break;
        case Shape::forward:
            m += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n";
            m += "--" + boundary + "\r\n" + text_part_headers(spec.text) + "\r\n" + crlf(spec.text);
            m += "--" + boundary + "\r\nContent-Type: message/rfc822\r\n";
            m += "Content-Disposition: inline\r\n\r\n" + forwarded_message(spec);
            m += "--" + boundary + "--\r\n";
            break;
    }
    return m;
}

}  // namespace mailferry::testserver::demo
