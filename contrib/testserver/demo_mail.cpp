#include "contrib/testserver/demo_mail.hpp"

#include "clients/wire/date_time.hpp"
#include "contrib/testserver/demo_message.hpp"

#include <array>
#include <string>
#include <vector>

namespace mailferry::testserver {

namespace {

using demo::CivilTime;
using demo::Shape;

constexpr std::array<DemoUser, 3> users = {{
    {"alice", "alice-pw", "IMAP source"},
    {"bob", "bob-pw", "POP3 source"},
    {"carol", "carol-pw", "IMAP target"},
}};

enum Flag : unsigned {
    none = 0,
    seen = 1,
    answered = 2,
    flagged = 4,
    important = 8,  // the keyword $Important
};

struct Entry {
    std::string_view from;
    std::string_view subject;
    std::string_view text;
    Shape shape = Shape::plain;
    unsigned flags = none;
};

struct Folder {
    std::string_view user;
    std::string_view name;  // modified UTF-7
    std::string_view to;    // the owner's address (From for Sent)
    CivilTime first;        // date of the first entry; the others follow
    int days_between;
};

constexpr std::string_view alice = "Alice Example <alice@example.org>";
constexpr std::string_view bob = "Bob Example <bob@example.net>";
// Header fields are ASCII: a non-ASCII display name is RFC 2047-encoded.
constexpr std::string_view juergen = "=?UTF-8?Q?J=C3=BCrgen_Wei=C3=9F?= <juergen@example.de>";

constexpr std::array<Entry, 25> alice_inbox = {{
    {"Carol Example <carol@example.com>", "Welcome to the team",
     "Hi Alice,\n\nwelcome aboard! Your desk is next to the window.\n\nCarol\n", Shape::plain,
     seen | answered},
    {bob, "Lunch on Thursday?",
     "Hi Alice,\n\nshall we try the new place on Market Street?\n\nBob\n", Shape::plain, seen},
    {"IT Service Desk <it@example.org>", "Your new laptop is ready",
     "Hello,\n\nplease pick up your laptop at room 2.14.\n\nIT Service Desk\n", Shape::alternative,
     seen},
    {"Dana Smith <dana@partner.example>", "Contract draft for review",
     "Dear Alice,\n\nplease find our comments below. The payment terms need another look.\n\n"
     "Best regards,\nDana\n",
     Shape::plain, seen | flagged | important},
    {"Newsletter <news@tools.example>", "Ten tips for a tidy inbox",
     "1. Archive often.\n2. Use folders.\n3. Unsubscribe from what you do not read.\n",
     Shape::alternative, seen},
    {"Billing <billing@cloud.example>", "Invoice 2025-0142",
     "Dear customer,\n\nyour invoice is attached.\n\nCloud Example Billing\n", Shape::attachment,
     seen},
    {bob, "Re: Lunch on Thursday?", "Thursday works. 12:30?\n\nBob\n", Shape::plain,
     seen | answered},
    {juergen, "=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_Z=C3=BCrich?=",
     "Hallo Alice,\n\nviele Grüße aus Zürich! Das Wetter ist herrlich.\n\nJürgen\n", Shape::plain,
     seen},
    {"Carol Example <carol@example.com>", "Team offsite agenda",
     "Hi all,\n\nthe agenda for the offsite is below. Please add your topics.\n\nCarol\n",
     Shape::alternative, seen},
    {"Dana Smith <dana@partner.example>", "Re: Contract draft for review",
     "Alice,\n\nthanks, the new terms look good to us.\n\nDana\n", Shape::plain, seen | answered},
    {"Travel Desk <travel@example.org>", "Fwd: Hotel booking",
     "Alice,\n\nforwarding the hotel confirmation for your trip.\n\nTravel Desk\n", Shape::forward,
     seen},
    {"GitHub <noreply@git.example>", "[mailferry] Pull request merged",
     "Your pull request #42 was merged into main.\n", Shape::plain, seen},
    {bob, "Weekend hike", "Anyone up for the ridge trail on Saturday?\n\nBob\n", Shape::plain,
     seen | flagged},
    {"HR <hr@example.org>", "Holiday calendar 2026",
     "Hello,\n\nthe holiday calendar for next year is now on the intranet.\n\nHR\n",
     Shape::alternative, seen},
    {"Dana Smith <dana@partner.example>", "Signed contract",
     "Dear Alice,\n\nthe signed contract is attached.\n\nDana\n", Shape::attachment,
     seen | important},
    {"Carol Example <carol@example.com>", "Quarterly numbers",
     "Alice,\n\nthe numbers for Q1 are in. Revenue is up 8 percent.\n\nCarol\n", Shape::plain,
     seen},
    {"Security <security@example.org>", "Password policy update",
     "Hello,\n\npasswords now need at least 14 characters.\n\nSecurity Team\n", Shape::plain, seen},
    {bob, "Photos from the hike", "Here are the best ones. The view was worth it.\n\nBob\n",
     Shape::plain, seen | answered},
    {"Conference Team <events@conf.example>", "Your talk was accepted",
     "Dear Alice,\n\nwe are happy to accept your talk on mail migration.\n\nThe Program "
     "Committee\n",
     Shape::alternative, seen | flagged},
    {"Carol Example <carol@example.com>", "Budget planning 2027",
     "Hi Alice,\n\ncould you send your budget estimate by the end of the month?\n\nCarol\n",
     Shape::plain, flagged},
    {"Dana Smith <dana@partner.example>", "Meeting notes",
     "Alice,\n\nnotes from today's call are below.\n\nDana\n", Shape::plain, none},
    {"IT Service Desk <it@example.org>", "Planned maintenance on Saturday",
     "Hello,\n\nmail will be unavailable from 06:00 to 08:00.\n\nIT Service Desk\n", Shape::plain,
     none},
    {bob, "Book recommendation", "Have you read 'The Pragmatic Programmer'? Worth it.\n\nBob\n",
     Shape::plain, none},
    {"Newsletter <news@tools.example>", "What's new in December",
     "Our year in review and what is coming next.\n", Shape::alternative, none},
    {"Carol Example <carol@example.com>", "Happy holidays",
     "Hi everyone,\n\nthank you for a great year!\n\nCarol\n", Shape::plain, important},
}};

constexpr std::array<Entry, 4> alice_projects = {{
    {"Dana Smith <dana@partner.example>", "Migration project kickoff",
     "Kickoff is on Monday at 10:00 in room Atlas.\n", Shape::plain, seen},
    {"Carol Example <carol@example.com>", "Project charter",
     "The charter is attached for your signature.\n", Shape::attachment, seen | flagged},
    {bob, "Status: mailbox inventory", "We counted 1,240 mailboxes, 3.1 TB in total.\n",
     Shape::plain, seen},
    {"Dana Smith <dana@partner.example>", "Risks and mitigations",
     "Top risk: folders with non-ASCII names. Mitigation: test with real data.\n",
     Shape::alternative, seen | important},
}};

constexpr std::array<Entry, 3> alice_projects_2026 = {{
    {"Carol Example <carol@example.com>", "2026 roadmap", "Draft roadmap for 2026 below.\n",
     Shape::plain, seen},
    {"Dana Smith <dana@partner.example>", "Pilot group selected",
     "The pilot group has 25 users from finance.\n", Shape::plain, seen},
    {bob, "Pilot results", "All 25 mailboxes moved, no message lost.\n", Shape::plain, flagged},
}};

constexpr std::array<Entry, 3> alice_receipts = {{
    {"Books Online <orders@books.example>", "Your order 88231",
     "Thank you for your order. Your receipt is attached.\n", Shape::attachment, seen},
    {"City Transit <tickets@transit.example>", "Monthly pass receipt",
     "Receipt for your monthly pass: 49.00 EUR.\n", Shape::plain, seen},
    {"Coffee Corner <hello@coffee.example>", "Your receipt",
     "Flat white 3.80\nCroissant 2.50\nTotal 6.30\n", Shape::plain, seen},
}};

constexpr std::array<Entry, 2> alice_zurich = {{
    {"SBB <noreply@sbb.example>", "=?UTF-8?Q?Ihr_Billett_nach_Z=C3=BCrich?=",
     "Guten Tag\n\nIhr Billett Bern – Zürich HB ist im Anhang.\n", Shape::attachment, seen},
    {juergen, "=?UTF-8?Q?Treffpunkt_am_Z=C3=BCrichsee?=",
     "Wir treffen uns um 18 Uhr am Bürkliplatz.\n", Shape::plain, seen | flagged},
}};

constexpr std::array<Entry, 4> alice_sent = {{
    {"Carol Example <carol@example.com>", "Re: Welcome to the team",
     "Thank you, Carol! Happy to be here.\n\nAlice\n", Shape::plain, seen},
    {bob, "Re: Weekend hike", "Count me in. I will bring snacks.\n\nAlice\n", Shape::plain, seen},
    {"Dana Smith <dana@partner.example>", "Budget estimate",
     "Dana,\n\nmy estimate is in the table below.\n\nAlice\n", Shape::alternative, seen},
    {"Conference Team <events@conf.example>", "Slides for my talk",
     "Please find my slides attached.\n\nAlice\n", Shape::attachment, seen},
}};

constexpr std::array<Entry, 3> alice_archive = {{
    {"Carol Example <carol@example.com>", "Office move", "We move to the 3rd floor on Friday.\n",
     Shape::plain, seen},
    {"HR <hr@example.org>", "Benefits enrolment", "Enrolment closes on the 15th.\n", Shape::plain,
     seen},
    {bob, "Old project files", "I archived the 2024 files on the share.\n", Shape::plain,
     seen | answered},
}};

constexpr std::array<Entry, 12> bob_inbox = {{
    {alice, "Lunch on Thursday?", "Sure, the new place sounds good.\n\nAlice\n", Shape::plain,
     none},
    {"Garage Miller <service@garage.example>", "Your car is ready",
     "Your car is ready for pick-up. Total: 240.00 EUR.\n", Shape::plain, none},
    {"Running Club <club@run.example>", "Training schedule",
     "Tuesdays and Thursdays at 18:30, meet at the park gate.\n", Shape::alternative, none},
    {"Mum <mum@family.example>", "Sunday dinner", "Dinner at 6. Bring dessert!\n", Shape::plain,
     none},
    {"Bank <statements@bank.example>", "Your monthly statement",
     "Your statement for this month is attached.\n", Shape::attachment, none},
    {alice, "Re: Weekend hike", "Count me in. I will bring snacks.\n\nAlice\n", Shape::plain, none},
    {"Library <library@city.example>", "Reminder: books due", "Two books are due on Friday.\n",
     Shape::plain, none},
    {"Electricity Co <billing@power.example>", "Bill for March",
     "Amount due: 61.20 EUR, payable by the 20th.\n", Shape::alternative, none},
    {juergen, "=?UTF-8?Q?Fotos_vom_Ausflug?=", "Hallo Bob,\n\nhier sind die Fotos. Schöne Grüße!\n",
     Shape::plain, none},
    {"Running Club <club@run.example>", "Race results", "You finished 10 km in 52:14. Well done!\n",
     Shape::plain, none},
    {"Travel Agency <trips@travel.example>", "Fwd: Your booking",
     "Bob,\n\nbelow is your confirmation.\n", Shape::forward, none},
    {alice, "Book recommendation", "Thanks for the tip, ordering it now.\n\nAlice\n", Shape::plain,
     none},
}};

std::vector<std::string> flags_of(unsigned flags) {
    std::vector<std::string> out;
    if ((flags & seen) != 0) {
        out.emplace_back("\\Seen");
    }
    if ((flags & answered) != 0) {
        out.emplace_back("\\Answered");
    }
    if ((flags & flagged) != 0) {
        out.emplace_back("\\Flagged");
    }
    if ((flags & important) != 0) {
        out.emplace_back("$Important");
    }
    return out;
}

// The civil time of the `index`-th entry of a folder: spread by whole days
// from `first`, with the hour wandering through the working day.
CivilTime date_of(const Folder& folder, int index) {
    const InternalDate start = demo::to_internal_date(folder.first);
    const std::int64_t local = start.seconds + std::int64_t{folder.first.offset_minutes} * 60 +
                               std::int64_t{index} * folder.days_between * 86400;
    const wire::CivilDate date = wire::civil_from_days(local / 86400);
    return CivilTime{static_cast<int>(date.year), static_cast<int>(date.month),
                     static_cast<int>(date.day),  8 + (index * 5) % 10,
                     (index * 17) % 60,           folder.first.offset_minutes};
}

template <std::size_t N>
StoreError fill(MailStore& store, const Folder& folder, const std::array<Entry, N>& entries) {
    if (!store.mailbox(folder.user, folder.name)) {
        if (const auto e = store.create_mailbox(folder.user, folder.name); e != StoreError::ok) {
            return e;
        }
    }
    const bool sent = folder.name == "Sent";
    std::vector<MailStore::NewMessage> batch;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const Entry& entry = entries[i];
        std::string id = std::string(folder.user) + "." + std::to_string(i + 1) + ".";
        for (char c : folder.name) {
            id += (c == '/' || c == '&') ? '.' : c;
        }
        demo::MessageSpec spec;
        spec.message_id = id + "@demo.mailferry.example";
        spec.date = date_of(folder, static_cast<int>(i));
        spec.from = sent ? folder.to : entry.from;
        spec.to = sent ? entry.from : folder.to;
        spec.subject = entry.subject;
        spec.text = entry.text;
        spec.shape = entry.shape;
        batch.push_back(MailStore::NewMessage{demo::build_message(spec), flags_of(entry.flags),
                                              demo::to_internal_date(spec.date)});
    }
    return store.append(folder.user, folder.name, std::move(batch)).error;
}

StoreError seed_alice(MailStore& store) {
    const auto to = alice;
    StoreError e = fill(store, {"alice", "INBOX", to, {2025, 1, 8, 9, 0, 60}, 26}, alice_inbox);
    if (e == StoreError::ok) {
        e = fill(store, {"alice", "Projects", to, {2025, 3, 3, 10, 0, 60}, 40}, alice_projects);
    }
    if (e == StoreError::ok) {
        e = fill(store, {"alice", "Projects/2026", to, {2026, 1, 12, 9, 30, 60}, 50},
                 alice_projects_2026);
    }
    if (e == StoreError::ok) {
        e = fill(store, {"alice", "Receipts", to, {2025, 5, 20, 14, 0, 120}, 90}, alice_receipts);
    }
    if (e == StoreError::ok) {
        e = fill(store, {"alice", "Reisen/Z&APw-rich", to, {2026, 4, 2, 7, 45, 120}, 12},
                 alice_zurich);
    }
    if (e == StoreError::ok) {
        e = fill(store, {"alice", "Sent", to, {2025, 1, 9, 11, 0, 60}, 120}, alice_sent);
    }
    if (e == StoreError::ok) {
        e = fill(store, {"alice", "Archive", to, {2025, 2, 14, 16, 0, -300}, 30}, alice_archive);
    }
    return e;
}

}  // namespace

std::span<const DemoUser> demo_users() noexcept {
    return users;
}

StoreError seed_demo_mail(MailStore& store) {
    for (const auto& user : users) {
        // A user who exists was seeded before (or set up by hand): leave them.
        if (store.has_user(user.name)) {
            continue;
        }
        StoreError e = store.add_user(user.name, user.password);
        if (e == StoreError::ok && user.name == "alice") {
            e = seed_alice(store);
        } else if (e == StoreError::ok && user.name == "bob") {
            e = fill(store, {"bob", "INBOX", bob, {2025, 6, 2, 8, 15, 0}, 21}, bob_inbox);
        }
        if (e != StoreError::ok) {
            return e;
        }
    }
    return StoreError::ok;
}

}  // namespace mailferry::testserver
