#pragma once
// Change callbacks of the store, keyed by (user, mailbox). Safe against
// re-entry: a callback may subscribe, notify, or destroy any Subscription
// (its own included) while a notification runs; a destroyed subscription is
// never called afterwards. A Subscription may outlive the registry.

#include "contrib/testserver/store/mail_store.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mailferry::testserver::store {

class SubscriberRegistry : public std::enable_shared_from_this<SubscriberRegistry> {
  public:
    std::unique_ptr<MailStore::Subscription> add(std::string_view user, std::string_view mailbox,
                                                 std::function<void()> on_change);
    // Calls every live callback of (user, mailbox), in subscription order.
    void notify(std::string_view user, std::string_view mailbox);

  private:
    struct Entry {
        std::function<void()> on_change;
        bool alive = true;
    };
    class Handle;

    static std::string key_of(std::string_view user, std::string_view mailbox);
    void remove(const std::string& key, const std::shared_ptr<Entry>& entry);

    std::map<std::string, std::vector<std::shared_ptr<Entry>>, std::less<>> entries_;
};

}  // namespace mailferry::testserver::store
