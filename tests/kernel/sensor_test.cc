// The real sensors in the running kernel: each test loads them, performs
// real actions in this process or a child, and checks what reaches
// userspace and what the kernel filter drops.
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/openat2.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/sensor/sensor.h"
#include "tests/kernel/kernel_util.h"

extern char** environ;

namespace sg::testing {
namespace {

namespace fs = std::filesystem;
using sensor::Sensor;

std::string rule(const std::string& id, const std::string& select) {
  return "rule r" + id + " {\n  id \"k-" + id +
         "\"\n  title \"t\"\n  level low\n  event file.open\n"
         "  select s: " +
         select + "\n  condition: s\n}\n";
}

// Events of one kind from one process.
auto of(uint16_t kind, int tgid) {
  return [kind, tgid](const Captured& c) {
    return c.header().kind == kind && int(c.header().tgid) == tgid;
  };
}

auto at_least(size_t n) {
  return [n](const std::vector<Captured>& v) { return v.size() >= n; };
}

std::string path_of(const Captured& c) {
  auto v = sensor::open_view(c.raw());
  return v ? std::string(v->path) : "<malformed>";
}

// Copies `from` to `to`, keeping it executable.
void copy_exe(const std::string& from, const std::string& to) {
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  fs::permissions(to, fs::perms::owner_all);
}

class KernelSensor : public ::testing::Test {
protected:
  void SetUp() override {
    SG_NEED_SENSORS();
    sensor::Options o;
    o.ignore_tgid = 0; // the test process acts too
    auto s = Sensor::open(o);
    ASSERT_TRUE(s) << s.error().message();
    sensor_ = std::move(*s);
  }

  void apply(const std::string& rules) {
    std::string error;
    std::optional<pack::Pack> p = compile_pack(rules, error);
    ASSERT_TRUE(p.has_value()) << error;
    Status st = sensor_->apply_filters(*p);
    ASSERT_TRUE(st) << st.error().message();
  }

  sensor::KindStats open_stats() {
    auto s = sensor_->stats();
    EXPECT_TRUE(s) << s.error().message();
    return s ? (*s)[SG_EV_FileOpen] : sensor::KindStats{};
  }

  // The one exec event of process pid.
  std::optional<Captured> exec_of(int pid) {
    auto ev = collect(*sensor_, of(SG_EV_Exec, pid), at_least(1));
    EXPECT_EQ(ev.size(), 1U) << "exec events of pid " << pid;
    if (ev.empty()) {
      return std::nullopt;
    }
    return ev[0];
  }

