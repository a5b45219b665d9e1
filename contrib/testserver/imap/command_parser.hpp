#pragma once
// Incremental parser for IMAP client commands (RFC 3501 §9, RFC 7888
// literals). Pure: it is fed bytes and never touches I/O. It resumes at any
// byte boundary, including inside CRLF, a literal header or a quoted string.
//
// The caller owns the input buffer: feed() reports how many bytes it used;
// the rest must be fed again (with more data appended) next time. Bytes it
// used are copied into the command being built, so the buffer may be reused.
//
// Grammar accepted: tag SP name *(SP arg) CRLF, a bare LF also ending a line.
// Args are atoms (including "\Seen", "1:*", "%", "NIL"), quoted strings
// (only \\ and \" escapes; CR, LF, NUL and 8-bit octets are errors),
// literals {n} and {n+}, and parenthesised lists. A section "[" after BODY,
// BODY.PEEK, BINARY, BINARY.PEEK or BINARY.SIZE runs to the matching "]"
// with spaces, parentheses and quoted strings inside, so
// `BODY.PEEK[HEADER.FIELDS (DATE FROM)]<0.100>` is one atom; such a "["
// without "]" before the line end, after atom characters only, simply ends
// there. Any other "[" or "]" is an atom character ("SELECT foo[bar",
// LIST "" a[}%: RFC 3501 list-char). literal8 (~{n}) is refused. The
// argument after "UID" is upper-cased like the name.
//
// Errors: the event comes at the octet that breaks the grammar or a limit;
// the parser then discards the rest of that line (also skipping a {n+}
// literal announced at its end) without storing it, and reads the next
// command. A {n} above max_literal (or making the command exceed
// max_command) gives literal_too_big once its header line is read; a {n+}
// above the limits is fatal. max_line counts the octets of each line
// segment (the text between the command start or a literal and the next
// CRLF), CRLF excluded. max_args counts every argument, list elements and
// lists themselves included. Messages: "empty command line", "missing tag",
// "invalid character in tag", "missing command name", "line too long",
// "command too long", "literal too big", "too many arguments", "lists nested
// too deeply", "unexpected ')'", "missing ')'", "extra space", "trailing
// space", "unterminated quoted string", "8-bit octet in quoted string",
// "invalid escape in quoted string", "missing space between arguments",
// "invalid literal header", "literal8 is not supported", "missing ']'",
// "CR not followed by LF", ...

#include "contrib/testserver/imap/command.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::testserver::imap {

struct CommandLimits {
    std::size_t max_line = 64 * 1024;             // octets of one line outside literals
    std::size_t max_literal = 64 * 1024 * 1024;   // octets of one literal
    std::size_t max_command = 128 * 1024 * 1024;  // octets of a whole command
    std::size_t max_depth = 16;                   // nesting of parenthesised lists
    std::size_t max_args = 10'000;                // arguments in total
    // {n+} is accepted (RFC 7888 LITERAL+). When false it is "invalid
    // literal header" like any other RFC 3501 syntax error: BAD, and the
    // literal the client sends without waiting is skipped with the line.
    bool literal_plus = true;
};

class CommandParser {
  public:
    enum class Event {
        need_more,          // all input used, feed more
        command,            // a whole command is ready: take_command()
        need_continuation,  // a synchronizing literal {n} was announced and is
                            // within limits: send "+ ..." and feed on
        error,              // see error(); the parser has reset to the next command
    };

    struct Result {
        std::size_t consumed = 0;
        Event event = Event::need_more;
    };

    struct Error {
        std::string tag;               // "*" when the tag was not read yet
        std::string message;           // human text for the BAD/NO response
        bool literal_too_big = false;  // a {n} above max_literal: answer
                                       // "NO [TOOBIG]"/BAD; the client sends no literal
        bool fatal = false;            // the stream cannot be resynchronised (e.g. a
                                       // non-synchronizing literal above the limit):
                                       // send BYE and close
    };

    explicit CommandParser(CommandLimits limits = {});

    // Consumes bytes up to and including the end of one event. After
    // `command` or `error`, call feed() again with the unconsumed rest.
    Result feed(std::string_view input);

    Command take_command();
    const Error& error() const noexcept { return error_; }

    // Forget any partial command (e.g. after the session sent BYE).
    void reset();

    // The next line is not a command but a continuation answer
    // (AUTHENTICATE data, IDLE's "DONE"): it comes as Event::command with
    // empty tag and name and one literal-kind arg holding the line without
    // its CRLF (or bare LF), octets as sent. max_line applies ("line too
    // long", tag "*"; the rest of the line is skipped). Drops any partial
    // command; the parser reads commands again after that line.
    void expect_line();

  private:
    // Private members are the implementation's to choose (command_parser.cpp).
    enum class State : std::uint8_t;

    std::optional<Result> step(char c, std::size_t consumed);
    std::optional<Result> step_line_end_of_atom(bool cr, std::size_t consumed);
    std::optional<Result> raw_line(std::string_view input, std::size_t& pos);
    Result fail(std::size_t consumed, std::string message, bool skip_line);
    Result fail_literal_too_big(std::size_t consumed, bool non_sync);
    Result end_of_line(std::size_t consumed);
    std::optional<Result> literal_header_done(std::size_t consumed);
    bool add_arg(Arg arg);
    void start_command();
    std::vector<Arg>& open_args();

    CommandLimits limits_;
    Error error_;
    Command current_;

    State state_{};
    std::vector<Arg> lists_;  // open parenthesised lists, innermost last
    Arg pending_;             // atom or quoted string being read
    bool tag_read_ = false;
    bool list_just_opened_ = false;
    bool bracket_plain_ = true;    // inside "[...]": only atom characters so far
    bool bracket_quoted_ = false;  // inside "[...]": within a quoted string
    bool bracket_escape_ = false;  // inside "[...]": after "\\" in a quoted string
    bool literal_non_sync_ = false;
    char last_octet_ = 0;  // the octet step() is working on
    std::uint64_t literal_size_ = 0;
    std::uint64_t literal_left_ = 0;
    std::size_t line_octets_ = 0;
    std::uint64_t command_octets_ = 0;
    std::size_t arg_count_ = 0;
    // While skipping the rest of a bad line: the tail of "{n+}" seen so far,
    // so a non-synchronizing literal announced at the line end is skipped
    // too. While reading a literal header: the header so far ("{12+").
    std::string skip_tail_;
    // False while skipping the rest of an over-long raw line (expect_line):
    // raw lines are not command grammar, so a "{n+}" there is no literal.
    bool skip_literal_headers_ = true;
};

// RFC 3501 §9: flag = "\" atom (system flags and flag-extension) or
// flag-keyword = atom, ATOM-CHARs only (no "%", "*", "]"). "NIL" is refused
// although the grammar's atom admits it: flag-list has no nil alternative, so
// "(NIL)" is a client meaning "no flags" in nstring terms rather than a
// keyword, and a FETCH FLAGS "(NIL)" would read as nil to generic response
// parsers. Dovecot rejects it too.
bool is_flag(std::string_view flag);

}  // namespace mailferry::testserver::imap
