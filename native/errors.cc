#include "errors.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include "addon.h"

namespace vrdma {

std::string ErrnoText(int err) {
  char buf[256];
  buf[0] = '\0';
  // GNU strerror_r returns the message (possibly not in buf).
  const char* text = strerror_r(err, buf, sizeof buf);
  return text != nullptr ? std::string(text) : std::string("errno ") + std::to_string(err);
}

Napi::Value MakeVerbsError(Napi::Env env, const char* verb, int err, const std::string& detail) {
  const std::string message = detail.empty() ? ErrnoText(err) : detail;
  VrdmaAddon& addon = AddonOf(env);
  if (!addon.verbs_error_factory.IsEmpty()) {
    Napi::Value made = addon.verbs_error_factory.Call(
        {Napi::String::New(env, verb), Napi::Number::New(env, err), Napi::String::New(env, message)});
    if (made.IsObject()) return made;
  }
  Napi::Error e = Napi::Error::New(env, std::string(verb) + " failed: " + message);
  e.Set("verb", Napi::String::New(env, verb));
  e.Set("errno", Napi::Number::New(env, err));
  return e.Value();
}

Napi::Value MakeRdmaError(Napi::Env env, const char* code, const std::string& message) {
  VrdmaAddon& addon = AddonOf(env);
  if (!addon.rdma_error_factory.IsEmpty()) {
    Napi::Value made = addon.rdma_error_factory.Call({Napi::String::New(env, code), Napi::String::New(env, message)});
    if (made.IsObject()) return made;
  }
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  return e.Value();
}

void ThrowVerbs(Napi::Env env, const char* verb, int err, const std::string& detail) {
  throw Napi::Error(env, MakeVerbsError(env, verb, err, detail));
}

void ThrowRdma(Napi::Env env, const char* code, const std::string& message) {
  throw Napi::Error(env, MakeRdmaError(env, code, message));
}

void ThrowClosed(Napi::Env env, const char* what) {
  ThrowRdma(env, "ERR_CLOSED", std::string(what) + " is closed");
}

std::string MemlockLimitText() {
  struct rlimit lim {};
  if (getrlimit(RLIMIT_MEMLOCK, &lim) != 0) return "unknown";
  if (lim.rlim_cur == RLIM_INFINITY) return "unlimited";
  return std::to_string(lim.rlim_cur / 1024) + " KiB";
}

}  // namespace vrdma
