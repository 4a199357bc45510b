#include "fd_watcher.h"

#include <fcntl.h>
#include <uv.h>

#include <cerrno>

#include "errors.h"

namespace vrdma {

struct FdWatcher::Box {
  uv_poll_t poll;
  FdWatcher* owner;
};

int SetNonBlocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return errno;
  if ((flags & O_NONBLOCK) != 0) return 0;
  if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return errno;
  return 0;
}

FdWatcher::FdWatcher(Napi::Env env, int fd, std::function<void()> on_readable, const char* verb)
    : on_readable_(std::move(on_readable)) {
  int err = SetNonBlocking(fd);
  if (err != 0) ThrowVerbs(env, verb, err, "cannot make the event descriptor non-blocking: " + ErrnoText(err));
  uv_loop_s* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    ThrowRdma(env, "ERR_NO_LOOP", "this environment has no event loop to watch completion events on");
  }
  box_ = new Box{};
  box_->owner = this;
  int rc = uv_poll_init(loop, &box_->poll, fd);
  if (rc != 0) {
    delete box_;
    box_ = nullptr;
    ThrowVerbs(env, verb, -rc, std::string("cannot watch the event descriptor: ") + uv_strerror(rc));
  }
  box_->poll.data = box_;
  uv_unref(reinterpret_cast<uv_handle_t*>(&box_->poll));
}

FdWatcher::~FdWatcher() {
  if (box_ == nullptr) return;
  box_->owner = nullptr;
  uv_handle_t* h = reinterpret_cast<uv_handle_t*>(&box_->poll);
  if (!uv_is_closing(h)) {
    // uv_close stops the poll and removes the fd from the loop's epoll set
    // synchronously; the Box is freed in the close callback.
    uv_close(h, [](uv_handle_t* handle) { delete static_cast<Box*>(handle->data); });
  }
  box_ = nullptr;
}

void FdWatcher::OnPoll(void* data, int status, int events) {
  (void)events;
  Box* box = static_cast<Box*>(data);
  if (box->owner == nullptr) return;
  (void)status;  // an error status is treated as readable: the reader sees EAGAIN or the error itself
  // A copy: the callback may close the object that owns this watcher.
  std::function<void()> fn = box->owner->on_readable_;
  // Nothing may unwind into libuv. Handlers report a listener's exception
  // themselves (as an uncaught exception); what reaches here is an N-API
  // call refused because the environment is being torn down (a worker being
  // terminated), when there is no JavaScript left to tell.
  try {
    fn();
  } catch (const Napi::Error&) {
  }
}

void FdWatcher::Start() {
  if (box_ == nullptr || active_) return;
  int rc = uv_poll_start(&box_->poll, UV_READABLE, [](uv_poll_t* handle, int status, int events) {
    OnPoll(handle->data, status, events);
  });
  if (rc == 0) active_ = true;
}

void FdWatcher::Stop() {
  if (box_ == nullptr || !active_) return;
  uv_poll_stop(&box_->poll);
  active_ = false;
}

void FdWatcher::SetRef(bool ref) {
  if (box_ == nullptr) return;
  uv_handle_t* h = reinterpret_cast<uv_handle_t*>(&box_->poll);
  if (ref) {
    uv_ref(h);
  } else {
    uv_unref(h);
  }
}

}  // namespace vrdma
