// Shared declarations of the vrdma addon: the handle base class that keeps
// verbs objects alive in dependency order, and the wrapping helpers that
// type-tag every JS object the addon hands out.
#pragma once

#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#ifndef NAPI_CPP_EXCEPTIONS
#define NAPI_CPP_EXCEPTIONS
#endif

#include <napi.h>
#include <infiniband/verbs.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace vrdma {

class VrdmaAddon;

// The addon state of the calling environment (main thread or worker).
VrdmaAddon& AddonOf(Napi::Env env);

// A verbs object (context, PD, CQ, ...). Handles are shared: the JS wrapper
// owns one reference and every child handle owns one reference to each of
// its parents, so a parent's verbs object is never destroyed before its
// children's, whatever order the wrappers are closed or collected in.
//
// Close() asks for the release; it happens at once when no child is left,
// else when the last child is released. The destructor releases too.
class Handle : public std::enable_shared_from_this<Handle> {
 public:
  Handle() = default;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  virtual ~Handle() = default;

  // Record that this handle depends on `parent` (keeps it alive).
  void AddParent(std::shared_ptr<Handle> parent) {
    parent->children_++;
    parents_.push_back(std::move(parent));
  }

  // Ask for the release; idempotent; never throws.
  void Close() noexcept {
    close_requested_ = true;
    MaybeRelease();
  }

  // True once Close() was called (the object refuses new work).
  bool closing() const { return close_requested_; }
  // True once the verbs object is gone.
  bool released() const { return released_; }

 protected:
  // Destroy the verbs object. Called once; must not throw.
  virtual void Release() noexcept = 0;

  // For derived destructors: release now (no child can be left, as every
  // child holds a reference to this handle).
  void ReleaseInDestructor() noexcept {
    close_requested_ = true;
    MaybeRelease();
  }

 private:
  void MaybeRelease() noexcept {
    if (!close_requested_ || released_ || children_ > 0) return;
    released_ = true;
    Release();
    std::vector<std::shared_ptr<Handle>> parents = std::move(parents_);
    parents_.clear();
    for (auto& p : parents) {
      p->children_--;
      p->MaybeRelease();
    }
  }

  std::vector<std::shared_ptr<Handle>> parents_;
  int children_ = 0;
  bool close_requested_ = false;
  bool released_ = false;
};

// What a native factory passes to a wrapper class's constructor: an External
// tagged with the class's own tag, so JS cannot construct wrappers itself.
template <typename H>
struct ConstructToken {
  std::shared_ptr<H> handle;
};

// Create a JS wrapper object of class W around handle `h`.
template <typename W, typename H>
Napi::Object NewWrapper(Napi::Env env, Napi::FunctionReference& ctor, std::shared_ptr<H> h) {
  ConstructToken<H> token{std::move(h)};
  auto ext = Napi::External<ConstructToken<H>>::New(env, &token);
  ext.TypeTag(&W::kConstructTag);
  return ctor.New({ext});
}

// In a wrapper constructor: take the handle out of the token, or throw.
template <typename W, typename H>
std::shared_ptr<H> TakeToken(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(env, std::string(W::kClassName) + " cannot be constructed directly");
  }
  auto ext = info[0].As<Napi::External<ConstructToken<H>>>();
  if (!ext.CheckTypeTag(&W::kConstructTag)) {
    throw Napi::TypeError::New(env, std::string(W::kClassName) + " cannot be constructed directly");
  }
  info.This().As<Napi::Object>().TypeTag(&W::kTag);
  return std::move(ext.Data()->handle);
}

// The wrapper of class W behind `value`, checked by type tag; throws a
// TypeError naming `what` otherwise.
template <typename W>
W* UnwrapTagged(Napi::Env env, const Napi::Value& value, const char* what) {
  if (!value.IsObject() || !value.As<Napi::Object>().CheckTypeTag(&W::kTag)) {
    throw Napi::TypeError::New(env, std::string(what) + " must be a native " + W::kClassName);
  }
  return W::Unwrap(value.As<Napi::Object>());
}

// Argument helpers: numbers in range, or a TypeError naming the argument.
uint32_t ArgU32(const Napi::CallbackInfo& info, size_t i, const char* name);
uint32_t PropU32(const Napi::Object& obj, const char* name);
bool PropBool(const Napi::Object& obj, const char* name);
std::string PropString(const Napi::Object& obj, const char* name);

// A 64-bit GUID in network order as 16 lower-case hex digits.
std::string GuidHex(__be64 guid);

// Read a little-endian-agnostic (host order) value from a byte buffer.
template <typename T>
inline T Load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace vrdma
