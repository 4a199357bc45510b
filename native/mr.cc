// Memory regions: ibv_reg_mr over the bytes of a JS typed array, which the
// region keeps alive (a strong reference) until it is deregistered.
#include <cerrno>

#include "addon.h"
#include "errors.h"
#include "pd.h"

namespace vrdma {

using MrHandle = VerbsHandle<ibv_mr, ibv_dereg_mr>;

class MrWrap : public HandleWrap<MrWrap, MrHandle> {
 public:
  static const WrapInfo kInfo;

  using HandleWrap::HandleWrap;
  // Deregister before letting go of the memory.
  ~MrWrap() override {
    h_.reset();
    memory_.Reset();
  }

  void Keep(const Napi::Value& memory) { memory_ = Napi::Persistent(memory); }

  // Let go of the memory once deregistered.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    Napi::Value result = HandleWrap::Close(info);
    if (h_ && h_->released()) memory_.Reset();
    return result;
  }

 private:
  Napi::Reference<Napi::Value> memory_;
};

const WrapInfo MrWrap::kInfo = {"NativeMr", "MemoryRegion", {0x7a1c0e5b3d2f4a61ULL, 0x9b8e7d6c5f4a3b31ULL}, {0x7a1c0e5b3d2f4a61ULL, 0x9b8e7d6c5f4a3b32ULL}};

Napi::Function DefineMr(Napi::Env env) {
  return MrWrap::Define(env, {
  });
}

Napi::Value RegisterMemory(Napi::Env env, const std::shared_ptr<PdHandle>& pd, const Napi::Value& view, uint32_t access) {
  if (!view.IsTypedArray()) throw Napi::TypeError::New(env, "regMr() takes a Uint8Array");
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value ab = nullptr;
  size_t offset = 0;
  // `data` is valid for ArrayBuffer- and SharedArrayBuffer-backed arrays alike.
  if (napi_get_typedarray_info(env, view, &type, &length, &data, &ab, &offset) != napi_ok || type != napi_uint8_array) {
    throw Napi::TypeError::New(env, "regMr() takes a Uint8Array");
  }
  if (length == 0 || data == nullptr) throw Napi::RangeError::New(env, "regMr(): the memory is empty or detached");
  errno = 0;
  ibv_mr* mr = ibv_reg_mr(pd->pd(), data, length, static_cast<int>(access));
  if (mr == nullptr) {
    int err = errno != 0 ? errno : ENOMEM;
    std::string detail = ErrnoText(err);
    if (err == ENOMEM || err == EPERM) {
      detail += "; registering " + std::to_string(length) +
                " bytes pins them, which counts against the locked-memory limit: `ulimit -l` is " +
                MemlockLimitText() +
                " here. Raise it (`ulimit -l unlimited` as root, LimitMEMLOCK=infinity for a systemd "
                "service, `--ulimit memlock=-1` for a container) or register less memory";
    }
    ThrowVerbs(env, "ibv_reg_mr", err, detail);
  }
  auto h = std::make_shared<MrHandle>(mr);
  h->AddParent(pd);
  Napi::Object obj = NewWrapper<MrWrap>(env, AddonOf(env).mr_ctor, h);
  MrWrap::Unwrap(obj)->Keep(view);
  obj.Set("lkey", Napi::Number::New(env, mr->lkey));
  obj.Set("rkey", Napi::Number::New(env, mr->rkey));
  obj.Set("addr", Napi::BigInt::New(env, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(mr->addr))));
  obj.Set("length", Napi::Number::New(env, static_cast<double>(mr->length)));
  return obj;
}

}  // namespace vrdma