  std::unique_ptr<Sensor> sensor_;
  ScratchDir dir_;
  using Status = sensor::Status;
};

// ------------------------------------------------------------------ exec

TEST_F(KernelSensor, ExecReportsTheResolvedExecutableAndArgv) {
  int pid = run_child([] {
    execl("/bin/true", "true", "one", "two words", nullptr);
    return 127;
  });
  auto ev = exec_of(pid);
  ASSERT_TRUE(ev);
  auto v = sensor::exec_view(ev->raw());
  ASSERT_TRUE(v);
  EXPECT_EQ(v->exe, fs::canonical("/bin/true").string());
  EXPECT_EQ(v->args(),
            (std::vector<std::string_view>{"true", "one", "two words"}));
  EXPECT_EQ(v->event->argc, 3U);
  EXPECT_FALSE(v->truncated());
  EXPECT_EQ(v->cwd, fs::current_path().string());
  EXPECT_EQ(v->event->flags & (SG_EXEC_EXE_MEMFD | SG_EXEC_EXE_DELETED), 0U);
  const sg_event_header& h = ev->header();
  EXPECT_EQ(h.tid, h.tgid);
  EXPECT_EQ(int(h.ppid), getpid());
  EXPECT_EQ(h.uid, getuid());
  EXPECT_EQ(h.euid, geteuid());
  EXPECT_STREQ(h.comm, "true");
  EXPECT_GT(h.seq, 0U);
  EXPECT_GT(h.ktime_ns, h.start_ns);
}

TEST_F(KernelSensor, ExecOfALongArgvIsCutAndFlagged) {
  std::string huge(size_t{3} * SG_ARGV_MAX, 'a');
  int pid = run_child([&] {
    execl("/bin/true", "true", huge.c_str(), nullptr);
    return 127;
  });
  auto ev = exec_of(pid);
  ASSERT_TRUE(ev);
  auto v = sensor::exec_view(ev->raw());
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->truncated());
  EXPECT_EQ(v->argv.size(), size_t(SG_ARGV_MAX));
  EXPECT_EQ(v->event->argc, 2U);
  EXPECT_EQ(v->args()[0], "true");
}

TEST_F(KernelSensor, ARenamedBinaryWithASpoofedArgv0ShowsItsRealPath) {
  std::string innocent = dir_ / "innocent";
  copy_exe("/bin/true", innocent);
  int pid = run_child([&] {
    execl(innocent.c_str(), "/usr/sbin/sshd", "-D", nullptr);
    return 127;
  });
  auto ev = exec_of(pid);
  ASSERT_TRUE(ev);
  auto v = sensor::exec_view(ev->raw());
  ASSERT_TRUE(v);
  EXPECT_EQ(v->exe, innocent);
  EXPECT_EQ(v->args()[0], "/usr/sbin/sshd");
  EXPECT_STREQ(ev->header().comm, "innocent");
}

TEST_F(KernelSensor, ExecFromMemfdIsFlaggedFileless) {
  int pid = run_child([] {
    int src = open("/bin/true", O_RDONLY | O_CLOEXEC);
    int mem = memfd_create("sg-fileless", MFD_CLOEXEC);
    struct stat st {};
    if (src < 0 || mem < 0 || fstat(src, &st) != 0 ||
        sendfile(mem, src, nullptr, size_t(st.st_size)) != st.st_size) {
      return 126;
    }
    char arg0[] = "true";
    char* argv[] = {arg0, nullptr};
    fexecve(mem, argv, environ);
    return 127;
  });
  auto ev = exec_of(pid);
  ASSERT_TRUE(ev);
  auto v = sensor::exec_view(ev->raw());
  ASSERT_TRUE(v);
  EXPECT_NE(v->event->flags & SG_EXEC_EXE_MEMFD, 0U);
  EXPECT_EQ(v->exe, "/memfd:sg-fileless");
}

TEST_F(KernelSensor, ExecOfADeletedFileIsFlagged) {
  std::string gone = dir_ / "gone";
  copy_exe("/bin/true", gone);
  int pid = run_child([&] {
    int fd = open(gone.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || unlink(gone.c_str()) != 0) {
      return 126;
    }
    char arg0[] = "gone";
    char* argv[] = {arg0, nullptr};
    fexecve(fd, argv, environ);
    return 127;
  });
  auto ev = exec_of(pid);
  ASSERT_TRUE(ev);
  auto v = sensor::exec_view(ev->raw());
  ASSERT_TRUE(v);
  EXPECT_NE(v->event->flags & SG_EXEC_EXE_DELETED, 0U);
  EXPECT_EQ(v->exe, gone);
}

// ------------------------------------------------------------ fork, exit

TEST_F(KernelSensor, ForkAndExitOfAChildAreReported) {
  int pid = run_child([] { return 3; });
  auto ev = collect(
      *sensor_,
      [pid](const Captured& c) {
        const sg_event_header& h = c.header();
        return int(h.tgid) == pid &&
               (h.kind == SG_EV_Fork || h.kind == SG_EV_Exit);
      },
      at_least(2));
  ASSERT_EQ(ev.size(), 2U);
  const sg_fork_event* f = sensor::fork_view(ev[0].raw());
  const sg_exit_event* x = sensor::exit_view(ev[1].raw());
  ASSERT_NE(f, nullptr);
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(int(f->hdr.ppid), getpid());
  EXPECT_EQ(int(f->creator_tgid), getpid());
  EXPECT_EQ(f->hdr.start_ns, x->hdr.start_ns);
  EXPECT_EQ(x->exit_code, 3U << 8);
}

TEST_F(KernelSensor, ThreadsAreNotProcesses) {
  int pid = run_child([] {
    std::thread t([] {});
    t.join();
    return 0;
  });
  auto ev = collect(
      *sensor_,
      [pid](const Captured& c) {
        const sg_event_header& h = c.header();
        return int(h.tgid) == pid &&
               (h.kind == SG_EV_Fork || h.kind == SG_EV_Exit);
      },
      at_least(2));
  // One fork and one exit: the thread's start and end are not reported.
  ASSERT_EQ(ev.size(), 2U);
  EXPECT_EQ(ev[0].header().kind, SG_EV_Fork);
  EXPECT_EQ(ev[1].header().kind, SG_EV_Exit);
}

// ------------------------------------------------------------ file opens

TEST_F(KernelSensor, EveryWayToNameAWatchedFileGivesItsResolvedPath) {
  std::string secret = dir_.write("watched/secret", "x");
  std::string watched = dir_ / "watched";
  ASSERT_EQ(symlink(secret.c_str(), (dir_ / "link").c_str()), 0);
  apply(rule("1", "file.path == \"" + secret + "\""));

  std::vector<int> fds;
  fds.push_back(open(secret.c_str(), O_RDONLY));
  fs::path cwd = fs::current_path();
  fs::current_path(watched);
  fds.push_back(open("secret", O_RDONLY));
  fs::current_path(cwd);
  fds.push_back(open((watched + "/../watched/./secret").c_str(), O_RDONLY));
  fds.push_back(open((dir_ / "link").c_str(), O_RDONLY));
  int dirfd = open(watched.c_str(), O_RDONLY | O_DIRECTORY);
  fds.push_back(openat(dirfd, "secret", O_RDONLY));
  open_how how{};
  how.flags = O_RDWR;
  fds.push_back(
      int(syscall(SYS_openat2, AT_FDCWD, secret.c_str(), &how, sizeof(how))));
  fds.push_back(int(syscall(SYS_open, secret.c_str(), O_WRONLY | O_APPEND)));
  fds.push_back(creat(secret.c_str(), 0640));
  for (int fd : fds) {
    EXPECT_GE(fd, 0);
    close(fd);
  }
  close(dirfd);

  auto ev = collect(*sensor_, of(SG_EV_FileOpen, getpid()), at_least(8));
  ASSERT_EQ(ev.size(), 8U);
  for (const Captured& c : ev) {
    EXPECT_EQ(path_of(c), secret);
  }
  auto last = [&](size_t i) { return *sensor::open_view(ev[i].raw())->event; };
  EXPECT_EQ(last(0).syscall, SG_OPEN_OPENAT);
  EXPECT_EQ(last(5).syscall, SG_OPEN_OPENAT2);
  EXPECT_EQ(last(5).flags, uint32_t(O_RDWR));
  EXPECT_EQ(last(6).syscall, SG_OPEN_OPEN);
  EXPECT_EQ(last(6).flags, uint32_t(O_WRONLY | O_APPEND));
  EXPECT_EQ(last(7).syscall, SG_OPEN_CREAT);
  EXPECT_EQ(last(7).flags, uint32_t(O_CREAT | O_WRONLY | O_TRUNC));
  EXPECT_EQ(last(7).mode, 0640U);
  struct stat st {};
  ASSERT_EQ(stat(secret.c_str(), &st), 0);
  EXPECT_EQ(last(0).ino, st.st_ino);
}

TEST_F(KernelSensor, AnUnwatchedOpenNeverReachesUserspace) {
  std::string secret = dir_.write("watched/secret", "x");
  std::string other = dir_.write("watched/other", "x");
  apply(rule("1", "file.path == \"" + secret + "\""));
  sensor::KindStats before = open_stats();

  constexpr int kOpens = 50;
  for (int i = 0; i < kOpens; ++i) {
    close(open(other.c_str(), O_RDONLY));
  }
  close(open(secret.c_str(), O_RDONLY)); // proves the sensor is live

  auto ev = collect(*sensor_, of(SG_EV_FileOpen, getpid()),
                    [&](const std::vector<Captured>& v) {
                      return !v.empty() && path_of(v.back()) == secret;
                    });
  ASSERT_FALSE(ev.empty());
  for (const Captured& c : ev) {
    EXPECT_NE(path_of(c), other);
  }
  sensor::KindStats after = open_stats();
  EXPECT_GE(after.filtered - before.filtered, uint64_t(kOpens));
  EXPECT_GE(after.emitted - before.emitted, 1U);
}

TEST_F(KernelSensor, SuffixAndFileNameAtomsMatchTheResolvedPath) {
  std::string keys = dir_.write("home/.ssh/authorized_keys", "x");
  std::string key = dir_.write("home/id_sg", "x");
  std::string pub = dir_.write("home/id_sg.pub", "x");
  std::string near = dir_.write("home/ssh/authorized_keys", "x");
  apply(rule("1", "file.path endswith \"/.ssh/authorized_keys\"") +
        rule("2", "file.name == \"id_sg\""));
  for (const std::string& p : {pub, near, keys, key}) {
    close(open(p.c_str(), O_RDONLY));
  }
  auto ev = collect(*sensor_, of(SG_EV_FileOpen, getpid()), at_least(2));
  ASSERT_EQ(ev.size(), 2U);
  EXPECT_EQ(path_of(ev[0]), keys);
  EXPECT_EQ(path_of(ev[1]), key);
}

TEST_F(KernelSensor, CommandNameAndExecutableAtomsPassTheirProcesses) {
  std::string plain = dir_.write("plain", "x");
  std::string cat = dir_ / "bin/cat";
  fs::create_directories(dir_ / "bin");
  copy_exe("/bin/cat", cat);
  apply(rule("1", "proc.name == \"sg-kt-comm\"") +
        rule("2", "proc.exe startswith \"" + dir_.path().string() + "/bin/\""));

  int by_comm = run_child([&] {
    prctl(PR_SET_NAME, "sg-kt-comm");
    close(open(plain.c_str(), O_RDONLY));
    return 0;
  });
  int by_exe = run_child([&] {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    execl(cat.c_str(), "cat", plain.c_str(), nullptr);
    return 127;
  });
  close(open(plain.c_str(), O_RDONLY)); // neither: dropped

  auto keep = [&](const Captured& c) {
    return c.header().kind == SG_EV_FileOpen && path_of(c) == plain;
  };
  auto ev = collect(*sensor_, keep, at_least(2));
  ASSERT_EQ(ev.size(), 2U);
  EXPECT_EQ(int(ev[0].header().tgid), by_comm);
  EXPECT_STREQ(ev[0].header().comm, "sg-kt-comm");
  EXPECT_EQ(int(ev[1].header().tgid), by_exe);
}

TEST_F(KernelSensor, ADirectoryRenamedUnderAWatchedPrefixIsSeen) {
  std::string file = dir_.write("elsewhere/file", "x");
  std::string watched = dir_.write("watched/marker", "x");
  apply(rule("1", "file.path startswith \"" + (dir_ / "watched/") + "\""));
  // The first open caches "elsewhere" as holding nothing watched.
  close(open(file.c_str(), O_RDONLY));
  close(open(file.c_str(), O_RDONLY));
  std::string moved = dir_ / "watched/elsewhere";
  ASSERT_EQ(rename((dir_ / "elsewhere").c_str(), moved.c_str()), 0);
  close(open((moved + "/file").c_str(), O_RDONLY));
  close(open(watched.c_str(), O_RDONLY));

  auto ev = collect(*sensor_, of(SG_EV_FileOpen, getpid()), at_least(2));
  ASSERT_EQ(ev.size(), 2U);
  EXPECT_EQ(path_of(ev[0]), moved + "/file");
  EXPECT_EQ(path_of(ev[1]), watched);
}

TEST_F(KernelSensor, AKindThatPassesWholeSkipsTheFilter) {
  std::string any = dir_.write("any", "x");
  apply(rule("1", "file.path contains \"no-such-thing\""));
  close(open(any.c_str(), O_RDONLY));
  auto keep = [&](const Captured& c) {
    return c.header().kind == SG_EV_FileOpen && path_of(c) == any;
  };
  EXPECT_EQ(collect(*sensor_, keep, at_least(1)).size(), 1U);
}

TEST_F(KernelSensor, NoPackMeansNoFileEvents) {
  std::string any = dir_.write("any", "x");
  sensor::KindStats before = open_stats();
  close(open(any.c_str(), O_RDONLY));
  EXPECT_EQ(open_stats().seen, before.seen);
}

TEST_F(KernelSensor, AReloadSwapsTheFilter) {
  std::string a = dir_.write("a", "x");
  std::string b = dir_.write("b", "x");
  auto opens = [&](const std::string& marker) {
    close(open(a.c_str(), O_RDONLY));
    close(open(b.c_str(), O_RDONLY));
    close(open(marker.c_str(), O_RDONLY));
    auto ev = collect(*sensor_, of(SG_EV_FileOpen, getpid()),
                      [&](const std::vector<Captured>& v) {
                        return !v.empty() && path_of(v.back()) == marker;
                      });
    std::vector<std::string> paths;
    paths.reserve(ev.size());
    for (const Captured& c : ev) {
      paths.push_back(path_of(c));
    }
    return paths;
  };
  std::string marker = dir_.write("marker", "x");
  std::string watch_marker = "file.path == \"" + marker + "\"";
  apply(rule("1", "file.path == \"" + a + "\"") + rule("m", watch_marker));
  EXPECT_EQ(opens(marker), (std::vector<std::string>{a, marker}));
  apply(rule("1", "file.path == \"" + b + "\"") + rule("m", watch_marker));
  EXPECT_EQ(opens(marker), (std::vector<std::string>{b, marker}));
  // The third pack reuses the first one's slot, which must be cleared.
  apply(rule("m", watch_marker));
  EXPECT_EQ(opens(marker), (std::vector<std::string>{marker}));
}

TEST_F(KernelSensor, SequenceNumbersShowNoGapsWhenNothingIsLost) {
  int pid = run_child([] { return 0; });
  auto ev = collect(*sensor_, of(SG_EV_Exit, pid), at_least(1));
  ASSERT_EQ(ev.size(), 1U);
  auto stats = sensor_->stats();
  ASSERT_TRUE(stats);
  for (auto& [kind, s] : *stats) {
    EXPECT_EQ(s.ring_full, 0U) << "kind " << kind;
  }
  EXPECT_EQ(sensor_->gaps().proc, 0U);
  EXPECT_EQ(sensor_->gaps().file, 0U);
}

// ------------------------------------------------------------ the daemon

TEST(KernelSensorSelf, TheDaemonsOwnEventsAreNotEmitted) {
  SG_NEED_SENSORS();
  auto s = Sensor::open(); // ignores this process
  ASSERT_TRUE(s) << s.error().message();
  ScratchDir dir;
  std::string secret = dir.write("secret", "x");
  std::string error;
  auto p = compile_pack(rule("1", "file.path == \"" + secret + "\""), error);
  ASSERT_TRUE(p) << error;
  ASSERT_TRUE((*s)->apply_filters(*p));

  close(open(secret.c_str(), O_RDONLY));
  int child = run_child([&] {
    close(open(secret.c_str(), O_RDONLY));
    return 0;
  });
  auto ev = collect(
      **s,
      [&](const Captured& c) {
        return c.header().kind == SG_EV_FileOpen &&
               sensor::open_view(c.raw())->path == secret;
      },
      at_least(1));
  ASSERT_EQ(ev.size(), 1U);
  EXPECT_EQ(int(ev[0].header().tgid), child);
}

TEST(KernelSensorSelf, WithoutRootOpenRefusesWithAReason) {
  auto refused = [] {
    auto s = Sensor::open();
    bool why = !s && !s.error().message().empty() &&
               (s.error().code == EPERM || s.error().code == ENOTSUP);
    return why ? 0 : 1;
  };
  if (geteuid() != 0) {
    EXPECT_EQ(refused(), 0);
    return;
  }
  int status = 0;
  run_child(
      [&] {
        if (setgid(65534) != 0 || setuid(65534) != 0) {
          return 2;
        }
        return refused();
      },
      &status);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

} // namespace
} // namespace sg::testing
