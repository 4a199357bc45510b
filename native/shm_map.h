// Named shared memory for the loopback provider: POSIX shared memory
// objects (shm_open) mapped MAP_SHARED and handed to JavaScript as external
// ArrayBuffers, so that two processes on one host can read and write the
// same bytes. Needs no RDMA device.
#pragma once

#include <set>
#include <string>

#include "common.h"

namespace vrdma {

// The names this environment created and has not unlinked yet. Shared with
// the finalizers of its buffers, which may run after the addon instance.
struct OwnedShmNames {
  std::set<std::string> names;
  // Unlink every name still owned (the environment is going away).
  void UnlinkAll();
};

// shmCreate(name, size): a new object of `size` bytes, mapped.
Napi::Value ShmCreate(const Napi::CallbackInfo& info, const std::shared_ptr<OwnedShmNames>& owned);
// shmMap(name, size): the first `size` bytes of an existing object, mapped.
Napi::Value ShmMap(const Napi::CallbackInfo& info);
// shmUnlink(name): remove the name now (the memory stays mapped where it is).
Napi::Value ShmUnlink(const Napi::CallbackInfo& info, const std::shared_ptr<OwnedShmNames>& owned);
// fileMap(path, size, offset): `size` bytes of the file `path` from `offset`
// (a multiple of the page size), mapped shared.
Napi::Value FileMap(const Napi::CallbackInfo& info);

}  // namespace vrdma
