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

// A handle that owns one verbs object of type T, destroyed by `Destroy`
// (ibv_dealloc_pd, ibv_destroy_srq, ...) once no child is left.
template <typename T, int (*Destroy)(T*)>
class VerbsHandle : public Handle {
 public:
  explicit VerbsHandle(T* object) : object_(object) {}
  ~VerbsHandle() override { ReleaseInDestructor(); }
  T* get() const { return object_; }

 protected:
  void Release() noexcept override {
    if (object_ != nullptr) Destroy(object_);
    object_ = nullptr;
  }

 private:
  T* object_;
};

// Throw the RdmaError ERR_CLOSED for a closed `what` (errors.cc).
[[noreturn]] void ThrowClosed(Napi::Env env, const char* what);

// What names and tags the JS objects of one wrapper class.
struct WrapInfo {
  const char* js_class;           // the addon's class name, e.g. "NativePd"
  const char* resource;           // the public class, for ERR_CLOSED messages
  napi_type_tag tag;              // carried by every wrapper object
  napi_type_tag construct_tag;    // carried by the factory's token
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
  ext.TypeTag(&W::kInfo.construct_tag);
  return ctor.New({ext});
}

// In a wrapper constructor: take the handle out of the token, or throw.
template <typename W, typename H>
std::shared_ptr<H> TakeToken(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsExternal() ||
      !info[0].As<Napi::External<ConstructToken<H>>>().CheckTypeTag(&W::kInfo.construct_tag)) {
    throw Napi::TypeError::New(env, std::string(W::kInfo.js_class) + " cannot be constructed directly");
  }
  auto ext = info[0].As<Napi::External<ConstructToken<H>>>();
  info.This().As<Napi::Object>().TypeTag(&W::kInfo.tag);
  return std::move(ext.Data()->handle);
}

// The wrapper of class W behind `value`, checked by type tag; throws a
// TypeError naming `what` otherwise.
template <typename W>
W* UnwrapTagged(Napi::Env env, const Napi::Value& value, const char* what) {
  if (!value.IsObject() || !value.As<Napi::Object>().CheckTypeTag(&W::kInfo.tag)) {
    throw Napi::TypeError::New(env, std::string(what) + " must be a native " + W::kInfo.js_class);
  }
  return W::Unwrap(value.As<Napi::Object>());
}

// The JS object of class W (CRTP) around one shared handle of type H:
// built only from a factory's token, refuses work once closed (Open), and
// closes the handle on request. W names and tags itself in
// `static const WrapInfo kInfo`.
template <typename W, typename H>
class HandleWrap : public Napi::ObjectWrap<W> {
 public:
  explicit HandleWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<W>(info), h_(TakeToken<W, H>(info)) {}

  const std::shared_ptr<H>& handle() const { return h_; }

  // The open handle, or throw ERR_CLOSED.
  H& Open(Napi::Env env) const {
    if (!h_ || h_->closing()) ThrowClosed(env, W::kInfo.resource);
    return *h_;
  }

  // The JS class: `methods` plus close() (W's own Close when it has one).
  static Napi::Function Define(Napi::Env env, std::vector<Napi::ClassPropertyDescriptor<W>> methods) {
    methods.push_back(W::InstanceMethod("close", &W::Close));
    return W::DefineClass(env, W::kInfo.js_class, methods);
  }

  // close(): ask for the release (deferred while children live); idempotent.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (h_) h_->Close();
    return info.Env().Undefined();
  }

 protected:
  std::shared_ptr<H> h_;
};

// Argument helpers: numbers in range, or a TypeError naming the argument.
uint32_t ArgU32(const Napi::CallbackInfo& info, size_t i, const char* name);
uint32_t PropU32(const Napi::Object& obj, const char* name);
// Argument 0 as an ArrayBuffer when at least `args` arguments came, else a
// TypeError showing `usage`.
Napi::ArrayBuffer ArgBuffer(const Napi::CallbackInfo& info, size_t args, const char* usage);
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
