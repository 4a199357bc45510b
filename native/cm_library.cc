#include "cm_library.h"

#include <dlfcn.h>

#include <cstring>

namespace vrdma {

#if VRDMA_HAVE_RDMACM
CmLibrary::~CmLibrary() {
  if (dl != nullptr) dlclose(dl);
}

namespace {

template <typename F>
bool Take(void* dl, const char* name, F* out, std::string* missing) {
  *out = reinterpret_cast<F>(dlsym(dl, name));
  if (*out == nullptr && missing->empty()) *missing = name;
  return *out != nullptr;
}

}  // namespace

std::shared_ptr<CmLibrary> LoadCmLibrary(std::string* why) {
  void* dl = dlopen("librdmacm.so.1", RTLD_NOW | RTLD_LOCAL);
  if (dl == nullptr) {
    const char* err = dlerror();
    if (err != nullptr && std::strstr(err, "No such file") == nullptr) {
      *why = std::string("librdmacm.so.1 did not load: ") + err;
    } else {
      *why = "librdmacm.so.1 not found";
    }
    return nullptr;
  }
  auto lib = std::make_shared<CmLibrary>();
  lib->dl = dl;
  std::string missing;
  Take(dl, "rdma_create_event_channel", &lib->create_event_channel, &missing);
  Take(dl, "rdma_destroy_event_channel", &lib->destroy_event_channel, &missing);
  Take(dl, "rdma_create_id", &lib->create_id, &missing);
  Take(dl, "rdma_destroy_id", &lib->destroy_id, &missing);
  Take(dl, "rdma_bind_addr", &lib->bind_addr, &missing);
  Take(dl, "rdma_listen", &lib->listen, &missing);
  Take(dl, "rdma_resolve_addr", &lib->resolve_addr, &missing);
  Take(dl, "rdma_resolve_route", &lib->resolve_route, &missing);
  Take(dl, "rdma_connect", &lib->connect, &missing);
  Take(dl, "rdma_accept", &lib->accept, &missing);
  Take(dl, "rdma_reject", &lib->reject, &missing);
  Take(dl, "rdma_disconnect", &lib->disconnect, &missing);
  Take(dl, "rdma_establish", &lib->establish, &missing);
  Take(dl, "rdma_get_cm_event", &lib->get_cm_event, &missing);
  Take(dl, "rdma_ack_cm_event", &lib->ack_cm_event, &missing);
  Take(dl, "rdma_init_qp_attr", &lib->init_qp_attr, &missing);
  Take(dl, "rdma_migrate_id", &lib->migrate_id, &missing);
  if (!missing.empty()) {
    *why = "librdmacm.so.1 has no " + missing + " (too old)";
    return nullptr;
  }
  return lib;
}
#else
std::shared_ptr<CmLibrary> LoadCmLibrary(std::string* why) {
  *why = "vrdma was built without librdmacm's headers (install librdmacm-dev, then npm rebuild vrdma)";
  return nullptr;
}
#endif

}  // namespace vrdma
