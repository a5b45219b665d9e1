#pragma once
// A client command as the IMAP command parser delivers it (RFC 3501 §9
// grammar, tokenised but not interpreted). Command-specific grammar
// (sequence sets, fetch attributes, search keys) is applied by the session
// with the parsers in sequence_set.hpp, fetch_attributes.hpp, search_key.hpp.

#include <cstdint>
#include <string>
#include <vector>

namespace mailferry::testserver::imap {

struct Arg {
    enum class Kind {
        atom,     // also numbers, flags (\Seen), sequence sets (1:*,4), "NIL" stays an atom
        quoted,   // text holds the unescaped content
        literal,  // text holds the literal's octets ({n} or {n+})
        list,     // "(...)": children holds the elements
    };
    Kind kind = Kind::atom;
    // atom: the atom text. An atom may contain a bracketed section with
    // spaces and parentheses, e.g. `BODY.PEEK[HEADER.FIELDS (DATE FROM)]<0.100>`
    // (RFC 3501 fetch-att): the parser keeps everything from the atom start to
    // the matching `]` and any `<...>` partial as one atom.
    std::string text;
    std::vector<Arg> children;

    bool is_string() const { return kind == Kind::quoted || kind == Kind::literal; }
    // atom, quoted or literal: RFC 3501 astring.
    bool is_astring() const { return kind != Kind::list; }
};

struct Command {
    std::string tag;
    std::string name;  // upper-cased, e.g. "FETCH"; for "UID FETCH" name is "UID"
                       // and the first arg is the atom "FETCH"
    std::vector<Arg> args;
};

}  // namespace mailferry::testserver::imap
