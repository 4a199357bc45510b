#include "srq.h"

#include <cerrno>

#include "addon.h"
#include "errors.h"
#include "pd.h"

namespace vrdma {

const WrapInfo SrqWrap::kInfo = {"NativeSrq", "SharedReceiveQueue", {0x7a1c0e5b3d2f4a61ULL, 0x9b8e7d6c5f4a3b51ULL}, {0x7a1c0e5b3d2f4a61ULL, 0x9b8e7d6c5f4a3b52ULL}};

Napi::Value CreateSharedReceiveQueue(Napi::Env env, const std::shared_ptr<PdHandle>& pd, uint32_t max_wr, uint32_t max_sge) {
  ibv_srq_init_attr a{};
  a.attr.max_wr = max_wr;
  a.attr.max_sge = max_sge;
  errno = 0;
  ibv_srq* srq = ibv_create_srq(pd->pd(), &a);
  if (srq == nullptr) {
    int err = errno != 0 ? errno : ENOMEM;
    ThrowVerbs(env, "ibv_create_srq", err,
               ErrnoText(err) + " (maxWr " + std::to_string(max_wr) + ", maxSge " + std::to_string(max_sge) +
                   "; see queryDevice().maxSrqWr)");
  }
  auto h = std::make_shared<SrqHandle>(srq, max_wr, max_sge);
  h->AddParent(pd);
  return NewWrapper<SrqWrap>(env, AddonOf(env).srq_ctor, h);
}

// postRecv(buffer: ArrayBuffer, count)
Napi::Value SrqWrap::PostRecv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SrqHandle& h = Open(env);
  Napi::ArrayBuffer ab = ArgBuffer(info, 2, "postRecv(buffer, count)");
  uint32_t count = ArgU32(info, 1, "count");
  if (count == 0) return env.Undefined();
  ibv_recv_wr* head = BuildRecvChain(env, static_cast<const uint8_t*>(ab.Data()), ab.ByteLength(), count, h.max_sge(), h.scratch());
  ibv_recv_wr* bad = nullptr;
  int rc = ibv_post_srq_recv(h.srq(), head, &bad);
  if (rc != 0) {
    size_t posted = bad != nullptr ? static_cast<size_t>(bad - head) : 0;
    ThrowVerbs(env, "ibv_post_srq_recv", rc, PostFailureDetail(rc, posted, count, "shared receive queue", h.max_wr()));
  }
  return env.Undefined();
}

Napi::Function DefineSrq(Napi::Env env) {
  return SrqWrap::Define(env, {
    SrqWrap::InstanceMethod("postRecv", &SrqWrap::PostRecv),
  });
}

}  // namespace vrdma
