// The POP3 maildrop snapshot: numbering, deletion marks, UIDL (RFC 1939 §5-§7).

#include "contrib/testserver/pop3/maildrop.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mailferry::testserver::pop3 {
namespace {

Maildrop three_messages() {
    std::vector<MessageInfo> infos(3);
    infos[0].uid = 4;
    infos[0].size = 100;
    infos[1].uid = 7;
    infos[1].size = 20;
    infos[2].uid = 300;
    infos[2].size = 3;
    return Maildrop(0x5f00abcd, infos);
}

TEST(Pop3Maildrop, NumbersFromOneAndCountsOctets) {
    const auto drop = three_messages();
    EXPECT_EQ(drop.count(), 3U);
    EXPECT_EQ(drop.total_size(), 123U);
    EXPECT_EQ(drop.highest_number(), 3U);
    EXPECT_EQ(drop.at(1).uid, 4U);
    EXPECT_EQ(drop.at(3).size, 3U);
}

TEST(Pop3Maildrop, SelectRejectsWhatIsNotAMessageNumber) {
    const auto drop = three_messages();
    EXPECT_EQ(drop.select("2").status, Maildrop::Status::ok);
    EXPECT_EQ(drop.select("2").number, 2U);
    EXPECT_EQ(drop.select("002").number, 2U);
    for (const char* bad : {"", "-1", "+1", "1a", " 1", "one"}) {
        EXPECT_EQ(drop.select(bad).status, Maildrop::Status::bad_number) << bad;
    }
    for (const char* missing : {"0", "4", "99999999999999999999999999"}) {
        EXPECT_EQ(drop.select(missing).status, Maildrop::Status::no_such_message) << missing;
    }
}

TEST(Pop3Maildrop, DeletedMessagesVanishUntilReset) {
    auto drop = three_messages();
    drop.mark_deleted(1);
    drop.mark_deleted(3);
    EXPECT_EQ(drop.count(), 1U);
    EXPECT_EQ(drop.total_size(), 20U);
    EXPECT_EQ(drop.highest_number(), 3U);
    EXPECT_EQ(drop.select("1").status, Maildrop::Status::deleted);
    EXPECT_EQ(drop.select("2").status, Maildrop::Status::ok);
    EXPECT_EQ(drop.deleted_uids(), (std::vector<std::uint32_t>{4, 300}));
    drop.reset();
    EXPECT_EQ(drop.count(), 3U);
    EXPECT_TRUE(drop.deleted_uids().empty());
}

TEST(Pop3Maildrop, UidlDerivesFromUidvalidityAndUid) {
    const auto drop = three_messages();
    EXPECT_EQ(drop.uidl(1), "5f00abcd.4");
    EXPECT_EQ(drop.uidl(3), "5f00abcd.12c");
    // RFC 1939 §7: 1 to 70 characters in the range 0x21 to 0x7E.
    std::vector<MessageInfo> extreme(1);
    extreme[0].uid = 0xFFFFFFFF;
    const Maildrop big(0xFFFFFFFF, extreme);
    const std::string id = big.uidl(1);
    EXPECT_LE(id.size(), 70U);
    for (char c : id) {
        EXPECT_TRUE(c >= 0x21 && c <= 0x7E);
    }
}

}  // namespace
}  // namespace mailferry::testserver::pop3
