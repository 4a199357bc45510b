// Watches a file descriptor for readability with a uv_poll handle on the
// calling environment's own libuv loop (napi_get_uv_event_loop: the main
// thread's or a worker's, never uv_default_loop()).
#pragma once

#include <functional>

#include "common.h"

struct uv_loop_s;

namespace vrdma {

class FdWatcher {
 public:
  // Makes `fd` non-blocking. Throws a VerbsError naming `verb` on failure.
  FdWatcher(Napi::Env env, int fd, std::function<void()> on_readable, const char* verb);
  FdWatcher(const FdWatcher&) = delete;
  FdWatcher& operator=(const FdWatcher&) = delete;
  // Closes the uv handle (its memory is freed by the loop later). The fd
  // may be closed as soon as this returns.
  ~FdWatcher();

  void Start();
  void Stop();
  // A referenced watcher keeps the loop (the process or worker) alive while started.
  void SetRef(bool ref);
  bool active() const { return active_; }

 private:
  struct Box;
  static void OnPoll(void* box, int status, int events);
  Box* box_ = nullptr;
  std::function<void()> on_readable_;
  bool active_ = false;
};

// A watcher that calls `on_readable` on handle `self` while it lives (it
// holds `self` weakly, so the watcher never keeps the handle alive).
template <typename H>
std::unique_ptr<FdWatcher> WatchHandle(Napi::Env env, H* self, int fd, void (H::*on_readable)(), const char* verb) {
  std::weak_ptr<Handle> weak = self->shared_from_this();
  return std::make_unique<FdWatcher>(
      env, fd,
      [weak, on_readable]() {
        if (auto locked = weak.lock()) (static_cast<H*>(locked.get())->*on_readable)();
      },
      verb);
}

// Set O_NONBLOCK on fd; returns errno or 0.
int SetNonBlocking(int fd);

}  // namespace vrdma
