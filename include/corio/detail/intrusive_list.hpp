// include/corio/detail/intrusive_list.hpp — a doubly-linked list whose nodes live in their owners.
//
// ListNode<Tag> is a base class; one object can sit in several lists through different tags.
// The list never allocates and never owns its nodes. A node must be unlinked before it dies.
#pragma once

#include <cstddef>

namespace corio::detail {

template <class Tag>
struct ListNode {
  ListNode* prev = nullptr;  // null while unlinked
  ListNode* next = nullptr;

  [[nodiscard]] bool linked() const noexcept { return prev != nullptr; }
  void unlink() noexcept {
    if (prev == nullptr) return;
    prev->next = next;
    next->prev = prev;
    prev = next = nullptr;
  }
};

template <class T, class Tag>
class IntrusiveList {
  using Node = ListNode<Tag>;

 public:
  IntrusiveList() noexcept { head_.prev = head_.next = &head_; }
  IntrusiveList(const IntrusiveList&) = delete;
  IntrusiveList& operator=(const IntrusiveList&) = delete;

  [[nodiscard]] bool empty() const noexcept { return head_.next == &head_; }

  void push_back(T* item) noexcept {
    Node* node = item;
    node->prev = head_.prev;
    node->next = &head_;
    head_.prev->next = node;
    head_.prev = node;
  }

  [[nodiscard]] T* front() const noexcept {
    return empty() ? nullptr : static_cast<T*>(head_.next);
  }

  T* pop_front() noexcept {
    T* item = front();
    if (item != nullptr) static_cast<Node*>(item)->unlink();
    return item;
  }

  static void remove(T* item) noexcept { static_cast<Node*>(item)->unlink(); }

  [[nodiscard]] std::size_t size() const noexcept {
    std::size_t n = 0;
    for (const Node* p = head_.next; p != &head_; p = p->next) ++n;
    return n;
  }

  // Calls f(T*) for every item; f may unlink the item it is given, nothing else.
  template <class F>
  void for_each(F&& f) {
    for (Node* p = head_.next; p != &head_;) {
      Node* next = p->next;
      f(static_cast<T*>(p));
      p = next;
    }
  }

 private:
  Node head_;
};

}  // namespace corio::detail
