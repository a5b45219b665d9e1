#include "contrib/testserver/imap/search_key.hpp"

#include "clients/wire/ascii.hpp"
#include "clients/wire/date_time.hpp"
#include "clients/wire/decimal.hpp"
#include "contrib/testserver/imap/fetch_attributes.hpp"

#include <limits>

namespace mailferry::testserver::imap {
namespace {

using wire::iequals;
using wire::parse_decimal;
using Kind = SearchKey::Kind;

constexpr std::size_t max_nesting = 64;

struct Failure {
    std::string message;
};

enum class Operand { none, astring, date, number, keyword, uid_set, modseq };

struct KeyInfo {
    std::string_view name;
    Kind kind;
    Operand operand;
};

constexpr KeyInfo keys[] = {
    {"ALL", Kind::all, Operand::none},
    {"ANSWERED", Kind::answered, Operand::none},
    {"BCC", Kind::bcc, Operand::astring},
    {"BEFORE", Kind::before, Operand::date},
    {"BODY", Kind::body, Operand::astring},
    {"CC", Kind::cc, Operand::astring},
    {"DELETED", Kind::deleted, Operand::none},
    {"DRAFT", Kind::draft, Operand::none},
    {"FLAGGED", Kind::flagged, Operand::none},
    {"FROM", Kind::from, Operand::astring},
    {"HEADER", Kind::header, Operand::astring},
    {"KEYWORD", Kind::keyword, Operand::keyword},
    {"LARGER", Kind::larger, Operand::number},
    {"NEW", Kind::new_, Operand::none},
    {"NOT", Kind::not_, Operand::none},
    {"OLD", Kind::old, Operand::none},
    {"ON", Kind::on, Operand::date},
    {"OR", Kind::or_, Operand::none},
    {"RECENT", Kind::recent, Operand::none},
    {"SEEN", Kind::seen, Operand::none},
    {"SENTBEFORE", Kind::sent_before, Operand::date},
    {"SENTON", Kind::sent_on, Operand::date},
    {"SENTSINCE", Kind::sent_since, Operand::date},
    {"SINCE", Kind::since, Operand::date},
    {"SMALLER", Kind::smaller, Operand::number},
    {"SUBJECT", Kind::subject, Operand::astring},
    {"TEXT", Kind::text, Operand::astring},
    {"TO", Kind::to, Operand::astring},
    {"UID", Kind::uid, Operand::uid_set},
    {"UNANSWERED", Kind::unanswered, Operand::none},
    {"UNDELETED", Kind::undeleted, Operand::none},
    {"UNDRAFT", Kind::undraft, Operand::none},
    {"UNFLAGGED", Kind::unflagged, Operand::none},
    {"UNKEYWORD", Kind::unkeyword, Operand::keyword},
    {"UNSEEN", Kind::unseen, Operand::none},
    {"MODSEQ", Kind::modseq, Operand::modseq},
};

class Parser {
  public:
    Parser(std::span<const Arg> args, SearchContext context) : args_(args), context_(context) {}

    // Parses keys from the current position to the end into `group`.
    std::optional<Failure> parse_all(SearchKey& group, std::size_t depth) {
        if (pos_ >= args_.size()) {
            return Failure{"missing search criteria"};
        }
        while (pos_ < args_.size()) {
            SearchKey key;
            if (auto f = parse_key(key, depth)) {
                return f;
            }
            group.children.push_back(std::move(key));
        }
        return std::nullopt;
    }

    std::size_t pos_ = 0;

  private:
    const Arg* next() { return pos_ < args_.size() ? &args_[pos_++] : nullptr; }

    std::optional<Failure> parse_key(SearchKey& key, std::size_t depth) {
        if (depth >= max_nesting) {
            return Failure{"search keys nested too deeply"};
        }
        const Arg& arg = args_[pos_++];
        if (arg.kind == Arg::Kind::list) {
            if (arg.children.empty()) {
                return Failure{"empty parenthesised search key"};
            }
            key.kind = Kind::and_;
            Parser inner(arg.children, context_);
            return inner.parse_all(key, depth + 1);
        }
        if (arg.kind != Arg::Kind::atom) {
            return Failure{"invalid search key: " + arg.text};
        }
        const char first = arg.text.empty() ? '\0' : arg.text.front();
        if ((first >= '0' && first <= '9') || first == '*') {
            auto set = SequenceSet::parse(arg.text, context_.max_seq);
            if (!set) {
                return Failure{"invalid sequence set: " + arg.text};
            }
            key.kind = Kind::sequence_set;
            key.set = std::move(set.value());
            return std::nullopt;
        }
        const KeyInfo* info = nullptr;
        for (const auto& k : keys) {
            if (iequals(arg.text, k.name)) {
                info = &k;
                break;
            }
        }
        if (info == nullptr) {
            return Failure{"unknown search key: " + arg.text};
        }
        key.kind = info->kind;
        if (key.kind == Kind::not_ || key.kind == Kind::or_) {
            const std::size_t operands = key.kind == Kind::not_ ? 1 : 2;
            for (std::size_t i = 0; i < operands; ++i) {
                if (pos_ >= args_.size()) {
                    return missing(*info);
                }
                SearchKey child;
                if (auto f = parse_key(child, depth + 1)) {
                    return f;
                }
                key.children.push_back(std::move(child));
            }
            return std::nullopt;
        }
        if (key.kind == Kind::header) {
            // "HEADER" SP header-fld-name SP astring
            const Arg* name = next();
            if (name == nullptr || !name->is_astring() || name->text.empty()) {
                return missing(*info);
            }
            key.header_name = name->text;
        }
        return parse_operand(key, *info);
    }

