#include "contrib/testserver/store/subscriber_registry.hpp"

#include <algorithm>
#include <utility>

namespace mailferry::testserver::store {

class SubscriberRegistry::Handle final : public MailStore::Subscription {
  public:
    Handle(std::weak_ptr<SubscriberRegistry> registry, std::string key,
           std::shared_ptr<Entry> entry)
        : registry_(std::move(registry)), key_(std::move(key)), entry_(std::move(entry)) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;

    ~Handle() override {
        // A notification in progress holds its own reference to the entry,
        // sees `alive` false and skips it.
        entry_->alive = false;
        if (auto registry = registry_.lock()) {
            registry->remove(key_, entry_);
        }
    }

  private:
    std::weak_ptr<SubscriberRegistry> registry_;
    std::string key_;
    std::shared_ptr<Entry> entry_;
};

std::string SubscriberRegistry::key_of(std::string_view user, std::string_view mailbox) {
    std::string key(user);
    key += '\0';
    key += mailbox;
    return key;
}

std::unique_ptr<MailStore::Subscription> SubscriberRegistry::add(std::string_view user,
                                                                 std::string_view mailbox,
                                                                 std::function<void()> on_change) {
    auto entry = std::make_shared<Entry>();
    entry->on_change = std::move(on_change);
    std::string key = key_of(user, mailbox);
    entries_[key].push_back(entry);
    return std::make_unique<Handle>(weak_from_this(), std::move(key), std::move(entry));
}

void SubscriberRegistry::notify(std::string_view user, std::string_view mailbox) {
    const auto it = entries_.find(key_of(user, mailbox));
    if (it == entries_.end()) {
        return;
    }
    // A copy: callbacks may add or remove entries of this very list.
    const std::vector<std::shared_ptr<Entry>> snapshot = it->second;
    for (const auto& entry : snapshot) {
        if (entry->alive && entry->on_change) {
            entry->on_change();
        }
    }
}

void SubscriberRegistry::remove(const std::string& key, const std::shared_ptr<Entry>& entry) {
    const auto it = entries_.find(key);
    if (it == entries_.end()) {
        return;
    }
    auto& list = it->second;
    list.erase(std::remove(list.begin(), list.end(), entry), list.end());
    if (list.empty()) {
        entries_.erase(it);
    }
}

}  // namespace mailferry::testserver::store
