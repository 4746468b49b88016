#include "cloud/lambda/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <string>

namespace cloud::lambda {

base::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(const SpawnSpec& spec) {
  if (spec.argv.empty()) return base::Status::InvalidArgument("empty command");
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return base::Status::IoError(std::string("pipe: ") + std::strerror(errno));

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  // Our listening sockets and databases must not leak into functions (Asio does not always set
  // close-on-exec).
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group (so a timeout kills the runtime and its children together) and default
  // signal handling and mask whatever this server uses.
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> argv, envp;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  // posix_spawnp searches the PATH of *our* environment; the function's PATH is normally the same.
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(pipe_fds[1]);
  if (rc != 0) {
    close(pipe_fds[0]);
    return base::Status::NotFound("cannot execute " + spec.argv[0] + ": " + std::strerror(rc));
  }
  fcntl(pipe_fds[0], F_SETFL, fcntl(pipe_fds[0], F_GETFL) | O_NONBLOCK);
  int pid_fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pid_fd < 0) {
    kill(-pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    close(pipe_fds[0]);
    return base::Status::IoError(std::string("pidfd_open: ") + std::strerror(errno));
  }
  auto child = std::unique_ptr<ChildProcess>(new ChildProcess(pid, pipe_fds[0], pid_fd));
  // Kept open: the peak is read after every invocation, and a pread of an open /proc file costs
  // one system call where open+read+close cost three.
  child->status_fd_ = open(("/proc/" + std::to_string(pid) + "/status").c_str(), O_RDONLY | O_CLOEXEC);
  return child;
}

ChildProcess::~ChildProcess() {
  if (!reaped_) {
    KillGroup();
    waitpid(pid_, nullptr, 0);
  }
  CloseOutput();
  if (pid_fd_ >= 0) close(pid_fd_);
  if (status_fd_ >= 0) close(status_fd_);
}

void ChildProcess::KillGroup() {
  if (!reaped_) {
    kill(-pid_, SIGKILL);
  } else {
    // The leader is gone, but children it left in the group may still run.
    kill(-pid_, SIGKILL);
  }
}

std::optional<int> ChildProcess::Reap() {
  if (reaped_) return std::nullopt;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r != pid_) return std::nullopt;
  reaped_ = true;
  return status;
}

int64_t ChildProcess::PeakRssMb() const {
  if (status_fd_ < 0) return 0;
  char buf[4096];
  ssize_t n = pread(status_fd_, buf, sizeof buf - 1, 0);
  if (n <= 0) return 0;
  buf[n] = '\0';
  const char* line = std::strstr(buf, "\nVmHWM:");
  if (!line) return 0;
  long long kb = std::strtoll(line + 7, nullptr, 10);
  return (kb + 1023) / 1024;
}

void ChildProcess::CloseOutput() {
  if (output_fd_ >= 0) close(output_fd_);
  output_fd_ = -1;
}

std::string ChildProcess::DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    if (sig == SIGKILL) return "signal: killed";
    if (sig == SIGSEGV) return "signal: segmentation fault";
    if (sig == SIGABRT) return "signal: aborted";
    return std::string("signal: ") + strsignal(sig);
  }
  return "unknown status";
}

}  // namespace cloud::lambda