    std::optional<Failure> parse_operand(SearchKey& key, const KeyInfo& info) {
        if (info.operand == Operand::none) {
            return std::nullopt;
        }
        if (info.operand == Operand::modseq) {
            return parse_modseq(key, info);
        }
        const Arg* operand = next();
        if (operand == nullptr || !operand->is_astring()) {
            return missing(info);
        }
        const std::string& value = operand->text;
        switch (info.operand) {
            case Operand::none:
            case Operand::modseq:
            case Operand::astring:
                key.text = value;
                return std::nullopt;
            case Operand::keyword:
                // flag-keyword = atom (RFC 3501 §9); system flags are not keywords.
                if (value.empty() || value.front() == '\\') {
                    return Failure{"invalid keyword: " + value};
                }
                key.text = value;
                return std::nullopt;
            case Operand::date: {
                const auto date = parse_search_date(value);
                if (!date) {
                    return Failure{"invalid date: " + value};
                }
                key.date = *date;
                return std::nullopt;
            }
            case Operand::number: {
                const auto n = parse_decimal(value, std::numeric_limits<std::int64_t>::max());
                if (operand->kind != Arg::Kind::atom || !n) {
                    return Failure{"invalid number: " + value};
                }
                key.number = *n;
                return std::nullopt;
            }
            case Operand::uid_set: {
                auto set = operand->kind == Arg::Kind::atom
                               ? SequenceSet::parse(value, context_.max_uid)
                               : ParseResult<SequenceSet>::failure("invalid");
                if (!set) {
                    return Failure{"invalid sequence set: " + value};
                }
                key.set = std::move(set.value());
                return std::nullopt;
            }
        }
        return std::nullopt;
    }

    // "MODSEQ" [SP entry-name SP entry-type-req] SP mod-sequence-valzer
    std::optional<Failure> parse_modseq(SearchKey& key, const KeyInfo& info) {
        const Arg* operand = next();
        if (operand == nullptr) {
            return missing(info);
        }
        if (operand->kind == Arg::Kind::quoted) {
            const Arg* type = next();
            if (!operand->text.starts_with("/flags/") || type == nullptr ||
                type->kind != Arg::Kind::atom ||
                !(iequals(type->text, "priv") || iequals(type->text, "shared") ||
                  iequals(type->text, "all"))) {
                return Failure{"invalid MODSEQ entry: " + operand->text};
            }
            key.header_name = wire::to_ascii_lower(operand->text);
            key.text = wire::to_ascii_lower(type->text);
            operand = next();
            if (operand == nullptr) {
                return missing(info);
            }
        }
        const auto n = operand->kind == Arg::Kind::atom ? parse_mod_sequence(operand->text, true)
                                                        : std::nullopt;
        if (!n) {
            return Failure{"invalid MODSEQ value: " + operand->text};
        }
        key.number = *n;
        return std::nullopt;
    }

    static std::optional<Failure> missing(const KeyInfo& info) {
        return Failure{"missing argument to " + std::string(info.name)};
    }

    std::span<const Arg> args_;
    SearchContext context_;
};

}  // namespace

std::optional<SearchDate> parse_search_date(std::string_view text) {
    // date-text = date-day "-" date-month "-" date-year (RFC 3501 §9)
    const auto dash1 = text.find('-');
    if (dash1 == std::string_view::npos || dash1 == 0 || dash1 > 2 ||
        text.size() != dash1 + 1 + 3 + 1 + 4 || text[dash1 + 4] != '-') {
        return std::nullopt;
    }
    const auto day = parse_decimal(text.substr(0, dash1), 31);
    const auto year = parse_decimal(text.substr(dash1 + 5), 9999);
    if (!day || !year || *day == 0) {
        return std::nullopt;
    }
    const auto month = wire::parse_month_name(text.substr(dash1 + 1, 3));
    if (!month || *day > wire::days_in_month(static_cast<std::int64_t>(*year), *month)) {
        return std::nullopt;
    }
    return SearchDate{static_cast<int>(*year), static_cast<int>(*month), static_cast<int>(*day)};
}

SearchParse parse_search(std::span<const Arg> args, SearchContext context) {
    SearchParse result;
    SearchProgram program;
    program.root.kind = Kind::and_;
    program.charset = "US-ASCII";
    if (!args.empty() && args[0].kind == Arg::Kind::atom && iequals(args[0].text, "CHARSET")) {
        if (args.size() < 2 || !args[1].is_astring()) {
            result.error.message = "missing argument to CHARSET";
            return result;
        }
        const std::string charset = wire::to_ascii_upper(args[1].text);
        if (charset != "US-ASCII" && charset != "UTF-8") {
            result.error.message =
                "[BADCHARSET (US-ASCII UTF-8)] unsupported charset " + args[1].text;
            result.error.bad_charset = true;
            return result;
        }
        program.charset = charset;
        args = args.subspan(2);
    }
    Parser parser(args, context);
    if (auto failure = parser.parse_all(program.root, 0)) {
        result.error.message = std::move(failure->message);
        return result;
    }
    result.program = std::move(program);
    return result;
}

}  // namespace mailferry::testserver::imap
