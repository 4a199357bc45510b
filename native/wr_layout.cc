#include "wr_layout.h"

#include <cerrno>

#include "errors.h"

namespace vrdma {

ibv_recv_wr* BuildRecvChain(Napi::Env env, const uint8_t* buf, size_t len, uint32_t count, uint32_t max_sge,
                            RecvScratch& scratch) {
  if (scratch.wrs.size() < count) scratch.wrs.resize(count);
  // Bound the SGE scratch first so pointers into it stay valid.
  size_t sge_cap = static_cast<size_t>(count) * (max_sge > 0 ? max_sge : 1);
  if (scratch.sges.size() < sge_cap) scratch.sges.resize(sge_cap);
  size_t pos = 0;
  size_t s = 0;
  for (uint32_t i = 0; i < count; i++) {
    if (pos + recv_wr::kBytes > len) throw Napi::RangeError::New(env, "packed receive requests overrun their buffer");
    const uint8_t* p = buf + pos;
    uint32_t num_sge = Load<uint32_t>(p + recv_wr::kNumSge);
    if (num_sge > max_sge) {
      throw Napi::RangeError::New(env, "receive request " + std::to_string(i) + " has " + std::to_string(num_sge) +
                                           " SGEs; the queue takes " + std::to_string(max_sge));
    }
    if (pos + recv_wr::kBytes + num_sge * sge::kBytes > len) {
      throw Napi::RangeError::New(env, "packed receive requests overrun their buffer");
    }
    ibv_recv_wr& wr = scratch.wrs[i];
    wr = ibv_recv_wr{};
    wr.wr_id = static_cast<uint64_t>(Load<double>(p + recv_wr::kWrId));
    wr.num_sge = static_cast<int>(num_sge);
    wr.sg_list = num_sge > 0 ? &scratch.sges[s] : nullptr;
    const uint8_t* q = p + recv_wr::kBytes;
    for (uint32_t j = 0; j < num_sge; j++) LoadSge(q + j * sge::kBytes, &scratch.sges[s++]);
    wr.next = i + 1 < count ? &scratch.wrs[i + 1] : nullptr;
    pos += recv_wr::kBytes + num_sge * sge::kBytes;
  }
  return count > 0 ? &scratch.wrs[0] : nullptr;
}

std::string PostFailureDetail(int err, size_t posted, size_t count, const char* queue, uint32_t depth) {
  std::string why;
  if (err == ENOMEM) {
    why = std::string("the ") + queue + " is full (" + std::to_string(depth) +
          " requests outstanding); poll completions before posting more";
  } else {
    why = ErrnoText(err);
  }
  if (count > 1) why += "; " + std::to_string(posted) + " of " + std::to_string(count) + " requests were posted before it";
  return why;
}

}  // namespace vrdma
