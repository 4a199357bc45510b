#include "shm_map.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "errors.h"

namespace vrdma {

namespace {

// The largest object: 1 TiB, as for allocate().
constexpr double kMaxBytes = 1099511627776.0;

// What a buffer's finalizer needs: the mapping, and the name to unlink when
// this environment created it and still owns it.
struct MappingHint {
  size_t mapped;
  std::string name;
  std::shared_ptr<OwnedShmNames> owned;  // null for a mapping of another's object
};

std::string ArgName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "name must be a string");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (name.size() < 2 || name.size() > 200 || name[0] != '/' || name.find('/', 1) != std::string::npos) {
    throw Napi::TypeError::New(env, "name must be \"/\" followed by 1 to 199 characters other than \"/\"");
  }
  return name;
}

size_t ArgSize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[1].IsNumber()) throw Napi::TypeError::New(env, "size must be a number");
  double d = info[1].As<Napi::Number>().DoubleValue();
  if (!(d >= 1 && d <= kMaxBytes) || d != static_cast<double>(static_cast<uint64_t>(d))) {
    throw Napi::RangeError::New(env, "size must be an integer from 1 to 2^40");
  }
  return static_cast<size_t>(d);
}

size_t PageRounded(size_t size) {
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return (size + page - 1) / page * page;
}

void ReleaseMapping(napi_env env, void* data, void* hint) {
  // A finalizer: never throws.
  MappingHint* h = static_cast<MappingHint*>(hint);
  try {
    munmap(data, h->mapped);
    if (h->owned && h->owned->names.erase(h->name) > 0) shm_unlink(h->name.c_str());
    int64_t adjusted = 0;
    napi_adjust_external_memory(env, -static_cast<int64_t>(h->mapped), &adjusted);
  } catch (...) {
  }
  delete h;
}

// Map `fd` (`mapped` bytes) and wrap the first `size` as an external ArrayBuffer.
Napi::Value Wrap(Napi::Env env, int fd, size_t size, size_t mapped, const std::string& name,
                 const std::shared_ptr<OwnedShmNames>& owned, off_t offset = 0) {
  void* mem = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
  int err = errno;
  close(fd);
  if (mem == MAP_FAILED) {
    if (owned) shm_unlink(name.c_str());
    ThrowVerbs(env, "mmap", err, ErrnoText(err) + " (mapping " + std::to_string(size) + " bytes of " + name + ")");
  }
  MappingHint* hint = new MappingHint{mapped, name, owned};
  napi_value ab = nullptr;
  napi_status st = napi_create_external_arraybuffer(env, mem, size, ReleaseMapping, hint, &ab);
  if (st != napi_ok) {
    delete hint;
    munmap(mem, mapped);
    if (owned) shm_unlink(name.c_str());
    ThrowVerbs(env, "napi_create_external_arraybuffer", ENOTSUP, "this runtime has no external ArrayBuffers");
  }
  if (owned) owned->names.insert(name);
  int64_t adjusted = 0;
  napi_adjust_external_memory(env, static_cast<int64_t>(mapped), &adjusted);
  return Napi::Value(env, ab);
}

}  // namespace

void OwnedShmNames::UnlinkAll() {
  for (const std::string& name : names) shm_unlink(name.c_str());
  names.clear();
}

Napi::Value ShmCreate(const Napi::CallbackInfo& info, const std::shared_ptr<OwnedShmNames>& owned) {
  Napi::Env env = info.Env();
  std::string name = ArgName(info);
  size_t size = ArgSize(info);
  size_t mapped = PageRounded(size);
  int fd = shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) ThrowVerbs(env, "shm_open", errno, ErrnoText(errno) + " (creating " + name + ")");
  // Reserve the pages now: a full /dev/shm fails here (ENOSPC) instead of
  // killing the process with SIGBUS at its first write to the memory.
  int err = posix_fallocate(fd, 0, static_cast<off_t>(mapped));
  if (err != 0) {
    close(fd);
    shm_unlink(name.c_str());
    ThrowVerbs(env, "posix_fallocate", err, ErrnoText(err) + " (reserving " + std::to_string(mapped) + " bytes for " + name + ")");
  }
  return Wrap(env, fd, size, mapped, name, owned);
}

Napi::Value ShmMap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = ArgName(info);
  size_t size = ArgSize(info);
  int fd = shm_open(name.c_str(), O_RDWR | O_CLOEXEC, 0);
  if (fd < 0) ThrowVerbs(env, "shm_open", errno, ErrnoText(errno) + " (opening " + name + ")");
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    ThrowVerbs(env, "fstat", err, ErrnoText(err) + " (" + name + ")");
  }
  if (st.st_size < 0 || static_cast<uint64_t>(st.st_size) < size) {
    close(fd);
    ThrowVerbs(env, "shm_open", EINVAL, name + " holds " + std::to_string(st.st_size) + " bytes, fewer than the " +
                                           std::to_string(size) + " asked for");
  }
  return Wrap(env, fd, size, PageRounded(size), name, nullptr);
}

Napi::Value ShmUnlink(const Napi::CallbackInfo& info, const std::shared_ptr<OwnedShmNames>& owned) {
  Napi::Env env = info.Env();
  std::string name = ArgName(info);
  owned->names.erase(name);
  if (shm_unlink(name.c_str()) == 0) return Napi::Boolean::New(env, true);
  if (errno == ENOENT) return Napi::Boolean::New(env, false);
  ThrowVerbs(env, "shm_unlink", errno, ErrnoText(errno) + " (" + name + ")");
}

Napi::Value FileMap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "path must be a string");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  if (path.empty() || path.size() > 4096 || path.find('\0') != std::string::npos) {
    throw Napi::TypeError::New(env, "path must be 1 to 4096 characters, none of them NUL");
  }
  size_t size = ArgSize(info);
  if (info.Length() < 3 || !info[2].IsNumber()) throw Napi::TypeError::New(env, "offset must be a number");
  double d = info[2].As<Napi::Number>().DoubleValue();
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  if (!(d >= 0 && d <= kMaxBytes) || d != static_cast<double>(static_cast<uint64_t>(d)) ||
      static_cast<uint64_t>(d) % page != 0) {
    throw Napi::RangeError::New(env, "offset must be a multiple of the page size from 0 to 2^40");
  }
  off_t offset = static_cast<off_t>(d);
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) ThrowVerbs(env, "open", errno, ErrnoText(errno) + " (opening " + path + ")");
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    ThrowVerbs(env, "fstat", err, ErrnoText(err) + " (" + path + ")");
  }
  // A regular file (a host file, a PCI BAR's resource file) must hold the
  // window: touching pages past its end would raise SIGBUS.
  uint64_t end = static_cast<uint64_t>(offset) + size;
  if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) < end) {
    close(fd);
    ThrowVerbs(env, "mmap", EINVAL, path + " holds " + std::to_string(st.st_size) + " bytes, fewer than the " +
                                       std::to_string(end) + " a mapping up to that end needs");
  }
  return Wrap(env, fd, size, PageRounded(size), path, nullptr, offset);
}

}  // namespace vrdma
