#include "runtime/schema/schema.h"

#include <algorithm>
#include <array>

namespace sg::schema {
namespace {

// Open flags, normalised by the sensor: the access mode becomes the two
// bits `read` and `write`, the rest keep their O_* meaning.
constexpr Symbol kOpenFlags[] = {
    {"read", 1U << 0},       {"write", 1U << 1},     {"create", 1U << 2},
    {"excl", 1U << 3},       {"noctty", 1U << 4},    {"trunc", 1U << 5},
    {"append", 1U << 6},     {"nonblock", 1U << 7},  {"dsync", 1U << 8},
    {"sync", 1U << 9},       {"direct", 1U << 10},   {"largefile", 1U << 11},
    {"directory", 1U << 12}, {"nofollow", 1U << 13}, {"noatime", 1U << 14},
    {"cloexec", 1U << 15},   {"path", 1U << 16},     {"tmpfile", 1U << 17},
};

// Permission bits with their st_mode values.
constexpr Symbol kModeBits[] = {
    {"setuid", 04000},    {"setgid", 02000},     {"sticky", 01000},
    {"owner_read", 0400}, {"owner_write", 0200}, {"owner_exec", 0100},
    {"group_read", 040},  {"group_write", 020},  {"group_exec", 010},
    {"other_read", 04},   {"other_write", 02},   {"other_exec", 01},
};

constexpr Symbol kAddressFamilies[] = {
    {"unix", 1}, {"inet", 2}, {"inet6", 10}, {"netlink", 16}, {"packet", 17},
};

constexpr Symbol kProtocols[] = {
    {"tcp", 6},     {"udp", 17},  {"icmp", 1},
    {"icmpv6", 58}, {"raw", 255}, {"other", 0},
};

constexpr Symbol kPtraceRequests[] = {
    {"traceme", 0},
    {"peektext", 1},
    {"peekdata", 2},
    {"peekuser", 3},
    {"poketext", 4},
    {"pokedata", 5},
    {"pokeuser", 6},
    {"cont", 7},
    {"kill", 8},
    {"singlestep", 9},
    {"getregs", 12},
    {"setregs", 13},
    {"getfpregs", 14},
    {"setfpregs", 15},
    {"attach", 16},
    {"detach", 17},
    {"syscall", 24},
    {"setoptions", 0x4200},
    {"geteventmsg", 0x4201},
    {"getsiginfo", 0x4202},
    {"setsiginfo", 0x4203},
    {"getregset", 0x4204},
    {"setregset", 0x4205},
    {"seize", 0x4206},
    {"interrupt", 0x4207},
    {"listen", 0x4208},
};

// Capability bits: bit n is capability number n.
constexpr Symbol kCapabilities[] = {
    {"cap_chown", 1ULL << 0},
    {"cap_dac_override", 1ULL << 1},
    {"cap_dac_read_search", 1ULL << 2},
    {"cap_fowner", 1ULL << 3},
    {"cap_fsetid", 1ULL << 4},
    {"cap_kill", 1ULL << 5},
    {"cap_setgid", 1ULL << 6},
    {"cap_setuid", 1ULL << 7},
    {"cap_setpcap", 1ULL << 8},
    {"cap_linux_immutable", 1ULL << 9},
    {"cap_net_bind_service", 1ULL << 10},
    {"cap_net_broadcast", 1ULL << 11},
    {"cap_net_admin", 1ULL << 12},
    {"cap_net_raw", 1ULL << 13},
    {"cap_ipc_lock", 1ULL << 14},
    {"cap_ipc_owner", 1ULL << 15},
    {"cap_sys_module", 1ULL << 16},
    {"cap_sys_rawio", 1ULL << 17},
    {"cap_sys_chroot", 1ULL << 18},
    {"cap_sys_ptrace", 1ULL << 19},
    {"cap_sys_pacct", 1ULL << 20},
    {"cap_sys_admin", 1ULL << 21},
    {"cap_sys_boot", 1ULL << 22},
    {"cap_sys_nice", 1ULL << 23},
    {"cap_sys_resource", 1ULL << 24},
    {"cap_sys_time", 1ULL << 25},
    {"cap_sys_tty_config", 1ULL << 26},
    {"cap_mknod", 1ULL << 27},
    {"cap_lease", 1ULL << 28},
    {"cap_audit_write", 1ULL << 29},
    {"cap_audit_control", 1ULL << 30},
    {"cap_setfcap", 1ULL << 31},
    {"cap_mac_override", 1ULL << 32},
    {"cap_mac_admin", 1ULL << 33},
    {"cap_syslog", 1ULL << 34},
    {"cap_wake_alarm", 1ULL << 35},
    {"cap_block_suspend", 1ULL << 36},
    {"cap_audit_read", 1ULL << 37},
    {"cap_perfmon", 1ULL << 38},
    {"cap_bpf", 1ULL << 39},
    {"cap_checkpoint_restore", 1ULL << 40},
};

constexpr Symbol kMemfdFlags[] = {
    {"cloexec", 0x1},     {"allow_sealing", 0x2}, {"hugetlb", 0x4},
    {"noexec_seal", 0x8}, {"exec", 0x10},
};

constexpr Symbol kMountFlags[] = {
    {"rdonly", 1},
    {"nosuid", 2},
    {"nodev", 4},
    {"noexec", 8},
    {"synchronous", 16},
    {"remount", 32},
    {"mandlock", 64},
    {"dirsync", 128},
    {"noatime", 1024},
    {"nodiratime", 2048},
    {"bind", 4096},
    {"move", 8192},
    {"rec", 16384},
    {"silent", 32768},
    {"private", 1 << 18},
    {"slave", 1 << 19},
    {"shared", 1 << 20},
    {"relatime", 1 << 21},
    {"strictatime", 1 << 24},
    {"lazytime", 1 << 25},
};

constexpr Symbol kBpfCommands[] = {
    {"map_create", 0},
    {"map_lookup_elem", 1},
    {"map_update_elem", 2},
    {"map_delete_elem", 3},
    {"map_get_next_key", 4},
    {"prog_load", 5},
    {"obj_pin", 6},
    {"obj_get", 7},
    {"prog_attach", 8},
    {"prog_detach", 9},
    {"prog_test_run", 10},
    {"prog_get_next_id", 11},
    {"map_get_next_id", 12},
    {"prog_get_fd_by_id", 13},
    {"map_get_fd_by_id", 14},
    {"obj_get_info_by_fd", 15},
    {"prog_query", 16},
    {"raw_tracepoint_open", 17},
    {"btf_load", 18},
    {"btf_get_fd_by_id", 19},
    {"task_fd_query", 20},
    {"map_lookup_and_delete_elem", 21},
    {"map_freeze", 22},
    {"btf_get_next_id", 23},
    {"link_create", 28},
    {"link_update", 29},
    {"link_get_fd_by_id", 30},
    {"link_get_next_id", 31},
    {"enable_stats", 32},
    {"iter_create", 33},
    {"link_detach", 34},
    {"prog_bind_map", 35},
};

constexpr SymbolSet k_open_flags{"open flags", kOpenFlags};
constexpr const SymbolSet* open_flags = &k_open_flags;
constexpr SymbolSet k_mode_bits{"mode bits", kModeBits};
constexpr const SymbolSet* mode_bits = &k_mode_bits;
constexpr SymbolSet k_address_families{"address families", kAddressFamilies};
constexpr const SymbolSet* address_families = &k_address_families;
constexpr SymbolSet k_protocols{"protocols", kProtocols};
constexpr const SymbolSet* protocols = &k_protocols;
constexpr SymbolSet k_ptrace_requests{"ptrace requests", kPtraceRequests};
constexpr const SymbolSet* ptrace_requests = &k_ptrace_requests;
constexpr SymbolSet k_capabilities{"capabilities", kCapabilities};
constexpr const SymbolSet* capabilities = &k_capabilities;
constexpr SymbolSet k_memfd_flags{"memfd flags", kMemfdFlags};
constexpr const SymbolSet* memfd_flags = &k_memfd_flags;
constexpr SymbolSet k_mount_flags{"mount flags", kMountFlags};
constexpr const SymbolSet* mount_flags = &k_mount_flags;
constexpr SymbolSet k_bpf_commands{"bpf commands", kBpfCommands};
constexpr const SymbolSet* bpf_commands = &k_bpf_commands;
constexpr const SymbolSet* none = nullptr;

constexpr KindSet kExec = kind_bit(Kind::Exec);
constexpr KindSet kOpen = kind_bit(Kind::FileOpen);
constexpr KindSet kRename = kind_bit(Kind::FileRename);
constexpr KindSet kChmod = kind_bit(Kind::FileChmod);
constexpr KindSet kChown = kind_bit(Kind::FileChown);
constexpr KindSet kLink = kind_bit(Kind::FileLink);
constexpr KindSet kSymlink = kind_bit(Kind::FileSymlink);
constexpr KindSet kFile = kOpen | kind_bit(Kind::FileUnlink) | kRename |
                          kChmod | kChown | kLink | kSymlink;
constexpr KindSet kConnect = kind_bit(Kind::NetConnect);
constexpr KindSet kAccept = kind_bit(Kind::NetAccept);
constexpr KindSet kNet =
    kConnect | kAccept | kind_bit(Kind::NetBind) | kind_bit(Kind::NetListen);
constexpr KindSet kPtrace = kind_bit(Kind::Ptrace);
constexpr KindSet kModule = kind_bit(Kind::ModuleLoad);
constexpr KindSet kCred = kind_bit(Kind::CredChange);
constexpr KindSet kMemfd = kind_bit(Kind::MemfdCreate);
constexpr KindSet kMount = kind_bit(Kind::Mount);
constexpr KindSet kBpf = kind_bit(Kind::Bpf);

constexpr KindSet kAll = [] {
  KindSet all = 0;
#define SG_KIND(id, ident, name, doc) all |= kind_bit(Kind::ident);
#include "runtime/schema/kinds.def"
#undef SG_KIND
  return all;
}();

constexpr KindInfo kKinds[] = {
#define SG_KIND(id, ident, name, doc) {Kind::ident, name, doc},
#include "runtime/schema/kinds.def"
#undef SG_KIND
};

constexpr Field kFields[] = {
#define SG_FIELD(id, ident, name, type, kinds, symbols, optional, doc)         \
  {id, Type::type, optional, kinds, name, symbols, doc},
#include "runtime/schema/fields.def"
#undef SG_FIELD
};

constexpr bool ids_ascending() {
  for (size_t i = 1; i < std::size(kFields); ++i) {
    if (kFields[i - 1].id >= kFields[i].id) {
      return false;
    }
  }
  for (const KindInfo& k : kKinds) {
    if (unsigned(k.kind) >= kKindLimit) {
      return false;
    }
  }
  return true;
}
static_assert(ids_ascending(), "field ids must ascend; kind ids fit a KindSet");

} // namespace

std::span<const KindInfo> kinds() {
  return kKinds;
}
std::span<const Field> fields() {
  return kFields;
}

const KindInfo* find_kind(std::string_view name) {
  auto it = std::find_if(std::begin(kKinds), std::end(kKinds),
                         [&](const KindInfo& k) { return k.name == name; });
  return it == std::end(kKinds) ? nullptr : &*it;
}

const Field* find_field(std::string_view name) {
  auto it = std::find_if(std::begin(kFields), std::end(kFields),
                         [&](const Field& f) { return f.name == name; });
  return it == std::end(kFields) ? nullptr : &*it;
}

const Field* field_by_id(uint16_t id) {
  auto it = std::lower_bound(
      std::begin(kFields), std::end(kFields), id,
      [](const Field& f, uint16_t want) { return f.id < want; });
  return it != std::end(kFields) && it->id == id ? &*it : nullptr;
}

const Symbol* find_symbol(const SymbolSet& set, std::string_view name) {
  for (const Symbol& s : set.symbols) {
    if (s.name == name) {
      return &s;
    }
  }
  return nullptr;
}

std::string_view type_name(Type t) {
  switch (t) {
  case Type::String:
    return "string";
  case Type::Path:
    return "path";
  case Type::Int:
    return "int";
  case Type::Ip:
    return "ip";
  case Type::Bool:
    return "bool";
  case Type::Enum:
    return "enum";
  case Type::Flags:
    return "flags";
  case Type::StringList:
    return "string list";
  case Type::PathList:
    return "path list";
  }
  return "?";
}

bool is_string_like(Type t) {
  return t == Type::String || t == Type::Path || t == Type::StringList ||
         t == Type::PathList;
}

bool is_list(Type t) {
  return t == Type::StringList || t == Type::PathList;
}

} // namespace sg::schema
